"""PyTorch as an oracle: loss values and gradients, optimiser trajectories and lr schedules.

Skipped where torch is not installed (it is never a dependency).
"""
import numpy as np
import pytest

import autograd as ag
from nn.functional import loss as F
from nn.optim import SGD, Adagrad, Adam, AdamW, RMSprop, lr_scheduler

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _pair(array, requires_grad=True):
    return ag.tensor(array, requires_grad=requires_grad), torch.tensor(array, requires_grad=requires_grad)


def _compare(ours, theirs, ours_inputs, their_inputs, rng, grad_rtol=1e-9):
    """Same values, and the same gradients for a random upstream gradient."""
    np.testing.assert_allclose(ours._data, theirs.detach().numpy(), rtol=1e-10, atol=1e-12, equal_nan=True)
    upstream = rng.standard_normal(ours.shape)
    ours.backward(ag.tensor(upstream))
    theirs.backward(torch.tensor(upstream))
    for a, b in zip(ours_inputs, their_inputs):
        np.testing.assert_allclose(a.grad._data, b.grad.numpy(), rtol=grad_rtol, atol=1e-12)


REDUCTIONS = ["mean", "sum", "none"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2, 3), (4,)])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 2])
def test_cross_entropy_and_nll_class_indices(reduction, shape, label_smoothing, weighted, ignore_index):
    rng = np.random.default_rng(hash((reduction, shape, label_smoothing, weighted, ignore_index)) % 2**32)
    x = rng.standard_normal(shape) * 3
    target = rng.integers(0, 4, size=shape[:1] + shape[2:] if len(shape) > 1 else ())
    weight = rng.random(4) + 0.5 if weighted else None
    xo, xt = _pair(x)
    ours = F.cross_entropy(xo, ag.tensor(target), None if weight is None else ag.tensor(weight),
                           ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    theirs = TF.cross_entropy(xt, torch.tensor(target), None if weight is None else torch.tensor(weight),
                              ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    _compare(ours, theirs, [xo], [xt], rng)
    xo, xt = _pair(x)
    ours = F.nll_loss(xo, ag.tensor(target), None if weight is None else ag.tensor(weight),
                      ignore_index=ignore_index, reduction=reduction)
    theirs = TF.nll_loss(xt, torch.tensor(target), None if weight is None else torch.tensor(weight),
                         ignore_index=ignore_index, reduction=reduction)
    _compare(ours, theirs, [xo], [xt], rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5, 4), (2, 4, 3), (4,)])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.25])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_probability_targets(reduction, shape, label_smoothing, weighted):
    rng = np.random.default_rng(7)
    x = rng.standard_normal(shape)
    p = rng.random(shape)
    p /= p.sum(axis=1 if len(shape) > 1 else 0, keepdims=True)
    weight = rng.random(4) + 0.5 if weighted else None
    xo, xt = _pair(x)
    po, pt = _pair(p)
    ours = F.cross_entropy(xo, po, None if weight is None else ag.tensor(weight), reduction=reduction,
                           label_smoothing=label_smoothing)
    theirs = TF.cross_entropy(xt, pt, None if weight is None else torch.tensor(weight), reduction=reduction,
                              label_smoothing=label_smoothing)
    _compare(ours, theirs, [xo, po], [xt, pt], rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_regression_losses(reduction):
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((4, 3)) * 2, rng.standard_normal((4, 3)) * 2
    cases = [(F.mse_loss, TF.mse_loss, {}), (F.l1_loss, TF.l1_loss, {}),
             (F.huber_loss, TF.huber_loss, {"delta": 0.7}), (F.smooth_l1_loss, TF.smooth_l1_loss, {"beta": 0.6}),
             (F.smooth_l1_loss, TF.smooth_l1_loss, {"beta": 0.0})]
    for ours_fn, their_fn, kwargs in cases:
        xo, xt = _pair(x)
        yo, yt = _pair(y)
        _compare(ours_fn(xo, yo, reduction=reduction, **kwargs), their_fn(xt, yt, reduction=reduction, **kwargs),
                 [xo, yo], [xt, yt], rng)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_losses(reduction):
    rng = np.random.default_rng(2)
    logits = rng.standard_normal((5, 3)) * 3
    probs = 1 / (1 + np.exp(-logits))
    target = rng.random((5, 3))
    weight = rng.random((5, 3)) + 0.5
    pos_weight = rng.random(3) + 0.5
    xo, xt = _pair(probs)
    yo, yt = _pair(target)
    _compare(F.binary_cross_entropy(xo, yo, ag.tensor(weight), reduction=reduction),
             TF.binary_cross_entropy(xt, yt, torch.tensor(weight), reduction=reduction), [xo, yo], [xt, yt], rng)
    for pw in (None, pos_weight):
        xo, xt = _pair(logits)
        yo, yt = _pair(target)
        _compare(F.binary_cross_entropy_with_logits(xo, yo, ag.tensor(weight), reduction=reduction,
                                                    pos_weight=None if pw is None else ag.tensor(pw)),
                 TF.binary_cross_entropy_with_logits(xt, yt, torch.tensor(weight), reduction=reduction,
                                                     pos_weight=None if pw is None else torch.tensor(pw)),
                 [xo, yo], [xt, yt], rng)


def test_binary_cross_entropy_at_the_boundaries():
    """Probabilities of exactly 0 and 1: logs clamped at -100, finite gradients, as PyTorch."""
    rng = np.random.default_rng(3)
    probs = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    target = np.array([0.0, 1.0, 1.0, 0.0, 0.3])
    xo, xt = _pair(probs)
    _compare(F.binary_cross_entropy(xo, ag.tensor(target), reduction="none"),
             TF.binary_cross_entropy(xt, torch.tensor(target), reduction="none"), [xo], [xt], rng,
             grad_rtol=1e-8)  # gradients of ~1e12 (divided by the 1e-12 floor): rounding differs in the last digits


@pytest.mark.filterwarnings("ignore:reduction. 'mean' divides")  # PyTorch's warning about its default
@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    rng = np.random.default_rng(4)
    log_q = np.log(rng.dirichlet(np.ones(4), size=3))
    p = rng.dirichlet(np.ones(4), size=3)
    p[0, 1] = 0.0  # 0·log 0 = 0
    target = np.log(p + 1e-3) if log_target else p
    xo, xt = _pair(log_q)
    yo, yt = _pair(target)
    _compare(F.kl_div(xo, yo, reduction=reduction, log_target=log_target),
             TF.kl_div(xt, yt, reduction=reduction, log_target=log_target), [xo], [xt], rng)


# --------------------------------------------------------------------------- optimisers
OPTIMISERS = [
    (SGD, torch.optim.SGD, dict(lr=0.1)),
    (SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    (SGD, torch.optim.SGD, dict(lr=0.1, momentum=0.9, nesterov=True, maximize=True)),
    (Adam, torch.optim.Adam, dict(lr=0.01)),
    (Adam, torch.optim.Adam, dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True)),
    (AdamW, torch.optim.AdamW, dict(lr=0.01)),
    (AdamW, torch.optim.AdamW, dict(lr=0.01, weight_decay=0.5, amsgrad=True, maximize=True)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01)),
    (RMSprop, torch.optim.RMSprop, dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    (Adagrad, torch.optim.Adagrad, dict(lr=0.1)),
    (Adagrad, torch.optim.Adagrad, dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.2)),
]


