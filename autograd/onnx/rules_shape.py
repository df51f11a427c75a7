"""Export rules for shape and indexing ops: reshape/view, permute, expand, repeat, flip, roll, unfold, cat, pad,
clone, tril/triu, basic and advanced indexing, setitem, gather/scatter/scatter_add, index_select/index_add, fill
and in-place writes.

Sizes that depend on a dynamic axis arrive as SymInts and are built from the inputs' shapes
(a reshape with one such size uses -1 instead, which needs no Shape op). Indexing follows
numpy's rules exactly: basic indices become one Slice (ints as length-1 slices, then Squeeze)
and Unsqueeze for None; integer-array indices become Gather (one array) or GatherND (several),
with the result's dimensions placed where numpy places them.
"""
from __future__ import annotations

import numpy as np

from ..ops import gather_scatter as SC
from ..ops import indexing as I
from ..ops import inplace as W
from ..ops import rearrange as RA
from ..ops import shape as S
from .builder import INT64
from .registry import register
from .symbolic import SymInt
from .trace import Ref

INT64_MAX, INT64_MIN = np.iinfo(np.int64).max, np.iinfo(np.int64).min


@register(S.Reshape)
def _reshape(g, node):
    x, shape = node.args[0], list(node.args[1])
    symbolic = [i for i, d in enumerate(shape) if isinstance(d, SymInt)]
    if any(d == 0 for d in shape if not isinstance(d, SymInt)):
        return g.op("Reshape", [g.value(x), g.shape(shape)], allowzero=1)  # 0 is a size here, not "copy"
    if len(symbolic) == 1:
        shape[symbolic[0]] = -1  # the one size that follows a dynamic axis is inferred: no Shape op needed
    return g.op("Reshape", [g.value(x), g.shape(shape)])


register(S.View)(_reshape)


@register(S.Connected)
def _connected(g, node):
    """A copy of x (the other arguments only connect gradients)."""
    return g.op("Identity", [g.value(node.args[0])])


@register(W.Fill)
def _fill(g, node):
    x, value = node.args[:2]
    info = g.info(x)
    return g.op("Expand", [g.scalar(g.static(value, "the fill value"), info.dtype), g.shape(info.shape)])


@register(RA.Roll)
def _roll(g, node):
    """Each (shift, dim) as the last k = shift mod size entries followed by the rest (k from the shape when the
    dimension is dynamic)."""
    x, shifts, dims = node.args[:3]
    name = g.value(x)
    shape = g.info(x).shape
    for shift, dim in zip(shifts, dims):
        shift = g.static(shift, "a roll shift")
        dim = int(dim) % len(shape)
        size = shape[dim]
        if isinstance(size, SymInt):
            k = g.op("Mod", [g.ints([shift]), g.sym(size)], fmod=0)
            start = g.op("Neg", [k])
            tail = g.op("Slice", [name, start, g.ints([INT64_MAX]), g.ints([dim])])
            head = g.op("Slice", [name, g.ints([0]), start, g.ints([dim])])
        else:
            k = shift % size if size else 0
            if k == 0:
                continue
            tail, head = g.slice(name, [-k], [INT64_MAX], [dim]), g.slice(name, [0], [-k], [dim])
        name = g.op("Concat", [tail, head], axis=dim)
    return name if name is not g.value(x) else g.op("Identity", [name])


@register(RA.Unfold)
def _unfold(g, node):
    """Windows of `size`, `step` apart, along dim: Gather with the (count, size) positions i·step + j, then the
    window axis moved last."""
    x, dim, size, step = node.args[:4]
    shape = g.info(x).shape
    dim, size, step = int(dim), int(g.static(size, "the window size")), int(g.static(step, "the window step"))
    length = shape[dim]
    if isinstance(length, SymInt):
        count = g.op("Add", [g.op("Div", [g.op("Sub", [g.sym(length), g.ints([size])]), g.ints([step])]), g.ints([1])])
        starts = g.op("Range", [g.scalar(0, INT64), g.squeeze(count, [0]), g.scalar(1, INT64)])
        starts = g.op("Mul", [starts, g.scalar(step, INT64)])
        positions = g.op("Add", [g.unsqueeze(starts, [1]), g.const(np.arange(size, dtype=np.int64)[None, :])])
    else:
        count = (int(length) - size) // step + 1
        positions = g.const((np.arange(count, dtype=np.int64)[:, None] * step + np.arange(size, dtype=np.int64)))
    windows = g.op("Gather", [g.value(x), positions], axis=dim)  # (..., count, size, ...)
    rank = len(shape) + 1
    perm = [d for d in range(rank) if d != dim + 1] + [dim + 1]
    return windows if perm == list(range(rank)) else g.op("Transpose", [windows], perm=perm)


