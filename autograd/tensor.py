"""The `Tensor`: a numpy array plus what reverse-mode differentiation needs.

A tensor holds its values (`_data`, a numpy array; scalars are 0-d), whether gradients
flow to it (`requires_grad`), the node that produced it (`grad_fn`) and, for leaves,
the accumulated gradient (`.grad`). Operations are attached as methods by the
modules in `autograd/ops/`, where each operation's forward and backward rule live
together; this file holds the data model: storage, autograd state, conversions to Python
and numpy, printing. Creation functions (`tensor`, `zeros`, `randn`, ...) are in `creation.py`.

`Tensor(...)` itself is PyTorch's legacy constructor: `Tensor(2, 3)` (an uninitialised 2×3
tensor; zeros here), `Tensor([1, 2])` and `Tensor(ndarray)` (always the default float dtype, as
`torch.Tensor`). The engine makes tensors from arrays with `Tensor._wrap` (no copy, no checks)
or `Tensor._from_data` (numpy data keeps its dtype); users with `autograd.tensor`/`as_tensor`.
"""
from __future__ import annotations

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
    """A numpy dtype from a dtype, a numpy type, a name, or Python's float/int/bool (float64, int64, bool,
    as PyTorch reads them); None stays None."""
    if dtype is None or isinstance(dtype, np.dtype):
        return dtype
    from .dtypes import UnsupportedDtype

    if isinstance(dtype, UnsupportedDtype):
        raise TypeError(f"dtype {dtype!r} is not supported: numpy has no {dtype.name}; use float32 or float16")
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be an autograd (numpy) dtype such as autograd.float32, got {dtype!r}") from None


def _to_array(data, dtype=None) -> np.ndarray:
    """numpy array from Python data: floats take the default dtype, numpy data keeps its own."""
    if isinstance(data, Tensor):
        data = data._data
    dtype = _as_dtype(dtype)
    if isinstance(data, np.ndarray):
        if data.dtype.kind not in _NUMERIC_KINDS:
            raise TypeError(f"tensor(): invalid data type: a numpy array of dtype {data.dtype}; {_ALLOWED}")
        return data if dtype is None or data.dtype == dtype else data.astype(dtype)
    if isinstance(data, np.generic):
        return np.asarray(data, dtype=dtype)
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in _flatten(data)):
        data = _nested_to_numpy(data)
    try:
        array = np.asarray(data, dtype=dtype)
    except (TypeError, ValueError) as error:
        raise TypeError(f"tensor(): cannot make a tensor from {type(data).__name__} data ({error}); {_ALLOWED}") from None
    if array.dtype.kind not in _NUMERIC_KINDS:  # strings, bytes, objects, dates: PyTorch refuses them too
        bad = next((type(x).__name__ for x in _flatten(data) if not isinstance(x, (bool, int, float, np.generic))),
                   array.dtype.name)
        raise TypeError(f"tensor(): invalid data type {bad!r}; {_ALLOWED}")
    if dtype is None and array.dtype.kind == "f" and not _contains_numpy_float(data):
        array = array.astype(_default_dtype, copy=False)
    return array


_NUMERIC_KINDS = "biuf"
_ALLOWED = ("allowed are bool, int and float numbers, (nested) lists and tuples of them, numpy arrays of those "
            "dtypes, and tensors")


class Size(tuple):
    """A tensor's shape, as `torch.Size`: a tuple of ints with `numel()`. `Tensor.shape` and
    `Tensor.size()` return one. It prints as a plain tuple, `(2, 3)`, where PyTorch prints
    `torch.Size([2, 3])`, and slices of it are plain tuples."""

    __slots__ = ()

    def __new__(cls, sizes=()):
        sizes = tuple(sizes)
        for s in sizes:
            if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
                raise TypeError(f"Size() takes an iterable of ints, got {s!r} in {sizes!r}")
        return tuple.__new__(cls, (int(s) for s in sizes))

    def numel(self) -> int:
        """The number of elements a tensor of this shape has."""
        n = 1
        for s in self:
            n *= s
        return n


_new_size = tuple.__new__


