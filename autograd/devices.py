"""Devices: this engine computes on the CPU only, under PyTorch's names for asking about devices.

`device("cpu")` (or `"cpu"`) is the one device tensors live on; `Tensor.device` is
`device(type='cpu')`. Other devices can be named, as PyTorch code does while deciding where
to run (`device("cuda" if cuda.is_available() else "cpu")`), but creating or moving a tensor
there raises one error saying the engine runs on the CPU. `parse_to` reads the arguments of
`Tensor.to` / `Module.to` with PyTorch's three overloads. The keywords PyTorch accepts for
speed only (`non_blocking`, `pin_memory`, `memory_format`, the strided `layout`) change
nothing here, where every tensor is a contiguous numpy array in ordinary memory.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["device", "memory_format", "preserve_format", "contiguous_format", "channels_last",
           "channels_last_3d", "layout", "strided"]

# The device types PyTorch's device strings may start with (torch.device's own list).
_DEVICE_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia",
                 "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")


class device:
    """A device name, as `torch.device`: `device("cpu")`, `device("cpu", 0)`, `device("cuda:1")`.

    `type` and `index` (None when not given) as PyTorch; `str()` gives "cpu" or "cpu:0". It also
    compares equal to its own string ("cpu" == device("cpu")), which PyTorch's does not, so code
    that compared `Tensor.device` with "cpu" keeps working.
    """

    __slots__ = ("_type", "_index")

    def __init__(self, type, index: int | None = None):  # noqa: A002  (PyTorch's argument name)
        if isinstance(type, device):
            if index is not None:
                raise RuntimeError("device(): an index cannot be given with a device object")
            self._type, self._index = type.type, type.index
            return
        if isinstance(type, (int, np.integer)) and not isinstance(type, bool):
            raise RuntimeError(f"device({type}): a bare index names an accelerator, and none is available: "
                               "this engine runs on the CPU only. Use device('cpu').")
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string such as 'cpu', got {type!r}")
        name, colon, number = type.partition(":")
        if name not in _DEVICE_TYPES:
            raise RuntimeError(f"Expected one of {', '.join(_DEVICE_TYPES)} device type at start of device "
                               f"string: {type}")
        if colon:
            if index is not None:
                raise RuntimeError(f"device(): the string {type!r} has an index, so index= cannot be given too")
            if not number.isdigit():
                raise RuntimeError(f"Invalid device string: {type!r}")
            index = int(number)
        if index is not None:
            if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
                raise TypeError(f"device(): index must be an int, got {index!r}")
            if index < 0:
                raise RuntimeError(f"Device index must not be negative, got {index}")
            index = int(index)
        self._type, self._index = name, index

    @property
    def type(self) -> str:
        return self._type

    @property
    def index(self) -> int | None:
        return self._index

    def __str__(self) -> str:
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __repr__(self) -> str:
        return f"device(type='{self._type}')" if self._index is None else \
            f"device(type='{self._type}', index={self._index})"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self._type == other._type and self._index == other._index

    def __hash__(self) -> int:
        return hash(str(self))  # equal to its string, so it hashes like it

    def __reduce__(self):
        return (device, (self._type, self._index))


CPU = device("cpu")
_Device = device  # for functions whose `device` argument shadows the class


def check_device(where: str, target) -> None:
    """Nothing for None, "cpu", "cpu:0" or a cpu device; otherwise the one error this engine gives for devices."""
    if target is None or target is CPU or target == "cpu":
        return
    named = target if isinstance(target, device) else device(target)  # a bad name raises PyTorch's error
    if named.type != "cpu":
        raise RuntimeError(
            f"{where}: device {str(named)!r} is not available: this engine runs on the CPU only (numpy). "
            "Use device='cpu' or leave it out; autograd.cuda.is_available() is False, so code that picks "
            "its device with it runs here unchanged."
        )


class memory_format:
    """A memory layout request (`contiguous_format`, `channels_last`, ...). Every tensor here is one numpy
    array whose values are the same whatever its strides, so every format gives the same results."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"autograd.{self.name}"

    def __reduce__(self):
        return self.name  # the module-level instance


