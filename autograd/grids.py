"""The values of `arange`, `linspace` and `logspace`, bit for bit as PyTorch computes them on the CPU.

A grid's last bits decide things people see: the point of `arange(-8, 8, 0.1)` nearest 0 is
+4.4e-16 in PyTorch but -2.8e-14 with numpy's arange (which adds a rounded difference), which
flips a ReLU derivative in a plotted lesson. So these functions follow PyTorch's kernels
(aten/src/ATen/native/RangeFactories.cpp and cpu/RangeFactoriesKernel.cpp), checked against it:

- arange: x_i = start + step·i in double (float for float16) with one rounding (the compiler
  fuses the multiply-add), then cast. But PyTorch fills pairs of 32-byte vectors (8 float32 or 4
  float64 values each) at a time: there each value is its vector's first value, rounded to the
  output dtype, plus k·step (again one fused rounding); the tail after the last pair is computed
  one by one. (Measured on an AVX-512 machine, where this kernel still uses 32-byte vectors.)
- linspace: step = (end - start)/(steps - 1) in the output dtype (double for integers, which
  are then truncated); the first half is start + step·i and the second half end - step·(steps-1-i),
  each one fused multiply-add in the output dtype, so both ends are exact (float16: every
  operation rounded to half, as c10::Half computes).
- logspace: start, end and their difference rounded to the output dtype, the exponents
  start + step·i (or from the end) in double without fusing, and C's pow.

numpy has no fused multiply-add, so `_fma64` and `_fma32` compute one exactly with error-free
transformations. Past 32768 elements PyTorch splits the work between threads and its own
values then depend on its thread count; these follow its single-threaded layout.
"""
from __future__ import annotations

import math

import numpy as np

_VECTOR_BYTES = 32  # one ATen Vectorized<T> on this path
_SPLIT = 134217729.0  # 2**27 + 1, Veltkamp's splitter for doubles


def _two_product(a, b):
    """p, e with p = fl(a·b) and p + e = a·b exactly (Dekker)."""
    p = a * b
    t = _SPLIT * a
    a_hi = t - (t - a)
    a_lo = a - a_hi
    t = _SPLIT * b
    b_hi = t - (t - b)
    b_lo = b - b_hi
    e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return p, e


def _two_sum(a, b):
    """s, e with s = fl(a + b) and s + e = a + b exactly (Knuth)."""
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _fma64(a, b, c) -> np.ndarray:
    """a·b + c in float64 with a single rounding (exact but in cases of probability ~1e-16)."""
    a, b, c = (np.asarray(v, dtype=np.float64) for v in (a, b, c))
    with np.errstate(over="ignore", invalid="ignore"):
        p, e = _two_product(a, b)
        s, t = _two_sum(p, c)
        return s + (t + e)


def _fma32(a, b, c) -> np.ndarray:
    """a·b + c for float32 values with a single rounding to float32 (exact)."""
    a, b, c = (np.asarray(v, dtype=np.float32).astype(np.float64) for v in (a, b, c))
    s, t = _two_sum(a * b, c)  # a·b is exact in float64, so s + t is the exact result
    r = s.astype(np.float32)
    # s rounds like s + t unless s sits exactly on a midpoint between two float32 values: then t decides
    back = r.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        other = np.nextafter(r, np.where(s > back, np.float32(np.inf), np.float32(-np.inf)))
        middle = (back + other.astype(np.float64)) / 2
    toward_other = (s == middle) & (t != 0) & ((t > 0) == (other.astype(np.float64) > back))
    return np.where(toward_other, other, r)


# ----------------------------------------------------------------------------- arange
def arange_size(start, end, step, dtype: np.dtype) -> int:
    """The number of elements, with PyTorch's checks and its integer rule for int64."""
    if dtype == np.int64:
        s, e, st = int(start), int(end), int(step)
    else:
        s, e, st = float(start), float(end), float(step)
    if st == 0:
        raise RuntimeError("arange: step must be nonzero")
    if not (math.isfinite(s) and math.isfinite(e)):
        raise RuntimeError(f"arange: unsupported range: {s} -> {e}")
    if not ((st > 0 and e >= s) or (st < 0 and e <= s)):
        raise RuntimeError(f"arange: upper bound ({end}) and lower bound ({start}) inconsistent with step sign ({step})")
    if dtype == np.int64:
        numerator = e - s + st - (1 if st > 0 else -1)
        quotient = abs(numerator) // abs(st)  # C++'s integer division truncates towards zero
        return quotient if (numerator >= 0) == (st > 0) else -quotient
    return int(math.ceil((float(end) - float(start)) / float(step)))


