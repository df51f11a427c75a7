"""nn.save / nn.load (and autograd.save / autograd.load): .npz or .safetensors without pickle, atomic writes, and
one error type for bad files."""
import io
import json
import os
import pathlib
import signal
import subprocess
import sys
import time
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
    with pytest.raises(TypeError, match="dtype object"):
        nn.save({"a": np.array([object()])}, tmp_path / "x.npz")
    with pytest.raises(TypeError, match="defined inside a function"):
        nn.save({"f": lambda x: x}, tmp_path / "x.npz")
    nn.save({"a": {1, 2}}, tmp_path / "set.npz")
    assert nn.load(tmp_path / "set.npz") == {"a": {1, 2}}


def test_a_whole_module_is_stored_as_data_and_rebuilt_only_from_allowed_classes(tmp_path):
    """torch.save(model, f) / torch.load(f) as PyTorch 2.6: classes the caller allows, or weights_only=False."""
    model = _model()
    autograd.save(model, tmp_path / "m.npz")
    with pytest.raises(nn.SerializationError, match="'nn.container.Sequential' at '<root>', which is not allowed"):
        autograd.load(tmp_path / "m.npz")
    with autograd.serialization.safe_globals([nn.Sequential, nn.Linear, nn.BatchNorm1d, nn.ReLU]):
        rebuilt = autograd.load(tmp_path / "m.npz")
    assert autograd.serialization.get_safe_globals() == []  # the with block restored the allowed set
    x = autograd.randn(4, 3)
    np.testing.assert_array_equal(rebuilt(x).detach().numpy(), model(x).detach().numpy())
    assert type(rebuilt[0].weight) is nn.Parameter and rebuilt[0].weight.requires_grad
    assert [n for n, _ in rebuilt.named_parameters()] == [n for n, _ in model.named_parameters()]
    trusted = autograd.load(tmp_path / "m.npz", weights_only=False)  # names looked up by import, no code from the file
    np.testing.assert_array_equal(trusted(x).detach().numpy(), model(x).detach().numpy())
    rebuilt(x).sum().backward()  # a working module: its parameters train
    assert rebuilt[0].weight.grad is not None


def test_plain_npz_loads_as_tensors(tmp_path):
    np.savez(tmp_path / "plain.npz", w=np.ones(3))
    loaded = nn.load(tmp_path / "plain.npz")
    assert list(loaded) == ["w"] and isinstance(loaded["w"], autograd.Tensor)


# --------------------------------------------------------------------------- autograd.save / autograd.load
def test_autograd_save_load_a_checkpoint_as_pytorch_code_writes_it(tmp_path):
    model = _model()
    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(autograd.randn(5, 3)).sum().backward()
    opt.step()
    checkpoint = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 3, "loss": 0.25,
                  "history": [1.0, 0.5], "name": "run-1"}
    autograd.save(checkpoint, tmp_path / "ckpt.pt")
    back = autograd.load(tmp_path / "ckpt.pt", map_location="cpu", weights_only=True)
    assert back["epoch"] == 3 and back["loss"] == 0.25 and back["history"] == [1.0, 0.5] and back["name"] == "run-1"
    restored = _model()
    restored.load_state_dict(back["model"])
    fresh = nn.optim.SGD(restored.parameters(), lr=0.5, momentum=0.9)
    fresh.load_state_dict(back["optimizer"])
    assert fresh.param_groups[0]["lr"] == 0.1
    for a, b in zip(model.state_dict().values(), restored.state_dict().values()):
        np.testing.assert_array_equal(a._data, b._data)


def test_load_accepts_file_objects_and_the_map_locations_pytorch_code_passes(tmp_path):
    buffer = io.BytesIO()
    autograd.save({"w": autograd.ones(2)}, buffer)
    for location in (None, "cpu", {"cuda:0": "cpu"}, lambda storage, loc: storage):
        buffer.seek(0)
        assert autograd.load(buffer, map_location=location, weights_only=False)["w"].shape == (2,)
    buffer.seek(0)
    with pytest.raises(RuntimeError, match="CPU only"):
        autograd.load(buffer, map_location="cuda")
    with open(tmp_path / "f.bin", "wb") as handle:
        autograd.save([autograd.zeros(3)], handle)
    with open(tmp_path / "f.bin", "rb") as handle:
        assert autograd.load(handle)[0].shape == (3,)
    with pytest.raises(TypeError, match="never pickles"):
        autograd.save({}, tmp_path / "x", pickle_protocol=4)


# --------------------------------------------------------------------------- atomic writes
def _state(value: float, n: int = 10):
    return {"w": autograd.full((n,), value)}


