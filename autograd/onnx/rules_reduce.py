"""Export rules for reductions (sum, mean, prod, amax/amin, max/min with indices, argmax/argmin, all/any,
count_nonzero, logsumexp, norm, var/std), softmax/log_softmax, cumsum, sorting and topk, matmul, einsum and cdist.

Ties are broken as in the trace: ArgMax/ArgMin keep the first index (numpy's), TopK orders equal
values by index (a stable sort, both ascending and descending).
"""
from __future__ import annotations

import math

import numpy as np

from ..ops import linalg as L
from ..ops import norms as N
from ..ops import reductions as R
from ..ops import sorting as S
from .builder import INT64
from .registry import register
from .symbolic import SymInt

BOOL = np.dtype(bool)


def _reduce_rule(onnx_op: str):
    def rule(g, node):
        x, dims, keepdim = node.args[:3]
        info, dtype = g.info(x), node.out().dtype
        name = g.operand(x, dtype)
        if not info.shape:  # a 0-d input: nothing to reduce
            return g.op("Identity", [name])
        return g.reduce(onnx_op, name, list(dims), keepdim)
    rule.__name__ = f"_{onnx_op.lower()}"
    return rule


register(R.Sum)(_reduce_rule("ReduceSum"))
register(R.Mean)(_reduce_rule("ReduceMean"))
register(R.Amax)(_reduce_rule("ReduceMax"))
register(R.Amin)(_reduce_rule("ReduceMin"))


@register(N.Norm)
def _norm(g, node):
    """ReduceL2 / ReduceL1 for p = 2 / 1, the largest or smallest |x| for ±inf, (Σ|x|^p)^(1/p) otherwise."""
    x, p, dims, keepdim = node.args[:4]
    dtype = node.out().dtype
    name = g.operand(x, dtype)
    axes = list(dims) if g.info(x).shape else None  # a 0-d input: reduce nothing, so |x| (1 or 0 for p = 0)
    if p == 2:
        return g.reduce("ReduceL2", name, axes, keepdim)
    size = g.op("Abs", [name])
    if p == 1:
        return g.reduce("ReduceSum", size, axes, keepdim)
    if p in (float("inf"), float("-inf")):
        return g.reduce("ReduceMax" if p > 0 else "ReduceMin", size, axes, keepdim)
    if p == 0:
        nonzero = g.cast(g.op("Not", [g.op("Equal", [size, g.scalar(0, dtype)])]), bool, dtype)
        return g.reduce("ReduceSum", nonzero, axes, keepdim)
    total = g.reduce("ReduceSum", g.op("Pow", [size, g.scalar(p, dtype)]), axes, keepdim)
    return g.op("Pow", [total, g.scalar(1.0 / p, dtype)])


@register(R.Prod)
def _prod(g, node):
    x, dim, keepdim = node.args[:3]
    name = g.operand(x, node.out().dtype)
    if not g.info(x).shape:
        return g.op("Identity", [name])
    return g.reduce("ReduceProd", name, None if dim is None else [dim], keepdim)


@register(R.MaxDim)
def _max_dim(g, node):
    x, dim, keepdim, largest = node.args[:4]
    name = g.value(x)
    values = g.reduce("ReduceMax" if largest else "ReduceMin", name, [dim], keepdim)
    indices = g.op("ArgMax" if largest else "ArgMin", [name], axis=int(dim), keepdims=int(bool(keepdim)),
                   select_last_index=0)
    return values, indices


@register(R.ArgExtreme)
def _arg_extreme(g, node):
    x, dim, keepdim, largest = node.args[:4]
    onnx_op = "ArgMax" if largest else "ArgMin"
    ndim = len(g.info(x).shape)
    if dim is None:
        flat = g.op("Reshape", [g.value(x), g.ints([-1])])
        index = g.op(onnx_op, [flat], axis=0, keepdims=0, select_last_index=0)
        return g.op("Reshape", [index, g.ints([1] * ndim)]) if keepdim else index
    return g.op(onnx_op, [g.value(x)], axis=int(dim), keepdims=int(bool(keepdim)), select_last_index=0)


@register(R.Truth)
def _truth(g, node):
    """all: the minimum of the values as 0/1; any: the maximum."""
    x, dims, keepdim, every = node.args[:4]
    as_int = g.cast(g.operand(x, BOOL), BOOL, np.int32)
    if not g.info(x).shape:
        return g.cast(as_int, np.int32, BOOL)
    reduced = g.reduce("ReduceMin" if every else "ReduceMax", as_int, None if dims is None else list(dims), keepdim)
    return g.cast(reduced, np.int32, BOOL)


@register(R.CountNonzero)
def _count_nonzero(g, node):
    x, dims = node.args[:2]
    counts = g.cast(g.operand(x, BOOL), BOOL, INT64)
    if not g.info(x).shape:
        return g.op("Identity", [counts])
    return g.reduce("ReduceSum", counts, None if dims is None else list(dims), False)


@register(R.LogSumExp)
def _logsumexp(g, node):
    """log Σ exp(x − m) + m with m the max (0 where the max is infinite), as the op computes it."""
    x, dims, keepdim = node.args[:3]
    dtype = node.out().dtype
    name = g.operand(x, dtype)
    if not g.info(x).shape:
        return g.op("Identity", [name])
    dims = list(dims)
    shift = g.reduce("ReduceMax", name, dims, True)
    shift = g.op("Where", [g.op("IsInf", [shift]), g.scalar(0, dtype), shift])
    total = g.reduce("ReduceSum", g.op("Exp", [g.op("Sub", [name, shift])]), dims, True)
    out = g.op("Add", [g.op("Log", [total]), shift])
    return out if keepdim else g.squeeze(out, dims)


