"""`DataLoader`, as torch.utils.data.DataLoader: batches from a data set, in this process or in worker processes.

The sampler decides the order of the indices (SequentialSampler, RandomSampler when shuffle=True, or
one given), the batch sampler groups them (batch_size, drop_last), and a fetcher turns each group into
a batch with collate_fn. With num_workers > 0 the main process still draws every index, in the same
order as with num_workers = 0, and hands the groups round-robin to the workers, keeping
prefetch_factor · num_workers batches in flight; batches come back in order, so the batches are the
same as without workers. The workers' seeds come from a child of the loader's generator, so starting
workers does not change the shuffling.
"""
from __future__ import annotations

import itertools
import math
import multiprocessing
import queue
import time
import warnings

from autograd.grad_mode import note as _note
from autograd.grad_mode import state as _thread_state
from autograd.random import default_generator

from .collate import default_collate, default_convert
from .dataset import IterableDataset
from .fetch import make_fetcher
from .sampler import BatchSampler, RandomSampler, SequentialSampler, _InfiniteConstantSampler
from .worker import ExceptionWrapper, IterableEnd, worker_loop

__all__ = ["DataLoader"]

_FIXED_AFTER_INIT = ("batch_size", "batch_sampler", "sampler", "drop_last", "dataset", "persistent_workers")


class DataLoader:
    """Iterate over a data set in mini-batches, with PyTorch's arguments and semantics.

    shuffle=True draws a new permutation for each pass from `generator` (a numpy Generator) or the shared
    generator; sampler / batch_sampler choose the order yourself; batch_size=None yields single samples
    (passed through default_convert). num_workers > 0 loads in that many worker processes (see the module
    docstring), with worker_init_fn(worker_id) run in each, persistent_workers keeping them between
    passes, timeout bounding the wait for a batch, and multiprocessing_context choosing how they start.
    pin_memory (page-locked memory for GPU copies) has no effect on this CPU-only engine, as in PyTorch
    without an accelerator; in_order=False allows any order, and batches come in order.
    """

    def __init__(self, dataset, batch_size: int | None = 1, shuffle: bool | None = None, sampler=None,
                 batch_sampler=None, num_workers: int = 0, collate_fn=None, pin_memory: bool = False,
                 drop_last: bool = False, timeout: float = 0, worker_init_fn=None, multiprocessing_context=None,
                 generator=None, *, prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        if not isinstance(num_workers, int) or num_workers < 0:
            raise ValueError("DataLoader: num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("DataLoader: timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("DataLoader: prefetch_factor option could only be specified in multiprocessing. Let "
                             "num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        if prefetch_factor is not None and (not isinstance(prefetch_factor, int) or prefetch_factor < 1):
            raise ValueError(f"DataLoader: prefetch_factor should be a positive integer, got {prefetch_factor!r}")
        if persistent_workers and num_workers == 0:
            raise ValueError("DataLoader: persistent_workers option needs num_workers > 0")
        if batch_size is not None and (not isinstance(batch_size, int) or isinstance(batch_size, bool)
                                       or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size should be a positive integer value (or None), but got "
                             f"batch_size={batch_size!r}")
        if pin_memory:
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, then device pinned "
                          "memory won't be used.", stacklevel=2)
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            if shuffle not in (False, None):
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified shuffle option, but got "
                                 f"shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got "
                                 f"sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but "
                                 f"got batch_sampler={batch_sampler}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("DataLoader: batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: batch_size=None option disables auto-batching and is mutually exclusive "
                             "with drop_last")
        if sampler is None:
            if iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self._fast = collate_fn is None
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError("DataLoader: multiprocessing_context can only be used with multi-process loading "
                             f"(num_workers > 0), but got num_workers={num_workers}")
        if isinstance(multiprocessing_context, str):
            multiprocessing_context = multiprocessing.get_context(multiprocessing_context)
        self.dataset, self.batch_size, self.drop_last = dataset, batch_size, drop_last
        self.sampler, self.batch_sampler, self.generator = sampler, batch_sampler, generator
        self.num_workers, self.collate_fn, self.pin_memory, self.timeout = num_workers, collate_fn, pin_memory, timeout
        self.worker_init_fn, self.multiprocessing_context = worker_init_fn, multiprocessing_context
        self.prefetch_factor, self.persistent_workers = prefetch_factor, persistent_workers
        self.pin_memory_device, self.in_order = pin_memory_device, in_order
        self._dataset_kind = "iterable" if iterable else "map"
        self._pool = None
        self._initialized = True

    def __setattr__(self, name, value):
        if self.__dict__.get("_initialized") and name in _FIXED_AFTER_INIT:
            raise ValueError(f"{name} attribute should not be set after {type(self).__name__} is initialized")
        super().__setattr__(name, value)

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self):
        if _thread_state.tracer is not None:  # batches are drawn and gathered outside ops: not replayable
            _note(_thread_state.tracer, "note_side_effect", "iterating a DataLoader")
        if self.num_workers == 0:
            return _SingleProcessIterator(self)
        if self.persistent_workers:
            if self._pool is None or not self._pool.alive():
                self._pool = _WorkerPool(self)
            return _MultiProcessIterator(self, self._pool, owns_pool=False)
        return _MultiProcessIterator(self, _WorkerPool(self), owns_pool=True)

    def __len__(self) -> int:
        if self._dataset_kind == "iterable":
            length = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)

    def __del__(self):
        pool = self.__dict__.get("_pool")
        if pool is not None:
            pool.shutdown()


