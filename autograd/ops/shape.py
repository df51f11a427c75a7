"""Shape: reshape/view, flatten, squeeze/unsqueeze, transpose/permute/movedim, expand,
cat/stack/split/chunk, pad, clone. (Rearranging values, flip/roll/repeat/unfold/tril: `rearrange.py`.)

Views (reshape, permute, expand, ...: `is_view = True`) share memory and the version
counter with their base, so an in-place change through either is seen by backward's checks.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..function import Op
from ..tensor import Tensor
from ._util import is_integer, normalize_dim, size_args, tensor_method, tensor_methods


class Reshape(Op):
    """Same data, new shape; the gradient is reshaped back."""

    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise RuntimeError(
                f"reshape: shape {tuple(shape)} is invalid for input of shape {x.shape} ({x.size} elements)"
            ) from None

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


def _shape_args(shape, op):
    if not shape:  # as PyTorch: x.reshape() is an error, x.reshape(()) the 0-d shape
        raise TypeError(f"{op}: missing the shape argument (sizes, or a tuple of them; () for a 0-d tensor)")
    if len(shape) == 1 and isinstance(shape[0], tuple) and all(type(s) is int and s >= -1 for s in shape[0]):
        return shape[0]  # the common case, without the general checks
    return size_args(shape, op, allow_minus_one=True)


def _resolve_minus_one(shape: tuple, size: int) -> tuple:
    """Fill in one -1 so that the shape holds `size` elements (left as is when it cannot: reshape reports that)."""
    if -1 not in shape:
        return shape
    known = math.prod(s for s in shape if s != -1)
    if shape.count(-1) != 1 or known == 0 or size % known:
        return shape
    return tuple(size // known if s == -1 else s for s in shape)


@tensor_method
def reshape(input, *shape):
    """The same elements in a new shape (one dimension may be -1)."""
    shape = _resolve_minus_one(_shape_args(shape, "reshape"), input._data.size)
    if shape == input._data.shape:
        return input
    return Reshape.apply(input, shape)


class View(Reshape):
    """Same data, new shape, always sharing memory: where that is impossible without a copy (a transposed or
    strided input), an error, as PyTorch's view (a silent copy would not see later in-place changes)."""

    node_name = "View"

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        out = x.view()
        try:
            out.shape = _resolve_minus_one(tuple(shape), x.size)
        except AttributeError:
            raise RuntimeError(
                f"view: shape {tuple(shape)} is not compatible with the input's size and strides (shape {x.shape}, "
                f"strides {x.strides}: at least one dimension spans across two contiguous subspaces). Use "
                ".reshape(...) instead, which copies when it must."
            ) from None
        except ValueError:
            raise RuntimeError(
                f"view: shape {tuple(shape)} is invalid for input of shape {x.shape} ({x.size} elements)"
            ) from None
        return out


class ViewAsDtype(Op):
    """The same bytes read as another dtype (x.view(dtype)); no gradient."""

    is_view = True
    differentiable = False

    @staticmethod
    def forward(ctx, x, dtype):
        try:
            return x.view(dtype)
        except ValueError as error:
            raise RuntimeError(f"view: cannot view a tensor of shape {x.shape} and dtype {x.dtype} as {dtype}: {error}") from None


@tensor_method
def view(input, *shape):
    """reshape to `shape` (a view where numpy can make one), or view(dtype): the same bytes as another dtype."""
    if len(shape) == 1 and not isinstance(shape[0], (tuple, list)) and not isinstance(shape[0], numbers.Integral):
        return ViewAsDtype.apply(input, np.dtype(shape[0]))
    shape = _resolve_minus_one(_shape_args(shape, "view"), input._data.size)
    if shape == input._data.shape:
        return input
    return View.apply(input, shape)


tensor_methods(view_as=lambda self, other: view(self, other.shape),
               reshape_as=lambda self, other: reshape(self, other.shape))


@tensor_method
def flatten(input, start_dim: int = 0, end_dim: int = -1):
    """Merge dimensions start_dim..end_dim into one."""
    if input.ndim == 0:
        return input.reshape(1)
    start = normalize_dim(start_dim, input.ndim, "flatten")
    end = normalize_dim(end_dim, input.ndim, "flatten")
    if start > end:
        raise RuntimeError(f"flatten: start_dim ({start_dim}) cannot come after end_dim ({end_dim})")
    shape = input.shape
    return reshape(input, shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])


