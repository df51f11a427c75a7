"""Run a ported PyTorch program on this engine (through `autograd.run_torch`) and on PyTorch, alike.

Both runs start from the same numbers, so their losses can be compared step by step:
- weights: the first time the script calls a model (a module not inside one already called), the
  PyTorch run records its `state_dict` and our run loads that state dict into its own model (by the
  same names, strictly: a differently named or shaped parameter fails the comparison);
- random draws the script itself makes (`torch.randn`, `rand`, `randint`, `randperm`, `normal`,
  `multinomial`, `*_like`) and every dropout mask (`F.dropout`, and the attention-weight dropout of
  `F.scaled_dot_product_attention`, computed by PyTorch's reference formula when it drops) come from
  numpy streams seeded alike in both runs;
  draws made inside either library (initialisers, a sampler's own seed) stay each engine's own;
- Python's `random` and numpy's global generator are seeded alike before each run.
Every `backward()` on a one-element tensor records its value: those are the losses compared.
"""
from __future__ import annotations

import contextlib
import io
import os
import random
import runpy
import sys
from dataclasses import dataclass, field

import numpy as np

import autograd
from autograd import run_torch

PORTS = os.path.dirname(os.path.abspath(__file__))


@dataclass
class Trace:
    """What one run of a program did: the loss at each backward, the state dicts it started from, stdout."""

    losses: list = field(default_factory=list)
    weights: list = field(default_factory=list)
    stdout: str = ""
    globals: dict = field(default_factory=dict)


class _Engine:
    """The few things the patches need from an engine, for ours and for PyTorch."""

    def __init__(self, name: str) -> None:
        self.name = name
        if name == "torch":
            import torch
            import torch.nn.functional
            self.top, self.functional, self.module = torch, torch.nn.functional, torch.nn.Module
            self.tensor_type, self.float32, self.int64 = torch.Tensor, torch.float32, torch.int64
            self.bool = torch.bool
        else:
            import autograd
            import nn
            self.top, self.functional, self.module = autograd, nn.functional, nn.Module
            self.tensor_type, self.float32, self.int64 = autograd.Tensor, autograd.float32, autograd.int64
            self.bool = autograd.bool

    def make(self, array: np.ndarray, dtype=None, requires_grad: bool = False):
        out = self.top.tensor(array, dtype=dtype)
        return out.requires_grad_() if requires_grad else out

    def numpy(self, tensor) -> np.ndarray:
        return np.array(tensor.detach().numpy(), copy=True)


def _size(args, kwargs) -> tuple:
    """The shape in randn(2, 3), randn((2, 3)), randn(size=(2, 3))."""
    if "size" in kwargs:
        size = kwargs.pop("size")
    elif len(args) == 1 and hasattr(args[0], "__len__"):
        size = args[0]
    else:
        size = args
    return tuple(int(s) for s in size)


class _Streams:
    """One seeded numpy generator per kind of draw, the same sequence for both engines."""

    KINDS = ("randn", "rand", "randint", "randperm", "normal", "multinomial", "dropout")

    def __init__(self, seed: int) -> None:
        self.generators = {kind: np.random.default_rng([seed, i]) for i, kind in enumerate(self.KINDS)}

    def __getitem__(self, kind: str) -> np.random.Generator:
        return self.generators[kind]


def _float_kwargs(engine: _Engine, kwargs: dict) -> tuple:
    dtype = kwargs.get("dtype") or engine.float32
    return dtype, bool(kwargs.get("requires_grad", False))


