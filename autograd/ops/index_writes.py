"""Writing values at indices: index_fill, index_copy, index_put, masked_scatter, and the in-place forms
(scatter_, scatter_add_, index_add_, ...) of these and of gather_scatter.py's scatter, scatter_add, index_add.

They are compositions of gather_scatter.py's `Scatter` and `ScatterAdd` and of where, so gradients of any
order are again scatters and gathers.
"""
from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from ._util import check_index_tensor, normalize_dim, tensor_method, tensor_methods
from .gather_scatter import Scatter, ScatterAdd, index_add, scatter, scatter_add


def _number(value, dtype):
    if isinstance(value, Tensor):
        return value.item()
    return int(value) if dtype.kind in "iu" and isinstance(value, float) else value


def _along(index: Tensor, dim: int, shape: tuple) -> Tensor:
    """A 1-d index laid along `dim` and expanded to `shape` (the index form scatter takes)."""
    view = [1] * len(shape)
    view[dim] = index.shape[0]
    return index.reshape(tuple(view)).expand(*shape)


def _one_dim_index(op: str, input, dim, index) -> tuple:
    dim = normalize_dim(dim, input.ndim, op)
    array = check_index_tensor(index, op)
    if array.ndim > 1:
        raise RuntimeError(f"{op}: index must be a vector (1-d), got shape {array.shape}")
    index = index if isinstance(index, Tensor) else Tensor._from_data(array)
    return dim, index.reshape(-1)


@tensor_method
def index_fill(input, dim: int, index, value):
    """input with every slice at the positions `index` along `dim` set to `value`."""
    dim, index = _one_dim_index("index_fill", input, dim, index)
    shape = input.shape[:dim] + (index.shape[0],) + input.shape[dim + 1:]
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"index_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
        return Scatter.apply(input, dim, _along(index, dim, shape), value.to(input.dtype).expand(*shape), "index_fill")
    return Scatter.apply(input, dim, _along(index, dim, shape), _number(value, input.dtype), "index_fill")


@tensor_method
def index_copy(input, dim: int, index, source):
    """input with source's slices copied to the positions `index` along `dim`."""
    dim, index = _one_dim_index("index_copy", input, dim, index)
    if source.dtype != input.dtype:
        raise RuntimeError(f"index_copy(): self and source expected to have the same dtype, but got {input.dtype} "
                           f"and {source.dtype}")
    return Scatter.apply(input, dim, _along(index, dim, source.shape), source, "index_copy")


@tensor_method
def masked_scatter(input, mask, source):
    """input with the places where `mask` holds filled, in order, by source's first elements."""
    from .activation import where

    mask = mask if isinstance(mask, Tensor) else Tensor._from_data(np.asarray(mask))
    if mask.dtype.kind != "b":
        raise RuntimeError(f"masked_scatter: mask must be a bool tensor, got dtype {mask.dtype}")
    from .comparison import _check_all

    mask = mask.expand(*np.broadcast_shapes(mask.shape, input.shape))
    _check_all(mask.sum() <= source.numel(), RuntimeError,
               f"masked_scatter: the source has {source.numel()} elements, fewer than the mask's True entries")
    positions = (mask.long().reshape(-1).cumsum(0) - 1).clamp(min=0).reshape(mask.shape)
    if source.numel() == 0:  # then the mask is all False (checked above): input, with source's gradient 0
        from .shape import Connected
        return Connected.apply(input, source)
    return where(mask, source.reshape(-1)[positions], input)


@tensor_method
def index_put(input, indices, values, accumulate: bool = False):
    """input with `values` at `input[indices]` (a tuple of index tensors); accumulate=True adds, repeats included."""
    indices = tuple(indices)
    if not accumulate:
        out = input.clone()
        out[indices] = values
        return out
    if len(indices) != input.ndim or any(check_index_tensor(i, "index_put").dtype.kind not in "iu" for i in indices):
        raise NotImplementedError("index_put(accumulate=True): one integer index tensor per dimension is supported")
    strides = np.cumprod((input.shape[1:] + (1,))[::-1])[::-1]
    flat = None
    for i, stride, size in zip(indices, strides, input.shape):
        i = i if isinstance(i, Tensor) else Tensor._from_data(np.asarray(i))
        term = (i % size) * int(stride)
        flat = term if flat is None else flat + term
    values = values if isinstance(values, Tensor) else Tensor._from_data(values).to(input.dtype)
    values = values.expand(*np.broadcast_shapes(values.shape, flat.shape))
    flat = flat.expand(*values.shape).reshape(-1)
    return input + ScatterAdd.apply(values.reshape(-1), 0, flat, (input.numel(),), "index_put").reshape(input.shape)


def _inplace_form(name, op):
    def method(self, *args, **kwargs):
        from .inplace import inplace

        tensors = [a for a in args if isinstance(a, Tensor)]  # passed on so the in-place machinery sees what records
        return inplace(self, name, lambda t, *_: op(t, *args, **kwargs), *tensors)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place form of {op.__name__}."
    return method


tensor_methods(scatter_=_inplace_form("scatter_", scatter), scatter_add_=_inplace_form("scatter_add_", scatter_add),
               index_add_=_inplace_form("index_add_", index_add), index_fill_=_inplace_form("index_fill_", index_fill),
               index_copy_=_inplace_form("index_copy_", index_copy),
               masked_scatter_=_inplace_form("masked_scatter_", masked_scatter),
               index_put_=_inplace_form("index_put_", index_put))
