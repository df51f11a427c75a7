"""`Parameter`: a Tensor that a Module registers as learnable when assigned as an attribute."""
from __future__ import annotations

import numpy as np

from autograd.tensor import Tensor, _to_array


class Parameter(Tensor):
    """A leaf Tensor that requires grad by default and is picked up by `Module.parameters()`.

    `Parameter(t)` shares `t`'s array (no copy), as `torch.nn.Parameter` does.
    """

    def __init__(self, data=None, requires_grad: bool = True):
        if data is None:
            data = np.empty((0,), dtype=np.float32)
        array = data._data if isinstance(data, Tensor) else _to_array(data)
        self._init(array)
        if requires_grad:
            self.requires_grad = True
        if isinstance(data, Tensor):
            self._version_counter = data._version_counter

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data, self._requires_grad))


def _rebuild_parameter(data, requires_grad):
    return Parameter(data, requires_grad=requires_grad)
