"""Sample generators of particular operations: indexing, shapes, dims and keyword variants."""
from __future__ import annotations

import math

import numpy as np

import autograd as ag

from .draw import (
    avoiding,
    bool_mask,
    broadcastable_pair,
    count,
    distinct,
    grid_pair,
    nonzero,
    positive,
    random_dims,
    real,
    shape,
    unary,
)
from .info import MAX_SIDE, OpInfo, Sample


# --------------------------------------------------------------------------- indexing samples
def getitem_sample(kind):
    def sample(rng):
        if kind == "int":
            s = shape(rng, 1, 3)
            index = int(rng.integers(-s[0], s[0]))
        elif kind == "slices":
            s = shape(rng, 2, 3)
            index = (slice(int(rng.integers(0, s[0])), None), slice(None, None, 2))
        elif kind == "negative-step":
            s = shape(rng, 1, 3)
            index = slice(None, None, -int(rng.integers(1, 3)))
        elif kind == "none-ellipsis":
            s = shape(rng, 2, 3)
            index = (None, Ellipsis, int(rng.integers(0, s[-1])), None)
        elif kind == "bool-mask":
            s = shape(rng, 1, 3)
            index = ag.tensor(bool_mask(rng, s))
        elif kind == "int-array-repeats":
            s = shape(rng, 1, 3)
            index = rng.integers(0, s[0], size=int(rng.integers(1, 5)))
            index[0] = index[-1]  # at least one repeat when there are two or more
            index = index.tolist()
        elif kind == "mixed":
            s = shape(rng, 2, 3)
            index = (slice(None), ag.tensor(rng.integers(-s[1], s[1], size=(2, 2))))
        else:
            raise ValueError(kind)
        return Sample([real(rng, s)], {"index": index})
    return sample


def setitem_sample(kind):
    def sample(rng):
        s = shape(rng, 1, 3, min_side=2)
        if kind == "basic":
            index = (slice(0, 1),) + (Ellipsis,)
        elif kind == "advanced":
            index = ag.tensor(rng.integers(0, s[0], size=1))
        else:
            index = ag.tensor(bool_mask(rng, s))
        value_shape = np.zeros(s)[index._data if isinstance(index, ag.Tensor) else index].shape
        if kind == "basic" and rng.random() < 0.5:
            value_shape = value_shape[1:]  # broadcast the value over the first dim
        return Sample([real(rng, s), real(rng, value_shape)], {"index": index})
    return sample


def setitem(m, x, value, index):
    y = x.clone()
    y[index] = value
    return y


def _index_shape(rng, s, dim, along):
    """An index shape no larger than `s` outside `dim` (PyTorch reads only that region), `along` long at dim."""
    index_shape = [int(rng.integers(1, v + 1)) for v in s]
    index_shape[dim] = along
    return index_shape


def gather_sample(rng):
    s = shape(rng, 1, 3)
    dim = int(rng.integers(-len(s), len(s)))
    index_shape = _index_shape(rng, s, dim, int(rng.integers(1, MAX_SIDE + 2)))  # may be longer: repeats
    index = rng.integers(0, s[dim], size=index_shape)
    return Sample([real(rng, s)], {"dim": dim, "index": ag.tensor(index)})


def take_along_dim_sample(rng):
    """An index that broadcasts against the input outside `dim` (sizes equal or 1), values may be negative."""
    s = shape(rng, 1, 3)
    dim = int(rng.integers(-len(s), len(s)))
    index_shape = [v if rng.random() < 0.6 else 1 for v in s]
    index_shape[dim] = int(rng.integers(1, MAX_SIDE + 2))
    index = rng.integers(-s[dim], s[dim], size=index_shape)
    return Sample([real(rng, s)], {"dim": dim, "index": ag.tensor(index)})


