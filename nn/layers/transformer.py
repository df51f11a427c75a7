"""The Transformer (Vaswani et al., 2017) with PyTorch's modules, parameter names and semantics.

`TransformerEncoderLayer`: self-attention and a position-wise feed-forward network, each wrapped in
dropout, a residual connection and layer norm (post-norm as the paper, or pre-norm with norm_first).
`TransformerDecoderLayer` adds attention over the encoder's output (`memory`) between the two.
`TransformerEncoder` / `TransformerDecoder` stack deep copies of a layer, then an optional final norm;
`Transformer` is an encoder and a decoder, each ending in a LayerNorm, with every weight matrix
re-initialised by xavier_uniform_ as PyTorch does. Masks follow MultiheadAttention (bool True =
blocked, or float, added). `PositionalEncoding` is not a PyTorch class: the paper's sinusoidal code.
"""
from __future__ import annotations

import copy
import math
import warnings

import numpy as np

from autograd.creation import full
from autograd.ops.rearrange import triu
from autograd.tensor import Tensor

from .. import functional as F
from .._device import check_device
from ..container import ModuleList
from ..init import xavier_uniform_
from ..module import Module
from .attention import MultiheadAttention
from .dropout import Dropout
from .linear import Linear
from .normalization import LayerNorm

__all__ = ["Transformer", "TransformerEncoderLayer", "TransformerEncoder", "TransformerDecoderLayer",
           "TransformerDecoder", "PositionalEncoding"]


def _activation(activation, where: str):
    """A string ('relu', 'gelu') or a callable, as PyTorch's _get_activation_fn."""
    if isinstance(activation, str):
        if activation == "relu":
            return F.relu
        if activation == "gelu":
            return F.gelu
        raise RuntimeError(f"{where}: activation should be relu/gelu, not {activation}")
    if not callable(activation):
        raise TypeError(f"{where}: activation must be 'relu', 'gelu' or a callable, got {type(activation).__name__}")
    return activation


def _generate_square_subsequent_mask(sz: int, device=None, dtype=None) -> Tensor:
    """(sz, sz) float mask: 0 on and below the diagonal, -inf above it (position i sees 0..i)."""
    check_device(device, "generate_square_subsequent_mask")
    return triu(full((sz, sz), float("-inf"), dtype=dtype or np.float32), diagonal=1)


def _detect_is_causal_mask(mask, is_causal, size: int) -> bool:
    """PyTorch's rule: an explicit is_causal wins; otherwise a mask equal to the causal one counts as causal."""
    if is_causal is not None or mask is None:
        return is_causal is True
    m = mask if isinstance(mask, Tensor) else Tensor._from_data(np.asarray(mask))
    if tuple(m.shape) != (size, size):
        return False
    if m.dtype == bool:
        causal = triu(full((size, size), True), diagonal=1)
    else:
        causal = _generate_square_subsequent_mask(size, dtype=m.dtype)
    return bool((m == causal).all())


def _seq_len(x: Tensor, batch_first: bool) -> int:
    return x.shape[0] if x.ndim == 2 else x.shape[1 if batch_first else 0]


def _clones(layer: Module, n: int) -> ModuleList:
    return ModuleList([copy.deepcopy(layer) for _ in range(n)])


class TransformerEncoderLayer(Module):
    """x + Dropout(SelfAttention(x)) → LayerNorm → x + Dropout(FFN(x)) → LayerNorm (norm_first: normalise first).

    FFN(x) = linear2(dropout(activation(linear1(x)))), d_model → dim_feedforward → d_model. Sub-module names
    (self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2) match PyTorch's.
    forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False); masks as in MultiheadAttention.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation="relu", layer_norm_eps: float = 1e-5, batch_first: bool = False, norm_first: bool = False,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        check_device(device, "TransformerEncoderLayer")
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
        self.activation = _activation(activation, "TransformerEncoderLayer")
        from .activation import GELU, ReLU  # 1 for relu, 2 for gelu, 0 otherwise: as PyTorch (its fast path's test)
        self.activation_relu_or_gelu = (1 if self.activation is F.relu or isinstance(self.activation, ReLU) else
                                        2 if self.activation is F.gelu or isinstance(self.activation, GELU) else 0)

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


def _why_no_nested_tensor(layer) -> str:
    """PyTorch's reasons, at construction, for not using its nested-tensor path (empty: it would be used)."""
    if not isinstance(layer, TransformerEncoderLayer):
        return "encoder_layer was not TransformerEncoderLayer"
    attn = layer.self_attn
    for reason, failed in (("encoder_layer.norm_first was True", layer.norm_first),
                           ("encoder_layer.self_attn.batch_first was not True(use batch_first for better inference "
                            "performance)", not attn.batch_first),
                           ("encoder_layer.self_attn._qkv_same_embed_dim was not True", not attn._qkv_same_embed_dim),
                           ("encoder_layer.self_attn was passed bias=False", attn.in_proj_bias is None),
                           ("encoder_layer.activation_relu_or_gelu was not True", not layer.activation_relu_or_gelu),
                           ("encoder_layer.norm1.eps was not equal to encoder_layer.norm2.eps",
                            layer.norm1.eps != layer.norm2.eps),
                           ("encoder_layer.self_attn.num_heads is odd", attn.num_heads % 2 == 1)):
        if failed:
            return reason
    return ""


