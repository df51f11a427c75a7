"""Dropout: randomly zero elements while training, as regularisation.

Inverted dropout (PyTorch's form): each element is kept with probability 1 - p and
scaled by 1/(1 - p) at training time, so the expected output equals the input and
evaluation is the identity. The classical form instead keeps elements unscaled while
training and multiplies by (1 - p) at test time; both give the same expectation.
The mask is drawn from `autograd.random.default_generator()` through the `Sample` op and made
with Tensor ops, so a compiled step (autograd.compile) draws a fresh mask at every replay.
"""
from __future__ import annotations

import numpy as np

from autograd.ops.activation import where
from autograd.random import sample
from autograd.tensor import Tensor

__all__ = ["dropout", "alpha_dropout", "dropout1d", "dropout2d", "dropout3d"]


def _check_p(p: float, name: str) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{name}: dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(input: Tensor, p: float) -> Tensor:
    """True with probability 1 - p, per element (uniform draws in the input's precision)."""
    dtype = np.float64 if input.dtype == np.float64 else np.float32
    return sample("random", input.shape, dtype, options={"dtype": dtype}) >= p


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
    if p == 1.0:
        return input * 0.0
    alpha = -1.7580993408473766  # -scale · alpha of SELU
    a = (1.0 / ((alpha * alpha * p + 1) * (1 - p))) ** 0.5
    keep = _keep_mask(input, p)
    kept, dropped = (np.asarray(c, dtype=input.dtype) for c in (-a * alpha * p, a * alpha - a * alpha * p))
    return input * (keep.to(input.dtype) * a) + where(keep, kept, dropped)


# ----------------------------------------------------------------------------- channel dropout
def feature_dropout(input: Tensor, p: float = 0.5, training: bool = True, batched: bool = True) -> Tensor:
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
        mask = (sample("random", shape, np.float64) >= p).to(input.dtype) * (1.0 / (1.0 - p))
    return input * mask


def _dropout_nd(op: str, input, p, training, dims: int) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{op}: expected a {dims + 1}-d (unbatched) or {dims + 2}-d (batched) input, got shape "
                           f"{tuple(input.shape)}")
    return feature_dropout(input, p, training, batched=input.ndim == dims + 2)


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) with probability p."""
    return _dropout_nd("dropout1d", input, p, training, 1)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) with probability p. A 3-d input is taken as (N, C, L), channel-wise,
    as PyTorch does (with a warning there)."""
    if isinstance(input, Tensor) and input.ndim == 3:
        return feature_dropout(input, p, training, batched=True)
    return _dropout_nd("dropout2d", input, p, training, 2)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) with probability p."""
    return _dropout_nd("dropout3d", input, p, training, 3)