@register(R.Softmax)
def _softmax(g, node):
    return g.op("Softmax", [g.value(node.args[0])], axis=int(node.args[1]))


@register(R.LogSoftmax)
def _log_softmax(g, node):
    return g.op("LogSoftmax", [g.value(node.args[0])], axis=int(node.args[1]))


@register(R.Cumsum)
def _cumsum(g, node):
    x, dim = node.args[:2]
    return g.op("CumSum", [g.operand(x, node.out().dtype), g.scalar(int(dim), INT64)])


@register(S.Argsort)
def _argsort(g, node):
    """The stable order as TopK over the whole dimension (equal values keep their index order)."""
    x, dim, descending = node.args[:3]
    size = g.info(x).shape[dim]
    _, indices = g.op("TopK", [g.value(x), g.sym(size)], outputs=2, axis=int(dim), largest=int(bool(descending)),
                      sorted=1)
    return indices


@register(L.Matmul)
def _matmul(g, node):
    dtype = node.out().dtype
    return g.op("MatMul", [g.operand(a, dtype) for a in node.args[:2]])


@register(L.Einsum)
def _einsum(g, node):
    """The equation with its subscripts made explicit by the op (no '...', the output given)."""
    equation = ",".join(node.ctx["inputs"]) + "->" + node.ctx["output"]
    dtype = node.out().dtype
    return g.op("Einsum", [g.operand(a, dtype) for a in node.args[1:]], equation=equation)


@register(R.ExtremeAll)
def _extreme_all(g, node):
    """max() / min() of every element: a 0-d result."""
    x, largest = node.args[:2]
    name = g.value(x)
    if not g.info(x).shape:
        return g.op("Identity", [name])
    return g.reduce("ReduceMax" if largest else "ReduceMin", name, None, False)


def _variance(g, node):
    """Σ (x − mean)² over dims / max(N − correction, 0), as the op (N built from the inputs' shapes when some
    reduced dimension is dynamic)."""
    x, dims, keepdim, correction = node.args[:4]
    info, dtype = g.info(x), node.out().dtype
    name = g.operand(x, dtype)
    dims = [int(d) for d in dims]
    if not dims:  # nothing reduced: each element is its own mean
        centred = g.op("Sub", [name, name])
        return g.op("Div", [g.op("Mul", [centred, centred]), g.scalar(max(1 - correction, 0), dtype)])
    sizes = [info.shape[d] for d in dims]
    static = math.prod(s for s in sizes if not isinstance(s, SymInt))
    dynamic = [s for s in sizes if isinstance(s, SymInt)]
    if dynamic:
        product = g.ints([static])
        for size in dynamic:
            product = g.op("Mul", [product, g.sym(size)])
        count = g.cast(g.squeeze(product, [0]), INT64, dtype)
        dof = g.op("Max", [g.op("Sub", [count, g.scalar(correction, dtype)]), g.scalar(0, dtype)])
    else:
        count, dof = g.scalar(static, dtype), g.scalar(max(static - correction, 0), dtype)
    mean = g.op("Div", [g.reduce("ReduceSum", name, dims, True), count])
    centred = g.op("Sub", [name, mean])
    total = g.reduce("ReduceSum", g.op("Mul", [centred, centred]), dims, keepdim)
    return g.op("Div", [total, dof])


@register(R.Var)
def _var(g, node):
    return _variance(g, node)


@register(R.Std)
def _std(g, node):
    return g.op("Sqrt", [_variance(g, node)])


@register(L.Cdist)
def _cdist(g, node):
    """|x1[..., :, None, :] − x2[..., None, :, :]| reduced over the last axis by the p-norm, as the op."""
    x1, x2, p = node.args[:3]
    dtype = node.out().dtype
    p = float(g.static(p, "p"))
    diff = g.op("Abs", [g.op("Sub", [g.unsqueeze(g.operand(x1, dtype), [-2]), g.unsqueeze(g.operand(x2, dtype), [-3])])])
    if p == 0:
        nonzero = g.op("Min", [g.op("Ceil", [diff]), g.scalar(1, dtype)])
        return g.reduce("ReduceSum", nonzero, [-1], False)
    if p == 1:
        return g.reduce("ReduceSum", diff, [-1], False)
    if p == 2:
        return g.op("Sqrt", [g.reduce("ReduceSum", g.op("Mul", [diff, diff]), [-1], False)])
    if math.isinf(p):  # the largest component; between rows of no components 0 (numpy's initial=0), a sum here
        empty = g.info(x1).shape[-1] == 0
        return g.reduce("ReduceSum" if empty else "ReduceMax", diff, [-1], False)
    total = g.reduce("ReduceSum", g.op("Pow", [diff, g.scalar(p, dtype)]), [-1], False)
    return g.op("Pow", [total, g.scalar(1.0 / p, dtype)])


@register(S.TopkIndex)
def _topk_index(g, node):
    """TopK's indices, sorted. Among equal values ONNX puts the lower index first, where the op follows PyTorch's
    (unstable) selection order: with ties the indices may differ (the values they select do not)."""
    x, k, dim, largest = node.args[:4]
    _, indices = g.op("TopK", [g.value(x), g.sym(k)], outputs=2, axis=int(dim), largest=int(bool(largest)), sorted=1)
    return indices
