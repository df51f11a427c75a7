"""In-place activations and dropout (inplace=True really writes into the input, as PyTorch, or is refused
where PyTorch refuses), rrelu, glu and the channel alpha dropout."""
import numpy as np
import pytest
from oracle import check_derivatives, check_function

import autograd as ag
import nn
import nn.functional as F

INPLACE = [("selu", {}), ("celu", {"alpha": 1.3}), ("silu", {}), ("mish", {}), ("hardsigmoid", {}), ("hardswish", {}),
           ("threshold", {"threshold": 0.2, "value": -1.0}), ("elu", {"alpha": 0.7}), ("leaky_relu", {}),
           ("hardtanh", {}), ("relu6", {}), ("relu", {})]


@pytest.mark.parametrize("name, kwargs", INPLACE, ids=[n for n, _ in INPLACE])
def test_inplace_writes_into_the_input_and_keeps_the_gradient(name, kwargs):
    x = ag.tensor(np.linspace(-4, 4, 12), requires_grad=True)
    fn = getattr(F, name)
    expected = fn(x * 1.0, **kwargs)
    y = x * 1.0
    out = fn(y, **kwargs, inplace=True)
    assert out is y and y._version > 0
    np.testing.assert_array_equal(y.detach().numpy(), expected.detach().numpy())
    (g_expected,) = ag.grad(expected.sum(), x)
    (g,) = ag.grad(out.sum(), x)
    np.testing.assert_array_equal(g.numpy(), g_expected.numpy())
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        fn(x, **kwargs, inplace=True)


UNDERSCORE = [("elu_", "elu"), ("celu_", "celu"), ("selu_", "selu"), ("leaky_relu_", "leaky_relu"),
              ("hardtanh_", "hardtanh"), ("rrelu_", "rrelu")]


@pytest.mark.parametrize("name, out_of_place", UNDERSCORE, ids=[n for n, _ in UNDERSCORE])
def test_underscore_forms_write_into_the_input(name, out_of_place):
    x = ag.tensor([-1.0, 0.5, 2.0])
    expected = getattr(F, out_of_place)(ag.tensor([-1.0, 0.5, 2.0])).tolist()
    out = getattr(F, name)(x)
    assert out is x and x._version == 1 and x.tolist() == expected
    y = ag.tensor([0.1, 0.75])
    assert F.threshold_(y, 0.5, -2.0) is y and y.tolist() == [-2.0, 0.75]


def test_inplace_on_a_tensor_saved_for_backward_is_caught():
    x = ag.tensor([-1.0, 2.0], requires_grad=True)
    y = x * 1.0
    z = y * y  # saves y
    F.selu(y, inplace=True)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


@pytest.mark.parametrize("module, functional", [(nn.SELU, "selu"), (nn.SiLU, "silu"), (nn.Mish, "mish"),
                                                (nn.Hardswish, "hardswish"), (nn.Hardsigmoid, "hardsigmoid"),
                                                (nn.CELU, "celu")])
def test_modules_honour_inplace(module, functional):
    y = ag.tensor([-2.0, 0.3, 4.0])
    expected = getattr(F, functional)(y).tolist()
    out = module(inplace=True)(y)
    assert out is y and y.tolist() == expected
    assert module()(ag.tensor([1.0])) is not None


@pytest.mark.parametrize("fn", [F.dropout, F.alpha_dropout, F.dropout1d, F.dropout2d, F.dropout3d,
                                F.feature_alpha_dropout])
def test_dropout_family_inplace(fn):
    shape = {F.dropout3d: (2, 3, 4, 5, 6), F.dropout1d: (2, 3, 40)}.get(fn, (2, 3, 4, 5))
    ag.manual_seed(3)
    expected = fn(ag.ones(*shape), 0.5, training=True).numpy()
    ag.manual_seed(3)
    y = ag.ones(*shape)
    out = fn(y, 0.5, training=True, inplace=True)
    assert out is y and y._version > 0
    np.testing.assert_array_equal(y.numpy(), expected)
    assert not np.all(expected == 1)


def test_dropout_modules_honour_inplace():
    for module in (nn.Dropout, nn.AlphaDropout, nn.Dropout2d, nn.FeatureAlphaDropout):
        y = ag.ones(4, 3, 5, 5)
        assert module(0.5, inplace=True)(y) is y and not np.all(y.numpy() == 1)


def test_feature_alpha_dropout_drops_whole_channels_and_keeps_moments():
    ag.manual_seed(0)
    x = ag.randn(400, 50, 3, dtype=ag.float64)
    out = F.feature_alpha_dropout(x, 0.3, training=True).numpy()
    ratio = out / np.where(x.numpy() == 0, 1, x.numpy())
    spread = out - out.mean(-1, keepdims=True)
    dropped = np.all(np.abs(spread) < 1e-12, axis=-1)  # a dropped channel is one constant value
    assert 0.25 < dropped.mean() < 0.35
    assert np.ptp(ratio[~dropped], axis=-1).max() < 1e12  # kept channels: one affine map per channel
    assert abs(out.mean()) < 0.05 and abs(out.std() - 1) < 0.05
    assert F.feature_alpha_dropout(x, 0.3, training=False) is x


def test_rrelu():
    x = ag.tensor(np.linspace(-3, 3, 2000), requires_grad=True)
    np.testing.assert_allclose(F.rrelu(x).detach().numpy(), F.leaky_relu(x, (1 / 8 + 1 / 3) / 2).detach().numpy())
    ag.manual_seed(1)
    out = F.rrelu(x, 0.1, 0.3, training=True)
    slope = out.detach().numpy()[:1000] / x.detach().numpy()[:1000]
    assert slope.min() >= 0.1 and slope.max() <= 0.3 and np.ptp(slope) > 0.15
    np.testing.assert_array_equal(out.detach().numpy()[1000:], x.detach().numpy()[1000:])
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy()[:1000], slope, rtol=1e-12)
    np.testing.assert_array_equal(x.grad.numpy()[1000:], 1.0)
    assert repr(nn.RReLU(0.1, 0.3, inplace=True)) == "RReLU(lower=0.1, upper=0.3, inplace=True)"
    with pytest.raises(ValueError, match="lower <= upper"):
        F.rrelu(x, 0.5, 0.1)


def test_glu_against_torch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((3, 4, 2))
    for dim in (-1, 1):
        check_function(lambda t, d=dim: F.glu(t, d), lambda t, d=dim: torch.nn.functional.glu(t, d), [x])
    check_derivatives(lambda t: F.glu(t, 1), [x])
    assert repr(nn.GLU()) == "GLU(dim=-1)"
    with pytest.raises(RuntimeError, match="halving dimension must be even"):
        F.glu(ag.randn(3, 3))
