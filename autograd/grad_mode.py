"""Whether operations are recorded for backward: `no_grad`, `enable_grad`, `set_grad_enabled`.

One module-level flag, read by `Function.apply` on every call; the context managers
flip it and restore it, and also work as decorators.
"""
from __future__ import annotations

import functools

_enabled = True


def is_grad_enabled() -> bool:
    """True when new operations are recorded in the graph."""
    return _enabled


def _set(flag: bool) -> None:
    global _enabled
    _enabled = bool(flag)


class set_grad_enabled:
    """Turn recording on or off; a context manager, a decorator, or a plain call."""

    def __init__(self, mode: bool):
        self.prev = _enabled
        self.mode = bool(mode)
        _set(self.mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _set(self.prev)
        return False

    def __call__(self, fn):
        mode = self.mode
        _set(self.prev)  # the constructor switched the flag; a decorator must not

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class _GradMode:
    mode = True

    def __enter__(self):
        self.prev = _enabled
        _set(self.mode)
        return self

    def __exit__(self, *exc):
        _set(self.prev)
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Nothing computed inside is recorded: for evaluation and parameter updates."""

    mode = False


class enable_grad(_GradMode):
    """Recording is on inside, even within `no_grad`."""

    mode = True
