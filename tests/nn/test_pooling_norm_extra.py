"""AdaptiveMaxPool1d/2d, LPPool1d/2d, MaxUnpool1d/2d, RMSNorm, LocalResponseNorm, BatchNorm3d and InstanceNorm3d
against PyTorch (repr, values, first and second derivatives, returned indices) and finite differences."""
import numpy as np
import pytest
from oracle import check_derivatives, check_function

import autograd as ag
import nn

torch = pytest.importorskip("torch")
T = torch.nn

CASES = [("AdaptiveMaxPool2d", (2,), (2, 3, 5, 7)), ("AdaptiveMaxPool2d", ((3, None),), (1, 2, 7, 4)),
         ("AdaptiveMaxPool1d", (3,), (2, 3, 8)), ("LPPool2d", (2, 2), (1, 2, 4, 4)), ("LPPool1d", (3, 3, 2), (2, 2, 7)),
         ("LPPool2d", (1.5, (2, 3)), (1, 1, 4, 6)), ("LocalResponseNorm", (3,), (2, 5, 4)),
         ("LocalResponseNorm", (2, 1e-2, 0.5, 2.0), (2, 4, 3, 3)), ("RMSNorm", ((4,),), (3, 4)),
         ("RMSNorm", ([2, 3], 1e-3), (2, 2, 3)), ("BatchNorm3d", (3,), (2, 3, 2, 3, 2)),
         ("InstanceNorm3d", (3, 1e-5, 0.1, True), (2, 3, 2, 3, 2))]


pytestmark = pytest.mark.usefixtures("torch_float64")  # PyTorch's default dtype, restored afterwards


@pytest.mark.parametrize("name, args, shape", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_matches_pytorch(name, args, shape):
    ours, theirs = getattr(nn, name)(*args).double(), getattr(T, name)(*args)
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(len(shape))
    x = rng.uniform(0.1, 2, shape) if name.startswith("LP") else rng.standard_normal(shape)
    check_function(lambda t: ours(t), lambda t: theirs(t), [x], grad_rtol=1e-11)
    check_derivatives(lambda t: ours(t), [x[:1]])


def test_indices_and_unpooling():
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 5))
    values, index = nn.AdaptiveMaxPool2d(2, return_indices=True)(ag.tensor(x))
    their_values, their_index = T.AdaptiveMaxPool2d(2, return_indices=True)(torch.tensor(x))
    assert index.dtype == np.int64 and np.array_equal(index.numpy(), their_index.numpy())
    np.testing.assert_array_equal(values.numpy(), their_values.numpy())
    pooled, where = nn.MaxPool1d(2, return_indices=True)(ag.tensor(x[:, :, 0]))
    their_pooled, their_where = T.MaxPool1d(2, return_indices=True)(torch.tensor(x[:, :, 0]))
    np.testing.assert_array_equal(nn.MaxUnpool1d(2)(pooled, where).numpy(), T.MaxUnpool1d(2)(their_pooled,
                                                                                           their_where).numpy())
    assert repr(nn.MaxUnpool2d(2, padding=1)) == repr(T.MaxUnpool2d(2, padding=1))
    weight = np.random.default_rng(1).uniform(0.5, 1.5, 4)
    check_function(lambda t, w: nn.functional.rms_norm(t, (4,), w), lambda t, w: T.functional.rms_norm(t, (4,), w),
                   [x.reshape(-1, 4)[:5], weight])
