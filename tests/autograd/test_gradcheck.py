"""gradcheck / gradgradcheck: they pass on correct gradients, and catch and locate planted wrong ones."""
import warnings

import numpy as np
import pytest

import autograd as ag
from autograd import Function, GradcheckError, gradcheck, gradgradcheck


def randn(*shape, requires_grad=True, seed=0):
    rng = np.random.default_rng(seed)
    return ag.tensor(rng.standard_normal(shape), requires_grad=requires_grad)


# --------------------------------------------------------------------------- passing
def test_passes_and_returns_true_for_correct_gradients():
    a, b = randn(2, 3), randn(3, seed=1)
    assert gradcheck(lambda x, y: (x * y).tanh(), (a, b)) is True
    assert gradgradcheck(lambda x, y: (x * y).tanh(), (a, b)) is True
    assert gradcheck(lambda x, y: (x * y).tanh(), (a, b), fast_mode=True) is True
    assert gradgradcheck(lambda x, y: (x * y).tanh(), (a, b), fast_mode=True) is True


def test_single_tensor_input_and_tuple_outputs():
    x = randn(4)
    assert gradcheck(lambda t: t.exp(), x)
    assert gradcheck(lambda t: (t.sin(), t.sum(), t * 2), (x,))
    assert gradgradcheck(lambda t: (t.sin(), t.sum() ** 2), (x,))


def test_only_inputs_requiring_grad_are_checked_and_other_arguments_pass_through():
    x, const = randn(3), randn(3, requires_grad=False, seed=1)
    seen = []

    def fn(a, b, scale):
        seen.append(scale)
        return a * b * scale

    assert gradcheck(fn, (x, const, 2.0))
    assert set(seen) == {2.0}


def test_output_not_depending_on_an_input_has_zero_gradient_both_ways():
    x, unused = randn(3), randn(2, seed=1)
    assert gradcheck(lambda a, b: a * 2, (x, unused))
    assert gradgradcheck(lambda a, b: a * a, (x, unused))


def test_inputs_are_restored_exactly_and_global_generator_untouched():
    x = randn(2, 3)
    before = x._data.copy()
    ag.manual_seed(123)
    state = ag.default_generator().bit_generator.state
    gradcheck(lambda t: t.sigmoid(), x)
    gradgradcheck(lambda t: t.sigmoid(), x, fast_mode=True)
    assert np.array_equal(x._data, before)
    assert ag.default_generator().bit_generator.state == state
    assert x.grad is None


def test_views_of_inputs_as_outputs_are_handled():
    x = randn(2, 3)
    assert gradcheck(lambda t: t.reshape(3, 2), x)  # the output shares memory with the perturbed input
    assert gradcheck(lambda t: t[0], x)


def test_gradgradcheck_with_given_grad_outputs():
    x = randn(3)
    go = ag.tensor(np.array([1.0, -2.0, 0.5]), requires_grad=True)
    assert gradgradcheck(lambda t: t ** 3, x, grad_outputs=go)
    with pytest.raises(ValueError, match="grad_outputs"):
        gradgradcheck(lambda t: t ** 3, x, grad_outputs=(go, go))


