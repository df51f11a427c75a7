"""Turning the sampler's indices into batches: the same code in the main process and in worker processes.

A map-style fetcher reads `dataset[i]` for each index of a batch (or `dataset.__getitems__(indices)`
when defined) and collates; for a TensorDataset (or a Subset of one) with the default collate it
indexes the whole tensors once instead, which gives the same batch much faster. An iterable fetcher
reads the next batch_size items of its iterator.
"""
from __future__ import annotations

from .collate import default_collate
from .dataset import batch_source

__all__ = ["make_fetcher"]


class MapFetcher:
    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool, fast: bool):
        self.dataset, self.auto_collation, self.collate_fn = dataset, auto_collation, collate_fn
        self.source = batch_source(dataset) if fast and auto_collation and collate_fn is default_collate else None
        self.current = None

    def fetch(self, indices):
        self.current = indices
        if not self.auto_collation:
            return self.collate_fn(self.dataset[indices])
        if self.source is not None:
            base, mapping = self.source
            return base._batch(indices if mapping is None else mapping[indices])
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            samples = getitems(list(indices))
        else:
            samples = []
            for index in indices:
                self.current = index
                samples.append(self.dataset[index])
        self.current = indices
        return self.collate_fn(samples)

    def position(self) -> str:
        """Where the fetch failed, for the error message."""
        return f" while fetching index {self.current}" if self.current is not None else ""


class IterableFetcher:
    def __init__(self, dataset, auto_collation: bool, collate_fn, drop_last: bool, fast: bool = False):
        self.iterator = iter(dataset)
        self.auto_collation, self.collate_fn, self.drop_last = auto_collation, collate_fn, drop_last
        self.ended, self.count = False, 0

    def fetch(self, indices):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            item = next(self.iterator)
            self.count += 1
            return self.collate_fn(item)
        batch = []
        for _ in indices:
            try:
                batch.append(next(self.iterator))
            except StopIteration:
                self.ended = True
                break
            self.count += 1
        if not batch or (self.drop_last and len(batch) < len(indices)):
            raise StopIteration
        return self.collate_fn(batch)

    def position(self) -> str:
        return f" after {self.count} items of its iterator"


def make_fetcher(kind: str, dataset, auto_collation: bool, collate_fn, drop_last: bool, fast: bool):
    """fast: the default collate was not asked for explicitly, so TensorDatasets may be batched by indexing."""
    cls = IterableFetcher if kind == "iterable" else MapFetcher
    return cls(dataset, auto_collation, collate_fn, drop_last, fast)