def test_a_failure_mid_write_leaves_the_old_file_intact_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "model.npz"
    nn.save(_state(1.0), path)
    before = path.read_bytes()

    def fail_mid_write(handle, **arrays):
        handle.write(b"PK\x03\x04 half an archive")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(np, "savez", fail_mid_write)
    with pytest.raises(OSError, match="No space left"):
        nn.save(_state(2.0), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.npz"]
    monkeypatch.undo()
    np.testing.assert_array_equal(nn.load(path)["w"]._data, np.full(10, 1.0, np.float32))


_WRITER = """
import sys, autograd, nn
path, n = sys.argv[1], int(sys.argv[2])
state = {"w": autograd.full((n,), 2.0)}
print("ready", flush=True)
while True:
    nn.save(state, path)
"""


def test_a_process_killed_mid_write_leaves_a_complete_file(tmp_path):
    path = tmp_path / "big.npz"
    n = 8_000_000  # 32 MB: each save takes long enough to be caught in the middle
    nn.save(_state(1.0, n), path)
    env = dict(os.environ, PYTHONPATH=str(pathlib.Path(__file__).resolve().parents[2]))
    child = subprocess.Popen([sys.executable, "-c", _WRITER, str(path), str(n)], stdout=subprocess.PIPE, env=env)
    partial = []
    try:
        assert child.stdout.readline().strip() == b"ready"
        deadline = time.monotonic() + 5
        while not partial and time.monotonic() < deadline:  # kill while a save is under way
            partial = [p for p in tmp_path.iterdir() if p.name.endswith(".tmp") and p.stat().st_size > 0]
            time.sleep(0.0005)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait()
    values = nn.load(path)["w"]._data  # complete: the old values or the new ones, never a mixture or garbage
    assert values.shape == (n,) and (np.all(values == 1.0) or np.all(values == 2.0))
    assert partial and partial[0].name.startswith(".big.npz.")  # the kill hit a write, which went to a hidden temporary


# --------------------------------------------------------------------------- corrupt files: one error type
def _write_archive(path, manifest, **arrays):
    with open(path, "wb") as handle:
        np.savez(handle, __manifest__=np.array(manifest), **arrays)


def test_corrupt_files_raise_one_error_naming_the_file_and_the_problem(tmp_path):
    good = tmp_path / "good.npz"
    nn.save({"w": autograd.ones(2, 3)}, good)
    data = good.read_bytes()
    cases = {}
    _write_archive(tmp_path / "bad_json.npz", "{not json")
    cases["bad_json.npz"] = "not valid JSON"
    _write_archive(tmp_path / "no_root.npz", json.dumps({"format": "x"}))
    cases["no_root.npz"] = "no 'root'"
    _write_archive(tmp_path / "missing.npz", json.dumps({"root": {"type": "tensor", "array": "gone"}}))
    cases["missing.npz"] = "does not hold"
    _write_archive(tmp_path / "shape.npz", json.dumps({"root": {"type": "dict", "items": [
        ["w", "str", {"type": "tensor", "array": "w", "shape": [3, 2], "dtype": "<f4"}]]}}), w=np.ones((2, 3), np.float32))
    cases["shape.npz"] = "shape \\[2, 3\\]"
    _write_archive(tmp_path / "entry.npz", json.dumps({"root": {"type": "dict", "items": [["w"]]}}))
    cases["entry.npz"] = "malformed dict item"
    _write_archive(tmp_path / "kind.npz", json.dumps({"root": {"type": "frozen_yoghurt"}}))
    cases["kind.npz"] = "unknown entry type 'frozen_yoghurt'"
    _write_archive(tmp_path / "items.npz", json.dumps({"root": {"type": "set"}}))
    cases["items.npz"] = "'items' is not a list"
    (tmp_path / "truncated.npz").write_bytes(data[: len(data) // 2])
    cases["truncated.npz"] = "truncated or corrupt|not a valid"
    (tmp_path / "text.npz").write_bytes(b"hello, this is not an archive at all")
    cases["text.npz"] = "not a file written by save"
    (tmp_path / "empty.npz").write_bytes(b"")
    cases["empty.npz"] = "empty"
    with zipfile.ZipFile(tmp_path / "foreign.zip", "w") as z:
        z.writestr("readme.txt", "hi")
    cases["foreign.zip"] = "not a numpy array"
    for name, problem in cases.items():
        with pytest.raises(nn.SerializationError, match=problem) as info:
            nn.load(tmp_path / name)
        assert name in str(info.value) and isinstance(info.value, ValueError)


def test_no_pickled_code_is_ever_loaded(tmp_path):
    ran = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (pathlib.Path.touch, (ran,))

    with open(tmp_path / "evil.npz", "wb") as handle:
        np.savez(handle, w=np.array([Payload()], dtype=object))
    with pytest.raises(nn.SerializationError, match="pickled data"):
        nn.load(tmp_path / "evil.npz")
    assert not ran.exists()


def test_a_torch_save_file_is_refused_with_the_way_out():
    torch = pytest.importorskip("torch")
    buffer = io.BytesIO()
    torch.save({"w": torch.ones(2)}, buffer)
    buffer.seek(0)
    with pytest.raises(nn.SerializationError, match="torch.save.*safetensors"):
        nn.load(buffer)


# --------------------------------------------------------------------------- safetensors
def test_safetensors_round_trip_keeps_order_dtypes_and_shapes(tmp_path):
    pytest.importorskip("safetensors")
    state = _model().state_dict()
    nn.save(state, tmp_path / "model.safetensors")
    back = nn.load(tmp_path / "model.safetensors")
    assert list(back) == list(state)
    for key in state:
        assert back[key].dtype == state[key].dtype and back[key].shape == state[key].shape
        np.testing.assert_array_equal(back[key]._data, state[key]._data)
    with pytest.raises(TypeError, match="save nested checkpoints"):
        nn.save({"epoch": 3}, tmp_path / "x.safetensors")
    (tmp_path / "bad.safetensors").write_bytes((tmp_path / "model.safetensors").read_bytes()[:-5])
    with pytest.raises(nn.SerializationError, match="bad.safetensors"):
        nn.load(tmp_path / "bad.safetensors")
