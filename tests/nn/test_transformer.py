"""TransformerEncoderLayer / TransformerEncoder / PositionalEncoding (nn/layers/transformer.py): the block's
equations (post- and pre-norm), independent deep copies, causal masking through the stack, derivatives."""
import numpy as np
import pytest

import autograd
from autograd import gradcheck, gradgradcheck
from nn.layers.normalization import LayerNorm
from nn.layers.transformer import PositionalEncoding, TransformerEncoder, TransformerEncoderLayer


def _t(*shape, seed=0, requires_grad=True, dtype=np.float64):
    return autograd.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype), requires_grad=requires_grad)


def test_submodule_names_match_pytorch():
    layer = TransformerEncoderLayer(8, 2, dim_feedforward=16)
    names = [n for n, _ in layer.named_parameters()]
    assert names == ["self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                     "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
                     "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"]


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_block_equations(norm_first, activation):
    layer = TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0, activation=activation,
                                    norm_first=norm_first).double()
    x = _t(3, 2, 4, requires_grad=False)
    act = (lambda t: t.relu()) if activation == "relu" else (lambda t: t.gelu())
    sa = lambda t: layer.self_attn(t, t, t, need_weights=False)[0]
    ff = lambda t: layer.linear2(act(layer.linear1(t)))
    if norm_first:
        h = x + sa(layer.norm1(x))
        expected = h + ff(layer.norm2(h))
    else:
        h = layer.norm1(x + sa(x))
        expected = layer.norm2(h + ff(h))
    np.testing.assert_allclose(layer(x)._data, expected._data, atol=1e-12)


def test_encoder_deep_copies_the_layer_and_applies_the_final_norm():
    layer = TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0)
    encoder = TransformerEncoder(layer, num_layers=3, norm=LayerNorm(4), enable_nested_tensor=False)
    assert len(encoder.layers) == 3 and encoder.layers[0] is not layer
    encoder.layers[0].linear1.weight._data[...] = 0
    assert not np.all(encoder.layers[1].linear1.weight._data == 0)  # independent weights
    assert len(list(encoder.parameters())) == 3 * 12 + 2
    x = _t(5, 2, 4, dtype=np.float32, requires_grad=False)
    out = encoder(x)
    assert out.shape == (5, 2, 4) and out.dtype == np.float32
    np.testing.assert_allclose(out._data.mean(-1), 0, atol=1e-5)


def test_causal_mask_blocks_the_future_through_the_stack():
    encoder = TransformerEncoder(TransformerEncoderLayer(4, 2, 8, dropout=0.0, batch_first=True), 2).double()
    x = _t(2, 6, 4, requires_grad=False)
    causal = np.triu(np.ones((6, 6), dtype=bool), 1)
    out = encoder(x, mask=causal)._data
    changed = x._data.copy()
    changed[:, 3:] = np.random.default_rng(9).standard_normal((2, 3, 4))  # new future tokens
    out2 = encoder(autograd.tensor(changed), mask=causal)._data
    np.testing.assert_allclose(out[:, :3], out2[:, :3], atol=1e-12)
    assert not np.allclose(out[:, 3:], out2[:, 3:])
    np.testing.assert_allclose(encoder(x, mask=causal, is_causal=True)._data, out, atol=1e-12)
    with pytest.raises(RuntimeError, match="need attn_mask if specifying the is_causal hint"):
        encoder(x, is_causal=True)  # as PyTorch: the hint needs the mask
    unmasked = encoder(autograd.tensor(changed))._data
    assert not np.allclose(unmasked[:, :3], encoder(x)._data[:, :3])  # without the mask the future leaks


def test_key_padding_mask_ignores_padded_positions():
    layer = TransformerEncoderLayer(4, 1, 8, dropout=0.0, batch_first=True).double()
    x = _t(1, 5, 4, requires_grad=False)
    pad = np.array([[False, False, False, True, True]])
    out = layer(x, src_key_padding_mask=pad)._data
    changed = x._data.copy()
    changed[0, 3:] += 5.0
    out2 = layer(autograd.tensor(changed), src_key_padding_mask=pad)._data
    np.testing.assert_allclose(out[0, :3], out2[0, :3], atol=1e-12)


def test_layer_derivatives():
    layer = TransformerEncoderLayer(2, 1, dim_feedforward=3, dropout=0.0, norm_first=True).double()
    x = _t(3, 1, 2)
    params = list(layer.parameters())
    fn = lambda x, *ps: layer(x)
    assert gradcheck(fn, (x, *params))
    assert gradgradcheck(fn, (x, *params), fast_mode=True)
    post = TransformerEncoderLayer(2, 1, dim_feedforward=2, dropout=0.0, activation="gelu").double()
    assert gradgradcheck(lambda x: post(x), (x,))


def test_positional_encoding():
    pe = PositionalEncoding(6, dropout=0.0, max_len=50)
    x = autograd.zeros(4, 2, 6)
    out = pe(x)._data
    pos, i = 3, 1
    np.testing.assert_allclose(out[pos, 0, 2 * i], np.sin(pos / 10000 ** (2 * i / 6)), rtol=1e-6)
    np.testing.assert_allclose(out[pos, 1, 2 * i + 1], np.cos(pos / 10000 ** (2 * i / 6)), rtol=1e-6)
    np.testing.assert_allclose(out[0, 0], [0, 1, 0, 1, 0, 1])
    batch_first = PositionalEncoding(6, dropout=0.0, batch_first=True)
    np.testing.assert_allclose(batch_first(autograd.zeros(2, 4, 6))._data[1], out[:, 0], atol=1e-7)
    assert PositionalEncoding(5, 0.0)(autograd.zeros(3, 1, 5)).shape == (3, 1, 5)  # odd d_model
    assert "pe" not in pe.state_dict()
    with pytest.raises(ValueError, match="exceeds max_len"):
        pe(autograd.zeros(51, 1, 6))
    with pytest.raises(ValueError, match="expected input"):
        pe(autograd.zeros(4, 2, 5))


def test_bad_activation():
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not swish"):
        TransformerEncoderLayer(4, 2, activation="swish")
    layer = TransformerEncoderLayer(4, 2, 8, activation=lambda t: t.tanh())
    assert layer(_t(2, 1, 4, dtype=np.float32)).shape == (2, 1, 4)
