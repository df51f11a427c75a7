"""Linear algebra: matmul (1-D, 2-D and batched with broadcast batch dims), dot, outer, mv, einsum,
diagonal, trace and cdist."""
from __future__ import annotations

import math
import string

import numpy as np

from ..function import Op
from ..tensor import Tensor
from ._util import normalize_dim, tensor_method, tensor_methods


class Matmul(Op):
    """a @ b with numpy's rules; d/da = g @ bᵀ, d/db = aᵀ @ g (1-D operands promoted, batch dims summed by the engine)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        try:
            return np.matmul(a, b)
        except ValueError:
            raise RuntimeError(_matmul_error(a.shape, b.shape)) from None

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        if a.ndim == 1 and b.ndim == 1:
            return (grad * b if need_a else None), (grad * a if need_b else None)
        if a.ndim == 1:
            g = grad.unsqueeze(-2)
            grad_a = (g @ b.mT).squeeze(-2) if need_a else None
            grad_b = a.unsqueeze(-1) @ g if need_b else None
            return grad_a, grad_b
        if b.ndim == 1:
            g = grad.unsqueeze(-1)
            grad_a = g @ b.unsqueeze(-2) if need_a else None
            grad_b = (a.mT @ g).squeeze(-1) if need_b else None
            return grad_a, grad_b
        return (grad @ b.mT if need_a else None), (a.mT @ grad if need_b else None)


def _matmul_error(a: tuple, b: tuple) -> str:
    """Which rule two matmul shapes break: the inner dimensions, or the broadcasting of the batch dimensions."""
    inner_b = b[-2] if len(b) > 1 else b[0]
    if a[-1] != inner_b:
        return (f"matmul: shapes {a} and {b} cannot be multiplied; the last dimension of the first ({a[-1]}) must "
                f"equal the {'only' if len(b) == 1 else 'second-to-last'} dimension of the second ({inner_b})")
    batch_a, batch_b = a[:-2], b[:-2]
    width = max(len(batch_a), len(batch_b))
    padded_a, padded_b = (1,) * (width - len(batch_a)) + batch_a, (1,) * (width - len(batch_b)) + batch_b
    bad = [i - width for i, (x, y) in enumerate(zip(padded_a, padded_b)) if x != y and 1 not in (x, y)]
    return (f"matmul: the batch dimensions of {a} and {b} (all but the last two) cannot be broadcast together: "
            f"batch dimension {bad[0] - 2} (counted from the end of the shapes) is {padded_a[bad[0]]} in the first "
            f"and {padded_b[bad[0]]} in the second; each must be equal or 1")


def _check_matmul_operands(a, b):
    for name, t in (("first", a), ("second", b)):
        if not isinstance(t, Tensor):
            raise TypeError(f"matmul: the {name} operand must be a Tensor, got {type(t).__name__}")
        if t.ndim == 0:
            raise RuntimeError(f"matmul: both arguments need at least 1 dimension; the {name} is 0-d (use * for scalars)")


@tensor_method(name="__matmul__")
@tensor_method
def matmul(input, other):
    """Matrix product with numpy/PyTorch broadcasting rules."""
    if not isinstance(other, Tensor):
        other = Tensor._from_data(other)
    _check_matmul_operands(input, other)
    return Matmul.apply(input, other)


tensor_methods(__rmatmul__=lambda self, other: matmul(other if isinstance(other, Tensor) else Tensor._from_data(other), self))
# mm, bmm and mv, with PyTorch's strict shapes, are in products.py


@tensor_method
def dot(input, other):
    """Inner product of two 1-D tensors."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape != other.shape:
        raise RuntimeError(
            f"dot: inconsistent tensor size, expected tensor [{input.shape[0]}] and src [{other.shape[0]}] "
            "to have the same number of elements"
        )
    return matmul(input, other)


@tensor_method
def outer(input, vec2):
    """Outer product of two 1-D tensors: out[i, j] = a[i] · b[j]."""
    if input.ndim != 1 or vec2.ndim != 1:
        raise RuntimeError(f"outer: 1D tensors expected, but got {input.ndim}D and {vec2.ndim}D tensors")
    return input.unsqueeze(1) * vec2.unsqueeze(0)


ger = outer


