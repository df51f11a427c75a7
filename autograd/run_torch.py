"""Run an unmodified PyTorch script on this engine: `python -m autograd.run_torch script.py [args ...]`.

While the script runs, `import torch` (and `torch.nn`, `torch.optim`, ...) gives this project's
modules under PyTorch's names, so a script from a course runs here unchanged and a learner can step
into any backward rule. The mapping is a meta-path finder installed for the run only; nothing is left
in `sys.modules` afterwards (a real torch the caller imported is put back, the script's own modules
are dropped), so `run` can be called from a program or a test that also uses PyTorch.

    torch                       -> autograd        torch.optim                 -> nn.optim
    torch.nn                    -> nn              torch.optim.lr_scheduler    -> nn.optim.lr_scheduler
    torch.nn.functional         -> nn.functional   torch.utils.data            -> nn.data
    torch.nn.init               -> nn.init         torch.autograd              -> autograd
    torch.nn.utils              -> nn.utils        torch.nn.modules[.*]        -> nn
    torch.cuda, torch.onnx, ... -> autograd.cuda, autograd.onnx, ... where we have them
    (`python -m autograd.run_torch --help` prints the whole table)

A name the script uses that this engine lacks stops the run with `MissingTorchName`, naming it as
PyTorch does, with the file and line that used it:

    torch.nn.functional.gumbel_softmax is not implemented in this engine
    (train.py, line 12: y = F.gumbel_softmax(logits)); ...

Attribute lookups raise it as an `AttributeError` and imports as a `ModuleNotFoundError`, so scripts
that probe for a feature (`hasattr(F, "scaled_dot_product_attention")`, `try: import ... except
ImportError`) take their fallback exactly as they would on an older PyTorch. PyTorch submodules this
engine does not have (torch.onnx, torch.distributed, torch.backends.cudnn, ...) and names from them
import, since importing is not using, and flags can be set on them; the first use of such a name
(a call, subclassing, a truth test) stops the run (`torch.onnx.export is not implemented ...`). A missing method
of a Tensor, Module, optimiser or data loader is reported the same way when it ends the run. Packages built
on PyTorch (torchvision, torchtext, torchsummary, ...) are not mapped: importing one, or any library
that imports torch itself, stops with a message saying so. Nothing is ever substituted silently.

From Python: `autograd.run_torch.run("train.py", ["--epochs", "1"])` runs the script as `__main__`
with those arguments and returns its globals. Imports of torch are mapped in every thread while a
run is in progress.
"""
from __future__ import annotations

import dis
import importlib
import importlib.abc
import importlib.util
import linecache
import os
import runpy
import sys
import types

__all__ = ["MODULE_MAP", "MissingTorchName", "NotMappedPackage", "run", "main"]

# PyTorch's module -> this project's module (None: a namespace holding only the mapped submodules).
MODULE_MAP: dict[str, str | None] = {
    "torch": "autograd",
    "torch.nn": "nn",
    "torch.nn.functional": "nn.functional",
    "torch.nn.init": "nn.init",
    "torch.nn.parameter": "nn.parameter",
    "torch.nn.modules": "nn",
    "torch.nn.utils": "nn.utils",
    "torch.nn.utils.rnn": "nn.utils.rnn",
    "torch.optim": "nn.optim",
    "torch.optim.lr_scheduler": "nn.optim.lr_scheduler",
    "torch.optim.optimizer": "nn.optim.optimizer",
    "torch.utils": None,
    "torch.utils.data": "nn.data",
    "torch.autograd": "autograd",
    "torch.autograd.functional": "autograd.functional",
    "torch.random": "autograd.random",
}
# torch.nn.modules.linear.Linear etc.: PyTorch's layer files all re-export into torch.nn, as ours do into nn.
_PREFIX_MAP = {"torch.nn.modules.": "nn"}
# PyTorch's other public submodules. Each is ours where we have the counterpart under the mapped parent
# (torch.cuda -> autograd.cuda, torch.onnx -> autograd.onnx, torch.backends.mps -> autograd.backends.mps);
# where we have not, `import torch.distributions` still succeeds (importing is not using) and the first
# name used from it stops the run, e.g. torch.distributions.Normal.
_TORCH_SUBMODULES = frozenset(f"torch.{name}" for name in (
    "accelerator", "amp", "ao", "autograd.forward_ad", "autograd.graph", "autograd.profiler", "backends",
    "backends.cpu", "backends.cuda", "backends.cudnn", "backends.mkldnn", "backends.mps", "backends.openmp",
    "compiler", "cpu", "cuda", "cuda.amp", "distributed", "distributions", "export", "fft", "func", "futures", "fx",
    "hub", "jit", "library", "linalg", "masked", "monitor", "mps", "multiprocessing", "nested", "nn.attention",
    "nn.parallel", "nn.qat", "nn.quantized", "nn.utils.parametrizations", "nn.utils.parametrize", "nn.utils.prune",
    "onnx", "overrides", "package", "profiler", "quantization", "serialization", "signal", "sparse", "special",
    "testing", "utils.benchmark", "utils.checkpoint", "utils.cpp_extension", "utils.dlpack", "utils.hooks",
    "utils.tensorboard", "xpu"))
