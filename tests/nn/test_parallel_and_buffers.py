"""nn.Buffer, nn.DataParallel and nn.SyncBatchNorm, which PyTorch code uses as it is (one CPU process here)."""
import numpy as np
import pytest

import autograd as ag
import nn


def test_a_buffer_assigned_as_an_attribute_is_registered_with_its_persistence():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.mask = nn.Buffer(ag.ones(3), persistent=False)
            self.scale = nn.Buffer(ag.tensor([2.0]))
            self.linear = nn.Linear(3, 1)

    model = Model()
    assert [name for name, _ in model.named_buffers()] == ["mask", "scale"]
    assert list(model.state_dict()) == ["scale", "linear.weight", "linear.bias"]
    assert not model.mask.requires_grad and isinstance(model.mask, ag.Tensor)
    model.double()
    assert model.scale.dtype == ag.float64 and "scale" in dict(model.named_buffers())


def test_buffer_shares_the_tensor_memory_detached():
    t = ag.zeros(2)
    b = nn.Buffer(t)
    t.add_(1.0)
    np.testing.assert_array_equal(b.numpy(), [1.0, 1.0])
    assert nn.Buffer().shape == (0,)


def test_data_parallel_calls_the_module_and_prefixes_state_dict_keys():
    inner = nn.Linear(2, 3)
    model = nn.DataParallel(inner)
    x = ag.randn(4, 2)
    np.testing.assert_array_equal(model(x).detach().numpy(), inner(x).detach().numpy())
    assert list(model.state_dict()) == ["module.weight", "module.bias"]
    assert model.module is inner
    with pytest.raises(RuntimeError, match="CPU"):
        nn.DataParallel(inner, device_ids=[0])


def test_sync_batch_norm_is_batch_norm_in_one_process_and_converts_batch_norms():
    model = nn.Sequential(nn.Conv2d(1, 2, 1), nn.BatchNorm2d(2), nn.Sequential(nn.BatchNorm1d(3)))
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert isinstance(converted[1], nn.SyncBatchNorm) and isinstance(converted[2][0], nn.SyncBatchNorm)
    assert converted[1].weight is model[1].weight and converted[1].running_mean is model[1].running_mean
    x = ag.randn(4, 2, 3, 3)
    reference = nn.BatchNorm2d(2)
    np.testing.assert_allclose(nn.SyncBatchNorm(2)(x).detach().numpy(), reference(x).detach().numpy())
    with pytest.raises(ValueError, match="process_group"):
        nn.SyncBatchNorm(2, process_group=object())


def test_the_same_as_pytorch():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.SyncBatchNorm(3)
    ours = nn.SyncBatchNorm(3)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(0).normal(size=(5, 3, 2)).astype(np.float32)
    np.testing.assert_allclose(ours(ag.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.running_var.numpy(), theirs.running_var.numpy(), rtol=1e-6)
    assert repr(nn.DataParallel(nn.Linear(2, 3))) == repr(torch.nn.DataParallel(torch.nn.Linear(2, 3)))