def _legacy_array(where: str, args: tuple, dtype: np.dtype) -> np.ndarray:
    """The array for PyTorch's legacy constructors: `(*sizes)`, `(Size)`, `()`, or `(data)` cast to `dtype`."""
    if not args:
        return np.zeros((0,), dtype=dtype)
    if len(args) == 1:
        data = args[0]
        if isinstance(data, Tensor):
            if data._data.dtype != dtype and where != "Tensor":
                raise TypeError(f"{where}(tensor): expected a tensor of dtype {dtype}, got {data.dtype}; "
                                f"convert it with .to({dtype})")
            return data._data
        if isinstance(data, Size):
            return np.zeros(data, dtype=dtype)
        if isinstance(data, (np.ndarray, list, tuple)):
            array = np.array(_nested_to_numpy(data) if isinstance(data, (list, tuple)) else data, dtype=dtype)
            return array
    for s in args:
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            kind = type(args[0]).__name__
            raise TypeError(
                f"{where}(): expected sizes (ints) or data (a list, tuple, array or tensor), got {kind} {args[0]!r}"
                + ("; for a tensor holding that number use autograd.tensor(value)" if len(args) == 1 else "")
            )
        if s < 0:
            raise RuntimeError(f"{where}(): trying to create a tensor with negative dimension {s}: {list(args)}")
    return np.zeros(tuple(int(s) for s in args), dtype=dtype)


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

    def __init__(self, *args, device=None):
        """PyTorch's legacy constructor: `Tensor(2, 3)` (zeros of that shape), `Tensor(Size)`,
        `Tensor([[1, 2]])` or `Tensor(ndarray)` (the default float dtype), `Tensor(tensor)` (the
        same storage). Use `autograd.tensor(data, dtype=..., requires_grad=...)` for anything else."""
        from .devices import check_device

        check_device("Tensor", device)
        self._init(_legacy_array("Tensor", args, _default_dtype))

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

    @classmethod
    def _from_data(cls, data, dtype=None, requires_grad: bool = False) -> Tensor:
        """The engine's constructor from data: numpy data keeps its dtype and memory (no copy), Python
        floats take the default dtype (the rules of `autograd.as_tensor`)."""
        t = cls._wrap(_to_array(data, dtype))
        if requires_grad:
            t.requires_grad = True
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

    def detach_(self) -> Tensor:
        """Take this tensor out of the graph in place: no grad_fn, no longer requiring grad."""
        if self._base is not None and self.grad_fn is not None:
            raise RuntimeError("detach_(): can't detach views in-place; use detach() instead")
        self.grad_fn, self._output_nr, self._requires_grad = None, 0, False
        return self

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
    def shape(self) -> Size:
        return _new_size(Size, self._data.shape)

    @property
    def dtype(self) -> np.dtype:
        return self._data.dtype

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    def size(self, dim: int | None = None):
        """The shape (a `Size`), or one dimension's length."""
        if dim is None:
            return _new_size(Size, self._data.shape)
        from .ops._util import normalize_dim

        return self._data.shape[normalize_dim(dim, self._data.ndim, "size")]

    def numel(self) -> int:
        return self._data.size

    nelement = numel

    def ndimension(self) -> int:
        return self._data.ndim

    def is_floating_point(self) -> bool:
        return self._data.dtype.kind == "f"

    def is_complex(self) -> bool:
        return self._data.dtype.kind == "c"

    def is_signed(self) -> bool:
        return self._data.dtype.kind in "ifc"

    def element_size(self) -> int:
        """Bytes per element."""
        return self._data.itemsize

    @property
    def itemsize(self) -> int:
        return self._data.itemsize

    @property
    def nbytes(self) -> int:
        return self._data.nbytes

    # ----------------------------------------------------------------- device and memory
    @property
    def device(self):
        """`device(type='cpu')`: every tensor lives on the CPU here."""
        from .devices import CPU

        return CPU

    is_cuda = is_mps = is_meta = is_sparse = is_quantized = False
    is_cpu = True

    @property
    def layout(self):
        from .devices import strided

        return strided

    def get_device(self) -> int:
        """-1, PyTorch's answer for a CPU tensor."""
        return -1

    def cpu(self, memory_format=None) -> Tensor:
        """This tensor (it is on the CPU already)."""
        return self

    def cuda(self, device=None, non_blocking: bool = False, memory_format=None) -> Tensor:
        """Refused: there is no GPU here (check `autograd.cuda.is_available()`)."""
        from .devices import check_device

        check_device("cuda", "cuda" if device is None else (f"cuda:{device}" if isinstance(device, int) else device))
        return self

    def pin_memory(self, device=None) -> Tensor:
        """This tensor: pinned memory speeds up copies to a GPU, and there is none."""
        return self

    def is_pinned(self, device=None) -> bool:
        return False

    def is_contiguous(self, memory_format=None) -> bool:
        """Whether the values are laid out in row-major order without gaps (numpy's C order)."""
        return bool(self._data.flags.c_contiguous)

    def data_ptr(self) -> int:
        """The address of the first element (views of one array differ by their offset, as in PyTorch)."""
        return self._data.__array_interface__["data"][0]

    def is_shared(self) -> bool:
        return False

    def share_memory_(self) -> Tensor:
        """Not supported: numpy arrays are not placed in memory shared between processes."""
        raise NotImplementedError(
            "share_memory_(): tensors here are ordinary numpy arrays, not shared between processes; a forked "
            "process would train its own copy (Hogwild-style training is not supported)"
        )

    def storage(self):
        """Not supported: there are no separate storage objects (the values are one numpy array)."""
        raise NotImplementedError("storage(): tensors here have no separate storage object; use .numpy() for the "
                                  "array, or .data_ptr() to compare memory")

    untyped_storage = storage

    # ----------------------------------------------------------------- conversions
    def item(self):
        """The single value as a Python number."""
        if self._data.size != 1:
            raise ValueError(f"item(): only one-element tensors can be converted, got shape {self.shape}")
        return self._data.reshape(()).item()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        """The data as a numpy array (shared memory). Refuses tensors that require grad, as PyTorch,
        unless `force=True` (which, for a tensor on the CPU, returns the same array)."""
        if self._requires_grad and not force:
            raise RuntimeError("numpy(): can't call numpy() on a tensor that requires grad; use tensor.detach().numpy()"
                               " (or numpy(force=True))")
        return self._data

    def tolist(self):
        return self._data.tolist()

    def __array__(self, dtype=None, copy=None):
        if dtype is not None and np.dtype(dtype) != self._data.dtype:
            return self._data.astype(dtype)
        return self._data.copy() if copy else self._data

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """The storage through DLPack, shared (torch.from_dlpack(t), np.from_dlpack(t)); refused, as PyTorch,
        for a tensor that requires grad."""
        if self._requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        given = {"stream": stream, "max_version": max_version, "dl_device": dl_device, "copy": copy}
        return self._data.__dlpack__(**{k: v for k, v in given.items() if v is not None})

    def __dlpack_device__(self):
        return self._data.__dlpack_device__()

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

    def __format__(self, format_spec: str) -> str:
        """A 0-d tensor formats as its value (`f"{loss:.4f}"`); others only with an empty spec, as PyTorch."""
        if self._data.ndim == 0 and type(self) is Tensor:
            return self.item().__format__(format_spec)
        return object.__format__(self, format_spec)

    def __repr__(self) -> str:
        return _format_tensor(self)

    __str__ = __repr__

    def __reduce_ex__(self, protocol):
        return (_rebuild_tensor, (self._data, self._requires_grad))