def _random_functions(engine: _Engine, streams: _Streams) -> dict:
    """Replacements for the engine's random creation functions, drawing from `streams`."""
    def randn(*args, **kwargs):
        dtype, grad = _float_kwargs(engine, kwargs)
        return engine.make(streams["randn"].standard_normal(_size(args, kwargs)), dtype, grad)

    def rand(*args, **kwargs):
        dtype, grad = _float_kwargs(engine, kwargs)
        return engine.make(streams["rand"].random(_size(args, kwargs)), dtype, grad)

    def randint(*args, **kwargs):
        if "size" in kwargs:
            size = kwargs.pop("size")
        else:
            size, args = args[-1], args[:-1]
        if "high" in kwargs:
            low, high = (args[0] if args else kwargs.get("low", 0)), kwargs["high"]
        elif len(args) == 2:
            low, high = args
        else:
            low, high = kwargs.get("low", 0), args[0]
        draws = streams["randint"].integers(int(low), int(high), size=tuple(int(s) for s in size))
        return engine.make(draws, kwargs.get("dtype") or engine.int64)

    def randperm(n, **kwargs):
        return engine.make(streams["randperm"].permutation(int(n)), kwargs.get("dtype") or engine.int64)

    def normal(mean=0.0, std=1.0, size=None, **kwargs):
        mean_a = engine.numpy(mean) if isinstance(mean, engine.tensor_type) else np.asarray(mean, dtype=np.float64)
        std_a = engine.numpy(std) if isinstance(std, engine.tensor_type) else np.asarray(std, dtype=np.float64)
        shape = tuple(size) if size is not None else np.broadcast_shapes(mean_a.shape, std_a.shape)
        draws = mean_a + std_a * streams["normal"].standard_normal(shape)
        dtype, grad = _float_kwargs(engine, kwargs)
        return engine.make(draws, dtype, grad)

    def multinomial(input, num_samples, replacement=False, **kwargs):
        weights = engine.numpy(input).astype(np.float64)
        rows = weights.reshape(-1, weights.shape[-1])
        picks = [streams["multinomial"].choice(rows.shape[1], size=num_samples, replace=replacement, p=row / row.sum())
                 for row in rows]
        out = np.asarray(picks, dtype=np.int64)
        return engine.make(out.reshape(weights.shape[:-1] + (num_samples,)), engine.int64)

    def randn_like(input, **kwargs):
        return randn(*input.shape, dtype=kwargs.get("dtype") or input.dtype)

    def rand_like(input, **kwargs):
        return rand(*input.shape, dtype=kwargs.get("dtype") or input.dtype)

    return {"randn": randn, "rand": rand, "randint": randint, "randperm": randperm, "normal": normal,
            "multinomial": multinomial, "randn_like": randn_like, "rand_like": rand_like}


def _dropout(engine: _Engine, streams: _Streams):
    def dropout(input, p=0.5, training=True, inplace=False):
        if not training or p == 0.0:
            return input
        keep = streams["dropout"].random(tuple(input.shape)) >= p
        mask = engine.make((keep / (1.0 - p)).astype(np.float32), input.dtype)
        return input.mul_(mask) if inplace else input * mask
    return dropout


def _attention(engine: _Engine, dropout, original):
    """scaled_dot_product_attention whose attention-weight dropout draws from the shared stream (PyTorch's
    documented reference formula); without dropout it is the engine's own function."""
    def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None,
                                     **kwargs):
        if dropout_p == 0.0:
            return original(query, key, value, attn_mask=attn_mask, dropout_p=0.0, is_causal=is_causal, scale=scale,
                            **kwargs)
        scale = 1.0 / float(query.shape[-1]) ** 0.5 if scale is None else scale
        weights = (query @ key.transpose(-2, -1)) * scale
        length, source = query.shape[-2], key.shape[-2]
        if is_causal:
            allowed = engine.make(np.tril(np.ones((length, source), dtype=bool)))
            weights = weights.masked_fill(allowed.logical_not(), float("-inf"))
        if attn_mask is not None:
            weights = (weights.masked_fill(attn_mask.logical_not(), float("-inf")) if attn_mask.dtype == engine.bool
                       else weights + attn_mask)
        return dropout(weights.softmax(-1), dropout_p, True) @ value
    return scaled_dot_product_attention


