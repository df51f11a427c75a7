"""Initialisers: statistics match the formulas, runs are reproducible, tensors are filled in place."""
import math

import numpy as np
import pytest

import autograd
import nn
from nn import init

SHAPE = (400, 250)  # 100k samples: the standard error of a std estimate is ~0.2%
FAN_IN, FAN_OUT = SHAPE[1], SHAPE[0]


def _big(dtype="float64"):
    return nn.Parameter(autograd.zeros(*SHAPE, dtype=dtype))


def _uniform_std(bound):
    return bound / math.sqrt(3)


# name -> (call, expected mean, expected std)
CASES = {
    "uniform": (lambda t: init.uniform_(t, -2, 4), 1.0, 6 / math.sqrt(12)),
    "normal": (lambda t: init.normal_(t, 0.5, 2.0), 0.5, 2.0),
    "xavier_uniform": (lambda t: init.xavier_uniform_(t, gain=2.0), 0.0, 2.0 * math.sqrt(2 / (FAN_IN + FAN_OUT))),
    "xavier_normal": (lambda t: init.xavier_normal_(t, gain=0.5), 0.0, 0.5 * math.sqrt(2 / (FAN_IN + FAN_OUT))),
    "kaiming_uniform": (lambda t: init.kaiming_uniform_(t), 0.0, math.sqrt(2 / (1 + 0.01**2)) / math.sqrt(FAN_IN)),
    "kaiming_uniform_relu_out": (lambda t: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"), 0.0,
                                 math.sqrt(2) / math.sqrt(FAN_OUT)),
    "kaiming_normal": (lambda t: init.kaiming_normal_(t, a=0.2), 0.0, math.sqrt(2 / 1.04) / math.sqrt(FAN_IN)),
    "kaiming_normal_fan_out": (lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"), 0.0,
                               math.sqrt(2 / FAN_OUT)),
    "orthogonal": (lambda t: init.orthogonal_(t, gain=3.0), 0.0, 3.0 / math.sqrt(SHAPE[0])),
}


@pytest.mark.parametrize("name", CASES)
def test_sample_statistics_match_the_formula(name):
    call, mean, std = CASES[name]
    t = call(_big())
    n = t.numel()
    # mean within 5 standard errors; std within 5 standard errors of a std estimate (≈ std/√(2n))
    assert abs(t._data.mean() - mean) < 5 * std / math.sqrt(n)
    assert abs(t._data.std() - std) < 5 * std / math.sqrt(2 * n) * 1.5
    if name == "orthogonal":  # rows are orthonormal (shape[0] ≥ shape[1] here: columns are)
        q = t._data / 3.0
        np.testing.assert_allclose(q.T @ q, np.eye(SHAPE[1]), atol=1e-10)


def test_uniform_bounds_follow_the_formulas():
    t = init.kaiming_uniform_(_big(), a=math.sqrt(5))
    bound = 1 / math.sqrt(FAN_IN)  # gain √(2/6) · √3 / √fan_in: PyTorch's Linear default
    assert -bound <= t._data.min() < -0.99 * bound and 0.99 * bound < t._data.max() <= bound
    t = init.xavier_uniform_(_big())
    bound = math.sqrt(6 / (FAN_IN + FAN_OUT))
    assert -bound <= t._data.min() and t._data.max() <= bound


def test_trunc_normal_statistics_and_bounds():
    a, b, mean, std = -1.0, 2.0, 0.5, 1.0
    t = init.trunc_normal_(_big(), mean, std, a, b)
    assert t._data.min() >= a and t._data.max() <= b
    phi = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))
    alpha, beta = (a - mean) / std, (b - mean) / std
    z = cdf(beta) - cdf(alpha)
    expected_mean = mean + std * (phi(alpha) - phi(beta)) / z
    expected_var = std**2 * (1 + (alpha * phi(alpha) - beta * phi(beta)) / z - ((phi(alpha) - phi(beta)) / z) ** 2)
    n = t.numel()
    assert abs(t._data.mean() - expected_mean) < 5 * math.sqrt(expected_var / n)
    assert abs(t._data.var() - expected_var) < 0.02 * expected_var
    with pytest.raises(ValueError, match="a < b"):
        init.trunc_normal_(_big(), a=1.0, b=0.0)


def test_constant_fills_and_eye():
    t = autograd.zeros(3, 4)
    assert init.constant_(t, 2.5)._data.tolist() == [[2.5] * 4] * 3
    assert init.ones_(t)._data.sum() == 12 and init.zeros_(t)._data.sum() == 0
    np.testing.assert_array_equal(init.eye_(t)._data, np.eye(3, 4))
    with pytest.raises(ValueError, match="2-D"):
        init.eye_(autograd.zeros(3))


