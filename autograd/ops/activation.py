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
    """max(x, 0); the gradient is threshold_backward(g, output, 0): 0 where the output is <= 0 (so 0 at
    x = 0), g elsewhere (a NaN output passes g, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        out = np.maximum(x, 0, dtype=x.dtype) if x.dtype.kind == "f" else np.maximum(x, 0)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return ThresholdBackward.apply(grad, out, 0)


class ThresholdBackward(Op):
    """g where x > threshold, else 0 (PyTorch's threshold_backward, also relu's); d/dg likewise, d/dx = 0
    (zeros connected to x, so a second derivative is zero rather than missing, as PyTorch)."""

    @staticmethod
    def forward(ctx, grad, x, threshold):
        ctx.save_for_backward(x)
        ctx.threshold = threshold
        drop = x <= threshold  # a NaN x passes the gradient, as PyTorch
        if np.ndim(grad) == 0:
            return np.where(drop, np.zeros((), grad.dtype), grad)
        out = grad * ~drop  # a multiply: numpy's where is ~15x slower on large arrays, and this runs for every relu
        np.copyto(out, 0, where=drop & np.isnan(out))  # an inf/NaN gradient at a dropped place gives 0, not NaN
        return out

    @staticmethod
    def backward(ctx, gg):
        x, = ctx.saved_tensors
        return (ThresholdBackward.apply(gg, x, ctx.threshold) if ctx.needs_input_grad[0] else None,
                zeros_like(x) if ctx.needs_input_grad[1] else None, None)


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
    """scale·x where x > 0, else scale·α·(exp(input_scale·x) - 1): elu (scale = input_scale = 1), selu and
    celu (input_scale = 1/α) in one op, as PyTorch's elu kernel. Its backward is EluBackward."""

    @staticmethod
    def forward(ctx, x, alpha, scale, input_scale):
        ctx.save_for_backward(x)
        ctx.coefficients = (alpha, scale, input_scale)
        negative = np.expm1(np.minimum(x, 0) * input_scale) * (alpha * scale)
        return np.where(x <= 0, negative, x * scale).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return EluBackward.apply(grad, x, *ctx.coefficients), None, None, None


class EluBackward(Op):
    """PyTorch's elu_backward: g·scale where x > 0, else g·input_scale·α·scale·exp(input_scale·x) (the
    negative side's formula also at x = 0). Its x-derivative (elu_double_backward) is nonzero only where
    x < 0, so every second derivative at 0 is 0, as PyTorch."""

    @staticmethod
    def forward(ctx, grad, x, alpha, scale, input_scale):
        ctx.save_for_backward(x, grad)
        ctx.coefficients = (alpha, scale, input_scale)
        negative = grad * (input_scale * alpha * scale) * np.exp(np.minimum(x, 0) * input_scale)
        return np.where(x <= 0, negative, grad * scale).astype(grad.dtype, copy=False)

    @staticmethod
    def backward(ctx, gg):
        x, grad = ctx.saved_tensors
        alpha, scale, input_scale = ctx.coefficients
        grad_grad = EluBackward.apply(gg, x, alpha, scale, input_scale) if ctx.needs_input_grad[0] else None
        grad_x = None
        if ctx.needs_input_grad[1]:
            grad_x = EluBackward.apply(gg * grad * input_scale, x, alpha, scale, input_scale) * (x < 0)
        return grad_grad, grad_x, None, None, None


class Softplus(Op):
    """log(1 + e^(βx))/β, stable for large |x|; x itself where βx > threshold. Its backward is SoftplusBackward."""

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
        return SoftplusBackward.apply(grad, x, ctx.beta, ctx.threshold), None, None


class SoftplusBackward(Op):
    """PyTorch's softplus_backward: g where βx > threshold, else g·σ(βx). Its x-derivative
    (softplus_double_backward) is g·β·σ'(βx) only where βx < threshold: 0 at the threshold itself."""

    @staticmethod
    def forward(ctx, grad, x, beta, threshold):
        ctx.save_for_backward(grad, x)
        ctx.beta, ctx.threshold = beta, threshold
        bx = x * beta
        z = np.exp(-np.abs(bx))
        sigmoid = np.where(bx >= 0, 1 / (1 + z), z / (1 + z))
        return np.where(bx > threshold, grad, grad * sigmoid).astype(grad.dtype, copy=False)

    @staticmethod
    def backward(ctx, gg):
        from .pointwise import SigmoidBackward

        grad, x = ctx.saved_tensors
        grad_grad = SoftplusBackward.apply(gg, x, ctx.beta, ctx.threshold) if ctx.needs_input_grad[0] else None
        grad_x = None
        if ctx.needs_input_grad[1]:
            bx = x * ctx.beta
            grad_x = SigmoidBackward.apply(gg * grad, bx.sigmoid()) * (bx < ctx.threshold) * ctx.beta
        return grad_grad, grad_x, None, None


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
        if ctx.needs_input_grad[1]:  # min < max strictly, as PyTorch: at min = max the gradient goes to max
            below = x < low if high is None else (x < low) & (low < high)
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
    """Elementwise max (NaN wins); PyTorch's gradient: split evenly on ties, and where either is NaN both
    get all of it (where(a == b, g/2, g) with 0 where the other is strictly larger)."""

    @staticmethod
    def forward(ctx, a, b):
        from .promotion import binary

        ctx.save_for_backward(a, b)
        return binary("maximum", np.maximum, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        shared = where(a == b, grad / 2, grad)
        return (where(a < b, 0.0, shared) if ctx.needs_input_grad[0] else None,
                where(a > b, 0.0, shared) if ctx.needs_input_grad[1] else None)


class Minimum(Op):
    """Elementwise min (NaN wins); the gradient as Maximum's, with the comparisons reversed."""

    @staticmethod
    def forward(ctx, a, b):
        from .promotion import binary

        ctx.save_for_backward(a, b)
        return binary("minimum", np.minimum, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        shared = where(a == b, grad / 2, grad)
        return (where(a > b, 0.0, shared) if ctx.needs_input_grad[0] else None,
                where(a < b, 0.0, shared) if ctx.needs_input_grad[1] else None)


# ----------------------------------------------------------------------------- the functions
@tensor_method
def relu(input):
    return Relu.apply(input)


@tensor_method
def leaky_relu(input, negative_slope: float = 0.01):
    return LeakyRelu.apply(input, negative_slope)


@tensor_method
def elu(input, alpha: float = 1.0):
    """x where x > 0, else α(eˣ - 1)."""
    return Elu.apply(input, alpha, 1.0, 1.0)


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

