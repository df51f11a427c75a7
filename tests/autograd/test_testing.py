"""autograd.testing: the strategies, assert_gradients_match, and the documented example (run for real)."""
import textwrap

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import autograd
import autograd.testing
from autograd import GradcheckError
from autograd.testing import assert_gradients_match, broadcastable_shapes, shapes, tensors


# --------------------------------------------------------------------------- the documented example
class MySoftplus(autograd.Function):
    """log(1 + e^x), stable for large |x|; d/dx = sigmoid(x)."""

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


def test_the_docstring_example_runs_as_written():
    doc = autograd.testing.__doc__
    code = textwrap.dedent(doc.split("::\n", 1)[1].split("\nIf the backward", 1)[0])
    namespace = {}
    exec(compile(code, "autograd.testing docstring", "exec"), namespace)
    namespace["test_my_softplus"]()


class MySoftplusWrongSecondDerivative(MySoftplus):
    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * autograd.tensor(1 / (1 + np.exp(-x._data)))  # right value, but a constant to autograd


class MySoftplusWrong(MySoftplus):
    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * x.sigmoid() * 2


def test_the_example_property_test_fails_on_a_wrong_backward():
    quick = settings(phases=(Phase.generate,), database=None)  # no shrinking: it would only slow this test

    @quick
    @given(tensors(shape=shapes(max_dims=3), min_value=-5, max_value=5))
    def test_wrong(x):
        assert_gradients_match(MySoftplusWrong.apply, x)

    with pytest.raises(GradcheckError) as info:
        test_wrong()
    assert info.value.input_index == 0 and "first derivatives" in str(info.value)

    @quick
    @given(tensors(shape=shapes(min_dims=1, max_dims=2), min_value=-5, max_value=5))
    def test_wrong_second(x):
        assert_gradients_match(MySoftplusWrongSecondDerivative.apply, x)

    with pytest.raises(GradcheckError) as info:
        test_wrong_second()
    assert info.value.order == 2 and "second derivatives" in str(info.value)


def test_assert_gradients_match_can_skip_second_order_and_pass_tolerances():
    x = autograd.tensor(np.array([0.5, -1.0]), requires_grad=True)
    assert_gradients_match(MySoftplusWrongSecondDerivative.apply, x, second_order=False)
    assert_gradients_match(lambda a: a.exp(), x, atol=1e-6, rtol=1e-6, fast_mode=True)


# --------------------------------------------------------------------------- strategies
@given(shapes(min_dims=1, max_dims=3, min_side=2, max_side=4))
def test_shapes_respect_bounds(shape):
    assert 1 <= len(shape) <= 3 and all(2 <= s <= 4 for s in shape)


@given(broadcastable_shapes((2, 3)))
def test_broadcastable_shapes_of_a_tuple(other):
    assert np.broadcast_shapes((2, 3), other) == (2, 3)


@given(broadcastable_shapes(shapes(max_dims=3)))
def test_broadcastable_shapes_of_a_strategy_gives_pairs(pair):
    a, b = pair
    np.broadcast_shapes(a, b)  # raises if they do not broadcast


@given(tensors(shape=(2, 3)))
def test_tensors_default_float64_finite_requiring_grad(x):
    assert x.shape == (2, 3) and x.dtype == np.float64 and x.requires_grad
    assert np.all(np.isfinite(x.detach().numpy()))


@given(tensors(shape=shapes(max_dims=2), positive=True, max_value=3))
def test_tensors_positive(x):
    values = x.detach().numpy()
    assert np.all(values >= 1e-3) and np.all(values <= 3)


@given(tensors(shape=(4,), nonzero=True, min_value=-1, max_value=1, requires_grad=False))
def test_tensors_nonzero_and_without_grad(x):
    assert not x.requires_grad and np.all(np.abs(x.numpy()) >= 1e-3)


@given(tensors(shape=(3,), dtype="float32", min_value=-0.1, max_value=0.1))
def test_tensors_float32_bounds_need_not_be_representable(x):
    assert x.dtype == np.float32 and np.all(np.abs(x.detach().numpy()) <= 0.1)


@given(tensors(shape=(2,), elements=st.sampled_from([1.0, 2.0])))
def test_tensors_with_explicit_elements(x):
    assert set(x.detach().numpy().tolist()) <= {1.0, 2.0}


def test_empty_value_range_is_an_error():
    with pytest.raises(ValueError, match="empty value range"):
        tensors(positive=True, max_value=-1)
