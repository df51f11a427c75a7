"""Optimisers and schedulers (nn/optim): each update rule against its published equations written out
step by step in numpy, parameter groups, state_dict round trips, and learning-rate sequences."""
import copy
import math

import numpy as np
import pytest

import autograd as ag
from nn.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop, lr_scheduler

RNG = np.random.default_rng(0)
A = RNG.standard_normal((4, 4))
A = A @ A.T + np.eye(4)  # a positive definite quadratic bowl f(p) = ½pᵀAp − bᵀp
B = RNG.standard_normal(4)
P0 = RNG.standard_normal(4)


def _grad(p):
    return A @ p - B


def _run_ours(optimizer_cls, steps=6, dtype=np.float64, **kwargs):
    p = ag.tensor(P0.astype(dtype), requires_grad=True)
    optimizer = optimizer_cls([p], **kwargs)
    a, b = ag.tensor(A.astype(dtype)), ag.tensor(B.astype(dtype))
    trajectory = []
    for _ in range(steps):
        optimizer.zero_grad()
        (0.5 * (p @ (a @ p)) - b @ p).backward()
        optimizer.step()
        trajectory.append(p._data.copy())
    return np.array(trajectory)


# --------------------------------------------------------------------------- reference updates, as published
def _sgd_reference(steps, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    p, buf, out = P0.copy(), None, []
    for _ in range(steps):
        g = -_grad(p) if maximize else _grad(p)
        g = g + weight_decay * p
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        p = p - lr * g
        out.append(p)
    return np.array(out)


def _adam_reference(steps, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, decoupled=False):
    p, m, v, v_max, out = P0.copy(), np.zeros(4), np.zeros(4), np.zeros(4), []
    beta1, beta2 = betas
    for t in range(1, steps + 1):
        g = _grad(p)
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        v_max = np.maximum(v_max, v)
        m_hat = m / (1 - beta1 ** t)
        v_hat = (v_max if amsgrad else v) / (1 - beta2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(p)
    return np.array(out)


def _rmsprop_reference(steps, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    p, v, g_avg, buf, out = P0.copy(), np.zeros(4), np.zeros(4), np.zeros(4), []
    for _ in range(steps):
        g = _grad(p) + weight_decay * p
        v = alpha * v + (1 - alpha) * g * g
        g_avg = alpha * g_avg + (1 - alpha) * g
        denom = np.sqrt(v - g_avg ** 2 if centered else v) + eps
        if momentum:
            buf = momentum * buf + g / denom
            p = p - lr * buf
        else:
            p = p - lr * g / denom
        out.append(p)
    return np.array(out)


def _adagrad_reference(steps, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    p, s, out = P0.copy(), np.full(4, initial_accumulator_value), []
    for t in range(1, steps + 1):
        g = _grad(p) + weight_decay * p
        s = s + g * g
        p = p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)
        out.append(p)
    return np.array(out)


CASES = [
    (SGD, _sgd_reference, dict(lr=0.05)),
    (SGD, _sgd_reference, dict(lr=0.05, momentum=0.9)),
    (SGD, _sgd_reference, dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1)),
    (SGD, _sgd_reference, dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.05)),
    (SGD, _sgd_reference, dict(lr=0.05, maximize=True)),
    (Adam, _adam_reference, dict(lr=0.1)),
    (Adam, _adam_reference, dict(lr=0.1, betas=(0.5, 0.9), eps=1e-3, weight_decay=0.2)),
    (Adam, _adam_reference, dict(lr=0.1, amsgrad=True)),
    (AdamW, lambda steps, **kw: _adam_reference(steps, decoupled=True, weight_decay=0.01, **kw), dict(lr=0.1)),
    (AdamW, lambda steps, **kw: _adam_reference(steps, decoupled=True, **kw), dict(lr=0.1, weight_decay=0.3, amsgrad=True)),
    (RMSprop, _rmsprop_reference, dict(lr=0.01)),
    (RMSprop, _rmsprop_reference, dict(lr=0.01, alpha=0.9, weight_decay=0.1, momentum=0.5)),
    (RMSprop, _rmsprop_reference, dict(lr=0.01, centered=True, momentum=0.9)),
    (Adagrad, _adagrad_reference, dict(lr=0.1)),
    (Adagrad, _adagrad_reference, dict(lr=0.1, lr_decay=0.1, weight_decay=0.1, initial_accumulator_value=0.5, eps=1e-6)),
]


@pytest.mark.parametrize("optimizer_cls, reference, kwargs", CASES,
                         ids=[f"{c.__name__}-{'-'.join(k for k in kw if k != 'lr') or 'plain'}" for c, _, kw in CASES])
def test_update_matches_published_equations(optimizer_cls, reference, kwargs):
    ours = _run_ours(optimizer_cls, **kwargs)
    expected = reference(6, **kwargs)
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-14)
    assert not np.allclose(ours[-1], P0)


