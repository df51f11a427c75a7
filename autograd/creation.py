"""Creation functions: `tensor`, `as_tensor`, `from_numpy`, `from_dlpack`, `zeros`/`ones`/`empty`/`full` (and `*_like`),
`rand`/`randn`/`randint`/`randperm`, `arange`, `linspace`, `eye`.

Floating results take the default dtype (float32) unless a dtype is given; random ones draw
from the shared generator through the `Sample` op (`random.py`).
"""
from __future__ import annotations

import numpy as np

from .ops._util import size_args
from .random import sample
from .tensor import Tensor, _as_dtype, _to_array, get_default_dtype


def tensor(data, dtype=None, requires_grad: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of `data` (Python numbers, lists, numpy arrays, tensors)."""
    array = _to_array(data, dtype)
    if isinstance(data, (np.ndarray, Tensor)) and (array is data or (isinstance(data, Tensor) and array is data._data)):
        array = array.copy()
    return Tensor(array, requires_grad=requires_grad)


def as_tensor(data, dtype=None) -> Tensor:
    """Like `tensor` but shares memory with a numpy array (or returns the tensor) when the dtype allows."""
    if isinstance(data, Tensor) and (dtype is None or np.dtype(_as_dtype(dtype)) == data.dtype):
        return data
    return Tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with `array`."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy array, got {type(array).__name__}")
    return Tensor(array)


def from_dlpack(ext) -> Tensor:
    """A tensor sharing memory with `ext`, any object with `__dlpack__` (a PyTorch tensor, a numpy array), as
    torch.from_dlpack."""
    if isinstance(ext, Tensor):
        return ext
    return Tensor(np.from_dlpack(ext))


def _float_dtype(dtype):
    """The requested dtype, or the default float dtype."""
    return _as_dtype(dtype) or get_default_dtype()


def zeros(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given shape."""
    return Tensor(np.zeros(size_args(size, "zeros"), dtype=_float_dtype(dtype)), requires_grad=requires_grad)


def ones(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given shape."""
    return Tensor(np.ones(size_args(size, "ones"), dtype=_float_dtype(dtype)), requires_grad=requires_grad)


def empty(*size, dtype=None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor (here: zeros, so results never depend on garbage)."""
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    """A tensor filled with `fill_value`; its dtype follows the value as in PyTorch."""
    shape = size_args((size,), "full")
    if dtype is None:
        dtype = _to_array(fill_value).dtype
    return Tensor(np.full(shape, fill_value, dtype=_as_dtype(dtype)), requires_grad=requires_grad)


def zeros_like(input: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros(input.shape, dtype=_as_dtype(dtype) or input.dtype), requires_grad=requires_grad)


def ones_like(input: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones(input.shape, dtype=_as_dtype(dtype) or input.dtype), requires_grad=requires_grad)


def empty_like(input: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return zeros_like(input, dtype=dtype, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value, dtype=None, requires_grad: bool = False) -> Tensor:
    return Tensor(np.full(input.shape, fill_value, dtype=_as_dtype(dtype) or input.dtype), requires_grad=requires_grad)


def _random(method, size, dtype, params, requires_grad, generator=None) -> Tensor:
    t = sample(method, size, dtype, *params, generator=generator)
    if requires_grad:
        t.requires_grad_()
    return t


def rand(*size, dtype=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Uniform samples on [0, 1) from the shared generator."""
    return _random("random", size_args(size, "rand"), _float_dtype(dtype), (), requires_grad, generator)


def randn(*size, dtype=None, requires_grad: bool = False, generator=None) -> Tensor:
    """Standard normal samples from the shared generator."""
    return _random("standard_normal", size_args(size, "randn"), _float_dtype(dtype), (), requires_grad, generator)


def rand_like(input: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return rand(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input: Tensor, dtype=None, requires_grad: bool = False) -> Tensor:
    return randn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint(low, high=None, size=None, dtype=None, generator=None) -> Tensor:
    """Random integers in [low, high) (or [0, low) when high is omitted), as `torch.randint`."""
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint: size is required, e.g. randint(0, 10, (3,))")
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    shape = size_args((size,), "randint")
    return sample("integers", shape, _as_dtype(dtype) or np.int64, low, high, generator=generator)


def randperm(n: int, dtype=None, generator=None) -> Tensor:
    """A random permutation of 0..n-1."""
    from .random import Sample

    order = Sample.apply("permutation", None, _as_dtype(dtype) or np.dtype(np.int64), (int(n),), generator)
    return order


def arange(start, end=None, step=1, dtype=None, requires_grad: bool = False) -> Tensor:
    """Values from start to end (exclusive) by step; integer unless a bound or step is a float."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must be nonzero")
    is_float = any(isinstance(v, float) for v in (start, end, step))
    dtype = _as_dtype(dtype) or (get_default_dtype() if is_float else np.dtype(np.int64))
    return Tensor(np.arange(start, end, step).astype(dtype, copy=False), requires_grad=requires_grad)


def linspace(start, end, steps: int, dtype=None, requires_grad: bool = False) -> Tensor:
    """`steps` evenly spaced values from start to end inclusive."""
    if steps < 0:
        raise ValueError(f"linspace: number of steps must be non-negative, got {steps}")
    return Tensor(np.linspace(start, end, steps).astype(_float_dtype(dtype)), requires_grad=requires_grad)


def eye(n: int, m: int | None = None, dtype=None, requires_grad: bool = False) -> Tensor:
    """The identity matrix (n × m)."""
    if n < 0 or (m is not None and m < 0):
        raise ValueError(f"eye: sizes must be non-negative, got n={n}, m={m}")
    return Tensor(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad=requires_grad)
