"""L-BFGS: a quasi-Newton method that builds an inverse-Hessian estimate from the last `history_size`
steps and gradient changes, with an optional strong-Wolfe line search (as torch.optim.LBFGS).

Unlike the other optimisers, one `step(closure)` runs up to `max_iter` iterations and calls the
closure (which recomputes the loss and its gradients) several times, so it works on all the
parameters as one flat vector. It is written with Tensor operations under no_grad (the parameters
change through `add_`/`copy_`, which bump their versions); scalars that PyTorch keeps as 0-d
tensors (step sizes, curvature estimates) are 0-d tensors here too, so float32 problems are computed
in float32 as there. The line search is the bracketing and zoom method of Nocedal & Wright
(Numerical Optimization, algorithms 3.5 and 3.6) with safeguarded cubic interpolation.
"""
from __future__ import annotations

from typing import Callable

from autograd.creation import zeros
from autograd.grad_mode import enable_grad, no_grad
from autograd.ops.shape import cat
from autograd.tensor import Tensor

from .optimizer import Optimizer

__all__ = ["LBFGS"]


def _cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clamped to `bounds`
    (by default the interval between the points); the middle of the bounds when the cubic has none."""
    low, high = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    discriminant = d1 ** 2 - g1 * g2
    if discriminant >= 0:
        d2 = discriminant.sqrt()
        if x1 <= x2:
            position = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            position = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(position, low), high)
    return (low + high) / 2.0


class _Point:
    """A trial step t along the direction: its loss f, flat gradient g and directional derivative gtd."""

    __slots__ = ("t", "f", "g", "gtd")

    def __init__(self, t, f, g, gtd):
        self.t, self.f, self.g, self.gtd = t, f, g, gtd


def _strong_wolfe(evaluate: Callable, t, d: Tensor, f: float, g: Tensor, gtd, c1: float = 1e-4, c2: float = 0.9,
                  tolerance_change: float = 1e-9, max_ls: int = 25):
    """A step t satisfying the strong Wolfe conditions f(t) ≤ f + c1·t·gtd and |g(t)·d| ≤ −c2·gtd, or the best
    found within max_ls evaluations. Returns (loss, flat gradient, t, evaluations)."""
    d_norm = d.abs().max()
    start = _Point(0, f, g.clone(), gtd)

    def trial(step):
        loss, grad = evaluate(step)
        return _Point(step, loss, grad, grad.dot(d))

    new, evaluations = trial(t), 1
    previous, bracket, done, iteration = start, None, False, 0
    # bracketing: grow the step until an interval holds a Wolfe point (or the point itself is one)
    while iteration < max_ls:
        if new.f > f + c1 * new.t * gtd or (iteration > 1 and new.f >= previous.f):
            bracket = [previous, _Point(new.t, new.f, new.g.clone(), new.gtd)]
            break
        if abs(new.gtd) <= -c2 * gtd:
            bracket, done = [new], True
            break
        if new.gtd >= 0:
            bracket = [previous, _Point(new.t, new.f, new.g.clone(), new.gtd)]
            break
        step = _cubic_minimum(previous.t, previous.f, previous.gtd, new.t, new.f, new.gtd,
                              bounds=(new.t + 0.01 * (new.t - previous.t), new.t * 10))
        previous = _Point(new.t, new.f, new.g.clone(), new.gtd)
        new, evaluations, iteration = trial(step), evaluations + 1, iteration + 1
    if iteration == max_ls:
        bracket = [_Point(0, f, g, None), _Point(new.t, new.f, new.g, None)]
    # zoom: shrink the bracket [low, high] until its trial point satisfies the conditions
    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    insufficient_progress = False
    while not done and iteration < max_ls:
        a, b = bracket[0].t, bracket[1].t
        if abs(b - a) * d_norm < tolerance_change:
            break
        step = _cubic_minimum(a, bracket[0].f, bracket[0].gtd, b, bracket[1].f, bracket[1].gtd)
        top, bottom = max(a, b), min(a, b)
        margin = 0.1 * (top - bottom)
        if min(top - step, step - bottom) < margin:  # too close to an end of the bracket
            if insufficient_progress or step >= top or step <= bottom:
                step = top - margin if abs(step - top) < abs(step - bottom) else bottom + margin
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False
        new, evaluations, iteration = trial(step), evaluations + 1, iteration + 1
        point = _Point(new.t, new.f, new.g.clone(), new.gtd)
        if new.f > f + c1 * new.t * gtd or new.f >= bracket[low].f:
            bracket[high] = point  # not a sufficient decrease, or not below the low end: the new high end
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
        else:
            if abs(new.gtd) <= -c2 * gtd:
                done = True
            elif new.gtd * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = point
    best = bracket[low]
    return best.f, best.g, best.t, evaluations


class LBFGS(Optimizer):
    """L-BFGS as `torch.optim.LBFGS` (Liu & Nocedal, 1989). `step(closure)`: closure clears the gradients,
    computes the loss, calls backward and returns the loss.

    Each iteration: direction d = −H·g from the two-loop recursion over the stored (s, y) pairs (the
    first iteration: −g), a step t along d (lr, or min(1, 1/‖g‖₁)·lr on the very first; or a strong-Wolfe
    line search with line_search_fn='strong_wolfe'), then a new pair when yᵀs > 1e-10. Stops after
    max_iter iterations or max_eval closure calls (default max_iter·5/4), when max|g| ≤ tolerance_grad,
    or when the step or the change in loss falls below tolerance_change. One parameter group only.
    """

    def __init__(self, params, lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None):
        if not 0.0 <= lr:
            raise ValueError(f"LBFGS: invalid learning rate: {lr}; it must be >= 0")
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe' (the only one supported, as in "
                             f"PyTorch), got {line_search_fn!r}")
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict) -> None:
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    # ------------------------------------------------------------------ the parameters as one vector
    def _flat_grad(self) -> Tensor:
        return cat([zeros(p.numel(), dtype=p.dtype) if p.grad is None else p.grad.reshape(-1) for p in self._params], 0)

    def _add_to_params(self, step, direction: Tensor) -> None:
        offset = 0
        for p in self._params:
            n = p.numel()
            p.add_(direction[offset:offset + n].view_as(p), alpha=step)
            offset += n

    def _evaluate_at(self, closure, start: list, step, direction: Tensor):
        """Loss and flat gradient at start + step·direction; the parameters are put back afterwards."""
        self._add_to_params(step, direction)
        loss = float(closure())
        grad = self._flat_grad()
        for p, value in zip(self._params, start):
            p.copy_(value)
        return loss, grad

    # ------------------------------------------------------------------ one call: up to max_iter iterations
    def step(self, closure: Callable):
        if closure is None or not callable(closure):
            raise TypeError("LBFGS.step requires a closure that re-evaluates the model and returns the loss")
        self._opt_called = True
        with no_grad():
            return self._iterate(closure)

    def _iterate(self, closure):
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]

        def evaluate():
            with enable_grad():
                return closure()

        state = self._state(self._params[0])  # all of LBFGS's state, kept under the first parameter (PyTorch's)
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        first_loss = evaluate()
        loss = float(first_loss)
        evaluations = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if flat_grad.abs().max() <= tolerance_grad:
            return first_loss
        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        H_diag, prev_flat_grad, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, H_diag = [], [], [], 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # keep the pair only where the curvature is positive
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                d = self._two_loop(state, -flat_grad, old_dirs, old_stps, ro, H_diag, history_size)
            if prev_flat_grad is None:
                prev_flat_grad = flat_grad.clone()
            else:
                prev_flat_grad.copy_(flat_grad)
            prev_loss = loss
            t = min(1.0, 1.0 / flat_grad.abs().sum()) * lr if state["n_iter"] == 1 else lr
            gtd = flat_grad.dot(d)
            if gtd > -tolerance_change:
                break
            step_evaluations = 0
            if group["line_search_fn"] == "strong_wolfe":
                start = [p.clone() for p in self._params]
                loss, flat_grad, t, step_evaluations = _strong_wolfe(
                    lambda step, start=start, d=d: self._evaluate_at(evaluate, start, step, d), t, d, loss, flat_grad, gtd,
                    max_ls=max_eval - evaluations)
                self._add_to_params(t, d)
                optimal = flat_grad.abs().max() <= tolerance_grad
            else:
                self._add_to_params(t, d)
                optimal = False
                if n_iter != max_iter:  # re-evaluate, except after the last iteration
                    loss = float(evaluate())
                    flat_grad = self._flat_grad()
                    optimal = flat_grad.abs().max() <= tolerance_grad
                    step_evaluations = 1
            evaluations += step_evaluations
            state["func_evals"] += step_evaluations
            if n_iter == max_iter or evaluations >= max_eval or optimal:
                break
            if (d * t).abs().max() <= tolerance_change or abs(loss - prev_loss) < tolerance_change:
                break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return first_loss

    @staticmethod
    def _two_loop(state: dict, q: Tensor, old_dirs, old_stps, ro, H_diag, history_size: int) -> Tensor:
        """−H·g by the two-loop recursion: q starts as −g; returns the direction (one buffer, updated in place)."""
        if "al" not in state:
            state["al"] = [None] * history_size
        al = state["al"]
        for i in range(len(old_dirs) - 1, -1, -1):
            al[i] = old_stps[i].dot(q) * ro[i]
            q.add_(old_dirs[i], alpha=-al[i])
        r = q * H_diag
        for i in range(len(old_dirs)):
            be_i = old_dirs[i].dot(r) * ro[i]
            r.add_(old_stps[i], alpha=al[i] - be_i)
        return r
