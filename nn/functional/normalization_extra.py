"""More normalisations, as torch.nn.functional: `rms_norm` (LLaMA-style root-mean-square norm) and
`local_response_norm` (AlexNet's lateral inhibition across channels). Compositions of Tensor ops."""
from __future__ import annotations

import numpy as np

from autograd.tensor import Tensor

from .padding import pad

__all__ = ["rms_norm", "local_response_norm"]


def rms_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """x / √(mean(x²) + eps) over the last len(normalized_shape) dims, times weight; eps defaults to the dtype's
    machine epsilon, as PyTorch."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise RuntimeError(f"rms_norm: the input's last dimensions {tuple(input.shape)} must match normalized_shape "
                           f"{shape}")
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    dims = tuple(range(input.ndim - len(shape), input.ndim))
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return out if weight is None else out * weight


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """x / (k + α·mean of x² over `size` neighbouring channels)^β, zero-padded at the ends (PyTorch's formula)."""
    if input.ndim < 3:
        raise ValueError(f"local_response_norm: expected 3D or higher dimensionality input (got {input.ndim} "
                         "dimensions)")
    if input.numel() == 0:
        return input
    squares = (input * input).movedim(1, -1)
    padded = pad(squares, (size // 2, (size - 1) // 2))
    channels = input.shape[1]
    total = padded[..., 0:channels]
    for j in range(1, size):  # a loop over the window, not the data
        total = total + padded[..., j:j + channels]
    div = (total / size).movedim(-1, 1)
    return input / (div * alpha + k) ** beta
