"""Indexing: `x[...]` (basic, boolean and integer-array indices) and `x[...] = v`, gather and
scatter_add, index_select, masked_fill, masked_select, narrow, select, nonzero.

Each reading op has an adjoint op that adds values back into a zero tensor (`IndexAdd` for
`GetItem`, `ScatterAdd` for `Gather`), and each is the other's derivative, so gradients of
any order are indexing again. Basic indexing gives a view (sharing memory and the version
counter with its base).
"""
from __future__ import annotations

import numpy as np

from ..function import Op
from ..tensor import Tensor
from ._util import check_index_tensor, normalize_dim, tensor_method


class _ArraySlot:
    """Stands in an index's structure for its i-th array (the arrays travel as op arguments)."""

    __slots__ = ("i",)

    def __init__(self, i: int):
        self.i = i

    def __repr__(self) -> str:
        return f"<array {self.i}>"

    def __eq__(self, other) -> bool:  # keys compare by structure (a tracer compares op arguments across runs)
        return type(other) is _ArraySlot and other.i == self.i

    def __hash__(self) -> int:
        return hash(("_ArraySlot", self.i))


def _split_index(index) -> tuple:
    """(key, arrays): the index with each integer/bool array (tensor, ndarray or list) replaced by a slot, and
    those arrays. The arrays become op arguments, so they are saved and traced like any other input."""
    items = index if isinstance(index, tuple) else (index,)
    key, arrays = [], []
    for item in items:
        if isinstance(item, (Tensor, np.ndarray, list)):
            arrays.append(item if isinstance(item, Tensor) else np.asarray(item))
            key.append(_ArraySlot(len(arrays) - 1))
        else:
            key.append(item)
    return (tuple(key) if isinstance(index, tuple) else key[0]), arrays


def _join_index(key, arrays):
    if isinstance(key, tuple):
        return tuple(arrays[k.i] if type(k) is _ArraySlot else k for k in key)
    return arrays[key.i] if type(key) is _ArraySlot else key


def _describe(key, arrays) -> str:
    index = _join_index(key, arrays)
    items = index if isinstance(index, tuple) else (index,)
    return "[" + ", ".join(f"<{a.dtype} array {a.shape}>" if isinstance(a, np.ndarray) else repr(a) for a in items) + "]"


class GetItem(Op):
    """x[index] for a basic index (ints, slices, None, ...): a view; the gradient is added back at the index."""

    is_view = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        try:
            return x[index]
        except IndexError as error:
            raise IndexError(f"index {index!r} is invalid for a tensor of shape {x.shape}: {error}") from None

    @staticmethod
    def backward(ctx, grad):
        return IndexAdd.apply(grad, ctx.shape, ctx.index), None


class Index(Op):
    """x[index] for an advanced index (integer or bool arrays, given after the index's `key`): a copy;
    repeated indices sum in backward."""

    @staticmethod
    def forward(ctx, x, key, *arrays):
        ctx.save_for_backward(*arrays)
        ctx.shape, ctx.key = x.shape, key
        try:
            return x[_join_index(key, arrays)]
        except IndexError as error:
            raise IndexError(f"index {_describe(key, arrays)} is invalid for a tensor of shape {x.shape}: {error}") from None

    @staticmethod
    def backward(ctx, grad):
        arrays = ctx.saved_tensors
        return (IndexAdd.apply(grad, ctx.shape, ctx.key, *arrays), None) + (None,) * len(arrays)


class IndexAdd(Op):
    """Zeros of `shape` with `src` added at the index (`key` and its arrays); the adjoint of GetItem and Index."""

    @staticmethod
    def forward(ctx, src, shape, key, *arrays):
        ctx.save_for_backward(*arrays)
        ctx.key = key
        out = np.zeros(shape, dtype=src.dtype)
        if arrays:
            np.add.at(out, _join_index(key, arrays), src)
        else:
            out[key] = src
        return out

    @staticmethod
    def backward(ctx, grad):
        arrays = ctx.saved_tensors
        picked = Index.apply(grad, ctx.key, *arrays) if arrays else GetItem.apply(grad, ctx.key)
        return (picked, None, None) + (None,) * len(arrays)


