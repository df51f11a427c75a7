"""The recorded program: the steps of one call as a Python function of numpy calls, and its listing.

`Program` turns a finished `Tracer` into source code, compiles it once and keeps the function:

    def replay(I0, I1):                      # the argument tensors
        v0 = I0._data                        # read at each call
        v1 = L0._data                        # a tensor from outside: read live
        v5 = matmul(v0, v3)                  # one numpy call of a forward   (128, 10) float32
        v6 = Op7(R7(), v5, 1.1)              # an op's forward, called again
        L0.grad = wrap(v9)                   # what the call left in .grad
        return wrap(v6)

`print(program)` shows exactly that source, with the shape and dtype of every value and the
op each line comes from. Before emitting, `optimize` removes numpy calls whose results nothing
uses (dead code) and lets elementwise calls write into an input that dies there (`out=`).
"""
from __future__ import annotations

import re

import numpy as np

from ..tensor import Tensor
from .steps import LiveOption, OpCall, Value

_LITERALS = (bool, int, float, str, type(None), type(Ellipsis))


class ReplayContext:
    """The ctx an op's forward gets at replay: what it saves is handed to the program, nothing is kept."""

    __slots__ = ("saved", "__dict__")
    needs_input_grad: tuple = ()
    recording = False
    materialize_grads = True

    def save_for_backward(self, *values):
        self.saved = values

    def mark_non_differentiable(self, *tensors):
        pass

    def mark_dirty(self, *tensors):
        pass

    def set_materialize_grads(self, value):
        pass


_context_classes: dict = {}


def context_class(needs_input_grad: tuple, recording: bool):
    key = (needs_input_grad, recording)
    cls = _context_classes.get(key)
    if cls is None:
        cls = _context_classes[key] = type("ReplayContext", (ReplayContext,), {
            "__slots__": (), "needs_input_grad": needs_input_grad, "recording": recording})
    return cls


class ReplayError(RuntimeError):
    """The values made a recorded op take another path than at recording (the recording is dropped)."""


def _changed(op: str, what: str):
    raise ReplayError(
        f"autograd.compile: at replay, {op} {what} than when it was recorded, so the rest of the recorded "
        "program no longer applies. The recording is dropped; the next call runs eagerly and records again.")


