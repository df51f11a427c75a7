"""Pooling: max_pool1d/2d/3d, avg_pool1d/2d/3d, adaptive_avg_pool1d/2d/3d.

Max pooling finds each window's argmax once (a loop over kernel offsets, vectorised over
everything else) and is then a gather at those flat plane indices; its gradient is the
scatter-add back (`_MaxPoolBackward`), and the scatter's gradient is the gather again
(`_IndexGather`, `_IndexScatter`). Average pooling is linear: `_AvgPool` and
`_AvgPoolAdjoint` are each other's derivatives; adaptive average pooling is one small
averaging matmul per spatial dim. The ops take 2 or 3 spatial dims. As PyTorch's, each
backward op also takes the pooled input (with derivative 0), so second derivatives are zeros,
not missing. The 1-d versions run the 2-d
code on a height-1 image. Sizes, padding rules and tie/NaN/padding conventions follow PyTorch.
"""
from __future__ import annotations

import functools
import itertools
import math

import numpy as np

from autograd.function import Op
from autograd.tensor import Tensor

from .conv import _SPATIAL, _tuple

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "avg_pool1d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_avg_pool3d", "max_unpool2d"]


def _pool_output_size(op, n, k, s, p, d, ceil_mode):
    """PyTorch's pooling_output_shape: floor (or ceil) of (n + 2p − d(k−1) − 1)/s, plus 1."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:  # the last window must start inside the input or left padding
        out -= 1
    return out


def _pool_geometry(op, input, kernel_size, stride, padding, dilation, ceil_mode, dims):
    """Checked (kernel, stride, padding, dilation, output size, extra end padding for ceil_mode)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (dims + 1, dims + 2):
        spatial = _SPATIAL[dims]
        raise RuntimeError(f"{op}: expected a {dims + 2}-d input (N, C, {spatial}) or {dims + 1}-d (C, {spatial}), "
                           f"got shape {tuple(input.shape)}")
    kernel = _tuple(kernel_size, dims, "kernel_size", op)
    stride = kernel if stride is None or (not isinstance(stride, int) and len(stride) == 0) else \
        _tuple(stride, dims, "stride", op)
    padding = _tuple(padding, dims, "padding", op)
    dilation = _tuple(dilation, dims, "dilation", op)
    for k, p, d in zip(kernel, padding, dilation):  # PyTorch's two rules: half the plain and the dilated kernel
        if p > k // 2 or p > (d * (k - 1) + 1) // 2:
            raise ValueError(f"{op}: pad should be at most half of the kernel size, but got pad={padding}, "
                             f"kernel_size={kernel} and dilation={dilation}")
    spatial = tuple(input.shape[-dims:])
    out = tuple(_pool_output_size(op, n, k, s, p, d, ceil_mode)
                for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))
    if any(o < 1 for o in out):
        raise RuntimeError(f"{op}: input of shape {tuple(input.shape)} with kernel {kernel}, stride {stride}, "
                           f"padding {padding}, dilation {dilation} gives output size {out}, which is < 1. "
                           "The input is too small: pad it or use a smaller kernel.")
    # ceil_mode's last window may run past the padding: pad the end further (never counted or chosen).
    extra = tuple(max(0, (o - 1) * s + d * (k - 1) + 1 - (n + 2 * p))
                  for o, s, d, k, n, p in zip(out, stride, dilation, kernel, spatial, padding))
    return kernel, stride, padding, dilation, out, extra


def _as_batched(input, dims):
    """(N, C, H, W) or (N, C, D, H, W) view of a 1-d/2-d/3-d, batched/unbatched input (a 1-d one as height 1),
    and a function putting the result back."""
    shape = input.shape
    if dims == 1:
        batch = shape[0] if input.ndim == 3 else 1
        x = input.reshape(batch, shape[-2], 1, shape[-1])
    else:
        x = input if input.ndim == dims + 2 else input.unsqueeze(0)

    def back(out):
        return out.reshape(shape[:-dims] + tuple(out.shape[-dims:]))
    return x, back


