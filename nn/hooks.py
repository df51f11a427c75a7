"""Module backward hooks (`register_full_backward_hook`, `register_full_backward_pre_hook`), as PyTorch's.

When a module has backward hooks, its call runs the tensor arguments and the tensor outputs through
identity Functions. Backward reaches the outputs' identity first: the gradients w.r.t. the module's
outputs (grad_output) go to the pre-hooks, which may replace them. Later it reaches the inputs'
identity, once every use of the inputs inside the module has contributed: the gradients w.r.t. the
inputs (grad_input) and grad_output go to the hooks, which may replace grad_input. If no input
needs a gradient, the hooks run with grad_input all None as soon as grad_output is known.
"""
from __future__ import annotations

from autograd.function import Function
from autograd.tensor import Tensor


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
