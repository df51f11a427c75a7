"""ASGD: SGD with a decaying step size and a running average of the iterates (Polyak-Ruppert averaging)."""
from __future__ import annotations

from .optimizer import Optimizer, implementation_options, prepared_gradient

__all__ = ["ASGD"]


def asgd_rule(param, grad, step, eta, mu, ax, *, lr, lambd, alpha, t0, weight_decay, maximize):
    """One ASGD step on arrays, in place; eta and mu (0-d, PyTorch's scalar dtype) are updated for the next step."""
    step += 1
    g = prepared_gradient(param, grad, maximize, weight_decay)
    eta_value = float(eta)
    param *= 1 - lambd * eta_value
    param += -eta_value * g
    if float(mu) != 1:
        ax += (param - ax) * mu.astype(ax.dtype)  # in the parameter's precision, as PyTorch
    else:
        ax[...] = param
    t = float(step)
    eta[...] = lr / ((1 + lambd * lr * t) ** alpha)
    mu[...] = 1 / max(1, t - t0)


class ASGD(Optimizer):
    """Averaged SGD as `torch.optim.ASGD` (Polyak & Juditsky, 1992). Per step t, with g the gradient:

        p ← p·(1 − λ·η) − η·g              (η starts at lr)
        a ← a + μ·(p − a)                  (a = p while μ = 1)
        η ← lr/(1 + λ·lr·t)^α,  μ ← 1/max(1, t − t0)
    The average a is state['ax']; copy it into the parameters for evaluation.
    """

    def __init__(self, params, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
                 weight_decay: float = 0.0, foreach=None, maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False):
        for label, value in (("learning rate", lr), ("weight_decay value", weight_decay)):
            if value < 0:
                raise ValueError(f"ASGD: invalid {label}: {value}; it must be >= 0")
        impl = implementation_options("ASGD", foreach, None, capturable, differentiable)
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                                      foreach=impl["foreach"], maximize=maximize, differentiable=False,
                                      capturable=False))

    def _update(self, group: dict, params: list) -> None:
        options = {k: group[k] for k in ("lr", "lambd", "alpha", "t0", "weight_decay", "maximize")}
        for p in params:
            state = self._state(p)
            if not state:
                state["step"] = self._step_count()
                state["eta"] = self._scalar(group["lr"])
                state["mu"] = self._scalar(1.0)
                state["ax"] = self._zeros_like(p)
            self._run_rule(asgd_rule, p, state["step"], state["eta"], state["mu"], state["ax"], **options)
