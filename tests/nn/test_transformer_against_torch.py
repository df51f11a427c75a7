"""Transformer, TransformerEncoder/Decoder(Layer) against PyTorch: state_dict keys and shapes, outputs and
gradients from the same weights with every mask kind, norm_first, batch_first, activations, bias=False,
PyTorch's nested-tensor inference quirk, causal-mask detection and generate_square_subsequent_mask."""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _torch_float64(torch_float64):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both sides warn the same way about nested tensors and mask types
        yield


def _same_weights(ours, theirs):
    theirs_state = theirs.state_dict()
    ours_state = ours.state_dict()
    assert list(ours_state) == list(theirs_state)
    assert all(tuple(ours_state[k].shape) == tuple(v.shape) for k, v in theirs_state.items())
    ours.load_state_dict({k: v.numpy() for k, v in theirs_state.items()})
    return ours


def _compare(ours_out, theirs_out, ours_inputs, theirs_inputs, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(ours_out.detach().numpy(), theirs_out.detach().numpy(), rtol=rtol, atol=atol)
    g = np.random.default_rng(1).standard_normal(ours_out.shape)
    ours_grads = ag.grad(ours_out, ours_inputs, ag.tensor(g))
    theirs_grads = torch.autograd.grad(theirs_out, theirs_inputs, torch.tensor(g))
    for a, b in zip(ours_grads, theirs_grads):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-9, atol=1e-11)


def _pair(shape, seed):
    x = np.random.default_rng(seed).standard_normal(shape)
    return ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_transformer_with_every_mask(batch_first, norm_first, activation):
    kwargs = dict(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=12, dropout=0.0,
                  activation=activation, batch_first=batch_first, norm_first=norm_first)
    theirs = torch.nn.Transformer(**kwargs)
    ours = _same_weights(nn.Transformer(**kwargs).double(), theirs)
    src, tsrc = _pair((2, 5, 8) if batch_first else (5, 2, 8), 0)
    tgt, ttgt = _pair((2, 4, 8) if batch_first else (4, 2, 8), 1)
    src_pad = np.array([[False] * 5, [False, False, False, True, True]])
    tgt_pad = np.array([[False] * 4, [False, False, True, True]])
    memory_mask = np.random.default_rng(2).standard_normal((4, 5))  # a float mask, added to the scores
    masks = dict(src_key_padding_mask=src_pad, tgt_key_padding_mask=tgt_pad, memory_key_padding_mask=src_pad)
    ours_out = ours(src, tgt, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4, dtype=ag.float64),
                    memory_mask=ag.tensor(memory_mask), **{k: ag.tensor(v) for k, v in masks.items()})
    theirs_out = theirs(tsrc, ttgt, tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(4),
                        memory_mask=torch.tensor(memory_mask), **{k: torch.tensor(v) for k, v in masks.items()})
    _compare(ours_out, theirs_out, [src, tgt, *ours.parameters()], [tsrc, ttgt, *theirs.parameters()])


@pytest.mark.parametrize("bias", [True, False])
def test_decoder_layer_alone_callable_activation_and_unbatched(bias):
    theirs = torch.nn.TransformerDecoderLayer(6, 3, 10, dropout=0.0, activation=torch.tanh, bias=bias,
                                              layer_norm_eps=1e-3)
    ours = _same_weights(nn.TransformerDecoderLayer(6, 3, 10, dropout=0.0, activation=ag.tanh, bias=bias,
                                                    layer_norm_eps=1e-3).double(), theirs)
    tgt, ttgt = _pair((4, 6), 3)  # unbatched (L, E)
    memory, tmemory = _pair((5, 6), 4)
    causal = np.triu(np.ones((4, 4), dtype=bool), 1)
    ours_out = ours(tgt, memory, tgt_mask=ag.tensor(causal), tgt_is_causal=True)
    theirs_out = theirs(ttgt, tmemory, tgt_mask=torch.tensor(causal), tgt_is_causal=True)
    _compare(ours_out, theirs_out, [tgt, memory], [ttgt, tmemory])


