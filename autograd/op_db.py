"""The list of every built-in differentiable operation, with sample inputs: one table the checks read.

Each `OpInfo` names an operation, says how to call it (`op(*tensors, **kwargs)`) and
how to draw inputs for it (`sample(rng) -> Sample`): shapes (same, broadcastable,
matmul-compatible, fixed rank), values from the op's domain (positive for log,
away from kinks for relu/abs/clamp, without ties for max) and keyword variants
(dim as int/tuple/negative/None, keepdim, ...). `tests/autograd/test_ops.py` and
`python -m autograd.check` run gradcheck and gradgradcheck over all of them, and a
test fails when an op's `Function` class is reached by no entry, so adding an op
means adding an entry here.

Samples use a numpy Generator passed in, never autograd's global one, so running
the checks does not change a user's random stream.
"""
from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import autograd as ag

__all__ = ["OpInfo", "Sample", "op_db", "make_tensors"]

MAX_SIDE = 3  # small shapes: gradgradcheck's cost grows with the square of the element count


@dataclass
class Sample:
    """Arrays for the tensor arguments (float64, checked) and the keyword arguments of one call."""

    arrays: list
    kwargs: dict = field(default_factory=dict)

    @property
    def shapes(self) -> list:
        return [tuple(a.shape) for a in self.arrays]


@dataclass(frozen=True)
class OpInfo:
    """One operation: its name, how to call it, how to draw inputs, and any tolerance it needs."""

    name: str
    op: Callable
    sample: Callable[[np.random.Generator], Sample]
    gradcheck_kwargs: dict = field(default_factory=dict)  # e.g. a larger eps for an op that rounds to float32
    second_order: bool = True  # gradgradcheck too

    def __call__(self, *tensors, **kwargs):
        return self.op(*tensors, **kwargs)


def make_tensors(sample: Sample, requires_grad: bool = True) -> tuple:
    """float64 tensors for a sample's arrays (fresh copies, so checks cannot change the sample)."""
    return tuple(ag.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad) for a in sample.arrays)


# --------------------------------------------------------------------------- shapes
def shape(rng, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = MAX_SIDE) -> tuple:
    return tuple(int(s) for s in rng.integers(min_side, max_side + 1, size=int(rng.integers(min_dims, max_dims + 1))))


def broadcastable_pair(rng, min_dims: int = 0, max_dims: int = 3) -> tuple:
    """Two shapes that broadcast: the second drops leading dims and has some sizes set to 1; order random."""
    full = shape(rng, min_dims, max_dims)
    other = list(full[int(rng.integers(0, len(full) + 1)):])
    for i in range(len(other)):
        if rng.random() < 0.4:
            other[i] = 1
    pair = (full, tuple(other))
    return pair if rng.random() < 0.5 else pair[::-1]


