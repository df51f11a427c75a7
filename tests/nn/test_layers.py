"""Layers: Linear, Identity, Flatten, Unflatten, Dropout(1d/2d/3d), BatchNorm1d/2d, LayerNorm, GroupNorm, InstanceNorm, Embedding.

Each layer passes gradcheck and gradgradcheck (with respect to its input and its parameters)
on small float64 inputs; behaviour specific to each layer is tested below that.
"""
import math

import numpy as np
import pytest

import autograd
import nn
import nn.functional as F
from autograd import gradcheck, gradgradcheck


def _x(*shape, seed=0, requires_grad=True):
    return autograd.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=requires_grad)


def check_layer(layer, *inputs):
    """gradcheck + gradgradcheck of layer(*inputs) with respect to the inputs and every parameter."""
    params = [p for p in layer.parameters() if p.requires_grad]
    n = len(inputs)
    fn = lambda *args: layer(*args[:n])
    assert gradcheck(fn, (*inputs, *params))
    assert gradgradcheck(fn, (*inputs, *params))


# every layer family, in float64, with a small input
LAYERS = {
    "linear": (lambda: nn.Linear(3, 2), lambda: (_x(4, 3),)),
    "linear_3d_no_bias": (lambda: nn.Linear(3, 2, bias=False), lambda: (_x(2, 2, 3),)),
    "non_dynamically_quantizable_linear": (lambda: nn.NonDynamicallyQuantizableLinear(3, 2), lambda: (_x(4, 3),)),
    "bilinear": (lambda: nn.Bilinear(2, 3, 2), lambda: (_x(3, 2), _x(3, 3, seed=1))),
    "identity": (lambda: nn.Identity(5, foo=1), lambda: (_x(2, 3),)),
    "flatten": (lambda: nn.Flatten(), lambda: (_x(2, 3, 2),)),
    "unflatten": (lambda: nn.Unflatten(1, (2, 3)), lambda: (_x(2, 6),)),
    "dropout_eval": (lambda: nn.Dropout(0.5).eval(), lambda: (_x(3, 4),)),
    "batchnorm1d_train": (lambda: nn.BatchNorm1d(3), lambda: (_x(5, 3),)),
    "batchnorm1d_train_3d": (lambda: nn.BatchNorm1d(2, affine=True), lambda: (_x(3, 2, 4),)),
    "batchnorm1d_eval": (lambda: _eval_bn(), lambda: (_x(4, 3),)),
    "batchnorm2d_train": (lambda: nn.BatchNorm2d(2), lambda: (_x(2, 2, 2, 3),)),
    "layernorm": (lambda: nn.LayerNorm(4), lambda: (_x(3, 4),)),
    "layernorm_2d_shape": (lambda: nn.LayerNorm((2, 3)), lambda: (_x(2, 2, 3),)),
    "embedding": (lambda: nn.Embedding(5, 3), lambda: (autograd.tensor([[0, 1, 4], [4, 2, 1]]),)),
    "prelu": (lambda: nn.PReLU(3), lambda: (_x(4, 3),)),
    "groupnorm": (lambda: nn.GroupNorm(2, 4), lambda: (_x(2, 4, 3),)),
    "instancenorm1d_affine": (lambda: nn.InstanceNorm1d(2, affine=True), lambda: (_x(2, 2, 4),)),
    "instancenorm2d": (lambda: nn.InstanceNorm2d(2), lambda: (_x(2, 2, 2, 3),)),
    "dropout1d_eval": (lambda: nn.Dropout1d(0.5).eval(), lambda: (_x(2, 3, 4),)),
    "dropout2d_eval": (lambda: nn.Dropout2d(0.5).eval(), lambda: (_x(2, 3, 2, 2),)),
    "dropout3d_eval": (lambda: nn.Dropout3d(0.5).eval(), lambda: (_x(2, 2, 2, 2, 2),)),
    "feature_alpha_dropout_eval": (lambda: nn.FeatureAlphaDropout(0.5).eval(), lambda: (_x(2, 3, 4),)),
    "rmsnorm": (lambda: nn.RMSNorm((2, 3)), lambda: (_x(2, 2, 3),)),
    "local_response_norm": (lambda: nn.LocalResponseNorm(3), lambda: (_x(2, 4, 3),)),
    "batchnorm3d_train": (lambda: nn.BatchNorm3d(2), lambda: (_x(2, 2, 2, 1, 2),)),
    "sync_batchnorm_train": (lambda: nn.SyncBatchNorm(2), lambda: (_x(3, 2, 2),)),
    "instancenorm3d_affine": (lambda: nn.InstanceNorm3d(2, affine=True), lambda: (_x(1, 2, 2, 2, 2),)),
    "embedding_bag": (lambda: nn.EmbeddingBag(5, 3, mode="sum"), lambda: (autograd.tensor([[0, 1, 4], [4, 2, 1]]),)),
}


