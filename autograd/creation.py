"""Creation functions, with PyTorch's signatures: `tensor`, `as_tensor`, `asarray`, `from_numpy`, `from_dlpack`,
`scalar_tensor`, `zeros`/`ones`/`empty`/`full` (and `*_like`), `rand`/`randn`/`randint` (and
`*_like`), `randperm`, `arange`, `linspace`, `logspace`, `eye`.

Sizes are given as ints, a tuple/list or `size=`; floating results take the default dtype
(float32) unless a dtype is given; random ones draw from the shared generator (or
`generator=`) through the `Sample` op (`random.py`). `device=` ("cpu"), the strided `layout=`,
`pin_memory=` and `memory_format=` are accepted as in PyTorch (`devices.py`); `out=` is refused.
Grid values are PyTorch's to the last bit (`grids.py`).
"""
from __future__ import annotations

import numbers

import numpy as np

from . import grids
from .devices import check_options
from .ops._util import size_args
from .random import check_generator, sample
from .tensor import Tensor, _as_dtype, _check_can_require_grad, _to_array, get_default_dtype

_INT64 = np.dtype(np.int64)


def _leaf(array: np.ndarray, requires_grad: bool, where: str) -> Tensor:
    t = Tensor._wrap(array)
    if requires_grad:
        _check_can_require_grad(array.dtype, where)
        t._requires_grad = True
    return t


def _shape(where: str, sizes: tuple, size) -> tuple:
    """The shape from `zeros(2, 3)`, `zeros((2, 3))` or `zeros(size=(2, 3))`."""
    if size is not None:
        if sizes:
            raise TypeError(f"{where}() got multiple values for argument 'size'")
        sizes = (size,)
    if not sizes:
        raise TypeError(f"{where}() missing the size, e.g. {where}(2, 3) or {where}(size=(2, 3))")
    return size_args(sizes, where)


def _float_dtype(where: str, dtype) -> np.dtype:
    """The requested floating dtype, or the default one."""
    dtype = _as_dtype(dtype) or get_default_dtype()
    if dtype.kind not in "fc":
        raise TypeError(f"{where}: expected a floating point dtype, got {dtype} "
                        f"(random floats cannot be drawn as {dtype}; use randint for integers)")
    return dtype


def _number_dtype(value) -> np.dtype:
    """The dtype PyTorch gives a Python (or numpy) number: bool, int64, the default float, complex64."""
    if isinstance(value, Tensor):
        value = value.item()
    if isinstance(value, (bool, np.bool_)):
        return np.dtype(bool)
    if isinstance(value, numbers.Integral):
        return _INT64
    if isinstance(value, numbers.Real):
        return get_default_dtype()
    if isinstance(value, numbers.Complex):
        return np.dtype(np.complex64) if get_default_dtype() == np.float32 else np.dtype(np.complex128)
    raise TypeError(f"expected a number, got {type(value).__name__}")


def _scalar(value, where: str, argument: str):
    """A Python number from a number, numpy scalar or one-element tensor."""
    if isinstance(value, Tensor):
        if value.numel() != 1:
            raise ValueError(f"{where}: {argument} must be a number or a one-element tensor, got shape {value.shape}")
        return value.item()
    if isinstance(value, np.generic):
        return value.item()
    if not isinstance(value, numbers.Number):
        raise TypeError(f"{where}: {argument} must be a number, got {type(value).__name__}")
    return value


