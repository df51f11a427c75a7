"""Scaled dot-product attention (nn/functional/attention.py) and MultiheadAttention (nn/layers/attention.py):
the formula, masks (bool, float, causal, key padding), causality by perturbing the future, derivatives, errors."""
import numpy as np
import pytest

import autograd
from autograd import gradcheck, gradgradcheck
from nn.functional.attention import scaled_dot_product_attention as sdpa
from nn.layers.attention import MultiheadAttention


def _t(*shape, seed=0, requires_grad=True, dtype=np.float64):
    return autograd.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype), requires_grad=requires_grad)


def reference(q, k, v, bias=None, scale=None):
    s = q @ np.swapaxes(k, -1, -2) * (scale if scale is not None else 1 / np.sqrt(q.shape[-1]))
    if bias is not None:
        s = s + bias
    w = np.exp(s - s.max(-1, keepdims=True))
    return (w / w.sum(-1, keepdims=True)) @ v


def test_matches_the_formula_with_float_and_bool_masks():
    q, k, v = _t(2, 3, 4, 5, requires_grad=False), _t(2, 3, 6, 5, seed=1, requires_grad=False), \
        _t(2, 3, 6, 2, seed=2, requires_grad=False)
    np.testing.assert_allclose(sdpa(q, k, v)._data, reference(q._data, k._data, v._data), atol=1e-12)
    np.testing.assert_allclose(sdpa(q, k, v, scale=0.3)._data, reference(q._data, k._data, v._data, scale=0.3), atol=1e-12)
    bias = np.random.default_rng(3).standard_normal((4, 6))
    np.testing.assert_allclose(sdpa(q, k, v, attn_mask=autograd.tensor(bias))._data,
                               reference(q._data, k._data, v._data, bias), atol=1e-12)
    allowed = np.random.default_rng(4).random((4, 6)) > 0.3
    allowed[:, 0] = True
    np.testing.assert_allclose(sdpa(q, k, v, attn_mask=autograd.tensor(allowed))._data,
                               reference(q._data, k._data, v._data, np.where(allowed, 0, -np.inf)), atol=1e-12)


def test_causal_mask_blocks_the_future():
    x = _t(1, 2, 6, 4, requires_grad=False)
    out = sdpa(x, x, x, is_causal=True)._data
    changed = x._data.copy()
    changed[..., 4:, :] += 10.0  # perturb the last two positions
    x2 = autograd.tensor(changed)
    out2 = sdpa(x2, x2, x2, is_causal=True)._data
    np.testing.assert_allclose(out[..., :4, :], out2[..., :4, :], atol=1e-12)  # earlier positions unchanged
    assert not np.allclose(out[..., 4:, :], out2[..., 4:, :])
    np.testing.assert_allclose(out[..., 0, :], x._data[..., 0, :], atol=1e-12)  # position 0 sees only itself


def test_fully_masked_query_gives_zero_not_nan():
    q = _t(1, 3, 4)
    allowed = np.ones((3, 3), dtype=bool)
    allowed[1] = False
    out = sdpa(q, q, q, attn_mask=autograd.tensor(allowed))
    assert np.all(np.isfinite(out._data)) and np.all(out._data[0, 1] == 0)
    out.sum().backward()
    assert np.all(np.isfinite(q.grad._data))


def test_derivatives():
    q, k, v = _t(1, 2, 3, 2), _t(1, 2, 4, 2, seed=1), _t(1, 2, 4, 3, seed=2)
    allowed = autograd.tensor(np.array([[1, 1, 0, 1], [0, 1, 1, 1], [0, 0, 0, 0]], dtype=bool))
    bias = autograd.tensor(np.random.default_rng(5).standard_normal((3, 4)))
    for fn in (lambda q, k, v: sdpa(q, k, v), lambda q, k, v: sdpa(q, k, v, attn_mask=allowed),
               lambda q, k, v: sdpa(q, k, v, attn_mask=bias, scale=0.7)):
        assert gradcheck(fn, (q, k, v))
        assert gradgradcheck(fn, (q, k, v))
    assert gradgradcheck(lambda x: sdpa(x, x, x, is_causal=True), (_t(2, 3, 2, seed=3),))


def test_dropout_on_weights_only_when_asked():
    autograd.manual_seed(0)
    q = _t(1, 5, 4, requires_grad=False)
    np.testing.assert_array_equal(sdpa(q, q, q)._data, sdpa(q, q, q, dropout_p=0.0)._data)
    assert not np.allclose(sdpa(q, q, q, dropout_p=0.5)._data, sdpa(q, q, q)._data)


@pytest.mark.parametrize("call,match", [
    (lambda: sdpa(_t(2, 3, 4), _t(2, 3, 5), _t(2, 3, 5)), "share the feature size"),
    (lambda: sdpa(_t(2, 3, 4), _t(2, 3, 4), _t(2, 3, 4), attn_mask=autograd.ones(4, 4)), "does not broadcast"),
    (lambda: sdpa(_t(3, 4), _t(3, 4), _t(3, 4), attn_mask=autograd.ones(3, 3), is_causal=True), "not both"),
    (lambda: MultiheadAttention(6, 4), "divisible by num_heads"),
    (lambda: MultiheadAttention(4, 2)(_t(3, 2, 5), _t(3, 2, 5), _t(3, 2, 5)), "expected feature sizes"),
    (lambda: MultiheadAttention(4, 2).double()(_t(3, 2, 4), _t(3, 2, 4), _t(3, 2, 4),
                                               key_padding_mask=np.zeros((3, 2), bool)), "key_padding_mask should have shape"),
])
def test_errors(call, match):
    with pytest.raises((RuntimeError, ValueError), match=match):
        call()