class SetItem(Op):
    """A copy of x with x[index] = value; gradients go to the kept part of x and to value."""

    @staticmethod
    def forward(ctx, x, key, value, *arrays):
        ctx.save_for_backward(*arrays)
        ctx.key = key
        index = _join_index(key, arrays)
        out = x.copy()
        try:
            out[index] = value
        except ValueError:
            raise RuntimeError(
                f"setitem: value of shape {np.shape(value)} cannot be assigned to x{_describe(key, arrays)} of shape "
                f"{np.shape(x[index])}"
            ) from None
        return out

    @staticmethod
    def backward(ctx, grad):
        arrays = ctx.saved_tensors
        grad_x = grad_value = None
        if ctx.needs_input_grad[0]:
            grad_x = SetItem.apply(grad, ctx.key, 0.0, *arrays)
        if ctx.needs_input_grad[2]:
            grad_value = Index.apply(grad, ctx.key, *arrays) if arrays else GetItem.apply(grad, ctx.key)
        return (grad_x, None, grad_value) + (None,) * len(arrays)


@tensor_method(name="__getitem__")
def _getitem(self, index):
    key, arrays = _split_index(index)
    if arrays:
        return Index.apply(self, key, *arrays)
    return GetItem.apply(self, key)


@tensor_method(name="__setitem__")
def _setitem(self, index, value):
    from .inplace import inplace

    key, arrays = _split_index(index)
    inplace(self, "setitem", lambda t, v: SetItem.apply(t, key, v, *arrays), value)


class Gather(Op):
    """out[i][j] = x[i][index[i][j]] along `dim` (torch.gather); backward scatters (adds) back."""

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.save_for_backward(index)
        ctx.shape, ctx.dim = x.shape, dim
        return np.take_along_axis(x, index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        return ScatterAdd.apply(grad, ctx.dim, index, ctx.shape), None, None


class ScatterAdd(Op):
    """Zeros of `shape` with `src` added at `index` along `dim`; the adjoint of Gather."""

    @staticmethod
    def forward(ctx, src, dim, index, shape):
        ctx.save_for_backward(index)
        ctx.dim = dim
        out = np.zeros(shape, dtype=src.dtype)
        if _unique_along(index, dim):
            np.put_along_axis(out, index, src, axis=dim)
        else:
            np.add.at(out, _full_index(index, dim), src)
        return out

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        return Gather.apply(grad, ctx.dim, index), None, None, None


def _unique_along(index: np.ndarray, dim: int) -> bool:
    return index.shape[dim] <= 1 or bool(np.all(np.diff(np.sort(index, axis=dim), axis=dim) != 0))


def _full_index(index: np.ndarray, dim: int) -> tuple:
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


@tensor_method
def gather(input, dim: int, index):
    """Pick values along `dim` at integer `index` (same rank as input), as torch.gather."""
    dim = normalize_dim(dim, input.ndim, "gather")
    array = check_index_tensor(index, "gather")
    if array.ndim != input.ndim:
        raise RuntimeError(
            f"gather: index has {array.ndim} dimensions but input has {input.ndim} (shape {input.shape}); they must match"
        )
    return Gather.apply(input, dim, index if isinstance(index, Tensor) else array)


@tensor_method
def index_select(input, dim: int, index):
    """The entries of `input` at the integer positions `index` along `dim`."""
    dim = normalize_dim(dim, input.ndim, "index_select")
    array = check_index_tensor(index, "index_select")
    return input[(slice(None),) * dim + (array,)]


@tensor_method
def narrow(input, dim: int, start: int, length: int):
    """The `length` entries from `start` along `dim` (a view)."""
    dim = normalize_dim(dim, input.ndim, "narrow")
    return input[(slice(None),) * dim + (slice(start, start + length),)]


@tensor_method
def select(input, dim: int, index: int):
    """The slice at `index` along `dim`, without that dimension (a view)."""
    dim = normalize_dim(dim, input.ndim, "select")
    return input[(slice(None),) * dim + (index,)]


@tensor_method
def masked_fill(input, mask, value):
    """Where `mask` holds, `value`; elsewhere the input."""
    from .activation import where
    return where(mask, value, input)


@tensor_method
def masked_select(input, mask):
    """The entries where `mask` holds, as a 1-d tensor."""
    mask = mask if isinstance(mask, Tensor) else Tensor._from_data(np.asarray(mask))
    return input[mask.expand(*input.shape) if mask.shape != input.shape else mask]


class Nonzero(Op):
    """Indices of the non-zero elements as an (n, ndim) integer array; no gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, x):
        return np.argwhere(x)


@tensor_method
def nonzero(input, *, as_tuple: bool = False):
    """Indices of non-zero elements: an (n, ndim) integer tensor, or a tuple of index tensors."""
    found = Nonzero.apply(input)
    if as_tuple:
        return tuple(found[:, i] for i in range(found.shape[1]))
    return found


@tensor_method
def argwhere(input):
    return Nonzero.apply(input)


@tensor_method
def take_along_dim(input, indices, dim: int):
    """gather with broadcasting of the other dimensions, as torch.take_along_dim."""
    return gather(input, dim, indices)
