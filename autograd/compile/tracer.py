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
user's line); the compiled function then runs eagerly. While recording, a few Tensor
methods are watched (`watching_tensors`): reads of values (`.item()`, `bool()`, ...),
`.grad` reads and assignments, `.data` assignments, tensor creation and hook registration.
"""
from __future__ import annotations

import os
import threading
import traceback

import numpy as np

from ..grad_mode import state
from ..graph import Node, OpNode
from ..random import Sample
from ..tensor import Tensor
from .proxy import NumpyCall, TracedArray

_PACKAGE_DIRS = tuple(os.path.dirname(os.path.dirname(os.path.abspath(p))) + os.sep
                      for p in (__file__,))  # autograd/
_LIVE_OPTIONS = ("lr",)  # optimiser options read afresh at each replay (schedulers change them); others are guarded
_PLAIN = frozenset({int, float, bool, str, type(None), type(Ellipsis), np.dtype})  # types that never hold arrays
_MUTATING_FUNCTIONS = {np.copyto, np.put, np.put_along_axis, np.place, np.putmask, np.fill_diagonal}
# numpy's reductions are their ufunc's reduce behind a layer of Python (fromnumeric._wrapreduction)
_REDUCTIONS = {np.sum: np.add.reduce, np.prod: np.multiply.reduce, np.max: np.maximum.reduce,
               np.amax: np.maximum.reduce, np.min: np.minimum.reduce, np.amin: np.minimum.reduce,
               np.any: np.logical_or.reduce, np.all: np.logical_and.reduce}


class Value:
    """One array of a recorded program (see the module docstring for the kinds)."""

    __slots__ = ("index", "kind", "shape", "dtype", "array", "array_type", "source", "producer", "base", "snapshot",
                 "alias", "_name")

    def __init__(self, index, kind, array, source=None, producer=None, base=None):
        self.index, self.kind, self.source, self.producer, self.base = index, kind, source, producer, base
        self.array = array  # during recording only (the recorded value; a constant's value for good)
        self.array_type = type(array)  # ndarray, or a numpy scalar (a 0-d result)
        self.shape, self.dtype = np.shape(array), np.asarray(array).dtype if not hasattr(array, "dtype") else array.dtype
        self.snapshot = None  # a constant that the program changes in place: its value before the first change
        self.alias = None  # set by optimize.py: this Value is that one's array (a no-op reshape, an in-place result)
        self._name = f"v{index}"

    @property
    def name(self) -> str:
        """Its variable in the generated code (an alias's is the one it stands for)."""
        v = self
        while v.alias is not None:
            v = v.alias
        return v._name

    def __repr__(self):
        return self.name


class LiveOption:
    """An optimiser option (the learning rate) read from its parameter group at each replay."""

    __slots__ = ("group", "key", "group_index")

    def __init__(self, group, key, group_index):
        self.group, self.key, self.group_index = group, key, group_index


class OpCall:
    """One op replayed by calling its forward again: `cls.forward(ctx, *args)`, `args` with `Value`s for arrays."""

    __slots__ = ("cls", "args", "needs_input_grad", "recording", "outs", "tuple_out", "convert", "saved", "check",
                 "mutates")

    def __init__(self, cls, args, needs_input_grad, recording):
        self.cls, self.args, self.needs_input_grad, self.recording = cls, args, needs_input_grad, recording
        self.outs, self.tuple_out, self.convert, self.saved, self.check = (), False, (), (), None
        self.mutates = ()  # the Values it writes into (Assign's target, an optimiser's parameter and state)


class Problem(Exception):
    """Why a recording cannot be replayed (raised at once under fullgraph=True)."""

    def __init__(self, cause: str, where: str):
        super().__init__(f"{cause} ({where})" if where else cause)
        self.cause, self.where = cause, where


_OP_LEVEL = object()


def user_line(skip_dirs=_PACKAGE_DIRS) -> str:
    """'file:line: code' of the innermost frame outside this package (and outside nn/), for messages."""
    nn_dir = os.path.join(os.path.dirname(skip_dirs[0].rstrip(os.sep)), "nn") + os.sep
    for frame in reversed(traceback.extract_stack()[:-1]):
        path = os.path.abspath(frame.filename)
        if not path.startswith(skip_dirs) and not path.startswith(nn_dir) and "importlib" not in path:
            return f"{frame.filename}:{frame.lineno}: {(frame.line or '').strip()}"
    return ""


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
            self.problem = Problem(cause, user_line())
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
        view = array.base is not None
        for a in _arrays_in(arguments):
            if array is a or view and np.may_share_memory(array, a):
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
        if cls is Sample or not self.numpy_level:
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
        self.fail(f"{what} inside the compiled function changes Python state that a replay does not change; "
                  "call it outside")

    def note_value_read(self, tensor: Tensor, what: str, value=None) -> None:
        """`.item()`, `bool()`, `.numpy()`, ... on a tensor: fine only if the value is just returned."""
        if what in ("item()", "tolist()", "numpy()") and value is not None:
            self.value_reads.append((tensor, value, what, user_line()))
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


class ProxyContext:
    """The ctx a forward sees during a numpy-level recording: the real ctx, with proxies unwrapped on the way in."""

    __slots__ = ("_ctx", "_recorder")

    def __init__(self, ctx, recorder):
        object.__setattr__(self, "_ctx", ctx)
        object.__setattr__(self, "_recorder", recorder)

    def save_for_backward(self, *values):
        self._ctx.save_for_backward(*self._recorder.unwrap(values))

    def __getattr__(self, name):
        return getattr(self._ctx, name)

    def __setattr__(self, name, value):
        setattr(self._ctx, name, self._recorder.unwrap(value))


class ForwardRecorder:
    """Collects the numpy calls of one forward run on proxies (see proxy.py)."""

    def __init__(self, tracer: Tracer, op, writable=()):
        self.tracer, self.op = tracer, op
        self.writable = {v.index for v in writable}  # arguments the op is meant to write into
        self.live_options = False  # whether a live optimiser option (the learning rate) takes part
        self.first_value = len(tracer.values)  # Values from here on belong to this recording of the forward
        self.calls: list[NumpyCall] = []
        self.inputs: set[int] = set()
        self.escaped = None

    def escape(self, what: str) -> None:
        if self.escaped is None:
            self.escaped = what

    def proxies(self, array, template):
        """The forward's argument with a proxy for every array (in parallel with its template); a live
        optimiser option (the learning rate) becomes a proxy too, so its uses are recorded, not baked."""
        if isinstance(template, Value):
            self.inputs.add(template.index)
            return TracedArray(array, template, self)
        if isinstance(template, LiveOption):
            self.live_options = True
            return TracedArray(array, template, self)
        if type(template) is tuple or type(template) is list:
            return type(template)(self.proxies(a, t) for a, t in zip(array, template))
        if type(template) is dict:
            return {k: self.proxies(array[k], t) for k, t in template.items()}
        return array

    def unwrap(self, obj):
        if isinstance(obj, TracedArray):
            return obj.array
        if type(obj) is tuple or type(obj) is list:
            return type(obj)(self.unwrap(x) for x in obj)
        if type(obj) is dict:
            return {k: self.unwrap(x) for k, x in obj.items()}
        if type(obj) is slice and any(isinstance(x, TracedArray) for x in (obj.start, obj.stop, obj.step)):
            self.escape("an array used in a slice")
            return slice(self.unwrap(obj.start), self.unwrap(obj.stop), self.unwrap(obj.step))
        return obj

    def split(self, obj):
        """(obj with proxies replaced by their arrays, obj as a template): one walk for both."""
        kind = type(obj)
        if kind is TracedArray:
            return obj.array, obj.value
        if kind in _PLAIN:
            return obj, obj
        if kind is tuple or kind is list:
            pairs = [self.split(x) for x in obj]
            return kind(p[0] for p in pairs), kind(p[1] for p in pairs)
        if kind is dict:
            pairs = {k: self.split(x) for k, x in obj.items()}
            return {k: p[0] for k, p in pairs.items()}, {k: p[1] for k, p in pairs.items()}
        if kind is slice and any(isinstance(x, TracedArray) for x in (obj.start, obj.stop, obj.step)):
            self.escape("an array used in a slice")
            return self.unwrap(obj), obj
        return obj, self.tracer.template(obj)

    def call(self, kind, func, name, args, kwargs, mutates=None):
        tracer = self.tracer
        real_args, targs = self.split(args)
        real_kwargs, tkwargs = self.split(kwargs) if kwargs else ({}, {})
        written = []
        if mutates is not None:
            written.append(mutates.value)
        if kind == "call":
            out = kwargs.get("out")
            for o in (out if isinstance(out, tuple) else (out,)) if out is not None else ():
                written.append(tracer.template(o))
            if getattr(func, "__name__", "") == "at" or func in _MUTATING_FUNCTIONS:
                written.append(targs[0])
        for w in written:
            if not isinstance(w, Value) or (w.index in self.inputs or _root(w).index in self.inputs) \
                    and _root(w).index not in self.writable:
                self.escape("a forward that writes into its argument")
            else:
                tracer.before_write(w)
        if self.live_options and kind == "call" \
                and any(isinstance(a, TracedArray) and isinstance(a.value, LiveOption) for a in args) \
                and not any(isinstance(a, (np.ndarray, np.generic)) for a in _arrays_in((real_args, real_kwargs))):
            self.escape("arithmetic on the learning rate alone (Python would compute it in floats, numpy would not)")
        if kind == "call":
            result = func(*real_args, **real_kwargs)
        elif kind == "method":
            result = getattr(real_args[0], name)(*real_args[1:], **real_kwargs)
        elif kind == "attr":
            result = getattr(real_args[0], name)
        elif kind == "getitem":
            result = real_args[0][real_args[1]]
        else:
            real_args[0][real_args[1]] = real_args[2]
            result = None
        step = NumpyCall(kind, func, name, targs, tkwargs, (), tuple(written), self.op)
        if func in _REDUCTIONS and type(real_args[0]) is np.ndarray and len(args) <= 2:
            # np.sum(x, axis, ...) is exactly np.add.reduce(x, axis, ...): the program calls the ufunc directly
            step.func = _REDUCTIONS[func]
            step.args = targs[:1]
            step.kwargs = dict(tkwargs, axis=targs[1]) if len(args) == 2 else tkwargs
        self.calls.append(step)
        if result is None:
            return None
        for w, a in zip(written, _flat_out(real_kwargs.get("out")) if kind == "call" else ()):
            if result is a:  # ufunc(..., out=x) returns x
                return TracedArray(a, w, self)
        if isinstance(result, (np.ndarray, np.generic)):
            v = self._result(result, step, real_args)
            step.outs = (v,)
            return TracedArray(result, v, self)
        if type(result) is tuple and all(isinstance(r, (np.ndarray, np.generic)) for r in result):
            values = tuple(self._result(r, step, real_args) for r in result)
            step.outs, step.tuple_out = values, True
            return tuple(TracedArray(r, v, self) for r, v in zip(result, values))
        self.escape(f"a numpy call ({_call_name(step)}) that returns a Python value")
        return result

    def _result(self, array, step, real_args) -> Value:
        base = self.tracer.base_of(array, real_args) if isinstance(array, np.ndarray) else None
        return self.tracer.computed(array, step, base)


def _root(v: Value) -> Value:
    while v.base is not None:
        v = v.base
    return v


def _flat_out(out):
    if out is None:
        return ()
    return out if isinstance(out, tuple) else (out,)


def _arrays_in(obj):
    if isinstance(obj, (np.ndarray, np.generic)):
        yield obj
    elif type(obj) is tuple or type(obj) is list:
        for x in obj:
            yield from _arrays_in(x)
    elif type(obj) is dict:
        for x in obj.values():
            yield from _arrays_in(x)


def _call_name(step) -> str:
    if step.kind == "call":
        return getattr(step.func, "__name__", repr(step.func))
    return f".{step.name}" if step.name else step.kind


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
    if cls is Sample:
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


# --------------------------------------------------------------------------- watching Tensor while recording
_grad_slot = Tensor.__dict__["grad"]
_watch_lock = threading.Lock()
_watchers = 0
_originals: dict = {}


def _tracer():
    return state.tracer if isinstance(state.tracer, Tracer) else None


_MISSING = object()  # a method Tensor inherits (e.g. __format__): deleted again afterwards


def _watch_value(name, what):
    original = _originals[name]
    if original is _MISSING:
        original = getattr(Tensor, name)

    def watched(self, *args, **kwargs):
        tracer = _tracer()
        value = original(self, *args, **kwargs)
        if tracer is not None:
            tracer.note_value_read(self, what, value if name in ("item", "tolist", "numpy") else None)
        return value

    watched.__name__, watched.__doc__ = original.__name__, original.__doc__
    return watched


def _install() -> None:
    for name in ("item", "tolist", "numpy", "__array__", "__bool__", "__float__", "__int__", "__index__",
                 "__repr__", "__str__", "__format__", "register_hook", "retain_grad", "_wrap", "_init"):
        _originals[name] = Tensor.__dict__.get(name, _MISSING)
    reads = {"item": "item()", "tolist": "tolist()", "numpy": "numpy()", "__array__": "np.asarray(tensor)",
             "__bool__": "bool()", "__float__": "float()", "__int__": "int()", "__index__": "use as an index",
             "__repr__": "printing", "__str__": "printing", "__format__": "formatting"}
    for name, what in reads.items():
        setattr(Tensor, name, _watch_value(name, what))
    register_hook, retain_grad = _originals["register_hook"], _originals["retain_grad"]

    def watched_register_hook(self, hook):
        tracer = _tracer()
        if tracer is not None:
            tracer.note_hook("Tensor.register_hook")
        return register_hook(self, hook)

    def watched_retain_grad(self):
        tracer = _tracer()
        if tracer is not None and self.grad_fn is not None:
            tracer.fail("Tensor.retain_grad() inside the compiled function is not replayed; return the tensor and "
                        "read its gradient outside")
        return retain_grad(self)

    Tensor.register_hook, Tensor.retain_grad = watched_register_hook, watched_retain_grad
    wrap = _originals["_wrap"].__func__
    init = _originals["_init"]

    def watched_wrap(cls, array):
        t = wrap(cls, array)
        tracer = _tracer()
        if tracer is not None:
            tracer.inner.add(id(t))
        return t

    def watched_init(self, array):
        init(self, array)
        tracer = _tracer()
        if tracer is not None:
            tracer.inner.add(id(self))

    Tensor._wrap, Tensor._init = classmethod(watched_wrap), watched_init
    node_init = _originals["Node.__init__"] = Node.__init__

    def watched_node_init(self, *args):
        node_init(self, *args)
        tracer = _tracer()
        if tracer is not None:
            tracer.nodes.add(id(self))

    Node.__init__ = watched_node_init

    def get_grad(self):
        grad = _grad_slot.__get__(self)
        tracer = _tracer()
        if tracer is not None:
            tracer.note_grad_read(self, grad)
        return grad

    def set_grad(self, value):
        tracer = _tracer()
        if tracer is not None:
            tracer.note_grad_write(self, value)
        _grad_slot.__set__(self, value)

    Tensor.grad = property(get_grad, set_grad, doc="The gradient (watched while a compiled function records).")
    data = Tensor.__dict__["data"]
    _originals["data"] = data

    def set_data(self, value):
        data.fset(self, value)
        tracer = _tracer()
        if tracer is not None:
            tracer.note_data_write(self, self._data)

    Tensor.data = property(data.fget, set_data, doc=data.__doc__)


def _uninstall() -> None:
    Node.__init__ = _originals.pop("Node.__init__")
    for name, original in _originals.items():
        if original is _MISSING:
            delattr(Tensor, name)
        else:
            setattr(Tensor, name, original)
    Tensor.grad = _grad_slot
    _originals.clear()


class watching_tensors:
    """While any thread records, the Tensor methods listed in the module docstring report to its tracer."""

    def __enter__(self):
        global _watchers
        with _watch_lock:
            if _watchers == 0:
                _install()
            _watchers += 1
        return self

    def __exit__(self, *exc):
        global _watchers
        with _watch_lock:
            _watchers -= 1
            if _watchers == 0:
                _uninstall()
        return False


__all__ = ["Tracer", "Value", "OpCall", "LiveOption", "Problem", "watching_tensors"]
