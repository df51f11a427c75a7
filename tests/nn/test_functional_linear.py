"""F.linear: one fused node, any leading shape, contiguous weight gradient, first and second derivatives."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn.functional as F
from autograd import gradcheck, gradgradcheck


def _t(shape, seed, requires_grad=True):
    rng = np.random.default_rng(seed)
    return autograd.tensor(rng.standard_normal(shape), requires_grad=requires_grad)


@given(st.lists(st.integers(1, 3), min_size=0, max_size=3), st.integers(1, 4), st.integers(1, 4), st.booleans())
def test_values_and_derivatives_for_any_leading_shape(lead, in_features, out_features, with_bias):
    x = _t(tuple(lead) + (in_features,), 0)
    w = _t((out_features, in_features), 1)
    b = _t((out_features,), 2) if with_bias else None
    out = F.linear(x, w, b)
    expected = x._data @ w._data.T + (b._data if with_bias else 0)
    np.testing.assert_allclose(out._data, expected, rtol=1e-12, atol=1e-12)
    inputs = (x, w, b) if with_bias else (x, w)
    fn = lambda *args: F.linear(*args)
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_is_a_single_graph_node_and_gradients_are_contiguous():
    x, w, b = _t((2, 3, 4), 0), _t((5, 4), 1), _t((5,), 2)
    out = F.linear(x, w, b)
    assert out.grad_fn.name() == "LinearBackward"
    assert all(child.name() == "AccumulateGrad" for child, _ in out.grad_fn.next_functions)
    g = np.random.default_rng(3).standard_normal(out.shape)
    out.backward(autograd.tensor(g))
    assert w.grad._data.flags.c_contiguous and x.grad._data.flags.c_contiguous
    np.testing.assert_allclose(w.grad._data, g.reshape(-1, 5).T @ x._data.reshape(-1, 4), rtol=1e-12)
    np.testing.assert_allclose(b.grad._data, g.sum((0, 1)), rtol=1e-12)
    np.testing.assert_allclose(x.grad._data, g @ w._data, rtol=1e-12)


def test_float32_stays_float32():
    x = autograd.randn(4, 3)
    w = autograd.randn(2, 3, requires_grad=True)
    out = F.linear(x, w, autograd.zeros(2))
    assert out.dtype == np.float32
    out.sum().backward()
    assert w.grad.dtype == np.float32


def test_only_needed_gradients_are_computed():
    x = _t((3, 2), 0, requires_grad=False)
    w = _t((4, 2), 1)
    F.linear(x, w).sum().backward()
    np.testing.assert_allclose(w.grad._data, np.ones((3, 4)).T @ x._data)


def test_errors_name_the_shapes_and_the_fix():
    with pytest.raises(RuntimeError, match=r"linear: input of shape \(5, 4\) .* weight of shape \(3, 3\).*in_features=3"):
        F.linear(autograd.randn(5, 4), autograd.randn(3, 3))
    with pytest.raises(RuntimeError, match=r"bias must have shape \(3,\)"):
        F.linear(autograd.randn(5, 3), autograd.randn(3, 3), autograd.randn(4))
    with pytest.raises(RuntimeError, match="weight must be 2-D"):
        F.linear(autograd.randn(5, 3), autograd.randn(3))
    with pytest.raises(RuntimeError, match="dtype.*model.double"):
        F.linear(autograd.randn(5, 3, dtype="float64"), autograd.randn(2, 3))


def test_bilinear():
    x1, x2, w, b = _t((4, 2), 0), _t((4, 3), 1), _t((5, 2, 3), 2), _t((5,), 3)
    np.testing.assert_allclose(F.bilinear(x1, x2, w, b)._data, np.einsum("ni,kij,nj->nk", x1._data, w._data, x2._data) + b._data)
    assert gradcheck(F.bilinear, (x1, x2, w, b))
    assert gradgradcheck(F.bilinear, (x1, x2, w, b))
