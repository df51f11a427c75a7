"""PyTorch as an oracle: layers, activations, initialisers, reprs and state-dict keys. Skipped without torch."""
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tnn = torch.nn
TF = torch.nn.functional

import autograd  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402

pytestmark = pytest.mark.usefixtures("torch_float64")  # PyTorch's default dtype, restored afterwards


def _pair(shape, seed=0, scale=3.0):
    """The same float64 values as (ours, torch's), both requiring grad."""
    x = np.random.default_rng(seed).uniform(-scale, scale, shape)
    return autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


def _compare(ours, theirs, x, tx, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(ours._data, theirs.detach().numpy(), rtol=rtol, atol=atol)
    g = np.random.default_rng(1).standard_normal(ours.shape)
    ours.backward(autograd.tensor(g))
    theirs.backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad._data, tx.grad.numpy(), rtol=rtol, atol=atol)


ACTIVATIONS = [
    ("relu", {}), ("relu6", {}), ("leaky_relu", {"negative_slope": 0.3}), ("elu", {"alpha": 0.7}), ("selu", {}),
    ("celu", {"alpha": 1.3}), ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}), ("mish", {}),
    ("softplus", {"beta": 2.0, "threshold": 4.0}), ("softsign", {}), ("hardtanh", {"min_val": -0.5, "max_val": 2.0}),
    ("hardsigmoid", {}), ("hardswish", {}), ("sigmoid", {}), ("tanh", {}), ("logsigmoid", {}),
    ("softmax", {"dim": 1}), ("log_softmax", {"dim": 0}), ("softmin", {"dim": -1}), ("normalize", {"dim": 1}),
    ("tanhshrink", {}), ("softshrink", {"lambd": 0.7}), ("hardshrink", {"lambd": 0.7}),
    ("threshold", {"threshold": 0.4, "value": -1.0}),
]


@pytest.mark.parametrize("name, kwargs", ACTIVATIONS, ids=[f"{n}-{k}" for n, k in ACTIVATIONS])
def test_activation_values_and_gradients(name, kwargs):
    x, tx = _pair((4, 5), seed=len(name))
    ours_fn = getattr(F, name)
    theirs_fn = getattr(torch, name) if name in ("sigmoid", "tanh") else getattr(TF, name)
    # PyTorch's float64 celu backward is off by ~1e-8 relative (ours equals exp(x/alpha) to the last bit)
    # and its hardsigmoid backward multiplies by float32(1/6)
    rtol = 1e-7 if name in ("celu", "hardsigmoid") else 1e-10
    _compare(ours_fn(x, **kwargs), theirs_fn(tx, **kwargs), x, tx, rtol=rtol)


def test_hardtanh_and_relu_gradients_at_the_kinks():
    values = [-1.0, 0.0, 1.0, 6.0, 2.0, -3.0, 3.0]
    for ours_fn, theirs_fn in [(F.hardtanh, TF.hardtanh), (F.relu6, TF.relu6), (F.relu, TF.relu),
                               (F.leaky_relu, TF.leaky_relu), (F.elu, TF.elu), (F.hardsigmoid, TF.hardsigmoid),
                               (F.hardswish, TF.hardswish)]:
        x, tx = autograd.tensor(values, dtype="float64", requires_grad=True), torch.tensor(values, requires_grad=True)
        ours_fn(x).sum().backward()
        theirs_fn(tx).sum().backward()
        # zero exactly where PyTorch's is zero; rtol covers PyTorch's float32 1/6 in hardsigmoid
        np.testing.assert_allclose(x.grad._data, tx.grad.numpy(), rtol=1e-7, atol=0, err_msg=ours_fn.__name__)


def test_prelu():
    x, tx = _pair((3, 4, 2))
    ours, theirs = nn.PReLU(4).double(), tnn.PReLU(4)
    _compare(ours(x), theirs(tx), x, tx)
    np.testing.assert_allclose(ours.weight.grad._data, theirs.weight.grad.numpy())


def _copy_weights(ours: nn.Module, theirs):
    for key, value in theirs.state_dict().items():
        ours.state_dict(keep_vars=True)[key]._data[...] = value.numpy()


@pytest.mark.parametrize("make", [
    lambda m: m.Linear(5, 3), lambda m: m.Linear(5, 3, bias=False), lambda m: m.LayerNorm(5),
    lambda m: m.Sequential(m.Linear(5, 4), m.Tanh(), m.Linear(4, 2), m.LogSoftmax(dim=1)),
])
def test_layers_with_the_same_weights(make):
    ours, theirs = make(nn).double(), make(tnn)
    with torch.no_grad():
        for p in theirs.parameters():
            p.uniform_(-1, 1)
    _copy_weights(ours, theirs)
    x, tx = _pair((2, 3, 5))
    _compare(ours(x), theirs(tx), x, tx)
    for (name, p), (tname, tp) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == tname
        np.testing.assert_allclose(p.grad._data, tp.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5)])
def test_batchnorm1d_training_steps_then_eval(momentum, shape):
    ours, theirs = nn.BatchNorm1d(3, momentum=momentum).double(), tnn.BatchNorm1d(3, momentum=momentum)
    assert repr(ours) == repr(theirs)
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-1, 1)
    _copy_weights(ours, theirs)
    for step in range(3):
        x, tx = _pair(shape, seed=step)
        _compare(ours(x), theirs(tx), x, tx, rtol=1e-9, atol=1e-11)
    for key, value in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[key]._data, value.numpy(), rtol=1e-12, err_msg=key)
    ours.eval(), theirs.eval()
    x, tx = _pair(shape, seed=9)
    _compare(ours(x), theirs(tx), x, tx)


