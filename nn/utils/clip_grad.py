"""Gradient clipping, applied to `.grad` in place between `backward()` and `optimizer.step()`."""
from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from autograd.grad_mode import no_grad
from autograd.ops.shape import stack
from autograd.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _vector_norm(t: Tensor, norm_type: float) -> Tensor:
    """The `norm_type`-norm of all of t's elements, with tensor ops (so a traced step computes it afresh)."""
    if norm_type == math.inf:
        return t.abs().amax() if t.numel() else t.new_zeros(())
    if norm_type == -math.inf:
        return t.abs().amin() if t.numel() else t.new_full((), math.inf)
    if norm_type == 0:
        return (t != 0).sum().to(t.dtype)
    if norm_type == 1:
        return t.abs().sum()
    if norm_type == 2:
        return t.norm()
    return (t.abs() ** norm_type).sum() ** (1.0 / norm_type)


def clip_grad_norm_(parameters: Iterable[Tensor] | Tensor, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach=None) -> Tensor:
    """Scale all gradients together so that their joint `norm_type`-norm is at most `max_norm`.

    The norm is taken over all gradients as if concatenated into one vector; each is multiplied
    by min(1, max_norm / (total_norm + 1e-6)), as PyTorch. Returns the total norm before clipping.
    (`foreach` chooses PyTorch's multi-tensor kernels; here every choice computes the same.)
    """
    norm_type = float(norm_type)
    grads = _grads(parameters)
    if not grads:
        return Tensor._from_data(0.0)
    with no_grad():
        dtype = np.result_type(*(g.dtype for g in grads))
        total = _vector_norm(stack([_vector_norm(g.detach(), norm_type).to(dtype) for g in grads]), norm_type)
        if error_if_nonfinite and not bool(total.isfinite()):
            raise RuntimeError(
                f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is non-finite ({total.item()}), "
                "so it cannot be clipped. Set error_if_nonfinite=False to clip anyway (the gradients become nan), or "
                "find the source of the nan/inf with autograd.detect_anomaly()."
            )
        coefficient = (max_norm / (total + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coefficient.to(g.dtype))
    return total


def clip_grad_value_(parameters: Iterable[Tensor] | Tensor, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element into [−clip_value, clip_value]."""
    clip_value = float(clip_value)
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)
