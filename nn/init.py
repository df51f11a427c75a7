"""Initialisers, as `torch.nn.init`: each fills a tensor in place (under no_grad) and returns it.

Every draw comes from `autograd.random.default_generator()` (or the `generator` given) through ops
(`Tensor.uniform_`/`normal_` draw with the `Sample` op; the draws of trunc_normal_, orthogonal_ and
sparse_ are ops of their own here), and every write is an in-place op, so `autograd.manual_seed`
makes initialisation reproducible bit for bit, a Parameter keeps its identity and its version is bumped.

Scaled initialisers keep the variance of activations roughly constant across layers:
Xavier/Glorot uses Var(W) = gain² · 2/(fan_in + fan_out), Kaiming/He uses
Var(W) = gain²/fan, with fan_in (forward pass) or fan_out (backward pass).
PyTorch's deprecated names without the trailing underscore (`xavier_uniform`, ...) warn and call these.
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from autograd.function import Op
from autograd.grad_mode import no_grad
from autograd.ops.inplace import write_into
from autograd.random import default_generator
from autograd.tensor import Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "constant_", "ones_", "zeros_", "eye_", "dirac_",
           "xavier_uniform_", "xavier_normal_", "kaiming_uniform_", "kaiming_normal_", "orthogonal_", "sparse_",
           "uniform", "normal", "constant", "xavier_uniform", "xavier_normal", "kaiming_uniform", "kaiming_normal",
           "orthogonal", "sparse"]

_LINEAR_LIKE = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def _check(tensor, where: str) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"nn.init.{where}: expected a Tensor, got {type(tensor).__name__}")


def _write(tensor: Tensor, values: Tensor, where: str) -> Tensor:
    """Overwrite tensor's storage with `values` (cast to its dtype, as an op) and bump its version."""
    _check(tensor, where)
    with no_grad():
        write_into(tensor, values)
    return tensor


class _Draw(Op):
    """An initialiser's random values of `shape`: `draw(generator, shape)` run inside the op."""

    draws_random = True

    differentiable = False

    @staticmethod
    def forward(ctx, draw, shape, dtype, generator):
        return np.asarray(draw(default_generator() if generator is None else generator, shape)).astype(dtype)


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
    _check(tensor, "uniform_")
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, generator=None) -> Tensor:
    """Fill with N(mean, std²)."""
    _check(tensor, "normal_")
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0,
                  generator=None) -> Tensor:
    """Fill with N(mean, std²) truncated to [a, b] (bounds in absolute units, as PyTorch).

    Exact, by rejection: out-of-range draws are redrawn, a whole batch of them at a time.
    """
    if not a < b:
        raise ValueError(f"trunc_normal_: the bounds must satisfy a < b, got a={a}, b={b}")
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. The distribution of values may "
                      "be incorrect.", stacklevel=2)
    cdf = lambda x: 0.5 * (1 + math.erf((x - mean) / (std * math.sqrt(2))))  # noqa: E731
    accept = cdf(b) - cdf(a)
    if accept < 1e-6:
        raise ValueError(f"trunc_normal_: [{a}, {b}] holds only {accept:.2g} of N({mean}, {std}²); "
                         "move the bounds nearer the mean")

    def draw(gen, shape):
        out = np.empty(math.prod(shape), dtype=np.float64)
        todo = np.arange(out.size)
        while todo.size:
            draws = gen.normal(mean, std, min(int(todo.size / accept * 1.1) + 16, 10_000_000))
            draws = draws[(draws >= a) & (draws <= b)][: todo.size]
            out[todo[: draws.size]] = draws
            todo = todo[draws.size:]
        return out.reshape(shape)

    _check(tensor, "trunc_normal_")
    return _write(tensor, _Draw.apply(draw, tuple(tensor.shape), tensor.dtype, generator), "trunc_normal_")


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with `val`."""
    _check(tensor, "constant_")
    with no_grad():
        return tensor.fill_(val)


def ones_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 1)


def zeros_(tensor: Tensor) -> Tensor:
    return constant_(tensor, 0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity (preserves the inputs of a Linear layer)."""
    if not isinstance(tensor, Tensor) or tensor.ndim != 2:
        raise ValueError(f"nn.init.eye_: only 2-D tensors are supported, got shape {tuple(getattr(tensor, 'shape', ()))}")
    return _write(tensor, Tensor._wrap(np.eye(*tensor.shape)), "eye_")


