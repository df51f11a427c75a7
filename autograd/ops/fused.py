"""Pointwise combinations PyTorch offers as one function: addcmul, addcdiv, lerp, logaddexp, logaddexp2.

addcmul, addcdiv and lerp are compositions of Tensor ops (their derivatives come from those),
evaluated in PyTorch's order so the values agree. logaddexp is an op of its own: log(eᵃ + eᵇ)
is computed without overflow, and its derivative eᵃ⁻ᵒᵘᵗ is written with Tensor ops.
"""
from __future__ import annotations

import math

import numpy as np

from ..function import Op
from ..tensor import Tensor
from ._util import tensor_method


def _floating(op: str, *tensors) -> None:
    for t in tensors:
        if isinstance(t, Tensor) and t.dtype.kind not in "fc":
            raise NotImplementedError(f"{op}: not implemented for dtype {t.dtype} (as in PyTorch); convert with .float()")


@tensor_method
def addcmul(input, tensor1, tensor2, *, value=1):
    """input + value · tensor1 · tensor2."""
    product = tensor1 * tensor2 if value == 1 else (tensor1 * value) * tensor2
    return input + product


@tensor_method
def addcdiv(input, tensor1, tensor2, *, value=1):
    """input + value · tensor1 / tensor2 (floating tensors only, as PyTorch)."""
    for t in (tensor1, tensor2):
        if isinstance(t, Tensor) and t.dtype.kind in "biu":
            raise RuntimeError("addcdiv: integer division with addcdiv is no longer supported (as in PyTorch); use "
                               "input + value * tensor1 / tensor2 with floating tensors")
    quotient = tensor1 / tensor2
    return input + (quotient if value == 1 else quotient * value)


@tensor_method
def lerp(input, end, weight):
    """input + weight · (end - input), as PyTorch evaluates it: from `end` back when |weight| >= 0.5, so both
    ends are exact."""
    _floating("lerp", input, end, weight)
    difference = end - input
    if isinstance(weight, Tensor):
        from .activation import where

        return where(weight.abs() < 0.5, input + weight * difference, end - difference * (1 - weight))
    return input + difference * weight if abs(weight) < 0.5 else end - difference * (1 - weight)


class LogAddExp(Op):
    """log(eᵃ + eᵇ) without overflow; d/da = e^(a - out), d/db = e^(b - out)."""

    @staticmethod
    def forward(ctx, a, b):
        out = np.logaddexp(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        return (grad * (a - out).exp() if ctx.needs_input_grad[0] else None,
                grad * (b - out).exp() if ctx.needs_input_grad[1] else None)


class LogAddExp2(Op):
    """log₂(2ᵃ + 2ᵇ) without overflow; d/da = 2^(a - out)."""

    @staticmethod
    def forward(ctx, a, b):
        out = np.logaddexp2(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        return (grad * ((a - out) * math.log(2)).exp() if ctx.needs_input_grad[0] else None,
                grad * ((b - out) * math.log(2)).exp() if ctx.needs_input_grad[1] else None)


def _logaddexp_operands(op, input, other):
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        raise TypeError(f"{op}: both arguments must be tensors (as in PyTorch), got {type(input).__name__} and "
                        f"{type(other).__name__}")
    _floating(op, input, other)
    if input.dtype != other.dtype:
        from .promotion import result_type

        dtype = result_type(input, other)
        input, other = input.to(dtype), other.to(dtype)
    return input, other


@tensor_method
def logaddexp(input, other):
    """log(exp(input) + exp(other)), elementwise and stable."""
    return LogAddExp.apply(*_logaddexp_operands("logaddexp", input, other))


@tensor_method
def logaddexp2(input, other):
    """log₂(2^input + 2^other), elementwise and stable."""
    return LogAddExp2.apply(*_logaddexp_operands("logaddexp2", input, other))
