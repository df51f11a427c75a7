"""Gradient clipping and parameter/vector conversion (nn/utils)."""
import math

import numpy as np
import pytest

import autograd as ag
from nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters


def _params_with_grads(*grads, dtype=np.float64):
    params = []
    for g in grads:
        p = ag.zeros(*np.shape(g), dtype=dtype, requires_grad=True)
        p.grad = ag.tensor(np.asarray(g, dtype=dtype))
        params.append(p)
    return params


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
def test_clip_grad_norm_scales_all_gradients_together(norm_type):
    params = _params_with_grads([3.0, -4.0], [[12.0]], [0.0, 0.0, 0.0])
    flat = np.array([3.0, -4.0, 12.0, 0.0, 0.0, 0.0])
    expected_total = np.linalg.norm(flat, ord=norm_type)
    total = clip_grad_norm_(params, max_norm=1.0, norm_type=norm_type)
    np.testing.assert_allclose(total.item(), expected_total, rtol=1e-12)
    clipped = np.concatenate([p.grad._data.ravel() for p in params])
    np.testing.assert_allclose(clipped, flat / (expected_total + 1e-6), rtol=1e-12)
    assert np.linalg.norm(clipped, ord=norm_type) <= 1.0


def test_clip_grad_norm_leaves_small_gradients_alone_and_accepts_one_tensor():
    (p,) = _params_with_grads([0.3, 0.4])
    total = clip_grad_norm_(p, max_norm=1.0)
    assert total.item() == pytest.approx(0.5)
    np.testing.assert_array_equal(p.grad._data, [0.3, 0.4])


def test_clip_grad_norm_skips_missing_gradients_and_keeps_float32():
    params = _params_with_grads([30.0, 40.0], dtype=np.float32)
    params.append(ag.zeros(3, requires_grad=True))  # no grad
    total = clip_grad_norm_(params, 5.0)
    assert total.dtype == np.float32 and params[0].grad.dtype == np.float32
    np.testing.assert_allclose(params[0].grad._data, [3.0, 4.0], rtol=1e-6)
    assert clip_grad_norm_([ag.zeros(2, requires_grad=True)], 1.0).item() == 0.0


def test_clip_grad_norm_non_finite():
    params = _params_with_grads([np.nan, 1.0])
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm.*non-finite.*error_if_nonfinite=False"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert math.isnan(clip_grad_norm_(params, 1.0).item())


def test_clip_grad_value_clamps_each_element():
    params = _params_with_grads([-3.0, 0.5, 2.0], [[-0.1, 7.0]])
    assert clip_grad_value_(params, 1.0) is None
    np.testing.assert_array_equal(params[0].grad._data, [-1.0, 0.5, 1.0])
    np.testing.assert_array_equal(params[1].grad._data, [[-0.1, 1.0]])


def test_clipping_inside_a_training_step():
    w = ag.tensor([1.0, 1.0], requires_grad=True)
    (100 * w).sum().backward()
    clip_grad_norm_([w], max_norm=math.sqrt(2))
    np.testing.assert_allclose(w.grad._data, [1.0, 1.0], rtol=1e-6)


def test_parameters_to_vector_and_back():
    a, b = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True), ag.tensor([5.0], requires_grad=True)
    vec = parameters_to_vector([a, b])
    np.testing.assert_array_equal(vec._data, [1, 2, 3, 4, 5])
    (vec * ag.arange(5.0)).sum().backward()  # differentiable, as PyTorch
    np.testing.assert_array_equal(a.grad._data, [[0, 1], [2, 3]])
    version = a._version
    vector_to_parameters(ag.tensor([9.0, 8.0, 7.0, 6.0, 5.5]), [a, b])
    np.testing.assert_array_equal(a._data, [[9, 8], [7, 6]])
    assert b._data[0] == 5.5 and a._version == version + 1
    with pytest.raises(ValueError, match=r"vector_to_parameters: vec has shape \(4,\).*5 elements"):
        vector_to_parameters(ag.zeros(4), [a, b])


def test_vector_to_parameters_shares_memory_with_the_vector_as_pytorch():
    torch = pytest.importorskip("torch")
    ours_params, their_params = [ag.zeros(2, 2), ag.zeros(3)], [torch.zeros(2, 2), torch.zeros(3)]
    ours_vec, their_vec = ag.arange(7.0), torch.arange(7.0)
    vector_to_parameters(ours_vec, ours_params)
    torch.nn.utils.vector_to_parameters(their_vec, their_params)
    with ag.no_grad():
        ours_vec.mul_(2)
    their_vec.mul_(2)
    for ours, theirs in zip(ours_params, their_params):
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert ours_params[1].tolist() == [8.0, 10.0, 12.0]
