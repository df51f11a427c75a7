"""`Parameter`: a Tensor that a Module registers as learnable when assigned as an attribute; and the
`UninitializedParameter` / `UninitializedBuffer` of lazy modules, whose shape is set on the first forward."""
from __future__ import annotations

import numpy as np

from autograd.tensor import Tensor, _to_array, get_default_dtype

from ._device import check_device

__all__ = ["Parameter", "Buffer", "UninitializedParameter", "UninitializedBuffer", "UninitializedTensorMixin", "is_lazy"]


class Parameter(Tensor):
    """A leaf Tensor that requires grad by default and is picked up by `Module.parameters()`.

    `Parameter(t)` shares `t`'s array (no copy), as `torch.nn.Parameter` does.
    """

    def __init__(self, data=None, requires_grad: bool = True):
        _share(self, data, np.float32)
        if requires_grad:
            self.requires_grad = True

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data, self._requires_grad))


class Buffer(Tensor):
    """`nn.Buffer(tensor, persistent=True)` (PyTorch 2.5's): assigned as a Module attribute it is registered as a
    buffer (`self.mask = nn.Buffer(t)` is `self.register_buffer("mask", t)`); `persistent=False` keeps it out
    of state_dict. It shares `tensor`'s array, detached (requires_grad kept), as PyTorch's."""

    def __init__(self, data=None, *, persistent: bool = True):
        _share(self, data, get_default_dtype())
        if isinstance(data, Tensor) and data.requires_grad:
            self.requires_grad = True
        self.persistent = bool(persistent)


def _share(t: Tensor, data, empty_dtype) -> None:
    """Make `t` hold `data`'s array (a tensor's own, with its version counter: no copy), or an empty one."""
    if data is None:
        data = np.empty((0,), dtype=empty_dtype)
    t._init(data._data if isinstance(data, Tensor) else _to_array(data))
    if isinstance(data, Tensor):
        t._version_counter = data._version_counter


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad=requires_grad)


_storage = Tensor.__dict__["_data"]  # the slot holding a tensor's array, bypassing the guard below

_UNINITIALIZED = ("Can't access the values of an uninitialized parameter or buffer (its shape is not known yet). "
                  "This happens when using a lazy module (e.g. nn.LazyLinear) before its first forward: call the "
                  "model on a batch of data first to initialize the parameters.")


class UninitializedTensorMixin:
    """A tensor whose shape is not known yet: values and shape are refused until `materialize(shape)`, which makes
    it an ordinary Parameter (or Tensor) in place, keeping its identity (so an optimiser holding it works)."""

    __slots__ = ()
    cls_to_become = None

    @property
    def _data(self):
        raise ValueError(_UNINITIALIZED)

    @_data.setter
    def _data(self, array):
        _storage.__set__(self, array)

    @property
    def dtype(self) -> np.dtype:
        return _storage.__get__(self).dtype

    @property
    def shape(self):
        raise ValueError("Can't access the shape of an uninitialized parameter or buffer. Call `forward` on a batch "
                         "first to initialize the parameters of lazy modules before accessing their attributes.")

    def size(self, dim=None):
        return self.shape

    def numel(self) -> int:
        raise ValueError(_UNINITIALIZED)

    def is_floating_point(self) -> bool:
        return self.dtype.kind == "f"

    def materialize(self, shape, device=None, dtype=None) -> None:
        """Give it `shape` (values uninitialised, as torch.empty) and turn it into `cls_to_become`."""
        check_device(device, f"{type(self).__name__}.materialize")
        dtype = self.dtype if dtype is None else np.dtype(dtype)
        _storage.__set__(self, np.empty(tuple(int(s) for s in shape), dtype=dtype))
        self.__class__ = self.cls_to_become

    def _set_lazy_dtype(self, dtype) -> None:
        _storage.__set__(self, np.empty((0,), dtype=np.dtype(dtype)))

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_uninitialized, (type(self), self._requires_grad, str(self.dtype)))

    def __deepcopy__(self, memo):
        copy = _rebuild_uninitialized(type(self), self._requires_grad, str(self.dtype))
        memo[id(self)] = copy
        return copy


def _new_uninitialized(self, requires_grad, device, dtype) -> None:
    check_device(device, type(self).__name__)
    Tensor.__init__(self, np.empty((0,), dtype=np.dtype(dtype) if dtype is not None else get_default_dtype()))
    self._requires_grad = bool(requires_grad)


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A Parameter of a lazy module before its first forward (PyTorch's torch.nn.UninitializedParameter)."""

    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device=None, dtype=None):
        _new_uninitialized(self, requires_grad, device, dtype)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer (e.g. running statistics) of a lazy module before its first forward."""

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device=None, dtype=None):
        _new_uninitialized(self, requires_grad, device, dtype)


def _rebuild_uninitialized(cls, requires_grad, dtype):
    return cls(requires_grad=requires_grad, dtype=dtype)


def is_lazy(param) -> bool:
    """True for a parameter or buffer whose shape a lazy module has not set yet."""
    return isinstance(param, UninitializedTensorMixin)


def _register_safe_types() -> None:
    """Files may always name these classes (`autograd.load` builds them without running their __init__)."""
    from autograd.serialization import _always_safe

    _always_safe(Parameter, UninitializedParameter, UninitializedBuffer)


_register_safe_types()
