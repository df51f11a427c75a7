"""Whole models exported to ONNX run in onnxruntime as they run here: an MLP, LeNet, a conv block with batch
norm and dropout, LayerNorm + GELU, an Embedding + LSTM language model, a Transformer encoder (with a causal
mask), and a custom module written with Tensor ops. Each is exported at batch 3 with a dynamic batch axis
(and a dynamic sequence axis where the model allows one) and run at other sizes too."""
import numpy as np
import pytest
from onnx_helpers import assert_runs_like_ours, onnx, session

import autograd
import nn
from autograd.onnx import ExportError

rng = np.random.default_rng(11)


def _normal(*shape):
    return autograd.tensor(rng.standard_normal(shape).astype(np.float32))


def _export_and_check(model, make_inputs, names, dynamic_axes, sizes, tmp_path=None, **kwargs):
    """Export at sizes[0], then compare onnxruntime with our forward (in eval mode) at every size in `sizes`."""
    mode = model.training
    proto = autograd.onnx.export(model, tuple(make_inputs(*sizes[0])), input_names=names, dynamic_axes=dynamic_axes,
                                 verify=True, **kwargs)
    assert model.training == mode  # export runs the model in eval mode and puts it back
    model.eval()
    for size in sizes:
        assert_runs_like_ours(proto, model, make_inputs(*size))
    return proto


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(64, 32)
        self.out = nn.Linear(32, 10)

    def forward(self, x):
        return self.out(self.hidden(x).relu())


def test_mlp_with_a_dynamic_batch_and_named_initializers(tmp_path):
    model = MLP()
    path = tmp_path / "mlp.onnx"
    autograd.onnx.export(model, (_normal(3, 64),), path, input_names=["x"], output_names=["logits"],
                         dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}})
    proto = onnx.load(path)
    assert {t.name for t in proto.graph.initializer} == {n for n, _ in model.named_parameters()}
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    assert proto.graph.output[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    for batch in (3, 11, 1):
        assert_runs_like_ours(proto, model, [_normal(batch, 64)])


def lenet():
    return nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(),
                         nn.Linear(84, 10))


def test_lenet():
    _export_and_check(lenet(), lambda b: [_normal(b, 1, 28, 28)], ["image"], {"image": {0: "batch"}}, [(3,), (11,)])


def test_conv_block_with_batch_norm_and_dropout_in_eval_mode():
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.Dropout2d(0.3),
                          nn.MaxPool2d(2), nn.Conv2d(8, 8, 3), nn.BatchNorm2d(8), nn.ReLU(),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.5), nn.Linear(8, 4))
    with autograd.no_grad():  # running statistics that are not the initial ones
        for _ in range(3):
            model(_normal(6, 3, 12, 12) * 3 + 1)
    assert model.training
    proto = _export_and_check(model, lambda b: [_normal(b, 3, 12, 12)], ["x"], {"x": {0: "batch"}}, [(3,), (11,)])
    assert not any(n.op_type in ("RandomUniformLike", "Dropout") for n in proto.graph.node)


class LayerNormGelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.up, self.norm, self.down = nn.Linear(8, 16), nn.LayerNorm(16), nn.Linear(16, 8)

    def forward(self, x):
        return self.down(nn.functional.gelu(self.norm(self.up(x))))


def test_layer_norm_and_gelu_with_dynamic_batch_and_sequence():
    _export_and_check(LayerNormGelu(), lambda b, t: [_normal(b, t, 8)], ["x"], {"x": {0: "batch", 1: "seq"}},
                      [(3, 5), (11, 2), (1, 9)])


class LanguageModel(nn.Module):
    def __init__(self, vocab=20, embed=8, hidden=12):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, tokens):
        out, (h, c) = self.lstm(self.embed(tokens))
        return self.head(out), h, c


def _tokens(batch, length):
    return [autograd.tensor(rng.integers(0, 20, (batch, length)))]


def test_embedding_lstm_language_model_unrolled_with_a_dynamic_batch():
    model = LanguageModel()
    proto = _export_and_check(model, _tokens, ["tokens"], {"tokens": {0: "batch"}}, [(3, 6), (11, 6)])
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1", "output_2"]
    with pytest.raises(ExportError, match="unrolled"):  # time steps are a Python loop: a fixed length
        autograd.onnx.export(model, tuple(_tokens(3, 6)), input_names=["tokens"],
                             dynamic_axes={"tokens": {0: "batch", 1: "seq"}})


class CausalEncoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(6, 16)
        layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.1, batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, 2)

    def forward(self, x):
        length = x.shape[1]
        mask = autograd.full((length, length), float("-inf")).triu(1)  # generate_square_subsequent_mask's
        return self.encoder(self.embed(x), mask=mask, is_causal=True)


