"""Reductions over dimensions: sum, mean, var/std, prod, amax/amin, max/min, argmax/argmin, all/any,
logsumexp, softmax/log_softmax, cumsum, count_nonzero. (Vector norms: `norms.py`.)

`dim` is an int, a tuple or None (all), negatives allowed, with `keepdim`. Backward rules
reshape the gradient to keepdim form and let it broadcast back over the reduced dimensions.
Tie rule: `max()`/`min()`/`amax`/`amin` share the gradient evenly among equal extreme
values; `max(dim)`/`min(dim)` send it to the returned index only (both as PyTorch).
"""
from __future__ import annotations

import builtins
import functools
import math
from collections import namedtuple

import numpy as np

from ..function import Op
from ..tensor import Tensor
from ._util import normalize_dim, normalize_dims, tensor_method
from .activation import where

builtin_max = builtins.max  # this module defines its own max


def _numpy_aliases(fn):
    """Accept numpy's spellings too (axis=, keepdims=, out=None), so np.sum(tensor) and friends work."""
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


def _float_input(input: Tensor, op: str) -> None:
    if input._data.dtype.kind not in "fc":
        raise RuntimeError(f"{op}: expected a floating point tensor, got dtype {input.dtype}; convert with .float()")


class Sum(Op):
    """Sum over dims; the gradient is broadcast back."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return np.sum(x, axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return _to_keepdim(grad, ctx.shape, ctx.dims, ctx.keepdim).expand(ctx.shape), None, None


class Mean(Op):
    """Mean over dims; the gradient is broadcast back and divided by the count."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        ctx.count = math.prod(x.shape[d] for d in dims)
        return _mean(x, dims, keepdim, ctx.count)

    @staticmethod
    def backward(ctx, grad):
        scale = 1.0 / ctx.count if ctx.count else float("nan")
        return (_to_keepdim(grad, ctx.shape, ctx.dims, ctx.keepdim) * scale).expand(ctx.shape), None, None


def _mean(x: np.ndarray, dims: tuple, keepdim: bool, count: int) -> np.ndarray:
    """The mean as sum / count (the mean of nothing is 0/0 = nan, as PyTorch, without numpy's warning)."""
    total = np.sum(x, axis=dims, keepdims=keepdim)
    return np.asarray(total / count if count else total * np.nan, dtype=x.dtype)


@tensor_method
@_numpy_aliases
def sum(input, dim=None, keepdim: bool = False, *, dtype=None):
    """Sum of elements over `dim` (all when None); bool and integer inputs sum as int64, as PyTorch."""
    if dtype is not None:
        input = input.to(dtype)
    elif input._data.dtype.kind in "biu":
        input = input.long()
    return Sum.apply(input, normalize_dims(dim, input.ndim, "sum"), keepdim)


@tensor_method
@_numpy_aliases
def mean(input, dim=None, keepdim: bool = False, *, dtype=None):
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


class Var(Op):
    """Variance over dims, dividing by N - correction (by 0 when that is not positive: inf or nan, as
    PyTorch). PyTorch's var_backward: 2/(N - correction) · g · (x - mean); for a reduction over
    everything with N - correction <= 0 it is g · (nan where x equals the mean, else inf)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, correction, full):
        count = math.prod(x.shape[d] for d in dims)
        centred = x - _mean(x, dims, True, count)
        ctx.save_for_backward(x)
        ctx.dims, ctx.keepdim, ctx.correction, ctx.full, ctx.count = dims, keepdim, correction, full, count
        total = np.sum(centred * centred, axis=dims, keepdims=keepdim)
        return np.asarray(total / builtin_max(count - correction, 0), dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return _var_backward(grad, x, ctx.dims, ctx.keepdim, ctx.correction, ctx.full, ctx.count), None, None, None, None


class Std(Op):
    """√var over dims. PyTorch's std_backward: var_backward of g / (2·std), with 0 where std = 0 (equal
    values give a zero gradient, not 0 · inf = nan). The saved output keeps the second derivative connected."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, correction, full):
        count = math.prod(x.shape[d] for d in dims)
        centred = x - _mean(x, dims, True, count)
        total = np.sum(centred * centred, axis=dims, keepdims=keepdim)
        out = np.asarray(np.sqrt(total / builtin_max(count - correction, 0)), dtype=x.dtype)
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim, ctx.correction, ctx.full, ctx.count = dims, keepdim, correction, full, count
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        grad_var = (grad / (out * 2)).masked_fill(out == 0, 0.0)
        return _var_backward(grad_var, x, ctx.dims, ctx.keepdim, ctx.correction, ctx.full, ctx.count), None, None, \
            None, None


