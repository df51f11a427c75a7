"""More activations: the in-place forms PyTorch names with a trailing underscore (`elu_`, `selu_`, ...),
`rrelu` (randomised leaky ReLU) and `glu` (gated linear unit).

The in-place forms write the activation into the input's storage (`autograd.ops.inplace`), so
autograd sees the change exactly as for `x.relu_()`: a leaf that requires grad is refused and a
tensor saved for backward elsewhere is caught by its version counter.
"""
from __future__ import annotations

from autograd.random import sample
from autograd.tensor import Tensor

from .activation import _check_tensor, _maybe_inplace, celu, elu, hardtanh, leaky_relu, selu, threshold

__all__ = ["elu_", "celu_", "selu_", "leaky_relu_", "hardtanh_", "threshold_", "rrelu", "rrelu_", "glu"]


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return elu(input, alpha, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    return celu(input, alpha, inplace=True)


def selu_(input: Tensor) -> Tensor:
    return selu(input, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    return hardtanh(input, min_val, max_val, inplace=True)


def threshold_(input: Tensor, threshold_value: float, value: float) -> Tensor:
    return threshold(input, threshold_value, value, inplace=True)


def rrelu(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False,
          inplace: bool = False) -> Tensor:
    """Randomised leaky ReLU (Xu et al., 2015): x for x > 0, else a·x.

    Training: a ~ U(lower, upper) drawn per element (the gradient is a where x ≤ 0, as PyTorch);
    evaluation: the fixed slope (lower + upper)/2.
    """
    _check_tensor(input, "rrelu")
    if not 0 <= lower <= upper:
        raise ValueError(f"rrelu: expected 0 <= lower <= upper, got lower={lower}, upper={upper}")
    if not training:
        return leaky_relu(input, (lower + upper) / 2, inplace)

    def randomised(x: Tensor) -> Tensor:
        slopes = sample("uniform", x.shape, x.dtype, lower, upper)
        return x * slopes.where(x <= 0, 1.0)

    return _maybe_inplace(input, inplace, "rrelu_", randomised)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    return rrelu(input, lower, upper, training, inplace=True)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit (Dauphin et al., 2017): a ⊗ σ(b), where a and b are the two halves of `dim`."""
    _check_tensor(input, "glu")
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"glu: halving dimension must be even, but dimension {dim} is size {size}")
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()
