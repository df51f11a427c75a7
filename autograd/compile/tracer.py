"""Recording a call: the tracer that `Op.apply` hands every forward to while a compiled function records.

The call runs eagerly (its results are the eager results); meanwhile every op's forward is
appended to the program, either

- at the numpy level: the forward runs on `TracedArray`s (proxy.py) and each numpy call it
  makes becomes one `NumpyCall`; or
- at the op level: the forward runs on the real arrays and the program calls it again at
  replay (`OpCall`). Ops that write into their arguments or draw random numbers always go
  this way, and so does any forward whose numpy-level recording used the values in Python.

Backward rules are Tensor ops, so `backward()`/`autograd.grad` inside the call are recorded
the same way, and so are optimiser updates (`ParameterUpdate`) and in-place writes (`Assign`).

Every array the program touches is a `Value`, recognised by identity: an argument's array
(`input`), the array of a tensor that existed before the call (`live`: read from that tensor
at each replay, so parameters updated in place or given new `.data` are seen), a constant
made during the call outside any op (`const`), or the result of a step (`computed`).

What a replay could not repeat honestly is noted as the recording's `problem` (with the
user's line); the compiled function then runs eagerly. What happens outside ops reaches the
tracer through `note_*` methods: from watch.py (value reads, `.grad`, `.data`, tensors made,
hooks), from nn (modules called, optimisers, scheduler steps).
"""
from __future__ import annotations

import linecache
import os
import sys

import numpy as np

from ..graph import OpNode
from ..tensor import Tensor
from .proxy import _PLAIN, ForwardRecorder, ProxyContext, TracedArray, _arrays_in
from .steps import LiveOption, OpCall, Problem, Value

_PACKAGE_DIRS = tuple(os.path.dirname(os.path.dirname(os.path.abspath(p))) + os.sep
                      for p in (__file__,))  # autograd/
_LIVE_OPTIONS = ("lr",)  # optimiser options read afresh at each replay (schedulers change them); others are guarded


_OP_LEVEL = object()


def user_line(skip_dirs=_PACKAGE_DIRS) -> str:
    """'file:line: code' of the innermost frame outside this package (and outside nn/), for messages."""
    return str(UserLine(skip_dirs))


class UserLine:
    """Where the user's code is now (the innermost frame outside autograd/ and nn/); its text is read
    only when shown (str), since reading source lines costs more than the note that keeps it."""

    __slots__ = ("filename", "lineno")

    def __init__(self, skip_dirs=_PACKAGE_DIRS):
        nn_dir = os.path.join(os.path.dirname(skip_dirs[0].rstrip(os.sep)), "nn") + os.sep
        frame, self.filename, self.lineno = sys._getframe(1), "", 0
        while frame is not None:
            path = os.path.abspath(frame.f_code.co_filename)
            if not path.startswith(skip_dirs) and not path.startswith(nn_dir) and "importlib" not in path:
                self.filename, self.lineno = frame.f_code.co_filename, frame.f_lineno
                break
            frame = frame.f_back

    def __str__(self) -> str:
        if not self.filename:
            return ""
        return f"{self.filename}:{self.lineno}: {linecache.getline(self.filename, self.lineno).strip()}"

    def __bool__(self) -> bool:
        return bool(self.filename)


