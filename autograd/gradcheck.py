"""Gradient checking: compare backward rules with finite differences.

`gradcheck` builds the analytic Jacobian of `fn` row by row from vector-Jacobian
products (one `autograd.grad` call per output element, with a one-hot
`grad_outputs`) and the numerical Jacobian column by column from central
differences (perturbing one input element in place at a time). When they disagree
it raises `GradcheckError` with a report that locates the fault: which input, which
output, which element, the two values, how many elements failed, the `grad_fn` of
the output and, for small Jacobians, both matrices side by side.

`gradgradcheck` runs the same check on the function (inputs, grad_outputs) ->
first derivatives, built with `create_graph=True`, which tests second derivatives.

Use float64 inputs: with eps=1e-6, a float32 difference f(x+eps) - f(x-eps) keeps
about one significant digit, so the numerical Jacobian is noise.
"""
from __future__ import annotations

import warnings
from typing import Callable

import numpy as np

from .engine import grad as _grad
from .tensor import Tensor

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]

_SMALL = 8  # Jacobians up to this many rows and columns are printed in full in the report
_SEED = 0x5EED  # local generator seed: deterministic, and autograd's global generator is left alone


class GradcheckError(RuntimeError):
    """A backward rule disagrees with finite differences; the message says where.

    Attributes (None where not applicable): `input_index`, `output_index`,
    `input_element` and `output_element` (index tuples of the worst mismatch),
    `analytic`, `numerical` (the values there), `max_abs_error`, `max_rel_error`,
    `num_failed`, `grad_fn` (name of the output's backward node), `order` (1 or 2).
    """

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.input_index = self.output_index = self.input_element = self.output_element = None
        self.analytic = self.numerical = self.max_abs_error = self.max_rel_error = None
        self.num_failed = None
        self.grad_fn = None
        self.order = 1
        for key, value in details.items():
            setattr(self, key, value)


# --------------------------------------------------------------------------- helpers
def _as_tuple(x) -> tuple:
    if isinstance(x, Tensor):
        return (x,)
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def _checked_inputs(inputs: tuple, where: str, eps: float) -> list[int]:
    """Positions of the inputs that require grad (the ones checked); warns about non-float64 ones."""
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError(
            f"{where}: no input requires grad, so there is nothing to check. "
            "Create the inputs with requires_grad=True, e.g. autograd.randn(3, dtype='float64', requires_grad=True)."
        )
    for i in checked:
        if inputs[i].dtype != np.float64:
            warnings.warn(
                f"{where}: input {i} has dtype {inputs[i].dtype}, not float64. Central differences with "
                f"eps={eps:g} cancel almost all of float32's ~7 significant digits, so the numerical "
                "Jacobian is too noisy to compare; expect false failures. Use float64 inputs (x.double()).",
                stacklevel=3,
            )
    return checked


def _outputs(fn: Callable, inputs: tuple, where: str) -> tuple:
    outputs = _as_tuple(fn(*inputs))
    for o, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            raise TypeError(f"{where}: fn must return a Tensor or a tuple of Tensors; output {o} is {type(out).__name__}")
    return outputs


def _differentiable(out: Tensor) -> bool:
    return out.dtype.kind == "f"


def _grad_fn_name(out: Tensor) -> str:
    if out.grad_fn is not None:
        return out.grad_fn.name()
    return "none: the output does not require grad" if not out.requires_grad else "none: the output is an input"


def _vjp(outputs: tuple, o: int, cotangent: np.ndarray, inputs: tuple, checked: list[int]) -> list[np.ndarray]:
    """Gradients of <outputs[o], cotangent> for each checked input (zeros where unused)."""
    out = outputs[o]
    result = [np.zeros(inputs[i].shape) for i in checked]
    if not out.requires_grad:
        return result
    go = Tensor._wrap(cotangent.astype(out.dtype, copy=False))
    grads = _grad((out,), tuple(inputs[i] for i in checked), (go,), retain_graph=True, allow_unused=True)
    for k, g in enumerate(grads):
        if g is not None:
            result[k] = np.asarray(g._data, dtype=np.float64)
    return result


def _analytic_jacobians(outputs, inputs, checked) -> dict:
    """{(o, i): J of shape (outputs[o].size, inputs[i].size)} from one backward per output element."""
    jac = {}
    for o, out in enumerate(outputs):
        if not _differentiable(out):
            continue
        for i in checked:
            jac[o, i] = np.zeros((out._data.size, inputs[i]._data.size))
        onehot = np.zeros(out._data.size)
        for row in range(out._data.size):
            onehot[row] = 1.0
            for k, g in zip(checked, _vjp(outputs, o, onehot.reshape(out.shape), inputs, checked)):
                jac[o, k][row] = g.reshape(-1)
            onehot[row] = 0.0
    return jac


