"""Variable-length sequences for the recurrent layers, as torch.nn.utils.rnn.

A `PackedSequence` stores a batch of sequences of different lengths without padding: sorted by length
(longest first), time step t holds the first batch_sizes[t] sequences, and `data` is those rows
concatenated over time, (Σ lengths, *). RNN, LSTM and GRU accept it and return one; their final
states come back in the original batch order. `pad_sequence` stacks sequences with padding,
`pack_padded_sequence` / `pad_packed_sequence` convert between the two forms, `pack_sequence` does
both steps. Every conversion is indexing (or padding) of Tensors, so gradients flow through it.

Ties in length are ordered by a stable sort (the original order); PyTorch's sort is not stable for
large batches, so its `sorted_indices` may order equal lengths differently. Padded outputs and
final states do not depend on that order.
"""
from __future__ import annotations

from collections import namedtuple

import numpy as np

from autograd.creation import full
from autograd.ops.shape import stack
from autograd.tensor import Tensor

from ..functional.padding import pad

__all__ = ["PackedSequence", "pad_sequence", "unpad_sequence", "pack_padded_sequence", "pad_packed_sequence",
           "pack_sequence", "unpack_sequence", "invert_permutation"]


def _as_index(values) -> np.ndarray:
    """Lengths or a permutation (a Tensor, list or array) as an int64 array: metadata, like a shape."""
    return np.asarray(values.tolist() if isinstance(values, Tensor) else values, dtype=np.int64)


def invert_permutation(permutation):
    """The permutation that undoes `permutation` (None stays None)."""
    if permutation is None:
        return None
    order = _as_index(permutation)
    inverse = np.empty_like(order)
    inverse[order] = np.arange(order.size)
    return Tensor._wrap(inverse)


class PackedSequence(namedtuple("PackedSequence", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])):
    """(data, batch_sizes, sorted_indices, unsorted_indices): sequences packed time step by time step.

    Build it with `pack_padded_sequence` or `pack_sequence`, not by hand. sorted_indices[i] is the original
    position of the i-th longest sequence (None when the input was already sorted).
    """

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:
            raise TypeError("PackedSequence: batch_sizes is required; build packed sequences with "
                            "pack_padded_sequence or pack_sequence")
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _with_data(self, data: Tensor) -> PackedSequence:
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs) -> PackedSequence:
        data = self.data.to(*args, **kwargs)
        return self if data is self.data else self._with_data(data)

    def cpu(self) -> PackedSequence:
        return self

    def double(self) -> PackedSequence:
        return self._with_data(self.data.double())

    def float(self) -> PackedSequence:
        return self._with_data(self.data.float())

    def half(self) -> PackedSequence:
        return self._with_data(self.data.half())

    def long(self) -> PackedSequence:
        return self._with_data(self.data.long())

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def pad_sequence(sequences, batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of shape (L_i, *) into (max L, B, *) (batch_first: (B, max L, *)), padding the rest."""
    if padding_side not in ("right", "left"):
        raise ValueError(f"pad_sequence: padding_side must be 'left' or 'right', got {padding_side!r}")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = list(sequences)
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    trailing = tuple(sequences[0].shape[1:])
    for i, s in enumerate(sequences):
        if not isinstance(s, Tensor) or s.ndim < 1 or tuple(s.shape[1:]) != trailing:
            raise RuntimeError(f"pad_sequence: every sequence must be a Tensor (L, *) with the same trailing shape "
                               f"{trailing}; sequence {i} has shape {tuple(getattr(s, 'shape', ()))}")
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        extra = longest - s.shape[0]
        widths = [0, 0] * len(trailing) + ([0, extra] if padding_side == "right" else [extra, 0])
        padded.append(pad(s, tuple(widths), value=padding_value) if extra else s)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences: Tensor, lengths, batch_first: bool = False) -> list:
    """The inverse of pad_sequence: a list of the sequences, each cut to its length."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :int(n)] for i, n in enumerate(_as_index(lengths))]


def _batch_sizes(sorted_lengths: np.ndarray) -> np.ndarray:
    """batch_sizes[t] = how many sequences are longer than t."""
    steps = np.arange(int(sorted_lengths[0]))
    return (sorted_lengths[None, :] > steps[:, None]).sum(1).astype(np.int64)


def pack_padded_sequence(input: Tensor, lengths, batch_first: bool = False, enforce_sorted: bool = True):
    """Pack a padded batch (T, B, *) (batch_first: (B, T, *)) whose sequence b has lengths[b] valid steps.

    enforce_sorted=True requires lengths in decreasing order; otherwise the batch is sorted here and the
    permutation recorded, so results come back in the original order.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"pack_padded_sequence: input must be a Tensor, got {type(input).__name__}")
    lengths = _as_index(lengths).reshape(-1)
    time_dim, batch_dim = (1, 0) if batch_first else (0, 1)
    if input.ndim < 2 or lengths.size != input.shape[batch_dim]:
        raise RuntimeError(f"pack_padded_sequence: expected {lengths.size} sequences along dimension {batch_dim} of "
                           f"the input, got shape {tuple(input.shape)}")
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError("pack_padded_sequence: length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    if lengths.size and lengths.max() > input.shape[time_dim]:
        raise RuntimeError(f"pack_padded_sequence: a length {int(lengths.max())} exceeds the input's "
                           f"{input.shape[time_dim]} time steps")
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError("pack_padded_sequence: `lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` to pack_padded_sequence "
                               "and/or pack_sequence to sidestep this requirement.")
        sorted_indices, order = None, np.arange(lengths.size)
    else:
        order = np.argsort(-lengths, kind="stable")
        sorted_indices = Tensor._wrap(order)
    sorted_lengths = lengths[order]
    batch_sizes = _batch_sizes(sorted_lengths)
    times = np.concatenate([np.full(n, t) for t, n in enumerate(batch_sizes)])
    rows = np.concatenate([order[:n] for n in batch_sizes])
    index = (rows, times) if batch_first else (times, rows)
    data = input[(Tensor._wrap(index[0]), Tensor._wrap(index[1]))]
    return PackedSequence(data, Tensor._wrap(batch_sizes), sorted_indices, None)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """The inverse of pack_padded_sequence: (padded (T, B, *) in the original batch order, lengths (B,) int64)."""
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got {type(sequence).__name__}")
    batch_sizes = _as_index(sequence.batch_sizes)
    longest, batch = len(batch_sizes), int(batch_sizes[0]) if len(batch_sizes) else 0
    if total_length is not None:
        if total_length < longest:
            raise ValueError(f"pad_packed_sequence: expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max sequence length being "
                             f"{longest}")
        longest = total_length
    original = (np.arange(batch) if sequence.sorted_indices is None else _as_index(sequence.sorted_indices))
    times = np.concatenate([np.full(n, t) for t, n in enumerate(batch_sizes)])
    rows = original[np.concatenate([np.arange(n) for n in batch_sizes])]
    data = sequence.data
    shape = (batch, longest) if batch_first else (longest, batch)
    padded = full(shape + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    index = (rows, times) if batch_first else (times, rows)
    padded[(Tensor._wrap(index[0]), Tensor._wrap(index[1]))] = data
    lengths = np.zeros(batch, dtype=np.int64)
    lengths[original] = (batch_sizes[None, :] > np.arange(batch)[:, None]).sum(1)
    return padded, Tensor._wrap(lengths)


def pack_sequence(sequences, enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *) directly: pad_sequence, then pack_padded_sequence."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences: PackedSequence) -> list:
    """The inverse of pack_sequence: the list of sequences, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
