"""Reductions over dimensions: sum, mean, var/std, prod, max/min, logsumexp, softmax, norm, cumsum.

`dim` is an int, a tuple or None (all), negatives allowed, with `keepdim`. Backward
rules reshape the gradient to keepdim form and let it broadcast back over the reduced
dimensions. Tie rule: `max()`/`min()`/`amax`/`amin` share the gradient evenly among
equal extreme values; `max(dim)`/`min(dim)` send it to the returned index only (as PyTorch).
"""
from __future__ import annotations

import builtins
import functools
import math
from collections import namedtuple

import numpy as np

from ..engine import Function
from ..tensor import Tensor
from ._util import normalize_dim, normalize_dims, tensor_method
from .elementwise import where


def numpy_aliases(fn):
    """Accept numpy's spellings too (axis=, keepdims=, out=None), so np.sum(tensor) and friends work as in PyTorch."""
    @functools.wraps(fn)
    def wrapper(input, *args, axis=None, keepdims=None, out=None, ddof=None, **kwargs):
        if out is not None:
            raise TypeError(f"{fn.__name__}: out= is not supported; use the returned tensor")
        if axis is not None:
            kwargs["dim"] = axis
        if keepdims is not None:
            kwargs["keepdim"] = keepdims
        if ddof is not None:
            kwargs["correction"] = ddof
        if kwargs.get("dtype", 0) is None:
            del kwargs["dtype"]
        return fn(input, *args, **kwargs)
    return wrapper



def _keep_shape(shape: tuple, dims: tuple) -> tuple:
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def _to_keepdim(grad: Tensor, shape: tuple, dims: tuple, keepdim: bool) -> Tensor:
    """Reshape a reduced gradient so it broadcasts against the input again."""
    return grad if keepdim else grad.reshape(_keep_shape(shape, dims))


class Sum(Function):
    """Sum over dims; the gradient is broadcast back."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x._data.shape, dims, keepdim
        return np.sum(x._data, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return _to_keepdim(grad, ctx.shape, ctx.dims, ctx.keepdim).expand(ctx.shape), None, None


class Mean(Function):
    """Mean over dims; the gradient is broadcast back and divided by the count."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x._data.shape, dims, keepdim
        ctx.count = math.prod(x._data.shape[d] for d in dims)
        return np.mean(x._data, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return (_to_keepdim(grad, ctx.shape, ctx.dims, ctx.keepdim) / ctx.count).expand(ctx.shape), None, None


def _float_input(input: Tensor, op: str) -> None:
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"{op}: expected a floating point tensor, got dtype {input.dtype}; convert with .float()")


@tensor_method
@numpy_aliases
def sum(input, dim=None, keepdim: bool = False, dtype=None):
    """Sum of elements over `dim` (all when None)."""
    if dtype is not None:
        input = input.to(dtype)
    dims = normalize_dims(dim, input.ndim, "sum")
    if input._data.dtype == np.bool_:
        input = input.long()
    return Sum.apply(input, dims, keepdim)


@tensor_method
@numpy_aliases
def mean(input, dim=None, keepdim: bool = False, dtype=None):
    """Mean over `dim` (all when None)."""
    if dtype is not None:
        input = input.to(dtype)
    _float_input(input, "mean")
    return Mean.apply(input, normalize_dims(dim, input.ndim, "mean"), keepdim)


def _correction(correction, unbiased) -> float:
    if unbiased is not None:
        if correction is not None:
            raise ValueError("var/std: give correction or unbiased, not both")
        return 1 if unbiased else 0
    return 1 if correction is None else correction


