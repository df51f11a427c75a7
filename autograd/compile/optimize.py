"""Making a recorded program cheaper without changing what it computes.

Passes over the numpy calls (op-level steps are kept as they are: they may check values and
raise, as eagerly):

- aliases: a reshape to the shape the array already has is the array itself (so is a conversion
  to the dtype it has, without a copy);
- constants: a numpy call on constants only (the ones a backward starts from, reshaped and
  scaled by a mean's backward) is computed once, when the program is made;
- common subexpressions: the same numpy call on the same arrays, with nothing written into
  them in between, is made once (a double backward recomputes a lot);
- dead code: a numpy call whose results nothing uses, and that writes into nothing still in use,
  is dropped (e.g. what a forward computes for a backward that the call never runs);
- in place: an elementwise ufunc writes its result (`out=`) into an input that dies there, or else
  into an array that died earlier, when that array is a fresh one made by an earlier ufunc of the
  program with the result's shape, dtype and strides, and nothing else (no view, no output) refers
  to its memory: no allocation, and a chain of elementwise steps runs in one buffer, as a careful
  hand-written version would.

`keep` are the Values that leave the program (returned, left in `.grad`, saved for a later
backward): they are never dropped or written into.
"""
from __future__ import annotations

import numpy as np

from .steps import NumpyCall, OpCall, Value


def optimize(steps: list, keep: set) -> list:
    steps = _aliases(steps)
    steps = _constants(steps, keep)
    steps = _common_subexpressions(steps, keep)
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


def step_uses(step) -> list:
    """The Values a step reads (computed once: the passes only ever add an `out=` it already reads)."""
    if step.uses is None:
        step.uses = values_in(step.args) if isinstance(step, OpCall) else values_in(step.args) + values_in(step.kwargs)
    return step.uses


def root(v: Value) -> Value:
    while v.base is not None:
        v = v.base
    return v


# --------------------------------------------------------------------------- aliases
def _aliases(steps: list) -> list:
    out = []
    for step in steps:
        if isinstance(step, NumpyCall) and step.outs and not step.mutates and _identity(step):
            source, result = step.args[0], step.outs[0]
            result.alias, result.base = source, source  # the same array under another name
            continue
        out.append(step)
    return out


def _identity(step) -> bool:
    """A reshape to the shape the array has, a conversion to the dtype it has without a copy, or x·1, x-0."""
    if step.kind == "call" and step.func in _NEUTRAL and len(step.args) == 2 and not step.kwargs:
        a, b = step.args
        neutral = _NEUTRAL[step.func]
        if type(a) in (int, float) and a == neutral and step.func is not np.subtract:
            step.args = (b, a)  # the array first
        source, other = step.args
        if type(other) in (int, float) and other == neutral and isinstance(source, Value):
            return _same_array(source, step.outs[0])
        return False
    source, result = step.args[0], step.outs[0]
    if not _same_array(source, result):
        return False
    if step.kind == "method" and step.name == "reshape":
        return True
    return step.kind == "method" and step.name == "astype" and step.kwargs.get("copy") is False and len(step.args) == 2


def final(v: Value) -> Value:
    while v.alias is not None:
        v = v.alias
    return v


def _same_array(source, result) -> bool:
    return (isinstance(source, Value) and tuple(source.shape) == tuple(result.shape) and source.dtype == result.dtype
            and source.array_type is np.ndarray and result.array_type is np.ndarray and source.dtype.kind == "f")


_NEUTRAL = {np.multiply: 1, np.subtract: 0}  # x·1 and x-0 are x exactly (not x+0: -0.0 + 0 is +0.0)


# --------------------------------------------------------------------------- constants
def _constants(steps: list, keep: set) -> list:
    out = []
    for step in steps:
        if isinstance(step, NumpyCall) and step.outs and not step.mutates and step.kind != "setitem":
            inputs = [final(v) for v in step_uses(step)]
            if inputs and all(v.kind == "const" and v.snapshot is None for v in inputs) \
                    and not any(v in keep for v in step.outs):
                try:
                    results = _evaluate(step)
                except Exception:  # leave it to the replay (which will raise the same)
                    out.append(step)
                    continue
                for v, array in zip(step.outs, results if step.tuple_out else (results,)):
                    v.kind, v.array, v.producer = "const", array, None
                continue
        out.append(step)
    return out


def _resolve(template):
    if isinstance(template, Value):
        return final(template).array
    if type(template) in (tuple, list):
        return type(template)(_resolve(x) for x in template)
    if type(template) is dict:
        return {k: _resolve(x) for k, x in template.items()}
    return template


