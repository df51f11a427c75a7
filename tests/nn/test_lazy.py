"""Lazy modules (LazyLinear, LazyConv1d/2d, LazyConvTranspose1d/2d, LazyBatchNorm1d/2d) as PyTorch's:
uninitialized parameters before the first call (registered, refused as values, kept by optimisers), shapes
inferred and initialised on the first call, the module becoming its ordinary class, dtype changes before
the first call, loading a state dict before it, and the same weights as PyTorch from the same draws."""
import copy
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
from nn.parameter import UninitializedParameter, is_lazy


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Lazy modules are a new feature under heavy development", as PyTorch
        yield


CASES = [(lambda: nn.LazyLinear(4), (2, 5), nn.Linear, [(4, 5), (4,)]),
         (lambda: nn.LazyConv1d(3, 2), (2, 4, 6), nn.Conv1d, [(3, 4, 2), (3,)]),
         (lambda: nn.LazyConv2d(3, 3, groups=1), (2, 2, 5, 5), nn.Conv2d, [(3, 2, 3, 3), (3,)]),
         (lambda: nn.LazyConvTranspose1d(3, 2), (2, 4, 6), nn.ConvTranspose1d, [(4, 3, 2), (3,)]),
         (lambda: nn.LazyConvTranspose2d(2, 3, stride=2), (4, 5, 5), nn.ConvTranspose2d, [(4, 2, 3, 3), (2,)]),  # unbatched
         (lambda: nn.LazyBatchNorm1d(), (6, 3), nn.BatchNorm1d, [(3,), (3,)]),
         (lambda: nn.LazyBatchNorm2d(), (2, 3, 2, 2), nn.BatchNorm2d, [(3,), (3,)])]


@pytest.mark.parametrize("make, input_shape, becomes, shapes", CASES, ids=[c[2].__name__ for c in CASES])
def test_first_call_infers_the_shapes_and_turns_into_the_layer(make, input_shape, becomes, shapes):
    layer = make()
    params = list(layer.parameters())
    assert all(type(p) is UninitializedParameter and is_lazy(p) for p in params)
    assert repr(params[0]) == "<UninitializedParameter>"
    with pytest.raises(ValueError, match="shape of an uninitialized parameter"):
        _ = params[0].shape
    with pytest.raises(ValueError, match="uninitialized parameter or buffer"):
        params[0] + 1
    optimizer = nn.optim.Adam(layer.parameters(), lr=0.1)
    out = layer(ag.randn(*input_shape))
    assert type(layer) is becomes and [tuple(p.shape) for p in layer.parameters()] == shapes
    assert [p is q for p, q in zip(params, layer.parameters())] == [True] * len(params)
    out.sum().backward()
    optimizer.step()
    assert len(optimizer.state) == len(params)
    assert "_initialize_hook" not in layer.__dict__ and not layer._forward_pre_hooks


def test_same_initialisation_as_the_ordinary_layer():
    ag.manual_seed(3)
    lazy = nn.LazyLinear(4)
    lazy(ag.randn(2, 6))
    ag.manual_seed(3)
    ag.randn(2, 6)
    plain = nn.Linear(6, 4)
    np.testing.assert_array_equal(lazy.weight.detach().numpy(), plain.weight.detach().numpy())


def test_state_dict_dtype_copies_and_loading_before_the_first_call():
    lazy = nn.LazyLinear(3)
    state = lazy.state_dict()
    assert list(state) == ["weight", "bias"] and all(is_lazy(v) for v in state.values())
    clone = copy.deepcopy(lazy)
    assert is_lazy(clone.weight) and clone.weight is not lazy.weight
    assert nn.LazyLinear(2).double()(ag.randn(3, 4, dtype=ag.float64)).dtype == np.float64
    source = nn.Linear(5, 3)
    lazy.load_state_dict(source.state_dict())
    assert lazy.weight.shape == (3, 5) and np.array_equal(lazy.weight.detach().numpy(), source.weight.detach().numpy())
    lazy(ag.randn(2, 5))
    assert repr(lazy) == "Linear(in_features=5, out_features=3, bias=True)"


def test_lazy_batchnorm_buffers_and_errors():
    bn = nn.LazyBatchNorm1d(track_running_stats=True)
    assert is_lazy(bn.running_mean) and bn.num_batches_tracked.tolist() == 0
    bn(ag.randn(8, 4))
    assert bn.running_mean.shape == (4,) and bn.num_batches_tracked.tolist() == 1
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D \\(batched\\) input"):
        nn.LazyConv2d(2, 3)(ag.randn(2, 3))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.LazyConv2d(4, 1, groups=2)(ag.randn(1, 3, 2, 2))


def test_matches_pytorch_repr_before_and_after():
    torch = pytest.importorskip("torch")
    for ours, theirs, shape in ((nn.LazyLinear(3), torch.nn.LazyLinear(3), (2, 4)),
                                (nn.LazyConv2d(4, 3), torch.nn.LazyConv2d(4, 3), (1, 2, 5, 5)),
                                (nn.LazyBatchNorm2d(), torch.nn.LazyBatchNorm2d(), (2, 3, 2, 2))):
        assert repr(ours) == repr(theirs)
        ours(ag.randn(*shape))
        theirs(torch.randn(*shape))
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
