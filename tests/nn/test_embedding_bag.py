"""F.embedding_bag and nn.EmbeddingBag against PyTorch: sum/mean/max, offsets (with include_last_offset) or 2-d
input, padding_idx (excluded, empty bags give zeros), per_sample_weights; gradients and finite differences."""
import numpy as np
import pytest
from oracle import check_derivatives, check_function

import autograd as ag
import nn
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(0)
WEIGHT = RNG.standard_normal((6, 3))
INPUT, OFFSETS = np.array([1, 2, 4, 5, 4, 3, 2, 0]), np.array([0, 4, 4, 6])


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_bag_matches_pytorch(mode, padding_idx):
    for index, offsets in ((INPUT, OFFSETS), (INPUT.reshape(2, 4), None)):
        def ours(w, index=index, offsets=offsets):
            return F.embedding_bag(ag.tensor(index), w, None if offsets is None else ag.tensor(offsets), mode=mode,
                                   padding_idx=padding_idx)

        def theirs(w, index=index, offsets=offsets):
            return TF.embedding_bag(torch.tensor(index), w, None if offsets is None else torch.tensor(offsets),
                                    mode=mode, padding_idx=padding_idx)

        check_function(ours, theirs, [WEIGHT], second_order=False)  # PyTorch has no second derivative here
        check_derivatives(ours, [WEIGHT], second_order=mode != "max")


def test_per_sample_weights_last_offset_and_module():
    weights = RNG.standard_normal(8)
    last = np.array([0, 4, 4, 6, 8])
    check_function(lambda w, p: F.embedding_bag(ag.tensor(INPUT), w, ag.tensor(last), mode="sum", per_sample_weights=p,
                                                include_last_offset=True),
                   lambda w, p: TF.embedding_bag(torch.tensor(INPUT), w, torch.tensor(last), mode="sum",
                                                 per_sample_weights=p, include_last_offset=True),
                   [WEIGHT, weights], second_order=False)
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        F.embedding_bag(ag.tensor(INPUT), ag.tensor(WEIGHT), ag.tensor(OFFSETS), per_sample_weights=ag.tensor(weights))
    ours = nn.EmbeddingBag(6, 3, mode="max", padding_idx=0)
    theirs = torch.nn.EmbeddingBag(6, 3, mode="max", padding_idx=0)
    assert repr(ours) == repr(theirs) and np.all(ours.weight.detach().numpy()[0] == 0)
    bag = nn.EmbeddingBag.from_pretrained(ag.tensor(WEIGHT), mode="sum")
    assert not bag.weight.requires_grad
    np.testing.assert_allclose(bag(ag.tensor(INPUT), ag.tensor(OFFSETS)).numpy(),
                               torch.nn.EmbeddingBag.from_pretrained(torch.tensor(WEIGHT), mode="sum")(
                                   torch.tensor(INPUT), torch.tensor(OFFSETS)).numpy(), rtol=1e-12)
