"""RAdam: Adam whose adaptive step is switched on only once the variance of its estimate is tractable
(the rectification term), plain momentum SGD before that."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, implementation_options, prepared_gradient

__all__ = ["RAdam"]


def radam_rule(param, grad, step, exp_avg, exp_avg_sq, *, lr, betas, eps, weight_decay, decoupled_weight_decay,
               maximize):
    """One RAdam step on arrays, in place (PyTorch's order of operations)."""
    beta1, beta2 = betas
    step += 1
    t = float(step)
    if weight_decay and decoupled_weight_decay:
        param *= 1 - lr * weight_decay
    g = prepared_gradient(param, grad, maximize, 0.0 if decoupled_weight_decay else weight_decay)
    exp_avg += (1 - beta1) * (g - exp_avg)
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * g * g
    bias_correction1, bias_correction2 = 1 - beta1 ** t, 1 - beta2 ** t
    corrected = exp_avg / bias_correction1
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * t * (beta2 ** t) / bias_correction2
    if rho_t > 5.0:
        rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
        adaptive = (bias_correction2 ** 0.5) / (np.sqrt(exp_avg_sq) + eps)
        param += -1.0 * (corrected * lr * adaptive * rect)
    else:
        param += -1.0 * (corrected * lr)


class RAdam(Optimizer):
    """RAdam as `torch.optim.RAdam` (Liu et al., 2020). Per step t, with g the gradient:

        m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²,  m̂ = m/(1 − β₁ᵗ)
        ρ∞ = 2/(1 − β₂) − 1,  ρₜ = ρ∞ − 2tβ₂ᵗ/(1 − β₂ᵗ)
        ρₜ > 5:  r = √((ρₜ−4)(ρₜ−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρₜ)),  p ← p − lr·m̂·r·√(1 − β₂ᵗ)/(√v + eps)
        else:    p ← p − lr·m̂
    with weight decay added to g, or applied to p directly (decoupled_weight_decay).
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *, foreach=None,
                 maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        for label, value in (("learning rate", lr), ("epsilon value", eps), ("weight_decay value", weight_decay)):
            if value < 0:
                raise ValueError(f"RAdam: invalid {label}: {value}; it must be >= 0")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"RAdam: invalid beta parameter at index {i}: {beta}; it must be in [0, 1)")
        impl = implementation_options("RAdam", foreach, None, capturable, differentiable)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      foreach=impl["foreach"], capturable=False,
                                      decoupled_weight_decay=decoupled_weight_decay, differentiable=False))

    def _update(self, group: dict, params: list) -> None:
        options = {k: group[k] for k in ("lr", "betas", "eps", "weight_decay", "decoupled_weight_decay", "maximize")}
        for p in params:
            state = self._state(p)
            if not state:
                state["step"] = self._step_count()
                state["exp_avg"] = self._zeros_like(p)
                state["exp_avg_sq"] = self._zeros_like(p)
            self._run_rule(radam_rule, p, state["step"], state["exp_avg"], state["exp_avg_sq"], **options)
