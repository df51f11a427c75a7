"""Every optimiser and scheduler against PyTorch: 20-step trajectories (float64 to a few ulps, float32 to
rounding) with two parameter groups, state and param_group layouts of state_dict() key for key,
PyTorch's scalar-state dtypes, named parameters, the implementation keywords, LBFGS with and without the
strong-Wolfe line search, and every learning-rate schedule (including the composite ones) value for value."""
import warnings

import numpy as np
import pytest

import autograd as ag
from nn import optim
from nn.optim import lr_scheduler

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _float32_defaults():
    """The scalar state's dtype follows the default dtype on both sides (float32 here, whatever ran before)."""
    previous, ours = torch.get_default_dtype(), ag.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    ag.set_default_dtype(ag.float32)
    yield
    torch.set_default_dtype(previous)
    ag.set_default_dtype(ours)

OPTIMISERS = [
    ("Adadelta", {}), ("Adadelta", dict(lr=0.5, rho=0.8, weight_decay=0.1, maximize=True)),
    ("Adamax", {}), ("Adamax", dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1)),
    ("NAdam", {}), ("NAdam", dict(lr=0.05, weight_decay=0.1, momentum_decay=0.01)),
    ("NAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("RAdam", {}), ("RAdam", dict(lr=0.05, betas=(0.5, 0.7), weight_decay=0.1)),  # rectified from step 6 on
    ("RAdam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True)),
    ("ASGD", {}), ("ASGD", dict(lr=0.05, lambd=0.01, alpha=0.5, t0=5, weight_decay=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01, foreach=True)),
    ("Adam", dict(lr=0.05, amsgrad=True, fused=False)), ("AdamW", dict(lr=0.05, maximize=True)),
    ("RMSprop", dict(lr=0.01, momentum=0.5, centered=True)), ("Adagrad", dict(lr=0.1, lr_decay=0.01)),
]


def _loss(w, b, sign):
    return sign * ((w ** 4).sum() + (w * 3).sum() + ((b - 1) ** 2).sum())


@pytest.mark.parametrize("name, kwargs", OPTIMISERS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(OPTIMISERS)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_twenty_steps_match_pytorch(name, kwargs, dtype):
    rng = np.random.default_rng(5)
    w0, b0 = rng.standard_normal((3, 2)).astype(dtype), rng.standard_normal(2).astype(dtype)
    wo, bo = ag.tensor(w0, requires_grad=True), ag.tensor(b0, requires_grad=True)
    wt, bt = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    lr = kwargs.get("lr", 0.01)
    ours = getattr(optim, name)([{"params": [wo]}, {"params": [bo], "lr": lr / 10}], **kwargs)
    theirs = getattr(torch.optim, name)([{"params": [wt]}, {"params": [bt], "lr": lr / 10}], **kwargs)
    sign = -1 if kwargs.get("maximize") else 1
    for _ in range(20):
        for opt, w, b in ((ours, wo, bo), (theirs, wt, bt)):
            opt.zero_grad()
            _loss(w, b, sign).backward()
            opt.step()
    tol = 1e-13 if dtype == np.float64 else 1e-6
    assert not np.allclose(wo.detach().numpy(), w0) and wo.dtype == dtype
    np.testing.assert_allclose(wo.detach().numpy(), wt.detach().numpy(), rtol=tol, atol=tol)
    np.testing.assert_allclose(bo.detach().numpy(), bt.detach().numpy(), rtol=tol, atol=tol)
    ours_state, their_state = ours.state_dict(), theirs.state_dict()
    assert [list(g) for g in ours_state["param_groups"]] == [list(g) for g in their_state["param_groups"]]
    for ours_group, their_group in zip(ours_state["param_groups"], their_state["param_groups"]):
        assert ours_group == their_group
    for index, their_entry in their_state["state"].items():
        ours_entry = ours_state["state"][index]
        assert list(ours_entry) == list(their_entry)
        for key, value in their_entry.items():
            ours_value = ours_entry[key]
            assert str(ours_value.dtype) == str(value.dtype).replace("torch.", ""), key
            # centered RMSprop divides by √(v − m²), which cancels in float32: its buffer keeps ~4 digits
            state_tol = 1e-3 if (name, key, dtype) == ("RMSprop", "momentum_buffer", np.float32) else tol
            np.testing.assert_allclose(ours_value.numpy(), value.numpy(), rtol=state_tol, atol=tol, err_msg=key)


def test_state_dict_loads_from_pytorch_and_resumes():
    """A state saved by torch.optim.NAdam continues in ours exactly as in PyTorch."""
    w0 = np.random.default_rng(0).standard_normal(4)
    wt = torch.tensor(w0, requires_grad=True)
    theirs = torch.optim.NAdam([wt], lr=0.05)
    for _ in range(3):
        theirs.zero_grad()
        (wt ** 4).sum().backward()
        theirs.step()
    saved = theirs.state_dict()
    wo = ag.tensor(wt.detach().numpy(), requires_grad=True)
    ours = optim.NAdam([wo], lr=1.0)
    ours.load_state_dict(saved)
    wt = wt.detach().clone().requires_grad_(True)
    theirs = torch.optim.NAdam([wt], lr=1.0)
    theirs.load_state_dict(saved)  # both cast mu_product to the parameter's dtype on loading, as PyTorch does
    assert ours.param_groups[0]["lr"] == 0.05 and ours.state[wo]["step"].dtype == np.float32
    assert ours.state[wo]["mu_product"].dtype == np.float64 == theirs.state[wt]["mu_product"].numpy().dtype
    for opt, w in ((ours, wo), (theirs, wt)):
        for _ in range(3):
            opt.zero_grad()
            (w ** 4).sum().backward()
            opt.step()
    np.testing.assert_allclose(wo.detach().numpy(), wt.detach().numpy(), rtol=1e-13)


def test_named_parameters_and_implementation_keywords():
    w = ag.zeros(2, requires_grad=True)
    named = optim.Adam([("layer.weight", w)], lr=0.1)
    assert named.param_groups[0]["param_names"] == ["layer.weight"] and named.param_groups[0]["params"] == [w]
    with pytest.raises(ValueError, match="with/without names"):
        optim.SGD([w, ("b", ag.zeros(1, requires_grad=True))], lr=0.1)
    with pytest.raises(RuntimeError, match="capturable=True is for capturing steps in CUDA graphs"):
        optim.Adam([w], capturable=True)
    with pytest.raises(NotImplementedError, match="differentiable=True"):
        optim.RMSprop([w], differentiable=True)
    with pytest.raises(ValueError, match="foreach must be None, False or True"):
        optim.Adamax([w], foreach="yes")
    assert optim.SGD([w], lr=0.1, foreach=True, fused=True).param_groups[0]["fused"] is True


def _rosenbrock(x):
    return ((1 - x[:-1]) ** 2).sum() + 100 * ((x[1:] - x[:-1] ** 2) ** 2).sum()


LBFGS_CASES = [dict(), dict(line_search_fn="strong_wolfe"), dict(lr=0.5, history_size=3, max_iter=7),
               dict(line_search_fn="strong_wolfe", history_size=2, max_iter=5, tolerance_change=1e-12)]


@pytest.mark.parametrize("kwargs", LBFGS_CASES, ids=[",".join(k) or "default" for k in LBFGS_CASES])
def test_lbfgs_matches_pytorch(kwargs):
    x0 = np.array([-1.5, 2.0, 0.5, -0.3])
    xo, xt = ag.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    ours, theirs = optim.LBFGS([xo], **kwargs), torch.optim.LBFGS([xt], **kwargs)

    def closure(opt, x):
        def evaluate():
            opt.zero_grad()
            loss = _rosenbrock(x)
            loss.backward()
            return loss
        return evaluate

    for _ in range(4):
        ours_loss, their_loss = ours.step(closure(ours, xo)), theirs.step(closure(theirs, xt))
        assert float(ours_loss) == pytest.approx(float(their_loss.detach()), rel=1e-12)
    np.testing.assert_allclose(xo.detach().numpy(), xt.detach().numpy(), rtol=1e-9, atol=1e-12)
    ours_state, their_state = ours.state_dict()["state"][0], theirs.state_dict()["state"][0]
    assert list(ours_state) == list(their_state)
    assert ours_state["func_evals"] == their_state["func_evals"] and ours_state["n_iter"] == their_state["n_iter"]
    assert len(ours_state["old_dirs"]) == len(their_state["old_dirs"])


def test_lbfgs_float32_and_errors():
    x0 = np.array([0.3, -1.2, 2.0], dtype=np.float32)
    xo, xt = ag.tensor(x0, requires_grad=True), torch.tensor(x0, requires_grad=True)
    ours = optim.LBFGS([xo], line_search_fn="strong_wolfe")
    theirs = torch.optim.LBFGS([xt], line_search_fn="strong_wolfe")
    for opt, x in ((ours, xo), (theirs, xt)):
        def closure(opt=opt, x=x):
            opt.zero_grad()
            loss = ((x - 1) ** 2).sum() + (x ** 4).sum()
            loss.backward()
            return loss
        opt.step(closure)
    assert xo.dtype == np.float32
    np.testing.assert_allclose(xo.detach().numpy(), xt.detach().numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="only one supported"):
        optim.LBFGS([xo], line_search_fn="backtracking")
    with pytest.raises(ValueError, match="per-parameter options"):
        optim.LBFGS([{"params": [xo]}, {"params": [ag.zeros(1, requires_grad=True)]}])
    with pytest.raises(TypeError, match="closure"):
        ours.step()
    with pytest.raises(TypeError, match="requires a closure"):
        ours.step(None)


SCHEDULES = {
    "StepLR": lambda L, o: L.StepLR(o, 3, 0.5),
    "MultiStepLR": lambda L, o: L.MultiStepLR(o, [2, 5, 5, 9], 0.3),
    "ConstantLR": lambda L, o: L.ConstantLR(o, 0.25, 4),
    "LinearLR": lambda L, o: L.LinearLR(o, 0.1, 0.9, 7),
    "ExponentialLR": lambda L, o: L.ExponentialLR(o, 0.9),
    "PolynomialLR": lambda L, o: L.PolynomialLR(o, 10, 2.0),
    "CosineAnnealingLR": lambda L, o: L.CosineAnnealingLR(o, 6, 0.01),
    "LambdaLR": lambda L, o: L.LambdaLR(o, lambda e: 1 / (1 + e)),
    "MultiplicativeLR": lambda L, o: L.MultiplicativeLR(o, lambda e: 0.95),
    "CosineAnnealingWarmRestarts": lambda L, o: L.CosineAnnealingWarmRestarts(o, 4, 2, 0.01),
    "CyclicLR": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 4, 3),
    "CyclicLR-triangular2": lambda L, o: L.CyclicLR(o, [0.01, 0.02], 0.1, 3, mode="triangular2"),
    "CyclicLR-exp_range": lambda L, o: L.CyclicLR(o, 0.01, 0.1, 3, mode="exp_range", gamma=0.9),
    "OneCycleLR": lambda L, o: L.OneCycleLR(o, 0.2, total_steps=26),
    "OneCycleLR-three_phase": lambda L, o: L.OneCycleLR(o, [0.2, 0.3], epochs=13, steps_per_epoch=2,
                                                        anneal_strategy="linear", three_phase=True),
    "SequentialLR": lambda L, o: L.SequentialLR(o, [L.LinearLR(o, 0.1, total_iters=5), L.CosineAnnealingLR(o, 10)],
                                                [5]),
    "SequentialLR-three": lambda L, o: L.SequentialLR(o, [L.ConstantLR(o, 0.5, 3), L.ExponentialLR(o, 0.9),
                                                          L.StepLR(o, 2)], [3, 8]),
    "ChainedScheduler": lambda L, o: L.ChainedScheduler([L.ConstantLR(o, 0.5, 4), L.ExponentialLR(o, 0.9)]),
}


# the cyclic schedules move SGD's momentum or Adam's β₁: both optimisers for them
SCHEDULE_CASES = [(name, "SGD") for name in SCHEDULES] + [(name, "Adam") for name in SCHEDULES
                                                          if name.startswith(("OneCycle", "Cyclic"))]


@pytest.mark.parametrize("name, optimiser", SCHEDULE_CASES, ids=[f"{n}-{o}" for n, o in SCHEDULE_CASES])
def test_schedules_match_pytorch(name, optimiser):
    kwargs = dict(lr=0.5, momentum=0.9) if optimiser == "SGD" else dict(lr=0.1)
    ours_params = [ag.zeros(1, requires_grad=True) for _ in range(2)]
    their_params = [torch.zeros(1, requires_grad=True) for _ in range(2)]
    ours_opt = getattr(optim, optimiser)([{"params": [p], "lr": kwargs["lr"] * (i + 1)}
                                          for i, p in enumerate(ours_params)], **kwargs)
    their_opt = getattr(torch.optim, optimiser)([{"params": [p], "lr": kwargs["lr"] * (i + 1)}
                                                 for i, p in enumerate(their_params)], **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = SCHEDULES[name](lr_scheduler, ours_opt), SCHEDULES[name](torch.optim.lr_scheduler, their_opt)
        key = "momentum" if optimiser == "SGD" else "betas"
        for _ in range(25):
            assert ours.get_last_lr() == theirs.get_last_lr()
            assert [g["lr"] for g in ours_opt.param_groups] == [g["lr"] for g in their_opt.param_groups]
            assert [g[key] for g in ours_opt.param_groups] == [g[key] for g in their_opt.param_groups]
            ours_opt.step(), their_opt.step()
            ours.step(), theirs.step()
    assert set(ours.state_dict()) <= set(theirs.state_dict()) | {"_schedulers"}


def test_scheduler_warnings_as_pytorch():
    opt = optim.SGD([ag.zeros(1, requires_grad=True)], lr=1.0)
    scheduler = lr_scheduler.StepLR(opt, 2)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        scheduler.step()
    opt = optim.SGD([ag.zeros(1, requires_grad=True)], lr=1.0)
    scheduler = lr_scheduler.ExponentialLR(opt, 0.5)
    opt.step()
    with pytest.warns(UserWarning, match="epoch parameter in `scheduler.step\\(\\)` was not necessary"):
        scheduler.step(3)
    assert opt.param_groups[0]["lr"] == 0.125  # the closed form
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        lr_scheduler.SequentialLR(opt, [scheduler, lr_scheduler.ReduceLROnPlateau(opt)], [2])
