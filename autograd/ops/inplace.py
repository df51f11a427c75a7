"""In-place operations (`x.add_(y)`, `x += y`, `x[i] = v`, `fill_`, `copy_`, `uniform_`, ...).

Each in-place method computes its op out of place and writes the result into the tensor's
storage with the `Assign` op (the one way tensor storage is overwritten, so tracing sees
every write), then bumps the version counter shared with views. While recording, the op
runs on a snapshot of the old value, so a saved input is never the tensor being
overwritten, and the tensor takes over the op's `grad_fn`.
"""
from __future__ import annotations

import numpy as np

from ..function import Op
from ..grad_mode import state
from ..tensor import Tensor
from ._util import as_tensor_arg, tensor_methods
from .promotion import can_cast

__all__ = []  # in-place forms are Tensor methods only (x.add_), as in PyTorch


class Assign(Op):
    """Write `src` into the array `dst` (broadcasting): copy, or add when `accumulate`. Mutates its first argument."""

    differentiable = False
    writes_input = True

    @staticmethod
    def forward(ctx, dst, src, accumulate):
        if accumulate:
            np.add(dst, src, out=dst, casting="unsafe")
        else:
            np.copyto(dst, src, casting="unsafe")
        return ()


def write_into(target: Tensor, array_or_tensor, accumulate: bool = False) -> None:
    """Overwrite (or add into) `target`'s storage and bump its version."""
    Assign.apply(target, array_or_tensor, accumulate)
    target._bump_version()


def inplace(self: Tensor, name: str, op, *args) -> Tensor:
    """Apply `op(self, *args)` in place: write its result into self's storage and take over its grad_fn."""
    recording = state.grad_enabled and (self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args))
    if recording:
        if self.grad_fn is None and self._requires_grad:
            raise RuntimeError(
                f"{name}: a leaf tensor that requires grad is being used in an in-place operation. "
                "Wrap the update in `with autograd.no_grad():`, or use the out-of-place form."
            )
        if self._base is not None:
            raise RuntimeError(
                f"{name}: in-place operation on a view (of shape {self.shape}) while recording gradients is "
                "not supported: the view's base would not see the change in its graph. Use an out-of-place "
                "operation, or .clone() the view first."
            )
        snapshot = self.clone() if self._requires_grad else self.detach().clone()
        result = op(snapshot, *args)
    else:
        previous = state.grad_enabled
        state.grad_enabled = False
        try:
            result = op(self, *args)
        finally:
            state.grad_enabled = previous
    if result._data.shape != self._data.shape:
        raise RuntimeError(
            f"{name}: the result has shape {result.shape} but the in-place target has shape {self.shape}; "
            "an in-place operation cannot change the shape (broadcasting only goes the other way)."
        )
    if not can_cast(result._data.dtype, self._data.dtype):  # PyTorch's rule: never into a lower category
        raise RuntimeError(
            f"{name}: result type {result._data.dtype} can't be cast to the in-place target's dtype {self._data.dtype}"
        )
    write_into(self, result)
    if recording:
        self.grad_fn, self._output_nr, self._requires_grad = result.grad_fn, result._output_nr, result._requires_grad
    return self


def _define_inplace(name, op):
    def method(self, *args, **kwargs):
        return inplace(self, name, lambda t, *a: op(t, *a, **kwargs), *args)
    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place form of {op.__name__}."
    tensor_methods(**{name: method})


def _attach_inplace_forms():
    from . import activation, arithmetic, pointwise

    forms = {
        "add_": arithmetic.add, "sub_": arithmetic.sub, "mul_": arithmetic.mul, "div_": arithmetic.div,
        "pow_": arithmetic.pow, "neg_": arithmetic.neg, "abs_": arithmetic.abs, "remainder_": arithmetic.remainder,
        "fmod_": arithmetic.fmod, "reciprocal_": arithmetic.reciprocal, "square_": arithmetic.square,
        "floor_divide_": arithmetic.floor_divide,
        "__iadd__": arithmetic.add, "__isub__": arithmetic.sub, "__imul__": arithmetic.mul,
        "__itruediv__": arithmetic.div, "__ipow__": arithmetic.pow, "__ifloordiv__": arithmetic.floor_divide,
        "__imod__": arithmetic.remainder,
        "exp_": pointwise.exp, "log_": pointwise.log, "sqrt_": pointwise.sqrt, "rsqrt_": pointwise.rsqrt,
        "sin_": pointwise.sin, "cos_": pointwise.cos, "tanh_": pointwise.tanh, "sigmoid_": pointwise.sigmoid,
        "floor_": pointwise.floor, "ceil_": pointwise.ceil, "round_": pointwise.round, "trunc_": pointwise.trunc,
        "sign_": pointwise.sign, "log1p_": pointwise.log1p, "expm1_": pointwise.expm1,
        "relu_": activation.relu, "clamp_": activation.clamp, "clip_": activation.clamp,
        "clamp_min_": activation.clamp_min, "clamp_max_": activation.clamp_max,
        "leaky_relu_": activation.leaky_relu, "elu_": activation.elu,
    }
    for name, op in forms.items():
        _define_inplace(name, op)


_attach_inplace_forms()


class Fill(Op):
    """Every element set to a number; the gradient is zeros (PyTorch's fill_: the result stays in the graph,
    with derivative 0, so later gradients through it are connected as PyTorch's are)."""

    @staticmethod
    def forward(ctx, x, value):
        return np.full(x.shape, value, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        from ..creation import zeros_like

        return zeros_like(grad), None


def _fill_(self, value):
    """Set every element to `value` (a number, or a one-element tensor)."""
    from .activation import where

    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise RuntimeError(f"fill_: value must be a number or a one-element tensor, got shape {value.shape}")
        return inplace(self, "fill_", lambda t, v: where(True, v.reshape(()), t), value)
    return inplace(self, "fill_", lambda t: Fill.apply(t, value))


def _zero_(self):
    """Set every element to 0."""
    return _fill_(self, 0)


def _copy_(self, src, non_blocking: bool = False):
    """Copy `src` (broadcast to self's shape) into self; the gradient flows to `src`."""
    from .activation import where

    src = as_tensor_arg(src, self)
    return inplace(self, "copy_", lambda t, s: where(True, s, t).to(t.dtype), src)


def _uniform_(self, a: float = 0.0, b: float = 1.0, generator=None):
    """Fill with samples from U(a, b), from the shared generator."""
    from ..random import sample
    return inplace(self, "uniform_", lambda t: sample("uniform", t.shape, t.dtype, a, b, generator=generator))


def _normal_(self, mean: float = 0.0, std: float = 1.0, generator=None):
    """Fill with samples from N(mean, std²), from the shared generator."""
    from ..random import sample
    return inplace(self, "normal_", lambda t: sample("normal", t.shape, t.dtype, mean, std, generator=generator))


def _masked_fill_(self, mask, value):
    from .activation import where
    return inplace(self, "masked_fill_", lambda t, v: where(mask, v, t), value)


tensor_methods(fill_=_fill_, zero_=_zero_, copy_=_copy_, uniform_=_uniform_, normal_=_normal_,
               masked_fill_=_masked_fill_)
