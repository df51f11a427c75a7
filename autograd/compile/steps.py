"""What a recorded program is made of: `Value`s (its arrays) and steps (`NumpyCall`, `OpCall`).

A step's arguments are *templates*: the call's own arguments with a `Value` wherever an array was
(nested in tuples, lists, dicts) and a `LiveOption` for an optimiser option read afresh at each
replay. `program.py` writes them out as source; `optimize.py` rewrites them.
"""
from __future__ import annotations

import numpy as np


class Value:
    """One array of a recorded program: an argument's array (`input`), the array of a tensor from before
    the call (`live`, read from it at each replay), a constant (`const`), or a step's result (`computed`)."""

    __slots__ = ("index", "kind", "shape", "dtype", "strides", "array", "array_type", "source", "producer", "base",
                 "snapshot", "alias", "_name")

    def __init__(self, index, kind, array, source=None, producer=None, base=None):
        self.index, self.kind, self.source, self.producer, self.base = index, kind, source, producer, base
        self.array = array  # during recording only (the recorded value; a constant's value for good)
        self.array_type = type(array)  # ndarray, or a numpy scalar (a 0-d result)
        if isinstance(array, (np.ndarray, np.generic)):
            self.shape, self.dtype, self.strides = array.shape, array.dtype, array.strides
        else:  # a Python number (a live option)
            self.shape, self.dtype, self.strides = (), np.asarray(array).dtype, ()
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
                 "mutates", "uses")

    def __init__(self, cls, args, needs_input_grad, recording):
        self.cls, self.args, self.needs_input_grad, self.recording = cls, args, needs_input_grad, recording
        self.outs, self.tuple_out, self.convert, self.saved, self.check = (), False, (), (), None
        self.mutates = ()  # the Values it writes into (Assign's target, an optimiser's parameter and state)
        self.uses = None  # the Values it reads (optimize.py fills it in once)


class Problem(Exception):
    """Why a recording cannot be replayed (raised at once under fullgraph=True)."""

    def __init__(self, cause: str, where: str):
        super().__init__(f"{cause} ({where})" if where else cause)
        self.cause, self.where = cause, where


class NumpyCall:
    """One numpy call of a forward: `func(*args, **kwargs)`, a method `args[0].name(...)`, an attribute
    read, `x[index]` or `x[index] = value`. `args`/`kwargs` hold `Value`s where the call took arrays."""

    __slots__ = ("kind", "func", "name", "args", "kwargs", "outs", "tuple_out", "mutates", "op", "uses")

    def __init__(self, kind, func, name, args, kwargs, outs, mutates, op):
        self.kind, self.func, self.name = kind, func, name  # kind: call | method | attr | getitem | setitem
        self.args, self.kwargs, self.outs, self.mutates, self.op = args, kwargs, outs, mutates, op
        self.tuple_out = False  # the call returned a tuple of arrays
        self.uses = None  # the Values it reads (optimize.py fills it in once)