@contextlib.contextmanager
def _patched(engine: _Engine, script_dir: str, trace: Trace, weights: list | None, seed: int):
    """Install the shared randomness, the weight hand-over and the loss recorder on `engine`."""
    streams = _Streams(seed)
    saved = []

    def patch(owner, name, value):
        saved.append((owner, name, owner.__dict__.get(name, _MISSING) if isinstance(owner, type) else
                      getattr(owner, name, _MISSING)))
        setattr(owner, name, value)

    def from_script(frame) -> bool:
        return os.path.abspath(frame.f_code.co_filename).startswith(script_dir + os.sep)

    for name, replacement in _random_functions(engine, streams).items():
        original = getattr(engine.top, name, None)
        if original is None:
            continue

        def chooser(*args, _original=original, _replacement=replacement, **kwargs):
            chosen = _replacement if from_script(sys._getframe(1)) else _original
            return chosen(*args, **kwargs)
        patch(engine.top, name, chooser)
    dropout = _dropout(engine, streams)
    # every module of the library that holds the dropout function (nn.Dropout's, attention's own import)
    original_dropout, package = engine.functional.dropout, engine.top.__name__ if engine.name == "torch" else "nn"
    for module in [m for name, m in list(sys.modules.items()) if name.partition(".")[0] == package and m is not None]:
        if getattr(module, "dropout", None) is original_dropout:
            patch(module, "dropout", dropout)
    if hasattr(engine.functional, "scaled_dot_product_attention"):
        patch(engine.functional, "scaled_dot_product_attention",
              _attention(engine, dropout, engine.functional.scaled_dot_product_attention))

    original_backward = engine.tensor_type.backward

    def backward(self, *args, **kwargs):
        if self.numel() == 1:
            trace.losses.append(float(self.detach().reshape(-1)[0].item()))
        return original_backward(self, *args, **kwargs)
    patch(engine.tensor_type, "backward", backward)

    original_call = engine.module.__call__
    depth, synced = [0], set()

    def call(self, *args, **kwargs):
        if depth[0] == 0 and id(self) not in synced:
            synced.update(id(m) for m in self.modules())
            if weights is None:
                state = {k: engine.numpy(v) for k, v in self.state_dict().items()}
                trace.weights.append((type(self).__name__, state))
            else:
                if not weights:
                    raise AssertionError(f"our run called a model ({type(self).__name__}) that the PyTorch run did not")
                name, state = weights.pop(0)
                assert name == type(self).__name__, f"models called in a different order: {name} vs {type(self).__name__}"
                self.load_state_dict({k: engine.make(v, dtype=None) for k, v in state.items()})
        depth[0] += 1
        try:
            return original_call(self, *args, **kwargs)
        finally:
            depth[0] -= 1
    patch(engine.module, "__call__", call)
    try:
        yield
    finally:
        for owner, name, value in reversed(saved):
            if value is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, value)


_MISSING = object()


@contextlib.contextmanager
def _as_script(path: str, argv, cwd: str | None):
    """What `python path argv...` sets up (for the PyTorch run; ours gets it from run_torch.run)."""
    saved = sys.argv, list(sys.path), os.getcwd(), set(sys.modules)
    sys.argv = [path, *argv]
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
    if cwd:
        os.chdir(cwd)
    try:
        yield
    finally:
        sys.argv, sys.path[:] = saved[0], saved[1]
        os.chdir(saved[2])
        directory = os.path.dirname(os.path.abspath(path)) + os.sep
        for name in set(sys.modules) - saved[3]:
            if (getattr(sys.modules[name], "__file__", None) or "").startswith(directory):
                del sys.modules[name]


def _seed_python(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)


def run_here(path: str, argv=(), cwd: str | None = None, weights: list | None = None, seed: int = 0,
             shared_random: bool = True, trace: Trace | None = None) -> Trace:
    """Run the program on this engine through the runner; with `weights` (from `run_pytorch`) start from them.
    `trace` (filled as the run goes) keeps what happened when the run raises."""
    trace = Trace() if trace is None else trace
    engine = _Engine("ours")
    script_dir = os.path.dirname(os.path.abspath(path))
    saved_cwd = os.getcwd()
    out = io.StringIO()
    with contextlib.ExitStack() as stack:
        if shared_random:
            stack.enter_context(_patched(engine, script_dir, trace, None if weights is None else list(weights), seed))
        stack.enter_context(contextlib.redirect_stdout(out))
        if cwd:
            os.chdir(cwd)
        stack.callback(os.chdir, saved_cwd)
        stack.callback(autograd.set_default_dtype, autograd.get_default_dtype())
        autograd.set_default_dtype(autograd.float32)  # as in a fresh process, whatever other tests set
        _seed_python(seed)
        try:
            trace.globals = run_torch.run(path, list(argv))
        finally:
            trace.stdout = out.getvalue()
    return trace