# ----------------------------------------------------------------------------- from data
def tensor(data, *, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new leaf tensor holding a copy of `data` (Python numbers, lists, numpy arrays, tensors)."""
    check_options("tensor", device=device, pin_memory=pin_memory)
    array = _to_array(data, dtype)
    if isinstance(data, (np.ndarray, Tensor)) and (array is data or (isinstance(data, Tensor) and array is data._data)):
        array = array.copy()
    return _leaf(array, requires_grad, "tensor")


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """`data` as a tensor, sharing memory with a numpy array (or returning the tensor) when the dtype allows."""
    check_options("as_tensor", device=device)
    if isinstance(data, Tensor) and (dtype is None or _as_dtype(dtype) == data.dtype):
        return data
    return Tensor._from_data(data, dtype)


def asarray(obj, *, dtype=None, device=None, copy: bool | None = None, requires_grad: bool = False) -> Tensor:
    """As `torch.asarray`: shares memory with a tensor or array when it can, unless `copy=True`
    (`copy=False` refuses to copy)."""
    check_options("asarray", device=device)
    if isinstance(obj, Tensor) and (dtype is None or _as_dtype(dtype) == obj.dtype) and not copy:
        result = obj
    else:
        source = obj._data if isinstance(obj, Tensor) else obj
        array = _to_array(source, dtype)
        shares = isinstance(source, np.ndarray) and np.shares_memory(array, source)
        if copy is False and isinstance(source, np.ndarray) and not shares:
            raise ValueError(f"asarray: copy=False, but the data must be copied to become dtype {array.dtype}")
        if copy and shares:
            array = array.copy()
        result = Tensor._wrap(array)
    if requires_grad:
        result.requires_grad_()
    return result


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with `ndarray` (and keeping its dtype)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy array, got {type(ndarray).__name__}")
    return Tensor._wrap(ndarray)


def from_dlpack(ext) -> Tensor:
    """A tensor sharing memory with `ext`, any object with `__dlpack__` (a PyTorch tensor, a numpy array), as
    torch.from_dlpack."""
    if isinstance(ext, Tensor):
        return ext
    return Tensor._from_data(np.from_dlpack(ext))


def scalar_tensor(s, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
                  pin_memory: bool = False) -> Tensor:
    """A 0-d tensor holding the number `s`, of the default float dtype unless given."""
    check_options("scalar_tensor", device=device, layout=layout, pin_memory=pin_memory)
    dtype = _as_dtype(dtype) or get_default_dtype()
    return _leaf(np.asarray(_scalar(s, "scalar_tensor", "s"), dtype=dtype), requires_grad, "scalar_tensor")


# ----------------------------------------------------------------------------- filled
def zeros(*sizes, size=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False) -> Tensor:
    """A tensor of zeros of the given shape."""
    check_options("zeros", device=device, layout=layout, pin_memory=pin_memory, out=out)
    dtype = _as_dtype(dtype) or get_default_dtype()
    return _leaf(np.zeros(_shape("zeros", sizes, size), dtype=dtype), requires_grad, "zeros")


def ones(*sizes, size=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
         pin_memory: bool = False) -> Tensor:
    """A tensor of ones of the given shape."""
    check_options("ones", device=device, layout=layout, pin_memory=pin_memory, out=out)
    dtype = _as_dtype(dtype) or get_default_dtype()
    return _leaf(np.ones(_shape("ones", sizes, size), dtype=dtype), requires_grad, "ones")


def empty(*sizes, size=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
          pin_memory: bool = False, memory_format=None) -> Tensor:
    """An uninitialised tensor (here: zeros, so results never depend on garbage)."""
    check_options("empty", device=device, layout=layout, pin_memory=pin_memory, out=out, memory_format=memory_format)
    dtype = _as_dtype(dtype) or get_default_dtype()
    return _leaf(np.zeros(_shape("empty", sizes, size), dtype=dtype), requires_grad, "empty")


def full(size, fill_value, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
         pin_memory: bool = False) -> Tensor:
    """A tensor filled with `fill_value`; without a dtype, the value's (bool, int64, the default float), as PyTorch."""
    check_options("full", device=device, layout=layout, pin_memory=pin_memory, out=out)
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"full(): size must be a tuple or list of ints, got {type(size).__name__}; e.g. full((2, 3), 1.0)")
    value = _scalar(fill_value, "full", "fill_value")
    dtype = _as_dtype(dtype) or _number_dtype(value)
    return _leaf(_filled(size_args((size,), "full"), value, dtype), requires_grad, "full")


def _filled(shape: tuple, value, dtype: np.dtype) -> np.ndarray:
    if dtype.kind in "iu" and isinstance(value, float):
        value = int(value)  # PyTorch truncates a float fill into an integer tensor
    return np.full(shape, value, dtype=dtype)


def _like(where: str, input, dtype, layout, device, memory_format, pin_memory=False) -> tuple:
    if not isinstance(input, Tensor):
        raise TypeError(f"{where}: input must be a Tensor, got {type(input).__name__}")
    check_options(where, device=device, layout=layout, memory_format=memory_format, pin_memory=pin_memory)
    return input.shape, _as_dtype(dtype) or input.dtype


def zeros_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    """Zeros of the input's shape (and dtype, unless given)."""
    shape, dtype = _like("zeros_like", input, dtype, layout, device, memory_format)
    return _leaf(np.zeros(shape, dtype=dtype), requires_grad, "zeros_like")


def ones_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    """Ones of the input's shape (and dtype, unless given)."""
    shape, dtype = _like("ones_like", input, dtype, layout, device, memory_format)
    return _leaf(np.ones(shape, dtype=dtype), requires_grad, "ones_like")


