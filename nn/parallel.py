"""`nn.DataParallel` (also `nn.parallel.DataParallel`), for PyTorch code that wraps its model in it.

PyTorch's DataParallel splits each batch across GPUs; with no GPU it simply calls the module, and so
does this one (this engine runs on the CPU). The wrapped model is `.module`, so state_dict keys start
with `module.`, as PyTorch's.
"""
from __future__ import annotations

from ._device import check_device
from .module import Module

__all__ = ["DataParallel"]


class DataParallel(Module):
    """Calls `module` on the whole batch (one CPU device). `device_ids` and `output_device` may name only the
    CPU (None, or devices that are "cpu"); `dim` is the batch dimension PyTorch would split along."""

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0):
        super().__init__()
        for device in list(device_ids or ()) + ([output_device] if output_device is not None else []):
            check_device(device, "DataParallel")
        self.module = module
        self.device_ids = [] if device_ids is None else list(device_ids)
        self.output_device = output_device
        self.dim = dim

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)