def scatter_sample(repeats: bool, larger_src: bool = True):
    """(input, src) with an index no larger than either; without repeats, the positions along dim differ
    within each lane (with repeats, scatter's last write would make the gradient a convention)."""
    def sample(rng):
        s = shape(rng, 1, 3)
        dim = int(rng.integers(-len(s), len(s)))
        n = s[dim]
        along = int(rng.integers(1, (n if not repeats else MAX_SIDE + 1) + 1))
        index_shape = _index_shape(rng, s, dim, along)
        if repeats:
            index = rng.integers(0, n, size=index_shape)
        else:
            lanes = np.moveaxis(np.zeros(index_shape, dtype=np.int64), dim, -1)
            for lane in np.ndindex(lanes.shape[:-1]):
                lanes[lane] = rng.permutation(n)[:along]
            index = np.moveaxis(lanes, -1, dim)
        src_shape = [v + int(rng.integers(0, 2)) if larger_src else v for v in index_shape]
        return Sample([real(rng, s), real(rng, tuple(src_shape))], {"dim": dim, "index": ag.tensor(index)})
    return sample


def index_add_sample(rng):
    s = shape(rng, 1, 3)
    dim = int(rng.integers(-len(s), len(s)))
    index = rng.integers(0, s[dim], size=int(rng.integers(1, 5)))  # repeats accumulate
    source = list(s)
    source[dim] = len(index)
    return Sample([real(rng, s), real(rng, tuple(source))], {"dim": dim, "index": ag.tensor(index)})


def roll_sample(rng):
    s = shape(rng, 0, 3)
    kind = int(rng.integers(0, 3)) if s else 0
    if kind == 0:  # dims=None: the flattened tensor
        return Sample([real(rng, s)], {"shifts": int(rng.integers(-5, 6)), "dims": None})
    count = int(rng.integers(1, 3))
    dims = tuple(int(d) for d in rng.integers(-len(s), len(s), size=count))  # repeated dims roll twice
    return Sample([real(rng, s)], {"shifts": tuple(int(v) for v in rng.integers(-5, 6, size=count)), "dims": dims})


def unfold_sample(rng):
    s = shape(rng, 0, 3)
    dim = int(rng.integers(-len(s), len(s))) if s else 0
    n = s[dim] if s else 1
    return Sample([real(rng, s)], {"dimension": dim, "size": int(rng.integers(0, n + 1)),
                                   "step": int(rng.integers(1, 4))})


