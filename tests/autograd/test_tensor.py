"""The Tensor data model: creation, dtypes, conversions, repr, seeding, and errors at the call."""
import numpy as np
import pytest

import autograd as ag


def test_default_dtype_rules():
    assert ag.tensor([1.0, 2.0]).dtype == np.float32
    assert ag.tensor(np.array([1.0])).dtype == np.float64
    assert ag.tensor([1, 2]).dtype == np.int64
    assert ag.tensor([True]).dtype == np.bool_
    assert ag.zeros(2, 3).dtype == np.float32 and ag.randn(2).dtype == np.float32
    assert ag.arange(3).dtype == np.int64 and ag.arange(0.0, 1.0, 0.5).dtype == np.float32
    ag.set_default_dtype(ag.float64)
    try:
        assert ag.tensor([1.0]).dtype == np.float64 and ag.ones(1).dtype == np.float64
    finally:
        ag.set_default_dtype(ag.float32)
    with pytest.raises(TypeError, match="floating"):
        ag.set_default_dtype(ag.int64)


def test_float32_stays_float32_through_ops_with_python_scalars():
    x = ag.randn(3, requires_grad=True)
    y = ((x * 2.5 + 1) / 3.0 - 0.5) ** 2
    y.sum().backward()
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_integer_and_bool_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match=r"only floating point tensors can require gradients.*int64"):
        ag.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        ag.tensor([True]).requires_grad_()


def test_creation_functions():
    assert ag.zeros((2, 3)).shape == (2, 3) and ag.ones(4)._data.sum() == 4
    np.testing.assert_array_equal(ag.full((2,), 7)._data, [7, 7])
    assert ag.full((2,), 7).dtype == np.int64 and ag.full((2,), 7.0).dtype == np.float32
    x = ag.randn(2, 2, dtype=ag.float64)
    assert ag.zeros_like(x).dtype == np.float64 and ag.ones_like(x).shape == (2, 2)
    np.testing.assert_array_equal(ag.full_like(x, 3)._data, np.full((2, 2), 3.0))
    np.testing.assert_allclose(ag.linspace(0, 1, 5)._data, [0, 0.25, 0.5, 0.75, 1])
    np.testing.assert_array_equal(ag.eye(2)._data, np.eye(2))
    r = ag.randint(0, 5, (100,))
    assert r.dtype == np.int64 and r._data.min() >= 0 and r._data.max() < 5
    u = ag.rand(1000)
    assert 0 <= u._data.min() and u._data.max() < 1


def test_bad_creation_arguments_are_caught_at_the_call():
    with pytest.raises(ValueError, match="negative dimension"):
        ag.zeros(2, -1)
    with pytest.raises(TypeError, match="sizes must be integers"):
        ag.ones(2.5)
    with pytest.raises(RuntimeError, match="high"):  # RuntimeError, as PyTorch
        ag.randint(5, 5, (2,))
    with pytest.raises(RuntimeError, match="step must be nonzero"):
        ag.arange(0, 5, 0)


def test_manual_seed_makes_every_random_function_reproducible():
    def draw():
        ag.manual_seed(123)
        return ag.randn(3)._data, ag.rand(2)._data, ag.randint(0, 9, (4,))._data, ag.zeros(3).uniform_()._data
    first, second = draw(), draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)


def test_attributes_and_conversions():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x.shape == (2, 2) and x.ndim == 2 and x.size() == (2, 2) and x.size(-1) == 2 and x.numel() == 4
    assert x.is_leaf and x.grad is None and x.grad_fn is None
    assert len(x) == 2 and [row.shape for row in x] == [(2,), (2,)]
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert x.T.shape == (2, 2) and x.T[0, 1].item() == 3.0
    assert float(x[0, 1]) == 2.0 and int(x[1, 1]) == 4 and bool(x[0, 0])
    assert isinstance(np.asarray(x), np.ndarray) and np.mean(x) == 2.5
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert x.detach().numpy() is x._data
    with pytest.raises(ValueError, match="one-element"):
        x.item()
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(x)
    with pytest.raises(TypeError, match="0-d"):
        len(ag.tensor(1.0))


