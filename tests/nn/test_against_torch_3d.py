"""PyTorch as an oracle (skipped without torch) for the 3-d family: conv3d, conv_transpose3d, max/avg/adaptive
pooling over (D, H, W) give the same values, indices and gradients; the layers (Conv3d, ConvTranspose3d, the pools,
the lazy ones) compute the same as PyTorch's with the same weights, and state dicts load across."""
import warnings

import numpy as np
import pytest

torch = pytest.importorskip("torch")
TF = torch.nn.functional
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'", "ignore:Lazy modules")

import autograd  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402


def compare(ours, theirs, shapes, seed=0):
    """Same inputs to both; values and the gradients of a random projection must agree."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    a = [autograd.tensor(x, requires_grad=True) for x in arrays]
    t = [torch.tensor(x, requires_grad=True) for x in arrays]
    out, ref = ours(*a), theirs(*t)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out._data, ref.detach().numpy(), atol=1e-10)
    g = rng.standard_normal(out.shape)
    out.backward(autograd.tensor(g))
    ref.backward(torch.tensor(g))
    for x, y in zip(a, t):
        np.testing.assert_allclose(x.grad._data, y.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("shapes,kwargs", [
    ([(2, 4, 5, 6, 5), (6, 2, 3, 2, 2), (6,)], dict(stride=(2, 1, 2), padding=(1, 2, 0), dilation=(1, 2, 1), groups=2)),
    ([(2, 3, 5, 6, 4), (4, 3, 2, 3, 2)], dict(padding="same", dilation=(1, 2, 1))),
    ([(1, 3, 4, 4, 4), (5, 3, 1, 1, 1), (5,)], dict()),
    ([(2, 2, 6, 7, 6), (3, 2, 3, 3, 3)], dict(stride=3, padding="valid")),
    ([(2, 5, 4, 4), (3, 2, 2, 2, 2), (3,)], dict(padding=1)),  # unbatched
])
def test_conv3d(shapes, kwargs):
    compare(lambda *a: F.conv3d(*a, **kwargs), lambda *a: TF.conv3d(*a, **kwargs), shapes)


@pytest.mark.parametrize("shapes,kwargs", [
    ([(2, 4, 3, 4, 3), (4, 3, 3, 2, 2), (6,)], dict(stride=(2, 3, 1), padding=(1, 0, 1), output_padding=(1, 2, 0),
                                                   groups=2)),
    ([(2, 4, 3, 3, 4), (4, 3, 3, 2, 2)], dict(stride=(1, 2, 2), padding=(1, 0, 0), output_padding=(1, 0, 1),
                                              dilation=(2, 1, 1))),
    ([(4, 3, 2, 3), (4, 2, 2, 2, 2), (2,)], dict(stride=2)),  # unbatched
])
def test_conv_transpose3d(shapes, kwargs):
    compare(lambda *a: F.conv_transpose3d(*a, **kwargs), lambda *a: TF.conv_transpose3d(*a, **kwargs), shapes)


POOLS = [
    ("max_pool3d", (3, 2, 1), {}),
    ("max_pool3d", ((3, 2, 2), (2, 1, 2), (1, 1, 0), (1, 2, 1)), dict(ceil_mode=True)),
    ("avg_pool3d", (3, 2, 1), dict(count_include_pad=False)),
    ("avg_pool3d", ((3, 2, 2), (2, 3, 1), 1), dict(ceil_mode=True)),
    ("avg_pool3d", (3, 2, 1), dict(divisor_override=5)),
    ("adaptive_avg_pool3d", ((3, 4, None),), {}),
    ("adaptive_avg_pool3d", (1,), {}),
    ("adaptive_max_pool3d", ((2, 3, 4),), {}),
]


@pytest.mark.parametrize("name,args,kwargs", POOLS, ids=[f"{p[0]}-{i}" for i, p in enumerate(POOLS)])
@pytest.mark.parametrize("shape", [(2, 3, 7, 8, 6), (3, 6, 5, 7)], ids=["batched", "unbatched"])
def test_pooling(name, args, kwargs, shape):
    ours, theirs = getattr(F, name), getattr(TF, name)
    compare(lambda x: ours(x, *args, **kwargs), lambda x: theirs(x, *args, **kwargs), [shape])
    if "max" in name:
        x = np.random.default_rng(1).standard_normal(shape)
        np.testing.assert_array_equal(ours(autograd.tensor(x), *args, return_indices=True, **kwargs)[1]._data,
                                      theirs(torch.tensor(x), *args, return_indices=True, **kwargs)[1].numpy())
        indexed = getattr(F, name + "_with_indices")(autograd.tensor(x), *args, **kwargs)[1]
        np.testing.assert_array_equal(indexed._data,
                                      getattr(TF, name + "_with_indices")(torch.tensor(x), *args, **kwargs)[1].numpy())


def _same_module_outputs(ours, theirs, shape, *extra):
    result = theirs.load_state_dict({k: torch.tensor(v._data) for k, v in ours.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys
    x = np.random.default_rng(5).standard_normal(shape)
    a, t = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, ref = ours(a, *extra), theirs(t, *extra)
    np.testing.assert_allclose(out._data, ref.detach().numpy(), atol=1e-10)
    g = np.random.default_rng(6).standard_normal(out.shape)
    out.backward(autograd.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad._data, t.grad.numpy(), atol=1e-10)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad._data, q.grad.numpy(), atol=1e-10, err_msg=name)


@pytest.mark.parametrize("make,shape,extra", [
    (lambda m: m.Conv3d(4, 6, (3, 2, 2), stride=(1, 2, 1), padding=1, dilation=(2, 1, 1), groups=2), (2, 4, 6, 5, 4), ()),
    (lambda m: m.Conv3d(3, 2, 3, padding="same", padding_mode="reflect", bias=False), (2, 3, 4, 5, 4), ()),
    (lambda m: m.Conv3d(3, 2, 2, padding=1, padding_mode="circular"), (3, 4, 3, 4), ()),
    (lambda m: m.Conv3d(3, 2, (2, 3, 1), padding=(1, 1, 0), padding_mode="replicate"), (1, 3, 4, 4, 3), ()),
    (lambda m: m.ConvTranspose3d(4, 2, 3, stride=2, padding=1, output_padding=1), (2, 4, 3, 2, 3), ()),
    (lambda m: m.ConvTranspose3d(4, 4, 2, stride=2, groups=2), (2, 4, 2, 3, 2), ((5, 6, 5),)),
])
def test_conv_layers_as_pytorch(make, shape, extra):
    ours, theirs = make(nn).double(), make(torch.nn).double()
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    _same_module_outputs(ours, theirs, shape, *extra)


@pytest.mark.parametrize("make", [
    lambda m: m.MaxPool3d(3, 2, 1), lambda m: m.MaxPool3d((2, 3, 2), dilation=(1, 1, 2), ceil_mode=True),
    lambda m: m.AvgPool3d(3, 2, 1, count_include_pad=False), lambda m: m.AvgPool3d(2, ceil_mode=True, divisor_override=3),
    lambda m: m.AdaptiveAvgPool3d((2, None, 3)), lambda m: m.AdaptiveMaxPool3d(2),
])
def test_pool_layers_as_pytorch(make):
    ours, theirs = make(nn), make(torch.nn)
    assert repr(ours) == repr(theirs)
    _same_module_outputs(ours, theirs, (2, 3, 5, 6, 7))
    if hasattr(ours, "return_indices"):
        ours.return_indices = theirs.return_indices = True
        x = np.random.default_rng(7).standard_normal((2, 3, 5, 6, 7))
        np.testing.assert_array_equal(ours(autograd.tensor(x))[1]._data, theirs(torch.tensor(x))[1].numpy())


@pytest.mark.parametrize("make,shape", [
    (lambda m: m.LazyConv3d(4, 2, padding=1), (2, 3, 3, 4, 3)),
    (lambda m: m.LazyConvTranspose3d(2, 3, stride=2), (2, 3, 2, 3, 2)),
    (lambda m: m.LazyBatchNorm3d(), (4, 3, 2, 3, 2)),
    (lambda m: m.LazyInstanceNorm1d(), (2, 3, 5)),
    (lambda m: m.LazyInstanceNorm2d(affine=False, track_running_stats=True), (2, 3, 4, 5)),
    (lambda m: m.LazyInstanceNorm3d(momentum=0.3), (2, 3, 3, 4, 2)),
])
def test_lazy_layers_as_pytorch(make, shape):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours, theirs = make(nn), make(torch.nn)
        x = np.random.default_rng(8).standard_normal(shape).astype(np.float32)
        ours(autograd.tensor(x)), theirs(torch.tensor(x))
    assert type(ours).__name__ == type(theirs).__name__ and repr(ours) == repr(theirs)
    ours, theirs = ours.double(), theirs.double()
    if hasattr(ours, "running_mean") and ours.running_mean is not None:  # the statistics after one training step
        np.testing.assert_allclose(ours.running_mean._data, theirs.running_mean.numpy(), atol=1e-6)
        np.testing.assert_allclose(ours.running_var._data, theirs.running_var.numpy(), atol=1e-6)
    _same_module_outputs(ours, theirs, shape)
