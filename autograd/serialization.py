"""`save` / `load` (`autograd.save`, `nn.save`, ...): state dicts and checkpoints, never pickled code.

Two formats, chosen by the file name on save and by the content on load:
- `.npz` (any other name too): every tensor or array is one array in the archive, named by its
  path in the nesting (`fc1.weight`, `optimizer/state/0/exp_avg`), so `numpy.load` shows readable
  keys; a JSON manifest under `__manifest__` records the nesting (dicts with str/int/float/bool
  keys, lists, tuples, tensors, arrays, numbers, strings, None) and each array's shape and dtype.
- `.safetensors`: the safe weight format PyTorch users exchange (the `safetensors` package, an
  optional extra); a flat dict of names to tensors, readable by `safetensors.torch.load_file`.

Whole objects (`save(model, f)`, as `torch.save(model, f)`) are stored as data too: the class's
name and the object's attributes, recursively; functions and classes held as values by name.
Loading one builds the object without running its `__init__` and only for classes (and functions)
that are allowed, as PyTorch's `weights_only` loading: this project's own tensor types always,
others once the caller lists them (`add_safe_globals([...])`, `with safe_globals([...]):`, the
names of `torch.serialization`), or with `weights_only=False` for a file you trust, which looks the
names up by import. No code from the file ever runs.

Saving to a path is atomic: the data goes to a temporary file in the same folder, is flushed and
fsynced, then renamed over the destination (`os.replace`), so the old file survives any failure
and the new one is complete or absent. Any problem with a file being loaded (not a zip, truncated,
a bad manifest, a missing or mis-shaped entry, a PyTorch pickle) raises `SerializationError`
naming the file and what is wrong.
"""
from __future__ import annotations

import inspect
import io
import json
import os
import uuid
import zipfile
from collections import OrderedDict

import numpy as np

from .tensor import Tensor

__all__ = ["save", "load", "SerializationError", "add_safe_globals", "clear_safe_globals", "get_safe_globals",
           "safe_globals"]

_MANIFEST = "__manifest__"
_FORMAT = "numpy-autograd-nn/1"
_ORDER_KEY = "numpy-autograd-nn.order"  # safetensors metadata: the state dict's key order


class SerializationError(ValueError):
    """A file that cannot be loaded (or an object that cannot be saved safely): names the file and the problem."""


# --------------------------------------------------------------------------- allowed classes and functions
_SAFE_GLOBALS: dict = {}  # "module.qualname" -> the class or function a file may name (added by the caller)
_ALWAYS_SAFE: dict = {}  # this project's own types (Parameter, ...), registered by the modules that define them


def _qualified(obj) -> str:
    return f"{obj.__module__}.{obj.__qualname__}"


def add_safe_globals(safe_globals: list) -> None:
    """Allow these classes and functions to be named by files that `load` reads (torch.serialization's name)."""
    for item in safe_globals:
        item = item[0] if isinstance(item, tuple) else item
        _SAFE_GLOBALS[_qualified(item)] = item


def get_safe_globals() -> list:
    return list(_SAFE_GLOBALS.values())


def clear_safe_globals() -> None:
    _SAFE_GLOBALS.clear()


class safe_globals:
    """Allow these classes and functions while the `with` block runs (torch.serialization.safe_globals)."""

    def __init__(self, safe_globals: list):
        self.items = list(safe_globals)

    def __enter__(self):
        self.previous = dict(_SAFE_GLOBALS)
        add_safe_globals(self.items)
        return self

    def __exit__(self, *exc):
        _SAFE_GLOBALS.clear()
        _SAFE_GLOBALS.update(self.previous)
        return False


def _always_safe(*items) -> None:
    """Register this project's own classes that a file may always name (no user code runs for them)."""
    for item in items:
        _ALWAYS_SAFE[_qualified(item)] = item


