"""Normalisation over the batch (`batch_norm`) or over the last dimensions (`layer_norm`).

Both are written with differentiable Tensor operations, so their first and second
derivatives come from the ops. Running statistics are plain buffers updated in place
without recording: `running = (1 - momentum) · running + momentum · batch_statistic`,
with the unbiased batch variance (divide by n - 1), as PyTorch.
"""
from __future__ import annotations

import math

from autograd.function import Op
from autograd.grad_mode import no_grad, state
from autograd.graph import sum_to_shape
from autograd.ops.shape import Connected
from autograd.tensor import Tensor

__all__ = ["batch_norm", "layer_norm", "group_norm", "instance_norm"]


class _AddBias(Op):
    """out + bias (broadcast). The bias gradient, Σ g, is made to depend on the normalised input with
    derivative 0 under create_graph, as in PyTorch's fused normalisation backward (second derivatives
    through it are zeros, not missing)."""

    @staticmethod
    def forward(ctx, out, bias, input):
        ctx.save_for_backward(input)
        ctx.bias_shape = bias.shape
        return out + bias

    @staticmethod
    def backward(ctx, grad):
        input, = ctx.saved_tensors
        grad_bias = sum_to_shape(grad, ctx.bias_shape, "add_bias", 1) if ctx.needs_input_grad[1] else None
        if grad_bias is not None and state.grad_enabled:
            grad_bias = Connected.apply(grad_bias, input)
        return grad, grad_bias, None


def _add_bias(out: Tensor, bias: Tensor, input: Tensor) -> Tensor:
    return _AddBias.apply(out, bias, input)


def _update_running(running: Tensor, batch_statistic: Tensor, momentum: float) -> None:
    """running ← (1 - momentum)·running + momentum·batch_statistic, in place and unrecorded."""
    with no_grad():
        running.mul_(1 - momentum).add_(batch_statistic.detach().to(running.dtype) * momentum)


