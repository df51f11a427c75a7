"""Export rules for elementwise ops: arithmetic, pointwise maths, activations, comparisons, casts.

Operands are cast to the op's output dtype (or, for comparisons, to PyTorch's promoted dtype)
before the ONNX op, so mixed dtypes and Python numbers compute as they did in the trace.
Where ONNX's op is less accurate than numpy's (log1p, expm1 near 0) the rule uses a
compensated formula rather than the plain one.
"""
from __future__ import annotations

import math

import numpy as np

from ..ops import activation as A
from ..ops import arithmetic as R
from ..ops import comparison as C
from ..ops import conversion as V
from ..ops import pointwise as P
from ..ops import trigonometric as T
from .registry import register

BOOL = np.dtype(bool)


def _unary(onnx_op: str, **attributes):
    def rule(g, node):
        out = node.out()
        return g.op(onnx_op, [g.operand(node.args[0], out.dtype)], **attributes)
    rule.__name__ = f"_{onnx_op.lower()}"
    return rule


def _binary(onnx_op: str, bool_op: str | None = None):
    def rule(g, node):
        dtype = node.out().dtype
        if dtype == BOOL:
            if bool_op is None:
                g.fail(f"{onnx_op} of bool tensors has no ONNX form")
            return g.op(bool_op, [g.operand(a, BOOL) for a in node.args[:2]])
        return g.op(onnx_op, [g.operand(a, dtype) for a in node.args[:2]])
    rule.__name__ = f"_{onnx_op.lower()}"
    return rule


register(R.Add)(_binary("Add", "Or"))
register(R.Sub)(_binary("Sub"))
register(R.Mul)(_binary("Mul", "And"))
register(R.Div)(_binary("Div"))
register(A.Maximum)(_binary("Max", "Or"))
register(A.Minimum)(_binary("Min", "And"))
for _cls, _name in ((R.Neg, "Neg"), (R.Abs, "Abs"), (P.Exp, "Exp"), (P.Log, "Log"), (P.Sqrt, "Sqrt"), (P.Sin, "Sin"),
                    (P.Cos, "Cos"), (P.Tanh, "Tanh"), (P.Sigmoid, "Sigmoid"), (P.Erf, "Erf"), (P.Sign, "Sign"),
                    (A.Relu, "Relu")):
    register(_cls)(_unary(_name))
for _cls, _name in ((T.Tan, "Tan"), (T.Asin, "Asin"), (T.Acos, "Acos"), (T.Atan, "Atan"), (T.Sinh, "Sinh"),
                    (T.Cosh, "Cosh"), (T.Asinh, "Asinh"), (T.Acosh, "Acosh"), (T.Atanh, "Atanh")):
    register(_cls)(_unary(_name))


@register(R.Pow)
def _pow(g, node):
    dtype = node.out().dtype
    return g.op("Pow", [g.operand(node.args[0], dtype), g.operand(node.args[1], dtype)])


@register(R.Remainder)
def _remainder(g, node):
    """a mod b with the divisor's sign: Mod for integers, a − ⌊a/b⌋·b for floats (ONNX's float Mod is fmod only)."""
    dtype = node.out().dtype
    a, b = (g.operand(x, dtype) for x in node.args[:2])
    if dtype.kind in "iu":
        return g.op("Mod", [a, b], fmod=0)
    return g.op("Sub", [a, g.op("Mul", [g.op("Floor", [g.op("Div", [a, b])]), b])])


@register(R.Fmod)
def _fmod(g, node):
    dtype = node.out().dtype
    return g.op("Mod", [g.operand(node.args[0], dtype), g.operand(node.args[1], dtype)], fmod=1)


def _floor_divide(g, a, b, dtype):
    if dtype.kind in "iu":  # ONNX integer Div truncates: subtract the (divisor-signed) remainder first
        return g.op("Div", [g.op("Sub", [a, g.op("Mod", [a, b], fmod=0)]), b])
    return g.op("Floor", [g.op("Div", [a, b])])


def _trunc(g, x):
    return g.op("Mul", [g.op("Sign", [x]), g.op("Floor", [g.op("Abs", [x])])])


@register(R.RoundedDiv)
def _rounded_div(g, node):
    dtype = node.out().dtype
    a, b = (g.operand(x, dtype) for x in node.args[:2])
    if node.args[2] == "floor":
        return _floor_divide(g, a, b, dtype)
    return g.op("Div", [a, b]) if dtype.kind in "iu" else _trunc(g, g.op("Div", [a, b]))


@register(R.FloorDivide)
def _floor_divide_rule(g, node):
    dtype = node.out().dtype
    return _floor_divide(g, g.operand(node.args[0], dtype), g.operand(node.args[1], dtype), dtype)


