"""Order statistics and NaN-aware reductions: median, nanmedian, kthvalue, mode, quantile, nanquantile,
nansum, nanmean, aminmax, cov, corrcoef.

Selections along a dim find their indices with a non-differentiable op and gather the values, so
the gradient goes to the selected element (PyTorch's rule); median() of all elements shares it
evenly among the elements equal to the median, as PyTorch's does. quantile interpolates between
sorted values with lerp, so its gradient is lerp's. The median is the lower one for an even count.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..function import Op
from ..tensor import Tensor
from ._util import normalize_dim, normalize_dims, tensor_method
from .activation import where
from .comparison import _check_all
from .gather_scatter import _take_values, gather

MedianResult = namedtuple("median", ["values", "indices"])
KthvalueResult = namedtuple("kthvalue", ["values", "indices"])
ModeResult = namedtuple("mode", ["values", "indices"])
AminmaxResult = namedtuple("aminmax", ["min", "max"])


def _float(op: str, input) -> None:
    if input.dtype.kind not in "fc":
        raise RuntimeError(f"{op}: expected a floating point tensor, got dtype {input.dtype}; convert with .float()")


class KthIndex(Op):
    """The index (keepdim form) of the k-th smallest value along dim (NaN sorts last); k None: the lower
    median of the non-NaN values. No gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, x, k, dim):
        order = np.argsort(x, axis=dim, kind="stable")
        if k is None:
            count = np.sum(~np.isnan(x), axis=dim, keepdims=True)
            position = np.maximum((count - 1) // 2, 0)
        else:
            position = np.full([1 if d == dim else s for d, s in enumerate(x.shape)], k)
        return np.take_along_axis(order, position.astype(np.int64), axis=dim)


def _select(input, k, dim, keepdim, op):
    dim = normalize_dim(dim, input.ndim, op)
    if input.ndim == 0:
        return input.clone(), Tensor._wrap(np.zeros((), dtype=np.int64))
    index = KthIndex.apply(input, k, dim)
    values = _take_values(op, input, dim, index)
    if not keepdim:
        values, index = values.squeeze(dim), index.squeeze(dim)
    return values, index


@tensor_method
def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False):
    """(values, indices) of the k-th smallest element (k from 1) along `dim`."""
    size = input.shape[normalize_dim(dim, input.ndim, "kthvalue")] if input.ndim else 1
    if not 1 <= k <= size:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {dim} (k={k}, size {size})")
    return KthvalueResult(*_select(input, k - 1, dim, keepdim, "kthvalue"))


