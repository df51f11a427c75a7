"""Data sets, mini-batch loading, random splits and k-fold cross-validation.

`DataLoader` shuffles with permutations drawn from `autograd.random.default_generator()`, so
`autograd.manual_seed(n)` makes the batch order reproducible. For a `TensorDataset` (or a
`Subset` of one) it builds each batch by indexing the whole arrays at once instead of
stacking samples one by one, which is what makes small-model training fast in numpy.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from autograd.grad_mode import note as _note
from autograd.grad_mode import state as _thread_state
from autograd.random import default_generator
from autograd.tensor import Tensor

__all__ = ["ConcatDataset", "DataLoader", "Dataset", "KFold", "Subset", "TensorDataset", "default_collate",
           "random_split"]


class Dataset:
    """A map-style data set: subclass it and define `__getitem__(index)` and `__len__()`."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__(index)")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__()")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


class TensorDataset(Dataset):
    """Samples are rows: item i is `(t[i] for t in tensors)`; all tensors need the same first dimension."""

    def __init__(self, *tensors) -> None:
        tensors = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
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

    def _batch(self, indices: np.ndarray) -> tuple:
        """The samples at `indices`, batched by one fancy-index per tensor (no per-sample stacking)."""
        return tuple(t[indices] if t.requires_grad else Tensor._wrap(t._data[indices]) for t in self.tensors)


class Subset(Dataset):
    """The samples of `dataset` at the given `indices`, in that order."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return [self.dataset[int(i)] for i in self.indices[index]]
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return len(self.indices)

    def _batch_source(self):
        """(TensorDataset, index map) when batches can be made by fancy indexing, else None."""
        inner = _batch_source(self.dataset)
        if inner is None:
            return None
        dataset, mapping = inner
        return dataset, self.indices if mapping is None else mapping[self.indices]


class ConcatDataset(Dataset):
    """Several data sets one after the other."""

    def __init__(self, datasets: Sequence[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = np.cumsum([len(d) for d in self.datasets]).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int):
        if index < 0:
            if -index > len(self):
                raise IndexError(f"ConcatDataset: index {index} out of range for length {len(self)}")
            index += len(self)
        which = int(np.searchsorted(self.cumulative_sizes, index, side="right"))
        if which >= len(self.datasets):
            raise IndexError(f"ConcatDataset: index {index} out of range for length {len(self)}")
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


def _batch_source(dataset):
    if type(dataset) is TensorDataset:
        return dataset, None
    if isinstance(dataset, Subset):
        return dataset._batch_source()
    return None


# --------------------------------------------------------------------------- batching
def default_collate(batch: list):
    """Stack a list of samples into a batch, as PyTorch: Tensors/arrays are stacked along a new dim 0,
    Python ints become int64 and floats float64 tensors, tuples/lists/dicts are collated field by field."""
    first = batch[0]
    if isinstance(first, Tensor):
        return Tensor._wrap(np.stack([sample._data for sample in batch]))
    if isinstance(first, (np.ndarray, np.generic)):
        return Tensor._wrap(np.stack(batch))
    if isinstance(first, bool):
        return Tensor._wrap(np.asarray(batch, dtype=bool))
    if isinstance(first, numbers.Integral):
        return Tensor._wrap(np.asarray(batch, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return Tensor._wrap(np.asarray(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, Mapping):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        if any(len(sample) != len(first) for sample in batch):
            raise RuntimeError("default_collate: each element in the batch should be of equal size; samples have "
                               f"sizes {sorted({len(s) for s in batch})}")
        fields = [default_collate(list(field)) for field in zip(*batch)]
        return tuple(fields) if isinstance(first, tuple) else fields
    raise TypeError(f"default_collate: batch must contain Tensors, numpy arrays, numbers, strings, dicts or "
                    f"lists; found {type(first).__name__}. Pass collate_fn= to batch it yourself.")


class DataLoader:
    """Iterate over a data set in mini-batches.

    `shuffle=True` draws a new permutation for each pass from the shared generator (or from
    `generator`, a numpy Generator); `drop_last=True` skips a final incomplete batch;
    `batch_size=None` yields single samples. `collate_fn(list_of_samples)` builds a batch
    (`default_collate` by default). `num_workers` is accepted for compatibility: loading
    always runs in this process (numpy indexing is rarely the bottleneck here).
    """

    def __init__(self, dataset: Dataset, batch_size: int | None = 1, shuffle: bool = False, drop_last: bool = False,
                 collate_fn=None, generator: np.random.Generator | None = None, num_workers: int = 0) -> None:
        if batch_size is not None and (not isinstance(batch_size, numbers.Integral) or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size should be a positive integer (or None), got {batch_size!r}")
        self.dataset, self.batch_size, self.shuffle, self.drop_last = dataset, batch_size, shuffle, drop_last
        self.collate_fn = collate_fn
        self.generator = generator

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if self.shuffle:
            return (self.generator or default_generator()).permutation(n)
        return np.arange(n)

    def __iter__(self) -> Iterator:
        if _thread_state.tracer is not None:  # batches are drawn and gathered outside ops: not replayable
            _note(_thread_state.tracer, "note_side_effect", "iterating a DataLoader")
        order = self._order()
        if self.batch_size is None:
            for i in order:
                yield self.dataset[int(i)]
            return
        stop = len(order) - len(order) % self.batch_size if self.drop_last else len(order)
        source = _batch_source(self.dataset) if self.collate_fn is None else None
        collate = self.collate_fn or default_collate
        for start in range(0, stop, self.batch_size):
            indices = order[start:start + self.batch_size]
            if source is not None:
                dataset, mapping = source
                yield dataset._batch(indices if mapping is None else mapping[indices])
            else:
                yield collate([self.dataset[int(i)] for i in indices])

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)


# --------------------------------------------------------------------------- splitting
def random_split(dataset: Dataset, lengths: Sequence[int | float], generator: np.random.Generator | None = None) -> list[Subset]:
    """Split into non-overlapping random subsets of the given lengths (or fractions summing to 1), as PyTorch.

    With fractions, each length is ⌊n·fraction⌋ and the remainder is handed out one by one from
    the first subset on. The permutation comes from `generator` or the shared generator.
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1 and not all(isinstance(x, numbers.Integral) for x in lengths):
        if any(not 0 <= frac <= 1 for frac in lengths):
            raise ValueError(f"random_split: fractions must be between 0 and 1, got {lengths}")
        sizes = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        lengths = sizes
    if any(not isinstance(x, numbers.Integral) or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative integers or fractions summing to 1, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not equal the length of the input "
                         f"dataset ({n})")
    permutation = (generator or default_generator()).permutation(n)
    bounds = np.cumsum([0] + lengths)
    return [Subset(dataset, permutation[start:stop]) for start, stop in zip(bounds[:-1], bounds[1:])]


