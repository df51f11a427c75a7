"""Making batches from samples, as torch.utils.data: `default_collate` (auto-batching) and `default_convert`
(batch_size=None).

default_collate keeps the structure of a sample and batches each leaf: Tensors are stacked along a new
dimension 0 (differentiably), numpy arrays become stacked Tensors of their dtype, numpy scalars a 1-d
Tensor of their dtype, Python floats a float64 Tensor, ints an int64 Tensor, bools a bool Tensor;
strings and bytes stay a list. Mappings are collated key by key (keeping the mapping type),
namedtuples field by field, other sequences position by position; a tuple becomes a list, as
PyTorch's (for backwards compatibility). `collate(batch, collate_fn_map=...)` lets a custom collate
handle some types itself and defer the rest.
"""
from __future__ import annotations

import collections.abc
import copy
import re

import numpy as np

from autograd.ops.shape import stack
from autograd.tensor import Tensor

__all__ = ["default_collate", "default_convert", "collate", "default_collate_fn_map"]

_STRING_OR_OBJECT = re.compile(r"[SaUO]")  # numpy dtypes that make no Tensor
_ERROR = ("default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}. Pass "
          "collate_fn= to the DataLoader to batch it yourself.")


def _collate_tensors(batch, *, collate_fn_map=None):
    shapes = {tuple(t.shape) for t in batch}
    if len(shapes) > 1:
        raise RuntimeError(f"default_collate: stack expects each tensor to be equal size, but got shapes "
                           f"{sorted(shapes)} in one batch; pad the samples (nn.utils.rnn.pad_sequence) or pass a "
                           "collate_fn")
    return stack(list(batch), 0)


def _collate_arrays(batch, *, collate_fn_map=None):
    if _STRING_OR_OBJECT.search(batch[0].dtype.str) is not None:
        raise TypeError(_ERROR.format(batch[0].dtype))
    return collate([Tensor._from_data(np.asarray(b)) for b in batch], collate_fn_map=collate_fn_map)


def _collate_numpy_scalars(batch, *, collate_fn_map=None):
    return Tensor._from_data(np.asarray(batch))


def _collate_float(batch, *, collate_fn_map=None):
    return Tensor._from_data(np.asarray(batch, dtype=np.float64))


def _collate_int(batch, *, collate_fn_map=None):
    return Tensor._from_data(np.asarray(batch, dtype=bool if all(isinstance(b, bool) for b in batch) else np.int64))


def _collate_strings(batch, *, collate_fn_map=None):
    return batch


default_collate_fn_map = {Tensor: _collate_tensors, np.ndarray: _collate_arrays,
                          (np.bool_, np.number, np.object_): _collate_numpy_scalars, float: _collate_float,
                          int: _collate_int, str: _collate_strings, bytes: _collate_strings}


def collate(batch, *, collate_fn_map: dict | None = None):
    """Collate a list of samples, using collate_fn_map[type] for the leaves it covers (PyTorch's `collate`)."""
    elem = batch[0]
    elem_type = type(elem)
    if collate_fn_map is not None:
        if elem_type in collate_fn_map:
            return collate_fn_map[elem_type](batch, collate_fn_map=collate_fn_map)
        for kind, fn in collate_fn_map.items():
            if isinstance(elem, kind):
                return fn(batch, collate_fn_map=collate_fn_map)
    if isinstance(elem, collections.abc.Mapping):
        fields = {key: collate([d[key] for d in batch], collate_fn_map=collate_fn_map) for key in elem}
        return _same_kind_of_mapping(elem, fields)
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return elem_type(*(collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(sample) != size for sample in batch):
            raise RuntimeError("default_collate: each element in list of batch should be of equal size; got sizes "
                               f"{sorted({len(sample) for sample in batch})}")
        positions = [collate(samples, collate_fn_map=collate_fn_map) for samples in zip(*batch)]
        if isinstance(elem, tuple):
            return positions  # a list, as PyTorch (backwards compatibility)
        return _same_kind_of_sequence(elem, positions)
    raise TypeError(_ERROR.format(elem_type))


def _same_kind_of_mapping(elem, fields: dict):
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)
            clone.update(fields)
            return clone
        return type(elem)(fields)
    except TypeError:
        return fields


def _same_kind_of_sequence(elem, items: list):
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, item in enumerate(items):
                clone[i] = item
            return clone
        return type(elem)(items)
    except TypeError:
        return items


def default_collate(batch):
    """Stack a list of samples into a batch, as torch.utils.data.default_collate (see the module docstring)."""
    return collate(batch, collate_fn_map=default_collate_fn_map)


def default_convert(data):
    """numpy arrays (and numpy scalars) inside a sample become Tensors; structure and other values are kept.
    What the DataLoader applies to each sample when batch_size=None."""
    if isinstance(data, Tensor):
        return data
    if type(data).__module__ == "numpy" and not isinstance(data, (np.str_, np.bytes_)):
        if isinstance(data, np.ndarray) and _STRING_OR_OBJECT.search(data.dtype.str) is not None:
            return data
        return Tensor._from_data(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _same_kind_of_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_kind_of_sequence(data, [default_convert(d) for d in data])
    return data
