"""Conversions: `to`, `float`/`double`/`half`/`long`/`int`/`bool`, `type`, `type_as`, and the
`new_*` constructors that take their dtype from an existing tensor.

A conversion between floating dtypes is differentiable (`Cast`: the engine casts the
gradient back to the input's dtype); a conversion to an integer or bool dtype is not.
Device arguments follow `autograd/devices.py`: the CPU is the only device.
"""
from __future__ import annotations

import numpy as np

from ..function import Op
from ..tensor import Tensor, _as_dtype, _check_can_require_grad, _to_array
from ._util import size_args, tensor_method, tensor_methods


class Cast(Op):
    """Change dtype; the engine casts the gradient back to the input's dtype."""

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


@tensor_method(name="to")
def _to(self, *args, **kwargs):
    """Convert with PyTorch's overloads: `x.to(float64)`, `x.to("cpu")`, `x.to("cpu", float64)`, `x.to(other)`
    (its dtype), keywords `dtype=`, `device=`, `copy=`, `non_blocking=`, `memory_format=`. The CPU is the only
    device ("cuda" raises); with nothing to change (and no copy=True) it returns the tensor itself."""
    from ..devices import parse_to

    parsed = parse_to("to", *args, **kwargs)
    if parsed.dtype is None or parsed.dtype == self._data.dtype:
        return self.clone() if parsed.copy else self
    return Cast.apply(self, parsed.dtype)


def _converter(name, dtype):
    def convert(self, memory_format=None):
        return _to(self, np.dtype(dtype), memory_format=memory_format)
    convert.__name__ = convert.__qualname__ = name
    convert.__doc__ = f"to({np.dtype(dtype)})."
    return convert


@tensor_method(name="type")
def _type(self, dtype=None, non_blocking: bool = False, **kwargs):
    """Without an argument, PyTorch's type name ('torch.FloatTensor'); with one (a dtype, a legacy type such as
    autograd.DoubleTensor, or its name 'torch.DoubleTensor'), the tensor converted to it."""
    from ..legacy import legacy_type, legacy_type_name

    if dtype is None:
        return legacy_type_name(self._data.dtype)
    named = legacy_type(dtype)
    if named is None and isinstance(dtype, str):
        raise ValueError(f"type(): invalid type {dtype!r}; use a dtype or a name such as 'torch.FloatTensor'")
    return _to(self, dtype if named is None else named, non_blocking=non_blocking)


tensor_methods(
    float=_converter("float", np.float32), double=_converter("double", np.float64),
    half=_converter("half", np.float16), long=_converter("long", np.int64), int=_converter("int", np.int32),
    short=_converter("short", np.int16), char=_converter("char", np.int8), byte=_converter("byte", np.uint8),
    bool=_converter("bool", np.bool_),
    type_as=lambda self, other: _to(self, other.dtype),
)


def _new(self, where: str, array: np.ndarray, requires_grad: bool, device, layout, pin_memory) -> Tensor:
    from ..devices import check_options

    check_options(where, device=device, layout=layout, pin_memory=pin_memory)
    t = Tensor._wrap(array)
    if requires_grad:
        _check_can_require_grad(array.dtype, where)
        t._requires_grad = True
    return t


@tensor_method(name="new_zeros")
def _new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False, layout=None,
               pin_memory: bool = False):
    """Zeros of `size`, with this tensor's dtype unless given."""
    array = np.zeros(size_args(size, "new_zeros"), dtype=_as_dtype(dtype) or self.dtype)
    return _new(self, "new_zeros", array, requires_grad, device, layout, pin_memory)


@tensor_method(name="new_ones")
def _new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False, layout=None,
              pin_memory: bool = False):
    """Ones of `size`, with this tensor's dtype unless given."""
    array = np.ones(size_args(size, "new_ones"), dtype=_as_dtype(dtype) or self.dtype)
    return _new(self, "new_ones", array, requires_grad, device, layout, pin_memory)


@tensor_method(name="new_full")
def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad: bool = False, layout=None,
              pin_memory: bool = False):
    """`fill_value` everywhere in `size`, with this tensor's dtype unless given."""
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    array = np.full(size_args((size,), "new_full"), fill_value, dtype=_as_dtype(dtype) or self.dtype)
    return _new(self, "new_full", array, requires_grad, device, layout, pin_memory)


@tensor_method(name="new_empty")
def _new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False, layout=None,
               pin_memory: bool = False):
    """An uninitialised tensor of `size` (here: zeros)."""
    return _new_zeros(self, *size, dtype=dtype, device=device, requires_grad=requires_grad, layout=layout,
                      pin_memory=pin_memory)


@tensor_method(name="new_tensor")
def _new_tensor(self, data, *, dtype=None, device=None, requires_grad: bool = False, layout=None,
                pin_memory: bool = False):
    """A copy of `data` as a new leaf, with this tensor's dtype unless given."""
    array = np.array(_to_array(data), dtype=_as_dtype(dtype) or self.dtype)
    return _new(self, "new_tensor", array, requires_grad, device, layout, pin_memory)
