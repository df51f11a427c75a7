"""Pointwise maths: exp and logs, roots, trigonometric and hyperbolic functions, erf, rounding and sign.

Where the derivative is a function of the output (exp, sqrt, tanh, sigmoid) the output is
saved rather than the input. tanh and sigmoid have their backward as one op of its own
(`TanhBackward`, `SigmoidBackward`): one numpy pass, and itself differentiable. Rounding
and sign are piecewise constant: their gradient is zero, as in PyTorch.
"""
from __future__ import annotations

import math

import numpy as np

from ..creation import zeros_like
from ..function import Op
from ..tensor import get_default_dtype
from ._util import tensor_method


def _unary(cls, name, doc, floating: bool = True):
    """The public function (and Tensor method) `name` for a one-input op class; a `floating` function of an
    integer or bool tensor computes in the default float dtype, as PyTorch's (exp(int64) is float32)."""
    def op(input):
        if floating and input._data.dtype.kind in "biu":
            input = input.to(get_default_dtype())
        return cls.apply(input)
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return tensor_method(op)


class Exp(Op):
    """exp(x); the derivative is the output."""

    @staticmethod
    def forward(ctx, x):
        out = np.exp(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * out


class Log(Op):
    """Natural log; d/dx = 1/x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / x


class Log2(Op):
    """log₂ x; d/dx = 1/(x ln 2)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log2(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x * math.log(2))


class Log10(Op):
    """log₁₀ x; d/dx = 1/(x ln 10)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log10(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x * math.log(10))


class Log1p(Op):
    """log(1 + x), accurate near 0; d/dx = 1/(1+x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x + 1)


class Expm1(Op):
    """exp(x) - 1, accurate near 0; d/dx = exp(x) = output + 1."""

    @staticmethod
    def forward(ctx, x):
        out = np.expm1(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (out + 1)


class Sqrt(Op):
    """√x; d/dx = 1/(2√x)."""

    @staticmethod
    def forward(ctx, x):
        out = np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad / (out * 2)


class Rsqrt(Op):
    """1/√x; d/dx = -½ x^(-3/2) = -½ out³."""

    @staticmethod
    def forward(ctx, x):
        out = 1 / np.sqrt(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * out * out * out * -0.5


class Sin(Op):
    """sin(x); d/dx = cos(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * x.cos()


class Cos(Op):
    """cos(x); d/dx = -sin(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return -grad * x.sin()


class Tanh(Op):
    """tanh(x); d/dx = 1 - tanh²(x), from the saved output."""

    @staticmethod
    def forward(ctx, x):
        out = np.tanh(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return TanhBackward.apply(grad, out)


class TanhBackward(Op):
    """tanh's backward g·(1 - y²) as one op; d/dg = 1 - y², d/dy = -2·g·y (double backward through tanh)."""

    node_name = "TanhBackward"

    @staticmethod
    def forward(ctx, grad, out):
        ctx.save_for_backward(grad, out)
        return grad * (1 - out * out)

    @staticmethod
    def backward(ctx, gg):
        grad, out = ctx.saved_tensors
        return (gg * (1 - out * out) if ctx.needs_input_grad[0] else None,
                gg * grad * out * -2 if ctx.needs_input_grad[1] else None)


class Sigmoid(Op):
    """1/(1+e^-x), computed without overflow for large |x|; d/dx = σ(1-σ)."""

    @staticmethod
    def forward(ctx, x):
        z = np.exp(-np.abs(x))
        out = np.where(x >= 0, 1 / (1 + z), z / (1 + z))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return SigmoidBackward.apply(grad, out)


class SigmoidBackward(Op):
    """sigmoid's backward g·σ(1 - σ) as one op; d/dg = σ(1 - σ), d/dσ = g·(1 - 2σ)."""

    node_name = "SigmoidBackward"

    @staticmethod
    def forward(ctx, grad, out):
        ctx.save_for_backward(grad, out)
        return grad * (out * (1 - out))

    @staticmethod
    def backward(ctx, gg):
        grad, out = ctx.saved_tensors
        return (gg * (out * (1 - out)) if ctx.needs_input_grad[0] else None,
                gg * grad * (1 - out * 2) if ctx.needs_input_grad[1] else None)


_vector_erf = np.frompyfunc(math.erf, 1, 1)


class Erf(Op):
    """The error function; d/dx = 2/√π · exp(-x²). (numpy has no erf: math.erf is mapped over the elements.)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.asarray(_vector_erf(x), dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (-(x * x)).exp() * (2 / math.sqrt(math.pi))


class _PiecewiseConstant(Op):
    """Rounding and sign: the gradient is zero (a fresh zero tensor, as PyTorch's `zeros_like(grad)`)."""

    @staticmethod
    def backward(ctx, grad):
        return zeros_like(grad)


class Floor(_PiecewiseConstant):
    """Round down."""

    @staticmethod
    def forward(ctx, x):
        return np.floor(x)


class Ceil(_PiecewiseConstant):
    """Round up."""

    @staticmethod
    def forward(ctx, x):
        return np.ceil(x)


class Trunc(_PiecewiseConstant):
    """Round towards zero."""

    @staticmethod
    def forward(ctx, x):
        return np.trunc(x)


class Sign(_PiecewiseConstant):
    """-1, 0 or 1 by sign."""

    @staticmethod
    def forward(ctx, x):
        return np.sign(x)


class Round(Op):
    """Round half to even, to `decimals` places; zero gradient."""

    @staticmethod
    def forward(ctx, x, decimals):
        return np.round(x, decimals)

    @staticmethod
    def backward(ctx, grad):
        return zeros_like(grad), None


exp = _unary(Exp, "exp", "eˣ.")
log = _unary(Log, "log", "Natural logarithm.")
log2 = _unary(Log2, "log2", "Base-2 logarithm.")
log10 = _unary(Log10, "log10", "Base-10 logarithm.")
log1p = _unary(Log1p, "log1p", "log(1 + x), accurate for small x.")
expm1 = _unary(Expm1, "expm1", "eˣ - 1, accurate for small x.")
sqrt = _unary(Sqrt, "sqrt", "√x.")
rsqrt = _unary(Rsqrt, "rsqrt", "1/√x.")
sin = _unary(Sin, "sin", "Sine.")
cos = _unary(Cos, "cos", "Cosine.")
tanh = _unary(Tanh, "tanh", "Hyperbolic tangent.")
sigmoid = _unary(Sigmoid, "sigmoid", "The logistic function 1/(1 + e⁻ˣ).")
erf = _unary(Erf, "erf", "The error function.")


floor = _unary(Floor, "floor", "Round down; zero gradient.", floating=False)
ceil = _unary(Ceil, "ceil", "Round up; zero gradient.", floating=False)
trunc = _unary(Trunc, "trunc", "Round towards zero; zero gradient.", floating=False)
sign = _unary(Sign, "sign", "-1, 0 or 1 by sign; zero gradient.", floating=False)
fix = trunc


@tensor_method
def round(input, *, decimals: int = 0):
    """Round half to even (to `decimals` places), as PyTorch; zero gradient."""
    return Round.apply(input, int(decimals))
