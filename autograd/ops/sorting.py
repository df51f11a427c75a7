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
from ..tensor import Tensor
from ._stl_select import torch_topk_order
from ._util import is_integer, normalize_dim, tensor_method
from .gather_scatter import _take_values

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
    return SortResult(_take_values("sort", input, dim, order), order)


@tensor_method
def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    """The indices that sort `input` along `dim`."""
    return sort(input, dim, descending, stable).indices


@tensor_method
def msort(input):
    """Sorted along the first dimension."""
    return sort(input, 0).values


class TopkIndex(Op):
    """The indices of the k largest (or smallest) values along dim, in PyTorch's CPU order: sorted, and
    among equal values the order of PyTorch's (unstable) selection (`_stl_select`); no gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, x, k, dim, largest):
        shape = tuple(s for d, s in enumerate(x.shape) if d != dim) + (k,)
        if x.size == 0:
            return np.moveaxis(np.zeros(shape, np.int64), -1, dim)
        order = np.moveaxis(Argsort.forward(ctx, x, dim, largest), dim, -1)
        rows = np.moveaxis(x, dim, -1).reshape(-1, x.shape[dim])
        order = order.reshape(rows.shape)
        n = rows.shape[1]
        top = np.take_along_axis(rows, order[:, :min(k + 1, n)], axis=1)
        # ties among the first k (+ the next one) are where the selection's order decides the answer
        same = top[:, 1:] == top[:, :-1]
        if top.dtype.kind == "f":
            same |= np.isnan(top[:, 1:]) & np.isnan(top[:, :-1])
        index = order[:, :k].copy()
        for r in np.flatnonzero(same.any(axis=1)):  # only the rows with ties; exact values elsewhere
            index[r] = torch_topk_order(rows[r], k, largest)
        return np.moveaxis(index.reshape(shape), -1, dim)


@tensor_method
def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The k largest (or smallest) values along `dim`, with their indices, in sorted order; among equal
    values the indices are PyTorch's CPU ones, so the gradient reaches the same elements. (`sorted=False`
    allows any order, PyTorch says; sorted order is one.)"""
    if not is_integer(k):
        raise TypeError(f"topk: k must be an int, got {k!r}")
    size = input.shape[normalize_dim(dim, input.ndim, "topk")] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(f"topk: k ({k}) is out of range: the dimension has {size} elements (need 0 <= k <= {size})")
    if input.ndim == 0:  # PyTorch: the element itself and index 0, for k = 0 or 1
        return TopkResult(input.clone() if input.requires_grad else input, Tensor._wrap(np.zeros((), np.int64)))
    dim = normalize_dim(dim, input.ndim, "topk")
    index = TopkIndex.apply(input, int(k), dim, bool(largest))
    return TopkResult(_take_values("topk", input, dim, index), index)
