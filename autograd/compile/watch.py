"""Watching Tensor while a compiled function records.

The tracer sees every op (through `Op.apply`), but some things a replay must know about happen
outside ops: Python reading a tensor's values (`.item()`, `bool()`, `float()`, `.numpy()`,
`np.asarray`, printing), reading and assigning `.grad`, assigning `.data`, making tensors,
registering hooks. While any thread records, those Tensor methods (and `Node.__init__`) are
wrapped to tell that thread's tracer; the wrappers do nothing else, and they are removed when the
last recording ends, so eager code never pays for them.
"""
from __future__ import annotations

import threading

from ..grad_mode import state
from ..graph import Node
from ..tensor import Tensor
from .tracer import Tracer

_grad_slot = Tensor.__dict__["grad"]
_watch_lock = threading.Lock()
_watchers = 0
_originals: dict = {}


def _tracer():
    return state.tracer if isinstance(state.tracer, Tracer) else None


_MISSING = object()  # a method Tensor inherits (e.g. __format__): deleted again afterwards


def _watch_value(name, what):
    original = _originals[name]
    if original is _MISSING:
        original = getattr(Tensor, name)

    def watched(self, *args, **kwargs):
        tracer = _tracer()
        value = original(self, *args, **kwargs)
        if tracer is not None:
            tracer.note_value_read(self, what, value if name in ("item", "tolist", "numpy") else None)
        return value

    watched.__name__, watched.__doc__ = original.__name__, original.__doc__
    return watched


def _install() -> None:
    for name in ("item", "tolist", "numpy", "__array__", "__bool__", "__float__", "__int__", "__index__",
                 "__repr__", "__str__", "__format__", "register_hook", "retain_grad", "_wrap", "_init"):
        _originals[name] = Tensor.__dict__.get(name, _MISSING)
    reads = {"item": "item()", "tolist": "tolist()", "numpy": "numpy()", "__array__": "np.asarray(tensor)",
             "__bool__": "bool()", "__float__": "float()", "__int__": "int()", "__index__": "use as an index",
             "__repr__": "printing", "__str__": "printing", "__format__": "formatting"}
    for name, what in reads.items():
        setattr(Tensor, name, _watch_value(name, what))
    register_hook, retain_grad = _originals["register_hook"], _originals["retain_grad"]

    def watched_register_hook(self, hook):
        tracer = _tracer()
        if tracer is not None:
            tracer.note_hook("Tensor.register_hook")
        return register_hook(self, hook)

    def watched_retain_grad(self):
        tracer = _tracer()
        if tracer is not None and self.grad_fn is not None:
            tracer.fail("Tensor.retain_grad() inside the compiled function is not replayed; return the tensor and "
                        "read its gradient outside")
        return retain_grad(self)

    Tensor.register_hook, Tensor.retain_grad = watched_register_hook, watched_retain_grad
    wrap = _originals["_wrap"].__func__
    init = _originals["_init"]

    def watched_wrap(cls, array):
        t = wrap(cls, array)
        tracer = _tracer()
        if tracer is not None:
            tracer.inner.add(id(t))
        return t

    def watched_init(self, array):
        init(self, array)
        tracer = _tracer()
        if tracer is not None:
            tracer.inner.add(id(self))

    Tensor._wrap, Tensor._init = classmethod(watched_wrap), watched_init
    node_init = _originals["Node.__init__"] = Node.__init__

    def watched_node_init(self, *args):
        node_init(self, *args)
        tracer = _tracer()
        if tracer is not None:
            tracer.nodes.add(id(self))

    Node.__init__ = watched_node_init

    def get_grad(self):
        grad = _grad_slot.__get__(self)
        tracer = _tracer()
        if tracer is not None:
            tracer.note_grad_read(self, grad)
        return grad

    def set_grad(self, value):
        tracer = _tracer()
        if tracer is not None:
            tracer.note_grad_write(self, value)
        _grad_slot.__set__(self, value)

    Tensor.grad = property(get_grad, set_grad, doc="The gradient (watched while a compiled function records).")
    data = Tensor.__dict__["data"]
    _originals["data"] = data

    def set_data(self, value):
        data.fset(self, value)
        tracer = _tracer()
        if tracer is not None:
            tracer.note_data_write(self, self._data)

    Tensor.data = property(data.fget, set_data, doc=data.__doc__)


def _uninstall() -> None:
    Node.__init__ = _originals.pop("Node.__init__")
    for name, original in _originals.items():
        if original is _MISSING:
            delattr(Tensor, name)
        else:
            setattr(Tensor, name, original)
    Tensor.grad = _grad_slot
    _originals.clear()


class watching_tensors:
    """While any thread records, the Tensor methods listed in the module docstring report to its tracer."""

    def __enter__(self):
        global _watchers
        with _watch_lock:
            if _watchers == 0:
                _install()
            _watchers += 1
        return self

    def __exit__(self, *exc):
        global _watchers
        with _watch_lock:
            _watchers -= 1
            if _watchers == 0:
                _uninstall()
        return False
