"""Sampling an image at arbitrary points, as torch.nn.functional (spatial transformer networks): `affine_grid`
makes the sampling points of an affine transform, `grid_sample` reads the input there.

Points are in normalised coordinates, −1 and 1 being the centres of the corner pixels (align_corners=True)
or the outer edges of the corner pixels (False). grid_sample interpolates bilinearly between the four
neighbouring pixels (or takes the nearest) with PyTorch's weights, and handles points outside the image
by padding_mode: 'zeros', 'border' (clamp) or 'reflection'. It is composed of Tensor ops (a gather of the
corners, weights from the coordinates), so its gradient reaches both the input and the grid, as PyTorch's.
"""
from __future__ import annotations

import warnings

import numpy as np

from autograd.ops.activation import where
from autograd.tensor import Tensor

__all__ = ["affine_grid", "grid_sample"]

_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def _linspace_from_neg_one(steps: int, align_corners: bool, dtype) -> np.ndarray:
    """PyTorch's positions: linspace(−1, 1, steps) (computed from both ends, as its kernel), scaled by
    (steps − 1)/steps unless align_corners."""
    if steps <= 1:
        return np.zeros(1, dtype=dtype)
    dtype = np.dtype(dtype)
    step = dtype.type(2) / dtype.type(steps - 1)
    i = np.arange(steps)
    values = np.where(i < steps / 2, dtype.type(-1) + step * i.astype(dtype),
                      dtype.type(1) - step * (steps - i - 1).astype(dtype)).astype(dtype)
    if not align_corners:
        values = (values * dtype.type(steps - 1) / dtype.type(steps)).astype(dtype)
    return values


def affine_grid(theta: Tensor, size, align_corners: bool | None = None) -> Tensor:
    """The sampling grid (N, H, W, 2) of the affine maps theta (N, 2, 3) for an output of size (N, C, H, W)."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not isinstance(theta, Tensor) or theta.dtype.kind != "f":
        raise ValueError(f"affine_grid: expected theta to have floating point type, got "
                         f"{getattr(theta, 'dtype', type(theta).__name__)}")
    size = tuple(size)
    if len(size) == 5:
        raise NotImplementedError("affine_grid: 3-D (5-D size) affine grids are not supported; only 2-D")
    if len(size) != 4:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (2, 3):
        raise ValueError(f"affine_grid: expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. "
                         f"Got {tuple(theta.shape)}.")
    if min(size) <= 0:
        raise ValueError(f"affine_grid: expected non-zero, positive output size. Got {size}")
    n, _, h, w = size
    xs = _linspace_from_neg_one(w, align_corners, theta.dtype)
    ys = _linspace_from_neg_one(h, align_corners, theta.dtype)
    base = np.stack(np.broadcast_arrays(xs[None, :], ys[:, None], np.ones((1, 1), dtype=theta.dtype)), -1)
    grid = Tensor._wrap(base.reshape(1, h * w, 3).astype(theta.dtype)) @ theta.mT
    return grid.reshape(theta.shape[0], h, w, 2)


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """Fold coordinates back into [low, high] by reflection at both ends (PyTorch's reflect_coordinates)."""
    if twice_low == twice_high:
        return coord * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    distance = (coord - low).abs()
    extra = distance.fmod(span)
    flips = (distance / span).floor()
    return where(flips.fmod(2) == 0, extra + low, span - extra + low)


def _source_coordinates(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    coord = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        return coord.clamp(0, size - 1)
    if padding_mode == "reflection":
        coord = _reflect(coord, 0, 2 * (size - 1)) if align_corners else _reflect(coord, -1, 2 * size - 1)
        return coord.clamp(0, size - 1)
    return coord


def _read(flat: Tensor, x: Tensor, y: Tensor, h: int, w: int) -> Tensor:
    """flat (N, C, H·W) at integer positions (x, y) of shape (N, Ho, Wo); 0 where (x, y) is outside the image."""
    n, c = flat.shape[:2]
    inside = (x >= 0) & (x <= w - 1) & (y >= 0) & (y <= h - 1)
    index = (y.clamp(0, h - 1) * w + x.clamp(0, w - 1)).long().reshape(n, 1, -1).expand(n, c, -1)
    values = flat.gather(2, index).reshape(n, c, *x.shape[1:])
    return where(inside.unsqueeze(1), values, 0.0)


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool | None = None) -> Tensor:
    """input (N, C, H, W) read at grid (N, Ho, Wo, 2) points (x, y in [−1, 1]) → (N, C, Ho, Wo)."""
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"grid_sample: expected mode to be 'bilinear', 'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"grid_sample: expected padding_mode to be 'zeros', 'border', or 'reflection', but got: "
                         f"'{padding_mode}'")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample: mode='bicubic' is not supported; use 'bilinear' or 'nearest'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if input.ndim == 5:
        raise NotImplementedError("grid_sample: volumetric (5-D) input is not supported; only 4-D (N, C, H, W)")
    if input.ndim != 4 or grid.ndim != 4 or grid.shape[-1] != 2 or grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sample: expected input (N, C, H, W) and grid (N, H_out, W_out, 2) with the same N, "
                           f"got {tuple(input.shape)} and {tuple(grid.shape)}")
    if grid.dtype != input.dtype:
        raise RuntimeError(f"grid_sample: expected input and grid to have the same dtype, but input has "
                           f"{input.dtype} and grid has {grid.dtype}")
    n, c, h, w = input.shape
    ix = _source_coordinates(grid[..., 0], w, padding_mode, align_corners)
    iy = _source_coordinates(grid[..., 1], h, padding_mode, align_corners)
    flat = input.reshape(n, c, h * w)
    if mode == "nearest":
        return _read(flat, ix.round(), iy.round(), h, w)
    x0, y0 = ix.floor().detach(), iy.floor().detach()
    x1, y1 = x0 + 1, y0 + 1
    weights = ((x1 - ix) * (y1 - iy), (ix - x0) * (y1 - iy), (x1 - ix) * (iy - y0), (ix - x0) * (iy - y0))
    corners = ((x0, y0), (x1, y0), (x0, y1), (x1, y1))  # nw, ne, sw, se
    out = None
    for (x, y), weight in zip(corners, weights):
        term = _read(flat, x, y, h, w) * weight.unsqueeze(1)
        out = term if out is None else out + term
    return out
