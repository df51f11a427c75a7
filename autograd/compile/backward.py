"""Outputs to be differentiated later: `compile(model)(x)` followed by `loss.backward()` outside.

When a recorded call returns tensors whose graph is still alive, the recording also records
their backward once, at the end of the recording call: `autograd.grad` from those outputs
(with placeholder gradients) to the tensors the graph starts from outside the call (the
parameters and other leaves, and argument tensors that have a history of their own), run
by the same tracer into a second list of steps. At replay the forward program returns its
outputs attached to one `CompiledNode`, which holds the arrays the backward needs; when the
engine reaches that node, it runs the backward program on the incoming gradients and hands
one gradient per starting tensor back to the engine, which accumulates them as usual.

Like any node, it checks that the tensors it read were not changed in place in between, and
frees what it holds after backward unless `retain_graph=True`. Its backward cannot itself be
differentiated (`create_graph=True` raises): compile the whole computation instead.
"""
from __future__ import annotations

from ..engine import grad as autograd_grad
from ..grad_mode import state
from ..graph import Node
from ..tensor import Tensor
from .steps import Problem, Value


def graph_inputs(recording, outputs: list) -> list:
    """The tensors the outputs' graph starts from outside the call: leaves from outside, and argument
    tensors with a history (their own grad_fn). Raises Problem for a start the replay cannot name."""
    tracer = recording.tracer
    by_edge = {(t.grad_fn, t._output_nr): t for t in recording.tensors if t.grad_fn is not None}
    found, seen, stack = [], set(), [t.grad_fn for t in outputs]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for child, output_nr in node.next_functions:
            if child is None or id(child) in seen:
                continue
            if type(child).__name__ == "AccumulateGrad":
                leaf = child.variable
                if id(leaf) in tracer.inner and id(leaf) not in recording._inputs:
                    raise Problem("the outputs' graph starts from a tensor made inside the compiled function "
                                  "(requires_grad=True inside); make it outside and pass it in", "")
                if all(t is not leaf for t in found):
                    found.append(leaf)
                seen.add(id(child))
            elif id(child) in tracer.nodes:
                stack.append(child)
            else:
                t = by_edge.get((child, output_nr))
                if t is None:
                    raise Problem("the outputs depend on a tensor with autograd history that is not an argument "
                                  "(a global or attribute computed outside); pass it as an argument", "")
                if all(x is not t for x in found):
                    found.append(t)
    return found


def record_backward(recording, outputs: list, starts: list):
    """Record the outputs' backward (into its own steps) and return (steps, saved, grads, results)."""
    tracer = recording.tracer
    forward_steps, tracer.steps = tracer.steps, []
    placeholders = []
    for t in outputs:
        g = Tensor._wrap(_ones(t))
        placeholders.append(g)
    grads = [tracer._add("grad", g._data) for g in placeholders]
    previous = state.tracer
    state.tracer = tracer
    try:
        results = autograd_grad(outputs, starts, placeholders, retain_graph=True, allow_unused=True)
    finally:
        state.tracer = previous
    steps, tracer.steps = tracer.steps, forward_steps
    if tracer.problem is not None:
        raise tracer.problem
    result_values = []
    for r in results:
        if r is None:
            result_values.append(None)
            continue
        v = tracer.by_id.get(id(r._data))
        if v is None or v.kind == "const":  # a constant gradient (rare): the backward returns a fresh copy of it
            v = tracer._add("const", r._data) if v is None else v
        result_values.append(v)
    made = {id(v) for step in steps for v in step.outs}
    saved, seen = [], set()
    for step in steps:
        for v in _values(step.args) + _values(getattr(step, "kwargs", {})):
            if id(v) in made or id(v) in seen or v.kind == "grad" or (v.kind == "const" and v.snapshot is None):
                continue
            seen.add(id(v))
            saved.append(v)
    for v in result_values:
        if v is not None and id(v) not in made and id(v) not in seen and v.kind not in ("grad", "const"):
            seen.add(id(v))
            saved.append(v)
    return steps, saved, grads, result_values


def _ones(t: Tensor):
    import numpy as np
    return np.ones(t._data.shape, dtype=t._data.dtype)


def _values(template) -> list:
    if isinstance(template, Value):
        return [template]
    if type(template) in (tuple, list):
        return [v for x in template for v in _values(x)]
    if type(template) is dict:
        return [v for x in template.values() for v in _values(x)]
    return []


class CompiledNode(Node):
    """The grad_fn of the outputs of a replayed call: runs the recorded backward program."""

    __slots__ = ("backward_program", "versions")

    def __init__(self, backward_program, saved: tuple, starts: tuple, output_meta: tuple, read: tuple):
        super().__init__(CompiledBackward, starts)
        self._inputs = None
        self._saved = saved  # the arrays the backward program reads (released after backward)
        self._output_meta = output_meta
        self.backward_program = backward_program
        self.versions = tuple((t, t._version_counter[0]) for t in read)

    def name(self) -> str:
        return "CompiledBackward"


class CompiledBackward:
    """The 'function' of a CompiledNode: its backward runs the recorded backward program."""

    __name__ = "Compiled"

    @staticmethod
    def backward(node: CompiledNode, *grads):
        if node._saved is None:
            return node.saved_tensors  # raises "Trying to backward through the graph a second time ..."
        if state.grad_enabled:
            raise NotImplementedError(
                "autograd.compile: the outputs of a compiled function cannot be differentiated twice "
                "(backward with create_graph=True); compile the whole computation, including the first "
                "autograd.grad / backward call, or call the function uncompiled")
        for t, version in node.versions:
            if t._version_counter[0] != version:
                raise RuntimeError(
                    "one of the tensors needed for gradient computation has been modified by an inplace "
                    f"operation: a tensor of shape {tuple(t.shape)} read by the compiled function is at version "
                    f"{t._version_counter[0]}; expected version {version}. Use an out-of-place operation or "
                    ".clone() the tensor first.")
        arrays = node.backward_program(*node._saved, *(g._data for g in grads))
        return tuple(None if a is None else Tensor._wrap(a) for a in arrays)
