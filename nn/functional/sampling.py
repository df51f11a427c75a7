"""Resampling: `interpolate` (and the deprecated `upsample*`), and the rearrangements `pixel_shuffle`,
`pixel_unshuffle` and `channel_shuffle`.

Every interpolation mode is separable: the output along one spatial dimension is a weighted sum
of a few input positions along it, Σₖ wₖ[o] · x[iₖ[o]], done one dimension at a time from the
last to the first (PyTorch's kernels nest the sums the same way, so float64 results agree to the
last bits). Each step is `index_select` and a multiplication by constant weights, so gradients
of any order come from those ops. The positions and weights follow PyTorch's formulas exactly
(`aten/src/ATen/native/UpSample.h`), in the arithmetic PyTorch uses for them:
    nearest        i = min(⌊o·s⌋, n − 1), s = n/out (or 1/scale_factor) in float32
    nearest-exact  i = min(⌊(o + ½)·s⌋, n − 1)
    linear         x = s·(o + ½) − ½ clamped at 0 (align_corners: s = (n−1)/(out−1), x = s·o);
                   taps ⌊x⌋ and ⌊x⌋ + 1 (not past the end) with weights 1 − λ and λ, λ = x − ⌊x⌋
    cubic          four taps ⌊x⌋ − 1 … ⌊x⌋ + 2 (clamped to the input), Keys' kernel with A = −0.75
    area           adaptive average pooling
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from autograd.tensor import Tensor

from .pooling import adaptive_avg_pool1d, adaptive_avg_pool2d

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "pixel_shuffle", "pixel_unshuffle",
           "channel_shuffle"]

_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "bicubic", "trilinear", "area")
_INTERPOLATING = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}
_CUBIC_A = -0.75


def _opmath(dtype) -> type:
    """The type PyTorch computes positions and weights in: float64 for double tensors, else float32."""
    return np.float64 if np.dtype(dtype) == np.float64 else np.float32


def _scale(in_size: int, out_size: int, scale_factor, align_corners: bool, ftype):
    if align_corners:
        return ftype(in_size - 1) / ftype(out_size - 1) if out_size > 1 else ftype(0)
    if scale_factor is not None and scale_factor > 0:
        return ftype(1.0 / scale_factor)
    return ftype(in_size) / ftype(out_size)


def _nearest_taps(in_size, out_size, scale_factor, exact: bool):
    o = np.arange(out_size)
    if not exact and out_size == in_size:
        return [(o, None)]
    if not exact and out_size == 2 * in_size:
        return [(o >> 1, None)]
    s = _scale(in_size, out_size, scale_factor, False, np.float32)
    if exact:
        src = np.floor(((o + 0.5) * np.float64(s)).astype(np.float32))
    else:
        src = np.floor(o.astype(np.float32) * s)
    return [(np.minimum(src.astype(np.int64), in_size - 1), None)]


def _source_index(in_size, out_size, scale_factor, align_corners, cubic, ftype):
    """PyTorch's area_pixel_compute_source_index, then guard_index_and_lambda: (⌊x⌋ clamped, λ)."""
    s = _scale(in_size, out_size, scale_factor, align_corners, ftype)
    o = np.arange(out_size).astype(ftype)
    x = s * o if align_corners else s * (o + ftype(0.5)) - ftype(0.5)
    if not align_corners and not cubic:
        x = np.maximum(x, ftype(0))
    index = np.minimum(np.floor(x.astype(np.float32)).astype(np.int64), in_size - 1)
    lam = np.clip(x - index.astype(ftype), ftype(0), ftype(1)).astype(ftype)
    return index, lam


def _linear_taps(in_size, out_size, scale_factor, align_corners, ftype):
    if out_size == in_size:
        return [(np.arange(out_size), None)]
    index, lam = _source_index(in_size, out_size, scale_factor, align_corners, False, ftype)
    upper = index + (index < in_size - 1)
    return [(index, ftype(1) - lam), (upper, lam)]


