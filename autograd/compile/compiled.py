"""`CompiledFunction`: the cache of recordings of one function, and what a call does.

A call computes its signature (the shapes, dtypes and requires_grad of the tensor arguments,
the other arguments' values, grad mode, the default dtype) and looks for a recording of
that signature whose guards hold: the tensors read from outside are the same objects with
the same shapes and flags, the modules called have the same training flags, the optimisers
have the same options and state layout, `.grad` is None where it was None... If one holds,
its program replays; if none does, the call runs eagerly while recording (tracer.py), and
the recording is kept (up to `cache_size` per function).

A call that cannot be replayed honestly (tracer's `problem`) runs eagerly, now and for
every later call with that signature, after one `CompileWarning` naming the cause and the
line (`fullgraph=True` raises instead). A call during which an optimiser made its state (the
first step of Adam or of SGD with momentum) is not kept: the next call records again.
"""
from __future__ import annotations

import functools
import warnings

from ..grad_mode import state
from ..tensor import Tensor, get_default_dtype
from .program import Program, ReplayError
from .recording import Recording, Retry
from .steps import Problem
from .tracer import Tracer, user_line
from .watch import watching_tensors

__all__ = ["CompiledFunction", "CompileWarning"]


class CompileWarning(UserWarning):
    """autograd.compile ran a call eagerly because it could not be replayed (the message says why)."""


_EAGER = "eager"  # a cache entry meaning: this signature always runs eagerly


class CompiledFunction:
    """`fn` with recorded programs replayed for repeated signatures (see the module docstring)."""

    def __init__(self, fn, *, fullgraph: bool = False, cache_size: int = 8, numpy_level: bool = True,
                 optimize: bool = True):
        self.fn = fn
        self.fullgraph, self.cache_size, self.numpy_level, self.optimize = fullgraph, cache_size, numpy_level, optimize
        self._cache: dict = {}  # signature -> [Recording, ...] or _EAGER
        self._recorded = 0
        self._retries: dict = {}
        self._warned: set = set()
        self._code_of = fn  # whose globals and closure variables are read afresh at each replay
        functools.update_wrapper(self, fn)

    # ------------------------------------------------------------------ calling
    def __call__(self, *args, **kwargs):
        if state.tracer is not None or state.anomaly_enabled:  # inside a recording (or an export): just run
            return self.fn(*args, **kwargs)
        key, tensors = signature(args, kwargs)
        entry = self._cache.get(key)
        if entry is _EAGER:
            return self.fn(*args, **kwargs)
        if entry:
            for recording in entry:
                if recording.check(*tensors):
                    try:
                        return recording.replay(*tensors)
                    except ReplayError:
                        entry.remove(recording)
                        raise
        return self._record(key, tensors, args, kwargs)

    def _record(self, key, tensors, args, kwargs):
        if self._recorded >= self.cache_size:
            self._eager(key, f"it was recorded {self.cache_size} times (cache_size) for changing signatures or "
                             "guards; pass cache_size= to keep more", where=user_line())
            return self.fn(*args, **kwargs)
        tracer = Tracer(implicit_tensors(self._code_of), numpy_level=self.numpy_level, fullgraph=self.fullgraph)
        for position, t in enumerate(tensors):
            tracer.input_value(t, position)
        previous = state.tracer
        state.tracer = tracer
        try:
            with watching_tensors():
                result = self.fn(*args, **kwargs)
        except Problem:
            self._eager(key, None)
            raise
        finally:
            state.tracer = previous
        try:
            recording = Recording(tracer, tensors, result, optimize_steps=self.optimize)
        except Problem as problem:
            tracer.problem = tracer.problem or Problem(problem.cause, problem.where or user_line())
            recording = None
        except Retry:
            self._retries[key] = self._retries.get(key, 0) + 1
            if self._retries[key] > 3:
                self._eager(key, Problem("the optimiser's state changed in every recorded call", ""))
            return result
        if tracer.problem is not None:
            if self.fullgraph:
                raise tracer.problem
            self._eager(key, tracer.problem)
            return result
        self._cache.setdefault(key, []).append(recording)
        self._recorded += 1
        return result

    def _eager(self, key, problem, where=None) -> None:
        self._cache[key] = _EAGER
        if problem is None:
            return
        cause = problem if isinstance(problem, str) else problem.cause
        line = where if where is not None else problem.where
        message = f"autograd.compile: running {_fn_name(self.fn)} eagerly: {cause}"
        if line:
            message += f"\n  at {line}"
        if message not in self._warned:
            self._warned.add(message)
            warnings.warn(message, CompileWarning, stacklevel=4)

    # ------------------------------------------------------------------ looking at what was recorded
    def program(self, *args, **kwargs) -> Program:
        """The recorded program that a call with these arguments would replay (call the function first)."""
        key, tensors = signature(args, kwargs)
        entry = self._cache.get(key)
        if entry is _EAGER:
            raise LookupError(f"autograd.compile: calls like this one run {_fn_name(self.fn)} eagerly (see the warning)")
        for recording in entry or ():
            if recording.check(*tensors):
                return recording.program
        raise LookupError(f"autograd.compile: no recording of {_fn_name(self.fn)} matches these arguments yet; "
                          "call the compiled function with them first")

    @property
    def recordings(self) -> list:
        return [r for entry in self._cache.values() if entry is not _EAGER for r in entry]

    def __repr__(self) -> str:
        return f"<compiled {_fn_name(self.fn)}: {len(self.recordings)} recording(s)>"

    def __get__(self, instance, owner):  # used as a method decorator: bind like a function
        if instance is None:
            return self
        return functools.partial(self.__call__, instance)