def test_transformer_encoder_layer_with_dynamic_batch_and_sequence():
    layer = nn.TransformerEncoderLayer(16, 4, dim_feedforward=32, dropout=0.1, batch_first=True)
    _export_and_check(layer, lambda b, t: [_normal(b, t, 16)], ["src"], {"src": {0: "batch", 1: "seq"}},
                      [(3, 5), (11, 9), (2, 1)])


def test_transformer_encoder_with_a_causal_mask_rebuilt_for_each_length():
    proto = _export_and_check(CausalEncoder(), lambda b, t: [_normal(b, t, 6)], ["x"], {"x": {0: "batch", 1: "seq"}},
                              [(3, 5), (11, 9), (2, 13)])
    assert any(n.op_type == "Range" for n in proto.graph.node)  # the mask is built from the length at run time


class Custom(nn.Module):
    """Tensor ops, not layers: a learned gate over pooled features, with slicing, stacking and a mask."""

    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(autograd.randn(4, 6))
        self.register_buffer("scale", autograd.tensor([0.5, 1.0, 2.0]))

    def forward(self, x, mask):
        b = x.shape[0]
        h = (x @ self.weight).tanh()  # (B, T, 6)
        pooled = autograd.stack([h.mean(1), h.amax(1), h[:, -1]], dim=1)  # (B, 3, 6)
        gate = (pooled * self.scale.reshape(1, 3, 1)).softmax(dim=1)
        mixed = (gate * pooled).sum(1)  # (B, 6)
        masked = autograd.where(mask.unsqueeze(-1), x, 0.0).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)
        joined = autograd.cat([mixed, masked, x[:, :2].reshape(b, -1)], dim=-1)
        return joined.clamp(-3, 3).exp().log1p().permute(1, 0), mixed.argmax(-1)


def test_custom_module_written_with_tensor_ops():
    _export_and_check(Custom(), lambda b, t: [_normal(b, t, 4), autograd.tensor(rng.random((b, t)) > 0.3)],
                      ["x", "mask"], {"x": {0: "batch", 1: "seq"}, "mask": {0: "batch", 1: "seq"}},
                      [(3, 5), (11, 7), (1, 2)])


def test_state_exported_in_eval_mode_matches_after_training_a_few_steps():
    model = lenet()
    opt = nn.optim.SGD(model.parameters(), lr=0.05)
    for _ in range(3):
        x, y = _normal(8, 1, 28, 28), autograd.tensor(rng.integers(0, 10, 8))
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    _export_and_check(model, lambda b: [_normal(b, 1, 28, 28)], ["image"], {"image": {0: "batch"}}, [(3,), (5,)])


@pytest.mark.parametrize("opset", [13, 17, 18, 21])
def test_opsets(opset):
    model = LayerNormGelu()
    proto = _export_and_check(model, lambda b, t: [_normal(b, t, 8)], ["x"], {"x": {0: "batch", 1: "seq"}},
                              [(3, 5), (6, 2)], opset_version=opset)
    assert proto.opset_import[0].version == opset
    session(proto)


class TinyGPT(nn.Module):
    """Token and position embeddings (positions from arange), a pre-norm block with a float causal mask."""

    def __init__(self):
        super().__init__()
        self.tok, self.pos = nn.Embedding(30, 16), nn.Embedding(64, 16)
        self.block = nn.TransformerEncoderLayer(16, 2, 32, dropout=0.1, batch_first=True, norm_first=True)
        self.head = nn.Linear(16, 30)

    def forward(self, tokens):
        length = tokens.shape[1]
        x = self.tok(tokens) + self.pos(autograd.arange(length))
        mask = autograd.full((length, length), float("-inf")).triu(1)
        return self.head(self.block(x, src_mask=mask))


def test_a_small_gpt_whose_positions_and_mask_follow_the_length():
    def tokens(b, t):
        return [autograd.tensor(rng.integers(0, 30, (b, t)))]

    _export_and_check(TinyGPT(), tokens, ["tokens"], {"tokens": {0: "batch", 1: "seq"}}, [(3, 5), (11, 9), (1, 1), (2, 40)])