# --------------------------------------------------------------------------- pointwise maths
def _log_scaled(scale):
    def rule(g, node):
        dtype = node.out().dtype
        return g.op("Div", [g.op("Log", [g.operand(node.args[0], dtype)]), g.scalar(math.log(scale), dtype)])
    return rule


register(P.Log2)(_log_scaled(2.0))
register(P.Log10)(_log_scaled(10.0))


@register(P.Log1p)
def _log1p(g, node):
    """log(1 + x) with Kahan's correction: exact where 1 + x rounds to 1 (plain Log(1 + x) gives 0 there)."""
    dtype = node.out().dtype
    x = g.operand(node.args[0], dtype)
    u = g.op("Add", [x, g.scalar(1, dtype)])
    u_minus_1 = g.op("Sub", [u, g.scalar(1, dtype)])
    corrected = g.op("Div", [g.op("Mul", [g.op("Log", [u]), x]), u_minus_1])
    return g.op("Where", [g.op("Equal", [u_minus_1, g.scalar(0, dtype)]), x, corrected])


@register(P.Expm1)
def _expm1(g, node):
    dtype = node.out().dtype
    return _expm1_of(g, g.operand(node.args[0], dtype), dtype)


def _expm1_of(g, x, dtype):
    """exp(x) − 1, corrected as Kahan's expm1 (exact for tiny x, where Exp(x) − 1 loses every digit)."""
    u = g.op("Exp", [x])
    u_minus_1 = g.op("Sub", [u, g.scalar(1, dtype)])
    corrected = g.op("Div", [g.op("Mul", [u_minus_1, x]), g.op("Log", [u])])
    tiny = g.op("Equal", [u_minus_1, g.scalar(0, dtype)])
    saturated = g.op("Equal", [u_minus_1, g.scalar(-1, dtype)])  # x → −inf (log u would be −inf)
    infinite = g.op("IsInf", [u], detect_negative=0)
    out = g.op("Where", [g.op("Or", [saturated, infinite]), u_minus_1, corrected])
    return g.op("Where", [tiny, x, out])


@register(P.Rsqrt)
def _rsqrt(g, node):
    return g.op("Reciprocal", [g.op("Sqrt", [g.operand(node.args[0], node.out().dtype)])])


def _rounding(onnx_op):
    def rule(g, node):
        dtype = node.out().dtype
        x = g.operand(node.args[0], dtype)
        return x if dtype.kind in "iub" else g.op(onnx_op, [x])
    return rule


register(P.Floor)(_rounding("Floor"))
register(P.Ceil)(_rounding("Ceil"))


@register(P.Trunc)
def _trunc_rule(g, node):
    dtype = node.out().dtype
    x = g.operand(node.args[0], dtype)
    return x if dtype.kind in "iub" else _trunc(g, x)


@register(P.Round)
def _round(g, node):
    """Round half to even (ONNX's Round, as numpy), to `decimals` places by scaling as numpy does."""
    dtype = node.out().dtype
    x, decimals = g.operand(node.args[0], dtype), g.static(node.args[1], "decimals")
    if dtype.kind in "iub" and decimals >= 0:
        return x
    if decimals == 0:
        return g.op("Round", [x])
    if decimals > 0:
        scale = g.scalar(10.0 ** decimals, dtype)
        return g.op("Div", [g.op("Round", [g.op("Mul", [x, scale])]), scale])
    scale = g.scalar(10.0 ** -decimals, dtype)
    return g.op("Mul", [g.op("Round", [g.op("Div", [x, scale])]), scale])


# --------------------------------------------------------------------------- activations
@register(A.LeakyRelu)
def _leaky_relu(g, node):
    return g.op("LeakyRelu", [g.operand(node.args[0], node.out().dtype)], alpha=float(g.static(node.args[1], "slope")))


@register(A.Elu)
def _elu(g, node):
    """scale·x where x > 0, else scale·α·expm1(input_scale·x): elu, selu and celu, as the op (ONNX's Elu and Selu
    where they are that formula; otherwise written out, with the compensated expm1)."""
    dtype = node.out().dtype
    x = g.operand(node.args[0], dtype)
    alpha, scale, input_scale = (float(g.static(v, "elu coefficient")) for v in node.args[1:4])
    if scale == 1 and input_scale == 1:
        return g.op("Elu", [x], alpha=alpha)
    if input_scale == 1:
        return g.op("Selu", [x], alpha=alpha, gamma=scale)
    inner = g.op("Mul", [g.op("Min", [x, g.scalar(0, dtype)]), g.scalar(input_scale, dtype)])
    negative = g.op("Mul", [_expm1_of(g, inner, dtype), g.scalar(alpha * scale, dtype)])
    positive = x if scale == 1 else g.op("Mul", [x, g.scalar(scale, dtype)])
    return g.op("Where", [g.op("LessOrEqual", [x, g.scalar(0, dtype)]), negative, positive])


