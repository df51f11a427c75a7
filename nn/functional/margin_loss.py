"""Margin, ranking and embedding losses, as torch.nn.functional: margin_ranking_loss, hinge_embedding_loss,
soft_margin_loss, multilabel_soft_margin_loss, multi_margin_loss, multilabel_margin_loss,
cosine_embedding_loss, triplet_margin_loss, triplet_margin_with_distance_loss.

All are compositions of differentiable Tensor ops (clamps, where, reductions), with PyTorch's formulas,
its treatment of targets outside {1, −1} and its `reduction` (and, by keyword, the deprecated
`size_average` / `reduce`).
"""
from __future__ import annotations

import numpy as np

from autograd.function import Op
from autograd.ops.activation import where
from autograd.tensor import Tensor

from ._reduction import accepts_legacy_reduction
from .distance import pairwise_distance
from .loss import _check_reduction, _reduce

__all__ = ["margin_ranking_loss", "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
           "multi_margin_loss", "multilabel_margin_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss"]


def _tensor(value, like: Tensor) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor._from_data(np.asarray(value, dtype=like.dtype))


@accepts_legacy_reduction
def margin_ranking_loss(input1: Tensor, input2: Tensor, target, margin: float = 0.0, *,
                        reduction: str = "mean") -> Tensor:
    """max(0, −y·(x₁ − x₂) + margin): x₁ should rank above x₂ where y = 1, below where y = −1."""
    _check_reduction(reduction, "margin_ranking_loss")
    if not (input1.ndim == input2.ndim == _tensor(target, input1).ndim):
        raise RuntimeError(f"margin_ranking_loss: all input tensors should have the same dimension, got "
                           f"{tuple(input1.shape)}, {tuple(input2.shape)} and {tuple(_tensor(target, input1).shape)}")
    return _reduce((-_tensor(target, input1) * (input1 - input2) + margin).clamp_min(0), reduction)


@accepts_legacy_reduction
def hinge_embedding_loss(input: Tensor, target, margin: float = 1.0, *, reduction: str = "mean") -> Tensor:
    """x where y = 1, max(0, margin − x) where y = −1 (both terms for other target values, as PyTorch)."""
    _check_reduction(reduction, "hinge_embedding_loss")
    target = _tensor(target, input)
    return _reduce(where(target != 1, (margin - input).clamp_min(0), 0.0) + where(target != -1, input, 0.0), reduction)


@accepts_legacy_reduction
def soft_margin_loss(input: Tensor, target, *, reduction: str = "mean") -> Tensor:
    """log(1 + exp(−y·x)), the logistic loss for y ∈ {1, −1}."""
    _check_reduction(reduction, "soft_margin_loss")
    return _reduce((-input * _tensor(target, input)).exp().log1p(), reduction)


@accepts_legacy_reduction
def multilabel_soft_margin_loss(input: Tensor, target, weight=None, *, reduction: str = "mean") -> Tensor:
    """−(y·log σ(x) + (1 − y)·log σ(−x)) (optionally weighted per class), averaged over the classes (last dim)."""
    _check_reduction(reduction, "multilabel_soft_margin_loss")
    target = _tensor(target, input)
    loss = -(target * input.logsigmoid() + (1 - target) * (-input).logsigmoid())
    if weight is not None:
        loss = loss * _tensor(weight, input)
    classes = input.shape[-1]
    return _reduce(loss.sum(input.ndim - 1) / classes, reduction)


def _class_targets(input: Tensor, target, op: str) -> tuple[Tensor, Tensor]:
    """(input as (N, C), integer target as (N, 1)), checked."""
    index = target if isinstance(target, Tensor) else Tensor._from_data(np.asarray(target))
    if index.dtype.kind not in "iu":
        raise TypeError(f"{op}: target must hold class indices (an integer tensor), got dtype {index.dtype}")
    x = input.unsqueeze(0) if input.ndim == 1 else input
    if x.ndim != 2 or index.reshape(-1).shape[0] != x.shape[0]:
        raise RuntimeError(f"{op}: expected input (N, C) or (C,) and target (N,) or (), got {tuple(input.shape)} and "
                           f"{tuple(index.shape)}")
    return x, index.reshape(-1, 1)


class _ClassRangeCheck(Op):
    """Raises when a target index is outside [0, C): checked on every call, inside an op."""

    differentiable = False

    @staticmethod
    def forward(ctx, index, classes, op):
        if index.size and (index.min() < 0 or index.max() >= classes):
            raise IndexError(f"{op}: target {int(index.min() if index.min() < 0 else index.max())} is out of bounds "
                             f"for {classes} classes")
        return index