def _var_backward(grad, x, dims, keepdim, correction, full, count):
    """PyTorch's var_backward, in Tensor ops (so it is differentiable again)."""
    dof = count - correction
    if full:
        if dof <= 0:
            return grad * where(x == x.mean(), math.nan, math.inf)
        return grad * (x - x.mean()) * (2.0 / dof)
    grad = _to_keepdim(grad, x.shape, dims, keepdim)
    scale = 2.0 / dof if dof else math.inf
    return grad * (x - x.mean(dims, keepdim=True)) * scale


def _variance_args(input, dim, unbiased, correction, op):
    if isinstance(dim, bool):  # var(True) in the old positional form means unbiased
        dim, unbiased = None, dim
    _float_input(input, op)
    full = dim is None or (not isinstance(dim, int) and len(tuple(dim)) == 0)
    return normalize_dims(dim, input.ndim, op), _correction(correction, unbiased), full


@tensor_method
@_numpy_aliases
def var(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Variance over `dim`, dividing by N - correction (Bessel's correction, 1, by default)."""
    dims, correction, full = _variance_args(input, dim, unbiased, correction, "var")
    return Var.apply(input, dims, keepdim, correction, full)


@tensor_method
@_numpy_aliases
def std(input, dim=None, unbiased=None, keepdim: bool = False, *, correction=None):
    """Standard deviation: √var, with a zero gradient where all values are equal (as PyTorch)."""
    dims, correction, full = _variance_args(input, dim, unbiased, correction, "std")
    return Std.apply(input, dims, keepdim, correction, full)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean) over `dim`."""
    return var(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean) over `dim`."""
    return std(input, dim, unbiased, keepdim, correction=correction), mean(input, dim, keepdim)


class Prod(Op):
    """Product over one dim (or all); d/dx_i = the product of the others (exact with zeros too)."""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.save_for_backward(x)
        ctx.dim, ctx.keepdim = dim, keepdim
        return np.prod(x, axis=dim, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        if x.ndim == 0:  # the product of one element: d/dx = 1, as PyTorch
            return grad, None, None
        flat = x.reshape(-1) if ctx.dim is None else x
        dim = 0 if ctx.dim is None else ctx.dim
        g = grad.reshape((1,) * flat.ndim) if ctx.dim is None else _to_keepdim(grad, x.shape, (dim,), ctx.keepdim)
        if not (flat == 0).any():  # a decision on values: autograd.compile sees it and does not replay it blindly
            result = g * flat.prod(dim, keepdim=True) / flat
        else:
            result = g * _product_of_others(flat, dim)
        return result.reshape(x.shape), None, None


def _product_of_others(x: Tensor, dim: int) -> Tensor:
    """For each position along `dim`, the product of the other entries (differentiable, zero-safe)."""
    from .shape import cat

    n = x.shape[dim]
    if n == 1:
        return x * 0 + 1
    parts = []
    for i in range(n):
        others = cat([x.narrow(dim, 0, i), x.narrow(dim, i + 1, n - i - 1)], dim)
        parts.append(others.prod(dim, keepdim=True))
    return cat(parts, dim)


@tensor_method
@_numpy_aliases
def prod(input, dim=None, keepdim: bool = False, *, dtype=None):
    """Product of elements over one `dim` (all when None)."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is not None:
        dim = normalize_dim(dim, input.ndim, "prod")
        if input.ndim == 0:
            dim = None
    return Prod.apply(input, dim, keepdim)


class Amax(Op):
    """Largest value over dims (NaN wins). PyTorch's amax rule: the gradient is shared evenly among the
    entries equal to the result, (g / count) · mask, so a NaN result gives NaN gradients (count 0)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, op):
        return _extreme_value(ctx, x, dims, keepdim, np.max, op)

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return _share_among_ties(grad, x, out, ctx.dims, ctx.keepdim), None, None, None


class Amin(Op):
    """Smallest value over dims (NaN wins); the gradient as Amax's."""

    @staticmethod
    def forward(ctx, x, dims, keepdim, op):
        return _extreme_value(ctx, x, dims, keepdim, np.min, op)

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return _share_among_ties(grad, x, out, ctx.dims, ctx.keepdim), None, None, None


class ExtremeAll(Op):
    """max() or min() of every element. PyTorch's evenly_distribute_backward: the gradient is shared among
    the entries equal to the result, or among the NaNs when the result is NaN."""

    @staticmethod
    def forward(ctx, x, largest, op):
        ctx.node_name = "Max" if largest else "Min"  # x.max() and x.min(), as PyTorch names them
        return _extreme_value(ctx, x, tuple(range(x.ndim)), False, np.max if largest else np.min, op)

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        mask = where(out.isnan(), x.isnan(), x == out)
        return where(mask, grad / mask.sum(), 0.0), None, None


def _extreme_value(ctx, x, dims, keepdim, reduce, op):
    empty = [d for d in dims if x.shape[d] == 0] if x.ndim else []
    if empty:
        raise IndexError(f"{op}: cannot reduce over dimension {empty[0]} of size 0 (input of shape {x.shape}): "
                         "the operation has no identity")
    out = reduce(x, axis=dims, keepdims=keepdim)
    ctx.save_for_backward(x, out)
    ctx.dims, ctx.keepdim = dims, keepdim
    return out


def _share_among_ties(grad, x, out, dims, keepdim):
    """PyTorch's scale_grad_by_count: (g / count) · mask, mask = the entries equal to the extreme value."""
    mask = x == _to_keepdim(out, x.shape, dims, keepdim)
    return (_to_keepdim(grad, x.shape, dims, keepdim) / mask.sum(dim=dims, keepdim=True)) * mask


@tensor_method
@_numpy_aliases
def amax(input, dim=None, keepdim: bool = False):
    """Largest value over `dim` (all when None); ties share the gradient."""
    return Amax.apply(input, normalize_dims(dim, input.ndim, "amax"), keepdim, "amax")


@tensor_method
@_numpy_aliases
def amin(input, dim=None, keepdim: bool = False):
    """Smallest value over `dim` (all when None); ties share the gradient."""
    return Amin.apply(input, normalize_dims(dim, input.ndim, "amin"), keepdim, "amin")


class MaxDim(Op):
    """(values, indices) of the max (largest=True) or min along one dim; the gradient goes to the index."""

    @staticmethod
    def forward(ctx, x, dim, keepdim, largest):
        ctx.node_name = "Max" if largest else "Min"
        indices = np.expand_dims((np.argmax if largest else np.argmin)(x, axis=dim), dim)
        values = np.take_along_axis(x, indices, axis=dim)
        ctx.save_for_backward(indices)
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        if not keepdim:
            values, indices = np.squeeze(values, axis=dim), np.squeeze(indices, axis=dim)
        return values, indices

    @staticmethod
    def backward(ctx, grad, grad_indices):
        from .gather_scatter import ScatterAdd

        indices, = ctx.saved_tensors
        g = _to_keepdim(grad, ctx.shape, (ctx.dim,), ctx.keepdim)
        return ScatterAdd.apply(g, ctx.dim, indices, ctx.shape, None), None, None, None


class ArgExtreme(Op):
    """argmax (largest=True) or argmin along a dim, or of the flattened tensor; no gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, x, dim, keepdim, largest):
        find = np.argmax if largest else np.argmin
        if dim is None:
            index = find(x)
            return np.reshape(index, (1,) * x.ndim) if keepdim else np.asarray(index)
        return find(x, axis=dim, keepdims=keepdim)


MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


def _extreme(input, dim, keepdim, largest, op):
    if isinstance(dim, Tensor):
        return input.maximum(dim) if largest else input.minimum(dim)
    if dim is None:
        if keepdim:
            raise TypeError(f"{op}: keepdim needs a dim; use amax/amin(keepdim=True) for every dimension")
        return ExtremeAll.apply(input, largest, op)
    dim = normalize_dim(dim, input.ndim, op)
    if input.shape and input.shape[dim] == 0:
        raise IndexError(f"{op}: cannot take the {op} over dimension {dim} of size 0 (shape {input.shape})")
    if input.ndim == 0:  # PyTorch: the element itself and index 0
        values, indices = MaxDim.apply(input.reshape(1), 0, False, largest)
        return (MaxResult if largest else MinResult)(values, indices)
    values, indices = MaxDim.apply(input, dim, keepdim, largest)
    return (MaxResult if largest else MinResult)(values, indices)


@tensor_method
@_numpy_aliases
def max(input, dim=None, keepdim: bool = False):
    """max() of all elements; max(dim) gives (values, indices); max(other) is elementwise maximum."""
    return _extreme(input, dim, keepdim, True, "max")


@tensor_method
@_numpy_aliases
def min(input, dim=None, keepdim: bool = False):
    """min() of all elements; min(dim) gives (values, indices); min(other) is elementwise minimum."""
    return _extreme(input, dim, keepdim, False, "min")


@tensor_method
@_numpy_aliases
def argmax(input, dim=None, keepdim: bool = False):
    """Index of the largest value (of the flattened tensor when dim is None); no gradient."""
    dim = None if dim is None else normalize_dim(dim, input.ndim, "argmax")
    return ArgExtreme.apply(input, dim, keepdim, True)


@tensor_method
@_numpy_aliases
def argmin(input, dim=None, keepdim: bool = False):
    """Index of the smallest value; no gradient."""
    dim = None if dim is None else normalize_dim(dim, input.ndim, "argmin")
    return ArgExtreme.apply(input, dim, keepdim, False)


class Truth(Op):
    """all (every=True) or any over dims; a bool result, no gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, x, dims, keepdim, every):
        return (np.all if every else np.any)(x, axis=dims, keepdims=keepdim)


