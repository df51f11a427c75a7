"""nn.functional.ctc_loss and nn.CTCLoss: against PyTorch (values and gradients; skipped without torch, via
pytest.importorskip("torch") in a fixture) and on their own (a hand-computed case, finite differences through
log_softmax, the double-backward error, argument errors)."""
import math

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

RNG = np.random.default_rng(7)


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def _log_probs(T, N, C, dtype=np.float64, rng=RNG):
    x = rng.standard_normal((T, N, C) if N else (T, C))
    return (x - np.log(np.exp(x).sum(-1, keepdims=True))).astype(dtype)


def _compare(torch, lp, targets, input_lengths, target_lengths, dtype=np.float64, tol=1e-10, **kwargs):
    ours_in = ag.tensor(lp, requires_grad=True)
    theirs_in = torch.tensor(lp, requires_grad=True)
    as_torch = (lambda v: torch.tensor(v)) if isinstance(input_lengths, np.ndarray) else (lambda v: v)
    ours = F.ctc_loss(ours_in, ag.tensor(targets), ag.tensor(input_lengths) if isinstance(input_lengths, np.ndarray)
                      else input_lengths, ag.tensor(target_lengths) if isinstance(target_lengths, np.ndarray)
                      else target_lengths, **kwargs)
    theirs = torch.nn.functional.ctc_loss(theirs_in, torch.tensor(targets), as_torch(input_lengths),
                                          as_torch(target_lengths), **kwargs)
    assert ours.dtype == np.dtype(dtype) and tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=tol, atol=tol)
    weights = RNG.uniform(0.5, 1.5, size=tuple(theirs.shape))
    (ours * ag.tensor(weights.astype(dtype))).sum().backward()
    (theirs * torch.tensor(weights.astype(dtype))).sum().backward()
    np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy(), rtol=tol, atol=tol)
    return ours