@register(S.Permute)
def _permute(g, node):
    return g.op("Transpose", [g.value(node.args[0])], perm=[int(d) for d in node.args[1]])


@register(S.Expand)
def _expand(g, node):
    return g.op("Expand", [g.value(node.args[0]), g.shape(node.args[1])])


@register(RA.Repeat)
def _repeat(g, node):
    x, repeats = node.args[:2]
    name, lead = g.value(x), len(repeats) - len(g.info(x).shape)
    if lead:
        name = g.unsqueeze(name, list(range(lead)))
    return g.op("Tile", [name, g.shape(repeats)])


@register(RA.Flip)
def _flip(g, node):
    dims = [int(d) for d in node.args[1]]
    return g.slice(g.value(node.args[0]), [-1] * len(dims), [INT64_MIN] * len(dims), dims, [-1] * len(dims))


@register(S.Cat)
def _cat(g, node):
    dtype = node.out().dtype
    return g.op("Concat", [g.operand(t, dtype) for t in node.args[1:]], axis=int(node.args[0]))


@register(S.Pad)
def _pad(g, node):
    x, widths, value = node.args[:3]
    dtype = g.info(x).dtype
    pads = [w[0] for w in widths] + [w[1] for w in widths]
    return g.op("Pad", [g.value(x), g.shape(pads), g.scalar(value, dtype)], mode="constant")


@register(S.Clone)
def _clone(g, node):
    return g.op("Identity", [g.value(node.args[0])])


@register(RA.Triangle)
def _triangle(g, node):
    if g.opset < 14:
        g.fail(f"tril/triu needs ONNX opset 14 or later (Trilu); asked for {g.opset}")
    x, diagonal, lower = node.args[:3]
    return g.op("Trilu", [g.value(x), g.scalar(diagonal, INT64)], upper=0 if lower else 1)


# --------------------------------------------------------------------------- indexing
def _items(index, ndim: int) -> list:
    """The index as a list with Ellipsis expanded and trailing full slices, one entry per input dim (plus Nones)."""
    items = list(index) if isinstance(index, tuple) else [index]
    consumed = sum(0 if i is None or i is Ellipsis else 1 for i in items)
    if Ellipsis in items:
        at = items.index(Ellipsis)
        items[at:at + 1] = [slice(None)] * (ndim - consumed)
    else:
        items += [slice(None)] * (ndim - consumed)
    return items


def _plus_one(value):
    if isinstance(value, SymInt):
        terms = dict(value.terms)
        terms[frozenset()] = terms.get(frozenset(), 0) + 1
        return SymInt(terms)
    return value + 1


def _basic(g, name: str, items: list, shape: tuple) -> str:
    """Apply ints, slices and Nones (numpy's basic indexing) to the value `name` of the given shape."""
    starts, ends, axes, steps, squeeze, new_axes = [], [], [], [], [], []
    dim = out_dim = 0
    for item in items:
        if item is None:
            new_axes.append(out_dim)
            out_dim += 1
            continue
        if isinstance(item, slice):
            step = 1 if item.step is None else g.static(item.step, "a slice step")
            start = item.start if item.start is not None else (0 if step > 0 else INT64_MAX)
            stop = item.stop if item.stop is not None else (INT64_MAX if step > 0 else INT64_MIN)
            if not (step == 1 and start == 0 and stop == INT64_MAX):
                starts.append(start), ends.append(stop), axes.append(dim), steps.append(step)
            out_dim += 1
        else:  # an int: a length-1 slice, squeezed afterwards
            starts.append(item), ends.append(INT64_MAX if not isinstance(item, SymInt) and item == -1 else _plus_one(item))
            axes.append(dim), steps.append(1)
            squeeze.append(dim)
        dim += 1
    out = name
    if axes:
        out = g.slice(out, starts, ends, axes, steps if any(s != 1 for s in steps) else None)
    if squeeze:
        out = g.squeeze(out, squeeze)
    if new_axes:
        out = g.unsqueeze(out, new_axes)
    return out if out is not name else g.op("Identity", [name])


@register(I.GetItem)
def _getitem(g, node):
    x, index = node.args[:2]
    shape = g.info(x).shape
    return _basic(g, g.value(x), _items(index, len(shape)), shape)


