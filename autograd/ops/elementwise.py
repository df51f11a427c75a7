"""Elementwise operations: arithmetic, unary maths and activations, plus their in-place forms.

Each operation is a `Function` whose forward (numpy) and backward (Tensor operations,
so it can itself be differentiated) sit side by side. Broadcasting is undone by the
engine, so backward rules return gradients in the broadcast shape.
"""
from __future__ import annotations

import math

import numpy as np

from .. import grad_mode
from ..engine import Function
from ..tensor import Tensor, get_default_dtype
from ._util import as_tensor_arg, check_broadcast, tensor_method


def _data(x):
    return x._data if isinstance(x, Tensor) else x


def _binary_forward(op: str, fn, a, b):
    """fn(a, b) on the data, with PyTorch's type promotion and a clear error for shapes that do not broadcast."""
    x = a._data if isinstance(a, Tensor) else a.item() if isinstance(a, np.generic) else a
    y = b._data if isinstance(b, Tensor) else b.item() if isinstance(b, np.generic) else b
    try:
        out = fn(x, y)
    except ValueError:
        check_broadcast(op, np.shape(x), np.shape(y))
        raise
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    elif type(x) is np.ndarray and out.dtype == x.dtype and (type(y) is float or type(y) is int or
                                                           type(y) is np.ndarray and y.dtype == x.dtype):
        return out  # the common case: nothing for PyTorch's promotion rules to change
    dtype = promoted_dtype(x, y)
    return out if dtype is None or dtype == out.dtype else out.astype(dtype)


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def promoted_dtype(x, y):
    """Where PyTorch's promotion differs from numpy's, the dtype PyTorch gives (else None).

    Python and numpy scalars, and 0-d tensors, do not raise the dtype of a dimensioned tensor of the
    same category; an integer tensor meeting a float scalar gives the default float dtype.
    """
    x_array, y_array = isinstance(x, np.ndarray), isinstance(y, np.ndarray)
    if x_array and y_array:
        if x.dtype == y.dtype or (x.ndim == 0) == (y.ndim == 0):
            return None
        dimensioned, zero_d = (x, y) if y.ndim == 0 else (y, x)
        if _CATEGORY[zero_d.dtype.kind] <= _CATEGORY[dimensioned.dtype.kind]:
            return dimensioned.dtype
        return None
    array, scalar = (x, y) if x_array else (y, x)
    if not isinstance(array, np.ndarray) or array.dtype.kind == "f":
        return None
    if isinstance(scalar, float):
        return get_default_dtype()
    if isinstance(scalar, int) and not isinstance(scalar, bool) and array.dtype.kind == "b":
        return np.dtype(np.int64)
    return None


# ----------------------------------------------------------------------------- arithmetic
class Add(Function):
    """a + b; the gradient passes through to both."""

    @staticmethod
    def forward(ctx, a, b):
        return _binary_forward("add", np.add, a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """a - b."""

    @staticmethod
    def forward(ctx, a, b):
        return _binary_forward("sub", np.subtract, a, b)

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Function):
    """a * b; d/da = b, d/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        if ctx.needs_input_grad:  # keep only what backward will read
            need_a, need_b = ctx.needs_input_grad
            ctx.save_for_backward(a if need_b else None, b if need_a else None)
        return _binary_forward("mul", np.multiply, a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (grad * b if ctx.needs_input_grad[0] else None,
                grad * a if ctx.needs_input_grad[1] else None)


class Div(Function):
    """a / b; d/da = 1/b, d/db = -a/b²."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        out = _binary_forward("div", np.true_divide, a, b)
        if out.dtype == np.float64 and all(np.asarray(_data(x)).dtype.kind in "iub" for x in (a, b)):
            out = out.astype(get_default_dtype())  # integer / integer gives the default float, as PyTorch
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = grad / b if ctx.needs_input_grad[0] else None
        grad_b = -grad * a / (b * b) if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


class Neg(Function):
    """-x."""

    @staticmethod
    def forward(ctx, x):
        return np.negative(x._data)

    @staticmethod
    def backward(ctx, grad):
        return -grad


