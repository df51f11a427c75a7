"""Trigonometric and hyperbolic functions beyond sin, cos and tanh (pointwise.py): tan, asin, acos, atan,
atan2, sinh, cosh, asinh, acosh, atanh, hypot, and deg2rad/rad2deg, with numpy's arc* names as aliases.

Each op's derivative is written with Tensor ops, so it is differentiable again; integer inputs
compute in the default float dtype, as PyTorch's.
"""
from __future__ import annotations

import math

import numpy as np

from ..function import Op
from ..tensor import Tensor, get_default_dtype
from ._util import tensor_method, tensor_methods
from .inplace import _define_inplace


def _floating(input):
    return input.to(get_default_dtype()) if isinstance(input, Tensor) and input._data.dtype.kind in "biu" else input


def _unary(cls, name, doc):
    def op(input):
        return cls.apply(_floating(input))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    tensor_method(op)
    _define_inplace(name + "_", op)
    return op


class Tan(Op):
    """tan x; d/dx = 1 + tan² x."""

    @staticmethod
    def forward(ctx, x):
        out = np.tan(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (out * out + 1)


class Asin(Op):
    """arcsin x; d/dx = 1/√(1 - x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsin(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (1 - x * x).rsqrt()


class Acos(Op):
    """arccos x; d/dx = -1/√(1 - x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccos(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return -grad * (1 - x * x).rsqrt()


class Atan(Op):
    """arctan x; d/dx = 1/(1 + x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctan(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x * x + 1)


class Sinh(Op):
    """sinh x; d/dx = cosh x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sinh(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * x.cosh()


class Cosh(Op):
    """cosh x; d/dx = sinh x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cosh(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * x.sinh()


class Asinh(Op):
    """arsinh x; d/dx = 1/√(x² + 1)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arcsinh(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (x * x + 1).rsqrt()


class Acosh(Op):
    """arcosh x (x >= 1); d/dx = 1/√(x² - 1)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arccosh(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (x * x - 1).rsqrt()


class Atanh(Op):
    """artanh x (|x| < 1); d/dx = 1/(1 - x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.arctanh(x)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (1 - x * x)


tan = _unary(Tan, "tan", "Tangent.")
asin = _unary(Asin, "asin", "Inverse sine.")
acos = _unary(Acos, "acos", "Inverse cosine.")
atan = _unary(Atan, "atan", "Inverse tangent.")
sinh = _unary(Sinh, "sinh", "Hyperbolic sine.")
cosh = _unary(Cosh, "cosh", "Hyperbolic cosine.")
asinh = _unary(Asinh, "asinh", "Inverse hyperbolic sine.")
acosh = _unary(Acosh, "acosh", "Inverse hyperbolic cosine.")
atanh = _unary(Atanh, "atanh", "Inverse hyperbolic tangent.")
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
tensor_methods(arcsin=asin, arccos=acos, arctan=atan, arcsinh=asinh, arccosh=acosh, arctanh=atanh)
for _alias, _op in (("arcsin_", asin), ("arccos_", acos), ("arctan_", atan), ("arcsinh_", asinh),
                    ("arccosh_", acosh), ("arctanh_", atanh)):
    _define_inplace(_alias, _op)


def _binary_floating(op: str, input, other):
    from .promotion import result_type

    dtype = result_type(input, other)
    if dtype.kind in "biu":
        dtype = get_default_dtype()
    return tuple(t.to(dtype) if isinstance(t, Tensor) and t.dtype != dtype else t for t in (input, other))


class Atan2(Op):
    """The angle of the point (x, y) = atan(y/x) in the right quadrant; d/dy = x/(x² + y²), d/dx = -y/(x² + y²)."""

    @staticmethod
    def forward(ctx, y, x):
        ctx.save_for_backward(y, x)
        return np.arctan2(y, x)

    @staticmethod
    def backward(ctx, grad):
        y, x = ctx.saved_tensors
        scale = grad / (x * x + y * y)
        return (scale * x if ctx.needs_input_grad[0] else None,
                -scale * y if ctx.needs_input_grad[1] else None)


@tensor_method
def atan2(input, other):
    """atan(input / other) with the quadrant of the point (other, input)."""
    return Atan2.apply(*_binary_floating("atan2", input, other))


arctan2 = atan2
tensor_methods(arctan2=atan2)
_define_inplace("atan2_", atan2)


class Hypot(Op):
    """√(a² + b²) without overflow; d/da = a/out, d/db = b/out."""

    @staticmethod
    def forward(ctx, a, b):
        out = np.hypot(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        return (grad * a / out if ctx.needs_input_grad[0] else None,
                grad * b / out if ctx.needs_input_grad[1] else None)


@tensor_method
def hypot(input, other):
    """√(input² + other²), elementwise."""
    return Hypot.apply(*_binary_floating("hypot", input, other))


@tensor_method
def deg2rad(input):
    """Degrees to radians."""
    return _floating(input) * (math.pi / 180)


@tensor_method
def rad2deg(input):
    """Radians to degrees."""
    return _floating(input) * (180 / math.pi)


_define_inplace("deg2rad_", deg2rad)
_define_inplace("rad2deg_", rad2deg)
