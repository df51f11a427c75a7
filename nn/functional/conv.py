"""Convolutions: conv1d/2d/3d, conv_transpose1d/2d/3d.

Three primitive Functions share one geometry (2 or 3 spatial dims) and are each other's derivatives,
so gradients of any order are convolutions again (the natural double backward):

    y  = _Conv(x, w)              the convolution: im2col + one batched matmul
    dx = _ConvTranspose(g, w)     its adjoint in x: matmul + col2im (scatter-add per kernel offset)
    dw = _ConvWeightGrad(x, g)    its adjoint in w: input columns times the gradient

Each is bilinear, and the derivative of each in either argument is one of the three.
conv_transpose is `_ConvTranspose` used as a layer; the 1-d versions run the 2-d
code on a height-1 image. Loops run over kernel offsets only, never over pixels or samples.
"""
from __future__ import annotations

import itertools
import math
import numbers
from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from autograd.function import Op
from autograd.tensor import Tensor

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d"]


_SPATIAL = {1: "L", 2: "H, W", 3: "D, H, W"}

# The smallest value each size argument may take (PyTorch raises below these too, some only in forward).
_MINIMUM = {"kernel_size": 1, "stride": 1, "dilation": 1, "padding": 0, "output_padding": 0}


def _tuple(value, n: int, name: str, op: str) -> tuple:
    """An int or a length-n sequence of ints as an n-tuple (PyTorch's _pair/_single), each at least the
    argument's minimum (kernel_size, stride and dilation >= 1; padding >= 0), else a clear error."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        values = (int(value),) * n
    else:
        try:
            values = tuple(int(v) for v in value)
        except TypeError:
            raise TypeError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}") from None
        if len(values) != n:
            raise ValueError(f"{op}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    low = _MINIMUM.get(name)
    if low is not None and any(v < low for v in values):
        raise ValueError(f"{op}: {name} must be {'positive' if low else 'non-negative'} (>= {low}) in every "
                         f"dimension, got {value!r}")
    return values


def conv_output_size(size: int, kernel_size: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """⌊(n + 2p − d(k−1) − 1)/s⌋ + 1: the length a convolution or pooling window slides over."""
    return (size + 2 * padding - dilation * (kernel_size - 1) - 1) // stride + 1


@dataclass(frozen=True)
class _Geometry:
    """Everything about an n-d convolution except the numbers: sizes of x, kernel and y, and how they align."""

    input_size: tuple  # spatial size ((H, W) or (D, H, W)) of the unpadded input x
    kernel_size: tuple  # (kh, kw) or (kd, kh, kw)
    stride: tuple
    padding: tuple  # ((before, after), ...) per spatial dim; may be asymmetric ('same' with even kernels)
    dilation: tuple
    groups: int
    output_size: tuple  # (OH, OW) or (OD, OH, OW)


def _padded(x: np.ndarray, padding: tuple, value=0) -> np.ndarray:
    if not any(a or b for a, b in padding):
        return x
    shape = x.shape[:2] + tuple(n + a + b for n, (a, b) in zip(x.shape[2:], padding))
    out = np.full(shape, value, dtype=x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(a, a + n) for n, (a, _) in zip(x.shape[2:], padding))] = x
    return out


def _windows(xp: np.ndarray, geo: _Geometry) -> np.ndarray:
    """A strided view (N, C, *out, *kernel) of every receptive field of the padded input."""
    dims = len(geo.kernel_size)
    spans = tuple((k - 1) * d + 1 for k, d in zip(geo.kernel_size, geo.dilation))
    view = sliding_window_view(xp, spans, axis=tuple(range(2, 2 + dims)))
    every = (slice(None), slice(None))
    view = view[every + tuple(slice(None, None, s) for s in geo.stride) + tuple(slice(None, None, d) for d in geo.dilation)]
    return view[every + tuple(slice(o) for o in geo.output_size)]


def _im2col(x: np.ndarray, geo: _Geometry) -> np.ndarray:
    """(N, C, *spatial) → columns (N, G, C/G·∏kernel, ∏out): one column per output position (a copy)."""
    n, c = x.shape[:2]
    dims = len(geo.kernel_size)
    windows = _windows(_padded(x, geo.padding), geo)
    # N, C, *kernel, *out: the matmul wants the output positions last
    cols = windows.transpose((0, 1) + tuple(range(2 + dims, 2 + 2 * dims)) + tuple(range(2, 2 + dims)))
    k = c // geo.groups * math.prod(geo.kernel_size)
    return cols.reshape(n, geo.groups, k, math.prod(geo.output_size))


def _col2im(cols: np.ndarray, geo: _Geometry, n: int, c: int) -> np.ndarray:
    """The adjoint of _im2col: add each column back onto the positions it was read from."""
    cols = cols.reshape((n, c) + geo.kernel_size + geo.output_size)
    every = (slice(None), slice(None))
    out = np.zeros((n, c) + tuple(m + a + b for m, (a, b) in zip(geo.input_size, geo.padding)), dtype=cols.dtype)
    for offset in itertools.product(*(range(k) for k in geo.kernel_size)):  # a loop over kernel offsets only
        target = tuple(slice(i * d, i * d + s * (o - 1) + 1, s)
                       for i, d, s, o in zip(offset, geo.dilation, geo.stride, geo.output_size))
        out[every + target] += cols[every + offset]
    if any(a or b for a, b in geo.padding):
        out = np.ascontiguousarray(out[every + tuple(slice(a, a + m) for m, (a, _) in zip(geo.input_size, geo.padding))])
    return out


def _channel_bias(bias: np.ndarray, dims: int) -> np.ndarray:
    return bias.reshape((1, -1) + (1,) * dims)


class _Conv(Op):
    """y = x ⋆ w (+ b) over 2 or 3 spatial dims: im2col and a batched matmul; dx, dw are the adjoint convolutions."""

    @staticmethod
    def forward(ctx, x, weight, bias, geo):
        n, g = x.shape[0], geo.groups
        cols = _im2col(x, geo)
        out_channels = weight.shape[0]
        out = np.matmul(weight.reshape(g, out_channels // g, -1), cols)  # N, G, O/G, ∏out
        out = out.reshape(n, out_channels, *geo.output_size)
        if bias is not None:
            out += _channel_bias(bias, len(geo.output_size))
        ctx.save_for_backward(x, weight, cols if ctx.needs_input_grad[1] else None)  # the columns, reused for dw
        ctx.geo = geo
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight, cols = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grad_x = _ConvTranspose.apply(grad, weight, None, ctx.geo) if need_x else None
        grad_w = _ConvWeightGrad.apply(x, grad, ctx.geo, cols) if need_w else None
        grad_b = _bias_gradient(grad, x, weight) if need_b else None
        return grad_x, grad_w, grad_b, None


class _ConvTranspose(Op):
    """x = gᵀ ⋆ w (+ b): the adjoint of _Conv in its input (the gradient of a convolution; conv_transpose)."""

    @staticmethod
    def forward(ctx, g, weight, bias, geo):
        n, groups = g.shape[0], geo.groups
        out_channels, per_group = weight.shape[:2]
        gmat = g.reshape(n, groups, out_channels // groups, -1)
        wmat = weight.reshape(groups, out_channels // groups, -1)
        cols = np.matmul(wmat.transpose(0, 2, 1), gmat)  # N, G, C/G·∏kernel, ∏out
        out = _col2im(cols, geo, n, per_group * groups)
        if bias is not None:
            out += _channel_bias(bias, len(geo.input_size))
        ctx.save_for_backward(g, weight)
        ctx.geo = geo
        return out

    @staticmethod
    def backward(ctx, grad):
        g, weight = ctx.saved_tensors
        need_g, need_w, need_b = ctx.needs_input_grad[:3]
        grad_g = _Conv.apply(grad, weight, None, ctx.geo) if need_g else None
        grad_w = _ConvWeightGrad.apply(grad, g, ctx.geo, None) if need_w else None
        grad_b = _bias_gradient(grad, g, weight) if need_b else None
        return grad_g, grad_w, grad_b, None


class _ConvWeightGrad(Op):
    """dw = Σₙ g · columns(x)ᵀ: the adjoint of _Conv in its weight. `cols` may be passed in from the forward."""

    @staticmethod
    def forward(ctx, x, g, geo, cols):
        if cols is None:
            cols = _im2col(x, geo)
        n, groups = x.shape[0], geo.groups
        out_channels = g.shape[1]
        gmat = g.reshape(n, groups, out_channels // groups, -1)
        dw = np.matmul(gmat, cols.transpose(0, 1, 3, 2)).sum(0)  # G, O/G, C/G·∏kernel
        ctx.save_for_backward(x, g)
        ctx.geo = geo
        return dw.reshape(out_channels, x.shape[1] // groups, *geo.kernel_size)

    @staticmethod
    def backward(ctx, grad):
        x, g = ctx.saved_tensors
        need_x, need_g = ctx.needs_input_grad[:2]
        grad_x = _ConvTranspose.apply(g, grad, None, ctx.geo) if need_x else None
        grad_g = _Conv.apply(x, grad, None, ctx.geo) if need_g else None
        return grad_x, grad_g, None, None


def _bias_gradient(grad, x, weight):
    """Σ grad over (N, *spatial); under create_graph made to depend on x and weight with derivative 0, as the bias
    gradient of PyTorch's fused convolution_backward is (its second derivatives are zeros, not missing)."""
    from autograd.grad_mode import state
    from autograd.ops.shape import Connected

    total = grad.sum((0,) + tuple(range(2, grad.ndim)))
    return Connected.apply(total, x, weight) if state.grad_enabled else total


