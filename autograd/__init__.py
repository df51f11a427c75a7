"""autograd: a readable numpy engine for reverse-mode automatic differentiation.

`Tensor` records the operations applied to it; `backward()` applies the chain rule
through that record. Names and semantics follow PyTorch. The operations' names are
derived from `autograd.ops` (see its docstring); the rest of the API is listed here.
"""
import numpy as _np

from . import ops
from .anomaly_mode import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly
from .engine import backward, grad
from .function import Function, Op, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .ops import *  # noqa: F403  (every operation, as autograd.<name>)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .viz import draw_graph, print_graph
from .random import default_generator, get_rng_state, manual_seed, seed_everything, set_rng_state
from .tensor import Tensor, get_default_dtype, is_tensor, set_default_dtype
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like, linspace, ones,
                       ones_like, rand, rand_like, randint, randn, randn_like, randperm, tensor, zeros, zeros_like)

float16, float32, float64 = _np.dtype("float16"), _np.dtype("float32"), _np.dtype("float64")
int8, int16, int32, int64, uint8 = (_np.dtype(n) for n in ("int8", "int16", "int32", "int64", "uint8"))
bool = _np.dtype("bool")  # noqa: A001  (torch.bool)
float, double, half, long, short = float32, float64, float16, int64, int16  # noqa: A001
int = int32  # noqa: A001  (torch.int)

from . import functional, testing  # noqa: E402  (after the Tensor API they build on)
from . import compile  # noqa: E402,A004  (torch.compile's name: the package is callable, see its docstring)

__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")]
