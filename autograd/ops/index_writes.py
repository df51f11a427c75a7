"""Writing values at indices: scatter, scatter_add, index_add, index_fill, index_copy, index_put,
masked_scatter, and their in-place forms (scatter_, index_add_, ...), as PyTorch.

`Scatter` (a copy of the input with values written at an index along a dimension) is the one new
op: its derivative sends the gradient of the written places to the source (a gather) and the rest
to the input (a scatter of zeros). The others are compositions of it, of `ScatterAdd` and `Gather`
(indexing.py), and of where, so gradients of any order are again scatters and gathers.
"""
from __future__ import annotations

import numpy as np

from ..function import Op
from ..tensor import Tensor
from ._util import check_index_tensor, normalize_dim, tensor_method, tensor_methods
from .indexing import Gather, ScatterAdd


def _check_bounds(op: str, index: np.ndarray, size: int, dim: int) -> None:
    if index.size and (index.max() >= size or index.min() < -size):
        bad = index.max() if index.max() >= size else index.min()
        raise RuntimeError(f"{op}: index {bad} is out of bounds for dimension {dim} with size {size}")


class Scatter(Op):
    """A copy of x with `src` (an array of the index's shape, or a number) written at `index` along `dim`.
    d/dx: the gradient with the written places zeroed; d/dsrc: the gradient gathered at the index."""

    @staticmethod
    def forward(ctx, x, dim, index, src):
        _check_bounds("scatter", index, x.shape[dim], dim)
        ctx.save_for_backward(index)
        ctx.dim = dim
        out = x.copy()
        np.put_along_axis(out, index, src, axis=dim)
        return out

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        grad_x = Scatter.apply(grad, ctx.dim, index, 0.0) if ctx.needs_input_grad[0] else None
        grad_src = Gather.apply(grad, ctx.dim, index) if ctx.needs_input_grad[3] else None
        return grad_x, None, None, grad_src


def _index_argument(op: str, input, dim: int, index) -> tuple:
    dim = normalize_dim(dim, input.ndim, op)
    array = check_index_tensor(index, op)
    if input.ndim and array.ndim != input.ndim:
        raise RuntimeError(f"{op}: index should have the same number of dimensions as self ({input.ndim}), got "
                           f"{array.ndim}")
    return dim, index if isinstance(index, Tensor) else Tensor._from_data(array)


def _source(op: str, src, index: Tensor, input) -> Tensor:
    """src cut to the index's shape (PyTorch uses only that corner of a larger src), in the input's dtype."""
    if any(s < i for s, i in zip(src.shape, index.shape)) or src.ndim != index.ndim:
        raise RuntimeError(f"{op}: src of shape {src.shape} is smaller than the index of shape {index.shape}")
    if src.dtype != input.dtype:
        raise RuntimeError(f"{op}(): expected self.dtype to be equal to src.dtype ({input.dtype} vs {src.dtype})")
    if src.shape != index.shape:
        src = src[tuple(slice(0, i) for i in index.shape)]
    return src


@tensor_method
def scatter(input, dim: int, index, src=None, *, value=None, reduce=None):
    """A copy of input with `src[i][j]` (or the number `value`) written at `index[i][j]` along `dim`;
    `reduce='add'` adds instead, as PyTorch's (deprecated) form."""
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() needs src (a tensor) or value (a number)")
    dim, index = _index_argument("scatter", input, dim, index)
    if reduce == "add":
        if not isinstance(src, Tensor):
            src = index.new_full(index.shape, src, dtype=input.dtype)
        return scatter_add(input, dim, index, src)
    if reduce is not None:
        raise NotImplementedError(f"scatter: reduce={reduce!r} is not supported; use 'add', or scatter_reduce")
    if isinstance(src, Tensor):
        src = _source("scatter", src, index, input)
    else:
        src = _number(src, input.dtype)
    return Scatter.apply(input, dim, index, src)


def _number(value, dtype):
    if isinstance(value, Tensor):
        return value.item()
    return int(value) if dtype.kind in "iu" and isinstance(value, float) else value


@tensor_method
def scatter_add(input, dim: int, index, src):
    """input with src[i][j] added at index[i][j] along `dim` (repeated indices add up)."""
    dim, index = _index_argument("scatter_add", input, dim, index)
    src = _source("scatter_add", src, index, input)
    return input + ScatterAdd.apply(src, dim, index, input.shape)


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
def index_add(input, dim: int, index, source, *, alpha=1):
    """input with alpha·source[k] added at position index[k] along `dim` (repeats add up)."""
    dim, index = _one_dim_index("index_add", input, dim, index)
    if source.ndim != input.ndim or source.shape[dim] != index.shape[0]:
        raise RuntimeError(f"index_add: source of shape {source.shape} must have index's length {index.shape[0]} "
                           f"along dim {dim} and the input's other sizes {input.shape}")
    scaled = source if alpha == 1 else source * alpha
    return input + ScatterAdd.apply(scaled, dim, _along(index, dim, source.shape), input.shape)


@tensor_method
def index_fill(input, dim: int, index, value):
    """input with every slice at the positions `index` along `dim` set to `value`."""
    dim, index = _one_dim_index("index_fill", input, dim, index)
    shape = input.shape[:dim] + (index.shape[0],) + input.shape[dim + 1:]
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError(f"index_fill: value must be a number or a 0-d tensor, got shape {value.shape}")
        return Scatter.apply(input, dim, _along(index, dim, shape), value.to(input.dtype).expand(*shape))
    return Scatter.apply(input, dim, _along(index, dim, shape), _number(value, input.dtype))


@tensor_method
def index_copy(input, dim: int, index, source):
    """input with source's slices copied to the positions `index` along `dim`."""
    dim, index = _one_dim_index("index_copy", input, dim, index)
    if source.dtype != input.dtype:
        raise RuntimeError(f"index_copy(): self and source expected to have the same dtype, but got {input.dtype} "
                           f"and {source.dtype}")
    return Scatter.apply(input, dim, _along(index, dim, source.shape), source)


@tensor_method
def masked_scatter(input, mask, source):
    """input with the places where `mask` holds filled, in order, by source's first elements."""
    from .activation import where

    mask = mask if isinstance(mask, Tensor) else Tensor._from_data(np.asarray(mask))
    if mask.dtype.kind != "b":
        raise RuntimeError(f"masked_scatter: mask must be a bool tensor, got dtype {mask.dtype}")
    mask = mask.expand(*np.broadcast_shapes(mask.shape, input.shape))
    positions = (mask.long().reshape(-1).cumsum(0) - 1).clamp(min=0).reshape(mask.shape)
    if source.numel() == 0:
        return where(mask, 0, input) if mask.any() else input.clone()
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
    return input + ScatterAdd.apply(values.reshape(-1), 0, flat, (input.numel(),)).reshape(input.shape)


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
