"""Splitting a data set: `random_split` (as torch.utils.data) and `KFold` (as scikit-learn's)."""
from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Iterator, Sequence

import numpy as np

from autograd.random import default_generator

from .dataset import Dataset, Subset

__all__ = ["random_split", "KFold"]


def random_split(dataset: Dataset, lengths: Sequence[int | float], generator=None) -> list[Subset]:
    """Split into non-overlapping random subsets of the given lengths (or fractions summing to 1), as PyTorch.

    With fractions, each length is ⌊n·fraction⌋ and the remainder is handed out one by one from
    the first subset on (PyTorch warns when a subset ends up empty). The permutation comes from
    `generator` (a numpy Generator) or the shared generator.
    """
    n = len(dataset)
    lengths = list(lengths)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1 and not all(isinstance(x, numbers.Integral) for x in lengths):
        if any(not 0 <= frac <= 1 for frac in lengths):
            raise ValueError(f"random_split: fractions must be between 0 and 1, got {lengths}")
        sizes = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.", stacklevel=2)
        lengths = sizes
    if any(not isinstance(x, numbers.Integral) or x < 0 for x in lengths):
        raise ValueError(f"random_split: lengths must be non-negative integers or fractions summing to 1, got {lengths}")
    if sum(lengths) != n:
        raise ValueError(f"random_split: sum of input lengths ({sum(lengths)}) does not equal the length of the input "
                         f"dataset ({n})")
    permutation = (generator or default_generator()).permutation(n).tolist()
    bounds = np.cumsum([0] + lengths).tolist()
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
