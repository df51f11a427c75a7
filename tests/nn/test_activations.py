"""Activations: one table drives value, gradient and second-derivative checks for every function and module."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd
import nn
import nn.functional as F
from autograd import gradcheck, gradgradcheck

SELU_ALPHA, SELU_SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softmax(x, dim):
    e = np.exp(x - x.max(dim, keepdims=True))
    return e / e.sum(dim, keepdims=True)


_erf = np.vectorize(math.erf)
_softplus = lambda x, beta=1.0, threshold=20.0: np.where(x * beta > threshold, x, np.log1p(np.exp(beta * x)) / beta)

# name -> (functional call, module, numpy reference). Every activation module in nn.layers.activation must be here.
ACTIVATIONS = {
    "relu": (F.relu, nn.ReLU(), lambda x: np.maximum(x, 0)),
    "relu6": (F.relu6, nn.ReLU6(), lambda x: np.clip(x, 0, 6)),
    "leaky_relu": (lambda x: F.leaky_relu(x, 0.2), nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    "elu": (lambda x: F.elu(x, 0.7), nn.ELU(0.7), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    "selu": (F.selu, nn.SELU(), lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))),
    "celu": (lambda x: F.celu(x, 1.5), nn.CELU(1.5), lambda x: np.maximum(x, 0) + np.minimum(0, 1.5 * np.expm1(x / 1.5))),
    "gelu": (F.gelu, nn.GELU(), lambda x: x * 0.5 * (1 + _erf(x / math.sqrt(2)))),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), nn.GELU("tanh"),
                  lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))),
    "silu": (F.silu, nn.SiLU(), lambda x: x * _sigmoid(x)),
    "mish": (F.mish, nn.Mish(), lambda x: x * np.tanh(np.log1p(np.exp(x)))),
    "sigmoid": (F.sigmoid, nn.Sigmoid(), _sigmoid),
    "tanh": (F.tanh, nn.Tanh(), np.tanh),
    "logsigmoid": (F.logsigmoid, nn.LogSigmoid(), lambda x: -np.log1p(np.exp(-x))),
    "softplus": (lambda x: F.softplus(x, 2.0, 3.0), nn.Softplus(2.0, 3.0), lambda x: _softplus(x, 2.0, 3.0)),
    "softsign": (F.softsign, nn.Softsign(), lambda x: x / (1 + np.abs(x))),
    "hardtanh": (lambda x: F.hardtanh(x, -0.5, 0.8), nn.Hardtanh(-0.5, 0.8), lambda x: np.clip(x, -0.5, 0.8)),
    "hardsigmoid": (F.hardsigmoid, nn.Hardsigmoid(), lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    "hardswish": (F.hardswish, nn.Hardswish(), lambda x: x * np.clip(x + 3, 0, 6) / 6),
    "softmax": (lambda x: F.softmax(x, dim=-1), nn.Softmax(dim=-1), lambda x: _softmax(x, -1)),
    "softmax_dim0": (lambda x: F.softmax(x, dim=0), nn.Softmax(dim=0), lambda x: _softmax(x, 0)),
    "log_softmax": (lambda x: F.log_softmax(x, dim=1), nn.LogSoftmax(dim=1), lambda x: np.log(_softmax(x, 1))),
    "softmin": (lambda x: F.softmin(x, dim=1), nn.Softmin(dim=1), lambda x: _softmax(-x, 1)),
    "threshold": (lambda x: F.threshold(x, 0.1, -2.0), nn.Threshold(0.1, -2.0), lambda x: np.where(x > 0.1, x, -2.0)),
    "tanhshrink": (F.tanhshrink, nn.Tanhshrink(), lambda x: x - np.tanh(x)),
    "softshrink": (F.softshrink, nn.Softshrink(), lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0))),
    "hardshrink": (F.hardshrink, nn.Hardshrink(), lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    "rrelu (eval)": (lambda x: F.rrelu(x, 0.1, 0.3), nn.RReLU(0.1, 0.3).eval(), lambda x: np.where(x > 0, x, 0.2 * x)),
    "glu": (F.glu, nn.GLU(), lambda x: x[..., :x.shape[-1] // 2] * _sigmoid(x[..., x.shape[-1] // 2:])),
}


def _input(shape=(3, 4), seed=0, scale=2.0, dtype=np.float64):
    """Values away from kinks (|x - k| > 0.02 for the kink points used above), so finite differences are valid."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-scale, scale, shape)
    kinks = np.array([0.0, 0.1, -0.5, 0.5, 0.8, -3.0, 3.0])
    near = np.abs(x[..., None] - kinks).min(-1) < 0.05
    x[near] += 0.1
    return autograd.tensor(x.astype(dtype), requires_grad=True)


def test_every_activation_is_in_the_table():
    tested = {type(module) for _, module, _ in ACTIVATIONS.values()} | {nn.PReLU, nn.Softmax2d}
    exported = {getattr(nn.layers.activation, name) for name in nn.layers.activation.__all__}
    assert exported <= tested, f"activation modules without test entries: {exported - tested}"
    functions = set(F.activation.__all__) - {"relu_", "prelu", "normalize"}  # those three are tested below
    assert functions <= set(ACTIVATIONS), f"activation functions without test entries: {functions - set(ACTIVATIONS)}"


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_values_match_reference(name):
    fn, module, reference = ACTIVATIONS[name]
    x = _input(scale=4.0)
    expected = reference(x._data)
    np.testing.assert_allclose(fn(x)._data, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(module(x)._data, expected, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_float32_stays_float32(name):
    fn, module, _ = ACTIVATIONS[name]
    x = _input(dtype=np.float32)
    assert fn(x).dtype == np.float32
    assert module(x).dtype == np.float32


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_gradcheck_and_gradgradcheck(name):
    fn, module, _ = ACTIVATIONS[name]
    x = _input(seed=1)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))
    assert gradcheck(module, (x,))
    assert gradgradcheck(module, (x,))


