"""`Recording`: one recorded call, what a later call must match to replay it, and its program.

At the end of the recording call (`Recording(...)`), while the call's tensors are still as the
call left them, everything that depends on them is settled: whether the call can be replayed at
all (else a `Problem`), what it returns and leaves in `.grad` and `.data` (as Values), the values
the guards compare against (training flags, options, requires_grad, whether `.grad` was None),
the backward of returned tensors that are still to be differentiated (backward.py). The rest
waits for the first replay (`build`): optimising the steps, writing the source, compiling it, so a
recording that is never replayed costs no more than the call itself.
"""
from __future__ import annotations

from functools import partial as later

import numpy as np

from ..graph import Node, OpNode
from ..tensor import Tensor
from .backward import CompiledNode, graph_inputs, record_backward
from .optimize import optimize
from .program import Program
from .steps import Problem, Value
from .tracer import _WRITTEN, Tracer, hyperparameters, state_structure


class Retry(Exception):
    """The recording is not kept, but the next call may record again (an optimiser made its state)."""


class Recording:
    """One recorded call: its guards and program (made at the first replay)."""

    def __init__(self, tracer: Tracer, tensors: list, result, optimize_steps: bool = True):
        self.tracer, self.tensors, self.optimize_steps = tracer, tensors, optimize_steps
        self._inputs = {id(t): p for p, t in enumerate(tensors)}
        self.program = Program(tracer.steps, [], [], [], [], "None", [])
        self.program.namespace.update(_leaf=_leaf, _released=_released, _attach=_attach, _CompiledNode=CompiledNode)
        self._check_optimizers()
        self._check_value_reads(result)
        self._check_hooks(tensors)
        self._made: list = []       # (name, source) of the tensors the call leaves behind
        self._materialised: dict = {}
        self._differentiable = self._to_differentiate(result)
        self._keep = self._leaving(result)
        self._outputs = self._output(result)
        self._settings = self._grads_and_data()
        self._version_lines = self._versions()
        self._guard_list = self._guards()
        self.built = False

    # ------------------------------------------------------------------ at the first replay
    def check(self, *tensors) -> bool:
        """Whether a call with these argument tensors may replay this recording (the guards)."""
        if not self.built:
            self.build()
        return self.program.check(*tensors)

    def replay(self, *tensors):
        if not self.built:
            self.build()
        return self.program.replay(*tensors)

    def build(self) -> Program:
        """Optimise the steps, write the program's source and compile it."""
        tracer, program = self.tracer, self.program
        if self.optimize_steps:
            program.steps = optimize(tracer.steps, self._keep)
            if program.backward is not None:
                steps, saved, grads, results = program.backward
                keep = set(saved) | set(grads) | {v for v in results if v is not None}
                program.backward = (optimize(steps, keep), saved, grads, results)
        epilogue = [(f"node = {self._node_source()}", "runs the recorded backward of the outputs")] \
            if program.backward is not None else []
        epilogue += [(f"{name} = {source()}", what) for name, source, what in self._made]
        program.epilogue = epilogue + [(line(), what) for line, what in self._settings + self._version_lines]
        program.outputs = self._outputs()
        program.inputs = [(p, tracer.by_id[id(t._data)]) for p, t in enumerate(self.tensors)
                          if id(t._data) in tracer.by_id]
        program.live = [(v, self._read(v), _describe(v, tracer)) for v in tracer.values if v.kind == "live"]
        program.constants = [v for v in tracer.values if v.kind == "const"]
        program.guards = [(expression(), what) for expression, what in self._guard_list]
        program.build()
        self.check, self.replay = program.check, program.replay  # from now on, straight to the generated code
        self.built = True
        return program

    # ------------------------------------------------------------------ checks at the end of the call
    def _check_optimizers(self) -> None:
        for optimizer, hyper, structure in self.tracer.optimizers.values():
            if hyperparameters(optimizer) != hyper:
                raise Problem("an optimiser option other than the learning rate changed inside the compiled "
                              "function; change it outside", "")
            if state_structure(optimizer) != structure:
                raise Retry()

    def _check_value_reads(self, result) -> None:
        returned = set()
        _collect_ids(result, returned)
        for _, value, what, where in self.tracer.value_reads:
            if id(value) not in returned:
                raise Problem(f".{what} on a tensor reads its values in Python (a decision or a computation that a "
                              "replay cannot repeat; returning the value is fine)", str(where))

    def _check_hooks(self, tensors) -> None:
        for t in list(tensors) + [t for t, _, _ in self.tracer.live.values()]:
            node = t.grad_fn if t.grad_fn is not None else t._accumulator
            if node is not None and node._tensor_hooks:
                raise Problem("a tensor from outside has gradient hooks (register_hook), which run Python code a "
                              "replay cannot repeat", "")

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

    # ------------------------------------------------------------------ outputs (sources written at build)
    def _output(self, obj):
        """A function giving the source of the value the call returned (tensors made afresh from the arrays)."""
        if isinstance(obj, Tensor):
            return self._tensor(obj)
        if type(obj) is tuple or type(obj) is list:
            parts = [self._output(x) for x in obj]
            if type(obj) is list:
                return lambda: "[" + ", ".join(p() for p in parts) + "]"
            return lambda: "(" + ", ".join(p() for p in parts) + ("," if len(parts) == 1 else "") + ")"
        if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # a namedtuple (e.g. max's values, indices)
            parts, kind = [self._output(x) for x in obj], type(obj)
            return lambda: f"{self.program.name(kind, 'N')}(" + ", ".join(p() for p in parts) + ")"
        if type(obj) is dict:
            parts = [(k, self._output(x)) for k, x in obj.items()]
            return lambda: "{" + ", ".join(f"{self.program.render(k)}: {p()}" for k, p in parts) + "}"
        for tensor, value, what, _ in self.tracer.value_reads:
            if value is obj:
                v = self.tracer.by_id.get(id(tensor._data))
                if v is None:
                    raise Problem(f".{what} of a tensor the program does not compute", "")
                return later(_read_value, v, {"numpy()": "", "item()": ".reshape(()).item()", "tolist()": ".tolist()"}[what])
        if isinstance(obj, (np.ndarray, np.generic)):
            raise Problem("the function returns a numpy array computed outside the ops; return a tensor", "")
        return lambda: self.program.render(obj)

    def _tensor(self, t: Tensor):
        if id(t) in self._inputs or id(t) not in self.tracer.inner:
            return lambda: self.ref(t)  # an argument or a tensor from outside: the very same object
        if id(t) in self._materialised:
            return self._materialised[id(t)]
        v = self.tracer.by_id.get(id(t._data))
        if v is None:
            v = self.tracer._add("const", t._data)
        name = f"t{len(self._materialised)}"
        if id(t) in self._differentiable:  # attached to the node that runs the recorded backward
            number = self._differentiable[id(t)]
            self._made.append((name, lambda: f"_attach({v.name}, node, {number})", "an output to differentiate later"))
        elif v.kind == "live":
            raise Problem("the function returns a new tensor sharing the storage of a tensor from outside; return "
                          "that tensor itself or a clone", "")
        elif t._requires_grad and t.grad_fn is None:  # a leaf made by the call
            self._made.append((name, lambda: f"_leaf({_fresh(v)})", "a tensor the call returns"))
        elif t._requires_grad:  # its graph was used up by a backward inside the call
            node = _ReleasedNode(t.grad_fn.name())
            self._made.append((name, lambda: f"_released({_fresh(v)}, {self.program.name(node, 'B')})",
                               "a tensor the call returns"))
        else:
            self._made.append((name, lambda: f"_wrap({_fresh(v)})", "a tensor the call returns or leaves in .grad"))
        self._materialised[id(t)] = lambda: name
        return self._materialised[id(t)]

    def _to_differentiate(self, result) -> dict:
        """The returned tensors whose graph is still alive: record their backward (backward.py) now, and
        return {id(tensor): its output number}."""
        outputs, found = [], {}
        _tensors_in(result, outputs)
        for t in outputs:
            if id(t) in self.tracer.inner and id(t) not in found and t.grad_fn is not None \
                    and type(t.grad_fn) in (Node, OpNode) and not self._used_up(t.grad_fn):
                found[id(t)] = len(found)
        if not found:
            return found
        differentiable = list({id(t): t for t in outputs if id(t) in found}.values())
        starts = graph_inputs(self, differentiable)
        try:
            self.program.backward = record_backward(self, differentiable, starts)
        except Problem:
            raise
        except Exception as error:
            raise Problem(f"the backward of the returned tensors could not be recorded ({type(error).__name__}: "
                          f"{error})", "") from None
        self._starts, self._outputs_meta = starts, tuple((t._data.shape, t._data.dtype) for t in differentiable)
        return found

    def _used_up(self, node) -> bool:
        """Whether a backward inside the call already went through this graph (some node made in the call
        has released what it saved): then a later backward raises, eagerly and replayed alike."""
        seen, stack = set(), [node]
        while stack:
            node = stack.pop()
            if id(node) in seen or id(node) not in self.tracer.nodes:
                continue
            seen.add(id(node))
            if node._saved is None:
                return True
            stack.extend(child for child, _ in node.next_functions if child is not None)
        return False

    def _node_source(self) -> str:
        """The call making the node that runs the recorded backward, with the arrays it reads."""
        _, saved, _, _ = self.program.backward
        names = list(dict.fromkeys(v.name for v in saved))  # an alias shares its name: hand it over once
        read = [self.ref(v.source[1]) if v.kind == "live" else f"I{v.source}" for v in saved
                if v.kind == "input" or (v.kind == "live" and v.source[0] == "tensor")]
        meta = self.program.name(self._outputs_meta, "K")
        return (f"_CompiledNode(backward, ({''.join(n + ', ' for n in names)}), "
                f"({''.join(self.ref(t) + ', ' for t in self._starts)}), {meta}, ({''.join(r + ', ' for r in read)}))")

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
                value = later(str, None)
            elif id(grad) in tracer.inner:
                if grad.grad_fn is not None:
                    raise Problem("a .grad with autograd history (backward(create_graph=True)) is left by the "
                                  "function; compile the whole computation that uses it", "")
                value = self._tensor(grad)
            elif grad is not first:
                value = later(self.ref, grad)
            else:
                continue  # the same tensor as before (changed in place by the program, if at all)
            lines.append((later(self._set, tensor, "grad", value), "what the call left in .grad"))
        for tensor, array in tracer.data_final.values():
            v = tracer.by_id.get(id(array))
            if v is None or v.kind == "const":
                raise Problem(".data of a tensor from outside was given an array the program does not compute", "")
            lines.append((later(self._set, tensor, "_data", later(_name, v)), "what the call assigned to .data"))
        return lines

    def _set(self, t, attribute, value) -> str:
        return f"{self.ref(t)}.{attribute} = {value()}"

    def _versions(self) -> list:
        seen, lines = set(), []
        for t, _, version in self.tracer.live.values():
            counter = t._version_counter
            if id(counter) not in seen and counter[0] != version:
                seen.add(id(counter))
                lines.append((later(self._bump, t, counter[0] - version), "in-place changes made by the call"))
        return lines

    def _bump(self, t, n) -> str:
        return f"{self.ref(t)}._version_counter[0] += {n}"

    # ------------------------------------------------------------------ guards (values taken now, written at build)
    def _guards(self) -> list:
        """(source maker, what) pairs: each a condition the next call must meet; the values it compares
        against are taken now, from the recording call."""
        tracer, guards = self.tracer, []
        for v in [v for v in tracer.values if v.kind == "live"]:
            source, what = v.source, _describe(v, tracer)
            if source[0] != "tensor":  # a global, a closure variable, a .grad: a tensor there still
                guards.append((later(self._is_tensor, v), f"{what} is a tensor"))
            guards.append((later(self._same_array, v), f"{what} has the same shape and dtype"))
            t = source[1] if source[0] == "tensor" else _source_tensor(source) if source[0] != "grad" else None
            if t is not None:
                guards.append((later(self._requires_grad, v, t._requires_grad), f"{what}: requires_grad"))
                if t._requires_grad and t.grad_fn is None:
                    guards.append((later(self._no_hooks, v), "no gradient hooks"))
            if source[0] == "tensor":
                registered = tracer.sources.get(id(t))
                if registered is not None:
                    guards.append((later(self._source_guard, registered, t), f"{what} is still held there"))
        for tensor, first in tracer.grad_first.values():
            if first is _WRITTEN or id(tensor) in tracer.inner and id(tensor) not in self._inputs:
                continue
            guards.append((later(self._grad_none, tensor, first is None), "whether .grad is None"))
        for module in tracer.modules.values():
            guards.append((later(self._module, module, module.training), f"{type(module).__name__}.training, hooks"))
        for optimizer, _, _ in tracer.optimizers.values():
            guards.extend(self._optimizer_guards(optimizer))
        return guards

    def _holder(self, v: Value) -> str:
        kind, name = v.source[0], self.program.name
        if kind == "global":
            return f"{name(v.source[1], 'G')}.get({v.source[2]!r})"
        if kind == "closure":
            return f"{name(v.source[1], 'C')}.cell_contents"
        if kind == "grad":
            return f"{self.ref(v.source[1])}.grad"
        return self.ref(v.source[1])

    def _is_tensor(self, v) -> str:
        return f"isinstance({self._holder(v)}, _Tensor)"

    def _same_array(self, v) -> str:
        array, dtype = self._read(v), self.program.name(v.dtype, "D")
        return f"{array}.shape == {tuple(v.shape)!r} and ({array}.dtype is {dtype} or {array}.dtype == {dtype})"

    def _requires_grad(self, v, flag) -> str:
        return f"{self._holder(v)}._requires_grad is {flag}"

    def _no_hooks(self, v) -> str:
        t = self._holder(v)
        return f"({t}._accumulator is None or not {t}._accumulator._tensor_hooks)"

    def _grad_none(self, t, none) -> str:
        return f"({self.ref(t)}.grad is None) is {none}"

    def _module(self, module, training) -> str:
        m = self.program.name(module, "M")
        return f"{m}.training is {training} and not {m}._forward_hooks and not {m}._forward_pre_hooks"

    def _optimizer_guards(self, optimizer) -> list:
        """The same groups with the same options (the learning rate aside, read live), and state for the same
        parameters under the same keys (the tensors there are guarded where the program reads them)."""
        kind = type(optimizer).__name__
        guards = [(later(self._length, optimizer, "param_groups", len(optimizer.param_groups)), f"{kind}'s groups")]
        for gi, group in enumerate(optimizer.param_groups):
            guards.append((later(self._group, optimizer, gi, group, len(group), len(group["params"])),
                           f"{kind}'s group {gi}"))
            for key, value in group.items():
                if key not in ("params", "initial_lr", "lr"):
                    guards.append((later(self._option, group, key, value), f"{kind}'s {key}"))
        guards.append((later(self._length, optimizer, "state", len(optimizer.state)), f"{kind}'s state"))
        for p, entries in optimizer.state.items():
            guards.append((later(self._state_keys, optimizer, p, len(entries)), f"{kind}'s state keys"))
        return guards

    def _length(self, obj, attribute, n) -> str:
        return f"len({self.program.name(obj, 'O')}.{attribute}) == {n}"

    def _group(self, optimizer, index, group, size, n_params) -> str:
        o, g = self.program.name(optimizer, "O"), self.program.name(group, "G")
        return f"{o}.param_groups[{index}] is {g} and len({g}) == {size} and len({g}['params']) == {n_params}"

    def _option(self, group, key, value) -> str:
        return f"{self.program.name(group, 'G')}[{key!r}] == {self.program.render(value)}"

    def _state_keys(self, optimizer, p, n) -> str:
        return f"len({self.program.name(optimizer, 'O')}.state.get({self.ref(p)}, ())) == {n}"

    def _source_guard(self, registered, t) -> str:
        kind, name = registered[0], self.program.name
        if kind == "module":
            _, module, store, key = registered
            return f"{name(module, 'M')}.{store}.get({key!r}) is {self.ref(t)}"
        if kind == "optimizer param":
            _, optimizer, gi, pi = registered
            return f"{name(optimizer, 'O')}.param_groups[{gi}]['params'][{pi}] is {self.ref(t)}"
        _, optimizer, p, key = registered
        return f"{name(optimizer, 'O')}.state[{self.ref(p)}].get({key!r}) is {self.ref(t)}"


def _name(v: Value) -> str:
    return v.name


def _read_value(v: Value, method: str) -> str:
    return v.name + method


def _fresh(v: Value) -> str:
    """An array the call leaves behind: a constant is copied (each replay's own), anything else is itself."""
    return f"{v.name}.copy()" if v.kind == "const" else v.name


def _source_tensor(source) -> Tensor:
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
