"""The recorded graph: one `Node` per recorded operation, an `AccumulateGrad` node at each leaf.

A node is the `grad_fn` of the tensors its operation produced, and the `ctx` that the
operation's forward and backward receive. Its edges (`next_functions`) lead to the nodes
its inputs came from, as `(node, output_nr)` pairs.

What a forward may keep for backward (the one rule):
- arrays and tensors only through `ctx.save_for_backward(...)`. An input or an output is
  kept as that tensor and checked against later in-place changes (version counters), so
  backward can differentiate through it again; any other array (a mask, indices, batch
  statistics) is kept as a constant. All of it is released after backward, unless
  `retain_graph=True`.
- small non-array values (dims, shapes, flags, Python numbers) as attributes, `ctx.dim = 1`.
  They live in the node's `__dict__`; `tests/autograd/test_graph.py` checks that no built-in
  op keeps an array or a tensor that way.
An operation that is not recorded gets a `ForwardContext` of its own, which keeps nothing.
"""
from __future__ import annotations

import traceback
import weakref

import numpy as np

from .grad_mode import state
from .hooks import add_hook
from .tensor import Tensor


class ForwardContext:
    """The ctx of a forward whose result is not recorded: `save_for_backward` keeps nothing, and the
    context itself is dropped when the call returns, so an unrecorded op leaves nothing behind.
    `forward_context(n)` makes one for n inputs (a subclass per n holds needs_input_grad)."""

    __slots__ = ("__dict__",)
    recording = False
    materialize_grads = True
    needs_input_grad: tuple = ()

    def save_for_backward(self, *values) -> None:
        pass

    def mark_non_differentiable(self, *tensors) -> None:
        pass

    def mark_dirty(self, *tensors) -> None:
        pass

    def set_materialize_grads(self, value: bool) -> None:
        pass


_NO_EDGE = (None, 0)
_FORWARD_CONTEXTS = tuple(type("ForwardContext", (ForwardContext,), {"__slots__": (), "needs_input_grad": (False,) * n})
                          for n in range(9))


def forward_context(n_inputs: int) -> ForwardContext:
    """A new ForwardContext for an op with n inputs (none of which needs a gradient)."""
    if n_inputs < 9:
        return _FORWARD_CONTEXTS[n_inputs]()
    ctx = ForwardContext()
    ctx.needs_input_grad = (False,) * n_inputs
    return ctx


class _OutputSlot:
    """Stands in a node's saved values for the node's own output number `index` (no reference cycle)."""

    __slots__ = ("index",)

    def __init__(self, index: int):
        self.index = index


