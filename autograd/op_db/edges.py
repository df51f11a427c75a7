"""The convention points of the ops: where PyTorch's result is a choice rather than a derivative.

At a kink (relu, abs, clamp at a bound), a zero of a root or a power (sqrt, rsqrt, pow at base 0),
a tie (max, sort, topk, maximum), an equal-valued reduction (std, norm at zero), a singular
distance (cdist), an empty or 0-d input, finite differences say nothing useful; the oracle test
(`tests/autograd/test_op_db_against_torch.py`) compares values, first and second derivatives
there with PyTorch's instead. Each function here returns an `edges(rng) -> Sample` for one entry.
"""
from __future__ import annotations

import math

import numpy as np

import autograd as ag

from .info import Sample

SHAPES = ((6,), (), (0,), (2, 3), (3, 1, 2))


def _fill(rng, shape, points) -> np.ndarray:
    """Values drawn from the exact `points` (so ties are frequent), with a few ordinary values among them."""
    n = math.prod(shape)
    out = np.asarray(points, dtype=np.float64)[rng.integers(0, len(points), n)]
    ordinary = rng.random(n) < 0.2
    out[ordinary] = rng.uniform(-2, 2, int(ordinary.sum()))
    return out.reshape(shape)


def at(*points, shapes=SHAPES, count: int = 1, kwargs=None):
    """`count` arrays of one shape (from `shapes`) filled from `points`; `kwargs(rng, shape)` adds keywords."""
    def edges(rng):
        shape = shapes[int(rng.integers(0, len(shapes)))]
        arrays = [_fill(rng, shape, points) for _ in range(count)]
        return Sample(arrays, kwargs(rng, shape) if kwargs else {})
    return edges


def pair_at(points_a, points_b, shapes=SHAPES):
    """Two arrays (broadcast against each other sometimes) from their own points."""
    def edges(rng):
        shape = shapes[int(rng.integers(0, len(shapes)))]
        other = shape[int(rng.integers(0, len(shape) + 1)):] if rng.random() < 0.3 else shape
        return Sample([_fill(rng, shape, points_a), _fill(rng, other, points_b)])
    return edges


def reduction_at(*points, dims=True, correction=False):
    """A reduction's input at its points (ties, equal rows), with dim/keepdim (and correction) variants."""
    def kwargs(rng, shape):
        out = {}
        if dims:
            out["dim"] = None if not shape or rng.random() < 0.3 else int(rng.integers(-len(shape), len(shape)))
            out["keepdim"] = bool(rng.random() < 0.5)
        if correction:
            out["correction"] = int(rng.integers(0, 3))
        return out
    return at(*points, kwargs=kwargs)


def dim_at(*points, shapes=((6,), (2, 3), (3, 1, 2), (2, 0))):
    """One input and a single dim (for softmax-like ops, sort, cumsum)."""
    def kwargs(rng, shape):
        return {"dim": int(rng.integers(-len(shape), len(shape))) if shape else 0}
    return at(*points, shapes=shapes, kwargs=kwargs)


def norm_at(p):
    """Zero vectors, zero entries and ties of |x| (±inf), over every dim variant."""
    def kwargs(rng, shape):
        dim = None if not shape or rng.random() < 0.3 else int(rng.integers(-len(shape), len(shape)))
        return {"p": p, "dim": dim, "keepdim": bool(rng.random() < 0.5)}
    shapes = ((4,), (2, 3), (3, 1, 2), (2, 0)) if p < 0 or math.isinf(p) else SHAPES
    return at(0.0, 0.0, 1.0, -1.0, 2.0, shapes=shapes, kwargs=kwargs)


def cdist_at(p):
    """Rows that coincide (distance 0) or share components (a zero difference), as PyTorch treats specially."""
    def edges(rng):
        pool = np.array([0.0, 1.0, -1.0])
        a = pool[rng.integers(0, 3, (3, 2))]
        b = np.concatenate([a[:1], pool[rng.integers(0, 3, (2, 2))]])  # row 0 of b equals row 0 of a
        return Sample([a, b], {"p": p})
    return edges


def topk_at(rng):
    """Ties everywhere: the indices PyTorch's selection returns decide where the gradient goes."""
    shape = [(8,), (3, 5), (70,)][int(rng.integers(0, 3))]  # 70 elements: PyTorch's partial_sort branch for k = 1
    x = np.asarray([0.0, 1.0, 2.0])[rng.integers(0, 3, shape)]
    k = int(rng.integers(0, shape[-1] + 1)) if shape[-1] < 64 else 1
    return Sample([x], {"k": k, "dim": -1, "largest": bool(rng.random() < 0.5)})


def sort_at(rng):
    shape = [(8,), (3, 5)][int(rng.integers(0, 2))]
    x = np.asarray([0.0, 1.0, -1.0])[rng.integers(0, 3, shape)]
    return Sample([x], {"dim": -1, "descending": bool(rng.random() < 0.5)})


def clamp_bounds_at(rng):
    """x at, below and above tensor bounds, and bounds with min = max and min > max."""
    shape = (6,)
    pool = np.array([-1.0, 0.0, 1.0])
    return Sample([pool[rng.integers(0, 3, shape)], pool[rng.integers(0, 3, shape)]])


def where_nan_at(rng):
    """A branch that is nan (log of a negative) where it is not taken: its gradient stays 0, as PyTorch."""
    x = np.array([-1.0, 0.0, 2.0, -0.5, 1.0])
    return Sample([x, x.copy()], {"condition": ag.tensor(x > 0)})


def empty_at(shape=(0, 3)):
    def edges(rng):
        return Sample([np.zeros(shape)])
    return edges
