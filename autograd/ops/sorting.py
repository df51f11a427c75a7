"""Sorting: sort, argsort, topk (and msort).

The order is found by a non-differentiable op (`Argsort`), and the values are then a
`gather` at that order, so the gradient follows each value back to its place. Sorting is
always stable here (equal values keep their order; NaN counts as the largest value, as
PyTorch), which satisfies `stable=True` and `stable=False` alike.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..function import Op
from ._util import is_integer, normalize_dim, tensor_method
from .indexing import gather

SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])


class Argsort(Op):
    """The stable sorting order of x along dim, ascending or descending; no gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, x, dim, descending):
        if not descending:
            return np.argsort(x, axis=dim, kind="stable")
        # Descending and stable: sort the reversed array ascending, then reverse back (no negation,
        # which would wrap unsigned integers).
        n = x.shape[dim]
        order = np.flip(np.argsort(np.flip(x, dim), axis=dim, kind="stable"), dim)
        return (n - 1) - order


@tensor_method
def sort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    """Sorted values along `dim` and their indices; the gradient follows the values back to their places."""
    if input.ndim == 0:
        values, indices = sort(input.reshape(1), 0, descending)
        return SortResult(values.reshape(()), indices.reshape(()))
    dim = normalize_dim(dim, input.ndim, "sort")
    order = Argsort.apply(input, dim, bool(descending))
    return SortResult(gather(input, dim, order), order)


@tensor_method
def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    """The indices that sort `input` along `dim`."""
    return sort(input, dim, descending, stable).indices


@tensor_method
def msort(input):
    """Sorted along the first dimension."""
    return sort(input, 0).values


@tensor_method
def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The k largest (or smallest) values along `dim`, with their indices, in sorted order
    (`sorted=False` allows any order; sorted order is one)."""
    if not is_integer(k):
        raise TypeError(f"topk: k must be an int, got {k!r}")
    size = input.shape[normalize_dim(dim, input.ndim, "topk")] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: k ({k}) is out of range: the dimension has {size} elements (need 0 <= k <= {size})")
    if input.ndim == 0:
        values, indices = topk(input.reshape(1), k, 0, largest)
        return TopkResult(values.reshape(()), indices.reshape(()))
    dim = normalize_dim(dim, input.ndim, "topk")
    order = Argsort.apply(input, dim, bool(largest))
    index = order.narrow(dim, 0, k)
    return TopkResult(gather(input, dim, index), index)
