"""Adagrad: per-coordinate learning rates that shrink with the sum of squared past gradients."""
from __future__ import annotations

import numpy as np

from autograd.tensor import Tensor

from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad as `torch.optim.Adagrad` (Duchi et al., 2011). Per step t, with g the gradient:

        g ← g + weight_decay·p
        lr_t = lr / (1 + (t − 1)·lr_decay)
        s ← s + g²                (s starts at initial_accumulator_value)
        p ← p − lr_t · g / (√s + eps)
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *, maximize: bool = False) -> None:
        for label, value in (("learning rate", lr), ("lr_decay value", lr_decay), ("weight_decay value", weight_decay),
                             ("initial_accumulator_value", initial_accumulator_value), ("epsilon value", eps)):
            if value < 0:
                raise ValueError(f"Adagrad: invalid {label} {value}; it must be >= 0")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps,
                                      initial_accumulator_value=initial_accumulator_value, maximize=maximize))

    def _update(self, group: dict, params: list) -> None:
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        for p in params:
            g = self._gradient(p, group)
            state = self._state(p)
            if not state:
                state["step"] = 0
                state["sum"] = Tensor._wrap(np.full_like(p._data, group["initial_accumulator_value"]))
            state["step"] += 1
            state_sum = state["sum"]._data
            state_sum += g * g
            std = np.sqrt(state_sum)
            std += eps
            p._data -= (lr / (1 + (state["step"] - 1) * lr_decay)) * (g / std)