def _cubic_taps(in_size, out_size, scale_factor, align_corners, ftype):
    index, t = _source_index(in_size, out_size, scale_factor, align_corners, True, ftype)
    a = ftype(_CUBIC_A)
    near = lambda x: ((a + 2) * x - (a + 3)) * x * x + 1  # noqa: E731  |x| ≤ 1
    far = lambda x: ((a * x - 5 * a) * x + 8 * a) * x - 4 * a  # noqa: E731  1 < |x| < 2
    one = ftype(1)
    weights = [far(t + one), near(t), near(one - t), far((one - t) + one)]
    return [(np.clip(index - 1 + j, 0, in_size - 1), w.astype(ftype)) for j, w in enumerate(weights)]


def _resample_dim(x: Tensor, dim: int, taps) -> Tensor:
    """Σₖ wₖ · x.index_select(dim, iₖ), with the weights broadcast along `dim`."""
    shape = [1] * x.ndim
    shape[dim] = -1
    out = None
    for index, weight in taps:
        term = x.index_select(dim, Tensor._wrap(np.asarray(index, dtype=np.int64)))
        if weight is not None:
            term = term * Tensor._wrap(np.asarray(weight, dtype=x.dtype).reshape(shape))
        out = term if out is None else out + term
    return out


def _output_size(input: Tensor, size, scale_factor, recompute_scale_factor, mode):
    """(output sizes, scale factors passed to the kernel or None), as torch.nn.functional.interpolate."""
    dims = input.ndim - 2
    spatial = list(input.shape[2:])
    if size is not None and scale_factor is not None:
        raise ValueError("interpolate: only one of size or scale_factor should be defined")
    if size is None and scale_factor is None:
        raise ValueError("interpolate: either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("interpolate: recompute_scale_factor is not meaningful with an explicit size.")
    if size is not None:
        sizes = list(size) if isinstance(size, (list, tuple)) else [size] * dims
        if len(sizes) != dims:
            raise ValueError(f"interpolate: input and output must have the same number of spatial dimensions, but got "
                             f"input with spatial dimensions of {spatial} and output size of {size}. Please provide "
                             "input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
        if not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) for s in sizes):
            raise TypeError(f"interpolate: expected size to be an int or a tuple of ints, got {size!r}")
        return [int(s) for s in sizes], [None] * dims
    factors = list(scale_factor) if isinstance(scale_factor, (list, tuple)) else [scale_factor] * dims
    if len(factors) != dims:
        raise ValueError(f"interpolate: input and scale_factor must have the same number of spatial dimensions, but "
                         f"got input with spatial dimensions of {spatial} and scale_factor of shape {scale_factor}.")
    factors = [float(f) for f in factors]
    sizes = [int(n * f) for n, f in zip(spatial, factors)]
    if recompute_scale_factor or mode == "area":
        factors = [None] * dims
    return sizes, factors


