"""Reading and writing along one dimension at integer positions: gather, take_along_dim, scatter,
scatter_add, index_select, index_add.

Two pairs of ops do the work, each pair the other's derivative, so gradients of any order are
gathers and scatters again (PyTorch's formulas, derivatives.yaml):
- `Gather` reads the values at an index-shaped array of positions along `dim`; `ScatterAdd`
  adds index-shaped values into zeros at those positions.
- `IndexSelect` reads whole slices at a list of positions along `dim`; `IndexAdd` adds whole
  slices into zeros at those positions.
`Scatter` (overwrite) is the one more op. As in PyTorch, an index may be smaller than the input
in the other dimensions (only its own extent is read or written), index values are never
wrapped (0 <= i < size, except take_along_dim, which accepts -size <= i < 0 as numpy does), and
the values are checked inside each forward (so on every call, traced or not), naming the op.
"""
from __future__ import annotations

import numpy as np

from ..function import Op
from ..tensor import Tensor
from ._util import check_index_tensor, normalize_dim, tensor_method


def _check_positions(index: np.ndarray, size: int, dim: int, op: str, wrap: bool = False) -> np.ndarray:
    """The index, every value in range for a dimension of `size` (negatives wrapped when `wrap`), or an error."""
    if index.size == 0:
        return index
    low, high = index.min(), index.max()
    if low < (-size if wrap else 0) or high >= size:
        bad = int(low if low < (-size if wrap else 0) else high)
        allowed = f"[{-size}, {size - 1}]" if wrap else f"[0, {size - 1}]"
        error = IndexError if op in ("index_select", "index_add") else RuntimeError  # PyTorch's types
        raise error(f"{op}: index {bad} is out of bounds for dimension {dim} with size {size} (allowed: {allowed})")
    if wrap and low < 0:
        index = np.where(index < 0, index + size, index)
    return index


def _region(shape: tuple, dim: int | None = None) -> tuple:
    """Slices selecting the first shape[d] entries of every dimension (but `dim`): where an index reaches."""
    return tuple(slice(None) if d == dim else slice(0, s) for d, s in enumerate(shape))


