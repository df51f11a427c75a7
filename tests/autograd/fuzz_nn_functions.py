"""The nn.functional functions the differential fuzz runs against PyTorch (the ops: fuzz_functions.py)."""
from __future__ import annotations

import numpy as np
from fuzz_functions import _keep, _pick, binary, unary
from torch_fuzz import Fn


def _conv_shapes(dims, transposed=False):
    def draw_shapes(draw):
        from hypothesis import strategies as st

        n, c, o = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
        spatial = tuple(draw(st.integers(2, 5)) for _ in range(dims))
        kernel = tuple(draw(st.integers(1, 3)) for _ in range(dims))
        weight = (c, o) + kernel if transposed else (o, c) + kernel
        return [(n, c) + spatial, weight, (o,)]
    return draw_shapes


def _pool_kwargs(dims, maxpool):
    def kwargs(rng, shapes):
        spatial = shapes[0][-dims:]
        k = int(rng.integers(1, min(spatial) + 1))
        out = {"kernel_size": k, "stride": int(rng.integers(1, 3)), "padding": int(rng.integers(0, k // 2 + 1)),
               "ceil_mode": _keep(rng)}
        if maxpool:
            out["dilation"] = int(rng.integers(1, 3))
        else:
            out["count_include_pad"] = _keep(rng)
        return out
    return kwargs


def _pool_shapes(dims):
    def draw_shapes(draw):
        from hypothesis import strategies as st

        lead = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
        return [lead + tuple(draw(st.integers(1, 5)) for _ in range(dims))]
    return draw_shapes


def _class_shapes(draw):
    from hypothesis import strategies as st

    n, c = draw(st.integers(0, 3)), draw(st.integers(1, 4))
    return [(n, c)] if draw(st.booleans()) else [(n, c, draw(st.integers(1, 2)))]


def _index_target(rng, shape, ignore=True):
    target = rng.integers(0, shape[1], (shape[0],) + shape[2:])
    if ignore and target.size and rng.random() < 0.3:
        target[rng.random(target.shape) < 0.5] = -100
    return target


def _class_weight(rng, c):
    w = rng.uniform(0.2, 2.0, c)
    if rng.random() < 0.3:
        w[rng.random(c) < 0.5] = 0.0  # classes of weight 0: a total weight of 0 gives nan, as PyTorch
    return w


def _reduction(rng):
    return _pick(rng, ["mean", "sum", "none"])


def _attention_shapes(draw):
    from hypothesis import strategies as st

    b, lq, s, e = (draw(st.integers(1, 3)) for _ in range(4))
    return [(b, lq, e), (b, s, e), (b, s, e)]


def _attention_kwargs(rng, shapes):
    lq, s = shapes[0][1], shapes[1][1]
    kind = int(rng.integers(0, 4))
    if kind == 1:
        mask = rng.random((lq, s)) < 0.6
        mask[int(rng.integers(0, lq))] = False  # a fully masked row: zeros, as PyTorch
        return {"attn_mask": mask}
    if kind == 2:
        mask = np.where(rng.random((lq, s)) < 0.6, 0.0, -np.inf)
        mask[int(rng.integers(0, lq))] = -np.inf
        return {"attn_mask": mask}
    if kind == 3:
        return {"is_causal": True}
    return {"scale": float(rng.uniform(0.2, 2.0))}


def _linear_shapes(draw):
    from hypothesis import strategies as st

    lead = tuple(draw(st.integers(0, 3)) for _ in range(draw(st.integers(0, 2))))
    i, o = draw(st.integers(0, 3)), draw(st.integers(1, 3))
    return [lead + (i,), (o, i), (o,)]


def _norm_shapes(draw):
    from hypothesis import strategies as st

    n, c = draw(st.integers(1, 3)), 2 * draw(st.integers(1, 2))
    return [(n, c) + tuple(draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2)))), (c,), (c,)]