@register(I.Index)
def _index(g, node):
    """Advanced indexing: integer (or constant bool) arrays, with slices and ints among them, as numpy."""
    x, key, *arrays = node.args
    index = I._join_index(key, arrays)
    shape = g.info(x).shape
    items = []
    for item in _items(index, len(shape) - _extra_bool_dims(g, index)):
        if isinstance(item, Ref) and g.info(item).dtype == bool:
            info = g.info(item)
            if not info.static:
                g.fail("boolean-mask indexing with a mask computed from the inputs gives a result whose size depends "
                       "on the values, which ONNX export cannot fix in advance; use torch.where / masked_fill instead")
            items.extend(("const", a) for a in np.nonzero(info.array))
        elif isinstance(item, (Ref, np.ndarray)):
            items.append(item)
        else:
            items.append(item)
    if any(i is None for i in items):
        g.fail("indexing that mixes None (new axes) with integer arrays is not exported; unsqueeze separately")
    advanced = [d for d, i in enumerate(items) if _is_array_item(i)]
    # ints among arrays are advanced indices too (numpy broadcasts them as 0-d arrays)
    advanced = [d for d, i in enumerate(items) if _is_array_item(i) or (advanced and _is_int(i))]
    basic_items = [slice(None) if d in advanced else i for d, i in enumerate(items)]
    name = _basic(g, g.value(x), basic_items, shape)
    indices = [_index_operand(g, items[d]) for d in advanced]
    if len(advanced) == 1 and not _is_int(items[advanced[0]]):
        return g.op("Gather", [name, indices[0]], axis=advanced[0])
    broadcast = _broadcast_shape(g, [items[d] for d in advanced])
    target = g.shape(broadcast)
    stacked = g.op("Concat", [g.unsqueeze(g.op("Expand", [i, target]), [-1]) for i in indices], axis=-1)
    rest = [d for d in range(len(items)) if d not in advanced]
    moved = g.op("Transpose", [name], perm=advanced + rest) if advanced != list(range(len(advanced))) else name
    out = g.op("GatherND", [moved, stacked])
    contiguous = advanced == list(range(advanced[0], advanced[0] + len(advanced)))
    if contiguous and advanced[0] > 0:  # numpy keeps the result's index dims where the indexed dims were
        k, before = len(broadcast), advanced[0]
        perm = list(range(k, k + before)) + list(range(k)) + list(range(k + before, k + len(rest)))
        out = g.op("Transpose", [out], perm=perm)
    return out


def _extra_bool_dims(g, index) -> int:
    items = list(index) if isinstance(index, tuple) else [index]
    return sum(len(g.info(i).shape) - 1 for i in items if isinstance(i, Ref) and g.info(i).dtype == bool)


def _is_int(item) -> bool:
    return isinstance(item, (int, np.integer, SymInt)) and not isinstance(item, bool)


def _is_array_item(item) -> bool:
    return isinstance(item, (Ref, np.ndarray)) or (isinstance(item, tuple) and item[:1] == ("const",))


def _index_operand(g, item) -> str:
    if isinstance(item, Ref):
        return g.operand(item, INT64)
    if isinstance(item, tuple):
        return g.const(item[1].astype(np.int64))
    if isinstance(item, np.ndarray):
        return g.const(item.astype(np.int64))
    return g.scalar(item, INT64) if not isinstance(item, SymInt) else g.squeeze(g.sym(item), [0])


def _broadcast_shape(g, items) -> tuple:
    shapes = []
    for item in items:
        if isinstance(item, Ref):
            shapes.append(g.info(item).shape)
        elif isinstance(item, tuple):
            shapes.append(item[1].shape)
        elif isinstance(item, np.ndarray):
            shapes.append(item.shape)
        else:
            shapes.append(())  # an int is a 0-d index
    rank = max((len(s) for s in shapes), default=0)
    out = []
    for d in range(rank):
        sizes = [s[d - rank + len(s)] for s in shapes if d - rank + len(s) >= 0]
        symbolic = [s for s in sizes if isinstance(s, SymInt)]
        out.append(symbolic[0] if symbolic else max(sizes))
    return tuple(out)


@register(I.SetItem)
def _setitem(g, node):
    """A copy of x with x[index] = value, as ScatterND at the flat positions numpy's own indexing selects."""
    x, _, value = node.args[:3]
    info = g.info(x)
    dtype = node.out().dtype
    shape = g.static(info.shape, "the shape of a tensor assigned into")
    concrete = _concrete_index(g, I._join_index(node.base_args[1], node.base_args[3:]))
    positions = np.arange(int(np.prod(shape, dtype=np.int64))).reshape(shape)[concrete]
    flat = positions.reshape(-1)
    order = np.arange(flat.size)
    last = np.unique(flat[::-1], return_index=True)[1]  # numpy keeps the last write to a repeated position
    keep = np.sort(flat.size - 1 - last)
    updates = g.op("Expand", [g.operand(value, dtype), g.ints(positions.shape)])
    updates = g.op("Reshape", [updates, g.ints([-1])])
    if keep.size != order.size:
        updates = g.op("Gather", [updates, g.const(keep.astype(np.int64))], axis=0)
    data = g.op("Reshape", [g.cast(g.value(x), info.dtype, dtype), g.ints([-1])])
    scattered = g.op("ScatterND", [data, g.const(flat[keep].astype(np.int64)[:, None]), updates])
    return g.op("Reshape", [scattered, g.ints(shape)])


