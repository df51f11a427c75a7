"""Every op, exported alone and run in onnxruntime, computes what this engine computes (float32 tolerance).

Two sources of cases: every entry of the op registry (`autograd/op_db.py`, so a new op is covered when it
gets its entry), and the ops the registry does not list (comparisons, casts, integer and index work, and
nn.functional's convolution, pooling, normalisation, embedding, activations, attention). An entry whose
ops all have export rules must export and match; one that reaches an op without a rule must fail with
the ExportError naming that op, never export something else.
"""
import numpy as np
import pytest
from onnx_helpers import assert_runs_like_ours  # (beside this file: a tests/onnx folder would shadow the onnx package)

import autograd
import nn
import nn.functional as F
from autograd.onnx import RULES, ExportError
from autograd.onnx.registry import lookup, op_key
from autograd.onnx.trace import run
from autograd.op_db import op_db

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # some cases make NaN and inf on purpose


class Call(nn.Module):
    """A module calling fn(*inputs, **kwargs), so that any function can be exported."""

    def __init__(self, fn, kwargs=None):
        super().__init__()
        self.fn, self.kwargs = fn, kwargs or {}

    def forward(self, *inputs):
        return self.fn(*inputs, **self.kwargs)


def _ops_without_rules(module, inputs) -> set:
    trace = run(module, tuple(inputs), {}, [t._data for t in inputs], [])
    return {r.cls.__name__ for r in trace.records if lookup(r.cls) is None}


def check(module, inputs, rtol=1e-4, atol=1e-5, **export_kwargs):
    """Export and compare, or (when some op has no rule) expect the ExportError naming it."""
    missing = _ops_without_rules(module, inputs)
    try:
        proto = autograd.onnx.export(module, tuple(inputs), **export_kwargs)
    except ExportError as error:
        # only an op without a rule may stop the export, and the error must name it
        assert missing and "no ONNX export rule for the operation" in str(error), error
        assert any(name in str(error) for name in missing)
        return False
    # an op without a rule may still export when it reads only constants (folded): then the values must agree
    assert_runs_like_ours(proto, module, inputs, rtol, atol)
    return True


def _float32(value):
    if isinstance(value, autograd.Tensor) and value.dtype == np.float64:
        return value.float()
    return value


@pytest.mark.parametrize("info", op_db, ids=[i.name for i in op_db])
def test_every_registered_op(info):
    sample = info.sample(np.random.default_rng(7))
    inputs = [autograd.tensor(a.astype(np.float32)) for a in sample.arrays]
    kwargs = {k: _float32(v) for k, v in sample.kwargs.items()}
    check(Call(info.op, kwargs), inputs)


# --------------------------------------------------------------------------- ops the registry does not list
rng = np.random.default_rng(3)


def _x(*shape, low=-2.0, high=2.0):
    return autograd.tensor(rng.uniform(low, high, shape).astype(np.float32))


def _ints(high, *shape):
    return autograd.tensor(rng.integers(0, high, shape))


def _ties(*shape):
    return autograd.tensor(rng.integers(-2, 3, shape).astype(np.float32))


