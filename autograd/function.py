"""How operations are defined: `Op` for the built-in ones, `Function` for users (PyTorch's API).

Both pair a static `forward(ctx, ...)` computing the value with a static
`backward(ctx, *grad_outputs)` giving one gradient per forward argument (None where none
is needed). Backward rules are written with Tensor operations, so with `create_graph=True`
they are recorded too and give higher derivatives. The engine, not each op, undoes
broadcasting and casts each gradient back to its input's dtype.

- `Op.forward` works on numpy arrays: the Tensor arguments arrive as their arrays, and it
  returns an array (or a tuple of arrays). All numpy work on tensor data happens in some
  op's forward; that is what lets `autograd.compile` and the ONNX exporter trace a program
  op by op. Class attributes say what else the engine and the tracers must know: `is_view`
  (output 0 shares memory and version counter with input 0), `differentiable` (False: never
  recorded), `node_name` (the name the graph shows, when it differs from the class name),
  `writes_input` (forward writes into its array arguments) and `draws_random` (forward draws
  from a random generator, so a replay must draw again).
- `Function.forward` works on Tensors, as `torch.autograd.Function` does, and may return
  several outputs; `ctx.mark_dirty`, `ctx.mark_non_differentiable`, `ctx.set_materialize_grads`,
  `ctx.needs_input_grad` and the PyTorch 2 `setup_context` form behave as PyTorch's.

What a forward may keep for backward is stated once, in `graph.py`. Every op's forward runs
with numpy's floating-point warnings off (`_numpy_errors`; the engine turns them off once for a
built-in op's whole backward rule): as in PyTorch, 1/0 is inf and 0/0 is nan without a warning (anomaly mode
still reports NaN gradients), so code run under `-W error` behaves as it does with PyTorch.
"""
from __future__ import annotations

import numpy as np

from .grad_mode import state
from .graph import _FORWARD_CONTEXTS, Node, OpNode, forward_context
from .tensor import Tensor


class _ErrstateFallback:
    """The same get/set/reset interface over the public `np.errstate`, for a numpy without the private hook."""

    @staticmethod
    def get():
        return None

    @staticmethod
    def set(_):
        state = np.errstate(all="ignore")
        state.__enter__()
        return state

    @staticmethod
    def reset(state):
        state.__exit__(None, None, None)


try:  # numpy's per-context error state, set directly: ~0.1 µs, where `with np.errstate(...)` costs ~1.5 µs per op
    from numpy._core._ufunc_config import _extobj_contextvar as _numpy_errors
    from numpy._core.umath import _make_extobj

    _SILENT = _make_extobj(all="ignore")  # floating-point warnings off: IEEE results (inf, nan), no warning
except ImportError:
    _numpy_errors, _SILENT = _ErrstateFallback, None


def _records(args) -> bool:
    """True when grad mode is on and some argument requires grad: the call is recorded."""
    if state.grad_enabled:
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                return True
    return False


class Op:
    """A built-in operation: `forward(ctx, *arrays) -> array(s)` in numpy, `backward(ctx, *grads)` in Tensor ops."""

    is_view = False
    differentiable = True
    _builtin = True  # the engine runs its backward with numpy's floating-point warnings off

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("Op subclasses define a static forward(ctx, *arrays)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("Op subclasses define a static backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args):
        arrays = list(args)
        requires_grad = False
        i = 0
        for a in args:
            if isinstance(a, Tensor):
                arrays[i] = a._data
                if a._requires_grad:
                    requires_grad = True
            i += 1
        record = requires_grad and cls.differentiable and state.grad_enabled
        ctx = OpNode(cls, args) if record else _FORWARD_CONTEXTS[i]() if i < 9 else forward_context(i)
        tracer = state.tracer
        # numpy's warnings off, unless already (inside backward, or another op's forward)
        token = None if _numpy_errors.get() is _SILENT else _numpy_errors.set(_SILENT)
        try:
            out = cls.forward(ctx, *arrays) if tracer is None else tracer.run_op(cls, ctx, args, arrays)
        finally:
            if token is not None:
                _numpy_errors.reset(token)
        raw = out
        if type(out) is not np.ndarray:
            if type(out) is tuple:
                return _op_outputs(cls, ctx, args, arrays, out, record) if out else ()
            out = np.asarray(out)  # a Tensor's storage is always an ndarray (numpy gives scalars for 0-d results)
        result = Tensor._wrap(out)
        if cls.is_view:
            _link_view(result, args[0])
        if record:
            if out.dtype.kind == "f":
                result._requires_grad = True
                result.grad_fn = ctx
            if ctx._saved:
                ctx.resolve_saved(args, arrays, (result,), (raw,))
        return result


