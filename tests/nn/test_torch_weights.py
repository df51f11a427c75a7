"""Weights move both ways between this engine and real PyTorch (skipped without torch): through .safetensors files,
through state dicts passed directly (PyTorch tensors into load_state_dict, ours into PyTorch's), and through
DLPack without copying. After each move the same architecture computes the same outputs in both."""
import numpy as np
import pytest

torch = pytest.importorskip("torch")

import autograd  # noqa: E402
import nn  # noqa: E402

rng = np.random.default_rng(0)


pytestmark = pytest.mark.usefixtures("torch_float32")  # PyTorch's default dtype, restored afterwards


def _bn(ours_cls, theirs_cls, channels, shape):
    """A batch norm layer pair with trained running statistics (and num_batches_tracked > 0) on our side."""
    ours = ours_cls(channels)
    with autograd.no_grad():
        for _ in range(3):
            ours(autograd.tensor(rng.standard_normal(shape) * 2 + 1, dtype=autograd.float32))
    return ours, theirs_cls(channels), shape


def _pairs():
    """(name, our module, PyTorch's module, input shape or a callable making the inputs)."""
    yield "Linear", nn.Linear(5, 3), torch.nn.Linear(5, 3), (4, 5)
    yield "Conv1d", nn.Conv1d(3, 4, 3, padding=1), torch.nn.Conv1d(3, 4, 3, padding=1), (2, 3, 7)
    yield "Conv2d", nn.Conv2d(3, 4, (3, 2), stride=2, groups=1), torch.nn.Conv2d(3, 4, (3, 2), stride=2), (2, 3, 8, 7)
    yield ("ConvTranspose2d", nn.ConvTranspose2d(4, 2, 3, stride=2), torch.nn.ConvTranspose2d(4, 2, 3, stride=2),
           (2, 4, 5, 5))
    yield ("BatchNorm1d", *_bn(nn.BatchNorm1d, torch.nn.BatchNorm1d, 4, (6, 4)))
    yield ("BatchNorm2d", *_bn(nn.BatchNorm2d, torch.nn.BatchNorm2d, 3, (4, 3, 5, 5)))
    yield "LayerNorm", nn.LayerNorm(6), torch.nn.LayerNorm(6), (2, 3, 6)
    yield "Embedding", nn.Embedding(10, 4, padding_idx=0), torch.nn.Embedding(10, 4, padding_idx=0), "tokens"
    yield ("LSTM", nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True),
           torch.nn.LSTM(4, 5, num_layers=2, bidirectional=True, batch_first=True), (2, 6, 4))
    yield "GRU", nn.GRU(4, 3, num_layers=2), torch.nn.GRU(4, 3, num_layers=2), (6, 2, 4)
    yield ("MultiheadAttention", nn.MultiheadAttention(8, 2, batch_first=True),
           torch.nn.MultiheadAttention(8, 2, batch_first=True), "attention")
    yield ("TransformerEncoderLayer", nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True),
           torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True), (2, 5, 8))
    ours_layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
    theirs_layer = torch.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
    yield ("TransformerEncoder", nn.TransformerEncoder(ours_layer, 2, norm=nn.LayerNorm(8)),
           torch.nn.TransformerEncoder(theirs_layer, 2, norm=torch.nn.LayerNorm(8), enable_nested_tensor=False), (5, 2, 8))
    if hasattr(nn, "TransformerDecoderLayer"):  # being added on another branch: checked here once it is on main
        yield ("TransformerDecoderLayer", nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0),
               torch.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0), "decoder")
    if hasattr(nn, "Transformer"):
        yield ("Transformer", nn.Transformer(8, 2, 1, 1, dim_feedforward=16, dropout=0.0),
               torch.nn.Transformer(8, 2, 1, 1, dim_feedforward=16, dropout=0.0), "decoder")


PAIRS = [(name, ours, theirs.float(), kind) for name, ours, theirs, kind in _pairs()]  # float32 even if another
# test module changed torch's default dtype


def _inputs(kind):
    if kind == "tokens":
        arrays = [rng.integers(0, 10, (3, 4))]
    elif kind == "attention":
        arrays = [rng.standard_normal((2, 5, 8)).astype(np.float32)] * 3
    elif kind == "decoder":
        arrays = [rng.standard_normal((5, 2, 8)).astype(np.float32), rng.standard_normal((4, 2, 8)).astype(np.float32)]
    else:
        arrays = [rng.standard_normal(kind).astype(np.float32)]
    return [autograd.tensor(a) for a in arrays], [torch.tensor(a) for a in arrays]


def _first(output):
    while isinstance(output, (tuple, list)):
        output = output[0]
    return output


def _assert_same_outputs(ours, theirs, kind):
    ours.eval(), theirs.eval()
    a, t = _inputs(kind)
    with autograd.no_grad(), torch.no_grad():
        out, ref = _first(ours(*a)), _first(theirs(*t))
    np.testing.assert_allclose(out._data, ref.numpy(), rtol=1e-5, atol=1e-5)


def _assert_same_state(ours, theirs):
    mine, other = ours.state_dict(), theirs.state_dict()
    assert list(mine) == list(other)  # the same names, in the same order
    for key in mine:
        assert mine[key].shape == tuple(other[key].shape), key
        assert mine[key].dtype == other[key].numpy().dtype, key
        np.testing.assert_array_equal(mine[key]._data, other[key].numpy())