# --------------------------------------------------------------------------- argument checking
def _check_operands(op: str, input, weight, bias, dims: int):
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {input.dtype}; convert with .float()")
    if weight.dtype != input.dtype or (bias is not None and bias.dtype != input.dtype):
        raise TypeError(
            f"{op}: input ({input.dtype}), weight ({weight.dtype})"
            + (f" and bias ({bias.dtype})" if bias is not None else "")
            + " must have the same dtype; convert one with .to(dtype)"
        )
    if input.ndim not in (dims + 1, dims + 2):
        spatial = _SPATIAL[dims]
        raise RuntimeError(
            f"{op}: expected a {dims + 2}-d input (N, C, {spatial}) or an unbatched {dims + 1}-d input (C, {spatial}), "
            f"got shape {tuple(input.shape)}"
        )
    if weight.ndim != dims + 2:
        raise RuntimeError(f"{op}: expected a {dims + 2}-d weight, got shape {tuple(weight.shape)}")


def _resolve_padding(op, padding, kernel, dilation, stride, dims):
    """Per-dimension (before, after) pads from an int, a tuple, 'valid' or 'same' (extra pad after, as PyTorch)."""
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * dims
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}: padding='same' is not supported for strided convolutions (stride={stride})")
            totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in totals)
        raise ValueError(f"{op}: padding must be an int, a tuple, 'same' or 'valid', got {padding!r}")
    pads = _tuple(padding, dims, "padding", op)
    return tuple((p, p) for p in pads)