def _link_view(view: Tensor, base: Tensor) -> None:
    """A view shares its base's version counter, so an in-place change through either is seen by both."""
    if view._data.base is not None:  # numpy made a view (when it had to copy, the result is independent)
        view._version_counter = base._version_counter
        view._base = base if base._base is None else base._base


def _op_outputs(cls, ctx, args, arrays, outs, record) -> tuple:
    results = []
    for out in outs:
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        t = Tensor._wrap(out)
        if record and out.dtype.kind == "f":
            t._requires_grad, t.grad_fn, t._output_nr = True, ctx, len(results)
        results.append(t)
    if cls.is_view:
        _link_view(results[0], args[0])
    if record:
        ctx._output_meta = tuple((r._data.shape, r._data.dtype) if r.grad_fn is ctx else None for r in results)
        if ctx._saved:
            ctx.resolve_saved(args, arrays, tuple(results), outs)
    return tuple(results)


class Function:
    """PyTorch's `torch.autograd.Function`: subclass with static `forward(ctx, *args)` (on Tensors) and
    `backward(ctx, *grad_outputs)`, then call `MyFunction.apply(*args)`.

    Inside forward nothing is recorded. Forward may return a Tensor, an array, or a tuple of them;
    backward then receives one gradient per output (zeros for outputs that got none, unless
    `ctx.set_materialize_grads(False)`) and returns one per input.
    """

    _builtin = False  # its code runs with the user's numpy warning settings

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("Function subclasses must define a static forward(ctx, *args)")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """PyTorch 2's alternative: define `forward(*args)` without ctx and save state here instead."""
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("Function subclasses must define a static backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args, **kwargs):
        record = _records(args)
        ctx = Node(cls, args) if record else forward_context(len(args))
        if record:
            ctx._inputs = args  # while forward runs: save_for_backward recognises inputs by identity
        previous = state.grad_enabled
        state.grad_enabled = False  # forward may use Tensor ops; nothing inside is recorded
        try:
            if cls.setup_context is not Function.setup_context:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        finally:
            state.grad_enabled = previous
        several = isinstance(out, (tuple, list))
        outputs = tuple(_function_output(o, args, ctx) for o in (out if several else (out,)))
        if record:
            ctx._inputs = None
            for i, t in enumerate(outputs):
                if t is not None and t._data.dtype.kind == "f" and not any(t is n for n in ctx._non_differentiable):
                    t._requires_grad, t.grad_fn, t._output_nr = True, ctx, i
            if several:
                ctx._output_meta = tuple(None if t is None else (t._data.shape, t._data.dtype) for t in outputs)
            if ctx._saved:
                ctx._resolve_saved(outputs)
        return outputs if several else outputs[0]


def _function_output(out, args, ctx):
    """A Tensor for one value a user Function's forward returned."""
    if out is None:
        return None
    if isinstance(out, Tensor):
        if any(out is d for d in ctx._dirty):  # changed in place and returned: it becomes the output
            out._bump_version()
            return out
        if out.grad_fn is None and not out._requires_grad and not any(out is a for a in args):
            return out  # a fresh tensor made by forward: adopt it
        alias = Tensor._wrap(out._data)  # an input (or a tensor from elsewhere) returned: a new output sharing it
        alias._version_counter = out._version_counter
        return alias
    return Tensor._wrap(np.asarray(out))


def once_differentiable(backward):
    """Decorator for a backward that cannot itself be differentiated (PyTorch's): it runs without recording."""
    import functools

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        previous = state.grad_enabled
        state.grad_enabled = False
        try:
            return backward(ctx, *grads)
        finally:
            state.grad_enabled = previous

    return wrapper
