"""The backward engine: `backward` and `grad`.

Both order the recorded graph by an iterative depth-first search (no recursion, so very
deep graphs work), then run each node once, parents before children, summing the
gradients that reach a node from several uses (per output, for nodes with several).
Under `create_graph=True` the backward rules' own Tensor operations are recorded, which
is what gives higher derivatives. At the leaves, `AccumulateGrad` adds into `.grad`.
"""
from __future__ import annotations

import numpy as np

from .anomaly_mode import check_finite_gradients
from .function import _SILENT, _numpy_errors
from .grad_mode import state
from .graph import AccumulateGrad
from .tensor import Tensor


def topological_order(roots) -> list:
    """Nodes reachable from `roots`, each before every node it sends gradient to (iterative DFS)."""
    order, seen = [], set()
    stack = [(root, False) for root in roots if root is not None]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in seen:
            continue
        seen.add(node)
        stack.append((node, True))
        for child, _ in node.next_functions:
            if child is not None and child not in seen:
                stack.append((child, False))
    order.reverse()
    return order


def _add_gradient(grads: dict, node, output_nr: int, g: Tensor) -> None:
    """Sum `g` into what has reached `node` so far (a Tensor, or a list per output for multi-output nodes)."""
    if node._output_meta is None:
        old = grads.get(node)
        grads[node] = g if old is None else old + g
        return
    slot = grads.get(node)
    if slot is None:
        slot = grads[node] = [None] * len(node._output_meta)
    slot[output_nr] = g if slot[output_nr] is None else slot[output_nr] + g


def _root_gradients(outputs, grad_outputs, where) -> list:
    grads = []
    for i, out in enumerate(outputs):
        g = None if grad_outputs is None else grad_outputs[i]
        if not isinstance(out, Tensor):
            raise TypeError(f"{where}: outputs must be Tensors, got {type(out).__name__}")
        if not out._requires_grad:
            raise RuntimeError(
                f"{where}: element {i} of tensors does not require grad and does not have a grad_fn. "
                "Did you compute it under no_grad(), or forget requires_grad=True on the inputs?"
            )
        if g is None:
            if out._data.size != 1:
                raise RuntimeError(
                    f"{where}: grad can be implicitly created only for scalar outputs; output {i} has "
                    f"shape {out.shape}. Pass gradient= (a tensor of that shape), or reduce it first (e.g. .sum())."
                )
            g = Tensor._wrap(np.ones(out._data.shape, dtype=out._data.dtype))
        else:
            if not isinstance(g, Tensor):
                g = Tensor._wrap(np.asarray(g, dtype=out._data.dtype))
            if g._data.shape != out._data.shape:
                raise RuntimeError(
                    f"{where}: gradient has shape {g.shape} but output {i} has shape {out.shape}; they must match."
                )
        grads.append(g)
    return grads


def _apply_tensor_hooks(node, g):
    """Run the hooks registered on this node's output tensors; a hook's non-None result replaces the gradient."""
    for output_nr, hook in tuple(node._tensor_hooks.values()):
        if node._output_meta is None:
            replaced = hook(g)
            if replaced is not None:
                g = replaced if isinstance(replaced, Tensor) else Tensor._from_data(replaced)
        elif g[output_nr] is not None:
            replaced = hook(g[output_nr])
            if replaced is not None:
                g[output_nr] = replaced if isinstance(replaced, Tensor) else Tensor._from_data(replaced)
    return g