class _SingleProcessIterator:
    def __init__(self, loader: DataLoader):
        self._loader = loader
        self._indices = iter(loader._index_sampler)
        self._fetcher = make_fetcher(loader._dataset_kind, loader.dataset, loader._auto_collation, loader.collate_fn,
                                     loader.drop_last, loader._fast)

    def __iter__(self):
        return self

    def __next__(self):
        return self._fetcher.fetch(next(self._indices))

    def __len__(self) -> int:
        return len(self._loader)


def _base_seed(generator) -> int:
    """A worker base seed from a child of the generator (its own stream is not advanced, so the shuffling is the
    same with and without workers); generators that cannot spawn give one draw instead."""
    gen = default_generator() if generator is None else generator
    try:
        gen = gen.spawn(1)[0]
    except (AttributeError, TypeError, ValueError):
        pass
    return int(gen.integers(0, 2 ** 62))


class _WorkerPool:
    """num_workers processes, one index queue each and one result queue, started for a loader."""

    def __init__(self, loader: DataLoader):
        context = loader.multiprocessing_context or multiprocessing.get_context(
            "fork" if "fork" in multiprocessing.get_all_start_methods() else None)
        self.result_queue = context.Queue()
        self.index_queues, self.processes = [], []
        base_seed = _base_seed(loader.generator)
        for worker_id in range(loader.num_workers):
            index_queue = context.Queue()
            process = context.Process(target=worker_loop, daemon=True, args=(
                loader._dataset_kind, loader.dataset, index_queue, self.result_queue, loader._auto_collation,
                loader.collate_fn, loader.drop_last, loader._fast, base_seed, loader.worker_init_fn, worker_id,
                loader.num_workers))
            process.start()
            self.index_queues.append(index_queue)
            self.processes.append(process)
        self.epoch = 0
        self._closed = False

    def alive(self) -> bool:
        return not self._closed and all(p.is_alive() for p in self.processes)

    def start_epoch(self) -> int:
        """A new pass: workers of an IterableDataset restart their iterators. Returns the epoch number."""
        self.epoch += 1
        if self.epoch > 1:
            for q in self.index_queues:
                q.put((self.epoch, None, None))
        return self.epoch

    def shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        for q in self.index_queues:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        for p in self.processes:  # idle workers leave at once; one still busy with a batch is stopped
            p.join(timeout=1)
            if p.is_alive():
                p.terminate()
                p.join(timeout=1)
        for q in self.index_queues + [self.result_queue]:
            q.cancel_join_thread()
            q.close()


class _MultiProcessIterator:
    """Hands index groups to the workers round-robin and returns their batches in order."""

    def __init__(self, loader: DataLoader, pool: _WorkerPool, owns_pool: bool):
        self._loader, self._pool, self._owns_pool = loader, pool, owns_pool
        self._epoch = pool.start_epoch()
        self._indices = iter(loader._index_sampler)
        n = loader.num_workers
        self._worker_cycle = itertools.cycle(range(n))
        self._active = [True] * n
        self._sent = self._received = 0
        self._tasks: dict[int, list] = {}  # task number -> [worker id] or [worker id, batch]
        self._finished = False
        for _ in range(loader.prefetch_factor * n):
            self._send_next()

    def __iter__(self):
        return self

    def __len__(self) -> int:
        return len(self._loader)

    def _send_next(self) -> None:
        for _ in range(len(self._active)):
            worker = next(self._worker_cycle)
            if self._active[worker]:
                break
        else:
            return
        try:
            indices = next(self._indices)
        except StopIteration:
            return
        self._pool.index_queues[worker].put((self._epoch, self._sent, indices))
        self._tasks[self._sent] = [worker]
        self._sent += 1

    def __next__(self):
        if self._finished:
            raise StopIteration
        while True:
            while self._received < self._sent:  # skip tasks given to workers whose iterator has ended
                info = self._tasks.get(self._received)
                if info is not None and (len(info) == 2 or self._active[info[0]]):
                    break
                self._tasks.pop(self._received, None)
                self._received += 1
            else:
                self._finish()
                raise StopIteration
            info = self._tasks[self._received]
            if len(info) == 2:
                del self._tasks[self._received]
                self._received += 1
                self._send_next()
                return self._unwrap(info[1])
            task, data = self._receive()
            if isinstance(data, IterableEnd):
                self._active[data.worker_id] = False
                self._send_next()
                continue
            if task != self._received:
                self._tasks[task].append(data)
                continue
            del self._tasks[task]
            self._received += 1
            self._send_next()
            return self._unwrap(data)

    def _receive(self):
        """The next (task, batch) of this epoch from the result queue, watching for dead workers and the timeout."""
        timeout = self._loader.timeout
        start = time.monotonic()
        while True:
            try:
                epoch, task, data = self._pool.result_queue.get(timeout=min(timeout, 1.0) if timeout else 1.0)
            except queue.Empty:
                dead = [p.pid for p in self._pool.processes if not p.is_alive()]
                if dead:
                    self._finish()
                    raise RuntimeError(f"DataLoader worker (pid(s) {', '.join(map(str, dead))}) exited "
                                       "unexpectedly") from None
                if timeout and time.monotonic() - start >= timeout:
                    self._finish()
                    raise RuntimeError(f"DataLoader timed out after {timeout} seconds") from None
                continue
            if epoch == self._epoch:  # results of an abandoned earlier pass of persistent workers are dropped
                return task, data

    def _unwrap(self, data):
        if isinstance(data, ExceptionWrapper):
            self._finish()
            data.reraise()
        return data

    def _finish(self) -> None:
        self._finished = True
        if self._owns_pool:
            self._pool.shutdown()

    def __del__(self):
        if self.__dict__.get("_owns_pool") and not self.__dict__.get("_finished", True):
            self._pool.shutdown()

