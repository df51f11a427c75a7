"""Export rules for the ops of `nn.functional`: linear, convolution (and transposed), max, average and adaptive
average pooling, embedding, the normalisations' bias, nll_loss (and its target check). (Registered by dotted
path, so `autograd` does not import `nn`.)

The rest of the normalisation layers, dropout in eval mode, attention and the recurrent layers are
compositions of ops with rules of their own, so they need none here (activations with ops of their own are in
rules_pointwise.py); recurrent layers loop over
time steps in Python, so they are exported unrolled (a fixed sequence length; the batch may be dynamic).
"""
from __future__ import annotations

import numpy as np

from .registry import register
from .symbolic import SymInt


@register("nn.functional.linear.Linear")
def _linear(g, node):
    """Gemm for a 2-d input (weight used as stored, transB=1); otherwise MatMul by the transpose plus the bias."""
    x, weight, bias = node.args[:3]
    dtype = node.out().dtype
    if len(g.info(x).shape) == 2:
        inputs = [g.value(x), g.value(weight)] + ([g.value(bias)] if bias is not None else [])
        return g.op("Gemm", inputs, transB=1)
    out = g.op("MatMul", [g.value(x), g.op("Transpose", [g.value(weight)], perm=[1, 0])])
    return out if bias is None else g.op("Add", [out, g.operand(bias, dtype)])


def _conv_attributes(g, geo) -> dict:
    padding = g.static(geo.padding, "convolution padding")  # ((before, after), ...): ONNX wants befores, then afters
    return dict(kernel_shape=list(g.static(geo.kernel_size, "kernel size")), strides=list(g.static(geo.stride, "stride")),
                dilations=list(g.static(geo.dilation, "dilation")), group=int(geo.groups),
                pads=[a for a, _ in padding] + [b for _, b in padding])


@register("nn.functional.conv._Conv")
def _conv(g, node):
    x, weight, bias, geo = node.args[:4]
    inputs = [g.value(x), g.value(weight)] + ([g.value(bias)] if bias is not None else [])
    return g.op("Conv", inputs, **_conv_attributes(g, geo))


@register("nn.functional.conv._ConvTranspose")
def _conv_transpose(g, node):
    """ConvTranspose; output_padding is whatever makes ONNX's size formula give the traced size."""
    x, weight, bias, geo = node.args[:4]
    attributes = _conv_attributes(g, geo)
    out_size = g.static(geo.input_size, "the output size of a transposed convolution (dynamic spatial size)")
    in_size = g.static(geo.output_size, "the input size of a transposed convolution (dynamic spatial size)")
    pads, dims = attributes["pads"], len(attributes["kernel_shape"])
    output_padding = [o - ((n - 1) * s - pads[i] - pads[i + dims] + d * (k - 1) + 1)
                      for i, (o, n, s, d, k) in enumerate(zip(out_size, in_size, attributes["strides"],
                                                              attributes["dilations"], attributes["kernel_shape"]))]
    inputs = [g.value(x), g.value(weight)] + ([g.value(bias)] if bias is not None else [])
    return g.op("ConvTranspose", inputs, output_padding=output_padding, **attributes)


@register("nn.functional.pooling._MaxPool")
def _max_pool(g, node):
    """MaxPool (padding never wins, as in the op); ceil_mode's extra end padding is padding here too. The op's
    indices are positions within each spatial plane: ONNX's whole-tensor indices modulo its size (H·W, D·H·W)."""
    x, kernel, stride, padding, dilation, _, extra = node.args[:7]
    padding, extra = g.static(padding, "padding"), g.static(extra, "ceil_mode's extra padding")
    values, indices = g.op("MaxPool", [g.value(x)], outputs=2, kernel_shape=list(g.static(kernel, "kernel size")),
                           strides=list(g.static(stride, "stride")), dilations=list(g.static(dilation, "dilation")),
                           pads=list(padding) + [p + e for p, e in zip(padding, extra)])
    sizes = g.info(x).shape[2:]
    if any(isinstance(n, SymInt) for n in sizes):
        plane = g.sym(sizes[0])
        for n in sizes[1:]:
            plane = g.op("Mul", [plane, g.sym(n)])
    else:
        plane = g.ints([int(np.prod(sizes))])
    return values, g.op("Mod", [indices, plane])


@register("nn.functional.pooling._AvgPool")
def _avg_pool(g, node):
    """The op's window sums (zero padding) times its per-position scale: AveragePool counting the padding gives
    sum/∏kernel, so the scale is applied as scale·∏kernel (skipped where it is 1)."""
    x, geo, scale = node.args[:3]
    kernel, stride, padding, _, extra = geo
    kernel, padding, extra = (g.static(v, "pooling geometry") for v in (kernel, padding, extra))
    window = int(np.prod(kernel))
    out = g.op("AveragePool", [g.value(x)], kernel_shape=list(kernel), strides=list(g.static(stride, "stride")),
               pads=list(padding) + [p + e for p, e in zip(padding, extra)], count_include_pad=1)
    info = g.info(scale)
    dtype = info.dtype
    if info.static:
        factor = info.array * window
        if np.allclose(factor, 1.0, rtol=0, atol=np.finfo(dtype).eps * 4):
            return out
        return g.op("Mul", [out, g.const(factor.astype(dtype))])
    pattern = info.pattern
    if getattr(pattern, "kind", None) == "fill":  # a uniform divisor at every size
        return out if pattern.value * window == 1 else g.op("Mul", [out, g.scalar(pattern.value * window, dtype)])
    g.fail("average pooling whose divisor varies over positions (count_include_pad=False with padding, or ceil_mode) "
           "with a dynamic spatial size is not exported; export with static height and width")


