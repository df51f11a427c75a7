"""Scaled dot-product attention, softmax(q·kᵀ·scale + mask)·v, as torch.nn.functional.scaled_dot_product_attention.

Composed from matmul, masked_fill, softmax and dropout, so every derivative comes from
those ops. Masks: a bool mask says which keys each query may attend to (True = take
part); a float mask is added to the scores; is_causal lets position i see keys ≤ i.
A query that may attend to nothing gets a zero output (PyTorch's "safe softmax"), not NaN.
"""
from __future__ import annotations

import math

import numpy as np

from autograd.tensor import Tensor

__all__ = ["scaled_dot_product_attention"]


def _attention(query: Tensor, key: Tensor, value: Tensor, attn_mask=None, dropout_p: float = 0.0,
               is_causal: bool = False, scale: float | None = None, training: bool = True,
               op: str = "scaled_dot_product_attention") -> tuple[Tensor, Tensor]:
    """(output, attention weights); the shared body of scaled_dot_product_attention and MultiheadAttention."""
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {name} must be a Tensor, got {type(t).__name__}")
        if t.ndim < 2:
            raise RuntimeError(f"{op}: {name} must have shape (..., length, features), got {tuple(t.shape)}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"{op}: query {tuple(query.shape)}, key {tuple(key.shape)} and value {tuple(value.shape)} "
                           "must be (..., L, E), (..., S, E) and (..., S, Ev): query and key share the feature size "
                           "E, key and value the length S")
    length, source = query.shape[-2], key.shape[-2]
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1])
    scores = (query @ key.mT) * scale
    blocked = None
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError(f"{op}: pass either attn_mask or is_causal=True, not both")
        blocked = Tensor._wrap(~np.tril(np.ones((length, source), dtype=bool)))  # a constant of the shapes
    elif attn_mask is not None:
        mask = attn_mask if isinstance(attn_mask, Tensor) else Tensor._from_data(np.asarray(attn_mask))
        try:
            np.broadcast_shapes(mask.shape, scores.shape)
        except ValueError:
            raise RuntimeError(f"{op}: attn_mask of shape {tuple(mask.shape)} does not broadcast to the attention "
                               f"scores' shape {tuple(scores.shape)} (..., L={length}, S={source})") from None
        if mask.dtype == bool:
            blocked = ~mask
        elif mask.dtype.kind == "f":
            scores = scores + mask.to(scores.dtype)
            blocked = scores == -np.inf  # -inf entries of a float mask block too (all of a row: a zero output)
        else:
            raise TypeError(f"{op}: attn_mask must be bool (True = take part) or float (added), got dtype {mask.dtype}")
    if blocked is not None:
        scores = scores.masked_fill(blocked.expand(scores.shape), -np.inf)
    # PyTorch's safe softmax: a query whose scores are all -inf (a fully masked row, from a bool or a float
    # mask) gets zero weights and a zero gradient, not nan. Its scores are replaced by zeros before the
    # softmax, so no nan is computed anywhere, forward or backward.
    dead = (scores == -np.inf).all(-1, keepdim=True)
    weights = scores.masked_fill(dead.expand(scores.shape), 0.0).softmax(-1).masked_fill(dead, 0.0)
    if dropout_p > 0.0 and training:
        from .dropout import dropout

        weights = dropout(weights, dropout_p, training=True)
    return weights @ value, weights


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """softmax(q·kᵀ·scale + mask)·v for q (..., L, E), k (..., S, E), v (..., S, Ev); scale defaults to 1/√E.

    attn_mask: bool (True = may attend) or float (added to the scores), broadcast to (..., L, S).
    is_causal: query i attends to keys 0..i only. dropout_p: dropout on the attention weights.
    enable_gqa: key/value may have fewer heads (dim -3) than the query, each shared by a group of query heads.
    """
    if enable_gqa:
        key, value = _repeat_heads(query, key, "key"), _repeat_heads(query, value, "value")
    return _attention(query, key, value, attn_mask, dropout_p, is_causal, scale)[0]


def _repeat_heads(query: Tensor, t: Tensor, name: str) -> Tensor:
    """Grouped-query attention: each of the Hkv key/value heads (dim -3) serves Hq/Hkv consecutive query heads."""
    if query.ndim < 3 or t.ndim < 3:
        raise RuntimeError("scaled_dot_product_attention: enable_gqa needs (..., heads, length, features) inputs")
    heads, groups = query.shape[-3], t.shape[-3]
    if heads % groups:
        raise RuntimeError(f"scaled_dot_product_attention: with enable_gqa the number of query heads ({heads}) must "
                           f"be a multiple of the number of {name} heads ({groups})")
    return t if heads == groups else t.index_select(t.ndim - 3, Tensor._wrap(np.repeat(np.arange(groups), heads // groups)))
