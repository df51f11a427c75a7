"""Recording one op's forward at the numpy level: the forward runs on `TracedArray`s, and a
`ForwardRecorder` collects the numpy calls.

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

from .steps import LiveOption, NumpyCall, Value

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
_PLAIN = frozenset({int, float, bool, str, type(None), type(Ellipsis), np.dtype})  # types that never hold arrays
_MUTATING_FUNCTIONS = {np.copyto, np.put, np.put_along_axis, np.place, np.putmask, np.fill_diagonal}
# numpy's reductions are their ufunc's reduce behind a layer of Python (fromnumeric._wrapreduction)
_REDUCTIONS = {np.sum: np.add.reduce, np.prod: np.multiply.reduce, np.max: np.maximum.reduce,
               np.amax: np.maximum.reduce, np.min: np.minimum.reduce, np.amin: np.minimum.reduce,
               np.any: np.logical_or.reduce, np.all: np.logical_and.reduce}


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

    def __init__(self, tracer, op, writable=()):
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
        kind = type(obj)
        if kind is TracedArray:
            return obj.array
        if kind in _PLAIN:
            return obj
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
            reals, templates = [], []
            for x in obj:
                k = type(x)
                if k is TracedArray:
                    reals.append(x.array)
                    templates.append(x.value)
                elif k in _PLAIN:
                    reals.append(x)
                    templates.append(x)
                else:
                    real, template = self.split(x)
                    reals.append(real)
                    templates.append(template)
            return (tuple(reals), tuple(templates)) if kind is tuple else (reals, templates)
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
        elif func in (np.take_along_axis, np.put_along_axis):
            _along_axis_as_index(step, real_args, real_kwargs, self.tracer)
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


def _call_name(step) -> str:
    if step.kind == "call":
        return getattr(step.func, "__name__", repr(step.func))
    return f".{step.name}" if step.name else step.kind


def _arrays_in(obj):
    if isinstance(obj, (np.ndarray, np.generic)):
        yield obj
    elif type(obj) is tuple or type(obj) is list:
        for x in obj:
            yield from _arrays_in(x)
    elif type(obj) is dict:
        for x in obj.values():
            yield from _arrays_in(x)


def _along_axis_as_index(step, real_args, real_kwargs, tracer) -> None:
    """np.take_along_axis(a, i, axis) is a[index] and np.put_along_axis(a, i, v, axis) is a[index] = v, with
    `index` numpy's own (_make_along_axis_idx): `i` along `axis`, aranges (constants of the shapes) elsewhere.
    The program indexes directly, without the Python that builds the index at every call."""
    names = ("arr", "indices", "values", "axis") if step.func is np.put_along_axis else ("arr", "indices", "axis")
    given = dict(zip(names, real_args), **real_kwargs)
    templates = dict(zip(names, step.args), **step.kwargs)
    arr, indices, axis = given["arr"], given["indices"], given.get("axis")
    if axis is None or not isinstance(arr, np.ndarray) or not isinstance(indices, np.ndarray) \
            or arr.ndim != indices.ndim:
        return
    axis = axis % arr.ndim
    index = []
    for dim, n in enumerate(arr.shape):
        if dim == axis:
            index.append(templates["indices"])
        else:
            grid = np.arange(n).reshape((1,) * dim + (-1,) + (1,) * (arr.ndim - dim - 1))
            index.append(tracer.array_value(grid))
    if step.func is np.take_along_axis:
        step.kind, step.func, step.args, step.kwargs = "getitem", None, (templates["arr"], tuple(index)), {}
    else:
        step.kind, step.func, step.args, step.kwargs = "setitem", None, (templates["arr"], tuple(index), templates["values"]), {}
