"""`unfold` (im2col) and `fold` (col2im), as torch.nn.functional.unfold / fold.

unfold: (N, C, H, W) → (N, C·kh·kw, L), one column per position of a kh×kw window sliding with the
given stride, padding and dilation (L positions; rows ordered channel, kernel row, kernel column).
fold: the adjoint, (N, C·kh·kw, L) → (N, C, H, W), adding each column back onto the pixels it
covers (overlaps sum). Each is the other's derivative, so gradients of any order are folds and
unfolds again. They reuse the convolution's window arithmetic (`nn.functional.conv`).
"""
from __future__ import annotations

import numbers

from autograd.function import Op
from autograd.tensor import Tensor

from .conv import _col2im, _Geometry, _im2col, _tuple

__all__ = ["unfold", "fold"]


class Unfold(Op):
    """(N, C, H, W) → (N, C·kh·kw, L): the sliding windows as columns."""

    @staticmethod
    def forward(ctx, x, geo):
        ctx.geo = geo
        n, c = x.shape[:2]
        return _im2col(x, geo).reshape(n, c * geo.kernel_size[0] * geo.kernel_size[1], -1)

    @staticmethod
    def backward(ctx, grad):
        return Fold.apply(grad, ctx.geo), None


class Fold(Op):
    """(N, C·kh·kw, L) → (N, C, H, W): each column added back onto the window it describes."""

    @staticmethod
    def forward(ctx, cols, geo):
        ctx.geo = geo
        n = cols.shape[0]
        c = cols.shape[1] // (geo.kernel_size[0] * geo.kernel_size[1])
        return _col2im(cols, geo, n, c)

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, ctx.geo), None


def _geometry(op: str, spatial: tuple, kernel_size, dilation, padding, stride) -> _Geometry:
    kernel = _tuple(kernel_size, 2, "kernel_size", op)
    dilation = _tuple(dilation, 2, "dilation", op)
    padding = _tuple(padding, 2, "padding", op)
    stride = _tuple(stride, 2, "stride", op)
    if any(v <= 0 for v in kernel + dilation + stride) or any(p < 0 for p in padding):
        raise RuntimeError(f"{op}: kernel_size {kernel}, dilation {dilation} and stride {stride} must be positive and "
                           f"padding {padding} non-negative")
    out = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1 for n, k, d, p, s in zip(spatial, kernel, dilation, padding, stride))
    if any(o < 1 for o in out):
        raise RuntimeError(f"{op}: spatial size {spatial} with kernel_size {kernel}, dilation {dilation}, padding "
                           f"{padding} and stride {stride} gives {out} sliding blocks, which is not positive; the "
                           "input is too small for the kernel")
    return _Geometry(tuple(spatial), kernel, stride, tuple((p, p) for p in padding), dilation, 1, out)


def unfold(input: Tensor, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Extract sliding local blocks: (N, C, H, W) → (N, C·kh·kw, L), or (C, H, W) → (C·kh·kw, L)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"unfold: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (3, 4):
        raise NotImplementedError(f"unfold: input must be 3-D (C, H, W) or 4-D (N, C, H, W), got shape "
                                  f"{tuple(input.shape)}")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    geo = _geometry("unfold", tuple(x.shape[2:]), kernel_size, dilation, padding, stride)
    out = Unfold.apply(x, geo)
    return out.squeeze(0) if unbatched else out


def fold(input: Tensor, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Tensor:
    """Combine sliding local blocks into an image: (N, C·kh·kw, L) → (N, C, *output_size), summing overlaps."""
    if not isinstance(input, Tensor):
        raise TypeError(f"fold: input must be a Tensor, got {type(input).__name__}")
    if input.ndim not in (2, 3):
        raise NotImplementedError(f"fold: input must be 2-D (C·kh·kw, L) or 3-D (N, C·kh·kw, L), got shape "
                                  f"{tuple(input.shape)}")
    unbatched = input.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    size = _tuple(output_size, 2, "output_size", "fold")
    if any(not isinstance(s, numbers.Integral) or s <= 0 for s in size):
        raise RuntimeError(f"fold: output_size must be positive, got {output_size!r}")
    geo = _geometry("fold", size, kernel_size, dilation, padding, stride)
    blocks = geo.kernel_size[0] * geo.kernel_size[1]
    if x.shape[1] % blocks:
        raise RuntimeError(f"fold: expected size of input's dimension 1 to be divisible by the product of kernel_size "
                           f"({blocks}), but got input.size(1)={x.shape[1]}")
    length = geo.output_size[0] * geo.output_size[1]
    if x.shape[2] != length:
        raise RuntimeError(f"fold: given output_size={size}, kernel_size={geo.kernel_size}, dilation={geo.dilation}, "
                           f"padding={tuple(p for p, _ in geo.padding)}, stride={geo.stride}, expected size of "
                           f"input's dimension 2 to match the calculated number of sliding blocks {geo.output_size[0]} "
                           f"* {geo.output_size[1]} = {length}, but got input.size(2)={x.shape[2]}.")
    out = Fold.apply(x, geo)
    return out.squeeze(0) if unbatched else out
