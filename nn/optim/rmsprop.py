"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, implementation_options, prepared_gradient

__all__ = ["RMSprop"]


def rmsprop_rule(param, grad, step, square_avg, *buffers, lr, alpha, eps, weight_decay, momentum, centered, maximize):
    """One RMSprop step on arrays, in place; `buffers` are (momentum_buffer?, grad_avg?) as configured."""
    g = prepared_gradient(param, grad, maximize, weight_decay)
    step += 1
    buffers = list(buffers)
    momentum_buffer = buffers.pop(0) if momentum > 0 else None
    grad_avg = buffers.pop(0) if centered else None
    square_avg *= alpha
    square_avg += (1 - alpha) * g * g  # PyTorch's addcmul order
    if centered:
        grad_avg += (1 - alpha) * (g - grad_avg)
        avg = np.sqrt(square_avg + -1 * grad_avg * grad_avg)
    else:
        avg = np.sqrt(square_avg)
    avg += eps
    if momentum > 0:
        momentum_buffer *= momentum
        momentum_buffer += g / avg
        param -= lr * momentum_buffer
    else:
        param -= lr * (g / avg)


class RMSprop(Optimizer):
    """RMSprop as `torch.optim.RMSprop` (Hinton's lecture 6e). Per step, with g the gradient:

        g ← g + weight_decay·p
        v ← α·v + (1 − α)·g²
        d ← √(v − ḡ²) + eps with ḡ ← α·ḡ + (1 − α)·g  (centered), else √v + eps
        b ← momentum·b + g/d,  p ← p − lr·b            (momentum > 0), else p ← p − lr·g/d
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False, capturable: bool = False, foreach=None,
                 maximize: bool = False, differentiable: bool = False) -> None:
        for label, value in (("learning rate", lr), ("epsilon value", eps), ("momentum value", momentum),
                             ("weight_decay value", weight_decay), ("alpha value", alpha)):
            if value < 0:
                raise ValueError(f"RMSprop: invalid {label} {value}; it must be >= 0")
        impl = implementation_options("RMSprop", foreach, None, capturable, differentiable)
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, capturable=False, foreach=impl["foreach"],
                                      maximize=maximize, differentiable=False))

    def _update(self, group: dict, params: list) -> None:
        options = {k: group[k] for k in ("lr", "alpha", "eps", "weight_decay", "momentum", "centered", "maximize")}
        for p in params:
            state = self._state(p)
            if not state:
                state["step"] = self._step_count()
                state["square_avg"] = self._zeros_like(p)
                if group["momentum"] > 0:
                    state["momentum_buffer"] = self._zeros_like(p)
                if group["centered"]:
                    state["grad_avg"] = self._zeros_like(p)
            buffers = [state[k] for k in ("momentum_buffer", "grad_avg") if k in state]
            self._run_rule(rmsprop_rule, p, state["step"], state["square_avg"], *buffers, **options)
