"""Padding layers, as PyTorch's: ConstantPadNd, ZeroPadNd, ReflectionPadNd, ReplicationPadNd, CircularPadNd
(N = 1, 2, 3 padded dimensions). Each calls `nn.functional.pad` with its mode."""
from __future__ import annotations

import numbers

from autograd.tensor import Tensor

from .. import functional as F
from ..module import Module

__all__ = [f"{kind}Pad{n}d" for kind in ("Constant", "Zero", "Reflection", "Replication", "Circular")
           for n in (1, 2, 3)]


def _widths(padding, dims: int, name: str) -> tuple:
    if isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        return (int(padding),) * (2 * dims)
    widths = tuple(int(p) for p in padding)
    if len(widths) != 2 * dims:
        raise ValueError(f"{name}: padding must be an int or a tuple of {2 * dims} ints, got {padding!r}")
    return widths


class _PadNd(Module):
    """Reflection, replication or circular padding (`_mode`) of the last `_dims` dimensions."""

    _dims = 1
    _mode = "reflect"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _widths(padding, self._dims, type(self).__name__)

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim not in (self._dims + 1, self._dims + 2):
            raise ValueError(f"{type(self).__name__}: expected {self._dims + 1}D or {self._dims + 2}D input, got "
                             f"{input.ndim}D input of shape {tuple(input.shape)}")
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(Module):
    """Pad with `value` (any number of leading dimensions)."""

    _dims = 1

    def __init__(self, padding, value: float) -> None:
        super().__init__()
        self.padding = _widths(padding, self._dims, type(self).__name__)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    """Pad with zeros."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


def _pad_class(name: str, base, dims: int, doc: str, mode: str | None = None):
    attrs = {"_dims": dims, "__module__": __name__, "__qualname__": name,
             "__doc__": f"{doc} (padding: an int, or {2 * dims} ints from the last dimension backwards)."}
    if mode is not None:
        attrs["_mode"] = mode
    return type(name, (base,), attrs)


ConstantPad1d = _pad_class("ConstantPad1d", _ConstantPadNd, 1, "Pad the last dimension with `value`")
ConstantPad2d = _pad_class("ConstantPad2d", _ConstantPadNd, 2, "Pad the last 2 dimensions with `value`")
ConstantPad3d = _pad_class("ConstantPad3d", _ConstantPadNd, 3, "Pad the last 3 dimensions with `value`")
ZeroPad1d = _pad_class("ZeroPad1d", _ZeroPadNd, 1, "Pad the last dimension with zeros")
ZeroPad2d = _pad_class("ZeroPad2d", _ZeroPadNd, 2, "Pad the last 2 dimensions with zeros")
ZeroPad3d = _pad_class("ZeroPad3d", _ZeroPadNd, 3, "Pad the last 3 dimensions with zeros")
ReflectionPad1d = _pad_class("ReflectionPad1d", _PadNd, 1, "Reflect the last dimension at its ends", "reflect")
ReflectionPad2d = _pad_class("ReflectionPad2d", _PadNd, 2, "Reflect the last 2 dimensions at their ends", "reflect")
ReflectionPad3d = _pad_class("ReflectionPad3d", _PadNd, 3, "Reflect the last 3 dimensions at their ends", "reflect")
ReplicationPad1d = _pad_class("ReplicationPad1d", _PadNd, 1, "Repeat the edge values of the last dimension",
                              "replicate")
ReplicationPad2d = _pad_class("ReplicationPad2d", _PadNd, 2, "Repeat the edge values of the last 2 dimensions",
                              "replicate")
ReplicationPad3d = _pad_class("ReplicationPad3d", _PadNd, 3, "Repeat the edge values of the last 3 dimensions",
                              "replicate")
CircularPad1d = _pad_class("CircularPad1d", _PadNd, 1, "Wrap the last dimension around", "circular")
CircularPad2d = _pad_class("CircularPad2d", _PadNd, 2, "Wrap the last 2 dimensions around", "circular")
CircularPad3d = _pad_class("CircularPad3d", _PadNd, 3, "Wrap the last 3 dimensions around", "circular")
