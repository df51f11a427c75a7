"""Making a recorded program cheaper without changing what it computes.

Three passes over the numpy calls (op-level steps are kept as they are: they may check values
and raise, as eagerly):

- aliases: a reshape to the shape the array already has is the array itself;
- dead code: a numpy call whose results nothing uses, and that writes into nothing still in use,
  is dropped (e.g. what a forward computes for a backward that the call never runs);
- in place: an elementwise ufunc writes its result into an input that dies there (`out=`), when
  that input is a fresh array of the result's shape and dtype made by an earlier ufunc of the
  program and nothing else (no view, no output) refers to its memory: no allocation, and a
  chain of elementwise steps runs in one buffer, as a careful hand-written version would.

`keep` are the Values that leave the program (returned, left in `.grad`, saved for a later
backward): they are never dropped or written into.
"""
from __future__ import annotations

import numpy as np

from .proxy import NumpyCall
from .tracer import OpCall, Value


def optimize(steps: list, keep: set) -> list:
    steps = _aliases(steps)
    steps = _dead_code(steps, keep)
    _in_place(steps, keep)
    return steps


def values_in(template) -> list:
    if isinstance(template, Value):
        return [template]
    if type(template) in (tuple, list):
        return [v for x in template for v in values_in(x)]
    if type(template) is dict:
        return [v for x in template.values() for v in values_in(x)]
    if type(template) is slice:
        return values_in((template.start, template.stop, template.step))
    return []


def _uses(step) -> list:
    if isinstance(step, OpCall):
        return values_in(step.args)
    return values_in(step.args) + values_in(step.kwargs)


def root(v: Value) -> Value:
    while v.base is not None:
        v = v.base
    return v


# --------------------------------------------------------------------------- aliases
def _aliases(steps: list) -> list:
    out = []
    for step in steps:
        if isinstance(step, NumpyCall) and step.kind == "method" and step.name == "reshape" and step.outs:
            source, result = step.args[0], step.outs[0]
            if isinstance(source, Value) and tuple(source.shape) == tuple(result.shape) and not step.mutates:
                result.alias, result.base = source, source  # the same array under another name
                continue
        out.append(step)
    return out


# --------------------------------------------------------------------------- dead code
def _dead_code(steps: list, keep: set) -> list:
    live = {id(root(v)) for v in keep} | {id(v) for v in keep}
    kept = []
    for step in reversed(steps):
        needed = isinstance(step, OpCall) or any(id(v) in live or id(root(v)) in live for v in step.outs) \
            or any(root(v).kind != "computed" or id(root(v)) in live for v in step.mutates)
        if not needed:
            continue
        kept.append(step)
        for v in _uses(step) + list(step.mutates):
            live.add(id(v))
            live.add(id(root(v)))
    kept.reverse()
    return kept


# --------------------------------------------------------------------------- in place
def _fresh(v: Value) -> bool:
    """Made by a ufunc call of the program (its own memory, nobody else's), not a numpy scalar."""
    step = v.producer
    return (v.kind == "computed" and v.base is None and v.array_type is np.ndarray and isinstance(step, NumpyCall)
            and step.kind == "call" and isinstance(step.func, np.ufunc) and "out" not in step.kwargs)


def _in_place(steps: list, keep: set) -> None:
    last_use: dict[int, int] = {}
    for index, step in enumerate(steps):
        for v in _uses(step) + list(step.mutates):
            last_use[id(root(v))] = index
    kept = {id(root(v)) for v in keep} | {id(v) for v in keep}
    for index, step in enumerate(steps):
        if not (isinstance(step, NumpyCall) and step.kind == "call" and isinstance(step.func, np.ufunc)
                and not step.kwargs and len(step.outs) == 1):
            continue
        result = step.outs[0]
        if id(result) in kept or result.array_type is not np.ndarray:
            continue
        for a in step.args:
            if not isinstance(a, Value):
                continue
            r = root(a)
            if _fresh(r) and id(r) not in kept and last_use.get(id(r)) == index \
                    and tuple(r.shape) == tuple(result.shape) and r.dtype == result.dtype:
                step.kwargs = {"out": r}
                step.outs, step.mutates = (), (r,)
                result.alias, result.base = r, r  # the result lives in r's memory from here on
                if id(result) in last_use:
                    last_use[id(r)] = last_use.pop(id(result))
                break
