"""Activation functions with PyTorch's names and signatures (`torch.nn.functional`).

Most are compositions of the differentiable Tensor operations in `autograd.ops`, so
their first and second derivatives come from those ops. Where PyTorch has a kernel of
its own whose backward takes the input (hardtanh, threshold, softshrink, hardshrink,
prelu), so do we, with PyTorch's backward op: the conventions at the kinks are then
PyTorch's (hardtanh passes the gradient only strictly inside (min_val, max_val), where
clamp passes it at the bounds too), and second derivatives are zeros, not missing.
"""
from __future__ import annotations

import warnings

import numpy as np

from autograd.function import Op
from autograd.ops.activation import Elu, ThresholdBackward, where
from autograd.tensor import Tensor

__all__ = ["relu", "relu_", "relu6", "leaky_relu", "prelu", "elu", "selu", "celu", "gelu", "silu", "mish",
           "softplus", "softsign", "hardtanh", "hardsigmoid", "hardswish", "sigmoid", "tanh", "softmax",
           "log_softmax", "softmin", "logsigmoid", "normalize", "threshold", "tanhshrink", "softshrink",
           "hardshrink"]

# SELU's constants (Klambauer et al., 2017): they make the fixed point mean 0, variance 1.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _check_tensor(input, name: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}: expected a Tensor as input, got {type(input).__name__}; wrap it with autograd.tensor(...)")


