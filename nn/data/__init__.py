"""`nn.data`, as torch.utils.data: data sets, samplers, collation, the DataLoader (with worker processes),
random splits and k-fold cross-validation.

dataset.py (Dataset, IterableDataset, TensorDataset, StackDataset, ConcatDataset, ChainDataset, Subset),
sampler.py, collate.py, dataloader.py (DataLoader), fetch.py (turning indices into batches), worker.py
(worker processes and get_worker_info), splitting.py (random_split, KFold).
"""
from .collate import default_collate, default_convert
from .dataloader import DataLoader
from .dataset import ChainDataset, ConcatDataset, Dataset, IterableDataset, StackDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler, WeightedRandomSampler
from .splitting import KFold, random_split
from .worker import WorkerInfo, get_worker_info

__all__ = ["BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset", "KFold",
           "RandomSampler", "Sampler", "SequentialSampler", "StackDataset", "Subset", "SubsetRandomSampler",
           "TensorDataset", "WeightedRandomSampler", "WorkerInfo", "default_collate", "default_convert",
           "get_worker_info", "random_split"]