@given(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.sampled_from(sorted(ACTIVATIONS)))
def test_gradcheck_random_shapes(shape, name):
    fn, _, reference = ACTIVATIONS[name]
    if name == "softmax_dim0" or name in ("log_softmax", "softmin") and len(shape) < 2:
        shape = shape + [2] * (2 - len(shape))
    if name == "glu":
        shape[-1] *= 2
    x = _input(tuple(shape), seed=len(shape))
    np.testing.assert_allclose(fn(x)._data, reference(x._data), rtol=1e-10, atol=1e-12)
    assert gradcheck(fn, (x,))


@pytest.mark.parametrize("num_parameters", [1, 3])
def test_prelu_learnable_slope(num_parameters):
    layer = nn.PReLU(num_parameters).double()
    assert layer.weight.shape == (num_parameters,) and np.all(layer.weight._data == 0.25)
    x = _input((2, 3, 2), seed=3)
    slope = layer.weight._data.reshape(-1, 1) if num_parameters == 3 else layer.weight._data
    np.testing.assert_allclose(layer(x)._data, np.where(x._data > 0, x._data, slope * x._data))
    assert gradcheck(lambda x, w: F.prelu(x, w), (x, layer.weight))
    assert gradgradcheck(lambda x, w: F.prelu(x, w), (x, layer.weight))
    layer(x).sum().backward()
    assert layer.weight.grad is not None and np.any(layer.weight.grad._data != 0)


def test_softmax2d_normalises_over_channels():
    x = _input((2, 3, 2, 2), seed=4)
    np.testing.assert_allclose(nn.Softmax2d()(x)._data, _softmax(x._data, 1), rtol=1e-12)
    np.testing.assert_allclose(nn.Softmax2d()(x[0])._data, _softmax(x._data[0], 0), rtol=1e-12)
    assert gradgradcheck(nn.Softmax2d(), (x,))
    with pytest.raises(ValueError, match="3 or 4 dimensions"):
        nn.Softmax2d()(x[0, 0])


def test_prelu_channel_mismatch_is_explained():
    with pytest.raises(RuntimeError, match="prelu: weight has 3 parameters .* 4 channels"):
        nn.PReLU(3)(autograd.randn(2, 4))


def test_hardtanh_gradient_passes_strictly_inside():
    x = autograd.tensor([-1.0, -0.5, 0.0, 1.0, 2.0], requires_grad=True)
    F.hardtanh(x).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [0, 1, 1, 0, 0])
    y = autograd.tensor([0.0, 3.0, 6.0], requires_grad=True)
    F.relu6(y).sum().backward()
    np.testing.assert_array_equal(y.grad._data, [0, 1, 0])


def test_relu_gradient_at_zero_is_zero():
    x = autograd.tensor([-1.0, 0.0, 2.0], requires_grad=True)
    F.relu(x).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [0, 0, 1])


def test_inplace_variants_write_into_the_input():
    x = autograd.tensor([-1.0, 2.0])
    assert F.relu(x, inplace=True) is x and x.tolist() == [0.0, 2.0]
    y = autograd.tensor([-3.0, 0.5, 3.0])
    assert F.hardtanh(y, inplace=True) is y and y.tolist() == [-1.0, 0.5, 1.0]


def test_softmax_without_dim_warns_and_uses_pytorch_legacy_choice():
    x = _input((2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension"):
        out = F.softmax(x)
    np.testing.assert_allclose(out._data.sum(1), 1.0)


def test_softmax_is_stable_for_large_logits():
    x = autograd.tensor([[1000.0, 0.0, -1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_allclose(F.softmax(x, dim=1)._data, [[1, 0, 0]], atol=1e-30)
        assert np.isfinite(F.log_softmax(x, dim=1)._data).all()


def test_normalize():
    x = _input((3, 4), seed=5)
    out = F.normalize(x, dim=1)
    np.testing.assert_allclose(np.linalg.norm(out._data, axis=1), 1.0)
    assert gradcheck(lambda t: F.normalize(t, dim=1), (x,))
    assert gradgradcheck(lambda t: F.normalize(t, dim=1), (x,))


@pytest.mark.parametrize("module, text", [
    (nn.ReLU(), "ReLU()"), (nn.ReLU(inplace=True), "ReLU(inplace=True)"),
    (nn.LeakyReLU(), "LeakyReLU(negative_slope=0.01)"), (nn.LeakyReLU(0.2, True), "LeakyReLU(negative_slope=0.2, inplace=True)"),
    (nn.PReLU(), "PReLU(num_parameters=1)"), (nn.ELU(), "ELU(alpha=1.0)"), (nn.Sigmoid(), "Sigmoid()"),
    (nn.Tanh(), "Tanh()"), (nn.Softmax(dim=1), "Softmax(dim=1)"), (nn.LogSoftmax(dim=-1), "LogSoftmax(dim=-1)"),
    (nn.GELU(), "GELU(approximate='none')"), (nn.GELU("tanh"), "GELU(approximate='tanh')"), (nn.SiLU(), "SiLU()"),
    (nn.Softplus(), "Softplus(beta=1.0, threshold=20.0)"), (nn.Softsign(), "Softsign()"),
    (nn.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)"), (nn.ReLU6(), "ReLU6()"),
])
def test_extra_repr_matches_pytorch(module, text):
    assert repr(module) == text


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")
    with pytest.raises(ValueError, match="min_val"):
        nn.Hardtanh(1.0, -1.0)
    with pytest.raises(TypeError, match="relu: expected a Tensor"):
        F.relu(np.ones(3))
