"""autograd: a readable numpy engine for reverse-mode automatic differentiation.

`Tensor` records the operations applied to it; `backward()` applies the chain rule
through that record. Names and semantics follow PyTorch. The operations' names are
derived from `autograd.ops` (see its docstring); the rest of the API is listed here.
"""
from . import ops
from .anomaly_mode import detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled, set_detect_anomaly
from .engine import backward, grad
from .function import Function, Op, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .ops import *  # noqa: F403  (every operation, as autograd.<name>)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .viz import draw_graph, print_graph
from .random import (Generator, are_deterministic_algorithms_enabled, default_generator, get_rng_state, initial_seed,
                     manual_seed, seed, seed_everything, set_rng_state, use_deterministic_algorithms)
from .tensor import Size, Tensor, get_default_dtype, is_tensor, set_default_dtype, set_printoptions
from .creation import (arange, as_tensor, asarray, empty, empty_like, eye, from_dlpack, from_numpy, full, full_like,
                       linspace, logspace, ones, ones_like, rand, rand_like, randint, randint_like, randn, randn_like,
                       randperm, scalar_tensor, tensor, zeros, zeros_like)
from .serialization import SerializationError, load, save
from .devices import channels_last, channels_last_3d, contiguous_format, device, memory_format, preserve_format, strided
from .dtypes import *  # noqa: F403  (float32, long, bool, ... and finfo, iinfo)
from .legacy import (BoolTensor, ByteTensor, CharTensor, DoubleTensor, FloatTensor, HalfTensor, IntTensor, LongTensor,
                     ShortTensor, Variable)
from . import accelerator, backends, cuda  # noqa: E402  (PyTorch's device queries: there is only the CPU)
from . import functional, onnx, testing  # noqa: E402  (after the Tensor API they build on)
from . import compile  # noqa: E402,A004  (torch.compile's name: the package is callable, see its docstring)

__version__ = "0.1.0"

__all__ = [name for name in dir() if not name.startswith("_")]