@register(R.Reciprocal)
def _reciprocal(g, node):
    """1/x in the output's dtype (an integer input divides as floats, as the op)."""
    return g.op("Reciprocal", [g.operand(node.args[0], node.out().dtype)])


@register(R.Xlogy)
def _xlogy(g, node):
    """x·log y, and 0 where x = 0 unless y is NaN."""
    dtype = node.out().dtype
    x, y = (g.operand(a, dtype) for a in node.args[:2])
    product = g.op("Mul", [x, g.op("Log", [y])])
    zero = g.op("And", [g.op("Equal", [x, g.scalar(0, dtype)]), g.op("Not", [g.op("IsNaN", [y])])])
    return g.op("Where", [zero, g.scalar(0, dtype), product])


@register("nn.functional.activation.Prelu")
def _prelu(g, node):
    """x where x > 0, else weight·x (weight broadcast against x, as in the op)."""
    dtype = node.out().dtype
    x, weight = (g.operand(a, dtype) for a in node.args[:2])
    return g.op("Where", [g.op("Greater", [x, g.scalar(0, dtype)]), x, g.op("Mul", [weight, x])])


@register("nn.functional.activation.Shrink")
def _shrink(g, node):
    """0 inside [−λ, λ] (both ends included); outside, x ∓ λ (softshrink) or x (hardshrink); NaN stays NaN."""
    dtype = node.out().dtype
    x = g.operand(node.args[0], dtype)
    lambd, soft = float(g.static(node.args[1], "lambda")), bool(node.args[2])
    low, high = g.scalar(-lambd, dtype), g.scalar(lambd, dtype)
    inside = g.op("And", [g.op("GreaterOrEqual", [x, low]), g.op("LessOrEqual", [x, high])])
    outside = x
    if soft:
        outside = g.op("Where", [g.op("Greater", [x, high]), g.op("Sub", [x, high]), g.op("Add", [x, high])])
    return g.op("Where", [inside, g.scalar(0, dtype), outside])


@register("nn.functional.activation.Threshold")
def _threshold(g, node):
    """value where x ≤ threshold, else x."""
    x, threshold, value = node.args[:3]
    dtype = node.out().dtype
    compare = g.promoted(x, g.static(threshold, "threshold"))
    below = g.op("LessOrEqual", [g.operand(x, compare), g.operand(threshold, compare)])
    return g.op("Where", [below, g.scalar(g.static(value, "value"), dtype), g.operand(x, dtype)])


def _softplus_of(g, x):
    return g.op("Softplus", [x])


@register(A.Softplus)
def _softplus(g, node):
    """log(1 + e^(βx))/β, and x itself where βx > threshold (as the op)."""
    dtype = node.out().dtype
    x = g.operand(node.args[0], dtype)
    beta, threshold = (float(g.static(v, "softplus argument")) for v in node.args[1:3])
    bx = x if beta == 1 else g.op("Mul", [x, g.scalar(beta, dtype)])
    soft = _softplus_of(g, bx)
    if beta != 1:
        soft = g.op("Div", [soft, g.scalar(beta, dtype)])
    return g.op("Where", [g.op("Greater", [bx, g.scalar(threshold, dtype)]), x, soft])


@register(A.LogSigmoid)
def _logsigmoid(g, node):
    x = g.operand(node.args[0], node.out().dtype)
    return g.op("Neg", [_softplus_of(g, g.op("Neg", [x]))])


@register(A.Clamp)
def _clamp(g, node):
    """max(x, min) then min(·, max): Max/Min for tensor bounds, Clip for number bounds."""
    dtype = node.out().dtype
    x, low, high = node.args[:3]
    out = g.operand(x, dtype)
    for bound, onnx_op, position in ((low, "Max", 1), (high, "Min", 2)):
        if bound is None:
            continue
        bound_name = g.operand(bound, dtype)
        if hasattr(bound, "kind"):  # a tensor bound: elementwise, broadcasting
            out = g.op(onnx_op, [out, bound_name])
        else:
            out = g.op("Clip", [out, bound_name, ""] if position == 1 else [out, "", bound_name])
    return out


@register("nn.functional.activation.Hardtanh")
def _hardtanh(g, node):
    dtype = node.out().dtype
    low, high = (g.static(v, "hardtanh bound") for v in node.args[1:3])
    return g.op("Clip", [g.operand(node.args[0], dtype), g.scalar(low, dtype), g.scalar(high, dtype)])


