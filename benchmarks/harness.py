"""Memory, agreement and machine-information helpers shared by the runner and its workers."""
from __future__ import annotations

import gc
import os
import platform
import time
import tracemalloc

import numpy as np


def blas_threads() -> tuple[int, str]:
    """How many threads numpy's BLAS uses, and which library it is (threadpoolctl if installed)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return os.cpu_count() or 1, "unknown (threadpoolctl not installed)"
    for pool in threadpool_info():
        if pool.get("user_api") == "blas":
            return int(pool["num_threads"]), f"{pool.get('internal_api')} {pool.get('version')}"
    return os.cpu_count() or 1, "unknown"


def machine_info(torch_module=None) -> dict:
    threads, blas = blas_threads()
    info = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "processor": _cpu_name(),
        "cores": os.cpu_count(),
        "numpy": np.__version__,
        "blas": blas,
        "blas_threads": threads,
        "torch": getattr(torch_module, "__version__", None),
        "torch_threads": torch_module.get_num_threads() if torch_module is not None else None,
        "date_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average": load_average(),
    }
    return info


def load_average() -> float | None:
    """The 1-minute load average (runnable processes), where the OS reports one."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def peak_memory(step) -> int:
    """Peak bytes allocated (Python objects and numpy buffers, via tracemalloc) during one `step()`.

    Only allocations made during the call count: weights and data that exist before it do not.
    """
    step()  # warm-up: caches, lazily made buffers, first-call allocations
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base, _ = tracemalloc.get_traced_memory()
        step()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base


def agree(a, b, rtol: float, atol: float) -> tuple[bool, float]:
    """Whether two check vectors agree: max|a-b| <= atol + rtol * max|b|; also the relative error."""
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.shape != b.shape:
        return False, float("inf")
    scale = float(np.max(np.abs(b))) if b.size else 0.0
    err = float(np.max(np.abs(a - b))) if a.size else 0.0
    return err <= atol + rtol * scale, err / max(scale, 1e-30)