@tensor_method
@_numpy_aliases
def all(input, dim=None, keepdim: bool = False):
    """True where every element (over `dim`) is non-zero."""
    return Truth.apply(input, None if dim is None else normalize_dims(dim, input.ndim, "all"), keepdim, True)


@tensor_method
@_numpy_aliases
def any(input, dim=None, keepdim: bool = False):
    """True where some element (over `dim`) is non-zero."""
    return Truth.apply(input, None if dim is None else normalize_dims(dim, input.ndim, "any"), keepdim, False)


class CountNonzero(Op):
    """How many elements are non-zero over dims; no gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, x, dims):
        return np.asarray(np.count_nonzero(x, axis=dims), dtype=np.int64)


@tensor_method
def count_nonzero(input, dim=None):
    return CountNonzero.apply(input, None if dim is None else normalize_dims(dim, input.ndim, "count_nonzero"))


class LogSumExp(Op):
    """log Σ exp(x), shifted by the max for stability; the gradient is softmax(x)."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        shift = np.max(x, axis=dims, keepdims=True) if x.size else np.zeros((), x.dtype)
        shift = np.where(np.isfinite(shift), shift, 0)
        with np.errstate(divide="ignore"):  # log(0) = -inf for an empty or all -inf input, as PyTorch
            out = np.log(np.sum(np.exp(x - shift), axis=dims, keepdims=True)) + shift
        out = (out if keepdim else np.squeeze(out, axis=dims)).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = dims, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        out = _to_keepdim(out, x.shape, ctx.dims, ctx.keepdim)
        return _to_keepdim(grad, x.shape, ctx.dims, ctx.keepdim) * (x - out).exp(), None, None