def _common_arguments(op: str, input, weight, bias, stride, dilation, dims: int):
    """Checks shared by convolution and transposed convolution; an unbatched input gains a batch dim."""
    _check_operands(op, input, weight, bias, dims)
    unbatched = input.ndim == dims + 1
    if unbatched:
        input = input.unsqueeze(0)
    stride = _tuple(stride, dims, "stride", op)
    dilation = _tuple(dilation, dims, "dilation", op)
    kernel = tuple(weight.shape[2:])
    if any(k < 1 for k in kernel):
        raise RuntimeError(f"{op}: kernel size should be greater than zero, but the weight has shape "
                           f"{tuple(weight.shape)} (kernel {kernel})")
    return input, unbatched, kernel, stride, dilation


def _as_2d(input, weight, spatial, kernel, stride, pads, dilation, out_size):
    """A 1-d problem as a 2-d one on a height-1 image (one kernel serves both)."""
    return (input.unsqueeze(2), weight.unsqueeze(2), (1,) + spatial, (1,) + kernel, (1,) + stride,
            ((0, 0),) + pads, (1,) + dilation, (1,) + out_size)


def _conv(op: str, input, weight, bias, stride, padding, dilation, groups, dims: int):
    input, unbatched, kernel, stride, dilation = _common_arguments(op, input, weight, bias, stride, dilation, dims)
    pads = _resolve_padding(op, padding, kernel, dilation, stride, dims)
    if not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    in_channels, out_channels = input.shape[1], weight.shape[0]
    if out_channels % groups:
        raise RuntimeError(f"{op}: out_channels ({out_channels}, weight.shape[0]) must be divisible by groups ({groups})")
    if in_channels != weight.shape[1] * groups:
        raise RuntimeError(
            f"{op}: weight of shape {tuple(weight.shape)} with groups={groups} expects input with "
            f"{weight.shape[1] * groups} channels, but got input of shape {tuple(input.shape)} "
            f"({in_channels} channels). Check the layer's in_channels."
        )
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(f"{op}: bias must have shape ({out_channels},), got {tuple(bias.shape)}")
    spatial = tuple(input.shape[2:])
    out_size = tuple((n + a + b - d * (k - 1) - 1) // s + 1
                     for n, (a, b), k, s, d in zip(spatial, pads, kernel, stride, dilation))
    if any(o < 1 for o in out_size):
        raise RuntimeError(
            f"{op}: input of shape {tuple(input.shape)} with kernel {kernel}, stride {stride}, padding "
            f"{padding!r} and dilation {dilation} gives output size {out_size}, which is < 1. The input is too "
            "small for the kernel: pad the input, or use a smaller kernel, stride or dilation."
        )
    if dims == 1:
        input, weight, spatial, kernel, stride, pads, dilation, out_size = _as_2d(
            input, weight, spatial, kernel, stride, pads, dilation, out_size)
    geo = _Geometry(spatial, kernel, stride, pads, dilation, int(groups), out_size)
    out = _Conv.apply(input, weight, bias, geo)
    if dims == 1:
        out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """2-d cross-correlation of (N, C_in, H, W) with weight (C_out, C_in/groups, kH, kW), as torch.nn.functional.conv2d.

    padding: int, (pH, pW), 'valid' (0) or 'same' (output size = input size; stride 1 only).
    """
    return _conv("conv2d", input, weight, bias, stride, padding, dilation, groups, 2)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """3-d cross-correlation of (N, C_in, D, H, W) with weight (C_out, C_in/groups, kD, kH, kW), as
    torch.nn.functional.conv3d. padding: int, (pD, pH, pW), 'valid' or 'same' (stride 1 only)."""
    return _conv("conv3d", input, weight, bias, stride, padding, dilation, groups, 3)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0, dilation=1,
           groups: int = 1) -> Tensor:
    """1-d cross-correlation of (N, C_in, L) with weight (C_out, C_in/groups, k), as torch.nn.functional.conv1d."""
    return _conv("conv1d", input, weight, bias, stride, padding, dilation, groups, 1)


