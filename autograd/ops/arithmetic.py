"""Arithmetic: + − × ÷, powers, negation, absolute value, remainders and floor division.

Each operation is an `Op`: forward on numpy arrays, backward with Tensor operations (so it
can itself be differentiated). Broadcasting is undone by the engine, so backward rules
return gradients in the broadcast shape. Mixed dtypes follow PyTorch's promotion (`promotion.py`).
"""
from __future__ import annotations

import math

import numpy as np

from ..creation import zeros_like
from ..function import Op
from ..tensor import Tensor, get_default_dtype
from ._util import tensor_method, tensor_methods
from .promotion import binary


def _integer_division(op: str, ufunc):
    """ufunc for integer operands with PyTorch's check: an integer division by zero is an error (numpy
    would return 0 silently); floating operands divide by zero to inf or nan, as IEEE and PyTorch."""
    def divide(a, b):
        out = ufunc(a, b)
        if np.asarray(out).dtype.kind in "iub" and np.size(out) and np.any(np.equal(b, 0)):
            raise RuntimeError(f"{op}: ZeroDivisionError (integer division by zero)")
        return out
    return divide


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
    """a / b; d/da = 1/b, d/db = -(a/b)/b (PyTorch's order of operations, which decides inf and nan at b = 0)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return binary("div", np.true_divide, a, b)  # integer / integer gives the default float, as PyTorch

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad / b if ctx.needs_input_grad[0] else None
        grad_b = -grad * ((a / b) / b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Reciprocal(Op):
    """1/x; d/dx = -1/x² = -out·out (from the output, as PyTorch: -inf at x = 0)."""

    @staticmethod
    def forward(ctx, x):
        out = np.reciprocal(x) if x.dtype.kind == "f" else np.true_divide(1, x).astype(get_default_dtype())
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return -grad * (out * out)


class Neg(Op):
    """-x."""

    @staticmethod
    def forward(ctx, x):
        return np.negative(x)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Op):
    """a ** b for tensors or numbers on either side. PyTorch's conventions (pow_backward_self/_exponent):
    d/da = b·a^(b-1), and 0 wherever b = 0 (not 0·0^-1 = nan); d/db = a^b·log a, and 0 where a = 0 and
    b >= 0 (by continuity), so at a = 0 and b < 0 it is inf·(-inf) = -inf; log of a negative a is nan."""

    @staticmethod
    def forward(ctx, a, b):
        out = _integer_pow(a, b) if _integer_tensor_exponent(a, b) else binary("pow", np.power, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        from .activation import where

        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            if isinstance(b, Tensor):
                grad_a = where(b == 0, 0.0, grad * (b * a.pow(b - 1)))
            else:
                grad_a = zeros_like(a) if b == 0 else grad * (b * a.pow(b - 1))
        if ctx.needs_input_grad[1]:
            if isinstance(a, Tensor):
                grad_b = grad * where((a == 0) & (b >= 0), 0.0, out * a.log())
            elif a == 0:
                grad_b = grad * where(b >= 0, 0.0, out * -math.inf)
            else:
                grad_b = grad * (out * (math.log(a) if a > 0 else math.nan))
        return grad_a, grad_b


def _integer_tensor_exponent(a, b) -> bool:
    """An integer base (tensor or int) and an integer tensor exponent: PyTorch's integer power."""
    integer_base = a.dtype.kind in "iu" if isinstance(a, np.ndarray) else type(a) is int
    return integer_base and isinstance(b, np.ndarray) and b.dtype.kind in "iu"


def _integer_pow(a, b):
    """Integer ** integer tensor as PyTorch: negative exponents give 1 for a base of 1, ±1 for -1, 0 otherwise
    (numpy raises instead). A Python int exponent below 0 is refused, as PyTorch does."""
    b_array = np.asarray(b)
    if not (b_array < 0).any():
        return binary("pow", np.power, a, b)
    safe = np.where(b_array < 0, 0, b_array)
    out = binary("pow", np.power, a, safe)
    a_array = np.asarray(a)
    negative = np.where(a_array == 1, 1, np.where(a_array == -1, np.where(b_array % 2 == 0, 1, -1), 0))
    return np.where(b_array < 0, negative, out).astype(out.dtype)


def _xlogy(a, b):
    """numpy's x · log y with 0 where x = 0; a Python number y is logged in x's dtype (np.log of a float
    would be a float64 scalar, which turns a float32 product into float64)."""
    log_b = np.log(b) if hasattr(b, "dtype") else np.log(np.asarray(b, dtype=np.result_type(a, 1.0)))
    return np.where(np.equal(a, 0) & ~np.isnan(b), 0, a * log_b)


class Xlogy(Op):
    """x · log y, and 0 where x = 0 (unless y is nan), as torch.xlogy. PyTorch's derivatives:
    d/dx = log y (0 where x = 0 and y <= 0), d/dy = x / y (so 0/0 = nan at x = y = 0)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        out = binary("xlogy", _xlogy, x, y)
        return out if out.dtype.kind == "f" else out.astype(get_default_dtype())

    @staticmethod
    def backward(ctx, grad):
        from .activation import where

        x, y = ctx.saved_tensors
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_x = where((x == 0) & (y <= 0), 0.0, Xlogy.apply(grad, y))
        if ctx.needs_input_grad[1]:
            grad_y = grad * x / y
        return grad_x, grad_y


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
        return binary("remainder", _integer_division("remainder", np.remainder), a, b)

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
        return binary("fmod", _integer_division("fmod", np.fmod), a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_b = -grad * div(a, b, rounding_mode="trunc") if ctx.needs_input_grad[1] else None
        return grad, grad_b


class RoundedDiv(Op):
    """a / b rounded towards -inf ('floor') or 0 ('trunc'); piecewise constant, so its gradient is 0
    (fresh zeros, PyTorch's zeros_like(grad))."""

    node_name = "Div"

    @staticmethod
    def forward(ctx, a, b, mode):
        return binary("div", _integer_division("div", np.floor_divide if mode == "floor" else _trunc_divide), a, b)

    @staticmethod
    def backward(ctx, grad):
        return zeros_like(grad), zeros_like(grad), None


class FloorDivide(Op):
    """⌊a / b⌋, PyTorch's floor_divide (and //): recorded, but, as in PyTorch, it has no derivative."""

    @staticmethod
    def forward(ctx, a, b):
        return binary("floor_divide", _integer_division("floor_divide", np.floor_divide), a, b)

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


@tensor_method
def xlogy(input, other):
    """input · log(other), defined as 0 where input = 0 (the convention 0 · log 0 = 0 of entropies)."""
    return Xlogy.apply(input, other)


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
    """1 / input (integers give the default float)."""
    return Reciprocal.apply(input)


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
