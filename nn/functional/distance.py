"""Distances and similarities between vectors: `cosine_similarity`, `pairwise_distance`, `pdist`.

Compositions of Tensor ops (norms, products, sums), so their derivatives of any order come from
those ops. They follow PyTorch's formulas exactly, including where the small `eps` enters:
    cosine_similarity(x₁, x₂) = Σ (x₁/max(‖x₁‖, eps)) · (x₂/max(‖x₂‖, eps)) along `dim`,
        where the clamp is invisible to the gradient, as in PyTorch (it clamps under no_grad);
    pairwise_distance(x₁, x₂) = ‖x₁ − x₂ + eps‖_p along the last dimension;
    pdist(x) = ‖xᵢ − xⱼ‖_p for every pair of rows i < j, in row-major order.
"""
from __future__ import annotations

import numpy as np

from autograd.ops._util import check_broadcast, normalize_dim
from autograd.tensor import Tensor

__all__ = ["cosine_similarity", "pairwise_distance", "pdist"]


def _check_pair(op: str, x1, x2) -> tuple:
    for name, t in (("x1", x1), ("x2", x2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    return check_broadcast(op, x1.shape, x2.shape)


def _float(t: Tensor) -> Tensor:
    return t if t.dtype.kind == "f" else t.to(np.float32)


def _clamped_norm(x: Tensor, dim: int, eps: float) -> Tensor:
    """‖x‖ along dim (kept), raised to eps where smaller, with the gradient of the unclamped norm."""
    norm = x.norm(2, dim=dim, keepdim=True)
    return norm + (norm.clamp_min(eps) - norm).detach()


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """x₁·x₂ / (max(‖x₁‖, eps)·max(‖x₂‖, eps)) along `dim` (broadcasting x₁ against x₂)."""
    shape = _check_pair("cosine_similarity", x1, x2)
    x1, x2 = _float(x1).expand(*shape), _float(x2).expand(*shape)
    dim = normalize_dim(dim, len(shape), "cosine_similarity")
    return ((x1 / _clamped_norm(x1, dim, eps)) * (x2 / _clamped_norm(x2, dim, eps))).sum(dim)


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6, keepdim: bool = False) -> Tensor:
    """‖x₁ − x₂ + eps‖_p along the last dimension (of the broadcast shape)."""
    shape = _check_pair("pairwise_distance", x1, x2)
    if not shape:
        raise RuntimeError("pairwise_distance: inputs must have at least one dimension (vectors along the last one)")
    diff = _float(x1) - _float(x2) + eps
    return diff.norm(p, dim=len(shape) - 1, keepdim=keepdim)


def pdist(input: Tensor, p: float = 2.0) -> Tensor:
    """The p-norm distance between every pair of rows of an (N, M) input: N(N−1)/2 values, pairs (0,1), (0,2), …"""
    if not isinstance(input, Tensor) or input.ndim != 2:
        raise RuntimeError(f"pdist: only supports 2D tensors (N, M), got "
                           f"{tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__}")
    if p < 0:
        raise RuntimeError(f"pdist: only supports non-negative p values, got {p}")
    rows, cols = np.triu_indices(input.shape[0], 1)
    x = _float(input)
    diff = x.index_select(0, Tensor._wrap(rows)) - x.index_select(0, Tensor._wrap(cols))
    return diff.norm(p, dim=1)