@pytest.mark.parametrize("ours_cls, their_cls, kwargs", OPTIMISERS,
                         ids=[f"{o.__name__}-{i}" for i, (o, _, _) in enumerate(OPTIMISERS)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_optimiser_trajectories(ours_cls, their_cls, kwargs, dtype):
    """Ten steps on a quartic bowl with two parameter groups (the second at a tenth of the lr)."""
    rng = np.random.default_rng(5)
    w0, b0 = rng.standard_normal((3, 2)).astype(dtype), rng.standard_normal(2).astype(dtype)
    wo, wt = _pair(w0)
    bo, bt = _pair(b0)
    small_lr = kwargs["lr"] / 10
    ours = ours_cls([{"params": [wo]}, {"params": [bo], "lr": small_lr}], **kwargs)
    theirs = their_cls([{"params": [wt]}, {"params": [bt], "lr": small_lr}], **kwargs)
    sign = -1 if kwargs.get("maximize") else 1  # maximise the negated bowl: the same minimum
    for _ in range(10):
        for opt, w, b in ((ours, wo, bo), (theirs, wt, bt)):
            opt.zero_grad()
            (sign * ((w ** 4).sum() + (w * 3).sum() + ((b - 1) ** 2).sum())).backward()
            opt.step()
    assert np.isfinite(wo._data).all() and not np.allclose(wo._data, w0)
    tol = 1e-12 if dtype == np.float64 else 2e-5
    np.testing.assert_allclose(wo._data, wt.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(bo._data, bt.detach().numpy(), rtol=tol, atol=tol)
    assert wo.dtype == dtype


SCHEDULERS = [
    (lr_scheduler.StepLR, dict(step_size=3, gamma=0.5)),
    (lr_scheduler.MultiStepLR, dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    (lr_scheduler.ExponentialLR, dict(gamma=0.9)),
    (lr_scheduler.CosineAnnealingLR, dict(T_max=6, eta_min=0.01)),
    (lr_scheduler.LambdaLR, dict(lr_lambda=lambda epoch: 1 / (1 + epoch))),
]


@pytest.mark.parametrize("ours_cls, kwargs", SCHEDULERS, ids=[s.__name__ for s, _ in SCHEDULERS])
def test_scheduler_lr_sequences(ours_cls, kwargs):
    ours_opt = SGD([ag.zeros(1, requires_grad=True)], lr=0.5)
    their_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
    ours = ours_cls(ours_opt, **kwargs)
    theirs = getattr(torch.optim.lr_scheduler, ours_cls.__name__)(their_opt, **kwargs)
    ours_lrs, their_lrs = [], []
    for _ in range(20):
        ours_lrs.append(ours.get_last_lr()[0])
        their_lrs.append(theirs.get_last_lr()[0])
        ours_opt.step()
        their_opt.step()
        ours.step()
        theirs.step()
    np.testing.assert_allclose(ours_lrs, their_lrs, rtol=1e-12)


def test_reduce_lr_on_plateau():
    metrics = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.85, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]
    ours_opt = SGD([ag.zeros(1, requires_grad=True)], lr=1.0)
    their_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    ours = lr_scheduler.ReduceLROnPlateau(ours_opt, patience=1, factor=0.5, cooldown=1, min_lr=0.1)
    theirs = torch.optim.lr_scheduler.ReduceLROnPlateau(their_opt, patience=1, factor=0.5, cooldown=1, min_lr=0.1)
    for m in metrics:
        ours.step(m)
        theirs.step(m)
        assert ours_opt.param_groups[0]["lr"] == pytest.approx(their_opt.param_groups[0]["lr"])
