"""autograd: a readable numpy engine for reverse-mode automatic differentiation.

`Tensor` records the operations applied to it; `backward()` applies the chain rule
through that record. Names and semantics follow PyTorch.
"""
from . import ops  # noqa: F401  (attaches the operations to Tensor)
from .engine import Function, backward, detect_anomaly, grad, is_anomaly_enabled, set_detect_anomaly
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .ops.elementwise import (abs, add, ceil, clamp, clip, cos, div, elu, eq, erf, exp, expm1, floor,
                              floor_divide, ge, gelu, gt, isfinite, isinf, isnan, le, leaky_relu, log, log1p,
                              log2, log10, logical_and, logical_not, logical_or, logsigmoid, lt, maximum,
                              minimum, mul, ne, neg, pow, reciprocal, relu, remainder, round, rsqrt, sigmoid,
                              sign, silu, sin, softplus, sqrt, square, sub, tanh, trunc, where)
from .ops.linalg import dot, einsum, matmul, mm, mv, outer
from .ops.reductions import (all, amax, amin, any, argmax, argmin, cumsum, gather, log_softmax, logsumexp,
                             max, mean, min, norm, prod, softmax, std, std_mean, sum, var, var_mean)
from .ops.shape import (broadcast_tensors, broadcast_to, cat, chunk, clone, concat, expand, flatten, flip,
                        hstack, index_select, masked_fill, movedim, narrow, pad, permute, repeat, reshape,
                        select, split, squeeze, stack, swapaxes, t, transpose, tril, triu, unbind, unsqueeze,
                        vstack)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .viz import draw_graph, print_graph
from .random import default_generator, manual_seed
from .tensor import (Tensor, arange, as_tensor, empty, eye, from_numpy, full, full_like, get_default_dtype,
                     is_tensor, linspace, ones, ones_like, rand, rand_like, randint, randn, randn_like,
                     randperm, set_default_dtype, tensor, zeros, zeros_like)

import numpy as _np

float16, float32, float64 = _np.dtype("float16"), _np.dtype("float32"), _np.dtype("float64")
int8, int16, int32, int64, uint8 = (_np.dtype(n) for n in ("int8", "int16", "int32", "int64", "uint8"))
bool = _np.dtype("bool")  # noqa: A001  (torch.bool)
float, double, half, long = float32, float64, float16, int64  # noqa: A001

from . import functional, testing  # noqa: E402  (after the Tensor API they build on)

__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")]