def _maybe_inplace(input: Tensor, inplace: bool, name: str, fn) -> Tensor:
    """fn(input); with inplace=True written into input's storage and returned, as PyTorch's `name`."""
    if not inplace:
        return fn(input)
    from autograd.ops.inplace import inplace as write_inplace
    return write_inplace(input, name, fn)


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0)."""
    _check_tensor(input, "relu")
    return input.relu_() if inplace else input.relu()


def relu_(input: Tensor) -> Tensor:
    return relu(input, inplace=True)


class Hardtanh(Op):
    """clip(x, min_val, max_val); the gradient passes only where min_val < x < max_val, as PyTorch."""

    @staticmethod
    def forward(ctx, x, min_val, max_val):
        ctx.save_for_backward(x)
        ctx.bounds = (min_val, max_val)
        return np.clip(x, min_val, max_val).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return HardtanhBackward.apply(grad, x, *ctx.bounds), None, None


class HardtanhBackward(Op):
    """g where min_val < x < max_val, else 0 (PyTorch's hardtanh_backward); d/dg likewise, d/dx = 0."""

    node_name = "HardtanhBackward"

    @staticmethod
    def forward(ctx, grad, x, min_val, max_val):
        ctx.save_for_backward(x)
        ctx.bounds = (min_val, max_val)
        return np.where((x > min_val) & (x < max_val), grad, np.zeros((), grad.dtype))

    @staticmethod
    def backward(ctx, gg):
        from autograd.creation import zeros_like

        x, = ctx.saved_tensors
        return (HardtanhBackward.apply(gg, x, *ctx.bounds), zeros_like(x) if ctx.needs_input_grad[1] else None,
                None, None)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """Clip to [min_val, max_val]."""
    _check_tensor(input, "hardtanh")
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
    if inplace:
        from autograd.ops.inplace import inplace
        return inplace(input, "hardtanh_", lambda t: Hardtanh.apply(t, min_val, max_val))
    return Hardtanh.apply(input, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6) = hardtanh(x, 0, 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope · x otherwise."""
    _check_tensor(input, "leaky_relu")
    return input.leaky_relu_(negative_slope) if inplace else input.leaky_relu(negative_slope)


class Prelu(Op):
    """x where x > 0, else weight·x (PyTorch's _prelu_kernel); weight broadcasts against x."""

    @staticmethod
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        return np.where(x > 0, x, weight * x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        return PreluBackward.apply(grad, x, weight)


class PreluBackward(Op):
    """(g where x > 0 else weight·g, 0 where x > 0 else x·g), PyTorch's _prelu_kernel_backward. Its own
    derivatives are PyTorch's too, which take the x >= 0 side at x = 0: second derivatives there are 0."""

    @staticmethod
    def forward(ctx, grad, x, weight):
        ctx.save_for_backward(grad, x, weight)
        positive = x > 0
        zero = np.zeros((), grad.dtype)
        return (np.where(positive, grad, weight * grad).astype(grad.dtype, copy=False),
                np.where(positive, zero, x * grad).astype(grad.dtype, copy=False))

    @staticmethod
    def backward(ctx, grad_x, grad_weight):
        grad, x, weight = ctx.saved_tensors
        right = x >= 0
        need_grad, need_x, need_weight = ctx.needs_input_grad
        return (where(right, grad_x, grad_x * weight + grad_weight * x) if need_grad else None,
                where(right, 0.0, grad * grad_weight) if need_x else None,
                where(right, 0.0, grad * grad_x) if need_weight else None)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """leaky_relu with a learnable slope: one per channel (dim 1) or a single shared one."""
    _check_tensor(input, "prelu")
    channels = weight.numel()
    if weight.ndim > 1:
        raise RuntimeError(f"prelu: weight must be 1-D (num_parameters,), got shape {tuple(weight.shape)}")
    if channels != 1:
        if input.ndim < 2 or input.shape[1] != channels:
            raise RuntimeError(
                f"prelu: weight has {channels} parameters but the input of shape {tuple(input.shape)} has "
                f"{input.shape[1] if input.ndim >= 2 else 1} channels (dim 1); use PReLU(num_parameters=channels) or 1")
        weight = weight.reshape((channels,) + (1,) * (input.ndim - 2))
    elif weight.ndim == 1 and input.ndim == 0:
        weight = weight.reshape(())
    return Prelu.apply(input, weight)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, α(eˣ - 1) otherwise."""
    _check_tensor(input, "elu")
    return input.elu_(alpha) if inplace else input.elu(alpha)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale · elu(x, α) with SELU's fixed constants (self-normalising networks)."""
    _check_tensor(input, "selu")
    return _maybe_inplace(input, inplace, "selu_", lambda x: Elu.apply(x, _SELU_ALPHA, _SELU_SCALE, 1.0))


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """max(0, x) + min(0, α(exp(x/α) - 1)): PyTorch's elu kernel with input scale 1/α."""
    _check_tensor(input, "celu")
    if alpha == 0:
        raise ValueError("celu: alpha cannot be 0")
    return _maybe_inplace(input, inplace, "celu_", lambda x: Elu.apply(x, alpha, 1.0, 1.0 / alpha))


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x·Φ(x), exactly or with the tanh approximation (approximate='tanh')."""
    _check_tensor(input, "gelu")
    return input.gelu(approximate)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x·σ(x) (swish)."""
    _check_tensor(input, "silu")
    return _maybe_inplace(input, inplace, "silu_", lambda x: x.silu())


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x·tanh(softplus(x))."""
    _check_tensor(input, "mish")
    return _maybe_inplace(input, inplace, "mish_", lambda x: x * x.softplus().tanh())


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """log(1 + e^(βx))/β, linear where βx > threshold."""
    _check_tensor(input, "softplus")
    return input.softplus(beta, threshold)


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    _check_tensor(input, "softsign")
    return input / (input.abs() + 1)


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear in between (gradient 1/6 strictly inside)."""
    _check_tensor(input, "hardsigmoid")
    return _maybe_inplace(input, inplace, "hardsigmoid_", lambda x: relu6(x + 3) / 6)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x · relu6(x + 3) / 6: 0 up to -3, x from 3, x(x + 3)/6 strictly between (so the gradient at -3 and 3
    is 0 and 1, as PyTorch's)."""
    _check_tensor(input, "hardswish")
    return _maybe_inplace(input, inplace, "hardswish_",
                          lambda x: where(x <= -3, 0.0, where(x < 3, x * (x + 3) / 6, x)))


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e^-x)."""
    _check_tensor(input, "sigmoid")
    return input.sigmoid()


def tanh(input: Tensor) -> Tensor:
    _check_tensor(input, "tanh")
    return input.tanh()


def logsigmoid(input: Tensor) -> Tensor:
    """log σ(x), computed stably."""
    _check_tensor(input, "logsigmoid")
    return input.logsigmoid()


def _softmax_dim(name: str, ndim: int) -> int:
    """PyTorch's legacy choice when dim is not given (with the same warning)."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X "
                  "as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """exp(x) / Σ exp(x) along `dim` (stable: the max is subtracted first)."""
    _check_tensor(input, "softmax")
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim)
    return input.softmax(dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """x - logsumexp(x) along `dim`, computed stably."""
    _check_tensor(input, "log_softmax")
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim)
    return input.log_softmax(dim, dtype=dtype)


def softmin(input: Tensor, dim: int | None = None, _stacklevel: int = 3, dtype=None) -> Tensor:
    """softmax(-x)."""
    _check_tensor(input, "softmin")
    if dim is None:
        dim = _softmax_dim("softmin", input.ndim)
    return (-input).softmax(dim, dtype=dtype)


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """x / max(‖x‖_p, eps) along `dim`."""
    _check_tensor(input, "normalize")
    return input / input.norm(p, dim=dim, keepdim=True).clamp_min(eps)


class Threshold(Op):
    """x where x > threshold, else value; the gradient is ThresholdBackward (0 where x <= threshold)."""

    @staticmethod
    def forward(ctx, x, threshold, value):
        ctx.save_for_backward(x)
        ctx.threshold = threshold
        return np.where(x <= threshold, np.asarray(value, x.dtype), x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return ThresholdBackward.apply(grad, x, ctx.threshold), None, None


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """x where x > threshold, else value."""
    _check_tensor(input, "threshold")
    return _maybe_inplace(input, inplace, "threshold_", lambda x: Threshold.apply(x, threshold, value))


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    _check_tensor(input, "tanhshrink")
    return input - input.tanh()


class Shrink(Op):
    """softshrink (x ∓ λ outside [-λ, λ], soft=True) or hardshrink (x outside it), 0 inside [-λ, λ]."""

    @staticmethod
    def forward(ctx, x, lambd, soft):
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        inside = (x >= -lambd) & (x <= lambd)
        outside = np.where(x > lambd, x - lambd, x + lambd) if soft else x
        return np.where(inside, np.zeros((), x.dtype), outside).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return ShrinkBackward.apply(grad, x, ctx.lambd), None, None


class ShrinkBackward(Op):
    """g outside [-λ, λ], 0 inside (PyTorch's softshrink_backward and hardshrink_backward); d/dx = 0."""

    @staticmethod
    def forward(ctx, grad, x, lambd):
        ctx.save_for_backward(x)
        ctx.lambd = lambd
        return np.where((x >= -lambd) & (x <= lambd), np.zeros((), grad.dtype), grad)

    @staticmethod
    def backward(ctx, gg):
        from autograd.creation import zeros_like

        x, = ctx.saved_tensors
        return (ShrinkBackward.apply(gg, x, ctx.lambd) if ctx.needs_input_grad[0] else None,
                zeros_like(x) if ctx.needs_input_grad[1] else None, None)


def _check_lambd(lambd, op: str) -> None:
    if lambd < 0:
        raise ValueError(f"{op}: lambda must be greater or equal to 0, but found to be {lambd}")


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x - λ above λ, x + λ below -λ, 0 in between."""
    _check_tensor(input, "softshrink")
    _check_lambd(lambd, "softshrink")
    return Shrink.apply(input, lambd, True)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """x where |x| > λ, else 0."""
    _check_tensor(input, "hardshrink")
    return Shrink.apply(input, lambd, False)
