"""Connectionist temporal classification loss, as torch.nn.functional.ctc_loss.

The loss of one sequence is −log p(target | input), summed over every alignment of the target to the
input frames (labels in order, each repeated, with `blank` between and around them; a repeated label
needs a blank between its copies). It is computed by the alpha (forward) recursion in log space over
the extended label sequence l' = (blank, l1, blank, l2, ..., blank), vectorised over the batch and l'
with a loop over time only; the backward runs the beta recursion the same way.

The gradient is PyTorch's (its CPU kernel): grad[t, n, c] = exp(lp[t, n, c]) − exp(log Σ_{s: l'_s = c}
α_t(s)β_t(s) + nll_n − lp[t, n, c]), times the incoming gradient, and 0 from each input length on. That is
the gradient of the loss through a log_softmax (PyTorch assumes log_probs come from one): −γ, the label
occupancy, is the gradient with respect to log_probs themselves, and exp(lp) is log_softmax's correction,
which log_softmax's backward then cancels. Finite differences on log_probs taken directly therefore do
not match it; through `log_softmax` they do. Double backward is not implemented (nor in PyTorch).
"""
from __future__ import annotations

import numpy as np

from autograd.function import Op
from autograd.tensor import Tensor

from .loss import _check_reduction

__all__ = ["ctc_loss"]


def _lengths(values, name: str) -> np.ndarray:
    values = np.asarray(values)
    if values.dtype.kind not in "iub":
        if values.dtype.kind == "f" and np.all(values == np.round(values)):
            values = values.astype(np.int64)
        else:
            raise TypeError(f"ctc_loss: {name} must hold integers, got dtype {values.dtype}")
    return values.astype(np.int64).reshape(-1)


