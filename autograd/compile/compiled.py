"""`CompiledFunction`: the cache of recordings of one function, and what a call does.

A call computes its signature (the shapes, dtypes and requires_grad of the tensor arguments,
the other arguments' values, grad mode, the default dtype) and looks for a recording of
that signature whose guards hold: the tensors read from outside are the same objects with
the same shapes and flags, the modules called have the same training flags, the optimisers
have the same options and state layout, `.grad` is None where it was None... If one holds,
its program replays; if none does, the call runs eagerly while recording (tracer.py), and
the recording is kept (up to `cache_size` per function).

A call that cannot be replayed honestly (tracer's `problem`) runs eagerly, now and for
every later call with that signature, after one `CompileWarning` naming the cause and the
line (`fullgraph=True` raises instead). A call during which an optimiser made its state (the
first step of Adam or of SGD with momentum) is not kept: the next call records again.
"""
from __future__ import annotations

import functools
import warnings

import numpy as np

from ..grad_mode import state
from ..graph import Node, OpNode
from ..tensor import Tensor, get_default_dtype
from .backward import CompiledNode, graph_inputs, record_backward
from .optimize import optimize
from .program import Program, ReplayError
from .tracer import _WRITTEN, Problem, Tracer, Value, hyperparameters, state_structure, user_line, watching_tensors

__all__ = ["CompiledFunction", "CompileWarning"]


class CompileWarning(UserWarning):
    """autograd.compile ran a call eagerly because it could not be replayed (the message says why)."""


_EAGER = "eager"  # a cache entry meaning: this signature always runs eagerly


class CompiledFunction:
    """`fn` with recorded programs replayed for repeated signatures (see the module docstring)."""

    def __init__(self, fn, *, fullgraph: bool = False, cache_size: int = 8, numpy_level: bool = True,
                 optimize: bool = True):
        self.fn = fn
        self.fullgraph, self.cache_size, self.numpy_level, self.optimize = fullgraph, cache_size, numpy_level, optimize
        self._cache: dict = {}  # signature -> [Recording, ...] or _EAGER
        self._recorded = 0
        self._retries: dict = {}
        self._warned: set = set()
        self._code_of = fn  # whose globals and closure variables are read afresh at each replay
        functools.update_wrapper(self, fn)

    # ------------------------------------------------------------------ calling
    def __call__(self, *args, **kwargs):
        if state.tracer is not None or state.anomaly_enabled:  # inside a recording (or an export): just run
            return self.fn(*args, **kwargs)
        key, tensors = signature(args, kwargs)
        entry = self._cache.get(key)
        if entry is _EAGER:
            return self.fn(*args, **kwargs)
        if entry:
            for recording in entry:
                if recording.check(*tensors):
                    try:
                        return recording.replay(*tensors)
                    except ReplayError:
                        entry.remove(recording)
                        raise
        return self._record(key, tensors, args, kwargs)

    def _record(self, key, tensors, args, kwargs):
        if self._recorded >= self.cache_size:
            self._eager(key, f"it was recorded {self.cache_size} times (cache_size) for changing signatures or "
                             "guards; pass cache_size= to keep more", where=user_line())
            return self.fn(*args, **kwargs)
        tracer = Tracer(implicit_tensors(self._code_of), numpy_level=self.numpy_level, fullgraph=self.fullgraph)
        for position, t in enumerate(tensors):
            tracer.input_value(t, position)
        previous = state.tracer
        state.tracer = tracer
        try:
            with watching_tensors():
                result = self.fn(*args, **kwargs)
        except Problem:
            self._eager(key, None)
            raise
        finally:
            state.tracer = previous
        try:
            recording = Recording(self, tracer, tensors, result)
        except Problem as problem:
            tracer.problem = tracer.problem or Problem(problem.cause, problem.where or user_line())
            recording = None
        except _Retry:
            self._retries[key] = self._retries.get(key, 0) + 1
            if self._retries[key] > 3:
                self._eager(key, Problem("the optimiser's state changed in every recorded call", ""))
            return result
        if tracer.problem is not None:
            if self.fullgraph:
                raise tracer.problem
            self._eager(key, tracer.problem)
            return result
        self._cache.setdefault(key, []).append(recording)
        self._recorded += 1
        return result

    def _eager(self, key, problem, where=None) -> None:
        self._cache[key] = _EAGER
        if problem is None:
            return
        cause = problem if isinstance(problem, str) else problem.cause
        line = where if where is not None else problem.where
        message = f"autograd.compile: running {_fn_name(self.fn)} eagerly: {cause}"
        if line:
            message += f"\n  at {line}"
        if message not in self._warned:
            self._warned.add(message)
            warnings.warn(message, CompileWarning, stacklevel=4)

    # ------------------------------------------------------------------ looking at what was recorded
    def program(self, *args, **kwargs) -> Program:
        """The recorded program that a call with these arguments would replay (call the function first)."""
        key, tensors = signature(args, kwargs)
        entry = self._cache.get(key)
        if entry is _EAGER:
            raise LookupError(f"autograd.compile: calls like this one run {_fn_name(self.fn)} eagerly (see the warning)")
        for recording in entry or ():
            if recording.check(*tensors):
                return recording.program
        raise LookupError(f"autograd.compile: no recording of {_fn_name(self.fn)} matches these arguments yet; "
                          "call the compiled function with them first")

    @property
    def recordings(self) -> list:
        return [r for entry in self._cache.values() if entry is not _EAGER for r in entry]

    def __repr__(self) -> str:
        return f"<compiled {_fn_name(self.fn)}: {len(self.recordings)} recording(s)>"

    def __get__(self, instance, owner):  # used as a method decorator: bind like a function
        if instance is None:
            return self
        return functools.partial(self.__call__, instance)


