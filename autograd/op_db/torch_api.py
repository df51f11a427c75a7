"""op_db entries for the functions added to run PyTorch code as it is: running products and extremes,
scatters, order statistics, trigonometric and special functions, products and rearrangements.
`table.py` appends them to its table, so the same gradcheck, gradgradcheck and PyTorch oracle run
over them; the samples follow the table's conventions (float64, small random shapes, values away
from kinks and ties).
"""
from __future__ import annotations

import numpy as np

import autograd as ag

from .draw import avoiding, binary, broadcastable_pair, distinct, fixed, nonzero, positive, real, shape, unary
from .info import MAX_SIDE, OpInfo, Sample


def _in(low, high):
    return lambda rng, s: rng.uniform(low, high, s)


def _cumulative_sample(domain=None, zeros: int = 0):
    def sample(rng):
        s = shape(rng, 1, 3)
        x = (domain or real)(rng, s)
        if zeros:
            flat = x.reshape(-1)
            flat[rng.choice(flat.size, size=min(zeros, flat.size), replace=False)] = 0.0
        return Sample([x], {"dim": int(rng.integers(-len(s), len(s)))})
    return sample


def _cummax_sample(rng):
    s = shape(rng, 1, 3)
    return Sample([distinct(rng, s)], {"dim": int(rng.integers(-len(s), len(s)))})


def _diff_sample(rng):
    s = shape(rng, 1, 3, min_side=2)
    dim = int(rng.integers(-len(s), len(s)))
    extra = list(s)
    extra[dim] = 1
    return Sample([real(rng, s), real(rng, tuple(extra))], {"dim": dim, "n": int(rng.integers(1, 3))})


def _scatter_sample(kind):
    def sample(rng):
        s = shape(rng, 1, 3, min_side=2)
        dim = int(rng.integers(-len(s), len(s)))
        index_shape = list(s)
        index_shape[dim] = int(rng.integers(1, s[dim] + 1))
        if kind == "scatter":  # distinct positions along dim, so the written values are unambiguous
            index = np.argsort(rng.random(s), axis=dim)
            index = np.take(index, range(index_shape[dim]), axis=dim)
        else:
            index = rng.integers(0, s[dim], size=index_shape)
        return Sample([real(rng, s), real(rng, tuple(index_shape))], {"dim": dim, "index": ag.tensor(index)})
    return sample


def _index_copy_sample(rng):
    s = shape(rng, 1, 3)
    dim = int(rng.integers(-len(s), len(s)))
    n = int(rng.integers(1, s[dim] + 1))
    source = list(s)
    source[dim] = n
    return Sample([real(rng, s), real(rng, tuple(source))],
                  {"dim": dim, "index": ag.tensor(rng.permutation(s[dim])[:n])})


def _masked_scatter_sample(rng):
    s = shape(rng, 1, 3)
    mask = rng.random(s) < 0.5
    return Sample([real(rng, s), real(rng, (int(mask.sum()) + int(rng.integers(0, 3)),))],
                  {"mask": ag.tensor(mask)})


def _selection_sample(rng):
    s = shape(rng, 1, 3)
    dim = int(rng.integers(-len(s), len(s)))
    return Sample([distinct(rng, s)], {"dim": dim, "keepdim": bool(rng.random() < 0.5)})


def _kthvalue_sample(rng):
    sample = _selection_sample(rng)
    size = sample.arrays[0].shape[sample.kwargs["dim"]]
    sample.kwargs["k"] = int(rng.integers(1, size + 1))
    return sample


def _quantile_sample(rng):
    s = shape(rng, 1, 3)
    dim = None if rng.random() < 0.3 else int(rng.integers(-len(s), len(s)))
    q = float(rng.uniform(0, 1)) if rng.random() < 0.5 else ag.tensor(rng.uniform(0, 1, int(rng.integers(1, 3))))
    interpolation = ["linear", "midpoint", "lower", "higher", "nearest"][int(rng.integers(0, 5))]
    return Sample([distinct(rng, s)], {"q": q, "dim": dim, "keepdim": bool(rng.random() < 0.5),
                                       "interpolation": interpolation})


