"""`embedding_bag`: the sum, mean or max of the embeddings of each bag of indices, as
torch.nn.functional.embedding_bag (bags given by offsets into a 1-d input, or as the rows of a 2-d one).

The embeddings are looked up with `embedding`; a bag's sum is then a product with a constant
bag-membership matrix, its mean that divided by the bag's size, its max an `amax` over the bag's
rows padded with −∞. Entries equal to padding_idx take no part (and count for no mean); an empty bag
gives zeros. All derivatives come from those ops.
"""
from __future__ import annotations

import numpy as np

from autograd.ops.activation import where
from autograd.ops.shape import cat
from autograd.tensor import Tensor

from .embedding import embedding

__all__ = ["embedding_bag"]


def _bags(input: Tensor, offsets, include_last_offset: bool, op: str) -> tuple[Tensor, np.ndarray, int]:
    """(flat indices, bag number of each position, number of bags), from a 2-d input or a 1-d input with offsets
    (the offsets are metadata, like a shape)."""
    if input.ndim == 2:
        if offsets is not None:
            raise ValueError(f"{op}: if input is 2D, then offsets has to be None, as input is treated as a mini-batch "
                             "of fixed length sequences.")
        batch, length = input.shape
        return input.reshape(-1), np.repeat(np.arange(batch), length), batch
    if input.ndim != 1:
        raise ValueError(f"{op}: input has to be 1D or 2D Tensor, but got Tensor of dimension {input.ndim}")
    if offsets is None:
        raise ValueError(f"{op}: offsets has to be a 1D Tensor but got None")
    starts = np.asarray(offsets.tolist() if isinstance(offsets, Tensor) else offsets, dtype=np.int64).reshape(-1)
    n = input.shape[0]
    if starts.size and (starts[0] != 0 or np.any(np.diff(starts) < 0) or starts[-1] > n):
        raise ValueError(f"{op}: offsets must start at 0 and be non-decreasing, at most the input length {n}; got "
                         f"{starts.tolist()}")
    counts = np.diff(starts if include_last_offset else np.append(starts, n))
    return input, np.repeat(np.arange(len(counts)), counts), len(counts)


def embedding_bag(input, weight: Tensor, offsets=None, max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights=None, include_last_offset: bool = False, padding_idx: int | None = None):
    """(bags, embedding_dim): the mode ('sum', 'mean' or 'max') of each bag's embedding rows."""
    op = "embedding_bag"
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"{op}: mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"{op}: per_sample_weights was not None. per_sample_weights is only supported for "
                                  f"mode='sum' (got mode='{mode}').")
    index = input if isinstance(input, Tensor) else Tensor._from_data(np.asarray(input))
    flat, bag_of, bags = _bags(index, offsets, include_last_offset, op)
    num = weight.shape[0]
    if padding_idx is not None:
        if not -num <= padding_idx < num:
            raise ValueError(f"{op}: padding_idx must be within the number of embeddings ({num})")
        padding_idx %= num
    rows = embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq, sparse)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1).unsqueeze(1)
    keep = None if padding_idx is None else (flat != padding_idx).unsqueeze(1)  # (positions, 1)
    if mode == "max":
        return _bag_max(rows, bag_of, keep, bags)
    membership = np.zeros((bags, bag_of.size), dtype=weight.dtype)
    membership[bag_of, np.arange(bag_of.size)] = 1
    members = Tensor._wrap(membership)
    if keep is not None:
        members = members * keep.mT.to(weight.dtype)
    out = members @ rows
    if mode == "mean":
        out = out / members.sum(1, keepdim=True).clamp_min(1)
    return out


def _bag_max(rows: Tensor, bag_of: np.ndarray, keep, bags: int) -> Tensor:
    """The elementwise max over each bag's rows (zeros for a bag with none)."""
    if keep is not None:
        rows = where(keep, rows, float("-inf"))
    counts = np.bincount(bag_of, minlength=bags)
    longest = int(counts.max()) if counts.size else 0
    if longest == 0:
        return rows.new_zeros((bags, rows.shape[-1]))
    index = np.full((bags, longest), rows.shape[0], dtype=np.int64)  # rows.shape[0]: the −∞ row appended below
    start = 0
    for b, n in enumerate(counts):  # a loop over bags, building positions from the offsets
        index[b, :n] = np.arange(start, start + n)
        start += n
    padded = cat([rows, rows.new_full((1, rows.shape[-1]), float("-inf"))], 0)
    best = padded[Tensor._wrap(index)].amax(1)
    return where(best == float("-inf"), 0.0, best)  # bags with nothing to take
