"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""
from __future__ import annotations

import numpy as np

from autograd.tensor import Tensor

from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop as `torch.optim.RMSprop` (Hinton's lecture 6e). Per step, with g the gradient:

        g ← g + weight_decay·p
        v ← α·v + (1 − α)·g²
        d ← √(v − ḡ²) + eps with ḡ ← α·ḡ + (1 − α)·g  (centered), else √v + eps
        b ← momentum·b + g/d,  p ← p − lr·b            (momentum > 0), else p ← p − lr·g/d
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False, *, maximize: bool = False) -> None:
        for label, value in (("learning rate", lr), ("epsilon value", eps), ("momentum value", momentum),
                             ("weight_decay value", weight_decay), ("alpha value", alpha)):
            if value < 0:
                raise ValueError(f"RMSprop: invalid {label} {value}; it must be >= 0")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def _update(self, group: dict, params: list) -> None:
        lr, alpha, eps, momentum, centered = group["lr"], group["alpha"], group["eps"], group["momentum"], group["centered"]
        for p in params:
            g = self._gradient(p, group)
            state = self._state(p)
            if not state:
                state["step"] = 0
                state["square_avg"] = Tensor._wrap(np.zeros_like(p._data))
                if momentum > 0:
                    state["momentum_buffer"] = Tensor._wrap(np.zeros_like(p._data))
                if centered:
                    state["grad_avg"] = Tensor._wrap(np.zeros_like(p._data))
            state["step"] += 1
            square_avg = state["square_avg"]._data
            square_avg *= alpha
            square_avg += (1 - alpha) * (g * g)
            if centered:
                grad_avg = state["grad_avg"]._data
                grad_avg += (1 - alpha) * (g - grad_avg)
                avg = np.sqrt(square_avg - grad_avg * grad_avg)
            else:
                avg = np.sqrt(square_avg)
            avg += eps
            if momentum > 0:
                buf = state["momentum_buffer"]._data
                buf *= momentum
                buf += g / avg
                p._data -= lr * buf
            else:
                p._data -= lr * (g / avg)