# Packages built on PyTorch that people import beside it; named so the message can say what they are.
_PACKAGES_ON_TORCH = ("torchvision", "torchtext", "torchaudio", "torchdata", "torchsummary", "torchinfo",
                      "torchmetrics", "lightning", "pytorch_lightning", "functorch", "triton")
_HERE = os.path.abspath(__file__)


class MissingTorchName(Exception):
    """A PyTorch name the script uses has no counterpart in this engine (see `.torch_name`, `.filename`,
    `.lineno`). Raised as `MissingTorchAttribute` or `MissingTorchModule`, to behave as PyTorch's own
    AttributeError / ImportError would for a feature probe."""

    def __init__(self, message: str, torch_name: str = "", filename: str | None = None,
                 lineno: int | None = None) -> None:
        super().__init__(message)
        self.torch_name, self.filename, self.lineno = torch_name, filename, lineno


class MissingTorchAttribute(MissingTorchName, AttributeError):
    """`torch.X.name` looked up as an attribute and missing here."""


class MissingTorchModule(MissingTorchName, ModuleNotFoundError):
    """`import torch.X` / `from torch.X import name` of something missing here."""

    def __init__(self, message: str, torch_name: str = "", filename=None, lineno=None, module: str = "") -> None:
        super().__init__(message, torch_name, filename, lineno)
        self.name = module  # ModuleNotFoundError's field: which module could not be found


class NotMappedPackage(MissingTorchModule):
    """A package built on PyTorch (torchvision, ...) that the runner does not map."""