def test_numpy_arrays_on_the_left_defer_to_tensor():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([2.0, 3.0], dtype=np.float32) * x
    assert isinstance(y, ag.Tensor) and y.requires_grad
    z = np.float32(2.0) + x
    assert isinstance(z, ag.Tensor)


def test_repr_follows_pytorch():
    assert repr(ag.tensor([1.0, 2.5])) == "tensor([1.0000, 2.5000])"
    assert repr(ag.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(ag.tensor(3.0)) == "tensor(3.)"
    assert repr(ag.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(ag.tensor([1.0], dtype="float64")) == "tensor([1.], dtype=float64)"
    x = ag.tensor([1.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2.], grad_fn=<MulBackward>)"


def test_shape_errors_name_the_operation_and_both_shapes():
    a, b = ag.randn(2, 3), ag.randn(4, 5)
    with pytest.raises(RuntimeError, match=r"add.*\(2, 3\).*\(4, 5\)"):
        a + b
    with pytest.raises(RuntimeError, match=r"matmul.*\(2, 3\).*\(4, 5\)"):
        a @ b
    with pytest.raises(RuntimeError, match=r"reshape.*\(4, 4\).*\(2, 3\)"):
        a.reshape(4, 4)
    with pytest.raises(RuntimeError, match=r"cat.*\(2, 3\).*\(4, 5\)"):
        ag.cat([a, b])


def test_dim_out_of_range_is_caught_at_the_call():
    x = ag.randn(2, 3)
    for call in (lambda: x.sum(dim=2), lambda: x.softmax(dim=-3), lambda: x.max(dim=5), lambda: x.unsqueeze(4),
                 lambda: x.transpose(0, 2), lambda: x.cumsum(3)):
        with pytest.raises(IndexError, match=r"out of range.*\[-2, 1\]|out of range.*\[-3, 2\]"):
            call()


def test_softmax_without_dim_says_dim_is_required():
    with pytest.raises(TypeError, match="dim is required"):
        ag.randn(3).softmax()


def test_in_place_ops_change_the_data_and_bump_the_version():
    x = ag.zeros(3)
    v = x._version
    x.add_(1).mul_(3)
    x.fill_(2.0)
    x.clamp_(0, 1)
    assert x._version == v + 4
    np.testing.assert_array_equal(x._data, [1.0, 1.0, 1.0])
    x.copy_(ag.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(x._data, [1.0, 2.0, 3.0])
    x.zero_()
    assert not x._data.any()
    ag.manual_seed(0)
    x.normal_(5.0, 0.1)
    assert abs(x._data.mean() - 5.0) < 1
    with pytest.raises(RuntimeError, match="cannot change the shape"):
        ag.zeros(3).add_(ag.ones(2, 3))
    with pytest.raises(RuntimeError, match="can't be cast"):
        ag.zeros(3, dtype=ag.int64).add_(0.5)


def test_comparisons_and_integer_ops_carry_no_gradient():
    x = ag.tensor([1.0, 5.0], requires_grad=True)
    for out in (x > 2, x == 1, x <= 5, x != 1, x.argmax()):
        assert not out.requires_grad
    np.testing.assert_array_equal((x > 2)._data, [False, True])
    np.testing.assert_array_equal((x // 2)._data, [0.0, 2.0])


def test_piecewise_constant_ops_follow_pytorch():
    """sign and rounding have zero gradients, % passes the gradient, // has none (it raises), as in PyTorch."""
    x = ag.tensor([1.5, -2.5], requires_grad=True)
    (x.sign() + x.floor() + x.round() + x % 2).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [1.0, 1.0])
    with pytest.raises(RuntimeError, match="floor_divide"):
        (x // 2).sum().backward()


def test_contiguous_copies_exactly_when_the_memory_is_not_c_ordered_so_view_works_after_it():
    x = ag.randn(3, 4, requires_grad=True)
    assert x.contiguous() is x
    t = x.t()
    with pytest.raises(RuntimeError, match="view"):
        t.view(-1)  # as PyTorch: a transposed tensor cannot be viewed flat
    flat = t.contiguous().view(-1)
    assert t.contiguous().is_contiguous() and flat.shape == (12,)
    flat.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.ones((3, 4)))
