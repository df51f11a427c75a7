"""NAdam: Adam with Nesterov momentum, the momentum coefficient warming up over the first steps."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, implementation_options, prepared_gradient

__all__ = ["NAdam"]


def nadam_rule(param, grad, step, mu_product, exp_avg, exp_avg_sq, *, lr, betas, eps, weight_decay, momentum_decay,
               decoupled_weight_decay, maximize):
    """One NAdam step on arrays, in place; `mu_product` (0-d) is the running product of the momentum coefficients."""
    beta1, beta2 = betas
    step += 1
    t = float(step)
    if weight_decay and decoupled_weight_decay:
        param *= 1 - lr * weight_decay
    g = prepared_gradient(param, grad, maximize, 0.0 if decoupled_weight_decay else weight_decay)
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * momentum_decay))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
    mu_product *= mu  # in the 0-d state's dtype, as PyTorch keeps it
    exp_avg += (1 - beta1) * (g - exp_avg)
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * g * g
    denom = np.sqrt(exp_avg_sq / (1 - beta2 ** t))
    denom += eps
    product = float(mu_product)
    param += (-lr * (1.0 - mu) / (1.0 - product)) * (g / denom)
    param += ((-lr * mu_next) / (1.0 - product * mu_next)) * (exp_avg / denom)


class NAdam(Optimizer):
    """NAdam as `torch.optim.NAdam` (Dozat, 2016). Per step t, with g the gradient:

        μₜ = β₁(1 − ½·0.96^(t·momentum_decay)),  Πₜ = μ₁⋯μₜ
        m ← β₁·m + (1 − β₁)·g,  v ← β₂·v + (1 − β₂)·g²,  d = √(v/(1 − β₂ᵗ)) + eps
        p ← p − lr·(1 − μₜ)/(1 − Πₜ) · g/d − lr·μₜ₊₁/(1 − Πₜ·μₜ₊₁) · m/d
    with weight decay added to g, or applied to p directly (decoupled_weight_decay, as AdamW).
    """

    def __init__(self, params, lr: float = 2e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *,
                 foreach=None, maximize: bool = False, capturable: bool = False, differentiable: bool = False):
        for label, value in (("learning rate", lr), ("epsilon value", eps), ("weight_decay value", weight_decay),
                             ("momentum_decay value", momentum_decay)):
            if value < 0:
                raise ValueError(f"NAdam: invalid {label}: {value}; it must be >= 0")
        for i, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"NAdam: invalid beta parameter at index {i}: {beta}; it must be in [0, 1)")
        impl = implementation_options("NAdam", foreach, None, capturable, differentiable)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize, foreach=impl["foreach"], capturable=False,
                                      differentiable=False))

    def _update(self, group: dict, params: list) -> None:
        options = {k: group[k] for k in ("lr", "betas", "eps", "weight_decay", "momentum_decay",
                                         "decoupled_weight_decay", "maximize")}
        for p in params:
            state = self._state(p)
            if not state:
                state["step"] = self._step_count()
                state["mu_product"] = self._scalar(1.0)
                state["exp_avg"] = self._zeros_like(p)
                state["exp_avg_sq"] = self._zeros_like(p)
            self._run_rule(nadam_rule, p, state["step"], state["mu_product"], state["exp_avg"], state["exp_avg_sq"],
                           **options)
