"""Flatten parameters into one vector and back (e.g. for second-order methods or weight averaging)."""
from __future__ import annotations

from collections.abc import Iterable

from autograd.ops.shape import cat
from autograd.tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one 1-D tensor (differentiable, as PyTorch)."""
    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Make each parameter the next slice of `vec` (the inverse of `parameters_to_vector`).

    As PyTorch (`param.data = vec[i:j].view_as(param).data`), the parameters then share memory with `vec`.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, got {type(vec).__name__}")
    parameters = list(parameters)
    total = sum(p.numel() for p in parameters)
    if vec.ndim != 1 or vec.numel() < total:
        raise ValueError(f"vector_to_parameters: vec has shape {vec.shape} but the parameters hold {total} elements; "
                         f"expected a 1-D vector of at least {total}")
    offset = 0
    for p in parameters:
        n = p.numel()
        p.data = vec[offset:offset + n].view_as(p)
        p._bump_version()
        offset += n
