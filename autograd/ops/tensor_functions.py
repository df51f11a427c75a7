"""Functions PyTorch offers for Tensor methods defined elsewhere: `autograd.numel(x)` is `x.numel()`,
`autograd.relu_(x)` is `x.relu_()`, and so on; plus `is_nonzero`, `is_same_size` and the in-place
forms of a few pointwise ops (`erf_`, `log2_`, ...) that had none, and `Tensor.apply_`.

`tests/autograd/test_api.py` checks that every Tensor method PyTorch also has as `torch.<name>`
is an `autograd.<name>`; the names below are the ones of those whose method lives outside `ops`.
"""
from __future__ import annotations

import numpy as np

from ..function import Op
from ..tensor import Tensor
from . import arithmetic, pointwise
from ._util import tensor_method, tensor_methods
from .inplace import _define_inplace

for _name, _op in (("erf_", pointwise.erf), ("log2_", pointwise.log2), ("log10_", pointwise.log10),
                   ("fix_", pointwise.trunc), ("negative_", arithmetic.neg)):
    _define_inplace(_name, _op)


@tensor_method
def is_nonzero(input) -> bool:
    """Whether the single element is non-zero; an error for more or fewer elements, as PyTorch."""
    if input.numel() != 1:
        raise RuntimeError(f"Boolean value of Tensor with {'no values' if input.numel() == 0 else 'more than one value'}"
                           " is ambiguous")
    return bool(input.item())


@tensor_method
def is_same_size(input, other) -> bool:
    """Whether both have the same shape."""
    return input.shape == other.shape


def _as_function(name: str):
    def function(input, *args, **kwargs):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' must be a Tensor, got {type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"`input.{name}(...)`, as torch.{name}."
    return function


# Methods of the Tensor class itself, and in-place methods, that PyTorch also has as functions.
_METHODS = ("numel", "get_device", "is_floating_point", "is_complex", "is_signed", "detach", "detach_", "abs_", "acos_", "acosh_",
            "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_", "asin_", "asinh_", "atan_", "atanh_",
            "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_", "erf_", "erfc_",
            "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_", "frac_", "index_put_", "log10_", "log1p_", "log2_",
            "log_", "logit_", "nan_to_num_", "neg_", "negative_", "rad2deg_", "reciprocal_", "relu_", "round_",
            "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_", "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_",
            "zero_")
for _name in _METHODS:
    globals()[_name] = _as_function(_name)


class ApplyPython(Op):
    """A Python function applied to every element (slow: one Python call each). No gradient."""

    differentiable = False

    @staticmethod
    def forward(ctx, x, function):
        if x.size == 0:
            return x.copy()
        return np.vectorize(function, otypes=[x.dtype])(x)


def _apply_(self, callable):
    """Replace every element by callable(element), in place, as PyTorch's (CPU-only, slow) apply_."""
    from .inplace import inplace

    return inplace(self, "apply_", lambda t: ApplyPython.apply(t, callable))


tensor_methods(apply_=_apply_)