def _concrete_index(g, index):
    """The base-trace index with constant arrays in place of their Refs (a traced array index is refused)."""
    if isinstance(index, tuple):
        return tuple(_concrete_index(g, i) for i in index)
    if isinstance(index, Ref):
        info = g.info(index)
        if not info.static:
            g.fail("assigning at indices computed from the inputs is not exported; use torch.where / scatter instead")
        return info.array
    return index


def _region(g, name: str, shape, target, dim=None) -> str:
    """`name` (of `shape`) cut to the first target[d] entries of every dimension d but `dim` (where an index of
    shape `target` reaches, as the scatter ops' _region)."""
    cut = [d for d, (s, t) in enumerate(zip(shape, target)) if d != dim and not _same_size(s, t)]
    if not cut:
        return name
    return g.slice(name, [0] * len(cut), [target[d] for d in cut], cut)


def _same_size(a, b) -> bool:
    if isinstance(a, SymInt) or isinstance(b, SymInt):
        return a == b
    return int(a) == int(b)


@register(SC.Gather)
def _gather(g, node):
    """GatherElements on x cut to the index's extent in the other dimensions (negative indices, allowed when the
    op wraps them, count from the end in GatherElements too)."""
    x, dim, index = node.args[:3]
    x_shape, index_shape = g.info(x).shape, g.info(index).shape
    data = _region(g, g.value(x), x_shape, index_shape, dim)
    return g.op("GatherElements", [data, g.operand(index, INT64)], axis=int(dim))


def _zeros(g, shape, dtype) -> str:
    return g.op("Expand", [g.scalar(0, dtype), g.shape(shape)])


def _scatter_elements(g, data, index, updates, dim, add: bool) -> str:
    if add and g.opset < 16:
        g.fail(f"adding at positions (scatter_add / index_add) needs ONNX opset 16 or later (ScatterElements with "
               f"reduction='add'); asked for {g.opset}")
    return g.op("ScatterElements", [data, index, updates], axis=int(dim), reduction="add" if add else None)


@register(SC.Scatter)
def _scatter(g, node):
    """A copy of x with src (its index-shaped part, or a number) written at the index's positions along dim; of
    repeated positions the last write wins, as onnxruntime applies the updates in order."""
    x, dim, index, src = node.args[:4]
    dtype = g.info(x).dtype
    index_shape = g.info(index).shape
    if isinstance(src, Ref):
        updates = _region(g, g.operand(src, dtype), g.info(src).shape, index_shape)
    else:
        updates = g.op("Expand", [g.scalar(g.static(src, "the value scattered"), dtype), g.shape(index_shape)])
    return _scatter_elements(g, g.value(x), g.operand(index, INT64), updates, dim, False)


@register(SC.ScatterAdd)
def _scatter_add(g, node):
    """Zeros of `shape` with src's index-shaped part added at the index's positions along dim."""
    src, dim, index, shape = node.args[:4]
    dtype = node.out().dtype
    updates = _region(g, g.value(src), g.info(src).shape, g.info(index).shape)
    return _scatter_elements(g, _zeros(g, shape, dtype), g.operand(index, INT64), updates, dim, True)


@register(SC.IndexSelect)
def _index_select(g, node):
    x, dim, index = node.args[:3]
    return g.op("Gather", [g.value(x), g.operand(index, INT64)], axis=int(dim))


@register(SC.IndexAdd)
def _index_add(g, node):
    """Zeros of `shape` with src's slices added at the positions `index` along dim: ScatterElements (add) with the
    index broadcast over src's other dimensions."""
    src, dim, index, shape = node.args[:4]
    dtype = node.out().dtype
    rank = len(shape)
    positions = g.op("Reshape", [g.operand(index, INT64), g.ints([1] * dim + [-1] + [1] * (rank - dim - 1))])
    positions = g.op("Expand", [positions, g.shape_of(g.value(src))])
    return _scatter_elements(g, _zeros(g, shape, dtype), positions, g.value(src), dim, True)


@register(W.Assign)
def _assign(g, node):
    """The written tensor's new value: the source broadcast to its shape and cast to its dtype (or added into it)."""
    dst, src, accumulate = node.args[:3]
    info = g.info(dst)
    if dst.kind == "param":
        g.fail(f"the model writes into its parameter or buffer {dst.key!r} during forward (a running statistic in "
               "training mode?); export the model in eval mode, or keep such updates out of forward")
    if accumulate:
        return g.op("Add", [g.value(dst), g.operand(src, info.dtype)])
    return g.op("Expand", [g.operand(src, info.dtype), g.shape(info.shape)])
