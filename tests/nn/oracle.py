"""Shared checks for nn functions against PyTorch and finite differences (imported by tests/nn/test_*.py).

`check_function(ours, theirs, arrays)` runs the same float64 inputs through our function and
PyTorch's and compares the values, the first derivatives (a vector-Jacobian product with a random
cotangent) and the second derivatives (the derivative of that product, with a second random
cotangent, through `create_graph=True`). `check_derivatives` is gradcheck + gradgradcheck.
"""
from __future__ import annotations

import numpy as np

import autograd as ag


def _tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _ours(arrays, requires_grad):
    return [ag.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad) for a in arrays]


def check_function(ours, theirs, arrays, *, rtol=1e-10, atol=1e-12, second_order=True, seed=0, grad_rtol=None,
                   grad_atol=None):
    """Values, first and second derivatives of ours(*tensors) and theirs(*torch tensors) agree (float64).

    Derivative tolerances default to the value tolerances; sums taken in a different order (gradients
    of gathers, where several outputs feed one input) need grad_rtol/grad_atol of a few ulps.
    """
    import torch

    rng = np.random.default_rng(seed)
    grad_rtol = rtol if grad_rtol is None else grad_rtol
    grad_atol = atol if grad_atol is None else grad_atol
    xs = _ours(arrays, True)
    txs = [torch.tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    outs, touts = _tuple(ours(*xs)), _tuple(theirs(*txs))
    assert len(outs) == len(touts)
    for o, t in zip(outs, touts):
        assert tuple(o.shape) == tuple(t.shape), (o.shape, t.shape)
        np.testing.assert_allclose(o.numpy() if not o.requires_grad else o.detach().numpy(), t.detach().numpy(),
                                   rtol=rtol, atol=atol, err_msg="values differ")
    pairs = [(o, t) for o, t in zip(outs, touts) if o.requires_grad and t.requires_grad]
    if not pairs:
        return
    cotangents = [rng.standard_normal(o.shape) for o, _ in pairs]
    grads = ag.grad([o for o, _ in pairs], xs, [ag.tensor(c) for c in cotangents], create_graph=second_order,
                    allow_unused=True)
    tgrads = torch.autograd.grad([t for _, t in pairs], txs, [torch.tensor(c) for c in cotangents],
                                 create_graph=second_order, allow_unused=True)
    for i, (g, tg) in enumerate(zip(grads, tgrads)):
        if tg is None:
            assert g is None or np.all(g.detach().numpy() == 0), f"input {i}: torch has no gradient, ours does"
            continue
        if g is None:  # not connected here; PyTorch's may be connected but zero (e.g. through a rounding)
            assert np.all(tg.detach().numpy() == 0), f"input {i}: ours has no gradient, torch has a non-zero one"
            continue
        np.testing.assert_allclose(g.detach().numpy(), tg.detach().numpy(), rtol=grad_rtol, atol=grad_atol,
                                   err_msg=f"first derivative w.r.t. input {i} differs")
    if not second_order:
        return
    live = [(g, tg) for g, tg in zip(grads, tgrads) if g is not None and tg is not None and g.requires_grad
            and tg.requires_grad]
    if not live:
        return
    second = [rng.standard_normal(g.shape) for g, _ in live]
    g2 = ag.grad([g for g, _ in live], xs, [ag.tensor(c) for c in second], allow_unused=True)
    tg2 = torch.autograd.grad([t for _, t in live], txs, [torch.tensor(c) for c in second], allow_unused=True)
    for i, (g, tg) in enumerate(zip(g2, tg2)):
        ours_value = np.zeros(np.shape(arrays[i])) if g is None else g.numpy()
        theirs_value = np.zeros(np.shape(arrays[i])) if tg is None else tg.numpy()
        np.testing.assert_allclose(ours_value, theirs_value, rtol=grad_rtol, atol=max(grad_atol, 1e-10),
                                   err_msg=f"second derivative w.r.t. input {i} differs")


def check_derivatives(fn, arrays, second_order=True, **kwargs):
    """gradcheck (and gradgradcheck) of fn on float64 copies of `arrays`."""
    xs = tuple(_ours(arrays, True))
    assert ag.gradcheck(fn, xs, **kwargs)
    if second_order:
        assert ag.gradgradcheck(fn, xs, **kwargs)
