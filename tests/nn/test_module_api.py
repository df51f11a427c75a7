"""The Module API real programs use, as PyTorch: to()/cpu()/cuda()/half()/type(), traversal, buffers,
set/get_submodule, zero_grad, weight tying, forward hooks (prepend, with_kwargs, always_call), full backward
hooks (compared with PyTorch's calls), device= on layers, pickling and deep copies."""
import copy
import pickle

import numpy as np
import pytest

import autograd as ag
import nn


class _Device:
    """Stands in for autograd.device('cpu'): anything whose .type is 'cpu' is the CPU."""

    type = "cpu"


def test_to_accepts_pytorch_forms_and_keeps_identity():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    weight = model[0].weight
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    assert model.to("cpu") is model and model.to(_Device()) is model and model.to("cpu:0", non_blocking=True) is model
    model.to(ag.float64)
    assert model[0].weight is weight and weight.dtype == np.float64 and model[1].running_mean.dtype == np.float64
    assert model[1].num_batches_tracked.dtype == np.int64  # integer buffers are left alone, as PyTorch
    model.to(ag.zeros(1, dtype=ag.float32))  # to(tensor): its dtype
    assert weight.dtype == np.float32
    model.to("cpu", ag.float64).to(device="cpu", dtype=ag.float32, memory_format=None)
    model(ag.randn(4, 3)).sum().backward()
    optimizer.step()
    assert weight.grad.dtype == np.float32
    model.double()
    assert weight.grad.dtype == np.float64  # gradients follow
    assert model.half()[0].weight.dtype == np.float16 and model.float()[0].weight.dtype == np.float32
    assert model.type(ag.float64)[0].weight.dtype == np.float64 and model.cpu() is model


def test_other_devices_and_dtypes_are_refused_clearly():
    model = nn.Linear(2, 2)
    for call in (lambda: model.to("cuda"), lambda: model.cuda(), lambda: model.to("cuda:0", ag.float64),
                 lambda: nn.Linear(2, 2, device="cuda"), lambda: nn.LSTM(2, 2, device="mps")):
        with pytest.raises(RuntimeError, match="runs on the CPU only"):
            call()
    with pytest.raises(TypeError, match="only accepts floating point"):
        model.to(ag.int64)
    with pytest.raises(TypeError, match="bfloat16"):
        model.bfloat16()
    layer = nn.Conv2d(1, 2, 3, device="cpu", dtype=ag.float64)
    assert layer.weight.dtype == np.float64
    assert nn.GRU(2, 3, device=_Device()).weight_ih_l0.shape == (9, 2)


def test_traversal_submodules_and_buffers():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    shared = model[0]
    model.add_module("again", shared)
    assert [n for n, _ in model.named_modules()] == ["", "0", "1", "1.0", "1.1"]
    assert len(list(model.modules(remove_duplicate=False))) == 6
    assert [n for n, _ in model.named_children()] == ["0", "1"]
    assert len(list(model.parameters(recurse=False))) == 0 and len(list(model.parameters())) == 4
    model.set_submodule("1.0", nn.Tanh())
    assert isinstance(model.get_submodule("1.0"), nn.Tanh)
    with pytest.raises(AttributeError, match="no attribute `nope`"):
        model.set_submodule("1.nope", nn.ReLU(), strict=True)
    model[0].register_buffer("scale", ag.ones(3), persistent=False)
    model[0].register_buffer("shift", ag.zeros(3))
    assert model.get_buffer("0.scale") is model[0].scale
    assert "0.scale" not in model.state_dict() and "0.shift" in model.state_dict()
    seen = []
    model.apply(lambda m: seen.append(type(m).__name__))
    assert seen == ["Linear", "Tanh", "Linear", "Sequential", "Sequential"]