@pytest.mark.parametrize("dtype,tol", [(np.float64, 1e-10), (np.float32, 2e-4)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("layout", ["padded", "concatenated"])
def test_against_torch_random(torch, dtype, tol, reduction, layout):
    rng = np.random.default_rng(1)
    T, N, C, S = 12, 4, 6, 5
    lp = _log_probs(T, N, C, dtype, rng)
    tl = np.array([5, 3, 0, 1])
    il = np.array([12, 9, 7, 3])
    targets = rng.integers(1, C, size=(N, S))
    targets[0, 2] = targets[0, 1]  # a repeated label: needs a blank between its copies
    targets[0, 3] = targets[0, 1]
    if layout == "concatenated":
        targets = np.concatenate([targets[n, :tl[n]] for n in range(N)])
    for lengths in (il, tl), (tuple(int(v) for v in il), [int(v) for v in tl]):
        _compare(torch, lp, targets, *lengths, dtype=dtype, tol=tol, reduction=reduction)


@pytest.mark.parametrize("blank", [0, 3, 5])
def test_against_torch_blank_and_repeats(torch, blank):
    rng = np.random.default_rng(blank)
    T, N, C = 10, 3, 6
    labels = [c for c in range(C) if c != blank]
    targets = np.array([[labels[0]] * 4, [labels[1], labels[1], labels[2], labels[2]], [labels[3], labels[0], 0, 0]])
    if blank == 0:
        targets[2, 2:] = 0  # padding may be the blank
    _compare(torch, _log_probs(T, N, C, rng=rng), targets, [10, 8, 2], [4, 4, 2], blank=blank, reduction="none")


def test_against_torch_unbatched(torch):
    lp = _log_probs(8, 0, 5)
    targets = np.array([1, 3, 3])
    for reduction in ("mean", "sum", "none"):
        out = _compare(torch, lp, targets, np.array(8), np.array(3), reduction=reduction)
        assert out.shape == ()


@pytest.mark.parametrize("zero_infinity", [False, True])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_against_torch_impossible_alignments(torch, zero_infinity, reduction):
    lp = _log_probs(6, 3, 4)
    # sample 1: target longer than its input; sample 2: a repeat needs 3 frames but has 2
    targets = np.array([[1, 2, 3], [1, 2, 3], [2, 2, 0]])
    il, tl = [6, 2, 2], [3, 3, 2]
    if zero_infinity:
        out = _compare(torch, lp, targets, il, tl, zero_infinity=True, reduction=reduction)
        assert np.isfinite(out.detach().numpy()).all()
    else:
        ours_in = ag.tensor(lp, requires_grad=True)
        theirs_in = torch.tensor(lp, requires_grad=True)
        ours = F.ctc_loss(ours_in, ag.tensor(targets), il, tl, reduction=reduction)
        theirs = torch.nn.functional.ctc_loss(theirs_in, torch.tensor(targets), il, tl, reduction=reduction)
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-10)
        ours.sum().backward()
        theirs.sum().backward()
        np.testing.assert_allclose(ours_in.grad.numpy(), theirs_in.grad.numpy(), rtol=1e-10, atol=1e-12)  # nan too


def test_module_against_torch(torch):
    lp = _log_probs(9, 2, 5)
    targets, il, tl = np.array([[1, 2, 2], [4, 0, 0]]), [9, 6], [3, 1]
    for kwargs in ({}, {"blank": 0, "reduction": "sum"}, {"reduction": "none", "zero_infinity": True}):
        ours = nn.CTCLoss(**kwargs)(ag.tensor(lp), ag.tensor(targets), il, tl)
        theirs = torch.nn.CTCLoss(**kwargs)(torch.tensor(lp), torch.tensor(targets), il, tl)
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
        assert repr(nn.CTCLoss(**kwargs)) == repr(torch.nn.CTCLoss(**kwargs))


# --------------------------------------------------------------------------- without torch
def test_hand_computed_tiny_case():
    # T = 2, one label 'a' (class 1), blank 0: alignments "a-", "-a", "aa"
    p = np.array([[0.6, 0.4], [0.3, 0.7]])  # p[t, c]
    lp = ag.tensor(np.log(p)[:, None, :], requires_grad=True)
    loss = F.ctc_loss(lp, ag.tensor([[1]]), [2], [1], reduction="sum")
    likelihood = p[0, 1] * p[1, 0] + p[0, 0] * p[1, 1] + p[0, 1] * p[1, 1]
    assert loss.item() == pytest.approx(-math.log(likelihood), rel=1e-12)
    loss.backward()
    # PyTorch's gradient: exp(lp) − occupancy of each label at each frame
    occupancy_a = np.array([(p[0, 1] * p[1, 0] + p[0, 1] * p[1, 1]) / likelihood,
                            (p[0, 0] * p[1, 1] + p[0, 1] * p[1, 1]) / likelihood])
    expected = np.stack([p[:, 0] - (1 - occupancy_a), p[:, 1] - occupancy_a], axis=1)[:, None, :]
    np.testing.assert_allclose(lp.grad.numpy(), expected, rtol=1e-12, atol=1e-14)
    # 'mean' divides by the target length; an empty target emits blanks only
    two = F.ctc_loss(ag.tensor(np.log(p)[:, None, :]), ag.tensor([[1, 1]]), [2], [2], reduction="none")
    assert math.isinf(two.item())  # "aa" needs a blank between: 3 frames
    empty = F.ctc_loss(ag.tensor(np.log(p)[:, None, :]), ag.tensor([[1]]), [2], [0], reduction="mean")
    assert empty.item() == pytest.approx(-math.log(p[0, 0] * p[1, 0]), rel=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_gradcheck_through_log_softmax(reduction):
    """PyTorch's gradient is that through a log_softmax, so finite differences are taken through one."""
    logits = ag.tensor(RNG.standard_normal((6, 3, 4)), requires_grad=True)
    targets = ag.tensor([[1, 1, 2], [3, 2, 0], [2, 0, 0]])
    fn = lambda x: F.ctc_loss(x.log_softmax(2), targets, [6, 5, 4], [3, 2, 1], reduction=reduction)  # noqa: E731
    assert ag.gradcheck(fn, (logits,))
    concatenated = ag.tensor([1, 1, 2, 3, 2, 2])
    fn = lambda x: F.ctc_loss(x.log_softmax(2), concatenated, [6, 5, 4], [3, 2, 1], reduction=reduction,  # noqa: E731
                              zero_infinity=True)
    assert ag.gradcheck(fn, (logits,))


def test_double_backward_raises():
    lp = ag.tensor(_log_probs(5, 2, 4), requires_grad=True)
    loss = F.ctc_loss(lp, ag.tensor([[1, 2], [3, 0]]), [5, 4], [2, 1])
    (grad,) = ag.grad(loss, lp, create_graph=True)
    with pytest.raises(RuntimeError, match="ctc_loss: double backward"):
        grad.sum().backward()


@pytest.mark.parametrize("call,error,match", [
    (lambda lp: F.ctc_loss(lp, ag.tensor([[1, 2], [3, 1]]), [5, 5], [2, 2], blank=4), RuntimeError, "blank"),
    (lambda lp: F.ctc_loss(lp, ag.tensor([[1, 2], [3, 1]]), [5, 6], [2, 2]), RuntimeError, "input_lengths"),
    (lambda lp: F.ctc_loss(lp, ag.tensor([[1, 2], [3, 1]]), [5, -1], [2, 2]), RuntimeError, "input_lengths"),
    (lambda lp: F.ctc_loss(lp, ag.tensor([[1, 2], [3, 1]]), [5], [2, 2]), RuntimeError, "input_lengths"),
    (lambda lp: F.ctc_loss(lp, ag.tensor([[1, 2], [3, 1]]), [5, 5], [2]), RuntimeError, "target_lengths"),
    (lambda lp: F.ctc_loss(lp, ag.tensor([[1, 2], [3, 1]]), [5, 5], [3, 2]), RuntimeError, "targets"),
    (lambda lp: F.ctc_loss(lp, ag.tensor([1, 2, 3]), [5, 5], [2, 2]), RuntimeError, "targets"),
    (lambda lp: F.ctc_loss(lp, ag.tensor([[1, 0], [3, 1]]), [5, 5], [2, 2]), ValueError, "blank"),
    (lambda lp: F.ctc_loss(lp, ag.tensor([[1, 4], [3, 1]]), [5, 5], [2, 2]), IndexError, "targets"),
    (lambda lp: F.ctc_loss(lp, ag.tensor([[1, 2], [3, 1]]), [5, 5], [2, 2], reduction="avg"), ValueError,
     "reduction"),
    (lambda lp: F.ctc_loss(lp.reshape(5, 2, 2, 2), ag.tensor([[1]]), [5], [1]), RuntimeError, "log_probs"),
])
def test_argument_errors(call, error, match):
    with pytest.raises(error, match=f"ctc_loss: .*{match}"):
        call(ag.tensor(_log_probs(5, 2, 4)))