class Tracer:
    """Records one call of a compiled function (see the module docstring)."""

    def __init__(self, implicit: dict, numpy_level: bool = True, fullgraph: bool = False):
        self.values: list[Value] = []
        self.by_id: dict[int, Value] = {}  # id(array) -> Value (the Values keep their arrays alive)
        self.steps: list = []
        self.numpy_level, self.fullgraph = numpy_level, fullgraph
        self.implicit = implicit  # id(tensor) -> ("global", namespace, name) | ("closure", cell): fn's own variables
        self.inner: set[int] = set()  # ids of tensors made during the call
        self.nodes: set[int] = set()  # ids of graph nodes made during the call
        self.live: dict[int, tuple] = {}  # id(tensor) -> (tensor, Value, version at first sight)
        self.sources: dict[int, tuple] = {}  # id(tensor) -> where it is reached from (module, optimiser state)
        self.grad_first: dict[int, tuple] = {}  # id(tensor) -> (tensor, its .grad at its first access or _WRITTEN)
        self.grad_final: dict[int, tuple] = {}  # id(tensor) -> (tensor, the last .grad assigned)
        self.grad_owner: dict[int, Tensor] = {}  # id(a .grad tensor from before the call) -> the tensor it is .grad of
        self.data_final: dict[int, tuple] = {}  # id(tensor) -> (tensor, array assigned to .data)
        self.modules: dict[int, object] = {}
        self.optimizers: dict[int, tuple] = {}  # id -> (optimiser, hyper-parameters, state structure)
        self.group_of: dict[int, tuple] = {}  # id(param) -> (group, index of the group, optimiser)
        self.value_reads: list[tuple] = []  # (tensor, python value, what, where) from .item() and friends
        self.problem: Problem | None = None
        self.op_level: dict = {}  # op class -> why its forward is replayed at the op level (for the listing)

    # ------------------------------------------------------------------ problems
    def fail(self, cause: str) -> None:
        """This call cannot be replayed: remember why and where (the first cause only)."""
        if self.problem is None:
            self.problem = Problem(cause, str(UserLine()))
            if self.fullgraph:
                raise self.problem

    # ------------------------------------------------------------------ values
    def _add(self, kind, array, source=None, producer=None, base=None) -> Value:
        v = Value(len(self.values), kind, array, source, producer, base)
        self.values.append(v)
        self.by_id.setdefault(id(array), v)  # a call that returns an array it was given: that array keeps its Value
        return v

    def input_value(self, tensor: Tensor, position: int) -> Value:
        known = self.by_id.get(id(tensor._data))
        return known if known is not None else self._add("input", tensor._data, position)

    def tensor_value(self, t: Tensor) -> Value:
        """The Value of a tensor argument: known by its array, else a constant (made in the call) or live."""
        array = t._data
        v = self.by_id.get(id(array))
        if v is not None:
            return v
        if id(t) in self.inner:
            return self._add("const", array)
        if id(t) in self.implicit:
            source = self.implicit[id(t)]
        elif id(t) in self.grad_owner:
            source = ("grad", self.grad_owner[id(t)])
        else:
            source = ("tensor", t)
        v = self._add("live", array, source)
        self.live[id(t)] = (t, v, t._version_counter[0])
        return v

    def array_value(self, array) -> Value:
        """The Value of an array met inside an argument (an index, a constant made by a forward)."""
        v = self.by_id.get(id(array))
        return v if v is not None else self._add("const", array)

    def template(self, obj, owner=None):
        """`obj` with each array replaced by its Value (nested tuples, lists, dicts), optimiser options made live."""
        kind = type(obj)
        if kind in _PLAIN:
            return obj
        if kind is TracedArray:
            return obj.value
        if isinstance(obj, Tensor):
            return self.tensor_value(obj)
        if isinstance(obj, (np.ndarray, np.generic)):
            return self.array_value(obj)
        if type(obj) is tuple or type(obj) is list:
            return type(obj)(self.template(x, owner) for x in obj)
        if type(obj) is dict:
            group = self.group_of.get(id(owner)) if owner is not None else None
            out = {}
            for k, x in obj.items():
                if group is not None and k in _LIVE_OPTIONS and group[0].get(k) is x:
                    out[k] = LiveOption(group[0], k, group[1])
                else:
                    out[k] = self.template(x, owner)
            return out
        return obj

    def before_write(self, v: Value) -> None:
        """A step is about to change `v` in place: a constant keeps its value from before (replay restarts from it)."""
        if v.kind == "const" and v.snapshot is None:
            v.snapshot = np.array(v.array, copy=True)

    def computed(self, array, producer, base=None) -> Value:
        return self._add("computed", array, producer=producer, base=base)

    def base_of(self, array, arguments) -> Value | None:
        """The Value of an argument array that `array` may share memory with (a view, or the argument itself)."""
        if not isinstance(array, np.ndarray):
            return None
        if array.base is None:  # its own memory, unless it is one of the arguments itself
            for a in arguments:
                if a is array:
                    return self.by_id.get(id(a))
            return None
        for a in _arrays_in(arguments):
            if array is a or np.may_share_memory(array, a):
                return self.by_id.get(id(a))
        return None

    # ------------------------------------------------------------------ ops (the hook in Op.apply)
    def run_op(self, cls, ctx, args, arrays):
        if cls.__name__ == "ParameterUpdate":  # (rule, options, n) per parameter: options read for that parameter
            template, start = [], 1
            for rule, options, n in args[0]:
                template.append((rule, self.template(options, owner=args[start]), n))
                start += n
            template = [tuple(template)] + [self.template(a) for a in args[1:]]
        else:
            template = [self.template(a) for a in args]
        written = tuple(_written_positions(cls, template)) if getattr(cls, "writes_input", False) else ()
        for v in written:
            self.before_write(v)
        if getattr(cls, "draws_random", False) or not self.numpy_level:
            return self._op_level(cls, ctx, arrays, template, value_checked=False, written=written)
        # An op that writes into its arguments (an optimiser's update, Assign) may write there at the numpy
        # level too; if its recording fails half-way, those arrays get their values back before it reruns.
        before = [np.array(v.array, copy=True) for v in written]
        result = self._numpy_level(cls, ctx, arrays, template, written)
        if result is _OP_LEVEL:
            for v, values in zip(written, before):
                np.copyto(v.array, values)
            return self._op_level(cls, ctx, arrays, template, value_checked=not written, written=written)
        return result

    def _op_level(self, cls, ctx, arrays, template, value_checked, written=()):
        step = OpCall(cls, template, ctx.needs_input_grad, ctx.recording)
        step.mutates = written
        out = cls.forward(ctx, *arrays)
        step.tuple_out = type(out) is tuple
        outs = out if step.tuple_out else (out,)
        converted = tuple(o if type(o) is np.ndarray else np.asarray(o) for o in outs)
        step.convert = tuple(o is not c for o, c in zip(outs, converted))
        step.outs = tuple(self.computed(c, step, self.base_of(c, arrays)) for c in converted)
        if cls.__name__ in ("Index", "Nonzero") and _has_bool_index(template) or cls.__name__ == "Nonzero":
            self.fail(f"{_op_name(cls)} gives a result whose shape depends on the values; compile cannot replay it "
                      "(use where/masked_fill, which keep the shape)")
        step.saved = self._capture_saved(ctx, outs, converted, step, arrays)
        if value_checked:
            step.check = {k: v for k, v in ctx.__dict__.items() if _checkable(v)}
        self.steps.append(step)
        return tuple(converted) if step.tuple_out else converted[0]

    def _capture_saved(self, ctx, outs, converted, step, arrays) -> tuple:
        """Arrays the forward saved that are neither inputs nor outputs become outputs of the step
        (the replay context hands them over); numpy scalars are made arrays first, as the graph will."""
        if type(ctx) is not OpNode or not ctx._saved:
            return ()
        saved, captured = list(ctx._saved), []  # as the forward gave them (OpNode tells them apart later)
        for k, value in enumerate(saved):
            if not isinstance(value, (np.ndarray, np.generic)) or any(value is a for a in arrays):
                continue
            for o, c in zip(outs, converted):
                if value is o:
                    saved[k] = c  # the output itself: the graph recognises it by identity
                    break
            else:
                if type(value) is not np.ndarray:
                    value = saved[k] = np.asarray(value)
                v = self.by_id.get(id(value))
                if v is None or v.producer is step:
                    v = v or self.computed(value, step, self.base_of(value, arrays))
                    captured.append((k, v))
        ctx._saved = tuple(saved)
        return tuple(captured)

    def _numpy_level(self, cls, ctx, arrays, template, written=()):
        recorder = ForwardRecorder(self, cls, written)
        proxies = [recorder.proxies(a, t) for a, t in zip(arrays, template)]
        try:
            out = cls.forward(ProxyContext(ctx, recorder), *proxies)
            outs = out if type(out) is tuple else (out,)
            raw, results = [], []
            for o in outs:
                if isinstance(o, np.ndarray) and getattr(self.by_id.get(id(o)), "snapshot", None) is not None:
                    o = TracedArray(o, self.by_id[id(o)], recorder)  # made by np.zeros & co, then filled by calls
                if not isinstance(o, TracedArray):
                    recorder.escape("a forward that returns an array made outside the traced calls")
                    break
                raw.append(o.array)
                if type(o.array) is not np.ndarray:  # a numpy scalar: the graph stores a 0-d array
                    o = recorder.call("call", np.asarray, None, (o,), {})
                results.append(o)
        except Exception as error:  # a proxy the forward could not use: the op level runs it (and raises any real error)
            recorder.escape(f"{type(error).__name__}: {error}")
        if recorder.escaped:
            self._forget(recorder)
            self.op_level[cls] = recorder.escaped
            return _OP_LEVEL
        self.steps.extend(recorder.calls)
        real = tuple(r.array for r in results)
        if type(ctx) is OpNode and ctx._saved:
            self._saved_scalars_as_arrays(ctx, raw, real)
        return real if type(out) is tuple else real[0]

    def _saved_scalars_as_arrays(self, ctx, raw, real) -> None:
        """Saved numpy scalars become the 0-d arrays the graph will hold: a saved output its converted output
        (so the graph still recognises it as the output, and differentiates through it), another its own array."""
        saved = list(ctx._saved)
        for k, value in enumerate(saved):
            if not isinstance(value, np.generic):
                continue
            for r, array in zip(raw, real):
                if value is r:
                    saved[k] = array
                    break
            else:
                v = self.by_id.get(id(value))
                array = np.asarray(value)
                if v is not None:
                    self.by_id[id(array)] = v
                    v.array = array  # the program holds the array from here on (same values)
                saved[k] = array
        ctx._saved = tuple(saved)

    def _forget(self, recorder) -> None:
        """Drop the Values a discarded numpy-level recording made (results, and constants it met)."""
        for v in self.values[recorder.first_value:]:
            if self.by_id.get(id(v.array)) is v:
                del self.by_id[id(v.array)]
        del self.values[recorder.first_value:]

    # ------------------------------------------------------------------ notes from the rest of the engine
    def note_optimizer(self, optimizer) -> None:
        """Optimizer.step/zero_grad: guard on its options and on the structure of its state; lr is read live."""
        if id(optimizer) in self.optimizers:
            return
        self.optimizers[id(optimizer)] = (optimizer, hyperparameters(optimizer), state_structure(optimizer))
        for gi, group in enumerate(optimizer.param_groups):
            for pi, p in enumerate(group["params"]):
                self.group_of[id(p)] = (group, gi, optimizer)
                self.sources.setdefault(id(p), ("optimizer param", optimizer, gi, pi))
        for p, entries in optimizer.state.items():
            for key, t in entries.items():
                if isinstance(t, Tensor):
                    self.sources.setdefault(id(t), ("optimizer state", optimizer, p, key))

    def note_module(self, module) -> None:
        """nn.Module.__call__: guard on its training flag and on which tensors its attributes hold."""
        if id(module) in self.modules:
            return
        self.modules[id(module)] = module
        if module._forward_hooks or module._forward_pre_hooks:
            self.fail(f"{type(module).__name__} has forward hooks, which run Python code a replay cannot repeat")
        for store in ("_parameters", "_buffers"):
            for name, t in getattr(module, store).items():
                if t is not None:
                    self.sources.setdefault(id(t), ("module", module, store, name))

    def note_side_effect(self, what: str) -> None:
        self.fail(f"{what} inside the compiled function is Python work (changing learning rates, drawing batches) "
                  "that a replay would not repeat; do it outside, and pass its results in")

    def note_value_read(self, tensor: Tensor, what: str, value=None) -> None:
        """`.item()`, `bool()`, `.numpy()`, ... on a tensor: fine only if the value is just returned."""
        if what in ("item()", "tolist()", "numpy()") and value is not None:
            self.value_reads.append((tensor, value, what, UserLine()))
            return
        self.fail(f"{what} on a tensor reads its values in Python (a decision or a computation that a replay "
                  "cannot repeat)")

    def note_grad_read(self, tensor: Tensor, grad) -> None:
        if id(tensor) not in self.grad_first:
            self.grad_first[id(tensor)] = (tensor, grad)
            if grad is not None and id(grad) not in self.inner:
                self.grad_owner[id(grad)] = tensor

    def note_grad_write(self, tensor: Tensor, grad) -> None:
        if id(tensor) not in self.grad_first:
            self.grad_first[id(tensor)] = (tensor, _WRITTEN)
        self.grad_final[id(tensor)] = (tensor, grad)

    def note_data_write(self, tensor: Tensor, array) -> None:
        if id(tensor) not in self.inner:
            self.data_final[id(tensor)] = (tensor, array)

    def note_new_tensor(self, tensor: Tensor) -> None:
        self.inner.add(id(tensor))

    def note_hook(self, what: str) -> None:
        self.fail(f"{what} registers a hook, which runs Python code a replay cannot repeat")


