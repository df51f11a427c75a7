"""Losses (nn/functional/loss.py, nn/layers/loss.py): values against numpy references, first and
second derivatives by finite differences, stability at extreme logits, and the errors for bad targets."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd import gradcheck, gradgradcheck
from nn.functional import loss as F
from nn.layers import loss as L

REDUCTIONS = ["mean", "sum", "none"]


def _reduce(values, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](values)


def _log_softmax(x, axis=1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def _double(array, requires_grad=True):
    return ag.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


def _check_derivatives(fn, *inputs):
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


# --------------------------------------------------------------------------- values
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_match_their_formulas(reduction):
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((4, 3)) * 2, rng.standard_normal((4, 3)) * 2
    d = x - y
    a = np.abs(d)
    expected = {
        "mse": d ** 2,
        "l1": a,
        "huber": np.where(a < 0.8, 0.5 * d ** 2, 0.8 * (a - 0.4)),
        "smooth_l1": np.where(a < 0.8, 0.5 * d ** 2 / 0.8, a - 0.4),
    }
    got = {
        "mse": F.mse_loss(ag.tensor(x), ag.tensor(y), reduction=reduction),
        "l1": F.l1_loss(ag.tensor(x), ag.tensor(y), reduction=reduction),
        "huber": F.huber_loss(ag.tensor(x), ag.tensor(y), reduction, 0.8),
        "smooth_l1": F.smooth_l1_loss(ag.tensor(x), ag.tensor(y), reduction=reduction, beta=0.8),
    }
    for name in expected:
        np.testing.assert_allclose(got[name]._data, _reduce(expected[name], reduction), rtol=1e-6, err_msg=name)


def test_smooth_l1_is_huber_divided_by_beta_and_l1_at_beta_zero():
    x, y = ag.tensor([0.1, -2.0, 0.5, 3.0]), ag.tensor([0.0, 0.0, 0.0, 0.0])
    np.testing.assert_allclose(F.smooth_l1_loss(x, y, beta=0.5)._data, F.huber_loss(x, y, delta=0.5)._data / 0.5, rtol=1e-6)
    np.testing.assert_allclose(F.smooth_l1_loss(x, y, beta=0.0)._data, F.l1_loss(x, y)._data)


def _cross_entropy_reference(x, target, weight, ignore_index, reduction, smoothing):
    """PyTorch's documented formula, spelled out element by element with numpy."""
    n_classes = x.shape[1]
    logp = _log_softmax(x)
    w = np.ones(n_classes) if weight is None else weight
    losses, weights = [], []
    for index in np.ndindex(target.shape):
        n, rest = index[0], index[1:]
        t = target[index]
        column = logp[(n, slice(None)) + rest]
        if t == ignore_index:
            losses.append(0.0)
            weights.append(0.0)
            continue
        nll = -w[t] * column[t]
        smooth = -(w * column).sum()
        losses.append((1 - smoothing) * nll + smoothing / n_classes * smooth)
        weights.append(w[t])
    losses = np.array(losses).reshape(target.shape)
    if reduction == "mean":
        return losses.sum() / np.sum(weights)
    return losses.sum() if reduction == "sum" else losses


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", [(6, 4), (2, 4, 3)])
def test_cross_entropy_matches_reference(reduction, smoothing, weighted, shape):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(shape) * 2
    target = rng.integers(0, 4, size=shape[:1] + shape[2:])
    target.flat[1] = 3
    target.flat[0] = -1  # ignored
    weight = rng.random(4) + 0.5 if weighted else None
    got = F.cross_entropy(_double(x), ag.tensor(target), None if weight is None else ag.tensor(weight),
                          ignore_index=-1, reduction=reduction, label_smoothing=smoothing)
    expected = _cross_entropy_reference(x, target, weight, -1, reduction, smoothing)
    np.testing.assert_allclose(got._data, expected, rtol=1e-12)


def test_cross_entropy_with_probability_targets_equals_one_hot_indices():
    rng = np.random.default_rng(2)
    x = ag.tensor(rng.standard_normal((5, 3)))
    target = np.array([0, 2, 1, 1, 0])
    one_hot = np.eye(3)[target].astype(np.float32)
    for smoothing in (0.0, 0.2):
        np.testing.assert_allclose(F.cross_entropy(x, ag.tensor(one_hot), label_smoothing=smoothing)._data,
                                   F.cross_entropy(x, ag.tensor(target), label_smoothing=smoothing)._data, rtol=1e-6)