class TransformerEncoder(Module):
    """num_layers deep copies of encoder_layer applied in turn (independent weights), then an optional final norm.

    As PyTorch, with `enable_nested_tensor` (and the layer allowing it) inference with a src_key_padding_mask
    returns zeros at the padded positions (before the final norm): PyTorch drops those positions there.
    """

    def __init__(self, encoder_layer: TransformerEncoderLayer, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True):
        super().__init__()
        self.layers = _clones(encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm
        self.enable_nested_tensor = enable_nested_tensor
        self.use_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check
        why_not = _why_no_nested_tensor(encoder_layer)
        if enable_nested_tensor and why_not:
            warnings.warn(f"enable_nested_tensor is True, but self.use_nested_tensor is False because {why_not}",
                          stacklevel=2)
            self.use_nested_tensor = False

    def _drops_padding(self, src: Tensor, mask, padding) -> bool:
        """Whether PyTorch would take its nested-tensor path (which zeroes the padded positions)."""
        if not self.use_nested_tensor or self.layers[0].training or src.ndim != 3 or padding is None or mask is not None:
            return False
        from autograd.grad_mode import is_grad_enabled
        layer = self.layers[0]
        tensors = [src, layer.self_attn.in_proj_weight, layer.self_attn.in_proj_bias, layer.self_attn.out_proj.weight,
                   layer.self_attn.out_proj.bias, layer.norm1.weight, layer.norm1.bias, layer.norm2.weight,
                   layer.norm2.bias, layer.linear1.weight, layer.linear1.bias, layer.linear2.weight, layer.linear2.bias]
        if is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors):
            return False
        if self.mask_check:  # PyTorch requires every row's padding to be a suffix (left-aligned tokens)
            pad = padding if isinstance(padding, Tensor) else Tensor._from_data(np.asarray(padding))
            valid = ~pad if pad.dtype == bool else pad == 0
            if not bool((valid[:, 1:] <= valid[:, :-1]).all()):
                return False
        return True

    def forward(self, src: Tensor, mask=None, src_key_padding_mask=None, is_causal: bool | None = None) -> Tensor:
        batch_first = self.layers[0].self_attn.batch_first
        is_causal = _detect_is_causal_mask(mask, is_causal, _seq_len(src, batch_first))
        drop_padding = self._drops_padding(src, mask, src_key_padding_mask)
        out = src
        for layer in self.layers:
            out = layer(out, src_mask=mask, src_key_padding_mask=src_key_padding_mask, is_causal=is_causal)
        if drop_padding:
            pad = src_key_padding_mask
            if not isinstance(pad, Tensor):
                pad = Tensor._from_data(np.asarray(pad))
            padded = pad if pad.dtype == bool else pad != 0
            out = out.masked_fill((padded if batch_first else padded.mT).unsqueeze(-1), 0.0)
        if self.norm is not None:
            out = self.norm(out)
        return out