# ----------------------------------------------------------------------------- einsum
def _parse_einsum(equation: str, shapes) -> tuple:
    """Explicit subscripts (no '...', output given) for the operands' shapes."""
    equation = equation.replace(" ", "")
    if "->" in equation:
        inputs, output = equation.split("->")
    else:
        inputs, output = equation, None
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: equation {equation!r} names {len(terms)} operands but {len(shapes)} were given")
    used = set(equation) - set(".,->")
    spare = [c for c in string.ascii_letters if c not in used]
    ellipsis_rank = max((len(s) - (len(t) - 3) for t, s in zip(terms, shapes) if "..." in t), default=0)
    ellipsis = "".join(spare[:ellipsis_rank])
    explicit = []
    for term, shape in zip(terms, shapes):
        if "..." in term:
            rank = len(shape) - (len(term) - 3)
            term = term.replace("...", ellipsis[ellipsis_rank - rank:])
        if len(term) != len(shape):
            raise ValueError(f"einsum: subscripts {term!r} do not match operand of shape {tuple(shape)}")
        explicit.append(term)
    if output is None:
        counts = {}
        for c in "".join(explicit):
            counts[c] = counts.get(c, 0) + 1
        output = ellipsis + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ellipsis))
    else:
        output = output.replace("...", ellipsis)
    return explicit, output


class Einsum(Op):
    """Einstein summation; the gradient of each operand is another einsum of the gradient with the others."""

    @staticmethod
    def forward(ctx, equation, *operands):
        ctx.inputs, ctx.output = _parse_einsum(equation, [o.shape for o in operands])
        ctx.save_for_backward(*operands)
        return np.einsum(",".join(ctx.inputs) + "->" + ctx.output, *operands, optimize=len(operands) > 2)

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        grads = [None]
        for i, (term, operand) in enumerate(zip(ctx.inputs, operands)):
            if not ctx.needs_input_grad[i + 1]:
                grads.append(None)
                continue
            others = [t for j, t in enumerate(ctx.inputs) if j != i]
            available = set(ctx.output).union(*others)
            unique = "".join(dict.fromkeys(c for c in term if c in available))
            partial = einsum(",".join([ctx.output] + others) + "->" + unique,
                             grad, *[o for j, o in enumerate(operands) if j != i])
            grads.append(_expand_to_term(partial, unique, term, operand.shape))
        return tuple(grads)


class DiagonalEmbed(Op):
    """Place values of subscripts `unique` onto a tensor with subscripts `term` (repeats = diagonals)."""

    @staticmethod
    def forward(ctx, x, unique, term, shape):
        ctx.unique, ctx.term = unique, term
        out = np.zeros(shape, dtype=x.dtype)
        np.einsum(term + "->" + unique, out)[...] = x
        return out

    @staticmethod
    def backward(ctx, grad):
        return einsum(ctx.term + "->" + ctx.unique, grad), None, None, None


def _expand_to_term(partial: Tensor, unique: str, term: str, shape) -> Tensor:
    """Broadcast over subscripts only this operand had, and embed onto repeated-subscript diagonals."""
    sizes = dict(zip(term, shape))
    full_unique = "".join(dict.fromkeys(term))
    if unique != full_unique:  # letters summed out of this operand alone: the gradient is constant along them
        partial = partial.reshape(tuple(sizes[c] if c in unique else 1 for c in full_unique))
        partial = partial.expand(tuple(sizes[c] for c in full_unique))
    if full_unique != term:
        return DiagonalEmbed.apply(partial, full_unique, term, tuple(shape))
    return partial


