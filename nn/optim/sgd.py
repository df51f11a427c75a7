"""Stochastic gradient descent with momentum (heavy-ball or Nesterov), dampening and L2 weight decay."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, implementation_options, prepared_gradient

__all__ = ["SGD"]


def sgd_rule(param, grad, *momentum_buffer, lr, momentum, dampening, nesterov, maximize, weight_decay, first):
    """One SGD step on arrays, in place (PyTorch's formulas; the buffer starts as the first gradient)."""
    g = prepared_gradient(param, grad, maximize, weight_decay)
    if momentum:
        buf, = momentum_buffer
        if first:
            np.copyto(buf, g)
        else:
            buf *= momentum
            buf += (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf
    param -= lr * g


class SGD(Optimizer):
    """SGD as `torch.optim.SGD`. Per step, with g the gradient (negated if `maximize`):

        g ← g + weight_decay·p
        b ← g (first step), else momentum·b + (1 − dampening)·g      (when momentum ≠ 0)
        g ← g + momentum·b (nesterov), else b
        p ← p − lr·g
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False, foreach=None,
                 differentiable: bool = False, fused=None) -> None:
        if lr < 0:
            raise ValueError(f"SGD: invalid learning rate {lr}; it must be >= 0")
        if momentum < 0:
            raise ValueError(f"SGD: invalid momentum value {momentum}; it must be >= 0")
        if weight_decay < 0:
            raise ValueError(f"SGD: invalid weight_decay value {weight_decay}; it must be >= 0")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum > 0 and zero dampening")
        impl = implementation_options("SGD", foreach, fused, False, differentiable)
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize, foreach=impl["foreach"],
                                      differentiable=False, fused=impl["fused"]))

    def _update(self, group: dict, params: list) -> None:
        options = {k: group[k] for k in ("lr", "momentum", "dampening", "nesterov", "maximize", "weight_decay")}
        later, first = dict(options, first=False), dict(options, first=True)
        for p in params:
            if not group["momentum"]:
                self._run_rule_with(sgd_rule, later, p)
                continue
            state = self._state(p)
            if "momentum_buffer" in state:
                self._run_rule_with(sgd_rule, later, p, state["momentum_buffer"])
            else:
                state["momentum_buffer"] = self._zeros_like(p)
                self._run_rule_with(sgd_rule, first, p, state["momentum_buffer"])