# --------------------------------------------------------------------------- where the script is
class _Run:
    """What the finder needs to know about the run in progress: which files are the script's own."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        self.directory = os.path.dirname(self.path)

    def owns(self, filename: str) -> bool:
        if not filename or filename.startswith("<"):
            return False
        filename = os.path.abspath(filename)
        return filename == self.path or filename.startswith(self.directory + os.sep)


_runs: list[_Run] = []


def _internal(filename: str) -> bool:
    return (filename == _HERE or filename.startswith("<frozen importlib")
            or os.path.basename(os.path.dirname(filename)) == "importlib")


def _user_frame(frame):
    """The innermost frame outside this file and the import machinery: the code that asked for the name."""
    while frame is not None and _internal(frame.f_code.co_filename):
        frame = frame.f_back
    return frame


def _where(filename: str | None, lineno: int | None) -> str:
    if not filename:
        return "at an unknown place"
    linecache.checkcache(filename)  # the file may have changed since it was last read
    source = linecache.getline(filename, lineno).strip() if lineno else ""
    shown = os.path.relpath(filename) if os.path.abspath(filename).startswith(os.getcwd() + os.sep) else filename
    where = f"{shown}, line {lineno}"
    return f"{where}: {source}" if source else where


def _missing_message(torch_name: str, ours: str | None, frame, absent: str | None = None):
    """(message, file, line) for a missing torch name used at `frame`; `absent`: the torch submodule it is
    from, when this engine has none of that submodule."""
    filename, lineno = (frame.f_code.co_filename, frame.f_lineno) if frame is not None else (None, None)
    parent, _, leaf = torch_name.rpartition(".")
    if absent:
        tail = f"this engine has no {absent} at all"
    elif ours:
        tail = f"autograd.run_torch maps {parent} to {ours}, which has no {leaf}"
    else:
        tail = "autograd.run_torch has no mapping for it"
    return (f"{torch_name} is not implemented in this engine ({_where(filename, lineno)}); {tail}. "
            f"The script needs PyTorch for this, or the name added here."), filename, lineno


# --------------------------------------------------------------------------- torch's modules, ours inside
class _TorchModule(types.ModuleType):
    """`torch.<...>` during a run: attributes come from our module, live; a missing one raises
    MissingTorchName. Our internal submodules (autograd.ops, ...) are not shown under torch's names;
    assignments land on this object, never on our module."""

    def __init__(self, name: str, target: types.ModuleType | None, absent: bool = False) -> None:
        super().__init__(name)
        self.__path__ = []  # a package, so `import torch.nn` looks for submodules (through our finder)
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_absent", absent)  # one of torch's submodules that this engine does not have

    def __getattr__(self, name: str):
        full = f"{self.__name__}.{name}"
        target = object.__getattribute__(self, "_target")
        if target is not None and (not name.startswith("__") or hasattr(target, name)):
            try:
                value = getattr(target, name)
            except AttributeError:
                pass
            else:
                if not isinstance(value, types.ModuleType) or name.startswith("__"):
                    return value
        if _ours_for(full) is not _UNMAPPED:
            return importlib.import_module(full)
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")
        if object.__getattribute__(self, "_absent"):
            return _Absent(full, self.__name__)
        frame = sys._getframe(1)
        from_import = frame.f_code.co_code[frame.f_lasti] == dis.opmap["IMPORT_FROM"]
        message, filename, lineno = _missing_message(full, target.__name__ if target else None, _user_frame(frame))
        if from_import:  # `from torch.x import name`: Python would turn an AttributeError into a vague ImportError
            raise MissingTorchModule(message, full, filename, lineno, module=full)
        raise MissingTorchAttribute(message, full, filename, lineno)

    def __dir__(self):
        target = object.__getattribute__(self, "_target")
        names = {n for n in dir(target) if not isinstance(getattr(target, n, None), types.ModuleType)} if target else set()
        prefix = self.__name__ + "."
        names |= {m[len(prefix):] for m in MODULE_MAP if m.startswith(prefix) and "." not in m[len(prefix):]}
        return sorted(names | set(self.__dict__))


class _Absent:
    """A name from a torch submodule this engine lacks (`torch.onnx.export`, `from torch.distributed import
    init_process_group`, `torch.backends.cudnn`): naming it is allowed, as is setting a flag on it
    (`torch.backends.cudnn.benchmark = True`, which means nothing on this CPU engine either); using it
    (calling, subclassing, iterating, testing its truth, entering it) raises MissingTorchName there."""

    def __init__(self, torch_name: str, module: str) -> None:
        object.__setattr__(self, "_torch_name", torch_name)
        object.__setattr__(self, "_module", module)
        object.__setattr__(self, "_flags", {})

    def __getattr__(self, name: str):
        flags = object.__getattribute__(self, "_flags")
        if name in flags:
            return flags[name]
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return _Absent(f"{object.__getattribute__(self, '_torch_name')}.{name}", object.__getattribute__(self, "_module"))

    def __setattr__(self, name: str, value) -> None:
        object.__getattribute__(self, "_flags")[name] = value

    def _used(self):
        torch_name, module = object.__getattribute__(self, "_torch_name"), object.__getattribute__(self, "_module")
        message, filename, lineno = _missing_message(torch_name, None, _user_frame(sys._getframe(1)), absent=module)
        raise MissingTorchAttribute(message, torch_name, filename, lineno)

    def __call__(self, *args, **kwargs):
        self._used()

    def __mro_entries__(self, bases):
        self._used()

    def __iter__(self):
        self._used()

    def __bool__(self):
        self._used()

    def __enter__(self):
        self._used()

    def __getitem__(self, key):
        self._used()

    def __repr__(self) -> str:
        return f"<{object.__getattribute__(self, '_torch_name')}: not implemented in this engine>"


class _TorchLoader(importlib.abc.Loader):
    def __init__(self, target: types.ModuleType | None, absent: bool = False) -> None:
        self.target, self.absent = target, absent

    def create_module(self, spec):
        return _TorchModule(spec.name, self.target, self.absent)

    def exec_module(self, module) -> None:
        pass


class _TorchFinder(importlib.abc.MetaPathFinder):
    """Answers imports of `torch` and its submodules with ours; refuses packages built on torch."""

    def find_spec(self, fullname: str, path=None, target=None):
        top = fullname.partition(".")[0]
        if top != "torch" and top not in _PACKAGES_ON_TORCH:
            return None
        frame = _user_frame(sys._getframe(1))
        where = _where(*((frame.f_code.co_filename, frame.f_lineno) if frame else (None, None)))
        location = (frame.f_code.co_filename, frame.f_lineno) if frame else (None, None)
        if top in _PACKAGES_ON_TORCH:
            raise NotMappedPackage(
                f"{top} is a package built on PyTorch; autograd.run_torch maps only torch itself, so {top} is not "
                f"available here ({where}). Replace what the script takes from {top} (a dataset, a transform, a "
                f"summary) with plain code, or run the script with PyTorch.", top, *location, module=fullname)
        importer = frame.f_globals.get("__name__", "") if frame else ""
        if frame is not None and not (importer == "__main__" or any(r.owns(frame.f_code.co_filename) for r in _runs)):
            package = importer.partition(".")[0] or os.path.basename(frame.f_code.co_filename)
            script = _script_frame(frame)
            via = f" (imported at {_where(*script)})" if script else ""
            raise NotMappedPackage(
                f"{package}{via} imports torch itself ({where}); autograd.run_torch maps torch only for the script's "
                f"own files, not for installed packages built on PyTorch, which need the real PyTorch.",
                fullname, *location, module=fullname)
        ours = _ours_for(fullname)
        if ours is _NO_COUNTERPART:
            return importlib.util.spec_from_loader(fullname, _TorchLoader(None, absent=True), is_package=True)
        if ours is _UNMAPPED:
            message, filename, lineno = _missing_message(fullname, None, frame)
            raise MissingTorchModule(message, fullname, filename, lineno, module=fullname)
        try:
            module = importlib.import_module(ours) if ours is not None else None
        except ModuleNotFoundError as error:
            if error.name is None or not ours.startswith(error.name):
                raise
            return importlib.util.spec_from_loader(fullname, _TorchLoader(None, absent=True), is_package=True)
        return importlib.util.spec_from_loader(fullname, _TorchLoader(module), is_package=True)


_UNMAPPED = object()
_NO_COUNTERPART = object()  # a torch submodule under a parent that has no module of ours (torch.utils.checkpoint)


def _ours_for(torch_name: str):
    """Our module for a torch module name (None: a namespace of mapped submodules; _UNMAPPED: unknown)."""
    if torch_name in MODULE_MAP:
        return MODULE_MAP[torch_name]
    if torch_name in _TORCH_SUBMODULES:
        parent, _, leaf = torch_name.rpartition(".")
        ours = _ours_for(parent)
        return f"{ours}.{leaf}" if isinstance(ours, str) else _NO_COUNTERPART
    for prefix, ours in _PREFIX_MAP.items():
        if torch_name.startswith(prefix) and "." not in torch_name[len(prefix):]:
            return ours
    return _UNMAPPED


def _script_frame(frame):
    """(file, line) of the innermost frame in the script's own files, outward from `frame`."""
    while frame is not None:
        if any(r.owns(frame.f_code.co_filename) for r in _runs):
            return frame.f_code.co_filename, frame.f_lineno
        frame = frame.f_back
    return None