CASES = {
    # comparisons, logic, predicates, casts and integer arithmetic
    "lt/le/gt/ge/eq/ne": (lambda a, b: (a < b, a <= b, a > b, a >= b, a == b, a != b, a > 0.5), [_ties(3, 4), _ties(4)]),
    "logical ops": (lambda a, b: (autograd.logical_and(a > 0, b > 0), autograd.logical_or(a > 0, b), ~(a > 0),
                                  autograd.logical_xor(a, b > 0), (a > 0) & (b < 1), (a > 0) | (b < 1)),
                    [_ties(2, 3), _ties(2, 3)]),
    "isnan/isinf/isfinite": (lambda x: (x.log().isnan(), (x * 1e38 * 1e38).isinf(), x.log().isfinite(),
                                        autograd.isposinf(1 / x), autograd.isneginf(1 / x)), [_ties(3, 4)]),
    "isclose": (lambda a, b: autograd.isclose(a, a + b * 1e-6), [_x(3, 4), _x(3, 4)]),
    "casts": (lambda x: (x.long(), x.int() * 2, (x > 0).float(), x.double(), x.to(autograd.float16).float(),
                         x.bool()), [_x(2, 5, low=-9, high=9)]),
    "integer arithmetic": (lambda a, b: (a + b, a * b - 3, a // b, a % b, autograd.fmod(a, b), a / b, -a, abs(a),
                                         a ** 2, autograd.div(a, b, rounding_mode="trunc")),
                           [autograd.tensor(rng.integers(-9, 9, (3, 4))), autograd.tensor(rng.integers(1, 5, (4,)))]),
    "float division and remainder, negative values": (lambda a, b: (a // b, a % b, autograd.fmod(a, b),
                                                                    autograd.div(a, b, rounding_mode="trunc")),
                                                      [_x(3, 4, low=-5, high=5), _x(4, low=0.5, high=2)]),
    "mixed dtypes promote as PyTorch": (lambda f, i: (f + i, f * (i > 0), i + 1.5, i / 2, f ** i),
                                        [_x(2, 3), autograd.tensor(rng.integers(0, 4, (2, 3)))]),
    "sign, round(decimals)": (lambda x: (x.sign(), x.round(decimals=1), x.round(decimals=-1) + x), [_x(3, 4, low=-30, high=30)]),
    "log1p and expm1 near zero": (lambda x: (x.log1p(), x.expm1()), [autograd.tensor(
        np.array([1e-9, -1e-8, 1e-6, 0.3, -0.5, 2.0, -30.0, 80.0], np.float32))]),
    # reductions with indices, booleans and counts
    "max/min(dim) with indices": (lambda x: (*x.max(1), *x.min(0, keepdim=True)), [_ties(3, 5)]),
    "argmax/argmin": (lambda x: (x.argmax(), x.argmin(1), x.argmax(0, keepdim=True), x.argmax(keepdim=True)),
                      [_ties(4, 5)]),
    "all/any/count_nonzero": (lambda x: ((x > 0).all(), (x > 0).any(1), (x > 0).all(0, keepdim=True),
                                         autograd.count_nonzero(x, 1), autograd.count_nonzero(x)), [_ties(3, 4)]),
    "argsort (stable, with ties)": (lambda x: (x.argsort(-1), x.argsort(0, descending=True)), [_ties(4, 6)]),
    "cumsum of ints": (lambda x: (x.long().cumsum(1), x.cumsum(0)), [_ties(3, 4)]),
    # indexing with tensors that are inputs (traced), not constants
    "index with traced indices": (lambda x, i: (x[i], x[:, i], x[i, i], x.index_select(1, i), x[1:, i][:, ::-1]),
                                  [_x(5, 5), _ints(5, 3)]),
    "gather with traced index": (lambda x, i: x.gather(1, i), [_x(3, 5), _ints(5, 3, 2)]),
    "where/masked_fill with traced masks": (lambda x, m: (autograd.where(m > 0, x, -x), x.masked_fill(m > 0, 0.5),
                                                          x.masked_fill(m > 1, float("-inf")).softmax(-1)),
                                            [_x(3, 4), _ties(3, 4)]),
    "setitem": (lambda x, v: _setitem(x, v), [_x(4, 5), _x(5)]),
    "in-place ops": (lambda x: _inplace(x), [_x(3, 4)]),
    "tril/triu on ints and bools": (lambda x: (x.long().tril(), (x > 0).triu(1)), [_ties(4, 4)]),
    # nn.functional
    "conv2d": (lambda x, w, b: (F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2), dilation=(1, 2)),
                                F.conv2d(x, w, padding="same")), [_x(2, 3, 9, 8), _x(4, 3, 3, 2), _x(4)]),
    "conv2d groups": (lambda x, w: F.conv2d(x, w, groups=2, stride=2), [_x(2, 4, 7, 7), _x(6, 2, 3, 3)]),
    "conv1d": (lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1), [_x(2, 3, 11), _x(5, 3, 3), _x(5)]),
    "conv_transpose2d": (lambda x, w, b: (F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1),
                                          F.conv_transpose2d(x, w, stride=(1, 2), dilation=(2, 1))),
                         [_x(2, 4, 5, 4), _x(4, 3, 3, 2), _x(3)]),
    "conv_transpose1d": (lambda x, w: F.conv_transpose1d(x, w, stride=3, padding=1), [_x(2, 4, 6), _x(4, 2, 4)]),
    "max_pool": (lambda x: (F.max_pool2d(x, 3, 2, 1), F.max_pool2d(x, (2, 3), ceil_mode=True),
                            F.max_pool2d(x, 2, dilation=2), F.max_pool1d(x.flatten(2), 4, 3)), [_x(2, 3, 9, 8)]),
    "max_pool return_indices": (lambda x: F.max_pool2d(x, 2, return_indices=True), [_x(2, 3, 6, 6)]),
    "avg_pool": (lambda x: (F.avg_pool2d(x, 3, 2, 1), F.avg_pool2d(x, 3, 2, 1, count_include_pad=False),
                            F.avg_pool2d(x, 2, ceil_mode=True), F.avg_pool2d(x, 2, divisor_override=3),
                            F.avg_pool1d(x.flatten(2), 3)), [_x(2, 3, 7, 8)]),
    "adaptive_avg_pool": (lambda x: (F.adaptive_avg_pool2d(x, 1), F.adaptive_avg_pool2d(x, (3, 2)),
                                     F.adaptive_avg_pool1d(x.flatten(2), 5)), [_x(2, 3, 7, 8)]),
    "norms (eval)": (lambda x, w, b, m, v: (F.batch_norm(x, m, v, w, b), F.layer_norm(x, (5, 6), None, None),
                                            F.group_norm(x, 2, F.relu(w), b), F.instance_norm(x),
                                            F.layer_norm(x, 6)),
                     [_x(3, 4, 5, 6), _x(4), _x(4), _x(4), _x(4, low=0.5, high=2)]),
    "embedding": (lambda w, i: (F.embedding(i, w), F.embedding(i, w, padding_idx=0)), [_x(10, 4), _ints(10, 2, 3)]),
    "linear 3-d and 1-d": (lambda x, w, b: (F.linear(x, w, b), F.linear(x[0, 0], w), F.bilinear(x, x, w.unsqueeze(1)
                                                                                                  .expand(4, 5, 5))),
                           [_x(2, 3, 5), _x(4, 5), _x(4)]),
    "softmax family": (lambda x: (F.softmax(x, 1), F.log_softmax(x, -1), F.softmin(x, 0)), [_x(3, 4, 5)]),
    "attention": (lambda q, k, v: (F.scaled_dot_product_attention(q, k, v),
                                   F.scaled_dot_product_attention(q, k, v, is_causal=True),
                                   F.scaled_dot_product_attention(q, k, v, attn_mask=k[..., :1].mT > 0)),
                  [_x(2, 3, 4, 8), _x(2, 3, 4, 8), _x(2, 3, 4, 6)]),
    "normalize and norms": (lambda x: (F.normalize(x), x.norm(p=1, dim=1), x.std(0), x.var(1, keepdim=True)),
                            [_x(3, 4)]),
    "elu/selu/celu coefficients, prelu per channel, shrink and threshold arguments": (
        lambda x, w: (F.elu(x, 0.7), F.selu(x), F.celu(x, 2.0), F.prelu(x, w), F.softshrink(x, 0.3),
                      F.hardshrink(x, 1.5), F.threshold(x, -0.5, 7.0)), [_x(2, 3, 4), _x(3)]),
    "nll_loss with traced targets and weights": (
        lambda x, t, w, t3: (F.nll_loss(F.log_softmax(x, 1), t), F.nll_loss(x, t, ignore_index=1, reduction="none"),
                             F.nll_loss(x, t, weight=w, reduction="sum"), F.nll_loss(x, t, weight=w, ignore_index=0),
                             F.nll_loss(x.reshape(2, 5, 2), t3)),
        [_x(4, 5), _ints(5, 4), _x(5, low=0.5, high=2), _ints(5, 2, 2)]),
    "scatter, scatter_add, index_add and index_select with traced indices": (
        lambda x, i, j, s: (x.scatter(1, i, s), x.scatter(0, i, 2.5), x.scatter_add(1, i, s), x.index_add(0, j, s[:2]),
                            x.index_select(1, j), x.gather(1, i), autograd.take_along_dim(x[:3], i - 4, 1)),
        [_x(4, 5), _ints(4, 3, 2), _ints(4, 2), _x(3, 5)]),
    "roll, unfold, fill_, reciprocal, xlogy, cdist, topk, max/min of all": (
        lambda x, y: (x.roll(2, 1), x.roll((-1, 3), (0, 1)), x.roll(1), x.unfold(1, 2, 2), x.unfold(0, 3, 1),
                      x.clone().fill_(3.0), x.reciprocal(), autograd.xlogy(x.abs(), y[:3].abs()), autograd.cdist(x, y),
                      autograd.cdist(x, y, p=float("inf")), x.topk(2, 1).indices, x.max(), x.min()),
        [_x(3, 5), _x(4, 5)]),
}


