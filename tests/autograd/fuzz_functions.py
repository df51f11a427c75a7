"""The functions the differential fuzz runs against PyTorch: every exposed op and Tensor method (the
nn.functional ones are in fuzz_nn_functions.py), each with its argument domains, shapes, keywords and
kink points.

Calls are written once for both libraries: `m.lib` is `autograd` or `torch`, `m.F` the
functional module; keyword values that are numpy arrays become each library's tensors.
"""
from __future__ import annotations

import math

import numpy as np
from torch_fuzz import Fn


# --------------------------------------------------------------------------- keyword helpers
def _dim(rng, shape, allow_none=False):
    """A single dim for `shape` (sometimes negative; 0 for a 0-d tensor), or None."""
    if allow_none and rng.random() < 0.25:
        return None
    n = max(len(shape), 1)
    return int(rng.integers(-n, n))


def _dims(rng, shape):
    """None, an int, a negative int or a tuple of distinct dims."""
    if not shape or rng.random() < 0.25:
        return None
    if rng.random() < 0.5:
        return _dim(rng, shape)
    k = int(rng.integers(1, len(shape) + 1))
    return tuple(int(d) - len(shape) * int(rng.integers(0, 2)) for d in rng.choice(len(shape), k, replace=False))


def _keep(rng):
    return bool(rng.random() < 0.5)


def dim_kw(allow_none=False, keepdim=True):
    def kwargs(rng, shapes):
        out = {"dim": _dim(rng, shapes[0], allow_none)}
        if keepdim:
            out["keepdim"] = _keep(rng)
        return out
    return kwargs


def dims_kw(rng, shapes):
    return {"dim": _dims(rng, shapes[0]), "keepdim": _keep(rng)}


def _pick(rng, options):
    return options[int(rng.integers(0, len(options)))]


# --------------------------------------------------------------------------- builders
def unary(name, call=None, domain="real", **kw):
    return Fn(name, call or (lambda m, x: getattr(x, name)()), (domain,), **kw)


def binary(name, call, a="real", b="real", **kw):
    return Fn(name, call, (a, b), shapes=kw.pop("shapes", "broadcast"), **kw)


def _matmul_shapes(kind):
    def draw_shapes(draw):
        from hypothesis import strategies as st

        n, k, m_, b = (draw(st.integers(0, 3)) for _ in range(4))
        return {"1d@1d": [(k,), (k,)], "2d@1d": [(n, k), (k,)], "1d@2d": [(k,), (k, m_)], "2d@2d": [(n, k), (k, m_)],
                "batched": [(b, n, k), (b, k, m_)], "broadcast": [(1, n, k), (b, k, m_)],
                "batched@1d": [(2, b, n, k), (k,)], "1d@batched": [(k,), (b, k, m_)]}[kind]
    return draw_shapes


def _fixed(*shapes):
    return lambda draw: list(shapes)


