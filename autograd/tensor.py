"""The `Tensor`: a numpy array plus what reverse-mode differentiation needs.

A tensor holds its values (`_data`, a numpy array; scalars are 0-d), whether gradients
flow to it (`requires_grad`), the node that produced it (`grad_fn`) and, for leaves,
the accumulated gradient (`.grad`). Operations are attached as methods by the
modules in `autograd/ops/`, where each operation's forward and backward rule live
together; this file holds the data model: storage, autograd state, conversions to Python
and numpy, printing. Creation functions (`tensor`, `zeros`, `randn`, ...) are in `creation.py`.
"""
from __future__ import annotations

from typing import Any

import numpy as np

_default_dtype = np.dtype(np.float32)
_FLOAT_KINDS = "f"  # only floating tensors can require grad (no complex support)


def set_default_dtype(dtype) -> None:
    """Set the dtype Python floats (and float creation functions) take: float32 or float64."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are allowed, got {dtype}")
    _default_dtype = dtype


def get_default_dtype() -> np.dtype:
    """The dtype Python floats take; float32 unless changed."""
    return _default_dtype


def _as_dtype(dtype) -> np.dtype | None:
    if dtype is None:
        return None
    if isinstance(dtype, type) and dtype in (float,):
        return _default_dtype
    return np.dtype(dtype)


def _to_array(data, dtype=None) -> np.ndarray:
    """numpy array from Python data: floats take the default dtype, numpy data keeps its own."""
    if isinstance(data, Tensor):
        data = data._data
    dtype = _as_dtype(dtype)
    if isinstance(data, np.ndarray):
        return data if dtype is None or data.dtype == dtype else data.astype(dtype)
    if isinstance(data, np.generic):
        return np.asarray(data, dtype=dtype)
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flatten(data)):
        data = _nested_to_numpy(data)
    array = np.asarray(data, dtype=dtype)
    if dtype is None and array.dtype.kind == "f" and not _contains_numpy_float(data):
        array = array.astype(_default_dtype, copy=False)
    if array.dtype == object:
        raise TypeError(f"tensor(): cannot make a tensor from {type(data).__name__} data")
    return array


def _flatten(data):
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        else:
            yield item


def _nested_to_numpy(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_nested_to_numpy(x) for x in data]
    return data


def _contains_numpy_float(data) -> bool:
    return any(isinstance(x, (np.floating, np.ndarray)) and np.asarray(x).dtype.kind == "f"
               for x in _flatten(data))


def _check_can_require_grad(dtype: np.dtype, where: str) -> None:
    if dtype.kind not in _FLOAT_KINDS:
        raise RuntimeError(
            f"{where}: only floating point tensors can require gradients, got dtype {dtype}. "
            "Convert first, e.g. x.float() or autograd.tensor(data, dtype='float32')."
        )


class Tensor:
    """An n-dimensional array that records the operations applied to it."""

    __slots__ = ("_data", "grad", "_requires_grad", "grad_fn", "_output_nr", "_version_counter", "_base",
                 "_accumulator", "_retains_grad", "name", "__weakref__")
    __array_priority__ = 1000  # numpy defers `array * tensor` to Tensor.__rmul__

    def __init__(self, data: Any, dtype=None, requires_grad: bool = False):
        self._init(_to_array(data, dtype))
        if requires_grad:
            self.requires_grad = True

    def _init(self, array: np.ndarray) -> None:
        self._data = array  # the values: always an ndarray (0-d for scalars)
        self.grad: Tensor | None = None
        self._requires_grad = False
        self.grad_fn = None  # the Node that made this tensor (None for leaves)
        self._output_nr = 0  # which of grad_fn's outputs this is
        self._version_counter = [0]  # bumped by in-place changes; one list shared by a base and its views
        self._base = None  # the tensor this one is a view of
        self._accumulator = None  # a leaf's AccumulateGrad node, made on first use
        self._retains_grad = False
        self.name = None

    @classmethod
    def _wrap(cls, array: np.ndarray) -> Tensor:
        """Fast constructor for an array that is already right: no conversion, no checks (`_init`, inlined:
        every op output is made here)."""
        t = object.__new__(cls)
        t._data = array
        t.grad = None
        t._requires_grad = False
        t.grad_fn = None
        t._output_nr = 0
        t._version_counter = [0]
        t._base = None
        t._accumulator = None
        t._retains_grad = False
        t.name = None
        return t

    # ----------------------------------------------------------------- autograd state
    @property
    def data(self) -> Tensor:
        """The same storage as a tensor outside the graph, as PyTorch's `.data`.

        Unlike `detach()` it has a version counter of its own: in-place changes through it are
        not seen by autograd's checks (the old, unsafe idiom `p.data -= lr * p.grad`).
        Assigning `p.data = other` makes `p` use `other`'s storage (same shape required).
        """
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value) -> None:
        array = value._data if isinstance(value, Tensor) else np.asarray(value)
        if array.shape != self._data.shape:
            raise RuntimeError(
                f"data: cannot assign a value of shape {array.shape} to the .data of a tensor of shape "
                f"{self._data.shape}; create a new tensor (or Parameter) for a different shape."
            )
        if self._requires_grad:
            _check_can_require_grad(array.dtype, "data")
        self._data = array

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        flag = bool(flag)
        if flag:
            _check_can_require_grad(self._data.dtype, "requires_grad")
        elif self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad can only be changed on leaf tensors; this tensor was computed "
                f"by {self.grad_fn.name()}. Use .detach() to get a tensor outside the graph."
            )
        self._requires_grad = flag

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set `requires_grad` in place (leaves only); returns self."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation."""
        return self.grad_fn is None

    @property
    def _version(self) -> int:
        """Bumped by every in-place change; shared with views of the same data."""
        return self._version_counter[0]

    def _bump_version(self) -> None:
        self._version_counter[0] += 1

    def detach(self) -> Tensor:
        """A tensor with the same data (shared memory and version counter), outside the graph."""
        t = Tensor._wrap(self._data)
        t._version_counter = self._version_counter
        return t

    def retain_grad(self) -> None:
        """Keep `.grad` on this non-leaf tensor after backward (leaves always keep it)."""
        if not self._requires_grad:
            raise RuntimeError("retain_grad: this tensor does not require grad")
        if self.grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        self.grad_fn._retain_grad_of(self)

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook):
        """Call `hook(grad)` when this tensor's gradient is computed; a return value replaces it."""
        if not self._requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that does not require grad")
        if self.grad_fn is not None:
            return self.grad_fn._add_tensor_hook(self._output_nr, hook)
        return self._grad_accumulator()._add_tensor_hook(0, hook)

    def _grad_accumulator(self):
        """The leaf's AccumulateGrad node, made once and kept."""
        if self._accumulator is None:
            from .graph import AccumulateGrad

            self._accumulator = AccumulateGrad(self)
        return self._accumulator

    def _grad_node(self):
        """The node a gradient for this tensor flows into (None if none flows)."""
        if self.grad_fn is not None:
            return self.grad_fn
        if self._requires_grad:
            return self._grad_accumulator()
        return None

    def backward(self, gradient=None, retain_graph: bool | None = None, create_graph: bool = False,
                 inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's `.grad` (reverse mode, chain rule)."""
        from .engine import backward

        backward((self,), None if gradient is None else (gradient,), retain_graph, create_graph, inputs)

    # ----------------------------------------------------------------- attributes
    @property
    def shape(self) -> tuple:
        return self._data.shape

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def size(self, dim: int | None = None):
        """The shape, or one dimension's length."""
        if dim is None:
            return self._data.shape
        from .ops._util import normalize_dim

        return self._data.shape[normalize_dim(dim, self._data.ndim, "size")]

    def numel(self) -> int:
        return self._data.size

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def element_size(self) -> int:
        return self._data.itemsize

    @property
    def device(self) -> str:
        return "cpu"

    # ----------------------------------------------------------------- conversions
    def item(self):
        """The single value as a Python number."""
        if self._data.size != 1:
            raise ValueError(f"item(): only one-element tensors can be converted, got shape {self.shape}")
        return self._data.reshape(()).item()

    def numpy(self) -> np.ndarray:
        """The data as a numpy array (shared memory). Refuses tensors that require grad, as PyTorch."""
        if self._requires_grad:
            raise RuntimeError("numpy(): can't call numpy() on a tensor that requires grad; use tensor.detach().numpy()")
        return self._data

    def tolist(self):
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._data.dtype.kind not in "iub" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"bool(): the truth value of a tensor with {self._data.size} elements is ambiguous; "
                "use .any() or .all()"
            )
        return bool(self.item())

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return _format_tensor(self)

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_tensor, (self._data, self._requires_grad))


def _rebuild_tensor(data, requires_grad):
    return Tensor(data, requires_grad=requires_grad)


def _format_tensor(t: Tensor) -> str:
    data = t._data
    if data.dtype.kind == "f" and data.size and np.all(np.isfinite(data)) and np.all(data == np.round(data)):
        body = np.array2string(data, separator=", ", prefix="tensor(", floatmode="unique",
                               formatter={"float_kind": lambda v: f"{v:.0f}."}, threshold=1000, edgeitems=3)
    elif data.dtype.kind == "f":
        body = np.array2string(data, separator=", ", prefix="tensor(", precision=4, floatmode="fixed",
                               suppress_small=False, threshold=1000, edgeitems=3)
    else:
        body = np.array2string(data, separator=", ", prefix="tensor(", threshold=1000, edgeitems=3)
    extras = []
    default = {"f": _default_dtype, "i": np.dtype(np.int64), "b": np.dtype(bool)}.get(data.dtype.kind)
    if data.dtype != default:
        extras.append(f"dtype={data.dtype}")
    if t.grad_fn is not None:
        extras.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t._requires_grad:
        extras.append("requires_grad=True")
    return "tensor(" + body + "".join(", " + e for e in extras) + ")"


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)