class CtcLoss(Op):
    """The negative log-likelihood of each target, (N,), by the alpha recursion; PyTorch's checks of lengths."""

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
        T, N, C = log_probs.shape
        dtype = log_probs.dtype
        il, tl = _lengths(input_lengths, "input_lengths"), _lengths(target_lengths, "target_lengths")
        if il.size != N:
            raise RuntimeError(f"ctc_loss: input_lengths must be of size batch_size {N}, got {il.size}")
        if tl.size != N:
            raise RuntimeError(f"ctc_loss: target_lengths must be of size batch_size {N}, got {tl.size}")
        if (il < 0).any():
            raise RuntimeError(f"ctc_loss: expected input_lengths to have value at least 0, got {int(il.min())}")
        if (il > T).any():
            raise RuntimeError(f"ctc_loss: expected input_lengths to have value at most {T} (the input length of "
                               f"log_probs), got {int(il.max())}")
        if (tl < 0).any():
            raise RuntimeError(f"ctc_loss: expected target_lengths to have value at least 0, got {int(tl.min())}")
        targets = np.asarray(targets)
        if targets.dtype.kind not in "iuf":
            raise TypeError(f"ctc_loss: targets must hold integer labels, got dtype {targets.dtype}")
        targets = targets.astype(np.int64)
        S = int(tl.max()) if N else 0
        padded = np.zeros((N, S), dtype=np.int64)
        if targets.ndim == 1:  # concatenated targets
            if targets.shape[0] != tl.sum():
                raise RuntimeError(f"ctc_loss: 1-d (concatenated) targets must have size sum(target_lengths) = "
                                   f"{int(tl.sum())}, got {targets.shape[0]}")
            starts = np.concatenate([[0], np.cumsum(tl)[:-1]]).astype(np.int64)
        elif targets.ndim == 2:
            if targets.shape[0] != N:
                raise RuntimeError(f"ctc_loss: padded targets must have shape (batch_size, S) with batch_size {N}, "
                                   f"got {tuple(targets.shape)}")
            if targets.shape[1] < S:
                raise RuntimeError(f"ctc_loss: padded targets of shape {tuple(targets.shape)} are shorter than the "
                                   f"largest target_lengths {S}")
            starts = None
        else:
            raise RuntimeError(f"ctc_loss: targets must be 1-d (concatenated) or 2-d (batch_size, S), got "
                               f"{targets.ndim}-d")
        valid = np.arange(S)[None, :] < tl[:, None]  # (N, S)
        if S:
            flat = np.take(targets, starts[:, None] + np.arange(S), mode="clip") \
                if starts is not None else targets[:, :S]
            padded = np.where(valid, flat, blank)
            labels = padded[valid]
            if ((labels < 0) | (labels >= C)).any():
                bad = labels[(labels < 0) | (labels >= C)][0]
                raise IndexError(f"ctc_loss: targets hold label {int(bad)}, out of range for {C} classes "
                                 f"(log_probs.shape[-1])")
            if (labels == blank).any():
                raise ValueError(f"ctc_loss: targets must not contain the blank label {blank} (within "
                                 "target_lengths; padding beyond them may be anything)")
        L = 2 * S + 1
        ext = np.full((N, L), blank, dtype=np.int64)  # l': blank, l1, blank, l2, ..., blank
        ext[:, 1::2] = padded
        in_seq = np.arange(L)[None, :] < (2 * tl + 1)[:, None]  # (N, L)
        skip = np.zeros((N, L), dtype=bool)  # alpha may come from s − 2: a label differing from the one before
        skip[:, 2:] = (ext[:, 2:] != blank) & (ext[:, 2:] != ext[:, :-2])
        neg_inf = np.array(-np.inf, dtype=dtype)
        batch = np.arange(N)[:, None]
        emit = log_probs[:, batch, ext] if T else np.zeros((0, N, L), dtype)  # (T, N, L): lp[t, n, l'_s]
        log_alpha = np.full((T, N, L), neg_inf, dtype=dtype)
        if T:
            start = np.where(np.arange(L)[None, :] < np.minimum(2, 2 * tl + 1)[:, None], emit[0], neg_inf)
            log_alpha[0] = start
        for t in range(1, T):
            prev = log_alpha[t - 1]
            shifted = np.concatenate([np.full((N, 2), neg_inf), prev], axis=1)  # (N, L + 2): s − 1, s − 2 at s
            one, two = shifted[:, 1:L + 1], shifted[:, :L]
            total = np.logaddexp(np.logaddexp(prev, one), np.where(skip, two, neg_inf))
            log_alpha[t] = np.where(in_seq, total + emit[t], neg_inf)
        last = np.maximum(il - 1, 0)
        final = log_alpha[last, np.arange(N)] if T else np.full((N, L), neg_inf, dtype)  # (N, L) at il − 1
        l1 = final[np.arange(N), 2 * tl]
        l2 = np.where(tl > 0, final[np.arange(N), np.maximum(2 * tl - 1, 0)], neg_inf)
        nll = (-np.logaddexp(l1, l2)).astype(dtype)
        ctx.save_for_backward(log_probs, log_alpha, ext, skip, in_seq, il, tl, nll)  # inf kept: backward zeroes it
        ctx.zero_infinity = zero_infinity
        return np.where(np.isinf(nll), np.zeros((), dtype), nll) if zero_infinity else nll

    @staticmethod
    def backward(ctx, grad):
        log_probs, log_alpha, ext, skip, in_seq, il, tl, nll = ctx.saved_tensors
        return (CtcLossBackward.apply(grad, log_probs, log_alpha, ext, skip, in_seq, il, tl, nll, ctx.zero_infinity),
                None, None, None, None, None)