def test_encoder_in_inference_zeroes_padded_positions_as_pytorch():
    """PyTorch's encoder drops padded tokens (nested tensors) in inference with batch_first: their outputs are 0."""
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 2)
    ours = _same_weights(nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True),
                                               2).double(), theirs)
    ours.eval(), theirs.eval()
    x = np.random.default_rng(5).standard_normal((2, 5, 8))
    for pad in (np.array([[False] * 5, [False, False, False, True, True]]),  # left-aligned: the nested path
                np.array([[False] * 5, [False, True, False, True, True]])):  # not left-aligned: computed as usual
        with torch.no_grad(), ag.no_grad():
            expected = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(pad)).numpy()
            got = ours(ag.tensor(x), src_key_padding_mask=ag.tensor(pad)).numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
    assert np.all(got[1, 4] != 0) and np.all(expected[1, 4] != 0)
    with torch.no_grad(), ag.no_grad():
        assert np.all(ours(ag.tensor(x), src_key_padding_mask=ag.tensor(pad[[0, 0]] | np.eye(2, 5, 3, dtype=bool)
                                                                          .cumsum(1).astype(bool))).numpy()[:, 4] == 0)


def test_nested_tensor_warning_and_attributes_match_pytorch():
    with pytest.warns(UserWarning, match="enable_nested_tensor is True, but self.use_nested_tensor is False because "
                                         "encoder_layer.self_attn.batch_first was not True"):
        warnings.simplefilter("always")
        encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2), 1)
    assert encoder.use_nested_tensor is False and encoder.enable_nested_tensor is True
    layer = nn.TransformerEncoderLayer(8, 2, activation="gelu")
    assert layer.activation_relu_or_gelu == 2 and nn.TransformerEncoderLayer(8, 2, activation=ag.tanh) \
        .activation_relu_or_gelu == 0


def test_generate_square_subsequent_mask_and_causal_detection():
    ours = nn.Transformer.generate_square_subsequent_mask(4)
    theirs = torch.nn.Transformer.generate_square_subsequent_mask(4, dtype=torch.float32)
    assert ours.dtype == np.float32 and np.array_equal(ours.numpy(), theirs.numpy())
    assert nn.Transformer.generate_square_subsequent_mask(3, device="cpu", dtype=ag.float64).dtype == np.float64
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        nn.Transformer.generate_square_subsequent_mask(3, device="cuda")
    from nn.layers.transformer import _detect_is_causal_mask
    assert _detect_is_causal_mask(ours, None, 4) and not _detect_is_causal_mask(ours, False, 4)
    assert _detect_is_causal_mask(ag.tensor(np.triu(np.ones((4, 4), dtype=bool), 1)), None, 4)
    assert not _detect_is_causal_mask(ag.zeros(4, 4), None, 4) and not _detect_is_causal_mask(None, None, 4)


def test_transformer_initialisation_and_errors():
    model = nn.Transformer(8, 2, 1, 1, 16)
    fan = 8 + 8 * 3  # in_proj_weight (24, 8): xavier_uniform_ bound √(6/(8+24))
    assert np.abs(model.encoder.layers[0].self_attn.in_proj_weight.detach().numpy()).max() <= np.sqrt(6 / fan)
    assert [n for n, _ in model.named_children()] == ["encoder", "decoder"]
    with pytest.raises(RuntimeError, match="batch number of src and tgt must be equal"):
        model(ag.randn(3, 2, 8), ag.randn(3, 1, 8))
    with pytest.raises(RuntimeError, match="feature number of src and tgt must be equal to d_model"):
        model(ag.randn(3, 2, 8), ag.randn(3, 2, 4))
    with pytest.raises(RuntimeError, match="runs on the CPU only"):
        nn.Transformer(8, 2, device="cuda:0")