@register(A.Where)
def _where(g, node):
    dtype = node.out().dtype
    condition, a, b = node.args[:3]
    c = g.operand(condition, BOOL)
    if dtype == BOOL:  # onnxruntime's Where takes no bool branches: (c and a) or (not c and b)
        return g.op("Or", [g.op("And", [c, g.operand(a, BOOL)]), g.op("And", [g.op("Not", [c]), g.operand(b, BOOL)])])
    return g.op("Where", [c, g.operand(a, dtype), g.operand(b, dtype)])


# --------------------------------------------------------------------------- comparisons and logic
_COMPARISONS = {"less": "Less", "less_equal": "LessOrEqual", "greater": "Greater", "greater_equal": "GreaterOrEqual",
                "equal": "Equal"}
_LOGICAL = {"logical_and": "And", "logical_or": "Or", "logical_xor": "Xor"}
_BITWISE = {"bitwise_and": ("And", "BitwiseAnd"), "bitwise_or": ("Or", "BitwiseOr"), "bitwise_xor": ("Xor", "BitwiseXor")}


@register(C.Compare)
def _compare(g, node):
    ufunc, a, b = node.args[:3]
    name = ufunc.__name__
    if name in _LOGICAL:
        return g.op(_LOGICAL[name], [g.operand(a, BOOL), g.operand(b, BOOL)])
    dtype = g.promoted(a, b)
    if name in _BITWISE:
        if dtype == BOOL:
            return g.op(_BITWISE[name][0], [g.operand(a, BOOL), g.operand(b, BOOL)])
        if g.opset < 18:
            g.fail(f"{name} of integer tensors needs ONNX opset 18 or later (asked for {g.opset})")
        return g.op(_BITWISE[name][1], [g.operand(a, dtype), g.operand(b, dtype)])
    if dtype == BOOL and name not in ("equal", "not_equal"):
        dtype = np.dtype(np.int32)  # ONNX orders numbers, not bools
    x, y = g.operand(a, dtype), g.operand(b, dtype)
    if name == "not_equal":
        return g.op("Not", [g.op("Equal", [x, y])])
    if name not in _COMPARISONS:
        g.fail(f"the comparison {name} has no export rule")
    return g.op(_COMPARISONS[name], [x, y])


@register(C.Test)
def _test(g, node):
    ufunc, x = node.args[:2]
    name, info = ufunc.__name__, g.info(x)
    value = g.value(x)
    if name in ("logical_not",) or (name == "invert" and info.dtype == BOOL):
        return g.op("Not", [g.cast(value, info.dtype, BOOL)])
    if name == "invert":
        if g.opset < 18:
            g.fail(f"bitwise_not of integer tensors needs ONNX opset 18 or later (asked for {g.opset})")
        return g.op("BitwiseNot", [value])
    if info.dtype.kind != "f":  # an integer or bool is never NaN or infinite
        answer = name == "isfinite"
        return g.op("Expand", [g.scalar(answer, BOOL), g.shape_of(value)])
    if name == "isnan":
        return g.op("IsNaN", [value])
    if name == "isinf":
        return g.op("IsInf", [value])
    if name == "isposinf":
        return g.op("IsInf", [value], detect_negative=0)
    if name == "isneginf":
        return g.op("IsInf", [value], detect_positive=0)
    if name == "isfinite":
        return g.op("Not", [g.op("Or", [g.op("IsNaN", [value]), g.op("IsInf", [value])])])
    g.fail(f"the predicate {name} has no export rule")


@register(C.IsClose)
def _isclose(g, node):
    """numpy's isclose: |a − b| ≤ atol + rtol·|b| where b is finite, or a == b; NaNs equal if equal_nan."""
    a, b, rtol, atol, equal_nan = node.args[:5]
    dtype = g.promoted(a, b)
    if dtype.kind != "f":
        dtype = np.dtype(np.float64)
    x, y = g.operand(a, dtype), g.operand(b, dtype)
    tolerance = g.op("Add", [g.scalar(atol, dtype), g.op("Mul", [g.scalar(rtol, dtype), g.op("Abs", [y])])])
    near = g.op("LessOrEqual", [g.op("Abs", [g.op("Sub", [x, y])]), tolerance])
    finite = g.op("Not", [g.op("Or", [g.op("IsNaN", [y]), g.op("IsInf", [y])])])
    out = g.op("Or", [g.op("And", [near, finite]), g.op("Equal", [x, y])])
    if equal_nan:
        out = g.op("Or", [out, g.op("And", [g.op("IsNaN", [x]), g.op("IsNaN", [y])])])
    return out


@register(V.Cast)
def _cast(g, node):
    x = node.args[0]
    return g.cast(g.value(x), g.info(x).dtype, node.out().dtype) if g.info(x).dtype != node.out().dtype else \
        g.op("Identity", [g.value(x)])
