"""GroupNorm / InstanceNorm (nn/functional/normalization.py, nn/layers/normalization.py) and
channel dropout (nn/functional/dropout.py): statistics, running averages, derivatives, errors."""
import numpy as np
import pytest

import autograd
from autograd import gradcheck, gradgradcheck
from nn.functional.dropout import dropout1d, dropout2d, dropout3d
from nn.functional.normalization import group_norm, instance_norm
from nn.layers.dropout import Dropout2d
from nn.layers.normalization import GroupNorm, InstanceNorm1d, InstanceNorm2d


def _t(*shape, seed=0, requires_grad=True, dtype=np.float64):
    return autograd.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype), requires_grad=requires_grad)


def test_group_norm_normalises_each_group():
    x = _t(3, 6, 4, 5, requires_grad=False) * 3 + 2
    out = group_norm(x, 2)._data.reshape(3, 2, -1)
    np.testing.assert_allclose(out.mean(-1), 0, atol=1e-10)
    np.testing.assert_allclose(out.var(-1), 1, atol=1e-3)
    # num_groups = C is instance norm; num_groups = 1 normalises the whole sample
    np.testing.assert_allclose(group_norm(x, 6)._data, instance_norm(x)._data, atol=1e-12)
    np.testing.assert_allclose(group_norm(x, 1)._data.reshape(3, -1).mean(-1), 0, atol=1e-10)


def test_group_and_instance_norm_derivatives():
    x, w, b = _t(2, 4, 3, 2), _t(4, seed=1), _t(4, seed=2)
    for fn in (lambda x, w, b: group_norm(x, 2, w, b), lambda x, w, b: instance_norm(x, weight=w, bias=b),
               lambda x, w, b: group_norm(x.reshape(2, 4, 6), 4, w, b)):
        assert gradcheck(fn, (x, w, b))
        assert gradgradcheck(fn, (x, w, b))


def test_instance_norm_running_statistics():
    x = _t(4, 3, 5, 5, requires_grad=False) * 2 + 1
    mean, var = autograd.zeros(3, dtype=np.float64), autograd.ones(3, dtype=np.float64)
    instance_norm(x, mean, var, momentum=0.5)
    per_instance_mean = x._data.mean((2, 3))
    per_instance_var = x._data.var((2, 3), ddof=1)
    np.testing.assert_allclose(mean._data, 0.5 * per_instance_mean.mean(0))
    np.testing.assert_allclose(var._data, 0.5 + 0.5 * per_instance_var.mean(0))
    out = instance_norm(x, mean, var, use_input_stats=False)
    np.testing.assert_allclose(out._data, (x._data - mean._data[:, None, None]) / np.sqrt(var._data[:, None, None] + 1e-5))


def test_layers():
    x = _t(2, 4, 3, 3, dtype=np.float32)
    gn = GroupNorm(2, 4)
    assert [n for n, _ in gn.named_parameters()] == ["weight", "bias"] and gn(x).dtype == np.float32
    inorm = InstanceNorm2d(4)
    assert list(inorm.parameters()) == [] and inorm(x).shape == x.shape and inorm(x[0]).shape == x.shape[1:]
    tracked = InstanceNorm2d(4, affine=True, track_running_stats=True)
    tracked(x)
    # running statistics move; num_batches_tracked stays 0 for instance norm, as PyTorch
    assert not np.allclose(tracked.running_mean._data, 0) and tracked.num_batches_tracked.item() == 0
    tracked.eval()
    np.testing.assert_allclose(tracked(x)._data, instance_norm(x, tracked.running_mean, tracked.running_var,
                                                              tracked.weight, tracked.bias, False)._data)
    assert InstanceNorm1d(4)(x[:, :, 0]).shape == (2, 4, 3)
    gn64 = GroupNorm(2, 4).double()
    fn = lambda x, w, b: gn64(x)
    xd = _t(2, 4, 3)
    assert gradcheck(fn, (xd, *gn64.parameters())) and gradgradcheck(fn, (xd, *gn64.parameters()))


@pytest.mark.parametrize("call,match", [
    (lambda: group_norm(_t(2, 6, 3), 4), "divisible by num_groups"),
    (lambda: group_norm(_t(2, 6, 3), 3, _t(5)), r"weight has shape \(5,\)"),
    (lambda: instance_norm(_t(2, 6)), "at least 3 dimensions"),
    (lambda: instance_norm(_t(2, 6, 1)), "more than 1 spatial element"),
    (lambda: GroupNorm(4, 6), "divisible by num_groups"),
    (lambda: InstanceNorm2d(3, affine=True)(_t(2, 4, 3, 3)), "expected 3 channels"),
])
def test_errors(call, match):
    with pytest.raises((RuntimeError, ValueError), match=match):
        call()


def test_dropout2d_zeroes_whole_channels():
    autograd.manual_seed(0)
    x = autograd.ones(8, 16, 4, 4)
    out = dropout2d(x, 0.5)
    per_channel = out._data.reshape(8, 16, -1)
    assert np.all(per_channel.min(-1) == per_channel.max(-1))  # each channel all kept or all dropped
    assert set(np.unique(per_channel)) == {0.0, 2.0}
    assert 0.3 < (per_channel[:, :, 0] == 0).mean() < 0.7
    assert dropout2d(x, 0.5, training=False) is x
    assert dropout1d(autograd.ones(4, 8, 5), 0.5).shape == (4, 8, 5)
    assert dropout3d(autograd.ones(2, 3, 2, 2, 2), 1.0)._data.max() == 0
    # the gradient uses the same mask
    y = _t(2, 3, 2, 2)
    autograd.manual_seed(1)
    dropout2d(y, 0.5).sum().backward()
    autograd.manual_seed(1)
    np.testing.assert_array_equal(y.grad._data, dropout2d(autograd.ones(2, 3, 2, 2, dtype=np.float64), 0.5)._data)
    layer = Dropout2d(0.3)
    assert layer.eval()(x) is x and repr(layer) == "Dropout2d(p=0.3, inplace=False)"
    with pytest.raises(ValueError, match="between 0 and 1"):
        dropout2d(x, 1.5)
