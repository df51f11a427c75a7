"""F.batch_norm and F.layer_norm: values against numpy, running-statistic updates, derivatives, errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn.functional as F
from autograd import gradcheck, gradgradcheck


def _t(shape, seed=0, requires_grad=True):
    return autograd.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=requires_grad)


@pytest.mark.parametrize("shape", [(4, 3), (3, 2, 5), (2, 3, 2, 2)])
def test_batch_norm_training_values_and_running_update(shape):
    x = _t(shape)
    c = shape[1]
    rm, rv = autograd.zeros(c, dtype="float64"), autograd.ones(c, dtype="float64")
    w, b = _t((c,), 1), _t((c,), 2)
    out = F.batch_norm(x, rm, rv, w, b, training=True, momentum=0.3, eps=1e-3)
    axes = (0,) + tuple(range(2, len(shape)))
    view = (1, c) + (1,) * (len(shape) - 2)
    mean, var = x._data.mean(axes, keepdims=True), x._data.var(axes, keepdims=True)
    expected = (x._data - mean) / np.sqrt(var + 1e-3) * w._data.reshape(view) + b._data.reshape(view)
    np.testing.assert_allclose(out._data, expected, rtol=1e-10)
    np.testing.assert_allclose(rm._data, 0.3 * mean.reshape(c))
    np.testing.assert_allclose(rv._data, 0.7 + 0.3 * x._data.var(axes, ddof=1))
    assert gradcheck(lambda *a: F.batch_norm(a[0], None, None, a[1], a[2], training=True), (x, w, b))
    assert gradgradcheck(lambda *a: F.batch_norm(a[0], None, None, a[1], a[2], training=True), (x, w, b))


def test_batch_norm_eval_and_its_derivatives():
    x, w, b = _t((3, 2)), _t((2,), 1), _t((2,), 2)
    rm, rv = autograd.tensor([0.5, -0.5], dtype="float64"), autograd.tensor([2.0, 0.25], dtype="float64")
    out = F.batch_norm(x, rm, rv, w, b, training=False)
    np.testing.assert_allclose(out._data, (x._data - rm._data) / np.sqrt(rv._data + 1e-5) * w._data + b._data, rtol=1e-12)
    fn = lambda *a: F.batch_norm(a[0], rm, rv, a[1], a[2])
    assert gradcheck(fn, (x, w, b)) and gradgradcheck(fn, (x, w, b))


def test_batch_norm_float32_stays_float32():
    x = autograd.randn(4, 3)
    rm, rv = autograd.zeros(3), autograd.ones(3)
    assert F.batch_norm(x, rm, rv, training=True).dtype == np.float32
    assert rm.dtype == np.float32 and rv.dtype == np.float32


def test_batch_norm_errors():
    with pytest.raises(RuntimeError, match=r"running_mean has shape \(4,\) .* 3 channels"):
        F.batch_norm(autograd.randn(2, 3), autograd.zeros(4), autograd.ones(3), training=True)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(autograd.randn(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        F.batch_norm(autograd.randn(3), None, None, training=True)


@given(st.lists(st.integers(1, 3), min_size=0, max_size=2), st.lists(st.integers(2, 3), min_size=1, max_size=2))
def test_layer_norm_any_shape(lead, normalized):
    x = _t(tuple(lead) + tuple(normalized))
    w, b = _t(tuple(normalized), 1), _t(tuple(normalized), 2)
    axes = tuple(range(len(lead), x.ndim))
    mean, var = x._data.mean(axes, keepdims=True), x._data.var(axes, keepdims=True)
    out = F.layer_norm(x, normalized, w, b)
    np.testing.assert_allclose(out._data, (x._data - mean) / np.sqrt(var + 1e-5) * w._data + b._data, rtol=1e-9, atol=1e-12)
    assert gradcheck(lambda *a: F.layer_norm(a[0], normalized, a[1], a[2]), (x, w, b))


def test_layer_norm_second_derivatives_and_errors():
    x, w, b = _t((2, 3)), _t((3,), 1), _t((3,), 2)
    assert gradgradcheck(lambda *a: F.layer_norm(a[0], 3, a[1], a[2]), (x, w, b))
    with pytest.raises(RuntimeError, match=r"weight has shape \(2,\)"):
        F.layer_norm(x, 3, autograd.ones(2))