# --------------------------------------------------------------------------- MultiheadAttention
def test_multihead_parameters_follow_pytorch():
    mha = MultiheadAttention(8, 2)
    assert [(n, p.shape) for n, p in mha.named_parameters()] == [
        ("in_proj_weight", (24, 8)), ("in_proj_bias", (24,)), ("out_proj.weight", (8, 8)), ("out_proj.bias", (8,))]
    assert np.all(mha.in_proj_bias._data == 0) and np.all(mha.out_proj.bias._data == 0)
    kv = MultiheadAttention(8, 2, kdim=3, vdim=5, bias=False)
    assert [(n, p.shape) for n, p in kv.named_parameters()] == [
        ("q_proj_weight", (8, 8)), ("k_proj_weight", (8, 3)), ("v_proj_weight", (8, 5)), ("out_proj.weight", (8, 8))]


def test_multihead_equals_per_head_attention_written_out():
    mha = MultiheadAttention(4, 2).double()
    x = _t(3, 1, 4, requires_grad=False)  # (L, N, E)
    out, weights = mha(x, x, x)
    w, b = mha.in_proj_weight._data, mha.in_proj_bias._data
    q, k, v = np.split(x._data[:, 0] @ w.T + b, 3, axis=-1)
    heads = [reference(q[:, h * 2:(h + 1) * 2], k[:, h * 2:(h + 1) * 2], v[:, h * 2:(h + 1) * 2]) for h in range(2)]
    expected = np.concatenate(heads, -1) @ mha.out_proj.weight._data.T + mha.out_proj.bias._data
    np.testing.assert_allclose(out._data[:, 0], expected, atol=1e-12)
    assert weights.shape == (1, 3, 3)
    np.testing.assert_allclose(weights._data.sum(-1), 1)


def test_multihead_masks_layouts_and_weights():
    mha = MultiheadAttention(4, 2, batch_first=True).double()
    x = _t(2, 5, 4, requires_grad=False)
    padding = np.zeros((2, 5), dtype=bool)
    padding[0, 3:] = True  # the last two keys of sample 0 are padding
    out, weights = mha(x, x, x, key_padding_mask=autograd.tensor(padding), average_attn_weights=False)
    assert out.shape == (2, 5, 4) and weights.shape == (2, 2, 5, 5)
    assert np.all(weights._data[0, :, :, 3:] == 0) and np.all(weights._data[1] > 0)
    causal = np.triu(np.ones((5, 5), dtype=bool), 1)  # True = may not attend, as PyTorch's MHA
    _, weights = mha(x, x, x, attn_mask=autograd.tensor(causal))
    assert np.all(np.triu(weights._data[0], 1) == 0)
    float_mask = np.where(causal, -np.inf, 0.0)
    np.testing.assert_allclose(mha(x, x, x, attn_mask=autograd.tensor(float_mask))[0]._data,
                               mha(x, x, x, attn_mask=autograd.tensor(causal))[0]._data, atol=1e-12)
    hinted = mha(x, x, x, attn_mask=np.zeros((5, 5)), is_causal=True, need_weights=False)[0]  # PyTorch: the hint wins
    np.testing.assert_allclose(hinted._data, mha(x, x, x, attn_mask=causal)[0]._data, atol=1e-12)
    with pytest.raises(RuntimeError, match="need attn_mask if specifying the is_causal hint"):
        mha(x, x, x, is_causal=True)
    assert mha(x, x, x, need_weights=False)[1] is None
    unbatched, w1 = mha(x[0], x[0], x[0])
    np.testing.assert_allclose(unbatched._data, mha(x, x, x)[0]._data[0], atol=1e-12)
    assert w1.shape == (5, 5)


def test_multihead_causal_blocks_the_future():
    mha = MultiheadAttention(4, 2).double()
    x = _t(6, 1, 4, requires_grad=False)
    causal = autograd.tensor(np.triu(np.ones((6, 6), dtype=bool), 1))
    out = mha(x, x, x, attn_mask=causal)[0]._data
    changed = x._data.copy()
    changed[5] += 3.0
    out2 = mha(*(autograd.tensor(changed),) * 3, attn_mask=causal)[0]._data
    np.testing.assert_allclose(out[:5], out2[:5], atol=1e-12)


def test_multihead_derivatives():
    mha = MultiheadAttention(4, 2, kdim=3, vdim=2).double()
    q, k, v = _t(2, 1, 4), _t(3, 1, 3, seed=1), _t(3, 1, 2, seed=2)
    params = list(mha.parameters())
    fn = lambda q, k, v, *ps: mha(q, k, v)[0]
    assert gradcheck(fn, (q, k, v, *params))
    assert gradgradcheck(fn, (q, k, v, *params), fast_mode=True)
    self_attn = MultiheadAttention(2, 1).double()
    x = _t(3, 1, 2, seed=4)
    fn = lambda x, *ps: self_attn(x, x, x, attn_mask=np.triu(np.ones((3, 3), bool), 1))[0]
    assert gradcheck(fn, (x, *self_attn.parameters()))
    assert gradgradcheck(fn, (x, *self_attn.parameters()))
