"""Rearranging elements, with PyTorch's names: repeat_interleave, rot90, tile, ravel, fliplr/flipud,
moveaxis, tensor_split/hsplit/vsplit/dsplit, column_stack/dstack/row_stack, atleast_1d/2d/3d, meshgrid,
cartesian_prod, diag/diag_embed/diagflat, take, narrow_copy.

All are compositions of shape and indexing ops (their derivatives come from those); the one
computation on tensor values, turning repeat counts into indices, is the op `RepeatIndex`.
"""
from __future__ import annotations

import warnings

import numpy as np

from ..function import Op
from ..tensor import Tensor
from ._util import normalize_dim, tensor_method, tensor_methods
from .rearrange import flip
from .shape import cat, movedim, pad, reshape, stack, transpose


class RepeatIndex(Op):
    """0, 0, 1, 2, 2, ...: each position 0..n-1 repeated `repeats` times (an int, or one count per position)."""

    differentiable = False

    @staticmethod
    def forward(ctx, repeats, n):
        repeats = np.asarray(repeats)
        if repeats.dtype.kind not in "iu":
            raise RuntimeError(f"repeat_interleave: repeats must be integers, got dtype {repeats.dtype}")
        if repeats.ndim > 1:
            raise RuntimeError(f"repeat_interleave: repeats must be 0-dimensional or 1-dimensional, got shape "
                               f"{repeats.shape}")
        if repeats.ndim == 1 and repeats.shape[0] != n:
            raise RuntimeError(f"repeat_interleave: repeats must have the same size as input along dim, but got "
                               f"repeats.size(0) = {repeats.shape[0]} and input.size(dim) = {n}")
        if np.any(repeats < 0):
            raise RuntimeError("repeat_interleave: repeats can not be negative")
        return np.repeat(np.arange(n, dtype=np.int64), repeats)


@tensor_method
def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice along `dim`) repeated `repeats` times in place, as torch.repeat_interleave;
    `repeat_interleave(counts)` alone gives the indices 0, 0, 1, ... for 1-d integer counts."""
    if repeats is None:
        if input.ndim != 1 or input.dtype.kind not in "iu":
            raise RuntimeError("repeat_interleave(repeats): repeats must be a 1-d integer tensor")
        return RepeatIndex.apply(input, input.shape[0])
    if dim is None:
        input, dim = input.reshape(-1), 0
    else:
        dim = normalize_dim(dim, input.ndim, "repeat_interleave")
    if isinstance(repeats, (bool, float)) or not isinstance(repeats, (int, np.integer, Tensor)):
        raise TypeError(f"repeat_interleave: repeats must be an int or an integer tensor, got {repeats!r}")
    index = RepeatIndex.apply(repeats, input.shape[dim] if input.ndim else 1)
    if output_size is not None and index.shape[0] != output_size:
        raise RuntimeError(f"repeat_interleave: output_size {output_size} does not match the result's size "
                           f"{index.shape[0]}")
    if input.ndim == 0:
        input = input.reshape(1)
    return input.index_select(dim, index)


@tensor_method
def rot90(input, k: int = 1, dims=(0, 1)):
    """Rotate by 90°·k in the plane of `dims` (from the first towards the second)."""
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    d0, d1 = (normalize_dim(d, input.ndim, "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k = int(k) % 4
    if k == 1:
        return transpose(flip(input, [d1]), d0, d1)
    if k == 2:
        return flip(input, [d0, d1])
    if k == 3:
        return flip(transpose(input, d0, d1), [d1])
    return input.clone()


@tensor_method
def tile(input, dims):
    """Repeat the whole tensor along each dimension; fewer dims than the tensor's are padded with 1s in front."""
    dims = tuple(dims)
    if len(dims) < input.ndim:
        dims = (1,) * (input.ndim - len(dims)) + dims
    return input.repeat(*dims)


@tensor_method
def ravel(input):
    """The elements as a 1-d tensor."""
    return reshape(input, -1)


@tensor_method
def fliplr(input):
    """Reverse the columns (dimension 1) of a tensor of at least 2 dimensions."""
    if input.ndim < 2:
        raise RuntimeError(f"fliplr: input must be >= 2-d, got shape {input.shape}")
    return flip(input, [1])


@tensor_method
def flipud(input):
    """Reverse the rows (dimension 0)."""
    if input.ndim < 1:
        raise RuntimeError("flipud: input must be >= 1-d")
    return flip(input, [0])


moveaxis = movedim
tensor_methods(moveaxis=movedim)


