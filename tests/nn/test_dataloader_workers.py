"""DataLoader as PyTorch's: samplers, sampler=/batch_sampler=, collate semantics, argument checks, and real worker
processes (the same batches in the same order as without workers, errors re-raised naming the worker and the
index, worker_init_fn, get_worker_info sharding of an IterableDataset, persistent workers, timeout)."""
import collections
import os
import time

import numpy as np
import pytest

import autograd as ag
from nn.data import (
    BatchSampler,
    ChainDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    StackDataset,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_collate,
    default_convert,
    get_worker_info,
)


class Squares(Dataset):
    def __len__(self):
        return 23

    def __getitem__(self, i):
        if i == 13 and os.environ.get("SQUARES_FAIL") == "1":
            raise ValueError(f"cannot read sample {i}")
        return {"x": np.array([i, i * i], dtype=np.float32), "y": i}


class Failing(Squares):
    def __getitem__(self, i):
        if i == 13:
            raise KeyError(f"sample {i} is missing")
        return super().__getitem__(i)


class Stream(IterableDataset):
    """0..n-1, split between workers with get_worker_info (as PyTorch's documentation shows)."""

    def __init__(self, n=10):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))

    def __len__(self):
        return self.n


def _flatten(batches, key="y"):
    return [int(v) for b in batches for v in b[key].tolist()]


