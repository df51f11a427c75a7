"""Flatten parameters into one vector and back (e.g. for second-order methods or weight averaging)."""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from autograd.ops.shape import cat
from autograd.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable, as PyTorch)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of `vec` into the parameters, in place (the inverse of `parameters_to_vector`)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, got {type(vec).__name__}")
    parameters = list(parameters)
    total = sum(p.numel() for p in parameters)
    if vec.ndim != 1 or vec.numel() != total:
        raise ValueError(f"vector_to_parameters: vec has shape {vec.shape} but the parameters hold {total} elements; "
                         f"expected shape ({total},)")
    offset = 0
    for p in parameters:
        n = p.numel()
        np.copyto(p._data, vec._data[offset:offset + n].reshape(p.shape), casting="same_kind")
        p._bump_version()
        offset += n