@pytest.mark.parametrize("name", CASES)
def test_in_place_same_array_same_dtype_version_bumped(name):
    call = CASES[name][0]
    p = nn.Parameter(autograd.zeros(6, 5))
    array, version = p._data, p._version
    assert call(p) is p
    assert p._data is array and p.dtype == np.float32 and p._version > version and p.requires_grad and p.is_leaf


@pytest.mark.parametrize("name", CASES)
def test_seeded_runs_are_bit_for_bit_reproducible(name):
    call = CASES[name][0]
    autograd.manual_seed(123)
    first = call(autograd.zeros(7, 5))._data.copy()
    autograd.manual_seed(123)
    second = call(autograd.zeros(7, 5))._data
    assert first.tobytes() == second.tobytes()
    autograd.manual_seed(7)
    w1 = nn.Linear(5, 7).weight._data.copy()
    autograd.manual_seed(7)
    assert nn.Linear(5, 7).weight._data.tobytes() == w1.tobytes()


def test_calculate_gain():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "big")


def test_fans_include_the_receptive_field_of_conv_weights():
    assert init._calculate_fan_in_and_fan_out(autograd.zeros(8, 3)) == (3, 8)
    assert init._calculate_fan_in_and_fan_out(autograd.zeros(16, 3, 5, 5)) == (75, 400)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.kaiming_normal_(autograd.zeros(5))
    with pytest.raises(ValueError, match="fan_in, fan_out"):
        init.kaiming_normal_(autograd.zeros(2, 2), mode="fan_avg")


def test_conv_shaped_kaiming_std():
    t = init.kaiming_normal_(autograd.zeros(64, 16, 5, 5, dtype="float64"), nonlinearity="relu")
    assert abs(t._data.std() - math.sqrt(2 / (16 * 25))) < 0.02 * math.sqrt(2 / (16 * 25))


def test_orthogonal_wide_matrix_has_orthonormal_rows():
    t = init.orthogonal_(autograd.zeros(3, 8, dtype="float64"))
    np.testing.assert_allclose(t._data @ t._data.T, np.eye(3), atol=1e-12)


def test_generator_argument_and_no_global_side_effects():
    rng = np.random.default_rng(0)
    autograd.manual_seed(5)
    expected = autograd.rand(3)._data.copy()
    autograd.manual_seed(5)
    init.normal_(autograd.zeros(4), generator=rng)
    np.testing.assert_array_equal(autograd.rand(3)._data, expected)


def test_dirac_sparse_eye_and_gains_as_pytorch():
    torch = pytest.importorskip("torch")
    for shape, groups in (((4, 2, 3), 1), ((6, 3, 3, 3), 2), ((2, 4, 1, 3, 3), 1)):
        ours = init.dirac_(autograd.zeros(*shape), groups)
        theirs = torch.nn.init.dirac_(torch.zeros(*shape), groups)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    x = nn.Linear(5, 3).double()
    init.dirac_(conv := nn.Conv1d(2, 2, 3, padding=1, bias=False).weight)
    signal = autograd.randn(1, 2, 6)
    np.testing.assert_allclose(nn.functional.conv1d(signal, conv, padding=1).detach().numpy(), signal.numpy(), atol=1e-6)
    assert np.array_equal(init.eye_(x.weight).detach().numpy(), np.eye(3, 5))
    for name, param in [("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None), ("conv_transpose1d", None)]:
        assert init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param)
    weights = init.sparse_(_big(), sparsity=0.3, std=0.5)._data
    assert np.all((weights == 0).sum(0) == math.ceil(0.3 * SHAPE[0]))
    assert abs(weights[weights != 0].std() - 0.5) < 0.01
    with pytest.raises(ValueError, match="2 dimensions"):
        init.sparse_(autograd.zeros(2, 2, 2), 0.5)


def test_trunc_normal_bounds_and_deprecated_names():
    t = init.trunc_normal_(_big(), mean=1.0, std=2.0, a=0.0, b=3.0)._data
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    expected = 1.0 + 2.0 * (pdf(-0.5) - pdf(1.0)) / (cdf(1.0) - cdf(-0.5))  # the truncated normal's mean
    assert t.min() >= 0.0 and t.max() <= 3.0 and abs(t.mean() - expected) < 0.01  # 4 standard errors
    with pytest.warns(UserWarning, match="more than 2 std"):
        init.trunc_normal_(autograd.zeros(3), mean=4.5, std=1.0)
    with pytest.warns(FutureWarning, match="nn.init.xavier_uniform` is now deprecated in favor of"):
        init.xavier_uniform(autograd.zeros(3, 4))
    w = nn.Parameter(autograd.zeros(3, 4))
    version = w._version
    assert init.normal_(w) is w and w._version > version and w.requires_grad
