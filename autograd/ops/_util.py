"""Shared helpers of the op modules: attaching ops as Tensor methods, and checking arguments.

Every check raises at the public boundary with the op's name, the argument and what is
allowed, so no op has to restate them and no bad argument reaches numpy.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..tensor import Tensor

TENSOR_METHODS: dict = {}  # method name -> the function behind it (read by the API table and its test)


def tensor_method(fn=None, *, name: str | None = None):
    """Expose a module-level op as a Tensor method of the same (or the given) name."""
    def attach(f):
        method = name or f.__name__
        setattr(Tensor, method, f)
        TENSOR_METHODS[method] = f
        return f
    return attach(fn) if fn is not None else attach


def tensor_methods(**methods) -> None:
    """Attach several methods at once: `tensor_methods(__radd__=..., multiply=mul)`."""
    for method, f in methods.items():
        setattr(Tensor, method, f)
        TENSOR_METHODS[method] = f


def is_integer(value) -> bool:
    """A Python or numpy integer (not a bool)."""
    return type(value) is int or isinstance(value, numbers.Integral) and not isinstance(value, bool)


def normalize_dim(dim: int, ndim: int, op: str) -> int:
    """A dimension index in [0, ndim), from a possibly negative one; a clear error when out of range."""
    if type(dim) is not int and not is_integer(dim):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    span = max(ndim, 1)
    if not -span <= dim < span:
        raise IndexError(
            f"{op}: dimension out of range (expected to be in range of [{-span}, {span - 1}], but got {dim}) "
            f"for a tensor with {ndim} dimensions"
        )
    return dim % span if ndim else 0


def normalize_dims(dim, ndim: int, op: str) -> tuple:
    """A sorted tuple of dimensions; None (or an empty tuple, as PyTorch's reductions) means all of them."""
    if dim is None:
        return tuple(range(ndim))
    if type(dim) is int and 0 <= dim < ndim:  # the common case, without the general checks
        return (dim,)
    dims = (dim,) if is_integer(dim) else tuple(dim)
    if not dims:
        return tuple(range(ndim))
    out = tuple(sorted({normalize_dim(d, ndim, op) for d in dims}))
    if len(out) != len(dims):
        raise RuntimeError(f"{op}: dim {dim} appears multiple times in the list of dims")
    if ndim == 0:
        return ()
    return out


def size_args(size: tuple, op: str, allow_minus_one: bool = False) -> tuple:
    """Sizes given as separate ints or as one tuple/list (`zeros(2, 3)`, `zeros((2, 3))`), checked."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor) and s.numel() == 1 and s.dtype.kind in "iu":
            s = s.item()
        if not is_integer(s):
            raise TypeError(f"{op}: sizes must be integers, got {tuple(size)!r}")
        if s < (-1 if allow_minus_one else 0):
            raise ValueError(f"{op}: negative dimension {s} in size {tuple(size)}; sizes must be >= 0"
                             + (" (or -1, inferred)" if allow_minus_one else ""))
        out.append(int(s))
    return tuple(out)


def as_tensor_arg(x, like: Tensor | None = None) -> Tensor:
    """Wrap a Python/numpy scalar or array as a constant Tensor (dtype follows `like` for Python numbers)."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (bool, int, float)) and like is not None:
        dtype = like._data.dtype
        if isinstance(x, float) and dtype.kind != "f":
            from ..tensor import get_default_dtype
            dtype = get_default_dtype()
        elif isinstance(x, bool):
            dtype = dtype if dtype.kind in "fiu" else np.dtype(bool)
        return Tensor._wrap(np.asarray(x, dtype=dtype))
    return Tensor._from_data(x)


def check_broadcast(op: str, *shapes) -> tuple:
    """The broadcast shape, or an error naming the op and every shape."""
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        listed = " and ".join(str(tuple(s)) for s in shapes)
        raise RuntimeError(
            f"{op}: shapes {listed} cannot be broadcast together. "
            "Each dimension, aligned from the right, must be equal or 1."
        ) from None


def check_index_tensor(index, op: str, argument: str = "index") -> np.ndarray:
    """An integer index (Tensor, array or list) as an integer ndarray, or a clear TypeError."""
    array = index._data if isinstance(index, Tensor) else np.asarray(index)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{op}: {argument} must be an integer tensor, got dtype {array.dtype}; convert with .long()")
    return array