@tensor_method
def tensor_split(input, indices_or_sections, dim: int = 0):
    """Split into n nearly equal parts (the first size % n one longer), or at the given indices, as numpy's
    array_split."""
    dim = normalize_dim(dim, input.ndim, "tensor_split")
    n = input.shape[dim]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0:
            raise RuntimeError(f"tensor_split: number of sections must be larger than 0, got {sections}")
        sizes = [n // sections + (1 if i < n % sections else 0) for i in range(sections)]
        bounds = np.cumsum([0] + sizes).tolist()
    else:
        bounds = [0] + [min(max(int(i) if i >= 0 else n + int(i), 0), n) for i in indices_or_sections] + [n]
    return tuple(input.narrow(dim, start, max(stop - start, 0)) for start, stop in zip(bounds[:-1], bounds[1:]))


def _even_split(op: str, input, sections, dim: int):
    if isinstance(sections, (int, np.integer)):
        size = input.shape[dim]
        if sections <= 0 or size % sections:
            raise RuntimeError(f"torch.{op} attempted to split along dimension {dim}, but the size of the dimension "
                               f"{size} is not divisible by the split_size {sections}!")
    return tensor_split(input, sections, dim)


@tensor_method
def hsplit(input, indices_or_sections):
    """Split along dimension 1 (0 for a 1-d tensor), into equal parts or at indices."""
    if input.ndim < 1:
        raise RuntimeError("hsplit requires a tensor with at least 1 dimension")
    return _even_split("hsplit", input, indices_or_sections, 0 if input.ndim == 1 else 1)


@tensor_method
def vsplit(input, indices_or_sections):
    """Split along dimension 0 of a tensor of at least 2 dimensions."""
    if input.ndim < 2:
        raise RuntimeError(f"vsplit requires a tensor with at least 2 dimensions, got shape {input.shape}")
    return _even_split("vsplit", input, indices_or_sections, 0)


@tensor_method
def dsplit(input, indices_or_sections):
    """Split along dimension 2 of a tensor of at least 3 dimensions."""
    if input.ndim < 3:
        raise RuntimeError(f"dsplit requires a tensor with at least 3 dimensions, got shape {input.shape}")
    return _even_split("dsplit", input, indices_or_sections, 2)


def _atleast(tensors, rank: int):
    def lift(t):
        if t.ndim >= rank:
            return t
        if rank == 3 and t.ndim == 1:
            return t.reshape(1, -1, 1)
        if rank == 3 and t.ndim == 2:
            return t.unsqueeze(-1)
        return t.reshape((1,) * (rank - t.ndim) + t.shape)
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return tuple(lift(t) for t in tensors[0])
    lifted = tuple(lift(t) for t in tensors)
    return lifted[0] if len(lifted) == 1 else lifted


def atleast_1d(*tensors):
    """Each tensor with at least 1 dimension (one tensor back for one given)."""
    return _atleast(tensors, 1)


def atleast_2d(*tensors):
    """Each tensor with at least 2 dimensions (new dimensions in front)."""
    return _atleast(tensors, 2)


def atleast_3d(*tensors):
    """Each tensor with at least 3 dimensions (1-d: (1, n, 1); 2-d: (m, n, 1)), as numpy."""
    return _atleast(tensors, 3)


def column_stack(tensors):
    """Stack 0-d/1-d tensors as columns (and join 2-d ones) along dimension 1."""
    return cat([t.reshape(-1, 1) if t.ndim < 2 else t for t in tensors], 1)


def dstack(tensors):
    """Join along dimension 2 after atleast_3d."""
    return cat(list(atleast_3d(list(tensors))), 2)


def row_stack(tensors):
    """vstack: join along dimension 0 after atleast_2d."""
    return cat(list(atleast_2d(list(tensors))), 0)


def meshgrid(*tensors, indexing: str | None = None):
    """Coordinate grids from 1-d (or 0-d) tensors: 'ij' (matrix) or 'xy' (Cartesian: the first two swapped)
    indexing. Without `indexing`, 'ij' with PyTorch's warning that it will be required."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
                      UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: expects all tensors to be 0- or 1-dimensional, got shape {t.shape}")
    flat = [t.reshape(-1) for t in tensors]
    swap = indexing == "xy" and len(flat) >= 2
    order = [1, 0] + list(range(2, len(flat))) if swap else list(range(len(flat)))
    shape = tuple(flat[i].shape[0] for i in order)
    grids = []
    for i, t in enumerate(flat):
        position = order.index(i)
        view = [1] * len(flat)
        view[position] = t.shape[0]
        grids.append(t.reshape(tuple(view)).expand(*shape))
    return tuple(grids)


def cartesian_prod(*tensors):
    """All combinations of one element from each 1-d tensor, one per row (a 1-d tensor for a single input)."""
    if len(tensors) == 1:
        return tensors[0]
    grids = meshgrid(*tensors, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


@tensor_method
def diag(input, diagonal: int = 0):
    """A 1-d tensor: the square matrix with it on the `diagonal`-th diagonal; a 2-d one: that diagonal."""
    if input.ndim == 1:
        return diag_embed(input, offset=diagonal, dim1=0, dim2=1)
    if input.ndim == 2:
        return input.diagonal(diagonal)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {input.ndim}D")


@tensor_method
def diag_embed(input, offset: int = 0, dim1: int = -2, dim2: int = -1):
    """Matrices (in dims dim1, dim2 of the result) with the last dimension of input on their `offset` diagonal."""
    from ..creation import eye

    n = input.shape[-1] if input.ndim else 1
    ndim = input.ndim + 1
    d1, d2 = normalize_dim(dim1, ndim, "diag_embed"), normalize_dim(dim2, ndim, "diag_embed")
    if d1 == d2:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    square = input.unsqueeze(-1) * eye(n, dtype=input.dtype)  # (..., n, n), values on the main diagonal
    k = int(offset)
    if k > 0:
        square = pad(square, (k, 0, 0, k))
    elif k < 0:
        square = pad(square, (0, -k, -k, 0))
    if (d1, d2) == (ndim - 2, ndim - 1):
        return square
    if (d1, d2) == (ndim - 1, ndim - 2):
        return square.transpose(-1, -2)
    order = [None] * ndim
    order[d1], order[d2] = ndim - 2, ndim - 1
    rest = iter(range(ndim - 2))
    return square.permute([o if o is not None else next(rest) for o in order])


@tensor_method
def diagflat(input, offset: int = 0):
    """The flattened input on the `offset` diagonal of a square matrix."""
    return diag_embed(input.reshape(-1), offset=offset, dim1=0, dim2=1)


@tensor_method
def take(input, index):
    """Elements of the flattened input at `index` (any shape; negative indices count from the end)."""
    return input.reshape(-1)[index]


@tensor_method
def narrow_copy(input, dim: int, start: int, length: int):
    """narrow, as a copy."""
    return input.narrow(dim, start, length).clone()