def test_embedding_with_padding_and_repeats():
    ours, theirs = nn.Embedding(6, 3, padding_idx=2).double(), tnn.Embedding(6, 3, padding_idx=2)
    _copy_weights(ours, theirs)
    idx = np.array([[0, 2, 5, 5], [2, 1, 0, 0]])
    out, tout = ours(autograd.tensor(idx)), theirs(torch.tensor(idx))
    np.testing.assert_allclose(out._data, tout.detach().numpy())
    g = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(autograd.tensor(g))
    tout.backward(torch.tensor(g))
    np.testing.assert_allclose(ours.weight.grad._data, theirs.weight.grad.numpy(), rtol=1e-12)


def test_dropout_statistics_and_eval():
    p = 0.3
    ours = F.dropout(autograd.ones(200, 500), p)._data
    theirs = TF.dropout(torch.ones(200, 500), p).numpy()
    assert abs((ours == 0).mean() - (theirs == 0).mean()) < 0.01
    assert set(np.unique(ours)) == {0.0, np.float32(1 / (1 - p))}


# ----------------------------------------------------------------------------- initialisers
@pytest.mark.parametrize("name, kwargs", [
    ("xavier_uniform_", {"gain": 1.7}), ("xavier_normal_", {}), ("kaiming_uniform_", {"a": math.sqrt(5)}),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}), ("kaiming_normal_", {"a": 0.1}),
    ("trunc_normal_", {"mean": 0.5, "std": 2.0, "a": -1.0, "b": 3.0}), ("orthogonal_", {"gain": 2.0}),
    ("uniform_", {"a": -3.0, "b": 1.0}), ("normal_", {"mean": 1.0, "std": 0.2}),
])
def test_initialiser_statistics_match_pytorch(name, kwargs):
    shape = (300, 20, 3, 3)  # conv-shaped, so the receptive field enters the fans
    ours = getattr(nn.init, name)(autograd.zeros(*shape, dtype="float64"), **kwargs)._data
    theirs = getattr(tnn.init, name)(torch.zeros(shape), **kwargs).numpy()
    n = ours.size
    std = theirs.std()
    assert abs(ours.mean() - theirs.mean()) < 6 * std / math.sqrt(n)
    assert abs(ours.std() - std) < 0.02 * std
    if "uniform" in name or name == "trunc_normal_":  # bounded: the extremes must agree too
        spread = theirs.max() - theirs.min()
        assert abs(ours.min() - theirs.min()) < 0.01 * spread and abs(ours.max() - theirs.max()) < 0.01 * spread


def test_linear_default_init_has_the_same_distribution():
    ours, theirs = nn.Linear(300, 200), tnn.Linear(300, 200)
    bound = 1 / math.sqrt(300)
    w, tw = ours.weight._data, theirs.weight.detach().numpy()  # 60000 samples: the extremes are within 0.1% of ±bound
    assert abs(w.std() - tw.std()) < 0.01 * bound
    assert abs(w.max() - tw.max()) < 0.005 * bound and abs(w.min() - tw.min()) < 0.005 * bound
    b, tb = ours.bias._data, theirs.bias.detach().numpy()  # 200 samples: same support, similar spread
    assert max(abs(b).max(), abs(tb).max()) <= bound and abs(b.std() - tb.std()) < 0.2 * bound


@pytest.mark.parametrize("nonlinearity, param", [
    ("linear", None), ("conv1d", None), ("conv_transpose2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.3), ("selu", None),
])
def test_calculate_gain(nonlinearity, param):
    assert nn.init.calculate_gain(nonlinearity, param) == pytest.approx(tnn.init.calculate_gain(nonlinearity, param))


@pytest.mark.parametrize("shape", [(4, 3), (8, 3, 5), (16, 4, 3, 3), (2, 2, 2, 2, 2)])
def test_fans(shape):
    assert nn.init._calculate_fan_in_and_fan_out(autograd.zeros(*shape)) == \
        tnn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))


# ----------------------------------------------------------------------------- module machinery
def _nested(m):
    class Model(m.Module):
        def __init__(self):
            super().__init__()
            self.features = m.Sequential(m.Linear(3, 3), m.LeakyReLU(0.2), m.Dropout(0.1), m.BatchNorm1d(3),
                                         m.BatchNorm1d(3, affine=False, momentum=None), m.BatchNorm1d(2, bias=False))
            self.heads = m.ModuleList([m.Linear(3, 2), m.Linear(3, 2), m.Linear(3, 1), m.GELU("tanh")])
            self.emb = m.Embedding(10, 3, padding_idx=0)
            self.ln = m.LayerNorm(3, eps=1e-6, elementwise_affine=False)
            self.ln2 = m.LayerNorm((2, 3), bias=False)
            self.acts = m.ModuleDict({"a": m.Softplus(), "b": m.Hardtanh(-2.0, 2.0), "c": m.ELU(), "d": m.PReLU(),
                                      "e": m.Softmax(dim=1), "f": m.ReLU6(), "g": m.Flatten(), "h": m.Identity()})
            self.loss = m.CrossEntropyLoss()
            self.seq2 = m.Sequential()
    return Model()


def test_repr_and_state_dict_keys_equal_pytorch():
    ours, theirs = _nested(nn), _nested(tnn)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]


def test_state_dict_from_pytorch_loads():
    ours, theirs = _nested(nn).double(), _nested(tnn)
    missing, unexpected = ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert missing == [] == unexpected
    np.testing.assert_array_equal(ours.heads[0].weight._data, theirs.heads[0].weight.detach().numpy())
