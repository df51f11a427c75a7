"""Stochastic gradient descent with momentum (heavy-ball or Nesterov), dampening and L2 weight decay."""
from __future__ import annotations

import numpy as np

from autograd.tensor import Tensor

from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    """SGD as `torch.optim.SGD`. Per step, with g the gradient (negated if `maximize`):

        g ← g + weight_decay·p
        b ← g (first step), else momentum·b + (1 − dampening)·g      (when momentum ≠ 0)
        g ← g + momentum·b (nesterov), else b
        p ← p − lr·g
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False) -> None:
        if lr < 0:
            raise ValueError(f"SGD: invalid learning rate {lr}; it must be >= 0")
        if momentum < 0:
            raise ValueError(f"SGD: invalid momentum value {momentum}; it must be >= 0")
        if weight_decay < 0:
            raise ValueError(f"SGD: invalid weight_decay value {weight_decay}; it must be >= 0")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum > 0 and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def _update(self, group: dict, params: list) -> None:
        lr, momentum, dampening, nesterov = group["lr"], group["momentum"], group["dampening"], group["nesterov"]
        for p in params:
            g = self._gradient(p, group)
            if momentum:
                state = self._state(p)
                buf = state.get("momentum_buffer")
                if buf is None:
                    buf = state["momentum_buffer"] = Tensor._wrap(np.array(g, dtype=p.dtype))
                else:
                    buf._data *= momentum
                    buf._data += (1 - dampening) * g
                g = g + momentum * buf._data if nesterov else buf._data
            p._data -= lr * g
