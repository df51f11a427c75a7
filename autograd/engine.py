"""The graph and the backward engine.

Every recorded operation is a `Node` (the `grad_fn` of its output). A node keeps the
tensors its backward rule needs (`save_for_backward`, checked against in-place
changes by version counters) and the nodes its inputs came from (`next_functions`).
`backward` orders the graph by an iterative depth-first search (no recursion, so
very deep graphs work), then runs each node once, parents before children,
summing the gradients that reach a node from several uses.

`Function` is how operations are defined, built-in and user-written alike: a
static `forward(ctx, *args)` computing the value and a static `backward(ctx, grad)`
giving the vector-Jacobian product for each input, written with Tensor operations
so that `create_graph=True` yields higher derivatives. The engine, not each op,
undoes broadcasting and casts gradients back to the input's dtype.
"""
from __future__ import annotations

import traceback
import weakref

import numpy as np

from . import grad_mode
from .tensor import Tensor

_anomaly_enabled = False
_module_scope: tuple = ()  # names of the nn.Module forwards being run, outermost first (for drawing)


def push_scope(name: str) -> tuple:
    """Enter a named scope (nn.Module.__call__ does this); returns the previous scope to restore."""
    global _module_scope
    previous = _module_scope
    _module_scope = previous + (name,)
    return previous


def restore_scope(previous: tuple) -> None:
    global _module_scope
    _module_scope = previous


class Node:
    """One recorded operation: the context its forward saved and the edges to its inputs."""

    __slots__ = ("function", "next_functions", "needs_input_grad", "_saved", "_output", "_input_meta",
                 "pre_hooks", "_retained", "_creation_stack", "scope", "__dict__", "__weakref__")

    def __init__(self, function, args):
        self.function = function
        needs, edges, meta = [], [], []
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                needs.append(True)
                edges.append((a.grad_fn if a.grad_fn is not None else a._grad_accumulator(), 0))
                meta.append((a._data.shape, a._data.dtype))
            else:
                needs.append(False)
                edges.append((None, 0))
                meta.append(None)
        self.needs_input_grad = tuple(needs)
        self.next_functions = tuple(edges)
        self._input_meta = tuple(meta)
        self._saved = ()
        self._output = None
        self.pre_hooks = ()  # a list once a hook is added (few nodes have one; fewer objects for the GC)
        self._retained = None
        self._creation_stack = traceback.extract_stack()[:-3] if _anomaly_enabled else None
        self.scope = _module_scope

    def name(self) -> str:
        return self.function.__name__ + "Backward"

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    # --- the context interface seen by Function.forward / Function.backward
    def save_for_backward(self, *tensors) -> None:
        """Keep these tensors for backward, with their versions, so in-place changes are caught."""
        self._saved = tuple([(t, t._version_counter[0]) if type(t) is Tensor or isinstance(t, Tensor) else (t, None)
                             for t in tensors])

    @property
    def saved_tensors(self) -> tuple:
        if self._saved is None:
            raise RuntimeError(
                f"Trying to backward through the graph a second time ({self.name()}'s saved tensors "
                "were freed by the first backward). Pass retain_graph=True to the first backward() "
                "or autograd.grad() call if you need to backward through the graph again."
            )
        out = []
        for t, version in self._saved:
            if t is _SAVED_OUTPUT:
                t = self._unpack_output()
            if version is not None and t._version_counter[0] != version:
                index = len(out)
                raise RuntimeError(
                    f"one of the tensors needed for gradient computation has been modified by an "
                    f"inplace operation: saved tensor {index} of {self.name()}, shape {tuple(t.shape)}, "
                    f"is at version {t._version_counter[0]}; expected version {version}. "
                    "Use an out-of-place operation (x = x + y instead of x += y) or .clone() the tensor first."
                )
            out.append(t)
        return tuple(out)

    def _pack_output(self, result: Tensor) -> None:
        """If forward saved its own output, keep only its data: a saved output that points back at
        this node would make a reference cycle, and every discarded graph would wait for the GC."""
        saved = self._saved
        for i, (t, version) in enumerate(saved):
            if t is result:
                self._saved = saved[:i] + ((_SAVED_OUTPUT, version),) + saved[i + 1:]
                self._output = (result._data, result._version_counter)
                return

    def _unpack_output(self) -> Tensor:
        data, counter = self._output
        t = Tensor._wrap(data)
        t._version_counter, t.grad_fn, t._requires_grad = counter, self, True
        return t

    @property
    def saved_values(self) -> tuple:
        """The saved tensors without the version check, for drawing the graph."""
        if not self._saved:
            return ()
        return tuple(self._unpack_output() if t is _SAVED_OUTPUT else t for t, _ in self._saved)

    def _release(self) -> None:
        self._saved = None
        self._output = None

    def add_pre_hook(self, hook) -> list:
        """Run `hook(grad)` on the gradient arriving at this node; returns the hook list (for removal)."""
        if not isinstance(self.pre_hooks, list):
            self.pre_hooks = []
        self.pre_hooks.append(hook)
        return self.pre_hooks

    def _retain_grad_of(self, tensor) -> None:
        if self._retained is None:
            self._retained = []
        self._retained.append(weakref.ref(tensor))

    # --- running backward
    def _run_backward(self, grad):
        """This node's backward rule, with results made to match the inputs (shape, dtype)."""
        grads = self.function.backward(self, grad)
        if type(grads) is not tuple:
            grads = (grads,)
        meta = self._input_meta
        if len(grads) != len(meta):
            if len(grads) > len(meta):
                raise RuntimeError(
                    f"{self.function.__name__}.backward returned {len(grads)} gradients, but forward "
                    f"took {len(meta)} inputs; return one gradient (or None) per input."
                )
            grads = grads + (None,) * (len(meta) - len(grads))
        out = []
        for index, g in enumerate(grads):
            m = meta[index]
            if m is None or g is None:
                out.append(None)
            elif type(g) is Tensor and g._data.shape == m[0] and g._data.dtype == m[1]:
                out.append(g)
            else:
                out.append(_conform_gradient(g, m, self, index))
        return out


