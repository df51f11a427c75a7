"""PyTorch as an oracle (skipped without torch): convolutions, pooling, normalisation, recurrent layers and
attention give the same values and gradients for the same inputs and weights; state dicts load across."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
F = torch.nn.functional
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's note about its own padding copy

import autograd  # noqa: E402
from nn.functional import attention as A  # noqa: E402
from nn.functional import conv as C  # noqa: E402
from nn.functional import normalization as N  # noqa: E402
from nn.functional import pooling as P  # noqa: E402
from nn.layers.attention import MultiheadAttention  # noqa: E402
from nn.layers.conv import Conv2d, ConvTranspose2d  # noqa: E402
from nn.layers.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell  # noqa: E402
from nn.layers.transformer import TransformerEncoder, TransformerEncoderLayer  # noqa: E402


def compare(ours, theirs, shapes, seed=0, **kwargs):
    """Same inputs to both; values and the gradients of a random projection must agree."""
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes]
    a = [autograd.tensor(x, requires_grad=True) for x in arrays]
    t = [torch.tensor(x, requires_grad=True) for x in arrays]
    out, ref = ours(*a, **kwargs), theirs(*t, **kwargs)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out._data, ref.detach().numpy(), atol=1e-10)
    g = rng.standard_normal(out.shape)
    out.backward(autograd.tensor(g))
    ref.backward(torch.tensor(g))
    for x, y in zip(a, t):
        np.testing.assert_allclose(x.grad._data, y.grad.numpy(), atol=1e-10)


@pytest.mark.parametrize("shapes,kwargs", [
    ([(2, 4, 7, 6), (6, 2, 3, 2), (6,)], dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2), groups=2)),
    ([(2, 3, 7, 6), (4, 3, 4, 2)], dict(padding="same", dilation=(1, 2))),
    ([(1, 3, 5, 5), (5, 3, 1, 1), (5,)], dict()),
    ([(2, 2, 9, 9), (3, 2, 3, 3)], dict(stride=3, padding="valid")),
])
def test_conv2d(shapes, kwargs):
    compare(C.conv2d, F.conv2d, shapes, **kwargs)


def test_conv1d_and_transposed():
    compare(C.conv1d, F.conv1d, [(2, 3, 9), (4, 3, 3), (4,)], stride=2, padding=1)
    compare(C.conv_transpose2d, F.conv_transpose2d, [(2, 4, 5, 4), (4, 3, 3, 2), (6,)], stride=(2, 3),
            padding=(1, 0), output_padding=(1, 2), groups=2)
    compare(C.conv_transpose2d, F.conv_transpose2d, [(2, 4, 5, 4), (4, 3, 3, 2)], stride=(1, 2), padding=(1, 0),
            output_padding=(1, 0), dilation=(2, 1))
    compare(C.conv_transpose1d, F.conv_transpose1d, [(2, 4, 5), (4, 3, 3), (3,)], stride=2, padding=1, output_padding=1)


@pytest.mark.parametrize("ours,theirs,args,kwargs", [
    (P.max_pool2d, F.max_pool2d, (3, 2, 1), {}),
    (P.max_pool2d, F.max_pool2d, ((3, 2), (2, 1), (1, 1), 2), dict(ceil_mode=True)),
    (P.max_pool1d, F.max_pool1d, (3, 2, 1), {}),
    (P.avg_pool2d, F.avg_pool2d, (3, 2, 1), dict(count_include_pad=False)),
    (P.avg_pool2d, F.avg_pool2d, ((3, 2), (2, 3), 1), dict(ceil_mode=True)),
    (P.avg_pool2d, F.avg_pool2d, (3, 2, 1), dict(divisor_override=5)),
    (P.avg_pool1d, F.avg_pool1d, (3, 2, 1), dict(ceil_mode=True)),
    (P.adaptive_avg_pool2d, F.adaptive_avg_pool2d, ((3, 4),), {}),
    (P.adaptive_avg_pool1d, F.adaptive_avg_pool1d, (4,), {}),
])
def test_pooling(ours, theirs, args, kwargs):
    shape = (2, 3, 9) if ours in (P.max_pool1d, P.avg_pool1d, P.adaptive_avg_pool1d) else (2, 3, 7, 8)
    compare(lambda x: ours(x, *args, **kwargs), lambda x: theirs(x, *args, **kwargs), [shape])
    x = np.random.default_rng(1).standard_normal(shape)
    if ours in (P.max_pool2d, P.max_pool1d):
        np.testing.assert_array_equal(ours(autograd.tensor(x), *args, return_indices=True, **kwargs)[1]._data,
                                      theirs(torch.tensor(x), *args, return_indices=True, **kwargs)[1].numpy())


def test_norms():
    compare(lambda x, w, b: N.group_norm(x, 3, w, b), lambda x, w, b: F.group_norm(x, 3, w, b),
            [(2, 6, 3, 4), (6,), (6,)])
    compare(lambda x, w, b: N.instance_norm(x, weight=w, bias=b), lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
            [(2, 6, 3, 4), (6,), (6,)])
    x = np.random.default_rng(2).standard_normal((3, 4, 5, 5))
    ours = (autograd.zeros(4, dtype=np.float64), autograd.ones(4, dtype=np.float64))
    theirs = (torch.zeros(4, dtype=torch.float64), torch.ones(4, dtype=torch.float64))
    N.instance_norm(autograd.tensor(x), *ours, momentum=0.3)
    F.instance_norm(torch.tensor(x), *theirs, momentum=0.3)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a._data, b.numpy(), atol=1e-12)


def test_scaled_dot_product_attention():
    shapes = [(2, 3, 4, 5), (2, 3, 6, 5), (2, 3, 6, 2)]
    compare(A.scaled_dot_product_attention, F.scaled_dot_product_attention, shapes)
    compare(A.scaled_dot_product_attention, F.scaled_dot_product_attention, [(2, 3, 4, 5)] * 3, is_causal=True)
    allowed = np.random.default_rng(3).random((4, 6)) > 0.4
    allowed[1] = False  # a fully masked query: zeros in both
    compare(lambda q, k, v: A.scaled_dot_product_attention(q, k, v, attn_mask=autograd.tensor(allowed), scale=0.4),
            lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=torch.tensor(allowed), scale=0.4), shapes)


def _load_into_torch(ours, theirs):
    result = theirs.load_state_dict({k: torch.tensor(v._data) for k, v in ours.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys


@pytest.mark.parametrize("cls,tcls,kwargs", [
    (LSTM, torch.nn.LSTM, dict(num_layers=2, bidirectional=True)),
    (GRU, torch.nn.GRU, dict(num_layers=2, bidirectional=True, batch_first=True)),
    (RNN, torch.nn.RNN, dict(nonlinearity="relu", num_layers=2)),
    (GRU, torch.nn.GRU, dict(bias=False)),
])
def test_recurrent_layers(cls, tcls, kwargs):
    ours, theirs = cls(3, 4, **kwargs).double(), tcls(3, 4, **kwargs).double()
    _load_into_torch(ours, theirs)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 2, 3))
    a, t = autograd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    states = (2 if kwargs.get("bidirectional") else 1) * kwargs.get("num_layers", 1)
    h = rng.standard_normal((states, 5 if kwargs.get("batch_first") else 2, 4))
    if cls is LSTM:
        c = rng.standard_normal(h.shape)
        out, (hn, cn) = ours(a, (autograd.tensor(h), autograd.tensor(c)))
        ref, (thn, tcn) = theirs(t, (torch.tensor(h), torch.tensor(c)))
        np.testing.assert_allclose(cn._data, tcn.detach().numpy(), atol=1e-12)
    else:
        out, hn = ours(a, autograd.tensor(h))
        ref, thn = theirs(t, torch.tensor(h))
    np.testing.assert_allclose(out._data, ref.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(hn._data, thn.detach().numpy(), atol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(autograd.tensor(g))
    ref.backward(torch.tensor(g))
    np.testing.assert_allclose(a.grad._data, t.grad.numpy(), atol=1e-12)
    for (name, p), tp in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad._data, tp.grad.numpy(), atol=1e-12, err_msg=name)


@pytest.mark.parametrize("cls,tcls", [(LSTMCell, torch.nn.LSTMCell), (GRUCell, torch.nn.GRUCell),
                                      (RNNCell, torch.nn.RNNCell)])
def test_cells(cls, tcls):
    ours, theirs = cls(3, 4).double(), tcls(3, 4).double()
    _load_into_torch(ours, theirs)
    x = np.random.default_rng(5).standard_normal((2, 3))
    out, ref = ours(autograd.tensor(x)), theirs(torch.tensor(x))
    if isinstance(out, tuple):
        out, ref = out[1], ref[1]
    np.testing.assert_allclose(out._data, ref.detach().numpy(), atol=1e-12)


@pytest.mark.parametrize("kwargs", [dict(), dict(batch_first=True), dict(kdim=3, vdim=5)])
def test_multihead_attention(kwargs):
    ours, theirs = MultiheadAttention(8, 2, **kwargs).double(), torch.nn.MultiheadAttention(8, 2, **kwargs).double()
    _load_into_torch(ours, theirs)
    rng = np.random.default_rng(6)
    layout = (lambda length, n: (n, length)) if kwargs.get("batch_first") else (lambda length, n: (length, n))
    q = rng.standard_normal(layout(4, 2) + (8,))
    k = rng.standard_normal(layout(6, 2) + (kwargs.get("kdim", 8),))
    v = rng.standard_normal(layout(6, 2) + (kwargs.get("vdim", 8),))
    padding = np.zeros((2, 6), bool)
    padding[0, 4:] = True
    mask = rng.random((4, 6)) > 0.8
    out, w = ours(*map(autograd.tensor, (q, k, v)), key_padding_mask=padding, attn_mask=mask)
    ref, tw = theirs(*map(torch.tensor, (q, k, v)), key_padding_mask=torch.tensor(padding), attn_mask=torch.tensor(mask))
    np.testing.assert_allclose(out._data, ref.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(w._data, tw.detach().numpy(), atol=1e-12)


@pytest.mark.parametrize("kwargs", [dict(), dict(norm_first=True, activation="gelu", batch_first=True)])
def test_transformer_encoder(kwargs):
    ours = TransformerEncoder(TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kwargs), 2,
                              enable_nested_tensor=False).double().eval()
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, **kwargs), 2,
                                         enable_nested_tensor=False).double().eval()
    _load_into_torch(ours, theirs)
    x = np.random.default_rng(7).standard_normal((4, 3, 8))
    length = x.shape[1] if kwargs.get("batch_first") else x.shape[0]
    causal = np.triu(np.ones((length, length), bool), 1)
    np.testing.assert_allclose(ours(autograd.tensor(x), mask=causal)._data,
                               theirs(torch.tensor(x), mask=torch.tensor(causal)).detach().numpy(), atol=1e-12)


@settings(max_examples=20)
@given(st.data())
def test_random_conv_geometries(data):
    """Random strides, paddings, dilations, groups and output paddings for conv2d and conv_transpose2d."""
    draw = lambda s: data.draw(s)  # noqa: E731
    groups = draw(st.sampled_from([1, 2]))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    s = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    d = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    p = tuple(draw(st.integers(0, (dd * (kk - 1)) // 2 + 1)) for kk, dd in zip(k, d))
    size = (draw(st.integers(4, 7)), draw(st.integers(4, 7)))
    if any(n + 2 * pp - dd * (kk - 1) < 1 for n, pp, dd, kk in zip(size, p, d, k)):
        return
    bias = draw(st.booleans())
    compare(C.conv2d, F.conv2d, [(2, c_in, *size), (c_out, c_in // groups, *k)] + ([(c_out,)] if bias else []),
            stride=s, padding=p, dilation=d, groups=groups)
    op = tuple(draw(st.integers(0, max(ss, dd) - 1)) for ss, dd in zip(s, d))
    small = (draw(st.integers(2, 4)), draw(st.integers(2, 4)))
    if any((n - 1) * ss - 2 * pp + dd * (kk - 1) + o + 1 < 1 for n, ss, pp, dd, kk, o in zip(small, s, p, d, k, op)):
        return
    compare(C.conv_transpose2d, F.conv_transpose2d,
            [(2, c_in, *small), (c_in, c_out // groups, *k)] + ([(c_out,)] if bias else []),
            stride=s, padding=p, output_padding=op, groups=groups, dilation=d)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("padding", [1, (2, 1), "same"])
def test_conv_padding_modes(mode, padding):
    from oracle import check_function

    dilation = (1, 2) if padding == "same" else 1
    theirs = torch.nn.Conv2d(2, 3, 3, padding=padding, padding_mode=mode, dilation=dilation).double()
    ours = Conv2d(2, 3, 3, padding=padding, padding_mode=mode, dilation=dilation).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(0).standard_normal((2, 2, 5, 6))
    check_function(lambda a: ours(a), lambda a: theirs(a), [x], grad_rtol=1e-12)
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        ConvTranspose2d(2, 2, 3, padding_mode=mode)
