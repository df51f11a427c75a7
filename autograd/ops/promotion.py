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


_ROUNDED = ("floor_divide", "remainder", "fmod", "div")  # integer division: by zero is an error, as PyTorch
_NOT_FOR_BOOL = ("pow", "floor_divide", "remainder", "fmod", "div")  # PyTorch has no bool kernel for these
_SUB_BOOL = ("sub: subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert "
             "a mask, use the `~` or `logical_not()` operator instead.")


def _is_array(x) -> bool:
    """An ndarray, or an array-like standing in for one (autograd.compile records forwards on proxies)."""
    return type(x) is np.ndarray or hasattr(type(x), "__array_function__")


def _is_bool(x) -> bool:
    return type(x) is bool or _is_array(x) and x.dtype.kind == "b"


def _cast(x, dtype: np.dtype):
    """An operand in the computation dtype: arrays cast; Python ints meeting an integer dtype cast with
    wraparound (PyTorch converts a scalar to the tensor's type); other Python numbers left to numpy,
    which treats them as 'weak' and computes in the array's dtype."""
    if _is_array(x):
        return x if x.dtype == dtype else x.astype(dtype)
    if type(x) is int and dtype.kind in "iu":
        return np.asarray(x, dtype=np.int64).astype(dtype) if -2**63 <= x < 2**63 else np.asarray(x).astype(dtype)
    return x


def binary(op: str, ufunc, a, b) -> np.ndarray:
    """ufunc(a, b) on arrays or Python numbers, computed in PyTorch's result dtype (the operands are cast to
    it first, so a float32 result is computed in float32), with PyTorch's errors: bool subtraction, bool
    kernels it lacks, integer division by zero, integers to negative powers; and a clear error for shapes
    that do not broadcast. `op` names the public function ("div" with a rounding ufunc is rounded division)."""
    if type(a) is np.ndarray and a.dtype.kind == "f" and (type(b) is np.ndarray and b.dtype == a.dtype or
                                                          type(b) is float):
        try:  # the common case, floating operands of one dtype: nothing for the promotion rules to change
            out = ufunc(a, b)
        except ValueError:
            from ._util import check_broadcast
            check_broadcast(op, np.shape(a), np.shape(b))
            raise
        return out if type(out) is np.ndarray else np.asarray(out)
    if isinstance(a, np.generic):
        a = a.item()
    if type(b) is not np.ndarray and type(b) is not float and isinstance(b, np.generic):
        b = b.item()
    if op == "sub" and (_is_bool(a) or _is_bool(b)):
        raise RuntimeError(_SUB_BOOL)
    if _is_array(a) and (_is_array(b) and b.dtype == a.dtype) and ufunc is not np.true_divide:
        dtype = compute = a.dtype  # one integer or bool dtype
    else:
        dtype = result_type(a, b)
        compute = get_default_dtype() if ufunc is np.true_divide and dtype.kind in "biu" else dtype
        if op == "pow" and compute.kind in "iu" and type(b) is int and b < 0:
            raise RuntimeError("pow: integers to negative integer powers are not allowed; use a float base or exponent")
        a, b = _cast(a, compute), _cast(b, compute)
    if compute.kind in "biu":
        _check_integer_op(op, ufunc, a, b, compute)
    try:
        if op == "pow" and compute.kind in "iu" and type(b) is np.ndarray and (b < 0).any():
            out = _integer_power(a, b)
        else:
            out = ufunc(a, b)
    except ValueError:
        from ._util import check_broadcast
        check_broadcast(op, np.shape(a), np.shape(b))
        raise
    if type(out) is not np.ndarray and isinstance(out, np.generic):  # a 0-d result: numpy gives a scalar
        out = np.asarray(out)
    return out if out.dtype == compute else out.astype(compute)


def _check_integer_op(op: str, ufunc, a, b, dtype: np.dtype) -> None:
    rounded = op in _ROUNDED and ufunc is not np.true_divide
    if dtype.kind == "b" and op in _NOT_FOR_BOOL and (op != "div" or rounded) and not (op == "pow" and type(b) is bool):
        raise NotImplementedError(f"{op}: not implemented for bool tensors (as in PyTorch); convert first, "
                                  "e.g. x.int() or x.float()")
    if rounded and dtype.kind in "iu" and np.any(np.asarray(b) == 0) and 0 not in np.broadcast_shapes(np.shape(a), np.shape(b)):
        raise RuntimeError(f"{op}: integer division by zero (ZeroDivisionError); PyTorch refuses it too. "
                           "Use floating point tensors to get inf.")


def _integer_power(a, b):
    """Integer powers with some negative exponents, as PyTorch: 1 and -1 keep their powers, others give 0."""
    negative = b < 0
    out = np.power(a, np.where(negative, 0, b))
    ones = np.where(np.asarray(a) == 1, 1, np.where(np.asarray(a) == -1, np.where(b % 2 == 0, 1, -1), 0))
    return np.where(negative, ones, out)


def where_dtype(a, b) -> np.dtype | None:
    """The dtype of where(condition, a, b): a and b promoted as an arithmetic op's operands (None: numpy's
    result needs no change)."""
    if type(a) is np.ndarray and (type(b) is np.ndarray and b.dtype == a.dtype or type(b) is float and
                                  a.dtype.kind == "f"):
        return None
    if type(b) is np.ndarray and type(a) is float and b.dtype.kind == "f":
        return None
    return result_type(a, b)


def _comparison_operands(a, b) -> tuple:
    """a and b in their promoted dtype, which is where PyTorch compares them (so int64 16777217 equals
    float32 16777216.0, as it does there)."""
    if isinstance(a, np.generic):
        a = a.item()
    if isinstance(b, np.generic):
        b = b.item()
    if type(a) is np.ndarray and type(b) is np.ndarray and a.dtype == b.dtype:
        return a, b
    dtype = result_type(a, b)
    return _cast(a, dtype), _cast(b, dtype)
