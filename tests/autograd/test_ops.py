"""Every built-in differentiable op, from autograd.op_db: first and second derivatives on random shapes and values.

Also: every differentiable `Op` in autograd/ops/ is reached by some op_db entry (a new op without
samples fails here), values against numpy for a few ops, and gradients at extreme inputs.
"""
import importlib
import inspect
import math
import pkgutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
import autograd.ops
import autograd.ops.arithmetic
from autograd import Op, gradcheck, gradgradcheck
from autograd.op_db import make_tensors, op_db

# op_db has ~170 entries; a few examples each keeps this file well under a minute on the CI profile.
EXAMPLES = max(3, settings.default.max_examples // 5)


def _call(info, sample):
    return lambda *tensors: info.op(*tensors, **sample.kwargs)


@pytest.mark.parametrize("info", op_db, ids=[info.name for info in op_db])
@settings(max_examples=EXAMPLES)
@given(seed=st.integers(0, 2**32 - 1))
def test_gradients_match_finite_differences(info, seed):
    sample = info.sample(np.random.default_rng(seed))
    tensors = make_tensors(sample)
    assert gradcheck(_call(info, sample), tensors, **info.gradcheck_kwargs)
    if info.second_order:
        assert gradgradcheck(_call(info, sample), tensors, **info.gradcheck_kwargs)


# --------------------------------------------------------------------------- every Function has samples
def _functions_in_ops() -> dict:
    """{Op subclass: module name} for every differentiable Op defined in autograd/ops/*.py."""
    found = {}
    for module_info in pkgutil.iter_modules(autograd.ops.__path__):
        module = importlib.import_module(f"autograd.ops.{module_info.name}")
        for obj in vars(module).values():
            if inspect.isclass(obj) and issubclass(obj, Op) and obj.differentiable and not obj.__name__.startswith("_") \
                    and obj.__module__ == module.__name__:
                found[obj] = module.__name__
    return found


def _functions_without_samples(monkeypatch, entries=op_db) -> set:
    """Functions in autograd/ops that running every op_db entry (forward, backward, double backward) never applies."""
    reached = set()
    original = Op.__dict__["apply"].__func__

    def recording_apply(cls, *args, **kwargs):
        reached.add(cls)
        return original(cls, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(Op, "apply", classmethod(recording_apply))
        for info in entries:
            for seed in range(3):
                sample = info.sample(np.random.default_rng(seed))
                check = gradgradcheck if info.second_order else gradcheck
                check(_call(info, sample), make_tensors(sample), **info.gradcheck_kwargs)
    # FloorDivide has no derivative in PyTorch either (its backward raises; tests/autograd/test_tensor.py checks that)
    return {f"{module}.{cls.__name__}" for cls, module in _functions_in_ops().items()
            if cls not in reached and cls.__name__ != "FloorDivide"}


def test_a_function_without_samples_would_be_reported(monkeypatch):
    class Unsampled(Op):
        @staticmethod
        def forward(ctx, x):
            return x

    Unsampled.__module__ = "autograd.ops.arithmetic"
    monkeypatch.setattr(autograd.ops.arithmetic, "Unsampled", Unsampled, raising=False)
    assert "autograd.ops.arithmetic.Unsampled" in _functions_without_samples(monkeypatch, op_db[:2])


def test_every_function_in_ops_is_exercised_by_op_db(monkeypatch):
    missing = _functions_without_samples(monkeypatch)
    assert not missing, (
        f"these Ops are reached by no autograd.op_db entry, so their gradients are never checked: "
        f"{sorted(missing)}. Add an OpInfo with a sample generator for the op that uses them."
    )


def test_float32_stays_float32_through_first_and_second_derivatives(monkeypatch):
    """No op, nor any backward rule, computes a float32 input in float64 (the engine's final cast would hide it)."""
    promoted = set()
    original = Op.__dict__["apply"].__func__
    current = [None]

    def checking_apply(cls, *args, **kwargs):
        out = original(cls, *args, **kwargs)
        dtypes = [a.dtype for a in args if isinstance(a, ag.Tensor) and a.dtype.kind == "f"]
        outs = out if isinstance(out, tuple) else (out,)
        if dtypes and all(d == np.float32 for d in dtypes) and any(o.dtype == np.float64 for o in outs):
            promoted.add(f"{current[0]}: {cls.__name__}")
        return out

    monkeypatch.setattr(Op, "apply", classmethod(checking_apply))
    for info in op_db:
        if info.gradcheck_kwargs:  # the entries that convert dtypes on purpose
            continue
        current[0] = info.name
        sample = info.sample(np.random.default_rng(0))
        tensors = tuple(ag.tensor(a.astype(np.float32), requires_grad=True) for a in sample.arrays)
        result = info.op(*tensors, **sample.kwargs)
        outputs = [o for o in (result if isinstance(result, tuple) else (result,)) if o.requires_grad]
        assert all(o.dtype == np.float32 for o in outputs), info.name
        grad_outputs = [ag.tensor(np.ones(o.shape, np.float32), requires_grad=True) for o in outputs]
        grads = ag.grad(outputs, tensors, grad_outputs, create_graph=True, allow_unused=True)
        assert all(g.dtype == np.float32 for g in grads if g is not None), info.name
        differentiable = [g.sum() for g in grads if g is not None and g.requires_grad]
        if differentiable:
            ag.grad(differentiable, tensors + tuple(grad_outputs), allow_unused=True)
    assert not promoted, f"float32 computed in float64 by: {sorted(promoted)}"


def test_op_db_entries_are_well_formed():
    for info in op_db:
        sample = info.sample(np.random.default_rng(0))
        assert sample.arrays, info.name
        assert all(a.dtype == np.float64 and np.all(np.isfinite(a)) for a in sample.arrays), info.name


# --------------------------------------------------------------------------- values against numpy
def t(array, requires_grad=False):
    return ag.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


def test_values_match_numpy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    y = rng.standard_normal((4, 2))
    e = np.exp(x - x.max(1, keepdims=True))
    np.testing.assert_allclose(t(x).softmax(1).numpy(), e / e.sum(1, keepdims=True))
    np.testing.assert_allclose(t(x).log_softmax(-1).numpy(), np.log(e / e.sum(1, keepdims=True)))
    np.testing.assert_allclose(t(x).logsumexp(dim=(0, 1)).numpy(), np.log(np.exp(x).sum()))
    np.testing.assert_allclose(t(x).var(dim=0, correction=2).numpy(), x.var(0, ddof=2))
    np.testing.assert_allclose(t(x).std(dim=1, keepdim=True).numpy(), x.std(1, ddof=1, keepdims=True))
    np.testing.assert_allclose(t(x).norm(p=3, dim=1).numpy(), np.linalg.norm(x, ord=3, axis=1))
    np.testing.assert_allclose(t(x).norm(p=math.inf).numpy(), np.abs(x).max())
    np.testing.assert_allclose(t(x).norm().numpy(), np.linalg.norm(x))
    np.testing.assert_allclose(ag.einsum("ij,jk->ik", t(x), t(y)).numpy(), x @ y)
    np.testing.assert_allclose(ag.einsum("ii->", t(x[:3, :3])).numpy(), np.trace(x[:3, :3]))
    np.testing.assert_allclose(t(x).cumsum(-1).numpy(), np.cumsum(x, -1))
    np.testing.assert_allclose(t(x).gelu().numpy(), x * 0.5 * (1 + np.vectorize(math.erf)(x / math.sqrt(2))))
    np.testing.assert_allclose(t(x).softplus(beta=2.0).numpy(), np.logaddexp(0, 2 * x) / 2)
    np.testing.assert_allclose(t([[0.0, 2.0], [3.0, 4.0]]).prod(0).numpy(), [0.0, 8.0])


def test_prod_gradient_with_zeros_matches_product_of_others():
    x = t([2.0, 0.0, 3.0, 5.0], requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 30.0, 0.0, 0.0])
    z = t([0.0, 0.0, 3.0], requires_grad=True)
    z.prod().backward()
    np.testing.assert_array_equal(z.grad.numpy(), [0.0, 0.0, 0.0])


# --------------------------------------------------------------------------- extreme inputs
def _sigmoid(x):
    return 0.5 * (1 + np.tanh(x / 2))


def _softmax(x, axis=-1):
    e = np.exp(x - x.max(axis, keepdims=True))
    return e / e.sum(axis, keepdims=True)


# (op, derivative of sum(w * op(x)) as a function of (x, w), computed in float64 numpy)
STABLE_OPS = {
    "sigmoid": (lambda x: x.sigmoid(), lambda x, w: w * _sigmoid(x) * _sigmoid(-x)),
    "tanh": (lambda x: x.tanh(), lambda x, w: w / np.cosh(np.clip(x, -300, 300)) ** 2),
    "softplus": (lambda x: x.softplus(), lambda x, w: w * _sigmoid(x)),
    "logsigmoid": (lambda x: x.logsigmoid(), lambda x, w: w * _sigmoid(-x)),
    "logsumexp": (lambda x: x.logsumexp(dim=-1), lambda x, w: w[..., None] * _softmax(x)),
    "log_softmax": (lambda x: x.log_softmax(-1), lambda x, w: w - _softmax(x) * w.sum(-1, keepdims=True)),
}


@pytest.mark.parametrize("name", sorted(STABLE_OPS))
@pytest.mark.parametrize("dtype, big", [("float64", 1e4), ("float32", 88.0)])
def test_gradients_are_finite_and_correct_at_extreme_inputs(name, dtype, big):
    op, derivative = STABLE_OPS[name]
    values = np.array([[-big, big, 0.5], [big, big - 1, -big], [-big, -big, -big + 2]])
    x = ag.tensor(values.astype(dtype), requires_grad=True)
    out = op(x)
    assert out.dtype == np.dtype(dtype) and np.all(np.isfinite(out.detach().numpy())), f"{name} forward at ±{big}"
    w = np.random.default_rng(0).uniform(0.5, 1.5, out.shape)
    (g,) = ag.grad(out, x, ag.tensor(w.astype(dtype)), create_graph=True)
    assert g.dtype == np.dtype(dtype) and np.all(np.isfinite(g.detach().numpy())), f"{name} gradient at ±{big}"
    tolerance = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(g.detach().numpy(), derivative(values, w), rtol=tolerance * 10, atol=tolerance)
    (gg,) = ag.grad(g.sum(), x)
    assert np.all(np.isfinite(gg.numpy())), f"{name} second derivative at ±{big}"


@pytest.mark.parametrize("name", sorted(STABLE_OPS))
def test_gradcheck_passes_at_extreme_float64_inputs(name):
    op, _ = STABLE_OPS[name]
    x = t([[-1e4, 1e4, 0.3], [1e4, 1e4 - 1, -1e4]], requires_grad=True)
    assert gradcheck(op, x)
    assert gradgradcheck(op, x)


@pytest.mark.parametrize("dtype, big", [("float64", 1e4), ("float32", 88.0)])
def test_losses_are_finite_and_correct_at_extreme_logits(dtype, big):
    """cross_entropy and binary_cross_entropy_with_logits (from nn) on the same extreme logits."""
    nn_functional = pytest.importorskip("nn.functional")
    values = np.array([[-big, big, 0.5], [big, big - 1, -big]])
    logits = ag.tensor(values.astype(dtype), requires_grad=True)
    target = np.array([0, 2])
    loss = nn_functional.cross_entropy(logits, ag.tensor(target))
    (g,) = ag.grad(loss, logits, create_graph=True)
    expected = (_softmax(values) - np.eye(3)[target]) / len(target)
    tolerance = 1e-12 if dtype == "float64" else 1e-6
    assert loss.dtype == np.dtype(dtype) and np.isfinite(loss.item())
    np.testing.assert_allclose(g.detach().numpy(), expected, atol=tolerance)
    assert np.all(np.isfinite(ag.grad(g.sum(), logits)[0].numpy()))

    labels = np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.0]])
    loss = nn_functional.binary_cross_entropy_with_logits(logits, ag.tensor(labels.astype(dtype)))
    (g,) = ag.grad(loss, logits, create_graph=True)
    assert loss.dtype == np.dtype(dtype) and np.isfinite(loss.item())
    np.testing.assert_allclose(g.detach().numpy(), (_sigmoid(values) - labels) / labels.size, atol=tolerance)
    assert np.all(np.isfinite(ag.grad(g.sum(), logits)[0].numpy()))