class Node:
    """One recorded operation: its edges to the inputs' nodes, and what its forward saved."""

    # `__dict__` holds the small attributes a forward sets on ctx (see the module docstring).
    __slots__ = ("function", "next_functions", "needs_input_grad", "_input_meta", "_output_meta", "_saved",
                 "_saved_arrays", "_outputs", "_inputs", "_dirty", "_non_differentiable", "materialize_grads",
                 "_tensor_hooks", "_retained", "_creation_stack", "scope", "__dict__", "__weakref__")
    recording = True  # the ctx of a recorded forward: what it saves is kept for backward

    def __init__(self, function, args):
        self.function = function
        needs, edges, meta = [], [], []
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                needs.append(True)
                if a.grad_fn is not None:
                    edges.append((a.grad_fn, a._output_nr))
                else:
                    edges.append((a._accumulator or a._grad_accumulator(), 0))
                meta.append((a._data.shape, a._data.dtype))
            else:
                needs.append(False)
                edges.append(_NO_EDGE)
                meta.append(None)
        self.needs_input_grad = tuple(needs)
        self.next_functions = tuple(edges)
        self._input_meta = tuple(meta)
        self._output_meta = None  # (shape, dtype) per output, for operations with several outputs
        self._saved = ()
        self._saved_arrays = False  # whether some saved array is still to be told apart as output or constant
        self._outputs = None  # (array, version counter) of each saved output
        self._dirty = ()
        self._non_differentiable = ()
        self.materialize_grads = True
        self._tensor_hooks = None  # {handle id: (output_nr, hook)} from Tensor.register_hook
        self._retained = None  # [(output_nr, weakref to tensor)] from Tensor.retain_grad
        self._creation_stack = traceback.extract_stack() if state.anomaly_enabled else None
        self.scope = state.module_scope

    def name(self) -> str:
        """The name the graph shows: the operation the user called, + 'Backward' (PyTorch's convention)."""
        name = self.__dict__.get("node_name") or getattr(self.function, "node_name", self.function.__name__)
        return name + "Backward"  # (an op serving several functions names itself per call: ctx.node_name)

    def __repr__(self) -> str:
        return f"<{self.name()}>"

    # ------------------------------------------------------------- the ctx interface
    def save_for_backward(self, *values) -> None:
        """Keep these arrays or tensors for backward (inputs and outputs version-checked); None and Python
        numbers are kept as they are."""
        saved = []
        for v in values:
            if isinstance(v, Tensor):
                saved.append((v, v._version_counter[0]))
            elif isinstance(v, (np.ndarray, np.generic)):
                for a in self._inputs:
                    if isinstance(a, Tensor) and a._data is v:
                        saved.append((a, a._version_counter[0]))
                        break
                else:
                    saved.append((v, None))  # an output, or a constant: decided once the outputs exist
                    self._saved_arrays = True
            else:
                saved.append((v, None))
        self._saved = tuple(saved)

    def mark_non_differentiable(self, *tensors) -> None:
        """These outputs get no gradient (PyTorch's ctx.mark_non_differentiable)."""
        self._non_differentiable = tensors

    def mark_dirty(self, *tensors) -> None:
        """These inputs were changed in place by forward and are returned as outputs (ctx.mark_dirty)."""
        self._dirty = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """False: backward receives None (not zeros) for outputs that got no gradient."""
        self.materialize_grads = bool(value)

    def _resolve_saved(self, outputs: tuple, raw: tuple = ()) -> None:
        """Once the outputs exist: saved differentiable outputs become slots (no reference cycle
        output -> node -> output), other arrays constants. Call after the outputs' grad_fn is set.
        `raw`: what forward returned, when that was not yet an ndarray (numpy gives scalars for 0-d results)."""
        saved, arrays = list(self._saved), [None if t is None else t._data for t in outputs]
        raw = raw or arrays
        for k, entry in enumerate(saved):
            value = entry[0]
            if value is None or type(value) in (int, float, bool):
                continue
            for i, out in enumerate(outputs):
                if out is not None and out.grad_fn is self and (value is out or value is arrays[i] or value is raw[i]):
                    if self._outputs is None:
                        self._outputs = [None] * len(outputs)
                    self._outputs[i] = (out._data, out._version_counter)
                    saved[k] = (_OutputSlot(i), out._version_counter[0])
                    break
            else:
                if isinstance(value, (np.ndarray, np.generic)):
                    saved[k] = (Tensor._wrap(np.asarray(value)), None)
        self._saved = tuple(saved)
        self._saved_arrays = False

    @property
    def saved_tensors(self) -> tuple:
        if self._saved is None:
            raise RuntimeError(
                f"Trying to backward through the graph a second time ({self.name()}'s saved tensors "
                "were freed by the first backward). Pass retain_graph=True to the first backward() "
                "or autograd.grad() call if you need to backward through the graph again."
            )
        out = []
        for index, (t, version) in enumerate(self._saved):
            if version is None:  # a constant, a number or None
                out.append(t)
                continue
            if type(t) is _OutputSlot:
                t = self._output_tensor(t.index)
            if t._version_counter[0] != version:
                raise RuntimeError(
                    f"one of the tensors needed for gradient computation has been modified by an "
                    f"inplace operation: saved tensor {index} of {self.name()}, shape {tuple(t.shape)}, "
                    f"is at version {t._version_counter[0]}; expected version {version}. "
                    "Use an out-of-place operation (x = x + y instead of x += y) or .clone() the tensor first."
                )
            out.append(t)
        return tuple(out)

    saved_variables = saved_tensors  # PyTorch's old name

    def _output_tensor(self, index: int) -> Tensor:
        data, counter = self._outputs[index]
        t = Tensor._wrap(data)
        t._version_counter, t.grad_fn, t._output_nr, t._requires_grad = counter, self, index, True
        return t

    @property
    def saved_values(self) -> tuple:
        """The saved tensors without the version check, for drawing the graph."""
        if not self._saved:
            return ()
        return tuple(self._output_tensor(t.index) if type(t) is _OutputSlot else t for t, _ in self._saved)

    def _release(self) -> None:
        self._saved = None
        self._outputs = None

    # ------------------------------------------------------------- hooks
    def _add_tensor_hook(self, output_nr: int, hook):
        if self._tensor_hooks is None:
            self._tensor_hooks = {}
        return add_hook(self._tensor_hooks, (output_nr, hook))

    def _retain_grad_of(self, tensor: Tensor) -> None:
        if self._retained is None:
            self._retained = []
        self._retained.append((tensor._output_nr, weakref.ref(tensor)))

    # ------------------------------------------------------------- running backward
    def _run_backward(self, grads):
        """This node's backward rule on the output gradient(s), results made to match the inputs."""
        if self._output_meta is None:
            results = self.function.backward(self, grads)
        else:
            if self.materialize_grads:
                grads = [g if g is not None or m is None else Tensor._wrap(np.zeros(m[0], dtype=m[1]))
                         for g, m in zip(grads, self._output_meta)]
            results = self.function.backward(self, *grads)
        if type(results) is not tuple:
            results = (results,)
        meta = self._input_meta
        if len(results) != len(meta):
            if len(results) > len(meta):
                raise RuntimeError(
                    f"{self.function.__name__}.backward returned {len(results)} gradients, but forward "
                    f"took {len(meta)} inputs; return one gradient (or None) per input."
                )
            results = results + (None,) * (len(meta) - len(results))
        out = []
        for index, g in enumerate(results):
            m = meta[index]
            if m is None or g is None:
                out.append(None)
            elif type(g) is Tensor and g._data.shape == m[0] and (g._data.dtype is m[1] or g._data.dtype == m[1]):
                out.append(g)
            else:
                out.append(_conform_gradient(g, m, self, index))
        return out


