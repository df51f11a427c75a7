"""`linear` (y = x Wᵀ + b) as one fused Function, and `bilinear`.

Fusing the matmul, transpose and bias add into one node keeps the graph small (one
node per layer instead of three) and lets backward flatten the leading dimensions
so the weight gradient is a single 2-D matrix product.
"""
from __future__ import annotations

import math

from autograd.function import Op
from autograd.tensor import Tensor

__all__ = ["linear", "bilinear"]


class Linear(Op):
    """out = x Wᵀ + b for x of shape (..., in), W (out, in), b (out,).

    d/dx = g W,  d/dW = gᵀ x (summed over the leading dimensions),  d/db = Σ g over them.
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        ctx.has_bias = bias is not None
        x2 = x.reshape(math.prod(x.shape[:-1]), x.shape[-1])  # a view for contiguous inputs: one BLAS call
        out = x2 @ weight.T
        if bias is not None:
            out += bias
        return out.reshape(x.shape[:-1] + (weight.shape[0],))

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        out_features, in_features = weight.shape
        rows = math.prod(x.shape[:-1])  # explicit sizes: -1 is ambiguous for an empty batch
        g2 = grad if grad.ndim == 2 else grad.reshape(rows, out_features)
        grad_x = grad @ weight if need_x else None
        grad_w = _TransposedMatmul.apply(g2, x if x.ndim == 2 else x.reshape(rows, in_features)) if need_w else None
        grad_b = g2.sum(0) if need_b and ctx.has_bias else None
        return grad_x, grad_w, grad_b


class _TransposedMatmul(Op):
    """aᵀ b for 2-D a (n, o) and b (n, i) as one node (was a transpose node and a matmul node)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a.T @ b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return (b @ grad.mT if ctx.needs_input_grad[0] else None,
                a @ grad if ctx.needs_input_grad[1] else None)


def _check_linear(input, weight, bias) -> None:
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"linear: {name} must be a Tensor, got {type(t).__name__}")
    if weight.ndim != 2:
        raise RuntimeError(f"linear: weight must be 2-D (out_features, in_features), got shape {tuple(weight.shape)}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"linear: input of shape {tuple(input.shape)} cannot be multiplied by weight of shape {tuple(weight.shape)}: "
            f"the input's last dimension must equal in_features={weight.shape[1]}. Check the layer's in_features, "
            "or flatten the input first (nn.Flatten)."
        )
    if bias is not None and (not isinstance(bias, Tensor) or bias.shape not in ((weight.shape[0],), ())):
        raise RuntimeError(f"linear: bias must have shape ({weight.shape[0]},) to match weight {tuple(weight.shape)}, "
                           f"got {tuple(bias.shape) if isinstance(bias, Tensor) else type(bias).__name__}")
    if input.dtype != weight.dtype:
        raise RuntimeError(
            f"linear: input dtype {input.dtype} and weight dtype {weight.dtype} differ (mat1 and mat2 must have the same "
            f"dtype); convert the input (x.to({weight.dtype})) or the model (model.to({input.dtype}) / model.double())."
        )


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x Wᵀ + b, applied to the last dimension of x."""
    _check_linear(input, weight, bias)
    return Linear.apply(input, weight, bias)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y_k = x1ᵀ A_k x2 + b_k, with weight A of shape (out, in1, in2)."""
    if weight.ndim != 3 or input1.shape[-1] != weight.shape[1] or input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear: inputs {tuple(input1.shape)} and {tuple(input2.shape)} do not match weight "
                           f"{tuple(weight.shape)} (out_features, in1_features, in2_features)")
    from autograd.ops.linalg import einsum

    out = einsum("...i,kij,...j->...k", input1, weight, input2)
    return out if bias is None else out + bias