def dirac_(tensor: Tensor, groups: int = 1) -> Tensor:
    """Fill a 3-, 4- or 5-D convolution weight with the Dirac delta: each output channel copies one input
    channel (per group), so the convolution passes its input through."""
    if not isinstance(tensor, Tensor) or tensor.ndim not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported (nn.init.dirac_ got shape "
                         f"{tuple(getattr(tensor, 'shape', ()))})")
    out_channels = tensor.shape[0]
    if out_channels % groups:
        raise ValueError("dim 0 must be divisible by groups")
    per_group = out_channels // groups
    values = np.zeros(tensor.shape)
    centre = tuple(k // 2 for k in tensor.shape[2:])
    for g in range(groups):
        for d in range(min(per_group, tensor.shape[1])):
            values[(g * per_group + d, d) + centre] = 1
    return _write(tensor, Tensor._wrap(values), "dirac_")


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
    if not isinstance(tensor, Tensor) or tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported "
                         f"(nn.init.orthogonal_ got shape {tuple(getattr(tensor, 'shape', ()))})")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows

    def draw(gen, shape):
        flat = gen.normal(0.0, 1.0, (rows, cols))
        if rows < cols:
            flat = flat.T
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))  # makes the decomposition unique, so q is uniformly distributed
        if rows < cols:
            q = q.T
        return (gain * q).reshape(shape)

    return _write(tensor, _Draw.apply(draw, tuple(tensor.shape), tensor.dtype, generator), "orthogonal_")


def sparse_(tensor: Tensor, sparsity: float, std: float = 0.01, generator=None) -> Tensor:
    """A 2-D tensor of N(0, std²) values with ⌈sparsity·rows⌉ entries of each column set to zero (chosen at random),
    as in Martens (2010)."""
    if not isinstance(tensor, Tensor) or tensor.ndim != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported (nn.init.sparse_ got shape "
                         f"{tuple(getattr(tensor, 'shape', ()))})")
    rows, cols = tensor.shape
    zeros = int(math.ceil(sparsity * rows))

    def draw(gen, shape):
        values = gen.normal(0.0, std, shape)
        for column in range(cols):
            values[gen.permutation(rows)[:zeros], column] = 0
        return values

    return _write(tensor, _Draw.apply(draw, tuple(tensor.shape), tensor.dtype, generator), "sparse_")


def _default_layer_init_(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's default for Linear and Conv layers: kaiming_uniform_(a=√5) for the weight, which is
    U(±1/√fan_in), and U(±1/√fan_in) for the bias."""
    kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = _calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        uniform_(bias, -bound, bound)


def _deprecated(new):
    old = new.__name__[:-1]

    def call(*args, **kwargs):
        warnings.warn(f"`nn.init.{old}` is now deprecated in favor of `nn.init.{new.__name__}`.", FutureWarning,
                      stacklevel=2)
        return new(*args, **kwargs)

    call.__name__ = call.__qualname__ = old
    call.__doc__ = f"Deprecated (as in PyTorch): use nn.init.{new.__name__}."
    return call


uniform, normal, constant = _deprecated(uniform_), _deprecated(normal_), _deprecated(constant_)
xavier_uniform, xavier_normal = _deprecated(xavier_uniform_), _deprecated(xavier_normal_)
kaiming_uniform, kaiming_normal = _deprecated(kaiming_uniform_), _deprecated(kaiming_normal_)
orthogonal, sparse = _deprecated(orthogonal_), _deprecated(sparse_)
