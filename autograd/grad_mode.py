"""Per-thread modes: whether operations are recorded (`no_grad`, `enable_grad`, `set_grad_enabled`,
`inference_mode`), and the state anomaly detection, module scopes and tracing keep.

As in PyTorch, every thread has its own modes, and a new thread starts with recording on:
a `no_grad()` in a data-loading or serving thread never turns off training in another.
`state` is the one place this per-thread state lives; `Op.apply` reads it on every call.
The context managers flip a mode and restore it, and also work as decorators.
"""
from __future__ import annotations

import functools
import threading


class _ThreadState(threading.local):
    """The modes of the current thread (class attributes are each new thread's defaults)."""

    grad_enabled = True
    anomaly_enabled = False  # record where each op was created (detect_anomaly)
    anomaly_check_nan = True  # with anomaly mode: fail on NaN/inf produced by backward
    module_scope: tuple = ()  # the dotted module path of the nn.Module forward being run, as names (drawing, anomaly)
    module_paths = None  # {id(module): path} of the outermost module being called (nn.Module.__call__ sets it)
    tracer = None  # an object that runs each op's forward while recording it (compile, ONNX export)


state = _ThreadState()


def note(tracer, what: str, *args) -> None:
    """Tell the tracer something it asked to hear about (e.g. `note_module`); tracers that did not ask ignore it."""
    method = getattr(tracer, what, None)
    if method is not None:
        method(*args)


def is_grad_enabled() -> bool:
    """True when new operations are recorded in the graph (in this thread)."""
    return state.grad_enabled


class _GradModeContext:
    """Sets grad mode on entry and restores the previous mode on exit; usable as a decorator."""

    mode = True

    def __enter__(self):
        self.prev = state.grad_enabled
        state.grad_enabled = self.mode
        return self

    def __exit__(self, *exc):
        state.grad_enabled = self.prev
        return False

    def __call__(self, fn):
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            previous = state.grad_enabled
            state.grad_enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                state.grad_enabled = previous

        return wrapper


class _BareDecorator(_GradModeContext):
    """Also usable as a decorator without parentheses (`@no_grad`), as PyTorch 2."""

    def __new__(cls, fn=None):
        if fn is None:
            return super().__new__(cls)
        return cls()(fn)


class no_grad(_BareDecorator):
    """Nothing computed inside is recorded: for evaluation and parameter updates."""

    mode = False


class enable_grad(_BareDecorator):
    """Recording is on inside, even within `no_grad`."""

    mode = True


class inference_mode(_GradModeContext):
    """`no_grad` under PyTorch's newer name (`inference_mode(False)` records, like `enable_grad`)."""

    def __init__(self, mode: bool = True):
        self.mode = not bool(mode)


class set_grad_enabled(_GradModeContext):
    """Turn recording on or off: a plain call, a context manager, or a decorator."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)
        self.prev = state.grad_enabled
        state.grad_enabled = self.mode  # a plain call takes effect at once, as PyTorch

    def __enter__(self):
        return self

    def __call__(self, fn):
        state.grad_enabled = self.prev  # used as a decorator: the constructor's switch is undone
        return super().__call__(fn)


class module_scope:
    """Operations recorded inside are tagged with `name` (nn.Module.__call__ enters one per module)."""

    __slots__ = ("name", "previous")

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        self.previous = state.module_scope
        state.module_scope = self.previous + (self.name,)
        return self

    def __exit__(self, *exc):
        state.module_scope = self.previous
        return False