# --------------------------------------------------------------------------- missing methods of our objects
def _torch_name_of(cls: type) -> str | None:
    """PyTorch's name for one of our classes (autograd.Tensor -> torch.Tensor, nn.Linear -> torch.nn.Linear)."""
    for klass in cls.__mro__:
        module = getattr(klass, "__module__", "") or ""
        if module.partition(".")[0] not in ("autograd", "nn"):
            continue
        best = None
        for torch_name, ours in MODULE_MAP.items():
            if ours and (module == ours or module.startswith(ours + ".")):
                key = (len(ours), -len(torch_name))
                if best is None or key > best[0]:
                    best = (key, torch_name)
        if best is not None:
            return f"{best[1]}.{klass.__name__}"
    return None


def _translate_attribute_error(error: AttributeError, run: _Run):
    """A MissingTorchAttribute for "'Tensor' object has no attribute 'x'" on one of our objects, else None."""
    obj, name = getattr(error, "obj", None), getattr(error, "name", None)
    frames = [frame for frame, _ in _frames_with_lines(error.__traceback__)]
    if obj is None and frames and frames[-1].f_code.co_name == "__getattr__":  # raised by hand in a __getattr__
        obj, name = frames[-1].f_locals.get("self"), frames[-1].f_locals.get("name")
    if obj is None or not isinstance(name, str):
        return None
    torch_class = _torch_name_of(obj if isinstance(obj, type) else type(obj))
    if torch_class is None:
        return None
    filename = lineno = None
    for frame, line in _frames_with_lines(error.__traceback__):
        if run.owns(frame.f_code.co_filename):
            filename, lineno = frame.f_code.co_filename, line
    what = type(obj).__name__ if not isinstance(obj, type) else obj.__name__
    return MissingTorchAttribute(
        f"{torch_class}.{name} is not implemented in this engine ({_where(filename, lineno)}); the script's {what} is "
        f"this project's {torch_class}, which has no {name}.", f"{torch_class}.{name}", filename, lineno)


