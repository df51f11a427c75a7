"""No silent wrong answers: bad inputs, engine faults and the numerical edges (issue 12).

- Bad inputs raise an error that names the op, the argument and what is allowed, where PyTorch raises too.
- Engine faults are caught: in-place changes of saved tensors (including `.grad`, which backward itself
  writes), reusing a freed graph; a tensor's storage is always an ndarray; numpy's floating-point warnings
  never leak out of an op, while anomaly mode still reports the NaN a backward produces.
- Anomaly mode names the user's own line and the module path of the failing op.
- Numerical edges: each case has fixed expectations, derived by hand from PyTorch's formulas
  (derivatives.yaml and its kernels; the convention is written beside each), checked always, and where
  torch is installed the same cases are compared with PyTorch's values, first and second derivatives.

Thread interplay is in test_threads.py; every op at random shapes and edges against PyTorch in
test_fuzz_against_torch.py and test_op_db_against_torch.py.
"""
import math
import warnings

import numpy as np
import pytest
from torch_fuzz import Fn, Lib, compare

import autograd as ag
import nn
from autograd.op_db import make_tensors, op_db

INF, NAN = math.inf, math.nan
EPS32 = float(np.float32(1e-12))  # the eps of PyTorch's binary_cross_entropy_backward (a float there)


def _torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


# --------------------------------------------------------------------------- bad inputs
def _x(m):
    return m.lib.arange(12.0).reshape(3, 4)


