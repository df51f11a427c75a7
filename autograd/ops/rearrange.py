"""Rearranging values: flip, roll, repeat, unfold (sliding windows), tril/triu.

Each is linear, and its gradient is the adjoint rearrangement: flip and roll undo themselves
(with negated shifts), repeat sums its tiles, unfold adds each window back (`UnfoldBackward`,
whose own gradient is unfold again), a triangle keeps the same triangle of the gradient.
"""
from __future__ import annotations

import numpy as np

from ..function import Op
from ..tensor import Tensor
from ._util import is_integer, normalize_dim, tensor_method
from .shape import _shape_args


class Repeat(Op):
    """Tile the tensor; the gradient sums the tiles."""

    @staticmethod
    def forward(ctx, x, repeats):
        lead = len(repeats) - x.ndim
        ctx.shape = (1,) * lead + x.shape
        ctx.repeats = repeats
        return np.tile(x.reshape(ctx.shape), repeats)

    @staticmethod
    def backward(ctx, grad):
        split = []
        for r, s in zip(ctx.repeats, ctx.shape):
            split += [r, s]
        summed = grad.reshape(tuple(split)).sum(dim=tuple(range(0, len(split), 2)))
        return summed, None


@tensor_method
def repeat(input, *repeats):
    """Tile along each dimension, as torch.repeat (not numpy's repeat); a 0-d tensor takes repeat(())."""
    repeats = _shape_args(repeats, "repeat")
    if len(repeats) < input.ndim:
        raise RuntimeError(f"repeat: number of repeat dims ({len(repeats)}) can not be smaller than the tensor's ({input.ndim})")
    return Repeat.apply(input, repeats)


class Flip(Op):
    """Reverse the order along dims; the gradient is flipped back."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, axis=dims).copy()

    @staticmethod
    def backward(ctx, grad):
        return grad.flip(ctx.dims), None


@tensor_method
def flip(input, dims):
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return Flip.apply(input, tuple(normalize_dim(d, input.ndim, "flip") for d in dims))


class Roll(Op):
    """Shift elements cyclically along dims (numpy's roll); the gradient is rolled back."""

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.roll(x, shifts, axis=dims)

    @staticmethod
    def backward(ctx, grad):
        return Roll.apply(grad, tuple(-s for s in ctx.shifts), ctx.dims), None, None


def _ints(value, op: str, argument: str) -> tuple:
    values = (value,) if is_integer(value) or isinstance(value, Tensor) else tuple(value)
    out = []
    for v in values:
        if isinstance(v, Tensor) and v.numel() == 1 and v.dtype.kind in "iu":
            v = v.item()
        if not is_integer(v):
            raise TypeError(f"{op}: {argument} must be ints, got {value!r}")
        out.append(int(v))
    return tuple(out)


@tensor_method
def roll(input, shifts, dims=None):
    """Shift elements by `shifts` along `dims`, wrapping around (dims None: of the flattened tensor, then
    reshaped back); several shifts and dims pair up, a dim named twice is shifted twice."""
    shifts = _ints(shifts, "roll", "shifts")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: {len(shifts)} shifts need as many dims (dims=None takes one shift)")
        return Roll.apply(input.reshape(-1), shifts, (0,)).reshape(input.shape)
    dims = _ints(dims, "roll", "dims")
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts {list(shifts)} and dims {list(dims)} must have the same length")
    if input.ndim == 0:
        raise IndexError(f"roll: dims {list(dims)} given for a 0-d tensor, which has no dimensions")
    return Roll.apply(input, shifts, tuple(normalize_dim(d, input.ndim, "roll") for d in dims))


class Unfold(Op):
    """Every window of `size` elements, `step` apart, along `dim` (a view); the windows become a new last dim."""

    is_view = True

    @staticmethod
    def forward(ctx, x, dim, size, step):
        ctx.shape, ctx.dim, ctx.size, ctx.step = x.shape, dim, size, step
        count = (x.shape[dim] - size) // step + 1
        shape = x.shape[:dim] + (count,) + x.shape[dim + 1:] + (size,)
        strides = x.strides[:dim] + (x.strides[dim] * step,) + x.strides[dim + 1:] + (x.strides[dim],)
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=x.flags.writeable)

    @staticmethod
    def backward(ctx, grad):
        return UnfoldBackward.apply(grad, ctx.shape, ctx.dim, ctx.size, ctx.step), None, None, None


class UnfoldBackward(Op):
    """Zeros of the input's shape with each window added back at its place (the adjoint of Unfold)."""

    @staticmethod
    def forward(ctx, grad, shape, dim, size, step):
        ctx.dim, ctx.size, ctx.step = dim, size, step
        out = np.zeros(shape, dtype=grad.dtype)
        count = grad.shape[dim]
        lead = (slice(None),) * dim
        for i in range(size):  # a loop over the window's offsets (its size), not over the data
            out[lead + (slice(i, i + step * (count - 1) + 1, step),)] += grad[..., i]
        return out

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, ctx.dim, ctx.size, ctx.step), None, None, None, None


@tensor_method(name="unfold")
def _unfold(self, dimension: int, size: int, step: int):
    """All windows of `size` elements, `step` apart, along `dimension`, as a new last dimension (a view), as
    Tensor.unfold; a 0-d tensor counts as one element."""
    if self.ndim == 0:  # as PyTorch: one window of `size` (0 or 1) elements
        return _unfold(self.reshape(1), 0, size, step).reshape(-1)
    dim = normalize_dim(dimension, self.ndim, "unfold")
    size, step = _ints(size, "unfold", "size")[0], _ints(step, "unfold", "step")[0]
    n = self.shape[dim]
    if size < 0:
        raise RuntimeError(f"unfold: size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"unfold: step is {step} but must be > 0")
    if size > n:
        raise RuntimeError(f"unfold: maximum size for dimension {dim} (of shape {self.shape}) is {n}, but size is {size}")
    return Unfold.apply(self, dim, size, step)


class Triangle(Op):
    """The lower (tril) or upper (triu) triangle of the last two dims, the rest zero; the gradient likewise."""

    @staticmethod
    def forward(ctx, x, diagonal, lower):
        ctx.diagonal, ctx.lower = diagonal, lower
        return (np.tril if lower else np.triu)(x, diagonal)

    @staticmethod
    def backward(ctx, grad):
        return Triangle.apply(grad, ctx.diagonal, ctx.lower), None, None


def _check_matrix(input, op):
    if input.ndim < 2:
        raise RuntimeError(f"{op}: input tensor must have at least 2 dimensions, got shape {input.shape}")


@tensor_method
def tril(input, diagonal: int = 0):
    """The lower triangle (on and below the `diagonal`-th diagonal) of the last two dims."""
    _check_matrix(input, "tril")
    return Triangle.apply(input, int(diagonal), True)


@tensor_method
def triu(input, diagonal: int = 0):
    """The upper triangle (on and above the `diagonal`-th diagonal) of the last two dims."""
    _check_matrix(input, "triu")
    return Triangle.apply(input, int(diagonal), False)