class Program:
    """Source and compiled function of one recording; `str(program)` is the listing."""

    def __init__(self, steps, inputs, live, constants, epilogue, outputs, guards):
        self.steps = steps          # NumpyCall / OpCall, in the order they ran
        self.inputs = inputs        # [(position, Value)]
        self.live = live            # [(Value, read expression parts)]
        self.constants = constants  # Values of kind const
        self.epilogue = epilogue    # [(code, comment)]: tensors made, .grad and .data set, versions bumped
        self.outputs = outputs      # the output spec (see compiled.py)
        self.guards = guards        # [(expression, description)]
        self.namespace: dict = {"np": np, "_wrap": Tensor._wrap, "_asarray": np.asarray, "_changed": _changed,
                                "_decisions": _decisions, "_Tensor": Tensor}
        self._names: dict[int, str] = {}
        self.backward = None        # for outputs still to be differentiated (backward.py): its steps, and
        self.source = ""            # [saved Values], [gradient Values], [results] (Value or None per input)
        self.replay = None
        self.check = None

    # ------------------------------------------------------------------ naming objects in the source
    def name(self, obj, prefix: str) -> str:
        """A global name in the generated code for an object (a function, a tensor, a dict...)."""
        key = id(obj)
        name = self._names.get(key)
        if name is None:
            name = f"{prefix}{len(self._names)}"
            self._names[key] = name
            self.namespace[name] = obj
        return name

    def render(self, obj) -> str:
        """Source text for a template: Values by name, literals as themselves, anything else as a constant."""
        if isinstance(obj, Value):
            return obj.name
        if isinstance(obj, LiveOption):
            return f"{self.name(obj.group, 'G')}[{obj.key!r}]"
        if type(obj) in _LITERALS:
            if type(obj) is float and (obj != obj or obj in (float("inf"), float("-inf"))):
                return self.name(obj, "K")
            return repr(obj)
        if type(obj) is tuple:
            inner = ", ".join(self.render(x) for x in obj)
            return f"({inner},)" if len(obj) == 1 else f"({inner})"
        if type(obj) is list:
            return "[" + ", ".join(self.render(x) for x in obj) + "]"
        if type(obj) is dict and all(type(k) is str for k in obj):
            return "{" + ", ".join(f"{k!r}: {self.render(x)}" for k, x in obj.items()) + "}"
        if type(obj) is slice:
            return f"slice({self.render(obj.start)}, {self.render(obj.stop)}, {self.render(obj.step)})"
        return self.name(obj, "K")

    def function_name(self, func) -> str:
        name = getattr(func, "__name__", "f")
        owner = getattr(func, "__self__", None)
        if isinstance(owner, np.ufunc):
            name = f"{owner.__name__}_{name}"
        key = id(func)
        if key not in self._names:
            base, n = name, 1
            while name in self.namespace:
                n += 1
                name = f"{base}_{n}"
            self._names[key] = name
            self.namespace[name] = func
        return self._names[key]

    # ------------------------------------------------------------------ source
    def build(self) -> None:
        lines = []
        args = ", ".join(f"I{p}" for p, _ in self.inputs)
        lines.append(f"def check({args}):")
        if self.guards:
            lines.append("    return (" + "\n            and ".join(g for g, _ in self.guards) + ")")
        else:
            lines.append("    return True")
        lines.append("")
        lines.append(f"def replay({args}):")
        body = []
        for p, v in self.inputs:
            body.append((f"{v.name} = I{p}._data", f"argument {p}: {_meta(v)}"))
        for v, read, what in self.live:
            body.append((f"{v.name} = {read}", f"{what}: {_meta(v)}"))
        for v in self.constants:
            if v.snapshot is not None:  # changed in place by the program: start each replay from its value
                body.append((f"{v.name} = {self.name(v.snapshot, 'K')}.copy()", f"constant {_meta(v)}"))
            else:
                self.namespace[v.name] = v.array
        end = " ".join(code for code, _ in self.epilogue) + " " + self.outputs
        self._steps_with_deletes(body, self.steps, set(re.findall(r"\bv\d+\b", end)))
        body.extend(self.epilogue)
        body.append((f"return {self.outputs}", None))
        _indent(lines, body)
        if self.backward is not None:
            steps, saved, grads, results = self.backward
            lines.append("")
            lines.append(f"def backward({', '.join(dict.fromkeys(v.name for v in saved + grads))}):")
            body = []
            self._steps_with_deletes(body, steps, {v.name for v in results if v is not None})
            body.append((f"return ({''.join((v.name if v is not None else 'None') + ', ' for v in results)})", None))
            _indent(lines, body)
        self.source = "\n".join(lines) + "\n"
        code = compile(self.source, "<autograd.compile program>", "exec")
        exec(code, self.namespace)
        self.replay, self.check = self.namespace["replay"], self.namespace["check"]

    def _steps_with_deletes(self, body: list, steps: list, needed_at_end: set) -> None:
        """The steps' lines, each array's variable deleted after its last use (the memory goes back as
        early as eagerly, where the last reference to a temporary dies with it)."""
        last = {}
        for index, step in enumerate(steps):
            for v in _step_values(step):
                last[v.name] = index
        for index, step in enumerate(steps):
            body.extend(self._step_lines(step))
            dead = [name for name in dict.fromkeys(v.name for v in _step_values(step))
                    if last.get(name) == index and name not in needed_at_end and name not in self.namespace]
            if dead:
                body.append((f"del {', '.join(dead)}", None))

    def _step_lines(self, step):
        if isinstance(step, OpCall):
            return self._op_lines(step)
        target = _target(step.outs, step.tuple_out)
        if step.kind == "call":
            args = [self.render(a) for a in step.args] + [f"{k}={self.render(x)}" for k, x in step.kwargs.items()]
            code = f"{target}{self.function_name(step.func)}({', '.join(args)})"
        elif step.kind == "method":
            args = [self.render(a) for a in step.args[1:]] + [f"{k}={self.render(x)}" for k, x in step.kwargs.items()]
            code = f"{target}{self.render(step.args[0])}.{step.name}({', '.join(args)})"
        elif step.kind == "attr":
            code = f"{target}{self.render(step.args[0])}.{step.name}"
        elif step.kind == "getitem":
            code = f"{target}{self.render(step.args[0])}[{_index(self, step.args[1])}]"
        else:
            code = f"{self.render(step.args[0])}[{_index(self, step.args[1])}] = {self.render(step.args[2])}"
        comment = _op_label(step.op) + (f"  {_meta(step.outs[0])}" if step.outs else "")
        return [(code, comment)]

    def _op_lines(self, step: OpCall):
        lines = []
        op = _op_label(step.cls)
        context = self.name(context_class(tuple(step.needs_input_grad), step.recording), "R")
        forward = self.name(step.cls.forward, step.cls.__name__ + "_forward")
        args = ", ".join(self.render(a) for a in step.args)
        needs_ctx = step.saved or step.check is not None
        ctx = "c" if needs_ctx else f"{context}()"
        if needs_ctx:
            lines.append((f"c = {context}()", None))
        target = _target(step.outs, step.tuple_out)
        lines.append((f"{target}{forward}({ctx}, {args})", f"{op} (its forward)"))
        for v, convert in zip(step.outs, step.convert):
            if convert:
                lines.append((f"{v.name} = _asarray({v.name})", None))
        for position, v in step.saved:
            lines.append((f"{v.name} = c.saved[{position}]", f"saved by {op}: {_meta(v)}"))
        if step.check is not None:  # a forward that decided on values: the same decisions, or the rest is invalid
            expected = self.name(step.check, "K")
            lines.append((f"if _decisions(c) != {expected}: _changed({op!r}, 'made other decisions')", None))
            for v in step.outs:
                lines.append((f"if {v.name}.shape != {tuple(v.shape)!r}: _changed({op!r}, 'gave another shape')", None))
        return lines

    def __str__(self) -> str:
        return self.source


