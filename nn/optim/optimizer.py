"""The `Optimizer` base class: parameter groups, per-parameter state, zero_grad, state_dict.

Each optimiser states its update rule once, as a numpy function on whole arrays that updates the
parameter and its state in place (`sgd_rule`, `adam_rule`, ...: the formulas of PyTorch's docs).
Subclasses implement `_update(group, params)`, which makes the state a parameter needs (tensors,
the step count a 0-d tensor as PyTorch keeps it) and runs the rule through `self._run_rule`; the
rules of a group then run as one op (`ParameterUpdate`), so the update is one traced step like any
other (autograd.compile) and costs one op per group. `step()` runs under `no_grad`; each updated tensor's version is bumped,
so a graph built before the step and used after it is caught.
The structure of `state_dict()` is PyTorch's: `{'state': {index: {...}}, 'param_groups': [{..., 'params': [index, ...]}]}`
with parameters numbered in the order of the groups, and each group's keys in PyTorch's order.

PyTorch's implementation switches `foreach` and `fused` choose how the same update is computed (for
speed); they are accepted and recorded, and the update is the one rule. `capturable=True` (CUDA graphs)
and `differentiable=True` (autograd through the step) are refused with an explanation.
"""
from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any, Callable

import numpy as np

from autograd.function import Op
from autograd.grad_mode import enable_grad, no_grad
from autograd.grad_mode import state as _thread_state
from autograd.tensor import Tensor, get_default_dtype

__all__ = ["Optimizer", "required"]


def scalar_dtype() -> np.dtype:
    """The dtype of 0-d optimiser state (step counts, NAdam's mu_product, ASGD's eta), as PyTorch chooses it:
    float64 when the default dtype is float64, else float32."""
    return np.dtype(np.float64) if get_default_dtype() == np.float64 else np.dtype(np.float32)


def implementation_options(name: str, foreach=None, fused=None, capturable: bool = False,
                           differentiable: bool = False) -> dict:
    """PyTorch's implementation switches, checked: the ones this engine honours, or a clear error."""
    for key, value in (("foreach", foreach), ("fused", fused)):
        if value not in (None, False, True):
            raise ValueError(f"{name}: {key} must be None, False or True, got {value!r}")
    if capturable:
        raise RuntimeError(f"{name}: capturable=True is for capturing steps in CUDA graphs; this engine runs on the "
                           "CPU, so leave capturable=False")
    if differentiable:
        raise NotImplementedError(f"{name}: differentiable=True (differentiating through the optimiser step) is not "
                                  "supported; the step runs under no_grad")
    return {"foreach": foreach, "fused": fused, "capturable": False, "differentiable": False}


class ParameterUpdate(Op):
    """Run optimiser update rules on arrays, in place: for each `(rule, options, n)` of `updates`,
    `rule(param, grad, *state, **options)` on the next n arrays. One op per parameter group."""

    differentiable = False
    writes_input = True

    @staticmethod
    def forward(ctx, updates, *arrays):
        start = 0
        for rule, options, n in updates:
            rule(*arrays[start:start + n], **options)
            start += n
        return ()


def prepared_gradient(param: np.ndarray, grad: np.ndarray, maximize: bool = False, weight_decay: float = 0.0):
    """The gradient a rule starts from: in the parameter's dtype, negated for `maximize`, plus L2 weight_decay·p."""
    if not maximize and not weight_decay and grad.dtype == param.dtype:
        return grad  # the common case
    g = grad.astype(param.dtype, copy=False)
    if maximize:
        g = -g
    if weight_decay:
        g = g + weight_decay * param
    return g


class _RequiredParameter:
    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()  # a default that each parameter group must supply (e.g. SGD's lr)