def test_cross_entropy_probability_target_value():
    rng = np.random.default_rng(3)
    x, p = rng.standard_normal((4, 3)), rng.dirichlet(np.ones(3), size=4)
    weight = np.array([1.0, 2.0, 0.5])
    got = F.cross_entropy(_double(x), _double(p), ag.tensor(weight), reduction="none")
    np.testing.assert_allclose(got._data, -(p * weight * _log_softmax(x)).sum(1), rtol=1e-12)
    np.testing.assert_allclose(F.cross_entropy(_double(x), _double(p), ag.tensor(weight))._data,
                               -(p * weight * _log_softmax(x)).sum() / 4, rtol=1e-12)


def test_cross_entropy_unbatched_input_and_nll_after_log_softmax():
    x = _double([1.0, 2.0, 0.5])
    assert F.cross_entropy(x, ag.tensor(1)).shape == ()
    np.testing.assert_allclose(F.cross_entropy(x, ag.tensor(1))._data, -_log_softmax(x._data[None])[0, 1])
    batch = _double(np.random.default_rng(4).standard_normal((5, 3)))
    target = ag.tensor([0, 1, 2, 1, 1])
    np.testing.assert_allclose(F.nll_loss(batch.log_softmax(1), target)._data, F.cross_entropy(batch, target)._data,
                               rtol=1e-12)


def test_ignore_index_everywhere_gives_nan_loss_and_zero_gradient():
    x = _double(np.ones((2, 3)))
    loss = F.cross_entropy(x, ag.tensor([-100, -100]))
    assert np.isnan(loss.item())
    loss.backward()
    np.testing.assert_array_equal(x.grad._data, 0.0)


def test_perplexity_is_exp_of_mean_cross_entropy():
    """Uniform logits over C classes: cross-entropy log C, perplexity C."""
    loss = L.CrossEntropyLoss()(ag.zeros(7, 5), ag.tensor([0, 1, 2, 3, 4, 0, 1]))
    np.testing.assert_allclose(loss.exp().item(), 5.0, rtol=1e-6)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_values(reduction):
    rng = np.random.default_rng(5)
    p, t, w = rng.random((3, 4)), rng.random((3, 4)), rng.random((3, 4))
    expected = -w * (t * np.log(p) + (1 - t) * np.log(1 - p))
    weight = ag.tensor(w)  # PyTorch does not differentiate a weight (one requiring grad is refused)
    got = F.binary_cross_entropy(_double(p), _double(t), weight, reduction=reduction)
    np.testing.assert_allclose(got._data, _reduce(expected, reduction), rtol=1e-12)
    logits = rng.standard_normal((3, 4))
    pos_weight = np.array([1.0, 2.0, 0.5, 3.0])
    sig = 1 / (1 + np.exp(-logits))
    expected = -w * (pos_weight * t * np.log(sig) + (1 - t) * np.log(1 - sig))
    got = F.binary_cross_entropy_with_logits(_double(logits), _double(t), weight, reduction=reduction,
                                             pos_weight=ag.tensor(pos_weight))
    np.testing.assert_allclose(got._data, _reduce(expected, reduction), rtol=1e-10)


def test_binary_cross_entropy_clamps_logs_at_minus_100():
    loss = F.binary_cross_entropy(ag.tensor([0.0, 1.0], requires_grad=True), ag.tensor([1.0, 0.0]), reduction="none")
    np.testing.assert_array_equal(loss._data, [100.0, 100.0])


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
def test_kl_div_values(reduction):
    rng = np.random.default_rng(6)
    log_q, p = np.log(rng.dirichlet(np.ones(4), size=3)), rng.dirichlet(np.ones(4), size=3)
    p[1, 2] = 0.0  # contributes 0·log 0 = 0, not nan
    pointwise = np.where(p > 0, p * np.log(np.where(p > 0, p, 1)), 0) - p * log_q
    expected = pointwise.sum() / 3 if reduction == "batchmean" else _reduce(pointwise, reduction)
    np.testing.assert_allclose(F.kl_div(_double(log_q), _double(p), reduction=reduction)._data, expected, rtol=1e-12)
    log_p = np.log(rng.dirichlet(np.ones(4), size=3))
    expected = np.exp(log_p) * (log_p - log_q)
    expected = expected.sum() / 3 if reduction == "batchmean" else _reduce(expected, reduction)
    np.testing.assert_allclose(F.kl_div(_double(log_q), _double(log_p), reduction=reduction, log_target=True)._data,
                               expected, rtol=1e-12)