_WRITTEN = object()  # grad_first: the first access to .grad was an assignment


def _op_name(cls) -> str:
    return getattr(cls, "node_name", cls.__name__)


def _checkable(v) -> bool:
    if v is None or type(v) in (bool, int, float, str):
        return True
    return type(v) is tuple and all(_checkable(x) for x in v)


def _has_bool_index(template) -> bool:
    def has(obj):
        if isinstance(obj, Value):
            return obj.dtype == bool
        if type(obj) is tuple or type(obj) is list:
            return any(has(x) for x in obj)
        return False
    return any(has(t) for t in template[1:])


def _written_positions(cls, template):
    """The Values an op that writes into its arguments changes: Assign's target, an update's parameter and state."""
    if getattr(cls, "draws_random", False):
        return []
    if cls.__name__ == "ParameterUpdate":  # args: updates, then (param, grad, *state) per update
        written, start = [], 1
        for _, _, n in template[0]:
            written += [template[start]] + list(template[start + 2:start + n])
            start += n
        return [t for t in written if isinstance(t, Value)]
    return [t for t in template[:1] if isinstance(t, Value)]


# --------------------------------------------------------------------------- the optimiser's structure
def hyperparameters(optimizer) -> tuple:
    """Every option of every group except the parameters and the live ones (a guard compares this tuple)."""
    return tuple(tuple(sorted((k, _frozen(v)) for k, v in g.items() if k not in ("params", "initial_lr") + _LIVE_OPTIONS))
                 for g in optimizer.param_groups)


def state_structure(optimizer) -> tuple:
    """Which parameters have state and under which keys, and the tensors kept there (by identity)."""
    return tuple((id(p), tuple((k, id(v) if isinstance(v, Tensor) else _frozen(v)) for k, v in sorted(s.items())))
                 for p, s in optimizer.state.items())


def _frozen(v):
    if isinstance(v, (list, tuple)):
        return tuple(_frozen(x) for x in v)
    if isinstance(v, dict):
        return tuple(sorted((k, _frozen(x)) for k, x in v.items()))
    return v


__all__ = ["Tracer", "user_line", "hyperparameters", "state_structure"]
