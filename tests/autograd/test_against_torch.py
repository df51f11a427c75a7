"""Core operations against PyTorch (skipped where torch is absent): values, gradients and second derivatives."""
import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.usefixtures("torch_float64")  # PyTorch's default dtype, restored afterwards

rng = np.random.default_rng(0)


def _pair(*arrays):
    ours = [ag.tensor(a, dtype="float64", requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    return ours, theirs


def _compare(fn_ours, fn_torch, *arrays, second_order=True, atol=1e-9):
    ours, theirs = _pair(*arrays)
    out_o, out_t = fn_ours(*ours), fn_torch(*theirs)
    np.testing.assert_allclose(out_o._data, out_t.detach().numpy(), rtol=1e-7, atol=atol)
    weight = rng.standard_normal(out_o.shape)
    loss_o = (out_o * ag.tensor(weight)).sum()
    loss_t = (out_t * torch.tensor(weight)).sum()
    grads_o = ag.grad(loss_o, ours, create_graph=second_order, allow_unused=True)
    grads_t = torch.autograd.grad(loss_t, theirs, create_graph=second_order, allow_unused=True)
    for go, gt in zip(grads_o, grads_t):
        if gt is None:
            assert go is None or np.allclose(go._data, 0)
            continue
        np.testing.assert_allclose(go._data, gt.detach().numpy(), rtol=1e-7, atol=atol)
    if not second_order:
        return
    used = [(go, gt) for go, gt in zip(grads_o, grads_t) if gt is not None and gt.requires_grad]
    if not used:
        return
    s_o = sum((go * go.detach().sin()).sum() for go, _ in used)
    s_t = sum((gt * gt.detach().sin()).sum() for _, gt in used)
    h_t = torch.autograd.grad(s_t, theirs, allow_unused=True)
    if not s_o.requires_grad:  # our gradient carries no graph: its second derivative must be zero
        for ht in h_t:
            assert ht is None or np.allclose(ht.numpy(force=True), 0)
        return
    h_o = ag.grad(s_o, ours, allow_unused=True)
    for ho, ht in zip(h_o, h_t):
        if ht is None:
            assert ho is None or np.allclose(ho._data, 0, atol=1e-9)
        elif ho is None:
            np.testing.assert_allclose(ht.numpy(force=True), 0, atol=1e-9)
        else:
            np.testing.assert_allclose(ho._data, ht.numpy(force=True), rtol=1e-6, atol=1e-8)


A = rng.standard_normal((3, 4))
B = rng.standard_normal((3, 4))
P = rng.uniform(0.5, 2.0, (3, 4))

UNARY = [
    ("exp", lambda x: x.exp(), lambda x: x.exp(), A),
    ("log", lambda x: x.log(), lambda x: x.log(), P),
    ("log1p", lambda x: x.log1p(), lambda x: x.log1p(), P),
    ("expm1", lambda x: x.expm1(), lambda x: x.expm1(), A),
    ("sqrt", lambda x: x.sqrt(), lambda x: x.sqrt(), P),
    ("sin", lambda x: x.sin(), lambda x: x.sin(), A),
    ("cos", lambda x: x.cos(), lambda x: x.cos(), A),
    ("tanh", lambda x: x.tanh(), lambda x: x.tanh(), A),
    ("sigmoid", lambda x: x.sigmoid(), lambda x: x.sigmoid(), A),
    ("relu", lambda x: x.relu(), lambda x: x.relu(), A),
    ("leaky_relu", lambda x: x.leaky_relu(0.2), lambda x: torch.nn.functional.leaky_relu(x, 0.2), A),
    ("elu", lambda x: x.elu(0.7), lambda x: torch.nn.functional.elu(x, 0.7), A),
    ("gelu", lambda x: x.gelu(), lambda x: torch.nn.functional.gelu(x), A),
    ("gelu_tanh", lambda x: x.gelu("tanh"), lambda x: torch.nn.functional.gelu(x, approximate="tanh"), A),
    ("silu", lambda x: x.silu(), lambda x: torch.nn.functional.silu(x), A),
    ("softplus", lambda x: x.softplus(2.0, 1.0), lambda x: torch.nn.functional.softplus(x, 2.0, 1.0), A),
    ("logsigmoid", lambda x: x.logsigmoid(), lambda x: torch.nn.functional.logsigmoid(x), A),
    ("erf", lambda x: x.erf(), lambda x: x.erf(), A),
    ("abs", lambda x: x.abs(), lambda x: x.abs(), A),
    ("clamp", lambda x: x.clamp(-0.5, 0.7), lambda x: x.clamp(-0.5, 0.7), A),
    ("pow_scalar", lambda x: x**3, lambda x: x**3, A),
    ("rpow", lambda x: 2.0**x, lambda x: 2.0**x, A),
    ("reciprocal", lambda x: x.reciprocal(), lambda x: x.reciprocal(), P),
    ("rsqrt", lambda x: x.rsqrt(), lambda x: x.rsqrt(), P),
    ("sum_dim", lambda x: x.sum(dim=1, keepdim=True), lambda x: x.sum(dim=1, keepdim=True), A),
    ("mean_dims", lambda x: x.mean(dim=(0, 1)), lambda x: x.mean(dim=(0, 1)), A),
    ("var", lambda x: x.var(dim=0), lambda x: x.var(dim=0), A),
    ("var_c0", lambda x: x.var(dim=1, correction=0), lambda x: x.var(dim=1, correction=0), A),
    ("std", lambda x: x.std(), lambda x: x.std(), A),
    ("prod", lambda x: x.prod(dim=1), lambda x: x.prod(dim=1), A),
    ("prod_all", lambda x: x.prod(), lambda x: x.prod(), A),
    ("amax", lambda x: x.amax(dim=1), lambda x: x.amax(dim=1), A),
    ("max_dim", lambda x: x.max(dim=0).values, lambda x: x.max(dim=0).values, A),
    ("min_all", lambda x: x.min(), lambda x: x.min(), A),
    ("logsumexp", lambda x: x.logsumexp(dim=1), lambda x: x.logsumexp(dim=1), A),
    ("softmax", lambda x: x.softmax(dim=0), lambda x: x.softmax(dim=0), A),
    ("log_softmax", lambda x: x.log_softmax(dim=-1), lambda x: x.log_softmax(dim=-1), A),
    ("norm", lambda x: x.norm(), lambda x: x.norm(), A),
    ("norm1_dim", lambda x: x.norm(p=1, dim=1), lambda x: x.norm(p=1, dim=1), A),
    ("norm3", lambda x: x.norm(p=3, dim=0), lambda x: x.norm(p=3, dim=0), A),
    ("cumsum", lambda x: x.cumsum(dim=1), lambda x: x.cumsum(dim=1), A),
    ("reshape", lambda x: x.reshape(2, 6), lambda x: x.reshape(2, 6), A),
    ("permute_T", lambda x: x.T * 2, lambda x: x.T * 2, A),
    ("expand", lambda x: x[:1].expand(5, 3, 4), lambda x: x[:1].expand(5, 3, 4), A),
    ("repeat", lambda x: x.repeat(2, 1, 3), lambda x: x.repeat(2, 1, 3), A),
    ("flip", lambda x: x.flip(0), lambda x: x.flip(0), A),
    ("getitem", lambda x: x[1:, ::-2], lambda x: x.flip(1)[1:, ::2], A),
    ("getitem_adv", lambda x: x[[0, 0, 2], [1, 1, 3]], lambda x: x[[0, 0, 2], [1, 1, 3]], A),
    ("getitem_mask", lambda x: x[x._data > 0], lambda x: x[x > 0], A),
    ("pad", lambda x: ag.pad(x, (1, 2)), lambda x: torch.nn.functional.pad(x, (1, 2)), A),
    ("tril", lambda x: x.tril(), lambda x: x.tril(), A),
    ("sort", lambda x: x.sort(dim=1).values, lambda x: x.sort(dim=1).values, A),
    ("topk", lambda x: x.topk(2, dim=1).values, lambda x: x.topk(2, dim=1).values, A),
    ("diagonal", lambda x: x.diagonal(1), lambda x: x.diagonal(1), A),
]


@pytest.mark.parametrize("name,ours,theirs,x", UNARY, ids=[u[0] for u in UNARY])
def test_unary_ops_match_torch(name, ours, theirs, x):
    _compare(ours, theirs, x)


BINARY = [
    ("add", lambda a, b: a + b, lambda a, b: a + b, A, B[0]),
    ("sub", lambda a, b: a - b, lambda a, b: a - b, A, B),
    ("mul", lambda a, b: a * b, lambda a, b: a * b, A, B[:, :1]),
    ("div", lambda a, b: a / b, lambda a, b: a / b, A, P),
    ("pow", lambda a, b: a**b, lambda a, b: a**b, P, B),
    ("maximum", lambda a, b: ag.maximum(a, b), lambda a, b: torch.maximum(a, b), A, B),
    ("minimum", lambda a, b: ag.minimum(a, b), lambda a, b: torch.minimum(a, b), A, B),
    ("where", lambda a, b: ag.where(a._data > 0, a, b), lambda a, b: torch.where(a > 0, a, b), A, B),
    ("matmul", lambda a, b: a @ b.T, lambda a, b: a @ b.T, A, B),
    ("matmul_vec", lambda a, b: a @ b[0], lambda a, b: a @ b[0], A, B),
    ("vec_matmul", lambda a, b: a[0] @ b.T, lambda a, b: a[0] @ b.T, A, B),
    ("dot", lambda a, b: ag.dot(a[0], b[1]), lambda a, b: torch.dot(a[0], b[1]), A, B),
    ("outer", lambda a, b: ag.outer(a[0], b[1]), lambda a, b: torch.outer(a[0], b[1]), A, B),
    ("cat", lambda a, b: ag.cat([a, b], dim=1), lambda a, b: torch.cat([a, b], dim=1), A, B),
    ("stack", lambda a, b: ag.stack([a, b], dim=-1), lambda a, b: torch.stack([a, b], dim=-1), A, B),
    ("einsum", lambda a, b: ag.einsum("ij,kj->ik", a, b), lambda a, b: torch.einsum("ij,kj->ik", a, b), A, B),
    ("einsum_trace", lambda a, b: ag.einsum("ii->", a[:, :3] @ b[:, :3].T),
     lambda a, b: torch.einsum("ii->", a[:, :3] @ b[:, :3].T), A, B),
    ("gather", lambda a, b: a.gather(1, ag.tensor([[0, 0], [3, 1], [2, 2]])) * b[:, :2],
     lambda a, b: a.gather(1, torch.tensor([[0, 0], [3, 1], [2, 2]])) * b[:, :2], A, B),
]


@pytest.mark.parametrize("name,ours,theirs,a,b", BINARY, ids=[b[0] for b in BINARY])
def test_binary_ops_match_torch(name, ours, theirs, a, b):
    _compare(ours, theirs, a, b)


def test_batched_matmul_with_broadcast_batch_dims_matches_torch():
    a = rng.standard_normal((2, 1, 3, 4))
    b = rng.standard_normal((5, 4, 2))
    _compare(lambda x, y: x @ y, lambda x, y: x @ y, a, b)


def test_max_tie_rules_match_torch():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]])
    _compare(lambda t: t.max(), lambda t: t.max(), x, second_order=False)
    _compare(lambda t: t.amax(dim=1), lambda t: t.amax(dim=1), x, second_order=False)
    _compare(lambda t: t.max(dim=1).values, lambda t: t.max(dim=1).values, x, second_order=False)
    _compare(lambda t: ag.maximum(t, t.flip(1)), lambda t: torch.maximum(t, t.flip(1)), x, second_order=False)


def test_prod_with_zeros_matches_torch():
    x = np.array([[1.5, 0.0, 2.0], [0.0, 0.0, 3.0], [1.0, 2.0, 3.0]])
    _compare(lambda t: t.prod(dim=1), lambda t: t.prod(dim=1), x)


def test_type_promotion_matches_torch():
    cases = [
        (lambda m: m.tensor([1.0, 2.0]) * np.float64(2.0)),
        (lambda m: m.tensor([1, 2]) * 2.5),
        (lambda m: m.tensor([1, 2]) / m.tensor([2, 4])),
        (lambda m: m.tensor([True, False]) + 1),
        (lambda m: m.tensor([1.0, 2.0], dtype=m.float32) + m.tensor(1.0, dtype=m.float64)),
        (lambda m: m.tensor([1, 2]) + m.tensor(1.5, dtype=m.float64)),
        (lambda m: m.tensor([1.0], dtype=m.float32) + m.tensor([1.0], dtype=m.float64)),
    ]
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    try:
        for case in cases:
            assert str(case(ag).dtype) == str(case(torch).dtype).replace("torch.", "")
    finally:
        torch.set_default_dtype(previous)