class Optimizer:
    """Base class: holds `param_groups` (a list of dicts with 'params' and the options) and `state`."""

    def __init__(self, params, defaults: dict) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        name = type(self).__name__
        if isinstance(params, Tensor) or isinstance(params, dict) or not isinstance(params, Iterable):
            raise TypeError(f"{name}: params should be an iterable of Tensors or of dicts (e.g. model.parameters()), "
                            f"but got {type(params).__name__}")
        if isinstance(params, set):
            raise TypeError(f"{name}: parameters must be given as an ordered collection (list, generator), not a set, "
                            "so that their order (and the state_dict numbering) is reproducible")
        groups = list(params)
        if not groups:
            raise ValueError(f"{name} got an empty parameter list (did the model register no parameters, or was the "
                             "parameters() generator already consumed?)")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            if isinstance(group, dict):
                _split_names(group, name)
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines.extend(f"    {key}: {group[key]}" for key in sorted(group) if key != "params")
        return "\n".join(lines) + "\n)"

    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters with its own options (missing options take the defaults)."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}.add_param_group: expected a dict with a 'params' entry, got {type(param_group).__name__}")
        group = _split_names(dict(param_group), name)
        params = group.get("params")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(f"{name}: parameters must be given as an ordered collection (list, generator), not a set, "
                            "so that their order (and the state_dict numbering) is reproducible")
        params = list(params) if params is not None else []
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name} can only optimize Tensors, but one of the params is {type(p).__name__}")
            if not p.is_leaf:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor (shape {p.shape}, computed by "
                                 f"{p.grad_fn.name()}); optimise the leaf it was computed from, or .detach() it "
                                 "and set requires_grad=True")
        group["params"] = params
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(f"{name}: parameter group didn't specify a value of required optimization parameter {key}")
            group.setdefault(key, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ValueError(f"{name}: some parameters appear more than once (in one group or in several); each "
                             "parameter can be optimised by one group only")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients: set `.grad` to None (default, saves memory) or fill it with zeros."""
        if _thread_state.tracer is not None:  # a traced step (autograd.compile) sees the parameters' .grad first
            _thread_state.tracer.note_optimizer(self)
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                elif p.grad.grad_fn is None and p.grad._data.flags.writeable:
                    with no_grad():
                        p.grad.zero_()
                else:
                    p.grad = p.grad.detach().new_zeros(p.grad.shape)

    def step(self, closure: Callable[[], Any] | None = None):
        """Update every parameter that has a gradient; `closure` (re-evaluates the loss) is called first if given."""
        self._opt_called = True  # read by the lr schedulers' "step() before optimizer.step()" warning
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        if _thread_state.tracer is not None:  # a traced step (autograd.compile) guards on the options it reads
            _thread_state.tracer.note_optimizer(self)
        with no_grad():
            for group in self.param_groups:
                params = [p for p in group["params"] if p.grad is not None]
                if params:
                    self._pending = []
                    self._update(group, params)
                    self._apply_pending()
        return loss

    def _update(self, group: dict, params: list[Tensor]) -> None:
        raise NotImplementedError(f"{type(self).__name__} must implement _update(group, params)")

    # ------------------------------------------------------------------ helpers for subclasses
    def _run_rule(self, rule, p: Tensor, *state: Tensor, **options) -> None:
        """rule(p, p.grad, *state, **options) on their arrays, in place; the updates of a group run as one op."""
        self._pending.append((rule, options, p, state))

    def _run_rule_with(self, rule, options: dict, p: Tensor, *state: Tensor) -> None:
        """`_run_rule` with the options as one dict (made once per group, not once per parameter)."""
        self._pending.append((rule, options, p, state))

    def _apply_pending(self) -> None:
        updates, tensors = [], []
        for rule, options, p, state in self._pending:
            updates.append((rule, options, 2 + len(state)))
            tensors += (p, p.grad, *state)
        ParameterUpdate.apply(tuple(updates), *tensors)
        for _, _, p, state in self._pending:  # each updated tensor's version is bumped (p._bump_version())
            p._version_counter[0] += 1
            for t in state:
                t._version_counter[0] += 1
        self._pending = []

    def _state(self, p: Tensor) -> dict:
        return self.state.setdefault(p, {})

    @staticmethod
    def _zeros_like(p: Tensor, fill: float = 0.0) -> Tensor:
        return Tensor._wrap(np.full(p.shape, fill, dtype=p.dtype))

    @staticmethod
    def _step_count() -> Tensor:
        """The step count, a 0-d float tensor as in PyTorch (so that a traced step reads it, not a constant)."""
        return Optimizer._scalar(0.0)

    @staticmethod
    def _scalar(value: float) -> Tensor:
        """0-d state in PyTorch's scalar dtype (see `scalar_dtype`)."""
        return Tensor._wrap(np.array(value, dtype=scalar_dtype()))

    # ------------------------------------------------------------------ saving and loading
    def state_dict(self) -> dict:
        """A copy of the state and options, with parameters replaced by their index (PyTorch's layout)."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state and self.state[p]:
                    state[index[id(p)]] = {k: _copy_value(v) for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore options and state saved by `state_dict()` from an optimiser over parameters of the same shapes."""
        name = type(self).__name__
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: loaded state dict has {len(saved_groups)} parameter groups, "
                             f"but this optimizer has {len(self.param_groups)}")
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"{name}.load_state_dict: loaded state dict contains a parameter group {i} with "
                                 f"{len(saved['params'])} parameters, which doesn't match the size of optimizer's "
                                 f"group ({len(group['params'])} parameters)")
        by_index = {index: p for saved, group in zip(saved_groups, self.param_groups)
                    for index, p in zip(saved["params"], group["params"])}
        state: dict[Tensor, dict] = {}
        for index, values in state_dict["state"].items():
            p = by_index.get(int(index))
            if p is None:
                raise KeyError(f"{name}.load_state_dict: state for parameter index {index}, which no group lists")
            state[p] = {k: _restore_value(v, p, k, name) for k, v in values.items()}
        self.state = state
        for saved, group in zip(saved_groups, self.param_groups):
            for key, value in saved.items():
                if key != "params":
                    group[key] = copy.deepcopy(value)