def _setitem(x, v):
    y = x.clone()
    y[1] = v
    y[:, 2] = 0.0
    y[[0, 2, 0], [1, 3, 4]] = -1.0
    y[autograd.tensor(np.arange(20).reshape(4, 5) % 3 == 0)] = 9.0  # a constant boolean mask
    return y


def _inplace(x):
    y = x.clone()
    y.add_(1).mul_(2)
    y.relu_()
    return y, x.clone().clamp_(-1, 1)


def _activations():
    """Every activation module in nn, with default arguments (PReLU, Softmax and friends with a dim)."""
    modules = {name: getattr(nn, name) for name in ("ReLU", "ReLU6", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "GELU",
                                                   "SiLU", "Mish", "Softplus", "Softsign", "Hardtanh", "Hardsigmoid",
                                                   "Hardswish", "Sigmoid", "Tanh", "LogSigmoid", "Tanhshrink",
                                                   "Softshrink", "Hardshrink", "Threshold", "Softmax", "LogSoftmax",
                                                   "Softmin", "Identity", "GLU") if hasattr(nn, name)}
    for name, cls in modules.items():
        if name == "Threshold":
            yield name, cls(0.1, -1.0)
        elif name in ("Softmax", "LogSoftmax", "Softmin"):
            yield name, cls(dim=1)
        else:
            yield name, cls()
    if hasattr(nn, "GELU"):
        yield "GELU(tanh)", nn.GELU(approximate="tanh")


