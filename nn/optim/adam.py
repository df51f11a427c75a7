"""Adam and AdamW: adaptive moment estimation, with bias correction and the AMSGrad variant."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, implementation_options, prepared_gradient

__all__ = ["Adam", "AdamW"]


def adam_rule(param, grad, step, exp_avg, exp_avg_sq, *max_exp_avg_sq, lr, betas, eps, weight_decay, amsgrad,
              maximize, decoupled_weight_decay):
    """One Adam (or AdamW) step on arrays, in place; `step` is the 0-d step count, incremented here."""
    beta1, beta2 = betas
    g = prepared_gradient(param, grad, maximize, 0.0 if decoupled_weight_decay else weight_decay)
    step += 1
    if weight_decay and decoupled_weight_decay:
        param *= 1 - lr * weight_decay
    exp_avg += (1 - beta1) * (g - exp_avg)  # lerp towards g, as PyTorch computes it
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * g * g  # PyTorch's addcmul order
    second = exp_avg_sq
    if amsgrad:
        second, = max_exp_avg_sq
        np.maximum(second, exp_avg_sq, out=second)
    t = float(step)  # a Python number from the state array, read inside the op: a traced step reads it afresh
    denom = np.sqrt(second) / (1 - beta2 ** t) ** 0.5
    denom += eps
    param -= (lr / (1 - beta1 ** t)) * (exp_avg / denom)


class Adam(Optimizer):
    """Adam as `torch.optim.Adam` (Kingma & Ba, 2015). Per step t, with g the gradient:

        g ← g + weight_decay·p              (Adam: L2 penalty in the gradient)
        p ← p·(1 − lr·weight_decay)         (AdamW: decoupled weight decay, instead)
        m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²
        v̂ ← max(v̂, v) (amsgrad), else v
        p ← p − lr/(1 − β₁ᵗ) · m / (√v̂/√(1 − β₂ᵗ) + eps)
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, foreach=None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False, fused=None,
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
        impl = implementation_options(name, foreach, fused, capturable, differentiable)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize, foreach=impl["foreach"], capturable=False,
                                      differentiable=False, fused=impl["fused"],
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, group: dict, params: list) -> None:
        options = {k: group[k] for k in ("lr", "betas", "eps", "weight_decay", "amsgrad", "maximize",
                                         "decoupled_weight_decay")}
        for p in params:
            state = self._state(p)
            if not state:
                state["step"] = self._step_count()
                state["exp_avg"] = self._zeros_like(p)
                state["exp_avg_sq"] = self._zeros_like(p)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = self._zeros_like(p)
            extra = (state["max_exp_avg_sq"],) if group["amsgrad"] else ()
            self._run_rule_with(adam_rule, options, p, state["step"], state["exp_avg"], state["exp_avg_sq"], *extra)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): p ← p·(1 − lr·weight_decay) before the Adam step."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False, foreach=None,
                 capturable: bool = False, differentiable: bool = False, fused=None) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)
