"""Sizes that depend on dynamic axes, found by tracing the model at several sizes.

An op records plain Python ints (a reshape target, a slice bound, the divisor of a variance),
and nothing says which of them came from the batch size. So the exporter traces the model
at the given sizes and again with each dynamic axis one larger (every combination: 2^k traces
for k named axes), and fits each int that changes as a multilinear polynomial in the axes
(`batch`, `4*batch`, `batch*seq`, `seq-1`, ...): a `SymInt`. A further trace with every axis
two larger checks each fit; an int that the fit does not predict (a `seq // 2`) stops the export.
A `SymInt` refuses arithmetic and conversion to int, so a rule can never bake the traced size
in by accident: it must build the size from the input's shape (`GraphBuilder.sym`).

Constants made outside the ops whose contents change with the sizes (`zeros(batch, h)`, the
causal mask `~tril(ones(L, L))`, `arange(L)`) are recognised here by their pattern and rebuilt
from the sizes at run time.
"""
from __future__ import annotations

import itertools

import numpy as np

from .registry import ExportError


class SymInt:
    """Σ coefficient·Π(symbols): a size that depends on the dynamic axes named by the symbols."""

    __slots__ = ("terms",)

    def __init__(self, terms: dict):
        self.terms = {k: v for k, v in terms.items() if v}  # frozenset of symbol names -> int coefficient

    def evaluate(self, sizes: dict) -> int:
        return sum(c * int(np.prod([sizes[s] for s in monomial], dtype=np.int64)) for monomial, c in self.terms.items())

    @property
    def symbols(self) -> set:
        return set().union(*self.terms)

    def __str__(self) -> str:
        parts = []
        for monomial, c in sorted(self.terms.items(), key=lambda t: (-len(t[0]), sorted(t[0]))):
            names = "*".join(sorted(monomial))
            if not names:
                parts.append(str(c))
            else:
                parts.append(names if c == 1 else f"-{names}" if c == -1 else f"{c}*{names}")
        return "+".join(parts).replace("+-", "-") or "0"

    __repr__ = __str__

    def __eq__(self, other) -> bool:
        return isinstance(other, SymInt) and self.terms == other.terms

    def __hash__(self) -> int:
        return hash(frozenset(self.terms.items()))

    def _refuse(self, *args, **kwargs):
        raise ExportError(f"a size that depends on a dynamic axis ({self}) is used where a fixed number is needed; "
                          "export with that axis static (leave it out of dynamic_axes)")

    __int__ = __index__ = __float__ = __bool__ = __neg__ = __abs__ = _refuse
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _refuse
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = __pow__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse


def fit(symbols: list, base: dict, corner_values: dict):
    """The int (if every corner agrees) or SymInt through the values at the corners.

    `corner_values` maps a tuple of 0/1 (one per symbol: base size or base + 1) to the value seen.
    With u = size − base in {0, 1}, the multilinear coefficients are finite differences
    (Möbius inversion over the corners); expanding Π(s − b) gives them in the sizes s.
    """
    first = corner_values[(0,) * len(symbols)]
    if all(v == first for v in corner_values.values()):
        return first
    in_u = {}
    for subset in itertools.product((0, 1), repeat=len(symbols)):
        ones = [i for i, bit in enumerate(subset) if bit]
        total = 0
        for below in itertools.product(*[(0, 1) if bit else (0,) for bit in subset]):
            sign = (-1) ** (len(ones) - sum(below))
            total += sign * corner_values[below]
        if total:
            in_u[tuple(ones)] = total
    terms: dict = {}
    for ones, coefficient in in_u.items():  # Π_{i in ones} (s_i − b_i), expanded
        for chosen in itertools.product((True, False), repeat=len(ones)):
            monomial = frozenset(symbols[i] for i, keep in zip(ones, chosen) if keep)
            factor = coefficient
            for i, keep in zip(ones, chosen):
                if not keep:
                    factor *= -base[symbols[i]]
            terms[monomial] = terms.get(monomial, 0) + factor
    result = SymInt(terms)
    return result if result.terms and set(result.terms) != {frozenset()} else result.terms.get(frozenset(), 0)


# --------------------------------------------------------------------------- constants whose contents follow the sizes
class Pattern:
    """How to rebuild a size-dependent constant: `kind` is 'fill', 'arange' or 'band'."""

    def __init__(self, kind: str, **fields):
        self.kind = kind
        self.__dict__.update(fields)

    def signature(self) -> tuple:
        return tuple(sorted((k, repr(v)) for k, v in self.__dict__.items()))


def recognise(array: np.ndarray):
    """The pattern of one trace's constant (None when it has none); the shape is filled in by the caller."""
    if array.size == 0:
        return None
    flat = array.reshape(-1)
    if _all_equal(flat, flat[0]):
        return Pattern("fill", value=flat[0].item(), dtype=array.dtype.str)
    if array.ndim == 1 and array.size >= 2 and array.dtype.kind in "iuf":
        start, step = flat[0].item(), (flat[1] - flat[0]).item()
        if np.array_equal((start + step * np.arange(array.size)).astype(array.dtype), flat):
            return Pattern("arange", start=start, step=step, dtype=array.dtype.str)
    if array.ndim >= 2:
        return _band(array)
    return None


def _all_equal(flat, value) -> bool:
    if isinstance(value, float) or np.issubdtype(type(value), np.floating):
        if np.isnan(value):
            return bool(np.all(np.isnan(flat)))
    return bool(np.all(flat == value))


def _band(array: np.ndarray):
    """A matrix (repeated over leading dims) that is `on` where col − row ≤ k (lower) or ≥ k (upper), else `off`."""
    matrix = array.reshape((-1,) + array.shape[-2:])
    if not all(np.array_equal(m, matrix[0], equal_nan=True) for m in matrix[1:]):
        return None
    matrix = matrix[0]
    values = np.unique(matrix)
    if len(values) != 2:
        return None
    rows, cols = np.indices(matrix.shape)
    offset = cols - rows
    for on, off in ((values[0], values[1]), (values[1], values[0])):
        is_on = matrix == on
        if is_on.any() and (~is_on).any():
            k_lower = offset[is_on].max()
            if np.array_equal(is_on, offset <= k_lower):
                return Pattern("band", lower=True, k=int(k_lower), on=on.item(), off=off.item(), dtype=array.dtype.str)
            k_upper = offset[is_on].min()
            if np.array_equal(is_on, offset >= k_upper):
                return Pattern("band", lower=False, k=int(k_upper), on=on.item(), off=off.item(), dtype=array.dtype.str)
    return None
