"""Adam and AdamW: adaptive moment estimation, with bias correction and the AMSGrad variant."""
from __future__ import annotations

import math

import numpy as np

from autograd.tensor import Tensor

from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam as `torch.optim.Adam` (Kingma & Ba, 2015). Per step t, with g the gradient:

        g ← g + weight_decay·p              (Adam: L2 penalty in the gradient)
        p ← p·(1 − lr·weight_decay)         (AdamW: decoupled weight decay, instead)
        m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²
        v̂ ← max(v̂, v) (amsgrad), else v
        p ← p − lr/(1 − β₁ᵗ) · m / (√v̂/√(1 − β₂ᵗ) + eps)
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        name = type(self).__name__
        if lr < 0:
            raise ValueError(f"{name}: invalid learning rate {lr}; it must be >= 0")
        if eps < 0:
            raise ValueError(f"{name}: invalid epsilon value {eps}; it must be >= 0")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"{name}: invalid beta parameter at index {i}: {beta}; it must be in [0, 1)")
        if weight_decay < 0:
            raise ValueError(f"{name}: invalid weight_decay value {weight_decay}; it must be >= 0")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, group: dict, params: list) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        weight_decay, amsgrad = group["weight_decay"], group["amsgrad"]
        for p in params:
            g = self._gradient(p, group)
            state = self._state(p)
            if not state:
                state["step"] = 0
                state["exp_avg"] = Tensor._wrap(np.zeros_like(p._data))
                state["exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
                if amsgrad:
                    state["max_exp_avg_sq"] = Tensor._wrap(np.zeros_like(p._data))
            state["step"] += 1
            step = state["step"]
            if weight_decay and group["decoupled_weight_decay"]:
                p._data *= 1 - lr * weight_decay
            exp_avg, exp_avg_sq = state["exp_avg"]._data, state["exp_avg_sq"]._data
            exp_avg += (1 - beta1) * (g - exp_avg)  # lerp towards g, as PyTorch computes it
            exp_avg_sq *= beta2
            exp_avg_sq += (1 - beta2) * (g * g)
            second = exp_avg_sq
            if amsgrad:
                second = state["max_exp_avg_sq"]._data
                np.maximum(second, exp_avg_sq, out=second)
            denom = np.sqrt(second) / math.sqrt(1 - beta2 ** step)
            denom += eps
            p._data -= (lr / (1 - beta1 ** step)) * (exp_avg / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): p ← p·(1 − lr·weight_decay) before the Adam step."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize, decoupled_weight_decay=True)
