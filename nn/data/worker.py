"""What runs in a DataLoader worker process: fetching batches, and `get_worker_info()` for the data set.

Each worker gets (epoch, task number, indices) messages on its own index queue and answers on the
shared result queue with (epoch, task number, batch). An exception is sent back wrapped, with the
worker's id, the index being read and the original traceback, and re-raised in the main process as
the same exception type. A worker of an IterableDataset answers `IterableEnd` once its iterator is
exhausted. Workers are seeded (autograd's shared generator and `random`) with base_seed + worker id.
"""
from __future__ import annotations

import queue
import random
import sys
import traceback
from dataclasses import dataclass

__all__ = ["WorkerInfo", "get_worker_info"]

_worker_info = None  # set in a worker process


@dataclass(frozen=True)
class WorkerInfo:
    """Which worker this is: id (0..num_workers − 1), num_workers, its seed and its copy of the dataset."""

    id: int
    num_workers: int
    seed: int
    dataset: object


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker process, its WorkerInfo (e.g. to shard an IterableDataset); None in the main process."""
    return _worker_info


class ExceptionWrapper:
    """An exception caught in a worker, carried to the main process and re-raised there."""

    def __init__(self, exc_info, where: str):
        self.exc_type = exc_info[0]
        self.where = where
        self.exc_msg = "".join(traceback.format_exception(*exc_info))

    def reraise(self):
        message = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            message = KeyErrorMessage(message)
        try:
            error = self.exc_type(message)
        except Exception:
            raise RuntimeError(message) from None
        raise error


class KeyErrorMessage(str):
    """A KeyError prints its argument's repr; this keeps the traceback readable."""

    def __repr__(self):
        return self


@dataclass(frozen=True)
class IterableEnd:
    """A worker's IterableDataset iterator is exhausted."""

    worker_id: int


def worker_loop(kind: str, dataset, index_queue, result_queue, auto_collation: bool, collate_fn, drop_last: bool,
                fast: bool, base_seed: int, init_fn, worker_id: int, num_workers: int) -> None:
    """The body of a worker process (a module-level function, so that any start method can run it)."""
    global _worker_info
    import multiprocessing

    from autograd.random import manual_seed

    from .fetch import make_fetcher

    try:
        seed = base_seed + worker_id
        manual_seed(seed)
        random.seed(seed)
        _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
        where = f"in DataLoader worker process {worker_id}"
        failed_init = None
        fetcher = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = make_fetcher(kind, dataset, auto_collation, collate_fn, drop_last, fast)
        except Exception:
            failed_init = ExceptionWrapper(sys.exc_info(), where + " (in worker_init_fn or while starting)")
        ended = False
        parent = multiprocessing.parent_process()
        while True:
            try:
                message = index_queue.get(timeout=5.0)
            except queue.Empty:
                if parent is not None and not parent.is_alive():
                    return  # the main process is gone
                continue
            if message is None:
                return
            epoch, task, indices = message
            if task is None:  # a new epoch of persistent workers: restart the data set's iterator
                if failed_init is None:
                    fetcher = make_fetcher(kind, dataset, auto_collation, collate_fn, drop_last, fast)
                ended = False
                continue
            if ended:
                continue
            if failed_init is not None:
                data = failed_init
            else:
                try:
                    data = fetcher.fetch(indices)
                except StopIteration:
                    if kind != "iterable":
                        raise
                    data, ended = IterableEnd(worker_id), True
                except Exception:
                    data = ExceptionWrapper(sys.exc_info(), where + fetcher.position())
            result_queue.put((epoch, task, data))
    except KeyboardInterrupt:
        pass
