"""Adadelta: step sizes from running averages of squared gradients and of squared updates (no learning rate
needed in the original; PyTorch scales the update by lr, default 1)."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, implementation_options, prepared_gradient

__all__ = ["Adadelta"]


def adadelta_rule(param, grad, step, square_avg, acc_delta, *, lr, rho, eps, weight_decay, maximize):
    """One Adadelta step on arrays, in place (PyTorch's order of operations)."""
    step += 1
    g = prepared_gradient(param, grad, maximize, weight_decay)
    square_avg *= rho
    square_avg += (1 - rho) * g * g
    delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * g
    acc_delta *= rho
    acc_delta += (1 - rho) * delta * delta
    param += -lr * delta


class Adadelta(Optimizer):
    """Adadelta as `torch.optim.Adadelta` (Zeiler, 2012). Per step, with g the gradient:

        g ← g + weight_decay·p
        v ← ρ·v + (1 − ρ)·g²
        Δ ← √(u + eps)/√(v + eps) · g
        u ← ρ·u + (1 − ρ)·Δ²
        p ← p − lr·Δ
    """

    def __init__(self, params, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0,
                 foreach=None, *, capturable: bool = False, maximize: bool = False, differentiable: bool = False):
        for label, value in (("learning rate", lr), ("epsilon value", eps), ("weight_decay value", weight_decay)):
            if value < 0:
                raise ValueError(f"Adadelta: invalid {label}: {value}; it must be >= 0")
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: invalid rho value: {rho}; it must be in [0, 1]")
        impl = implementation_options("Adadelta", foreach, None, capturable, differentiable)
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                                      capturable=False, foreach=impl["foreach"], differentiable=False))

    def _update(self, group: dict, params: list) -> None:
        options = {k: group[k] for k in ("lr", "rho", "eps", "weight_decay", "maximize")}
        for p in params:
            state = self._state(p)
            if not state:
                state["step"] = self._step_count()
                state["square_avg"] = self._zeros_like(p)
                state["acc_delta"] = self._zeros_like(p)
            self._run_rule(adadelta_rule, p, state["step"], state["square_avg"], state["acc_delta"], **options)
