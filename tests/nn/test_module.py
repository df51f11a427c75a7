"""Module: registration, traversal, modes, state dicts, hooks, repr, dtype conversion and containers."""
import copy
from collections import OrderedDict

import numpy as np
import pytest

import autograd
import nn
from autograd import engine, grad_mode


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.norm = nn.BatchNorm1d(4)
        self.scale = nn.Parameter(autograd.ones(4))
        self.register_buffer("steps", autograd.zeros(1))
        self.register_buffer("cache", autograd.zeros(2), persistent=False)

    def forward(self, x):
        return self.norm(self.fc(x)) * self.scale


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(4, 2))

    def forward(self, x):
        return self.head(self.block(x))


# ----------------------------------------------------------------------------- registration and traversal
def test_named_parameters_use_dotted_names_in_registration_order():
    names = [name for name, _ in Net().named_parameters()]
    assert names == ["block.scale", "block.fc.weight", "block.fc.bias", "block.norm.weight", "block.norm.bias",
                     "head.1.weight", "head.1.bias"]


def test_parameters_are_deduplicated_when_shared():
    net = nn.Module()
    layer = nn.Linear(2, 2)
    net.a, net.b = layer, layer
    assert len(list(net.parameters())) == 2
    assert [n for n, _ in net.named_modules()] == ["", "a"]
    assert len(list(net.parameters(recurse=False))) == 0


def test_buffers_and_persistence():
    block = Block()
    assert [n for n, _ in block.named_buffers()] == ["steps", "cache", "norm.running_mean", "norm.running_var",
                                                     "norm.num_batches_tracked"]
    keys = list(block.state_dict())
    assert "cache" not in keys and "steps" in keys and "norm.num_batches_tracked" in keys
    assert keys == ["scale", "steps", "fc.weight", "fc.bias", "norm.weight", "norm.bias", "norm.running_mean",
                    "norm.running_var", "norm.num_batches_tracked"]


def test_children_and_modules():
    net = Net()
    assert [n for n, _ in net.named_children()] == ["block", "head"]
    assert [type(m).__name__ for m in net.children()] == ["Block", "Sequential"]
    assert [n for n, _ in net.named_modules()] == ["", "block", "block.fc", "block.norm", "head", "head.0", "head.1"]
    assert len(list(net.modules())) == 7
    assert net.get_submodule("head.1") is net.head[1]
    assert net.get_parameter("block.fc.weight") is net.block.fc.weight


def test_assignment_rules():
    m = nn.Module()
    m.w = nn.Parameter(autograd.zeros(2))
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'w'"):
        m.w = autograd.zeros(2)
    m.w = None
    assert m.w is None and "w" in m._parameters
    m.sub = nn.Linear(1, 1)
    with pytest.raises(TypeError, match="child module 'sub'"):
        m.sub = 3
    m.register_buffer("b", autograd.zeros(1))
    m.b = autograd.ones(1)
    assert m.b.tolist() == [1.0] and "b" in m._buffers
    with pytest.raises(TypeError, match="buffer 'b'"):
        m.b = 5
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", autograd.zeros(1))
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        _ = m.missing
    del m.sub
    assert "sub" not in m._modules
    with pytest.raises(AttributeError):
        _ = m.sub


def test_forgetting_super_init_is_explained():
    class Bad(nn.Module):
        def __init__(self):
            self.fc = nn.Linear(1, 1)

    with pytest.raises(AttributeError, match="before Bad.__init__"):
        Bad()


def test_missing_forward_is_explained():
    with pytest.raises(NotImplementedError, match='Module \\[Module\\] is missing the required "forward"'):
        nn.Module()(1)


# ----------------------------------------------------------------------------- modes and bulk operations
def test_train_eval_propagate():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net and not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    with pytest.raises(ValueError, match="boolean"):
        net.train("yes")


def test_zero_grad_and_requires_grad():
    net = Net()
    net(autograd.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad._data.any() for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())