def _evaluate(fn, inputs) -> list:
    """fn's outputs as float64 copies (copies: outputs may be views of the perturbed inputs).

    Recording stays on: fn may itself call autograd.grad (gradgradcheck's fn does).
    """
    outs = _as_tuple(fn(*inputs))
    return [np.array(out._data, dtype=np.float64) if _differentiable(out) else None for out in outs]


def _numerical_jacobians(fn, inputs, outputs, checked, eps) -> dict:
    """{(o, i): J} by central differences, perturbing each input element's ._data in place and restoring it."""
    jac = {(o, i): np.zeros((out._data.size, inputs[i]._data.size))
           for o, out in enumerate(outputs) if _differentiable(out) for i in checked}
    for i in checked:
        data = inputs[i]._data
        for col, index in enumerate(np.ndindex(data.shape)):
            original = data[index].copy()
            try:
                data[index] = original + eps
                plus = _evaluate(fn, inputs)
                data[index] = original - eps
                minus = _evaluate(fn, inputs)
            finally:  # the user's tensor is given back unchanged, even if fn raises
                data[index] = original
            for o in range(len(outputs)):
                if (o, i) in jac:
                    jac[o, i][:, col] = ((plus[o] - minus[o]) / (2 * eps)).reshape(-1)
    return jac


def _format_matrices(analytic: np.ndarray, numerical: np.ndarray) -> str:
    def cells(m):
        return [[f"{v: .6g}" for v in row] for row in m]

    a_cells, n_cells = cells(analytic), cells(numerical)
    width = max(len(c) for rows in (a_cells, n_cells) for row in rows for c in row) if analytic.size else 1
    a_rows = ["  ".join(c.rjust(width) for c in row) for row in a_cells]
    n_rows = ["  ".join(c.rjust(width) for c in row) for row in n_cells]
    left = max([len(r) for r in a_rows] + [len("analytic")])
    lines = [f"    {'analytic'.ljust(left)}  |  numerical"]
    lines += [f"    {a.ljust(left)}  |  {n}" for a, n in zip(a_rows, n_rows)]
    return "\n".join(lines)


def _unravel(flat: int, shape: tuple) -> tuple:
    return tuple(int(k) for k in np.unravel_index(flat, shape)) if shape else ()


def _compare(analytic, numerical, atol, rtol, *, o, i, outputs, inputs, what, order):
    """None if the two agree, else a GradcheckError locating the worst element."""
    diff = np.abs(analytic - numerical)
    bad = ~(diff <= atol + rtol * np.abs(numerical))  # ~(<=) also flags NaN
    if not bad.any():
        return None
    excess = np.where(np.isnan(diff), np.inf, diff - rtol * np.abs(numerical))
    worst = int(np.argmax(excess))
    rel = diff / np.maximum(np.abs(numerical), np.finfo(np.float64).tiny)
    out, inp = outputs[o], inputs[i]
    name = _grad_fn_name(out)
    prefix = "gradgradcheck (second derivatives)" if order == 2 else "gradcheck"
    lines = [f"{prefix}: {what} mismatch for output {o} with respect to input {i}",
             f"  output {o}: shape {tuple(out.shape)}, grad_fn {name}; input {i}: shape {tuple(inp.shape)}"]
    details = dict(input_index=i, output_index=o, grad_fn=name, order=order, num_failed=int(bad.sum()),
                   max_abs_error=float(np.nanmax(diff)) if not np.isnan(diff).all() else float("nan"),
                   max_rel_error=float(np.nanmax(rel)) if not np.isnan(rel).all() else float("nan"))
    if analytic.ndim == 2:
        row, col = divmod(worst, analytic.shape[1])
        out_el, in_el = _unravel(row, tuple(out.shape)), _unravel(col, tuple(inp.shape))
        a, n = float(analytic[row, col]), float(numerical[row, col])
        lines.append(f"  worst element: d output{o}{list(out_el)} / d input{i}{list(in_el)}"
                     f"  (output element {out_el}, input element {in_el})")
        details.update(output_element=out_el, input_element=in_el)
    else:
        a, n = float(analytic.reshape(-1)[worst]), float(numerical.reshape(-1)[worst])
        lines.append("  (fast mode: compared the random projection u^T J v, so no single element is located; "
                     "rerun with fast_mode=False to find it)")
    total = analytic.size
    details.update(analytic=a, numerical=n)
    lines += [f"    analytic  = {a:.10g}", f"    numerical = {n:.10g}",
              f"  max abs error {details['max_abs_error']:.3g}, max rel error {details['max_rel_error']:.3g} "
              f"(atol={atol:g}, rtol={rtol:g})",
              f"  {details['num_failed']} of {total} {'Jacobian elements' if analytic.ndim == 2 else 'projections'} "
              "outside tolerance"]
    if analytic.ndim == 2 and 0 < analytic.shape[0] <= _SMALL and 0 < analytic.shape[1] <= _SMALL:
        lines.append("  Jacobian (rows: output elements, columns: input elements, row-major order):")
        lines.append(_format_matrices(analytic, numerical))
    if np.allclose(analytic, 0) and not np.allclose(numerical, 0, atol=atol):
        if order == 2:
            lines.append("  hint: the analytic second derivative is all zeros: does a backward rule compute with raw "
                         "numpy (x._data, np.*) or wrap values in a new tensor, instead of using Tensor operations?")
        else:
            lines.append("  hint: the analytic Jacobian is all zeros: is the output computed outside the graph "
                         "(numpy, .detach(), ._data, no_grad) or does backward return None?")
    elif analytic.ndim == 2 and analytic.shape[0] == analytic.shape[1] and np.allclose(analytic.T, numerical,
                                                                                         rtol=rtol, atol=atol):
        lines.append("  hint: the analytic Jacobian is the transpose of the numerical one")
    else:
        finite = (np.abs(numerical) > atol) & np.isfinite(analytic)
        if finite.any():
            ratio = analytic[finite] / numerical[finite]
            if np.allclose(ratio, ratio.flat[0], rtol=1e-3) and not np.isclose(ratio.flat[0], 1.0):
                lines.append(f"  hint: analytic = {ratio.flat[0]:.6g} x numerical everywhere: a constant factor is off")
    return GradcheckError("\n".join(lines), **details)