def test_kl_div_of_a_distribution_with_itself_is_zero():
    p = np.random.default_rng(7).dirichlet(np.ones(5), size=2)
    assert abs(F.kl_div(_double(np.log(p)), _double(p), reduction="batchmean").item()) < 1e-14


# --------------------------------------------------------------------------- derivatives
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses_gradcheck(reduction):
    rng = np.random.default_rng(8)
    x, y = _double(rng.standard_normal((3, 2)) * 2), _double(rng.standard_normal((3, 2)) * 2)
    for fn in (lambda a, b: F.mse_loss(a, b, reduction=reduction),
               lambda a, b: F.l1_loss(a, b, reduction=reduction),
               lambda a, b: F.huber_loss(a, b, reduction, 0.7),
               lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=0.7)):
        _check_derivatives(fn, x, y)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_gradcheck_class_indices(reduction, smoothing, weighted):
    rng = np.random.default_rng(9)
    x = _double(rng.standard_normal((4, 3, 2)))
    target = ag.tensor([[0, 2], [1, 1], [2, -100], [0, 1]])
    weight = ag.tensor([0.5, 2.0, 1.0]) if weighted else None
    _check_derivatives(lambda a: F.cross_entropy(a, target, weight, reduction=reduction, label_smoothing=smoothing), x)
    _check_derivatives(lambda a: F.nll_loss(a, target, weight, reduction=reduction), x)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_gradcheck_probability_targets(reduction, smoothing):
    rng = np.random.default_rng(10)
    x, p = _double(rng.standard_normal((3, 4))), _double(rng.dirichlet(np.ones(4), size=3))
    weight = ag.tensor([0.5, 2.0, 1.0, 1.5], dtype=np.float64)
    _check_derivatives(lambda a, b: F.cross_entropy(a, b, weight, reduction=reduction, label_smoothing=smoothing), x, p)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_losses_gradcheck(reduction):
    rng = np.random.default_rng(11)
    p, t = _double(rng.uniform(0.1, 0.9, (3, 2))), _double(rng.random((3, 2)))
    w = _double(rng.random((3, 2)) + 0.5, requires_grad=False)  # weights are constants, as in PyTorch
    _check_derivatives(lambda a, b: F.binary_cross_entropy(a, b, w, reduction=reduction), p, t)
    logits, pos_weight = _double(rng.standard_normal((3, 2)) * 2), _double([0.5, 3.0], requires_grad=False)
    _check_derivatives(lambda a, b: F.binary_cross_entropy_with_logits(a, b, w, reduction=reduction, pos_weight=pos_weight),
                       logits, t)


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_gradcheck(reduction, log_target):
    rng = np.random.default_rng(12)
    log_q = _double(np.log(rng.dirichlet(np.ones(3), size=2)))
    p = rng.dirichlet(np.ones(3), size=2)
    target = _double(np.log(p) if log_target else p)
    _check_derivatives(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target), log_q, target)


@given(n=st.integers(1, 3), c=st.integers(1, 4), extra=st.lists(st.integers(1, 2), max_size=2),
       smoothing=st.sampled_from([0.0, 0.3]), reduction=st.sampled_from(REDUCTIONS), seed=st.integers(0, 2**16))
def test_cross_entropy_any_shape(n, c, extra, smoothing, reduction, seed):
    """(N, C, d1, ...) of any size: the reference formula, and first and second derivatives."""
    rng = np.random.default_rng(seed)
    shape = (n, c, *extra)
    x = _double(rng.standard_normal(shape))
    target = ag.tensor(rng.integers(0, c, size=(n, *extra)))
    loss = F.cross_entropy(x, target, reduction=reduction, label_smoothing=smoothing)
    expected = _cross_entropy_reference(x._data, target._data, None, -100, reduction, smoothing)
    np.testing.assert_allclose(loss._data, expected, rtol=1e-10, atol=1e-14)
    _check_derivatives(lambda a: F.cross_entropy(a, target, reduction=reduction, label_smoothing=smoothing), x)


