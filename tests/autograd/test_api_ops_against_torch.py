"""The functions added for PyTorch's API (issue 13) against PyTorch: values, first and second derivatives for
the differentiable ones; values, indices, dtypes and errors for the others. Skipped without torch."""
import warnings

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")

rng = np.random.default_rng(13)


pytestmark = pytest.mark.usefixtures("torch_float32")  # PyTorch's default dtype, restored afterwards


def _both(arrays):
    ours = [ag.tensor(a, dtype=ag.float64, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    return ours, theirs


def _as_numpy(t):
    return t.detach().numpy() if isinstance(t, torch.Tensor) else t._data


def compare(fn, *arrays, second_order: bool = True, atol: float = 1e-10):
    """fn(lib, *tensors) in both libraries: values, gradients of a random weighting, and second derivatives."""
    ours, theirs = _both(arrays)
    out_o, out_t = fn(ag, *ours), fn(torch, *theirs)
    outs_o = out_o if isinstance(out_o, tuple) else (out_o,)
    outs_t = out_t if isinstance(out_t, tuple) else (out_t,)
    for o, t in zip(outs_o, outs_t):
        np.testing.assert_allclose(_as_numpy(o), _as_numpy(t), rtol=1e-9, atol=atol)
    weights = [rng.standard_normal(o.shape) for o in outs_o]
    loss_o = sum((o * ag.tensor(w)).sum() for o, w in zip(outs_o, weights))
    loss_t = sum((t * torch.tensor(w)).sum() for t, w in zip(outs_t, weights))
    grads_o = ag.grad(loss_o, ours, create_graph=second_order, allow_unused=True)
    grads_t = torch.autograd.grad(loss_t, theirs, create_graph=second_order, allow_unused=True)
    for go, gt in zip(grads_o, grads_t):
        if gt is None or go is None:
            assert (go is None or np.allclose(go._data, 0)) and (gt is None or np.allclose(gt.numpy(), 0))
            continue
        np.testing.assert_allclose(go._data, gt.detach().numpy(), rtol=1e-8, atol=atol)
    if not second_order:
        return
    pairs = [(go, gt) for go, gt in zip(grads_o, grads_t) if go is not None and gt is not None and gt.requires_grad]
    if not pairs:
        return
    s_o = sum((go * go.detach().sin()).sum() for go, _ in pairs)
    s_t = sum((gt * gt.detach().sin()).sum() for _, gt in pairs)
    h_t = torch.autograd.grad(s_t, theirs, allow_unused=True)
    h_o = ag.grad(s_o, ours, allow_unused=True) if s_o.requires_grad else [None] * len(ours)
    for ho, ht in zip(h_o, h_t):
        want = np.zeros(1) if ht is None else ht.numpy()
        got = np.zeros(1) if ho is None else ho._data
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-8)


A = rng.standard_normal((3, 4))
B = rng.standard_normal((3, 4))
C = rng.standard_normal((3, 4))
UNIT = rng.uniform(-0.9, 0.9, (3, 4))
PROB = rng.uniform(0.05, 0.95, (3, 4))
DISTINCT = rng.permutation(12).reshape(3, 4) * 0.25 - 1.3
WITH_ZEROS = np.where(rng.random((3, 4)) < 0.3, 0.0, A)
WITH_ZEROS[1, 1:3] = 0.0  # two zeros in one row

UNARY = {
    "cumprod": (lambda m, x: m.cumprod(x, 1), A),
    "cumprod with zeros": (lambda m, x: m.cumprod(x, 1), WITH_ZEROS),
    "cumprod dim 0": (lambda m, x: x.cumprod(0), WITH_ZEROS),
    "cummax": (lambda m, x: m.cummax(x, 1).values, DISTINCT),
    "cummin": (lambda m, x: m.cummin(x, 0).values, DISTINCT),
    "logcumsumexp": (lambda m, x: m.logcumsumexp(x * 30, 1), A),
    "diff": (lambda m, x: m.diff(x, n=2, dim=1, prepend=x[:, :1] * 2), A),
    "tan": (lambda m, x: x.tan(), UNIT),
    "asin": (lambda m, x: x.asin(), UNIT),
    "acos": (lambda m, x: x.acos(), UNIT),
    "atan": (lambda m, x: x.atan(), A),
    "sinh": (lambda m, x: x.sinh(), A),
    "cosh": (lambda m, x: x.cosh(), A),
    "asinh": (lambda m, x: x.asinh(), A),
    "acosh": (lambda m, x: (x.abs() + 1.1).acosh(), A),
    "atanh": (lambda m, x: x.atanh(), UNIT),
    "deg2rad": (lambda m, x: m.deg2rad(x), A),
    "erfc": (lambda m, x: x.erfc(), A),
    "exp2": (lambda m, x: x.exp2(), A),
    "sinc": (lambda m, x: m.sinc(x), A),
    "logit": (lambda m, x: x.logit(), PROB),
    "logit eps": (lambda m, x: x.logit(eps=0.2), PROB),
    "frac": (lambda m, x: (x * 3).frac(), A),
    "nan_to_num": (lambda m, x: m.nan_to_num(m.where(x > 1, float("nan"), m.where(x < -1, float("inf"), x)),
                                             posinf=5.0), A),
    "median()": (lambda m, x: x.median(), DISTINCT),
    "median(dim)": (lambda m, x: m.median(x, 1, keepdim=True).values, DISTINCT),
    "nanmedian(dim)": (lambda m, x: m.nanmedian(m.where(x > 1, float("nan"), x), 0).values, DISTINCT),
    "kthvalue": (lambda m, x: x.kthvalue(3, 1).values, DISTINCT),
    "quantile": (lambda m, x: m.quantile(x, 0.3, dim=1), DISTINCT),
    "quantile q tensor keepdim": (lambda m, x: m.quantile(x, m.tensor([0.1, 0.5, 0.95], dtype=m.float64), dim=0,
                                                          keepdim=True), DISTINCT),
    "quantile all midpoint": (lambda m, x: m.quantile(x, 0.4, interpolation="midpoint"), DISTINCT),
    "quantile nearest": (lambda m, x: m.quantile(x, 0.62, dim=-1, interpolation="nearest"), DISTINCT),
    "quantile lower": (lambda m, x: m.quantile(x, 0.62, dim=-1, interpolation="lower"), DISTINCT),
    "quantile higher": (lambda m, x: m.quantile(x, 0.62, dim=-1, interpolation="higher"), DISTINCT),
    "nanquantile": (lambda m, x: m.nanquantile(m.where(x > 0.5, float("nan"), x), 0.5, dim=1), DISTINCT),
    "nansum": (lambda m, x: m.nansum(m.where(x > 1, float("nan"), x), 1), A),
    "nanmean": (lambda m, x: m.nanmean(m.where(x > 1, float("nan"), x), 0, keepdim=True), A),
    "cov": (lambda m, x: m.cov(x), A),
    "cov correction 0": (lambda m, x: m.cov(x, correction=0), A),
    "corrcoef": (lambda m, x: m.corrcoef(x), A),
    "repeat_interleave int": (lambda m, x: x.repeat_interleave(2, dim=1), A),
    "repeat_interleave tensor": (lambda m, x: m.repeat_interleave(x, m.tensor([0, 2, 1]), dim=0), A),
    "repeat_interleave flat": (lambda m, x: m.repeat_interleave(x, 3), A),
    "roll": (lambda m, x: m.roll(x, (1, -3), (0, 1)), A),
    "roll flat": (lambda m, x: x.roll(5), A),
    "rot90": (lambda m, x: m.rot90(x, 3, [1, 0]), A),
    "tile": (lambda m, x: m.tile(x, (2, 1, 2)), A),
    "diag": (lambda m, x: m.diag(x[0], -2), A),
    "diag of matrix": (lambda m, x: m.diag(x, 1), A),
    "diag_embed": (lambda m, x: m.diag_embed(x, offset=1, dim1=0, dim2=2), A),
    "diagflat": (lambda m, x: m.diagflat(x[:2, :2], -1), A),
    "take": (lambda m, x: m.take(x, m.tensor([[0, -1], [5, 5]])), A),
    "tensor_split": (lambda m, x: m.tensor_split(x, 3, dim=1), A),
    "tensor_split indices": (lambda m, x: m.tensor_split(x, [1, 3], dim=1), A),
    "hsplit": (lambda m, x: m.hsplit(x, 2), A),
    "fliplr": (lambda m, x: m.fliplr(x), A),
    "ravel": (lambda m, x: x.t().ravel(), A),
    "aminmax": (lambda m, x: m.aminmax(x, dim=1), DISTINCT),
}


@pytest.mark.parametrize("name", list(UNARY))
def test_unary_functions_match_torch(name):
    fn, x = UNARY[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare(fn, x)


BINARY = {
    "logaddexp": (lambda m, a, b: m.logaddexp(a * 20, b), A, B),
    "logaddexp2": (lambda m, a, b: m.logaddexp2(a, b * 20), A, B),
    "atan2": (lambda m, a, b: m.atan2(a, b), A, B),
    "hypot": (lambda m, a, b: m.hypot(a, b), A, B),
    "xlogy": (lambda m, a, b: m.xlogy(m.where(a > 0, 0.0, a), b.abs() + 0.1), A, B),
    "lerp number": (lambda m, a, b: m.lerp(a, b, 0.3), A, B),
    "lerp tensor": (lambda m, a, b: m.lerp(a, b, (a * b).sigmoid()), A, B),
    "float_power": (lambda m, a, b: m.float_power(a.abs() + 0.5, b), A, B),
    "kron": (lambda m, a, b: m.kron(a[:2, :3], b[:, :2]), A, B),
    "cross": (lambda m, a, b: m.cross(a[:, :3], b[:, :3], dim=1), A, B),
    "cross default dim": (lambda m, a, b: m.cross(a[:, :3].t(), b[:, :3].t()), A, B),
    "tensordot": (lambda m, a, b: m.tensordot(a.reshape(3, 2, 2), b.reshape(2, 2, 3), dims=2), A, B),
    "tensordot pairs": (lambda m, a, b: m.tensordot(a, b, dims=([0], [0])), A, B),
    "inner": (lambda m, a, b: m.inner(a, b), A, B),
    "mm": (lambda m, a, b: m.mm(a, b.t()), A, B),
    "bmm": (lambda m, a, b: m.bmm(a.reshape(3, 2, 2), b.reshape(3, 2, 2)), A, B),
    "mv": (lambda m, a, b: m.mv(a, b[0]), A, B),
    "addmm": (lambda m, a, b: m.addmm(a[:, :3], a, b.t(), beta=0.5, alpha=-2), A, B),
    "addmm beta 0": (lambda m, a, b: m.addmm(a[0, :3], a, b.t(), beta=0), A, B),
    "addmv": (lambda m, a, b: m.addmv(a[:, 0], a, b[1], beta=2), A, B),
    "baddbmm": (lambda m, a, b: m.baddbmm(a.reshape(3, 2, 2), a.reshape(3, 2, 2), b.reshape(3, 2, 2), alpha=0.5),
                A, B),
    "addbmm": (lambda m, a, b: m.addbmm(a[0, :4].reshape(2, 2), a.reshape(3, 2, 2), b.reshape(3, 2, 2)), A, B),
    "addr": (lambda m, a, b: m.addr(a, a[:, 0], b[0], beta=-1, alpha=3), A, B),
    "addcmul": (lambda m, a, b: m.addcmul(a, b, a * b, value=-0.5), A, B),
    "addcdiv": (lambda m, a, b: m.addcdiv(a, b, a.exp(), value=2), A, B),
    "scatter": (lambda m, a, b: a.scatter(1, m.tensor([[3, 1], [0, 2], [2, 3]]), b[:, :2]), A, B),
    "scatter value": (lambda m, a, b: a.scatter(0, m.tensor([[1, 0, 2, 2]]), 0.5) * b, A, B),
    "scatter_add": (lambda m, a, b: a.scatter_add(1, m.tensor([[3, 3], [0, 2], [2, 2]]), b[:, :2]), A, B),
    "index_add": (lambda m, a, b: a.index_add(1, m.tensor([0, 0, 3]), b[:, :3], alpha=2), A, B),
    "index_copy": (lambda m, a, b: a.index_copy(0, m.tensor([2, 0]), b[:2]), A, B),
    "index_fill": (lambda m, a, b: a.index_fill(1, m.tensor([1, 3]), -1.0) * b, A, B),
    "masked_scatter": (lambda m, a, b: a.masked_scatter(b > 0, b * 2), A, B),
    "scatter_ in place": (lambda m, a, b: a.clone().scatter_(1, m.tensor([[1], [0], [3]]), b[:, :1]), A, B),
    "index_add_ in place": (lambda m, a, b: a.clone().index_add_(0, m.tensor([1, 1]), b[:2]), A, B),
}


@pytest.mark.parametrize("name", list(BINARY))
def test_binary_functions_match_torch(name):
    fn, a, b = BINARY[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compare(fn, a, b)


def test_sinc_at_zero_has_the_true_derivatives():
    x = ag.zeros(3, dtype=ag.float64, requires_grad=True)
    (first,) = ag.grad(ag.sinc(x).sum(), x, create_graph=True)
    (second,) = ag.grad(first.sum(), x)
    t = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    (first_t,) = torch.autograd.grad(torch.sinc(t).sum(), t)
    np.testing.assert_allclose(first._data, first_t.numpy())  # 0, as PyTorch
    np.testing.assert_allclose(second._data, -np.pi ** 2 / 3)  # where PyTorch gives NaN


def test_scatter_takes_the_corner_of_a_larger_src_as_torch():
    index = [[3, 1], [0, 2], [2, 3]]
    ours = ag.tensor(A).scatter(1, ag.tensor(index), ag.tensor(B))
    np.testing.assert_array_equal(ours._data, torch.tensor(A).scatter(1, torch.tensor(index), torch.tensor(B)).numpy())


def test_meshgrid_and_cartesian_prod_match_torch():
    for indexing in ("ij", "xy"):
        compare(lambda m, a, b, _i=indexing: m.meshgrid(a[0], b[:, 1], indexing=_i), A, B)
    compare(lambda m, a, b: m.cartesian_prod(a[0], b[:, 1]), A, B)


def test_median_of_all_shares_the_gradient_among_ties_as_torch():
    x = np.array([[1.0, 3.0, 3.0], [3.0, 0.5, 4.0]])
    compare(lambda m, t: t.median(), x, second_order=False)
    compare(lambda m, t: t.median(dim=1).values, x, second_order=False)


def _same(ours, theirs):
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
    np.testing.assert_array_equal(ours._data, theirs.numpy())


def test_index_valued_functions_match_torch():
    ints = rng.integers(0, 6, size=20)
    floats = rng.standard_normal((3, 5)).round(1)
    seq = np.sort(rng.integers(0, 10, size=(2, 6)), axis=1)
    values = rng.integers(-1, 12, size=(2, 4))
    for fn in (
        lambda m, i, f, s, v: m.bucketize(m.tensor(v), m.tensor(s[0])),
        lambda m, i, f, s, v: m.bucketize(m.tensor(v), m.tensor(s[0]), right=True, out_int32=True),
        lambda m, i, f, s, v: m.bucketize(3, m.tensor(s[0])),
        lambda m, i, f, s, v: m.searchsorted(m.tensor(s), m.tensor(v)),
        lambda m, i, f, s, v: m.searchsorted(m.tensor(s), m.tensor(v), side="right"),
        lambda m, i, f, s, v: m.searchsorted(m.tensor(s[0]), m.tensor(v), right=True),
        lambda m, i, f, s, v: m.searchsorted(m.tensor([5, 1, 3]), m.tensor([3, 0]), sorter=m.tensor([1, 2, 0])),
        lambda m, i, f, s, v: m.bincount(m.tensor(i)),
        lambda m, i, f, s, v: m.bincount(m.tensor(i), minlength=9),
        lambda m, i, f, s, v: m.bincount(m.tensor(i), weights=m.tensor(i * 0.5)),
        lambda m, i, f, s, v: m.histc(m.tensor(f), bins=6),
        lambda m, i, f, s, v: m.histc(m.tensor(f), bins=4, min=-1, max=1),
        lambda m, i, f, s, v: m.histc(m.tensor([1.0, 1.0, 1.0]), bins=4),
        lambda m, i, f, s, v: m.unique(m.tensor(i)),
        lambda m, i, f, s, v: m.unique(m.tensor(i), return_inverse=True, return_counts=True)[1],
        lambda m, i, f, s, v: m.unique(m.tensor(i), return_inverse=True, return_counts=True)[2],
        lambda m, i, f, s, v: m.unique(m.tensor(s), dim=1),
        lambda m, i, f, s, v: m.unique_consecutive(m.tensor(np.sort(i)), return_counts=True)[1],
        lambda m, i, f, s, v: m.cummax(m.tensor(f), 1).indices,
        lambda m, i, f, s, v: m.cummin(m.tensor([1.0, 0.5, 0.5, 2.0, float("nan"), 0.1]), 0).indices,
        lambda m, i, f, s, v: m.cummin(m.tensor([1.0, 0.5, 0.5, 2.0, float("nan"), 0.1]), 0).values,
        lambda m, i, f, s, v: m.kthvalue(m.tensor(f + np.arange(5) * 1e-3), 2, 0).indices,
        lambda m, i, f, s, v: m.median(m.tensor(f + np.arange(5) * 1e-3), 1).indices,
        lambda m, i, f, s, v: m.mode(m.tensor(i.reshape(4, 5)), 1).values,
        lambda m, i, f, s, v: m.mode(m.tensor(i.reshape(4, 5)), 1).indices,
        lambda m, i, f, s, v: m.cumprod(m.tensor(i[:6]), 0),
        lambda m, i, f, s, v: m.diff(m.tensor([True, False, False, True])),
        lambda m, i, f, s, v: m.repeat_interleave(m.tensor([2, 0, 3])),
        lambda m, i, f, s, v: m.signbit(m.tensor([-0.0, 0.0, -1.0, 2.0])),
        lambda m, i, f, s, v: m.median(m.tensor([1.0, float("nan"), 2.0])),
        lambda m, i, f, s, v: m.nanmedian(m.tensor([1.0, float("nan"), 2.0, 3.0])),
        lambda m, i, f, s, v: m.quantile(m.tensor([1.0, float("nan"), 2.0]), 0.5),
    ):
        _same(fn(ag, ints, floats, seq, values), fn(torch, ints, floats, seq, values))


def test_errors_match_torch():
    cases = [
        lambda m: m.bmm(m.ones(3, 4), m.ones(4, 5)),
        lambda m: m.bmm(m.ones(2, 3, 4), m.ones(3, 4, 5)),
        lambda m: m.bmm(m.ones(2, 3, 4), m.ones(2, 4, 5, dtype=m.float64)),
        lambda m: m.mm(m.ones(2, 3), m.ones(4, 5)),
        lambda m: m.mm(m.ones(2, 3), m.ones(3)),
        lambda m: m.mv(m.ones(2, 3), m.ones(4)),
        lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1),
        lambda m: m.multinomial(m.tensor([-1.0, 2.0]), 1),
        lambda m: m.multinomial(m.tensor([0.2, 0.8]), 3),
        lambda m: m.multinomial(m.ones(2, 2, 2), 1),
        lambda m: m.normal(m.zeros(3), -1.0),
        lambda m: m.repeat_interleave(m.tensor([1, 2]), m.tensor([1, -1])),
        lambda m: m.repeat_interleave(m.tensor([[1, 2], [3, 4]]), m.tensor([1, 2])),
        lambda m: m.diff(m.tensor(3.0)),
        lambda m: m.cross(m.ones(2, 4), m.ones(2, 4)),
        lambda m: m.bincount(m.tensor([-1])),
        lambda m: m.histc(m.tensor([1.0]), bins=4, min=3, max=0),
        lambda m: m.searchsorted(m.tensor([1, 3]), m.tensor([1]), side="left", right=True),
        lambda m: m.zeros(3).scatter(0, m.tensor([5]), 1.0),
        lambda m: m.zeros(2, 3).masked_scatter(m.tensor([[True, False, True], [False, False, False]]), m.ones(1)),
        lambda m: m.kthvalue(m.tensor([1.0, 2.0]), 3),
        lambda m: m.hsplit(m.ones(3, 4), 3),
    ]
    for case in cases:
        with pytest.raises(RuntimeError):
            case(torch)
        with pytest.raises(RuntimeError):
            case(ag)


def test_random_functions_have_torchs_shapes_dtypes_and_distributions():
    ag.manual_seed(0)
    assert ag.multinomial(ag.tensor([0.2, 0.8, 0.0]), 3).tolist()[2] == 2  # the zero-weight category comes last
    draws = ag.multinomial(ag.tensor([[1.0, 3.0, 0.0], [0.0, 0.0, 5.0]]), 4000, replacement=True)
    assert draws.shape == (2, 4000) and draws.dtype == np.int64
    frequencies = np.bincount(draws.numpy()[0], minlength=3) / 4000
    np.testing.assert_allclose(frequencies, [0.25, 0.75, 0.0], atol=0.03)
    assert set(draws.numpy()[1].tolist()) == {2}
    without = ag.multinomial(ag.tensor([1.0, 1.0, 1.0, 1.0]), 4)
    assert sorted(without.tolist()) == [0, 1, 2, 3]
    first_pick = [int(ag.multinomial(ag.tensor([1.0, 9.0]), 2)[0]) for _ in range(400)]
    assert 0.85 < np.mean(first_pick) < 0.95  # without replacement the first draw still follows the weights
    for ours, theirs in [
        (ag.normal(0, 1, (2, 3)), torch.normal(0, 1, (2, 3))),
        (ag.normal(ag.zeros(2, 1), ag.ones(1, 3)), torch.normal(torch.zeros(2, 1), torch.ones(1, 3))),
        (ag.normal(ag.zeros(3, dtype=ag.float64), 1.0), torch.normal(torch.zeros(3, dtype=torch.float64), 1.0)),
        (ag.normal(0.0, ag.ones(4)), torch.normal(0.0, torch.ones(4))),
        (ag.bernoulli(ag.rand(5)), torch.bernoulli(torch.rand(5))),
        (ag.poisson(ag.ones(3)), torch.poisson(torch.ones(3))),
        (ag.zeros(3, dtype=ag.int64).bernoulli_(0.5), torch.zeros(3, dtype=torch.int64).bernoulli_(0.5)),
        (ag.zeros(3).random_(0, 10), torch.zeros(3).random_(0, 10)),
    ]:
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    samples = ag.normal(ag.full((20000,), 2.0), 3.0).numpy()
    assert abs(samples.mean() - 2) < 0.1 and abs(samples.std() - 3) < 0.1
    assert 0.45 < ag.zeros(20000).bernoulli_(0.5).numpy().mean() < 0.55
    g = ag.Generator().manual_seed(7)
    first = ag.normal(0.0, 1.0, (3,), generator=g)
    assert np.array_equal(first._data, ag.normal(0.0, 1.0, (3,), generator=ag.Generator().manual_seed(7))._data)
