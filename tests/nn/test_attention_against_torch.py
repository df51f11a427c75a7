"""F.scaled_dot_product_attention against PyTorch: plain, is_causal (square and not), scale, bool and float masks
(with fully blocked rows, which give zeros as PyTorch's safe softmax does), grouped-query attention, unbatched;
values, first and second derivatives. Dropout keeps the expected output and zeroes weights while training."""
import numpy as np
import pytest
from oracle import check_function

import autograd as ag
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(0)
Q, K, V = RNG.standard_normal((2, 3, 4, 5)), RNG.standard_normal((2, 3, 6, 5)), RNG.standard_normal((2, 3, 6, 2))
BOOL = RNG.random((4, 6)) < 0.6
BOOL[:, 0] = True
BLOCKED = BOOL.copy()
BLOCKED[1] = False  # query 1 may attend to nothing
FLOAT = np.where(BLOCKED, RNG.standard_normal((4, 6)), -np.inf)


def _mask(lib, mask):
    return None if mask is None else (ag.tensor(mask) if lib == "ours" else torch.tensor(mask))


CASES = [dict(), dict(is_causal=True), dict(scale=0.3), dict(mask=BOOL), dict(mask=BLOCKED), dict(mask=FLOAT),
         dict(mask=RNG.standard_normal((3, 4, 6)))]


@pytest.mark.parametrize("case", CASES, ids=["plain", "causal", "scale", "bool", "bool-blocked-row", "float-inf",
                                             "float-broadcast"])
def test_sdpa_matches_pytorch(case):
    kwargs = {k: v for k, v in case.items() if k != "mask"}
    check_function(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, _mask("ours", case.get("mask")), **kwargs),
                   lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, _mask("torch", case.get("mask")), **kwargs),
                   [Q, K, V])


def test_sdpa_gqa_unbatched_and_square_causal():
    check_function(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, enable_gqa=True),
                   lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, enable_gqa=True),
                   [np.repeat(Q[:, :2], 3, axis=1), K[:, :1], V[:, :1]])
    check_function(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                   lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, is_causal=True), [Q[0], K[0, :, :4], V[0, :, :4]])


def test_sdpa_dropout():
    ag.manual_seed(0)
    q, k = ag.zeros(1, 1, 400, 4), ag.zeros(1, 1, 400, 4)  # uniform weights: each 1/400
    v = ag.ones(1, 1, 400, 1)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5).numpy()
    assert abs(out.mean() - 1.0) < 0.02 and out.std() > 0.01  # inverted dropout: unbiased, but random
    np.testing.assert_allclose(F.scaled_dot_product_attention(q, k, v).numpy(), 1.0, rtol=1e-6)