class AccumulateGrad(Node):
    """The node at a leaf: adds the incoming gradient into the leaf's `.grad`."""

    __slots__ = ("variable",)

    def __init__(self, variable: Tensor):
        self.function = AccumulateGrad
        self.variable = variable
        self.next_functions = ()
        self.needs_input_grad = ()
        self._input_meta = ()
        self._saved = ()
        self._output = None
        self.pre_hooks = ()
        self._retained = None
        self._creation_stack = None
        self.scope = ()

    def name(self) -> str:
        return "AccumulateGrad"


def _conform_gradient(g, meta, node, index):
    """Make a backward result match its input: Tensor type, shape (undo broadcasting), dtype."""
    shape, dtype = meta
    if not isinstance(g, Tensor):
        g = Tensor._wrap(np.asarray(g))
    if g._data.shape != shape:
        g = sum_to_shape(g, shape, node.name(), index)
    if g._data.dtype != dtype:
        g = g.to(dtype)
    return g


def sum_to_shape(g: Tensor, shape: tuple, op_name: str = "backward", index: int = 0) -> Tensor:
    """Undo numpy broadcasting: sum `g` over the dimensions that broadcasting added or stretched."""
    gshape = g._data.shape
    lead = len(gshape) - len(shape)
    if lead < 0 or any(s != 1 and s != gs for s, gs in zip(shape, gshape[lead:])):
        raise RuntimeError(
            f"{op_name}: gradient for input {index} has shape {gshape}, which cannot be reduced to the "
            f"input's shape {shape}. The backward rule returned a gradient of the wrong shape."
        )
    dims = tuple(range(lead)) + tuple(lead + i for i, s in enumerate(shape) if s == 1 and gshape[lead + i] != 1)
    if dims:
        g = g.sum(dim=dims, keepdim=True)
    if lead:
        g = g.reshape(shape)
    return g


class _UnrecordedContext:
    """The ctx given to forward when nothing is recorded: saving is a no-op."""

    needs_input_grad = ()

    def save_for_backward(self, *tensors) -> None:
        pass