class MedianAll(Op):
    """The lower median of all elements (NaN if any, unless `skip_nan`); the gradient is shared evenly among
    the elements equal to it, as PyTorch's."""

    @staticmethod
    def forward(ctx, x, skip_nan):
        values = x.reshape(-1)
        if skip_nan:
            values = values[~np.isnan(values)]
        if values.size == 0 or (not skip_nan and np.isnan(values).any()):
            out = np.asarray(np.nan, dtype=x.dtype)
        else:
            out = np.partition(values, (values.size - 1) // 2)[(values.size - 1) // 2]
        out = np.asarray(out, dtype=x.dtype)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        hits = x == out
        return where(hits, grad / hits.sum(), 0.0), None


def _median(input, dim, keepdim, skip_nan, op):
    if dim is None:
        if input.numel() == 0:
            raise IndexError(f"{op}() cannot compute the median of an empty tensor")
        return MedianAll.apply(input, skip_nan)
    d = normalize_dim(dim, input.ndim, op)
    n = input.shape[d] if input.ndim else 1
    if skip_nan:
        return MedianResult(*_select(input, None, d, keepdim, op))
    values, index = _select(input, (n - 1) // 2, d, True, op)
    has_nan = input.isnan().any(d, keepdim=True)  # a NaN in the slice makes its median NaN, at the first NaN
    first_nan = input.isnan().long().argmax(d, keepdim=True)
    index = where(has_nan, first_nan, index)
    values = _take_values("median", input, d, index)
    if not keepdim:
        values, index = values.squeeze(d), index.squeeze(d)
    return MedianResult(values, index)


@tensor_method
def median(input, dim=None, keepdim: bool = False):
    """The lower median of all elements, or (values, indices) along `dim`; NaN propagates."""
    return _median(input, dim, keepdim, False, "median")


@tensor_method
def nanmedian(input, dim=None, keepdim: bool = False):
    """median, ignoring NaN values."""
    return _median(input, dim, keepdim, True, "nanmedian")


class ModeIndex(Op):
    """The index (keepdim form) of the most frequent value along dim (the smallest on ties; its last
    position, as PyTorch). No gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, x, dim):
        moved = np.moveaxis(x, dim, -1)
        rows = moved.reshape(-1, moved.shape[-1])
        found = np.empty(rows.shape[0], dtype=np.int64)
        for r, row in enumerate(rows):
            values, counts = np.unique(row, return_counts=True)
            best = values[np.argmax(counts)]  # argmax takes the first (smallest) value among equal counts
            found[r] = np.flatnonzero(row == best)[-1]
        return np.expand_dims(found.reshape(moved.shape[:-1]), dim)


@tensor_method
def mode(input, dim: int = -1, keepdim: bool = False):
    """(values, indices) of the most frequent value along `dim`."""
    if input.ndim == 0:
        return ModeResult(input.clone(), Tensor._wrap(np.zeros((), dtype=np.int64)))
    dim = normalize_dim(dim, input.ndim, "mode")
    index = ModeIndex.apply(input, dim)
    values = _take_values("mode", input, dim, index)
    if not keepdim:
        values, index = values.squeeze(dim), index.squeeze(dim)
    return ModeResult(values, index)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _quantile(input, q, dim, keepdim, interpolation, skip_nan, op):
    from ..creation import tensor
    from .fused import lerp

    _float(op, input)
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"{op}: interpolation must be one of {_INTERPOLATIONS}, got {interpolation!r}")
    qs = q if isinstance(q, Tensor) else tensor(q, dtype=input.dtype)
    if qs.ndim > 1:
        raise RuntimeError(f"{op}() q must be a scalar or 1D tensor, got shape {qs.shape}")
    _check_all((qs >= 0) & (qs <= 1), RuntimeError, f"{op}() q values must be in the range [0, 1]")
    if dim is None:
        x, d = input.reshape(-1), 0
    else:
        x, d = input, normalize_dim(dim, input.ndim, op)
    x = x.movedim(d, -1) if x.ndim else x.reshape(1)
    sorted_values = x.sort(-1).values  # NaN sorts last
    n = x.shape[-1]
    if n == 0:
        raise IndexError(f"{op}() input tensor must be non-empty")
    valid = (~x.isnan()).long().sum(-1, keepdim=True) if skip_nan else None
    last = (valid - 1).clamp(min=0).to(input.dtype) if skip_nan else n - 1
    ranks = qs.reshape(qs.shape + (1,) * x.ndim) * last  # (q..., ..., 1)
    if interpolation == "nearest":
        ranks = ranks.round()
    elif interpolation == "lower":
        ranks = ranks.floor()
    elif interpolation == "higher":
        ranks = ranks.ceil()
    below = ranks.floor().long().clamp(0, n - 1)
    above = ranks.ceil().long().clamp(0, n - 1)
    expanded = sorted_values.expand(*(qs.shape + sorted_values.shape))
    low = gather(expanded, -1, below.expand(*(qs.shape + x.shape[:-1] + (1,))))
    high = gather(expanded, -1, above.expand(*(qs.shape + x.shape[:-1] + (1,))))
    weight = 0.5 if interpolation == "midpoint" else ranks - ranks.floor()
    result = lerp(low, high, weight) if interpolation in ("linear", "midpoint") else low
    if skip_nan:
        result = where(valid == 0, float("nan"), result)
    else:
        result = where(x.isnan().any(-1, keepdim=True), float("nan"), result)
    result = result.squeeze(-1)
    if keepdim:
        if dim is None:
            result = result.reshape(qs.shape + (1,) * input.ndim)
        else:
            result = result.unsqueeze(d + qs.ndim)
    return result


@tensor_method
def quantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear"):
    """The q-th quantiles (q a number or a 1-d tensor in [0, 1]) over `dim` (all elements when None),
    interpolating between sorted values as `interpolation` says; a slice with a NaN gives NaN."""
    return _quantile(input, q, dim, keepdim, interpolation, False, "quantile")


@tensor_method
def nanquantile(input, q, dim=None, keepdim: bool = False, *, interpolation: str = "linear"):
    """quantile, ignoring NaN values (NaN where a slice has nothing else)."""
    return _quantile(input, q, dim, keepdim, interpolation, True, "nanquantile")


@tensor_method
def nansum(input, dim=None, keepdim: bool = False, *, dtype=None):
    """The sum, treating NaN as zero."""
    if input.dtype.kind in "fc":
        input = where(input.isnan(), 0.0, input)
    return input.sum(dim=dim, keepdim=keepdim, dtype=dtype)


@tensor_method
def nanmean(input, dim=None, keepdim: bool = False, *, dtype=None):
    """The mean of the non-NaN values."""
    _float("nanmean", input)
    present = (~input.isnan()).sum(dim=normalize_dims(dim, input.ndim, "nanmean"), keepdim=keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / present


@tensor_method
def aminmax(input, *, dim=None, keepdim: bool = False):
    """(min, max) over `dim` (all elements when None)."""
    return AminmaxResult(input.amin(dim=dim, keepdim=keepdim) if dim is not None else input.amin(),
                         input.amax(dim=dim, keepdim=keepdim) if dim is not None else input.amax())


@tensor_method
def cov(input, *, correction: int = 1, fweights=None, aweights=None):
    """The covariance matrix of the variables in the rows of `input` (observations in the columns)."""
    if fweights is not None or aweights is not None:
        raise NotImplementedError("cov: fweights and aweights are not supported; weight the observations first")
    if input.ndim > 2:
        raise ValueError(f"cov(): expected input to have two or fewer dimensions but got an input with {input.ndim}")
    x = input.reshape(1, -1) if input.ndim < 2 else input
    if x.dtype.kind not in "fc":
        x = x.double() if x.dtype == np.int64 else x.float()
    centred = x - x.mean(1, keepdim=True)
    divisor = max(x.shape[1] - correction, 0)
    out = (centred @ centred.mT) / divisor
    return out.reshape(()) if x.shape[0] == 1 else out  # one variable: a 0-d result, as PyTorch


@tensor_method
def corrcoef(input):
    """Pearson correlation coefficients of the variables in the rows of `input`, clipped to [-1, 1]."""
    c = cov(input)
    if c.ndim == 0:
        return c / c
    d = c.diagonal()
    return (c / d.sqrt().unsqueeze(1) / d.sqrt().unsqueeze(0)).clamp(-1, 1)