@tensor_method
def logsumexp(input, dim, keepdim: bool = False):
    return LogSumExp.apply(input, normalize_dims(dim, input.ndim, "logsumexp"), keepdim)


class Softmax(Op):
    """exp(x)/Σexp(x) along dim; backward: s·(g - Σ g·s)."""

    @staticmethod
    def forward(ctx, x, dim):
        shifted = np.exp(x - np.max(x, axis=dim, keepdims=True, initial=-np.inf))  # initial: empty ok
        out = shifted / np.sum(shifted, axis=dim, keepdims=True)
        ctx.dim = dim
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return out * (grad - (grad * out).sum(ctx.dim, keepdim=True)), None


class LogSoftmax(Op):
    """x - logsumexp(x) along dim, stable; backward: g - softmax·Σg."""

    @staticmethod
    def forward(ctx, x, dim):
        shifted = x - np.max(x, axis=dim, keepdims=True, initial=-np.inf)  # initial: empty ok
        out = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
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


class Cumsum(Op):
    """Running sum along dim; the gradient is the reversed running sum of the gradient."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return np.cumsum(x, axis=dim, dtype=x.dtype if x.dtype.kind == "f" else np.int64)

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim), None


@tensor_method
def cumsum(input, dim: int, *, dtype=None):
    if dtype is not None:
        input = input.to(dtype)
    if input.ndim == 0:
        return input.reshape(1).cumsum(0).reshape(())
    return Cumsum.apply(input, normalize_dim(dim, input.ndim, "cumsum"))


@tensor_method
def sum_to_size(input, *size):
    """Sum over broadcast dimensions so the result has `size` (the adjoint of expand)."""
    from ..graph import sum_to_shape
    from ._util import size_args

    size = size_args(size, "sum_to_size")
    return sum_to_shape(input, size, "sum_to_size") if size != input.shape else input