def _resolve(name: str, where: str, trusted: bool):
    """The class or function a file names: allowed ones, or, for a trusted file, found by import."""
    if name in _ALWAYS_SAFE:
        return _ALWAYS_SAFE[name]
    if name in _SAFE_GLOBALS:
        return _SAFE_GLOBALS[name]
    if trusted:
        import importlib

        module, _, qualname = name.rpartition(".")
        while module:
            try:
                found = importlib.import_module(module)
                break
            except ImportError:
                module, _, head = module.rpartition(".")
                qualname = f"{head}.{qualname}"
        else:
            raise SerializationError(f"the file names {name!r} at {where!r}, which cannot be imported")
        for part in qualname.split("."):
            found = getattr(found, part, None)
            if found is None:
                raise SerializationError(f"the file names {name!r} at {where!r}, which does not exist")
        return found
    short = name.rsplit(".", 1)[-1]
    raise SerializationError(
        f"the file holds {name!r} at {where or '<root>'!r}, which is not allowed by default: loading it builds that "
        f"class. If you trust the file, allow it, as in PyTorch: autograd.serialization.add_safe_globals([{short}]) "
        "or `with autograd.serialization.safe_globals([...]):`, or pass weights_only=False")


def _describe(f) -> str:
    if isinstance(f, (str, os.PathLike)):
        return repr(os.fspath(f))
    name = getattr(f, "name", None)
    return repr(name) if isinstance(name, str) else f"<{type(f).__name__}>"


# --------------------------------------------------------------------------- encoding the nesting
def _encode(obj, path: str, arrays: dict):
    """The manifest entry for obj; tensors and arrays are added to `arrays`."""
    if isinstance(obj, Tensor) and type(obj) is not Tensor:  # a Parameter: the tensor, and its class by name
        return {"type": "tensor_subclass", "class": _qualified(type(obj)), "tensor": _encode(Tensor._wrap(obj._data)
                if not obj.requires_grad else obj.detach().requires_grad_(), path, arrays)}
    if isinstance(obj, (Tensor, np.ndarray, np.generic)) and not isinstance(obj, (np.str_, np.bytes_)):
        array = np.asarray(obj._data if isinstance(obj, Tensor) else obj)
        if array.dtype.kind not in "biufc":
            raise TypeError(f"save: cannot store an array of dtype {array.dtype} at {path or '<root>'!r} without pickle")
        name = path or "value"
        while name in arrays or name == _MANIFEST:
            name += "_"
        arrays[name] = array
        kind = "tensor" if isinstance(obj, Tensor) else ("ndarray" if isinstance(obj, np.ndarray) else "scalar")
        entry = {"type": kind, "array": name, "shape": list(array.shape), "dtype": array.dtype.str}
        if isinstance(obj, Tensor) and obj.requires_grad:
            entry["requires_grad"] = True
        return entry
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return {"type": "value", "value": obj}
    if isinstance(obj, dict):
        items = []
        for key, value in obj.items():
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise TypeError(f"save: dict keys must be str, int, float, bool or None; got {type(key).__name__} "
                                f"at {path or '<root>'!r}")
            items.append([key, type(key).__name__, _encode(value, _join(path, key), arrays)])
        return {"type": "ordereddict" if isinstance(obj, OrderedDict) else "dict", "items": items}
    if isinstance(obj, (list, tuple)):
        kind = "tuple" if isinstance(obj, tuple) else "list"
        return {"type": kind, "items": [_encode(v, _join(path, i), arrays) for i, v in enumerate(obj)]}
    if isinstance(obj, (set, frozenset)):
        return {"type": "set", "items": [_encode(v, _join(path, i), arrays) for i, v in enumerate(sorted(obj, key=repr))]}
    if isinstance(obj, type) or inspect.isfunction(obj) or inspect.isbuiltin(obj):
        if "<locals>" in obj.__qualname__ or "<lambda>" in obj.__qualname__:
            raise TypeError(f"save: {obj.__qualname__} at {path or '<root>'!r} is defined inside a function, so it "
                            "cannot be named by a file; define it at module level")
        return {"type": "global", "name": _qualified(obj)}
    if hasattr(obj, "__dict__") and not inspect.ismodule(obj) and "<locals>" not in type(obj).__qualname__:
        return {"type": "object", "class": _qualified(type(obj)), "state": _encode(dict(vars(obj)), path, arrays)}
    raise TypeError(f"save: cannot store a {type(obj).__name__} at {path or '<root>'!r} without pickle; "
                    "supported are tensors, numpy arrays, numbers, strings, None, and dicts/lists/tuples of them")


def _join(path: str, key) -> str:
    return f"{path}/{key}" if path else str(key)


