"""PyTorch's deprecated `size_average` / `reduce` loss arguments, translated to `reduction` with its warning.

Old tutorials still pass them (`F.binary_cross_entropy(..., size_average=False)`); here they are accepted
by keyword only (a positional call in PyTorch's old order would silently mean something else) and mapped
exactly as PyTorch maps them: both default True; True/True → 'mean', reduce only → 'sum', else 'none'.
"""
from __future__ import annotations

import functools
import warnings


def legacy_reduction(size_average, reduce, stacklevel: int = 3) -> str:
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
                  UserWarning, stacklevel=stacklevel)
    return reduction


def accepts_legacy_reduction(loss):
    """Let a loss function take size_average=/reduce= (keywords) as PyTorch's deprecated form of reduction=."""
    @functools.wraps(loss)
    def wrapper(*args, size_average=None, reduce=None, **kwargs):
        if size_average is not None or reduce is not None:
            kwargs["reduction"] = legacy_reduction(size_average, reduce)
        return loss(*args, **kwargs)
    return wrapper
