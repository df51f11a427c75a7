"""The Transformer encoder: `TransformerEncoderLayer` (self-attention and a position-wise feed-forward
network, each wrapped in dropout, a residual connection and layer norm: post-norm as the original paper
or pre-norm with norm_first=True), `TransformerEncoder` (a stack of deep copies), and the sinusoidal
`PositionalEncoding` (not a PyTorch class; the classic one from "Attention Is All You Need").
"""
from __future__ import annotations

import copy
import math

import numpy as np

from autograd.tensor import Tensor

from ..container import ModuleList
from ..functional.dropout import dropout as _dropout
from ..module import Module
from .attention import MultiheadAttention
from .dropout import Dropout
from .linear import Linear
from .normalization import LayerNorm

__all__ = ["TransformerEncoderLayer", "TransformerEncoder", "PositionalEncoding"]

_ACTIVATIONS = {"relu": lambda x: x.relu(), "gelu": lambda x: x.gelu()}


class TransformerEncoderLayer(Module):
    """x + Dropout(SelfAttention(x)) → LayerNorm → x + Dropout(FFN(x)) → LayerNorm (norm_first: normalise first).

    FFN(x) = linear2(dropout(activation(linear1(x)))), d_model → dim_feedforward → d_model. Sub-module names
    (self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2) match PyTorch's.
    forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False); masks as in MultiheadAttention.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation="relu", layer_norm_eps: float = 1e-5, batch_first: bool = False, norm_first: bool = False,
                 bias: bool = True, dtype=None):
        super().__init__()
        if isinstance(activation, str):
            if activation not in _ACTIVATIONS:
                raise ValueError(f"TransformerEncoderLayer: activation should be 'relu' or 'gelu' (or a callable), "
                                 f"not {activation!r}")
            activation = _ACTIVATIONS[activation]
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias, batch_first=batch_first,
                                            dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.activation = activation

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=False,
                           is_causal=is_causal)[0]
        return self.dropout1(x)

    def _ff_block(self, x):
        return self.dropout2(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, src: Tensor, src_mask=None, src_key_padding_mask=None, is_causal: bool = False) -> Tensor:
        x = src
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), src_mask, src_key_padding_mask, is_causal)
            x = x + self._ff_block(self.norm2(x))
        else:
            x = self.norm1(x + self._sa_block(x, src_mask, src_key_padding_mask, is_causal))
            x = self.norm2(x + self._ff_block(x))
        return x


class TransformerEncoder(Module):
    """num_layers deep copies of encoder_layer applied in turn (independent weights), then an optional final norm."""

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True):
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(encoder_layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src: Tensor, mask=None, src_key_padding_mask=None, is_causal: bool | None = None) -> Tensor:
        out = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=bool(is_causal))
        if self.norm is not None:
            out = self.norm(out)
        return out


class PositionalEncoding(Module):
    """Adds the sinusoidal position code P[pos, 2i] = sin(pos/10000^(2i/d)), P[pos, 2i+1] = cos(...), then dropout.

    Not part of torch.nn (PyTorch's tutorials define it by hand); input (L, N, d_model), or (N, L, d_model) with
    batch_first=True, of length at most max_len. The table is a non-persistent buffer (not in state_dict).
    """

    def __init__(self, d_model: int, dropout: float = 0.1, max_len: int = 5000, batch_first: bool = False):
        super().__init__()
        self.d_model, self.max_len, self.batch_first, self.p = d_model, max_len, batch_first, dropout
        position = np.arange(max_len, dtype=np.float64)[:, None]
        frequency = np.exp(np.arange(0, d_model, 2, dtype=np.float64) * (-math.log(10000.0) / d_model))
        table = np.zeros((max_len, d_model))
        table[:, 0::2] = np.sin(position * frequency)
        table[:, 1::2] = np.cos(position * frequency)[:, :d_model // 2]
        self.register_buffer("pe", Tensor(table.astype(np.float32)), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        length = x.shape[1] if self.batch_first else x.shape[0]
        if x.ndim != 3 or x.shape[-1] != self.d_model:
            raise ValueError(f"PositionalEncoding: expected input ({'N, L' if self.batch_first else 'L, N'}, "
                             f"{self.d_model}), got {tuple(x.shape)}")
        if length > self.max_len:
            raise ValueError(f"PositionalEncoding: sequence length {length} exceeds max_len={self.max_len}")
        table = self.pe[:length].to(x.dtype)  # ops on the buffer (a compiled step reads it afresh)
        table = table[None] if self.batch_first else table[:, None]
        return _dropout(x + table, self.p, self.training)

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, max_len={self.max_len}, dropout={self.p}, batch_first={self.batch_first}"
