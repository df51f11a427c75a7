"""More pooling, as torch.nn.functional: adaptive max pooling (1-d, 2-d, 3-d), power-average pooling
(lp_pool1d/2d), max_unpool1d and the *_with_indices forms of max pooling.

adaptive_max_pool takes the max over PyTorch's bins [⌊i·n/out⌋, ⌈(i+1)·n/out⌉) of each spatial
dimension: an op finds each bin's argmax (the first on ties; NaN wins), then `_BinMax` reads the values
at those plane indices and scatters the gradient back to them; as PyTorch's backward (which takes the
input), that gradient stays connected to the input, with zero second derivatives there.
lp_pool is (Σ xᵖ over the window)^(1/p), from avg_pool as PyTorch computes it.
"""
from __future__ import annotations

import itertools

import numpy as np

from autograd.function import Op
from autograd.tensor import Tensor

from .conv import _tuple
from .pooling import (
    _adaptive_size,
    _gather_planes,
    _MaxPoolBackward,
    _plane_strides,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
    max_pool3d,
    max_unpool2d,
)

__all__ = ["adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d", "adaptive_max_pool1d_with_indices",
           "adaptive_max_pool2d_with_indices", "adaptive_max_pool3d_with_indices", "lp_pool1d", "lp_pool2d",
           "max_unpool1d", "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices"]


def _bins(n: int, out: int) -> list:
    return [((i * n) // out, -((-(i + 1) * n) // out)) for i in range(out)]


class _AdaptiveArgmax(Op):
    """For (N, C, *spatial) and an output size per spatial dim: the flat plane index of each bin's maximum."""

    differentiable = False

    @staticmethod
    def forward(ctx, x, out_size):
        n, c = x.shape[:2]
        spatial = x.shape[2:]
        strides = _plane_strides(spatial)
        index = np.empty((n, c) + tuple(out_size), dtype=np.int64)
        bins = [list(enumerate(_bins(m, o))) for m, o in zip(spatial, out_size)]
        for cell in itertools.product(*bins):  # a loop over the output bins, not the data
            position = tuple(i for i, _ in cell)
            window = x[(slice(None), slice(None)) + tuple(slice(a, b) for _, (a, b) in cell)]
            best = np.argmax(window.reshape(n, c, -1), axis=-1)
            coords = np.unravel_index(best, window.shape[2:])
            index[(slice(None), slice(None)) + position] = sum((a + k) * st for (_, (a, _)), k, st
                                                               in zip(cell, coords, strides))
        return index


class _BinMax(Op):
    """x (N, C, *spatial) read at the flat plane indices `index` (N, C, *out): max pooling's gather, with its
    backward (_MaxPoolBackward, which keeps the gradient connected to x, as PyTorch's)."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.save_for_backward(x, index)
        return _gather_planes(x, index, None, 0)

    @staticmethod
    def backward(ctx, grad):
        x, index = ctx.saved_tensors
        return _MaxPoolBackward.apply(grad, x, index, None, False), None


def _adaptive_max_pool(op: str, input, output_size, dims: int):
    out = _adaptive_size(op, input, output_size, dims)
    if min(out) < 1 or 0 in input.shape[-dims:]:
        raise RuntimeError(f"{op}: input {tuple(input.shape)} and output_size {output_size!r} must be non-empty")
    unbatched = input.ndim == dims + 1
    x = input.unsqueeze(0) if unbatched else input
    index = _AdaptiveArgmax.apply(x, out)
    values = _BinMax.apply(x, index)
    if unbatched:
        values, index = values.squeeze(0), index.squeeze(0)
    return values, index


def adaptive_max_pool2d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """(max over each adaptive bin of (N, C, H, W) or (C, H, W), flat H·W index of each max)."""
    return _adaptive_max_pool("adaptive_max_pool2d", input, output_size, 2)


def adaptive_max_pool2d(input: Tensor, output_size, return_indices: bool = False):
    """Max over output_size adaptive bins of (N, C, H, W); with return_indices also the flat H·W indices."""
    values, index = adaptive_max_pool2d_with_indices(input, output_size)
    return (values, index) if return_indices else values


def adaptive_max_pool3d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    """(max over each adaptive bin of (N, C, D, H, W) or (C, D, H, W), flat D·H·W index of each max)."""
    return _adaptive_max_pool("adaptive_max_pool3d", input, output_size, 3)


def adaptive_max_pool3d(input: Tensor, output_size, return_indices: bool = False):
    """Max over output_size adaptive bins of (N, C, D, H, W); with return_indices also the flat D·H·W indices."""
    values, index = adaptive_max_pool3d_with_indices(input, output_size)
    return (values, index) if return_indices else values


def adaptive_max_pool1d_with_indices(input: Tensor, output_size, return_indices: bool = False):
    if not isinstance(input, Tensor) or input.ndim not in (2, 3):
        raise RuntimeError(f"adaptive_max_pool1d: expected a 2-d or 3-d input, got shape "
                           f"{tuple(getattr(input, 'shape', ()))}")
    size = output_size[0] if isinstance(output_size, (tuple, list)) else output_size
    values, index = adaptive_max_pool2d_with_indices(input.unsqueeze(-2), (1, size))
    return values.squeeze(-2), index.squeeze(-2)


def adaptive_max_pool1d(input: Tensor, output_size, return_indices: bool = False):
    """Max over output_size adaptive bins of (N, C, L); with return_indices also the indices."""
    values, index = adaptive_max_pool1d_with_indices(input, output_size)
    return (values, index) if return_indices else values


def lp_pool2d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """(Σ xᵖ over each window)^(1/p) of (N, C, H, W): p = 1 is sum pooling, p = ∞ max pooling."""
    kh, kw = _tuple(kernel_size, 2, "kernel_size", "lp_pool2d")
    out = avg_pool2d(input ** norm_type, (kh, kw), stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu() * (kh * kw)) ** (1.0 / norm_type)


def lp_pool1d(input: Tensor, norm_type: float, kernel_size, stride=None, ceil_mode: bool = False) -> Tensor:
    """(Σ xᵖ over each window)^(1/p) of (N, C, L)."""
    k = _tuple(kernel_size, 1, "kernel_size", "lp_pool1d")[0]
    out = avg_pool1d(input ** norm_type, k, stride, 0, ceil_mode)
    return (out.sign() * out.abs().relu() * k) ** (1.0 / norm_type)


def max_unpool1d(input: Tensor, indices: Tensor, kernel_size, stride=None, padding=0, output_size=None) -> Tensor:
    """Put each value back at its max_pool1d index in a zero (N, C, L) map."""
    k = _tuple(kernel_size, 1, "kernel_size", "max_unpool1d")[0]
    s = k if stride is None else _tuple(stride, 1, "stride", "max_unpool1d")[0]
    p = _tuple(padding, 1, "padding", "max_unpool1d")[0]
    length = (input.shape[-1] - 1) * s - 2 * p + k if output_size is None else tuple(output_size)[-1]
    out = max_unpool2d(input.unsqueeze(-2), indices.unsqueeze(-2), (1, k), (1, s), (0, p), (1, length))
    return out.squeeze(-2)


def max_pool2d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False):
    """max_pool2d returning (values, indices), as PyTorch's."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool1d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False):
    """max_pool1d returning (values, indices), as PyTorch's."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool3d_with_indices(input: Tensor, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
                            return_indices: bool = False):
    """max_pool3d returning (values, indices), as PyTorch's."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)
