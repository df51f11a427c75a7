"""`autograd.accelerator`: PyTorch's device-agnostic accelerator queries; there is no accelerator here."""
from __future__ import annotations

__all__ = ["is_available", "current_accelerator", "device_count"]


def is_available() -> bool:
    return False


def current_accelerator(check_available: bool = False):
    """None: the engine runs on the CPU only (as PyTorch answers on a machine without one)."""
    return None


def device_count() -> int:
    return 0