# --------------------------------------------------------------------------- values
def real(rng, shape, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    return rng.uniform(low, high, shape)


def positive(rng, shape, low: float = 0.5, high: float = 2.0) -> np.ndarray:
    return rng.uniform(low, high, shape)


def nonzero(rng, shape) -> np.ndarray:
    return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


def avoiding(rng, shape, points=(0.0,), margin: float = 0.1, low: float = -2.0, high: float = 2.0) -> np.ndarray:
    """Uniform values at least `margin` from each kink in `points` (finite differences straddle no kink)."""
    x = rng.uniform(low, high, shape)
    for _ in range(100):
        bad = np.zeros(np.shape(x), dtype=bool)
        for p in points:
            bad |= np.abs(x - p) < margin
        if not bad.any():
            return x
        x = np.where(bad, rng.uniform(low, high, np.shape(x)), x)
    raise RuntimeError("avoiding: could not draw values away from the kinks")


def distinct(rng, shape, step: float = 0.25, offset: float = 0.0) -> np.ndarray:
    """Values on a grid, all different (no ties for max/min/sort-like ops), in random order."""
    n = math.prod(shape)
    values = (rng.permutation(n) - (n - 1) / 2) * step + offset
    return values.reshape(shape)


def grid_pair(rng, shape_a, shape_b, step: float = 0.2) -> tuple:
    """Two arrays on interleaved grids: every a differs from every b by >= step/2 (no ties when broadcast)."""
    a = rng.integers(-8, 9, shape_a) * step
    b = (rng.integers(-8, 8, shape_b) + 0.5) * step
    return a.astype(np.float64), b.astype(np.float64)


def random_dims(rng, ndim: int, allow_none: bool = True):
    """A `dim` argument: None, an int, a negative int or a tuple of ints (0 for a 0-d tensor without None)."""
    if ndim == 0:
        return None if allow_none else 0
    kind = ["int", "negative", "tuple", "none"][int(rng.integers(0, 4 if allow_none else 3))]
    if kind == "none":
        return None
    if kind == "int":
        return int(rng.integers(0, ndim))
    if kind == "negative":
        return int(rng.integers(-ndim, 0))
    k = int(rng.integers(1, ndim + 1))
    return tuple(int(d) for d in rng.choice(ndim, size=k, replace=False))


def _count(shape, dim) -> int:
    """How many elements a reduction over `dim` combines."""
    if dim is None or not shape:
        return math.prod(shape)
    dims = (dim,) if isinstance(dim, int) else dim
    return math.prod(shape[d] for d in dims)


# --------------------------------------------------------------------------- sample builders
def unary(domain=real, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, kwargs=None):
    def sample(rng):
        s = shape(rng, min_dims, max_dims, min_side)
        return Sample([domain(rng, s)], kwargs(rng, s) if callable(kwargs) else dict(kwargs or {}))
    return sample


def binary(domain_a=real, domain_b=real, broadcast: bool = True):
    def sample(rng):
        sa, sb = broadcastable_pair(rng) if broadcast else (shape(rng),) * 2
        return Sample([domain_a(rng, sa), domain_b(rng, sb)])
    return sample


def binary_without_ties(rng):
    sa, sb = broadcastable_pair(rng)
    return Sample(list(grid_pair(rng, sa, sb)))


def reduction(domain=real, min_dims: int = 0, min_count: int = 1, allow_none: bool = True):
    """Input and a dim/keepdim variant (int, negative int, tuple or None) reducing >= `min_count` elements."""
    def sample(rng):
        for _ in range(100):
            s = shape(rng, min_dims)
            dim = random_dims(rng, len(s), allow_none)
            if _count(s, dim) >= min_count:
                break
        return Sample([domain(rng, s)], {"dim": dim, "keepdim": bool(rng.random() < 0.5)})
    return sample


def fixed(*shapes, domain=real, kwargs=None):
    def sample(rng):
        return Sample([domain(rng, s) for s in shapes], dict(kwargs or {}))
    return sample


def _matmul_shapes(rng, kind):
    n, k, m, b = (int(v) for v in rng.integers(1, MAX_SIDE + 1, 4))
    return {"1d@1d": [(k,), (k,)], "2d@1d": [(n, k), (k,)], "1d@2d": [(k,), (k, m)], "2d@2d": [(n, k), (k, m)],
            "batched": [(b, n, k), (k, m)], "batched-broadcast": [(1, n, k), (b, k, m)],
            "1d@batched": [(k,), (b, k, m)], "batched@1d": [(2, b, n, k), (k,)]}[kind]


def matmul_sample(kind):
    def sample(rng):
        return Sample([real(rng, s) for s in _matmul_shapes(rng, kind)])
    return sample


def _bool_mask(rng, shape):
    return rng.random(shape) < 0.5


# --------------------------------------------------------------------------- indexing samples
def _getitem_sample(kind):
    def sample(rng):
        if kind == "int":
            s = shape(rng, 1, 3)
            index = int(rng.integers(-s[0], s[0]))
        elif kind == "slices":
            s = shape(rng, 2, 3)
            index = (slice(int(rng.integers(0, s[0])), None), slice(None, None, 2))
        elif kind == "negative-step":
            s = shape(rng, 1, 3)
            index = slice(None, None, -int(rng.integers(1, 3)))
        elif kind == "none-ellipsis":
            s = shape(rng, 2, 3)
            index = (None, Ellipsis, int(rng.integers(0, s[-1])), None)
        elif kind == "bool-mask":
            s = shape(rng, 1, 3)
            index = ag.tensor(_bool_mask(rng, s))
        elif kind == "int-array-repeats":
            s = shape(rng, 1, 3)
            index = rng.integers(0, s[0], size=int(rng.integers(1, 5)))
            index[0] = index[-1]  # at least one repeat when there are two or more
            index = index.tolist()
        elif kind == "mixed":
            s = shape(rng, 2, 3)
            index = (slice(None), ag.tensor(rng.integers(-s[1], s[1], size=(2, 2))))
        else:
            raise ValueError(kind)
        return Sample([real(rng, s)], {"index": index})
    return sample


def _setitem_sample(kind):
    def sample(rng):
        s = shape(rng, 1, 3, min_side=2)
        if kind == "basic":
            index = (slice(0, 1),) + (Ellipsis,)
        elif kind == "advanced":
            index = ag.tensor(rng.integers(0, s[0], size=1))
        else:
            index = ag.tensor(_bool_mask(rng, s))
        value_shape = np.zeros(s)[index._data if isinstance(index, ag.Tensor) else index].shape
        if kind == "basic" and rng.random() < 0.5:
            value_shape = value_shape[1:]  # broadcast the value over the first dim
        return Sample([real(rng, s), real(rng, value_shape)], {"index": index})
    return sample


def _setitem(x, value, index):
    y = x.clone()
    y[index] = value
    return y


def _gather_sample(rng):
    s = shape(rng, 1, 3)
    dim = int(rng.integers(-len(s), len(s)))
    index_shape = list(s)
    index_shape[dim] = int(rng.integers(1, MAX_SIDE + 2))  # may be longer than the input: repeats
    index = rng.integers(0, s[dim], size=index_shape)
    return Sample([real(rng, s)], {"dim": dim, "index": ag.tensor(index)})


def _reshape_sample(rng):
    s = shape(rng, 0, 3)
    n = math.prod(s)
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    d = int(rng.choice(divisors))
    target = [(d, n // d), (n,), (-1,), (1, n, 1), (d, -1)][int(rng.integers(0, 5))]
    return Sample([real(rng, s)], {"shape": target})


def _permute_sample(rng):
    s = shape(rng, 1, 3)
    return Sample([real(rng, s)], {"dims": tuple(int(d) for d in rng.permutation(len(s)))})


def _expand_sample(rng):
    s = list(shape(rng, 0, 2))
    for i in range(len(s)):
        if rng.random() < 0.5:
            s[i] = 1
    target = [int(rng.integers(1, MAX_SIDE + 1)) for _ in range(int(rng.integers(0, 2)))]
    target += [int(rng.integers(1, MAX_SIDE + 1)) if v == 1 else v for v in s]
    if rng.random() < 0.3 and s:
        target[-1] = -1
    return Sample([real(rng, tuple(s))], {"sizes": tuple(target)})


def _repeat_sample(rng):
    s = shape(rng, 0, 2, max_side=2)
    reps = tuple(int(r) for r in rng.integers(1, 3, size=len(s) + int(rng.integers(0, 2))))
    return Sample([real(rng, s)], {"repeats": reps})


def _dim_sample(min_dims=1, max_dims=3, extra=0):
    """One input and a single dim (maybe negative); `extra` allows dims one past the end (unsqueeze)."""
    def sample(rng):
        s = shape(rng, min_dims, max_dims)
        n = len(s) + extra
        return Sample([real(rng, s)], {"dim": int(rng.integers(-n, n))})
    return sample


def _cat_sample(stack: bool):
    def sample(rng):
        s = shape(rng, 0 if stack else 1, 2)
        n = len(s) + (1 if stack else 0)
        dim = int(rng.integers(-n, n))
        shapes = []
        for _ in range(int(rng.integers(1, 4))):
            t = list(s)
            if not stack:
                t[dim] = int(rng.integers(1, MAX_SIDE + 1))
            shapes.append(tuple(t))
        return Sample([real(rng, t) for t in shapes], {"dim": dim})
    return sample


def _split_sample(rng):
    s = shape(rng, 1, 3)
    dim = int(rng.integers(-len(s), len(s)))
    n = s[dim]
    if rng.random() < 0.5:
        arg = int(rng.integers(1, n + 1))
    else:
        cut = sorted(int(c) for c in rng.integers(0, n + 1, size=2))
        arg = [cut[0], cut[1] - cut[0], n - cut[1]]
    return Sample([real(rng, s)], {"split_size_or_sections": arg, "dim": dim})


def _pad_sample(rng):
    s = shape(rng, 1, 3)
    k = int(rng.integers(1, len(s) + 1))
    return Sample([real(rng, s)], {"pad": tuple(int(p) for p in rng.integers(0, 3, size=2 * k)),
                                   "value": float(rng.uniform(-1, 1))})


def _prod_sample(zeros: int):
    def sample(rng):
        s = shape(rng, 1, 3, min_side=1)
        x = nonzero(rng, s)
        dim = None if rng.random() < 0.4 else int(rng.integers(-len(s), len(s)))
        flat = x.reshape(-1)
        if zeros and flat.size >= zeros:
            if dim is None:
                flat[rng.choice(flat.size, size=zeros, replace=False)] = 0.0
            else:
                # put the zeros in one slice along dim, where they interact
                moved = np.moveaxis(x, dim, 0)
                if moved.shape[0] >= zeros:
                    lane = tuple(int(rng.integers(0, k)) for k in moved.shape[1:])
                    for r in rng.choice(moved.shape[0], size=zeros, replace=False):
                        moved[(int(r),) + lane] = 0.0
        kwargs = {"dim": dim}
        if dim is not None:
            kwargs["keepdim"] = bool(rng.random() < 0.5)
        return Sample([x], kwargs)
    return sample


def _softplus_sample(rng):
    beta, threshold = [(1.0, 20.0), (2.0, 1.0), (0.5, 0.5)][int(rng.integers(0, 3))]
    s = shape(rng)
    # the linear switch is at beta * x = threshold: stay away from it
    return Sample([avoiding(rng, s, points=(threshold / beta,), low=-3, high=3)], {"beta": beta, "threshold": threshold})


def _where_sample(rng):
    sc, sa = broadcastable_pair(rng)
    sb = broadcastable_pair(rng)[0] if rng.random() < 0.3 else sa
    try:
        np.broadcast_shapes(sc, sa, sb)
    except ValueError:
        sb = sa
    return Sample([real(rng, sa), real(rng, sb)], {"condition": ag.tensor(_bool_mask(rng, sc))})


def _norm_sample(p):
    def sample(rng):
        s = shape(rng, 1, 3)
        dim = random_dims(rng, len(s))
        if p in (math.inf, -math.inf):
            magnitudes = distinct(rng, s)
            x = (magnitudes - magnitudes.min() + 0.25) * rng.choice([-1.0, 1.0], s)  # |x| distinct and not 0
        else:
            x = avoiding(rng, s)
        return Sample([x], {"p": p, "dim": dim, "keepdim": bool(rng.random() < 0.5)})
    return sample


def _extremes_sample(dim: str):
    """Distinct values (no ties) and `dim`: 'none' (no argument), 'single' (one int) or 'any' (int/tuple/None)."""
    def sample(rng):
        s = shape(rng, 1 if dim == "single" else 0, 3)
        kwargs = {}
        if dim == "single":
            kwargs = {"dim": int(rng.integers(-len(s), len(s))), "keepdim": bool(rng.random() < 0.5)}
        elif dim == "any":
            kwargs = {"dim": random_dims(rng, len(s)), "keepdim": bool(rng.random() < 0.5)}
        return Sample([distinct(rng, s)], kwargs)
    return sample


def _sort_sample(topk: bool):
    def sample(rng):
        s = shape(rng, 1, 3)
        dim = int(rng.integers(-len(s), len(s)))
        if topk:
            kwargs = {"k": int(rng.integers(0, s[dim] + 1)), "dim": dim, "largest": bool(rng.random() < 0.5)}
        else:
            kwargs = {"dim": dim, "descending": bool(rng.random() < 0.5)}
        return Sample([distinct(rng, s)], kwargs)
    return sample


def _diagonal_sample(rng):
    s = shape(rng, 2, 3)
    d1, d2 = (int(d) for d in rng.choice(len(s), size=2, replace=False))
    return Sample([real(rng, s)], {"offset": int(rng.integers(-2, 3)), "dim1": d1, "dim2": d2 - len(s)})


def _sum_to_size_sample(rng):
    big, small = broadcastable_pair(rng)
    if np.broadcast_shapes(big, small) != big:
        big, small = small, big
    if np.broadcast_shapes(big, small) != big:
        small = big
    return Sample([real(rng, big)], {"size": small})


def _var_sample(rng):
    for _ in range(100):
        s = shape(rng, 1, 3)
        dim = random_dims(rng, len(s))
        correction = int(rng.integers(0, 3))
        if _count(s, dim) >= correction + 1 and _count(s, dim) >= 2:
            break
    else:
        s, dim, correction = (3,), 0, 1
    return Sample([real(rng, s)], {"dim": dim, "correction": correction, "keepdim": bool(rng.random() < 0.5)})


def _tri_sample(rng):
    s = shape(rng, 2, 3)
    return Sample([real(rng, s)], {"diagonal": int(rng.integers(-1, 2))})


def _einsum_sample(equation, *shape_of):
    def sample(rng):
        n, k, m, b = (int(v) for v in rng.integers(1, MAX_SIDE + 1, 4))
        sizes = {"n": n, "k": k, "m": m, "b": b}
        return Sample([real(rng, tuple(sizes[c] for c in s)) for s in shape_of], {"equation": equation})
    return sample


def _clamp_sample(which):
    def sample(rng):
        s = shape(rng)
        lo, hi = -0.5, 0.5
        kwargs = {"min": lo, "max": hi} if which == "both" else ({"min": lo} if which == "min" else {"max": hi})
        return Sample([avoiding(rng, s, points=(lo, hi))], kwargs)
    return sample


def _inplace_unary(name, domain=real):
    def op(x):
        y = x.clone()
        return getattr(y, name)()
    return OpInfo(f"Tensor.{name} (in-place)", op, unary(domain))


def _inplace_binary(name, domain_b=real):
    def op(x, other):
        y = x.clone()
        return getattr(y, name)(other)

    def sample(rng):
        s = shape(rng)
        other = s[int(rng.integers(0, len(s) + 1)):]
        return Sample([real(rng, s), domain_b(rng, other)])
    return OpInfo(f"Tensor.{name} (in-place)", op, sample)


def _masked_fill_sample(rng):
    s = shape(rng)
    return Sample([real(rng, s)], {"mask": ag.tensor(_bool_mask(rng, s)), "value": float(rng.uniform(-1, 1))})


def _masked_fill_tensor_sample(rng):
    s = shape(rng)
    return Sample([real(rng, s), real(rng, ())], {"mask": ag.tensor(_bool_mask(rng, s))})


def _copy_sample(rng):
    s = shape(rng, 1, 3)
    return Sample([real(rng, s), real(rng, s[1:])])  # the source broadcasts over the first dim


def _transpose_sample(rng):
    s = shape(rng, 1, 3)
    return Sample([real(rng, s)], {"dim0": int(rng.integers(-len(s), len(s))), "dim1": int(rng.integers(-len(s), len(s)))})


def _flip_sample(rng):
    s = shape(rng, 1, 3)
    k = int(rng.integers(1, len(s) + 1))
    return Sample([real(rng, s)], {"dims": tuple(int(d) - len(s) * int(rng.integers(0, 2))
                                                 for d in rng.choice(len(s), size=k, replace=False))})


def _narrow_sample(rng):
    s = shape(rng, 1, 3)
    dim = int(rng.integers(-len(s), len(s)))
    start = int(rng.integers(0, s[dim]))
    return Sample([real(rng, s)], {"dim": dim, "start": start, "length": int(rng.integers(1, s[dim] - start + 1))})


def _select_sample(rng):
    s = shape(rng, 1, 3)
    dim = int(rng.integers(-len(s), len(s)))
    return Sample([real(rng, s)], {"dim": dim, "index": int(rng.integers(-s[dim], s[dim]))})


def _index_select_sample(rng):
    s = shape(rng, 1, 3)
    dim = int(rng.integers(-len(s), len(s)))
    return Sample([real(rng, s)], {"dim": dim, "index": ag.tensor(rng.integers(0, s[dim], size=int(rng.integers(1, 5))))})


def _flatten_sample(rng):
    s = shape(rng, 0, 3)
    if not s:
        return Sample([real(rng, s)], {})
    a, b = sorted(int(d) for d in rng.integers(0, len(s), size=2))
    return Sample([real(rng, s)], {"start_dim": a, "end_dim": b - len(s) if rng.random() < 0.5 else b})


def _squeeze_sample(rng):
    s = tuple(1 if rng.random() < 0.5 else v for v in shape(rng, 0, 3))
    kwargs = {} if not s or rng.random() < 0.5 else {"dim": int(rng.integers(-len(s), len(s)))}
    return Sample([real(rng, s)], kwargs)


def _chunk_sample(rng):
    s = shape(rng, 1, 3)
    return Sample([real(rng, s)], {"chunks": int(rng.integers(1, 4)), "dim": int(rng.integers(-len(s), len(s)))})


def _broadcast_add_sample(rng):
    """A small operand broadcast against one with extra leading dims: sum_to_shape's job."""
    trailing = shape(rng, 1, 2)
    big = shape(rng, 1, 2) + trailing
    small = tuple(1 if rng.random() < 0.3 else v for v in trailing)
    return Sample([real(rng, big), real(rng, small)])


# --------------------------------------------------------------------------- the table
def _away_from_integers(rng, shape):
    """Values whose fractional part is in [0.2, 0.8]: rounding is constant around each of them."""
    return rng.integers(-3, 4, shape) + rng.uniform(0.2, 0.8, shape)


def _division_sample(rng):
    """(a, b) with b > 0 and a/b away from integers, so remainder and rounded division are smooth there."""
    sa, sb = broadcastable_pair(rng)
    b = positive(rng, sb)
    a = np.broadcast_to(b, np.broadcast_shapes(sa, sb)) * _away_from_integers(rng, np.broadcast_shapes(sa, sb))
    if a.shape != tuple(sa):  # keep a's own shape: use its values where it is not broadcast
        a = _away_from_integers(rng, sa) * 0.25
        b = np.full(sb, 1.0)
    return Sample([np.array(a, dtype=np.float64), b])


op_db: list[OpInfo] = [
    # arithmetic, tensor with tensor (broadcasting; the engine sums gradients back to each shape)
    OpInfo("add", lambda a, b: a + b, binary()),
    OpInfo("add(alpha)", lambda a, b: ag.add(a, b, alpha=-1.5), binary()),
    OpInfo("sub", lambda a, b: a - b, binary()),
    OpInfo("sub(alpha)", lambda a, b: ag.sub(a, b, alpha=2.0), binary()),
    OpInfo("mul", lambda a, b: a * b, binary()),
    OpInfo("div", lambda a, b: a / b, binary(real, nonzero)),
    OpInfo("pow(tensor, tensor)", lambda a, b: a ** b, binary(positive, real)),
    OpInfo("broadcast to leading dims (sum_to_shape)", lambda a, b: a * b + b, _broadcast_add_sample),
    OpInfo("mul(same tensor twice)", lambda a: a * a, unary()),
    # arithmetic with Python scalars, both sides
    OpInfo("add(scalar)", lambda x: x + 2.5, unary()),
    OpInfo("radd(scalar)", lambda x: 2.5 + x, unary()),
    OpInfo("sub(scalar)", lambda x: x - 1.5, unary()),
    OpInfo("rsub(scalar)", lambda x: 1.5 - x, unary()),
    OpInfo("mul(scalar)", lambda x: x * 3.0, unary()),
    OpInfo("rmul(scalar)", lambda x: -3.0 * x, unary()),
    OpInfo("div(scalar)", lambda x: x / 2.5, unary()),
    OpInfo("rdiv(scalar)", lambda x: 2.5 / x, unary(nonzero)),
    OpInfo("pow(int exponent)", lambda x: x ** 3, unary()),
    OpInfo("pow(float exponent)", lambda x: x ** 2.5, unary(positive)),
    OpInfo("pow(negative exponent)", lambda x: x ** -1.5, unary(positive)),
    OpInfo("pow(exponent 0)", lambda x: x ** 0, unary()),
    OpInfo("rpow(scalar base)", lambda x: 2.0 ** x, unary()),
    OpInfo("neg", lambda x: -x, unary()),
    OpInfo("abs", lambda x: x.abs(), unary(avoiding)),
    OpInfo("remainder", lambda a, b: a % b, _division_sample),
    OpInfo("fmod", lambda a, b: ag.fmod(a, b), _division_sample),
    OpInfo("div(rounding_mode='floor')", lambda a, b: ag.div(a, b, rounding_mode="floor") * 1.0 + a, _division_sample),
    OpInfo("div(rounding_mode='trunc')", lambda a, b: ag.div(a, b, rounding_mode="trunc") + a, _division_sample),
    OpInfo("floor", lambda x: x.floor() + x, unary(_away_from_integers)),
    OpInfo("ceil", lambda x: x.ceil() + x, unary(_away_from_integers)),
    OpInfo("round", lambda x: x.round() + x, unary(_away_from_integers)),
    OpInfo("trunc", lambda x: x.trunc() + x, unary(_away_from_integers)),
    # unary maths
    OpInfo("exp", lambda x: x.exp(), unary()),
    OpInfo("log", lambda x: x.log(), unary(positive)),
    OpInfo("log2", lambda x: x.log2(), unary(positive)),
    OpInfo("log10", lambda x: x.log10(), unary(positive)),
    OpInfo("log1p", lambda x: x.log1p(), unary(lambda rng, s: rng.uniform(-0.5, 2.0, s))),
    OpInfo("expm1", lambda x: x.expm1(), unary()),
    OpInfo("sqrt", lambda x: x.sqrt(), unary(positive)),
    OpInfo("rsqrt", lambda x: x.rsqrt(), unary(positive)),
    OpInfo("reciprocal", lambda x: x.reciprocal(), unary(nonzero)),
    OpInfo("square", lambda x: x.square(), unary()),
    OpInfo("sin", lambda x: x.sin(), unary()),
    OpInfo("cos", lambda x: x.cos(), unary()),
    OpInfo("tanh", lambda x: x.tanh(), unary()),
    OpInfo("sigmoid", lambda x: x.sigmoid(), unary(lambda rng, s: real(rng, s, -5, 5))),
    OpInfo("erf", lambda x: x.erf(), unary()),
    # activations
    OpInfo("relu", lambda x: x.relu(), unary(avoiding)),
    OpInfo("leaky_relu", lambda x: x.leaky_relu(0.1), unary(avoiding)),
    OpInfo("elu", lambda x, alpha: x.elu(alpha),
           unary(avoiding, kwargs=lambda rng, s: {"alpha": [1.0, 0.5][int(rng.integers(0, 2))]})),
    OpInfo("gelu", lambda x: x.gelu(), unary()),
    OpInfo("gelu(approximate='tanh')", lambda x: x.gelu(approximate="tanh"), unary()),
    OpInfo("silu", lambda x: x.silu(), unary()),
    OpInfo("softplus", lambda x, **kw: x.softplus(**kw), _softplus_sample),
    OpInfo("logsigmoid", lambda x: x.logsigmoid(), unary(lambda rng, s: real(rng, s, -5, 5))),
    OpInfo("clamp(min, max)", lambda x, **kw: x.clamp(**kw), _clamp_sample("both")),
    OpInfo("clamp(min)", lambda x, **kw: x.clamp(**kw), _clamp_sample("min")),
    OpInfo("clamp(max)", lambda x, **kw: x.clamp(**kw), _clamp_sample("max")),
    OpInfo("clamp_min", lambda x: x.clamp_min(-0.5), unary(lambda rng, s: avoiding(rng, s, points=(-0.5,)))),
    OpInfo("clamp_max", lambda x: x.clamp_max(0.5), unary(lambda rng, s: avoiding(rng, s, points=(0.5,)))),
    OpInfo("clamp(tensor bounds)", lambda x, lo: x.clamp(min=lo, max=lo + 1.0), binary_without_ties),
    OpInfo("where", lambda a, b, condition: ag.where(condition, a, b), _where_sample),
    OpInfo("Tensor.where", lambda a, b, condition: a.where(condition, b), _where_sample),
    OpInfo("masked_fill(tensor value)", lambda x, v, mask: x.masked_fill(mask, v), _masked_fill_tensor_sample),
    OpInfo("where(scalar other)", lambda a, mask, value: ag.where(mask, a, value), _masked_fill_sample),
    OpInfo("maximum", lambda a, b: ag.maximum(a, b), binary_without_ties),
    OpInfo("minimum", lambda a, b: ag.minimum(a, b), binary_without_ties),
    OpInfo("max(other)", lambda a, b: a.max(b), binary_without_ties),
    OpInfo("to(float32) (rounds: larger eps)", lambda x: x.to(ag.float32) * 1.0, unary(),
           gradcheck_kwargs={"eps": 1e-3, "atol": 1e-3, "rtol": 1e-3}),  # float32 rounding ~1e-7 / eps
    OpInfo("to(float64) from float32 input", lambda x: x.to(ag.float32).to(ag.float64), unary(),
           gradcheck_kwargs={"eps": 1e-3, "atol": 1e-3, "rtol": 1e-3}),
    # in-place forms (recorded through the snapshot in _inplace)
    _inplace_unary("exp_"),
    _inplace_unary("sigmoid_"),
    _inplace_unary("relu_", avoiding),
    _inplace_binary("add_"),
    _inplace_binary("mul_"),
    _inplace_binary("div_", nonzero),
    OpInfo("Tensor.masked_fill_ (in-place)", lambda x, mask, value: x.clone().masked_fill_(mask, value), _masked_fill_sample),
    OpInfo("Tensor.copy_ (in-place)", lambda x, src: x.clone().copy_(src) * x, _copy_sample),
    # reductions
    OpInfo("sum", lambda x, **kw: x.sum(**kw), reduction()),
    OpInfo("mean", lambda x, **kw: x.mean(**kw), reduction()),
    OpInfo("var", lambda x, **kw: x.var(**kw), _var_sample),
    OpInfo("std", lambda x, **kw: x.std(**kw), _var_sample),
    OpInfo("var(unbiased=False)", lambda x: x.var(unbiased=False), unary(min_dims=1, min_side=2)),
    OpInfo("var_mean", lambda x: ag.var_mean(x, dim=-1), unary(min_dims=1, min_side=2)),
    OpInfo("std_mean", lambda x: ag.std_mean(x, dim=0, keepdim=True), unary(min_dims=1, min_side=2)),
    OpInfo("prod", lambda x, **kw: x.prod(**kw), _prod_sample(0)),
    OpInfo("prod(one zero)", lambda x, **kw: x.prod(**kw), _prod_sample(1)),
    OpInfo("prod(two zeros)", lambda x, **kw: x.prod(**kw), _prod_sample(2)),
    OpInfo("amax", lambda x, **kw: x.amax(**kw), _extremes_sample("any")),
    OpInfo("amin", lambda x, **kw: x.amin(**kw), _extremes_sample("any")),
    OpInfo("max()", lambda x: x.max(), _extremes_sample("none")),
    OpInfo("min()", lambda x: x.min(), _extremes_sample("none")),
    OpInfo("max(dim).values", lambda x, **kw: x.max(**kw).values, _extremes_sample("single")),
    OpInfo("min(dim).values", lambda x, **kw: x.min(**kw).values, _extremes_sample("single")),
    OpInfo("sort.values", lambda x, **kw: x.sort(**kw).values, _sort_sample(topk=False)),
    OpInfo("topk.values", lambda x, **kw: x.topk(**kw).values, _sort_sample(topk=True)),
    OpInfo("trace", lambda x: x.trace(), unary(min_dims=2, max_dims=2)),
    OpInfo("diagonal", lambda x, **kw: x.diagonal(**kw), _diagonal_sample),
    OpInfo("sum_to_size", lambda x, size: x.sum_to_size(size), _sum_to_size_sample),
    OpInfo("logsumexp", lambda x, **kw: x.logsumexp(**kw), reduction(allow_none=False)),
    OpInfo("softmax", lambda x, dim: x.softmax(dim), _dim_sample()),
    OpInfo("log_softmax", lambda x, dim: x.log_softmax(dim), _dim_sample()),
    OpInfo("norm(p=2)", lambda x, **kw: x.norm(**kw), _norm_sample(2)),
    OpInfo("norm(p='fro')", lambda x, **kw: x.norm(**kw), _norm_sample("fro")),
    OpInfo("norm(p=1)", lambda x, **kw: x.norm(**kw), _norm_sample(1)),
    OpInfo("norm(p=3)", lambda x, **kw: x.norm(**kw), _norm_sample(3)),
    OpInfo("norm(p=inf)", lambda x, **kw: x.norm(**kw), _norm_sample(math.inf)),
    OpInfo("norm(p=-inf)", lambda x, **kw: x.norm(**kw), _norm_sample(-math.inf)),
    OpInfo("cumsum", lambda x, dim: x.cumsum(dim), _dim_sample()),
    OpInfo("gather", lambda x, dim, index: x.gather(dim, index), _gather_sample),
    # shape
    OpInfo("reshape", lambda x, shape: x.reshape(shape), _reshape_sample),
    OpInfo("view", lambda x, shape: x.view(*shape), _reshape_sample),
    OpInfo("flatten", lambda x, **kw: x.flatten(**kw), _flatten_sample),
    OpInfo("squeeze", lambda x, **kw: x.squeeze(**kw), _squeeze_sample),
    OpInfo("unsqueeze", lambda x, dim: x.unsqueeze(dim), _dim_sample(0, 3, extra=1)),
    OpInfo("transpose", lambda x, **kw: x.transpose(**kw), _transpose_sample),
    OpInfo("permute", lambda x, dims: x.permute(dims), _permute_sample),
    OpInfo("T", lambda x: x.T, unary()),
    OpInfo("mT", lambda x: x.mT, unary(min_dims=2)),
    OpInfo("t", lambda x: x.t(), unary(max_dims=2)),
    OpInfo("movedim", lambda x, dim: x.movedim(dim, 0), _dim_sample()),
    OpInfo("expand", lambda x, sizes: x.expand(*sizes), _expand_sample),
    OpInfo("repeat", lambda x, repeats: x.repeat(*repeats), _repeat_sample),
    OpInfo("flip", lambda x, dims: x.flip(dims), _flip_sample),
    OpInfo("getitem(int)", lambda x, index: x[index], _getitem_sample("int")),
    OpInfo("getitem(slices)", lambda x, index: x[index], _getitem_sample("slices")),
    OpInfo("getitem(negative step)", lambda x, index: x[index], _getitem_sample("negative-step")),
    OpInfo("getitem(None, Ellipsis)", lambda x, index: x[index], _getitem_sample("none-ellipsis")),
    OpInfo("getitem(bool mask)", lambda x, index: x[index], _getitem_sample("bool-mask")),
    OpInfo("getitem(int array, repeats)", lambda x, index: x[index], _getitem_sample("int-array-repeats")),
    OpInfo("getitem(slice, int tensor)", lambda x, index: x[index], _getitem_sample("mixed")),
    OpInfo("setitem(basic)", _setitem, _setitem_sample("basic")),
    OpInfo("setitem(int array)", _setitem, _setitem_sample("advanced")),
    OpInfo("setitem(bool mask)", _setitem, _setitem_sample("bool")),
    OpInfo("masked_fill", lambda x, mask, value: x.masked_fill(mask, value), _masked_fill_sample),
    OpInfo("masked_select", lambda x, mask, value: x.masked_select(mask), _masked_fill_sample),
    OpInfo("index_select", lambda x, dim, index: x.index_select(dim, index), _index_select_sample),
    OpInfo("narrow", lambda x, **kw: x.narrow(**kw), _narrow_sample),
    OpInfo("select", lambda x, **kw: x.select(**kw), _select_sample),
    OpInfo("cat", lambda *xs, dim: ag.cat(xs, dim), _cat_sample(False)),
    OpInfo("stack", lambda *xs, dim: ag.stack(xs, dim), _cat_sample(True)),
    OpInfo("hstack", lambda a, b: ag.hstack([a, b]), fixed((2, 3), (2, 1))),
    OpInfo("vstack", lambda a, b: ag.vstack([a, b]), fixed((3,), (3,))),
    OpInfo("split", lambda x, **kw: x.split(**kw), _split_sample),
    OpInfo("chunk", lambda x, **kw: x.chunk(**kw), _chunk_sample),
    OpInfo("unbind", lambda x, dim: x.unbind(dim), _dim_sample()),
    OpInfo("pad", lambda x, **kw: ag.pad(x, **kw), _pad_sample),
    OpInfo("clone", lambda x: x.clone(), unary()),
    OpInfo("unflatten", lambda x: x.unflatten(-1, (1, x.shape[-1], 1)), unary(min_dims=1)),
    OpInfo("broadcast_tensors", lambda a, b: ag.broadcast_tensors(a, b), binary()),
    OpInfo("expand_as", lambda a, b: a.expand_as(b * 1.0) * b, lambda rng: Sample([real(rng, (1, 3)), real(rng, (2, 3))])),
    OpInfo("tril", lambda x, diagonal: x.tril(diagonal), _tri_sample),
    OpInfo("triu", lambda x, diagonal: x.triu(diagonal), _tri_sample),
    # linear algebra
    *[OpInfo(f"matmul({kind})", lambda a, b: a @ b, matmul_sample(kind))
      for kind in ("1d@1d", "2d@1d", "1d@2d", "2d@2d", "batched", "batched-broadcast", "1d@batched", "batched@1d")],
    OpInfo("dot", lambda a, b: a.dot(b), fixed((3,), (3,))),
    OpInfo("mv", lambda a, b: a.mv(b), fixed((2, 3), (3,))),
    OpInfo("outer", lambda a, b: a.outer(b), fixed((3,), (2,))),
    OpInfo("einsum('ii->') trace", lambda a, equation: ag.einsum(equation, a), _einsum_sample("ii->", "kk")),
    OpInfo("einsum('ii->i') diagonal", lambda a, equation: ag.einsum(equation, a), _einsum_sample("ii->i", "kk")),
    OpInfo("einsum('bij,bjk->bik')", lambda a, b, equation: ag.einsum(equation, a, b),
           _einsum_sample("bij,bjk->bik", "bnk", "bkm")),
    OpInfo("einsum('...ij,...jk->...ik')", lambda a, b, equation: ag.einsum(equation, a, b),
           _einsum_sample("...ij,...jk->...ik", "bnk", "km")),
    OpInfo("einsum('ij,jk') implicit output", lambda a, b, equation: ag.einsum(equation, a, b),
           _einsum_sample("ij,jk", "nk", "km")),
    OpInfo("einsum('ij->') sum", lambda a, equation: ag.einsum(equation, a), _einsum_sample("ij->", "nk")),
    OpInfo("einsum('ij,ij,ij->i') three operands", lambda a, b, c, equation: ag.einsum(equation, a, b, c),
           _einsum_sample("ij,ij,ij->i", "nk", "nk", "nk")),
]


from .op_db_api import entries as _api_entries  # noqa: E402  (the functions added for PyTorch's API)

op_db.extend(_api_entries(sys.modules[__name__]))  # built with the helpers above


def by_name(name: str) -> OpInfo:
    for info in op_db:
        if info.name == name:
            return info
    raise KeyError(f"op_db: no entry named {name!r}")


def _check_unique_names() -> None:
    names = [info.name for info in op_db]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise RuntimeError(f"op_db: duplicate entry names {duplicates}")


_check_unique_names()