# --------------------------------------------------------------------------- signatures
def signature(args, kwargs) -> tuple:
    """(key, tensors): what a recording is keyed by, and the argument tensors in order (nested ones too)."""
    key, tensors, seen = [state.grad_enabled, get_default_dtype()], [], {}
    for a in args:
        _flatten(a, key, tensors, seen)
    if kwargs:
        for name in sorted(kwargs):
            key.append(name)
            _flatten(kwargs[name], key, tensors, seen)
    return tuple(key), tensors


def _flatten(obj, key: list, tensors: list, seen: dict) -> None:
    if isinstance(obj, Tensor):
        same = seen.get(id(obj))
        if same is not None:  # the same tensor passed twice
            key.append(("same", same))
            return
        seen[id(obj)] = len(tensors)
        data = obj._data
        key.append((data.shape, data.dtype, obj._requires_grad, obj.grad_fn is None))
        tensors.append(obj)
    elif type(obj) is tuple or type(obj) is list:
        key.append((type(obj), len(obj)))
        for x in obj:
            _flatten(x, key, tensors, seen)
    elif type(obj) is dict:
        key.append((dict, tuple(obj)))
        for x in obj.values():
            _flatten(x, key, tensors, seen)
    else:
        try:
            hash(obj)
            key.append((type(obj), obj))
        except TypeError:
            key.append(("object", id(obj)))


def implicit_tensors(fn) -> dict:
    """The tensors fn's own code reaches as globals or closure variables: read afresh at each replay."""
    found = {}
    fn = getattr(fn, "__func__", fn)  # a bound method: its function
    if not hasattr(fn, "__code__"):
        fn = getattr(type(fn).__call__, "__func__", type(fn).__call__)  # a callable object
    code = getattr(fn, "__code__", None)
    if code is None:
        return found
    namespace = fn.__globals__
    for name in _names(code):
        value = namespace.get(name)
        if isinstance(value, Tensor):
            found[id(value)] = ("global", namespace, name)
    for cell in fn.__closure__ or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        if isinstance(value, Tensor):
            found[id(value)] = ("closure", cell)
    return found


def _names(code):
    yield from code.co_names
    for const in code.co_consts:
        if hasattr(const, "co_names"):
            yield from _names(const)


def _fn_name(fn) -> str:
    return getattr(fn, "__qualname__", None) or type(fn).__name__


class CompiledModule(CompiledFunction):
    """`autograd.compile(module)`: calls the module (its forward, with hooks) through the recordings;
    other attributes (parameters(), train(), state_dict(), ...) are the module's own."""

    def __init__(self, module, **options):
        super().__init__(module.__call__, **options)
        self.__dict__["_orig_mod"] = module
        self._code_of = module.forward

    def __getattr__(self, name):
        return getattr(self.__dict__["_orig_mod"], name)

    def __repr__(self) -> str:
        return f"CompiledModule({self._orig_mod!r})"
