"""Adamax: Adam with the infinity norm of past gradients in place of the root mean square."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, implementation_options, prepared_gradient

__all__ = ["Adamax"]


def adamax_rule(param, grad, step, exp_avg, exp_inf, *, lr, betas, eps, weight_decay, maximize):
    """One Adamax step on arrays, in place; `step` is the 0-d step count, incremented here."""
    beta1, beta2 = betas
    step += 1
    g = prepared_gradient(param, grad, maximize, weight_decay)
    exp_avg += (1 - beta1) * (g - exp_avg)
    np.maximum(exp_inf * beta2, np.abs(g) + eps, out=exp_inf)
    clr = lr / (1 - beta1 ** float(step))
    param += -clr * (exp_avg / exp_inf)


class Adamax(Optimizer):
    """Adamax as `torch.optim.Adamax` (Kingma & Ba, 2015, section 7). Per step t, with g the gradient:

        g ← g + weight_decay·p
        m ← β₁·m + (1 − β₁)·g
        u ← max(β₂·u, |g| + eps)
        p ← p − lr/(1 − β₁ᵗ) · m/u
    """

    def __init__(self, params, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, foreach=None, *, maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False):
        for label, value in (("learning rate", lr), ("epsilon value", eps), ("weight_decay value", weight_decay)):
            if value < 0:
                raise ValueError(f"Adamax: invalid {label}: {value}; it must be >= 0")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Adamax: invalid beta parameter at index {i}: {beta}; it must be in [0, 1)")
        impl = implementation_options("Adamax", foreach, None, capturable, differentiable)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      foreach=impl["foreach"], maximize=maximize, differentiable=False,
                                      capturable=False))

    def _update(self, group: dict, params: list) -> None:
        options = {k: group[k] for k in ("lr", "betas", "eps", "weight_decay", "maximize")}
        for p in params:
            state = self._state(p)
            if not state:
                state["step"] = self._step_count()
                state["exp_avg"] = self._zeros_like(p)
                state["exp_inf"] = self._zeros_like(p)
            self._run_rule(adamax_rule, p, state["step"], state["exp_avg"], state["exp_inf"], **options)
