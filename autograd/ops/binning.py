"""Binning and counting: bucketize, searchsorted, histc, bincount, unique, unique_consecutive.

Their results are indices and counts, so none is differentiable (as in PyTorch); each is one op
whose forward does the numpy work, with PyTorch's argument rules and errors.
"""
from __future__ import annotations

import numpy as np

from ..function import Op
from ..tensor import Tensor
from ._util import normalize_dim, tensor_method


class SearchSorted(Op):
    """For each value, the index where it would be inserted into the sorted last dimension of `sequence`
    (side 'left': the first such index; 'right': the last). No gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, sequence, values, side, sorter, dtype):
        values = np.asarray(values)
        if sorter is not None:
            sequence = np.take_along_axis(sequence, sorter, axis=-1)
        if sequence.ndim == 1:
            return np.searchsorted(sequence, values, side=side).astype(dtype)
        rows = sequence.reshape(-1, sequence.shape[-1])
        wanted = values.reshape(rows.shape[0], -1)
        found = np.stack([np.searchsorted(r, v, side=side) for r, v in zip(rows, wanted)])
        return found.reshape(values.shape).astype(dtype)


def _side(side, right: bool, op: str) -> str:
    if side is None:
        return "right" if right else "left"
    if side not in ("left", "right"):
        raise RuntimeError(f"{op}: side can only be 'left' or 'right', got {side!r}")
    if right and side == "left":
        raise RuntimeError(f"{op}: side and right can't be set to opposites, got side of left while right was True")
    return side


def searchsorted(sorted_sequence, input, *, out_int32: bool = False, right: bool = False, side=None, sorter=None,
                 out=None):
    """Insertion indices of `input` into `sorted_sequence` (1-d, or batched along its last dimension with
    leading dimensions matching input's), as torch.searchsorted."""
    from ..devices import check_options

    check_options("searchsorted", out=out)
    side = _side(side, right, "searchsorted")
    scalar = not isinstance(input, Tensor)
    values = Tensor._from_data(input) if scalar else input
    if sorted_sequence.ndim > 1 and sorted_sequence.shape[:-1] != values.shape[:-1]:
        raise RuntimeError(
            "searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries "
            f"tensor and input value tensor must match, but we got boundaries tensor {list(sorted_sequence.shape)} "
            f"and input value tensor {list(values.shape)}")
    if sorter is not None and tuple(sorter.shape) != tuple(sorted_sequence.shape):
        raise RuntimeError(f"searchsorted(): sorter shape {sorter.shape} must equal the sequence's {sorted_sequence.shape}")
    dtype = np.dtype(np.int32 if out_int32 else np.int64)
    return SearchSorted.apply(sorted_sequence, values, side, sorter, dtype)


def bucketize(input, boundaries, *, out_int32: bool = False, right: bool = False, out=None):
    """The bucket of each element: i with boundaries[i-1] < x <= boundaries[i] (right=False), or
    boundaries[i-1] <= x < boundaries[i] (right=True), as torch.bucketize."""
    if boundaries.ndim != 1:
        raise RuntimeError(f"bucketize: boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right, out=out)


class Histogram(Op):
    """Counts of the elements in `bins` equal bins over [low, high] (the last bin includes high; elements
    outside are ignored), in the input's dtype. No gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, x, bins, low, high):
        values = x.reshape(-1)
        if low == high == 0 and values.size:
            finite = values[np.isfinite(values)]
            low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
        if low == high:
            low, high = low - 1, high + 1
        if low > high:
            raise RuntimeError("torch.histc: max must be larger than min")
        if not (np.isfinite(low) and np.isfinite(high)):
            raise RuntimeError(f"torch.histc: range of [{low}, {high}] is not finite")
        counts, _ = np.histogram(values[~np.isnan(values)], bins=bins, range=(low, high))
        return counts.astype(x.dtype)


@tensor_method
def histc(input, bins: int = 100, min: float = 0, max: float = 0, *, out=None):  # noqa: A002  (PyTorch's names)
    """A histogram of `bins` equal bins over [min, max] (the data's range when both are 0), as torch.histc."""
    from ..devices import check_options

    check_options("histc", out=out)
    if input.dtype.kind not in "f":
        raise NotImplementedError(f"histc: not implemented for dtype {input.dtype} (as in PyTorch); convert with .float()")
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins <= 0:
        raise RuntimeError(f"torch.histc: bins must be > 0, but got {bins}")
    return Histogram.apply(input, int(bins), float(min), float(max))


class BinCount(Op):
    """How often each non-negative integer occurs (summing `weights` instead of 1s when given). No gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, x, weights, minlength):
        if x.size and x.min() < 0:
            raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
        counts = np.bincount(x, weights=weights, minlength=minlength)
        return counts.astype(np.int64 if weights is None else np.asarray(weights).dtype)


@tensor_method
def bincount(input, weights=None, minlength: int = 0):
    """Counts of each value 0..max(input) (at least `minlength` of them), as torch.bincount."""
    if input.ndim != 1 or input.dtype.kind not in "iu":
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if weights is not None and tuple(weights.shape) != tuple(input.shape):
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as input, got {weights.shape}")
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}")
    return BinCount.apply(input, weights, int(minlength))


class Unique(Op):
    """The sorted distinct values (or slices along `dim`), with the inverse indices and counts. No gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, x, dim, consecutive):
        if consecutive:
            return _unique_consecutive(x, dim)
        values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=dim)
        return values, inverse.reshape(x.shape if dim is None else (x.shape[dim],)).astype(np.int64), \
            counts.astype(np.int64)


def _unique_consecutive(x: np.ndarray, dim):
    moved = x.reshape(-1) if dim is None else np.moveaxis(x, dim, 0)
    n = moved.shape[0]
    if n == 0:
        return x.reshape(0) if dim is None else x, np.zeros(x.shape if dim is None else (0,), np.int64), \
            np.zeros(0, np.int64)
    flat = moved.reshape(n, -1)
    starts = np.concatenate([[True], np.any(flat[1:] != flat[:-1], axis=1)])
    inverse = np.cumsum(starts) - 1
    counts = np.diff(np.append(np.flatnonzero(starts), n))
    values = moved[starts]
    if dim is not None:
        values = np.moveaxis(values, 0, dim)
    return values, inverse.reshape(x.shape if dim is None else (n,)).astype(np.int64), counts.astype(np.int64)


def _unique_result(input, dim, consecutive, return_inverse, return_counts, op):
    if dim is not None:
        dim = normalize_dim(dim, input.ndim, op)
    values, inverse, counts = Unique.apply(input, dim, consecutive)
    extra = ([inverse] if return_inverse else []) + ([counts] if return_counts else [])
    return (values, *extra) if extra else values


@tensor_method
def unique(input, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """The distinct values in ascending order (slices along `dim`), optionally with inverse indices
    (input = values[inverse]) and counts. Always sorted, as PyTorch's on the CPU."""
    return _unique_result(input, dim, False, return_inverse, return_counts, "unique")


@tensor_method
def unique_consecutive(input, return_inverse: bool = False, return_counts: bool = False, dim=None):
    """The values with runs of equal consecutive elements (or slices) collapsed to one."""
    return _unique_result(input, dim, True, return_inverse, return_counts, "unique_consecutive")