def test_cross_entropy_second_derivative_is_the_softmax_jacobian():
    """d²/dx² of the summed cross-entropy of one row is diag(p) − p pᵀ (independent of the target)."""
    x = _double([0.3, -1.0, 2.0])
    (g,) = ag.grad(F.cross_entropy(x.unsqueeze(0), ag.tensor([1])), x, create_graph=True)
    hessian = np.stack([ag.grad(g[i], x, retain_graph=True)[0]._data for i in range(3)])
    p = np.exp(_log_softmax(x._data[None]))[0]
    np.testing.assert_allclose(hessian, np.diag(p) - np.outer(p, p), rtol=1e-12, atol=1e-15)


# --------------------------------------------------------------------------- stability and dtypes
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cross_entropy_is_stable_for_huge_logits(dtype):
    x = ag.tensor(np.array([[1e4, -1e4, 0.0], [-1e4, -1e4, 1e4]], dtype=dtype), requires_grad=True)
    loss = F.cross_entropy(x, ag.tensor([1, 2]), reduction="none")
    np.testing.assert_allclose(loss._data, [2e4, 0.0])
    loss.sum().backward()
    assert loss.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad._data, [[1.0, -1.0, 0.0], [0.0, 0.0, 0.0]], atol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bce_with_logits_is_stable_for_huge_logits(dtype):
    x = ag.tensor(np.array([1e4, -1e4, 1e4, -1e4], dtype=dtype), requires_grad=True)
    t = ag.tensor(np.array([1.0, 0.0, 0.0, 1.0], dtype=dtype))
    loss = F.binary_cross_entropy_with_logits(x, t, reduction="none", pos_weight=ag.tensor(np.array(2.0, dtype=dtype)))
    np.testing.assert_allclose(loss._data, [0.0, 0.0, 1e4, 2e4])
    loss.sum().backward()
    assert loss.dtype == dtype and x.grad.dtype == dtype
    np.testing.assert_allclose(x.grad._data, [0.0, 0.0, 1.0, -2.0])


def test_float32_stays_float32():
    x = ag.randn(4, 3, requires_grad=True)
    for loss in (F.mse_loss(x, ag.zeros(4, 3)), F.cross_entropy(x, ag.tensor([0, 1, 2, 0]), label_smoothing=0.1),
                 F.binary_cross_entropy_with_logits(x, ag.ones(4, 3)), F.kl_div(x.log_softmax(1), ag.ones(4, 3) / 3)):
        assert loss.dtype == np.float32
        (g,) = ag.grad(loss, x)
        assert g.dtype == np.float32


# --------------------------------------------------------------------------- errors
def test_cross_entropy_errors_name_the_loss_and_the_shapes():
    x = ag.randn(4, 3)
    with pytest.raises(ValueError, match=r"cross_entropy.*\(4, 3\).*\(4,\).*\(4, 1\).*squeeze\(1\)"):
        F.cross_entropy(x, ag.tensor([[0], [1], [2], [0]]))
    with pytest.raises(TypeError, match=r"cross_entropy.*class indices.*integer.*float32.*long\(\)"):
        F.cross_entropy(x, ag.tensor([0.0, 1.0, 2.0, 0.0]))
    with pytest.raises(TypeError, match=r"cross_entropy.*probabilities.*floating.*int64"):
        F.cross_entropy(x, ag.tensor(np.eye(3, dtype=np.int64)[[0, 1, 2, 0]]))
    with pytest.raises(IndexError, match=r"cross_entropy: target 3 is out of bounds.*3 classes"):
        F.cross_entropy(x, ag.tensor([0, 1, 3, 0]))
    with pytest.raises(ValueError, match=r"cross_entropy: weight.*\(3,\).*\(2,\)"):
        F.cross_entropy(x, ag.tensor([0, 1, 2, 0]), ag.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, ag.tensor([0, 1, 2, 0]), label_smoothing=1.5)
    with pytest.raises(ValueError, match="cross_entropy: reduction must be one of 'mean', 'sum', 'none'; got 'avg'"):
        F.cross_entropy(x, ag.tensor([0, 1, 2, 0]), reduction="avg")
    with pytest.raises(ValueError, match="nll_loss.*0-d"):
        F.nll_loss(ag.tensor(1.0), ag.tensor(0))