def _eval_bn():
    bn = nn.BatchNorm1d(3)
    bn.running_mean._data[...] = [0.5, -1.0, 2.0]
    bn.running_var._data[...] = [2.0, 0.5, 1.5]
    return bn.eval()


def test_every_layer_is_in_the_table():
    tested = {type(make()) for make, _ in LAYERS.values()} | {nn.AlphaDropout}  # AlphaDropout: own test below
    families = (nn.layers.linear, nn.layers.dropout, nn.layers.normalization, nn.layers.embedding)
    exported = {getattr(family, name) for family in families for name in family.__all__}
    assert exported <= tested, f"layers without test entries: {exported - tested}"


@pytest.mark.parametrize("name", LAYERS)
def test_gradcheck_and_gradgradcheck(name):
    make_layer, make_inputs = LAYERS[name]
    autograd.manual_seed(0)
    layer = make_layer().double()
    with np.errstate(all="raise"):
        check_layer(layer, *make_inputs())


# ----------------------------------------------------------------------------- the source material's model
class SourceModel(nn.Module):
    """Linear(3,3) + xavier_normal_ + sigmoid, Linear(3,2) + kaiming_normal_ + relu, Linear(2,2) + softmax."""

    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(3, 3)
        nn.init.xavier_normal_(self.layer1.weight)
        self.layer2 = nn.Linear(3, 2)
        nn.init.kaiming_normal_(self.layer2.weight)
        self.layer3 = nn.Linear(2, 2)

    def forward(self, x):
        x = F.sigmoid(self.layer1(x))
        x = F.relu(self.layer2(x))
        return F.softmax(self.layer3(x), dim=-1)


def test_source_material_model_outputs_probabilities():
    autograd.manual_seed(0)
    model = SourceModel()
    out = model(autograd.randn(5, 3))
    assert out.shape == (5, 2) and out.dtype == np.float32
    np.testing.assert_allclose(out._data.sum(-1), 1.0, rtol=1e-6)
    result = nn.summary(model, input_size=(3,), batch_size=5)
    assert [(r.name, r.num_params) for r in result.rows] == [("Linear-1", 12), ("Linear-2", 8), ("Linear-3", 6)]
    assert result.total_params == 26
    assert "Total params: 26" in repr(result)  # the table is returned (its repr), not printed


# ----------------------------------------------------------------------------- Linear and shape layers
def test_linear_default_init_matches_pytorch_bounds():
    autograd.manual_seed(1)
    layer = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=√5) gives U(-1/√fan_in, 1/√fan_in)
    for t in (layer.weight, layer.bias):
        assert -bound <= t._data.min() < -0.95 * bound and 0.95 * bound < t._data.max() <= bound
    assert abs(layer.weight._data.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert layer.weight.dtype == np.float32 and isinstance(layer.weight, nn.Parameter)
    assert nn.Linear(2, 2, bias=False).bias is None
    assert [n for n, _ in nn.Linear(2, 2, bias=False).named_parameters()] == ["weight"]


def test_linear_dtype_argument_and_error():
    assert nn.Linear(2, 3, dtype="float64").weight.dtype == np.float64
    with pytest.raises(RuntimeError, match="in_features=3"):
        nn.Linear(3, 2)(autograd.randn(4, 5))


def test_flatten_and_unflatten():
    x = autograd.randn(2, 3, 4, 5)
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 1)(x).shape == (6, 4, 5)
    assert nn.Unflatten(1, (3, 20))(nn.Flatten()(x)).shape == (2, 3, 20)
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.Unflatten(1, (2, 5))) == "Unflatten(dim=1, unflattened_size=(2, 5))"
    assert nn.Identity(54, unused="x")(x) is x
    assert nn.Unflatten(1, (-1, 2))(autograd.randn(2, 6)).shape == (2, 3, 2)
    with pytest.raises(RuntimeError, match=r"Unflatten: dimension 1 of the input of shape \(2, 6\) cannot be split"):
        nn.Unflatten(1, (4, 2))(autograd.randn(2, 6))


