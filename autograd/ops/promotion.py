"""PyTorch's type promotion: the dtype an operation on mixed operands gives.

Operands fall in three classes, by priority: dimensioned tensors, 0-d tensors, and Python
numbers. Each class promotes within itself; a lower class changes the result only when
it is of a higher category (bool < integer < floating), and then the two are promoted.
A Python float counts as the default dtype (float32), an int as int64. Within tensors, an
integer meets a float as that float (int64 + float32 = float32, unlike numpy's float64).
"""
from __future__ import annotations

import numbers

import numpy as np

from ..tensor import Tensor, get_default_dtype

__all__ = ["result_type", "promote_types", "can_cast"]

_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_INT64, _BOOL = np.dtype(np.int64), np.dtype(bool)


def promote_types(type1, type2) -> np.dtype:
    """The smallest dtype both promote to, by PyTorch's table (torch.promote_types)."""
    a, b = np.dtype(type1), np.dtype(type2)
    if a == b:
        return a
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb:
        return a if ca > cb else b  # bool < int < float: the higher category's dtype wins, whatever its size
    return np.promote_types(a, b)


def _combine(higher, lower):
    """PyTorch's combine_categories: a lower-priority class matters only if its category is higher."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.kind == "f":
        return higher
    if higher.kind == "b" or lower.kind == "f":
        return promote_types(higher, lower)
    return higher


def _classify(operands):
    dims = zero = wrapped = None
    for x in operands:
        if isinstance(x, Tensor):
            x = x._data
        if isinstance(x, np.ndarray) or hasattr(type(x), "__array_function__"):  # an array, or an array-like
            if x.ndim:
                dims = x.dtype if dims is None else promote_types(dims, x.dtype)
            else:
                zero = x.dtype if zero is None else promote_types(zero, x.dtype)
        elif isinstance(x, (bool, np.bool_)):
            wrapped = _BOOL if wrapped is None else promote_types(wrapped, _BOOL)
        elif isinstance(x, numbers.Integral):
            wrapped = _INT64 if wrapped is None else promote_types(wrapped, _INT64)
        elif isinstance(x, numbers.Real):
            wrapped = get_default_dtype() if wrapped is None else promote_types(wrapped, get_default_dtype())
        elif x is not None:
            raise TypeError(f"result_type: unsupported operand of type {type(x).__name__}")
    return dims, zero, wrapped


def result_type(*operands) -> np.dtype:
    """The dtype PyTorch gives an op on these tensors, arrays and Python numbers (torch.result_type)."""
    dims, zero, wrapped = _classify(operands)
    return _combine(dims, _combine(zero, wrapped))


def can_cast(from_, to) -> bool:
    """Whether an in-place op may write a `from_` result into a `to` tensor (torch.can_cast): not to a lower category."""
    return _CATEGORY[np.dtype(from_).kind] <= _CATEGORY[np.dtype(to).kind]


def binary(op: str, ufunc, a, b) -> np.ndarray:
    """ufunc(a, b) on arrays or Python numbers, in PyTorch's result dtype, with a clear error for shapes
    that do not broadcast."""
    # (`type(x) is ...` first: the common types without a call to isinstance)
    if type(a) is not np.ndarray and isinstance(a, np.generic):
        a = a.item()
    if type(b) is not np.ndarray and type(b) is not float and isinstance(b, np.generic):
        b = b.item()
    try:
        out = ufunc(a, b)
    except ValueError:
        from ._util import check_broadcast
        check_broadcast(op, np.shape(a), np.shape(b))
        raise
    if type(out) is not np.ndarray and isinstance(out, np.generic):  # a 0-d result: numpy gives a scalar
        out = np.asarray(out)
    if type(a) is np.ndarray and out.dtype == a.dtype and (type(b) is float and a.dtype.kind == "f" or
                                                          type(b) is np.ndarray and b.dtype == a.dtype):
        return out  # the common case: nothing for PyTorch's promotion rules to change
    dtype = result_type(a, b)
    if dtype.kind in "biu" and out.dtype.kind == "f":  # true division of integers: the default float, as PyTorch
        dtype = get_default_dtype()
    return out if dtype == out.dtype else out.astype(dtype)