def _evaluate(step):
    args, kwargs = _resolve(step.args), _resolve(step.kwargs)
    if step.kind == "call":
        return step.func(*args, **kwargs)
    if step.kind == "method":
        return getattr(args[0], step.name)(*args[1:], **kwargs)
    if step.kind == "attr":
        return getattr(args[0], step.name)
    return args[0][args[1]]


# --------------------------------------------------------------------------- common subexpressions
def _key(template):
    if isinstance(template, Value):
        return ("value", id(final(template)))
    if type(template) in (tuple, list):
        return (type(template).__name__,) + tuple(_key(x) for x in template)
    if type(template) is dict:
        return ("dict",) + tuple(sorted((k, _key(x)) for k, x in template.items()))
    if type(template) is slice:
        return ("slice", _key(template.start), _key(template.stop), _key(template.step))
    try:
        hash(template)
    except TypeError:
        return ("object", id(template))
    return (type(template).__name__, template)


def _common_subexpressions(steps: list, keep: set) -> list:
    seen: dict = {}  # key -> the earlier step's outputs
    depending: dict = {}  # id of a root -> keys of the entries that read (or are) it
    out = []
    for step in steps:
        written = {id(root(final(v))) for v in step.mutates} if step.mutates else set()
        if isinstance(step, OpCall):
            written |= {id(root(final(v))) for v in step.outs}
        for r in written:  # what was computed from an array written into is stale from here on
            for key in depending.pop(r, ()):
                seen.pop(key, None)
        if isinstance(step, NumpyCall) and step.outs and not step.mutates and step.kind != "setitem":
            key = (step.kind, id(step.func), step.name, _key(step.args), _key(step.kwargs))
            earlier = seen.get(key)
            if earlier is not None and not any(v in keep for v in step.outs):
                for v, first in zip(step.outs, earlier):
                    v.alias, v.base = first, first  # the same values: use the first one's array
                continue
            seen[key] = step.outs
            for r in {id(root(final(v))) for v in step_uses(step)} | {id(root(v)) for v in step.outs}:
                depending.setdefault(r, []).append(key)
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
        for v in step_uses(step) + list(step.mutates):
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
    """Elementwise ufuncs write into an input that dies there, or else into an array that died earlier,
    of the same shape, dtype and layout (so everything downstream sees the very same bytes)."""
    last_use: dict[int, int] = {}
    for index, step in enumerate(steps):
        for v in step_uses(step) + list(step.mutates):
            last_use[id(root(v))] = index
    dying: dict[int, list] = {}
    for index, step in enumerate(steps):
        for v in step_uses(step) + list(step.outs):
            r = root(v)
            if last_use.get(id(r)) == index and not any(r is d for d in dying.get(index, ())):
                dying.setdefault(index, []).append(r)  # once, though two views of it may die in one step
    kept = {id(root(v)) for v in keep} | {id(v) for v in keep}
    free: dict[tuple, list] = {}  # (shape, dtype, strides) -> fresh arrays whose last use has passed
    for index, step in enumerate(steps):
        if isinstance(step, NumpyCall) and step.kind == "call" and isinstance(step.func, np.ufunc) \
                and set(step.kwargs) <= {"dtype"} and len(step.outs) == 1:
            result = step.outs[0]
            if id(result) not in kept and result.array_type is np.ndarray:
                target = None
                for a in step.args:
                    r = root(a) if isinstance(a, Value) else None
                    if r is not None and _fresh(r) and id(r) not in kept and last_use.get(id(r)) == index \
                            and _layout(r) == _layout(result):
                        target = r
                        break
                else:
                    spare = free.get(_layout(result))
                    if spare:
                        target = spare.pop()
                if target is not None:
                    step.kwargs = dict(step.kwargs, out=target)
                    step.outs, step.mutates = (), (target,)
                    result.alias, result.base = target, target  # the result lives in target's memory from here
                    last_use[id(target)] = last_use.pop(id(result), index)
                    dying.setdefault(last_use[id(target)], []).append(target)
        for r in dying.get(index, ()):
            spares = free.setdefault(_layout(r), [])
            if last_use.get(id(r)) == index and _fresh(r) and id(r) not in kept and not any(r is f for f in spares):
                spares.append(r)  # never listed twice: two steps would then both write into it


def _layout(v: Value) -> tuple:
    return tuple(v.shape), v.dtype, tuple(v.strides)