# --------------------------------------------------------------------------- public API
def gradcheck(fn: Callable, inputs, *, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              raise_exception: bool = True, fast_mode: bool = False, nondet_tol: float = 0.0) -> bool:
    """Check the gradients of `fn` at `inputs` against central finite differences.

    `inputs` is a Tensor or a tuple (non-Tensor items are passed through); only the
    tensors with `requires_grad` are checked. `fn` returns a Tensor or a tuple of
    Tensors. An element passes when |analytic - numerical| <= atol + rtol * |numerical|.
    Returns True; on a mismatch raises `GradcheckError` (or returns False when
    `raise_exception=False`). `fast_mode` compares random projections u^T J v
    instead of whole Jacobians: one backward per output and two forwards per input,
    so large inputs take seconds; being one number per input/output pair, it can miss
    an error confined to a few elements of a large Jacobian, which the full check finds.
    `nondet_tol` is how far two identical backward passes may differ.
    """
    error, _ = _check(fn, inputs, eps, atol, rtol, fast_mode, nondet_tol)
    return _finish(error, raise_exception)


def gradgradcheck(fn: Callable, inputs, grad_outputs=None, *, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, fast_mode: bool = False,
                  nondet_tol: float = 0.0) -> bool:
    """Check second derivatives: gradcheck of (inputs, grad_outputs) -> autograd.grad(fn(inputs), inputs, grad_outputs).

    The first derivatives are built with `create_graph=True`, so this tests that each
    backward rule is itself differentiable and correct. `grad_outputs` defaults to
    random float64 tensors (from a local, deterministically seeded generator) that
    require grad, so the derivative with respect to them is checked too. In the
    report, output k is the first derivative with respect to the k-th checked input,
    and the inputs after fn's own are the grad_outputs.
    """
    error, _ = _check_second_order(fn, inputs, grad_outputs, eps, atol, rtol, fast_mode, nondet_tol)
    return _finish(error, raise_exception)


def _finish(error, raise_exception: bool) -> bool:
    if error is None:
        return True
    if raise_exception:
        raise error
    return False


def _check(fn, inputs, eps, atol, rtol, fast_mode, nondet_tol, order: int = 1):
    """(GradcheckError or None, largest absolute difference between analytic and numerical)."""
    where = "gradgradcheck" if order == 2 else "gradcheck"
    inputs = _as_tuple(inputs)
    checked = _checked_inputs(inputs, where, eps)
    outputs = _outputs(fn, inputs, where)
    error, max_error = (_fast_check if fast_mode else _full_check)(fn, inputs, outputs, checked, eps, atol, rtol, order)
    if error is None:
        error = _reentrant_check(outputs, inputs, checked, nondet_tol, order)
    return error, max_error


