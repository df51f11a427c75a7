"""Convolutions (nn/functional/conv.py, nn/layers/conv.py): output sizes, a naive-loop reference for values
and gradients, first and second derivatives, dtypes, the layers' parameters and the errors."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd
from autograd import gradcheck, gradgradcheck
from nn.functional.conv import conv1d, conv2d, conv_output_size, conv_transpose1d, conv_transpose2d
from nn.layers.conv import Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d


def _t(*shape, seed=0, requires_grad=True, dtype=np.float64):
    data = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return autograd.tensor(data, requires_grad=requires_grad)


def naive_conv2d(x, w, b, stride, padding, dilation, groups):
    """The definition, one output pixel at a time."""
    n, c, h, wd = x.shape
    o, cg, kh, kw = w.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    oh, ow = conv_output_size(h, kh, sh, ph, dh), conv_output_size(wd, kw, sw, pw, dw)
    out = np.zeros((n, o, oh, ow))
    og = o // groups
    for b_, oc, i, j in itertools.product(range(n), range(o), range(oh), range(ow)):
        g = oc // og
        patch = xp[b_, g * cg:(g + 1) * cg, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
        out[b_, oc, i, j] = (patch * w[oc]).sum() + (b[oc] if b is not None else 0)
    return out


def naive_grads(x, w, b, g, *args):
    """Gradients of Σ g·conv(x, w, b) by central differences of the naive loop (independent of our backward)."""
    eps = 1e-6
    grads = []
    for arr in (x, w, b):
        grad = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            old = arr[idx]
            arr[idx] = old + eps
            plus = (naive_conv2d(x, w, b, *args) * g).sum()
            arr[idx] = old - eps
            minus = (naive_conv2d(x, w, b, *args) * g).sum()
            arr[idx] = old
            grad[idx] = (plus - minus) / (2 * eps)
        grads.append(grad)
    return grads


@pytest.mark.parametrize("n,k,s,p,d", [(n, k, s, p, d) for n in (1, 5, 8) for k in (1, 2, 3) for s in (1, 2, 3)
                                       for p in (0, 1, 2) for d in (1, 2) if n + 2 * p - d * (k - 1) >= 1])
def test_output_size_follows_the_formula(n, k, s, p, d):
    expected = (n + 2 * p - d * (k - 1) - 1) // s + 1
    assert conv_output_size(n, k, s, p, d) == expected
    x, w = _t(1, 1, n, n + 1, requires_grad=False), _t(1, 1, k, k, requires_grad=False)
    assert conv2d(x, w, stride=s, padding=p, dilation=d).shape == (1, 1, expected, conv_output_size(n + 1, k, s, p, d))
    assert conv1d(x[:, :, 0], w[:, :, 0], stride=s, padding=p, dilation=d).shape == (1, 1, conv_output_size(n + 1, k, s, p, d))


@pytest.mark.parametrize("stride,padding,dilation,groups", [
    ((1, 1), (0, 0), (1, 1), 1), ((2, 1), (1, 2), (1, 1), 1), ((1, 2), (1, 0), (2, 1), 2), ((2, 2), (1, 1), (2, 2), 4)])
def test_conv2d_matches_naive_loop_forward_and_backward(stride, padding, dilation, groups):
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 4, 6, 5)), rng.standard_normal((4, 4 // groups, 3, 2)), rng.standard_normal(4)
    args = (stride, padding, dilation, groups)
    expected = naive_conv2d(x, w, b, *args)
    tx, tw, tb = (autograd.tensor(a, requires_grad=True) for a in (x, w, b))
    out = conv2d(tx, tw, tb, stride, padding, dilation, groups)
    np.testing.assert_allclose(out._data, expected, atol=1e-12)
    g = rng.standard_normal(out.shape)
    out.backward(autograd.tensor(g))
    gx, gw, gb = naive_grads(x, w, b, g, *args)
    np.testing.assert_allclose(tx.grad._data, gx, atol=1e-6)
    np.testing.assert_allclose(tw.grad._data, gw, atol=1e-6)
    np.testing.assert_allclose(tb.grad._data, gb, atol=1e-6)


@settings(max_examples=15)
@given(st.integers(1, 2), st.integers(1, 3), st.integers(1, 2), st.integers(0, 1), st.integers(1, 2),
       st.sampled_from([1, 2]), st.integers(3, 5))
def test_conv2d_first_and_second_derivatives(n, k, s, p, d, groups, size):
    x = _t(n, 2, size, size + 1, seed=1)
    w = _t(2, 2 // groups, k, k, seed=2)
    b = _t(2, seed=3)
    if size + 2 * p - d * (k - 1) < 1:
        return
    fn = lambda x, w, b: conv2d(x, w, b, stride=s, padding=p, dilation=d, groups=groups)
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_conv_transpose2d_first_and_second_derivatives():
    x, w, b = _t(2, 4, 3, 3, seed=1), _t(4, 3, 3, 2, seed=2), _t(6, seed=3)
    fn = lambda x, w, b: conv_transpose2d(x, w, b, stride=(2, 1), padding=1, output_padding=(1, 0), groups=2,
                                          dilation=(1, 2))
    assert gradcheck(fn, (x, w, b))
    assert gradgradcheck(fn, (x, w, b))


def test_conv1d_and_conv_transpose1d_derivatives():
    x, w, b = _t(2, 2, 6, seed=1), _t(3, 2, 3, seed=2), _t(3, seed=3)
    assert gradcheck(lambda x, w, b: conv1d(x, w, b, stride=2, padding=1), (x, w, b))
    assert gradgradcheck(lambda x, w, b: conv1d(x, w, b, padding="same", dilation=2), (x, w, b))
    wt = _t(2, 3, 3, seed=4)
    assert gradcheck(lambda x, w, b: conv_transpose1d(x, w, b, stride=2, output_padding=1), (x, wt, b))
    assert gradgradcheck(lambda x, w, b: conv_transpose1d(x, w, b, stride=2, output_padding=1), (x, wt, b))


def test_conv_transpose2d_is_the_adjoint_of_conv2d():
    """<conv2d(x, w), y> = <x, conv_transpose2d(y, w)>: the defining property of the transpose."""
    x, w = _t(2, 3, 7, 6, requires_grad=False), _t(4, 3, 3, 3, seed=1, requires_grad=False)
    y = conv2d(x, w, stride=2, padding=1)
    g = _t(*y.shape, seed=2, requires_grad=False)
    back = conv_transpose2d(g, w, stride=2, padding=1, output_padding=(0, 1))
    assert back.shape == x.shape
    np.testing.assert_allclose((y * g).sum().item(), (x * back).sum().item(), rtol=1e-10)


def test_same_and_valid_padding():
    x = _t(1, 2, 7, 6, requires_grad=False)
    for k, d in ((3, 1), (4, 1), (2, 3)):
        w = _t(3, 2, k, k, seed=k, requires_grad=False)
        assert conv2d(x, w, padding="same", dilation=d).shape == (1, 3, 7, 6)
    w = _t(3, 2, 3, 3, requires_grad=False)
    assert conv2d(x, w, padding="valid").shape == (1, 3, 5, 4)
    # even kernels pad one more at the end, as PyTorch
    w2 = _t(1, 2, 2, 2, requires_grad=False)
    expected = conv2d(autograd.pad(x, (0, 1, 0, 1)), w2)
    np.testing.assert_allclose(conv2d(x, w2, padding="same")._data, expected._data)


def test_float32_stays_float32_and_unbatched_input():
    x, w, b = (_t(*s, dtype=np.float32) for s in ((3, 5, 5), (4, 3, 3, 3), (4,)))
    out = conv2d(x, w, b, padding=1)
    assert out.dtype == np.float32 and out.shape == (4, 5, 5)
    out.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32 and b.grad.dtype == np.float32
    assert conv_transpose2d(out, _t(4, 2, 2, 2, dtype=np.float32), stride=2).dtype == np.float32


def test_one_by_one_convolution_is_a_channel_matmul():
    x, w = _t(2, 3, 4, 5, requires_grad=False), _t(6, 3, 1, 1, requires_grad=False)
    expected = np.einsum("oc,nchw->nohw", w._data[:, :, 0, 0], x._data)
    np.testing.assert_allclose(conv2d(x, w)._data, expected, atol=1e-12)


@pytest.mark.parametrize("call,match", [
    (lambda: conv2d(_t(1, 1, 3, 3), _t(1, 1, 5, 5)), r"output size \(-1, -1\), which is < 1"),
    (lambda: conv2d(_t(1, 3, 5, 5), _t(2, 2, 3, 3)), r"expects input with 2 channels.*\(1, 3, 5, 5\)"),
    (lambda: conv2d(_t(5, 5), _t(2, 2, 3, 3)), r"expected a 4-d input"),
    (lambda: conv2d(_t(1, 4, 5, 5), _t(3, 2, 3, 3), groups=2), r"divisible by groups"),
    (lambda: conv2d(_t(1, 2, 5, 5), _t(2, 2, 3, 3), stride=2, padding="same"), r"'same' is not supported for strided"),
    (lambda: conv2d(_t(1, 2, 5, 5), _t(2, 2, 3, 3), padding="full"), r"'same' or 'valid'"),
    (lambda: conv2d(_t(1, 2, 5, 5, dtype=np.float32), _t(2, 2, 3, 3)), r"same dtype"),
    (lambda: conv2d(_t(1, 2, 5, 5), _t(2, 2, 3, 3), _t(3)), r"bias must have shape \(2,\)"),
    (lambda: conv_transpose2d(_t(1, 2, 3, 3), _t(2, 1, 3, 3), stride=2, output_padding=2), r"output_padding"),
    (lambda: conv_transpose2d(_t(1, 3, 3, 3), _t(2, 1, 3, 3)), r"expects input with 2 channels"),
    (lambda: conv1d(_t(1, 2, 2), _t(1, 2, 3)), r"conv1d: .*which is < 1"),
])
def test_errors_name_the_op_and_the_shapes(call, match):
    with pytest.raises((RuntimeError, ValueError, TypeError), match=match):
        call()


# --------------------------------------------------------------------------- layers
def test_conv2d_layer_parameters_and_init():
    autograd.manual_seed(0)
    layer = Conv2d(4, 6, (3, 2), stride=2, padding=1, groups=2)
    assert [(n, p.shape) for n, p in layer.named_parameters()] == [("weight", (6, 2, 3, 2)), ("bias", (6,))]
    bound = 1 / np.sqrt(2 * 3 * 2)  # 1/√fan_in
    assert np.abs(layer.weight._data).max() <= bound and np.abs(layer.bias._data).max() <= bound
    assert np.abs(layer.weight._data).max() > 0.5 * bound
    assert layer(_t(2, 4, 5, 5, dtype=np.float32)).shape == (2, 6, 3, 3)
    assert Conv2d(1, 1, 3, bias=False).bias is None
    assert "Conv2d(4, 6, kernel_size=(3, 2), stride=(2, 2), padding=(1, 1), groups=2)" == repr(layer)


@pytest.mark.parametrize("make,shape", [
    (lambda: Conv2d(2, 3, 2, padding="same"), (2, 2, 4, 3)),
    (lambda: Conv1d(2, 4, 3, stride=2, groups=2), (2, 2, 7)),
    (lambda: ConvTranspose2d(2, 3, 3, stride=2, padding=1, output_padding=1), (1, 2, 3, 2)),
    (lambda: ConvTranspose1d(2, 2, 2, stride=2), (2, 2, 3))])
def test_conv_layers_pass_gradcheck(make, shape):
    autograd.manual_seed(0)
    layer, x = make().double(), _t(*shape)
    params = list(layer.parameters())
    fn = lambda x, *ps: layer(x)
    assert gradcheck(fn, (x, *params))
    assert gradgradcheck(fn, (x, *params))


def test_conv_transpose2d_layer_shapes_and_output_size():
    layer = ConvTranspose2d(4, 2, 3, stride=2, padding=1)
    assert layer.weight.shape == (4, 2, 3, 3)
    x = _t(1, 4, 5, 5, dtype=np.float32)
    assert layer(x).shape == (1, 2, 9, 9)
    assert layer(x, output_size=(10, 10)).shape == (1, 2, 10, 10)
    with pytest.raises(ValueError, match="not reachable"):
        layer(x, output_size=(12, 12))


def test_derivatives_of_a_convolution_are_convolutions():
    """dx is a transposed convolution, dw a weight correlation, and their derivatives are convolutions again."""
    x, w = _t(1, 2, 5, 5), _t(3, 2, 3, 3, seed=1)
    out = conv2d(x, w, padding=1)
    assert out.grad_fn.name() == "_ConvBackward"
    gx, gw = autograd.grad(out.sum(), (x, w), create_graph=True)
    assert gx.grad_fn.name() == "_ConvTransposeBackward" and gw.grad_fn.name() == "_ConvWeightGradBackward"
    ggx, = autograd.grad((gw * gw).sum(), (x,), create_graph=True)
    assert ggx.grad_fn.name() == "_ConvTransposeBackward"