def run_pytorch(path: str, argv=(), cwd: str | None = None, seed: int = 0) -> Trace:
    """Run the program on PyTorch itself, recording its starting weights and losses."""
    import torch
    trace = Trace()
    engine = _Engine("torch")
    script_dir = os.path.dirname(os.path.abspath(path))
    out = io.StringIO()
    threads, default_dtype = torch.get_num_threads(), torch.get_default_dtype()
    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)  # as in a fresh `python script.py`, whatever other tests set
    try:
        with _patched(engine, script_dir, trace, None, seed), contextlib.redirect_stdout(out), \
                _as_script(path, list(argv), cwd):
            _seed_python(seed)
            try:
                trace.globals = runpy.run_path(path, run_name="__main__")
            finally:
                trace.stdout = out.getvalue()
    finally:
        torch.set_num_threads(threads)
        torch.set_default_dtype(default_dtype)
    return trace


def compare(path: str, argv=(), cwd: str | None = None, rtol: float = 1e-5, atol: float = 1e-6, seed: int = 0,
            min_steps: int = 3, stops_with: tuple | None = None) -> tuple[Trace, Trace]:
    """Run on PyTorch, then here from PyTorch's weights; assert the losses agree step by step.

    `stops_with=(exception type, message pattern)`: our run is known to stop there (the test says why);
    it must stop exactly so, and the losses up to that point are compared with PyTorch's first ones.
    """
    theirs = run_pytorch(path, argv, cwd, seed)
    ours = Trace()
    if stops_with is None:
        run_here(path, argv, cwd, weights=theirs.weights, seed=seed, trace=ours)
        assert_same_losses(ours.losses, theirs.losses, rtol, atol, min_steps)
    else:
        import pytest
        with pytest.raises(stops_with[0], match=stops_with[1]):
            run_here(path, argv, cwd, weights=theirs.weights, seed=seed, trace=ours)
        assert_same_losses(ours.losses, theirs.losses[:len(ours.losses)], rtol, atol, min_steps)
    return ours, theirs


def assert_same_losses(ours: list, theirs: list, rtol: float, atol: float, min_steps: int) -> None:
    assert len(theirs) >= min_steps, f"PyTorch's run made only {len(theirs)} backward calls"
    assert len(ours) == len(theirs), f"{len(ours)} losses here against {len(theirs)} in PyTorch"
    ours_a, theirs_a = np.asarray(ours), np.asarray(theirs)
    bad = ~np.isclose(ours_a, theirs_a, rtol=rtol, atol=atol)
    if bad.any():
        step = int(np.flatnonzero(bad)[0])
        raise AssertionError(f"losses part at step {step}: here {ours_a[step]!r}, PyTorch {theirs_a[step]!r} "
                             f"(first steps here {ours_a[:5].tolist()}, PyTorch {theirs_a[:5].tolist()})")


def port(*parts: str) -> str:
    return os.path.join(PORTS, *parts)


def assert_same_values(ours: Trace, theirs: Trace, expressions, rtol: float = 1e-6, atol: float = 1e-7) -> None:
    """Each expression (e.g. "x.grad"), evaluated in both programs' globals at the end, agrees."""
    for expression in expressions:
        here, there = (eval(expression, dict(trace.globals)) for trace in (ours, theirs))
        here, there = (np.asarray(v.detach().numpy() if hasattr(v, "detach") else v) for v in (here, there))
        np.testing.assert_allclose(here, there, rtol=rtol, atol=atol, err_msg=f"{expression} differs from PyTorch's")
