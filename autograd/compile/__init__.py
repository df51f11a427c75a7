"""`autograd.compile`: record a call once, replay it as a flat program of numpy calls.

    step = autograd.compile(step)          # or @autograd.compile, or autograd.compile(model)
    loss = step(x, y)                      # first call: runs eagerly and records
    loss = step(x, y)                      # later calls with the same signature: replay
    print(step.program(x, y))              # the recorded program, as Python source

The package, in the order a call goes through it:

- `compiled.py`: the cache of recordings per function, the signature a call is looked up by,
  eager fallback with one warning.
- `tracer.py`: recording a call as it runs eagerly: every op's forward (and so every backward
  rule, optimiser update and in-place write), at the numpy level where it can be, else at the
  op level; `watch.py`: what happens outside ops (value reads, `.grad`, `.data`, hooks);
  `proxy.py`: the proxy arrays a forward runs on to be recorded at the numpy level.
- `recording.py`: one recorded call: what it returns and leaves behind, its guards;
  `backward.py`: returned tensors to be differentiated later (`compile(model)` then `backward()`).
- `steps.py`: what a program is made of; `optimize.py`: cheaper programs (aliases, constants,
  common subexpressions, dead code, in-place ufuncs); `program.py`: the program as Python source,
  compiled at the first replay; its listing is `print(compiled.program(...))`.

`autograd.compile` is this package and is callable: `autograd.compile(fn)` is `compile(fn)` below
(so `autograd.compile.CompileWarning` and `import autograd.compile.program` work too).
"""
from __future__ import annotations

import sys
import types

from .compiled import CompiledFunction, CompileWarning
from .program import Program, ReplayError

__all__ = ["compile", "CompiledFunction", "CompileWarning", "Program", "ReplayError"]


def compile(model=None, *, fullgraph: bool = False, dynamic: bool | None = None, backend: str | None = None,
            mode: str | None = None, disable: bool = False, cache_size: int = 8):
    """Compile a function or an `nn.Module` (its forward, hooks included): record a call once, replay it.

    As `torch.compile`, usable as `compile(fn)`, `@compile` and `@compile(fullgraph=True)`.
    - fullgraph: raise (instead of warning and running eagerly) when a call cannot be replayed.
    - dynamic: False or None (shapes are always specialised: a new shape is recorded afresh);
      True is not supported.
    - backend: None or "numpy" (the only one). mode: None or "default".
    - disable: return `model` itself, uncompiled.
    - cache_size: how many recordings one compiled function keeps (signatures × guards).
    """
    if dynamic:
        raise NotImplementedError("autograd.compile: dynamic=True is not supported; shapes are specialised "
                                  "(each new shape is recorded afresh). Pass dynamic=False or leave it None.")
    if backend not in (None, "numpy"):
        raise ValueError(f"autograd.compile: backend {backend!r} does not exist here; the only backend is 'numpy'")
    if mode not in (None, "default"):
        raise ValueError(f"autograd.compile: mode {mode!r} is not supported; use mode=None or 'default'")
    if not isinstance(cache_size, int) or cache_size < 1:
        raise ValueError(f"autograd.compile: cache_size must be a positive int, got {cache_size!r}")

    def wrap(fn):
        if disable:
            return fn
        if not callable(fn):
            raise TypeError(f"autograd.compile: expected a function or an nn.Module, got {type(fn).__name__}")
        if hasattr(fn, "forward") and hasattr(fn, "training") and hasattr(fn, "_parameters"):
            from .compiled import CompiledModule
            return CompiledModule(fn, fullgraph=fullgraph, cache_size=cache_size)
        return CompiledFunction(fn, fullgraph=fullgraph, cache_size=cache_size)

    return wrap if model is None else wrap(model)


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return compile(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