def _nan_sample(rng):
    s = shape(rng, 1, 3)
    x = real(rng, s)
    return Sample([x], {"dim": int(rng.integers(-len(s), len(s))), "keepdim": bool(rng.random() < 0.5)})


def _lerp_sample(rng):
    sa, sb = broadcastable_pair(rng)
    sw = broadcastable_pair(rng)[0] if rng.random() < 0.5 else sa
    try:
        np.broadcast_shapes(sa, sb, sw)
    except ValueError:
        sw = sa
    return Sample([real(rng, sa), real(rng, sb), avoiding(rng, sw, points=(0.5, -0.5))])


def _three(domain_c=None):
    def sample(rng):
        s = shape(rng)
        return Sample([real(rng, s), real(rng, s), (domain_c or real)(rng, s)], {"value": float(rng.uniform(-2, 2))})
    return sample


def _addmm_sample(kind):
    def sample(rng):
        n, k, m, b = (int(v) for v in rng.integers(1, MAX_SIDE + 1, 4))
        shapes = {"addmm": [(n, m) if rng.random() < 0.5 else (m,), (n, k), (k, m)],
                  "addmv": [(n,), (n, k), (k,)],
                  "baddbmm": [(b, n, m), (b, n, k), (b, k, m)],
                  "addbmm": [(n, m), (b, n, k), (b, k, m)],
                  "addr": [(n, m), (n,), (m,)]}[kind]
        beta, alpha = [(1, 1), (0.5, 2.0), (0, -1.5)][int(rng.integers(0, 3))]
        return Sample([real(rng, s) for s in shapes], {"beta": beta, "alpha": alpha})
    return sample


def _tensordot_sample(rng):
    n, k, m, j = (int(v) for v in rng.integers(1, MAX_SIDE + 1, 4))
    if rng.random() < 0.5:
        return Sample([real(rng, (n, k, j)), real(rng, (k, j, m))], {"dims": 2})
    return Sample([real(rng, (n, k, j)), real(rng, (j, m, k))], {"dims": ([1, 2], [2, 0])})


def _cross_sample(rng):
    lead = shape(rng, 0, 2)
    position = int(rng.integers(0, len(lead) + 1))
    s = lead[:position] + (3,) + lead[position:]
    return Sample([real(rng, s), real(rng, s)], {"dim": position})


def _repeat_interleave_sample(rng):
    s = shape(rng, 1, 3)
    dim = None if rng.random() < 0.3 else int(rng.integers(-len(s), len(s)))
    n = int(np.prod(s)) if dim is None else s[dim]
    repeats = int(rng.integers(1, 3)) if rng.random() < 0.5 else ag.tensor(rng.integers(0, 3, size=n))
    return Sample([real(rng, s)], {"repeats": repeats, "dim": dim})


def _rot90_sample(rng):
    s = shape(rng, 2, 3)
    d0, d1 = (int(d) for d in rng.choice(len(s), size=2, replace=False))
    return Sample([real(rng, s)], {"k": int(rng.integers(-2, 4)), "dims": (d0, d1)})


def _diag_embed_sample(rng):
    s = shape(rng, 1, 2)
    n = len(s) + 1
    d1, d2 = (int(d) for d in rng.choice(n, size=2, replace=False))
    return Sample([real(rng, s)], {"offset": int(rng.integers(-2, 3)), "dim1": d1, "dim2": d2})


def _take_sample(rng):
    s = shape(rng, 1, 3)
    n = int(np.prod(s))
    return Sample([real(rng, s)], {"index": ag.tensor(rng.integers(-n, n, size=(2, 2)))})


def _grid_sample(rng):
    return Sample([real(rng, (int(rng.integers(1, 4)),)), real(rng, (int(rng.integers(1, 4)),))],
                  {"indexing": ["ij", "xy"][int(rng.integers(0, 2))]})


def _xlogy_sample(rng):
    sa, sb = broadcastable_pair(rng)
    x = real(rng, sa)
    x[rng.random(sa) < 0.3] = 0.0
    return Sample([x, positive(rng, sb)])


