"""Categorical variables: `one_hot` encoding and `gumbel_softmax` (differentiable sampling of a category)."""
from __future__ import annotations

import warnings

import numpy as np

from autograd.creation import arange
from autograd.function import Op
from autograd.random import sample
from autograd.tensor import Tensor

from .activation import softmax

__all__ = ["one_hot", "gumbel_softmax"]


class OneHot(Op):
    """int64 (*, num_classes) with a 1 at each index; num_classes = -1 means max(index) + 1. Checked on every call."""

    differentiable = False

    @staticmethod
    def forward(ctx, index, num_classes):
        if num_classes == -1:
            if index.size == 0:
                raise RuntimeError("one_hot: can not infer total number of classes from empty tensor.")
            num_classes = int(index.max()) + 1
        if index.size and index.min() < 0:
            raise RuntimeError("one_hot: class values must be non-negative.")
        if index.size and index.max() >= num_classes:
            raise RuntimeError(f"one_hot: class values must be smaller than num_classes ({num_classes}); got "
                               f"{int(index.max())}.")
        return (index[..., None] == np.arange(num_classes)).astype(np.int64)


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """The one-hot encoding of an integer tensor: shape (*, num_classes), int64, as torch.nn.functional.one_hot."""
    if not isinstance(tensor, Tensor) or tensor.dtype.kind not in "iu":
        raise RuntimeError("one_hot is only applicable to index (integer) tensors, got "
                           f"{tensor.dtype if isinstance(tensor, Tensor) else type(tensor).__name__}")
    if not isinstance(num_classes, int) or num_classes < -1:
        raise RuntimeError(f"one_hot: num_classes must be a non-negative int or -1, got {num_classes!r}")
    return OneHot.apply(tensor, num_classes)


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """softmax((logits + g)/tau) with g ~ Gumbel(0, 1) drawn per element: a relaxed sample of a category.

    hard=True returns the one-hot of the sample's argmax in the forward pass and the soft sample's
    gradient in the backward pass (y_hard − y_soft.detach() + y_soft, the straight-through estimator).
    `eps` has no effect, as in PyTorch (which deprecated it).
    """
    if eps != 1e-10:
        warnings.warn("gumbel_softmax: `eps` parameter is deprecated and has no effect.", stacklevel=2)
    if not isinstance(logits, Tensor) or logits.dtype.kind != "f":
        raise TypeError(f"gumbel_softmax: logits must be a floating point Tensor, got "
                        f"{logits.dtype if isinstance(logits, Tensor) else type(logits).__name__}")
    gumbels = -sample("exponential", logits.shape, logits.dtype, 1.0).log()
    y_soft = softmax((logits + gumbels) / tau, dim)
    if not hard:
        return y_soft
    index = y_soft.argmax(dim, keepdim=True)
    classes = [1] * logits.ndim
    classes[dim] = -1
    y_hard = (arange(logits.shape[dim]).reshape(classes) == index).to(logits.dtype)
    return y_hard - y_soft.detach() + y_soft