def _run(outputs, grad_outputs, retain_graph, create_graph, capture=None, accumulate_into=None, where="backward"):
    """The engine. `capture`: {(node, output_nr)} whose gradients to return instead of touching `.grad`."""
    if retain_graph is None:
        retain_graph = create_graph
    roots = [(out._grad_node(), out._output_nr if out.grad_fn is not None else 0) for out in outputs]
    root_grads = _root_gradients(outputs, grad_outputs, where)
    order = topological_order([node for node, _ in roots])
    targets = {node for node, _ in capture} if capture is not None else accumulate_into
    needed = None if targets is None else _nodes_leading_to(order, targets)
    grads = {}
    handed_out = {id(g._data) for g in root_grads}  # arrays the caller may hold: never adopted as .grad
    for (node, nr), g in zip(roots, root_grads):
        _add_gradient(grads, node, nr, g)
    captured = {}
    previous = state.grad_enabled
    state.grad_enabled = bool(create_graph)
    check_nan = state.anomaly_enabled and state.anomaly_check_nan
    try:
        for node in order:
            g = grads.pop(node, None)
            if g is None or (needed is not None and node not in needed):
                continue
            if node._tensor_hooks:
                g = _apply_tensor_hooks(node, g)
            if node._retained and capture is None:
                for output_nr, ref in node._retained:
                    t, gi = ref(), g if node._output_meta is None else g[output_nr]
                    if t is not None and gi is not None:
                        t.grad = gi if t.grad is None else t.grad + gi
            if capture is not None:
                for output_nr in range(1 if node._output_meta is None else len(node._output_meta)):
                    if (node, output_nr) in capture:
                        gi = g if node._output_meta is None else g[output_nr]
                        if gi is not None:
                            key = (node, output_nr)
                            captured[key] = gi if key not in captured else captured[key] + gi
            if type(node) is AccumulateGrad:
                if capture is None and (accumulate_into is None or node in accumulate_into):
                    accumulate_grad(node.variable, g, create_graph, handed_out)
                continue
            # numpy's warnings off once for all the ops of a built-in backward rule (a user's Function keeps the
            # user's own warning settings for its numpy code)
            quiet = _numpy_errors.set(_SILENT) if getattr(node.function, "_builtin", False) else None
            try:
                input_grads = node._run_backward(g)
            finally:
                if quiet is not None:
                    _numpy_errors.reset(quiet)
            if check_nan:
                check_finite_gradients(node, input_grads)
            if not retain_graph:
                node._release()
            for (child, output_nr), gi in zip(node.next_functions, input_grads):
                if child is None or gi is None:
                    continue
                if child._output_meta is None:  # _add_gradient's common case, inlined
                    old = grads.get(child)
                    grads[child] = gi if old is None else old + gi
                else:
                    _add_gradient(grads, child, output_nr, gi)
    finally:
        state.grad_enabled = previous
    return captured


def _nodes_leading_to(order, targets) -> set:
    needed = set()
    for node in reversed(order):  # children come before parents in reversed order
        if node in targets or any(child in needed for child, _ in node.next_functions if child is not None):
            needed.add(node)
    return needed


def accumulate_grad(leaf: Tensor, g: Tensor, create_graph: bool = False, handed_out: set | None = None) -> None:
    """Add `g` into `leaf.grad` (in place when that is safe; the version is bumped, so a graph that saved
    `.grad` notices). Under `create_graph` the sum is a new, recorded tensor, as PyTorch."""
    if create_graph:
        leaf.grad = g if leaf.grad is None else leaf.grad + g
        return
    data = g._data
    grad = leaf.grad
    if grad is None:
        # Take the array without copying unless something else may hold it too (copies are ops: Clone).
        if handed_out is None or id(data) in handed_out or data.base is not None or not data.flags.writeable:
            g = g.clone()
        if handed_out is not None:
            handed_out.add(id(g._data))
        leaf.grad = Tensor._wrap(g._data)
    elif grad._data.flags.writeable and grad._data.base is None and grad._data.shape == data.shape \
            and grad.grad_fn is None:
        from .ops.inplace import write_into
        write_into(grad, g, accumulate=True)
    else:
        leaf.grad = grad + g  # grad mode is off here: a plain sum


# --------------------------------------------------------------------------- public entry points
def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None) -> None:
    """Accumulate gradients of `tensors` into the `.grad` of the leaves (or of `inputs` only)."""
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors)
    if grad_tensors is not None and len(grad_tensors) != len(tensors):
        raise RuntimeError(f"backward: got {len(tensors)} tensors but {len(grad_tensors)} grad_tensors")
    accumulate_into = None
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if any(not t.is_leaf for t in inputs):
            raise NotImplementedError("backward(inputs=...): only leaf tensors are supported as inputs")
        accumulate_into = {t._grad_node() for t in inputs}
    _run(tensors, grad_tensors, retain_graph, create_graph, accumulate_into=accumulate_into)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         is_grads_batched=False, materialize_grads=False):
    """The gradients of `outputs` with respect to `inputs`, as a tuple; `.grad` is not touched."""
    if is_grads_batched:
        raise NotImplementedError("grad: is_grads_batched=True is not supported; call grad once per gradient")
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if grad_outputs is not None and len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    keys = []
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t._requires_grad:
            raise RuntimeError(
                f"grad: input {i} does not require grad; only tensors with requires_grad=True can be differentiated against"
            )
        keys.append((t._grad_node(), t._output_nr if t.grad_fn is not None else 0))
    captured = _run(outputs, grad_outputs, retain_graph, create_graph, capture=set(keys), where="grad")
    result = []
    for i, key in enumerate(keys):
        g = captured.get(key)
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"grad: input {i} (shape {inputs[i].shape}) was not used to compute the outputs. "
                    "Pass allow_unused=True if this is expected."
                )
            if materialize_grads:
                g = Tensor._wrap(np.zeros(inputs[i].shape, dtype=inputs[i].dtype))
        result.append(g)
    return tuple(result)