def _check_second_order(fn, inputs, grad_outputs, eps, atol, rtol, fast_mode, nondet_tol):
    inputs = _as_tuple(inputs)
    checked = _checked_inputs(inputs, "gradgradcheck", eps)
    outputs = _outputs(fn, inputs, "gradgradcheck")
    diff_outputs = [o for o, out in enumerate(outputs) if _differentiable(out) and out.requires_grad]
    if not diff_outputs:  # no first derivatives to differentiate; still check that they are zero
        return _check(fn, inputs, eps, atol, rtol, fast_mode, nondet_tol)
    if grad_outputs is None:
        rng = np.random.default_rng(_SEED + 2)
        grad_outputs = tuple(Tensor._from_data(rng.standard_normal(outputs[o].shape), requires_grad=True) for o in diff_outputs)
    else:
        grad_outputs = _as_tuple(grad_outputs)
        if len(grad_outputs) != len(diff_outputs):
            raise ValueError(f"gradgradcheck: fn has {len(diff_outputs)} differentiable outputs but "
                             f"{len(grad_outputs)} grad_outputs were given; pass one per differentiable output.")
    n = len(inputs)

    def first_derivatives(*args):
        ins, gos = args[:n], args[n:]
        outs = _as_tuple(fn(*ins))
        grads = _grad(tuple(outs[o] for o in diff_outputs), tuple(ins[i] for i in checked), gos,
                      create_graph=True, allow_unused=True)
        return tuple(g if g is not None else Tensor._wrap(np.zeros(ins[i].shape, dtype=ins[i].dtype))
                     for g, i in zip(grads, checked))

    error, max_error = _check(first_derivatives, inputs + tuple(grad_outputs), eps, atol, rtol, fast_mode,
                              nondet_tol, order=2)
    if error is not None:
        legend = ", ".join(f"output {k} = d(sum of grad_outputs * fn's outputs) / d input {i}" for k, i in enumerate(checked))
        go = ", ".join(f"input {n + k} is the grad_output of fn's output {o} (grad_fn {_grad_fn_name(outputs[o])})"
                       for k, o in enumerate(diff_outputs))
        error.args = (error.args[0] + f"\n  (the function checked is the first derivative: {legend}; {go})",)
    return error, max_error


def _full_check(fn, inputs, outputs, checked, eps, atol, rtol, order):
    analytic = _analytic_jacobians(outputs, inputs, checked)
    numerical = _numerical_jacobians(fn, inputs, outputs, checked, eps)
    max_error = max((float(np.max(np.abs(a - numerical[key]))) for key, a in analytic.items() if a.size), default=0.0)
    for (o, i), a in analytic.items():
        error = _compare(a, numerical[o, i], atol, rtol, o=o, i=i, outputs=outputs, inputs=inputs,
                         what="Jacobian", order=order)
        if error is not None:
            return error, max_error
    return None, max_error


def _fast_check(fn, inputs, outputs, checked, eps, atol, rtol, order):
    rng = np.random.default_rng(_SEED)
    us = {o: rng.standard_normal(out.shape) for o, out in enumerate(outputs) if _differentiable(out)}
    vs = {i: rng.standard_normal(inputs[i].shape) for i in checked}
    analytic = {}
    for o, u in us.items():
        for k, g in zip(checked, _vjp(outputs, o, u, inputs, checked)):
            analytic[o, k] = np.array([np.sum(g * vs[k])])
    max_error = 0.0
    for i in checked:
        data = inputs[i]._data
        original = data.copy()
        try:
            data[...] = original + eps * vs[i]
            plus = _evaluate(fn, inputs)
            data[...] = original - eps * vs[i]
            minus = _evaluate(fn, inputs)
        finally:
            data[...] = original
        for o, u in us.items():
            numerical = np.array([np.sum(u * (plus[o] - minus[o])) / (2 * eps)])
            max_error = max(max_error, float(np.abs(analytic[o, i] - numerical)[0]))
            error = _compare(analytic[o, i], numerical, atol, rtol, o=o, i=i, outputs=outputs,
                             inputs=inputs, what="projection u^T J v", order=order)
            if error is not None:
                return error, max_error
    return None, max_error


def _reentrant_check(outputs, inputs, checked, nondet_tol, order):
    """Backward twice with the same random cotangent: the results must agree within nondet_tol."""
    rng = np.random.default_rng(_SEED + 1)
    for o, out in enumerate(outputs):
        if not _differentiable(out) or not out.requires_grad:
            continue
        u = rng.standard_normal(out.shape)
        first = _vjp(outputs, o, u, inputs, checked)
        second = _vjp(outputs, o, u, inputs, checked)
        for k, a, b in zip(checked, first, second):
            diff = np.max(np.abs(a - b)) if a.size else 0.0
            if not diff <= nondet_tol:
                return GradcheckError(
                    f"{'gradgradcheck' if order == 2 else 'gradcheck'}: backward is not reentrant: two backward "
                    f"passes of output {o} (grad_fn {_grad_fn_name(out)}) with the same grad_output gave "
                    f"gradients for input {k} differing by up to {diff:.3g} (nondet_tol={nondet_tol:g}). "
                    "Backward must not depend on state changed by an earlier backward; if the op is "
                    "nondeterministic on purpose, pass nondet_tol.",
                    input_index=k, output_index=o, grad_fn=_grad_fn_name(out), order=order,
                    max_abs_error=float(diff))
    return None
