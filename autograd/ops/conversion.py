"""Conversions: `to`, `float`/`double`/`half`/`long`/`int`/`bool`, `type`, `type_as`, `cpu`, and the
`new_*` constructors that take their dtype from an existing tensor.

A conversion between floating dtypes is differentiable (`Cast`: the engine casts the
gradient back to the input's dtype); a conversion to an integer or bool dtype is not.
"""
from __future__ import annotations

import numpy as np

from ..function import Op
from ..tensor import Tensor, _as_dtype
from ._util import size_args, tensor_method, tensor_methods


class Cast(Op):
    """Change dtype; the engine casts the gradient back to the input's dtype."""

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def _dtype_of(args, dtype):
    """The dtype among to()'s positional arguments: a dtype, or a tensor whose dtype to take."""
    for a in args:
        if isinstance(a, str) and a == "cpu" or a is None:
            continue
        if isinstance(a, Tensor):
            dtype = a.dtype
        else:
            dtype = a
    return dtype


@tensor_method(name="to")
def _to(self, *args, dtype=None, non_blocking: bool = False, copy: bool = False, memory_format=None):
    """Convert to a dtype (`x.to(float64)`, `x.to(dtype=...)`, `x.to(other)`); 'cpu' is accepted (the only
    device), and so are PyTorch's speed-only keywords (non_blocking, memory_format), which change nothing here."""
    dtype = _dtype_of(args, dtype)
    if dtype is None or np.dtype(_as_dtype(dtype)) == self._data.dtype:
        return self.clone() if copy else self
    return Cast.apply(self, np.dtype(_as_dtype(dtype)))


def _converter(name, dtype):
    def convert(self, memory_format=None):
        return _to(self, dtype)
    convert.__name__ = convert.__qualname__ = name
    convert.__doc__ = f"to({np.dtype(dtype)})."
    return convert


tensor_methods(
    float=_converter("float", np.float32), double=_converter("double", np.float64),
    half=_converter("half", np.float16), long=_converter("long", np.int64), int=_converter("int", np.int32),
    short=_converter("short", np.int16), char=_converter("char", np.int8), byte=_converter("byte", np.uint8),
    bool=_converter("bool", np.bool_),
    type=lambda self, dtype=None: str(self._data.dtype) if dtype is None else _to(self, dtype),
    type_as=lambda self, other: _to(self, other.dtype),
    cpu=lambda self, memory_format=None: self,
)


@tensor_method(name="new_zeros")
def _new_zeros(self, *size, dtype=None, requires_grad: bool = False):
    """Zeros of `size`, with this tensor's dtype unless given."""
    return Tensor(np.zeros(size_args(size, "new_zeros"), dtype=_as_dtype(dtype) or self.dtype), requires_grad=requires_grad)


@tensor_method(name="new_ones")
def _new_ones(self, *size, dtype=None, requires_grad: bool = False):
    """Ones of `size`, with this tensor's dtype unless given."""
    return Tensor(np.ones(size_args(size, "new_ones"), dtype=_as_dtype(dtype) or self.dtype), requires_grad=requires_grad)


@tensor_method(name="new_full")
def _new_full(self, size, fill_value, dtype=None, requires_grad: bool = False):
    """`fill_value` everywhere in `size`, with this tensor's dtype unless given."""
    return Tensor(np.full(size_args((size,), "new_full"), fill_value, dtype=_as_dtype(dtype) or self.dtype),
                  requires_grad=requires_grad)


@tensor_method(name="new_empty")
def _new_empty(self, *size, dtype=None, requires_grad: bool = False):
    """An uninitialised tensor of `size` (here: zeros)."""
    return _new_zeros(self, *size, dtype=dtype, requires_grad=requires_grad)


@tensor_method(name="new_tensor")
def _new_tensor(self, data, dtype=None, requires_grad: bool = False):
    """A copy of `data` as a new leaf, with this tensor's dtype unless given."""
    array = np.array(data._data if isinstance(data, Tensor) else data, dtype=_as_dtype(dtype) or self.dtype)
    return Tensor(array, requires_grad=requires_grad)
