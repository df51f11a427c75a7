"""Shared helpers for operation modules: argument checks and attaching ops as Tensor methods."""
from __future__ import annotations

import numbers

import numpy as np

from ..tensor import Tensor, get_default_dtype


def tensor_method(fn=None, *, name: str | None = None):
    """Expose a module-level op as a Tensor method of the same (or the given) name."""
    def attach(f):
        setattr(Tensor, name or f.__name__, f)
        return f
    return attach(fn) if fn is not None else attach


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    """A dimension index in [0, ndim), from a possibly negative one; a clear error when out of range."""
    if type(dim) is not int and (not isinstance(dim, numbers.Integral) or isinstance(dim, bool)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    span = max(ndim, 1)
    if not -span <= dim < span:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-span}, {span - 1}], but got {dim}) "
            f"for a tensor with {ndim} dimensions"
        )
    return dim % span if ndim else 0


def normalize_dims(dim, ndim: int, op: str) -> tuple:
    """A sorted tuple of dimensions; None means all of them."""
    if dim is None:
        return tuple(range(ndim))
    if type(dim) is int and 0 <= dim < ndim:  # the common case, without the general checks
        return (dim,)
    dims = (dim,) if isinstance(dim, numbers.Integral) else tuple(dim)
    out = tuple(sorted({normalize_dim(d, ndim, op) for d in dims}))
    if len(out) != len(dims):
        raise RuntimeError(f"{op}: dim {dim} appears multiple times in the list of dims")
    if ndim == 0:
        return ()
    return out


def as_tensor_arg(x, like: Tensor | None = None) -> Tensor:
    """Wrap a Python/numpy scalar or array as a constant Tensor (dtype follows `like` for Python floats)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (bool, int, float)) and like is not None:
        dtype = like._data.dtype
        if isinstance(x, float) and dtype.kind != "f":
            dtype = get_default_dtype()
        elif isinstance(x, bool):
            dtype = dtype if dtype.kind in "fiu" else np.dtype(bool)
        return Tensor._wrap(np.asarray(x, dtype=dtype))
    return Tensor(x)


def check_broadcast(op: str, a_shape: tuple, b_shape: tuple) -> None:
    try:
        np.broadcast_shapes(a_shape, b_shape)
    except ValueError:
        raise RuntimeError(
            f"{op}: shapes {tuple(a_shape)} and {tuple(b_shape)} cannot be broadcast together. "
            "Each dimension, aligned from the right, must be equal or 1."
        ) from None