class TransformerDecoderLayer(Module):
    """Self-attention, attention over `memory` (the encoder's output), then the feed-forward network; each in
    dropout, a residual connection and a LayerNorm (norm1, norm2, norm3; before each block with norm_first).

    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False). Sub-module names
    (self_attn, multihead_attn, linear1, dropout, linear2, norm1..3, dropout1..3) match PyTorch's.
    """

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048, dropout: float = 0.1,
                 activation="relu", layer_norm_eps: float = 1e-5, batch_first: bool = False, norm_first: bool = False,
                 bias: bool = True, device=None, dtype=None):
        super().__init__()
        check_device(device, "TransformerDecoderLayer")
        self.self_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias,
                                            dtype=dtype)
        self.multihead_attn = MultiheadAttention(d_model, nhead, dropout=dropout, batch_first=batch_first, bias=bias,
                                                 dtype=dtype)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        self.norm1 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm2 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.norm3 = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        self.dropout3 = Dropout(dropout)
        self.activation = _activation(activation, "TransformerDecoderLayer")

    def _sa_block(self, x, attn_mask, key_padding_mask, is_causal):
        x = self.self_attn(x, x, x, attn_mask=attn_mask, key_padding_mask=key_padding_mask, is_causal=is_causal,
                           need_weights=False)[0]
        return self.dropout1(x)

    def _mha_block(self, x, memory, attn_mask, key_padding_mask, is_causal):
        x = self.multihead_attn(x, memory, memory, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                                is_causal=is_causal, need_weights=False)[0]
        return self.dropout2(x)

    def _ff_block(self, x):
        return self.dropout3(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal: bool = False, memory_is_causal: bool = False) -> Tensor:
        x = tgt
        if self.norm_first:
            x = x + self._sa_block(self.norm1(x), tgt_mask, tgt_key_padding_mask, tgt_is_causal)
            x = x + self._mha_block(self.norm2(x), memory, memory_mask, memory_key_padding_mask, memory_is_causal)
            x = x + self._ff_block(self.norm3(x))
        else:
            x = self.norm1(x + self._sa_block(x, tgt_mask, tgt_key_padding_mask, tgt_is_causal))
            x = self.norm2(x + self._mha_block(x, memory, memory_mask, memory_key_padding_mask, memory_is_causal))
            x = self.norm3(x + self._ff_block(x))
        return x


class TransformerDecoder(Module):
    """num_layers deep copies of decoder_layer, each attending to the same memory, then an optional final norm."""

    def __init__(self, decoder_layer: TransformerDecoderLayer, num_layers: int, norm: Module | None = None):
        super().__init__()
        self.layers = _clones(decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal: bool | None = None, memory_is_causal: bool = False):
        tgt_is_causal = _detect_is_causal_mask(tgt_mask, tgt_is_causal,
                                               _seq_len(tgt, self.layers[0].self_attn.batch_first))
        out = tgt
        for layer in self.layers:
            out = layer(out, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                        tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                        tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)
        if self.norm is not None:
            out = self.norm(out)
        return out


class Transformer(Module):
    """An encoder (num_encoder_layers layers + LayerNorm) and a decoder (num_decoder_layers + LayerNorm).

    forward(src, tgt, src_mask, tgt_mask, memory_mask, src_key_padding_mask, tgt_key_padding_mask,
    memory_key_padding_mask, src_is_causal, tgt_is_causal, memory_is_causal) → decoder output, shaped as tgt.
    Every parameter with more than one dimension is re-initialised with xavier_uniform_, as PyTorch.
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6, num_decoder_layers: int = 6,
                 dim_feedforward: int = 2048, dropout: float = 0.1, activation="relu", custom_encoder=None,
                 custom_decoder=None, layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device=None, dtype=None):
        super().__init__()
        check_device(device, "Transformer")
        layer_args = (d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first,
                      bias)
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            self.encoder = TransformerEncoder(TransformerEncoderLayer(*layer_args, dtype=dtype), num_encoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            self.decoder = TransformerDecoder(TransformerDecoderLayer(*layer_args, dtype=dtype), num_decoder_layers,
                                              LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype))
        self._reset_parameters()
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.ndim > 1:
                xavier_uniform_(p)

    generate_square_subsequent_mask = staticmethod(_generate_square_subsequent_mask)

    def forward(self, src: Tensor, tgt: Tensor, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        batched = src.ndim == 3
        if batched and src.shape[0 if self.batch_first else 1] != tgt.shape[0 if self.batch_first else 1]:
            raise RuntimeError(f"Transformer: the batch number of src and tgt must be equal (src {tuple(src.shape)}, "
                               f"tgt {tuple(tgt.shape)}, batch_first={self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"Transformer: the feature number of src and tgt must be equal to d_model "
                               f"({self.d_model}); got src {tuple(src.shape)}, tgt {tuple(tgt.shape)}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask, is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask, memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)


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
        self.register_buffer("pe", Tensor._from_data(table.astype(np.float32)), persistent=False)

    def forward(self, x: Tensor) -> Tensor:
        length = x.shape[1] if self.batch_first else x.shape[0]
        if x.ndim != 3 or x.shape[-1] != self.d_model:
            raise ValueError(f"PositionalEncoding: expected input ({'N, L' if self.batch_first else 'L, N'}, "
                             f"{self.d_model}), got {tuple(x.shape)}")
        if length > self.max_len:
            raise ValueError(f"PositionalEncoding: sequence length {length} exceeds max_len={self.max_len}")
        table = self.pe[:length].to(x.dtype)
        table = table.unsqueeze(0) if self.batch_first else table.unsqueeze(1)
        return F.dropout(x + table, self.p, self.training)

    def extra_repr(self) -> str:
        return f"d_model={self.d_model}, max_len={self.max_len}, dropout={self.p}, batch_first={self.batch_first}"