BAD_INPUTS = [  # (name, call(m), fragments our message must contain)
    ("narrow start past the end", lambda m: _x(m).narrow(1, 5, 1), ["narrow", "start", "[-4, 4]", "5"]),
    ("narrow start before the start", lambda m: _x(m).narrow(1, -5, 1), ["narrow", "start", "-5"]),
    ("narrow length past the end", lambda m: _x(m).narrow(1, 2, 3), ["narrow", "length", "(4)"]),
    ("narrow negative length", lambda m: _x(m).narrow(1, 2, -1), ["narrow", "length", "non-negative"]),
    ("select index past the end", lambda m: _x(m).select(1, 4), ["select", "index 4", "[-4, 3]"]),
    ("select on 0-d", lambda m: m.lib.tensor(1.0).select(0, 0), ["select", "0-d"]),
    ("split size 0", lambda m: _x(m).split(0, 1), ["split", "0"]),
    ("split negative size", lambda m: _x(m).split(-1, 1), ["split", "non-negative"]),
    ("split sizes not summing", lambda m: _x(m).split([1, 2], 1), ["split", "sum", "4"]),
    ("split negative section", lambda m: _x(m).split([5, -1], 1), ["split", "-1"]),
    ("chunk 0", lambda m: _x(m).chunk(0, 1), ["chunk", "greater than 0"]),
    ("unfold size too large", lambda m: _x(m).unfold(1, 5, 1), ["unfold", "size", "5"]),
    ("unfold step 0", lambda m: _x(m).unfold(1, 2, 0), ["unfold", "step"]),
    ("index_select out of range", lambda m: _x(m).index_select(1, m.lib.tensor([4])), ["index_select", "4", "[0, 3]"]),
    ("index_select negative", lambda m: _x(m).index_select(1, m.lib.tensor([-1])), ["index_select", "-1"]),
    ("index_select 2-d index", lambda m: _x(m).index_select(1, m.lib.tensor([[0]])), ["index_select", "vector"]),
    ("gather out of range", lambda m: _x(m).gather(1, m.lib.tensor([[4]])), ["gather", "4", "dimension 1"]),
    ("gather negative", lambda m: _x(m).gather(1, m.lib.tensor([[-1]])), ["gather", "-1"]),
    ("gather index larger", lambda m: _x(m).gather(1, m.lib.zeros(4, 1, dtype=m.lib.long)), ["gather", "larger"]),
    ("scatter out of range", lambda m: m.lib.zeros(3, 4).scatter(1, m.lib.tensor([[4]]), m.lib.ones(1, 1)),
     ["scatter", "4"]),
    ("scatter_add dtype", lambda m: m.lib.zeros(3, 4, dtype=m.lib.float32).scatter_add(
        1, m.lib.tensor([[0]]), m.lib.ones(1, 1, dtype=m.lib.float64)), ["scatter_add", "dtype"]),
    ("index_add out of range", lambda m: m.lib.zeros(3, 4).index_add(1, m.lib.tensor([4]), m.lib.ones(3, 1)),
     ["index_add", "4"]),
    ("roll shifts and dims differ", lambda m: _x(m).roll((1, 2), (0,)), ["roll", "same length"]),
    ("roll dim out of range", lambda m: _x(m).roll(1, 2), ["roll", "out of range"]),
    ("movedim repeated", lambda m: m.lib.zeros(2, 3, 4).movedim((0, 0), (2, 1)), ["movedim", "repeated"]),
    ("movedim out of range", lambda m: _x(m).movedim(2, 0), ["movedim", "range"]),
    ("diagonal same dims", lambda m: m.lib.zeros(3, 3).diagonal(0, 1, -1), ["diagonal", "same"]),
    ("topk k too large", lambda m: _x(m).topk(5), ["topk", "k"]),
    ("conv2d kernel 0", lambda m: m.F.conv2d(m.lib.zeros(1, 1, 3, 3), m.lib.zeros(1, 1, 0, 0)), ["conv2d", "kernel"]),
    ("conv2d stride 0", lambda m: m.F.conv2d(m.lib.zeros(1, 1, 3, 3), m.lib.zeros(1, 1, 1, 1), stride=0),
     ["conv2d", "stride"]),
    ("conv2d negative padding", lambda m: m.F.conv2d(m.lib.zeros(1, 1, 3, 3), m.lib.zeros(1, 1, 1, 1), padding=-1),
     ["conv2d", "padding"]),
    ("conv2d dilation 0", lambda m: m.F.conv2d(m.lib.zeros(1, 1, 3, 3), m.lib.zeros(1, 1, 1, 1), dilation=0),
     ["conv2d", "dilation"]),
    ("Conv2d(kernel_size=0) used", lambda m: m.nn.Conv2d(1, 1, 0)(m.lib.zeros(1, 1, 3, 3)), ["kernel"]),
    ("max_pool2d kernel 0", lambda m: m.F.max_pool2d(m.lib.zeros(1, 1, 3, 3), 0), ["max_pool2d"]),
    ("max_pool2d padding over half the kernel", lambda m: m.F.max_pool2d(m.lib.zeros(1, 1, 3, 3), 2, 1, 2),
     ["max_pool2d", "pad", "half"]),
    ("max_pool1d padding over half the plain kernel", lambda m: m.F.max_pool1d(m.lib.zeros(1, 1, 5), 2, 1, 2,
                                                                                  dilation=3), ["max_pool1d", "pad"]),
    ("avg_pool2d negative padding", lambda m: m.F.avg_pool2d(m.lib.zeros(1, 1, 3, 3), 2, 1, -1), ["avg_pool2d", "padding"]),
    ("embedding padding_idx out of range", lambda m: m.F.embedding(m.lib.tensor([0]), m.lib.zeros(3, 2), padding_idx=3),
     ["padding_idx"]),
    ("Embedding padding_idx out of range", lambda m: m.nn.Embedding(3, 2, padding_idx=-4), ["padding_idx"]),
    ("embedding index out of range", lambda m: m.F.embedding(m.lib.tensor([3]), m.lib.zeros(3, 2)), ["embedding", "3"]),
    ("tensor from text", lambda m: m.lib.tensor("text"), ["str"]),
    ("tensor from bytes", lambda m: m.lib.tensor(b"ab"), ["bytes"]),
    ("batched matmul batch dims", lambda m: m.lib.zeros(2, 3, 4) @ m.lib.zeros(3, 4, 5), ["matmul", "batch", "2", "3"]),
    ("matmul inner dims", lambda m: m.lib.zeros(2, 3, 4) @ m.lib.zeros(2, 5, 5), ["matmul", "4", "5"]),
    ("masked_fill mask shape", lambda m: _x(m).masked_fill(m.lib.zeros(2, 4, dtype=m.lib.bool), 1.0),
     ["masked_fill", "(2, 4)", "(3, 4)"]),
    ("masked_fill float mask", lambda m: _x(m).masked_fill(m.lib.zeros(3, 4), 1.0), ["masked_fill", "bool"]),
    ("integer division by zero", lambda m: m.lib.tensor([1, 2]) // m.lib.tensor([0, 1]), ["floor_divide", "zero"]),
    ("integer remainder by zero", lambda m: m.lib.tensor([1, 2]) % m.lib.tensor([0, 1]), ["remainder", "zero"]),
    ("view of a transposed tensor", lambda m: _x(m).t().view(12), ["view", "reshape"]),
    ("reshape without a shape", lambda m: _x(m).reshape(), ["reshape", "shape"]),
    ("norm 'fro' over three dims", lambda m: m.lib.zeros(2, 2, 2).norm("fro", dim=(0, 1, 2)), ["norm", "fro"]),
    ("norm inf of an empty dim", lambda m: m.lib.zeros(0, 3).norm(float("inf"), dim=0), ["norm", "empty"]),
    ("amax over an empty dim", lambda m: m.lib.zeros(0, 3).amax(0), ["amax", "size 0"]),
    ("bce weight requiring grad",
     lambda m: m.F.binary_cross_entropy(m.lib.full((2,), 0.5), m.lib.ones(2), weight=m.lib.ones(2, requires_grad=True)),
     ["binary_cross_entropy", "weight"]),
    ("group_norm one value per group", lambda m: m.F.group_norm(m.lib.zeros(1, 2), 2), ["group_norm", "more than 1"]),
    ("cdist column mismatch", lambda m: m.lib.cdist(m.lib.zeros(3, 2), m.lib.zeros(4, 3)), ["cdist", "columns"]),
]


class _Namespace:
    def __init__(self, module, functional, modules):
        self.lib, self.F, self.nn = module, functional, modules


@pytest.mark.parametrize("name, call, fragments", BAD_INPUTS, ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_raises_a_clear_error(name, call, fragments):
    import nn.functional as F

    with pytest.raises((RuntimeError, ValueError, IndexError, TypeError)) as error:
        call(_Namespace(ag, F, nn))
    message = str(error.value)
    missing = [f for f in fragments if f not in message]
    assert not missing, f"{name}: the message lacks {missing}: {message!r}"
    torch = _torch()
    if torch is not None:  # PyTorch refuses it too: we are not stricter than the reference
        with pytest.raises(Exception):  # noqa: B017 - any error PyTorch gives
            call(_Namespace(torch, torch.nn.functional, torch.nn))


# --------------------------------------------------------------------------- engine faults
def test_accumulating_into_grad_bumps_its_version_so_a_graph_that_saved_it_notices():
    """backward writes into `.grad` in place; a graph that saved `.grad` must see the change (PyTorch does)."""
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    before = x.grad._version
    y = ag.tensor([3.0, 4.0], requires_grad=True)
    saved = (y * x.grad).sum()  # Mul saves x.grad for y's gradient
    (x * x).sum().backward()  # adds into x.grad in place
    assert x.grad._version > before
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        saved.backward()


def test_in_place_change_of_a_saved_tensor_through_a_view_is_caught():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    a = x * 1.0
    y = (a.exp() * 2).sum()  # exp saves its output... and a is saved by nothing; change the exp output's base
    out = a.exp()
    z = (out * out).sum()
    with ag.no_grad():
        out[0:1].mul_(2.0)
    with pytest.raises(RuntimeError, match="inplace"):
        z.backward()
    y.backward()  # the untouched graph still works
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp([1.0, 2.0, 3.0]))


def test_a_freed_graph_says_retain_graph():
    x = ag.tensor([1.0], requires_grad=True)
    y = (x.exp() * 2).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


@pytest.mark.parametrize("make", [
    lambda: ag.tensor([1.0, 2.0])[0],
    lambda: ag.tensor([3.0, 4.0]).norm(),
    lambda: ag.tensor([3.0, 4.0]).std(),
    lambda: ag.tensor(2.0).exp(),
    lambda: ag.tensor(2.0).sqrt() + 1,
    lambda: ag.tensor([1.0, 2.0]).sum(),
    lambda: ag.tensor([1.0, 2.0]).max(),
    lambda: ag.tensor([1.0, 2.0]).max(0).values,
    lambda: ag.tensor([1.0, 2.0]).prod(),
    lambda: ag.tensor([1.0, 2.0]).dot(ag.tensor([1.0, 1.0])),
], ids=["x[0]", "norm", "std", "exp(0-d)", "sqrt(0-d)+1", "sum", "max", "max(dim)", "prod", "dot"])
def test_zero_d_results_are_arrays_and_work_in_place(make):
    t = make()
    assert type(t._data) is np.ndarray and t.shape == ()
    expected = float(t) * 2 + 1
    t.mul_(2).add_(1)
    assert float(t) == pytest.approx(expected, rel=1e-6)


def _edge_samples():
    for info in op_db:
        if info.edges is not None:
            for seed in range(2):
                yield info, info.edges(np.random.default_rng(seed))


def test_no_numpy_floating_point_warning_leaks_from_any_op_at_its_edges():
    """Forward, backward and double backward at zeros, infinities and NaNs: IEEE results, no warning
    (code run under -W error behaves as with PyTorch)."""
    for info, sample in _edge_samples():
        tensors = make_tensors(sample)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                out = info.op(*tensors, **sample.kwargs)
            except (RuntimeError, ValueError, IndexError):
                continue  # an op refusing its input (an empty dim without identity): an error, not a warning
            outs = [o for o in (out if isinstance(out, tuple) else (out,)) if o.requires_grad]
            if not outs:
                continue
            grads = ag.grad(outs, tensors, [ag.ones_like(o) for o in outs], create_graph=True, allow_unused=True)
            connected = [g.sum() for g in grads if g is not None and g.requires_grad]
            if connected:
                ag.grad(connected, tensors, allow_unused=True)


def test_anomaly_mode_still_reports_the_nan_a_backward_returns():
    x = ag.tensor([-1.0, 4.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with ag.detect_anomaly():
            y = x.sqrt().sum()  # sqrt(-1) = nan, silently, as PyTorch
            assert math.isnan(y.item())
            with pytest.raises(RuntimeError, match="SqrtBackward.*nan"):
                y.backward()


# --------------------------------------------------------------------------- anomaly mode
class _NanBackward(ag.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 1.0

    @staticmethod
    def backward(ctx, grad):
        return grad * math.nan


def test_anomaly_error_shows_the_users_line_for_a_function_apply():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with ag.detect_anomaly():
        y = _NanBackward.apply(x)  # the line the report must show
        with pytest.raises(RuntimeError) as error:
            y.sum().backward()
    message = str(error.value)
    assert "_NanBackwardBackward" in message and "y = _NanBackward.apply(x)" in message
    assert "autograd/function.py" not in message and "autograd/graph.py" not in message


class _Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear1 = nn.Linear(2, 2)

    def forward(self, x):
        return self.linear1(x).sqrt()  # nan where linear1 is negative, and so is its gradient


class _Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([_Block(), _Block()])

    def forward(self, x):
        for layer in self.layers:  # iterated, not called: the path still names the list
            x = layer(x)
        return x


class _Model(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = _Encoder()

    def forward(self, x):
        return self.encoder(x)


def test_anomaly_error_names_the_module_path_and_the_users_frames():
    model = _Model()
    with ag.no_grad():
        for value, layer in zip((1.0, -1.0), model.encoder.layers):  # the second block takes sqrt of negatives
            layer.linear1.weight.fill_(value)
            layer.linear1.bias.fill_(value)
    with ag.detect_anomaly():
        out = model(ag.tensor([[1.0, 2.0]]))
        with pytest.raises(RuntimeError) as error:
            out.sum().backward()
    message = str(error.value)
    assert "SqrtBackward" in message and "in module encoder.layers.1 (in _Model)" in message
    assert "return self.linear1(x).sqrt()" in message and "out = model(ag.tensor([[1.0, 2.0]]))" in message
    assert "nn/module.py" not in message and "nn/layers" not in message


def test_named_modules_paths_are_the_scopes_of_recorded_nodes():
    model = _Model()
    out = model(ag.tensor([[1.0, 2.0]], requires_grad=True))
    assert out.grad_fn.scope == ("_Model", "encoder", "layers", "1")  # the last sqrt, in the second block
    linear = out.grad_fn.next_functions[0][0]
    assert linear.scope == ("_Model", "encoder", "layers", "1", "linear1")


def test_detect_anomaly_without_the_nan_check_keeps_creation_stacks_and_does_not_raise():
    x = ag.tensor([-1.0], requires_grad=True)
    with ag.detect_anomaly(check_nan=False):
        assert ag.is_anomaly_enabled() and not ag.is_anomaly_check_nan_enabled()
        y = x.sqrt()
        assert y.grad_fn._creation_stack is not None
        y.sum().backward()
    assert math.isnan(x.grad.item())


# --------------------------------------------------------------------------- numerical edges
def _layer_norm_grad(w):
    """d(Σ w·layer_norm(x))/dx for a constant row x: (w - mean w)/√eps (x̂ = 0 there)."""
    w = np.asarray(w)
    return (w - w.mean()) / math.sqrt(1e-5)


EDGES = [  # (name, call(m, *tensors), inputs, grad_outputs or None, expected value, expected first derivatives)
    # std/var: a zero gradient at equal values (PyTorch masks g/(2·std) where std = 0)
    ("std of equal values", lambda m, x: x.std(), [[1.0, 1.0, 1.0]], None, 0.0, [[0.0, 0.0, 0.0]]),
    ("std over a dim with one equal row", lambda m, x: x.std(0), [[[1.0, 2.0], [1.0, 4.0]]], None, [0.0, math.sqrt(2)],
     [[[0.0, -1 / math.sqrt(2)], [0.0, 1 / math.sqrt(2)]]]),
    ("var of equal values", lambda m, x: x.var(), [[1.0, 1.0, 1.0]], None, 0.0, [[0.0, 0.0, 0.0]]),
    ("var with no degrees of freedom", lambda m, x: x.var(), [[2.0]], None, NAN, [[NAN]]),  # where(x = mean, nan, inf)
    # norms: 0 where the norm is 0; sign(0) = 0; |x|^(p-1) set to 0 at zero entries for p < 1; ties share at ±inf
    ("norm of zeros", lambda m, x: x.norm(), [[0.0, 0.0]], None, 0.0, [[0.0, 0.0]]),
    ("norm p=1 at a zero entry", lambda m, x: x.norm(p=1), [[0.0, -2.0]], None, 2.0, [[0.0, -1.0]]),
    ("norm p=3 of zeros", lambda m, x: x.norm(p=3), [[0.0, 0.0]], None, 0.0, [[0.0, 0.0]]),
    ("norm p=0.5 at a zero entry", lambda m, x: x.norm(p=0.5), [[0.0, 1.0]], None, 1.0, [[0.0, 1.0]]),
    ("norm p=inf with tied entries", lambda m, x: x.norm(p=INF), [[1.0, -1.0, 0.5]], None, 1.0, [[0.5, -0.5, 0.0]]),
    ("norm p=0 has no gradient", lambda m, x: x.norm(p=0), [[0.0, 2.0]], None, 1.0, [None]),
    ("normalize a zero row", lambda m, x: m.F.normalize(x, dim=0), [[0.0, 0.0]], None, [0.0, 0.0], [[1e12, 1e12]]),
    ("cdist at distance 0", lambda m, a, b: m.lib.cdist(a, b), [[[0.0, 1.0]], [[0.0, 1.0]]], None, [[0.0]],
     [[[0.0, 0.0]], [[0.0, 0.0]]]),
    # pow at base 0: d/da = b·a^(b-1) (0 where b = 0); d/db = 0 where a = 0 and b >= 0, else a^b·log a (-inf)
    ("sqrt at 0", lambda m, x: x.sqrt(), [[0.0, 4.0]], None, [0.0, 2.0], [[INF, 0.25]]),
    ("pow 0.5 at 0", lambda m, x: x ** 0.5, [[0.0, 4.0]], None, [0.0, 2.0], [[INF, 0.25]]),
    ("pow 1.5 at 0", lambda m, x: x ** 1.5, [[0.0, 4.0]], None, [0.0, 8.0], [[0.0, 3.0]]),
    ("pow -1.5 at 0", lambda m, x: x ** -1.5, [[0.0, 1.0]], None, [INF, 1.0], [[-INF, -1.5]]),
    ("pow 0 anywhere", lambda m, x: x ** 0, [[0.0, -1.0]], None, [1.0, 1.0], [[0.0, 0.0]]),
    ("pow tensor base 0", lambda m, a, b: a ** b, [[0.0, 0.0, 0.0], [-1.0, 0.0, 0.5]], None, [INF, 1.0, 0.0],
     [[-INF, 0.0, INF], [-INF, 0.0, 0.0]]),
    ("zero base to a tensor power", lambda m, b: 0.0 ** b, [[-1.0, 0.0, 2.0]], None, [INF, 1.0, 0.0], [[-INF, 0.0, 0.0]]),
    ("rsqrt at 0", lambda m, x: x.rsqrt(), [[0.0, 4.0]], None, [INF, 0.5], [[-INF, -1 / 16]]),
    ("reciprocal at 0", lambda m, x: x.reciprocal(), [[0.0, 2.0]], None, [INF, 0.5], [[-INF, -0.25]]),
    ("divide by 0", lambda m, a, b: a / b, [[1.0, 0.0], [0.0, 0.0]], None, [INF, NAN], [[INF, INF], [-INF, NAN]]),
    # where: the branch not taken gets a zero gradient; a nan it produces still multiplies through (PyTorch's too)
    ("where with a nan branch", lambda m, x: m.lib.where(x > 0, x.log(), x), [[-1.0, 2.0]], None, [-1.0, math.log(2)],
     [[1.0, 0.5]]),
    ("where with sqrt of negatives", lambda m, x: m.lib.where(x > 0, x.sqrt(), 0.0), [[-1.0, 0.0, 4.0]], None,
     [0.0, 0.0, 2.0], [[NAN, NAN, 0.25]]),
    # kinks: relu/abs/sign 0 at 0, clamp passes the gradient at its bounds (to x when min <= x <= max)
    ("abs at 0", lambda m, x: x.abs(), [[0.0, -2.0]], None, [0.0, 2.0], [[0.0, -1.0]]),
    ("relu at 0", lambda m, x: x.relu(), [[0.0, 1.0]], None, [0.0, 1.0], [[0.0, 1.0]]),
    ("clamp at its bounds", lambda m, x: x.clamp(-1.0, 1.0), [[-1.0, 1.0, 2.0]], None, [-1.0, 1.0, 1.0], [[1.0, 1.0, 0.0]]),
    ("clamp with x = min = max", lambda m, x, lo, hi: x.clamp(lo, hi), [[1.0, 0.0, 2.0], [1.0] * 3, [1.0] * 3], None,
     [1.0, 1.0, 1.0], [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0], [0.0, 0.0, 1.0]]),
    ("hardtanh at its bounds", lambda m, x: m.F.hardtanh(x), [[-1.0, 1.0, 0.0]], None, [-1.0, 1.0, 0.0], [[0.0, 0.0, 1.0]]),
    ("maximum at a tie and a nan", lambda m, a, b: m.lib.maximum(a, b), [[1.0, NAN], [1.0, 2.0]], None, [1.0, NAN],
     [[0.5, 1.0], [0.5, 1.0]]),
    ("amax with ties", lambda m, x: x.amax(), [[3.0, 3.0, 1.0]], None, 3.0, [[0.5, 0.5, 0.0]]),
    ("max() with a nan", lambda m, x: x.max(), [[NAN, 1.0, NAN]], None, NAN, [[0.5, 0.0, 0.5]]),
    ("max(dim) with ties goes to the first", lambda m, x: x.max(0).values, [[3.0, 3.0, 1.0]], None, 3.0,
     [[1.0, 0.0, 0.0]]),
    ("topk with ties: PyTorch's indices", lambda m, x: x.topk(2).values, [[1.0, 1.0, 1.0, 0.0, 1.0]], [1.0, 2.0],
     [1.0, 1.0], [[0.0, 0.0, 1.0, 0.0, 2.0]]),
    # activations at 0 and at thresholds: PyTorch's backward kernels choose the side
    ("elu(0.5) at 0", lambda m, x: m.F.elu(x, 0.5), [[0.0]], None, [0.0], [[0.5]]),
    ("selu at 0", lambda m, x: m.F.selu(x), [[0.0]], None, [0.0], [[1.6732632423543772 * 1.0507009873554805]]),
    ("celu(2) at 0", lambda m, x: m.F.celu(x, 2.0), [[0.0]], None, [0.0], [[1.0]]),
    ("prelu at 0", lambda m, x, w: m.F.prelu(x, w), [[0.0, -1.0], [0.25]], None, [0.0, -0.25], [[0.25, 0.25], [-1.0]]),
    ("leaky_relu at 0", lambda m, x: m.F.leaky_relu(x, 0.2), [[0.0]], None, [0.0], [[0.2]]),
    ("softplus at its threshold", lambda m, x: m.F.softplus(x, 1.0, 2.0), [[2.0]], None, [math.log1p(math.exp(2))],
     [[1 / (1 + math.exp(-2))]]),
    ("softshrink at its bounds", lambda m, x: m.F.softshrink(x, 0.5), [[-0.5, 0.5, 0.7]], None, [0.0, 0.0, 0.2],
     [[0.0, 0.0, 1.0]]),
    # losses: logs clamped at -100, BCE's eps (float 1e-12) in the input gradient, its target gradient unclamped
    ("binary_cross_entropy at 0 and 1", lambda m, x, t: m.F.binary_cross_entropy(x, t, reduction="none"),
     [[0.0, 1.0, 0.0], [0.0, 1.0, 1.0]], None, [0.0, 0.0, 100.0], [[0.0, 0.0, -1 / EPS32], [INF, -INF, INF]]),
    ("mean of nothing", lambda m, x: x.mean(), [np.zeros(0)], None, NAN, [np.zeros(0)]),
    ("mse_loss of nothing", lambda m, x, t: m.F.mse_loss(x, t), [np.zeros(0), np.zeros(0)], None, NAN,
     [np.zeros(0), np.zeros(0)]),
    ("cross_entropy with total weight 0", lambda m, x: m.F.cross_entropy(x, m.lib.tensor([0, 0]),
                                                                         weight=m.lib.tensor([0.0, 1.0], dtype=m.lib.float64)),
     [[[0.1, 0.2], [0.3, 0.4]]], None, NAN, [[[NAN, NAN], [NAN, NAN]]]),
    ("nll_loss with total weight 0", lambda m, x: m.F.nll_loss(
        x, m.lib.tensor([0, 0]), weight=m.lib.tensor([0.0, 1.0], dtype=m.lib.float64)),
     [[[0.1, 0.2], [0.3, 0.4]]], None, NAN, [[[NAN, 0.0], [NAN, 0.0]]]),
    ("cross_entropy with every target ignored", lambda m, x: m.F.cross_entropy(x, m.lib.tensor([-100, -100])),
     [[[0.1, 0.2], [0.3, 0.4]]], None, NAN, [[[0.0, 0.0], [0.0, 0.0]]]),
    ("kl_div at target 0", lambda m, x, t: m.F.kl_div(x, t, reduction="sum"), [[-1.0], [0.0]], None, 0.0,
     [[0.0], [NAN]]),  # xlogy(t, t): its t-derivative there is 0/0
    ("layer_norm of a constant row", lambda m, x: m.F.layer_norm(x, (3,)), [[1.0, 1.0, 1.0]], [1.0, 2.0, 3.0],
     [0.0, 0.0, 0.0], [_layer_norm_grad([1.0, 2.0, 3.0])]),
    ("group_norm of a constant group", lambda m, x: m.F.group_norm(x, 1), [[[[1.0, 1.0], [1.0, 1.0]]]],
     [[[1.0, 2.0], [3.0, 4.0]]], [[[0.0, 0.0], [0.0, 0.0]]],
     [((np.array([[[1.0, 2.0], [3.0, 4.0]]]) - 2.5) / math.sqrt(1e-5))]),
    # shapes: PyTorch's conventions for 0-d and empty inputs
    ("max(dim) of a 0-d tensor", lambda m, x: x.max(0).values, [2.0], None, 2.0, [1.0]),
    ("prod(dim=0) of a 0-d zero", lambda m, x: x.prod(0), [0.0], None, 0.0, [1.0]),
    ("gather with a smaller index", lambda m, x: x.gather(0, m.lib.tensor([[0, 1]])), [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]],
     None, [[1.0, 5.0]], [[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]]),
    ("max_pool window entirely in padding", lambda m, x: m.F.max_pool1d(x, 2, 1, 1, dilation=3),
     [[[[5.0, 6.0]]]], None, [[[-INF]]], [[[[0.0, 0.0]]]]),
    ("amax over a non-empty dim of an empty tensor", lambda m, x: x.amax(1), [np.zeros((0, 3))], None, np.zeros(0),
     [np.zeros((0, 3))]),
    ("linear with zero in-features", lambda m, x, w: m.F.linear(x, w), [np.zeros((2, 0)), np.zeros((3, 0))], None,
     np.zeros((2, 3)), [np.zeros((2, 0)), np.zeros((3, 0))]),
    ("remainder's divisor gradient", lambda m, a, b: a % b, [[5.0, -5.0], [3.0, 3.0]], None, [2.0, 1.0],
     [[1.0, 1.0], [-1.0, 2.0]]),  # -floor(a/b)
    ("fmod's divisor gradient", lambda m, a, b: m.lib.fmod(a, b), [[5.0, -5.0], [3.0, 3.0]], None, [2.0, -2.0],
     [[1.0, 1.0], [-1.0, 1.0]]),  # -trunc(a/b)
    ("rmatmul keeps the left operand", lambda m, a, b: b.__rmatmul__(a), [[[1.0, 2.0]], [[3.0], [4.0]]], None, [[11.0]],
     [[[3.0, 4.0]], [[1.0], [2.0]]]),
]


def _ours(call, inputs, grad_outputs):
    tensors = [ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in inputs]
    out = call(Lib(), *tensors)
    weight = ag.ones_like(out) if grad_outputs is None else ag.tensor(np.asarray(grad_outputs, dtype=np.float64))
    return out, ag.grad(out, tensors, weight, allow_unused=True)


@pytest.mark.parametrize("name, call, inputs, grad_outputs, value, grads", EDGES, ids=[e[0] for e in EDGES])
def test_edge_value_and_gradient_follow_pytorchs_convention(name, call, inputs, grad_outputs, value, grads):
    out, got = _ours(call, inputs, grad_outputs)
    np.testing.assert_allclose(out.detach().numpy(), np.asarray(value, dtype=np.float64), rtol=1e-7, atol=1e-12,
                               equal_nan=True, err_msg=f"{name}: value")
    for k, (g, expected) in enumerate(zip(got, grads)):
        if expected is None:
            assert g is None or not np.any(g.numpy()), f"{name}: input {k} should get no gradient"
            continue
        np.testing.assert_allclose(g.numpy(), np.asarray(expected, dtype=np.float64), rtol=1e-6, atol=1e-12,
                                   equal_nan=True, err_msg=f"{name}: gradient for input {k}")


@pytest.mark.parametrize("name, call, inputs, grad_outputs, value, grads", EDGES, ids=[e[0] for e in EDGES])
def test_edge_matches_pytorch_including_second_derivatives(name, call, inputs, grad_outputs, value, grads):
    torch = pytest.importorskip("torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    try:
        compare(Fn(name, call), [np.asarray(a, dtype=np.float64) for a in inputs], {}, torch, np.random.default_rng(0))
    finally:
        torch.set_default_dtype(previous)


def test_every_edge_named_by_the_issue_is_covered():
    names = " ".join(e[0] for e in EDGES)
    for topic in ("std", "norm", "cdist", "pow", "where", "layer_norm", "group_norm", "rsqrt", "reciprocal", "elu",
                  "selu", "celu", "prelu", "softplus", "binary_cross_entropy", "mean of nothing", "cross_entropy",
                  "nll_loss", "kl_div", "topk", "clamp", "max_pool", "gather"):
        assert topic in names, topic


def test_cumprod_along_a_dimension_of_size_one_has_a_constant_gradient_as_pytorch():
    """grad·out/x there is 1 only up to rounding, so its derivative was rounding noise instead of none."""
    x = ag.tensor([[-1.6291645671476709], [1.6326381049315737], [-1.5195333254845702]], requires_grad=True)
    g, = ag.grad(x.cumprod(1).sum(), x, create_graph=True)
    np.testing.assert_array_equal(g.numpy(), np.ones((3, 1)))
    assert not g.requires_grad


def test_integer_division_by_zero_of_an_empty_tensor_divides_nothing():
    empty = ag.zeros(0, dtype=ag.int64) // ag.tensor(0)
    assert empty.shape == (0,) and empty.dtype == ag.int64
    with pytest.raises(RuntimeError, match="division by zero"):
        ag.ones(2, dtype=ag.int64) // ag.tensor(0)