# ----------------------------------------------------------------------------- Dropout
def test_dropout_train_scales_survivors_and_eval_is_identity():
    autograd.manual_seed(0)
    layer = nn.Dropout(0.25)
    x = autograd.ones(200, 200)
    out = layer(x)._data
    assert set(np.unique(out)) <= {0.0, np.float32(1 / 0.75)}
    assert abs((out == 0).mean() - 0.25) < 0.01
    assert layer.eval()(x) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_inverted_and_classical_dropout_agree_in_expectation():
    """Inverted: train mask·x/(1-p), test x. Classical: train mask·x, test (1-p)·x.

    Each form's mean training output equals its own test output, and the two differ by the constant 1-p.
    """
    autograd.manual_seed(3)
    p, x = 0.3, autograd.tensor(np.linspace(-2, 2, 50))
    samples = 4000
    layer = nn.Dropout(p)
    inverted = np.mean([layer(x)._data for _ in range(samples)], axis=0)
    masks = np.array([autograd.random.default_generator().random(x.shape) >= p for _ in range(samples)])
    classical = (masks * x._data).mean(0)
    se = np.abs(x._data) * math.sqrt(p / (1 - p) / samples)  # standard error of the inverted estimate
    assert np.all(np.abs(inverted - layer.eval()(x)._data) < 5 * se + 1e-12)
    assert np.all(np.abs(classical - (1 - p) * x._data) < 5 * se * (1 - p) + 1e-12)
    np.testing.assert_allclose(inverted * (1 - p), classical, atol=float(10 * se.max()))


def test_dropout_gradient_uses_the_same_mask():
    autograd.manual_seed(1)
    x = _x(6, 5)
    out = F.dropout(x, 0.5)
    out.backward(autograd.ones_like(out))
    np.testing.assert_array_equal(x.grad._data, (out._data != 0) * 2.0)
    fn = lambda t: (autograd.manual_seed(9), F.dropout(t, 0.4))[1]  # same mask on every call
    assert gradcheck(fn, (x,)) and gradgradcheck(fn, (x,))
    assert F.dropout(x, 0.5, training=False) is x
    assert not F.dropout(x, 1.0)._data.any()


def test_alpha_dropout_keeps_mean_and_variance():
    autograd.manual_seed(2)
    x = autograd.randn(500, 400, dtype="float64")
    out = nn.AlphaDropout(0.2)(x)._data
    assert abs(out.mean()) < 0.02 and abs(out.std() - 1) < 0.02
    assert nn.AlphaDropout(0.2).eval()(x) is x


# ----------------------------------------------------------------------------- BatchNorm
def test_batchnorm_training_normalises_and_updates_running_stats():
    bn = nn.BatchNorm1d(3, momentum=0.2).double()
    x = _x(8, 3, seed=4, requires_grad=False) * 3 + 1
    out = bn(x)
    np.testing.assert_allclose(out._data.mean(0), 0, atol=1e-12)
    np.testing.assert_allclose(out._data.var(0), 1, rtol=1e-4)  # eps=1e-5 in the denominator
    np.testing.assert_allclose(bn.running_mean._data, 0.2 * x._data.mean(0))
    np.testing.assert_allclose(bn.running_var._data, 0.8 + 0.2 * x._data.var(0, ddof=1))  # unbiased, as PyTorch
    assert bn.num_batches_tracked.item() == 1 and bn.num_batches_tracked.dtype == np.int64


