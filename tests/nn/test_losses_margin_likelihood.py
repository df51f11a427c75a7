"""The margin, ranking, embedding and likelihood losses against PyTorch (values, first and second derivatives, every
reduction, the modules' reprs), with finite-difference checks of our own derivatives."""
import numpy as np
import pytest
from oracle import check_derivatives, check_function

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
X, Y = RNG.standard_normal((4, 5)), RNG.standard_normal((4, 5))
SIGNS = np.array([1.0, -1.0, 1.0, -1.0])
LABELS = np.array([2, 0, 4, 1])
MULTI = np.array([[0, 3, -1, 2, 1], [1, -1, 0, 0, 0], [4, 2, 1, 0, 3], [-1, 0, 0, 0, 0]])
COUNTS = RNG.poisson(2.0, (4, 5)).astype(np.float64)


def _both(name, *arrays, **kwargs):
    """(ours, theirs) calls, with the fixed (non-differentiated) arguments converted per library."""
    return (lambda *t: getattr(F, name)(*t, *[ag.tensor(a) for a in arrays], **kwargs),
            lambda *t: getattr(TF, name)(*t, *[torch.tensor(a) for a in arrays], **kwargs))


CASES = [
    ("margin_ranking_loss", [X[:, 0], Y[:, 0]], [SIGNS], dict(margin=0.3)),
    ("hinge_embedding_loss", [X], [np.where(RNG.random((4, 5)) < 0.5, 1.0, -1.0)], dict(margin=0.7)),
    ("soft_margin_loss", [X], [np.where(RNG.random((4, 5)) < 0.5, 1.0, -1.0)], {}),
    ("multilabel_soft_margin_loss", [X], [(RNG.random((4, 5)) < 0.5).astype(float)], {}),
    ("cosine_embedding_loss", [X, Y], [SIGNS], dict(margin=-0.2)),
    ("triplet_margin_loss", [X, Y, RNG.standard_normal((4, 5))], [], dict(margin=0.5, p=3, swap=True)),
    ("poisson_nll_loss", [X * 0.5], [COUNTS], dict(full=True)),
    ("poisson_nll_loss", [np.abs(X) + 0.1], [COUNTS], dict(log_input=False)),
]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name, inputs, fixed, kwargs", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_losses_match_pytorch(name, inputs, fixed, kwargs, reduction):
    ours, theirs = _both(name, *fixed, reduction=reduction, **kwargs)
    check_function(ours, theirs, inputs)
    if reduction == "sum":
        check_derivatives(ours, inputs)


@pytest.mark.parametrize("p, weighted", [(1, False), (2, True)])
def test_multi_margin_and_multilabel_margin(p, weighted):
    weight = np.array([0.5, 1.0, 2.0, 1.5, 0.7])
    kwargs = dict(p=p, margin=0.8)
    ours = lambda t: F.multi_margin_loss(t, ag.tensor(LABELS), weight=ag.tensor(weight) if weighted else None, **kwargs)
    theirs = lambda t: TF.multi_margin_loss(t, torch.tensor(LABELS), weight=torch.tensor(weight) if weighted else None,
                                            **kwargs)
    check_function(ours, theirs, [X], second_order=False)  # PyTorch has no second derivative of these two
    check_derivatives(ours, [X], second_order=p == 2)
    check_function(lambda t: F.multilabel_margin_loss(t, ag.tensor(MULTI), reduction="none"),
                   lambda t: TF.multilabel_margin_loss(t, torch.tensor(MULTI), reduction="none"), [X],
                   second_order=False)
    check_derivatives(lambda t: F.multilabel_margin_loss(t, ag.tensor(MULTI)), [X], second_order=False)
    with pytest.raises(IndexError, match="out of bounds"):
        F.multi_margin_loss(ag.tensor(X), ag.tensor([0, 1, 2, 5]))


@pytest.mark.parametrize("var_shape", [(4, 5), (4,), (4, 1)])
def test_gaussian_nll_loss(var_shape):
    var = RNG.uniform(0.1, 2.0, var_shape)
    var.flat[0] = 1e-9  # below eps: clamped in the value, not in the gradient (as PyTorch)
    check_function(lambda x, v: F.gaussian_nll_loss(x, ag.tensor(Y), v, full=True),
                   lambda x, v: TF.gaussian_nll_loss(x, torch.tensor(Y), v, full=True), [X, var], rtol=1e-9)
    check_function(lambda x: F.gaussian_nll_loss(x, ag.tensor(Y), 0.5), lambda x: TF.gaussian_nll_loss(
        x, torch.tensor(Y), 0.5), [X])
    with pytest.raises(ValueError, match="var is of incorrect size"):
        F.gaussian_nll_loss(ag.tensor(X), ag.tensor(Y), ag.ones(3))
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(ag.tensor(X), ag.tensor(Y), -ag.ones(4, 5))


def test_triplet_with_distance_function_and_modules():
    cosine_distance = lambda a, b: 1 - F.cosine_similarity(a, b)  # noqa: E731
    torch_distance = lambda a, b: 1 - TF.cosine_similarity(a, b)  # noqa: E731
    negative = RNG.standard_normal((4, 5))
    check_function(lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n, distance_function=cosine_distance,
                                                                       swap=True),
                   lambda a, p, n: TF.triplet_margin_with_distance_loss(a, p, n, distance_function=torch_distance,
                                                                        swap=True), [X, Y, negative])
    for name in ["MarginRankingLoss", "HingeEmbeddingLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
                 "MultiMarginLoss", "MultiLabelMarginLoss", "CosineEmbeddingLoss", "TripletMarginLoss",
                 "TripletMarginWithDistanceLoss", "PoissonNLLLoss", "GaussianNLLLoss"]:
        assert repr(getattr(nn, name)()) == repr(getattr(torch.nn, name)())
    ours = nn.TripletMarginLoss(margin=0.5, reduction="sum")(ag.tensor(X), ag.tensor(Y), ag.tensor(negative))
    theirs = torch.nn.TripletMarginLoss(margin=0.5, reduction="sum")(torch.tensor(X), torch.tensor(Y),
                                                                       torch.tensor(negative))
    assert ours.item() == pytest.approx(theirs.item(), rel=1e-12)
    with pytest.warns(UserWarning, match="reduction='sum'"):
        legacy = nn.SoftMarginLoss(size_average=False)
    assert legacy.reduction == "sum"