class CtcLossBackward(Op):
    """PyTorch's ctc_loss gradient (see the module docstring) by the beta recursion. Not differentiable again."""

    @staticmethod
    def forward(ctx, grad, log_probs, log_alpha, ext, skip, in_seq, il, tl, nll, zero_infinity):
        T, N, C = log_probs.shape
        dtype = log_probs.dtype
        L = ext.shape[1]
        neg_inf = np.array(-np.inf, dtype=dtype)
        batch = np.arange(N)[:, None]
        emit = log_probs[:, batch, ext]
        skip_next = np.zeros((N, L), dtype=bool)  # beta may come from s + 2: the label there differs from s's
        skip_next[:, :-2] = skip[:, 2:]
        ends = (np.arange(L)[None, :] == 2 * tl[:, None]) | \
               ((np.arange(L)[None, :] == 2 * tl[:, None] - 1) & (tl[:, None] > 0))
        log_beta = np.full((T, N, L), neg_inf, dtype=dtype)
        for t in range(T - 1, -1, -1):
            nxt = log_beta[t + 1] if t + 1 < T else np.full((N, L), neg_inf, dtype)
            shifted = np.concatenate([nxt, np.full((N, 2), neg_inf)], axis=1)  # (N, L + 2): s + 1, s + 2 at s
            one, two = shifted[:, 1:L + 1], shifted[:, 2:]
            total = np.logaddexp(np.logaddexp(nxt, one), np.where(skip_next, two, neg_inf)) + emit[t]
            init = np.where(ends, emit[t], neg_inf)
            at_last = (t == il - 1)[:, None]
            inside = (t < il - 1)[:, None]
            log_beta[t] = np.where(in_seq & at_last, init, np.where(in_seq & inside, total, neg_inf))
        ab = log_alpha + log_beta  # (T, N, L)
        peak = ab.max(axis=2, keepdims=True) if L else np.zeros((T, N, 1), dtype)
        peak = np.where(np.isneginf(peak), 0, peak)
        onehot = (ext[:, :, None] == np.arange(C)[None, None, :]).astype(dtype)  # (N, L, C)
        with np.errstate(divide="ignore"):
            res = np.log(np.einsum("tnl,nlc->tnc", np.exp(ab - peak), onehot)) + peak  # log Σ_{l'_s = c} αβ
        out = (np.exp(log_probs) - np.exp(res + nll[None, :, None] - log_probs)) * grad.reshape(1, -1, 1)
        keep = np.arange(T)[:, None] < il[None, :]  # (T, N): zero from each input length on
        if zero_infinity:
            keep = keep & ~np.isinf(nll)[None, :]  # the loss is 0 there, and so is its gradient
        return np.where(keep[:, :, None], out, np.zeros((), dtype)).astype(dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("ctc_loss: double backward (the derivative of ctc_loss's gradient) is not implemented, "
                           "as in PyTorch; ctc_loss is once differentiable")


def ctc_loss(log_probs: Tensor, targets, input_lengths, target_lengths, blank: int = 0, reduction: str = "mean",
             zero_infinity: bool = False) -> Tensor:
    """The CTC loss of log-probabilities `log_probs` (T, N, C) or unbatched (T, C) (from log_softmax over C).

    targets: (N, S) padded (entries beyond each target length are ignored) or 1-d concatenated of size
    sum(target_lengths); labels in [0, C) other than `blank`. input_lengths, target_lengths: (N,) tensors or
    tuples/lists of ints (for unbatched input, 0-d tensors, ints or one-element lists). reduction 'none' gives
    the (N,) losses, 'sum' their sum, 'mean' the batch mean of each loss divided by its target length (at
    least 1). zero_infinity replaces infinite losses (no alignment possible, e.g. a target too long for its
    input) and their gradients by 0. The gradient is PyTorch's (module docstring); double backward raises.
    """
    op = "ctc_loss"
    _check_reduction(reduction, op)
    if not isinstance(log_probs, Tensor):
        raise TypeError(f"{op}: log_probs must be a Tensor, got {type(log_probs).__name__}")
    if log_probs.dtype.kind != "f":
        raise TypeError(f"{op}: log_probs must be a floating point tensor, got dtype {log_probs.dtype}")
    if log_probs.ndim not in (2, 3):
        raise RuntimeError(f"{op}: log_probs must have shape (T, N, C) or unbatched (T, C), got shape "
                           f"{tuple(log_probs.shape)}")
    n_classes = log_probs.shape[-1]
    if not 0 <= blank < n_classes:
        raise RuntimeError(f"{op}: blank must be in label range [0, {n_classes}), got {blank}")
    unbatched = log_probs.ndim == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        if isinstance(targets, Tensor):
            if targets.ndim != 1:
                raise RuntimeError(f"{op}: unbatched log_probs (T, C) take 1-d targets, got shape {tuple(targets.shape)}")
            targets = targets.unsqueeze(0)
        else:
            targets = [list(targets)]
    for name, value in (("input_lengths", input_lengths), ("target_lengths", target_lengths)):
        if not isinstance(value, (Tensor, tuple, list, int, np.integer, np.ndarray)):
            raise TypeError(f"{op}: {name} must be a tensor or a tuple/list of ints, got {type(value).__name__}")
    nll = CtcLoss.apply(log_probs, targets, input_lengths, target_lengths, int(blank), bool(zero_infinity))
    if reduction == "none":
        return nll.squeeze(0) if unbatched else nll
    if reduction == "sum":
        return nll.sum()
    lengths = target_lengths if isinstance(target_lengths, Tensor) else Tensor._from_data(np.asarray(target_lengths))
    lengths = lengths.reshape(-1).clamp_min(1).to(log_probs.dtype)
    return (nll / lengths).mean()