@register("nn.functional.embedding.Embedding")
def _embedding(g, node):
    weight, index = node.args[:2]
    return g.op("Gather", [g.value(weight), g.operand(index, np.int64)], axis=0)


@register("nn.functional.normalization._AddBias")
def _add_bias(g, node):
    """out + bias (the third argument only connects gradients)."""
    out, bias = node.args[:2]
    dtype = node.out().dtype
    return g.op("Add", [g.operand(out, dtype), g.operand(bias, dtype)])


@register("nn.functional.pooling._AdaptiveAvgPool")
def _adaptive_avg_pool(g, node):
    """A_h · x · A_wᵀ with the op's (out, in) averaging matrices of PyTorch's bins (GlobalAveragePool for 1×1
    of a 4-d input); the spatial size must be static, since the bins follow it. 2-d only (not 3-d)."""
    from nn.functional.pooling import _averaging_matrix

    x, size = node.args[:2]
    size = g.static(size, "output size")
    if len(size) != 2:
        g.fail("adaptive average pooling over 3 spatial dims (adaptive_avg_pool3d) to a size other than 1 is not "
               "exported")
    oh, ow = size
    info = g.info(x)
    h, w = g.static(tuple(info.shape[-2:]), "the spatial size of adaptive average pooling")
    oh, ow = int(g.static(oh, "output size")), int(g.static(ow, "output size"))
    name = g.value(x)
    if (oh, ow) == (1, 1) and len(info.shape) == 4 and h and w:
        return g.op("GlobalAveragePool", [name])
    rows = g.const(_averaging_matrix(h, oh, info.dtype))
    cols = g.const(np.ascontiguousarray(_averaging_matrix(w, ow, info.dtype).T))
    return g.op("MatMul", [g.op("MatMul", [rows, name]), cols])


@register("nn.functional.loss.IndexTarget")
def _index_target(g, node):
    """(the targets with ignored ones set to 0, the mask of those not ignored in the loss's dtype). The bounds check
    of the op is not part of the exported graph."""
    target, _, ignore_index, dtype = node.args[:4]
    indices = g.value(target)
    target_dtype = g.info(target).dtype
    keep = g.op("Not", [g.op("Equal", [indices, g.scalar(ignore_index, target_dtype)])])
    return g.op("Where", [keep, indices, g.scalar(0, target_dtype)]), g.cast(keep, bool, node.out(1).dtype)


@register("nn.functional.loss.NllLoss")
def _nll_loss(g, node):
    """−w[t]·x[n, t, ...] (0 where ignored), summed, averaged over the total target weight, or per element."""
    x, target, mask, weight, reduction = node.args[:5]
    dtype = node.out().dtype
    t = g.operand(target, np.int64)
    picked = g.squeeze(g.op("GatherElements", [g.value(x), g.unsqueeze(t, [1])], axis=1), [1])
    target_weight = g.operand(mask, dtype)
    if weight is not None:
        target_weight = g.op("Mul", [g.op("Gather", [g.operand(weight, dtype), t], axis=0), target_weight])
    loss = g.op("Mul", [g.op("Neg", [picked]), target_weight])
    if reduction == "none":
        return loss
    total = g.reduce("ReduceSum", loss, None, False)
    if reduction == "sum":
        return total
    return g.op("Div", [total, g.reduce("ReduceSum", target_weight, None, False)])


@register("nn.functional.max_lp_pooling._AdaptiveArgmax")
def _adaptive_argmax(g, node):
    """The flat H·W index of each bin's maximum: per bin an ArgMax over its window (the first on ties, as the op),
    shifted to the plane's index, all bins concatenated in row order. The spatial size must be static."""
    from nn.functional.max_lp_pooling import _bins

    x, out_size = node.args[:2]
    info = g.info(x)
    if len(info.shape) != 4:
        g.fail("adaptive max pooling is exported for two spatial dimensions (adaptive_max_pool1d/2d) only")
    h, w = g.static(tuple(info.shape[-2:]), "the spatial size of adaptive max pooling")
    oh, ow = (int(s) for s in g.static(tuple(out_size), "output size"))
    name, i64 = g.value(x), np.dtype(np.int64)
    cells = []
    for top, bottom in _bins(h, oh):
        for left, right in _bins(w, ow):
            window = g.op("Reshape", [g.slice(name, [top, left], [bottom, right], [2, 3]), g.ints([0, 0, -1])])
            local = g.op("ArgMax", [window], axis=2, keepdims=1, select_last_index=0)  # (N, C, 1)
            width = g.scalar(right - left, i64)
            row = g.op("Add", [g.op("Div", [local, width]), g.scalar(top, i64)])
            col = g.op("Add", [g.op("Mod", [local, width], fmod=0), g.scalar(left, i64)])
            cells.append(g.op("Add", [g.op("Mul", [row, g.scalar(w, i64)]), col]))
    flat = cells[0] if len(cells) == 1 else g.op("Concat", cells, axis=2)
    return g.op("Reshape", [flat, g.ints([0, 0, oh, ow])])


@register("nn.functional.max_lp_pooling._BinMax")
def _bin_max(g, node):
    """x (N, C, *spatial) read at the flat plane indices (N, C, *out): GatherElements over the flattened planes."""
    x, index = node.args[:2]
    out = [int(s) for s in g.static(tuple(g.info(index).shape[2:]), "output size")]
    flat = g.op("Reshape", [g.value(x), g.ints([0, 0, -1])])
    indices = g.op("Reshape", [g.value(index), g.ints([0, 0, -1])])
    return g.op("Reshape", [g.op("GatherElements", [flat, indices], axis=2), g.ints([0, 0, *out])])
