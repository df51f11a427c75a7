"""PyTorch's legacy names, which old tutorials and libraries still use: `Variable` and the typed
tensor constructors (`FloatTensor`, `LongTensor`, ...), with the type names `Tensor.type()` gives.

Since PyTorch 0.4 a Variable is a Tensor: `Variable(t, requires_grad=True)` returns a tensor
sharing `t`'s data, outside any graph, and `isinstance(x, Variable)` holds for every tensor.
`FloatTensor(2, 3)` and `LongTensor([1, 2])` are the legacy constructor (`Tensor(...)`) with
that dtype; `isinstance(x, FloatTensor)` checks the dtype, as in PyTorch.
"""
from __future__ import annotations

import warnings

import numpy as np

from .tensor import Tensor, _legacy_array

__all__ = ["Variable", "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor", "ShortTensor",
           "CharTensor", "ByteTensor", "BoolTensor", "legacy_type_name", "legacy_type"]


class _VariableType:
    """`Variable(data, requires_grad=False)`: the tensor `data` shares, detached, with `requires_grad` set."""

    def __call__(self, data=None, requires_grad: bool = False, volatile: bool = False) -> Tensor:
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with autograd.no_grad():` instead.",
                          UserWarning, stacklevel=2)
        if data is None:
            t = Tensor._wrap(np.zeros((0,), dtype=np.float32))
        elif isinstance(data, Tensor):
            t = data.detach()
        else:
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if requires_grad:
            t.requires_grad_()
        return t

    def __instancecheck__(self, obj) -> bool:
        return isinstance(obj, Tensor)

    def __repr__(self) -> str:
        return "<autograd.Variable (a Tensor)>"


Variable = _VariableType()


class _LegacyTensorType:
    """A typed legacy constructor: `FloatTensor(2, 3)`, `LongTensor([1, 2])`, `isinstance(x, FloatTensor)`."""

    def __init__(self, name: str, dtype):
        self.__name__ = name
        self.dtype = np.dtype(dtype)

    def __call__(self, *args, device=None) -> Tensor:
        from .devices import check_device

        check_device(self.__name__, device)
        return Tensor._wrap(_legacy_array(self.__name__, args, self.dtype))

    def __instancecheck__(self, obj) -> bool:
        return isinstance(obj, Tensor) and obj.dtype == self.dtype

    def __repr__(self) -> str:
        return f"<class 'autograd.{self.__name__}'>"

    def __reduce__(self):
        return self.__name__


_TYPES = {name: _LegacyTensorType(name, dtype) for name, dtype in (
    ("FloatTensor", np.float32), ("DoubleTensor", np.float64), ("HalfTensor", np.float16),
    ("LongTensor", np.int64), ("IntTensor", np.int32), ("ShortTensor", np.int16), ("CharTensor", np.int8),
    ("ByteTensor", np.uint8), ("BoolTensor", np.bool_))}
FloatTensor, DoubleTensor, HalfTensor = _TYPES["FloatTensor"], _TYPES["DoubleTensor"], _TYPES["HalfTensor"]
LongTensor, IntTensor, ShortTensor = _TYPES["LongTensor"], _TYPES["IntTensor"], _TYPES["ShortTensor"]
CharTensor, ByteTensor, BoolTensor = _TYPES["CharTensor"], _TYPES["ByteTensor"], _TYPES["BoolTensor"]
_BY_DTYPE = {t.dtype: t for t in _TYPES.values()}


def legacy_type_name(dtype) -> str:
    """PyTorch's name for a tensor type, as `Tensor.type()` returns it: 'torch.FloatTensor', 'torch.LongTensor'."""
    found = _BY_DTYPE.get(np.dtype(dtype))
    if found is None:
        raise TypeError(f"type(): dtype {dtype} has no legacy tensor type name")
    return f"torch.{found.__name__}"


def legacy_type(value) -> np.dtype | None:
    """The dtype a `Tensor.type(...)` argument names: a dtype, a legacy type, or 'torch.FloatTensor' /
    'autograd.FloatTensor' / 'FloatTensor'; None if it names none of them."""
    if isinstance(value, _LegacyTensorType):
        return value.dtype
    if isinstance(value, str):
        name = value.rsplit(".", 1)[-1]
        if name in _TYPES and value in (name, f"torch.{name}", f"autograd.{name}"):
            return _TYPES[name].dtype
        if ".cuda." in value:
            from .devices import check_device

            check_device("type", "cuda")
        return None
    return None
