"""The one device this engine has: checks for the `device=` arguments PyTorch code passes to layers and `to()`."""
from __future__ import annotations


def is_cpu(device) -> bool:
    """True for 'cpu', 'cpu:0' and device objects whose `.type` is 'cpu' (such as autograd.device('cpu'))."""
    kind = device if isinstance(device, str) else getattr(device, "type", None)
    return isinstance(kind, str) and kind.split(":")[0] == "cpu"


def check_device(device, where: str) -> None:
    """Accept None or the CPU; anything else (cuda, mps, a GPU index) is refused with a clear message."""
    if device is not None and not is_cpu(device):
        raise RuntimeError(f"{where}: this engine runs on the CPU only, got device={device!r}; use device='cpu' "
                           "(or leave it unset)")