def _conv_transpose(op, input, weight, bias, stride, padding, output_padding, groups, dilation, dims):
    input, unbatched, kernel, stride, dilation = _common_arguments(op, input, weight, bias, stride, dilation, dims)
    if isinstance(padding, str):
        raise ValueError(f"{op}: padding must be an int or a tuple of ints, got {padding!r}")
    pads = _tuple(padding, dims, "padding", op)
    output_padding = _tuple(output_padding, dims, "output_padding", op)
    if any(op_ >= max(s, d) for op_, s, d in zip(output_padding, stride, dilation)):
        raise ValueError(
            f"{op}: output_padding {output_padding} must be smaller than either stride {stride} or dilation {dilation}"
        )
    if not isinstance(groups, numbers.Integral) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    in_channels = input.shape[1]
    if weight.shape[0] != in_channels:
        raise RuntimeError(
            f"{op}: weight of shape {tuple(weight.shape)} (in_channels, out_channels/groups, ...) expects input with "
            f"{weight.shape[0]} channels, but got input of shape {tuple(input.shape)} ({in_channels} channels)"
        )
    if in_channels % groups:
        raise RuntimeError(f"{op}: in_channels ({in_channels}) must be divisible by groups ({groups})")
    out_channels = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(f"{op}: bias must have shape ({out_channels},), got {tuple(bias.shape)}")
    spatial = tuple(input.shape[2:])
    out_size = tuple((n - 1) * s - 2 * p + d * (k - 1) + o + 1
                     for n, s, p, d, k, o in zip(spatial, stride, pads, dilation, kernel, output_padding))
    if any(o < 1 for o in out_size):
        raise RuntimeError(
            f"{op}: input of shape {tuple(input.shape)} with kernel {kernel}, stride {stride}, padding {pads} "
            f"and dilation {dilation} gives output size {out_size}, which is < 1; reduce the padding."
        )
    pads = tuple((p, p) for p in pads)
    if dims == 1:
        input, weight, spatial, kernel, stride, pads, dilation, out_size = _as_2d(
            input, weight, spatial, kernel, stride, pads, dilation, out_size)
    # The geometry of the convolution this transposes: from the output (size out_size) back to the input.
    geo = _Geometry(out_size, kernel, stride, pads, dilation, int(groups), spatial)
    out = _ConvTranspose.apply(input, weight, bias, geo)
    if dims == 1:
        out = out.squeeze(2)
    return out.squeeze(0) if unbatched else out


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed 2-d convolution (the gradient of conv2d in its input), weight (C_in, C_out/groups, kH, kW).

    Output size (H−1)·s − 2p + d(k−1) + output_padding + 1, as torch.nn.functional.conv_transpose2d.
    """
    return _conv_transpose("conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 2)


def conv_transpose3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed 3-d convolution, weight (C_in, C_out/groups, kD, kH, kW), as torch.nn.functional.conv_transpose3d."""
    return _conv_transpose("conv_transpose3d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 3)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
                     output_padding=0, groups: int = 1, dilation=1) -> Tensor:
    """Transposed 1-d convolution, weight (C_in, C_out/groups, k), as torch.nn.functional.conv_transpose1d."""
    return _conv_transpose("conv_transpose1d", input, weight, bias, stride, padding, output_padding, groups,
                           dilation, 1)
