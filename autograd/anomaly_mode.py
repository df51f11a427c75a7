"""Anomaly detection: `detect_anomaly`, `set_detect_anomaly`.

While it is on (per thread), every recorded node keeps the stack where it was created,
and backward fails on the first NaN or inf a backward rule returns, naming the node, the
module path it was made in and the user's own lines (this library's frames are left out,
as PyTorch does). `check_nan=False` keeps the creation stacks and skips only the check.
"""
from __future__ import annotations

import os
import traceback

import numpy as np

from .grad_mode import state

_LIBRARY_DIRS = tuple(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), name) + os.sep
                      for name in ("autograd", "nn"))


class detect_anomaly:
    """Inside: record where each operation was created and fail on NaN/inf in backward, naming it."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = bool(check_nan)

    def __enter__(self):
        self.prev = (state.anomaly_enabled, state.anomaly_check_nan)
        state.anomaly_enabled, state.anomaly_check_nan = True, self.check_nan
        return self

    def __exit__(self, *exc):
        state.anomaly_enabled, state.anomaly_check_nan = self.prev
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return fn(*args, **kwargs)

        return wrapper


class set_detect_anomaly:
    """Turn anomaly mode on or off: a plain call, or a context manager restoring the previous mode."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self.prev = (state.anomaly_enabled, state.anomaly_check_nan)
        state.anomaly_enabled, state.anomaly_check_nan = bool(mode), bool(check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        state.anomaly_enabled, state.anomaly_check_nan = self.prev
        return False


def is_anomaly_enabled() -> bool:
    return state.anomaly_enabled


def is_anomaly_check_nan_enabled() -> bool:
    return state.anomaly_enabled and state.anomaly_check_nan


def user_frames(stack) -> str:
    """The user's own frames (not this library's) of the stack where a node was created."""
    if not stack:
        return "  (created before anomaly detection was enabled)\n"
    frames = [f for f in stack if not os.path.abspath(f.filename).startswith(_LIBRARY_DIRS)]
    return "".join(traceback.format_list(frames[-6:] or stack[-3:]))


def module_path(scope: tuple) -> str:
    """A node's module scope as named_modules names it: `encoder.layers.0.linear1 (in Model)`."""
    return f"{'.'.join(scope[1:])} (in {scope[0]})" if len(scope) > 1 else scope[0]


def check_finite_gradients(node, input_grads) -> None:
    """Raise, naming the node, its module path and where it was created, if a gradient it returned is not finite."""
    for index, g in enumerate(input_grads):
        if g is not None and g._data.dtype.kind == "f" and not np.all(np.isfinite(g._data)):
            bad = "nan" if np.isnan(g._data).any() else "inf"
            module = f" in module {module_path(node.scope)}" if node.scope else ""
            raise RuntimeError(
                f"Function '{node.name()}' returned {bad} values in its gradient for input {index} "
                f"(shape {g.shape}){module}. The operation was created at:\n{user_frames(node._creation_stack)}"
            )