def test_float32_inputs_warn_and_say_why():
    x = ag.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    with pytest.warns(UserWarning, match="float64") as record:
        gradcheck(lambda t: t * 2, x, atol=1e-2, rtol=1e-2, eps=1e-3)
    assert "too noisy" in str(record[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gradcheck(lambda t: t * 2, randn(3))  # float64: no warning


def test_no_input_requiring_grad_is_an_error():
    with pytest.raises(ValueError, match="requires_grad"):
        gradcheck(lambda t: t * 2, randn(3, requires_grad=False))


def test_non_tensor_output_is_an_error():
    with pytest.raises(TypeError, match="output 0"):
        gradcheck(lambda t: 3.0, randn(3))


# --------------------------------------------------------------------------- planted bugs
class ScaledWrong(Function):
    """a * b, with the gradient for b off by a factor of 2."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a._data * b._data

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * a * 2


def test_off_by_a_factor_is_caught_with_input_and_element():
    a, b = randn(2, 3), randn(2, 3, seed=1)
    with pytest.raises(GradcheckError) as info:
        gradcheck(ScaledWrong.apply, (a, b))
    error = info.value
    assert error.input_index == 1 and error.output_index == 0
    assert error.input_element == error.output_element  # the Jacobian is diagonal
    assert np.isclose(error.analytic, 2 * error.numerical)
    assert error.num_failed == 6
    assert error.grad_fn == "ScaledWrongBackward"
    message = str(error)
    for text in ("input 1", "output 0", "ScaledWrongBackward", "analytic", "numerical", "6 of 36",
                 "a constant factor is off", "|"):
        assert text in message
    # the worst element is where |a| is largest, since the error is |a| there
    assert error.input_element == np.unravel_index(np.argmax(np.abs(a._data)), a.shape)
    assert gradcheck(ScaledWrong.apply, (a, b), raise_exception=False) is False


def test_off_by_a_factor_is_caught_in_fast_mode():
    a, b = randn(20, 30), randn(20, 30, seed=1)
    with pytest.raises(GradcheckError) as info:
        gradcheck(ScaledWrong.apply, (a, b), fast_mode=True)
    assert info.value.input_index == 1 and "fast mode" in str(info.value)


class TransposedWrong(Function):
    """A @ x for square A, with x's gradient computed as A @ g instead of Aᵀ @ g (same shape, so silent)."""

    @staticmethod
    def forward(ctx, A, x):
        ctx.save_for_backward(A, x)
        return A._data @ x._data

    @staticmethod
    def backward(ctx, grad):
        A, x = ctx.saved_tensors
        return grad.unsqueeze(-1) * x, A @ grad


def test_transposed_gradient_is_caught():
    A, x = randn(3, 3), randn(3, seed=1)
    assert gradcheck(lambda m, v: m @ v, (A, x))
    with pytest.raises(GradcheckError) as info:
        gradcheck(TransposedWrong.apply, (A, x))
    error = info.value
    assert error.input_index == 1
    row, col = error.output_element[0], error.input_element[0]
    assert row != col  # off-diagonal: analytic J[i, j] = A[j, i], numerical A[i, j]
    assert np.isclose(error.analytic, A._data[col, row]) and np.isclose(error.numerical, A._data[row, col])
    assert "transpose" in str(error)


class BroadcastWrong(Function):
    """x + bias with bias broadcast over rows; bias's gradient keeps only the first row instead of summing."""

    @staticmethod
    def forward(ctx, x, bias):
        return x._data + bias._data

    @staticmethod
    def backward(ctx, grad):
        return grad, grad[0:1]  # shape (1, n) matches bias, so the engine cannot notice


def test_gradient_ignoring_broadcasting_is_caught():
    x, bias = randn(3, 2), randn(1, 2, seed=1)
    with pytest.raises(GradcheckError) as info:
        gradcheck(BroadcastWrong.apply, (x, bias))
    error = info.value
    assert error.input_index == 1
    assert error.output_element[0] != 0  # rows after the first lost their gradient
    assert error.output_element[1] == error.input_element[1]
    assert error.analytic == 0.0 and error.numerical == pytest.approx(1.0)
    assert error.num_failed == 4  # rows 1 and 2, both columns


class CubeWithConstantDerivative(Function):
    """x³ whose backward computes 3x² from raw numpy: right first derivative, second derivative lost."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x._data ** 3

    @staticmethod
    def backward(ctx, grad):
        x, = ctx.saved_tensors
        return grad * ag.tensor(3 * x._data ** 2)  # a constant to autograd: d/dx of it is 0


def test_wrong_second_derivative_passes_gradcheck_and_fails_gradgradcheck():
    x = randn(4)
    assert gradcheck(CubeWithConstantDerivative.apply, x)
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(CubeWithConstantDerivative.apply, x)
    error = info.value
    assert error.order == 2 and error.input_index == 0 and error.output_index == 0
    assert error.output_element == error.input_element
    assert error.analytic == 0.0
    message = str(error)
    assert "second derivatives" in message and "grad_outputs" in message


class MultiOutput(Function):
    """2x, but a buggy backward for the second output only."""

    @staticmethod
    def forward(ctx, x):
        return x._data * 2

    @staticmethod
    def backward(ctx, grad):
        return grad * 3


def test_wrong_second_output_is_reported_as_output_1():
    x = randn(3)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: (t.exp(), MultiOutput.apply(t)), x)
    assert info.value.output_index == 1 and info.value.grad_fn == "MultiOutputBackward"


def test_output_computed_outside_the_graph_gets_a_hint():
    x = randn(3)
    with pytest.raises(GradcheckError, match="outside the graph") as info:
        gradcheck(lambda t: ag.tensor(np.sin(t._data)), x)
    assert "does not require grad" in info.value.grad_fn


def test_large_jacobians_are_not_printed_in_full():
    a, b = randn(3, 3), randn(3, 3, seed=1)
    with pytest.raises(GradcheckError) as info:
        gradcheck(ScaledWrong.apply, (a, b))
    assert "Jacobian (rows" not in str(info.value)  # 9 x 9 is over the 8 x 8 limit


class Nondeterministic(Function):
    """2x with a backward that drifts by a tiny amount on every call."""

    calls = 0

    @staticmethod
    def forward(ctx, x):
        return x._data * 2

    @staticmethod
    def backward(ctx, grad):
        Nondeterministic.calls += 1
        return grad * (2 + 1e-9 * Nondeterministic.calls)


def test_nondeterministic_backward_needs_nondet_tol():
    x = randn(3)
    with pytest.raises(GradcheckError, match="reentrant"):
        gradcheck(Nondeterministic.apply, x)
    assert gradcheck(Nondeterministic.apply, x, nondet_tol=1e-6)


def test_inputs_are_restored_when_fn_raises_during_finite_differences():
    x = randn(3)
    before = x._data.copy()
    calls = []

    def fragile(t):
        calls.append(1)
        if len(calls) > 1:
            raise ValueError("fails on a perturbed input")
        return t * 2

    with pytest.raises(ValueError, match="perturbed"):
        gradcheck(fragile, x)
    assert np.array_equal(x._data, before)


def test_fast_mode_checks_large_inputs_quickly():
    a, b = randn(200, 100), randn(100, 50, seed=1)
    assert gradcheck(lambda x, y: (x @ y).tanh(), (a, b), fast_mode=True)
    assert gradgradcheck(lambda x, y: (x @ y).tanh(), (a, b), fast_mode=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(TransposedWrong.apply, (randn(200, 200, seed=2), randn(200, seed=3)), fast_mode=True)
    assert info.value.input_index == 1