_KEY_TYPES = {"int": int, "float": float, "bool": bool, "str": str, "NoneType": lambda k: None}


def _decode(entry, arrays: dict, where: str, trusted: bool = False):
    """The object a manifest entry describes; SerializationError (naming `where`, the entry's path) if malformed.
    `trusted` (load's weights_only=False): classes and functions the file names may be found by import."""
    if not isinstance(entry, dict) or "type" not in entry:
        raise SerializationError(f"malformed manifest entry at {where!r}: {entry!r:.80}")
    kind = entry["type"]
    if kind == "value":
        return entry.get("value")
    if kind in ("tensor", "ndarray", "scalar"):
        name = entry.get("array")
        if name not in arrays:
            raise SerializationError(f"the manifest names an array {name!r} at {where!r} that the archive does not hold")
        array = arrays[name]
        if "shape" in entry and (list(array.shape) != list(entry["shape"]) or array.dtype.str != entry.get("dtype")):
            raise SerializationError(f"array {name!r} has shape {list(array.shape)} and dtype {array.dtype.str} in the "
                                     f"archive, but the manifest records {entry['shape']} and {entry.get('dtype')}")
        if kind == "ndarray":
            return array
        if kind == "scalar":
            return array[()]
        return Tensor._from_data(array, requires_grad=bool(entry.get("requires_grad", False)))
    if kind in ("dict", "ordereddict"):
        out = OrderedDict() if kind == "ordereddict" else {}
        for item in _items(entry, where):
            if not isinstance(item, list) or len(item) != 3 or item[1] not in _KEY_TYPES:
                raise SerializationError(f"malformed dict item at {where!r}: {item!r:.80}")
            key, key_type, value = item
            key = _KEY_TYPES[key_type](key)
            out[key] = _decode(value, arrays, _join(where, key), trusted)
        return out
    if kind in ("list", "tuple", "set"):
        items = [_decode(v, arrays, _join(where, i), trusted) for i, v in enumerate(_items(entry, where))]
        return tuple(items) if kind == "tuple" else set(items) if kind == "set" else items
    if kind == "global":
        return _resolve(str(entry.get("name")), where, trusted)
    if kind == "tensor_subclass":
        cls, tensor = _resolve(str(entry.get("class")), where, trusted), _decode(entry.get("tensor"), arrays, where)
        if not (isinstance(cls, type) and issubclass(cls, Tensor)):
            raise SerializationError(f"{entry.get('class')!r} at {where!r} is not a tensor class")
        out = cls.__new__(cls)
        out._init(tensor._data)
        out._requires_grad = tensor._requires_grad
        return out
    if kind == "object":
        cls = _resolve(str(entry.get("class")), where, trusted)
        if not isinstance(cls, type):
            raise SerializationError(f"{entry.get('class')!r} at {where!r} is not a class")
        state = _decode(entry.get("state"), arrays, where, trusted)
        if not isinstance(state, dict):
            raise SerializationError(f"malformed object state at {where!r}")
        obj = cls.__new__(cls)  # no __init__: the saved attributes are the object
        vars(obj).update(state)
        return obj
    raise SerializationError(f"unknown entry type {kind!r} at {where!r} in the manifest; was the file written by a "
                             "newer version?")


def _items(entry, where):
    items = entry.get("items")
    if not isinstance(items, list):
        raise SerializationError(f"malformed manifest entry at {where!r}: 'items' is not a list")
    return items