# --------------------------------------------------------------------------- the functions
ARITHMETIC = [
    binary("add", lambda m, a, b: a + b),
    binary("add(alpha)", lambda m, a, b: m.lib.add(a, b, alpha=-1.5)),
    binary("sub", lambda m, a, b: a - b),
    binary("mul", lambda m, a, b: a * b),
    binary("div", lambda m, a, b: a / b),
    binary("div(floor)", lambda m, a, b: m.lib.div(a, b, rounding_mode="floor")),
    binary("div(trunc)", lambda m, a, b: m.lib.div(a, b, rounding_mode="trunc")),
    binary("pow", lambda m, a, b: a ** b),
    binary("pow(nonneg base)", lambda m, a, b: a ** b, "nonneg"),
    binary("remainder", lambda m, a, b: a % b),
    binary("fmod", lambda m, a, b: m.lib.fmod(a, b)),
    binary("floor_divide", lambda m, a, b: a // b),
    binary("maximum", lambda m, a, b: m.lib.maximum(a, b)),
    binary("minimum", lambda m, a, b: m.lib.minimum(a, b)),
    binary("max(other)", lambda m, a, b: a.max(b)),
    binary("xlogy", lambda m, a, b: m.lib.xlogy(a, b), "real", "nonneg"),
    binary("int add", lambda m, a, b: a + b, "int", "int", grad=False),
    binary("int mul float", lambda m, a, b: a * b, "int", "real"),
    binary("int div", lambda m, a, b: a / b, "int", "int", grad=False),
    binary("int floor_divide", lambda m, a, b: a // b, "int", "int", grad=False),
    binary("int remainder", lambda m, a, b: a % b, "int", "int", grad=False),
    binary("int pow", lambda m, a, b: a ** b, "int", "int", grad=False),
    unary("add(scalar)", lambda m, x: x + 2.5),
    unary("rsub(scalar)", lambda m, x: 1.5 - x),
    unary("mul(scalar)", lambda m, x: x * -3.0),
    unary("rdiv(scalar)", lambda m, x: 2.5 / x),
    unary("pow(2.5)", lambda m, x: x ** 2.5, "nonneg"),
    unary("pow(0.5)", lambda m, x: x ** 0.5, "nonneg"),
    unary("pow(-1.5)", lambda m, x: x ** -1.5, "nonneg"),
    unary("pow(3)", lambda m, x: x ** 3),
    unary("pow(0)", lambda m, x: x ** 0),
    unary("pow(-2)", lambda m, x: x ** -2),
    unary("rpow(2)", lambda m, x: 2.0 ** x),
    unary("rpow(0)", lambda m, x: 0.0 ** x),
    unary("rpow(-2)", lambda m, x: (-2.0) ** x),
    unary("remainder(scalar)", lambda m, x: x % 1.5),
    unary("floor_divide(scalar)", lambda m, x: x // 1.5, grad=False),
    unary("xlogy(scalar other)", lambda m, x: m.lib.xlogy(x, 2.0)),
    unary("neg"), unary("abs"), unary("sign"), unary("square"), unary("positive", lambda m, x: +x),
    unary("reciprocal"), unary("rsqrt", domain="nonneg"), unary("sqrt", domain="nonneg"),
    unary("exp"), unary("expm1"), unary("log", domain="nonneg"), unary("log2", domain="nonneg"),
    unary("log10", domain="nonneg"), unary("log1p", domain="nonneg"), unary("sin"), unary("cos"),
    unary("tanh"), unary("sigmoid"), unary("erf"), unary("floor"), unary("ceil"), unary("trunc"),
    unary("round"), unary("round(decimals)", lambda m, x: x.round(decimals=1)),
    unary("isnan", grad=False), unary("isinf", grad=False), unary("isfinite", grad=False),
    unary("logical_not", grad=False),
    binary("eq", lambda m, a, b: a == b, grad=False), binary("ne", lambda m, a, b: a != b, grad=False),
    binary("lt", lambda m, a, b: a < b, grad=False), binary("le", lambda m, a, b: a <= b, grad=False),
    binary("gt", lambda m, a, b: a > b, grad=False), binary("ge", lambda m, a, b: a >= b, grad=False),
    binary("logical_and", lambda m, a, b: m.lib.logical_and(a, b), grad=False),
    binary("logical_xor", lambda m, a, b: m.lib.logical_xor(a, b), grad=False),
    binary("bitwise_and", lambda m, a, b: a & b, "int", "int", grad=False),
    binary("isclose", lambda m, a, b: m.lib.isclose(a, b), grad=False),
    binary("equal", lambda m, a, b: m.lib.equal(a, b), grad=False),
    binary("allclose", lambda m, a, b: m.lib.allclose(a, b), shapes="same", grad=False),
]

ACTIVATIONS = [
    unary("relu"), unary("leaky_relu", lambda m, x: m.F.leaky_relu(x, 0.2)),
    unary("elu", lambda m, x: m.F.elu(x, 0.7)), unary("selu", lambda m, x: m.F.selu(x)),
    unary("celu", lambda m, x: m.F.celu(x, 1.5)), unary("gelu", lambda m, x: m.F.gelu(x)),
    unary("gelu(tanh)", lambda m, x: m.F.gelu(x, approximate="tanh")), unary("silu", lambda m, x: m.F.silu(x)),
    unary("mish", lambda m, x: m.F.mish(x)), unary("logsigmoid", lambda m, x: m.F.logsigmoid(x)),
    unary("softplus", lambda m, x: m.F.softplus(x)),
    unary("softplus(beta, threshold)", lambda m, x: m.F.softplus(x, 2.0, 1.0), points=(0.5, 1.0)),
    unary("softplus(at threshold)", lambda m, x: m.F.softplus(x, 1.0, 2.0), points=(2.0,)),
    unary("softsign", lambda m, x: m.F.softsign(x)),
    unary("hardtanh", lambda m, x: m.F.hardtanh(x, -1.0, 1.5), points=(1.5,)),
    unary("relu6", lambda m, x: m.F.relu6(x * 3), points=(2.0,)),
    unary("hardsigmoid", lambda m, x: m.F.hardsigmoid(x * 1.5), points=(2.0, -2.0), second=False),
    unary("hardswish", lambda m, x: m.F.hardswish(x * 1.5), points=(2.0, -2.0)),
    unary("threshold", lambda m, x: m.F.threshold(x, 0.5, -2.0)),
    unary("softshrink", lambda m, x: m.F.softshrink(x, 0.5)),
    unary("hardshrink", lambda m, x: m.F.hardshrink(x, 0.5)),
    unary("tanhshrink", lambda m, x: m.F.tanhshrink(x)),
    binary("prelu", lambda m, x, w: m.F.prelu(x, w), shapes=lambda draw: [(2, 3, 2), (3,)] if draw(
        __import__("hypothesis").strategies.booleans()) else [(4,), (1,)], twice=False),
    unary("clamp", lambda m, x: x.clamp(-0.5, 1.0), points=(1.0,)),
    unary("clamp(min > max)", lambda m, x: x.clamp(1.0, -0.5), points=(1.0,)),
    unary("clamp_min", lambda m, x: x.clamp_min(0.5)),
    unary("clamp_max", lambda m, x: x.clamp_max(0.5)),
    Fn("clamp(tensor bounds)", lambda m, x, lo, hi: x.clamp(lo, hi), ("real", "real", "real")),
    Fn("clamp(tensor min)", lambda m, x, lo: x.clamp(min=lo), ("real", "real")),
    Fn("where", lambda m, a, b, condition: m.lib.where(condition, a, b), ("real", "real"), shapes="broadcast",
       kwargs=lambda rng, s: {"condition": rng.random(s[0]) < 0.5}),
    Fn("where(nan branch)", lambda m, x, condition: m.lib.where(x > 0, x.log(), x.sqrt()), ("real",)),
    Fn("where(scalar)", lambda m, x: m.lib.where(x > 0, x, 0.5), ("real",)),
    unary("softmax", lambda m, x, dim: m.F.softmax(x, dim), kwargs=dim_kw(keepdim=False)),
    unary("log_softmax", lambda m, x, dim: m.F.log_softmax(x, dim), kwargs=dim_kw(keepdim=False)),
    unary("softmin", lambda m, x, dim: m.F.softmin(x, dim), kwargs=dim_kw(keepdim=False)),
    unary("normalize", lambda m, x, p, dim: m.F.normalize(x, p, dim), min_dims=1,
          kwargs=lambda rng, s: {"p": _pick(rng, [2.0, 1.0, 3.0, 0.5, math.inf]), "dim": _dim(rng, s[0])}),
]

REDUCTIONS = [
    unary("sum", lambda m, x, **kw: x.sum(**kw) if kw["dim"] is not None else x.sum(), kwargs=dims_kw),
    unary("mean", lambda m, x, **kw: x.mean(**kw) if kw["dim"] is not None else x.mean(), kwargs=dims_kw),
    unary("var", lambda m, x, **kw: x.var(**kw),
          kwargs=lambda rng, s: {"dim": _dims(rng, s[0]), "correction": int(rng.integers(0, 3)), "keepdim": _keep(rng)}),
    unary("std", lambda m, x, **kw: x.std(**kw),
          kwargs=lambda rng, s: {"dim": _dims(rng, s[0]), "correction": int(rng.integers(0, 3)), "keepdim": _keep(rng)}),
    unary("std(equal values)", lambda m, x: (x * 0 + 1.5).std() + x.std(), points=(1.0,)),
    unary("var_mean", lambda m, x, dim: m.lib.var_mean(x, dim), kwargs=lambda rng, s: {"dim": _dims(rng, s[0])}),
    unary("std_mean", lambda m, x, dim: m.lib.std_mean(x, dim), kwargs=lambda rng, s: {"dim": _dims(rng, s[0])}),
    unary("prod", lambda m, x: x.prod()),
    unary("prod(dim)", lambda m, x, **kw: x.prod(**kw), kwargs=dim_kw()),
    unary("amax", lambda m, x, **kw: x.amax(**kw) if kw["dim"] is not None else x.amax(), kwargs=dims_kw),
    unary("amin", lambda m, x, **kw: x.amin(**kw) if kw["dim"] is not None else x.amin(), kwargs=dims_kw),
    unary("max()", lambda m, x: x.max()), unary("min()", lambda m, x: x.min()),
    unary("max(dim)", lambda m, x, **kw: x.max(**kw), kwargs=dim_kw()),
    unary("min(dim)", lambda m, x, **kw: x.min(**kw), kwargs=dim_kw()),
    unary("argmax", lambda m, x, **kw: x.argmax(**kw), kwargs=dim_kw(allow_none=True), grad=False),
    unary("argmin", lambda m, x, **kw: x.argmin(**kw), kwargs=dim_kw(allow_none=True), grad=False),
    unary("all", lambda m, x: x.all(), grad=False), unary("any(dim)", lambda m, x, **kw: x.any(**kw),
                                                         kwargs=dim_kw(), grad=False),
    unary("count_nonzero", lambda m, x: m.lib.count_nonzero(x), grad=False),
    unary("logsumexp", lambda m, x, **kw: x.logsumexp(**kw), kwargs=lambda rng, s: {"dim": _dim(rng, s[0]),
                                                                                    "keepdim": _keep(rng)}),
    unary("norm", lambda m, x, **kw: x.norm(**kw),
          kwargs=lambda rng, s: {"p": _pick(rng, [2, 1, 3, 0.5, 1.5, 0, -1, math.inf, -math.inf, "fro"]),
                                 "dim": _dims(rng, s[0]), "keepdim": _keep(rng)}),
    unary("cumsum", lambda m, x, dim: x.cumsum(dim), kwargs=dim_kw(keepdim=False)),
    binary("sum_to_size", lambda m, x, y: x.sum_to_size(y.shape) * 1.0, twice=False),
]

SORTING = [
    unary("sort", lambda m, x, **kw: x.sort(**kw), kwargs=lambda rng, s: {"dim": _dim(rng, s[0]),
                                                                          "descending": _keep(rng)}),
    unary("sort(stable)", lambda m, x, **kw: x.sort(stable=True, **kw),
          kwargs=lambda rng, s: {"dim": _dim(rng, s[0]), "descending": _keep(rng)}),
    unary("argsort", lambda m, x, dim: x.argsort(dim), kwargs=dim_kw(keepdim=False), grad=False),
    unary("msort", lambda m, x: m.lib.msort(x), min_dims=1),
    unary("topk", lambda m, x, **kw: x.topk(**kw),
          kwargs=lambda rng, s: {"k": int(rng.integers(0, (s[0][-1] if s[0] else 1) + 1)), "dim": -1,
                                 "largest": _keep(rng)}),
]


def _index_kw(rng, s, op):
    shape = s[0]
    dim = _dim(rng, shape)
    size = shape[dim] if shape else 1
    if op == "gather":
        index_shape = [int(rng.integers(1, v + 1)) if v else 0 for v in shape] or []
        if shape:
            index_shape[dim] = int(rng.integers(0, 4))
        return {"dim": dim, "index": rng.integers(0, max(size, 1), tuple(index_shape)) if size else
                np.zeros(tuple(index_shape), np.int64)}
    count = int(rng.integers(0, 4))
    return {"dim": dim, "index": rng.integers(0, size, count) if size else np.zeros(0, np.int64)}


def _narrow_kw(rng, s):
    shape = s[0]
    dim = _dim(rng, shape)
    n = shape[dim] if shape else 0
    start = int(rng.integers(-n, n + 1)) if n else 0
    rest = n - (start % n if n and start < 0 else start)
    return {"dim": dim, "start": start, "length": int(rng.integers(0, rest + 1))}


def _split_kw(rng, s):
    shape = s[0]
    dim = _dim(rng, shape)
    n = shape[dim]
    if rng.random() < 0.5:
        return {"sizes": int(rng.integers(1, n + 2)) if n else _pick(rng, [0, 1, 2]), "dim": dim}
    cut = sorted(int(c) for c in rng.integers(0, n + 1, size=2))
    return {"sizes": [cut[0], cut[1] - cut[0], n - cut[1]], "dim": dim}


def _scatter_kw(rng, s):
    shape, src = s[0], s[1]
    dim = _dim(rng, shape)
    index_shape = [int(rng.integers(1, min(a, b) + 1)) if min(a, b) else 0 for a, b in zip(shape, src)]
    index_shape[dim] = int(rng.integers(0, src[dim] + 1))
    lanes = np.moveaxis(np.zeros(index_shape, dtype=np.int64), dim, -1)
    for lane in np.ndindex(lanes.shape[:-1]):  # distinct positions along dim: scatter's result is then defined
        lanes[lane] = rng.permutation(max(shape[dim], lanes.shape[-1]))[:lanes.shape[-1]] % max(shape[dim], 1)
    return {"dim": dim, "index": np.moveaxis(lanes, -1, dim)}


def _same_rank_pair(draw):
    from hypothesis import strategies as st

    rank = draw(st.integers(1, 3))
    a = tuple(draw(st.integers(1, 3)) for _ in range(rank))
    return [a, tuple(v + draw(st.integers(0, 1)) for v in a)]


SHAPES = [
    unary("reshape", lambda m, x: x.reshape(-1)), unary("view", lambda m, x: x.view(x.numel()), torch_layout=True),
    unary("reshape(0-size)", lambda m, x: x.reshape(0, -1) if x.numel() == 0 else x.reshape(-1, 1)),
    unary("flatten", lambda m, x: x.flatten()), unary("flatten(1)", lambda m, x: x.flatten(1), min_dims=2),
    unary("unflatten", lambda m, x: x.unflatten(-1, (-1, 1)), min_dims=1),
    unary("unflatten(empty -1)", lambda m, x: x.unflatten(-1, (1, -1)), min_dims=1),
    unary("squeeze", lambda m, x: x.squeeze()), unary("squeeze(dim)", lambda m, x, dim: x.squeeze(dim),
                                                      kwargs=dim_kw(keepdim=False)),
    unary("unsqueeze", lambda m, x, dim: x.unsqueeze(dim),
          kwargs=lambda rng, s: {"dim": int(rng.integers(-len(s[0]) - 1, len(s[0]) + 1))}),
    unary("permute", lambda m, x: x.permute(*reversed(range(x.ndim)))), unary("T", lambda m, x: x.mT, min_dims=2),
    unary("transpose", lambda m, x: x.transpose(0, -1)), unary("t", lambda m, x: x.t(), max_dims=2),
    unary("movedim", lambda m, x: x.movedim(0, -1)), unary("movedim(tuple)", lambda m, x: x.movedim((0, 1), (-1, 0)),
                                                           min_dims=2),
    unary("expand", lambda m, x: x.expand(2, *x.shape)), unary("repeat", lambda m, x: x.repeat(*([2] * x.ndim), 1)),
    unary("flip", lambda m, x: x.flip(0) if x.ndim else x.flip(()), min_dims=1),
    unary("roll", lambda m, x, **kw: x.roll(**kw), kwargs=lambda rng, s: _pick(rng, [
        {"shifts": int(rng.integers(-4, 5))},
        {"shifts": int(rng.integers(-4, 5)), "dims": _dim(rng, s[0])} if s[0] else {"shifts": 1}])),
    unary("unfold", lambda m, x, **kw: x.unfold(**kw), kwargs=lambda rng, s: {
        "dimension": _dim(rng, s[0]), "size": int(rng.integers(0, 3)), "step": int(rng.integers(1, 3))}),
    unary("tril", lambda m, x: x.tril(), min_dims=2), unary("triu(1)", lambda m, x: x.triu(1), min_dims=2),
    unary("clone", lambda m, x: x.clone()), unary("contiguous", lambda m, x: x.contiguous() * 1.0),
    unary("narrow", lambda m, x, **kw: x.narrow(**kw), kwargs=_narrow_kw, min_dims=1),
    unary("select", lambda m, x, dim, index: x.select(dim, index), min_dims=1,
          kwargs=lambda rng, s: (lambda d: {"dim": d, "index": int(rng.integers(-s[0][d] - 1, s[0][d] + 1))})(
              _dim(rng, s[0]))),
    unary("split", lambda m, x, sizes, dim: x.split(sizes, dim), kwargs=_split_kw, min_dims=1),
    unary("chunk", lambda m, x, chunks, dim: x.chunk(chunks, dim), min_dims=1,
          kwargs=lambda rng, s: {"chunks": int(rng.integers(1, 5)), "dim": _dim(rng, s[0])}),
    unary("unbind", lambda m, x, dim: x.unbind(dim), kwargs=dim_kw(keepdim=False), min_dims=1),
    binary("cat", lambda m, a, b: m.lib.cat([a, b], dim=0), shapes=lambda draw: [(2, 3), (0, 3)]),
    binary("cat(same)", lambda m, a, b: m.lib.cat([a, b], dim=-1), shapes="same", min_dims=1),
    binary("stack", lambda m, a, b: m.lib.stack([a, b], dim=-1), shapes="same"),
    binary("hstack", lambda m, a, b: m.lib.hstack([a, b]), shapes="same", min_dims=1),
    binary("vstack", lambda m, a, b: m.lib.vstack([a, b]), shapes="same", min_dims=1),
    unary("pad", lambda m, x, pad: m.F.pad(x, pad) if hasattr(m.F, "pad") else m.lib.pad(x, pad), min_dims=1,
          kwargs=lambda rng, s: {"pad": tuple(int(v) for v in rng.integers(0, 3, 2))}),
    unary("getitem(int)", lambda m, x: x[0], min_dims=1, empty=False),
    unary("getitem(slices)", lambda m, x: x[1:, ::2], min_dims=2),
    unary("getitem(negative)", lambda m, x: x[-1], min_dims=1, empty=False),
    unary("getitem(None, Ellipsis)", lambda m, x: x[None, ..., 0], min_dims=1, empty=False),
    unary("getitem(bool mask)", lambda m, x: x[x > 0]),
    unary("getitem(int array)", lambda m, x, index: x[index], min_dims=1,
          kwargs=lambda rng, s: {"index": rng.integers(-s[0][0], s[0][0], 4) if s[0][0] else np.zeros(0, np.int64)}),
    Fn("setitem", lambda m, x, v: (lambda y: (y.__setitem__((slice(0, 1),), v), y)[1])(x.clone()), ("real", "real"),
       shapes=lambda draw: [(3, 2), (1, 2)], twice=False),
    unary("index_select", lambda m, x, dim, index: x.index_select(dim, index), kwargs=lambda r, s: _index_kw(r, s, "")),
    unary("gather", lambda m, x, dim, index: x.gather(dim, index), kwargs=lambda r, s: _index_kw(r, s, "gather")),
    unary("take_along_dim", lambda m, x, dim, index: m.lib.take_along_dim(x, index, dim), min_dims=1,
          kwargs=lambda r, s: _index_kw(r, s, "gather")),
    # PyTorch's backward fails when src is larger than the index ("returned an invalid gradient"); ours pads the
    # gradient with zeros, which op_db checks against finite differences
    Fn("scatter", lambda m, x, src, dim, index: x.scatter(dim, index, src), ("real", "real"), shapes=_same_rank_pair,
       kwargs=_scatter_kw, twice=False, torch_backward_fails=True),
    Fn("scatter_add", lambda m, x, src, dim, index: x.scatter_add(dim, index, src), ("real", "real"),
       shapes=_same_rank_pair, kwargs=_scatter_kw, twice=False, torch_backward_fails=True),
    Fn("index_add", lambda m, x, src, dim, index: x.index_add(dim, index, src, alpha=2.0), ("real", "real"),
       shapes=lambda draw: [(3, 2), (3, 4)], kwargs=lambda rng, s: {"dim": 1, "index": rng.integers(0, 2, 4)},
       twice=False),
    Fn("masked_fill", lambda m, x, mask: x.masked_fill(mask, -1.5), ("real",),
       kwargs=lambda rng, s: {"mask": rng.random(s[0]) < 0.5}),
    Fn("masked_fill(tensor value)", lambda m, x, v, mask: x.masked_fill(mask, v), ("real", "real"),
       shapes=lambda draw: [(2, 3), ()], kwargs=lambda rng, s: {"mask": rng.random(s[0]) < 0.5}, twice=False),
    Fn("masked_select", lambda m, x, mask: x.masked_select(mask), ("real",),
       kwargs=lambda rng, s: {"mask": rng.random(s[0]) < 0.5}),
    unary("nonzero", lambda m, x: x.nonzero(), grad=False),
    unary("nonzero(as_tuple)", lambda m, x: x.nonzero(as_tuple=True), grad=False),
    unary("argwhere", lambda m, x: m.lib.argwhere(x), grad=False),
    unary("diagonal", lambda m, x, offset: x.diagonal(offset), min_dims=2,
          kwargs=lambda rng, s: {"offset": int(rng.integers(-3, 4))}),
    unary("trace", lambda m, x: x.trace(), min_dims=2, max_dims=2),
]

LINALG = [
    *[binary(f"matmul({kind})", lambda m, a, b: a @ b, shapes=_matmul_shapes(kind), twice=False)
      for kind in ("1d@1d", "2d@1d", "1d@2d", "2d@2d", "batched", "broadcast", "batched@1d", "1d@batched")],
    binary("rmatmul", lambda m, a, b: b.__rmatmul__(a), shapes=_matmul_shapes("2d@2d"), twice=False),
    binary("dot", lambda m, a, b: m.lib.dot(a, b), shapes="same", min_dims=1, max_dims=1),
    binary("outer", lambda m, a, b: m.lib.outer(a, b), shapes=lambda draw: [(3,), (2,)]),
    binary("mv", lambda m, a, b: m.lib.mv(a, b), shapes=_matmul_shapes("2d@1d"), twice=False),
    binary("einsum(bij,bjk)", lambda m, a, b: m.lib.einsum("bij,bjk->bik", a, b), shapes=_matmul_shapes("batched"),
           twice=False),
    unary("einsum(ii->i)", lambda m, x: m.lib.einsum("ii->i", x), shapes=lambda draw: [(3, 3)]),
    unary("einsum(ij->)", lambda m, x: m.lib.einsum("ij->", x), min_dims=2, max_dims=2),
    binary("cdist", lambda m, a, b, p: m.lib.cdist(a, b, p), shapes=lambda draw: [(3, 2), (2, 2)], twice=False,
           kwargs=lambda rng, s: {"p": _pick(rng, [2.0, 1.0, 3.0, 0.5, 0.0, math.inf])}, second=False),
]

CONVERSIONS = [
    unary("to(float32)", lambda m, x: x.to(m.lib.float32), rtol=1e-6, atol=1e-7),
    unary("float()", lambda m, x: x.float() * 1.0, rtol=1e-6, atol=1e-7),
    unary("double()", lambda m, x: x.double()), unary("long()", lambda m, x: x.long(), grad=False),
    unary("bool()", lambda m, x: x.bool(), grad=False),
    binary("type_as", lambda m, a, b: a.type_as(b), "real", "int", grad=False),
]

INPLACE = [
    *[binary(f"{name}_", (lambda op: lambda m, a, b: getattr(a.clone(), op + "_")(b))(name), shapes=lambda d: [
        (2, 3), (3,)], twice=False) for name in ("add", "sub", "mul", "div", "pow")],
    *[unary(f"{name}_", (lambda op: lambda m, x: getattr(x.clone(), op + "_")())(name),
            domain="nonneg" if name in ("sqrt", "log", "rsqrt") else "real")
      for name in ("neg", "abs", "exp", "log", "sqrt", "rsqrt", "sigmoid", "tanh", "relu", "sin", "floor", "sign")],
    unary("clamp_", lambda m, x: x.clone().clamp_(-0.5, 0.5)),
    unary("fill_", lambda m, x: x.clone().fill_(2.0) * x),
    unary("zero_", lambda m, x: x.clone().zero_() + x),
    Fn("masked_fill_", lambda m, x, mask: x.clone().masked_fill_(mask, 1.5), ("real",),
       kwargs=lambda rng, s: {"mask": rng.random(s[0]) < 0.5}),
    binary("copy_", lambda m, a, b: a.clone().copy_(b) * a, shapes=lambda d: [(2, 3), (3,)], twice=False),
]


ALIASES_AND_RARER = [  # aliases share code with the functions above, but each name is a way in of its own
    binary("multiply", lambda m, a, b: m.lib.multiply(a, b)), binary("subtract", lambda m, a, b: m.lib.subtract(a, b)),
    binary("divide", lambda m, a, b: m.lib.divide(a, b)), binary("true_divide", lambda m, a, b: m.lib.true_divide(a, b)),
    unary("absolute", lambda m, x: m.lib.absolute(x)), unary("fix", lambda m, x: m.lib.fix(x)),
    unary("clip", lambda m, x: m.lib.clip(x, -0.5, 0.5)), unary("swapaxes", lambda m, x: m.lib.swapaxes(x, 0, -1)),
    unary("swapdims", lambda m, x: x.swapdims(0, -1)),
    binary("concat", lambda m, a, b: m.lib.concat([a, b]), shapes="same", min_dims=1),
    binary("concatenate", lambda m, a, b: m.lib.concatenate([a, b], -1), shapes="same", min_dims=1),
    binary("ger", lambda m, a, b: m.lib.ger(a, b), shapes=lambda d: [(3,), (2,)]),
    binary("mm", lambda m, a, b: m.lib.mm(a, b), shapes=_matmul_shapes("2d@2d"), twice=False),
    binary("bmm", lambda m, a, b: m.lib.bmm(a, b), shapes=_matmul_shapes("batched"), twice=False),
    binary("greater", lambda m, a, b: m.lib.greater(a, b), grad=False),
    binary("greater_equal", lambda m, a, b: m.lib.greater_equal(a, b), grad=False),
    binary("less", lambda m, a, b: m.lib.less(a, b), grad=False),
    binary("less_equal", lambda m, a, b: m.lib.less_equal(a, b), grad=False),
    binary("not_equal", lambda m, a, b: m.lib.not_equal(a, b), grad=False),
    binary("logical_or", lambda m, a, b: m.lib.logical_or(a, b), grad=False),
    binary("bitwise_or", lambda m, a, b: m.lib.bitwise_or(a, b), "int", "int", grad=False),
    binary("bitwise_xor", lambda m, a, b: a ^ b, "int", "int", grad=False),
    unary("bitwise_not", lambda m, x: ~x, domain="int", grad=False),
    binary("bool and/or", lambda m, a, b: ((a > 0) & (b > 0)) | ((a < 0) ^ (b < 0)), grad=False),
    unary("isposinf", lambda m, x: m.lib.isposinf(1 / x), grad=False),
    unary("isneginf", lambda m, x: m.lib.isneginf(1 / x), grad=False),
    binary("broadcast_tensors", lambda m, a, b: m.lib.broadcast_tensors(a, b)),
    binary("broadcast_to", lambda m, a, b: m.lib.broadcast_to(a, m.lib.broadcast_shapes(a.shape, b.shape)) * 1.0,
           twice=False),
    binary("expand_as", lambda m, a, b: a.expand_as(b + a) * 1.0, twice=False),
    binary("view_as", lambda m, a, b: a.reshape(-1).view_as(b.reshape(-1)), shapes="same"),
    binary("reshape_as", lambda m, a, b: a.reshape_as(b.t() if b.ndim == 2 else b), shapes="same"),
    unary("half", lambda m, x: x.half().double(), rtol=1e-3, atol=1e-3, second=False),
    unary("byte/char/short", lambda m, x: (x.byte(), x.char(), x.short()), domain="nonneg", grad=False),
    unary("cpu/type", lambda m, x: (x.cpu() * 1.0, x.type(m.lib.float64)), ),
    unary("new_* constructors", lambda m, x: (x.new_zeros(2, 3), x.new_ones((2,)), x.new_full((2,), 1.5),
                                              x.new_tensor([1.0, 2.0]), x.new_empty(0)), grad=False),
    unary("result_type and promote_types", lambda m, x: (str(m.lib.result_type(x, 1.5)).replace("torch.", ""),
                                                         str(m.lib.promote_types(m.lib.int32, m.lib.float32)).replace(
                                                             "torch.", ""),
                                                         m.lib.can_cast(m.lib.float64, m.lib.int32)), grad=False),
    *[binary(f"{name}_", (lambda op: lambda m, a, b: getattr(a.clone(), op + "_")(b))(name),
             shapes=lambda d: [(2, 3), (3,)], twice=False) for name in ("remainder", "fmod", "floor_divide")],
    *[unary(f"{name}_", (lambda op: lambda m, x: getattr(x.clone(), op + "_")())(name),
            domain="nonneg" if name == "log1p" else "real")
      for name in ("ceil", "cos", "expm1", "log1p", "reciprocal", "round", "square", "trunc")],
    unary("in-place activations", lambda m, x: (m.F.relu(x.clone(), inplace=True), m.F.elu(x.clone(), inplace=True),
                                                m.F.leaky_relu(x.clone(), 0.1, inplace=True))),
    unary("clamp_min_/clamp_max_/clip_", lambda m, x: (x.clone().clamp_min_(0.5), x.clone().clamp_max_(0.5),
                                                       x.clone().clip_(-0.5, 0.5))),
    unary("operators in place", lambda m, x: _in_place_operators(x.clone())),
    unary("moveaxis", lambda m, x: m.lib.moveaxis(x, 0, -1)),
    unary("reflected operators", lambda m, x: (2.5 + x, 2.0 * x, 7.0 // (x + 4), 7.0 % (x + 4), -x, abs(x))),
    unary("int reflected operators", lambda m, x: (3 & x, 3 | x, 3 ^ x, ~x, 10 // (x + 4), 10 % (x + 4)),
          domain="int", grad=False),
    unary("in-place int floor division and remainder", lambda m, x: _in_place_int(x.clone()), domain="int",
          grad=False),
]


def _in_place_int(y):
    y //= 2
    y %= 3
    return y


def _in_place_operators(y):
    y += 1.0
    y -= 0.5
    y *= 2.0
    y /= 3.0
    y **= 2
    y %= 1.5
    return y


# The rest of the functions added for PyTorch's API (most have op_db entries compared in test_op_db_against_torch.py)
PYTORCH_API = [
    *[unary(name, (lambda f: lambda m, x: getattr(m.lib, f)(x))(name)) for name in ("atleast_1d", "atleast_2d", "atleast_3d")],
    unary("flipud", lambda m, x: m.lib.flipud(x), min_dims=1),
    unary("rad2deg"),
    unary("sgn"),
    unary("narrow_copy", lambda m, x: x.narrow_copy(-1, 0, 1), min_dims=1, empty=False),
    unary("vsplit", lambda m, x: m.lib.vsplit(x, [1]), min_dims=2, empty=False),
    unary("dsplit", lambda m, x: m.lib.dsplit(x, [1]), min_dims=3, empty=False),
    Fn("column_stack", lambda m, a, b: m.lib.column_stack([a, b]), ("real", "real"), max_dims=2),
    Fn("row_stack", lambda m, a, b: m.lib.row_stack([a, b]), ("real", "real"), max_dims=2),
    Fn("dstack", lambda m, a, b: m.lib.dstack([a, b]), ("real", "real")),
    Fn("vdot", lambda m, a, b: m.lib.vdot(a, b), ("real", "real"), min_dims=1, max_dims=1),
    Fn("index_put", lambda m, x, v: x.index_put((m.lib.tensor([0, 2]),), v), ("real", "real"),
       shapes=lambda draw: [(3, 2), (2,)], twice=False),
    Fn("index_put_(accumulate)", lambda m, x, v: x.clone().index_put_((m.lib.tensor([0, 2, 0]), m.lib.tensor([1, 1, 1])),
                                                                     v, accumulate=True),
       ("real", "real"), shapes=lambda draw: [(3, 2), (3,)], twice=False),
    unary("is_same_size/is_signed/is_complex", lambda m, x: (m.lib.zeros(int(x.is_same_size(x)) + int(x.is_signed())
                                                                        + int(x.is_complex())),), grad=False),
]

FUNCTIONS = (PYTORCH_API + ALIASES_AND_RARER + ARITHMETIC + ACTIVATIONS + REDUCTIONS + SORTING + SHAPES + LINALG
             + CONVERSIONS + INPLACE)
