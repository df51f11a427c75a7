"""`MultiheadAttention`, with PyTorch's parameters (packed in_proj_weight/in_proj_bias, out_proj) and masks.

Heads are a reshape: project once to (N, heads, L, head_dim), run scaled dot-product attention
on all heads together (`nn.functional.attention`), merge heads and apply out_proj.
"""
from __future__ import annotations

import numpy as np

from autograd.creation import empty
from autograd.ops.activation import where
from autograd.tensor import Tensor

from .. import init
from .._device import check_device
from ..functional.attention import _attention
from ..functional.linear import linear
from ..module import Module
from ..parameter import Parameter
from .linear import NonDynamicallyQuantizableLinear

__all__ = ["MultiheadAttention"]


def _mask_tensor(mask) -> Tensor:
    return mask if isinstance(mask, Tensor) else Tensor._from_data(np.asarray(mask))


class MultiheadAttention(Module):
    """Attention with num_heads heads of size embed_dim/num_heads: softmax(QKᵀ/√d + mask)V per head, concatenated, projected.

    Parameters (as PyTorch): in_proj_weight (3E, E) and in_proj_bias (3E,) packing the q, k, v projections
    (q_proj_weight/k_proj_weight/v_proj_weight instead when kdim or vdim differ from E), out_proj (Linear E→E).
    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) → (output, weights or None). Masks follow PyTorch: bool True
    means "may NOT attend" (key_padding_mask (N, S): True marks padding), float masks are added to the scores.
    Queries whose keys are all masked get zero output (no NaN). is_causal is PyTorch's hint that attn_mask is
    the causal mask: it needs attn_mask, and with need_weights=False and no key_padding_mask the causal mask
    is applied in its place (as PyTorch does).
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False, kdim: int | None = None,
                 vdim: int | None = None, batch_first: bool = False, device=None, dtype=None):
        super().__init__()
        check_device(device, type(self).__name__)
        if embed_dim <= 0 or num_heads <= 0 or embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim ({embed_dim}) must be positive and divisible by num_heads "
                             f"({num_heads})")
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError("MultiheadAttention: add_bias_kv and add_zero_attn are not supported")
        self.embed_dim, self.num_heads, self.dropout, self.batch_first = embed_dim, num_heads, float(dropout), batch_first
        self.head_dim = embed_dim // num_heads
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(empty(3 * embed_dim, embed_dim, dtype=dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = Parameter(empty(embed_dim, embed_dim, dtype=dtype))
            self.k_proj_weight = Parameter(empty(embed_dim, self.kdim, dtype=dtype))
            self.v_proj_weight = Parameter(empty(embed_dim, self.vdim, dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(empty(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias, dtype=dtype)
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _project(self, query, key, value):
        e, b = self.embed_dim, self.in_proj_bias
        bias = (None, None, None) if b is None else (b[:e], b[e:2 * e], b[2 * e:])
        if self._qkv_same_embed_dim:
            if query is key and key is value:  # self-attention: one matmul for q, k and v
                return linear(query, self.in_proj_weight, b).chunk(3, -1)
            w = self.in_proj_weight
            weights = (w[:e], w[e:2 * e], w[2 * e:])
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        return tuple(linear(x, w, bb) for x, w, bb in zip((query, key, value), weights, bias))

    def _merged_mask(self, attn_mask, key_padding_mask, batch: int, length: int, source: int):
        """One mask tensor for _attention (bool: True = may attend; or float: added), shaped to broadcast to (N, heads, L, S)."""
        masks = []
        if attn_mask is not None:
            m = _mask_tensor(attn_mask)
            if tuple(m.shape) == (batch * self.num_heads, length, source):
                m = m.reshape(batch, self.num_heads, length, source)
            elif tuple(m.shape) != (length, source):
                raise RuntimeError(f"MultiheadAttention: attn_mask should have shape {(length, source)} or "
                                   f"{(batch * self.num_heads, length, source)}, got {tuple(m.shape)}")
            masks.append(m)
        if key_padding_mask is not None:
            m = _mask_tensor(key_padding_mask)
            if tuple(m.shape) != (batch, source):
                raise RuntimeError(f"MultiheadAttention: key_padding_mask should have shape {(batch, source)} "
                                   f"(batch, source length), got {tuple(m.shape)}")
            masks.append(m.reshape(batch, 1, 1, source))
        if not masks:
            return None
        if all(m.dtype == bool for m in masks):
            blocked = masks[0] if len(masks) == 1 else masks[0] | masks[1]
            return ~blocked
        dtype = self.out_proj.weight.dtype
        total = None
        for m in masks:
            term = where(m, float("-inf"), 0.0).to(dtype) if m.dtype == bool else m.to(dtype)
            total = term if total is None else total + term
        return total

    def forward(self, query: Tensor, key: Tensor, value: Tensor, key_padding_mask=None, need_weights: bool = True,
                attn_mask=None, average_attn_weights: bool = True, is_causal: bool = False):
        if query.ndim not in (2, 3) or key.ndim != query.ndim or value.ndim != query.ndim:
            raise RuntimeError(f"MultiheadAttention: query, key and value must all be 3-D "
                               f"({'(N, L, E)' if self.batch_first else '(L, N, E)'}) or all 2-D (L, E, unbatched); "
                               f"got {tuple(query.shape)}, {tuple(key.shape)}, {tuple(value.shape)}")
        if query.shape[-1] != self.embed_dim or key.shape[-1] != self.kdim or value.shape[-1] != self.vdim:
            raise RuntimeError(f"MultiheadAttention: expected feature sizes query {self.embed_dim}, key {self.kdim}, "
                               f"value {self.vdim}; got {query.shape[-1]}, {key.shape[-1]}, {value.shape[-1]}")
        unbatched = query.ndim == 2
        same = query is key, key is value
        if unbatched:
            query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
            if key_padding_mask is not None:
                key_padding_mask = _mask_tensor(key_padding_mask).unsqueeze(0)
        elif self.batch_first:
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        if same[0]:
            key = query
        if same[1]:
            value = key
        length, batch, _ = query.shape
        source = key.shape[0]
        if key.shape[:2] != value.shape[:2] or key.shape[1] != batch:
            raise RuntimeError(f"MultiheadAttention: key {tuple(key.shape)} and value {tuple(value.shape)} must share "
                               f"the source length and batch size of query {tuple(query.shape)}")
        q, k, v = self._project(query, key, value)
        heads, d = self.num_heads, self.head_dim
        q = q.reshape(length, batch, heads, d).permute(1, 2, 0, 3)
        k = k.reshape(source, batch, heads, d).permute(1, 2, 0, 3)
        v = v.reshape(source, batch, heads, d).permute(1, 2, 0, 3)
        if is_causal and attn_mask is None:
            raise RuntimeError("MultiheadAttention: need attn_mask if specifying the is_causal hint. You may use the "
                               "Transformer module method `generate_square_subsequent_mask` to create this mask.")
        if is_causal and key_padding_mask is None and not need_weights:
            attn_mask = None  # PyTorch takes the hint: the mask is applied as the causal mask itself
        else:
            is_causal = False
        mask = self._merged_mask(attn_mask, key_padding_mask, batch, length, source)
        out, weights = _attention(q, k, v, mask, self.dropout if self.training else 0.0, is_causal, None,
                                  self.training, "MultiheadAttention")
        out = self.out_proj(out.permute(2, 0, 1, 3).reshape(length, batch, self.embed_dim))
        if unbatched:
            out = out.squeeze(1)
        elif self.batch_first:
            out = out.transpose(0, 1)
        if not need_weights:
            return out, None
        if average_attn_weights:
            weights = weights.mean(1)
        return out, (weights.squeeze(0) if unbatched else weights)

    def extra_repr(self) -> str:
        return f"embed_dim={self.embed_dim}, num_heads={self.num_heads}, dropout={self.dropout}, batch_first={self.batch_first}"
