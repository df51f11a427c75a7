"""Recording one op's forward at the numpy level: the forward runs on `TracedArray`s.

A `TracedArray` holds a real array and the program `Value` it stands for. Every numpy call
on it (ufuncs through `__array_ufunc__`, numpy functions through `__array_function__`,
the ndarray methods and operators the ops use) runs on the real arrays, so the forward
computes exactly what it computes eagerly, and is appended to the program as one
`NumpyCall`. What cannot be recorded as a numpy call marks the forward `op_level` (it is
then replayed by calling the op's forward again, which is always valid):

- a use of the values by Python: `bool(x)`, `float(x)`, `x.item()`, `x.tolist()`,
  formatting, `np.asarray(x)` (the array escapes the proxy), an attribute not listed here;
- a numpy function whose result is not an array (a Python number computed from values)
  or whose output shape depends on the values (`nonzero`, boolean-mask indexing, `unique`).
The real result is still returned in every case, so the forward finishes and its values
are right; only the recorded calls are thrown away.
"""
from __future__ import annotations

import numpy as np

# numpy functions whose result's shape depends on the values (never replayed at the numpy level)
_SHAPE_FROM_VALUES = {np.nonzero, np.flatnonzero, np.argwhere, np.unique, np.extract, np.compress, np.trim_zeros}
_SHAPE_FUNCTIONS = {np.shape, np.ndim, np.size}  # read only the shape: no call to record

# ndarray attributes that hold no values (returned as they are)
_STATIC_ATTRIBUTES = frozenset({"shape", "dtype", "ndim", "size", "itemsize", "nbytes"})
# ndarray attributes that are arrays (recorded as an attribute read)
_ARRAY_ATTRIBUTES = frozenset({"T", "mT", "real", "imag"})
# ndarray methods recorded as method calls; the second set changes the array in place
_METHODS = frozenset({
    "reshape", "transpose", "swapaxes", "astype", "copy", "sum", "mean", "max", "min", "prod", "std", "var",
    "any", "all", "argmax", "argmin", "cumsum", "cumprod", "clip", "round", "dot", "squeeze", "ravel", "flatten",
    "take", "repeat", "view", "conj", "argsort", "diagonal", "trace", "searchsorted", "ptp",
})
_MUTATING_METHODS = frozenset({"fill", "sort", "put", "partition"})


class NumpyCall:
    """One numpy call of a forward: `func(*args, **kwargs)`, a method `args[0].name(...)`, an attribute
    read, `x[index]` or `x[index] = value`. `args`/`kwargs` hold `Value`s where the call took arrays."""

    __slots__ = ("kind", "func", "name", "args", "kwargs", "outs", "tuple_out", "mutates", "op")

    def __init__(self, kind, func, name, args, kwargs, outs, mutates, op):
        self.kind, self.func, self.name = kind, func, name  # kind: call | method | attr | getitem | setitem
        self.args, self.kwargs, self.outs, self.mutates, self.op = args, kwargs, outs, mutates, op
        self.tuple_out = False  # the call returned a tuple of arrays


class TracedArray(np.lib.mixins.NDArrayOperatorsMixin):
    """A real array (or numpy scalar) standing for one `Value` while a forward is recorded."""

    __slots__ = ("array", "value", "recorder")
    __array_priority__ = 2000  # above Tensor's, so array-likes defer to the proxy

    def __init__(self, array, value, recorder):
        self.array, self.value, self.recorder = array, value, recorder

    # -------------------------------------------------------------- numpy protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        func = ufunc if method == "__call__" else getattr(ufunc, method)
        return self.recorder.call("call", func, None, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if func in _SHAPE_FUNCTIONS:
            return func(*self.recorder.unwrap(args), **self.recorder.unwrap(kwargs))
        if func in _SHAPE_FROM_VALUES:
            self.recorder.escape(f"np.{func.__name__} (its shape depends on the values)")
        return self.recorder.call("call", func, None, args, kwargs)

    def __array__(self, dtype=None, copy=None):
        self.recorder.escape("np.asarray on an array of the forward")
        array = np.asarray(self.array)
        return array if dtype is None else array.astype(dtype)

    # -------------------------------------------------------------- attributes and methods
    def __getattr__(self, name):
        if name in _STATIC_ATTRIBUTES:
            return getattr(self.array, name)
        if name in _ARRAY_ATTRIBUTES:
            return self.recorder.call("attr", None, name, (self,), {})
        if name in _METHODS or name in _MUTATING_METHODS:
            recorder, mutating = self.recorder, name in _MUTATING_METHODS
            return lambda *args, **kwargs: recorder.call("method", None, name, (self,) + args, kwargs,
                                                         mutates=self if mutating else None)
        if name == "flags" or name == "strides" or name == "base":  # layout, not values
            return getattr(self.array, name)
        self.recorder.escape(f"the array attribute .{name}")
        return getattr(self.array, name)

    def __getitem__(self, index):
        if _has_bool_array(index):
            self.recorder.escape("boolean-mask indexing (its shape depends on the values)")
        return self.recorder.call("getitem", None, None, (self, index), {})

    def __setitem__(self, index, value):
        self.recorder.call("setitem", None, None, (self, index, value), {}, mutates=self)

    def __len__(self):
        return len(self.array)

    def __iter__(self):
        return (self[i] for i in range(len(self.array)))

    # -------------------------------------------------------------- values read by Python
    def _value_read(self, what):
        self.recorder.escape(what)
        return self.array

    def __bool__(self):
        return bool(self._value_read("bool() of an array"))

    def __float__(self):
        return float(self._value_read("float() of an array"))

    def __int__(self):
        return int(self._value_read("int() of an array"))

    def __index__(self):
        return self._value_read("an array used as an index").__index__()

    def __complex__(self):
        return complex(self._value_read("complex() of an array"))

    def item(self, *args):
        return self._value_read(".item()").item(*args)

    def tolist(self):
        return self._value_read(".tolist()").tolist()

    def __repr__(self):
        return repr(self._value_read("printing an array"))

    def __str__(self):
        return str(self._value_read("printing an array"))

    def __format__(self, spec):
        return format(self._value_read("formatting an array"), spec)

    def __contains__(self, item):
        return item in self._value_read("`in` on an array")

    def __copy__(self):
        return self.recorder.call("method", None, "copy", (self,), {})

    def __deepcopy__(self, memo):
        return self.__copy__()


def _has_bool_array(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    for i in items:
        array = i.array if isinstance(i, TracedArray) else i
        if isinstance(array, list):
            array = np.asarray(array)
        if isinstance(array, (np.ndarray, np.bool_)) and array.dtype == bool:
            return True
    return False