@accepts_legacy_reduction
def multi_margin_loss(input: Tensor, target, p: int = 1, margin: float = 1.0, weight=None, *,
                      reduction: str = "mean") -> Tensor:
    """Σ_{j≠y} max(0, margin − x_y + x_j)^p / C per sample (p = 1 or 2), times weight[y]: the multi-class hinge."""
    _check_reduction(reduction, "multi_margin_loss")
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p == 1 and p == 2 supported, got p={p}")
    x, index = _class_targets(input, target, "multi_margin_loss")
    index = _ClassRangeCheck.apply(index, x.shape[1], "multi_margin_loss")
    hinge = (margin - x.gather(1, index) + x).clamp_min(0)
    if p == 2:
        hinge = hinge * hinge
    classes = Tensor._wrap(np.arange(x.shape[1]))
    hinge = where(classes == index, 0.0, hinge)
    if weight is not None:
        hinge = hinge * _tensor(weight, input)[index.reshape(-1)].unsqueeze(1)
    loss = hinge.sum(1) / x.shape[1]
    return _reduce(loss if input.ndim == 2 else loss.reshape(()), reduction)


class _TargetCounts(Op):
    """multilabel_margin_loss's targets: class indices, ended by the first −1; how often each class is listed."""

    differentiable = False

    @staticmethod
    def forward(ctx, target, classes):
        counts = np.zeros(target.shape, dtype=np.int64)
        for row, labels in enumerate(target):
            stop = np.flatnonzero(labels < 0)
            labels = labels[: stop[0] if stop.size else len(labels)]
            if labels.size and labels.max() >= classes:
                raise IndexError(f"multilabel_margin_loss: target {int(labels.max())} is out of bounds for {classes} "
                                 "classes")
            np.add.at(counts[row], labels, 1)
        return counts


@accepts_legacy_reduction
def multilabel_margin_loss(input: Tensor, target, *, reduction: str = "mean") -> Tensor:
    """Σ over listed targets j and unlisted classes k of max(0, 1 − (x_j − x_k)), / C: every listed class should
    score above every other by 1. target (N, C) holds class indices, padded with −1 after the last one."""
    _check_reduction(reduction, "multilabel_margin_loss")
    index = target if isinstance(target, Tensor) else Tensor._from_data(np.asarray(target))
    x = input.unsqueeze(0) if input.ndim == 1 else input
    index = index.reshape(x.shape) if index.ndim == 1 else index
    if index.dtype.kind not in "iu" or tuple(index.shape) != tuple(x.shape):
        raise RuntimeError(f"multilabel_margin_loss: expected an integer target of the input's shape "
                           f"{tuple(input.shape)}, got {tuple(index.shape)} of dtype {index.dtype}")
    counts = _TargetCounts.apply(index, x.shape[1]).to(x.dtype)
    others = (counts == 0).to(x.dtype)
    hinge = (1 - x.unsqueeze(2) + x.unsqueeze(1)).clamp_min(0)  # (N, j, k)
    loss = (hinge * counts.unsqueeze(2) * others.unsqueeze(1)).sum((1, 2)) / x.shape[1]
    return _reduce(loss if input.ndim == 2 else loss.reshape(()), reduction)


@accepts_legacy_reduction
def cosine_embedding_loss(input1: Tensor, input2: Tensor, target, margin: float = 0.0, *,
                          reduction: str = "mean") -> Tensor:
    """1 − cos(x₁, x₂) where y = 1, max(0, cos(x₁, x₂) − margin) where y = −1 (cos with 1e-12 in each squared norm)."""
    _check_reduction(reduction, "cosine_embedding_loss")
    dim = 1 if input1.ndim == 2 else 0
    target = _tensor(target, input1)
    cos = (input1 * input2).sum(dim) / (((input1 * input1).sum(dim) + 1e-12) * ((input2 * input2).sum(dim) + 1e-12)).sqrt()
    loss = where(target == 1, 1 - cos, 0.0) + where(target == -1, (cos - margin).clamp_min(0), 0.0)
    return _reduce(loss, reduction)


@accepts_legacy_reduction
def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2,
                        eps: float = 1e-6, swap: bool = False, *, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) − d(a, n)) with d the p-norm pairwise distance; swap uses min(d(a, n), d(p, n))."""
    _check_reduction(reduction, "triplet_margin_loss")
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(f"triplet_margin_loss: the anchor, positive and negative must have the same number of "
                           f"dimensions, got {anchor.ndim}, {positive.ndim} and {negative.ndim}")
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        from autograd.ops.activation import minimum
        d_neg = minimum(d_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)


def triplet_margin_with_distance_loss(anchor: Tensor, positive: Tensor, negative: Tensor, *, distance_function=None,
                                      margin: float = 1.0, swap: bool = False, reduction: str = "mean") -> Tensor:
    """max(0, margin + d(a, p) − d(a, n)) with any distance function (pairwise_distance by default)."""
    _check_reduction(reduction, "triplet_margin_with_distance_loss")
    if margin <= 0:
        raise ValueError(f"triplet_margin_with_distance_loss: margin must be greater than 0, got {margin}")
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos, d_neg = distance(anchor, positive), distance(anchor, negative)
    if swap:
        from autograd.ops.activation import minimum
        d_neg = minimum(d_neg, distance(positive, negative))
    return _reduce((margin + d_pos - d_neg).clamp_min(0), reduction)