class Pow(Function):
    """a ** b for tensors or scalars on either side; d/da = b a^(b-1), d/db = a^b log a (0 where a = 0)."""

    @staticmethod
    def forward(ctx, a, b):
        out = Tensor._wrap(_binary_forward("pow", np.power, a, b))
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            if isinstance(b, Tensor):  # 0 where the exponent is 0, as PyTorch (not 0 · 0^-1 = nan)
                grad_a = where(b._data == 0, 0.0, grad * b * a ** (b - 1))
            else:
                grad_a = grad * b * a ** (b - 1) if b != 0 else grad * 0.0
        if ctx.needs_input_grad[1]:
            base = a if isinstance(a, Tensor) else as_tensor_arg(a, b)
            safe_base = where(base._data == 0, 1.0, base) if isinstance(a, Tensor) else base
            grad_b = grad * out * safe_base.log()
        return grad_a, grad_b


class Abs(Function):
    """|x|; the gradient is sign(x) (0 at 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.sign = np.sign(x._data)
        return np.abs(x._data)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.sign


@tensor_method(name="__add__")
@tensor_method
def add(input, other, alpha=1):
    """input + alpha * other."""
    if alpha != 1:
        other = mul(other, alpha)
    return Add.apply(input, other)


@tensor_method(name="__sub__")
@tensor_method
def sub(input, other, alpha=1):
    """input - alpha * other."""
    if alpha != 1:
        other = mul(other, alpha)
    return Sub.apply(input, other)


@tensor_method(name="__mul__")
@tensor_method
def mul(input, other):
    return Mul.apply(input, other)


@tensor_method(name="__truediv__")
@tensor_method
def div(input, other, rounding_mode=None):
    if rounding_mode == "floor":
        return floor_divide(input, other)
    if rounding_mode == "trunc":
        return Tensor._wrap(np.trunc(_data(input) / _data(other)))
    return Div.apply(input, other)


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


subtract, multiply, divide, true_divide, negative = sub, mul, div, div, neg
Tensor.__radd__ = lambda self, other: Add.apply(other, self)
Tensor.__rsub__ = lambda self, other: Sub.apply(other, self)
Tensor.__rmul__ = lambda self, other: Mul.apply(other, self)
Tensor.__rtruediv__ = lambda self, other: Div.apply(other, self)
Tensor.__rpow__ = lambda self, other: Pow.apply(other, self)
Tensor.__pos__ = lambda self: self
Tensor.multiply, Tensor.divide, Tensor.subtract, Tensor.true_divide = mul, div, sub, div


# ----------------------------------------------------------------------------- not differentiable
def _no_grad_result(array) -> Tensor:
    return Tensor._wrap(np.asarray(array))


@tensor_method(name="__floordiv__")
@tensor_method
def floor_divide(input, other):
    """Floor division; piecewise constant, so it carries no gradient."""
    return _no_grad_result(np.floor_divide(_data(input), _data(other)))


@tensor_method(name="__mod__")
@tensor_method
def remainder(input, other):
    """Python-style remainder (sign of the divisor); no gradient."""
    return _no_grad_result(np.remainder(_data(input), _data(other)))


Tensor.__rfloordiv__ = lambda self, other: _no_grad_result(np.floor_divide(other, self._data))
Tensor.__rmod__ = lambda self, other: _no_grad_result(np.remainder(other, self._data))
fmod = remainder


def _comparison(name, ufunc):
    def compare(input, other):
        try:
            return _no_grad_result(ufunc(_data(input), _data(other)))
        except ValueError:
            check_broadcast(name, np.shape(_data(input)), np.shape(_data(other)))
            raise
    compare.__name__ = name
    compare.__doc__ = f"Elementwise {name} (bool result, no gradient)."
    return compare


lt = tensor_method(_comparison("lt", np.less))
le = tensor_method(_comparison("le", np.less_equal))
gt = tensor_method(_comparison("gt", np.greater))
ge = tensor_method(_comparison("ge", np.greater_equal))
eq = tensor_method(_comparison("eq", np.equal))
ne = tensor_method(_comparison("ne", np.not_equal))
less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne
Tensor.__lt__, Tensor.__le__, Tensor.__gt__, Tensor.__ge__ = lt, le, gt, ge
Tensor.__eq__, Tensor.__ne__ = eq, ne
Tensor.__and__ = lambda self, other: _no_grad_result(self._data & _data(other))
Tensor.__or__ = lambda self, other: _no_grad_result(self._data | _data(other))
Tensor.__xor__ = lambda self, other: _no_grad_result(self._data ^ _data(other))
Tensor.__invert__ = lambda self: _no_grad_result(~self._data)
Tensor.__rand__, Tensor.__ror__ = Tensor.__and__, Tensor.__or__


def _no_grad_unary(name, fn, doc):
    def op(input):
        return _no_grad_result(fn(input._data))
    op.__name__ = name
    op.__doc__ = doc
    return tensor_method(op)


sign = _no_grad_unary("sign", np.sign, "-1, 0 or 1 by sign; no gradient.")
floor = _no_grad_unary("floor", np.floor, "Round down; no gradient.")
ceil = _no_grad_unary("ceil", np.ceil, "Round up; no gradient.")
round = _no_grad_unary("round", np.round, "Round half to even, as PyTorch; no gradient.")
trunc = _no_grad_unary("trunc", np.trunc, "Round towards zero; no gradient.")
isnan = _no_grad_unary("isnan", np.isnan, "True where NaN.")
isinf = _no_grad_unary("isinf", np.isinf, "True where ±inf.")
isfinite = _no_grad_unary("isfinite", np.isfinite, "True where finite.")
logical_not = _no_grad_unary("logical_not", np.logical_not, "Elementwise not.")


@tensor_method
def logical_and(input, other):
    return _no_grad_result(np.logical_and(_data(input), _data(other)))


@tensor_method
def logical_or(input, other):
    return _no_grad_result(np.logical_or(_data(input), _data(other)))


# ----------------------------------------------------------------------------- unary maths
class Exp(Function):
    """exp(x); the derivative is the output, which is saved."""

    @staticmethod
    def forward(ctx, x):
        out = Tensor._wrap(np.exp(x._data))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * out


class Log(Function):
    """Natural log; d/dx = 1/x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log(x._data)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / x