@tensor_method
def unflatten(input, dim: int, sizes):
    """Split dimension `dim` into `sizes` (one of them may be -1: inferred from that dimension's size)."""
    dim = normalize_dim(dim, input.ndim, "unflatten")
    sizes = size_args((sizes,), "unflatten", allow_minus_one=True)
    n = input.shape[dim] if input.ndim else 1
    known = math.prod(s for s in sizes if s != -1)
    if sizes.count(-1) > 1 or (-1 in sizes and (known == 0 or n % known)) or (-1 not in sizes and known != n):
        raise RuntimeError(f"unflatten: sizes {list(sizes)} don't multiply up to the size of dim {dim} ({n}) of the "
                           f"input of shape {input.shape} (at most one size may be -1)")
    sizes = tuple(n // known if s == -1 else s for s in sizes)
    return reshape(input, input.shape[:dim] + sizes + input.shape[dim + 1:])


@tensor_method
def squeeze(input, dim=None):
    """Drop size-1 dimensions (all, or the given ones; others are left as they are)."""
    if dim is None:
        shape = tuple(s for s in input.shape if s != 1)
    else:
        dims = {normalize_dim(d, input.ndim, "squeeze") for d in ((dim,) if isinstance(dim, int) else dim)}
        shape = tuple(s for i, s in enumerate(input.shape) if not (i in dims and s == 1))
    return reshape(input, shape)


@tensor_method
def unsqueeze(input, dim: int):
    """Insert a size-1 dimension at `dim`."""
    dim = normalize_dim(dim, input.ndim + 1, "unsqueeze")
    return reshape(input, input.shape[:dim] + (1,) + input.shape[dim:])


class Permute(Op):
    """Reorder dimensions; the gradient is permuted back by the inverse order."""

    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.permute(ctx.inverse), None


@tensor_method
def permute(input, *dims):
    """Reorder the dimensions: permute(1, 0) or permute((1, 0)); a 0-d tensor takes permute(())."""
    if not dims:
        raise TypeError("permute: missing the dims argument (one per dimension; for a 0-d tensor, permute(()))")
    dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    if len(dims) != input.ndim:
        raise RuntimeError(
            f"permute: got {len(dims)} dims {dims} for a tensor with {input.ndim} dimensions (shape {input.shape})"
        )
    dims = tuple(normalize_dim(d, input.ndim, "permute") for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError(f"permute: repeated dim in {dims}")
    if dims == tuple(range(input.ndim)):
        return input
    return Permute.apply(input, dims)


@tensor_method
def transpose(input, dim0: int, dim1: int):
    """Swap two dimensions."""
    if input.ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return input
    order = list(range(input.ndim))
    d0, d1 = normalize_dim(dim0, input.ndim, "transpose"), normalize_dim(dim1, input.ndim, "transpose")
    order[d0], order[d1] = order[d1], order[d0]
    return permute(input, order)


swapaxes = swapdims = transpose
tensor_methods(swapaxes=transpose, swapdims=transpose)


@tensor_method
def t(input):
    """Transpose of a ≤2-D tensor."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but got {input.ndim}; use transpose(dim0, dim1) or .mT")
    return transpose(input, 0, -1) if input.ndim == 2 else input


tensor_methods(T=property(lambda self: permute(self, tuple(reversed(range(self.ndim)))) if self.ndim > 1 else self))


def _matrix_transpose(self):
    """Swap the last two dimensions (used by every matmul backward, so kept short)."""
    n = self._data.ndim
    if n < 2:
        raise RuntimeError(f"mT: expected a tensor with at least 2 dimensions, got shape {self.shape}")
    return Permute.apply(self, tuple(range(n - 2)) + (n - 1, n - 2))


tensor_methods(mT=property(_matrix_transpose))


@tensor_method
def movedim(input, source, destination):
    """Move the dimension(s) `source` to the position(s) `destination`; the others keep their order."""
    single = is_integer(source) and is_integer(destination)
    source = (source,) if is_integer(source) else tuple(source)
    destination = (destination,) if is_integer(destination) else tuple(destination)
    if len(source) != len(destination):
        raise RuntimeError(f"movedim: source {list(source)} and destination {list(destination)} must name the same "
                           "number of dimensions")
    src = [normalize_dim(d, input.ndim, "movedim") for d in source]
    dst = [normalize_dim(d, input.ndim, "movedim") for d in destination]
    for name, dims, given in (("source", src, source), ("destination", dst, destination)):
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in {name} {list(given)}")
    if single and input.ndim == 0:
        return input
    order = [d for d in range(input.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order)


moveaxis = movedim
tensor_methods(moveaxis=movedim)


class Expand(Op):
    """Broadcast to a larger shape without copying; the engine sums the gradient back."""

    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


@tensor_method
def expand(input, *sizes):
    """Broadcast size-1 dimensions to `sizes` (-1 keeps a dimension)."""
    sizes = _shape_args(sizes, "expand")
    if len(sizes) < input.ndim:
        raise RuntimeError(f"expand: the number of sizes ({len(sizes)}) must be at least the tensor's dimensions ({input.ndim})")
    lead = len(sizes) - input.ndim
    shape = tuple(s if s != -1 else input.shape[i - lead] for i, s in enumerate(sizes))
    for i, s in enumerate(input.shape):
        if s != 1 and s != shape[lead + i]:
            raise RuntimeError(f"expand: the expanded size {shape[lead + i]} must match the existing size {s} "
                               f"at dimension {lead + i} (tensor shape {input.shape}, target {shape})")
    if shape == input.shape:
        return input
    return Expand.apply(input, shape)


@tensor_method
def broadcast_to(input, shape):
    return expand(input, tuple(shape))


tensor_methods(expand_as=lambda self, other: expand(self, other.shape))


def broadcast_shapes(*shapes) -> tuple:
    """The shape that tensors of these shapes broadcast to (torch.broadcast_shapes); an int is a 1-d shape."""
    from ._util import check_broadcast

    return tuple(check_broadcast("broadcast_shapes", *((s,) if is_integer(s) else tuple(s) for s in shapes)))


def broadcast_tensors(*tensors):
    shape = np.broadcast_shapes(*(t.shape for t in tensors))
    return tuple(expand(t, shape) for t in tensors)


# ----------------------------------------------------------------------------- joining and splitting
class Cat(Op):
    """Join tensors along dim; the gradient is sliced back into pieces."""

    @staticmethod
    def forward(ctx, dim, *tensors):
        ctx.dim = dim
        ctx.sizes = [t.shape[dim] for t in tensors]
        return np.concatenate(tensors, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        out, start = [None], 0
        for size in ctx.sizes:
            out.append(grad.narrow(ctx.dim, start, size))
            start += size
        return tuple(out)


def _tensor_list(tensors, op):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError(f"{op}: expected a non-empty list of tensors")
    out = []
    for t in tensors:
        out.append(t if isinstance(t, Tensor) else Tensor._from_data(t))
    return out


def cat(tensors, dim: int = 0):
    """Concatenate along an existing dimension."""
    tensors = _tensor_list(tensors, "cat")
    ndim = tensors[0].ndim
    dim = normalize_dim(dim, ndim, "cat")
    for i, t in enumerate(tensors):
        if t.ndim != ndim or any(a != b for j, (a, b) in enumerate(zip(t.shape, tensors[0].shape)) if j != dim):
            raise RuntimeError(
                f"cat: sizes of tensors must match except in dimension {dim}: tensor 0 has shape "
                f"{tensors[0].shape}, tensor {i} has shape {t.shape}"
            )
    return Cat.apply(dim, *tensors)


concat = concatenate = cat


def stack(tensors, dim: int = 0):
    """Join along a new dimension."""
    tensors = _tensor_list(tensors, "stack")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {tensors[0].shape} at entry 0 and {t.shape} at entry {i}"
            )
    dim = normalize_dim(dim, tensors[0].ndim + 1, "stack")
    return cat([t.unsqueeze(dim) for t in tensors], dim)


def hstack(tensors):
    tensors = _tensor_list(tensors, "hstack")
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([t if t.ndim > 1 else t.reshape(1, -1) for t in _tensor_list(tensors, "vstack")], 0)


@tensor_method
def split(input, split_size_or_sections, dim: int = 0):
    """Pieces of the given size (the last may be smaller) or of the listed sizes, as views. As PyTorch, a
    dimension of size 0 gives one (empty) piece, and a split size of 0 is allowed only then."""
    if input.ndim == 0:
        raise RuntimeError("split: expects at least a 1-dimensional tensor, got a 0-d tensor")
    dim = normalize_dim(dim, input.ndim, "split")
    n = input.shape[dim]
    if is_integer(split_size_or_sections):
        size = int(split_size_or_sections)
        if size < 0:
            raise RuntimeError(f"split: split_size must be non-negative, got {size}")
        if size == 0 and n:
            raise RuntimeError(f"split: split_size can only be 0 if dimension {dim} has size 0, but it has size {n}")
        sizes = [min(size, n - s) for s in range(0, n, size)] if size and n else [n]
    else:
        sizes = list(size_args((tuple(split_size_or_sections),), "split"))
        if sum(sizes) != n:
            raise RuntimeError(f"split: sizes {sizes} must sum exactly to {n}, the size of dimension {dim} of the "
                               f"input of shape {input.shape}")
    out, start = [], 0
    for size in sizes:
        out.append(input.narrow(dim, start, size))
        start += size
    return tuple(out)


@tensor_method
def chunk(input, chunks: int, dim: int = 0):
    """`chunks` pieces of equal size (the last may be smaller; fewer pieces if the size does not allow
    more), as PyTorch: ceil(size / chunks) each; a dimension of size 0 gives `chunks` empty pieces."""
    if not is_integer(chunks):
        raise TypeError(f"chunk: chunks must be an int, got {chunks!r}")
    if input.ndim == 0:
        raise RuntimeError("chunk: expects at least a 1-dimensional tensor, got a 0-d tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk: chunks must be greater than 0, got {chunks}")
    dim = normalize_dim(dim, input.ndim, "chunk")
    n = input.shape[dim]
    if n == 0:
        return split(input, [0] * chunks, dim)
    return split(input, -(-n // chunks), dim)


@tensor_method
def unbind(input, dim: int = 0):
    dim = normalize_dim(dim, input.ndim, "unbind")
    return tuple(input.select(dim, i) for i in range(input.shape[dim]))


class Pad(Op):
    """Constant padding, (left, right) pairs from the last dimension backwards as torch's pad."""

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.slices = tuple(slice(before, before + s) for (before, _), s in zip(widths, x.shape))
        return np.pad(x, widths, mode="constant", constant_values=value)

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.slices], None, None


def pad(input, pad, mode: str = "constant", value: float = 0.0):
    """Pad the last len(pad)//2 dimensions; `pad` = (last_left, last_right, prev_left, ...). A negative
    width crops instead, as PyTorch (an error if more is cropped than there is)."""
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not supported; only 'constant'")
    if not all(is_integer(p) for p in pad):
        raise TypeError(f"pad: widths must be ints, got {tuple(pad)!r}")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise ValueError(f"pad: padding length {len(pad)} must be even and at most 2 × the tensor's dimensions ({input.ndim})")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
    if any(before < 0 or after < 0 for before, after in widths):  # crop first, then pad what is positive
        index = []
        for d, ((before, after), n) in enumerate(zip(widths, input.shape)):
            start, stop = max(-before, 0), n - max(-after, 0)
            if stop < start:
                raise RuntimeError(f"pad: padding {tuple(pad)} crops {start + n - stop} elements from dimension {d}, "
                                   f"which has only {n}")
            index.append(slice(start, stop))
        input = input[tuple(index)]
        widths = [(max(before, 0), max(after, 0)) for before, after in widths]
    return Pad.apply(input, tuple(widths), value)


class Clone(Op):
    """A copy with its own memory; the gradient passes through."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


@tensor_method
def clone(input):
    return Clone.apply(input)


class Connected(Op):
    """A copy of x that also depends on `others`, with derivative 0. PyTorch computes several gradients in
    one fused backward node (convolution_backward, native_layer_norm_backward, ...), so each of them is
    connected to all that node's inputs and has zero second derivatives there rather than none; a
    backward written as a composition uses this where such a gradient would otherwise be a constant."""

    @staticmethod
    def forward(ctx, x, *others):
        ctx.shapes = tuple((o.shape, o.dtype) for o in others)
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        from ..creation import zeros

        return (grad,) + tuple(zeros(shape, dtype=dtype) if need else None
                               for (shape, dtype), need in zip(ctx.shapes, ctx.needs_input_grad[1:]))


@tensor_method
def contiguous(input, memory_format=None):
    """input itself when its memory is C-contiguous, else a C-contiguous copy, as PyTorch (so that `view` works
    after it). `memory_format` is accepted for PyTorch code and changes nothing: arrays here are C-ordered."""
    return input if input._data.flags.c_contiguous else Clone.apply(input)
