"""`summary`: a torchsummary-style table of a model's layers, output shapes and parameter counts.

It runs one forward pass on a zero input (in eval mode and without recording, so the
model, its running statistics and the random generator are left untouched), with a
forward hook on every leaf module that records the output shape and parameter count.
As in torchinfo, the table is returned, not printed: a `ModelSummary` whose repr is the
table (so a notebook cell ending in `nn.summary(...)` shows it, and a script prints it
with `print(nn.summary(...))`) and whose fields hold the numbers for code to read.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from autograd.grad_mode import no_grad
from autograd.tensor import Tensor, get_default_dtype

from .module import Module

__all__ = ["summary", "ModelSummary", "LayerSummary"]


@dataclass
class LayerSummary:
    """One row: `name` as in torchsummary (`Linear-1`), the output shape (batch dim -1 unless given), parameters."""

    name: str
    layer_type: str
    output_shape: list
    num_params: int
    trainable: bool


@dataclass(repr=False)
class ModelSummary:
    """The rows (one `LayerSummary` per leaf module, in call order), the totals and the size estimates; repr is the table."""

    rows: list = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    non_trainable_params: int = 0
    input_size_mb: float = 0.0
    forward_backward_size_mb: float = 0.0
    params_size_mb: float = 0.0
    total_size_mb: float = 0.0

    def __repr__(self) -> str:
        rule, double = "-" * 64, "=" * 64
        lines = [rule, f"{'Layer (type)':>20}  {'Output Shape':>25} {'Param #':>15}", double]
        for row in self.rows:
            lines.append(f"{row.name:>20}  {str(row.output_shape):>25} {row.num_params:>15,}")
        lines += [double,
                  f"Total params: {self.total_params:,}",
                  f"Trainable params: {self.trainable_params:,}",
                  f"Non-trainable params: {self.non_trainable_params:,}",
                  rule,
                  f"Input size (MB): {self.input_size_mb:.2f}",
                  f"Forward/backward pass size (MB): {self.forward_backward_size_mb:.2f}",
                  f"Params size (MB): {self.params_size_mb:.2f}",
                  f"Estimated Total Size (MB): {self.total_size_mb:.2f}",
                  rule]
        return "\n".join(lines)

    __str__ = __repr__


def _shapes(output, batch_size: int):
    """Output shape(s) with the batch dimension shown as `batch_size` (-1 when not given)."""
    if isinstance(output, Tensor):
        shape = list(output.shape)
        if shape:
            shape[0] = batch_size
        return shape
    if isinstance(output, (list, tuple)):
        return [_shapes(o, batch_size) for o in output]
    return []


def _numel(shapes) -> int:
    """Elements in one sample's worth of output shape(s) (the batch entry counts as 1 when -1)."""
    if shapes and all(isinstance(s, int) for s in shapes):
        return abs(math.prod(shapes))
    return sum(_numel(s) for s in shapes if isinstance(s, list))


def summary(model: Module, input_size, batch_size: int = -1, dtype=None, dtypes=None) -> ModelSummary:
    """The table for inputs of shape `input_size` (without the batch dimension), returned, not printed.

    `input_size` is one shape, e.g. (3,), or a list of shapes for a model with several inputs;
    `batch_size` is shown as the first output dimension (-1 when not given, as torchsummary);
    `dtype` (or `dtypes`, one per input) sets the inputs' dtypes (integers for Embedding).
    """
    if not isinstance(model, Module):
        raise TypeError(f"summary: expected an nn.Module, got {type(model).__name__}")
    sizes = [tuple(input_size)] if all(isinstance(s, int) for s in input_size) else [tuple(s) for s in input_size]
    if dtypes is None:
        dtypes = [dtype or get_default_dtype()] * len(sizes)
    dtypes = [np.dtype(d) for d in dtypes]
    run_batch = batch_size if batch_size > 0 else 2  # 2, not 1, so batch statistics are defined
    inputs = [Tensor._wrap(np.zeros((run_batch,) + size, dtype=d)) for size, d in zip(sizes, dtypes)]

    rows: list[LayerSummary] = []

    def hook(module, args, output):
        params = list(module.parameters())
        rows.append(LayerSummary(
            name=f"{type(module).__name__}-{len(rows) + 1}", layer_type=type(module).__name__,
            output_shape=_shapes(output, batch_size), num_params=sum(p.numel() for p in params),
            trainable=any(p.requires_grad for p in params)))

    leaves = [m for m in model.modules() if not any(True for _ in m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with no_grad():
            model(*inputs)
    finally:
        for h in handles:
            h.remove()
        for m, mode in modes:
            object.__setattr__(m, "training", mode)

    params = list(model.parameters())
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    mb = 1024.0**2
    per_batch = abs(batch_size)
    input_bytes = sum(math.prod(size) * per_batch * d.itemsize for size, d in zip(sizes, dtypes))
    float_size = np.dtype(get_default_dtype()).itemsize
    output_bytes = 2 * sum(_numel(r.output_shape) * float_size for r in rows)  # x2: values and their gradients
    params_bytes = sum(p.numel() * p._data.itemsize for p in params)
    return ModelSummary(rows, total, trainable, total - trainable, input_bytes / mb, output_bytes / mb,
                        params_bytes / mb, (input_bytes + output_bytes + params_bytes) / mb)