class Function:
    """Base class of differentiable operations.

    Subclass with static `forward(ctx, *args)` (returns an array or a Tensor) and
    `backward(ctx, grad_output)` (returns one gradient per forward argument, None for
    those that need none), then call `MyFunction.apply(*args)`. Inside forward,
    nothing is recorded; backward's Tensor operations are recorded only under
    `create_graph=True`, which is what makes higher derivatives work.
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("Function subclasses must define a static forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("Function subclasses must define a static backward(ctx, grad_output)")

    @classmethod
    def apply(cls, *args, **kwargs):
        record = False
        if grad_mode._enabled:
            for a in args:
                if isinstance(a, Tensor) and a._requires_grad:
                    record = True
                    break
        if not record:
            previous = grad_mode._enabled
            grad_mode._enabled = False  # forward may use Tensor ops; nothing inside is recorded
            try:
                out = cls.forward(_UNRECORDED, *args, **kwargs)
            finally:
                grad_mode._enabled = previous
            return Tensor._wrap(out) if type(out) is np.ndarray else _output_tensor(out, args, cls)
        ctx = Node(cls, args)
        grad_mode._enabled = False
        try:
            out = cls.forward(ctx, *args, **kwargs)
        finally:
            grad_mode._enabled = True
        result = Tensor._wrap(out) if type(out) is np.ndarray else _output_tensor(out, args, cls)
        if result._data.dtype.kind == "f":
            result._requires_grad = True
            result.grad_fn = ctx
            if ctx._saved:
                ctx._pack_output(result)
        return result


_UNRECORDED = _UnrecordedContext()
_SAVED_OUTPUT = object()  # stands in a node's saved list for the node's own output


def _output_tensor(out, args, cls) -> Tensor:
    if isinstance(out, Tensor):
        if out.grad_fn is None and not out._requires_grad and not any(out is a for a in args):
            return out  # a fresh tensor made by forward: adopt it (it may be saved as the output)
        t = Tensor._wrap(out._data)
        t._version_counter = out._version_counter
        return t
    if isinstance(out, np.ndarray):
        return Tensor._wrap(out)
    if isinstance(out, (tuple, list)):
        raise TypeError(
            f"{cls.__name__}.forward returned {len(out)} outputs; this engine's Function has one "
            "output. Split it into one Function per output."
        )
    return Tensor._wrap(np.asarray(out))


class RemovableHandle:
    """Returned by `register_hook`; `.remove()` takes the hook away again."""

    def __init__(self, hooks: list, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


# --------------------------------------------------------------------------- traversal
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


def _root_gradients(outputs, grad_outputs, where):
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
                g = Tensor(np.asarray(g, dtype=out._data.dtype))
            if g._data.shape != out._data.shape:
                raise RuntimeError(
                    f"{where}: gradient has shape {g.shape} but output {i} has shape {out.shape}; they must match."
                )
        grads.append(g)
    return grads


def _run(outputs, grad_outputs, retain_graph, create_graph, capture=None, accumulate_into=None, where="backward"):
    """The engine. With `capture` (nodes whose incoming gradient to return), leaves are not touched."""
    if retain_graph is None:
        retain_graph = create_graph
    roots = [out._grad_node() for out in outputs]
    root_grads = _root_gradients(outputs, grad_outputs, where)
    order = topological_order(roots)
    needed = None
    targets = capture if capture is not None else accumulate_into
    if targets is not None:
        needed = _nodes_leading_to(order, targets)
    grads = {}
    handed_out = {id(g._data) for g in root_grads}
    for root, g in zip(roots, root_grads):
        grads[root] = grads[root] + g if root in grads else g
    captured = {}
    previous = grad_mode._enabled
    grad_mode._enabled = bool(create_graph)
    try:
        for node in order:
            g = grads.pop(node, None)
            if g is None or (needed is not None and node not in needed):
                continue
            for hook in node.pre_hooks:
                replaced = hook(g)
                if replaced is not None:
                    g = replaced if isinstance(replaced, Tensor) else Tensor(replaced)
            if node._retained:
                for ref in node._retained:
                    t = ref()
                    if t is not None and capture is None:
                        t.grad = g if t.grad is None else t.grad + g
            if capture is not None and node in capture:
                captured[node] = captured[node] + g if node in captured else g
            if type(node) is AccumulateGrad:
                if capture is None and (accumulate_into is None or node in accumulate_into):
                    _accumulate(node.variable, g, create_graph, handed_out)
                continue
            input_grads = node._run_backward(g)
            if _anomaly_enabled:
                _check_finite(node, input_grads)
            if not retain_graph:
                node._release()
            for (child, _), gi in zip(node.next_functions, input_grads):
                if child is None or gi is None:
                    continue
                grads[child] = grads[child] + gi if child in grads else gi
    finally:
        grad_mode._enabled = previous
    return captured


def _nodes_leading_to(order, targets) -> set:
    needed = set()
    for node in reversed(order):  # children come before parents in reversed order
        if node in targets or any(child in needed for child, _ in node.next_functions if child is not None):
            needed.add(node)
    return needed


def _accumulate(leaf: Tensor, g: Tensor, create_graph: bool, handed_out: set) -> None:
    if create_graph:
        leaf.grad = g if leaf.grad is None else leaf.grad + g
        return
    data = g._data
    if leaf.grad is None:
        # Take the array without copying unless something else may hold it too.
        if id(data) in handed_out or data.base is not None or not data.flags.writeable:
            data = data.copy()
        handed_out.add(id(data))
        leaf.grad = Tensor._wrap(data)
    elif leaf.grad._data.flags.writeable and leaf.grad._data.base is None and leaf.grad._data.shape == data.shape:
        np.add(leaf.grad._data, data, out=leaf.grad._data, casting="unsafe")
    else:
        leaf.grad = Tensor._wrap(leaf.grad._data + data)


def _check_finite(node, input_grads) -> None:
    for index, g in enumerate(input_grads):
        if g is not None and g._data.dtype.kind == "f" and not np.all(np.isfinite(g._data)):
            where = _user_frames(node._creation_stack)
            bad = "nan" if np.isnan(g._data).any() else "inf"
            raise RuntimeError(
                f"Function '{node.name()}' returned {bad} values in its gradient for input {index} "
                f"(shape {g.shape}). The operation was created at:\n{where}"
            )


def _user_frames(stack) -> str:
    """The last few frames of the user's code (not this package's) where a node was created."""
    if not stack:
        return "  (created before anomaly detection was enabled)\n"
    package = __file__.rsplit("/", 1)[0]
    frames = [f for f in stack if not f.filename.startswith(package)]
    return "".join(traceback.format_list(frames[-4:]))


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
    accumulate_into = None
    if inputs is not None:
        accumulate_into = {t._grad_node() for t in _as_tuple(inputs)}
        if any(not t.is_leaf for t in _as_tuple(inputs)):
            raise NotImplementedError("backward(inputs=...): only leaf tensors are supported as inputs")
    _run(tensors, grad_tensors, retain_graph, create_graph, accumulate_into=accumulate_into)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=False):
    """The gradients of `outputs` with respect to `inputs`, as a tuple; `.grad` is not touched."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)
    if grad_outputs is not None and len(grad_outputs) != len(outputs):
        raise ValueError(f"grad: {len(outputs)} outputs but {len(grad_outputs)} grad_outputs")
    nodes = []
    for i, t in enumerate(inputs):
        if not isinstance(t, Tensor) or not t._requires_grad:
            raise RuntimeError(
                f"grad: input {i} does not require grad; only tensors with requires_grad=True can be differentiated against"
            )
        nodes.append(t._grad_node())
    captured = _run(outputs, grad_outputs, retain_graph, create_graph, capture=set(nodes), where="grad")
    result = []
    for i, node in enumerate(nodes):
        g = captured.get(node)
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {inputs[i].shape}) was not used to compute the outputs. "
                "Pass allow_unused=True if this is expected."
            )
        result.append(g)
    return tuple(result)


class detect_anomaly:
    """Inside: record where each operation was created and fail on NaN/inf in backward, naming it."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = check_nan

    def __enter__(self):
        global _anomaly_enabled
        self.prev = _anomaly_enabled
        _anomaly_enabled = self.check_nan
        return self

    def __exit__(self, *exc):
        global _anomaly_enabled
        _anomaly_enabled = self.prev
        return False


def set_detect_anomaly(mode: bool) -> None:
    global _anomaly_enabled
    _anomaly_enabled = bool(mode)


def is_anomaly_enabled() -> bool:
    return _anomaly_enabled
