"""Negative log-likelihood losses of count and real-valued data, as torch.nn.functional: poisson_nll_loss and
gaussian_nll_loss (with PyTorch's variance shapes and clamp, whose gradient passes as if unclamped)."""
from __future__ import annotations

import math

import numpy as np

from autograd.creation import ones_like
from autograd.tensor import Tensor

from ._reduction import accepts_legacy_reduction
from .loss import _check_reduction, _reduce

__all__ = ["poisson_nll_loss", "gaussian_nll_loss"]


@accepts_legacy_reduction
def poisson_nll_loss(input: Tensor, target, log_input: bool = True, full: bool = False, eps: float = 1e-8, *,
                     reduction: str = "mean") -> Tensor:
    """exp(x) − y·x (log_input) or x − y·log(x + eps); full adds Stirling's y·log y − y + ½log(2πy) where y > 1."""
    _check_reduction(reduction, "poisson_nll_loss")
    target = target if isinstance(target, Tensor) else Tensor._from_data(np.asarray(target, dtype=input.dtype))
    loss = input.exp() - target * input if log_input else input - target * (input + eps).log()
    if full:
        safe = target.clamp_min(1.0)  # log is only needed where y > 1; elsewhere the term is zero
        stirling = safe * safe.log() - safe + 0.5 * (2 * math.pi * safe).log()
        loss = loss + stirling.masked_fill(target <= 1, 0.0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input: Tensor, target, var, full: bool = False, eps: float = 1e-6,
                      reduction: str = "mean") -> Tensor:
    """½(log max(var, eps) + (x − y)²/max(var, eps)) (+ ½log 2π if full), with var per element, or one per
    sample broadcast over the last dimension (homoscedastic)."""
    target = target if isinstance(target, Tensor) else Tensor._from_data(np.asarray(target, dtype=input.dtype))
    if isinstance(var, (int, float)):
        if var < 0:
            raise ValueError("gaussian_nll_loss: var has negative entry/entries")
        var = ones_like(input) * float(var)
    elif bool((var < 0).any()):
        raise ValueError("gaussian_nll_loss: var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim and sum(v for i, v in zip(input.shape, var.shape) if i != v) == 1):
            raise ValueError(f"gaussian_nll_loss: var is of incorrect size {tuple(var.shape)} for input "
                             f"{tuple(input.shape)}")
    _check_reduction(reduction, "gaussian_nll_loss")
    var = var + (var.clamp_min(eps) - var).detach()  # clamped values, the gradient of the unclamped (PyTorch's)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