@tensor_method
@numpy_aliases
def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Variance over `dim`, dividing by N - correction (Bessel's correction, 1, by default)."""
    if isinstance(dim, bool):  # var(True) in the old positional form means unbiased
        dim, unbiased = None, dim
    _float_input(input, "var")
    dims = normalize_dims(dim, input.ndim, "var")
    count = math.prod(input.shape[d] for d in dims)
    centred = input - input.mean(dim=dims, keepdim=True)
    divisor = count - _correction(correction, unbiased)  # (not max(): this module's max() is the tensor op)
    return (centred * centred).sum(dim=dims, keepdim=keepdim) / (divisor if divisor > 0 else 0)


@tensor_method
@numpy_aliases
def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Standard deviation: √var."""
    return var(input, dim, unbiased, keepdim, correction=correction).sqrt()


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


class Prod(Function):
    """Product over one dim (or all); d/dx_i = product of the others (exact with zeros too)."""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.save_for_backward(x)
        ctx.dim, ctx.keepdim = dim, keepdim
        return np.asarray(np.prod(x._data, axis=dim, keepdims=keepdim))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        flat = x.reshape(-1) if ctx.dim is None else x
        dim = 0 if ctx.dim is None else ctx.dim
        g = grad.reshape((1,) * flat.ndim) if ctx.dim is None else _to_keepdim(grad, x.shape, (dim,), ctx.keepdim)
        if not np.any(flat._data == 0):
            out = flat.prod(dim, keepdim=True)
            result = g * out / flat
        else:
            result = g * _product_of_others(flat, dim)
        return result.reshape(x.shape), None, None


def _product_of_others(x: Tensor, dim: int) -> Tensor:
    """For each position along `dim`, the product of the other entries (differentiable, zero-safe)."""
    n = x.shape[dim]
    if n == 1:
        return x * 0 + 1
    parts = []
    for i in range(n):
        others = cat([x.narrow(dim, 0, i), x.narrow(dim, i + 1, n - i - 1)], dim)
        parts.append(others.prod(dim, keepdim=True))
    return cat(parts, dim)


@tensor_method
@numpy_aliases
def prod(input, dim=None, keepdim: bool = False, dtype=None):
    """Product of elements over one `dim` (all when None)."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is not None:
        dim = normalize_dim(dim, input.ndim, "prod")
    return Prod.apply(input, dim, keepdim)


class Amax(Function):
    """Largest (or smallest) value over dims; ties share the gradient evenly."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, largest):
        reduce = np.max if largest else np.min
        if x._data.size == 0:
            raise RuntimeError(f"{'amax' if largest else 'amin'}: cannot reduce an empty tensor of shape {x.shape}")
        out = reduce(x._data, axis=dims, keepdims=True)
        hits = x._data == out
        ctx.share = hits / np.sum(hits, axis=dims, keepdims=True)
        ctx.shape, ctx.dims, ctx.keepdim = x._data.shape, dims, keepdim
        return out if keepdim else np.squeeze(out, axis=dims)

    @staticmethod
    def backward(ctx, grad):
        return _to_keepdim(grad, ctx.shape, ctx.dims, ctx.keepdim) * ctx.share.astype(grad.dtype), None, None, None


@tensor_method
@numpy_aliases
def amax(input, dim=None, keepdim: bool = False):
    return Amax.apply(input, normalize_dims(dim, input.ndim, "amax"), keepdim, True)


@tensor_method
@numpy_aliases
def amin(input, dim=None, keepdim: bool = False):
    return Amax.apply(input, normalize_dims(dim, input.ndim, "amin"), keepdim, False)


MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


@tensor_method
@numpy_aliases
def max(input, dim=None, keepdim: bool = False):
    """max() of all elements; max(dim) gives (values, indices); max(other) is elementwise maximum."""
    if isinstance(dim, Tensor):
        return input.maximum(dim)
    if dim is None:
        return amax(input)
    dim = normalize_dim(dim, input.ndim, "max")
    indices = np.expand_dims(np.argmax(input._data, axis=dim), dim)
    values = gather(input, dim, Tensor._wrap(indices))
    if not keepdim:
        values, indices = values.squeeze(dim), np.squeeze(indices, axis=dim)
    return MaxResult(values, Tensor._wrap(indices))


@tensor_method
@numpy_aliases
def min(input, dim=None, keepdim: bool = False):
    """min() of all elements; min(dim) gives (values, indices); min(other) is elementwise minimum."""
    if isinstance(dim, Tensor):
        return input.minimum(dim)
    if dim is None:
        return amin(input)
    dim = normalize_dim(dim, input.ndim, "min")
    indices = np.expand_dims(np.argmin(input._data, axis=dim), dim)
    values = gather(input, dim, Tensor._wrap(indices))
    if not keepdim:
        values, indices = values.squeeze(dim), np.squeeze(indices, axis=dim)
    return MinResult(values, Tensor._wrap(indices))


@tensor_method
@numpy_aliases
def argmax(input, dim=None, keepdim: bool = False):
    """Index of the largest value (of the flattened tensor when dim is None); no gradient."""
    if dim is None:
        return Tensor._wrap(np.asarray(np.argmax(input._data)))
    dim = normalize_dim(dim, input.ndim, "argmax")
    return Tensor._wrap(np.argmax(input._data, axis=dim, keepdims=keepdim))


@tensor_method
@numpy_aliases
def argmin(input, dim=None, keepdim: bool = False):
    """Index of the smallest value; no gradient."""
    if dim is None:
        return Tensor._wrap(np.asarray(np.argmin(input._data)))
    dim = normalize_dim(dim, input.ndim, "argmin")
    return Tensor._wrap(np.argmin(input._data, axis=dim, keepdims=keepdim))


@tensor_method
@numpy_aliases
def all(input, dim=None, keepdim: bool = False):
    axis = None if dim is None else normalize_dims(dim, input.ndim, "all")
    return Tensor._wrap(np.asarray(np.all(input._data, axis=axis, keepdims=keepdim)))


@tensor_method
@numpy_aliases
def any(input, dim=None, keepdim: bool = False):
    axis = None if dim is None else normalize_dims(dim, input.ndim, "any")
    return Tensor._wrap(np.asarray(np.any(input._data, axis=axis, keepdims=keepdim)))


class Gather(Function):
    """out[i][j] = x[i][index[i][j]] along `dim` (torch.gather); backward scatters (adds) back."""

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim, ctx.index = x._data.shape, dim, index
        return np.take_along_axis(x._data, index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return ScatterAdd.apply(grad, ctx.dim, ctx.index, ctx.shape), None, None


class ScatterAdd(Function):
    """Zeros of `shape` with `src` added at `index` along `dim`; the adjoint of Gather."""

    @staticmethod
    def forward(ctx, src, dim, index, shape):
        ctx.dim, ctx.index = dim, index
        out = np.zeros(shape, dtype=src._data.dtype)
        if _unique_along(index, dim):
            np.put_along_axis(out, index, src._data, axis=dim)
        else:
            np.add.at(out, _full_index(index, dim), src._data)
        return out

    @staticmethod
    def backward(ctx, grad):
        return Gather.apply(grad, ctx.dim, ctx.index), None, None, None


def _unique_along(index: np.ndarray, dim: int) -> bool:
    return index.shape[dim] <= 1 or np.all(np.diff(np.sort(index, axis=dim), axis=dim) != 0)


def _full_index(index: np.ndarray, dim: int) -> tuple:
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


@tensor_method
def gather(input, dim: int, index):
    """Pick values along `dim` at integer `index` (same rank as input), as torch.gather."""
    dim = normalize_dim(dim, input.ndim, "gather")
    index = np.asarray(index._data if isinstance(index, Tensor) else index)
    if index.dtype.kind not in "iu":
        raise TypeError(f"gather: index must be an integer tensor, got dtype {index.dtype}")
    if index.ndim != input.ndim:
        raise RuntimeError(
            f"gather: index has {index.ndim} dimensions but input has {input.ndim} (shape {input.shape}); they must match"
        )
    return Gather.apply(input, dim, index)


class LogSumExp(Function):
    """log Σ exp(x), shifted by the max for stability; the gradient is softmax(x)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        shift = np.max(x._data, axis=dims, keepdims=True) if x._data.size else 0
        shift = np.where(np.isfinite(shift), shift, 0)
        out_keep = np.log(np.sum(np.exp(x._data - shift), axis=dims, keepdims=True)) + shift
        ctx.dims, ctx.keepdim = dims, keepdim
        out = Tensor._wrap(out_keep if keepdim else np.squeeze(out_keep, axis=dims))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        out = _to_keepdim(out, x.shape, ctx.dims, ctx.keepdim)
        return _to_keepdim(grad, x.shape, ctx.dims, ctx.keepdim) * (x - out).exp(), None, None


@tensor_method
def logsumexp(input, dim, keepdim: bool = False):
    return LogSumExp.apply(input, normalize_dims(dim, input.ndim, "logsumexp"), keepdim)


class Softmax(Function):
    """exp(x)/Σexp(x) along dim; backward: s·(g - Σ g·s)."""

    @staticmethod
    def forward(ctx, x, dim):
        shifted = np.exp(x._data - np.max(x._data, axis=dim, keepdims=True, initial=-np.inf))  # initial: empty ok
        out = Tensor._wrap(shifted / np.sum(shifted, axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return out * (grad - (grad * out).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Function):
    """x - logsumexp(x) along dim, stable; backward: g - softmax·Σg."""

    @staticmethod
    def forward(ctx, x, dim):
        shifted = x._data - np.max(x._data, axis=dim, keepdims=True, initial=-np.inf)  # initial: empty ok
        out = Tensor._wrap(shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True)))
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad - out.exp() * grad.sum(ctx.dim, keepdim=True), None


def _softmax_dim(input, dim, op):
    if dim is None:
        raise TypeError(f"{op}: dim is required (the dimension to normalise over), e.g. {op}(x, dim=-1)")
    return normalize_dim(dim, input.ndim, op)


@tensor_method
def softmax(input, dim=None, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    _float_input(input, "softmax")
    return Softmax.apply(input, _softmax_dim(input, dim, "softmax"))


@tensor_method
def log_softmax(input, dim=None, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    _float_input(input, "log_softmax")
    return LogSoftmax.apply(input, _softmax_dim(input, dim, "log_softmax"))


class Norm2(Function):
    """Euclidean norm over dims; d/dx = x/‖x‖ (0 where the norm is 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        out = Tensor._wrap(np.sqrt(np.sum(x._data * x._data, axis=dims, keepdims=keepdim)))
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        out = _to_keepdim(out, x.shape, ctx.dims, ctx.keepdim)
        safe = where(out._data == 0, 1.0, out)
        return _to_keepdim(grad, x.shape, ctx.dims, ctx.keepdim) * x / safe, None, None


@tensor_method
def norm(input, p=2, dim=None, keepdim: bool = False):
    """Vector p-norm over `dim` (all when None): p = 1, 2, inf, -inf, 'fro' or any positive number."""
    _float_input(input, "norm")
    dims = normalize_dims(dim, input.ndim, "norm")
    if p in ("fro", 2, 2.0):
        return Norm2.apply(input, dims, keepdim)
    if p in (1, 1.0):
        return input.abs().sum(dim=dims, keepdim=keepdim)
    if p in (math.inf, "inf"):
        return input.abs().amax(dim=dims, keepdim=keepdim)
    if p in (-math.inf, "-inf"):
        return input.abs().amin(dim=dims, keepdim=keepdim)
    if isinstance(p, (int, float)) and p > 0:
        return (input.abs() ** p).sum(dim=dims, keepdim=keepdim) ** (1.0 / p)
    raise ValueError(f"norm: unsupported p={p!r}; use 1, 2, inf, -inf, 'fro' or a positive number")


class Cumsum(Function):
    """Running sum along dim; the gradient is the reversed running sum of the gradient."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return np.cumsum(x._data, axis=dim, dtype=x._data.dtype if x._data.dtype.kind == "f" else None)

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim), None


@tensor_method
def cumsum(input, dim: int):
    return Cumsum.apply(input, normalize_dim(dim, input.ndim, "cumsum"))


def cat(tensors, dim: int = 0):  # re-exported from shape; imported lazily to avoid a cycle
    from .shape import cat as _cat
    return _cat(tensors, dim)


SortResult = namedtuple("sort", ["values", "indices"])
TopkResult = namedtuple("topk", ["values", "indices"])


@tensor_method
def sort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    """Sorted values along `dim` and their indices; the gradient follows the values back to their places."""
    dim = normalize_dim(dim, input.ndim, "sort")
    order = np.argsort(-input._data if descending else input._data, axis=dim, kind="stable")
    return SortResult(gather(input, dim, order) if input.ndim else input, Tensor._wrap(order))


@tensor_method
def argsort(input, dim: int = -1, descending: bool = False, stable: bool = False):
    return sort(input, dim, descending).indices


@tensor_method
def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):
    """The k largest (or smallest) values along `dim`, with their indices."""
    dim = normalize_dim(dim, input.ndim, "topk")
    if not 0 <= k <= (input.shape[dim] if input.ndim else 1):
        raise RuntimeError(f"topk: k ({k}) is out of range for dimension {dim} of size {input.shape[dim]}")
    order = np.argsort(-input._data if largest else input._data, axis=dim, kind="stable")
    index = np.take(order, np.arange(k), axis=dim)
    return TopkResult(gather(input, dim, index), Tensor._wrap(index))


@tensor_method
def sum_to_size(input, *size):
    """Sum over broadcast dimensions so the result has `size` (the adjoint of expand)."""
    from ..engine import sum_to_shape
    size = tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
    return sum_to_shape(input, size, "sum_to_size") if size != input.shape else input


@tensor_method
def trace(input):
    """Sum of the main diagonal of a 2-D tensor."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a 2-D tensor, got shape {input.shape}")
    return input.diagonal().sum()


@tensor_method
def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """The diagonal over dims (dim1, dim2), moved to the last dimension, as torch.diagonal."""
    from .shape import GetItem
    d1, d2 = normalize_dim(dim1, input.ndim, "diagonal"), normalize_dim(dim2, input.ndim, "diagonal")
    moved = input.movedim(d1, -1).movedim(d2 if d2 < d1 else d2 - 1, -1)
    n, m = moved.shape[-2], moved.shape[-1]
    start, stop = builtins.max(0, -offset), builtins.min(n, m - offset)
    rows = np.arange(start, builtins.max(start, stop))
    return GetItem.apply(moved, (Ellipsis, rows, rows + offset))


@tensor_method
def isclose(input, other, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False):
    return Tensor._wrap(np.isclose(input._data, getattr(other, "_data", other), rtol=rtol, atol=atol, equal_nan=equal_nan))


@tensor_method
def allclose(input, other, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> bool:
    return bool(np.allclose(input._data, getattr(other, "_data", other), rtol=rtol, atol=atol, equal_nan=equal_nan))


@tensor_method
def equal(input, other) -> bool:
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


@tensor_method
def nonzero(input, as_tuple: bool = False):
    """Indices of non-zero elements: an (n, ndim) integer tensor, or a tuple of index tensors."""
    if as_tuple:
        return tuple(Tensor._wrap(i) for i in np.nonzero(input._data))
    return Tensor._wrap(np.argwhere(input._data))


@tensor_method
def count_nonzero(input, dim=None):
    return Tensor._wrap(np.asarray(np.count_nonzero(input._data, axis=dim)))


Tensor.new_zeros = lambda self, *size, dtype=None: Tensor(np.zeros(_size(size), dtype=dtype or self.dtype))
Tensor.new_ones = lambda self, *size, dtype=None: Tensor(np.ones(_size(size), dtype=dtype or self.dtype))
Tensor.new_full = lambda self, size, fill_value, dtype=None: Tensor(np.full(tuple(size), fill_value, dtype=dtype or self.dtype))
Tensor.new_empty = Tensor.new_zeros
Tensor.new_tensor = lambda self, data, dtype=None: Tensor(np.array(getattr(data, "_data", data), dtype=dtype or self.dtype))
Tensor.type_as = lambda self, other: self.to(other.dtype)


def _size(size):
    return tuple(size[0]) if len(size) == 1 and isinstance(size[0], (tuple, list)) else tuple(size)