@pytest.mark.parametrize("name,ours,theirs,kind", PAIRS, ids=[p[0] for p in PAIRS])
def test_ours_to_pytorch_through_a_safetensors_file(tmp_path, name, ours, theirs, kind):
    pytest.importorskip("safetensors")
    from safetensors.torch import load_file

    path = tmp_path / "model.safetensors"
    nn.save(ours.state_dict(), path)
    result = theirs.load_state_dict(load_file(path), strict=True)
    assert result.missing_keys == [] and result.unexpected_keys == []
    _assert_same_state(ours, theirs)
    _assert_same_outputs(ours, theirs, kind)


@pytest.mark.parametrize("name,ours,theirs,kind", PAIRS, ids=[p[0] for p in PAIRS])
def test_pytorch_to_ours_through_a_safetensors_file(tmp_path, name, ours, theirs, kind):
    pytest.importorskip("safetensors")
    from safetensors.torch import save_file

    if name.startswith("BatchNorm"):  # give PyTorch's side running statistics of its own
        theirs.train()
        with torch.no_grad():
            for _ in range(2):
                theirs(torch.randn(*kind) * 3 - 1)
    path = tmp_path / "model.safetensors"
    save_file(theirs.state_dict(), path)
    result = ours.load_state_dict(nn.load(path))
    assert result.missing_keys == [] and result.unexpected_keys == []
    _assert_same_state(ours, theirs)
    _assert_same_outputs(ours, theirs, kind)


@pytest.mark.parametrize("name,ours,theirs,kind", PAIRS, ids=[p[0] for p in PAIRS])
def test_state_dicts_passed_directly_both_ways(name, ours, theirs, kind):
    ours.load_state_dict(theirs.state_dict())  # PyTorch tensors straight in, no file, no conversion by hand
    _assert_same_state(ours, theirs)
    _assert_same_outputs(ours, theirs, kind)
    for p in ours.parameters():  # change ours, then move it back into PyTorch's through DLPack
        p.data.mul_(0.5)
    theirs.load_state_dict({k: torch.from_dlpack(v) for k, v in ours.state_dict().items()})
    _assert_same_state(ours, theirs)
    _assert_same_outputs(ours, theirs, kind)


def test_load_state_dict_casts_as_copy_does_and_reports_keys_as_pytorch():
    ours, theirs = nn.Linear(3, 2), torch.nn.Linear(3, 2).double()
    assert repr(ours.load_state_dict(theirs.state_dict())) == "<All keys matched successfully>"
    assert ours.weight.dtype == np.float32  # the parameter keeps its dtype; the values are cast
    np.testing.assert_allclose(ours.weight._data, theirs.weight.detach().numpy(), rtol=1e-6)
    ours.load_state_dict({"weight": np.arange(6).reshape(2, 3), "bias": [True, False]})
    assert ours.weight.dtype == np.float32 and ours.bias.tolist() == [1.0, 0.0]
    extra = {"weight": torch.ones(2, 3), "extra": torch.zeros(1)}
    mine, other = ours.load_state_dict(extra, strict=False), torch.nn.Linear(3, 2).load_state_dict(extra, strict=False)
    assert (mine.missing_keys, mine.unexpected_keys) == (other.missing_keys, other.unexpected_keys) == (["bias"], ["extra"])
    with pytest.raises(RuntimeError) as info:
        torch.nn.Linear(3, 2).load_state_dict(extra)
    with pytest.raises(RuntimeError) as mine_info:
        ours.load_state_dict(extra)
    assert str(mine_info.value) == str(info.value)
    requires_grad = dict(torch.nn.Linear(3, 2).named_parameters())  # tensors that require grad: detached for us
    ours.load_state_dict(requires_grad)
    np.testing.assert_array_equal(ours.bias._data, requires_grad["bias"].detach().numpy())


def test_batch_norm_running_statistics_and_plain_dicts_without_num_batches_tracked():
    ours, theirs = nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)
    with torch.no_grad():
        theirs(torch.randn(8, 3) * 2 + 5)
    ours.load_state_dict(theirs.state_dict())
    assert ours.num_batches_tracked.item() == 1 and ours.num_batches_tracked.dtype == np.int64
    np.testing.assert_allclose(ours.running_var._data, theirs.running_var.numpy(), rtol=1e-6)
    plain = {k: v for k, v in theirs.state_dict().items() if k != "num_batches_tracked"}
    assert repr(ours.load_state_dict(plain)) == repr(torch.nn.BatchNorm1d(3).load_state_dict(plain))


def test_assign_shares_the_checkpoint_storage():
    ours = nn.Linear(2, 2)
    weight = np.ones((2, 2), np.float32)
    ours.load_state_dict({"weight": weight, "bias": np.zeros(2, np.float32)}, assign=True)
    weight[0, 0] = 7
    assert ours.weight._data[0, 0] == 7 and ours.weight.requires_grad


def test_dlpack_exchanges_without_copying_both_ways():
    t = torch.arange(6.0).reshape(2, 3)
    ours = autograd.from_dlpack(t)
    ours._data[0, 0] = 42
    assert t[0, 0].item() == 42 and ours.shape == (2, 3) and ours.dtype == np.float32
    x = autograd.tensor([[1, 2], [3, 4]])
    back = torch.from_dlpack(x)
    back[1, 1] = -1
    assert x[1, 1].item() == -1 and back.dtype == torch.int64
    assert x.__dlpack_device__() == (1, 0)
    with pytest.raises(BufferError, match="detach"):
        torch.from_dlpack(autograd.ones(2, requires_grad=True))
    np.testing.assert_array_equal(np.from_dlpack(autograd.ones(2, requires_grad=True).detach()), [1, 1])
