"""Adagrad: per-coordinate learning rates that shrink with the sum of squared past gradients."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, implementation_options, prepared_gradient

__all__ = ["Adagrad"]


def adagrad_rule(param, grad, step, state_sum, *, lr, lr_decay, weight_decay, eps, maximize):
    """One Adagrad step on arrays, in place; `step` is the 0-d step count, incremented here."""
    g = prepared_gradient(param, grad, maximize, weight_decay)
    step += 1
    state_sum += g * g
    std = np.sqrt(state_sum)
    std += eps
    param -= (lr / (1 + (float(step) - 1) * lr_decay)) * (g / std)


class Adagrad(Optimizer):
    """Adagrad as `torch.optim.Adagrad` (Duchi et al., 2011). Per step t, with g the gradient:

        g ← g + weight_decay·p
        lr_t = lr / (1 + (t − 1)·lr_decay)
        s ← s + g²                (s starts at initial_accumulator_value)
        p ← p − lr_t · g / (√s + eps)
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, foreach=None, *, maximize: bool = False,
                 differentiable: bool = False, fused=None) -> None:
        for label, value in (("learning rate", lr), ("lr_decay value", lr_decay), ("weight_decay value", weight_decay),
                             ("initial_accumulator_value", initial_accumulator_value), ("epsilon value", eps)):
            if value < 0:
                raise ValueError(f"Adagrad: invalid {label} {value}; it must be >= 0")
        impl = implementation_options("Adagrad", foreach, fused, False, differentiable)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, foreach=impl["foreach"],
                                      maximize=maximize, differentiable=False, fused=impl["fused"]))

    def _update(self, group: dict, params: list) -> None:
        options = {k: group[k] for k in ("lr", "lr_decay", "weight_decay", "eps", "maximize")}
        for p in params:
            state = self._state(p)
            if not state:
                state["step"] = self._step_count()
                state["sum"] = self._zeros_like(p, group["initial_accumulator_value"])
            self._run_rule(adagrad_rule, p, state["step"], state["sum"], **options)
