"""Data sets, DataLoader, random_split and KFold (nn/data/)."""
import numpy as np
import pytest

import autograd as ag
from nn.data import ConcatDataset, DataLoader, Dataset, KFold, Subset, TensorDataset, default_collate, random_split


def _dataset(n=10):
    return TensorDataset(ag.arange(n * 2.0).reshape(n, 2), ag.arange(n))


class Squares(Dataset):
    """A map-style data set that is not a TensorDataset (so batches go through collate)."""

    def __len__(self):
        return 7

    def __getitem__(self, i):
        return np.array([i, i * i], dtype=np.float32), i


def test_tensor_dataset_items_and_length():
    data = _dataset()
    x, y = data[3]
    np.testing.assert_array_equal(x._data, [6.0, 7.0])
    assert y.item() == 3 and len(data) == 10
    with pytest.raises(ValueError, match=r"same size in dimension 0.*\(3, 2\).*\(4,\)"):
        TensorDataset(ag.zeros(3, 2), ag.zeros(4))


@pytest.mark.parametrize("dataset_factory", [_dataset, lambda: Subset(_dataset(12), range(1, 11)), Squares])
@pytest.mark.parametrize("drop_last", [False, True])
def test_loader_covers_every_sample_once_in_batches(dataset_factory, drop_last):
    dataset = dataset_factory()
    n = len(dataset)
    loader = DataLoader(dataset, batch_size=3, drop_last=drop_last)
    batches = list(loader)
    sizes = [len(b[1]) for b in batches]
    expected_sizes = [3] * (n // 3) + ([] if drop_last or n % 3 == 0 else [n % 3])
    assert sizes == expected_sizes and len(loader) == len(batches)
    labels = np.concatenate([b[1]._data for b in batches])
    reference = np.array([dataset[i][1] if isinstance(dataset[i][1], int) else dataset[i][1].item() for i in range(n)])
    np.testing.assert_array_equal(labels, reference[: len(labels)])
    assert batches[0][0].shape == (3, 2) and batches[0][1].dtype == np.int64


def test_fast_path_gives_the_same_batches_as_collating_samples():
    dataset = _dataset(9)
    ag.manual_seed(3)
    fast = list(DataLoader(dataset, batch_size=4, shuffle=True))
    ag.manual_seed(3)
    slow = list(DataLoader(dataset, batch_size=4, shuffle=True, collate_fn=default_collate))
    for (xf, yf), (xs, ys) in zip(fast, slow):
        np.testing.assert_array_equal(xf._data, xs._data)
        np.testing.assert_array_equal(yf._data, ys._data)


def test_shuffle_is_reproducible_from_the_seed_and_differs_between_epochs():
    loader = DataLoader(_dataset(20), batch_size=5, shuffle=True)

    def epoch():
        return np.concatenate([y._data for _, y in loader])

    ag.manual_seed(0)
    first, second = epoch(), epoch()
    ag.manual_seed(0)
    np.testing.assert_array_equal(epoch(), first)
    assert sorted(first) == list(range(20)) and not np.array_equal(first, second)
    assert not np.array_equal(first, np.arange(20))
    own = DataLoader(_dataset(20), batch_size=5, shuffle=True, generator=np.random.default_rng(1))
    np.testing.assert_array_equal(np.concatenate([y._data for _, y in own]), np.random.default_rng(1).permutation(20))


def test_default_collate_follows_pytorch():
    batch = default_collate([(np.zeros(2, np.float32), 1, 0.5, "a", {"k": ag.ones(3)}),
                             (np.ones(2, np.float32), 2, 1.5, "b", {"k": ag.zeros(3)})])
    x, ints, floats, names, mapping = batch
    assert x.shape == (2, 2) and x.dtype == np.float32
    assert ints.dtype == np.int64 and floats.dtype == np.float64  # Python floats collate to float64, as in PyTorch
    assert names == ("a", "b") and mapping["k"].shape == (2, 3)  # strings stay the batch's tuple, as PyTorch
    with pytest.raises(TypeError, match="default_collate.*object.*collate_fn"):
        default_collate([object(), object()])


def test_unbatched_loading_and_argument_checks():
    assert [y.item() for _, y in DataLoader(_dataset(3), batch_size=None)] == [0, 1, 2]
    with pytest.raises(ValueError, match="batch_size should be a positive integer"):
        DataLoader(_dataset(), batch_size=0)


def test_random_split_lengths_fractions_and_seed():
    dataset = _dataset(10)
    ag.manual_seed(1)
    parts = random_split(dataset, [0.5, 0.3, 0.2])
    assert [len(p) for p in parts] == [5, 3, 2]
    indices = np.concatenate([p.indices for p in parts])
    assert sorted(indices) == list(range(10))
    ag.manual_seed(1)
    np.testing.assert_array_equal(np.concatenate([p.indices for p in random_split(dataset, [5, 3, 2])]), indices)
    assert [len(p) for p in random_split(_dataset(11), [0.34, 0.33, 0.33])] == [4, 4, 3]  # 3, 3, 3 + the remainder round-robin
    with pytest.raises(ValueError, match=r"sum of input lengths \(9\) does not equal the length.*\(10\)"):
        random_split(dataset, [5, 4])
    x, y = parts[0][0]
    assert y.item() == parts[0].indices[0]


def test_concat_dataset():
    both = _dataset(3) + _dataset(2)
    assert isinstance(both, ConcatDataset) and len(both) == 5
    assert both[3][1].item() == 0 and both[-1][1].item() == 1
    with pytest.raises(IndexError):
        both[5]


@pytest.mark.parametrize("n, k", [(10, 5), (11, 3), (7, 7)])
def test_kfold_partitions_like_scikit_learn(n, k):
    folds = list(KFold(k).split(n))
    assert len(folds) == k
    vals = np.concatenate([val for _, val in folds])
    np.testing.assert_array_equal(vals, np.arange(n))  # unshuffled: consecutive folds, larger ones first
    assert [len(v) for _, v in folds] == [n // k + (i < n % k) for i in range(k)]
    for train, val in folds:
        assert sorted(np.concatenate([train, val])) == list(range(n))
    sklearn = pytest.importorskip("sklearn.model_selection")
    for shuffle, seed in ((False, None), (True, 42)):
        for (train, val), (ref_train, ref_val) in zip(KFold(k, shuffle=shuffle, random_state=seed).split(n),
                                                       sklearn.KFold(k, shuffle=shuffle, random_state=seed).split(np.zeros(n))):
            np.testing.assert_array_equal(train, ref_train)
            np.testing.assert_array_equal(val, ref_val)


def test_kfold_with_datasets_the_shared_generator_and_errors():
    dataset = _dataset(6)
    ag.manual_seed(5)
    first = [val.tolist() for _, val in KFold(3, shuffle=True).split(dataset)]
    ag.manual_seed(5)
    assert [val.tolist() for _, val in KFold(3, shuffle=True).split(dataset)] == first
    train, val = next(KFold(3).split(dataset))
    assert len(Subset(dataset, train)) == 4 and len(Subset(dataset, val)) == 2
    with pytest.raises(ValueError, match="n_splits=2 or more"):
        KFold(1)
    with pytest.raises(ValueError, match="n_splits=4 greater than the number of samples: n_samples=3"):
        list(KFold(4).split(3))
    with pytest.raises(ValueError, match="random_state has no effect"):
        KFold(3, random_state=0)
