"""Module hooks as PyTorch's: `ModuleHooks` registers forward and backward hooks and runs the forward ones;
the backward ones (`register_full_backward_hook`, `register_full_backward_pre_hook`) work as follows.

When a module has backward hooks, its call runs the tensor arguments and the tensor outputs through
identity Functions. Backward reaches the outputs' identity first: the gradients w.r.t. the module's
outputs (grad_output) go to the pre-hooks, which may replace them. Later it reaches the inputs'
identity, once every use of the inputs inside the module has contributed: the gradients w.r.t. the
inputs (grad_input) and grad_output go to the hooks, which may replace grad_input. If no input
needs a gradient, the hooks run with grad_input all None as soon as grad_output is known.
"""
from __future__ import annotations

from typing import Callable

from autograd.function import Function
from autograd.hooks import RemovableHandle, add_hook
from autograd.tensor import Tensor


class ModuleHooks:
    """Module's forward and backward hook registration (PyTorch's signatures: prepend, with_kwargs,
    always_call) and the running of the forward hooks around a call; `Module.__call__` uses them."""

    def _run_pre_hooks(self, args, kwargs):
        for key, hook in tuple(self._forward_pre_hooks.items()):
            if key in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(f"forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                                           f"but got {result!r}.")
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        return args, kwargs

    def _run_forward_hooks(self, args, kwargs, compute):
        """compute() (the forward), then the forward hooks; hooks registered with always_call run even on errors."""
        try:
            output = compute()
        except BaseException:
            for key, hook in tuple(self._forward_hooks.items()):
                if key in self._forward_hooks_always_called:
                    try:
                        hook(self, args, kwargs, None) if key in self._forward_hooks_with_kwargs else hook(self, args, None)
                    except Exception:  # the forward's own error is the one to report
                        pass
            raise
        for key, hook in tuple(self._forward_hooks.items()):
            if key in self._forward_hooks_with_kwargs:
                result = hook(self, args, kwargs, output)
            else:
                result = hook(self, args, output)
            if result is not None:
                output = result
        return output

    @staticmethod
    def _add(hooks: dict, hook, prepend: bool) -> RemovableHandle:
        handle = add_hook(hooks, hook)
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_pre_hook(self, hook: Callable, *, prepend: bool = False,
                                  with_kwargs: bool = False) -> RemovableHandle:
        """Call `hook(module, args)` before forward; a non-None return replaces the positional args.

        with_kwargs=True: `hook(module, args, kwargs)`, returning None or (new_args, new_kwargs). prepend=True
        runs it before the hooks already registered.
        """
        handle = self._add(self._forward_pre_hooks, hook, prepend)
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs.add(handle.id)
        return handle

    def register_forward_hook(self, hook: Callable, *, prepend: bool = False, with_kwargs: bool = False,
                              always_call: bool = False) -> RemovableHandle:
        """Call `hook(module, args, output)` after forward; a non-None return replaces the output.

        with_kwargs=True: `hook(module, args, kwargs, output)`. always_call=True: also called (with output None)
        when forward raises. prepend=True runs it before the hooks already registered.
        """
        handle = self._add(self._forward_hooks, hook, prepend)
        if with_kwargs:
            self._forward_hooks_with_kwargs.add(handle.id)
        if always_call:
            self._forward_hooks_always_called.add(handle.id)
        return handle

    def register_full_backward_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Call `hook(module, grad_input, grad_output)` when the gradients w.r.t. the module's tensor inputs are
        computed; a non-None return replaces grad_input (see nn/hooks.py)."""
        return self._add(self._backward_hooks, hook, prepend)

    def register_full_backward_pre_hook(self, hook: Callable, prepend: bool = False) -> RemovableHandle:
        """Call `hook(module, grad_output)` when the gradients w.r.t. the module's outputs are computed; a
        non-None return replaces grad_output."""
        return self._add(self._backward_pre_hooks, hook, prepend)

    def register_backward_hook(self, hook: Callable) -> RemovableHandle:
        """PyTorch's deprecated form; here it is register_full_backward_hook (the behaviour PyTorch recommends)."""
        import warnings
        warnings.warn("register_backward_hook is deprecated in PyTorch; it behaves as register_full_backward_hook "
                      "here", FutureWarning, stacklevel=2)
        return self.register_full_backward_hook(hook)



class _HookState:
    __slots__ = ("module", "grad_output", "inputs_wrapped", "n_inputs")

    def __init__(self, module, n_inputs: int):
        self.module, self.grad_output, self.inputs_wrapped, self.n_inputs = module, None, False, n_inputs


def _call_hooks(state: _HookState, grad_input: tuple) -> tuple:
    for hook in tuple(state.module._backward_hooks.values()):
        result = hook(state.module, grad_input, state.grad_output)
        if result is not None:
            result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
            if len(result) != len(grad_input):
                raise RuntimeError(f"backward hook returned {len(result)} gradients, but the module has "
                                   f"{len(grad_input)} tensor inputs")
            grad_input = result
    return grad_input


class _InputsIdentity(Function):
    """Identity on the module's tensor inputs; its backward sees grad_input and calls the hooks."""

    @staticmethod
    def forward(ctx, state, *tensors):
        ctx.set_materialize_grads(False)
        ctx.hook_state = state
        return tensors

    @staticmethod
    def backward(ctx, *grad_input):
        return (None,) + _call_hooks(ctx.hook_state, grad_input)


class _OutputsIdentity(Function):
    """Identity on the module's tensor outputs; its backward sees grad_output and calls the pre-hooks."""

    @staticmethod
    def forward(ctx, state, *tensors):
        ctx.set_materialize_grads(False)
        ctx.hook_state = state
        return tensors

    @staticmethod
    def backward(ctx, *grad_output):
        state = ctx.hook_state
        for hook in tuple(state.module._backward_pre_hooks.values()):
            result = hook(state.module, grad_output)
            if result is not None:
                grad_output = tuple(result) if isinstance(result, (tuple, list)) else (result,)
        state.grad_output = grad_output
        if not state.inputs_wrapped and state.module._backward_hooks:
            _call_hooks(state, (None,) * state.n_inputs)
        return (None,) + tuple(grad_output)


def _replace_tensors(values, replacements: list):
    it = iter(replacements)
    items = [next(it) if isinstance(v, Tensor) else v for v in values]
    return type(values)(*items) if hasattr(values, "_fields") else type(values)(items)


def call_with_backward_hooks(module, args: tuple, kwargs: dict):
    """A callable running module.forward with its tensor inputs and outputs wrapped for the backward hooks."""
    def compute():
        tensors = [a for a in args if isinstance(a, Tensor)]
        state = _HookState(module, len(tensors))
        call_args = args
        if any(t.requires_grad for t in tensors):
            state.inputs_wrapped = True
            call_args = _replace_tensors(args, list(_InputsIdentity.apply(state, *tensors)))
        output = module.forward(*call_args, **kwargs)
        if isinstance(output, Tensor):
            return _OutputsIdentity.apply(state, output)[0] if output.requires_grad else output
        if isinstance(output, (tuple, list)):
            outs = [o for o in output if isinstance(o, Tensor)]
            if any(o.requires_grad for o in outs):
                return _replace_tensors(output, list(_OutputsIdentity.apply(state, *outs)))
        return output
    return compute
