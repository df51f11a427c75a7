"""Timing, memory and machine-information helpers shared by every workload.

Versions of one workload are timed round-robin (ours, numpy, torch, ours, ...) so
that load from other processes on a shared machine falls on all of them alike:
ratios measured within one run are what the suite reports.
"""
from __future__ import annotations

import gc
import os
import platform
import statistics
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


def time_round_robin(steps: dict, *, warmup: int, repeats: int, number: int) -> dict:
    """Seconds per call of each `steps[name]()`: `repeats` samples of `number` calls, interleaved.

    Returns {name: {"median": s, "min": s, "samples": [...]}}. Garbage collection is
    run before and disabled during each sample so a collection does not land on one version.
    """
    for step in steps.values():
        for _ in range(warmup):
            step()
    samples = {name: [] for name in steps}
    gc_was_enabled = gc.isenabled()
    try:
        for _ in range(repeats):
            for name, step in steps.items():
                gc.collect()
                gc.disable()
                start = time.perf_counter()
                for _ in range(number):
                    step()
                samples[name].append((time.perf_counter() - start) / number)
                gc.enable()
    finally:
        if gc_was_enabled:
            gc.enable()
    return {name: {"median": statistics.median(s), "min": min(s), "samples": s} for name, s in samples.items()}


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