def _frames_with_lines(tb):
    while tb is not None:
        yield tb.tb_frame, tb.tb_lineno
        tb = tb.tb_next


# --------------------------------------------------------------------------- running
def run(path: str, argv: list[str] | tuple[str, ...] = (), run_name: str = "__main__") -> dict:
    """Run the PyTorch script at `path` with `sys.argv = [path, *argv]` on this engine; return its globals.

    The script sees `__name__ == run_name` and `__file__ == path`; its directory comes first on `sys.path`
    (as `python path` does) so its own modules import, and they get the mapped torch too. Relative paths
    in the script are relative to the current directory, as under `python`. Raises `MissingTorchName`
    when the script needs something this engine lacks; the script's own exceptions (and SystemExit)
    pass through unchanged.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"autograd.run_torch: no script at {path!r}")
    this_run = _Run(path)
    saved_torch = {name: sys.modules.pop(name) for name in list(sys.modules) if _is_torch_name(name)}
    before = set(sys.modules)
    saved_argv, saved_path = sys.argv, list(sys.path)
    finder = _TorchFinder()
    sys.argv = [path, *map(str, argv)]
    sys.path.insert(0, this_run.directory)
    sys.meta_path.insert(0, finder)
    _runs.append(this_run)
    try:
        return runpy.run_path(path, run_name=run_name)
    except MissingTorchName:
        raise
    except AttributeError as error:
        translated = _translate_attribute_error(error, this_run)
        if translated is None:
            raise
        raise translated from None
    finally:
        _runs.remove(this_run)
        sys.meta_path.remove(finder)
        sys.argv = saved_argv
        sys.path[:] = saved_path
        for name in set(sys.modules) - before:
            module = sys.modules[name]
            if _is_torch_name(name) or this_run.owns(getattr(module, "__file__", None) or ""):
                del sys.modules[name]
        sys.modules.update(saved_torch)


def _is_torch_name(name: str) -> bool:
    return name == "torch" or name.startswith("torch.")


def _usage() -> str:
    table = "\n".join(f"  {torch_name:<28} -> {ours or '(namespace)'}" for torch_name, ours in MODULE_MAP.items())
    table += "".join(f"\n  {prefix}*{'':<{27 - len(prefix)}}-> {ours}" for prefix, ours in _PREFIX_MAP.items())
    table += ("\nand PyTorch's other submodules (torch.cuda, torch.onnx, torch.backends.mps, ...) to ours under the"
              "\nmapped parent where we have them (autograd.cuda, ...); a name used from one we lack stops the run.")
    return ("usage: python -m autograd.run_torch script.py [args ...]\n\n"
            "Runs an unmodified PyTorch script on this engine, with PyTorch's modules mapped to ours:\n" + table)


def main(argv: list[str] | None = None) -> int:
    """The command line: run the script; a missing name ends it with the message alone and status 1."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] == "--":
        argv = argv[1:]
    elif not argv or argv[0] in ("-h", "--help"):
        print(_usage(), file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    try:
        run(argv[0], argv[1:])
    except MissingTorchName as error:
        print(f"autograd.run_torch: {error}", file=sys.stderr)
        return 1
    except FileNotFoundError as error:
        if error.filename is None and str(error).startswith("autograd.run_torch"):
            print(error, file=sys.stderr)
            return 2
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
