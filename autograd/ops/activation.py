"""Activations and selection: relu, leaky_relu, elu, gelu, silu, softplus, logsigmoid, clamp, where,
maximum and minimum.

Where PyTorch's backward is an op of its own that takes the input or output (relu's
`threshold_backward`, leaky_relu's, elu's), so is ours: the gradient then stays connected
to the graph under `create_graph=True`, and a second derivative is zero (or exact) rather
than missing, as in PyTorch. Tie and kink conventions are PyTorch's and are written beside each op.
"""
from __future__ import annotations

import math

import numpy as np

from ..creation import zeros_like
from ..function import Op
from ._util import tensor_method


class Relu(Op):
    """max(x, 0); the gradient is 1 where the output is > 0 (0 at x = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x, 0, dtype=x.dtype) if x.dtype.kind == "f" else np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return ReluBackward.apply(grad, out)


class ReluBackward(Op):
    """g · [y > 0] (PyTorch's threshold_backward); d/dg = [y > 0], d/dy = 0."""

    node_name = "ReluBackward"

    @staticmethod
    def forward(ctx, grad, out):
        ctx.save_for_backward(out)
        return grad * (out > 0)

    @staticmethod
    def backward(ctx, gg):
        out, = ctx.saved_tensors
        return ReluBackward.apply(gg, out), zeros_like(out) if ctx.needs_input_grad[1] else None


class LeakyRelu(Op):
    """x where x > 0, else slope · x (slope at x = 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.save_for_backward(x)
        ctx.negative_slope = negative_slope
        return np.where(x > 0, x, x * np.asarray(negative_slope, dtype=x.dtype))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return LeakyReluBackward.apply(grad, x, ctx.negative_slope), None


class LeakyReluBackward(Op):
    """g where x > 0, else slope · g; d/dg is the same slope, d/dx = 0."""

    node_name = "LeakyReluBackward"

    @staticmethod
    def forward(ctx, grad, x, negative_slope):
        ctx.save_for_backward(x)
        ctx.negative_slope = negative_slope
        return np.where(x > 0, grad, grad * np.asarray(negative_slope, dtype=grad.dtype))

    @staticmethod
    def backward(ctx, gg):
        x, = ctx.saved_tensors
        return (LeakyReluBackward.apply(gg, x, ctx.negative_slope),
                zeros_like(x) if ctx.needs_input_grad[1] else None, None)


class Elu(Op):
    """x where x > 0, else α(eˣ - 1); the negative side's derivative is output + α."""

    @staticmethod
    def forward(ctx, x, alpha):
        out = np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        ctx.alpha = alpha
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return where(x > 0, grad, grad * (out + ctx.alpha)), None


class Softplus(Op):
    """log(1 + e^(βx))/β, stable for large |x|; linear where βx > threshold. d/dx = σ(βx) (1 above the threshold)."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        bx = x * beta
        soft = (np.log1p(np.exp(-np.abs(bx))) + np.maximum(bx, 0)) / beta
        return np.where(bx > threshold, x, soft).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        bx = x * ctx.beta
        return grad * where(bx > ctx.threshold, 1.0, bx.sigmoid()), None, None


class LogSigmoid(Op):
    """log σ(x) = -softplus(-x), stable; d/dx = σ(-x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return -(np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (-x).sigmoid()


class Clamp(Op):
    """Clip to [min, max] (numbers or tensors; min is applied first, so min > max gives max).

    The gradient goes to x where min ≤ x ≤ max (ties included, as PyTorch), to min where the
    result is min, to max where it is max.
    """

    @staticmethod
    def forward(ctx, x, min, max):
        ctx.save_for_backward(x, min if isinstance(min, np.ndarray) else None,
                              max if isinstance(max, np.ndarray) else None)
        ctx.bounds = (min if not isinstance(min, np.ndarray) else None, max if not isinstance(max, np.ndarray) else None)
        out = x if min is None else np.maximum(x, min)
        out = out if max is None else np.minimum(out, max)
        return out.astype(x.dtype, copy=False) if x.dtype.kind == "f" else out

    @staticmethod
    def backward(ctx, grad):
        x, low, high = ctx.saved_tensors
        low = ctx.bounds[0] if low is None else low
        high = ctx.bounds[1] if high is None else high
        inside = None
        if low is not None:
            inside = x >= low
        if high is not None:
            inside = x <= high if inside is None else inside & (x <= high)
        grad_x = where(inside, grad, 0.0) if ctx.needs_input_grad[0] else None
        grad_min = grad_max = None
        if ctx.needs_input_grad[1]:
            below = x < low if high is None else (x < low) & (low <= high)
            grad_min = where(below, grad, 0.0)
        if ctx.needs_input_grad[2]:
            above = x > high if low is None else (x > high) | (low > high)
            grad_max = where(above, grad, 0.0)
        return grad_x, grad_min, grad_max


class Where(Op):
    """condition ? a : b; the gradient goes to the branch that was taken (a NaN in the other branch stays there)."""

    @staticmethod
    def forward(ctx, condition, a, b):
        from .promotion import where_dtype

        condition = np.asarray(condition, dtype=bool)
        ctx.save_for_backward(condition)
        try:
            out = np.where(condition, a, b)
        except ValueError:
            raise RuntimeError(
                f"where: condition {condition.shape}, input {np.shape(a)} and other "
                f"{np.shape(b)} cannot be broadcast together"
            ) from None
        dtype = where_dtype(a, b)  # PyTorch's promotion of the two branches
        return out if dtype is None or out.dtype == dtype else out.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        condition, = ctx.saved_tensors
        grad_a = where(condition, grad, 0.0) if ctx.needs_input_grad[1] else None
        grad_b = where(condition, 0.0, grad) if ctx.needs_input_grad[2] else None
        return None, grad_a, grad_b


class Maximum(Op):
    """Elementwise max; on ties the gradient is split evenly, as PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
        from .promotion import binary

        ctx.save_for_backward(a, b)
        return binary("maximum", np.maximum, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        half = grad * 0.5
        return (where(a > b, grad, where(a == b, half, 0.0)) if ctx.needs_input_grad[0] else None,
                where(b > a, grad, where(a == b, half, 0.0)) if ctx.needs_input_grad[1] else None)


class Minimum(Op):
    """Elementwise min; on ties the gradient is split evenly, as PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
        from .promotion import binary

        ctx.save_for_backward(a, b)
        return binary("minimum", np.minimum, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        half = grad * 0.5
        return (where(a < b, grad, where(a == b, half, 0.0)) if ctx.needs_input_grad[0] else None,
                where(b < a, grad, where(a == b, half, 0.0)) if ctx.needs_input_grad[1] else None)


# ----------------------------------------------------------------------------- the functions
@tensor_method
def relu(input):
    return Relu.apply(input)


@tensor_method
def leaky_relu(input, negative_slope: float = 0.01):
    return LeakyRelu.apply(input, negative_slope)


@tensor_method
def elu(input, alpha: float = 1.0):
    return Elu.apply(input, alpha)


@tensor_method
def gelu(input, approximate: str = "none"):
    """x·Φ(x) (exact, with erf) or its tanh approximation (approximate='tanh')."""
    if approximate == "none":
        return input * 0.5 * (1 + (input * (1 / math.sqrt(2))).erf())
    if approximate == "tanh":
        inner = (input + input * input * input * 0.044715) * math.sqrt(2 / math.pi)
        return input * 0.5 * (1 + inner.tanh())
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


@tensor_method
def silu(input):
    """x·σ(x) (also called swish)."""
    return input * input.sigmoid()


@tensor_method
def softplus(input, beta: float = 1.0, threshold: float = 20.0):
    return Softplus.apply(input, beta, threshold)


@tensor_method
def logsigmoid(input):
    return LogSigmoid.apply(input)


@tensor_method
def clamp(input, min=None, max=None):
    """Clip to [min, max]; numbers or tensors (broadcast) as bounds."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    return Clamp.apply(input, min, max)


@tensor_method
def clamp_min(input, min):
    return clamp(input, min=min)


@tensor_method
def clamp_max(input, max):
    return clamp(input, max=max)


clip = tensor_method(clamp, name="clip")


def where(condition, input=None, other=None):
    """Elements of `input` where `condition` holds, else of `other` (numbers allowed);
    `where(condition)` alone is `nonzero(condition, as_tuple=True)`."""
    if input is None and other is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    return Where.apply(condition, input, other)


@tensor_method(name="where")
def _where_method(self, condition, other):
    """x.where(condition, other): x where condition holds, else other."""
    return Where.apply(condition, self, other)


@tensor_method
def maximum(input, other):
    return Maximum.apply(input, other)


@tensor_method
def minimum(input, other):
    return Minimum.apply(input, other)