preserve_format = memory_format("preserve_format")
contiguous_format = memory_format("contiguous_format")
channels_last = memory_format("channels_last")
channels_last_3d = memory_format("channels_last_3d")


class layout:
    """A tensor layout; only `strided` (dense arrays) exists here."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return f"autograd.{self.name}"

    def __reduce__(self):
        return self.name


strided = layout("strided")
_MemoryFormat, _Layout = memory_format, layout


def check_options(where: str, device=None, layout=None, memory_format=None, pin_memory: bool = False,
                  out=None) -> None:
    """The checks for the keywords creation functions share with PyTorch's (dtype is checked where it is used)."""
    check_device(where, device)
    if layout is not None and layout is not strided:
        raise NotImplementedError(f"{where}: layout={layout!r} is not supported; only the dense autograd.strided layout exists")
    if memory_format is not None and not isinstance(memory_format, _MemoryFormat):
        raise TypeError(f"{where}: memory_format must be one of autograd.contiguous_format, preserve_format, "
                        f"channels_last or channels_last_3d, got {memory_format!r}")
    if not isinstance(pin_memory, (bool, np.bool_)):
        raise TypeError(f"{where}: pin_memory must be a bool, got {pin_memory!r}")
    if out is not None:
        raise TypeError(f"{where}: out= is not supported here; use the returned tensor "
                        "(or copy it into yours with out.copy_(result))")


class ToArguments(NamedTuple):
    device: device | None
    dtype: np.dtype | None
    non_blocking: bool
    copy: bool
    memory_format: memory_format | None


def _is_dtype(value) -> bool:
    if isinstance(value, np.dtype):
        return True
    return isinstance(value, type) and (issubclass(value, np.generic) or value in (float, int, bool))


def parse_to(where: str, *args, device=None, dtype=None, non_blocking: bool = False, copy: bool = False,
             memory_format=None) -> ToArguments:
    """The arguments of `.to(...)` by PyTorch's overloads: `to(dtype, non_blocking, copy)`,
    `to(device, dtype, non_blocking, copy)` and `to(tensor, non_blocking, copy)`, keywords anywhere.

    The device is checked (CPU only); the dtype is returned as a numpy dtype. A Module's `.to` can
    call this and use `.dtype` (it must then refuse non-floating dtypes, as PyTorch's does).
    """
    from .tensor import Tensor, _as_dtype

    rest = list(args)
    if rest and isinstance(rest[0], Tensor):
        other = rest.pop(0)
        if device is not None or dtype is not None:
            raise TypeError(f"{where}(other): a tensor argument gives both device and dtype; do not pass them too")
        device, dtype = other.device, other.dtype
    elif rest and _is_dtype(rest[0]):
        if dtype is not None:
            raise TypeError(f"{where}(): dtype given twice")
        dtype = rest.pop(0)
    elif rest and (isinstance(rest[0], (str, _Device, int, np.integer)) and not isinstance(rest[0], bool)):
        if device is not None:
            raise TypeError(f"{where}(): device given twice")
        device = rest.pop(0)
        if rest and _is_dtype(rest[0]):
            if dtype is not None:
                raise TypeError(f"{where}(): dtype given twice")
            dtype = rest.pop(0)
    flags = [non_blocking, copy]
    if len(rest) > 2:
        raise TypeError(f"{where}() received too many positional arguments {args!r}; expected "
                        "(dtype, non_blocking, copy), (device, dtype, non_blocking, copy) or (tensor, non_blocking, copy)")
    for i, value in enumerate(rest):
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{where}() received an invalid combination of arguments {args!r}: expected "
                            "(dtype, non_blocking, copy), (device, dtype, non_blocking, copy) or (tensor, non_blocking, copy)")
        flags[i] = bool(value)
    if isinstance(device, (int, np.integer)) and not isinstance(device, bool):
        _Device(device)  # a bare index: the accelerator error
    check_device(where, device)
    if memory_format is not None and not isinstance(memory_format, _MemoryFormat):
        raise TypeError(f"{where}(): memory_format must be an autograd memory format, got {memory_format!r}")
    dev = None if device is None else (device if isinstance(device, _Device) else CPU)
    return ToArguments(dev, None if dtype is None else np.dtype(_as_dtype(dtype)), flags[0], flags[1], memory_format)