def test_apply_visits_children_first():
    order = []
    Net().apply(lambda m: order.append(type(m).__name__))
    assert order == ["Linear", "BatchNorm1d", "Block", "ReLU", "Linear", "Sequential", "Net"]


def test_double_and_float_convert_in_place():
    net = Net()
    weight = net.block.fc.weight
    net(autograd.randn(4, 3)).sum().backward()
    assert net.double() is net
    assert net.block.fc.weight is weight and weight.dtype == np.float64 and weight.grad.dtype == np.float64
    assert net.block.norm.running_mean.dtype == np.float64
    assert net.block.norm.num_batches_tracked.dtype == np.int64
    assert net(autograd.randn(4, 3, dtype="float64")).dtype == np.float64
    net.to(autograd.float32)
    assert weight.dtype == np.float32
    net.float().to("cpu")
    with pytest.raises(RuntimeError, match="CPU only"):
        net.to("cuda")


def test_deepcopy_keeps_parameters_as_parameters():
    net = Net()
    clone = copy.deepcopy(net)
    assert isinstance(clone.block.fc.weight, nn.Parameter)
    assert clone.block.fc.weight is not net.block.fc.weight
    np.testing.assert_array_equal(clone.block.fc.weight._data, net.block.fc.weight._data)


# ----------------------------------------------------------------------------- state dict
def test_state_dict_round_trip():
    a, b = Net(), Net()
    a(autograd.randn(6, 3))  # changes running statistics
    sd = a.state_dict()
    assert all(not t.requires_grad for t in sd.values())
    weight_before = b.block.fc.weight
    result = b.load_state_dict(sd)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert b.block.fc.weight is weight_before  # loaded in place
    for key, value in b.state_dict().items():
        np.testing.assert_array_equal(value._data, sd[key]._data)
    b.block.fc.weight._data[0, 0] += 1  # state_dict holds no aliasing to b's own storage
    assert a.block.fc.weight._data[0, 0] != b.block.fc.weight._data[0, 0]


def test_state_dict_errors_list_every_problem_and_change_nothing():
    net = Net()
    before = net.block.fc.weight._data.copy()
    sd = Net().state_dict()
    del sd["head.1.bias"]
    sd["extra.weight"] = autograd.zeros(1)
    sd["block.fc.weight"] = autograd.zeros(2, 2)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    message = str(info.value)
    assert "Error(s) in loading state_dict for Net" in message
    assert 'Missing key(s) in state_dict: "head.1.bias"' in message
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in message
    assert "size mismatch for block.fc.weight: copying a param with shape (2, 2) from checkpoint, " \
           "the shape in current model is (4, 3)" in message
    np.testing.assert_array_equal(net.block.fc.weight._data, before)


def test_non_strict_loading_reports_keys():
    net = Net()
    sd = Net().state_dict()
    del sd["head.1.bias"]
    sd["extra"] = autograd.zeros(1)
    missing, unexpected = net.load_state_dict(sd, strict=False)
    assert missing == ["head.1.bias"] and unexpected == ["extra"]
    np.testing.assert_array_equal(net.head[1].weight._data, sd["head.1.weight"]._data)
    sd["head.1.weight"] = autograd.zeros(3, 3)
    with pytest.raises(RuntimeError, match="size mismatch"):
        net.load_state_dict(sd, strict=False)


# ----------------------------------------------------------------------------- calling, hooks, scopes
def test_forward_hooks_and_removal():
    layer = nn.Linear(2, 2)
    calls = []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = layer.register_forward_hook(lambda m, args, out: calls.append(out.shape) or out + 1)
    out = layer(autograd.ones(3, 2))
    np.testing.assert_allclose(out._data, np.broadcast_to(layer.bias._data + 1, (3, 2)), rtol=1e-6)
    assert calls == [(3, 2)]
    pre.remove()
    post.remove()
    np.testing.assert_allclose(layer(autograd.ones(1, 2))._data, (layer.weight._data.sum(1) + layer.bias._data)[None], rtol=1e-6)
    assert calls == [(3, 2)]