# --------------------------------------------------------------------------- writing
def _atomic_write(path, write) -> None:
    """Call write(handle) on a temporary file beside `path`, fsync it, then rename it over `path`."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(folder, f".{os.path.basename(path)}.{uuid.uuid4().hex[:12]}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # mode as a new file, after the umask
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable (not possible on every platform)
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def _is_safetensors_name(f) -> bool:
    return isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(".safetensors")


def _safetensors_bytes(obj) -> bytes:
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError("save: writing .safetensors needs the safetensors package: pip install safetensors "
                          "(or this project's extra: pip install 'numpy-autograd-nn[safetensors]')") from None
    if not isinstance(obj, dict):
        raise TypeError(f"save: a .safetensors file holds a flat dict of names to tensors (a state dict), got "
                        f"{type(obj).__name__}; save other objects as .npz")
    arrays = {}
    for key, value in obj.items():
        if not isinstance(key, str):
            raise TypeError(f"save: .safetensors keys must be strings, got {key!r}")
        if not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(f"save: .safetensors holds only tensors, but {key!r} is a {type(value).__name__}; "
                            "save nested checkpoints (optimizer state, epochs) as .npz")
        array = value._data if isinstance(value, Tensor) else value
        if array.dtype.kind not in "biuf":
            raise TypeError(f"save: {key!r} has dtype {array.dtype}, which .safetensors cannot hold")
        arrays[key] = array if array.flags.c_contiguous else array.copy()  # (ascontiguousarray makes 0-d 1-d)
    # "format": "pt" is what PyTorch tools (transformers) look for; the order key restores state-dict order.
    return safetensors.numpy.save(arrays, metadata={"format": "pt", _ORDER_KEY: json.dumps(list(arrays))})


def save(obj, f, pickle_module=None, pickle_protocol=None) -> None:
    """Write obj to the path or binary file `f`: a state dict, nested dicts/lists of tensors, arrays and
    numbers (a checkpoint such as {'model': ..., 'optimizer': opt.state_dict(), 'epoch': 3}), or a whole
    module (loaded back only for allowed classes: see the module docstring).

    A name ending in `.safetensors` writes that format (flat dicts of tensors only); anything else `.npz`.
    Nothing is pickled: `pickle_module`/`pickle_protocol` (torch.save's) are refused if given.
    """
    if pickle_module is not None or pickle_protocol is not None:
        raise TypeError("save: this format never pickles, so pickle_module and pickle_protocol are not accepted")
    if _is_safetensors_name(f):
        data = _safetensors_bytes(obj)
        _atomic_write(f, lambda handle: handle.write(data))
        return
    arrays: dict = {}
    manifest = {"format": _FORMAT, "root": _encode(obj, "", arrays)}
    arrays[_MANIFEST] = np.array(json.dumps(manifest))
    if isinstance(f, (str, os.PathLike)):
        _atomic_write(f, lambda handle: np.savez(handle, **arrays))  # our own handle: numpy appends no '.npz'
    else:
        np.savez(f, **arrays)


# --------------------------------------------------------------------------- reading
def _read_all(f, where: str) -> bytes:
    try:
        if isinstance(f, (str, os.PathLike)):
            with open(f, "rb") as handle:
                return handle.read()
        return f.read()
    except OSError as error:
        raise SerializationError(f"load({where}): cannot read the file: {error}") from error


def _load_safetensors(data: bytes, where: str) -> OrderedDict:
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(f"load({where}): reading a .safetensors file needs the safetensors package: "
                          "pip install safetensors") from None
    try:
        size = int.from_bytes(data[:8], "little")
        header = json.loads(data[8:8 + size])
        arrays = safetensors.numpy.load(_without_bfloat16(data, header, size))
    except Exception as error:  # the package raises its own error type, KeyError or ValueError
        raise SerializationError(f"load({where}): not a valid .safetensors file: {type(error).__name__}: {error}") from None
    arrays.update(_bfloat16_entries(data, header, size))
    order = (header.get("__metadata__") or {}).get(_ORDER_KEY)
    names = json.loads(order) if order else sorted(arrays)
    if sorted(names) != sorted(arrays):
        names = sorted(arrays)
    return OrderedDict((name, Tensor._from_data(arrays[name])) for name in names)


def _without_bfloat16(data: bytes, header: dict, size: int) -> bytes:
    """The file with its bfloat16 entries dropped from the header (numpy has no bfloat16; they are read apart)."""
    if not any(isinstance(v, dict) and v.get("dtype") == "BF16" for v in header.values()):
        return data
    kept = {k: v for k, v in header.items() if not (isinstance(v, dict) and v.get("dtype") == "BF16")}
    text = json.dumps(kept).encode()
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + data[8 + size:]


def _bfloat16_entries(data: bytes, header: dict, size: int) -> dict:
    """bfloat16 tensors (as PyTorch saves them) widened to float32: the high half of a float32's bits."""
    out = {}
    for name, info in header.items():
        if isinstance(info, dict) and info.get("dtype") == "BF16":
            start, end = info["data_offsets"]
            raw = np.frombuffer(data, dtype="<u2", count=(end - start) // 2, offset=8 + size + start)
            out[name] = (raw.astype(np.uint32) << 16).view(np.float32).reshape(info["shape"])
    return out


def _load_npz(data: bytes, where: str, trusted: bool = False):
    try:
        loaded = np.load(io.BytesIO(data), allow_pickle=False)
        if isinstance(loaded, np.ndarray):  # a single .npy array
            return Tensor._from_data(loaded)
        with loaded as archive:
            members = archive.zip.namelist()
            if any(m == "data.pkl" or m.endswith("/data.pkl") for m in members):
                raise SerializationError(
                    f"load({where}): this is a PyTorch checkpoint written by torch.save, which holds pickled code; it "
                    "is never loaded here. In PyTorch, save the weights with safetensors.torch.save_file("
                    "model.state_dict(), 'model.safetensors') and load that file instead")
            foreign = [m for m in members if not m.endswith(".npy")]
            if foreign:
                raise SerializationError(f"load({where}): a zip archive, but not one written by save: {foreign[0]!r} is "
                                         "not a numpy array")
            arrays = {name: archive[name] for name in archive.files}
    except SerializationError:
        raise
    except ValueError as error:
        if "pickle" in str(error):
            raise SerializationError(f"load({where}): the archive holds pickled data, which is never loaded "
                                     f"({error})") from None
        raise SerializationError(f"load({where}): not a valid .npz archive: {error}") from None
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as error:
        raise SerializationError(f"load({where}): the archive is truncated or corrupt ({type(error).__name__}: "
                                 f"{error})") from None
    if _MANIFEST not in arrays:
        return OrderedDict((name, Tensor._from_data(array)) for name, array in arrays.items())
    try:
        manifest = json.loads(str(arrays.pop(_MANIFEST)))
    except (json.JSONDecodeError, TypeError) as error:
        raise SerializationError(f"load({where}): the manifest is not valid JSON ({error})") from None
    if not isinstance(manifest, dict) or "root" not in manifest:
        raise SerializationError(f"load({where}): the manifest has no 'root' entry")
    try:
        return _decode(manifest["root"], arrays, "", trusted)
    except SerializationError as error:
        raise SerializationError(f"load({where}): {error}") from None


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None, **pickle_load_args):
    """Read what `save` wrote (or a .safetensors file from PyTorch, or a plain .npz of arrays), as torch.load.

    `map_location` may be None or the CPU ('cpu', a CPU device, or a dict/callable PyTorch code passes
    that maps to it): this engine has only the CPU. The format holds no pickled code; `weights_only`
    (default True, as PyTorch 2.6) decides only how a saved object's class is found: among the allowed
    ones, or (weights_only=False, for a file you trust) by import. `pickle_module`, `mmap` and pickle
    arguments are refused. A plain `.npz` without a manifest loads as an OrderedDict of tensors.
    """
    if pickle_module is not None or pickle_load_args:
        raise TypeError("load: this format never unpickles, so pickle_module and pickle arguments are not accepted")
    if mmap:
        raise NotImplementedError("load: mmap=True is not supported; the file is read into memory")
    _check_cpu(map_location)
    where = _describe(f)
    data = _read_all(f, where)
    if data[:4] == b"PK\x03\x04" or data[:6] == b"\x93NUMPY":
        return _load_npz(data, where, trusted=weights_only is False)
    if len(data) >= 9 and data[8:9] == b"{":
        return _load_safetensors(data, where)
    if not data:
        raise SerializationError(f"load({where}): the file is empty")
    raise SerializationError(f"load({where}): not a file written by save (neither a .npz archive nor a .safetensors file)")


def _check_cpu(map_location) -> None:
    """map_location must lead to the CPU: None, 'cpu', a CPU device, or a dict whose targets are the CPU."""
    if map_location is None or callable(map_location) and not isinstance(map_location, (str, dict)):
        return  # a callable (storage, location) -> storage: storages are always CPU arrays here
    targets = map_location.values() if isinstance(map_location, dict) else (map_location,)
    for target in targets:
        name = str(getattr(target, "type", target))
        if name.split(":")[0] != "cpu":
            raise RuntimeError(f"load: map_location={map_location!r} asks for device {name!r}, but this engine runs on "
                               "the CPU only; pass map_location='cpu' or leave it out")