def arange_values(start, step, n: int, dtype: np.dtype) -> np.ndarray:
    """x_i = start + step·i as PyTorch's CPU kernel computes them (see the module docstring)."""
    if dtype.kind in "iub":
        values = int(start) + int(step) * np.arange(n, dtype=np.int64)
        return values.astype(dtype)
    if dtype == np.float16:  # PyTorch accumulates float16 in float32
        start, step, fma, acc = np.float32(start), np.float32(step), _fma32, np.float32
    else:
        start, step, fma, acc = float(start), float(step), _fma64, np.float64
    index = np.arange(n)
    out = fma(step, index.astype(acc), start).astype(dtype)
    lanes = _VECTOR_BYTES // dtype.itemsize
    vectorized = n - n % (2 * lanes)  # pairs of full vectors; the tail is done one by one
    if vectorized:
        i = index[:vectorized]
        offset = i % lanes
        first = fma(step, (i - offset).astype(acc), start).astype(dtype).astype(acc)  # each run's first value, rounded
        out[:vectorized] = fma(offset.astype(acc), step, first).astype(dtype)
    return out


# ----------------------------------------------------------------------------- linspace
def linspace_values(start, end, steps: int, dtype: np.dtype) -> np.ndarray:
    """`steps` points from start to end, as PyTorch's kernel computes them (see the module docstring)."""
    if steps == 0:
        return np.zeros((0,), dtype=dtype)
    if dtype.kind in "iub":
        s, e = float(_to_integer(start, dtype)), float(_to_integer(end, dtype))
        fma, T = _fma64, np.float64
    elif dtype == np.float16:
        return _linspace_half(np.float16(start), np.float16(end), steps)
    elif dtype == np.float32:
        s, e, fma, T = np.float32(start), np.float32(end), _fma32, np.float32
    else:
        s, e, fma, T = float(start), float(end), _fma64, np.float64
    if steps == 1:
        return np.full((1,), s, dtype=np.float64).astype(dtype)
    step = T(T(e) - T(s)) / T(steps - 1)
    index = np.arange(steps)
    halfway = steps // 2
    first = fma(step, index[:halfway].astype(T), s)
    second = fma(-step, (steps - 1 - index[halfway:]).astype(T), e)
    values = np.concatenate([first, second])
    if dtype.kind in "iub":
        return np.trunc(values).astype(dtype)
    return values.astype(dtype)


def _to_integer(value, dtype):
    """PyTorch's Scalar-to-integer conversion: truncation towards zero."""
    return int(value) if dtype.kind != "b" else bool(value)


def _linspace_half(s: np.float16, e: np.float16, steps: int) -> np.ndarray:
    """float16: every operation rounded to half precision, as c10::Half's operators do."""
    if steps == 1:
        return np.array([s], dtype=np.float16)
    step = (e - s) / np.float16(steps - 1)
    index = np.arange(steps)
    halfway = steps // 2
    first = s + step * index[:halfway].astype(np.float16)
    second = e - step * (steps - 1 - index[halfway:]).astype(np.float16)
    return np.concatenate([first, second]).astype(np.float16)


# ----------------------------------------------------------------------------- logspace
def logspace_values(start, end, steps: int, base: float, dtype: np.dtype) -> np.ndarray:
    """base ** (linspace exponents), as PyTorch: start and end rounded to the output dtype, their difference
    too, then in double the exponent start + step·i (or end - step·(steps - 1 - i) for the second half) and
    C's pow (the base as a float for integer outputs; float16 through float32, as c10::Half converts)."""
    if steps == 0:
        return np.zeros((0,), dtype=dtype)
    if steps == 1:  # PyTorch fills with pow(base, start) in double, start as given
        value = np.array([_pow(float(base), float(start))])
        return (np.trunc(value) if dtype.kind in "iub" else value.astype(np.float32) if dtype == np.float16
                else value).astype(dtype)
    if dtype.kind in "iub":
        s, e = _to_integer(start, dtype), _to_integer(end, dtype)
        difference, b = float(e - s), float(np.float32(base))
    else:
        s, e = dtype.type(start), dtype.type(end)
        difference, b = float(e - s), float(base)
    step = difference / (steps - 1)
    index = np.arange(steps)
    halfway = steps // 2
    exponents = np.concatenate([float(s) + step * index[:halfway], float(e) - step * (steps - 1 - index[halfway:])])
    values = np.array([_pow(b, x) for x in exponents.tolist()])  # C's pow (numpy's may differ in the last bit)
    if dtype.kind in "iub":
        return np.trunc(values).astype(dtype)
    return (values.astype(np.float32) if dtype == np.float16 else values).astype(dtype)


def _pow(base: float, exponent: float) -> float:
    try:
        return math.pow(base, exponent)
    except OverflowError:
        return math.inf