def _target(kind):
    def kwargs(rng, s):
        return {"target": np.asarray(rng.random(s[0]) < 0.5, dtype=np.float64) if kind == "binary" else
                rng.uniform(0, 1, s[0]), "reduction": _reduction(rng)}
    return kwargs


def _ce_kwargs(rng, s):
    shape = s[0]
    out = {"reduction": _reduction(rng)}
    if rng.random() < 0.25:  # class probabilities
        p = rng.uniform(0, 1, shape)
        p[rng.random(shape) < 0.3] = 0.0
        out["target"] = p / np.maximum(p.sum(1, keepdims=True), 1e-3)
    else:
        out["target"] = _index_target(rng, shape)
        if rng.random() < 0.4:
            out["weight"] = _class_weight(rng, shape[1])
    if rng.random() < 0.3:
        out["label_smoothing"] = float(rng.uniform(0, 0.5))
    return out


def _nll_kwargs(rng, s):
    out = {"target": _index_target(rng, s[0]), "reduction": _reduction(rng)}
    if rng.random() < 0.5:
        out["weight"] = _class_weight(rng, s[0][1])
    return out


NN_FUNCTIONS = [
    *[Fn(f"adaptive_max_pool{d}d", (lambda op: lambda m, x, size: getattr(m.F, op)(x, size))(f"adaptive_max_pool{d}d"),
         ("real",), shapes=_pool_shapes(d),
         kwargs=lambda rng, s: {"size": tuple(int(v) for v in rng.integers(1, 4, len(s[0]) - 2))}) for d in (1, 2, 3)],
    *[Fn(f"adaptive_max_pool{d}d_with_indices",
         (lambda op: lambda m, x: getattr(m.F, op)(x, 2))(f"adaptive_max_pool{d}d_with_indices"), ("real",),
         shapes=_pool_shapes(d)) for d in (1, 2, 3)],
    *[Fn(f"max_pool{d}d_with_indices", (lambda op: lambda m, x, **kw: getattr(m.F, op)(x, **kw))(f"max_pool{d}d_with_indices"),
         ("real",), shapes=_pool_shapes(d), kwargs=_pool_kwargs(d, True)) for d in (1, 2, 3)],
    Fn("max_unpool1d", lambda m, x: m.F.max_unpool1d(*m.F.max_pool1d(x, 2, return_indices=True), 2), ("real",),
       shapes=_pool_shapes(1)),
    *[Fn(f"lp_pool{d}d", (lambda op: lambda m, x, **kw: getattr(m.F, op)(x, 2.0, 2, **kw))(f"lp_pool{d}d"), ("positive",),
         shapes=lambda draw, d=d: [(1, 2) + (4,) * d], rtol=1e-6) for d in (1, 2)],
    Fn("channel_shuffle", lambda m, x: m.F.channel_shuffle(x, 2), ("real",), shapes=lambda draw: [(2, 4, 3)]),
    Fn("local_response_norm", lambda m, x: m.F.local_response_norm(x, 2), ("real",), shapes=lambda draw: [(2, 3, 4)],
       rtol=1e-6),
    Fn("upsample_nearest", lambda m, x: m.F.upsample_nearest(x, scale_factor=2), ("real",),
       shapes=lambda draw: [(1, 2, 3)]),
    Fn("max_unpool2d", lambda m, x: m.F.max_unpool2d(*m.F.max_pool2d(x, 2, return_indices=True), 2), ("real",),
       shapes=_pool_shapes(2)),
    *[Fn(f"dropout{d}d(eval)", (lambda op: lambda m, x: getattr(m.F, op)(x, 0.5, training=False))(f"dropout{d}d"),
         ("real",), min_dims=d + 1, max_dims=d + 2) for d in (1, 2, 3)],

    Fn("linear", lambda m, x, w, b: m.F.linear(x, w, b), ("real", "real", "real"), shapes=_linear_shapes, twice=False),
    Fn("linear(no bias)", lambda m, x, w: m.F.linear(x, w), ("real", "real"), shapes=lambda d: _linear_shapes(d)[:2],
       twice=False),
    Fn("bilinear", lambda m, a, b, w: m.F.bilinear(a, b, w), ("real", "real", "real"),
       shapes=lambda d: [(2, 3), (2, 2), (4, 3, 2)], twice=False),
    *[Fn(f"conv{d}d", (lambda op: lambda m, x, w, b, **kw: getattr(m.F, op)(x, w, b, **kw))(f"conv{d}d"),
         ("real", "real", "real"), shapes=_conv_shapes(d), twice=False, rtol=1e-6,
         kwargs=lambda rng, s: {"stride": int(rng.integers(1, 3)), "padding": int(rng.integers(0, 2)),
                                "dilation": int(rng.integers(1, 3))}) for d in (1, 2, 3)],
    *[Fn(f"conv_transpose{d}d", (lambda op: lambda m, x, w, b, **kw: getattr(m.F, op)(x, w, b, **kw))(f"conv_transpose{d}d"),
         ("real", "real", "real"), shapes=_conv_shapes(d, transposed=True), twice=False, rtol=1e-6,
         kwargs=lambda rng, s: {"stride": int(rng.integers(1, 3)), "padding": 0, "dilation": int(rng.integers(1, 3))})
      for d in (1, 2, 3)],
    *[Fn(f"max_pool{d}d", (lambda op: lambda m, x, **kw: getattr(m.F, op)(x, **kw))(f"max_pool{d}d"), ("real",),
         shapes=_pool_shapes(d), kwargs=_pool_kwargs(d, True)) for d in (1, 2, 3)],
    Fn("max_pool2d(indices)", lambda m, x, **kw: m.F.max_pool2d(x, return_indices=True, **kw), ("real",),
       shapes=_pool_shapes(2), kwargs=_pool_kwargs(2, True)),
    *[Fn(f"avg_pool{d}d", (lambda op: lambda m, x, **kw: getattr(m.F, op)(x, **kw))(f"avg_pool{d}d"), ("real",),
         shapes=_pool_shapes(d), kwargs=_pool_kwargs(d, False)) for d in (1, 2, 3)],
    Fn("adaptive_avg_pool2d", lambda m, x, size: m.F.adaptive_avg_pool2d(x, size), ("real",), shapes=_pool_shapes(2),
       kwargs=lambda rng, s: {"size": (int(rng.integers(1, 4)), int(rng.integers(1, 4)))}),
    Fn("adaptive_avg_pool3d", lambda m, x, size: m.F.adaptive_avg_pool3d(x, size), ("real",), shapes=_pool_shapes(3),
       kwargs=lambda rng, s: {"size": tuple(int(v) for v in rng.integers(1, 4, 3))}),
    Fn("adaptive_avg_pool1d", lambda m, x, size: m.F.adaptive_avg_pool1d(x, size), ("real",), shapes=_pool_shapes(1),
       kwargs=lambda rng, s: {"size": int(rng.integers(1, 4))}),
    # Normalisations: at a constant row (ties make them common here) a second derivative is 0 in exact arithmetic,
    # and each library's rounding (1e-16) is amplified by 1/√eps³ ≈ 3e7; hence atol 1e-7 (a relative 1e-7 elsewhere)
    Fn("batch_norm(train)", lambda m, x, w, b: m.F.batch_norm(x, None, None, w, b, training=True),
       ("real", "real", "real"), shapes=_norm_shapes, twice=False, rtol=1e-6, atol=1e-7),
    Fn("layer_norm", lambda m, x, w, b: m.F.layer_norm(x, (x.shape[-1],), w, b), ("real", "real", "real"),
       shapes=lambda d: (lambda s: [s[0], s[0][-1:], s[0][-1:]])(_norm_shapes(d)), twice=False, rtol=1e-6, atol=1e-7),
    Fn("group_norm", lambda m, x, w, b: m.F.group_norm(x, 2, w, b), ("real", "real", "real"), shapes=_norm_shapes,
       twice=False, rtol=1e-6, atol=1e-7),
    Fn("instance_norm", lambda m, x: m.F.instance_norm(x), ("real",), shapes=lambda d: [(2, 2, 3)], rtol=1e-6,
       atol=1e-7),
    Fn("embedding", lambda m, w, index, padding_idx: m.F.embedding(index, w, padding_idx=padding_idx), ("real",),
       shapes=lambda d: [(4, 3)], kwargs=lambda rng, s: {"index": rng.integers(0, 4, (2, 3)),
                                                         "padding_idx": _pick(rng, [None, 1, -1])}),
    unary("dropout(eval)", lambda m, x: m.F.dropout(x, 0.5, training=False)),
    unary("dropout(p=0)", lambda m, x: m.F.dropout(x, 0.0)),
    unary("alpha_dropout(eval)", lambda m, x: m.F.alpha_dropout(x, 0.5, training=False)),
    binary("mse_loss", lambda m, x, t, **kw: m.F.mse_loss(x, t, **kw), shapes="same",
           kwargs=lambda rng, s: {"reduction": _reduction(rng)}),
    binary("l1_loss", lambda m, x, t, **kw: m.F.l1_loss(x, t, **kw), shapes="same",
           kwargs=lambda rng, s: {"reduction": _reduction(rng)}),
    binary("huber_loss", lambda m, x, t, **kw: m.F.huber_loss(x, t, **kw), shapes="same",
           kwargs=lambda rng, s: {"reduction": _reduction(rng), "delta": _pick(rng, [1.0, 0.5])}),
    binary("smooth_l1_loss", lambda m, x, t, **kw: m.F.smooth_l1_loss(x, t, **kw), shapes="same",
           kwargs=lambda rng, s: {"reduction": _reduction(rng), "beta": _pick(rng, [1.0, 0.5, 0.0])}),
    Fn("binary_cross_entropy", lambda m, x, t, **kw: m.F.binary_cross_entropy(x, t, **kw), ("unit", "unit"),
       kwargs=lambda rng, s: {"reduction": _reduction(rng)}),
    Fn("binary_cross_entropy(weight)", lambda m, x, w, **kw: m.F.binary_cross_entropy(x, **kw, weight=w),
       ("open_unit", "positive"), twice=False, kwargs=_target("binary")),
    Fn("binary_cross_entropy_with_logits", lambda m, x, t, **kw: m.F.binary_cross_entropy_with_logits(x, t, **kw),
       ("real", "unit"), kwargs=lambda rng, s: {"reduction": _reduction(rng)}),
    Fn("binary_cross_entropy_with_logits(pos_weight)",
       lambda m, x, pw, **kw: m.F.binary_cross_entropy_with_logits(x, **kw, pos_weight=pw), ("real", "positive"),
       shapes=lambda d: [(2, 3), (3,)], twice=False, kwargs=_target("probability")),
    Fn("cross_entropy", lambda m, x, **kw: m.F.cross_entropy(x, **kw), ("real",), shapes=_class_shapes,
       kwargs=_ce_kwargs),
    Fn("nll_loss", lambda m, x, **kw: m.F.nll_loss(x, **kw), ("logprob",), shapes=_class_shapes, kwargs=_nll_kwargs),
    Fn("kl_div", lambda m, x, t, **kw: m.F.kl_div(x, t, **kw), ("logprob", "unit"), twice=False,
       kwargs=lambda rng, s: {"reduction": _pick(rng, ["mean", "sum", "none", "batchmean"])}),
    Fn("kl_div(log_target)", lambda m, x, t, **kw: m.F.kl_div(x, t, log_target=True, **kw), ("logprob", "logprob"),
       kwargs=lambda rng, s: {"reduction": _pick(rng, ["sum", "batchmean"])}),
    Fn("scaled_dot_product_attention", lambda m, q, k, v, **kw: m.F.scaled_dot_product_attention(q, k, v, **kw),
       ("real", "real", "real"), shapes=_attention_shapes, kwargs=_attention_kwargs, twice=False, rtol=1e-6),
]
