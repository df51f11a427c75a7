"""The one rule for what a forward keeps (autograd/graph.py): arrays only through save_for_backward,
released after backward; an unrecorded op keeps nothing anywhere."""
import gc
import tracemalloc

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.graph import ForwardContext, Node
from autograd.op_db import make_tensors, op_db


def _nodes(outputs):
    roots = [o.grad_fn for o in outputs if isinstance(o, ag.Tensor) and o.grad_fn is not None]
    return [n for n in ag.engine.topological_order(roots) if not isinstance(n, ag.graph.AccumulateGrad)]


def _holds_array(value) -> bool:
    if isinstance(value, (np.ndarray, ag.Tensor)):
        return True
    if isinstance(value, (tuple, list)):
        return any(_holds_array(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_array(v) for v in value.values())
    if hasattr(value, "__dataclass_fields__"):
        return any(_holds_array(getattr(value, f)) for f in value.__dataclass_fields__)
    return False


def _layer_calls():
    """Forward calls of nn layers and functions, each returning outputs whose graph is checked."""
    x4 = ag.randn(2, 3, 8, 8, requires_grad=True)
    seq = ag.randn(2, 5, 4, requires_grad=True)
    tokens = ag.randint(0, 10, (2, 5))
    labels = ag.randint(0, 4, (6,))
    yield "linear", lambda: nn.Linear(4, 3)(seq)
    yield "conv2d", lambda: nn.Conv2d(3, 4, 3, padding=1)(x4)
    yield "conv_transpose2d", lambda: nn.ConvTranspose2d(3, 2, 3, stride=2)(x4)
    yield "max_pool2d", lambda: F.max_pool2d(x4, 2)
    yield "avg_pool2d", lambda: F.avg_pool2d(x4, 3, stride=2, padding=1)
    yield "batch_norm", lambda: nn.BatchNorm2d(3)(x4)
    yield "layer_norm", lambda: nn.LayerNorm(4)(seq)
    yield "group_norm", lambda: nn.GroupNorm(1, 3)(x4)
    yield "embedding", lambda: nn.Embedding(10, 4, padding_idx=0)(tokens) * seq.sum()
    yield "lstm", lambda: nn.LSTM(4, 3, batch_first=True)(seq)[0]
    yield "gru", lambda: nn.GRU(4, 3)(seq)[0]
    yield "attention", lambda: nn.MultiheadAttention(4, 2, batch_first=True)(seq, seq, seq)[0]
    yield "cross_entropy", lambda: F.cross_entropy(ag.randn(6, 4, requires_grad=True), labels, label_smoothing=0.1)
    yield "nll_loss", lambda: F.nll_loss(ag.randn(6, 4, requires_grad=True).log_softmax(1), labels)
    yield "binary_cross_entropy", lambda: F.binary_cross_entropy(ag.rand(6, requires_grad=True), ag.rand(6))
    yield "dropout", lambda: F.dropout(seq, 0.5)


@pytest.mark.parametrize("info", op_db, ids=[info.name for info in op_db])
def test_no_op_keeps_an_array_as_a_ctx_attribute_and_backward_releases_what_it_saved(info):
    sample = info.sample(np.random.default_rng(0))
    result = info.op(*make_tensors(sample), **sample.kwargs)
    outputs = [o for o in (result if isinstance(result, tuple) else (result,)) if isinstance(o, ag.Tensor)]
    nodes = _nodes(outputs)
    for node in nodes:
        kept = {name for name, value in node.__dict__.items() if _holds_array(value)}
        assert not kept, f"{info.name}: {node.name()} keeps arrays as ctx attributes {kept}; use save_for_backward"
    differentiable = [o for o in outputs if o.requires_grad]
    if differentiable:
        ag.backward(differentiable, [ag.ones_like(o) for o in differentiable])
        assert all(node._saved is None and node._outputs is None for node in nodes)


@pytest.mark.parametrize("name, call", list(_layer_calls()), ids=[name for name, _ in _layer_calls()])
def test_layers_keep_arrays_only_through_save_for_backward(name, call):
    out = call()
    nodes = _nodes([out])
    assert nodes, name
    for node in nodes:
        kept = {key for key, value in node.__dict__.items() if _holds_array(value)}
        assert not kept, f"{name}: {node.name()} keeps arrays as ctx attributes {kept}; use save_for_backward"
    out.sum().backward()
    assert all(node._saved is None for node in nodes)


def _held_bytes(fn) -> int:
    """Bytes still allocated after fn() returns and garbage is collected."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        keep = fn()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del keep
    return after - before


def test_unrecorded_ops_leave_nothing_behind():
    x = ag.randn(1000, 1000)  # 4 MB of float32; each op below would keep a mask or output of that size

    def five_unrecorded_ops():
        for op in (lambda t: t.relu(), lambda t: t.abs(), lambda t: t.tanh(), lambda t: t.clamp(-1, 1),
                   lambda t: t.sigmoid()):
            op(x)  # result dropped
        return None

    assert _held_bytes(five_unrecorded_ops) < 100_000
    with ag.no_grad():
        w = ag.randn(1000, 1000, requires_grad=True)
        assert _held_bytes(lambda: [w.relu() for _ in range(3)] and None) < 100_000


def test_backward_releases_what_cross_entropy_kept():
    logits = ag.randn(256, 1000, dtype=ag.float64, requires_grad=True)  # 2 MB of probabilities while recorded
    target = ag.randint(0, 1000, (256,))

    def loss_after_backward():
        loss = F.cross_entropy(logits, target)
        loss.backward()
        return loss  # kept alive: its graph must no longer hold the probabilities

    assert _held_bytes(loss_after_backward) < 200_000 + logits.numel() * 8  # the new logits.grad, nothing more


def test_forward_context_of_an_unrecorded_op_is_fresh_and_keeps_nothing():
    seen = []

    class Spy(ag.Op):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            ctx.scratch = 1
            seen.append(ctx)
            return x * 2

    Spy.apply(ag.randn(3))
    Spy.apply(ag.randn(3))
    assert isinstance(seen[0], ForwardContext) and seen[0] is not seen[1]
    assert seen[0].recording is False and seen[0].needs_input_grad == (False,)
    Spy.apply(ag.randn(3, requires_grad=True))
    assert isinstance(seen[2], Node) and seen[2].recording is True and seen[2].needs_input_grad == (True,)


def _all_op_classes():
    import importlib
    import pkgutil

    import autograd.ops

    for package in (autograd.ops, nn.functional, nn.layers, nn.optim, nn.utils):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(info.name)
    importlib.import_module("nn.init")
    found, stack = set(), [ag.Op]
    while stack:
        for sub in stack.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                stack.append(sub)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def test_ops_that_draw_random_numbers_say_so():
    """autograd.compile replays an op marked draws_random by drawing again; an unmarked op that draws would be
    replayed with the numbers of the recording (a frozen dropout mask)."""
    import inspect

    drawing = []
    for cls in _all_op_classes():
        if "forward" not in vars(cls) or cls.__module__.startswith(("tests", "autograd.compile")):
            continue
        source = inspect.getsource(vars(cls)["forward"].__func__ if hasattr(vars(cls)["forward"], "__func__")
                                   else vars(cls)["forward"])
        if any(word in source for word in ("generator", ".random(", "rng", "default_generator")):
            drawing.append(cls)
            assert getattr(cls, "draws_random", False), f"{cls.__module__}.{cls.__qualname__} draws random numbers"
    assert len(drawing) >= 6  # Sample, KeepMask, Normal, Bernoulli, Poisson, Multinomial, nn.init's draws


def test_backward_nodes_are_named_for_the_function_the_user_called():
    """One op may serve several functions (max and min, sort and gather): the node says which was called."""
    x = ag.randn(3, 4, requires_grad=True)
    names = {"x.max()": x.max(), "x.min()": x.min(), "x.max(0)": x.max(0).values, "x.min(0)": x.min(0).values,
             "x.amax()": x.amax(), "x.amin()": x.amin(), "x.sort()": x.sort(0).values, "x.topk()": x.topk(2).values,
             "x.log2()": x.log2(), "x.rsqrt()": x.abs().rsqrt(), "x.gather()": x.gather(0, ag.tensor([[0]]))}
    expected = {"x.max()": "MaxBackward", "x.min()": "MinBackward", "x.max(0)": "MaxBackward",
                "x.min(0)": "MinBackward", "x.amax()": "AmaxBackward", "x.amin()": "AminBackward",
                "x.sort()": "SortBackward", "x.topk()": "TopkBackward", "x.log2()": "Log2Backward",
                "x.rsqrt()": "RsqrtBackward", "x.gather()": "GatherBackward"}
    assert {k: v.grad_fn.name() for k, v in names.items()} == expected