class OpNode(Node):
    """The node of a recorded `Op`: its forward saves arrays, told apart once the outputs exist
    (`resolve_saved`): an input's array is kept as that input tensor (version-checked), an output as a
    slot, anything else as a constant."""

    __slots__ = ()

    def save_for_backward(self, *values) -> None:
        self._saved = values  # as given, until resolve_saved

    def resolve_saved(self, args, arrays, outputs: tuple, raw: tuple) -> None:
        """`args`/`arrays`: the op's arguments and what its forward received (arrays[i] is args[i]._data
        for a tensor); `outputs`: the output tensors; `raw`: what forward returned for each."""
        saved = []
        for v in self._saved:
            if v is None or type(v) in (int, float, bool):
                saved.append((v, None))
                continue
            for i, a in enumerate(arrays):
                if v is a and a is not args[i]:  # the array of a tensor argument
                    t = args[i]
                    saved.append((t, t._version_counter[0]))
                    break
            else:
                for i, out in enumerate(outputs):
                    if out.grad_fn is self and (v is raw[i] or v is out._data):
                        if self._outputs is None:
                            self._outputs = [None] * len(outputs)
                        self._outputs[i] = (out._data, out._version_counter)
                        saved.append((_OutputSlot(i), out._version_counter[0]))
                        break
                else:
                    saved.append((Tensor._wrap(np.asarray(v)), None) if isinstance(v, (np.ndarray, np.generic))
                                 else (v, None))
        self._saved = tuple(saved)


class AccumulateGrad(Node):
    """The node at a leaf: adds the incoming gradient into the leaf's `.grad`."""

    __slots__ = ("variable",)

    def __init__(self, variable: Tensor):
        super().__init__(AccumulateGrad, ())
        self._inputs = None
        self.scope = ()
        self.variable = variable

    def name(self) -> str:
        return "AccumulateGrad"


def _conform_gradient(g, meta, node, index) -> Tensor:
    """Make a backward result match its input: a Tensor, of its shape (undo broadcasting) and dtype."""
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