def _lift(dims, kernel, stride, padding, dilation, out, extra):
    """The 2-d parameters of a 1-d pool: a height-1 window over a height-1 image (others unchanged)."""
    if dims != 1:
        return kernel, stride, padding, dilation, out, extra
    return (1,) + kernel, (1,) + stride, (0,) + padding, (1,) + dilation, (1,) + out, (0,) + extra


# --------------------------------------------------------------------------- max pooling
def _real_offsets(n: int, k: int, s: int, p: int, d: int, o: int) -> np.ndarray:
    """(k, o) bools along one dimension: whether kernel offset i of window j falls inside the input."""
    positions = np.arange(k)[:, None] * d + (np.arange(o) * s - p)[None, :]
    return (positions >= 0) & (positions < n)


def _first_real(n: int, s: int, p: int, d: int, o: int) -> np.ndarray:
    """PyTorch's starting index of each window: its first dilated position >= 0 (outside the input when
    the whole window lies in padding)."""
    starts = np.arange(o) * s - p
    return np.where(starts < 0, starts + d * ((-starts + d - 1) // d), starts)


def _grid(vectors, combine):
    """combine (np.add, np.logical_and, ...) of one vector per spatial dim, broadcast to their outer grid."""
    dims = len(vectors)
    shaped = [np.asarray(v).reshape([-1 if a == b else 1 for b in range(dims)]) for a, v in enumerate(vectors)]
    return functools.reduce(combine, shaped)


def _plane_strides(spatial: tuple) -> tuple:
    """Row-major strides (in elements) of a plane of this spatial size: (H·W, W, 1) for (D, H, W)."""
    return tuple(math.prod(spatial[a + 1:]) for a in range(len(spatial)))


def _max_pool_indices(x: np.ndarray, kernel, stride, padding, dilation, out, extra) -> tuple:
    """(flat index into the spatial plane of each window's max, whether the window touches the input at all).

    PyTorch's rules: the first maximum wins ties, the last NaN wins over everything, padding never
    wins, and a window entirely in padding is -inf with PyTorch's starting index (outside the input).
    Passes over the kernel offsets, vectorised over everything else.
    """
    spatial, every = x.shape[2:], (slice(None), slice(None))
    if any(padding) or any(extra):
        lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        xp = np.full(x.shape[:2] + tuple(n + 2 * p + e for n, p, e in zip(spatial, padding, extra)), lowest,
                     dtype=x.dtype)
        xp[every + tuple(slice(p, p + n) for n, p in zip(spatial, padding))] = x
    else:
        xp = x
    geometry = list(zip(spatial, kernel, stride, padding, dilation, out))
    real = [_real_offsets(n, k, s, p, d, o) for n, k, s, p, d, o in geometry]
    strides = _plane_strides(spatial)
    offsets = list(itertools.product(*(range(k) for k in kernel)))

    def window(offset):
        return xp[every + tuple(slice(i * d, i * d + s * (o - 1) + 1, s)
                                for i, (_, _, s, _, d, o) in zip(offset, geometry))]

    def flat(offset):
        return sum(i * d * st for i, d, st in zip(offset, dilation, strides))

    best = window(offsets[0]).copy()
    for offset in offsets[1:]:
        np.maximum(best, window(offset), out=best)  # propagates NaN
    base = _grid([(np.arange(o) * s - p) * st for (_, _, s, p, _, o), st in zip(geometry, strides)], np.add)
    start = _grid([_first_real(n, s, p, d, o) * st for (n, _, s, p, d, o), st in zip(geometry, strides)], np.add)
    delta = np.broadcast_to(start - base, best.shape).copy()
    padded = xp is not x  # without padding every position is real: no mask needed

    def is_real(offset):
        return _grid([r[i] for r, i in zip(real, offset)], np.logical_and) if padded else True

    for offset in reversed(offsets):  # backwards, so the first maximum is the one kept
        np.copyto(delta, flat(offset), where=(window(offset) == best) & is_real(offset))
    if x.dtype.kind == "f":
        nan = np.isnan(best)
        if nan.any():
            for offset in offsets:  # forwards: the last NaN is the one kept, as PyTorch
                np.copyto(delta, flat(offset), where=nan & np.isnan(window(offset)) & is_real(offset))
    valid = _grid([r.any(axis=0) for r in real], np.logical_and)
    return delta + base, (None if valid.all() else valid)


def _global_index(index: np.ndarray, shape: tuple, valid=None) -> np.ndarray:
    """Plane indices (N, C, ...) → indices into the whole flattened (N, C, *spatial) array (0 where not valid)."""
    n, c = shape[:2]
    plane = math.prod(shape[2:])
    if valid is not None:
        index = np.where(valid, index, 0)
    return index + (np.arange(n * c, dtype=np.int64) * plane).reshape((n, c) + (1,) * (index.ndim - 2))


def _gather_planes(x: np.ndarray, index: np.ndarray, valid, fill) -> np.ndarray:
    out = x.reshape(-1)[_global_index(index, x.shape, valid)]
    return out if valid is None else np.where(valid, out, np.asarray(fill, x.dtype))


def _scatter_planes(src: np.ndarray, index: np.ndarray, shape: tuple, valid, unique: bool) -> np.ndarray:
    flat = _global_index(index, shape, valid)
    if valid is not None:
        src = np.where(valid, src, np.zeros((), src.dtype))
    if unique:  # non-overlapping windows: plain assignment
        out = np.zeros(math.prod(shape), dtype=src.dtype)
        out[flat] = src
    else:
        out = np.bincount(flat.ravel(), weights=src.ravel(), minlength=math.prod(shape)).astype(src.dtype)
    return out.reshape(shape)


class _MaxPool(Op):
    """(max over each window, flat plane index of that max); the gradient goes to the index (_MaxPoolBackward)."""

    @staticmethod
    def forward(ctx, x, kernel, stride, padding, dilation, out, extra, unique):
        index, valid = _max_pool_indices(x, kernel, stride, padding, dilation, out, extra)
        ctx.save_for_backward(x, index, valid)
        ctx.unique = unique
        lowest = -np.inf if x.dtype.kind == "f" else np.iinfo(x.dtype).min
        return _gather_planes(x, index, valid, lowest), index

    @staticmethod
    def backward(ctx, grad, grad_index):
        x, index, valid = ctx.saved_tensors
        return (_MaxPoolBackward.apply(grad, x, index, valid, ctx.unique),) + (None,) * 7


class _MaxPoolBackward(Op):
    """The gradient at each window's max index (PyTorch's max_pool2d/3d_with_indices_backward). It takes the
    input too, with derivative 0, as PyTorch's does: second derivatives are zeros, not missing."""

    @staticmethod
    def forward(ctx, grad, x, index, valid, unique):
        ctx.save_for_backward(index, valid)
        ctx.unique, ctx.x_shape = unique, x.shape
        return _scatter_planes(grad, index, x.shape, valid, unique)

    @staticmethod
    def backward(ctx, gg):
        from autograd.creation import zeros

        index, valid = ctx.saved_tensors
        grad_x = zeros(ctx.x_shape, dtype=gg.dtype) if ctx.needs_input_grad[1] else None
        return _IndexGather.apply(gg, index, valid, ctx.unique), grad_x, None, None, None


class _IndexGather(Op):
    """out[n, c, l] = x[n, c, index[n, c, l]] over flattened planes (0 where not valid); the gradient scatters back."""

    @staticmethod
    def forward(ctx, x, index, valid, unique):
        ctx.save_for_backward(index, valid)
        ctx.shape, ctx.unique = x.shape, unique
        return _gather_planes(x, index, valid, 0)

    @staticmethod
    def backward(ctx, grad):
        index, valid = ctx.saved_tensors
        return _IndexScatter.apply(grad, index, ctx.shape, valid, ctx.unique, None), None, None, None


class _IndexScatter(Op):
    """Zeros of `shape` with src[n, c, l] added at plane position index[n, c, l]; the adjoint of _IndexGather."""

    @staticmethod
    def forward(ctx, src, index, shape, valid, unique, op):
        if op is not None and index.size:  # user indices (max_unpool2d): each must be in its plane
            plane = math.prod(shape[2:])
            if index.min() < 0 or index.max() >= plane:
                bad = int(index.min() if index.min() < 0 else index.max())
                raise IndexError(f"{op}: index {bad} is out of range for an output plane of {plane} elements "
                                 f"(output size {tuple(shape[2:])}); indices must come from max_pool2d(..., "
                                 "return_indices=True) with matching sizes")
        ctx.save_for_backward(index, valid)
        ctx.unique = unique
        return _scatter_planes(src, index, shape, valid, unique)

    @staticmethod
    def backward(ctx, grad):
        index, valid = ctx.saved_tensors
        return _IndexGather.apply(grad, index, valid, ctx.unique), None, None, None, None, None


def _max_pool(op, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, dims):
    kernel, stride, padding, dilation, out, extra = _pool_geometry(op, input, kernel_size, stride, padding,
                                                                    dilation, ceil_mode, dims)
    x, back = _as_batched(input, dims)
    kernel, stride, padding, dilation, out, extra = _lift(dims, kernel, stride, padding, dilation, out, extra)
    unique = all(s >= d * (k - 1) + 1 for s, d, k in zip(stride, dilation, kernel))
    values, index = _MaxPool.apply(x, kernel, stride, padding, dilation, out, extra, unique)
    result = back(values)
    if return_indices:
        return result, index.reshape(result.shape)
    return result


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max over each (dilated) window of (N, C, H, W); the gradient goes to the window's argmax.

    stride defaults to kernel_size; padding counts as -inf. With return_indices, also the flat
    H·W index of each max (as PyTorch, usable by max_unpool2d).
    """
    return _max_pool("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def max_pool3d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max over each (dilated) window of (N, C, D, H, W), as torch.nn.functional.max_pool3d; with return_indices
    also the flat D·H·W index of each max."""
    return _max_pool("max_pool3d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 3)


def max_pool1d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """Max over each window of (N, C, L), as torch.nn.functional.max_pool1d."""
    return _max_pool("max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


def max_unpool2d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Put each value back at its max_pool2d index in a zero (N, C, H, W) map (the partial inverse of max_pool2d)."""
    kernel = _tuple(kernel_size, 2, "kernel_size", "max_unpool2d")
    stride = kernel if stride is None else _tuple(stride, 2, "stride", "max_unpool2d")
    padding = _tuple(padding, 2, "padding", "max_unpool2d")
    if output_size is None:
        output_size = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip(input.shape[-2:], stride, padding, kernel))
    output_size = tuple(output_size)[-2:]
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"max_unpool2d: indices of shape {tuple(indices.shape)} must match input {tuple(input.shape)}")
    x, back = _as_batched(input, 2)
    index = indices.long().reshape(x.shape)
    return back(_IndexScatter.apply(x, index, tuple(x.shape[:2]) + output_size, None, False, "max_unpool2d"))


# --------------------------------------------------------------------------- average pooling
def _window_counts(n, k, s, p, o, extra, include_pad):
    """How many positions each window covers along one dimension (PyTorch's divisor rule)."""
    mask = np.zeros(n + 2 * p + extra)
    mask[0 if include_pad else p:n + 2 * p if include_pad else n + p] = 1
    starts = np.arange(o) * s
    csum = np.concatenate([[0], np.cumsum(mask)])
    return csum[np.minimum(starts + k, len(mask))] - csum[starts]


def _strided(offset, stride, out) -> tuple:
    """The slice of a padded input that kernel offset `offset` reads for every window."""
    return (slice(None), slice(None)) + tuple(slice(i, i + s * (o - 1) + 1, s) for i, s, o in zip(offset, stride, out))


class _AvgPool(Op):
    """Window sums over the zero-padded input times 1/divisor; linear, so the adjoint is its gradient."""

    @staticmethod
    def forward(ctx, x, geo, scale):
        kernel, stride, padding, out_size, extra = geo
        spatial = x.shape[2:]
        xp = np.zeros(x.shape[:2] + tuple(n + 2 * p + e for n, p, e in zip(spatial, padding, extra)), dtype=x.dtype)
        xp[(slice(None), slice(None)) + tuple(slice(p, p + n) for n, p in zip(spatial, padding))] = x
        out = np.zeros(x.shape[:2] + tuple(out_size), dtype=x.dtype)
        for offset in itertools.product(*(range(k) for k in kernel)):
            out += xp[_strided(offset, stride, out_size)]
        out *= scale
        ctx.save_for_backward(x, scale)
        ctx.geo = geo
        return out

    @staticmethod
    def backward(ctx, grad):
        x, scale = ctx.saved_tensors
        return _AvgPoolAdjoint.apply(grad, x, ctx.geo, scale), None, None


class _AvgPoolAdjoint(Op):
    """Each output gradient spread evenly (× 1/divisor) over its window; the gradient of _AvgPool. It takes
    the pooled input too, with derivative 0 (PyTorch's avg_pool2d_backward): second derivatives are zeros."""

    @staticmethod
    def forward(ctx, g, x, geo, scale):
        kernel, stride, padding, out_size, extra = geo
        spatial = x.shape[2:]
        ctx.x_shape = x.shape
        scaled = g * scale
        xp = np.zeros(g.shape[:2] + tuple(n + 2 * p + e for n, p, e in zip(spatial, padding, extra)), dtype=g.dtype)
        for offset in itertools.product(*(range(k) for k in kernel)):
            xp[_strided(offset, stride, out_size)] += scaled
        ctx.save_for_backward(scale)
        ctx.geo = geo
        return np.ascontiguousarray(xp[(slice(None), slice(None)) + tuple(slice(p, p + n)
                                                                         for n, p in zip(spatial, padding))])

    @staticmethod
    def backward(ctx, grad):
        from autograd.creation import zeros

        scale, = ctx.saved_tensors
        grad_x = zeros(ctx.x_shape, dtype=grad.dtype) if ctx.needs_input_grad[1] else None
        return _AvgPool.apply(grad, ctx.geo, scale), grad_x, None, None


def _avg_pool(op, input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, dims):
    geometry = _pool_geometry(op, input, kernel_size, stride, padding, 1, ceil_mode, dims)
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {input.dtype}")
    x, back = _as_batched(input, dims)
    kernel, stride, padding, _, out, extra = _lift(dims, *geometry)
    if divisor_override is not None:
        if divisor_override == 0:
            raise ValueError(f"{op}: divisor_override must be non-zero")
        scale = np.full(out, 1.0 / divisor_override)
    else:
        counts = [_window_counts(n, k, s, p, o, e, count_include_pad)
                  for n, k, s, p, o, e in zip(x.shape[2:], kernel, stride, padding, out, extra)]
        scale = 1.0 / _grid(counts, np.multiply)
    geo = (kernel, stride, padding, out, extra)
    return back(_AvgPool.apply(x, geo, scale.astype(x.dtype)))


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """Mean over each window of (N, C, H, W); zero padding counts in the divisor unless count_include_pad=False."""
    return _avg_pool("avg_pool2d", input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 2)


def avg_pool3d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Tensor:
    """Mean over each window of (N, C, D, H, W), as torch.nn.functional.avg_pool3d."""
    return _avg_pool("avg_pool3d", input, kernel_size, stride, padding, ceil_mode, count_include_pad,
                     divisor_override, 3)


def avg_pool1d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Tensor:
    """Mean over each window of (N, C, L), as torch.nn.functional.avg_pool1d."""
    return _avg_pool("avg_pool1d", input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, 1)


# --------------------------------------------------------------------------- adaptive average pooling
def _averaging_matrix(n: int, out: int, dtype) -> np.ndarray:
    """(out, n): row i averages PyTorch's bin [⌊i·n/out⌋, ⌈(i+1)·n/out⌉)."""
    matrix = np.zeros((out, n), dtype=dtype)
    for i in range(out):  # a loop over output bins (a handful), not over data
        start, end = (i * n) // out, -((-(i + 1) * n) // out)
        matrix[i, start:end] = 1.0 / (end - start)
    return matrix


def _average_bins(x: np.ndarray, in_size: tuple, out_size: tuple, adjoint: bool) -> np.ndarray:
    """Each trailing spatial dim times its (out, in) averaging matrix (its transpose for the adjoint)."""
    first = x.ndim - len(in_size)
    for axis, (n, o) in enumerate(zip(in_size, out_size), start=first):
        matrix = _averaging_matrix(n, o, x.dtype)
        x = np.swapaxes(np.swapaxes(x, axis, -1) @ (matrix if adjoint else matrix.T), axis, -1)
    return np.ascontiguousarray(x)


class _AdaptiveAvgPool(Op):
    """x averaged over PyTorch's bins in each of its trailing len(size) dims (A_h · x · A_wᵀ in 2-d)."""

    @staticmethod
    def forward(ctx, x, size):
        ctx.save_for_backward(x)
        ctx.size = size
        return _average_bins(x, x.shape[x.ndim - len(size):], size, adjoint=False)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return _AdaptiveAvgPoolBackward.apply(grad, x, ctx.size), None


class _AdaptiveAvgPoolBackward(Op):
    """The adjoint averaging (A_hᵀ · g · A_w in 2-d), the gradient of _AdaptiveAvgPool. It takes the input too,
    with derivative 0 (PyTorch's _adaptive_avg_pool2d_backward), so second derivatives are zeros, not missing."""

    @staticmethod
    def forward(ctx, grad, x, size):
        ctx.size, ctx.x_shape = size, x.shape
        return _average_bins(grad, x.shape[x.ndim - len(size):], size, adjoint=True)

    @staticmethod
    def backward(ctx, gg):
        from autograd.creation import zeros

        grad_x = zeros(ctx.x_shape, dtype=gg.dtype) if ctx.needs_input_grad[1] else None
        return _AdaptiveAvgPool.apply(gg, ctx.size), grad_x, None


def _adaptive_size(op: str, input, output_size, dims: int) -> tuple:
    """The checked output size of adaptive pooling over the trailing `dims` dims (None keeps that size)."""
    if not isinstance(input, Tensor) or input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{op}: expected a {dims + 1}-d or {dims + 2}-d input, got shape "
                           f"{tuple(getattr(input, 'shape', ()))}")
    names = {2: "a pair", 3: "a triple"}
    single = isinstance(output_size, int) or output_size is None
    size = (output_size,) * dims if single else tuple(output_size)
    if len(size) != dims:
        raise ValueError(f"{op}: output_size must be an int or {names[dims]}, got {output_size!r}")
    size = tuple(n if o is None else int(o) for n, o in zip(input.shape[-dims:], size))
    if any(o < 0 for o in size):
        raise ValueError(f"{op}: output_size must be non-negative, got {output_size!r}")
    return size


def _adaptive_avg_pool(op: str, input, output_size, dims: int) -> Tensor:
    size = _adaptive_size(op, input, output_size, dims)
    if 0 in input.shape[1 if input.ndim == dims + 2 else 0:]:
        raise RuntimeError(f"{op}: expected input to have non-zero size for non-batch dimensions, "
                           f"got shape {tuple(input.shape)}")
    if size == (1,) * dims:
        return input.mean(tuple(range(-dims, 0)), keepdim=True)
    return _AdaptiveAvgPool.apply(input, size)


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """Average (N, C, H, W) into output_size bins per spatial dim (None keeps that size), as PyTorch:
    bin i covers [⌊i·n/out⌋, ⌈(i+1)·n/out⌉). An output size of (1, 1) is the mean, as in PyTorch."""
    return _adaptive_avg_pool("adaptive_avg_pool2d", input, output_size, 2)


def adaptive_avg_pool3d(input: Tensor, output_size) -> Tensor:
    """Average (N, C, D, H, W) into output_size bins per spatial dim (None keeps that size), as PyTorch."""
    return _adaptive_avg_pool("adaptive_avg_pool3d", input, output_size, 3)


def adaptive_avg_pool1d(input: Tensor, output_size: int) -> Tensor:
    """Average (N, C, L) into output_size bins, as torch.nn.functional.adaptive_avg_pool1d."""
    if not isinstance(input, Tensor) or input.ndim not in (2, 3):
        raise RuntimeError(f"adaptive_avg_pool1d: expected a 2-d or 3-d input, got shape {tuple(getattr(input, 'shape', ()))}")
    size = output_size[0] if isinstance(output_size, (tuple, list)) else output_size
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)).squeeze(-2)