def _rebuild_tensor(data, requires_grad):
    return Tensor._from_data(data, requires_grad=requires_grad)


_PRINT_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, 2**63 - 1, 3, 80)}
_print_options = {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": None, "sci_mode": None}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None) -> None:
    """How tensors print, as `torch.set_printoptions`: digits after the point, the element count above
    which the middle is elided (`edgeitems` kept at each end), the line width, a profile ("default",
    "short", "full") and `sci_mode` (True/False forces scientific notation on/off; None chooses)."""
    if profile is not None:
        if profile not in _PRINT_PROFILES:
            raise ValueError(f"set_printoptions: profile must be one of {sorted(_PRINT_PROFILES)}, got {profile!r}")
        for key, value in zip(("precision", "threshold", "edgeitems", "linewidth"), _PRINT_PROFILES[profile]):
            _print_options[key] = value
    for key, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems),
                       ("linewidth", linewidth)):
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
                raise ValueError(f"set_printoptions: {key} must be a non-negative int, got {value!r}")
            _print_options[key] = int(value)
    _print_options["sci_mode"] = sci_mode


def _format_tensor(t: Tensor) -> str:
    data = t._data
    options = {"separator": ", ", "prefix": "tensor(", "threshold": _print_options["threshold"],
               "edgeitems": _print_options["edgeitems"]}
    if _print_options["linewidth"] is not None:
        options["max_line_width"] = _print_options["linewidth"]
    sci_mode = _print_options["sci_mode"]
    if data.dtype.kind == "f" and data.size and sci_mode is None and np.all(np.isfinite(data)) and \
            np.all(data == np.round(data)):
        nonzero = np.abs(data[data != 0])
        if nonzero.size and (nonzero.max() > 1e8 or nonzero.max() / nonzero.min() > 1000):
            sci_mode = True  # PyTorch's rule for integer-valued floats
    if data.dtype.kind == "f" and data.size and not sci_mode and np.all(np.isfinite(data)) and \
            np.all(data == np.round(data)):
        body = np.array2string(data, floatmode="unique", formatter={"float_kind": lambda v: f"{v:.0f}."}, **options)
    elif data.dtype.kind == "f":
        if sci_mode:
            precision = _print_options["precision"]
            options["formatter"] = {"float_kind": lambda v: f"{v:.{precision}e}"}
        body = np.array2string(data, precision=_print_options["precision"], floatmode="fixed",
                               suppress_small=sci_mode is False, **options)
    else:
        body = np.array2string(data, **options)
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