def empty_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    """An uninitialised tensor of the input's shape (here: zeros)."""
    shape, dtype = _like("empty_like", input, dtype, layout, device, memory_format)
    return _leaf(np.zeros(shape, dtype=dtype), requires_grad, "empty_like")


def full_like(input: Tensor, fill_value, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    """`fill_value` everywhere in the input's shape, with the input's dtype unless given."""
    shape, dtype = _like("full_like", input, dtype, layout, device, memory_format)
    return _leaf(_filled(shape, _scalar(fill_value, "full_like", "fill_value"), dtype), requires_grad, "full_like")


def eye(n: int, m: int | None = None, *, out=None, dtype=None, layout=None, device=None,
        requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """The identity matrix (n × m)."""
    check_options("eye", device=device, layout=layout, pin_memory=pin_memory, out=out)
    n, m = size_args((n,), "eye")[0], None if m is None else size_args((m,), "eye")[0]
    return _leaf(np.eye(n, m, dtype=_as_dtype(dtype) or get_default_dtype()), requires_grad, "eye")


# ----------------------------------------------------------------------------- random
def _random(method, shape, dtype, params, requires_grad, generator, where) -> Tensor:
    check_generator(where, generator)
    t = sample(method, shape, dtype, *params, generator=generator)
    if requires_grad:
        _check_can_require_grad(t.dtype, where)
        t._requires_grad = True
    return t


def rand(*sizes, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
         requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Uniform samples on [0, 1)."""
    check_options("rand", device=device, layout=layout, pin_memory=pin_memory, out=out)
    return _random("random", _shape("rand", sizes, size), _float_dtype("rand", dtype), (), requires_grad, generator,
                   "rand")


def randn(*sizes, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
          requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Standard normal samples."""
    check_options("randn", device=device, layout=layout, pin_memory=pin_memory, out=out)
    return _random("standard_normal", _shape("randn", sizes, size), _float_dtype("randn", dtype), (), requires_grad,
                   generator, "randn")


def rand_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
              memory_format=None, generator=None) -> Tensor:
    """Uniform samples on [0, 1) in the input's shape (and dtype, unless given)."""
    shape, dtype = _like("rand_like", input, dtype, layout, device, memory_format)
    return _random("random", shape, _float_dtype("rand_like", dtype), (), requires_grad, generator, "rand_like")


def randn_like(input: Tensor, *, dtype=None, layout=None, device=None, requires_grad: bool = False,
               memory_format=None, generator=None) -> Tensor:
    """Standard normal samples in the input's shape (and dtype, unless given)."""
    shape, dtype = _like("randn_like", input, dtype, layout, device, memory_format)
    return _random("standard_normal", shape, _float_dtype("randn_like", dtype), (), requires_grad, generator,
                   "randn_like")


def _integer_bound(value, where: str, argument: str) -> int:
    if isinstance(value, Tensor) and value.numel() == 1 and value.dtype.kind in "iu":
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{where}(): argument '{argument}' must be an int, not {type(value).__name__}")
    return int(value)


def _randint_draw(where, low, high, shape, dtype, generator, requires_grad) -> Tensor:
    low, high = _integer_bound(low, where, "low"), _integer_bound(high, where, "high")
    if low >= high:
        raise RuntimeError(f"{where}: expects 'low' to be less than 'high', but got low={low} >= high={high}")
    dtype = _as_dtype(dtype) or _INT64
    if dtype.kind == "b" and not (0 <= low and high <= 2):
        raise RuntimeError(f"{where}: the range [{low}, {high}) does not fit dtype bool")
    draw_dtype = dtype if dtype.kind in "iu" else _INT64
    t = _random("integers", shape, draw_dtype, (low, high), False, generator, where)
    if draw_dtype != dtype:
        t = t.to(dtype)
    if requires_grad:
        _check_can_require_grad(t.dtype, where)
        t._requires_grad = True
    return t


def randint(*args, low=None, high=None, size=None, generator=None, out=None, dtype=None, layout=None, device=None,
            requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Random integers in [low, high): `randint(high, size)` or `randint(low, high, size)` (int64 unless a dtype
    is given), as `torch.randint`."""
    check_options("randint", device=device, layout=layout, pin_memory=pin_memory, out=out)
    given = list(args)
    if size is None and given and isinstance(given[-1], (tuple, list)):
        size = given.pop()
    if len(given) == 2 and low is None and high is None:
        low, high = given
    elif len(given) == 1 and high is None:
        if low is None:
            low, high = 0, given[0]
        else:
            high = given[0]
    elif len(given) == 1 and low is None:
        low = given[0]
    elif given:
        raise TypeError(f"randint() received an invalid combination of arguments {args!r}; expected "
                        "randint(high, size) or randint(low, high, size)")
    if high is None or size is None:
        raise TypeError("randint() needs high and size: randint(high, size) or randint(low, high, size), "
                        "e.g. randint(0, 10, (3,))")
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"randint(): size must be a tuple of ints, got {type(size).__name__}")
    return _randint_draw("randint", 0 if low is None else low, high, size_args((size,), "randint"), dtype, generator,
                         requires_grad)


def randint_like(input: Tensor, *args, low=None, high=None, dtype=None, layout=None, device=None,
                 requires_grad: bool = False, memory_format=None, generator=None) -> Tensor:
    """Random integers in [low, high) in the input's shape and dtype: `randint_like(x, high)` or `(x, low, high)`."""
    shape, dtype = _like("randint_like", input, dtype, layout, device, memory_format)
    if len(args) == 2:
        low, high = args
    elif len(args) == 1:
        high = args[0]
    elif args:
        raise TypeError("randint_like(input, high) or randint_like(input, low, high)")
    if high is None:
        raise TypeError("randint_like() needs high: randint_like(input, high) or randint_like(input, low, high)")
    return _randint_draw("randint_like", 0 if low is None else low, high, shape, dtype, generator, requires_grad)


def randperm(n: int, *, generator=None, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
             pin_memory: bool = False) -> Tensor:
    """A random permutation of 0..n-1 (int64 unless a dtype is given)."""
    from .random import Sample

    check_options("randperm", device=device, layout=layout, pin_memory=pin_memory, out=out)
    check_generator("randperm", generator)
    n = size_args((n,), "randperm")[0]
    order = Sample.apply("permutation", None, _as_dtype(dtype) or _INT64, (n,), generator)
    if requires_grad:
        _check_can_require_grad(order.dtype, "randperm")
        order._requires_grad = True
    return order


# ----------------------------------------------------------------------------- grids
def arange(start=0, end=None, step=1, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """start, start + step, ... up to end (exclusive); int64 unless a bound or the step is a float (then the
    default dtype). The values are PyTorch's to the last bit (see `grids.py`)."""
    check_options("arange", device=device, layout=layout, pin_memory=pin_memory, out=out)
    if end is None:
        start, end = 0, start
    start, end, step = (_scalar(v, "arange", name) for v, name in ((start, "start"), (end, "end"), (step, "step")))
    if dtype is None:
        dtype = get_default_dtype() if any(isinstance(v, float) for v in (start, end, step)) else _INT64
    dtype = _as_dtype(dtype)
    if dtype.kind == "b":
        raise TypeError("arange: dtype bool is not supported (as in PyTorch)")
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dtype == _INT64 and int(step) == 0:  # int64 steps by the step truncated to an integer (other int dtypes too,
        raise ValueError(f"arange: step must be nonzero (step {step} truncates to 0 for dtype int64)")  # silently)
    n = grids.arange_size(start, end, step, dtype)
    return _leaf(grids.arange_values(start, step, n, dtype), requires_grad, "arange")


def _steps(steps, where: str) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise TypeError(f"{where}: steps must be an int, got {steps!r}")
    if steps < 0:
        raise RuntimeError(f"{where}: number of steps must be non-negative, got {steps}")
    return int(steps)


def linspace(start, end, steps: int, *, out=None, dtype=None, layout=None, device=None, requires_grad: bool = False,
             pin_memory: bool = False) -> Tensor:
    """`steps` evenly spaced values from start to end inclusive (the default float dtype unless given),
    PyTorch's to the last bit: computed from both ends, so both are exact."""
    check_options("linspace", device=device, layout=layout, pin_memory=pin_memory, out=out)
    start, end = _scalar(start, "linspace", "start"), _scalar(end, "linspace", "end")
    dtype = _as_dtype(dtype) or get_default_dtype()
    return _leaf(grids.linspace_values(start, end, _steps(steps, "linspace"), dtype), requires_grad, "linspace")


def logspace(start, end, steps: int, base: float = 10.0, *, out=None, dtype=None, layout=None, device=None,
             requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """base ** linspace(start, end, steps), PyTorch's to the last bit."""
    check_options("logspace", device=device, layout=layout, pin_memory=pin_memory, out=out)
    start, end = _scalar(start, "logspace", "start"), _scalar(end, "logspace", "end")
    dtype = _as_dtype(dtype) or get_default_dtype()
    values = grids.logspace_values(start, end, _steps(steps, "logspace"), float(_scalar(base, "logspace", "base")),
                                   dtype)
    return _leaf(values, requires_grad, "logspace")
