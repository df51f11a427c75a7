"""Hand-written numpy versions of every workload: forward and backward written out by hand.

These are the limit an engine on numpy can approach: the same arithmetic with no
graph, no wrappers and the buffer reuse a careful person would write. Each builder
takes the shared `setup` (see workloads.py), copies the weights, and returns `step()`.
A training `step()` returns the loss before its SGD update.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _cross_entropy(logits, y):
    """Mean softmax cross-entropy and its gradient with respect to the logits."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    sumexp = exp.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = (np.log(sumexp).sum() - shifted[rows, y].sum()) / n
    grad = exp
    grad /= sumexp
    grad[rows, y] -= 1
    grad /= n
    return float(loss), grad


# --------------------------------------------------------------------------- op_overhead
def build_op_overhead(setup):
    x, mul, add = setup["x"].copy(), setup["mul"], setup["add"]
    kinds = [k % 3 for k in range(setup["n_ops"])]

    def step():
        h, tanh_outputs = x, []
        for kind in kinds:
            if kind == 0:
                h = h * mul
            elif kind == 1:
                h = h + add
            else:
                h = np.tanh(h)
                tanh_outputs.append(h)
        out = h.sum()
        g = np.ones_like(h)
        for kind in reversed(kinds):
            if kind == 0:
                g = g * mul
            elif kind == 2:
                y = tanh_outputs.pop()
                g = g * (1 - y * y)
        return [out, g]

    return step


# --------------------------------------------------------------------------- dense nets
def _dense_step(params, x, y, lr, activation, last_activation):
    """One SGD step of Linear layers with `activation` between them (and after the last if asked)."""
    n_layers = len(params) // 2

    def step():
        inputs, h = [], x
        for i in range(n_layers):
            weight, bias = params[2 * i], params[2 * i + 1]
            inputs.append(h)
            h = h @ weight.T
            h += bias
            if i < n_layers - 1 or last_activation:
                h = np.maximum(h, 0, out=h) if activation == "relu" else np.tanh(h, out=h)
        loss, d = _cross_entropy(h, y)
        if last_activation:  # tanh after the last layer
            d *= 1 - h * h
        for i in reversed(range(n_layers)):
            weight, bias = params[2 * i], params[2 * i + 1]
            a = inputs[i]
            grad_weight = d.T @ a
            grad_bias = d.sum(axis=0)
            if i > 0:
                d = d @ weight
                if activation == "relu":
                    d *= a > 0
                else:
                    d *= 1 - a * a
            grad_weight *= lr
            weight -= grad_weight
            grad_bias *= lr
            bias -= grad_bias
        return loss

    return step


def build_mlp(setup):
    params = [p.copy() for p in setup["params"]]
    return _dense_step(params, setup["x"], setup["y"], setup["lr"], "relu", last_activation=False)


def build_deep_narrow(setup):
    params = [p.copy() for p in setup["params"]]
    return _dense_step(params, setup["x"], setup["y"], setup["lr"], "tanh", last_activation=True)


# --------------------------------------------------------------------------- second order
def build_second_order(setup):
    """Hessian-vector product by the R-operator (Pearlmutter 1994): forward-over-reverse by hand."""
    (w1, b1, w2, b2, w3, b3), x, y = setup["params"], setup["x"], setup["y"]
    v1, vb1, v2, vb2, v3, vb3 = setup["v"]
    n = x.shape[0]
    rows = np.arange(n)

    def step():
        # forward, and its directional derivative R{.} along v
        z1 = x @ w1.T + b1
        m1 = z1 > 0
        a1 = z1 * m1
        rz1 = x @ v1.T + vb1
        ra1 = rz1 * m1
        z2 = a1 @ w2.T + b2
        m2 = z2 > 0
        a2 = z2 * m2
        rz2 = ra1 @ w2.T + a1 @ v2.T + vb2
        ra2 = rz2 * m2
        z3 = a2 @ w3.T + b3
        rz3 = ra2 @ w3.T + a2 @ v3.T + vb3
        exp = np.exp(z3 - z3.max(axis=1, keepdims=True))
        p = exp / exp.sum(axis=1, keepdims=True)
        d3 = p.copy()
        d3[rows, y] -= 1
        d3 /= n
        rd3 = p * (rz3 - (p * rz3).sum(axis=1, keepdims=True)) / n  # softmax Jacobian applied to R{z3}
        # backward, and R{backward}: the Hessian-vector product (ReLU's second derivative is 0)
        hw3 = rd3.T @ a2 + d3.T @ ra2
        hb3 = rd3.sum(axis=0)
        d2 = (d3 @ w3) * m2
        rd2 = (rd3 @ w3 + d3 @ v3) * m2
        hw2 = rd2.T @ a1 + d2.T @ ra1
        hb2 = rd2.sum(axis=0)
        rd1 = (rd2 @ w2 + d2 @ v2) * m1
        hw1 = rd1.T @ x
        hb1 = rd1.sum(axis=0)
        return [hw1, hb1, hw2, hb2, hw3, hb3]

    return step