def test_sgd_maximize_climbs():
    """maximize=True follows +gradient: on the bowl it moves away from the minimum."""
    ours = _run_ours(SGD, steps=3, lr=0.05, maximize=True)
    f = lambda p: 0.5 * p @ A @ p - B @ p
    assert f(ours[-1]) > f(ours[0]) > f(P0)


@pytest.mark.parametrize("optimizer_cls", [SGD, Adam, AdamW, RMSprop, Adagrad])
def test_float32_parameters_stay_float32_and_converge(optimizer_cls):
    kwargs = {SGD: dict(lr=0.05, momentum=0.9), Adagrad: dict(lr=0.5)}.get(optimizer_cls, dict(lr=0.05))
    trajectory = _run_ours(optimizer_cls, steps=400, dtype=np.float32, **kwargs)
    assert trajectory.dtype == np.float32
    np.testing.assert_allclose(trajectory[-1], np.linalg.solve(A, B), atol=0.05)


def test_step_bumps_version_so_stale_graphs_are_caught():
    p = ag.tensor([1.0, 2.0], requires_grad=True)
    optimizer = SGD([p], lr=0.1)
    y = (p * p).sum()
    y.backward(retain_graph=True)
    version = p._version
    optimizer.step()
    assert p._version == version + 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_step_skips_parameters_without_gradients_and_runs_closure():
    used, unused = ag.tensor([1.0], requires_grad=True), ag.tensor([5.0], requires_grad=True)
    optimizer = Adam([used, unused], lr=0.1)

    def closure():
        optimizer.zero_grad()
        loss = (used * used).sum()
        loss.backward()
        return loss

    loss = optimizer.step(closure)
    assert loss.item() == 1.0
    assert unused._data[0] == 5.0 and used._data[0] < 1.0
    assert unused not in optimizer.state


def test_zero_grad_to_none_or_to_zeros():
    p = ag.tensor([1.0, 2.0], requires_grad=True)
    optimizer = SGD([p], lr=0.1)
    (p * 3).sum().backward()
    grad = p.grad
    optimizer.zero_grad(set_to_none=False)
    assert p.grad is grad and np.all(p.grad._data == 0)
    optimizer.zero_grad()
    assert p.grad is None