def test_zero_grad_requires_grad_and_train_modes():
    model = nn.Linear(2, 2)
    model(ag.randn(3, 2)).sum().backward()
    grad = model.weight.grad
    model.zero_grad(set_to_none=False)
    assert model.weight.grad is grad and np.all(grad.numpy() == 0)
    model.zero_grad()
    assert model.weight.grad is None
    assert not any(p.requires_grad for p in model.requires_grad_(False).parameters())
    assert model.train(False).training is False and model.train().training is True
    with pytest.raises(ValueError, match="boolean"):
        model.train("no")


def test_weight_tying_as_pytorch():
    torch = pytest.importorskip("torch")

    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(5, 3)
            self.decoder = nn.Linear(3, 5, bias=False)
            self.decoder.weight = self.embed.weight

        def forward(self, tokens):
            return self.decoder(self.embed(tokens))

    class TorchTied(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = torch.nn.Embedding(5, 3)
            self.decoder = torch.nn.Linear(3, 5, bias=False)
            self.decoder.weight = self.embed.weight

        def forward(self, tokens):
            return self.decoder(self.embed(tokens))

    ours, theirs = Tied(), TorchTied()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()] == ["embed.weight"]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["embed.weight", "decoder.weight"]
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    tokens = [[0, 3, 4], [1, 1, 2]]
    ours(ag.tensor(tokens)).pow(2).sum().backward()
    theirs(torch.tensor(tokens)).pow(2).sum().backward()
    np.testing.assert_allclose(ours.embed.weight.grad.numpy(), theirs.embed.weight.grad.numpy(), rtol=1e-5)


def test_forward_hook_options_run_in_pytorchs_order():
    layer, calls = nn.Identity(), []
    layer.register_forward_hook(lambda m, a, o: calls.append("first"))
    layer.register_forward_hook(lambda m, a, o: calls.append("prepended"), prepend=True)
    layer.register_forward_hook(lambda m, a, kw, o: calls.append(("kwargs", kw)), with_kwargs=True)
    layer.register_forward_pre_hook(lambda m, a, kw: ((a[0] * 2,), kw), with_kwargs=True)
    out = layer(ag.tensor([1.0]))
    assert out.tolist() == [2.0] and calls == ["prepended", "first", ("kwargs", {})]

    class Failing(nn.Module):
        def forward(self, x):
            raise ValueError("boom")

    failing, seen = Failing(), []
    failing.register_forward_hook(lambda m, a, o: seen.append(o), always_call=True)
    failing.register_forward_hook(lambda m, a, o: seen.append("not called"))
    with pytest.raises(ValueError, match="boom"):
        failing(ag.tensor(1.0))
    assert seen == [None]


def test_full_backward_hooks_match_pytorch():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(0).standard_normal((4, 3))
    theirs = torch.nn.Linear(3, 2).double()
    ours = nn.Linear(3, 2).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    logs = []
    for layer, inputs in ((ours, ag.tensor(x, requires_grad=True)), (theirs, torch.tensor(x, requires_grad=True))):
        log = []
        layer.register_full_backward_pre_hook(lambda m, go, log=log: log.append(("pre", np.round(go[0].tolist(), 8)
                                                                                  .tolist())) or (go[0] * 3,))
        layer.register_full_backward_hook(lambda m, gi, go, log=log: log.append(
            ("post", np.round(gi[0].tolist(), 8).tolist(), np.round(go[0].tolist(), 8).tolist())) or (gi[0] + 1,))
        (layer(inputs) ** 2).sum().backward()
        logs.append((log, np.round(inputs.grad.tolist(), 8).tolist(), np.round(layer.weight.grad.tolist(), 8).tolist()))
    assert logs[0] == logs[1]


def test_modules_pickle_and_deep_copy():
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    model(ag.randn(5, 3))
    for clone in (pickle.loads(pickle.dumps(model)), copy.deepcopy(model)):
        assert clone[0].weight is not model[0].weight
        for key, value in model.state_dict().items():
            np.testing.assert_array_equal(clone.state_dict()[key].numpy(), value.numpy())
        assert repr(clone) == repr(model)
