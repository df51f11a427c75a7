"""More pointwise functions PyTorch has: erfc, exp2, sinc (ops of their own), and frac, logit,
nan_to_num, sgn, signbit, float_power (compositions).

Derivatives follow PyTorch's conventions, written beside each op: sinc's derivative at 0 is 0;
nan_to_num passes no gradient to the values it replaces.
"""
from __future__ import annotations

import math

import numpy as np

from ..function import Op
from ..tensor import Tensor, get_default_dtype
from ._util import tensor_method, tensor_methods
from .activation import where
from .arithmetic import xlogy
from .comparison import Test
from .inplace import _define_inplace

_vector_erfc = np.frompyfunc(math.erfc, 1, 1)


def _floating(input):
    return input.to(get_default_dtype()) if isinstance(input, Tensor) and input._data.dtype.kind in "biu" else input


class Erfc(Op):
    """1 - erf(x), accurate where erf(x) is near 1; d/dx = -2/√π · exp(-x²). (math.erfc over the elements.)"""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.asarray(_vector_erfc(x), dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (-(x * x)).exp() * (-2 / math.sqrt(math.pi))


class Exp2(Op):
    """2ˣ; d/dx = 2ˣ · ln 2."""

    @staticmethod
    def forward(ctx, x):
        out = np.exp2(x)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * out * math.log(2)


class Sinc(Op):
    """sin(πx)/(πx), 1 at 0; d/dx = (cos(πx) - sinc(x))/x, 0 at x = 0 (as PyTorch). At 0 the derivative is
    written as -π²x/3 (its Taylor term), so the second derivative there is the true -π²/3 (PyTorch's is NaN)."""

    @staticmethod
    def forward(ctx, x):
        out = np.sinc(x).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        zero = x == 0
        safe = where(zero, 1.0, x)
        return grad * where(zero, x * (-math.pi ** 2 / 3), ((safe * math.pi).cos() - out) / safe)


def _unary(cls, name, doc):
    def op(input):
        return cls.apply(_floating(input))
    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    tensor_method(op)
    _define_inplace(name + "_", op)
    return op


erfc = _unary(Erfc, "erfc", "The complementary error function 1 - erf(x).")
exp2 = _unary(Exp2, "exp2", "2ˣ.")
sinc = _unary(Sinc, "sinc", "The normalised sinc function sin(πx)/(πx).")


_define_inplace("xlogy_", xlogy)  # the op is arithmetic.py's


@tensor_method
def frac(input):
    """The fractional part x - trunc(x) (with x's sign); its gradient is 1."""
    return input - input.trunc()


@tensor_method
def logit(input, eps=None):
    """log(x / (1 - x)), with x first clamped to [eps, 1 - eps] when eps is given."""
    x = _floating(input)
    if eps is not None:
        x = x.clamp(eps, 1 - eps)
    return (x / (1 - x)).log()


@tensor_method
def nan_to_num(input, nan: float = 0.0, posinf=None, neginf=None):
    """NaN replaced by `nan`, +inf by `posinf` and -inf by `neginf` (the dtype's largest and smallest finite
    values by default); the replaced places get no gradient."""
    if input.dtype.kind not in "fc":
        return input.clone()
    info = np.finfo(input.dtype)
    posinf = float(info.max) if posinf is None else posinf
    neginf = float(info.min) if neginf is None else neginf
    return where(input.isnan(), nan, where(input.isposinf(), posinf, where(input.isneginf(), neginf, input)))


for _name, _op in (("frac_", frac), ("logit_", logit), ("nan_to_num_", nan_to_num)):
    _define_inplace(_name, _op)


@tensor_method
def sgn(input):
    """The sign (-1, 0, 1) of each element; for real tensors the same as sign."""
    return input.sign()


_define_inplace("sgn_", sgn)


@tensor_method
def signbit(input):
    """True where the sign bit is set (including -0.0)."""
    return Test.apply(np.signbit, input)


@tensor_method
def float_power(input, exponent):
    """input ** exponent computed in float64, as torch.float_power."""
    base = input.double() if isinstance(input, Tensor) else float(input)
    power = exponent.double() if isinstance(exponent, Tensor) else float(exponent)
    return base ** power


tensor_methods(float_power_=lambda self, exponent: self.copy_(float_power(self, exponent))
               if self.dtype == np.float64 else _refuse_float_power_(self))


def _refuse_float_power_(self):
    raise RuntimeError(f"float_power_(): the base given to float_power_ has dtype {self.dtype} but the operation's "
                       "result requires dtype float64")
