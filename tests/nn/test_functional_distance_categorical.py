"""cosine_similarity, pairwise_distance, pdist, one_hot and gumbel_softmax against PyTorch (values and
derivatives) and finite differences, with PyTorch's eps conventions and errors."""
import numpy as np
import pytest
from oracle import check_derivatives, check_function

import autograd as ag
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

RNG = np.random.default_rng(0)
A, B = RNG.standard_normal((3, 4)), RNG.standard_normal((1, 4))


@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"dim": -1, "eps": 0.5}])
def test_cosine_similarity(kwargs):
    check_function(lambda x, y: F.cosine_similarity(x, y, **kwargs), lambda x, y: TF.cosine_similarity(x, y, **kwargs),
                   [A * 0.2, B])


def test_cosine_similarity_clamp_is_invisible_to_the_gradient_as_in_pytorch():
    small = np.array([[1e-9, -2e-9, 0.5e-9]])  # norm below eps: clamped in the value, not in the gradient
    check_function(lambda x, y: F.cosine_similarity(x, y), lambda x, y: TF.cosine_similarity(x, y), [small, B[:, :3]],
                   rtol=1e-9, second_order=False)


@pytest.mark.parametrize("kwargs", [{}, {"p": 1.5, "keepdim": True}, {"p": 3.0, "eps": 0.1}])
def test_pairwise_distance(kwargs):
    check_function(lambda x, y: F.pairwise_distance(x, y, **kwargs), lambda x, y: TF.pairwise_distance(x, y, **kwargs),
                   [A, B])


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0])
def test_pdist(p):
    # PyTorch has no second derivative of pdist; ours is checked by gradgradcheck instead
    check_function(lambda x: F.pdist(x, p), lambda x: TF.pdist(x, p), [A], second_order=False)
    check_derivatives(lambda x: F.pdist(x, p), [A], second_order=p != 1.0)


def test_distance_derivatives():
    check_derivatives(lambda x, y: F.cosine_similarity(x, y), [A, B])
    check_derivatives(lambda x, y: F.pairwise_distance(x, y, p=3.0), [A, B])


def test_one_hot():
    index = np.array([[0, 3], [2, 1]])
    ours, theirs = F.one_hot(ag.tensor(index)), TF.one_hot(torch.tensor(index))
    assert ours.dtype == np.int64 and np.array_equal(ours.numpy(), theirs.numpy())
    assert F.one_hot(ag.tensor(index), 6).shape == (2, 2, 6)
    assert F.one_hot(ag.tensor([], dtype=ag.int64), 3).shape == (0, 3)
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(ag.tensor([-1, 2]), 3)
    with pytest.raises(RuntimeError, match="smaller than num_classes"):
        F.one_hot(ag.tensor([0, 3]), 3)
    with pytest.raises(RuntimeError, match="empty tensor"):
        F.one_hot(ag.tensor([], dtype=ag.int64))
    with pytest.raises(RuntimeError, match="index"):
        F.one_hot(ag.tensor([0.0, 1.0]))


def test_gumbel_softmax_is_a_relaxed_sample_with_the_straight_through_gradient():
    ag.manual_seed(0)
    logits = ag.tensor(np.log([[0.7, 0.2, 0.1]]).repeat(4000, 0), requires_grad=True)
    soft = F.gumbel_softmax(logits, tau=0.5)
    np.testing.assert_allclose(soft.detach().numpy().sum(-1), 1.0, rtol=1e-12)
    hard = F.gumbel_softmax(logits, tau=0.5, hard=True)
    values = hard.detach().numpy()
    assert set(np.unique(values)) <= {0.0, 1.0} and np.all(values.sum(-1) == 1)
    np.testing.assert_allclose(values.mean(0), [0.7, 0.2, 0.1], atol=0.03)  # Gumbel-max samples the categorical
    (hard * ag.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert logits.grad is not None and np.abs(logits.grad.numpy()).sum() > 0  # the soft sample's gradient
    with pytest.warns(UserWarning, match="eps"):
        F.gumbel_softmax(logits, eps=1e-3)
