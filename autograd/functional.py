"""Derivatives of functions as functions: vjp, jvp, jacobian, hessian, hvp, vhp.

The same names, signatures and return conventions as `torch.autograd.functional`:
`f` takes one Tensor or several, `inputs` is a Tensor or a tuple, and results mirror
that structure (a tuple of inputs gives a tuple of gradients). Everything is built
from reverse mode (`autograd.grad`); `jvp` uses the double-vjp trick, since
u -> J^T u is linear in u, differentiating <J^T u, v> with respect to u gives J v.
Unless `create_graph=True`, results are detached from the graph.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .engine import grad as _grad
from .tensor import Tensor

__all__ = ["hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"]


def _as_tuple(x, what: str, where: str) -> tuple[bool, tuple]:
    """(was a tuple, items) with every item checked to be a Tensor."""
    is_tuple = isinstance(x, (tuple, list))
    items = tuple(x) if is_tuple else (x,)
    for k, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{where}: {what} must be a Tensor or a tuple of Tensors; item {k} is {type(t).__name__}")
    return is_tuple, items


def _prepare_inputs(inputs: tuple, create_graph: bool) -> tuple:
    """Inputs to differentiate against: graph-connected views under create_graph, fresh leaves otherwise."""
    out = []
    for x in inputs:
        if x.dtype.kind != "f":
            raise TypeError(f"autograd.functional: inputs must be floating point, got {x.dtype}; convert with .double()")
        if create_graph and x.requires_grad:
            out.append(x.reshape(x.shape))  # keeps the link to x so higher derivatives reach it
        else:
            out.append(x.detach().requires_grad_(True))
    return tuple(out)


def _finish(tensors: tuple, create_graph: bool) -> tuple:
    return tuple(t if create_graph else t.detach() for t in tensors)


def _zeros(like: Tensor) -> Tensor:
    return Tensor._wrap(np.zeros(like.shape, dtype=like.dtype))


def _grads(outputs: tuple, inputs: tuple, grad_outputs: tuple, create_graph: bool, retain_graph=None) -> tuple:
    """autograd.grad over the outputs that require grad, with zeros for unused inputs."""
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not pairs:
        return tuple(_zeros(x) for x in inputs)
    found = _grad(tuple(o for o, _ in pairs), inputs, tuple(g for _, g in pairs), create_graph=create_graph,
                  retain_graph=retain_graph if retain_graph is not None else create_graph, allow_unused=True)
    return tuple(g if g is not None else _zeros(x) for g, x in zip(found, inputs))


def _check_v(v, like: tuple, what: str, where: str) -> tuple:
    _, vs = _as_tuple(v, "v", where)
    if len(vs) != len(like):
        raise ValueError(f"{where}: v has {len(vs)} tensors but {what} has {len(like)}; pass one per {what[:-1]}")
    for k, (a, b) in enumerate(zip(vs, like)):
        if tuple(a.shape) != tuple(b.shape):
            raise ValueError(f"{where}: v[{k}] has shape {tuple(a.shape)} but {what} {k} has shape {tuple(b.shape)}; "
                             "they must match")
    return vs


def _default_v(outputs: tuple, where: str) -> tuple:
    if len(outputs) != 1 or outputs[0].numel() != 1:
        shapes = [tuple(o.shape) for o in outputs]
        raise RuntimeError(f"{where}: v may be omitted only when f returns a single one-element tensor; f returned "
                           f"shapes {shapes}. Pass v with those shapes.")
    return (Tensor._wrap(np.ones(outputs[0].shape, dtype=outputs[0].dtype)),)


def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T J): the vector-Jacobian product, shaped like `inputs`."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "vjp")
    xs = _prepare_inputs(xs, create_graph)
    out_tuple, outs = _as_tuple(func(*xs), "func's output", "vjp")
    vs = _default_v(outs, "vjp") if v is None else _check_v(v, outs, "outputs", "vjp")
    grads = _finish(_grads(outs, xs, vs, create_graph), create_graph)
    outs = _finish(outs, create_graph)
    return (outs if out_tuple else outs[0]), (grads if in_tuple else grads[0])


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v): the Jacobian-vector product, shaped like the output (double-vjp trick)."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "jvp")
    xs = _prepare_inputs(xs, create_graph)
    if v is None:
        if len(xs) != 1 or xs[0].numel() != 1:
            raise RuntimeError("jvp: v may be omitted only for a single one-element input; pass v shaped like inputs")
        vs = (Tensor._wrap(np.ones(xs[0].shape, dtype=xs[0].dtype)),)
    else:
        vs = _check_v(v, xs, "inputs", "jvp")
    out_tuple, outs = _as_tuple(func(*xs), "func's output", "jvp")
    # J^T u is linear in u; its gradient with respect to u along v is J v.
    us = tuple(Tensor._from_data(np.zeros(o.shape, dtype=o.dtype), requires_grad=True) for o in outs)
    transposed = _grads(outs, xs, us, create_graph=True)
    connected = [(t, vv) for t, vv in zip(transposed, vs) if t.requires_grad]
    if connected:
        found = _grad(tuple(t for t, _ in connected), us, tuple(vv for _, vv in connected),
                      create_graph=create_graph, allow_unused=True)
        result = tuple(g if g is not None else _zeros(u) for g, u in zip(found, us))
    else:
        result = tuple(_zeros(u) for u in us)
    result, outs = _finish(result, create_graph), _finish(outs, create_graph)
    return (outs if out_tuple else outs[0]), (result if out_tuple else result[0])


def _stack_rows(rows: list, shape: tuple, create_graph: bool) -> Tensor:
    if create_graph:
        from .ops.shape import stack
        return stack([r.reshape(-1) for r in rows]).reshape(shape)
    return Tensor._wrap(np.stack([r._data.reshape(-1) for r in rows]).reshape(shape))


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """The Jacobian: shape output.shape + input.shape; tuples of inputs/outputs give (nested) tuples, J[o][i]."""
    if strategy != "reverse-mode":
        raise NotImplementedError("jacobian: only strategy='reverse-mode' is implemented")
    in_tuple, xs = _as_tuple(inputs, "inputs", "jacobian")
    xs = _prepare_inputs(xs, create_graph)
    out_tuple, outs = _as_tuple(func(*xs), "func's output", "jacobian")
    result = []
    for out in outs:
        rows = [[] for _ in xs]
        onehot = np.zeros(out.numel(), dtype=out.dtype)
        for k in range(out.numel()):
            onehot[k] = 1
            cotangent = Tensor._wrap(onehot.reshape(out.shape).copy())
            for i, g in enumerate(_grads((out,), xs, (cotangent,), create_graph, retain_graph=True)):
                rows[i].append(g)
            onehot[k] = 0
        per_input = []
        for x, r in zip(xs, rows):
            shape = tuple(out.shape) + tuple(x.shape)
            per_input.append(_stack_rows(r, shape, create_graph) if r else Tensor._wrap(np.zeros(shape, dtype=x.dtype)))
        result.append(tuple(per_input) if in_tuple else per_input[0])
    return tuple(result) if out_tuple else result[0]


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar function: shape input.shape + input.shape; tuple inputs give H[i][j]."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*args):
        out = func(*args)
        if not isinstance(out, Tensor) or out.numel() != 1:
            shape = tuple(out.shape) if isinstance(out, Tensor) else type(out).__name__
            raise RuntimeError(f"hessian: func must return a single one-element tensor, got {shape}")
        return _grads((out,), args, (Tensor._wrap(np.ones(out.shape, dtype=out.dtype)),), create_graph=True)

    hess = jacobian(gradient, xs, create_graph=create_graph)  # tuple over gradients of tuples over inputs
    return hess if in_tuple else hess[0][0]


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T H) for a scalar func, shaped like `inputs`."""
    in_tuple, xs = _as_tuple(inputs, "inputs", "vhp")
    xs = _prepare_inputs(xs, create_graph)
    out = func(*xs)
    if not isinstance(out, Tensor) or out.numel() != 1:
        raise RuntimeError("vhp: func must return a single one-element tensor")
    if v is None:
        if len(xs) != 1 or xs[0].numel() != 1:
            raise RuntimeError("vhp: v may be omitted only for a single one-element input; pass v shaped like inputs")
        vs = (Tensor._wrap(np.ones(xs[0].shape, dtype=xs[0].dtype)),)
    else:
        vs = _check_v(v, xs, "inputs", "vhp")
    gradient = _grads((out,), xs, (Tensor._wrap(np.ones(out.shape, dtype=out.dtype)),), create_graph=True)
    result = _grads(gradient, xs, vs, create_graph)
    result = _finish(result, create_graph)
    out = out if create_graph else out.detach()
    return out, (result if in_tuple else result[0])


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v) for a scalar func; equals vhp because a Hessian is symmetric."""
    out, result = vhp(func, inputs, v, create_graph, strict)
    return out, result
