"""Every op in the registry through autograd.compile: forward, backward and double backward of a recorded
call replayed on NEW inputs give exactly what eager mode gives on those inputs (a value baked into the
recording would differ). Ops whose result shape depends on the values are refused with a warning."""
import warnings
import zlib

import numpy as np
import pytest

import autograd as ag
from autograd.compile import CompileWarning
from autograd.op_db import make_tensors, op_db

# ops compile refuses, with the reason (their shape depends on the values, or a backward decides on values)
REFUSED = {
    "getitem(bool mask)": "shape depends on the values",
    "setitem(bool mask)": "shape depends on the values",
    "masked_select": "shape depends on the values",
    "prod": "bool() on a tensor",
    "prod(one zero)": "bool() on a tensor",
    "prod(two zeros)": "bool() on a tensor",
    "cumprod": "bool() on a tensor",  # like prod: the backward chooses its zero-safe formula by the values
    "cumprod(one zero)": "bool() on a tensor",
    "cumprod(two zeros)": "bool() on a tensor",
}


def _step(info, kwargs):
    """Forward, first and second derivatives of one op, all returned detached (so nothing escapes with a graph)."""
    def step(*xs):
        out = info(*xs, **kwargs)
        outs = [o for o in (out if isinstance(out, tuple) else (out,)) if o.dtype.kind == "f"]
        total = sum(((o * (k + 1.5)).sum() for k, o in enumerate(outs)), ag.tensor(0.0, dtype=ag.float64))
        grads = ag.grad(total, xs, create_graph=True, allow_unused=True)
        second = sum(((g * g).sum() for g in grads if g is not None and g.requires_grad), ag.tensor(0.0, dtype=ag.float64))
        grads2 = ag.grad(second, xs, allow_unused=True) if second.requires_grad else (None,) * len(xs)
        return ([o.detach() for o in outs], [None if g is None else g.detach() for g in grads],
                [None if g is None else g.detach() for g in grads2])
    return step


def _new_inputs(sample, rng) -> list:
    """The same shapes, other values in the same domain (a multiplicative change keeps signs and zeros)."""
    return [np.asarray(a, dtype=np.float64) * rng.uniform(0.8, 1.2, np.shape(a)) for a in sample.arrays]


def _assert_same(compiled, eager, name):
    for kind, a, b in zip(("output", "gradient", "second derivative"), compiled, eager):
        assert len(a) == len(b), (name, kind)
        for i, (x, y) in enumerate(zip(a, b)):
            assert (x is None) == (y is None), (name, kind, i)
            if x is not None:
                assert x.shape == y.shape and x.dtype == y.dtype, (name, kind, i)
                assert np.array_equal(x.numpy(), y.numpy(), equal_nan=True), (name, kind, i, x, y)


@pytest.mark.parametrize("info", op_db, ids=[info.name for info in op_db])
def test_op_through_compile_matches_eager_on_new_inputs(info):
    rng = np.random.default_rng(zlib.crc32(info.name.encode()))  # the same sample in every run (hash() is salted)
    sample = info.sample(rng)
    step = _step(info, sample.kwargs)
    compiled = ag.compile(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        first = compiled(*make_tensors(sample))
    _assert_same(first, step(*make_tensors(sample)), info.name)  # the recording call is the eager call
    identity = info.name.startswith("cumprod") and sample.arrays[0].shape[sample.kwargs["dim"]] == 1
    if info.name in REFUSED and not identity:  # (cumprod over a dimension of size 1 makes no decision)
        assert any(issubclass(w.category, CompileWarning) and REFUSED[info.name] in str(w.message) for w in caught)
        assert not compiled.recordings
        return
    assert not [w for w in caught if issubclass(w.category, CompileWarning)], [str(w.message) for w in caught]
    assert len(compiled.recordings) == 1
    for _ in range(2):
        arrays = _new_inputs(sample, rng)
        inputs = [ag.tensor(a, requires_grad=True) for a in arrays]
        replayed = compiled(*inputs)
        assert len(compiled.recordings) == 1  # replayed, not recorded again
        _assert_same(replayed, step(*[ag.tensor(a, requires_grad=True) for a in arrays]), info.name)