def test_samplers():
    data = list(range(10))
    assert list(SequentialSampler(data)) == data and len(SequentialSampler(data)) == 10
    ag.manual_seed(0)
    first = list(RandomSampler(data))
    assert sorted(first) == data and first != data
    ag.manual_seed(0)
    assert list(RandomSampler(data)) == first
    assert len(list(RandomSampler(data, num_samples=25))) == 25
    drawn = list(RandomSampler(data, replacement=True, num_samples=40, generator=np.random.default_rng(1)))
    assert len(drawn) == 40 and len(set(drawn)) < 10 + 1 and drawn == np.random.default_rng(1).integers(0, 10, 40).tolist()
    assert sorted(SubsetRandomSampler([3, 5, 7])) == [3, 5, 7]
    weighted = list(WeightedRandomSampler([0.0, 1.0, 3.0], 400, generator=np.random.default_rng(2)))
    counts = collections.Counter(weighted)
    assert counts[0] == 0 and 250 < counts[2] < 350
    assert sorted(WeightedRandomSampler([1, 1, 1, 1], 4, replacement=False)) == [0, 1, 2, 3]
    assert list(BatchSampler(range(7), 3, drop_last=False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, drop_last=True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3 and len(BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(data, num_samples=0)
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        WeightedRandomSampler([[1.0]], 1)


def test_collate_semantics_as_pytorch():
    torch = pytest.importorskip("torch")
    Point = collections.namedtuple("Point", "a b")
    samples = [(np.float64(1.5), np.int32(3), True, 2.0, 4, "s", Point(1, [2.0, 3.0]), collections.OrderedDict(k=1)),
               (np.float64(2.5), np.int32(4), False, 3.0, 5, "t", Point(2, [4.0, 5.0]), collections.OrderedDict(k=2))]
    ours = default_collate(samples)
    theirs = torch.utils.data.default_collate(samples)
    assert type(ours) is type(theirs) is list and len(ours) == len(theirs)
    for a, b in zip(ours[:5], theirs[:5]):
        assert a.tolist() == b.tolist() and str(a.dtype) == str(b.dtype).replace("torch.", "")
    assert ours[5] == theirs[5] == ("s", "t")
    assert type(ours[6]) is Point and ours[6].a.tolist() == [1, 2] and type(ours[6].b) is list
    assert type(ours[7]) is collections.OrderedDict and ours[7]["k"].tolist() == [1, 2]
    converted = default_convert({"a": np.arange(3), "b": (np.float32(1), 2)})
    assert isinstance(converted["a"], ag.Tensor) and isinstance(converted["b"], list) and converted["b"][1] == 2
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([ag.zeros(2), ag.zeros(3)])


def test_loader_arguments_as_pytorch():
    data = TensorDataset(ag.arange(10.0))
    batches = list(DataLoader(data, batch_sampler=[[0, 1], [5], [2, 3, 4]]))
    assert [b[0].tolist() for b in batches] == [[0.0, 1.0], [5.0], [2.0, 3.0, 4.0]]
    assert [b[0].tolist() for b in DataLoader(data, sampler=[9, 8, 7], batch_size=2)] == [[9.0, 8.0], [7.0]]
    assert isinstance(next(iter(DataLoader(data, batch_size=2))), list)  # tuples collate to lists, as PyTorch
    for kwargs, message in [(dict(sampler=[0], shuffle=True), "mutually exclusive with shuffle"),
                            (dict(batch_sampler=[[0]], batch_size=2), "batch_sampler option is mutually exclusive"),
                            (dict(batch_size=None, drop_last=True), "mutually exclusive with drop_last"),
                            (dict(num_workers=-1), "non-negative"), (dict(prefetch_factor=2), "prefetch_factor"),
                            (dict(persistent_workers=True), "persistent_workers option needs num_workers > 0")]:
        with pytest.raises(ValueError, match=message):
            DataLoader(data, **kwargs)
    loader = DataLoader(data, batch_size=3)
    with pytest.raises(ValueError, match="batch_size attribute should not be set"):
        loader.batch_size = 4
    with pytest.raises(ValueError, match="expected unspecified shuffle"):
        DataLoader(Stream(), shuffle=True)
    with pytest.warns(UserWarning, match="pin_memory"):
        DataLoader(data, pin_memory=True)
    assert list(DataLoader(Stream(5), batch_size=None)) == [0, 1, 2, 3, 4]  # default_convert keeps ints
    assert [b.tolist() for b in DataLoader(Stream(5), batch_size=2, drop_last=True)] == [[0, 1], [2, 3]]
    assert len(DataLoader(Stream(5), batch_size=2)) == 3
    chained = DataLoader(ChainDataset([Stream(2), Stream(3)]), batch_size=10)
    assert [b.tolist() for b in chained] == [[0, 1, 0, 1, 2]]
    stacked = StackDataset(a=TensorDataset(ag.arange(3.0)), b=Subset(TensorDataset(ag.arange(5)), [4, 2, 0]))
    batch = next(iter(DataLoader(stacked, batch_size=3)))
    assert batch["a"][0].tolist() == [0.0, 1.0, 2.0] and batch["b"][0].tolist() == [4, 2, 0]


@pytest.mark.parametrize("shuffle", [False, True])
def test_workers_give_the_same_batches_in_the_same_order(shuffle):
    dataset = Squares()
    ag.manual_seed(7)
    reference = list(DataLoader(dataset, batch_size=4, shuffle=shuffle))
    ag.manual_seed(7)
    loader = DataLoader(dataset, batch_size=4, shuffle=shuffle, num_workers=2, prefetch_factor=1)
    batches = list(loader)
    assert _flatten(batches) == _flatten(reference) and len(batches) == len(loader) == 6
    for ours, expected in zip(batches, reference):
        np.testing.assert_array_equal(ours["x"].numpy(), expected["x"].numpy())
    tensors = TensorDataset(ag.arange(12.0).reshape(6, 2), ag.arange(6))
    ag.manual_seed(1)
    fast = [b[1].tolist() for b in DataLoader(tensors, batch_size=4, shuffle=True, drop_last=True)]
    ag.manual_seed(1)
    assert [b[1].tolist() for b in DataLoader(tensors, batch_size=4, shuffle=True, drop_last=True,
                                               num_workers=2)] == fast


def test_worker_errors_name_the_worker_and_the_index():
    loader = DataLoader(Failing(), batch_size=4, num_workers=2)
    with pytest.raises(KeyError, match=r"(?s)Caught KeyError in DataLoader worker process 1 while fetching index "
                                       r"13.*sample 13 is missing"):
        list(loader)


def test_worker_init_fn_seeds_and_sharding():
    def init(worker_id):
        info = get_worker_info()
        assert info.id == worker_id and info.num_workers == 2
        np.random.seed(info.seed % 2 ** 32)

    stream = DataLoader(Stream(10), batch_size=2, num_workers=2, worker_init_fn=init)
    assert sorted(_flatten([{"y": b} for b in stream])) == list(range(10))  # each worker read its own share
    assert get_worker_info() is None
    class Plain(IterableDataset):
        def __iter__(self):
            return iter(range(4))

    unsharded = DataLoader(Plain(), batch_size=None, num_workers=2)
    ag.manual_seed(0)
    values = list(unsharded)
    assert sorted(values) == [0, 0, 1, 1, 2, 2, 3, 3]  # without sharding every worker yields everything, as PyTorch

    class Draws(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return ag.rand(1)  # from the worker's seeded generator

    ag.manual_seed(3)
    first = [b.tolist() for b in DataLoader(Draws(), batch_size=1, num_workers=2)]
    ag.manual_seed(3)
    assert [b.tolist() for b in DataLoader(Draws(), batch_size=1, num_workers=2)] == first


def test_persistent_workers_and_early_exit():
    loader = DataLoader(Stream(6), batch_size=2, num_workers=2, persistent_workers=True)
    assert sorted(_flatten([{"y": b} for b in loader])) == list(range(6))
    pids = [p.pid for p in loader._pool.processes]
    for _ in loader:
        break  # an abandoned pass: its leftover results must not leak into the next one
    assert sorted(_flatten([{"y": b} for b in loader])) == list(range(6))
    assert [p.pid for p in loader._pool.processes] == pids  # the same processes throughout
    loader._pool.shutdown()
    temporary = iter(DataLoader(Squares(), batch_size=2, num_workers=2))
    next(temporary)
    processes = temporary._pool.processes
    del temporary
    deadline = time.monotonic() + 10
    while any(p.is_alive() for p in processes) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(p.is_alive() for p in processes)


def test_timeout_and_spawned_workers():
    class Slow(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            time.sleep(1)
            return i

    with pytest.raises(RuntimeError, match="DataLoader timed out after 0.2 seconds"):
        next(iter(DataLoader(Slow(), num_workers=1, timeout=0.2)))
    spawned = DataLoader(TensorDataset(ag.arange(4.0)), batch_size=3, num_workers=1, multiprocessing_context="spawn")
    assert [b[0].tolist() for b in spawned] == [[0.0, 1.0, 2.0], [3.0]]
