"""Dropout: randomly zero elements while training, as regularisation.

Inverted dropout (PyTorch's form): each element is kept with probability 1 - p and
scaled by 1/(1 - p) at training time, so the expected output equals the input and
evaluation is the identity. The classical form instead keeps elements unscaled while
training and multiplies by (1 - p) at test time; both give the same expectation.
The mask is drawn from `autograd.random.default_generator()` inside the `KeepMask` op, so a traced
program draws a fresh mask at each replay. `inplace=True` writes the result into the input, as PyTorch.
"""
from __future__ import annotations

import numpy as np

from autograd.function import Op
from autograd.random import default_generator
from autograd.tensor import Tensor

__all__ = ["dropout", "alpha_dropout", "feature_alpha_dropout", "dropout1d", "dropout2d", "dropout3d"]


def _check_p(p: float, name: str) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")


class KeepMask(Op):
    """A bool mask of `shape`, True with probability 1 - p: uniform draws (in `draw_dtype`) >= p."""

    draws_random = True

    differentiable = False

    @staticmethod
    def forward(ctx, shape, p, draw_dtype):
        return default_generator().random(shape, dtype=draw_dtype) >= p


def _keep_mask(input: Tensor, p: float) -> Tensor:
    return KeepMask.apply(tuple(input.shape), p, np.float64 if input.dtype == np.float64 else np.float32)


def _maybe_inplace(input: Tensor, inplace: bool, name: str, fn) -> Tensor:
    """fn(input); with inplace=True written into input's storage and returned (PyTorch's `name`)."""
    if not inplace:
        return fn(input)
    from autograd.ops.inplace import inplace as write_inplace
    return write_inplace(input, name, fn)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1/(1-p) (identity when not training)."""
    _check_p(p, "dropout")
    if not isinstance(input, Tensor):
        raise TypeError(f"dropout: expected a Tensor, got {type(input).__name__}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        mask = Tensor._wrap(np.zeros(input.shape, dtype=input.dtype))
    else:
        mask = _keep_mask(input, p).to(input.dtype) * (1.0 / (1.0 - p))
    return input.mul_(mask) if inplace else input * mask


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Dropout for SELU networks: dropped units are set to SELU's negative saturation value and an affine
    correction keeps the mean and variance of the input."""
    _check_p(p, "alpha_dropout")
    if not training or p == 0.0:
        return input
    return _maybe_inplace(input, inplace, "alpha_dropout_", lambda x: _alpha_dropout(x, p, _keep_mask(x, p)))


def _alpha_dropout(input: Tensor, p: float, keep: Tensor) -> Tensor:
    """a·(x·keep + α'·(1 − keep)) + b, with α' = −scale·alpha of SELU and a, b keeping mean and variance."""
    if p == 1.0:
        return input * 0.0
    alpha = -1.7580993408473766  # -scale · alpha of SELU
    a = (1.0 / ((alpha * alpha * p + 1) * (1 - p))) ** 0.5
    keep = keep.to(input.dtype)
    return input * (keep * a) + ((1 - keep) * (a * alpha) + (-a * alpha * p))


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """Alpha dropout of whole channels: each (sample, channel) slice of (N, C, *) is kept or set to SELU's
    saturation value together, with the same affine correction as alpha_dropout."""
    _check_p(p, "feature_alpha_dropout")
    if not isinstance(input, Tensor) or input.ndim < 2:
        raise RuntimeError("feature_alpha_dropout: expected an input (N, C, *) with at least 2 dimensions, got "
                           f"{tuple(input.shape) if isinstance(input, Tensor) else type(input).__name__}")
    if not training or p == 0.0:
        return input
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    keep = KeepMask.apply(shape, p, np.float64)
    return _maybe_inplace(input, inplace, "feature_alpha_dropout_", lambda x: _alpha_dropout(x, p, keep))


# ----------------------------------------------------------------------------- channel dropout
def feature_dropout(input: Tensor, p: float = 0.5, training: bool = True, batched: bool = True,
                    inplace: bool = False) -> Tensor:
    """Zero each (sample, channel) slice of (N, C, *) with probability p; scale the rest by 1/(1-p)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"feature_dropout: expected a Tensor, got {type(input).__name__}")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    lead = 2 if batched else 1
    shape = tuple(input.shape[:lead]) + (1,) * (input.ndim - lead)
    if p == 1.0:
        mask = Tensor._wrap(np.zeros(shape, dtype=input.dtype))
    else:
        mask = KeepMask.apply(shape, p, np.float64).to(input.dtype) * (1.0 / (1.0 - p))
    return input.mul_(mask) if inplace else input * mask


def _dropout_nd(op: str, input, p, training, dims: int, inplace: bool) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{op}: expected a {dims + 1}-d (unbatched) or {dims + 2}-d (batched) input, got shape "
                           f"{tuple(input.shape)}")
    return feature_dropout(input, p, training, batched=input.ndim == dims + 2, inplace=inplace)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) with probability p."""
    return _dropout_nd("dropout1d", input, p, training, 1, inplace)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) with probability p. A 3-d input is taken as (N, C, L), channel-wise,
    as PyTorch does (with a warning there)."""
    if isinstance(input, Tensor) and input.ndim == 3:
        return feature_dropout(input, p, training, batched=True, inplace=inplace)
    return _dropout_nd("dropout2d", input, p, training, 2, inplace)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p."""
    return _dropout_nd("dropout3d", input, p, training, 3, inplace)
