"""Gradient clipping, applied to `.grad` in place between `backward()` and `optimizer.step()`."""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from autograd.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _vector_norm(array: np.ndarray, norm_type: float) -> np.ndarray:
    a = np.abs(array)
    if norm_type == math.inf:
        return a.max(initial=0)
    if norm_type == -math.inf:
        return a.min(initial=math.inf)
    if norm_type == 0:
        return np.asarray(np.count_nonzero(a), dtype=array.dtype)
    if norm_type == 1:
        return a.sum()
    if norm_type == 2:
        return np.sqrt(np.vdot(a, a))
    return (a ** norm_type).sum() ** (1.0 / norm_type)


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients together so that their joint `norm_type`-norm is at most `max_norm`.

    The norm is taken over all gradients as if concatenated into one vector; each is multiplied
    by min(1, max_norm / (total_norm + 1e-6)), as PyTorch. Returns the total norm before clipping.
    """
    norm_type = float(norm_type)
    grads = _grads(parameters)
    if not grads:
        return Tensor(0.0)
    dtype = np.result_type(*(g.dtype for g in grads))
    norms = np.array([_vector_norm(g._data, norm_type) for g in grads], dtype=dtype)
    total = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is non-finite ({total}), so it "
            "cannot be clipped. Set error_if_nonfinite=False to clip anyway (the gradients become nan), or find the "
            "source of the nan/inf with autograd.detect_anomaly()."
        )
    coefficient = min(max_norm / (float(total) + 1e-6), 1.0)
    for g in grads:
        g._data *= g._data.dtype.type(coefficient)
    return Tensor(np.asarray(total, dtype=dtype))


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float) -> None:
    """Clamp every gradient element into [−clip_value, clip_value]."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        np.clip(g._data, -clip_value, clip_value, out=g._data)
