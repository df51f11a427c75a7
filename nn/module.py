"""`Module`: the base class of every layer and model, with PyTorch's semantics.

Assigning a `Parameter`, a `Module` or (via `register_buffer`) a Tensor as an attribute
registers it, so `parameters()`, `state_dict()`, `train()` and friends can walk the
tree of sub-modules. `__call__` runs the forward pre-hooks, `forward` and the forward
hooks, inside a named scope so every graph node records which module made it.
"""
from __future__ import annotations

import itertools
from collections import OrderedDict, namedtuple
from typing import Callable, Iterator

import numpy as np

from autograd.grad_mode import no_grad
from autograd.grad_mode import note as _note
from autograd.grad_mode import state as _thread_state
from autograd.tensor import Tensor

from ._device import check_device, is_cpu
from .hooks import ModuleHooks
from .parameter import Buffer, Parameter

_structure = [0]  # bumped whenever a module is registered anywhere (module paths are cached until then)


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What load_state_dict returns, printed as PyTorch prints it."""

    __slots__ = ()

    def __repr__(self) -> str:
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"

    __str__ = __repr__


def _addindent(text: str, spaces: int) -> str:
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class Module(ModuleHooks):
    """Base class for all neural network modules: subclass it, build layers in `__init__`, compute in `forward`."""

    training: bool

    def __init__(self, *args, **kwargs) -> None:
        if args or kwargs:
            raise TypeError(f"{type(self).__name__}.__init__() got unexpected arguments {args} {kwargs}")
        setattr_ = object.__setattr__
        setattr_(self, "training", True)
        setattr_(self, "_parameters", OrderedDict())
        setattr_(self, "_buffers", OrderedDict())
        setattr_(self, "_non_persistent_buffers_set", set())
        setattr_(self, "_modules", OrderedDict())
        setattr_(self, "_forward_hooks", OrderedDict())
        setattr_(self, "_forward_hooks_with_kwargs", set())
        setattr_(self, "_forward_hooks_always_called", set())
        setattr_(self, "_forward_pre_hooks", OrderedDict())
        setattr_(self, "_forward_pre_hooks_with_kwargs", set())
        setattr_(self, "_backward_hooks", OrderedDict())
        setattr_(self, "_backward_pre_hooks", OrderedDict())
        setattr_(self, "_scope_name", type(self).__name__)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f'Module [{type(self).__name__}] is missing the required "forward" function')

    # ------------------------------------------------------------------ calling
    def __call__(self, *args, **kwargs):
        state = _thread_state
        if state.tracer is not None:  # autograd.compile is recording: it guards on training and hooks
            _note(state.tracer, "note_module", self)
        previous, paths = state.module_scope, state.module_paths
        if not previous:  # the outermost call: every module of this tree gets its dotted path
            state.module_paths = self._module_paths()
            path = state.module_paths[id(self)]
        else:
            path = paths.get(id(self)) if paths is not None else None
            if path is None:  # a module outside the outermost one's tree
                path = previous + (self.__dict__.get("_scope_name", type(self).__name__),)
        state.module_scope = path
        try:
            if self._forward_pre_hooks:
                args, kwargs = self._run_pre_hooks(args, kwargs)
            if self._backward_hooks or self._backward_pre_hooks:
                from .hooks import call_with_backward_hooks
                return self._run_forward_hooks(args, kwargs, call_with_backward_hooks(self, args, kwargs))
            if not self._forward_hooks:
                return self.forward(*args, **kwargs)
            return self._run_forward_hooks(args, kwargs, lambda: self.forward(*args, **kwargs))
        finally:
            state.module_scope, state.module_paths = previous, paths

    def _module_paths(self) -> dict:
        """{id(module): (this module's name, *dotted path)} for this module and its descendants, as named_modules
        names them (`encoder.layers.0.linear1`, even when a container is iterated rather than called);
        cached until a module is registered anywhere."""
        cache = self.__dict__.get("_scope_paths")
        if cache is not None and cache[0] == _structure[0] and cache[1] == id(self):
            return cache[2]
        root = (self.__dict__.get("_scope_name", type(self).__name__),)
        paths = {id(m): root + tuple(name.split(".")) if name else root for name, m in self.named_modules()}
        object.__setattr__(self, "_scope_paths", (_structure[0], id(self), paths))
        return paths

    # ------------------------------------------------------------------ registration
    def _check_initialised(self, what: str) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before {type(self).__name__}.__init__() called super().__init__()")

    def _check_name(self, name, what: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{what} name should be a string, got {type(name).__name__}")
        if "." in name or name == "":
            raise KeyError(f'{what} name can\'t contain "." and can\'t be empty, got {name!r}')

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter (or None, a declared-but-absent one such as a disabled bias)."""
        self._check_initialised("parameters")
        self._check_name(name, "parameter")
        if hasattr(type(self), name) or (name in self.__dict__):
            raise KeyError(f"attribute '{name}' already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                            "(nn.Parameter or None required); wrap it: nn.Parameter(tensor)")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Add state that is not learnable (e.g. running statistics); persistent buffers go into state_dict."""
        self._check_initialised("buffers")
        self._check_name(name, "buffer")
        if (hasattr(type(self), name) or name in self.__dict__ or name in self._parameters
                or name in self._modules):
            raise KeyError(f"attribute '{name}' already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (Tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Add a child module, reachable as an attribute named `name`."""
        self._check_initialised("child modules")
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        if hasattr(type(self), name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if module is not None:
            object.__setattr__(module, "_scope_name", name)
        self._modules[name] = module
        _structure[0] += 1  # module paths change: cached ones are rebuilt

    register_module = add_module

    def __setattr__(self, name: str, value) -> None:
        d = self.__dict__
        params, modules, buffers = d.get("_parameters"), d.get("_modules"), d.get("_buffers")
        if isinstance(value, Parameter):
            self._check_initialised("parameters")
            self._remove_from(name, d, buffers, modules)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                                "(nn.Parameter or None expected)")
            params[name] = None
        elif isinstance(value, Module):
            self._check_initialised("child modules")
            self._remove_from(name, d, params, buffers)
            self.add_module(name, value)
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"cannot assign '{type(value).__name__}' as child module '{name}' (nn.Module or None expected)")
            modules[name] = None
        elif isinstance(value, Buffer):  # self.x = nn.Buffer(t): registered as a buffer, as PyTorch
            self._check_initialised("buffers")
            self._remove_from(name, d, params, modules, buffers)
            self.register_buffer(name, value, persistent=value.persistent)
        elif buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)")
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    @staticmethod
    def _remove_from(name, *dicts) -> None:
        for d in dicts:
            if d is not None and name in d:
                del d[name]

    def __getattr__(self, name: str):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name: str) -> None:
        for store in ("_parameters", "_buffers", "_modules"):
            if name in self.__dict__.get(store, ()):
                del self.__dict__[store][name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    # ------------------------------------------------------------------ traversal
    def named_modules(self, memo: set | None = None, prefix: str = "", remove_duplicate: bool = True):
        """(dotted name, module) for this module and every descendant, each once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            yield from module.named_modules(memo, prefix + ("." if prefix else "") + name, remove_duplicate)

    def modules(self, remove_duplicate: bool = True) -> Iterator[Module]:
        for _, module in self.named_modules(remove_duplicate=remove_duplicate):
            yield module

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def _named_members(self, store: str, prefix: str, recurse: bool, remove_duplicate: bool = True):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in module.__dict__[store].items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        """(dotted name such as 'layer1.weight', parameter) pairs, each parameter once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True):
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def get_submodule(self, target: str) -> Module:
        """The sub-module at a dotted path such as 'encoder.0'."""
        module = self
        for item in target.split(".") if target else ():
            if item not in module._modules or module._modules[item] is None:
                raise AttributeError(f"{module._get_name()} has no submodule `{item}` (looking up '{target}')")
            module = module._modules[item]
        return module

    def set_submodule(self, target: str, module: Module, strict: bool = False) -> None:
        """Replace (or with strict=False, add) the sub-module at a dotted path such as 'encoder.0'."""
        if not target:
            raise ValueError("set_submodule: cannot set the submodule without a target name")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        if strict and name not in parent._modules:
            raise AttributeError(f"{parent._get_name()} has no attribute `{name}`")
        if not isinstance(module, Module):
            raise TypeError(f"`module` is not an nn.Module, found {type(module).__name__}")
        setattr(parent, name, module)

    def get_buffer(self, target: str) -> Tensor:
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if name not in module._buffers:
            raise AttributeError(f"{module._get_name()} has no buffer `{name}`")
        return module._buffers[name]

    def get_parameter(self, target: str) -> Parameter:
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if name not in module._parameters:
            raise AttributeError(f"{module._get_name()} has no parameter `{name}`")
        return module._parameters[name]

    # ------------------------------------------------------------------ modes and bulk changes
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active, batch norm uses batch statistics) here and below."""
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        object.__setattr__(self, "training", mode)
        for module in self.children():  # each child's own train(), so subclasses may override it
            module.train(mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode: same as train(False)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset gradients: to None (default, as PyTorch) or to zeros."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            elif param.grad.grad_fn is not None:
                param.grad = param.grad.detach().new_zeros(param.grad.shape)
            else:
                with no_grad():
                    param.grad.zero_()

    def apply(self, fn: Callable[[Module], None]) -> Module:
        """Call fn on every sub-module (children first), then on self; e.g. for custom initialisation."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    def _convert(self, fn: Callable[[Tensor], bool], dtype) -> Module:
        """Change parameters (and their grads) and buffers that `fn` selects to `dtype`, in place: each keeps its
        identity (an optimiser holding it still sees it), its storage is replaced, as PyTorch's `param.data = ...`."""
        with no_grad():
            for module in self.modules():
                for tensor in itertools.chain(module._parameters.values(), module._buffers.values()):
                    if tensor is not None and _is_uninitialized(tensor):
                        if fn(tensor):  # not materialised yet: it will be, in the new dtype
                            tensor._set_lazy_dtype(dtype)
                        continue
                    if tensor is None or not fn(tensor):
                        continue
                    if tensor.dtype != dtype:
                        tensor.data = tensor.to(dtype)
                        tensor._bump_version()
                    if tensor.grad is not None and tensor.grad.dtype != dtype:
                        tensor.grad = tensor.grad.to(dtype)
        return self

    def to(self, *args, **kwargs) -> Module:
        """Convert floating parameters and buffers in place: to(dtype), to(device), to(device, dtype), to(tensor)
        (its dtype), as PyTorch. The only device is the CPU; non_blocking and memory_format only concern
        speed and are accepted."""
        device, dtype = _parse_to(self._get_name(), args, kwargs)
        check_device(device, f"{self._get_name()}.to")
        if dtype is None:
            return self
        if dtype.kind != "f":
            raise TypeError(f"nn.Module.to only accepts floating point or complex dtypes, but got desired dtype={dtype}")
        return self._convert(lambda t: t.dtype.kind == "f", dtype)

    def type(self, dst_type) -> Module:
        """Cast every parameter and buffer to `dst_type`."""
        dtype = np.dtype(dst_type)
        return self._convert(lambda t: True, dtype)

    def double(self) -> Module:
        return self.to(np.float64)

    def float(self) -> Module:
        return self.to(np.float32)

    def half(self) -> Module:
        return self.to(np.float16)

    def bfloat16(self) -> Module:
        raise TypeError(f"{self._get_name()}.bfloat16: numpy has no bfloat16 dtype; use .half() (float16) or .float()")

    def cpu(self) -> Module:
        return self

    def cuda(self, device=None) -> Module:
        raise RuntimeError(f"{self._get_name()}.cuda: this engine runs on the CPU only; leave the model on the CPU "
                           "(autograd.cuda.is_available() is False)")

    def xpu(self, device=None) -> Module:
        raise RuntimeError(f"{self._get_name()}.xpu: this engine runs on the CPU only")

    def share_memory(self) -> Module:
        raise NotImplementedError(f"{self._get_name()}.share_memory: parameters in shared memory across processes "
                                  "(Hogwild training) are not supported; train in one process")

    # ------------------------------------------------------------------ state dict
    def state_dict(self, destination=None, prefix: str = "", keep_vars: bool = False) -> OrderedDict:
        """Parameters and persistent buffers by dotted name, detached (shared memory) unless keep_vars."""
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:  # a lazy module's uninitialized parameters are saved as they are, as PyTorch
                destination[prefix + name] = param if keep_vars or _is_uninitialized(param) else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buffer if keep_vars or _is_uninitialized(buffer) else buffer.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination, prefix + name + ".", keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict: bool = True, assign: bool = False):
        """Copy values into the parameters and buffers in place; returns (missing_keys, unexpected_keys).

        Values may be any array-like: Tensors, numpy arrays, PyTorch tensors (read through DLPack or
        `__array__`, without importing torch), nested lists. Each is converted to the parameter's dtype
        as PyTorch's `copy_` does; `assign=True` instead makes the value the parameter's storage (shared,
        with its own dtype). Mis-shaped entries always raise; missing or unexpected keys raise when
        `strict`. Nothing is changed when an error is raised. As PyTorch, a plain dict (one without
        PyTorch's `_metadata`) may omit BatchNorm's `num_batches_tracked` (old checkpoints have none).
        """
        if not hasattr(state_dict, "keys"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        for prefix, module in self.named_modules():  # lazy modules take their shapes from the checkpoint
            if hasattr(module, "_materialize_from"):
                module._materialize_from(state_dict, prefix + "." if prefix else "")
        own = self.state_dict(keep_vars=True)
        lenient = () if hasattr(state_dict, "_metadata") else \
            tuple(k for k in own if k.rsplit(".", 1)[-1] == "num_batches_tracked")
        missing = [k for k in own if k not in state_dict and k not in lenient]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        values = {}
        for key, target in own.items():
            if key not in state_dict:
                continue
            try:
                array = _array_of(state_dict[key])
            except (TypeError, ValueError) as error:
                errors.append(f'While copying the parameter named "{key}", expected a tensor or array-like object from '
                              f"checkpoint but received {type(state_dict[key]).__name__} ({error})")
                continue
            if target._data.ndim == 0 and array.shape == (1,):
                array = array.reshape(())  # PyTorch's allowance for checkpoints that stored scalars as 1-element
            if array.shape != target._data.shape:
                errors.append(f"size mismatch for {key}: copying a param with shape {tuple(array.shape)} from checkpoint, "
                              f"the shape in current model is {tuple(target._data.shape)}.")
            else:
                values[key] = array
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {self._get_name()}:\n\t" + "\n\t".join(errors))
        from autograd.ops.inplace import write_into

        with no_grad():
            for key, array in values.items():
                target = own[key]
                if assign:
                    if target.requires_grad and array.dtype.kind != "f":
                        raise RuntimeError(f"load_state_dict(assign=True): {key} requires grad, but the checkpoint's "
                                           f"value has dtype {array.dtype}; only floating values can be assigned to it")
                    target.data = Tensor._wrap(array)
                    target._bump_version()
                else:
                    write_into(target, Tensor._wrap(array))  # casts as copy_ does (the one way storage is written)
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ printing
    def _get_name(self) -> str:
        return type(self).__name__

    def extra_repr(self) -> str:
        """The text inside this module's parentheses in repr (its constructor arguments)."""
        return ""

    def __repr__(self) -> str:
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({name}): " + _addindent(repr(module), 2) for name, module in self._modules.items()]
        lines = extra_lines + child_lines
        text = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                text += extra_lines[0]
            else:
                text += "\n  " + "\n  ".join(lines) + "\n"
        return text + ")"


def _array_of(value) -> np.ndarray:
    """The values of a state-dict entry as an ndarray, sharing memory where possible: a Tensor, a numpy array, a
    PyTorch tensor (detached and moved to the CPU by its own methods, read through DLPack), or anything numpy reads."""
    if isinstance(value, Tensor):
        return value._data
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a PyTorch tensor, on any device, maybe requiring grad
        value = value.detach().cpu()
        if str(getattr(value, "dtype", "")).endswith("bfloat16"):  # numpy has no bfloat16: widen, as .float() does
            value = value.float()
    if hasattr(value, "__dlpack__"):
        try:
            return np.from_dlpack(value)
        except (TypeError, ValueError, BufferError, RuntimeError):
            pass  # e.g. a dtype numpy's DLPack import lacks: fall back to __array__
    array = np.asarray(value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"dtype {array.dtype} is not numeric")
    return array


def _is_uninitialized(tensor) -> bool:
    from .parameter import UninitializedTensorMixin
    return isinstance(tensor, UninitializedTensorMixin)


_DTYPE_NAMES = ("float16", "float32", "float64", "half", "float", "double", "int8", "int16", "int32", "int64",
                "uint8", "bool")


def _parse_to(name: str, args: tuple, kwargs: dict):
    """(device or None, numpy dtype or None) from Module.to's PyTorch forms."""
    unknown = set(kwargs) - {"device", "dtype", "non_blocking", "memory_format"}
    if unknown:
        raise TypeError(f"{name}.to() got unexpected keyword arguments {sorted(unknown)}")
    device, dtype = kwargs.get("device"), kwargs.get("dtype")
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype  # to(tensor): that tensor's dtype (and device, which is the CPU)
        elif isinstance(arg, bool):
            continue  # to(..., non_blocking)
        elif isinstance(arg, str) and arg not in _DTYPE_NAMES or is_cpu(arg) or isinstance(arg, int) \
                or hasattr(arg, "type") and not isinstance(arg, (np.dtype, type)):
            device = arg
        else:
            dtype = arg
    if dtype is not None:
        try:
            dtype = np.dtype({"half": "float16", "float": "float32", "double": "float64"}.get(dtype, dtype))
        except TypeError:
            raise TypeError(f"{name}.to: cannot interpret {dtype!r} as a dtype") from None
    return device, dtype