# --------------------------------------------------------------------------- lenet
def _conv2d(x, weight, bias, pad):
    """Convolution by im2col in NCHW order: (O, C·k·k) weights times (N, C·k·k, Ho·Wo) columns, batched."""
    if pad:
        x = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    n = x.shape[0]
    out_channels, _, k, _ = weight.shape
    windows = sliding_window_view(x, (k, k), axis=(2, 3))  # N, C, Ho, Wo, k, k
    ho, wo = windows.shape[2], windows.shape[3]
    cols = windows.transpose(0, 1, 4, 5, 2, 3).reshape(n, -1, ho * wo)  # copies rows of Wo contiguous pixels
    out = weight.reshape(out_channels, -1) @ cols  # N, O, Ho·Wo: already NCHW, no transpose
    out += bias[:, None]
    return out.reshape(n, out_channels, ho, wo), cols


def _conv2d_backward(d_out, cols, weight, x_shape, pad, need_input_grad):
    n, out_channels, ho, wo = d_out.shape
    d = d_out.reshape(n, out_channels, ho * wo)
    grad_weight = (d @ cols.transpose(0, 2, 1)).sum(axis=0).reshape(weight.shape)
    grad_bias = d.sum(axis=(0, 2))
    if not need_input_grad:
        return grad_weight, grad_bias, None
    _, c, h, w = x_shape
    k = weight.shape[2]
    d_cols = (weight.reshape(out_channels, -1).T @ d).reshape(n, c, k, k, ho, wo)
    d_x = np.zeros((n, c, h + 2 * pad, w + 2 * pad), dtype=d.dtype)
    for i in range(k):  # col2im: add each kernel offset's columns back onto the pixels they came from
        for j in range(k):
            d_x[:, :, i:i + ho, j:j + wo] += d_cols[:, :, i, j]
    return grad_weight, grad_bias, d_x[:, :, pad:pad + h, pad:pad + w] if pad else d_x


def _avg_pool2(x):
    """2×2 average pooling, stride 2, as four strided views (reshape-and-mean is ~15× slower here)."""
    out = x[:, :, 0::2, 0::2] + x[:, :, 1::2, 0::2]
    out += x[:, :, 0::2, 1::2]
    out += x[:, :, 1::2, 1::2]
    out *= 0.25
    return out


def _avg_pool2_backward(d):
    n, c, h, w = d.shape
    out = np.empty((n, c, 2 * h, 2 * w), dtype=d.dtype)
    quarter = d * 0.25
    for i in range(2):
        for j in range(2):
            out[:, :, i::2, j::2] = quarter
    return out


def build_lenet(setup):
    params = [p.copy() for p in setup["params"]]
    x, y, lr = setup["x"], setup["y"], setup["lr"]

    def step():
        cw1, cb1, cw2, cb2, fw1, fb1, fw2, fb2, fw3, fb3 = params
        c1, cols1 = _conv2d(x, cw1, cb1, pad=2)
        r1 = np.maximum(c1, 0)
        p1 = _avg_pool2(r1)
        c2, cols2 = _conv2d(p1, cw2, cb2, pad=0)
        r2 = np.maximum(c2, 0)
        p2 = _avg_pool2(r2)
        f0 = p2.reshape(p2.shape[0], -1)
        f1 = np.maximum(f0 @ fw1.T + fb1, 0)
        f2 = np.maximum(f1 @ fw2.T + fb2, 0)
        logits = f2 @ fw3.T + fb3
        loss, d = _cross_entropy(logits, y)
        g_fw3, g_fb3 = d.T @ f2, d.sum(axis=0)
        d = (d @ fw3) * (f2 > 0)
        g_fw2, g_fb2 = d.T @ f1, d.sum(axis=0)
        d = (d @ fw2) * (f1 > 0)
        g_fw1, g_fb1 = d.T @ f0, d.sum(axis=0)
        d = (d @ fw1).reshape(p2.shape)
        d = _avg_pool2_backward(d) * (r2 > 0)
        g_cw2, g_cb2, d = _conv2d_backward(d, cols2, cw2, p1.shape, 0, need_input_grad=True)
        d = _avg_pool2_backward(d) * (r1 > 0)
        g_cw1, g_cb1, _ = _conv2d_backward(d, cols1, cw1, x.shape, 2, need_input_grad=False)
        grads = (g_cw1, g_cb1, g_cw2, g_cb2, g_fw1, g_fb1, g_fw2, g_fb2, g_fw3, g_fb3)
        for p, g in zip(params, grads):
            g *= lr
            p -= g
        return loss

    return step


# --------------------------------------------------------------------------- scalar_tiny
def build_scalar_tiny(setup):
    """2 → 4 → 1 with tanh, mean squared error, SGD: a dozen tiny arrays, as few numpy calls as can be."""
    w1, b1, w2, b2 = (p.copy() for p in setup["params"])
    x, y, lr = setup["x"], setup["y"], setup["lr"]
    scale = 2.0 / y.size

    def step():
        h = x @ w1.T
        h += b1
        np.tanh(h, out=h)
        out = h @ w2.T
        out += b2
        diff = out - y
        loss = float(np.mean(diff * diff))
        diff *= scale
        grad_w2, grad_b2 = diff.T @ h, diff.sum(axis=0)
        d = diff @ w2
        d *= 1 - h * h
        grad_w1, grad_b1 = d.T @ x, d.sum(axis=0)
        for p, g in ((w1, grad_w1), (b1, grad_b1), (w2, grad_w2), (b2, grad_b2)):
            g *= lr
            p -= g
        return loss

    return step


BUILDERS = {
    "op_overhead": build_op_overhead,
    "mlp_small": build_mlp,
    "mlp_large": build_mlp,
    "lenet": build_lenet,
    "deep_narrow": build_deep_narrow,
    "second_order": build_second_order,
    "scalar_tiny": build_scalar_tiny,
}
