"""Vector norms: `norm` for any p (0, fractions, 1, 2, larger, ±inf, negative), as torch.linalg.vector_norm.

The gradient is PyTorch's norm_backward written in Tensor ops, case by case, so that its
conventions hold here too, first and second derivatives alike: 0 where the norm is 0, the
subgradient 0 at zero entries, ties of the largest |x| sharing the gradient at ±inf.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

from ..function import Op
from ._util import is_integer, normalize_dims, tensor_method
from .reductions import _float_input, _to_keepdim


class Norm(Op):
    """Vector p-norm over dims (torch.linalg.vector_norm): p = 0 counts the non-zero entries, ±inf is the
    largest/smallest |x|, otherwise (Σ|x|^p)^(1/p). The gradient is PyTorch's norm_backward, whose
    conventions at zero norms and zero entries are written beside each case in `_norm_backward`."""

    @staticmethod
    def forward(ctx, x, p, dims, keepdim):
        if (p < 0 or p == math.inf) and x.size == 0 and 0 in [x.shape[d] for d in dims]:
            raise RuntimeError(f"norm: cannot compute the {p} norm over an empty dimension (input of shape {x.shape}, "
                               f"dims {dims}): the operation has no identity")
        a = np.abs(x)
        if p == 0:
            out = np.sum(a != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
        elif math.isinf(p):
            out = (np.max if p > 0 else np.min)(a, axis=dims, keepdims=keepdim)
        elif p == 1:
            out = np.sum(a, axis=dims, keepdims=keepdim)
        elif p == 2:
            out = np.sqrt(np.sum(x * x, axis=dims, keepdims=keepdim))
        else:
            out = np.power(np.sum(np.power(a, p), axis=dims, keepdims=keepdim), 1.0 / p)
        out = np.asarray(out, dtype=x.dtype)
        ctx.save_for_backward(x, out)
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        return _norm_backward(grad, x, ctx.p, out, ctx.dims, ctx.keepdim), None, None, None


def _norm_backward(grad, x, p, norm, dims, keepdim):
    """PyTorch's norm_backward in Tensor ops (differentiable again, with PyTorch's second derivatives)."""
    grad = _to_keepdim(grad, x.shape, dims, keepdim)
    norm = _to_keepdim(norm, x.shape, dims, keepdim)
    if p == 0:
        return None  # piecewise constant: no gradient (PyTorch returns an undefined one)
    if p == 1:
        return x.sign() * grad  # sign(0) = 0: the subgradient 0 at zero entries
    if p == 2:
        return grad * (x / norm).masked_fill(norm == 0, 0.0)  # 0 where the norm is 0
    if math.isinf(p):  # shared evenly among the entries equal to the norm (and NaNs)
        size = x.abs()
        mask = (size == norm) | size.isnan()
        return x.sign() * ((grad / mask.sum(dims, keepdim=True)) * mask)
    if p < 1:  # |x|^(p-1) is infinite at 0: set to 0 there
        scaled = x.sign() * x.abs().pow(p - 1).masked_fill(x == 0, 0.0)
        return scaled * grad * norm.pow(1 - p)
    if p < 2:
        scaled = x.sign() * x.abs().pow(p - 1)
    else:
        scaled = x * x.abs().pow(p - 2)
    return scaled * (grad / norm.pow(p - 1)).masked_fill(norm == 0, 0.0)  # 0 where the norm is 0


_NORM_ORDERS = {"fro": 2.0, None: 2.0, "inf": math.inf, "-inf": -math.inf}


@tensor_method
def norm(input, p="fro", dim=None, keepdim: bool = False, dtype=None):
    """Vector p-norm over `dim` (all when None): p = 'fro' (2), any number, inf or -inf."""
    if dtype is not None:
        input = input.to(dtype)
    _float_input(input, "norm")
    if isinstance(p, str) or p is None:
        if p not in _NORM_ORDERS:
            raise ValueError(f"norm: unsupported p={p!r}; use 'fro', a number, inf or -inf (matrix norms such as "
                             "'nuc' are not supported)")
        if p == "fro" and dim is not None and not is_integer(dim) and len(tuple(dim)) > 2:
            raise RuntimeError(f"norm: p='fro' is a vector norm over one dim or a matrix norm over two; got dim={dim}")
        p = _NORM_ORDERS[p]
    if not isinstance(p, numbers.Real) or isinstance(p, bool):
        raise TypeError(f"norm: p must be a number or 'fro', got {p!r}")
    return Norm.apply(input, float(p), normalize_dims(dim, input.ndim, "norm"), keepdim)
