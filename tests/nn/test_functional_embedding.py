"""F.embedding: lookup, gradient accumulation for repeated indices (both scatter strategies), padding, errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn.functional as F
from autograd import gradcheck, gradgradcheck
from nn.functional.embedding import _scatter_add_rows


def _reference_scatter(rows, index, num_rows):
    out = np.zeros((num_rows, rows.shape[1]))
    np.add.at(out, index, rows)
    return out


@given(st.integers(1, 30), st.integers(1, 6), st.integers(0, 40), st.integers(0, 10**6))
def test_scatter_add_matches_add_at_for_both_strategies(num_rows, dim, count, seed):
    rng = np.random.default_rng(seed)
    index = rng.integers(0, num_rows, count)
    rows = rng.standard_normal((count, dim))
    np.testing.assert_allclose(_scatter_add_rows(rows, index, num_rows), _reference_scatter(rows, index, num_rows),
                               rtol=1e-12, atol=1e-12)


def test_repeated_indices_accumulate_and_padding_gets_none():
    weight = autograd.tensor(np.arange(12.0).reshape(4, 3), requires_grad=True)
    idx = autograd.tensor([[1, 2, 1], [0, 1, 3]])
    out = F.embedding(idx, weight, padding_idx=0)
    np.testing.assert_array_equal(out._data, weight._data[idx._data])
    g = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(autograd.tensor(g))
    expected = _reference_scatter(g.reshape(-1, 3), idx._data.reshape(-1), 4)
    expected[0] = 0
    np.testing.assert_allclose(weight.grad._data, expected)


def test_derivatives():
    weight = autograd.tensor(np.random.default_rng(1).standard_normal((5, 2)), requires_grad=True)
    idx = np.array([[0, 4, 4], [2, 2, 2]])
    assert gradcheck(lambda w: F.embedding(idx, w), (weight,))
    assert gradgradcheck(lambda w: F.embedding(idx, w), (weight,))
    assert gradgradcheck(lambda w: F.embedding(idx, w, padding_idx=2), (weight,))


def test_float32_gradient_stays_float32():
    weight = autograd.randn(6, 3, requires_grad=True)
    F.embedding(autograd.tensor([1, 1, 5]), weight).sum().backward()
    assert weight.grad.dtype == np.float32 and weight.grad._data[1].tolist() == [2, 2, 2]


def test_max_norm_renormalises_looked_up_rows():
    weight = autograd.tensor([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0]])
    F.embedding(autograd.tensor([0, 1]), weight, max_norm=1.0)
    np.testing.assert_allclose(np.linalg.norm(weight._data, axis=1), [1.0, 0.5, 10.0], rtol=1e-5)


def test_errors():
    weight = autograd.randn(3, 2)
    with pytest.raises(IndexError, match="index -1 is out of range"):
        F.embedding(autograd.tensor([-1]), weight)
    with pytest.raises(ValueError, match="padding_idx 5"):
        F.embedding(autograd.tensor([0]), weight, padding_idx=5)
    with pytest.raises(RuntimeError, match="weight must be 2-D"):
        F.embedding(autograd.tensor([0]), autograd.randn(3))
