"""`save` / `load`: state dicts (and nested containers of tensors, arrays and numbers) as `.npz`.

No pickle, so loading a file can never run code. Every tensor or array becomes one
array in the archive, named by its path in the nesting (`fc1.weight`,
`state/0/exp_avg`, ...), so `numpy.load` shows readable keys. A JSON manifest,
stored as a string array under `__manifest__`, records the nesting: dicts (with
str, int, float or bool keys), lists, tuples, tensors, arrays, and plain values
(numbers, strings, booleans, None).
"""
from __future__ import annotations

import json
import os
from collections import OrderedDict

import numpy as np

from autograd.tensor import Tensor

__all__ = ["save", "load"]

_MANIFEST = "__manifest__"
_FORMAT = "numpy-autograd-nn/1"


def _encode(obj, path: str, arrays: dict):
    """The manifest entry for obj; tensors and arrays are added to `arrays`."""
    from .module import Module

    if isinstance(obj, Module):
        raise TypeError("save: modules are code and are not saved; save model.state_dict() and rebuild the model, "
                        "then call model.load_state_dict(nn.load(path))")
    if isinstance(obj, (Tensor, np.ndarray, np.generic)):
        array = np.asarray(obj._data if isinstance(obj, Tensor) else obj)
        if array.dtype.kind not in "biufc":
            raise TypeError(f"save: cannot store an array of dtype {array.dtype} at {path or '<root>'!r} without pickle")
        name = path or "value"
        while name in arrays or name == _MANIFEST:
            name += "_"
        arrays[name] = array
        kind = "tensor" if isinstance(obj, Tensor) else ("ndarray" if isinstance(obj, np.ndarray) else "scalar")
        entry = {"type": kind, "array": name}
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
    raise TypeError(f"save: cannot store a {type(obj).__name__} at {path or '<root>'!r} without pickle; "
                    "supported are tensors, numpy arrays, numbers, strings, None, and dicts/lists/tuples of them")


def _join(path: str, key) -> str:
    return f"{path}/{key}" if path else str(key)


def _decode(entry, arrays):
    kind = entry["type"]
    if kind == "value":
        return entry["value"]
    if kind in ("tensor", "ndarray", "scalar"):
        array = arrays[entry["array"]]
        if kind == "ndarray":
            return array
        if kind == "scalar":
            return array[()]
        return Tensor._from_data(array, requires_grad=entry.get("requires_grad", False))
    if kind in ("dict", "ordereddict"):
        out = OrderedDict() if kind == "ordereddict" else {}
        for key, key_type, value in entry["items"]:
            key = {"int": int, "float": float, "bool": bool}.get(key_type, lambda k: k)(key)
            out[key] = _decode(value, arrays)
        return out
    if kind in ("list", "tuple"):
        items = [_decode(v, arrays) for v in entry["items"]]
        return tuple(items) if kind == "tuple" else items
    raise ValueError(f"load: unknown entry type {kind!r} in the manifest; was the file written by a newer version?")


def save(obj, f) -> None:
    """Write obj (a state dict, or nested dicts/lists of tensors, arrays and numbers) to the path or file `f`."""
    arrays: dict = {}
    manifest = {"format": _FORMAT, "root": _encode(obj, "", arrays)}
    arrays[_MANIFEST] = np.array(json.dumps(manifest))
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as handle:  # our own handle, so numpy does not append '.npz' to the name
            np.savez(handle, **arrays)
    else:
        np.savez(f, **arrays)


def load(f):
    """Read what `save` wrote. A plain `.npz` without a manifest loads as an OrderedDict of tensors."""
    with np.load(f, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    if _MANIFEST not in arrays:
        return OrderedDict((name, Tensor._from_data(array)) for name, array in arrays.items())
    manifest = json.loads(str(arrays.pop(_MANIFEST)))
    return _decode(manifest["root"], arrays)
