"""nn.save / nn.load: .npz without pickle, for state dicts and nested containers such as optimiser state."""
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import autograd
import nn


def _model():
    return nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2))


def test_state_dict_round_trip(tmp_path):
    model = _model()
    model(autograd.randn(5, 3))
    path = tmp_path / "model.pt"  # any name: nothing is appended
    nn.save(model.state_dict(), path)
    assert path.exists()
    loaded = nn.load(path)
    assert isinstance(loaded, OrderedDict) and list(loaded) == list(model.state_dict())
    assert loaded["1.num_batches_tracked"].dtype == np.int64
    other = _model()
    other.load_state_dict(loaded)
    x = autograd.randn(2, 3)
    model.eval(), other.eval()
    np.testing.assert_array_equal(model(x)._data, other(x)._data)


def test_archive_is_plain_npz_with_readable_keys_and_no_pickle(tmp_path):
    path = tmp_path / "weights.npz"
    nn.save(_model().state_dict(), path)
    with np.load(path, allow_pickle=False) as archive:
        assert "0.weight" in archive.files and archive["0.weight"].shape == (4, 3)
        arrays = [archive[name] for name in archive.files]  # raises if any array needed pickle
    assert all(a.dtype != object for a in arrays)
    with zipfile.ZipFile(path) as z:
        assert all(name.endswith(".npy") for name in z.namelist())


def test_nested_containers_round_trip(tmp_path):
    obj = {"state": {0: {"step": 3, "exp_avg": autograd.ones(2, 2)}, 1: {"momentum_buffer": None}},
           "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "nesterov": False, "name": "g"}],
           "array": np.arange(3), "scalar": np.float32(2.5), 1.5: "float key", "inf": float("inf")}
    nn.save(obj, tmp_path / "opt.npz")
    back = nn.load(tmp_path / "opt.npz")
    assert back["state"][0]["step"] == 3 and isinstance(back["state"][0]["exp_avg"], autograd.Tensor)
    np.testing.assert_array_equal(back["state"][0]["exp_avg"]._data, np.ones((2, 2), np.float32))
    assert back["state"][1]["momentum_buffer"] is None
    assert back["param_groups"] == [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0, 1], "nesterov": False, "name": "g"}]
    np.testing.assert_array_equal(back["array"], np.arange(3))
    assert back["scalar"] == np.float32(2.5) and back["scalar"].dtype == np.float32
    assert back[1.5] == "float key" and back["inf"] == float("inf")


def test_optimizer_state_round_trip(tmp_path):
    model = nn.Linear(3, 2)
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    model(autograd.randn(4, 3)).sum().backward()
    opt.step()
    nn.save(opt.state_dict(), tmp_path / "adam.npz")
    fresh = nn.optim.Adam(model.parameters(), lr=0.5)
    fresh.load_state_dict(nn.load(tmp_path / "adam.npz"))
    assert fresh.param_groups[0]["lr"] == 0.01


def test_unsupported_objects_are_refused_with_a_reason(tmp_path):
    with pytest.raises(TypeError, match="save model.state_dict\\(\\)"):
        nn.save(_model(), tmp_path / "m.npz")
    with pytest.raises(TypeError, match="cannot store a set at 'a'"):
        nn.save({"a": {1, 2}}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="dtype object"):
        nn.save({"a": np.array([object()])}, tmp_path / "x.npz")


def test_plain_npz_loads_as_tensors(tmp_path):
    np.savez(tmp_path / "plain.npz", w=np.ones(3))
    loaded = nn.load(tmp_path / "plain.npz")
    assert list(loaded) == ["w"] and isinstance(loaded["w"], autograd.Tensor)