def einsum(equation: str, *operands):
    """Einstein summation over the operands, e.g. einsum('bij,bjk->bik', a, b)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    operands = tuple(o if isinstance(o, Tensor) else Tensor._from_data(o) for o in operands)
    try:
        return Einsum.apply(equation, *operands)
    except ValueError as error:
        raise RuntimeError(f"einsum {equation!r} with operand shapes {[o.shape for o in operands]}: {error}") from None


# ----------------------------------------------------------------------------- diagonals
@tensor_method
def diagonal(input, offset: int = 0, dim1: int = 0, dim2: int = 1):
    """The diagonal over dims (dim1, dim2), moved to the last dimension, as torch.diagonal."""
    import builtins

    d1, d2 = normalize_dim(dim1, input.ndim, "diagonal"), normalize_dim(dim2, input.ndim, "diagonal")
    if d1 == d2:
        raise RuntimeError(f"diagonal: dim1 and dim2 cannot be the same dimension ({dim1}, {dim2})")
    moved = input.movedim(d1, -1).movedim(d2 if d2 < d1 else d2 - 1, -1)
    n, m = moved.shape[-2], moved.shape[-1]
    start, stop = builtins.max(0, -offset), builtins.min(n, m - offset)
    rows = np.arange(start, builtins.max(start, stop))
    return moved[..., rows, rows + offset]


@tensor_method
def trace(input):
    """Sum of the main diagonal of a 2-D tensor."""
    if input.ndim != 2:
        raise RuntimeError(f"trace: expected a 2-D tensor, got shape {input.shape}")
    return input.diagonal().sum()


# ----------------------------------------------------------------------------- distances
class Cdist(Op):
    """The p-norm distance between every row of x1 (..., P, M) and of x2 (..., R, M): (..., P, R).
    Its gradient is PyTorch's _cdist_backward, in Tensor ops (so, unlike PyTorch's, differentiable again),
    with PyTorch's conventions: 0 where the distance is 0, and for p < 1 also where a component is 0; for
    p = inf every component equal to the distance gets the gradient in full."""

    @staticmethod
    def forward(ctx, x1, x2, p):
        diff = np.abs(x1[..., :, None, :] - x2[..., None, :, :])
        if p == 0:
            out = np.sum(np.minimum(np.ceil(diff), 1), axis=-1)
        elif p == 1:
            out = np.sum(diff, axis=-1)
        elif p == 2:
            out = np.sqrt(np.sum(diff * diff, axis=-1))
        elif math.isinf(p):
            out = np.max(diff, axis=-1, initial=0)
        else:
            out = np.power(np.sum(np.power(diff, p), axis=-1), 1.0 / p)
        out = np.asarray(out, dtype=np.result_type(x1, x2))
        ctx.save_for_backward(x1, x2, out)
        ctx.p = p
        return out

    @staticmethod
    def backward(ctx, grad):
        from .activation import where

        x1, x2, dist = ctx.saved_tensors
        p = ctx.p
        if p == 0:  # piecewise constant: zeros, as PyTorch
            from ..creation import zeros_like

            return zeros_like(x1), zeros_like(x2), None
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        g, d = grad.unsqueeze(-1), dist.unsqueeze(-1)
        if p == 1:
            term = g * diff.sign()
        elif math.isinf(p):
            term = g * diff.sign() * (1 - ((diff.abs() - d).abs().ceil()).clamp_max(1))
        else:
            if p < 2:
                inner = diff.sign() * diff.abs().pow(p - 1) * g / d.pow(p - 1)
            elif p == 2:
                inner = g * diff / d
            else:
                inner = diff * diff.abs().pow(p - 2) * g / d.pow(p - 1)
            zero = (d == 0) | (diff == 0) if p < 1 else d == 0
            term = where(zero, 0.0, inner)
        grad_x1 = term.sum(-2) if ctx.needs_input_grad[0] else None
        grad_x2 = -term.sum(-3) if ctx.needs_input_grad[1] else None
        return grad_x1, grad_x2, None


def cdist(x1, x2, p: float = 2.0, compute_mode=None):
    """Pairwise p-norm distances between the rows of x1 (..., P, M) and x2 (..., R, M), batch dims broadcast."""
    from ._util import check_broadcast

    for name, t in (("x1", x1), ("x2", x2)):
        if not isinstance(t, Tensor):
            raise TypeError(f"cdist: {name} must be a Tensor, got {type(t).__name__}")
        if t.ndim < 2:
            raise RuntimeError(f"cdist: expects at least 2-d tensors (..., rows, features); {name} has shape {t.shape}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"cdist: x1 and x2 must have the same number of columns, got {x1.shape} and {x2.shape}")
    if not p >= 0:
        raise RuntimeError(f"cdist: only supports non-negative p values, got {p}")
    if compute_mode not in (None, "use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                            "donot_use_mm_for_euclid_dist"):
        raise ValueError(f"cdist: {compute_mode!r} is not a valid compute_mode")
    check_broadcast("cdist", x1.shape[:-2], x2.shape[:-2])
    return Cdist.apply(x1, x2, float(p))