# --------------------------------------------------------------------------- groups and state
def test_param_groups_take_their_own_options_and_defaults():
    w, b = ag.zeros(3, requires_grad=True), ag.zeros(1, requires_grad=True)
    optimizer = SGD([{"params": [w]}, {"params": b, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in optimizer.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in optimizer.param_groups] == [0.0, 0.9]
    w.grad, b.grad = ag.ones(3), ag.ones(1)
    optimizer.step()
    np.testing.assert_allclose(w._data, -0.1)
    np.testing.assert_allclose(b._data, -0.5)
    extra = ag.zeros(2, requires_grad=True)
    optimizer.add_param_group({"params": [extra], "lr": 1.0})
    assert optimizer.param_groups[2]["momentum"] == 0.0
    with pytest.raises(ValueError, match="more than once"):
        optimizer.add_param_group({"params": [w]})


def test_optimizer_argument_errors():
    p = ag.zeros(2, requires_grad=True)
    with pytest.raises(TypeError, match="iterable of Tensors or of dicts.*Tensor"):
        SGD(p, lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        Adam([], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        SGD([p * 2], lr=0.1)
    with pytest.raises(ValueError, match="learning rate -1"):
        SGD([p], lr=-1)
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        Adam([p], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="Nesterov"):
        SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(TypeError, match="set"):
        SGD({p}, lr=0.1)


@pytest.mark.parametrize("optimizer_cls, kwargs", [(SGD, dict(lr=0.05, momentum=0.9)), (Adam, dict(lr=0.1, amsgrad=True)),
                                                   (RMSprop, dict(lr=0.01, centered=True, momentum=0.5)),
                                                   (Adagrad, dict(lr=0.1, lr_decay=0.1))])
def test_state_dict_round_trip_resumes_exactly(optimizer_cls, kwargs):
    """3 steps, save, 3 more steps in a fresh optimiser loaded from the save == 6 steps straight."""
    straight = _run_ours(optimizer_cls, steps=6, **kwargs)
    p = ag.tensor(P0, requires_grad=True)
    first = optimizer_cls([p], **kwargs)
    a, b = ag.tensor(A), ag.tensor(B)

    def steps(optimizer, n):
        for _ in range(n):
            optimizer.zero_grad()
            (0.5 * (p @ (a @ p)) - b @ p).backward()
            optimizer.step()

    steps(first, 3)
    saved = first.state_dict()
    assert list(saved) == ["state", "param_groups"] and saved["param_groups"][0]["params"] == [0]
    snapshot = copy.deepcopy(saved)
    steps(first, 1)  # the saved dict is a copy: later steps do not change it
    for key, value in snapshot["state"][0].items():
        now = saved["state"][0][key]
        np.testing.assert_array_equal(getattr(value, "data", value), getattr(now, "data", now))
    p._data[...] = straight[2]
    second = optimizer_cls([p], lr=123.0)
    second.load_state_dict(saved)
    assert second.param_groups[0]["lr"] == kwargs["lr"]
    steps(second, 3)
    np.testing.assert_allclose(p._data, straight[-1], rtol=1e-13)


def test_load_state_dict_rejects_a_mismatched_layout():
    p, q = ag.zeros(2, requires_grad=True), ag.zeros(3, requires_grad=True)
    saved = SGD([p, q], lr=0.1).state_dict()
    with pytest.raises(ValueError, match="doesn't match the size"):
        SGD([p], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="2 parameter groups, but this optimizer has 1"):
        SGD([p], lr=0.1).load_state_dict({"state": {}, "param_groups": [{"params": [0]}, {"params": [1]}]})


def test_subclassing_optimizer_only_needs_update():
    class SignSGD(Optimizer):
        def __init__(self, params, lr=0.01):
            super().__init__(params, dict(lr=lr))

        def _update(self, group, params):
            for p in params:
                p._data -= group["lr"] * np.sign(p.grad._data)

    p = ag.tensor([1.0, -1.0], requires_grad=True)
    optimizer = SignSGD([p], lr=0.25)
    (p * ag.tensor([3.0, -0.1])).sum().backward()
    optimizer.step()
    np.testing.assert_allclose(p._data, [0.75, -0.75])


# --------------------------------------------------------------------------- schedulers
def _lrs(scheduler_cls, epochs=12, lr=1.0, **kwargs):
    optimizer = SGD([ag.zeros(1, requires_grad=True)], lr=lr)
    scheduler = scheduler_cls(optimizer, **kwargs)
    out = []
    for _ in range(epochs):
        out.append(scheduler.get_last_lr()[0])
        assert optimizer.param_groups[0]["lr"] == out[-1]
        optimizer.step()
        scheduler.step()
    return out


def test_step_multistep_exponential_lambda_sequences():
    np.testing.assert_allclose(_lrs(lr_scheduler.StepLR, step_size=3, gamma=0.5),
                               [0.5 ** (e // 3) for e in range(12)], rtol=1e-15)
    np.testing.assert_allclose(_lrs(lr_scheduler.MultiStepLR, milestones=[2, 7], gamma=0.1),
                               [1, 1, .1, .1, .1, .1, .1, .01, .01, .01, .01, .01], rtol=1e-12)
    np.testing.assert_allclose(_lrs(lr_scheduler.ExponentialLR, gamma=0.9), [0.9 ** e for e in range(12)], rtol=1e-12)
    np.testing.assert_allclose(_lrs(lr_scheduler.LambdaLR, lr_lambda=lambda e: 1 / (e + 1)),
                               [1 / (e + 1) for e in range(12)], rtol=1e-15)


def test_cosine_annealing_follows_the_closed_form_and_rises_after_t_max():
    got = _lrs(lr_scheduler.CosineAnnealingLR, epochs=20, lr=0.1, T_max=8, eta_min=0.001)
    expected = [0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * e / 8)) / 2 for e in range(20)]
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-15)
    assert got[8] == pytest.approx(0.001) and got[16] == pytest.approx(0.1)


def test_scheduler_state_dict_and_per_group_lambdas():
    optimizer = SGD([{"params": [ag.zeros(1, requires_grad=True)]},
                     {"params": [ag.zeros(1, requires_grad=True)], "lr": 0.5}], lr=1.0)
    scheduler = lr_scheduler.LambdaLR(optimizer, [lambda e: 0.5 ** e, lambda e: 1.0 + e])
    for _ in range(3):
        optimizer.step()
        scheduler.step()
    assert scheduler.get_last_lr() == [0.125, 2.0]
    state = scheduler.state_dict()
    assert state["last_epoch"] == 3 and "optimizer" not in state and state["lr_lambdas"] == [None, None]  # as PyTorch
    steplr = lr_scheduler.StepLR(SGD([ag.zeros(1, requires_grad=True)], lr=1.0), step_size=2)
    steplr.load_state_dict({**steplr.state_dict(), "last_epoch": 5})
    assert steplr.last_epoch == 5


def test_reduce_lr_on_plateau_waits_for_patience():
    optimizer = SGD([ag.zeros(1, requires_grad=True)], lr=1.0)
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", patience=2, factor=0.5)
    lrs = []
    for accuracy in [0.5, 0.6, 0.6, 0.6, 0.6, 0.7, 0.7, 0.7, 0.7]:
        scheduler.step(accuracy)
        lrs.append(optimizer.param_groups[0]["lr"])
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25]
