"""`pad`, as torch.nn.functional.pad: constant, reflect, replicate and circular padding.

`pad` lists (before, after) widths from the last dimension backwards: (left, right, top, bottom, ...).
Constant padding is `autograd.pad` (negative widths crop first, as PyTorch). The other modes are
gathers: output position o along a padded dimension of size n reads input position
    reflect   p → |p| mirrored at both ends without repeating the edge (…, 2, 1, 0, 1, 2, …),
    replicate p → clamp(p, 0, n − 1),
    circular  p → p mod n (after cropping the negative widths, as PyTorch),
with p = o − before. Each is `index_select` along that dimension, so the gradient adds every output
element back onto the input element it came from, and second derivatives come from the same ops.
"""
from __future__ import annotations

import numbers

import numpy as np

from autograd.ops.shape import pad as _constant_pad
from autograd.tensor import Tensor

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


def _source_positions(mode: str, size: int, before: int, after: int) -> np.ndarray:
    """For each output position along one dimension, the input position it reads."""
    p = np.arange(-before, size + after)
    if mode == "reflect":
        period = 2 * (size - 1)
        p = np.abs(p) % period if period else np.zeros_like(p)
        return np.where(p >= size, period - p, p)
    if mode == "replicate":
        return np.clip(p, 0, size - 1)
    return p % size


def _check_widths(mode: str, widths: list, shape: tuple) -> None:
    """PyTorch's limits: reflect pads less than the size, circular at most the size, replicate needs a non-empty dim."""
    for k, (before, after) in enumerate(widths):
        dim = len(shape) - 1 - k
        n = shape[dim]
        if mode == "reflect" and (before >= n or after >= n):
            raise RuntimeError(f"pad(mode='reflect'): padding ({before}, {after}) at dimension {dim} of input "
                               f"{list(shape)} must be smaller than that dimension's size {n}")
        if mode == "circular" and (before > n or after > n):
            raise RuntimeError(f"pad(mode='circular'): padding ({before}, {after}) at dimension {dim} of input "
                               f"{list(shape)} would wrap around more than once (at most {n} each side)")
        if n == 0 or n + before + after < 0:
            raise RuntimeError(f"pad(mode={mode!r}): dimension {dim} of input {list(shape)} cannot be padded by "
                               f"({before}, {after})")


def pad(input: Tensor, pad, mode: str = "constant", value: float | None = None) -> Tensor:
    """Pad the last len(pad)//2 dimensions of `input`; `pad` = (last_before, last_after, previous_before, ...)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"pad: input must be a Tensor, got {type(input).__name__}")
    widths = list(pad)
    if any(not isinstance(w, numbers.Integral) or isinstance(w, bool) for w in widths):
        raise TypeError(f"pad: padding widths must be ints, got {tuple(pad)!r}")
    if len(widths) % 2:
        raise RuntimeError(f"pad: padding length must be divisible by 2, got {len(widths)} values {tuple(pad)}")
    if len(widths) // 2 > input.ndim:
        raise RuntimeError(f"pad: padding length should be at most two times the input dimension, but got padding "
                           f"length {len(widths)} and input of dimension {input.ndim}")
    if mode not in _MODES:
        raise NotImplementedError(f"pad: unrecognised padding mode {mode!r}; use one of {', '.join(_MODES)}")
    pairs = [(int(widths[2 * k]), int(widths[2 * k + 1])) for k in range(len(widths) // 2)]  # last dim first
    if mode == "constant":
        return _pad_constant(input, pairs, 0.0 if value is None else value)
    if value is not None and value != 0:
        raise ValueError(f"pad: padding mode {mode!r} doesn't take in value argument (got value={value})")
    k = len(pairs)
    if k not in (1, 2, 3) or input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"pad: padding size {len(widths)} is not supported for {input.ndim}D input with mode {mode!r}; "
            "non-constant padding pads the last 1, 2 or 3 dimensions of a (C, *) or (N, C, *) input: "
            "size 2 for 2D/3D input, 4 for 3D/4D, 6 for 4D/5D")
    out = input
    if mode == "circular" and any(b < 0 or a < 0 for b, a in pairs):  # PyTorch crops first, then wraps the rest
        out = _pad_constant(input, [(min(b, 0), min(a, 0)) for b, a in pairs], 0.0)
        pairs = [(max(b, 0), max(a, 0)) for b, a in pairs]
    _check_widths(mode, pairs, tuple(out.shape))
    source = out
    for j, (before, after) in enumerate(pairs):
        dim = input.ndim - 1 - j
        if before or after:
            index = Tensor._wrap(_source_positions(mode, source.shape[dim], before, after))
            out = out.index_select(dim, index)
    return out.clone() if out is input else out


def _pad_constant(input: Tensor, pairs: list, value) -> Tensor:
    """Crop the negative widths, then pad the positive ones with `value`."""
    crop = [slice(None)] * input.ndim
    for k, (before, after) in enumerate(pairs):
        dim = input.ndim - 1 - k
        n = input.shape[dim]
        start, stop = max(-before, 0), n - max(-after, 0)
        if stop - start + max(before, 0) + max(after, 0) < 0:
            raise RuntimeError(f"pad: the input size {n} at dimension {dim} plus the padding ({before}, {after}) "
                               "is negative")
        crop[dim] = slice(start, max(stop, start))
    out = input[tuple(crop)] if any(b < 0 or a < 0 for b, a in pairs) else input
    positive = []
    for before, after in pairs:
        positive += [max(before, 0), max(after, 0)]
    if any(positive):
        return _constant_pad(out, tuple(positive), value=value)
    return out.clone() if out is input else out