def test_batchnorm_eval_uses_running_stats():
    bn = _eval_bn().double()
    x = _x(4, 3, requires_grad=False)
    expected = (x._data - bn.running_mean._data) / np.sqrt(bn.running_var._data + 1e-5)
    np.testing.assert_allclose(bn(x)._data, expected)
    assert bn.num_batches_tracked.item() == 0


def test_batchnorm_momentum_none_is_the_cumulative_average():
    bn = nn.BatchNorm1d(2, momentum=None).double()
    batches = [_x(5, 2, seed=s, requires_grad=False) for s in range(4)]
    for b in batches:
        bn(b)
    np.testing.assert_allclose(bn.running_mean._data, np.mean([b._data.mean(0) for b in batches], axis=0))
    np.testing.assert_allclose(bn.running_var._data, np.mean([b._data.var(0, ddof=1) for b in batches], axis=0))


def test_batchnorm_three_dim_input_and_options():
    bn = nn.BatchNorm1d(2, affine=False, track_running_stats=False)
    assert list(bn.parameters()) == [] and list(bn.state_dict()) == []
    x = _x(3, 2, 5, requires_grad=False)
    out = bn.eval()(x)  # without running stats, batch statistics are used even in eval mode
    np.testing.assert_allclose(out._data.mean((0, 2)), 0, atol=1e-6)
    assert repr(nn.BatchNorm1d(4)) == "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="expected 2D or 3D input \\(got 4D"):
        nn.BatchNorm1d(3)(autograd.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(autograd.randn(1, 3))
    with pytest.raises(ValueError, match="expected 3 channels"):
        nn.BatchNorm1d(3)(autograd.randn(4, 5))


# ----------------------------------------------------------------------------- LayerNorm
def test_layernorm_normalises_each_sample():
    ln = nn.LayerNorm(6, elementwise_affine=False)
    x = _x(4, 6, requires_grad=False)
    out = ln(x)._data
    np.testing.assert_allclose(out.mean(-1), 0, atol=1e-12)
    np.testing.assert_allclose(out.var(-1), 1, rtol=1e-4)
    assert list(ln.parameters()) == []
    assert [n for n, _ in nn.LayerNorm(3, bias=False).named_parameters()] == ["weight"]
    with pytest.raises(RuntimeError, match=r"normalized_shape=\[5\].*\(4, 6\)"):
        nn.LayerNorm(5)(x)


# ----------------------------------------------------------------------------- Embedding
def test_embedding_lookup_init_and_padding():
    autograd.manual_seed(0)
    emb = nn.Embedding(1000, 50, padding_idx=3)
    assert not emb.weight._data[3].any()
    others = np.delete(emb.weight._data, 3, axis=0)
    assert abs(others.mean()) < 0.01 and abs(others.std() - 1) < 0.01
    idx = autograd.tensor([[3, 5], [5, 7]])
    out = emb(idx)
    assert out.shape == (2, 2, 50)
    np.testing.assert_array_equal(out._data[0, 1], emb.weight._data[5])
    out.sum().backward()
    grad = emb.weight.grad._data
    assert (grad[5] == 2).all() and (grad[7] == 1).all() and not grad[3].any() and not grad[0].any()
    # the padding row's zero gradient is a definition, not the derivative, so only the second derivative
    # (the derivative of that backward rule) can be checked numerically
    small = nn.Embedding(5, 3, padding_idx=1).double()
    assert gradgradcheck(lambda w: F.embedding(autograd.tensor([[0, 1, 4], [4, 2, 1]]), w, 1), (small.weight,))


def test_embedding_errors_and_from_pretrained():
    emb = nn.Embedding(4, 2)
    with pytest.raises(IndexError, match="index 4 is out of range .* 4 rows"):
        emb(autograd.tensor([0, 4]))
    with pytest.raises(TypeError, match="integer"):
        emb(autograd.tensor([0.0, 1.0]))
    pre = nn.Embedding.from_pretrained(autograd.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert not pre.weight.requires_grad and pre(autograd.tensor([1])).tolist() == [[3.0, 4.0]]
    assert repr(nn.Embedding(10, 3, padding_idx=0)) == "Embedding(10, 3, padding_idx=0)"
