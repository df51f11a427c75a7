"""Property tests for your own operations: hypothesis strategies for shapes and tensors, and one assertion.

Write the op, then let hypothesis try shapes and values while gradcheck and
gradgradcheck compare your backward with finite differences::

    import numpy as np
    from hypothesis import given

    import autograd
    from autograd.testing import assert_gradients_match, shapes, tensors


    class MySoftplus(autograd.Function):
        \"\"\"log(1 + e^x), stable for large |x|; d/dx = sigmoid(x).\"\"\"

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return np.logaddexp(0.0, x._data)

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return grad * x.sigmoid()  # Tensor ops, so second derivatives work too


    @given(tensors(shape=shapes(max_dims=3), min_value=-5, max_value=5))
    def test_my_softplus(x):
        assert_gradients_match(MySoftplus.apply, x)

If the backward were wrong (say `grad * x.sigmoid() * 2`), the test fails with a
report naming the input, the output, the element and both values, plus the
smallest example hypothesis could find.

`hypothesis` is needed only when you call the strategies (it is a test dependency,
not a dependency of autograd).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .tensor import Tensor

__all__ = ["assert_gradients_match", "broadcastable_shapes", "shapes", "tensors"]


def _strategies():
    try:
        from hypothesis import strategies
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("autograd.testing strategies need hypothesis: pip install hypothesis") from None
    return strategies


def shapes(min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 5):
    """A strategy of shape tuples, e.g. (), (3,), (2, 1, 4); `min_side=0` allows empty tensors."""
    st = _strategies()
    return st.lists(st.integers(min_side, max_side), min_size=min_dims, max_size=max_dims).map(tuple)


def broadcastable_shapes(shape, min_dims: int = 0, max_dims: int | None = None, min_side: int = 1,
                         max_side: int = 5):
    """A strategy of shapes that broadcast with `shape` (a tuple, or a strategy of tuples).

    Given a tuple, draws one shape that broadcasts against it (fewer or more
    leading dimensions, some sizes 1). Given a strategy, draws pairs
    `(shape, other)` that broadcast together, for binary operations:

        @given(broadcastable_shapes(shapes()))
        def test_add(pair): a_shape, b_shape = pair
    """
    st = _strategies()
    from hypothesis.extra.numpy import broadcastable_shapes as numpy_broadcastable

    if not isinstance(shape, tuple):
        return shape.flatmap(lambda s: st.tuples(st.just(s), broadcastable_shapes(
            s, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)))
    top = max(len(shape), min_dims) if max_dims is None else max_dims
    return numpy_broadcastable(tuple(shape), min_dims=min_dims, max_dims=top, min_side=min_side, max_side=max_side)


def tensors(shape=(), dtype="float64", elements=None, requires_grad: bool = True, min_value: float | None = None,
            max_value: float | None = None, positive: bool = False, nonzero: bool = False):
    """A strategy of Tensors with finite values.

    `shape` is a tuple or a strategy of tuples (e.g. `shapes()`); `elements` a
    hypothesis strategy of floats to use as is; otherwise values lie in
    [min_value, max_value] (default [-10, 10]), with `positive` giving (0, max]
    (at least 1e-3, away from the pole of log and 1/x) and `nonzero` excluding (-1e-3, 1e-3).
    """
    st = _strategies()
    from hypothesis.extra.numpy import arrays

    dtype = np.dtype(dtype)
    if elements is None:
        low = -10.0 if min_value is None else float(min_value)
        high = 10.0 if max_value is None else float(max_value)
        if positive:
            low = max(low, 1e-3)
        if low > high:
            raise ValueError(f"tensors: empty value range [{low}, {high}]")
        width = 32 if dtype == np.float32 else 64
        if width == 32:  # hypothesis wants float32-representable bounds: round them inwards
            low, high = _float32_inwards(low, np.inf), _float32_inwards(high, -np.inf)
        elements = st.floats(low, high, allow_nan=False, allow_infinity=False, width=width)
        if nonzero:
            elements = elements.filter(lambda v: abs(v) >= 1e-3)
    shape_strategy = shape if not isinstance(shape, tuple) else st.just(shape)
    return shape_strategy.flatmap(lambda s: arrays(dtype, s, elements=elements)).map(
        lambda a: Tensor._from_data(a, requires_grad=requires_grad and dtype.kind == "f"))


def _float32_inwards(value: float, towards: float) -> float:
    rounded = np.float32(value)
    if (towards > value and rounded < value) or (towards < value and rounded > value):
        rounded = np.nextafter(rounded, np.float32(towards))
    return float(rounded)


def assert_gradients_match(fn: Callable, *inputs, second_order: bool = True, **tolerances) -> None:
    """Assert that `fn`'s first (and second) derivatives at `inputs` match finite differences.

    Runs `gradcheck` then `gradgradcheck` (unless `second_order=False`) with the given
    tolerances (eps, atol, rtol, fast_mode, nondet_tol) and lets their `GradcheckError`,
    with its report of where the mismatch is, propagate. Use float64 inputs.
    """
    try:
        gradcheck(fn, inputs, **tolerances)
    except GradcheckError as error:
        error.args = (error.args[0] + "\n  (first derivatives; inputs: " + _describe(inputs) + ")",)
        raise
    if second_order:
        try:
            gradgradcheck(fn, inputs, **tolerances)
        except GradcheckError as error:
            error.args = (error.args[0] + "\n  (second derivatives; inputs: " + _describe(inputs) + ")",)
            raise


def _describe(inputs) -> str:
    return ", ".join(f"{i}: {tuple(t.shape)} {t.dtype}" if isinstance(t, Tensor) else f"{i}: {t!r}"
                     for i, t in enumerate(inputs))