def test_binary_and_regression_shape_errors():
    p = ag.rand(4, 1)
    with pytest.raises(ValueError, match=r"binary_cross_entropy: target shape \(4,\) differs from input shape \(4, 1\)"):
        F.binary_cross_entropy(p, ag.rand(4))
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits.*\(4,\).*\(4, 1\)"):
        F.binary_cross_entropy_with_logits(p, ag.rand(4))
    with pytest.raises(ValueError, match=r"binary_cross_entropy: all elements of input should be between 0 and 1.*with_logits"):
        F.binary_cross_entropy(ag.tensor([0.5, 1.5]), ag.tensor([0.0, 1.0]))
    with pytest.warns(UserWarning, match=r"mse_loss: target shape \(4,\) differs from input shape \(4, 1\)"):
        F.mse_loss(p, ag.rand(4))
    with pytest.raises(ValueError, match=r"l1_loss: input shape \(4, 2\) and target shape \(3,\) cannot be broadcast"):
        F.l1_loss(ag.rand(4, 2), ag.rand(3))
    with pytest.raises(TypeError, match=r"mse_loss: target has dtype int64.*target.float\(\)"):
        F.mse_loss(ag.rand(3), ag.tensor([1, 2, 3]))
    with pytest.raises(TypeError, match="mse_loss: input must be a Tensor"):
        F.mse_loss(np.zeros(3), ag.rand(3))
    with pytest.raises(ValueError, match="kl_div: reduction must be one of.*'batchmean'"):
        F.kl_div(ag.rand(3), ag.rand(3), reduction="batch")


# --------------------------------------------------------------------------- modules
def test_loss_modules_call_their_functions_with_their_options():
    rng = np.random.default_rng(13)
    x, y = ag.tensor(rng.standard_normal((4, 3))), ag.tensor(rng.standard_normal((4, 3)))
    t = ag.tensor([0, 2, 1, 1])
    w = ag.tensor([1.0, 0.5, 2.0])
    p = ag.tensor(rng.random((4, 3)))
    pairs = [
        (L.MSELoss(reduction="sum")(x, y), F.mse_loss(x, y, reduction="sum")),
        (L.L1Loss()(x, y), F.l1_loss(x, y)),
        (L.HuberLoss(delta=0.5)(x, y), F.huber_loss(x, y, delta=0.5)),
        (L.SmoothL1Loss(beta=0.5)(x, y), F.smooth_l1_loss(x, y, beta=0.5)),
        (L.CrossEntropyLoss(w, ignore_index=1, label_smoothing=0.1)(x, t),
         F.cross_entropy(x, t, w, ignore_index=1, label_smoothing=0.1)),
        (L.NLLLoss(w, reduction="none")(x.log_softmax(1), t), F.nll_loss(x.log_softmax(1), t, w, reduction="none")),
        (L.BCELoss(p)(p, p), F.binary_cross_entropy(p, p, p)),
        (L.BCEWithLogitsLoss(pos_weight=w)(x, p), F.binary_cross_entropy_with_logits(x, p, pos_weight=w)),
        (L.KLDivLoss(reduction="batchmean", log_target=True)(x, y), F.kl_div(x, y, reduction="batchmean", log_target=True)),
    ]
    for module_value, function_value in pairs:
        np.testing.assert_array_equal(module_value._data, function_value._data)


def test_loss_modules_register_weights_as_buffers_and_check_reduction():
    loss = L.CrossEntropyLoss(weight=ag.tensor([1.0, 2.0]))
    assert "weight" in dict(loss.named_buffers())
    assert list(loss.parameters()) == []
    assert "pos_weight" in dict(L.BCEWithLogitsLoss(pos_weight=ag.tensor([2.0])).named_buffers())
    assert repr(L.MSELoss(reduction="sum")) == "MSELoss(reduction='sum')"
    with pytest.raises(ValueError, match="MSELoss: reduction must be one of"):
        L.MSELoss(reduction="batchmean")
    L.KLDivLoss(reduction="batchmean")