def test_nodes_record_the_module_scope():
    net = Net()
    out = net(autograd.randn(3, 3))
    assert out.grad_fn.scope == ("Net", "head", "1")
    assert grad_mode.state.module_scope == ()
    scopes = {node.scope for node in engine.topological_order([out.grad_fn])}
    assert ("Net", "block", "fc") in scopes and ("Net", "block", "norm") in scopes and ("Net", "block") in scopes


def test_scope_is_restored_after_an_error():
    with pytest.raises(RuntimeError):
        nn.Linear(3, 2)(autograd.randn(2, 5))
    assert grad_mode.state.module_scope == ()


# ----------------------------------------------------------------------------- repr
def test_repr_matches_pytorch_for_a_nested_model():
    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.features = nn.Sequential(nn.Linear(3, 3), nn.Sigmoid(), nn.Dropout(0.2))
            self.norm = nn.BatchNorm1d(3)
            self.heads = nn.ModuleList([nn.Linear(3, 2), nn.Linear(3, 2), nn.Linear(3, 1)])
            self.emb = nn.Embedding(10, 3, padding_idx=0)
            self.ln = nn.LayerNorm(3)

    expected = """Model(
  (features): Sequential(
    (0): Linear(in_features=3, out_features=3, bias=True)
    (1): Sigmoid()
    (2): Dropout(p=0.2, inplace=False)
  )
  (norm): BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
  (heads): ModuleList(
    (0-1): 2 x Linear(in_features=3, out_features=2, bias=True)
    (2): Linear(in_features=3, out_features=1, bias=True)
  )
  (emb): Embedding(10, 3, padding_idx=0)
  (ln): LayerNorm((3,), eps=1e-05, elementwise_affine=True, bias=True)
)"""
    assert repr(Model()) == expected


def test_parameter_repr():
    p = nn.Parameter(autograd.tensor([1.0, 2.0]))
    assert repr(p) == "Parameter containing:\ntensor([1., 2.], requires_grad=True)"
    assert p.requires_grad and p.is_leaf
    assert not nn.Parameter(autograd.zeros(1), requires_grad=False).requires_grad


# ----------------------------------------------------------------------------- containers
def test_sequential_indexing_slicing_and_growth():
    seq = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear) and seq[1] is list(seq)[1]
    head = seq[1:]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and list(head._modules) == ["1", "2"]
    x = autograd.randn(5, 3)
    np.testing.assert_allclose(seq(x)._data, seq[2](seq[1](seq[0](x)))._data)
    seq.append(nn.Softmax(dim=1))
    assert len(seq) == 4 and np.allclose(seq(x)._data.sum(1), 1)
    del seq[0]
    assert list(seq._modules) == ["0", "1", "2"]
    with pytest.raises(IndexError, match="out of range"):
        seq[10]
    named = nn.Sequential(OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.Tanh())]))
    assert [n for n, _ in named.named_parameters()] == ["fc.weight", "fc.bias"] and named.act is named[1]


def test_module_list_and_dict():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(layers) == 3 and len(list(layers.parameters())) == 6
    layers.append(nn.ReLU())
    assert isinstance(layers[-1], nn.ReLU) and isinstance(layers[:2], nn.ModuleList)
    d = nn.ModuleDict({"a": nn.Linear(1, 1), "b": nn.ReLU()})
    assert list(d.keys()) == ["a", "b"] and "a" in d and len(d) == 2
    assert [n for n, _ in d.named_parameters()] == ["a.weight", "a.bias"]
    with pytest.raises(NotImplementedError):
        layers(1)


def test_parameter_list_and_dict():
    params = nn.ParameterList([autograd.zeros(2), nn.Parameter(autograd.ones(3))])
    assert all(isinstance(p, nn.Parameter) for p in params) and len(params) == 2
    assert [n for n, _ in params.named_parameters()] == ["0", "1"]
    pd = nn.ParameterDict({"w": autograd.zeros(2, 2)})
    assert isinstance(pd["w"], nn.Parameter) and list(pd.state_dict()) == ["w"]
    assert "(0): Parameter containing: [float32 of size 2]" in repr(params)
