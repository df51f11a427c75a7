"""Indexing: `x[...]` (basic, boolean and integer-array indices) and `x[...] = v`, masked_fill,
masked_select, narrow, select, nonzero. (gather, scatter and index_select/index_add: `gather_scatter.py`.)

Reading at an index has an adjoint op that adds values back into a zero tensor (`IndexPutAdd`
for `GetItem`), and each is the other's derivative, so gradients of any order are indexing
again. Basic indexing gives a view (sharing memory and the version counter with its base).
"""
from __future__ import annotations

import numpy as np

from ..function import Op
from ..tensor import Tensor
from ._util import is_integer, normalize_dim, tensor_method


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
        return IndexPutAdd.apply(grad, ctx.shape, ctx.index), None


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
        return (IndexPutAdd.apply(grad, ctx.shape, ctx.key, *arrays), None) + (None,) * len(arrays)


class IndexPutAdd(Op):
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


def _position(value, op: str, argument: str) -> int:
    """An int position argument (a Python int or a one-element integer tensor), or a TypeError."""
    if isinstance(value, Tensor):
        if value.numel() != 1 or value.dtype.kind not in "iu":
            raise TypeError(f"{op}: {argument} must be an int or a one-element integer tensor, got a tensor of "
                            f"shape {value.shape} and dtype {value.dtype}")
        return int(value.item())
    if not is_integer(value):
        raise TypeError(f"{op}: {argument} must be an int, got {value!r}")
    return int(value)


@tensor_method
def narrow(input, dim: int, start: int, length: int):
    """The `length` entries from `start` along `dim` (a view); a negative start counts from the end.
    As PyTorch: -size <= start <= size and start + length <= size, else an error."""
    if input.ndim == 0:
        raise RuntimeError("narrow: cannot be applied to a 0-d tensor")
    dim = normalize_dim(dim, input.ndim, "narrow")
    start, length = _position(start, "narrow", "start"), _position(length, "narrow", "length")
    size = input.shape[dim]
    if not -size <= start <= size:
        raise IndexError(f"narrow: start out of range (expected to be in range of [{-size}, {size}], but got "
                         f"{start}) for dimension {dim} of size {size}")
    if start < 0:
        start += size
    if length < 0:
        raise RuntimeError(f"narrow: length must be non-negative, got {length}")
    if start + length > size:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension {dim}'s size ({size})")
    if start == 0 and length == size:
        return input
    return input[(slice(None),) * dim + (slice(start, start + length),)]


@tensor_method
def select(input, dim: int, index: int):
    """The slice at `index` along `dim`, without that dimension (a view); a negative index counts from the end."""
    if input.ndim == 0:
        raise IndexError("select: cannot be applied to a 0-d tensor")
    dim = normalize_dim(dim, input.ndim, "select")
    index = _position(index, "select", "index")
    size = input.shape[dim]
    if not -size <= index < size:
        raise IndexError(f"select: index {index} out of range for tensor of shape {input.shape} at dimension {dim} "
                         f"(expected to be in range of [{-size}, {size - 1}])")
    return input[(slice(None),) * dim + (index,)]


def _mask_argument(mask, op: str) -> Tensor:
    mask = mask if isinstance(mask, Tensor) else Tensor._from_data(np.asarray(mask))
    if mask.dtype != bool:
        raise TypeError(f"{op}: mask must be a bool tensor, got dtype {mask.dtype}; compare first (e.g. x > 0) or "
                        "convert with .bool()")
    return mask


@tensor_method
def masked_fill(input, mask, value):
    """Where the bool `mask` (broadcast against input) holds, `value` (a number or a 0-d tensor); elsewhere input."""
    from ._util import check_broadcast
    from .activation import where

    mask = _mask_argument(mask, "masked_fill")
    check_broadcast("masked_fill", mask.shape, input.shape)
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(f"masked_fill: value must be a number or a 0-d tensor, got a tensor of shape {value.shape}")
    return where(mask, value, input)


@tensor_method
def masked_select(input, mask):
    """The entries where the bool `mask` holds (both broadcast to a common shape), as a 1-d tensor."""
    from ._util import check_broadcast

    mask = _mask_argument(mask, "masked_select")
    shape = check_broadcast("masked_select", mask.shape, input.shape)
    return input.expand(shape)[mask.expand(shape)]


class Nonzero(Op):
    """Indices of the non-zero elements as an (n, ndim) integer array; no gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, x):
        return np.argwhere(x)


@tensor_method
def nonzero(input, *, as_tuple: bool = False):
    """Indices of non-zero elements: an (n, ndim) integer tensor, or a tuple of index tensors."""
    if as_tuple:
        found = Nonzero.apply(input.reshape(1) if input.ndim == 0 else input)  # a 0-d input counts as 1-d, as PyTorch
        return tuple(found[:, i] for i in range(found.shape[1]))
    return Nonzero.apply(input)


@tensor_method
def argwhere(input):
    return Nonzero.apply(input)
