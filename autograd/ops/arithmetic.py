"""Arithmetic: + − × ÷, powers, negation, absolute value, remainders and floor division.

Each operation is an `Op`: forward on numpy arrays, backward with Tensor operations (so it
can itself be differentiated). Broadcasting is undone by the engine, so backward rules
return gradients in the broadcast shape. Mixed dtypes follow PyTorch's promotion (`promotion.py`).
"""
from __future__ import annotations

import numpy as np

from ..function import Op
from ._util import tensor_method, tensor_methods
from .promotion import binary


class Add(Op):
    """a + b; the gradient passes through to both."""

    @staticmethod
    def forward(ctx, a, b):
        return binary("add", np.add, a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Op):
    """a - b."""

    @staticmethod
    def forward(ctx, a, b):
        return binary("sub", np.subtract, a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Op):
    """a * b; d/da = b, d/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        if ctx.recording:
            need_a, need_b = ctx.needs_input_grad
            ctx.save_for_backward(a if need_b else None, b if need_a else None)  # only what backward reads
        return binary("mul", np.multiply, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad * b if ctx.needs_input_grad[0] else None,
                grad * a if ctx.needs_input_grad[1] else None)


class Div(Op):
    """a / b; d/da = 1/b, d/db = -a/b²."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return binary("div", np.true_divide, a, b)  # integer / integer gives the default float, as PyTorch

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad / b if ctx.needs_input_grad[0] else None
        grad_b = -grad * a / (b * b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Neg(Op):
    """-x."""

    @staticmethod
    def forward(ctx, x):
        return np.negative(x)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Op):
    """a ** b for tensors or scalars on either side; d/da = b·a^(b-1) (0 where b = 0),
    d/db = a^b·log a (0 where a = 0)."""

    @staticmethod
    def forward(ctx, a, b):
        out = binary("pow", np.power, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        from .activation import where

        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = where(b == 0, 0.0, grad * b * a ** (b - 1))  # as PyTorch: not 0 · 0^-1 = nan
        if ctx.needs_input_grad[1]:
            grad_b = grad * out * where(a == 0, 1.0, a).log()
        return grad_a, grad_b


class Abs(Op):
    """|x|; the gradient is sign(x) (0 at 0, as PyTorch), through the sign op so it stays connected."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        from .pointwise import sign

        x, = ctx.saved_tensors
        return grad * sign(x)


class Remainder(Op):
    """a mod b with the divisor's sign (Python's %); d/da = 1, d/db = -floor(a/b)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return binary("remainder", np.remainder, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_b = -grad * div(a, b, rounding_mode="floor") if ctx.needs_input_grad[1] else None
        return grad, grad_b


class Fmod(Op):
    """C's fmod: a mod b with the dividend's sign (truncating division); d/da = 1, d/db = -trunc(a/b)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return binary("fmod", np.fmod, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_b = -grad * div(a, b, rounding_mode="trunc") if ctx.needs_input_grad[1] else None
        return grad, grad_b


class RoundedDiv(Op):
    """a / b rounded towards -inf ('floor') or 0 ('trunc'); piecewise constant, so its gradient is 0."""

    node_name = "Div"

    @staticmethod
    def forward(ctx, a, b, mode):
        out = binary("div", np.floor_divide if mode == "floor" else _trunc_divide, a, b)
        ctx.shapes = (np.shape(a), np.shape(b))
        return out

    @staticmethod
    def backward(ctx, grad):
        zero = grad * 0.0
        return zero, zero, None


class FloorDivide(Op):
    """⌊a / b⌋, PyTorch's floor_divide (and //): recorded, but, as in PyTorch, it has no derivative."""

    @staticmethod
    def forward(ctx, a, b):
        return binary("floor_divide", np.floor_divide, a, b)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("the derivative for floor_divide (//) is not implemented (as in PyTorch); for a zero "
                           "gradient use div(a, b, rounding_mode='floor'), or detach the operands")


def _trunc_divide(a, b):
    quotient = np.true_divide(a, b)
    if quotient.dtype.kind == "f" and np.result_type(a, b).kind in "iub":
        return np.trunc(quotient).astype(np.result_type(a, b))
    return np.trunc(quotient)


# ----------------------------------------------------------------------------- the functions
@tensor_method(name="__add__")
@tensor_method
def add(input, other, *, alpha=1):
    """input + alpha · other."""
    if alpha != 1:
        other = mul(other, alpha)
    return Add.apply(input, other)


@tensor_method(name="__sub__")
@tensor_method
def sub(input, other, *, alpha=1):
    """input - alpha · other."""
    if alpha != 1:
        other = mul(other, alpha)
    return Sub.apply(input, other)


@tensor_method(name="__mul__")
@tensor_method
def mul(input, other):
    """input · other, elementwise."""
    return Mul.apply(input, other)


@tensor_method(name="__truediv__")
@tensor_method
def div(input, other, *, rounding_mode=None):
    """input / other; rounding_mode 'floor' or 'trunc' rounds the quotient (and has zero gradient)."""
    if rounding_mode is None:
        return Div.apply(input, other)
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(f"div: rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}")
    return RoundedDiv.apply(input, other, rounding_mode)


@tensor_method(name="__floordiv__")
@tensor_method
def floor_divide(input, other):
    """⌊input / other⌋ (PyTorch's floor_divide); no derivative, as in PyTorch."""
    return FloorDivide.apply(input, other)


@tensor_method(name="__mod__")
@tensor_method
def remainder(input, other):
    """Python-style remainder: the result has the divisor's sign."""
    return Remainder.apply(input, other)


@tensor_method
def fmod(input, other):
    """C-style remainder: the result has the dividend's sign."""
    return Fmod.apply(input, other)


@tensor_method(name="__pow__")
@tensor_method
def pow(input, exponent):
    """input ** exponent; either may be a tensor."""
    return Pow.apply(input, exponent)


@tensor_method(name="__neg__")
@tensor_method
def neg(input):
    return Neg.apply(input)


@tensor_method(name="__abs__")
@tensor_method
def abs(input):
    return Abs.apply(input)


@tensor_method
def reciprocal(input):
    """1 / input."""
    return Div.apply(1.0, input)


@tensor_method
def square(input):
    return Mul.apply(input, input)


tensor_methods(  # the reflected operators: number ∘ tensor
    __radd__=lambda self, other: Add.apply(other, self),
    __rsub__=lambda self, other: Sub.apply(other, self),
    __rmul__=lambda self, other: Mul.apply(other, self),
    __rtruediv__=lambda self, other: Div.apply(other, self),
    __rpow__=lambda self, other: Pow.apply(other, self),
    __rfloordiv__=lambda self, other: FloorDivide.apply(other, self),
    __rmod__=lambda self, other: Remainder.apply(other, self),
    __pos__=lambda self: self,
)


@tensor_method
def positive(input):
    return input


subtract, multiply, divide, true_divide, negative, absolute = sub, mul, div, div, neg, abs
tensor_methods(subtract=sub, multiply=mul, divide=div, true_divide=div, negative=neg, absolute=abs)
