"""Comparisons and logic: < <= > >= == !=, logical and bitwise operators, isnan/isinf/isfinite, isclose.

Their results are bool tensors, so nothing here is differentiable; they are still `Op`s, so
every array computation on tensor data goes through an op's forward (what tracing relies on).
"""
from __future__ import annotations

import numpy as np

from ..function import Op
from ..tensor import Tensor
from ._util import check_broadcast, tensor_method, tensor_methods
from .promotion import _comparison_operands

_ORDERINGS = (np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal)


class Compare(Op):
    """ufunc(a, b) for a comparison or logical ufunc; no gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, ufunc, a, b):
        if ufunc in _ORDERINGS:
            a, b = _comparison_operands(a, b)  # compared in the promoted dtype, as PyTorch
        try:
            return ufunc(a, b)
        except (ValueError, TypeError) as error:
            check_broadcast(ufunc.__name__, np.shape(a), np.shape(b))
            raise TypeError(f"{ufunc.__name__}: {error}") from None


class Test(Op):
    """ufunc(x) for a predicate or logical-not ufunc; no gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, ufunc, x):
        return ufunc(x)


class CheckAll(Op):
    """Raise `error(message)` unless every element is true: a check of argument values that runs on every
    call (an op, so a traced program repeats it instead of remembering one answer)."""

    differentiable = False

    @staticmethod
    def forward(ctx, condition, error, message):
        if not np.all(condition):
            raise error(message)
        return ()


def _check_all(condition, error, message: str) -> None:
    """`CheckAll` on a bool tensor: for ops whose arguments are checked by value (quantile's q in [0, 1])."""
    CheckAll.apply(condition, error, message)


class IsClose(Op):
    """|a - b| <= atol + rtol·|b|, elementwise; no gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, a, b, rtol, atol, equal_nan):
        return np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def _comparison(name, ufunc):
    def compare(input, other):
        return Compare.apply(ufunc, input, other)
    compare.__name__ = compare.__qualname__ = name
    compare.__doc__ = f"Elementwise {name} (bool result, no gradient)."
    return tensor_method(compare)


lt = _comparison("lt", np.less)
le = _comparison("le", np.less_equal)
gt = _comparison("gt", np.greater)
ge = _comparison("ge", np.greater_equal)
eq = _comparison("eq", np.equal)
ne = _comparison("ne", np.not_equal)
logical_and = _comparison("logical_and", np.logical_and)
logical_or = _comparison("logical_or", np.logical_or)
logical_xor = _comparison("logical_xor", np.logical_xor)
bitwise_and = _comparison("bitwise_and", np.bitwise_and)
bitwise_or = _comparison("bitwise_or", np.bitwise_or)
bitwise_xor = _comparison("bitwise_xor", np.bitwise_xor)
less, less_equal, greater, greater_equal, not_equal = lt, le, gt, ge, ne
tensor_methods(less=lt, less_equal=le, greater=gt, greater_equal=ge, not_equal=ne,
               __lt__=lt, __le__=le, __gt__=gt, __ge__=ge, __eq__=eq, __ne__=ne,
               __and__=bitwise_and, __or__=bitwise_or, __xor__=bitwise_xor,
               __rand__=lambda self, other: bitwise_and(other, self),
               __ror__=lambda self, other: bitwise_or(other, self),
               __rxor__=lambda self, other: bitwise_xor(other, self))


def _predicate(name, ufunc, doc):
    def test(input):
        return Test.apply(ufunc, input)
    test.__name__ = test.__qualname__ = name
    test.__doc__ = doc
    return tensor_method(test)


isnan = _predicate("isnan", np.isnan, "True where NaN.")
isinf = _predicate("isinf", np.isinf, "True where ±inf.")
isfinite = _predicate("isfinite", np.isfinite, "True where finite.")
isposinf = _predicate("isposinf", np.isposinf, "True where +inf.")
isneginf = _predicate("isneginf", np.isneginf, "True where -inf.")
logical_not = _predicate("logical_not", np.logical_not, "Elementwise not.")
bitwise_not = _predicate("bitwise_not", np.invert, "Bitwise not (logical not for bool tensors).")
tensor_methods(__invert__=bitwise_not)


@tensor_method
def isclose(input, other, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False):
    """Where |input - other| <= atol + rtol·|other|."""
    return IsClose.apply(input, other, rtol, atol, equal_nan)


@tensor_method
def allclose(input, other, rtol: float = 1e-5, atol: float = 1e-8, equal_nan: bool = False) -> bool:
    """True when isclose holds everywhere."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


@tensor_method
def equal(input, other) -> bool:
    """True when both have the same shape and the same values."""
    other = other if isinstance(other, Tensor) else Tensor._from_data(other)
    return input.shape == other.shape and bool(eq(input, other).all())