class Log1p(Function):
    """log(1 + x), accurate near 0; d/dx = 1/(1+x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.log1p(x._data)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad / (x + 1)


class Expm1(Function):
    """exp(x) - 1, accurate near 0; d/dx = exp(x) = output + 1."""

    @staticmethod
    def forward(ctx, x):
        out = Tensor._wrap(np.expm1(x._data))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad * (out + 1)


class Sqrt(Function):
    """√x; d/dx = 1/(2√x)."""

    @staticmethod
    def forward(ctx, x):
        out = Tensor._wrap(np.sqrt(x._data))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return grad / (out * 2)


class Sin(Function):
    """sin(x); d/dx = cos(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.sin(x._data)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * x.cos()


class Cos(Function):
    """cos(x); d/dx = -sin(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.cos(x._data)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return -grad * x.sin()


class Tanh(Function):
    """tanh(x); d/dx = 1 - tanh²(x), from the saved output."""

    @staticmethod
    def forward(ctx, x):
        out = Tensor._wrap(np.tanh(x._data))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return TanhGrad.apply(grad, out)


class TanhGrad(Function):
    """tanh's backward, g·(1 - y²), as one operation (one numpy pass instead of three Tensor ops).

    It is differentiable itself: d/dg = 1 - y², d/dy = -2·g·y, so double backward through tanh works.
    """

    @staticmethod
    def forward(ctx, grad, out):
        ctx.save_for_backward(grad, out)
        y = out._data
        return grad._data * (1 - y * y)

    @staticmethod
    def backward(ctx, gg):
        grad, out = ctx.saved_tensors
        return (gg * (1 - out * out) if ctx.needs_input_grad[0] else None,
                gg * grad * out * -2 if ctx.needs_input_grad[1] else None)


class Sigmoid(Function):
    """1/(1+e^-x), computed without overflow for large |x|; d/dx = σ(1-σ)."""

    @staticmethod
    def forward(ctx, x):
        z = np.exp(-np.abs(x._data))
        out = Tensor._wrap(np.where(x._data >= 0, 1 / (1 + z), z / (1 + z)))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return SigmoidGrad.apply(grad, out)


class SigmoidGrad(Function):
    """sigmoid's backward, g·σ(1 - σ), as one operation; d/dg = σ(1 - σ), d/dσ = g·(1 - 2σ)."""

    @staticmethod
    def forward(ctx, grad, out):
        ctx.save_for_backward(grad, out)
        y = out._data
        return grad._data * (y * (1 - y))

    @staticmethod
    def backward(ctx, gg):
        grad, out = ctx.saved_tensors
        return (gg * (out * (1 - out)) if ctx.needs_input_grad[0] else None,
                gg * grad * (1 - out * 2) if ctx.needs_input_grad[1] else None)


class Erf(Function):
    """The error function; d/dx = 2/√π · exp(-x²)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _erf(x._data)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (-(x * x)).exp() * (2 / math.sqrt(math.pi))


_vector_erf = np.frompyfunc(math.erf, 1, 1)


def _erf(a: np.ndarray) -> np.ndarray:
    """erf with the array's dtype; numpy has none, so math.erf is mapped over the elements."""
    return np.asarray(_vector_erf(a), dtype=a.dtype)


@tensor_method
def exp(input):
    return Exp.apply(input)


@tensor_method
def log(input):
    return Log.apply(input)


@tensor_method
def log1p(input):
    return Log1p.apply(input)


@tensor_method
def expm1(input):
    return Expm1.apply(input)


@tensor_method
def sqrt(input):
    return Sqrt.apply(input)


@tensor_method
def rsqrt(input):
    """1/√x."""
    return Sqrt.apply(input).reciprocal()


@tensor_method
def reciprocal(input):
    return Div.apply(1.0, input)


@tensor_method
def square(input):
    return Mul.apply(input, input)


@tensor_method
def sin(input):
    return Sin.apply(input)


@tensor_method
def cos(input):
    return Cos.apply(input)


@tensor_method
def tanh(input):
    return Tanh.apply(input)


@tensor_method
def sigmoid(input):
    return Sigmoid.apply(input)


@tensor_method
def erf(input):
    return Erf.apply(input)


@tensor_method
def log2(input):
    return Log.apply(input) / math.log(2)


@tensor_method
def log10(input):
    return Log.apply(input) / math.log(10)


# ----------------------------------------------------------------------------- activations
class Relu(Function):
    """max(x, 0); the gradient is 1 where x > 0 (0 at 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x):
        ctx.mask = x._data > 0
        return np.maximum(x._data, 0, dtype=x._data.dtype) if x._data.dtype.kind == "f" else np.maximum(x._data, 0)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.mask.astype(grad.dtype)


class LeakyRelu(Function):
    """x where x > 0, else slope · x."""

    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.scale = np.where(x._data > 0, 1, negative_slope).astype(x._data.dtype)
        return x._data * ctx.scale

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.scale, None


class Elu(Function):
    """x where x > 0, else α(eˣ - 1); the negative side's derivative is output + α."""

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.positive = x._data > 0
        out = Tensor._wrap(np.where(ctx.positive, x._data, alpha * np.expm1(np.minimum(x._data, 0))).astype(x._data.dtype))
        ctx.alpha = alpha
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        out, = ctx.saved_tensors
        return where(ctx.positive, grad, grad * (out + ctx.alpha)), None


class Softplus(Function):
    """log(1 + e^(βx))/β, stable for large |x|; linear above the threshold. d/dx = σ(βx)."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.beta, ctx.linear = beta, x._data * beta > threshold
        bx = x._data * beta
        soft = (np.log1p(np.exp(-np.abs(bx))) + np.maximum(bx, 0)) / beta
        return np.where(ctx.linear, x._data, soft).astype(x._data.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * where(ctx.linear, 1.0, (x * ctx.beta).sigmoid()), None, None


class LogSigmoid(Function):
    """log σ(x) = -softplus(-x), stable; d/dx = σ(-x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return -(np.log1p(np.exp(-np.abs(x._data))) + np.maximum(-x._data, 0))

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * (-x).sigmoid()


class Clamp(Function):
    """Clip to [min, max]; the gradient passes where min ≤ x ≤ max."""

    @staticmethod
    def forward(ctx, x, min, max):
        ctx.inside = np.ones(x._data.shape, dtype=bool)
        if min is not None:
            ctx.inside &= x._data >= min
        if max is not None:
            ctx.inside &= x._data <= max
        return np.clip(x._data, min, max).astype(x._data.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.inside.astype(grad.dtype), None, None


class Where(Function):
    """cond ? a : b; the gradient goes to the branch that was taken."""

    @staticmethod
    def forward(ctx, condition, a, b):
        ctx.condition = np.asarray(_data(condition), dtype=bool)
        try:
            out = np.where(ctx.condition, _data(a), _data(b))
        except ValueError:
            raise RuntimeError(
                f"where: condition {ctx.condition.shape}, input {np.shape(_data(a))} and other "
                f"{np.shape(_data(b))} cannot be broadcast together"
            ) from None
        if isinstance(a, Tensor) and not isinstance(b, Tensor) and a._data.dtype.kind == "f":
            out = out.astype(a._data.dtype, copy=False)
        elif isinstance(b, Tensor) and not isinstance(a, Tensor) and b._data.dtype.kind == "f":
            out = out.astype(b._data.dtype, copy=False)
        return out

    @staticmethod
    def backward(ctx, grad):
        grad_a = where(ctx.condition, grad, 0.0) if ctx.needs_input_grad[1] else None
        grad_b = where(ctx.condition, 0.0, grad) if ctx.needs_input_grad[2] else None
        return None, grad_a, grad_b


class Maximum(Function):
    """Elementwise max; on ties the gradient is split evenly, as PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.share_a = (np.greater(_data(a), _data(b)) + 0.5 * np.equal(_data(a), _data(b)))
        return _binary_forward("maximum", np.maximum, a, b)

    @staticmethod
    def backward(ctx, grad):
        share = ctx.share_a.astype(grad.dtype)
        return grad * share, grad * (1 - share)


class Minimum(Function):
    """Elementwise min; on ties the gradient is split evenly, as PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.share_a = (np.less(_data(a), _data(b)) + 0.5 * np.equal(_data(a), _data(b)))
        return _binary_forward("minimum", np.minimum, a, b)

    @staticmethod
    def backward(ctx, grad):
        share = ctx.share_a.astype(grad.dtype)
        return grad * share, grad * (1 - share)


class Cast(Function):
    """Change dtype; the engine casts the gradient back to the input's dtype."""

    @staticmethod
    def forward(ctx, x, dtype):
        return x._data.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


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
    """Clip to [min, max]; tensor bounds are allowed too."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    return Clamp.apply(input, min, max)


clip = clamp
Tensor.clip = clamp


@tensor_method
def clamp_min(input, min):
    return clamp(input, min=min)


@tensor_method
def clamp_max(input, max):
    return clamp(input, max=max)


def where(condition, input, other):
    """Elements of `input` where `condition` holds, else of `other` (scalars allowed)."""
    return Where.apply(condition, input, other)


Tensor.where = lambda self, condition, other: Where.apply(condition, self, other)


@tensor_method
def maximum(input, other):
    return Maximum.apply(input, other)


@tensor_method
def minimum(input, other):
    return Minimum.apply(input, other)


def _to(self, *args, dtype=None, **kwargs):
    """Convert to a dtype (`x.to(float64)`, `x.to(dtype=...)`); 'cpu' is accepted and ignored."""
    for a in args:
        if isinstance(a, str) and a == "cpu":
            continue
        dtype = a
    if dtype is None or np.dtype(dtype) == self._data.dtype:
        return self
    dtype = np.dtype(dtype)
    if self._requires_grad and dtype.kind == "f" and grad_mode._enabled:
        return Cast.apply(self, dtype)
    return Tensor._wrap(self._data.astype(dtype))


Tensor.to = _to
Tensor.type = lambda self, dtype=None: str(self._data.dtype) if dtype is None else _to(self, dtype)
Tensor.float = lambda self: _to(self, np.float32)
Tensor.double = lambda self: _to(self, np.float64)
Tensor.half = lambda self: _to(self, np.float16)
Tensor.long = lambda self: _to(self, np.int64)
Tensor.int = lambda self: _to(self, np.int32)
Tensor.bool = lambda self: _to(self, np.bool_)
Tensor.cpu = lambda self: self


# ----------------------------------------------------------------------------- in-place forms
def _inplace(self: Tensor, name: str, op, *args) -> Tensor:
    """Apply `op` in place: write its result into self's array and take over its grad_fn.

    When recording, the op runs on a snapshot of the old value (so a saved input is never
    the tensor being overwritten) and self becomes the op's output in the graph.
    """
    recording = grad_mode._enabled and (self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args))
    if recording:
        if self.grad_fn is None and self._requires_grad:
            raise RuntimeError(
                f"{name}: a leaf tensor that requires grad is being used in an in-place operation. "
                "Wrap the update in `with autograd.no_grad():`, or use the out-of-place form."
            )
        if self._base is not None:
            raise RuntimeError(
                f"{name}: in-place operation on a view (of shape {self.shape}) while recording gradients is "
                "not supported: the view's base would not see the change in its graph. Use an out-of-place "
                "operation, or .clone() the view first."
            )
        snapshot = Tensor._wrap(self._data.copy())
        snapshot._requires_grad, snapshot.grad_fn, snapshot._accumulator = self._requires_grad, self.grad_fn, None
        result = op(snapshot, *args)
    else:
        previous = grad_mode._enabled
        grad_mode._enabled = False
        try:
            result = op(self, *args)
        finally:
            grad_mode._enabled = previous
    if result._data.shape != self._data.shape:
        raise RuntimeError(
            f"{name}: the result has shape {result.shape} but the in-place target has shape {self.shape}; "
            "an in-place operation cannot change the shape (broadcasting only goes the other way)."
        )
    if not np.can_cast(result._data.dtype, self._data.dtype, "same_kind"):
        raise RuntimeError(
            f"{name}: result type {result._data.dtype} can't be cast to the in-place target's dtype {self._data.dtype}"
        )
    self._data[...] = result._data
    if recording:
        self.grad_fn, self._requires_grad = result.grad_fn, result._requires_grad
    self._bump_version()
    return self


def _define_inplace(name, op):
    def method(self, *args, **kwargs):
        return _inplace(self, name, lambda t, *a: op(t, *a, **kwargs), *args)
    method.__name__ = name
    method.__doc__ = f"In-place form of {op.__name__}."
    setattr(Tensor, name, method)


for _name, _op in [("add_", add), ("sub_", sub), ("mul_", mul), ("div_", div), ("pow_", pow),
                   ("__iadd__", add), ("__isub__", sub), ("__imul__", mul), ("__itruediv__", div),
                   ("__ipow__", pow), ("neg_", neg), ("abs_", abs), ("exp_", exp), ("log_", log),
                   ("sqrt_", sqrt), ("tanh_", tanh), ("sigmoid_", sigmoid), ("relu_", relu),
                   ("clamp_", clamp), ("clip_", clamp), ("clamp_min_", clamp_min), ("clamp_max_", clamp_max),
                   ("leaky_relu_", leaky_relu), ("elu_", elu), ("reciprocal_", reciprocal), ("square_", square)]:
    _define_inplace(_name, _op)


def _fill_(self, value):
    """Set every element to `value`."""
    if isinstance(value, Tensor):
        return _inplace(self, "fill_", lambda t, v: Where.apply(np.ones(t.shape, bool), v, t), value)
    return _inplace(self, "fill_", lambda t: Tensor._wrap(np.full(t.shape, value, dtype=t.dtype)))


def _zero_(self):
    """Set every element to 0."""
    return _fill_(self, 0)


def _copy_(self, src):
    """Copy `src` (broadcast to self's shape) into self; the gradient flows to `src`."""
    src = as_tensor_arg(src, self)
    return _inplace(self, "copy_", lambda t, s: Where.apply(np.ones(t.shape, bool), s, t).to(t.dtype), src)


def _uniform_(self, a: float = 0.0, b: float = 1.0):
    """Fill with samples from U(a, b), from the shared generator."""
    from ..random import default_generator
    return _inplace(self, "uniform_", lambda t: Tensor._wrap(default_generator().uniform(a, b, t.shape).astype(t.dtype)))


def _normal_(self, mean: float = 0.0, std: float = 1.0):
    """Fill with samples from N(mean, std²), from the shared generator."""
    from ..random import default_generator
    return _inplace(self, "normal_", lambda t: Tensor._wrap(default_generator().normal(mean, std, t.shape).astype(t.dtype)))


Tensor.fill_, Tensor.zero_, Tensor.copy_ = _fill_, _zero_, _copy_
Tensor.uniform_, Tensor.normal_ = _uniform_, _normal_
