"""`autograd.cuda`: PyTorch's CUDA queries, answered for an engine that runs on the CPU only.

`is_available()` is False and `device_count()` is 0, so code that picks its device with them
runs here on the CPU unchanged. The seeding and cache functions do nothing, as PyTorch's do when
there is no GPU; anything that needs a GPU raises the engine's one device error.
"""
from __future__ import annotations

__all__ = ["is_available", "device_count", "is_initialized", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "empty_cache", "synchronize", "current_device", "get_device_name", "set_device", "is_bf16_supported",
           "memory_allocated", "max_memory_allocated", "memory_reserved"]


def is_available() -> bool:
    """False: there is no GPU here."""
    return False


def device_count() -> int:
    return 0


def is_initialized() -> bool:
    return False


def is_bf16_supported(including_emulation: bool = True) -> bool:
    return False


def manual_seed(seed: int) -> None:
    """Seed the GPU generators: there are none, so nothing happens (PyTorch also ignores it without a GPU)."""


def manual_seed_all(seed: int) -> None:
    """As `manual_seed`: nothing to seed."""


def seed() -> None:
    """Nothing to seed."""


def seed_all() -> None:
    """Nothing to seed."""


def empty_cache() -> None:
    """No GPU memory is cached: nothing to free."""


def memory_allocated(device=None) -> int:
    """0 bytes: nothing lives on a GPU."""
    return 0


def max_memory_allocated(device=None) -> int:
    return 0


def memory_reserved(device=None) -> int:
    return 0


def _unavailable(name: str):
    raise RuntimeError(f"autograd.cuda.{name}: there is no GPU: this engine runs on the CPU only. "
                       "Check autograd.cuda.is_available() (False) before using CUDA.")


def synchronize(device=None) -> None:
    _unavailable("synchronize")


def current_device() -> int:
    _unavailable("current_device")


def get_device_name(device=None) -> str:
    _unavailable("get_device_name")


def set_device(device) -> None:
    _unavailable("set_device")
