"""Drawing shapes, values and `dim` arguments, and the generic sample builders (unary, binary, reduction, ...).

Values come from the op's domain (positive for log, away from kinks for relu/abs/clamp, without
ties for max), so that finite differences are valid at every sample. The points where they are
not, PyTorch's conventions at kinks, zeros and ties, are sampled by `edges.py` and checked
against PyTorch instead.
"""
from __future__ import annotations

import math

import numpy as np

from .info import MAX_SIDE, Sample


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


def count(shape, dim) -> int:
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
            if count(s, dim) >= min_count:
                break
        return Sample([domain(rng, s)], {"dim": dim, "keepdim": bool(rng.random() < 0.5)})
    return sample


def fixed(*shapes, domain=real, kwargs=None):
    def sample(rng):
        return Sample([domain(rng, s) for s in shapes], dict(kwargs or {}))
    return sample


def matmul_shapes(rng, kind):
    n, k, m, b = (int(v) for v in rng.integers(1, MAX_SIDE + 1, 4))
    return {"1d@1d": [(k,), (k,)], "2d@1d": [(n, k), (k,)], "1d@2d": [(k,), (k, m)], "2d@2d": [(n, k), (k, m)],
            "batched": [(b, n, k), (k, m)], "batched-broadcast": [(1, n, k), (b, k, m)],
            "1d@batched": [(k,), (b, k, m)], "batched@1d": [(2, b, n, k), (k,)]}[kind]


def matmul_sample(kind):
    def sample(rng):
        return Sample([real(rng, s) for s in matmul_shapes(rng, kind)])
    return sample


def bool_mask(rng, shape):
    return rng.random(shape) < 0.5
