"""Pooling (nn/functional/pooling.py, nn/layers/pooling.py): values against naive loops, PyTorch's size
rules (padding, dilation, ceil_mode), gradients to the argmax, first and second derivatives, errors."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import gradcheck, gradgradcheck
from nn.functional.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
    max_unpool2d,
)
from nn.layers.pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool1d, MaxPool2d


def _t(*shape, seed=0, requires_grad=True, dtype=np.float64):
    return autograd.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype), requires_grad=requires_grad)


def naive_pool(x, k, s, p, reduce, pad_value):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), constant_values=pad_value)
    oh, ow = (h + 2 * p - k) // s + 1, (w + 2 * p - k) // s + 1
    out = np.zeros((n, c, oh, ow))
    for i, j in itertools.product(range(oh), range(ow)):
        out[:, :, i, j] = reduce(xp[:, :, i * s:i * s + k, j * s:j * s + k], axis=(2, 3))
    return out


@pytest.mark.parametrize("k,s,p", [(2, 2, 0), (3, 2, 1), (3, 1, 1), (2, 1, 0), (3, 3, 1)])
def test_max_and_avg_pool_match_naive_loops(k, s, p):
    x = _t(2, 3, 7, 6, requires_grad=False)
    np.testing.assert_allclose(max_pool2d(x, k, s, p)._data, naive_pool(x._data, k, s, p, np.max, -np.inf))
    np.testing.assert_allclose(avg_pool2d(x, k, s, p)._data, naive_pool(x._data, k, s, p, np.mean, 0.0), atol=1e-12)


def test_max_pool_gradient_goes_to_the_argmax_only():
    x = autograd.tensor([[[[1.0, 5.0, 2.0, 0.0], [3.0, 4.0, 9.0, 1.0]]]], requires_grad=True)
    out = max_pool2d(x, 2)
    np.testing.assert_array_equal(out._data, [[[[5.0, 9.0]]]])
    out.backward(autograd.tensor([[[[10.0, 20.0]]]]))
    np.testing.assert_array_equal(x.grad._data, [[[[0, 10, 0, 0], [0, 0, 20, 0]]]])


def test_overlapping_windows_add_their_gradients():
    x = autograd.tensor([[[0.0, 9.0, 0.0, 1.0]]], requires_grad=True)
    max_pool1d(x, 2, stride=1).sum().backward()  # 9 is the max of two windows
    np.testing.assert_array_equal(x.grad._data, [[[0, 2, 0, 1]]])


def test_return_indices_and_unpool():
    x = _t(2, 3, 6, 6, requires_grad=False)
    out, idx = max_pool2d(x, 2, return_indices=True)
    assert idx.dtype == np.int64 and idx.shape == out.shape
    np.testing.assert_array_equal(np.take_along_axis(x._data.reshape(2, 3, -1), idx._data.reshape(2, 3, -1), 2),
                                  out._data.reshape(2, 3, -1))
    restored = max_unpool2d(out, idx, 2)
    assert restored.shape == x.shape
    flat = restored._data.reshape(2, 3, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, idx._data.reshape(2, 3, -1), 2), out._data.reshape(2, 3, -1))
    assert np.count_nonzero(flat) == out.numel()  # everything else is zero


def test_nan_propagates_through_max_pool():
    x = autograd.tensor([[[[1.0, np.nan], [3.0, 2.0]]]])
    assert np.isnan(max_pool2d(x, 2).item())


@pytest.mark.parametrize("n,k,s,p,d,ceil", [(n, k, s, p, d, c) for n in (5, 6, 7) for k in (2, 3) for s in (1, 2, 3)
                                             for p in (0, 1) for d in (1, 2) for c in (False, True)
                                             if p <= (d * (k - 1) + 1) // 2])
def test_output_sizes_follow_pytorch(n, k, s, p, d, ceil):
    span = n + 2 * p - d * (k - 1) - 1
    expected = (span + (s - 1 if ceil else 0)) // s + 1
    if ceil and (expected - 1) * s >= n + p:
        expected -= 1
    x = _t(1, 1, n, n, requires_grad=False)
    assert max_pool2d(x, k, s, p, dilation=d, ceil_mode=ceil).shape == (1, 1, expected, expected)
    if d == 1:
        assert avg_pool2d(x, k, s, p, ceil_mode=ceil).shape == (1, 1, expected, expected)


def test_avg_pool_divisors():
    x = autograd.ones(1, 1, 3, 3, dtype=np.float64)
    included = avg_pool2d(x, 3, stride=1, padding=1)  # corners see 4 ones out of 9
    np.testing.assert_allclose(included._data[0, 0, 0, 0], 4 / 9)
    excluded = avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=False)
    np.testing.assert_allclose(excluded._data, 1.0)
    np.testing.assert_allclose(avg_pool2d(x, 3, 1, 1, divisor_override=2)._data[0, 0, 1, 1], 4.5)


def test_adaptive_avg_pool_bins():
    x = autograd.arange(10.0, dtype=np.float64).reshape(1, 1, 1, 10)
    out = adaptive_avg_pool2d(x, (1, 3))  # bins [0,4), [3,7), [6,10) as PyTorch
    np.testing.assert_allclose(out._data.ravel(), [1.5, 4.5, 7.5])
    assert adaptive_avg_pool2d(_t(2, 3, 5, 7), 1).shape == (2, 3, 1, 1)
    assert adaptive_avg_pool2d(_t(3, 5, 7), (None, 2)).shape == (3, 5, 2)
    assert adaptive_avg_pool1d(_t(2, 3, 7), 3).shape == (2, 3, 3)


@settings(max_examples=10)
@given(st.integers(2, 3), st.integers(1, 3), st.integers(0, 1), st.booleans())
def test_pools_first_and_second_derivatives(k, s, p, ceil):
    x = autograd.tensor(np.random.default_rng(k * 7 + s).permutation(2 * 5 * 4).reshape(1, 2, 5, 4) / 10.0,
                        requires_grad=True)  # distinct values: the max is differentiable
    if p > k // 2:
        return
    for fn in (lambda x: max_pool2d(x, k, s, p, ceil_mode=ceil), lambda x: avg_pool2d(x, k, s, p, ceil_mode=ceil),
               lambda x: avg_pool2d(x, k, s, p, ceil_mode=ceil, count_include_pad=False)):
        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))


def test_one_d_and_adaptive_derivatives():
    x = _t(2, 3, 7)
    for fn in (lambda x: max_pool1d(x, 3, 2, 1), lambda x: avg_pool1d(x, 2), lambda x: adaptive_avg_pool1d(x, 3),
               lambda x: adaptive_avg_pool2d(x.reshape(2, 3, 7, 1), (3, 1))):
        assert gradcheck(fn, (x,))
        assert gradgradcheck(fn, (x,))


def test_float32_stays_float32():
    x = _t(2, 3, 6, 6, dtype=np.float32)
    for out in (max_pool2d(x, 2), avg_pool2d(x, 3, 2, 1), adaptive_avg_pool2d(x, (2, 3))):
        assert out.dtype == np.float32
        out.sum().backward()
        assert x.grad.dtype == np.float32


@pytest.mark.parametrize("call,match", [
    (lambda: max_pool2d(_t(1, 1, 4, 4), 2, padding=2), "pad should be at most half"),
    (lambda: max_pool2d(_t(1, 1, 2, 2), 3), r"output size \(0, 0\), which is < 1"),
    (lambda: max_pool2d(_t(4, 4), 2), "expected a 4-d input"),
    (lambda: avg_pool2d(_t(1, 1, 4, 4), 0), "must be positive"),
    (lambda: adaptive_avg_pool2d(_t(4, 4), 2), "expected a 3-d or 4-d input"),
])
def test_errors(call, match):
    with pytest.raises((RuntimeError, ValueError), match=match):
        call()


def test_layers():
    x = _t(2, 3, 8, 8, dtype=np.float32)
    assert MaxPool2d(2)(x).shape == (2, 3, 4, 4)
    assert MaxPool2d(3, 2, 1, return_indices=True)(x)[1].shape == (2, 3, 4, 4)
    assert AvgPool2d(2, 1)(x).shape == (2, 3, 7, 7)
    assert AdaptiveAvgPool2d((1, 1))(x).shape == (2, 3, 1, 1)
    assert MaxPool1d(2)(x[:, :, 0]).shape == (2, 3, 4)
    assert repr(MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