def reshape_sample(rng):
    s = shape(rng, 0, 3)
    n = math.prod(s)
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    d = int(rng.choice(divisors))
    target = [(d, n // d), (n,), (-1,), (1, n, 1), (d, -1)][int(rng.integers(0, 5))]
    return Sample([real(rng, s)], {"shape": target})


def permute_sample(rng):
    s = shape(rng, 1, 3)
    return Sample([real(rng, s)], {"dims": tuple(int(d) for d in rng.permutation(len(s)))})


def expand_sample(rng):
    s = list(shape(rng, 0, 2))
    for i in range(len(s)):
        if rng.random() < 0.5:
            s[i] = 1
    target = [int(rng.integers(1, MAX_SIDE + 1)) for _ in range(int(rng.integers(0, 2)))]
    target += [int(rng.integers(1, MAX_SIDE + 1)) if v == 1 else v for v in s]
    if rng.random() < 0.3 and s:
        target[-1] = -1
    return Sample([real(rng, tuple(s))], {"sizes": tuple(target)})


def repeat_sample(rng):
    s = shape(rng, 0, 2, max_side=2)
    reps = tuple(int(r) for r in rng.integers(1, 3, size=len(s) + int(rng.integers(0, 2))))
    return Sample([real(rng, s)], {"repeats": reps})


def dim_sample(min_dims=1, max_dims=3, extra=0):
    """One input and a single dim (maybe negative); `extra` allows dims one past the end (unsqueeze)."""
    def sample(rng):
        s = shape(rng, min_dims, max_dims)
        n = len(s) + extra
        return Sample([real(rng, s)], {"dim": int(rng.integers(-n, n))})
    return sample


def cat_sample(stack: bool):
    def sample(rng):
        s = shape(rng, 0 if stack else 1, 2)
        n = len(s) + (1 if stack else 0)
        dim = int(rng.integers(-n, n))
        shapes = []
        for _ in range(int(rng.integers(1, 4))):
            t = list(s)
            if not stack:
                t[dim] = int(rng.integers(1, MAX_SIDE + 1))
            shapes.append(tuple(t))
        return Sample([real(rng, t) for t in shapes], {"dim": dim})
    return sample


def split_sample(rng):
    s = shape(rng, 1, 3)
    dim = int(rng.integers(-len(s), len(s)))
    n = s[dim]
    if rng.random() < 0.5:
        arg = int(rng.integers(1, n + 1))
    else:
        cut = sorted(int(c) for c in rng.integers(0, n + 1, size=2))
        arg = [cut[0], cut[1] - cut[0], n - cut[1]]
    return Sample([real(rng, s)], {"split_size_or_sections": arg, "dim": dim})


def pad_sample(rng):
    """Widths from -1 (cropping one element, where the dimension has more than one) to 2."""
    s = shape(rng, 1, 3)
    k = int(rng.integers(1, len(s) + 1))
    pad = []
    for i in range(k):
        n = s[len(s) - 1 - i]
        low = -1 if n > 2 else 0
        pad += [int(v) for v in rng.integers(low, 3, size=2)]
    return Sample([real(rng, s)], {"pad": tuple(pad), "value": float(rng.uniform(-1, 1))})


def prod_sample(zeros: int):
    def sample(rng):
        s = shape(rng, 1, 3, min_side=1)
        x = nonzero(rng, s)
        dim = None if rng.random() < 0.4 else int(rng.integers(-len(s), len(s)))
        flat = x.reshape(-1)
        if zeros and flat.size >= zeros:
            if dim is None:
                flat[rng.choice(flat.size, size=zeros, replace=False)] = 0.0
            else:
                # put the zeros in one slice along dim, where they interact
                moved = np.moveaxis(x, dim, 0)
                if moved.shape[0] >= zeros:
                    lane = tuple(int(rng.integers(0, k)) for k in moved.shape[1:])
                    for r in rng.choice(moved.shape[0], size=zeros, replace=False):
                        moved[(int(r),) + lane] = 0.0
        kwargs = {"dim": dim}
        if dim is not None:
            kwargs["keepdim"] = bool(rng.random() < 0.5)
        return Sample([x], kwargs)
    return sample


def softplus_sample(rng):
    beta, threshold = [(1.0, 20.0), (2.0, 1.0), (0.5, 0.5)][int(rng.integers(0, 3))]
    s = shape(rng)
    # the linear switch is at beta * x = threshold: stay away from it
    return Sample([avoiding(rng, s, points=(threshold / beta,), low=-3, high=3)], {"beta": beta, "threshold": threshold})


def where_sample(rng):
    sc, sa = broadcastable_pair(rng)
    sb = broadcastable_pair(rng)[0] if rng.random() < 0.3 else sa
    try:
        np.broadcast_shapes(sc, sa, sb)
    except ValueError:
        sb = sa
    return Sample([real(rng, sa), real(rng, sb)], {"condition": ag.tensor(bool_mask(rng, sc))})


def norm_sample(p):
    def sample(rng):
        s = shape(rng, 1, 3)
        dim = random_dims(rng, len(s))
        if p == "fro" and isinstance(dim, tuple) and len(dim) > 2:  # 'fro' takes one or two dims, as PyTorch
            dim = dim[:2]
        if p in (math.inf, -math.inf):
            magnitudes = distinct(rng, s)
            x = (magnitudes - magnitudes.min() + 0.25) * rng.choice([-1.0, 1.0], s)  # |x| distinct and not 0
        else:
            x = avoiding(rng, s)
        return Sample([x], {"p": p, "dim": dim, "keepdim": bool(rng.random() < 0.5)})
    return sample


def extremes_sample(dim: str):
    """Distinct values (no ties) and `dim`: 'none' (no argument), 'single' (one int) or 'any' (int/tuple/None)."""
    def sample(rng):
        s = shape(rng, 1 if dim == "single" else 0, 3)
        kwargs = {}
        if dim == "single":
            kwargs = {"dim": int(rng.integers(-len(s), len(s))), "keepdim": bool(rng.random() < 0.5)}
        elif dim == "any":
            kwargs = {"dim": random_dims(rng, len(s)), "keepdim": bool(rng.random() < 0.5)}
        return Sample([distinct(rng, s)], kwargs)
    return sample


def sort_sample(topk: bool):
    def sample(rng):
        s = shape(rng, 1, 3)
        dim = int(rng.integers(-len(s), len(s)))
        if topk:
            kwargs = {"k": int(rng.integers(0, s[dim] + 1)), "dim": dim, "largest": bool(rng.random() < 0.5)}
        else:
            kwargs = {"dim": dim, "descending": bool(rng.random() < 0.5)}
        return Sample([distinct(rng, s)], kwargs)
    return sample


def diagonal_sample(rng):
    s = shape(rng, 2, 3)
    d1, d2 = (int(d) for d in rng.choice(len(s), size=2, replace=False))
    return Sample([real(rng, s)], {"offset": int(rng.integers(-2, 3)), "dim1": d1, "dim2": d2 - len(s)})


def sum_to_size_sample(rng):
    big, small = broadcastable_pair(rng)
    if np.broadcast_shapes(big, small) != big:
        big, small = small, big
    if np.broadcast_shapes(big, small) != big:
        small = big
    return Sample([real(rng, big)], {"size": small})


def var_sample(rng):
    for _ in range(100):
        s = shape(rng, 1, 3)
        dim = random_dims(rng, len(s))
        correction = int(rng.integers(0, 3))
        if count(s, dim) >= correction + 1 and count(s, dim) >= 2:
            break
    else:
        s, dim, correction = (3,), 0, 1
    return Sample([real(rng, s)], {"dim": dim, "correction": correction, "keepdim": bool(rng.random() < 0.5)})


def tri_sample(rng):
    s = shape(rng, 2, 3)
    return Sample([real(rng, s)], {"diagonal": int(rng.integers(-1, 2))})


def einsum_sample(equation, *shape_of):
    def sample(rng):
        n, k, m, b = (int(v) for v in rng.integers(1, MAX_SIDE + 1, 4))
        sizes = {"n": n, "k": k, "m": m, "b": b}
        return Sample([real(rng, tuple(sizes[c] for c in s)) for s in shape_of], {"equation": equation})
    return sample


def clamp_sample(which):
    def sample(rng):
        s = shape(rng)
        lo, hi = -0.5, 0.5
        kwargs = {"min": lo, "max": hi} if which == "both" else ({"min": lo} if which == "min" else {"max": hi})
        return Sample([avoiding(rng, s, points=(lo, hi))], kwargs)
    return sample


def inplace_unary(name, domain=real):
    def op(m, x):
        y = x.clone()
        return getattr(y, name)()
    return OpInfo(f"Tensor.{name} (in-place)", op, unary(domain))


def inplace_binary(name, domain_b=real):
    def op(m, x, other):
        y = x.clone()
        return getattr(y, name)(other)

    def sample(rng):
        s = shape(rng)
        other = s[int(rng.integers(0, len(s) + 1)):]
        return Sample([real(rng, s), domain_b(rng, other)])
    return OpInfo(f"Tensor.{name} (in-place)", op, sample)


def masked_fill_sample(rng):
    s = shape(rng)
    return Sample([real(rng, s)], {"mask": ag.tensor(bool_mask(rng, s)), "value": float(rng.uniform(-1, 1))})


def masked_fill_tensor_sample(rng):
    s = shape(rng)
    return Sample([real(rng, s), real(rng, ())], {"mask": ag.tensor(bool_mask(rng, s))})


def copy_sample(rng):
    s = shape(rng, 1, 3)
    return Sample([real(rng, s), real(rng, s[1:])])  # the source broadcasts over the first dim


def transpose_sample(rng):
    s = shape(rng, 1, 3)
    return Sample([real(rng, s)], {"dim0": int(rng.integers(-len(s), len(s))), "dim1": int(rng.integers(-len(s), len(s)))})


def flip_sample(rng):
    s = shape(rng, 1, 3)
    k = int(rng.integers(1, len(s) + 1))
    return Sample([real(rng, s)], {"dims": tuple(int(d) - len(s) * int(rng.integers(0, 2))
                                                 for d in rng.choice(len(s), size=k, replace=False))})


def narrow_sample(rng):
    s = shape(rng, 1, 3)
    dim = int(rng.integers(-len(s), len(s)))
    start = int(rng.integers(0, s[dim]))
    return Sample([real(rng, s)], {"dim": dim, "start": start, "length": int(rng.integers(1, s[dim] - start + 1))})


def select_sample(rng):
    s = shape(rng, 1, 3)
    dim = int(rng.integers(-len(s), len(s)))
    return Sample([real(rng, s)], {"dim": dim, "index": int(rng.integers(-s[dim], s[dim]))})


def index_select_sample(rng):
    s = shape(rng, 1, 3)
    dim = int(rng.integers(-len(s), len(s)))
    return Sample([real(rng, s)], {"dim": dim, "index": ag.tensor(rng.integers(0, s[dim], size=int(rng.integers(1, 5))))})


def flatten_sample(rng):
    s = shape(rng, 0, 3)
    if not s:
        return Sample([real(rng, s)], {})
    a, b = sorted(int(d) for d in rng.integers(0, len(s), size=2))
    return Sample([real(rng, s)], {"start_dim": a, "end_dim": b - len(s) if rng.random() < 0.5 else b})


def squeeze_sample(rng):
    s = tuple(1 if rng.random() < 0.5 else v for v in shape(rng, 0, 3))
    kwargs = {} if not s or rng.random() < 0.5 else {"dim": int(rng.integers(-len(s), len(s)))}
    return Sample([real(rng, s)], kwargs)


def chunk_sample(rng):
    s = shape(rng, 1, 3)
    return Sample([real(rng, s)], {"chunks": int(rng.integers(1, 4)), "dim": int(rng.integers(-len(s), len(s)))})


def broadcast_add_sample(rng):
    """A small operand broadcast against one with extra leading dims: sum_to_shape's job."""
    trailing = shape(rng, 1, 2)
    big = shape(rng, 1, 2) + trailing
    small = tuple(1 if rng.random() < 0.3 else v for v in trailing)
    return Sample([real(rng, big), real(rng, small)])


def away_from_integers(rng, shape):
    """Values whose fractional part is in [0.2, 0.8]: rounding is constant around each of them."""
    return rng.integers(-3, 4, shape) + rng.uniform(0.2, 0.8, shape)


def division_sample(rng):
    """(a, b) with b > 0 and a/b away from integers, so remainder and rounded division are smooth there."""
    sa, sb = broadcastable_pair(rng)
    b = positive(rng, sb)
    a = np.broadcast_to(b, np.broadcast_shapes(sa, sb)) * away_from_integers(rng, np.broadcast_shapes(sa, sb))
    if a.shape != tuple(sa):  # keep a's own shape: use its values where it is not broadcast
        a = away_from_integers(rng, sa) * 0.25
        b = np.full(sb, 1.0)
    return Sample([np.array(a, dtype=np.float64), b])


def cdist_sample(p):
    """Rows of x1 and x2 on interleaved grids (every component differs: no zero distance or component, where
    the gradient is a convention); for p = inf one feature, so the largest component is unique."""
    def sample(rng):
        batch = () if rng.random() < 0.5 else (int(rng.integers(1, 3)),)
        rows1, rows2 = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        features = 1 if math.isinf(p) else int(rng.integers(1, 4))
        a, b = grid_pair(rng, batch + (rows1, features), batch + (rows2, features))
        return Sample([a, b], {"p": p})
    return sample