class _Retry(Exception):
    """The recording is not kept, but the next call may record again (an optimiser made its state)."""


class Recording:
    """One recorded call: its program, and what a later call must match for the program to apply."""

    def __init__(self, owner: CompiledFunction, tracer: Tracer, tensors: list, result):
        self.tracer, self.tensors = tracer, tensors
        self._inputs = {id(t): p for p, t in enumerate(tensors)}
        self._check_optimizers()
        self._value_reads_returned(result)
        self.program = program = Program(tracer.steps, [], [], [], [], "None", [])
        program.namespace.update(_leaf=_leaf, _released=_released, _attach=_attach, _CompiledNode=CompiledNode)
        self._materialised: dict[int, str] = {}
        self._made: list = []  # (code, comment) making the tensors the call leaves behind
        self._differentiable = self._to_differentiate(result)
        if owner.optimize:
            keep = self._leaving(result)
            program.steps = optimize(tracer.steps, keep)
            if program.backward is not None:
                steps, saved, grads, results = program.backward
                program.backward = (optimize(steps, set(saved) | set(grads) | {v for v in results if v is not None}),
                                    saved, grads, results)
        if program.backward is not None:
            self._made.append(self._node_line())
        outputs = self._output(result, tracer)
        settings = self._grads_and_data()
        program.epilogue = self._made + settings + self._versions()
        program.outputs = outputs
        program.inputs = [(p, tracer.by_id[id(t._data)]) for p, t in enumerate(tensors) if id(t._data) in tracer.by_id]
        program.live = [(v, self._read(v), _describe(v, tracer)) for v in tracer.values if v.kind == "live"]
        program.constants = [v for v in tracer.values if v.kind == "const"]
        program.guards = self._guards(tracer, tensors)
        for v in tracer.values:  # the recorded arrays are no longer needed (constants stay in the namespace)
            if v.kind != "const":
                v.array = None

    def check(self, *tensors) -> bool:
        """Whether a call with these argument tensors may replay this recording (the guards)."""
        if self.program.replay is None:  # the source is made and compiled at the first replay, not while recording
            self.program.build()
            self.check, self.replay = self.program.check, self.program.replay
        return self.program.check(*tensors)

    # ------------------------------------------------------------------ checks at the end of the call
    def _check_optimizers(self) -> None:
        for optimizer, hyper, structure in self.tracer.optimizers.values():
            if hyperparameters(optimizer) != hyper:
                raise Problem("an optimiser option other than the learning rate changed inside the compiled "
                              "function; change it outside", "")
            if state_structure(optimizer) != structure:
                raise _Retry()

    def _value_reads_returned(self, result) -> None:
        returned = set()
        _collect_ids(result, returned)
        for _, value, what, where in self.tracer.value_reads:
            if id(value) not in returned:
                raise Problem(f".{what} on a tensor reads its values in Python (a decision or a computation that a "
                              "replay cannot repeat; returning the value is fine)", where)

    # ------------------------------------------------------------------ names of tensors in the program
    def ref(self, t: Tensor) -> str:
        """The tensor as it is named in the program: an argument (I3) or a tensor from outside (L5)."""
        position = self._inputs.get(id(t))
        return f"I{position}" if position is not None else self.program.name(t, "L")

    def _read(self, v: Value) -> str:
        kind = v.source[0]
        if kind == "tensor":
            return f"{self.ref(v.source[1])}._data"
        if kind == "grad":
            return f"{self.ref(v.source[1])}.grad._data"
        if kind == "global":
            return f"{self.program.name(v.source[1], 'G')}[{v.source[2]!r}]._data"
        return f"{self.program.name(v.source[1], 'C')}.cell_contents._data"

    # ------------------------------------------------------------------ outputs
    def _output(self, obj, tracer) -> str:
        """Source for the value the call returned (tensors made afresh from the program's arrays)."""
        if isinstance(obj, Tensor):
            return self._tensor(obj)
        if type(obj) is tuple or type(obj) is list:
            inner = ", ".join(self._output(x, tracer) for x in obj)
            if type(obj) is list:
                return f"[{inner}]"
            return f"({inner},)" if len(obj) == 1 else f"({inner})"
        if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a namedtuple (e.g. max's values, indices)
            return f"{self.program.name(type(obj), 'N')}(" + ", ".join(self._output(x, tracer) for x in obj) + ")"
        if type(obj) is dict:
            return "{" + ", ".join(f"{self.program.render(k)}: {self._output(x, tracer)}" for k, x in obj.items()) + "}"
        for tensor, value, what, _ in tracer.value_reads:
            if value is obj:
                v = tracer.by_id.get(id(tensor._data))
                if v is None:
                    raise Problem(f".{what} of a tensor the program does not compute", "")
                return v.name if what == "numpy()" else f"{v.name}.reshape(()).item()" if what == "item()" \
                    else f"{v.name}.tolist()"
        if isinstance(obj, (np.ndarray, np.generic)):
            raise Problem("the function returns a numpy array computed outside the ops; return a tensor", "")
        return self.program.render(obj)

    def _tensor(self, t: Tensor) -> str:
        if id(t) in self._inputs or id(t) not in self.tracer.inner:
            return self.ref(t)  # an argument or a tensor from outside: the very same object
        if id(t) in self._materialised:
            return self._materialised[id(t)]
        v = self.tracer.by_id.get(id(t._data))
        if v is None:
            v = self.tracer._add("const", t._data)
        if id(t) in self._differentiable:  # attached to the node that runs the recorded backward
            name = f"t{len(self._materialised)}"
            self._materialised[id(t)] = name
            self._made.append((f"{name} = _attach({v.name}, node, {self._differentiable[id(t)]})",
                               "an output to differentiate later"))
            return name
        if v.kind == "const":
            expression = f"_wrap({v.name}.copy())"
        elif v.kind == "live":
            raise Problem("the function returns a new tensor sharing the storage of a tensor from outside; return "
                          "that tensor itself or a clone", "")
        else:
            expression = f"_wrap({v.name})"
        if t._requires_grad and t.grad_fn is None:  # a leaf made by the call
            expression = f"_leaf({v.name})"
        elif t._requires_grad:  # its graph was used up by a backward inside the call
            expression = f"_released({v.name}, {self.program.name(_released_node(t), 'B')})"
        name = f"t{len(self._materialised)}"
        self._materialised[id(t)] = name
        self._made.append((f"{name} = {expression}", "a tensor the call returns or leaves in .grad"))
        return name

    def _to_differentiate(self, result) -> dict:
        """The returned tensors whose graph is still alive: record their backward (backward.py) and
        return {id(tensor): its output number}."""
        outputs, found = [], {}
        _tensors_in(result, outputs)
        for t in outputs:
            if id(t) in self.tracer.inner and id(t) not in found and t.grad_fn is not None \
                    and type(t.grad_fn) in (Node, OpNode) and t.grad_fn._saved is not None:
                found[id(t)] = len(found)
        if not found:
            return found
        differentiable = [t for t in outputs if id(t) in found]
        differentiable = list({id(t): t for t in differentiable}.values())
        starts = graph_inputs(self, differentiable)
        try:
            steps, saved, grads, results = record_backward(self, differentiable, starts)
        except Problem:
            raise
        except Exception as error:
            raise Problem(f"the backward of the returned tensors could not be recorded ({type(error).__name__}: "
                          f"{error})", "") from None
        self.program.backward = (steps, saved, grads, results)
        self._starts, self._outputs_meta = starts, tuple((t._data.shape, t._data.dtype) for t in differentiable)
        return found

    def _node_line(self):
        """The epilogue line making the node that runs the recorded backward (with the arrays it reads)."""
        _, saved, _, _ = self.program.backward
        names = list(dict.fromkeys(v.name for v in saved))  # an alias shares its name: hand it over once
        read = [self.ref(v.source[1]) if v.kind == "live" else f"I{v.source}" for v in saved
                if v.kind == "input" or (v.kind == "live" and v.source[0] == "tensor")]
        meta = self.program.name(self._outputs_meta, "K")
        return (f"node = _CompiledNode(backward, ({''.join(n + ', ' for n in names)}), "
                f"({''.join(self.ref(t) + ', ' for t in self._starts)}), {meta}, ({''.join(r + ', ' for r in read)}))",
                "runs the recorded backward of the outputs")

    def _leaving(self, result) -> set:
        """The Values that leave the program: returned, left in .grad or .data, or kept for a later backward."""
        tracer, out, tensors = self.tracer, set(), []
        _tensors_in(result, tensors)
        tensors += [g for _, g in tracer.grad_final.values() if isinstance(g, Tensor)]
        tensors += [t for t, _, _, _ in tracer.value_reads]
        for t in tensors:
            v = tracer.by_id.get(id(t._data))
            if v is not None:
                out.add(v)
        for _, array in tracer.data_final.values():
            v = tracer.by_id.get(id(array))
            if v is not None:
                out.add(v)
        if self.program.backward is not None:
            _, saved, _, results = self.program.backward
            out.update(saved)
            out.update(v for v in results if v is not None)
        return out

    # ------------------------------------------------------------------ what the call left in .grad and .data
    def _grads_and_data(self) -> list:
        tracer, lines = self.tracer, []
        for tensor, grad in tracer.grad_final.values():
            if id(tensor) in tracer.inner and id(tensor) not in self._inputs:
                continue  # a tensor made by the call: its gradient leaves with it
            first = tracer.grad_first.get(id(tensor), (None, None))[1]
            if grad is None:
                value = "None"
            elif id(grad) in tracer.inner:
                if grad.grad_fn is not None:
                    raise Problem("a .grad with autograd history (backward(create_graph=True)) is left by the "
                                  "function; compile the whole computation that uses it", "")
                value = self._tensor(grad)
            elif grad is not first:
                value = self.ref(grad)
            else:
                continue  # the same tensor as before (changed in place by the program, if at all)
            lines.append((f"{self.ref(tensor)}.grad = {value}", "what the call left in .grad"))
        for tensor, array in tracer.data_final.values():
            v = tracer.by_id.get(id(array))
            if v is None or v.kind == "const":
                raise Problem(".data of a tensor from outside was given an array the program does not compute", "")
            lines.append((f"{self.ref(tensor)}._data = {v.name}", "what the call assigned to .data"))
        return lines

    def _versions(self) -> list:
        seen, lines = set(), []
        for t, _, version in self.tracer.live.values():
            counter = t._version_counter
            if id(counter) not in seen and counter[0] != version:
                seen.add(id(counter))
                lines.append((f"{self.ref(t)}._version_counter[0] += {counter[0] - version}",
                              "in-place changes made by the call"))
        return lines

    # ------------------------------------------------------------------ guards
    def _guards(self, tracer: Tracer, tensors) -> list:
        program, guards = self.program, []

        def guard(expression, what):
            guards.append((expression, what))

        for v, read, what in program.live:
            source = v.source
            if source[0] == "global":
                holder = f"{program.name(source[1], 'G')}.get({source[2]!r})"
            elif source[0] == "closure":
                holder = f"{program.name(source[1], 'C')}.cell_contents"
            elif source[0] == "grad":
                holder = f"{self.ref(source[1])}.grad"
            else:
                holder = None
            if holder is not None:
                guard(f"isinstance({holder}, _Tensor)", f"{what} is a tensor")
            array = read
            dtype = program.name(v.dtype, "D")
            guard(f"{array}.shape == {tuple(v.shape)!r} and ({array}.dtype is {dtype} or {array}.dtype == {dtype})",
                  f"{what} has the same shape and dtype")
            if source[0] == "tensor":
                t = source[1]
                guard(f"{self.ref(t)}._requires_grad is {t._requires_grad}", f"{what}: requires_grad")
                registered = tracer.sources.get(id(t))
                if registered is not None:
                    guard(self._source_guard(registered, t), f"{what} is still held there")
            elif source[0] in ("global", "closure"):
                guard(f"{holder}._requires_grad is {source_tensor(source)._requires_grad}", f"{what}: requires_grad")
        for tensor, first in tracer.grad_first.values():
            if first is _WRITTEN:
                continue
            if id(tensor) in tracer.inner and id(tensor) not in self._inputs:
                continue
            guard(f"({self.ref(tensor)}.grad is None) is {first is None}", "whether .grad is None")
        for t, _, _ in tracer.live.values():
            if t._requires_grad and t.grad_fn is None:
                ref = self.ref(t)
                guard(f"({ref}._accumulator is None or not {ref}._accumulator._tensor_hooks)", "no gradient hooks")
        for t in list(tensors) + [t for t, _, _ in tracer.live.values()]:
            node = t.grad_fn if t.grad_fn is not None else t._accumulator
            if node is not None and node._tensor_hooks:
                raise Problem("a tensor from outside has gradient hooks (register_hook), which run Python code a "
                              "replay cannot repeat", "")
        for module in tracer.modules.values():
            m = program.name(module, "M")
            guard(f"{m}.training is {module.training}", f"{type(module).__name__}.training")
            guard(f"not {m}._forward_hooks and not {m}._forward_pre_hooks", "no forward hooks")
        for optimizer, _, _ in tracer.optimizers.values():
            guards.extend(self._optimizer_guards(optimizer))
        return guards

    def _optimizer_guards(self, optimizer) -> list:
        """The same groups with the same options (the learning rate aside, read live), and state for the same
        parameters under the same keys (the tensors there are guarded where the program reads them)."""
        program, name = self.program, type(optimizer).__name__
        o = program.name(optimizer, "O")
        guards = [(f"len({o}.param_groups) == {len(optimizer.param_groups)}", f"{name}'s groups")]
        for gi, group in enumerate(optimizer.param_groups):
            g = program.name(group, "G")
            guards.append((f"{o}.param_groups[{gi}] is {g} and len({g}) == {len(group)} "
                           f"and len({g}['params']) == {len(group['params'])}", f"{name}'s group {gi}"))
            for key, value in group.items():
                if key not in ("params", "initial_lr", "lr"):
                    guards.append((f"{g}[{key!r}] == {program.render(value)}", f"{name}'s {key}"))
        guards.append((f"len({o}.state) == {len(optimizer.state)}", f"{name}'s state"))
        for p, entries in optimizer.state.items():
            guards.append((f"len({o}.state.get({self.ref(p)}, ())) == {len(entries)}", f"{name}'s state keys"))
        return guards

    def _source_guard(self, registered, t) -> str:
        kind = registered[0]
        if kind == "module":
            _, module, store, name = registered
            return f"{self.program.name(module, 'M')}.{store}.get({name!r}) is {self.ref(t)}"
        if kind == "optimizer param":
            _, optimizer, gi, pi = registered
            return f"{self.program.name(optimizer, 'O')}.param_groups[{gi}]['params'][{pi}] is {self.ref(t)}"
        _, optimizer, p, key = registered
        return f"{self.program.name(optimizer, 'O')}.state[{self.ref(p)}].get({key!r}) is {self.ref(t)}"


def source_tensor(source) -> Tensor:
    if source[0] == "global":
        return source[1][source[2]]
    return source[1].cell_contents


def _describe(v: Value, tracer: Tracer) -> str:
    kind = v.source[0]
    if kind == "global":
        return f"global {v.source[2]}"
    if kind == "closure":
        return "closure variable"
    t = v.source[1]
    registered = tracer.sources.get(id(t))
    prefix = "grad of " if kind == "grad" else ""
    if registered is None:
        return prefix + "tensor from outside"
    if registered[0] == "module":
        return f"{prefix}{type(registered[1]).__name__}.{registered[3]}"
    if registered[0] == "optimizer param":
        return f"{prefix}parameter {registered[3]} of group {registered[2]}"
    return f"{prefix}optimiser state {registered[3]!r}"


class _ReleasedNode(Node):
    """The grad_fn of a returned tensor whose graph a backward inside the call used up (as eager leaves it)."""

    __slots__ = ("label",)

    def __init__(self, label: str):
        super().__init__(_ReleasedNode, ())
        self._inputs = None
        self.label = label
        self._release()

    def name(self) -> str:
        return self.label

    @staticmethod
    def backward(ctx, *grads):
        return ctx.saved_tensors  # raises: "Trying to backward through the graph a second time ..."


def _released_node(t: Tensor) -> _ReleasedNode:
    return _ReleasedNode(t.grad_fn.name() if t.grad_fn is not None else "CompiledBackward")


def _leaf(array) -> Tensor:
    t = Tensor._wrap(array)
    t._requires_grad = True
    return t


def _released(array, node) -> Tensor:
    t = Tensor._wrap(array)
    t._requires_grad, t.grad_fn = True, node
    return t


def _attach(array, node, output_nr: int) -> Tensor:
    t = Tensor._wrap(array)
    t._requires_grad, t.grad_fn, t._output_nr = True, node, output_nr
    return t


def _tensors_in(obj, out: list) -> None:
    if isinstance(obj, Tensor):
        out.append(obj)
    elif isinstance(obj, (tuple, list)):
        for x in obj:
            _tensors_in(x, out)
    elif isinstance(obj, dict):
        for x in obj.values():
            _tensors_in(x, out)


def _collect_ids(obj, out: set) -> None:
    out.add(id(obj))
    if isinstance(obj, (tuple, list)):
        for x in obj:
            _collect_ids(x, out)
    elif isinstance(obj, dict):
        for x in obj.values():
            _collect_ids(x, out)


# --------------------------------------------------------------------------- signatures
def signature(args, kwargs) -> tuple:
    """(key, tensors): what a recording is keyed by, and the argument tensors in order (nested ones too)."""
    key, tensors, seen = [state.grad_enabled, get_default_dtype()], [], {}
    for a in args:
        _flatten(a, key, tensors, seen)
    if kwargs:
        for name in sorted(kwargs):
            key.append(name)
            _flatten(kwargs[name], key, tensors, seen)
    return tuple(key), tensors


def _flatten(obj, key: list, tensors: list, seen: dict) -> None:
    if isinstance(obj, Tensor):
        same = seen.get(id(obj))
        if same is not None:  # the same tensor passed twice
            key.append(("same", same))
            return
        seen[id(obj)] = len(tensors)
        data = obj._data
        key.append((data.shape, data.dtype, obj._requires_grad, obj.grad_fn is None))
        tensors.append(obj)
    elif type(obj) is tuple or type(obj) is list:
        key.append((type(obj), len(obj)))
        for x in obj:
            _flatten(x, key, tensors, seen)
    elif type(obj) is dict:
        key.append((dict, tuple(obj)))
        for x in obj.values():
            _flatten(x, key, tensors, seen)
    else:
        try:
            hash(obj)
            key.append((type(obj), obj))
        except TypeError:
            key.append(("object", id(obj)))


def implicit_tensors(fn) -> dict:
    """The tensors fn's own code reaches as globals or closure variables: read afresh at each replay."""
    found = {}
    fn = getattr(fn, "__func__", fn)  # a bound method: its function
    if not hasattr(fn, "__code__"):
        fn = getattr(type(fn).__call__, "__func__", type(fn).__call__)  # a callable object
    code = getattr(fn, "__code__", None)
    if code is None:
        return found
    namespace = fn.__globals__
    for name in _names(code):
        value = namespace.get(name)
        if isinstance(value, Tensor):
            found[id(value)] = ("global", namespace, name)
    for cell in fn.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if isinstance(value, Tensor):
            found[id(value)] = ("closure", cell)
    return found


def _names(code):
    yield from code.co_names
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            yield from _names(const)


def _fn_name(fn) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


class CompiledModule(CompiledFunction):
    """`autograd.compile(module)`: calls the module (its forward, with hooks) through the recordings;
    other attributes (parameters(), train(), state_dict(), ...) are the module's own."""

    def __init__(self, module, **options):
        super().__init__(module.__call__, **options)
        self.__dict__["_orig_mod"] = module
        self._code_of = module.forward

    def __getattr__(self, name):
        return getattr(self.__dict__["_orig_mod"], name)

    def __repr__(self) -> str:
        return f"CompiledModule({self._orig_mod!r})"
