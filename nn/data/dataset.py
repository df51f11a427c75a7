"""Data sets, as torch.utils.data: map-style `Dataset` (indexable, with a length) and `IterableDataset`
(a stream), and the ready-made `TensorDataset`, `StackDataset`, `ConcatDataset`, `ChainDataset` and `Subset`."""
from __future__ import annotations

import bisect
import itertools
from collections.abc import Sequence

import numpy as np

from autograd.tensor import Tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "StackDataset", "ConcatDataset", "ChainDataset", "Subset"]


class Dataset:
    """A map-style data set: subclass it and define `__getitem__(index)` and `__len__()`.

    A subclass may also define `__getitems__(indices)` returning a list of samples, which the DataLoader
    then uses to fetch a whole batch at once (as PyTorch's does).
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index)")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A data set read as a stream: subclass it and define `__iter__()`.

    With `num_workers > 0` every worker process runs its own copy of the iterator, so each sample would
    come once per worker; split the stream in `__iter__` with `nn.data.get_worker_info()` (worker id and
    count) to give each worker its share.
    """

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__()")

    def __add__(self, other) -> ChainDataset:
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are rows: item i is `(t[i] for t in tensors)`; all tensors need the same first dimension."""

    def __init__(self, *tensors) -> None:
        tensors = tuple(t if isinstance(t, Tensor) else Tensor._from_data(t) for t in tensors)
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        sizes = [t.shape[0] if t.ndim else None for t in tensors]
        if None in sizes or len(set(sizes)) != 1:
            raise ValueError(f"TensorDataset: all tensors must have the same size in dimension 0 (one row per "
                             f"sample); got shapes {[t.shape for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def _batch(self, indices) -> list:
        """The samples at `indices`, batched by one fancy-index per tensor: what default_collate of the samples
        would give, without stacking them one by one."""
        index = Tensor._wrap(np.asarray(indices, dtype=np.int64))
        return [t[index] for t in self.tensors]


class StackDataset(Dataset):
    """Several data sets of one length side by side: item i is a tuple (positional) or a dict (keywords)."""

    def __init__(self, *args, **kwargs) -> None:
        if args and kwargs:
            raise ValueError("StackDataset: supported either ``tuple``- (via ``args``) or ``dict``- (via ``kwargs``) "
                             "like input/output, but both types are given.")
        datasets = list(args) or list(kwargs.values())
        if not datasets:
            raise ValueError("StackDataset: at least one dataset should be passed")
        self._length = len(datasets[0])
        if any(len(d) != self._length for d in datasets):
            raise ValueError("StackDataset: size mismatch between datasets")
        self.datasets = args if args else kwargs

    def __getitem__(self, index):
        if isinstance(self.datasets, dict):
            return {key: d[index] for key, d in self.datasets.items()}
        return tuple(d[index] for d in self.datasets)

    def __len__(self) -> int:
        return self._length


class ConcatDataset(Dataset):
    """Several map-style data sets one after the other."""

    def __init__(self, datasets) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset; use ChainDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int):
        if index < 0:
            if -index > len(self):
                raise ValueError(f"ConcatDataset: absolute value of index {index} should not exceed dataset length "
                                 f"{len(self)}")
            index += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, index)
        if which >= len(self.datasets):
            raise IndexError(f"ConcatDataset: index {index} out of range for length {len(self)}")
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """Several iterable data sets read one after the other."""

    def __init__(self, datasets) -> None:
        self.datasets = datasets

    def __iter__(self):
        for d in self.datasets:
            if not isinstance(d, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


class Subset(Dataset):
    """The samples of `dataset` at the given `indices`, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices: list) -> list:
        inner = getattr(self.dataset, "__getitems__", None)
        if callable(inner):
            return inner([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)


def batch_source(dataset):
    """(TensorDataset, index map or None) when batches of `dataset` can be made by fancy indexing, else None."""
    if type(dataset) is TensorDataset:
        return dataset, None
    if isinstance(dataset, Subset):
        inner = batch_source(dataset.dataset)
        if inner is None:
            return None
        base, mapping = inner
        indices = np.asarray(dataset.indices.tolist() if isinstance(dataset.indices, Tensor) else dataset.indices,
                             dtype=np.int64)
        return base, indices if mapping is None else mapping[indices]
    return None
