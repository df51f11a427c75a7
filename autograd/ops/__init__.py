"""Operations, grouped by kind; importing this package attaches them to `Tensor` as methods.

`__all__` is derived, not listed by hand: every public function (not starting with `_`) of
these modules, or the module's own `__all__` where it has one. So a new op is exported as
`autograd.<name>` the moment it is written, and `tests/autograd/test_api.py` checks that
every Tensor method PyTorch also offers as `torch.<name>` is among them.
"""
import importlib as _importlib
import inspect as _inspect

MODULES = ("arithmetic", "comparison", "pointwise", "activation", "reductions", "norms", "indexing", "gather_scatter", "sorting",
           "shape", "rearrange", "linalg", "conversion", "inplace", "promotion", "sampling", "cumulative", "fused",
           "products", "arrangement", "index_writes", "binning", "statistics", "trigonometric", "special",
           "tensor_functions")
_OWN = {f"{__name__}.{name}" for name in MODULES}


def _public_names(module) -> list:
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [name for name, value in vars(module).items()
            if not name.startswith("_") and _inspect.isfunction(value) and value.__module__ in _OWN]


__all__ = []
for _module_name in MODULES:
    _module = _importlib.import_module(f".{_module_name}", __name__)
    for _name in _public_names(_module):
        if _name not in globals():
            globals()[_name] = getattr(_module, _name)
            __all__.append(_name)
