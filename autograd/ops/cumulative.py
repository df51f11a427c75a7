"""Running (cumulative) operations along one dimension: cumprod, cummax/cummin, logcumsumexp, and diff.

cumsum, the first of them, lives with the reductions. cummax/cummin find their indices with a
non-differentiable op and gather the values, so the gradient goes to the element that holds each
running extreme (PyTorch's rule; ties go to the latest one, as there). cumprod's gradient is
exact with zeros in the input; logcumsumexp's is written to stay finite for any input.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..function import Op
from ..tensor import Tensor
from ._util import normalize_dim, tensor_method

CummaxResult = namedtuple("cummax", ["values", "indices"])
CumminResult = namedtuple("cummin", ["values", "indices"])


def _moved_last(x: Tensor, dim: int) -> Tensor:
    return x if dim == x.ndim - 1 else x.movedim(dim, -1)


def _moved_back(x: Tensor, dim: int, ndim: int) -> Tensor:
    return x if dim == ndim - 1 else x.movedim(-1, dim)


class Cumprod(Op):
    """Running product along dim. Without zeros d/dx_k = Σ_{j≥k} g_j·y_j / x_k; with zeros each
    product of the others is formed explicitly (exact, and differentiable again)."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        out = np.cumprod(x, axis=dim, dtype=x.dtype if x.dtype.kind in "fc" else np.int64)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        dim = ctx.dim
        if x.shape[dim] == 1:  # the identity: its gradient is grad itself (constant in x, as PyTorch's)
            return grad, None
        if not (x == 0).any():  # a decision on values: autograd.compile sees it and does not replay it blindly
            return (grad * out).flip(dim).cumsum(dim).flip(dim) / x, None
        return _cumprod_grad_with_zeros(grad, x, dim), None


def _cumprod_grad_with_zeros(grad: Tensor, x: Tensor, dim: int) -> Tensor:
    """d(cumprod)/dx · grad with zeros present: for each k, Σ_{j≥k} g_j · Π_{i≤j, i≠k} x_i."""
    from ..creation import eye, ones
    from .activation import where

    n = x.shape[dim]
    xs, gs = _moved_last(x, dim), _moved_last(grad, dim)  # (..., n)
    others = where(eye(n, dtype=np.bool_), 1.0, xs.unsqueeze(-2).expand(*xs.shape[:-1], n, n))  # row k: x_k set to 1
    products = others.cumprod(-1)  # [..., k, j] = Π_{i≤j, i≠k} x_i
    upper = ones(n, n, dtype=np.bool_).triu()  # [k, j]: j >= k
    summed = where(upper, products * gs.unsqueeze(-2), 0.0).sum(-1)
    return _moved_back(summed, dim, x.ndim)


@tensor_method
def cumprod(input, dim: int, *, dtype=None, out=None):
    """Running product along `dim`; integer and bool inputs give int64, as PyTorch."""
    from ..devices import check_options

    check_options("cumprod", out=out)
    if dtype is not None:
        input = input.to(dtype)
    if input.ndim == 0:
        normalize_dim(dim, 0, "cumprod")
        return input.reshape(1).cumprod(0).reshape(())
    return Cumprod.apply(input, normalize_dim(dim, input.ndim, "cumprod"))


class CumulativeIndex(Op):
    """Indices of the running maximum (largest=True) or minimum along dim: the latest position holding it
    (NaN, once seen, is the extreme), as PyTorch's cummax/cummin. No gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, x, dim, largest):
        running = (np.maximum if largest else np.minimum).accumulate(x, axis=dim)  # NaN propagates, as PyTorch's
        holds = (x == running) | (np.isnan(x) & np.isnan(running)) if x.dtype.kind in "fc" else (x == running)
        shape = [1] * x.ndim
        shape[dim] = x.shape[dim]
        positions = np.arange(x.shape[dim]).reshape(shape)
        return np.maximum.accumulate(np.where(holds, positions, 0), axis=dim).astype(np.int64)


def _cumulative_extreme(input, dim, largest, op):
    from .gather_scatter import _take_values

    if input.ndim == 0:
        normalize_dim(dim, 0, op)
        values, indices = _cumulative_extreme(input.reshape(1), 0, largest, op)
        return values.reshape(()), indices.reshape(())
    dim = normalize_dim(dim, input.ndim, op)
    indices = CumulativeIndex.apply(input, dim, largest)
    return _take_values(op, input, dim, indices), indices


@tensor_method
def cummax(input, dim: int):
    """(values, indices) of the running maximum along `dim`; the gradient goes to each maximum's position."""
    return CummaxResult(*_cumulative_extreme(input, dim, True, "cummax"))


@tensor_method
def cummin(input, dim: int):
    """(values, indices) of the running minimum along `dim`."""
    return CumminResult(*_cumulative_extreme(input, dim, False, "cummin"))


class LogCumSumExp(Op):
    """log Σ_{i≤j} exp(x_i) along dim, without overflow. d/dx_i = Σ_{j≥i} g_j·exp(x_i - y_j), formed
    with every exponent ≤ 0 (an n×n triangle along dim), so it stays finite and differentiable again."""

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        out = np.logaddexp.accumulate(x, axis=dim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        from ..creation import ones
        from .activation import where

        x, out = ctx.saved_tensors
        dim = ctx.dim
        xs, ys, gs = (_moved_last(t, dim) for t in (x, out, grad))
        n = xs.shape[-1]
        later = ones(n, n, dtype=np.bool_).triu()  # [i, j]: j >= i
        exponents = where(later, xs.unsqueeze(-1) - ys.unsqueeze(-2), -np.inf)
        summed = (exponents.exp() * gs.unsqueeze(-2)).sum(-1)
        return _moved_back(summed, dim, x.ndim), None


@tensor_method
def logcumsumexp(input, dim: int):
    """log(cumsum(exp(input))) along `dim`, computed stably."""
    if input.dtype.kind not in "fc":
        raise NotImplementedError(f"logcumsumexp: not implemented for dtype {input.dtype} (as in PyTorch); "
                                  "convert with .float()")
    if input.ndim == 0:
        normalize_dim(dim, 0, "logcumsumexp")
        return input.clone()
    return LogCumSumExp.apply(input, normalize_dim(dim, input.ndim, "logcumsumexp"))


@tensor_method
def diff(input, n: int = 1, dim: int = -1, prepend=None, append=None):
    """The n-th forward difference along `dim` (prepend/append joined first); bool tensors use xor, as PyTorch."""
    from .shape import cat

    if input.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
        raise RuntimeError(f"diff expects n to be non-negative, got {n!r}")
    dim = normalize_dim(dim, input.ndim, "diff")
    parts = []
    for name, extra in (("prepend", prepend), (None, input), ("append", append)):
        if extra is None:
            continue
        if not isinstance(extra, Tensor):
            extra = Tensor._from_data(extra)
        if extra.ndim != input.ndim:
            raise RuntimeError(f"diff expects prepend or append to be the same dimension as input; {name} has "
                               f"{extra.ndim} dimensions, input {input.ndim}")
        parts.append(extra)
    out = cat(parts, dim) if len(parts) > 1 else input
    for _ in range(int(n)):
        length = out.shape[dim]
        if length == 0:
            break
        later, earlier = out.narrow(dim, 1, length - 1), out.narrow(dim, 0, length - 1)
        out = later.logical_xor(earlier) if out.dtype.kind == "b" else later - earlier
    return out