def _positions(index: np.ndarray, dim: int) -> tuple:
    """A full numpy index: `index` along dim, each element's own coordinate in the other dimensions."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


def _pad_to(grad, shape: tuple):
    """The gradient of an index-shaped region, padded with zeros to `shape` (an argument larger than its index)."""
    from .shape import Pad

    if tuple(grad.shape) == tuple(shape):
        return grad
    return Pad.apply(grad, tuple((0, s - g) for s, g in zip(shape, grad.shape)), 0.0)


class Gather(Op):
    """out[i][j] = x[i][index[i][j]] along `dim` (torch.gather): out has index's shape; backward adds back."""

    @staticmethod
    def forward(ctx, x, dim, index, op, wrap):
        index = _check_positions(index, x.shape[dim], dim, op, wrap)
        if op not in ("gather", "take_along_dim"):  # the values of sort, topk, median, ...: named for that op
            ctx.node_name = op.capitalize()
        ctx.save_for_backward(index)
        ctx.shape, ctx.dim = x.shape, dim
        return np.take_along_axis(x[_region(index.shape, dim)], index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        return ScatterAdd.apply(grad, ctx.dim, index, ctx.shape, None), None, None, None, None


class ScatterAdd(Op):
    """Zeros of `shape` with src[i][j] added at [i][index[i][j]] along `dim` (src's index-shaped part only)."""

    @staticmethod
    def forward(ctx, src, dim, index, shape, op):
        if op is not None:  # called by the user (not as a gradient): check the positions
            index = _check_positions(index, shape[dim], dim, op)
        ctx.save_for_backward(index)
        ctx.dim, ctx.src_shape = dim, src.shape
        out = np.zeros(shape, dtype=src.dtype)
        np.add.at(out, _positions(index, dim), src[_region(index.shape)])
        return out

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        return _pad_to(Gather.apply(grad, ctx.dim, index, "gather", False), ctx.src_shape), None, None, None, None


class Scatter(Op):
    """A copy of x with x[i][index[i][j]] = src[i][j] along `dim` (src a tensor or a number); with repeated
    positions the last write wins. d/dx = grad with the written positions zeroed; d/dsrc = grad gathered
    at them (at every repeat, as PyTorch)."""

    @staticmethod
    def forward(ctx, x, dim, index, src, op):
        index = _check_positions(index, x.shape[dim], dim, op)
        ctx.save_for_backward(index)
        ctx.dim = dim
        ctx.src_shape = src.shape if isinstance(src, np.ndarray) else None
        out = x.copy()
        value = src[_region(index.shape)] if isinstance(src, np.ndarray) else np.asarray(src, dtype=x.dtype)
        np.put_along_axis(out[_region(index.shape, dim)], index, value, axis=dim)
        return out

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        grad_x = Scatter.apply(grad, ctx.dim, index, 0.0, "scatter") if ctx.needs_input_grad[0] else None
        grad_src = None
        if ctx.src_shape is not None and ctx.needs_input_grad[3]:
            grad_src = _pad_to(Gather.apply(grad, ctx.dim, index, "gather", False), ctx.src_shape)
        return grad_x, None, None, grad_src, None


class IndexSelect(Op):
    """The slices of x at the positions `index` (1-d) along `dim`; backward adds them back (IndexAdd)."""

    @staticmethod
    def forward(ctx, x, dim, index, op):
        index = _check_positions(index, x.shape[dim], dim, op)
        ctx.save_for_backward(index)
        ctx.dim, ctx.shape = dim, x.shape
        return np.take(x, index, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        return IndexAdd.apply(grad, ctx.dim, index, ctx.shape, None), None, None, None


class IndexAdd(Op):
    """Zeros of `shape` with the slices of src added at the positions `index` along `dim` (repeats accumulate)."""

    @staticmethod
    def forward(ctx, src, dim, index, shape, op):
        if op is not None:  # called by the user (not as a gradient): check the positions
            index = _check_positions(index, shape[dim], dim, op)
        ctx.save_for_backward(index)
        ctx.dim = dim
        out = np.zeros(shape, dtype=src.dtype)
        np.add.at(out, (slice(None),) * dim + (index,), src)
        return out

    @staticmethod
    def backward(ctx, grad):
        index, = ctx.saved_tensors
        return IndexSelect.apply(grad, ctx.dim, index, "index_select"), None, None, None, None


def _take_values(op: str, input, dim: int, index):
    """input's values at `index` along dim (known to be in range) for the op `op` (sort, topk, median, ...):
    a gather whose backward node is named for that op."""
    return Gather.apply(input, dim, index, op, False)


# ----------------------------------------------------------------------------- the functions
def _index_argument(index, op: str) -> Tensor:
    array = check_index_tensor(index, op)
    return index if isinstance(index, Tensor) else Tensor._wrap(array)


def _check_index_shape(op: str, input: Tensor, dim: int, index: Tensor, src: Tensor | None = None) -> None:
    """PyTorch's rule: index has input's rank and is no larger than input (but along dim) and than src."""
    if index.ndim != input.ndim and not (index.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError(f"{op}: index has {index.ndim} dimensions but input has {input.ndim} (shape "
                           f"{input.shape}); they must have the same number of dimensions")
    for d, (i, s) in enumerate(zip(index.shape, input.shape)):
        if d != dim and i > s:
            raise RuntimeError(f"{op}: index of shape {index.shape} is larger than input {input.shape} in dimension "
                               f"{d}; apart from dimension {dim} it must be no larger than the input")
    if src is not None and (src.ndim != index.ndim or any(i > s for i, s in zip(index.shape, src.shape))):
        raise RuntimeError(f"{op}: index of shape {index.shape} must be no larger than src {src.shape} in every "
                           "dimension (and have as many dimensions)")


def _as_1d(tensors):
    """0-d tensors as 1-d ones (PyTorch treats a 0-d input of these ops as one element along dim 0)."""
    return [t.reshape(1) if isinstance(t, Tensor) and t.ndim == 0 else t for t in tensors]


@tensor_method
def gather(input, dim: int, index, *, sparse_grad: bool = False):
    """out[i][j] = input[i][index[i][j]] for dim = 1 (likewise for any dim): out takes index's shape, which
    must be no larger than input's apart from `dim`. The gradient adds back at the same positions."""
    dim = normalize_dim(dim, input.ndim, "gather")
    index = _index_argument(index, "gather")
    _check_index_shape("gather", input, dim, index)
    if input.ndim == 0:
        return Gather.apply(input.reshape(1), 0, index.reshape(1), "gather", False).reshape(index.shape)
    return Gather.apply(input, dim, index, "gather", False)


@tensor_method
def take_along_dim(input, indices, dim: int | None = None):
    """gather with numpy's broadcasting of the other dimensions (and of the flattened input when dim is None);
    negative indices count from the end, as in numpy's take_along_axis."""
    indices = _index_argument(indices, "take_along_dim")
    if dim is None:
        return Gather.apply(input.reshape(-1), 0, indices.reshape(-1), "take_along_dim", True)
    dim = normalize_dim(dim, input.ndim, "take_along_dim")
    if indices.ndim != input.ndim:
        raise RuntimeError(f"take_along_dim: input {input.shape} and indices {indices.shape} should have the same "
                           "number of dimensions")
    from ._util import check_broadcast

    shape = list(check_broadcast("take_along_dim", tuple(s for d, s in enumerate(input.shape) if d != dim),
                                 tuple(s for d, s in enumerate(indices.shape) if d != dim)))
    big = tuple(shape[:dim] + [input.shape[dim]] + shape[dim:])
    idx = tuple(shape[:dim] + [indices.shape[dim]] + shape[dim:])
    return Gather.apply(input.expand(big), dim, indices.expand(idx), "take_along_dim", True)


@tensor_method
def scatter(input, dim: int, index, src=None, *, value=None, reduce=None):
    """A copy of input with input[i][index[i][j]] = src[i][j] (dim = 1; likewise for any dim); `src` may be a
    number (or give `value=`). With repeated positions the last write wins."""
    if reduce is not None:
        if reduce not in ("add", "multiply"):
            raise ValueError(f"scatter: reduce must be 'add' or 'multiply', got {reduce!r}")
        if reduce == "multiply":
            raise NotImplementedError("scatter: reduce='multiply' is not supported; use scatter_add, or compute "
                                      "the product with index_select and mul")
        src = value if src is None else src
        return scatter_add(input, dim, index, src if isinstance(src, Tensor) else
                           Tensor._wrap(np.full(np.shape(check_index_tensor(index, "scatter")), src, input.dtype)))
    if (src is None) == (value is None):
        raise TypeError("scatter: give exactly one of src (a tensor or number) and value")
    src = value if src is None else src
    dim = normalize_dim(dim, input.ndim, "scatter")
    index = _index_argument(index, "scatter")
    if isinstance(src, Tensor):
        if src.dtype != input.dtype:
            raise RuntimeError(f"scatter: expected src to have input's dtype {input.dtype}, got {src.dtype}")
        _check_index_shape("scatter", input, dim, index, src if src.ndim or index.ndim else None)
    else:
        _check_index_shape("scatter", input, dim, index)
    if input.ndim == 0:
        s = src.reshape(1) if isinstance(src, Tensor) else src
        return Scatter.apply(input.reshape(1), 0, index.reshape(1), s, "scatter").reshape(())
    return Scatter.apply(input, dim, index, src, "scatter")


@tensor_method
def scatter_add(input, dim: int, index, src):
    """input with src[i][j] added at input[i][index[i][j]] (dim = 1; likewise for any dim); repeats accumulate."""
    dim = normalize_dim(dim, input.ndim, "scatter_add")
    index = _index_argument(index, "scatter_add")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add: src must be a Tensor, got {type(src).__name__}")
    if src.dtype != input.dtype:
        raise RuntimeError(f"scatter_add: expected src to have input's dtype {input.dtype}, got {src.dtype}")
    _check_index_shape("scatter_add", input, dim, index, src if src.ndim or index.ndim else None)
    if input.ndim == 0:
        return input + ScatterAdd.apply(src.reshape(1), 0, index.reshape(1), (1,), "scatter_add").reshape(())
    return input + ScatterAdd.apply(src, dim, index, input.shape, "scatter_add")


@tensor_method
def index_select(input, dim: int, index):
    """The slices of `input` at the positions `index` (a 1-d or 0-d integer tensor) along `dim`."""
    dim = normalize_dim(dim, input.ndim, "index_select")
    index = _index_argument(index, "index_select")
    if index.ndim > 1:
        raise IndexError(f"index_select: index must be a vector (1-d) or a 0-d tensor, got shape {index.shape}")
    if input.ndim == 0:
        if index.numel() != 1:
            raise IndexError(f"index_select: a 0-d input can be indexed by one position only, got {index.numel()}")
        return IndexSelect.apply(input.reshape(1), 0, index.reshape(1), "index_select").reshape(())
    return IndexSelect.apply(input, dim, index.reshape(-1), "index_select")


@tensor_method
def index_add(input, dim: int, index, source, *, alpha=1):
    """input with alpha · source's slices added at the positions `index` along `dim` (repeats accumulate);
    source has input's shape but `index`'s length along dim."""
    dim = normalize_dim(dim, input.ndim, "index_add")
    index = _index_argument(index, "index_add")
    if index.ndim > 1:
        raise IndexError(f"index_add: index must be a vector (1-d) or a 0-d tensor, got shape {index.shape}")
    if not isinstance(source, Tensor):
        raise TypeError(f"index_add: source must be a Tensor, got {type(source).__name__}")
    if input.ndim == 0:
        raise RuntimeError("index_add: input must have at least one dimension (got a 0-d tensor); reshape it to (1,)")
    expected = input.shape[:dim] + (index.numel(),) + input.shape[dim + 1:]
    if source.shape != expected:
        raise RuntimeError(f"index_add: source must have shape {expected} (input {input.shape} with dimension {dim} "
                           f"of the index's length {index.numel()}), got {source.shape}")
    if alpha != 1:
        source = source * alpha
    return input + IndexAdd.apply(source, dim, index.reshape(-1), input.shape, "index_add")