@pytest.mark.parametrize("name", list(CASES))
def test_ops_beyond_the_registry(name):
    fn, inputs = CASES[name]
    assert check(Call(fn), inputs), f"{name}: some op has no export rule"


@pytest.mark.parametrize("name,module", list(_activations()), ids=[n for n, _ in _activations()])
def test_every_activation_module(name, module):
    x = autograd.tensor(np.linspace(-4, 4, 2 * 5 * 6, dtype=np.float32).reshape(2, 5, 6) + 0.01)
    assert check(module, [x]), f"{name}: some op has no export rule"


def test_the_rule_table_covers_the_ops_models_use_and_names_real_classes():
    import importlib

    for key in RULES:
        module, _, name = key.rpartition(".")
        assert hasattr(importlib.import_module(module), name), f"a rule is registered for {key}, which does not exist"
    import autograd.ops.activation as A
    import nn.functional.conv as C
    import nn.functional.pooling as P
    for cls in (A.Relu, A.Where, A.Clamp, C._Conv, C._ConvTranspose, P._MaxPool, P._AvgPool):
        assert op_key(cls) in RULES


def test_new_rules_follow_dynamic_sizes():
    """Rules whose ONNX form rebuilds sizes from the inputs' shapes (roll, unfold, var/std, index_add, scatter_add,
    nll_loss's mean) are right at sizes other than the traced ones."""
    def fn(x, i, t):
        return (x.roll(2, 1), x.roll(-1, 0), x.unfold(1, 3, 1), x.var(1), x.std((0, 1)), x.var(0, correction=0),
                x.index_add(0, i[:, 0], x[:2] * 2), x.scatter_add(1, i, x[:2, :2]), F.nll_loss(x, t),
                F.nll_loss(x, t, reduction="none", ignore_index=0))

    def inputs(b, n):
        return [autograd.tensor(rng.normal(size=(b, n)).astype(np.float32)),
                autograd.tensor(rng.integers(0, 2, (2, 2))), autograd.tensor(rng.integers(0, 3, (b,)))]

    model = Call(fn)
    proto = autograd.onnx.export(model, tuple(inputs(3, 7)), input_names=["x", "i", "t"],
                                 dynamic_axes={"x": {0: "batch", 1: "length"}, "t": {0: "batch"}}, verify=True)
    for b, n in [(3, 7), (5, 4), (2, 9)]:
        assert_runs_like_ours(proto, model, inputs(b, n))


def test_adding_at_positions_needs_opset_16():
    with pytest.raises(ExportError, match="opset 16"):
        autograd.onnx.export(Call(lambda x, i: x.scatter_add(1, i, x)), (_x(2, 3), _ints(3, 2, 3)), opset_version=13)
