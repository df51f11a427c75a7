"""The 3-d convolutions and pools (conv3d, conv_transpose3d, max/avg/adaptive pooling over (D, H, W)): first and
second derivatives by finite differences, unbatched inputs, the errors, and the layers (Conv3d, ConvTranspose3d,
the pools and the lazy 3-d layers and instance norms). PyTorch as the oracle is in test_against_torch_3d.py."""
import warnings

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import gradcheck, gradgradcheck


def _t(*shape, seed=0, requires_grad=True, dtype=np.float64):
    data = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return autograd.tensor(data, requires_grad=requires_grad)


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(stride=(2, 1, 2), padding=(1, 0, 1), dilation=(1, 2, 1)),
    dict(padding="same", dilation=(2, 1, 1)),
    dict(groups=2, padding="valid"),
])
def test_conv3d_first_and_second_derivatives(kwargs):
    x, w, b = _t(2, 4, 4, 5, 4), _t(2, 4 // kwargs.get("groups", 1), 2, 3, 2, seed=1), _t(2, seed=2)
    fn = lambda x, w, b: F.conv3d(x, w, b, **kwargs)  # noqa: E731
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(stride=(2, 1, 2), padding=(1, 0, 0), output_padding=(1, 0, 1)),
    dict(groups=2, dilation=(1, 2, 1)),
])
def test_conv_transpose3d_first_and_second_derivatives(kwargs):
    x, w, b = _t(1, 4, 3, 2, 3), _t(4, 2, 2, 2, 3, seed=1), _t(2 * kwargs.get("groups", 1), seed=2)
    fn = lambda x, w, b: F.conv_transpose3d(x, w, b, **kwargs)  # noqa: E731
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_conv_transpose3d_is_the_adjoint_of_conv3d():
    x, w = _t(2, 3, 5, 4, 6, requires_grad=False), _t(4, 3, 3, 2, 3, seed=1, requires_grad=False)
    y = F.conv3d(x, w, stride=2, padding=1)
    g = _t(*y.shape, seed=2, requires_grad=False)
    back = F.conv_transpose3d(g, w, stride=2, padding=1, output_padding=(0, 0, 1))
    assert back.shape == x.shape
    np.testing.assert_allclose((y * g).sum().item(), (x * back).sum().item(), rtol=1e-10)


@pytest.mark.parametrize("fn", [
    lambda x: F.max_pool3d(x, 2),
    lambda x: F.max_pool3d(x, (3, 2, 2), stride=(2, 1, 2), padding=1, dilation=(1, 2, 1), ceil_mode=True),
    lambda x: F.avg_pool3d(x, 2, stride=1),
    lambda x: F.avg_pool3d(x, 3, stride=2, padding=1, count_include_pad=False, ceil_mode=True),
    lambda x: F.avg_pool3d(x, (2, 3, 2), padding=(1, 1, 0), divisor_override=5),
    lambda x: F.adaptive_avg_pool3d(x, (2, 3, None)),
    lambda x: F.adaptive_avg_pool3d(x, 1),
    lambda x: F.adaptive_max_pool3d(x, (2, 1, 3)),
], ids=["max", "max-geometry", "avg", "avg-exclude-pad", "avg-divisor", "adaptive-avg", "adaptive-avg-global",
        "adaptive-max"])
def test_pools_first_and_second_derivatives(fn):
    x = autograd.tensor(np.random.default_rng(3).permutation(2 * 2 * 4 * 5 * 6).reshape(2, 2, 4, 5, 6) / 10.0,
                        requires_grad=True)  # distinct values: no ties for max pooling
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_unbatched_inputs_give_the_batched_result():
    x, w, b = _t(3, 4, 5, 4, requires_grad=False), _t(2, 3, 2, 2, 2, seed=1), _t(2, seed=2)
    calls = [lambda x: F.conv3d(x, w, b, padding=1), lambda x: F.conv_transpose3d(x, w.transpose(0, 1), None, 2),
             lambda x: F.max_pool3d(x, 2, padding=1), lambda x: F.avg_pool3d(x, 2), lambda x: F.adaptive_avg_pool3d(x, 2),
             lambda x: F.adaptive_max_pool3d(x, 2)]
    for call in calls:
        np.testing.assert_allclose(call(x)._data, call(x.unsqueeze(0)).squeeze(0)._data)
    values, index = F.max_pool3d(x, 2, return_indices=True)
    assert index.shape == values.shape == (3, 2, 2, 2)
    flat = x._data.reshape(3, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, index._data.reshape(3, -1), 1).reshape(values.shape),
                                  values._data)
    v2, i2 = F.max_pool3d_with_indices(x, 2)
    np.testing.assert_array_equal(i2._data, index._data)
    v3, i3 = F.adaptive_max_pool3d_with_indices(x, 2)
    np.testing.assert_array_equal(np.take_along_axis(flat, i3._data.reshape(3, -1), 1).reshape(v3.shape), v3._data)


