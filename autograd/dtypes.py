"""Dtypes under PyTorch's names (`autograd.float32`, `long`, `bool`, ...), and `finfo`/`iinfo`.

A dtype here is a numpy dtype, so `x.dtype == np.float32` and numpy functions take it as it is.
What numpy cannot be made to have is PyTorch's dtype attributes (`x.dtype.is_floating_point`):
use `x.is_floating_point()` or `autograd.is_floating_point(x)`. `bfloat16` is named (code builds
dtype tables with it) but numpy has no such type, so using it raises a clear error.
"""
from __future__ import annotations

import numpy as np

__all__ = ["float16", "float32", "float64", "complex64", "complex128", "int8", "int16", "int32", "int64", "uint8",
           "uint16", "uint32", "uint64", "bool", "half", "float", "double", "cfloat", "cdouble", "short", "int", "long",
           "bfloat16", "finfo", "iinfo"]

float16, float32, float64 = np.dtype("float16"), np.dtype("float32"), np.dtype("float64")
complex64, complex128 = np.dtype("complex64"), np.dtype("complex128")
int8, int16, int32, int64 = (np.dtype(n) for n in ("int8", "int16", "int32", "int64"))
uint8, uint16, uint32, uint64 = (np.dtype(n) for n in ("uint8", "uint16", "uint32", "uint64"))
bool = np.dtype("bool")  # noqa: A001  (torch.bool)
half, float, double, cfloat, cdouble = float16, float32, float64, complex64, complex128  # noqa: A001
short, int, long = int16, int32, int64  # noqa: A001


class UnsupportedDtype:
    """A PyTorch dtype numpy does not have: it can be named and compared, not used."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"autograd.{self.name}"

    def __reduce__(self):
        return self.name


bfloat16 = UnsupportedDtype("bfloat16")


def finfo(type=None) -> np.finfo:  # noqa: A002  (PyTorch's argument name)
    """Machine limits of a floating dtype (the default one when omitted): eps, max, min, tiny,
    smallest_normal, resolution, bits, as `torch.finfo` (numpy's finfo, which has them all)."""
    from .tensor import _as_dtype, get_default_dtype

    dtype = get_default_dtype() if type is None else _as_dtype(type)
    if dtype.kind not in "fc":
        raise TypeError(f"finfo: expected a floating point dtype, got {dtype}; use iinfo for integers")
    return np.finfo(dtype)


def iinfo(type) -> np.iinfo:  # noqa: A002
    """Limits of an integer dtype (max, min, bits), as `torch.iinfo`."""
    from .tensor import _as_dtype

    dtype = _as_dtype(type)
    if dtype.kind not in "iu":
        raise TypeError(f"iinfo: expected an integer dtype, got {dtype}; use finfo for floating dtypes")
    return np.iinfo(dtype)