def interpolate(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resample the spatial dimensions of (N, C, d₁[, d₂[, d₃]]) to `size` or by `scale_factor`, as PyTorch.

    mode: 'nearest', 'nearest-exact', 'linear' (3-D input), 'bilinear' / 'bicubic' (4-D), 'trilinear' (5-D),
    'area'. align_corners (interpolating modes only): map the corner pixels' centres onto each other.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"interpolate: input must be a Tensor, got {type(input).__name__}")
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise ValueError("interpolate: align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    if input.ndim not in (3, 4, 5) or mode not in _MODES:
        raise NotImplementedError(f"interpolate: only 3D, 4D and 5D input tensors are supported (got {input.ndim}D) "
                                  f"for the modes: {' | '.join(_MODES)} (got {mode!r})")
    if mode in _INTERPOLATING and input.ndim - 2 != _INTERPOLATING[mode]:
        needed = _INTERPOLATING[mode] + 2
        raise NotImplementedError(f"interpolate: got {input.ndim}D input, but {mode} mode needs {needed}D input")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported; downsample with mode='area' instead")
    if mode != "nearest" and mode != "nearest-exact" and input.dtype.kind != "f":
        raise TypeError(f"interpolate: mode {mode!r} needs a floating point input, got dtype {input.dtype}")
    sizes, factors = _output_size(input, size, scale_factor, recompute_scale_factor, mode)
    if any(s <= 0 for s in sizes):
        raise RuntimeError(f"interpolate: input {tuple(input.shape)} would give output spatial size {tuple(sizes)}; "
                           "every output size must be positive")
    if mode == "area":
        if input.ndim == 5:
            raise NotImplementedError("interpolate: mode='area' for 5-D input needs adaptive_avg_pool3d, which is not "
                                      "implemented")
        return adaptive_avg_pool1d(input, sizes[0]) if input.ndim == 3 else adaptive_avg_pool2d(input, tuple(sizes))
    ftype = _opmath(input.dtype) if input.dtype.kind == "f" else np.float32
    out = input
    for k in reversed(range(input.ndim - 2)):  # the last spatial dimension first, as PyTorch's kernels nest
        n, m, f = input.shape[k + 2], sizes[k], factors[k]
        if mode in ("nearest", "nearest-exact"):
            taps = _nearest_taps(n, m, f, mode == "nearest-exact")
        elif mode == "bicubic":
            taps = _cubic_taps(n, m, f, align_corners, ftype)
        else:
            taps = _linear_taps(n, m, f, align_corners, ftype)
        out = _resample_dim(out, k + 2, taps)
    return out


def upsample(input: Tensor, size=None, scale_factor=None, mode: str = "nearest", align_corners: bool | None = None):
    """Deprecated name of `interpolate` (warns, as PyTorch)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate(mode='nearest')."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size=None, scale_factor=None) -> Tensor:
    """Deprecated: interpolate(mode='bilinear', align_corners=True)."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def _check_factor(op: str, factor) -> int:
    if not isinstance(factor, numbers.Integral) or isinstance(factor, bool) or factor <= 0:
        raise RuntimeError(f"{op}: the factor must be a positive int, got {factor!r}")
    return int(factor)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C·r², H, W) → (*, C, H·r, W·r): channel c·r² + i·r + j goes to pixel (h·r + i, w·r + j) of channel c."""
    r = _check_factor("pixel_shuffle", upscale_factor)
    if input.ndim < 3 or input.shape[-3] % (r * r):
        raise RuntimeError(f"pixel_shuffle: expected an input (*, C·{r * r}, H, W) with channels divisible by "
                           f"upscale_factor² = {r * r}, got shape {tuple(input.shape)}")
    *lead, c, h, w = input.shape
    out = input.reshape(*lead, c // (r * r), r, r, h, w)
    k = len(lead)
    out = out.permute(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    return out.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """The inverse of pixel_shuffle: (*, C, H·r, W·r) → (*, C·r², H, W)."""
    r = _check_factor("pixel_unshuffle", downscale_factor)
    if input.ndim < 3 or input.shape[-2] % r or input.shape[-1] % r:
        raise RuntimeError(f"pixel_unshuffle: expected an input (*, C, H, W) with H and W divisible by "
                           f"downscale_factor = {r}, got shape {tuple(input.shape)}")
    *lead, c, h, w = input.shape
    out = input.reshape(*lead, c, h // r, r, w // r, r)
    k = len(lead)
    out = out.permute(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return out.reshape(*lead, c * r * r, h // r, w // r)



def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """(N, C, *) with the channels in `groups` groups interleaved: channel g·(C/groups) + i goes to i·groups + g
    (ShuffleNet's channel shuffle)."""
    g = _check_factor("channel_shuffle", groups)
    if input.ndim < 3 or input.shape[1] % g:
        raise RuntimeError(f"channel_shuffle: expected an input (N, C, *) with at least 3 dimensions and C divisible "
                           f"by groups={g}, got shape {tuple(input.shape)}")
    n, c, *rest = input.shape
    return input.reshape(n, g, c // g, *rest).transpose(1, 2).reshape(n, c, *rest)