class KFold:
    """K-fold cross-validation indices, as scikit-learn's `KFold`.

    `split(data)` (a length, a data set or an array) yields `(train_indices, val_indices)`, each
    sorted, n_splits times; each sample is in exactly one validation fold. The first n % n_splits folds
    have one sample more. With `shuffle=True` the samples are permuted first: by
    `np.random.RandomState(random_state)` when it is an int (the same folds as scikit-learn),
    by a numpy Generator if one is given, or by the shared generator when it is None.
    """

    def __init__(self, n_splits: int = 5, shuffle: bool = False, random_state=None) -> None:
        if not isinstance(n_splits, numbers.Integral) or n_splits < 2:
            raise ValueError(f"KFold: k-fold cross-validation requires at least one train/test split by setting "
                             f"n_splits=2 or more, got n_splits={n_splits!r}")
        if not shuffle and random_state is not None:
            raise ValueError("KFold: setting a random_state has no effect since shuffle is False; leave random_state "
                             "None or set shuffle=True")
        self.n_splits, self.shuffle, self.random_state = int(n_splits), shuffle, random_state

    def get_n_splits(self, X=None, y=None, groups=None) -> int:
        return self.n_splits

    def split(self, X, y=None, groups=None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = int(X) if isinstance(X, numbers.Integral) else len(X)
        if self.n_splits > n:
            raise ValueError(f"KFold: cannot have number of splits n_splits={self.n_splits} greater than the number of "
                             f"samples: n_samples={n}")
        indices = np.arange(n)
        if self.shuffle:
            if isinstance(self.random_state, numbers.Integral):
                np.random.RandomState(self.random_state).shuffle(indices)
            elif isinstance(self.random_state, (np.random.Generator, np.random.RandomState)):
                self.random_state.shuffle(indices)
            else:
                default_generator().shuffle(indices)
        sizes = np.full(self.n_splits, n // self.n_splits, dtype=np.int64)
        sizes[: n % self.n_splits] += 1
        start = 0
        for size in sizes:
            in_fold = np.zeros(n, dtype=bool)
            in_fold[indices[start:start + size]] = True
            yield np.flatnonzero(~in_fold), np.flatnonzero(in_fold)  # both sorted, as scikit-learn's
            start += size

    def __repr__(self) -> str:
        return f"KFold(n_splits={self.n_splits}, random_state={self.random_state}, shuffle={self.shuffle})"