def _cov_sample(rng):
    return Sample([real(rng, (int(rng.integers(1, 4)), int(rng.integers(3, 5))))],
                  {"correction": int(rng.integers(0, 2))})


def _kron_sample(rng):
    return Sample([real(rng, shape(rng, 1, 2, max_side=2)), real(rng, shape(rng, 1, 3, max_side=2))])


def _cummax(x, **kw):
    return x.cummax(**kw).values


def entries() -> list:
    """The entries, appended to table.py's (one call for both libraries: `m` is autograd or torch)."""
    return [
        OpInfo("cumprod", lambda m, x, dim: x.cumprod(dim), _cumulative_sample(nonzero)),
        OpInfo("cumprod(one zero)", lambda m, x, dim: x.cumprod(dim), _cumulative_sample(nonzero, zeros=1)),
        OpInfo("cumprod(two zeros)", lambda m, x, dim: x.cumprod(dim), _cumulative_sample(nonzero, zeros=2)),
        OpInfo("cummax.values", lambda m, x, **kw: _cummax(x, **kw), _cummax_sample),
        OpInfo("cummin.values", lambda m, x, dim: x.cummin(dim).values, _cummax_sample),
        OpInfo("logcumsumexp", lambda m, x, dim: x.logcumsumexp(dim), _cumulative_sample()),
        OpInfo("diff(prepend)", lambda m, x, p, **kw: m.diff(x, prepend=p, **kw), _diff_sample),
        OpInfo("addcmul", lambda m, a, b, c, value: m.addcmul(a, b, c, value=value), _three()),
        OpInfo("addcdiv", lambda m, a, b, c, value: m.addcdiv(a, b, c, value=value), _three(nonzero)),
        OpInfo("lerp(tensor weight)", lambda m, a, b, w: m.lerp(a, b, w), _lerp_sample),
        OpInfo("lerp(number weight)", lambda m, a, b: m.lerp(a, b, 0.7), binary()),
        OpInfo("logaddexp", lambda m, a, b: m.logaddexp(a, b), binary()),
        OpInfo("logaddexp2", lambda m, a, b: m.logaddexp2(a, b), binary()),
        *[OpInfo(kind, lambda m, *t, _k=kind, **kw: getattr(m, _k)(*t, **kw), _addmm_sample(kind))
          for kind in ("addmm", "addmv", "baddbmm", "addbmm", "addr")],
        OpInfo("bmm", lambda m, a, b: m.bmm(a, b), fixed((2, 2, 3), (2, 3, 2))),
        OpInfo("mm", lambda m, a, b: m.mm(a, b), fixed((2, 3), (3, 2))),
        OpInfo("tensordot", lambda m, a, b, dims: m.tensordot(a, b, dims=dims), _tensordot_sample),
        OpInfo("kron", lambda m, a, b: m.kron(a, b), _kron_sample),
        OpInfo("inner", lambda m, a, b: m.inner(a, b), fixed((2, 3), (2, 3))),
        OpInfo("cross", lambda m, a, b, dim: m.cross(a, b, dim=dim), _cross_sample),
        OpInfo("index_copy", lambda m, x, src, **kw: x.index_copy(source=src, **kw), _index_copy_sample),
        OpInfo("index_fill", lambda m, x, src, **kw: x.index_fill(value=0.5, **kw) * src.sum(), _index_copy_sample),
        OpInfo("masked_scatter", lambda m, x, src, mask: x.masked_scatter(mask, src), _masked_scatter_sample),
        OpInfo("Tensor.scatter_ (in-place)", lambda m, x, src, **kw: x.clone().scatter_(src=src, **kw),
               _scatter_sample("scatter")),
        OpInfo("median()", lambda m, x: x.median(), unary(distinct)),
        OpInfo("median(dim).values", lambda m, x, **kw: x.median(**kw).values, _selection_sample),
        OpInfo("nanmedian(dim).values", lambda m, x, **kw: x.nanmedian(**kw).values, _selection_sample),
        OpInfo("kthvalue.values", lambda m, x, **kw: x.kthvalue(**kw).values, _kthvalue_sample),
        OpInfo("quantile", lambda m, x, **kw: x.quantile(**kw), _quantile_sample),
        OpInfo("nanquantile", lambda m, x, **kw: x.nanquantile(**kw), _quantile_sample),
        OpInfo("nansum", lambda m, x, **kw: x.nansum(**kw), _nan_sample),
        OpInfo("nanmean", lambda m, x, **kw: x.nanmean(**kw), _nan_sample),
        OpInfo("cov", lambda m, x, correction: m.cov(x, correction=correction), _cov_sample),
        OpInfo("corrcoef", lambda m, x: m.corrcoef(x), fixed((2, 4))),
        OpInfo("tan", lambda m, x: x.tan(), unary(_in(-1.2, 1.2))),
        OpInfo("asin", lambda m, x: x.asin(), unary(_in(-0.9, 0.9))),
        OpInfo("acos", lambda m, x: x.acos(), unary(_in(-0.9, 0.9))),
        OpInfo("atan", lambda m, x: x.atan(), unary()),
        OpInfo("sinh", lambda m, x: x.sinh(), unary()),
        OpInfo("cosh", lambda m, x: x.cosh(), unary()),
        OpInfo("asinh", lambda m, x: x.asinh(), unary()),
        OpInfo("acosh", lambda m, x: x.acosh(), unary(_in(1.2, 3.0))),
        OpInfo("atanh", lambda m, x: x.atanh(), unary(_in(-0.9, 0.9))),
        OpInfo("atan2", lambda m, a, b: m.atan2(a, b), binary(nonzero, nonzero)),
        OpInfo("hypot", lambda m, a, b: m.hypot(a, b), binary(nonzero, nonzero)),
        OpInfo("deg2rad", lambda m, x: x.deg2rad(), unary()),
        OpInfo("erfc", lambda m, x: x.erfc(), unary()),
        OpInfo("exp2", lambda m, x: x.exp2(), unary()),
        OpInfo("sinc", lambda m, x: x.sinc(), unary()),
        # our second derivative of sinc at 0 is the true -π²/3 where PyTorch's formula gives nan: not compared
        OpInfo("sinc at 0", lambda m, x: (x * 0).sinc() * x, unary(), torch=False),
        OpInfo("xlogy(zeros in x)", lambda m, a, b: m.xlogy(a, b), _xlogy_sample),
        OpInfo("frac", lambda m, x: x.frac(), unary(lambda rng, s: rng.integers(-3, 4, s) + rng.uniform(0.2, 0.8, s))),
        OpInfo("logit", lambda m, x: x.logit(), unary(_in(0.1, 0.9))),
        OpInfo("logit(eps)", lambda m, x: x.logit(eps=0.05), unary(_in(0.1, 0.9))),
        OpInfo("nan_to_num", lambda m, x: m.nan_to_num(m.where(x > 1.5, float("nan"), x)),
               unary(lambda rng, s: avoiding(rng, s, points=(1.5,)))),
        OpInfo("float_power (computes in float64 on purpose)", lambda m, a, b: m.float_power(a, b), binary(positive, real),
               gradcheck_kwargs={"eps": 1e-6}),
        OpInfo("repeat_interleave", lambda m, x, **kw: x.repeat_interleave(**kw), _repeat_interleave_sample),
        OpInfo("rot90", lambda m, x, **kw: x.rot90(**kw), _rot90_sample),
        OpInfo("tile", lambda m, x: x.tile((2, 1)), unary(max_dims=2)),
        OpInfo("diag_embed", lambda m, x, **kw: m.diag_embed(x, **kw), _diag_embed_sample),
        OpInfo("diag(1-d)", lambda m, x: m.diag(x, 1), unary(min_dims=1, max_dims=1)),
        OpInfo("take", lambda m, x, index: x.take(index), _take_sample),
        OpInfo("meshgrid", lambda m, a, b, indexing: m.meshgrid(a, b, indexing=indexing), _grid_sample),
        OpInfo("tensor_split", lambda m, x: x.tensor_split(2, dim=-1), unary(min_dims=1)),
        OpInfo("cartesian_prod", lambda m, a, b: m.cartesian_prod(a, b), fixed((2,), (3,))),
    ]