def _indent(lines: list, body: list) -> None:
    """Append `body` (code, comment) to `lines` as an indented block, comments in one column."""
    width = min(max((len(code) for code, _ in body), default=0), 72)
    for code, comment in body:
        lines.append(f"    {code}" if not comment else f"    {code.ljust(width)}  # {comment}")


def _target(outs, tuple_out) -> str:
    if not outs:
        return ""
    names = ", ".join(v.name for v in outs)
    return names + ("," if tuple_out and len(outs) == 1 else "") + " = "


def _decisions(ctx) -> dict:
    """The small values a forward set on its ctx (compared with the recorded ones after a value-dependent forward)."""
    from .tracer import _checkable
    return {k: v for k, v in ctx.__dict__.items() if _checkable(v)}


def _step_values(step) -> list:
    from .optimize import step_uses
    if isinstance(step, OpCall):
        return step_uses(step) + list(step.outs) + [v for _, v in step.saved]
    return step_uses(step) + list(step.outs) + list(step.mutates)


def _index(program: Program, index) -> str:
    if type(index) is tuple and index:
        return ", ".join(_index_item(program, i) for i in index) + ("," if len(index) == 1 else "")
    return _index_item(program, index)


def _index_item(program: Program, item) -> str:
    if type(item) is slice:
        parts = ["" if x is None else program.render(x) for x in (item.start, item.stop, item.step)]
        return ":".join(parts[:2]) + (f":{parts[2]}" if parts[2] else "")
    if item is Ellipsis:
        return "..."
    return program.render(item)


def _meta(v: Value) -> str:
    return f"{tuple(v.shape)} {v.dtype}"


def _op_label(cls) -> str:
    return getattr(cls, "node_name", cls.__name__) if cls is not None else ""