def _split_names(group: dict, name: str) -> dict:
    """Accept (name, parameter) pairs, as from `named_parameters()`: the names go to group['param_names']."""
    params = group.get("params")
    if isinstance(params, (list, tuple)) or (params is not None and not isinstance(params, (Tensor, set))):
        params = list(params)
        named = [isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in params]
        if any(named):
            if not all(named):
                raise ValueError(f"{name}: all optimizer params should be with/without names. Some param names are "
                                 "missing")
            group["param_names"] = [n for n, _ in params]
            params = [p for _, p in params]
        group["params"] = params
    return group


def _copy_value(value):
    if isinstance(value, Tensor):
        return value.detach().clone()
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_copy_value(v) for v in value)
    return copy.deepcopy(value)


def _restore_value(value, p: Tensor, key: str, name: str):
    """A saved state entry as a fresh Tensor: in the parameter's dtype, except the step count, which keeps its
    own (PyTorch's rule); lists (LBFGS's history) are restored item by item."""
    if isinstance(value, (list, tuple)):
        return type(value)(_restore_value(v, p, key, name) for v in value)
    if not isinstance(value, (Tensor, np.ndarray)) and not hasattr(value, "__array__"):
        return copy.deepcopy(value)
    if isinstance(value, Tensor):
        t = value.detach().clone()
    else:  # a numpy array, or another library's tensor (e.g. from a PyTorch checkpoint)
        t = Tensor._from_data(np.array(value.detach().numpy() if hasattr(value, "detach") else value))
    if t.ndim and tuple(t.shape) != tuple(p.shape) and key not in _FLAT_STATE:
        raise ValueError(f"{name}.load_state_dict: state '{key}' has shape {tuple(t.shape)} but its parameter has "
                         f"shape {tuple(p.shape)}; the state dict comes from a different model")
    if t.dtype.kind == "f" and key != "step" and p.dtype.kind == "f":
        t = t.to(p.dtype)
    return t


_FLAT_STATE = ("d", "old_dirs", "old_stps", "prev_flat_grad", "al", "ro")  # LBFGS: vectors over all parameters
