"""Initialisers, as `torch.nn.init`: each fills a tensor in place and returns it.

Every draw comes from `autograd.random.default_generator()`, so `autograd.manual_seed`
makes initialisation reproducible bit for bit. The tensor's own array is overwritten
(its dtype kept, its version bumped), so a Parameter keeps its identity.

Scaled initialisers keep the variance of activations roughly constant across layers:
Xavier/Glorot uses Var(W) = gain² · 2/(fan_in + fan_out), Kaiming/He uses
Var(W) = gain²/fan, with fan_in (forward pass) or fan_out (backward pass).
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from autograd.grad_mode import no_grad
from autograd.random import default_generator
from autograd.tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_"]

_LINEAR_LIKE = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def _write(tensor: Tensor, values, where: str) -> Tensor:
    """Overwrite tensor's array in place with `values` (cast to its dtype) and bump its version."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init.{where}: expected a Tensor, got {type(tensor).__name__}")
    with no_grad():
        tensor._data[...] = values
        tensor._bump_version()
    return tensor


def _generator(generator):
    return default_generator() if generator is None else generator


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity: 1 (linear, conv, sigmoid), 5/3 (tanh), √2 (relu),
    √(2/(1+slope²)) (leaky_relu, slope `param`, default 0.01), 3/4 (selu)."""
    if nonlinearity in _LINEAR_LIKE or nonlinearity == "sigmoid":
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, numbers.Real) and not isinstance(param, bool):
            slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """fan_in = in_features × receptive field, fan_out = out_features × receptive field.

    Weights are (out, in) for Linear and (out, in, *kernel) for convolutions.
    """
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
                         f"(got shape {tuple(tensor.shape)})")
    receptive_field = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive_field, tensor.shape[0] * receptive_field


def _calculate_correct_fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0, generator=None) -> Tensor:
    """Fill with U(a, b)."""
    return _write(tensor, _generator(generator).uniform(a, b, tensor.shape), "uniform_")


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with N(mean, std²)."""
    return _write(tensor, _generator(generator).normal(mean, std, tensor.shape), "normal_")


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator=None) -> Tensor:
    """Fill with N(mean, std²) truncated to [a, b] (bounds in absolute units, as PyTorch).

    Exact, by rejection: out-of-range draws are redrawn, a whole batch of them at a time.
    """
    if not a < b:
        raise ValueError(f"trunc_normal_: the bounds must satisfy a < b, got a={a}, b={b}")
    gen = _generator(generator)
    cdf = lambda x: 0.5 * (1 + math.erf((x - mean) / (std * math.sqrt(2))))
    accept = cdf(b) - cdf(a)
    if accept < 1e-6:
        raise ValueError(f"trunc_normal_: [{a}, {b}] holds only {accept:.2g} of N({mean}, {std}²); "
                         "move the bounds nearer the mean")
    out = np.empty(tensor.numel(), dtype=np.float64)
    todo = np.arange(out.size)
    while todo.size:
        draws = gen.normal(mean, std, min(int(todo.size / accept * 1.1) + 16, 10_000_000))
        draws = draws[(draws >= a) & (draws <= b)][: todo.size]
        out[todo[: draws.size]] = draws
        todo = todo[draws.size:]
    return _write(tensor, out.reshape(tensor.shape), "trunc_normal_")


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with `val`."""
    return _write(tensor, val, "constant_")


def ones_(tensor: Tensor) -> Tensor:
    return _write(tensor, 1, "ones_")


def zeros_(tensor: Tensor) -> Tensor:
    return _write(tensor, 0, "zeros_")


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity (preserves the inputs of a Linear layer)."""
    if tensor.ndim != 2:
        raise ValueError(f"nn.init.eye_: only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    return _write(tensor, np.eye(*tensor.shape), "eye_")


def _no_elements(tensor: Tensor, where: str) -> bool:
    if 0 in tensor.shape:
        warnings.warn(f"Initializing zero-element tensors is a no-op ({where})", stacklevel=3)
        return True
    return False


def xavier_uniform_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot: U(-a, a) with a = gain·√(6/(fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """Glorot: N(0, std²) with std = gain·√(2/(fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                     generator=None) -> Tensor:
    """He: U(-bound, bound) with bound = gain·√(3/fan); `a` is the leaky_relu slope used for the gain."""
    if _no_elements(tensor, "kaiming_uniform_"):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor: Tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu",
                    generator=None) -> Tensor:
    """He: N(0, std²) with std = gain/√fan."""
    if _no_elements(tensor, "kaiming_normal_"):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    return normal_(tensor, 0.0, std, generator)


def orthogonal_(tensor: Tensor, gain: float = 1.0, generator=None) -> Tensor:
    """A (semi-)orthogonal matrix from the QR decomposition of a Gaussian one, times `gain`.

    Tensors with more than 2 dimensions are treated as (shape[0], rest flattened).
    """
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported "
                         f"(nn.init.orthogonal_ got shape {tuple(tensor.shape)})")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    flat = _generator(generator).normal(0.0, 1.0, (rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))  # makes the decomposition unique, so q is uniformly distributed
    if rows < cols:
        q = q.T
    return _write(tensor, (gain * q).reshape(tensor.shape), "orthogonal_")


def _default_layer_init_(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's default for Linear and Conv layers: kaiming_uniform_(a=√5) for the weight, which is
    U(±1/√fan_in), and U(±1/√fan_in) for the bias."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)