@pytest.mark.parametrize("call,match", [
    (lambda: F.conv3d(_t(1, 1, 3, 3, 3), _t(1, 1, 4, 2, 2)), r"conv3d: .*which is < 1"),
    (lambda: F.conv3d(_t(2, 3, 3), _t(1, 2, 2, 2, 2)), r"conv3d: expected a 5-d input \(N, C, D, H, W\)"),
    (lambda: F.conv3d(_t(1, 2, 3, 3, 3), _t(1, 2, 2, 2)), r"conv3d: expected a 5-d weight"),
    (lambda: F.conv3d(_t(1, 2, 3, 3, 3), _t(1, 2, 2, 2, 2), stride=(1, 0, 1)), r"conv3d: stride must be positive"),
    (lambda: F.conv3d(_t(1, 2, 3, 3, 3), _t(1, 2, 2, 2, 2), padding=(1, 1)), r"conv3d: padding must be .* 3 ints"),
    (lambda: F.conv3d(_t(1, 2, 3, 3, 3), _t(1, 2, 2, 2, 2), padding=-1), r"conv3d: padding must be non-negative"),
    (lambda: F.conv3d(_t(1, 2, 3, 3, 3), _t(1, 2, 0, 2, 2)), r"conv3d: kernel size should be greater than zero"),
    (lambda: F.conv_transpose3d(_t(1, 2, 3, 3, 3), _t(2, 1, 2, 2, 2), stride=2, output_padding=2),
     r"conv_transpose3d: output_padding"),
    (lambda: F.max_pool3d(_t(1, 1, 2, 2, 2), 3), r"max_pool3d: .*which is < 1"),
    (lambda: F.max_pool3d(_t(1, 1, 4, 4, 4), 0), r"max_pool3d: kernel_size must be positive"),
    (lambda: F.max_pool3d(_t(1, 4, 4, 4), 2, padding=2), r"max_pool3d: pad should be at most half"),
    (lambda: F.max_pool3d(_t(4, 4, 4), 2), r"max_pool3d: expected a 5-d input .* or 4-d"),
    (lambda: F.avg_pool3d(_t(1, 1, 4, 4, 4), 2, padding=-1), r"avg_pool3d: padding must be non-negative"),
    (lambda: F.adaptive_avg_pool3d(_t(1, 4, 4, 4), (2, 2)), r"adaptive_avg_pool3d: output_size must be .* triple"),
    (lambda: F.adaptive_max_pool3d(_t(4, 4), 2), r"adaptive_max_pool3d: expected a 4-d or 5-d input"),
    (lambda: nn.Conv3d(3, 4, 3)(_t(3, 4, 4, dtype=np.float32)), r"conv3d: expected a 5-d input"),
])
def test_errors_name_the_function_and_the_argument(call, match):
    with pytest.raises((RuntimeError, ValueError, TypeError), match=match):
        call()


def test_layers_parameters_shapes_and_reprs():
    conv = nn.Conv3d(4, 6, (3, 2, 1), stride=2, padding=1, groups=2, bias=False)
    assert conv.weight.shape == (6, 2, 3, 2, 1) and conv.bias is None
    assert repr(conv) == "Conv3d(4, 6, kernel_size=(3, 2, 1), stride=(2, 2, 2), padding=(1, 1, 1), groups=2, bias=False)"
    bound = 1 / np.sqrt(2 * 3 * 2)
    assert np.abs(conv.weight._data).max() <= bound
    up = nn.ConvTranspose3d(4, 2, 2, stride=2)
    assert up.weight.shape == (4, 2, 2, 2, 2) and up.bias.shape == (2,)
    x = _t(1, 4, 2, 3, 2, dtype=np.float32)
    assert up(x).shape == (1, 2, 4, 6, 4)
    assert up(x, output_size=(5, 7, 5)).shape == (1, 2, 5, 7, 5)
    assert nn.Conv3d(4, 2, 3, padding="same", padding_mode="circular")(x).shape == (1, 2, 2, 3, 2)
    y = _t(2, 3, 4, 5, 6, dtype=np.float32)
    assert nn.MaxPool3d(2)(y).shape == (2, 3, 2, 2, 3)
    assert nn.MaxPool3d(2, return_indices=True)(y)[1].shape == (2, 3, 2, 2, 3)
    assert nn.AvgPool3d(3, 1, 1)(y).shape == y.shape
    assert nn.AdaptiveAvgPool3d((1, None, 2))(y).shape == (2, 3, 1, 5, 2)
    assert nn.AdaptiveMaxPool3d(2, return_indices=True)(y)[0].shape == (2, 3, 2, 2, 2)
    assert repr(nn.MaxPool3d(2)) == "MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(nn.AvgPool3d(2)) == "AvgPool3d(kernel_size=2, stride=2, padding=0)"


def test_lazy_3d_layers_and_instance_norms_take_their_size_from_the_first_input():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layers = [(nn.LazyConv3d(4, 2), nn.Conv3d, (4, 3, 2, 2, 2)),
                  (nn.LazyConvTranspose3d(4, 2), nn.ConvTranspose3d, (3, 4, 2, 2, 2)),
                  (nn.LazyBatchNorm3d(), nn.BatchNorm3d, (3,)),
                  (nn.LazyInstanceNorm1d(), nn.InstanceNorm1d, (3,)),
                  (nn.LazyInstanceNorm2d(), nn.InstanceNorm2d, (3,)),
                  (nn.LazyInstanceNorm3d(), nn.InstanceNorm3d, (3,))]
    for layer, cls, weight_shape in layers:
        dims = {nn.InstanceNorm1d: 1, nn.InstanceNorm2d: 2}.get(cls, 3)
        out = layer(_t(2, 3, *(3,) * dims, dtype=np.float32))
        assert type(layer) is cls and layer.weight.shape == weight_shape, layer
        assert out.shape[:1] == (2,)
    norm = nn.LazyInstanceNorm3d()
    norm(_t(2, 3, 2, 2, 2, dtype=np.float32))
    assert repr(norm) == ("InstanceNorm3d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, "
                          "track_running_stats=True)")
    np.testing.assert_array_equal(norm.weight._data, np.ones(3))
    assert norm.running_mean.shape == (3,) and not np.allclose(norm.running_mean._data, 0)