def test_attention_with_a_padding_mask_input_exports_or_says_why_not():
    attention = nn.MultiheadAttention(8, 2, batch_first=True)

    class Padded(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = attention

        def forward(self, x, padding):
            return self.attention(x, x, x, key_padding_mask=padding, need_weights=False)[0]

    model = Padded().eval()

    def inputs(b, t):
        return [_normal(b, t, 8), autograd.tensor(rng.random((b, t)) > 0.6)]

    try:
        proto = autograd.onnx.export(model, tuple(inputs(2, 5)))
    except ExportError as error:  # the layer builds its mask with numpy from the input's data
        assert "outside the traced operations" in str(error)
    else:
        assert_runs_like_ours(proto, model, inputs(2, 5))


class Recurrent(nn.Module):
    """GRU and a bidirectional tanh RNN, batch first, over 1-d convolution features."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(3, 6, 3, padding=1)
        self.gru = nn.GRU(6, 5, batch_first=True)
        self.rnn = nn.RNN(5, 4, num_layers=2, bidirectional=True, batch_first=True)

    def forward(self, x):
        features = self.conv(x.transpose(1, 2)).relu().transpose(1, 2)
        out, h = self.rnn(self.gru(features)[0])
        return out, h


def test_gru_and_bidirectional_rnn_unrolled():
    _export_and_check(Recurrent(), lambda b: [_normal(b, 7, 3)], ["x"], {"x": {0: "batch"}}, [(3,), (11,)])


def test_multihead_attention_returning_its_averaged_weights():
    class Attend(nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = nn.MultiheadAttention(8, 2, kdim=6, vdim=4)

        def forward(self, query, key, value):
            return self.attention(query, key, value)

    def inputs(b, t):
        return [_normal(t, b, 8), _normal(t + 2, b, 6), _normal(t + 2, b, 4)]

    _export_and_check(Attend(), inputs, ["query", "key", "value"], {"query": {1: "batch"}, "key": {1: "batch"},
                                                                    "value": {1: "batch"}}, [(3, 4), (11, 4)])


def test_autoencoder_with_transposed_convolutions_and_pooling():
    model = nn.Sequential(nn.Conv2d(1, 4, 3, stride=2, padding=1), nn.GroupNorm(2, 4), nn.ReLU(),
                          nn.AvgPool2d(2, ceil_mode=True), nn.ConvTranspose2d(4, 4, 2, stride=2),
                          nn.InstanceNorm2d(4), nn.LeakyReLU(0.2), nn.ConvTranspose2d(4, 1, 3, stride=2, padding=1,
                                                                                        output_padding=1), nn.Sigmoid())
    _export_and_check(model, lambda b: [_normal(b, 1, 12, 12)], ["x"], {"x": {0: "batch"}}, [(3,), (11,)])


@pytest.mark.skipif(not hasattr(nn, "Transformer"), reason="nn.Transformer is being added on another branch")
def test_transformer_with_decoder_and_a_generated_target_mask():
    class Seq2Seq(nn.Module):
        def __init__(self):
            super().__init__()
            self.transformer = nn.Transformer(16, 2, 1, 1, dim_feedforward=32, dropout=0.1, batch_first=True)

        def forward(self, src, tgt):
            mask = nn.Transformer.generate_square_subsequent_mask(tgt.shape[1])
            return self.transformer(src, tgt, tgt_mask=mask)

    _export_and_check(Seq2Seq(), lambda b: [_normal(b, 5, 16), _normal(b, 4, 16)], ["src", "tgt"],
                      {"src": {0: "batch"}, "tgt": {0: "batch"}}, [(3,), (11,)])


class _MaxPoolWithIndices(nn.Module):
    def __init__(self, size):
        super().__init__()
        self.pool = nn.AdaptiveMaxPool2d(size, return_indices=True)

    def forward(self, x):
        return self.pool(x)


@pytest.mark.parametrize("size, shape", [(2, (6, 6)), ((3, 2), (7, 5)), (1, (4, 4)), (4, (5, 9))])
def test_adaptive_max_pooling_values_and_indices_with_a_dynamic_batch(size, shape):
    """Uneven bins (7 into 3, 9 into 4) overlap, as PyTorch's; the indices are flat positions in each plane."""
    for model, channels in ((nn.Sequential(nn.Conv2d(2, 3, 1), nn.AdaptiveMaxPool2d(size)), 2),
                            (_MaxPoolWithIndices(size), 3)):
        _export_and_check(model, lambda n, c=channels: [_normal(n, c, *shape)], ["x"], {"x": {0: "batch"}},
                          [(1,), (3,)])
    model = nn.AdaptiveMaxPool1d(3)
    _export_and_check(model, lambda n: [_normal(n, 2, 8)], ["x"], {"x": {0: "batch"}}, [(2,), (1,)])


@pytest.mark.parametrize("make, shape", [
    (lambda: nn.Conv3d(2, 3, 3, padding=1, stride=(1, 2, 1)), (2, 4, 5, 6)),
    (lambda: nn.Conv3d(4, 4, 3, groups=2, dilation=2, padding="same"), (4, 6, 6, 6)),
    (lambda: nn.ConvTranspose3d(2, 2, 2, stride=2), (2, 3, 3, 3)),
    (lambda: nn.MaxPool3d(2), (2, 4, 4, 4)),
    (lambda: nn.AvgPool3d(2, padding=1, count_include_pad=False), (2, 4, 5, 4)),
    (lambda: nn.AdaptiveAvgPool3d(1), (3, 4, 4, 4)),
    (lambda: nn.BatchNorm3d(2), (2, 3, 3, 3)),
], ids=["conv3d", "conv3d_same_groups_dilation", "conv_transpose3d", "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d",
        "batch_norm3d"])
def test_three_dimensional_layers_with_a_dynamic_batch(make, shape):
    model = make()
    _export_and_check(model, lambda n: [_normal(n, *shape)], ["x"], {"x": {0: "batch"}}, [(1,), (2,)])