def _channel_shape(input: Tensor) -> tuple:
    """(1, C, 1, ...): per-channel values broadcast against (N, C, *)."""
    return (1, input.shape[1]) + (1,) * (input.ndim - 2)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None, weight: Tensor | None = None,
               bias: Tensor | None = None, training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) of (N, C), (N, C, L) or (N, C, H, W) input to zero mean, unit variance.

    Training (or no running statistics): use the batch's mean and biased variance, and update the running
    statistics if given. Evaluation: use the running statistics. Then scale by weight and shift by bias.
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"batch_norm: expected a Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, *) with at least 2 dimensions, got {tuple(input.shape)}")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight), ("bias", bias)):
        if t is not None and t.shape != (channels,):
            raise RuntimeError(f"batch_norm: {name} has shape {tuple(t.shape)} but the input {tuple(input.shape)} has "
                               f"{channels} channels (dim 1); it must have shape ({channels},)")
    shape = _channel_shape(input)
    dims = (0,) + tuple(range(2, input.ndim))
    if training or running_mean is None or running_var is None:
        count = input.numel() // channels
        if training and count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got input size "
                             f"{tuple(input.shape)}; use a larger batch or call model.eval()")
        mean = input.mean(dims, keepdim=True)
        centred = input - mean
        var = (centred * centred).mean(dims, keepdim=True)
        if training and running_mean is not None and running_var is not None:
            _update_running(running_mean, mean.reshape(channels), momentum)
            _update_running(running_var, var.reshape(channels) * (count / max(count - 1, 1)), momentum)
        out = centred * (var + eps).rsqrt()
    else:
        mean = running_mean.detach().reshape(shape)
        out = (input - mean) * (running_var.detach().reshape(shape) + eps).rsqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = _add_bias(out, bias.reshape(shape), input)
    return out


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise over the last len(normalized_shape) dimensions of each sample, then scale and shift."""
    if isinstance(normalized_shape, int):
        normalized_shape = (normalized_shape,)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if not isinstance(input, Tensor):
        raise TypeError(f"layer_norm: expected a Tensor, got {type(input).__name__}")
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != normalized_shape:
        raise RuntimeError(f"layer_norm: given normalized_shape={list(normalized_shape)}, expected input with shape "
                           f"[*, {', '.join(map(str, normalized_shape))}], but got input of size {tuple(input.shape)}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise RuntimeError(f"layer_norm: {name} has shape {tuple(t.shape)}, expected normalized_shape {normalized_shape}")
    dims = tuple(range(input.ndim - k, input.ndim))
    mean = input.mean(dims, keepdim=True)
    centred = input - mean
    var = (centred * centred).mean(dims, keepdim=True)
    out = centred * (var + eps).rsqrt()
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = _add_bias(out, bias, input)
    return out


# ----------------------------------------------------------------------------- group and instance norm
def _affine(out: Tensor, weight, bias, op: str, input: Tensor) -> Tensor:
    channels = out.shape[1]
    shape = (1, channels) + (1,) * (out.ndim - 2)
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (channels,):
            raise RuntimeError(f"{op}: {name} has shape {tuple(t.shape)} but the input {tuple(out.shape)} has {channels} "
                               f"channels (dim 1); it must have shape ({channels},)")
    if weight is not None:
        out = out * weight.reshape(shape)
    if bias is not None:
        out = _add_bias(out, bias.reshape(shape), input)
    return out


def _check_input(input, op: str, min_dims: int) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(input).__name__}")
    if input.ndim < min_dims:
        raise ValueError(f"{op}: expected input of shape (N, C, *) with at least {min_dims} dimensions, got {tuple(input.shape)}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got dtype {input.dtype}")


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalise each sample's channels in num_groups groups (mean and biased variance over the group's
    channels and positions), then scale and shift per channel. num_groups=1 is layer norm over (C, *);
    num_groups=C is instance norm."""
    _check_input(input, "group_norm", 2)
    n, channels = input.shape[:2]
    if not isinstance(num_groups, int) or num_groups < 1 or channels % num_groups:
        raise RuntimeError(f"group_norm: expected the number of channels ({channels}) of input {tuple(input.shape)} "
                           f"to be divisible by num_groups, but got num_groups={num_groups}")
    per_group = (n * channels // num_groups) * math.prod(input.shape[2:])
    if per_group == 1:  # PyTorch's _verify_batch_size
        raise ValueError(f"group_norm: expected more than 1 value per channel when training, got input of shape "
                         f"{tuple(input.shape)} with num_groups={num_groups}")
    grouped = input.reshape(n, num_groups, -1)
    mean = grouped.mean(-1, keepdim=True)
    centred = grouped - mean
    var = (centred * centred).mean(-1, keepdim=True)
    out = (centred * (var + eps).rsqrt()).reshape(input.shape)
    return _affine(out, weight, bias, "group_norm", input)


def instance_norm(input: Tensor, running_mean: Tensor | None = None, running_var: Tensor | None = None,
                  weight: Tensor | None = None, bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each (sample, channel) over its positions, then scale and shift per channel.

    With use_input_stats (training, or no running statistics) the statistics are each instance's own, and
    running_mean/running_var, if given, move towards their batch average (unbiased variance, as PyTorch);
    otherwise the running statistics are used.
    """
    _check_input(input, "instance_norm", 3)
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var)):
        if t is not None and tuple(t.shape) != (channels,):
            raise RuntimeError(f"instance_norm: {name} has shape {tuple(t.shape)}, expected ({channels},) for input "
                               f"{tuple(input.shape)}")
    dims = tuple(range(2, input.ndim))
    shape = (1, channels) + (1,) * len(dims)
    if use_input_stats:
        count = input.numel() // (input.shape[0] * channels)
        if count <= 1:
            raise ValueError(f"instance_norm: expected more than 1 spatial element when training, got input size "
                             f"{tuple(input.shape)}")
        mean = input.mean(dims, keepdim=True)
        centred = input - mean
        var = (centred * centred).mean(dims, keepdim=True)
        if running_mean is not None and running_var is not None:
            batch_mean = mean.reshape(input.shape[0], channels).mean(0)
            _update_running(running_mean, batch_mean, momentum)
            _update_running(running_var, var.reshape(input.shape[0], channels).mean(0) * (count / (count - 1)), momentum)
        out = centred * (var + eps).rsqrt()
    else:
        if running_mean is None or running_var is None:
            raise ValueError("instance_norm: use_input_stats=False needs running_mean and running_var")
        out = (input - running_mean.detach().reshape(shape)) * (running_var.detach().reshape(shape) + eps).rsqrt()
    return _affine(out, weight, bias, "instance_norm", input)
