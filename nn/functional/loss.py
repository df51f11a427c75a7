"""Loss functions with PyTorch's names, signatures and `reduction='mean'|'sum'|'none'`.

The regression losses (`mse_loss`, `l1_loss`, `huber_loss`, `smooth_l1_loss`),
`binary_cross_entropy_with_logits` and `kl_div` (via xlogy) are compositions of differentiable
Tensor operations, so their first and second derivatives come from the ops. Three are ops of their
own, whose backward rules (Tensor ops, or an op of PyTorch's backward formula) give PyTorch's first and
second derivatives: `cross_entropy` (a stable log-softmax in numpy; backward "softmax minus the target
distribution"), `nll_loss` (the weighted picks of the targets' log-probabilities) and
`binary_cross_entropy` (whose gradient stays finite at probabilities 0 and 1, as PyTorch's).

Perplexity, the usual language-model metric, is exp of the mean cross-entropy:
`cross_entropy(logits, targets).exp()`.

Arguments that follow PyTorch's deprecated `size_average`/`reduce` are keyword-only here, so a
positional call that would mean something else in PyTorch fails loudly instead; `size_average=` and
`reduce=` themselves are accepted as keywords and translated as PyTorch does (`_reduction.py`).
"""
from __future__ import annotations

import warnings

import numpy as np

from autograd import grad_mode
from autograd.function import Op
from autograd.ops.activation import where
from autograd.ops.arithmetic import xlogy
from autograd.tensor import Tensor

from ._reduction import accepts_legacy_reduction

__all__ = ["binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "huber_loss", "kl_div",
           "l1_loss", "mse_loss", "nll_loss", "smooth_l1_loss"]

_REDUCTIONS = ("mean", "sum", "none")


# --------------------------------------------------------------------------- shared argument handling
def _check_reduction(reduction, op: str, allowed: tuple = _REDUCTIONS) -> None:
    if reduction not in allowed:
        choices = ", ".join(repr(r) for r in allowed)
        raise ValueError(f"{op}: reduction must be one of {choices}; got {reduction!r}")


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def _check_input(input, op: str) -> None:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}: input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: input must be a floating point tensor, got dtype {input.dtype}; convert with .float()")


def _float_target(target, input: Tensor, op: str) -> Tensor:
    """The target as a floating Tensor: arrays/lists take the input's dtype; integer Tensors are refused."""
    if not isinstance(target, Tensor):
        return Tensor._wrap(np.asarray(target, dtype=input.dtype))
    if target.dtype.kind != "f":
        raise TypeError(
            f"{op}: target has dtype {target.dtype} but input has {input.dtype}; this loss compares values, "
            "so the target must be floating point too. Convert it with target.float() (or .to(input.dtype))."
        )
    return target


def _check_same_shape(input: Tensor, target: Tensor, op: str, strict: bool) -> None:
    """PyTorch warns (regression losses) or raises (BCE) when the shapes differ: broadcasting here is usually a bug."""
    if input.shape == target.shape:
        return
    try:
        np.broadcast_shapes(input.shape, target.shape)
    except ValueError:
        raise ValueError(f"{op}: input shape {input.shape} and target shape {target.shape} cannot be broadcast "
                         "together; give the target the input's shape.") from None
    message = (f"{op}: target shape {target.shape} differs from input shape {input.shape}; they will be broadcast, "
               "which is likely to give wrong results (e.g. (N, 1) against (N,) compares every pair). "
               "Make the shapes equal, e.g. input.squeeze(-1) or target.reshape(input.shape).")
    if strict:
        raise ValueError(message)
    warnings.warn(message, UserWarning, stacklevel=3)


def _pointwise_args(input, target, op: str) -> Tensor:
    _check_input(input, op)
    target = _float_target(target, input, op)
    _check_same_shape(input, target, op, strict=False)
    return target


# --------------------------------------------------------------------------- regression
@accepts_legacy_reduction
def mse_loss(input: Tensor, target, *, reduction: str = "mean") -> Tensor:
    """Mean squared error (input − target)²."""
    _check_reduction(reduction, "mse_loss")
    target = _pointwise_args(input, target, "mse_loss")
    diff = input - target
    return _reduce(diff * diff, reduction)


@accepts_legacy_reduction
def l1_loss(input: Tensor, target, *, reduction: str = "mean") -> Tensor:
    """Mean absolute error |input − target| (subgradient 0 where they are equal, as PyTorch)."""
    _check_reduction(reduction, "l1_loss")
    target = _pointwise_args(input, target, "l1_loss")
    return _reduce((input - target).abs(), reduction)


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """½d² where |d| < delta, else delta·(|d| − ½delta): quadratic near 0, linear (robust) beyond."""
    _check_reduction(reduction, "huber_loss")
    if not delta > 0:
        raise ValueError(f"huber_loss: delta must be positive, got {delta}")
    target = _pointwise_args(input, target, "huber_loss")
    diff = input - target
    z = diff.abs()
    return _reduce(where(z < delta, 0.5 * diff * diff, delta * (z - 0.5 * delta)), reduction)


@accepts_legacy_reduction
def smooth_l1_loss(input: Tensor, target, *, reduction: str = "mean", beta: float = 1.0) -> Tensor:
    """½d²/beta where |d| < beta, else |d| − ½beta: Huber loss divided by beta (L1 when beta = 0)."""
    _check_reduction(reduction, "smooth_l1_loss")
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be non-negative, got {beta}")
    target = _pointwise_args(input, target, "smooth_l1_loss")
    diff = input - target
    z = diff.abs()
    if beta == 0:
        return _reduce(z, reduction)
    return _reduce(where(z < beta, 0.5 * diff * diff / beta, z - 0.5 * beta), reduction)


# --------------------------------------------------------------------------- classification over dim 1
def _class_dim_input(input, op: str) -> Tensor:
    """(C,) → (1, C); (N, C, d1, ...) unchanged. Classes are always dim 1, as in PyTorch."""
    _check_input(input, op)
    if input.ndim == 0:
        raise ValueError(f"{op}: input must have a class dimension, shape (C,), (N, C) or (N, C, d1, ...); got a 0-d tensor")
    return input.unsqueeze(0) if input.ndim == 1 else input


def _class_weight(weight, input: Tensor, op: str) -> Tensor | None:
    """The (C,) class weights as a tensor of the input's dtype (PyTorch does not differentiate them)."""
    if weight is None:
        return None
    if isinstance(weight, Tensor) and weight.requires_grad and grad_mode.is_grad_enabled():
        raise NotImplementedError(f"{op}: the derivative with respect to 'weight' is not implemented (as in PyTorch); "
                                  "pass weight.detach()")
    w = weight.detach() if isinstance(weight, Tensor) else Tensor._from_data(np.asarray(weight))
    w = w.to(input.dtype)
    n_classes = input.shape[1]
    if w.shape != (n_classes,):
        raise ValueError(f"{op}: weight must have one entry per class, shape ({n_classes},) for input of shape "
                         f"{input.shape}; got shape {w.shape}")
    return w


def _is_probability_target(input: Tensor, target, op: str) -> bool:
    """Class probabilities when the target has the input's shape; class indices when it lacks dim 1."""
    shape = tuple(np.shape(target._data if isinstance(target, Tensor) else target))
    kind = (target.dtype if isinstance(target, Tensor) else np.asarray(target).dtype).kind
    index_shape = input.shape[:1] + input.shape[2:]
    if shape == input.shape:
        if kind != "f":
            raise TypeError(
                f"{op}: a target of the input's shape {input.shape} is read as class probabilities and must be floating "
                f"point, got dtype {target.dtype}. For one-hot integers use target.float(), or pass class indices "
                "target.argmax(1)."
            )
        return True
    if shape == index_shape:
        if kind not in "iu":
            raise TypeError(
                f"{op}: a target of shape {shape} is read as class indices and must be an integer tensor, got dtype "
                f"{np.dtype(target.dtype if isinstance(target, Tensor) else np.asarray(target).dtype)}. "
                "Convert with target.long()."
            )
        return False
    hint = " (drop the extra dimension with target.squeeze(1))" if shape == index_shape[:1] + (1,) + index_shape[1:] else ""
    raise ValueError(
        f"{op}: input of shape {input.shape} (classes in dim 1) expects a target of shape {index_shape} with class "
        f"indices or {input.shape} with class probabilities; got target of shape {shape}{hint}."
    )


class IndexTarget(Op):
    """Class-index targets, checked: (the indices with ignored ones set to 0, the float mask of those not
    ignored). The bounds check runs here, in an op, so it runs on every call, traced or not."""

    differentiable = False

    @staticmethod
    def forward(ctx, target, n_classes, ignore_index, dtype, op):
        mask = target != ignore_index
        bad = mask & ((target < 0) | (target >= n_classes))
        if bad.any():
            raise IndexError(
                f"{op}: target {int(target[bad].flat[0])} is out of bounds for {n_classes} classes; class indices "
                f"must be in [0, {n_classes - 1}] (or equal ignore_index={ignore_index})."
            )
        return np.where(mask, target, 0), mask.astype(dtype)


def _index_target(input: Tensor, target, ignore_index: int, op: str):
    target = target if isinstance(target, Tensor) else Tensor._from_data(np.asarray(target))
    return IndexTarget.apply(target, input.shape[1], ignore_index, input.dtype, op)


def _per_class(array, ndim: int):
    """A (C,) array or tensor shaped to broadcast along dim 1 of an ndim-dimensional input."""
    return array.reshape((1, -1) + (1,) * (ndim - 2))


class CrossEntropy(Op):
    """Fused log-softmax and negative log-likelihood over dim 1.

    Each element's loss is −Σ_c A_c log p_c, where p = softmax(x) and A is the weighted target
    distribution (one-hot class, label smoothing, class weights, ignored elements zeroed); so the
    gradient with respect to the logits is p·ΣA − A, divided by the mean's denominator.
    Index targets come as (`target` = checked indices, `mask` = not ignored); probability targets
    as `target` of the input's shape and `mask` None.
    """

    @staticmethod
    def forward(ctx, x, target, mask, weight, reduction, label_smoothing):
        n_classes, dtype = x.shape[1], x.dtype
        shifted = x - x.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        log_probs = shifted - np.log(total)
        keep, smooth = 1.0 - label_smoothing, label_smoothing / n_classes
        w = None if weight is None else _per_class(weight, x.ndim)
        if mask is not None:
            target_weight = mask if weight is None else weight[target] * mask
            loss = -keep * target_weight * np.take_along_axis(log_probs, target[:, None], axis=1)[:, 0]
            if label_smoothing:
                loss -= smooth * (log_probs if w is None else log_probs * w).sum(axis=1) * mask
            denominator = target_weight.sum()
        else:
            q = target * keep + smooth if label_smoothing else target
            loss = -((q if w is None else q * w) * log_probs).sum(axis=1)
            denominator = loss.size
        # The mean's gradient scale. PyTorch: ignored targets get a zero gradient, and targets whose total weight
        # is 0 nan (0/0); per target here, without branching on the values (autograd.compile replays it).
        if reduction != "mean":
            scale = None
        elif mask is None:  # class probabilities: 1 / the element count
            scale = np.asarray(1 / denominator if denominator else 0, dtype=dtype)
        else:  # 1 / the total weight (inf when it is 0: nan gradients), 0 for ignored targets; a class axis
            scale = np.expand_dims(np.where(mask != 0, np.divide(1, denominator), 0).astype(dtype), 1)
        ctx.save_for_backward(x, target, mask, weight, exp / total if ctx.recording else None, scale,
                              log_probs if ctx.needs_input_grad[1] else None)
        ctx.reduction, ctx.keep, ctx.smooth = reduction, keep, smooth
        if reduction == "none":
            return loss.astype(dtype, copy=False)
        if reduction == "mean":  # PyTorch: 0/0 = nan (and the smoothing term ±inf: nan in all)
            return np.where(denominator != 0, loss.sum() / denominator, np.nan).astype(dtype)
        return np.asarray(loss.sum(), dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        x, target, mask, weight, probs, scale, log_probs = ctx.saved_tensors
        g = grad.unsqueeze(1) if ctx.reduction == "none" else grad
        if ctx.reduction == "mean":
            g = g * scale
        create_graph = grad_mode.is_grad_enabled()
        if create_graph:  # recorded again, so that double backward reaches the logits
            probs, log_probs = x.softmax(1), x.log_softmax(1)
        if mask is not None:
            a, a_total = TargetDistribution.apply(target, mask, weight, x.shape, ctx.keep, ctx.smooth)
        else:
            q = target * ctx.keep + ctx.smooth if ctx.smooth else target
            a = q if weight is None else q * _per_class(weight, x.ndim)
            a_total = a.sum(1, keepdim=True)
        grad_x = g * (probs * a_total - a) if ctx.needs_input_grad[0] else None
        grad_target = None
        if ctx.needs_input_grad[1]:
            scale_target = -ctx.keep if weight is None else _per_class(weight, x.ndim) * -ctx.keep
            grad_target = g * log_probs * scale_target
        return grad_x, grad_target, None, None, None, None


class TargetDistribution(Op):
    """A, the weighted target distribution of index targets, and its sum over classes (for the gradient)."""

    differentiable = False

    @staticmethod
    def forward(ctx, target, mask, weight, shape, keep, smooth):
        dtype = mask.dtype
        target_weight = mask if weight is None else weight[target] * mask
        a = np.zeros(shape, dtype=dtype, like=mask)  # like=: made by the traced calls too (autograd.compile)
        np.put_along_axis(a, target[:, None], (keep * target_weight)[:, None], axis=1)
        if smooth:
            class_mass = np.ones((1, shape[1]) + (1,) * (len(shape) - 2), dtype) if weight is None else \
                _per_class(weight, len(shape))
            a += smooth * class_mass * mask[:, None]
        return a, a.sum(axis=1, keepdims=True)


@accepts_legacy_reduction
def cross_entropy(input: Tensor, target, weight=None, *, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits `input` (classes in dim 1) and a target, as `torch.nn.functional.cross_entropy`.

    input: (C,), (N, C) or (N, C, d1, ...) raw scores. target: class indices of shape (), (N,) or
    (N, d1, ...) (integers; `ignore_index` marks elements to skip), or class probabilities of the
    input's shape. `weight` (C,) rescales each class; with index targets the mean divides by the sum of
    the weights of the non-ignored targets. `label_smoothing` ε mixes the target with the uniform
    distribution: (1 − ε)·target + ε/C. Perplexity = cross_entropy(...).exp().
    """
    op = "cross_entropy"
    _check_reduction(reduction, op)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{op}: label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    squeeze = isinstance(input, Tensor) and input.ndim == 1
    x = _class_dim_input(input, op)
    if squeeze:
        target = target.unsqueeze(0) if isinstance(target, Tensor) else np.asarray(target)[None]
    w = _class_weight(weight, x, op)
    if _is_probability_target(x, target, op):
        if ignore_index >= 0:
            raise ValueError(f"{op}: ignore_index is not supported for class-probability targets (target shape {x.shape})")
        target, mask = _float_target(target, x, op), None
        if target.dtype != x.dtype:  # PyTorch promotes the two (float32 logits, float64 target: float64)
            from autograd.ops.promotion import promote_types

            common = promote_types(x.dtype, target.dtype)
            x, target = x.to(common), target.to(common)
            w = None if w is None else w.to(common)
    else:
        target, mask = _index_target(x, target, ignore_index, op)
    loss = CrossEntropy.apply(x, target, mask, w, reduction, float(label_smoothing))
    return loss.reshape(()) if squeeze and reduction == "none" else loss


@accepts_legacy_reduction
def nll_loss(input: Tensor, target, weight=None, *, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood −weight[t]·input[n, t] of log-probabilities `input` (classes in dim 1).

    Use after `log_softmax(x, 1)`; `cross_entropy` does both in one stable step. The mean divides
    by the sum of the weights of the non-ignored targets, as PyTorch.
    """
    op = "nll_loss"
    _check_reduction(reduction, op)
    squeeze = isinstance(input, Tensor) and input.ndim == 1
    x = _class_dim_input(input, op)
    if squeeze:
        target = target.unsqueeze(0) if isinstance(target, Tensor) else np.asarray(target)[None]
    w = _class_weight(weight, x, op)
    if _is_probability_target(x, target, op):
        raise TypeError(f"{op}: target must hold class indices of shape {x.shape[:1] + x.shape[2:]}, got the input's "
                        f"shape {x.shape}; for class probabilities use cross_entropy.")
    safe, mask = _index_target(x, target, ignore_index, op)
    loss = NllLoss.apply(x, safe, mask, w, reduction)
    return loss.reshape(()) if reduction == "none" and squeeze else loss


def _nll_parts(target, mask, weight):
    """(the weight of each element's target, 0 where ignored; their total)."""
    target_weight = mask if weight is None else weight[target] * mask
    return target_weight, target_weight.sum()


class NllLoss(Op):
    """−w[t]·x[n, t] per element (0 where ignored), summed or averaged over the total target weight (0/0 = nan
    when it is 0, as PyTorch). Its gradient is NllLossBackward."""

    @staticmethod
    def forward(ctx, x, target, mask, weight, reduction):
        target_weight, total = _nll_parts(target, mask, weight)
        loss = -np.take_along_axis(x, target[:, None], axis=1)[:, 0] * target_weight
        ctx.save_for_backward(x, target, mask, weight)
        ctx.reduction = reduction
        if reduction == "none":
            return loss.astype(x.dtype, copy=False)
        return np.asarray(loss.sum() / total if reduction == "mean" else loss.sum(), dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        x, target, mask, weight = ctx.saved_tensors
        return NllLossBackward.apply(grad, x, target, mask, weight, ctx.reduction), None, None, None, None


class NllLossBackward(Op):
    """PyTorch's nll_loss_backward: −w[t]·g at each target (÷ the total weight for 'mean': nan where targets
    weigh 0 in all), 0 elsewhere and at ignored elements. d/dg is nll_loss again; d/dx = 0."""

    @staticmethod
    def forward(ctx, grad, x, target, mask, weight, reduction):
        target_weight, total = _nll_parts(target, mask, weight)
        g = grad if reduction == "none" else np.broadcast_to(grad / total if reduction == "mean" else grad,
                                                             target.shape)
        out = np.zeros(x.shape, dtype=grad.dtype)
        value = np.where(mask > 0, -target_weight * g, 0).astype(grad.dtype, copy=False)
        np.put_along_axis(out, target[:, None], value[:, None], axis=1)
        ctx.save_for_backward(target, mask, weight)
        ctx.reduction, ctx.x_shape = reduction, x.shape
        return out

    @staticmethod
    def backward(ctx, gg):
        from autograd.creation import zeros

        target, mask, weight = ctx.saved_tensors
        grad_grad = NllLoss.apply(gg, target, mask, weight, ctx.reduction) if ctx.needs_input_grad[0] else None
        grad_x = zeros(ctx.x_shape, dtype=gg.dtype) if ctx.needs_input_grad[1] else None
        return grad_grad, grad_x, None, None, None, None


# --------------------------------------------------------------------------- binary cross-entropy and KL divergence
# PyTorch's constants: the forward's log clamp, and the eps of binary_cross_entropy_backward, which is a
# float (1e-12 rounded to float32) there, while its double backward uses the double 1e-12.
_LOG_FLOOR = -100.0
_EPS_BACKWARD = float(np.float32(1e-12))
_EPS_DOUBLE_BACKWARD = 1e-12


class BinaryCrossEntropy(Op):
    """(t − 1)·max(log(1 − x), −100) − t·max(log x, −100), as PyTorch. The x-gradient is
    BinaryCrossEntropyBackward; the t-gradient is g·(log(1 − x) − log x), unclamped (±inf at x = 0, 1)."""

    @staticmethod
    def forward(ctx, x, t):
        if x.size and not ((x >= 0) & (x <= 1)).all():  # checked in the op, so on every call
            raise ValueError(
                f"binary_cross_entropy: all elements of input should be between 0 and 1 (got values in "
                f"[{np.nanmin(x):.4g}, {np.nanmax(x):.4g}]); apply sigmoid first, or use "
                "binary_cross_entropy_with_logits on raw scores."
            )
        ctx.save_for_backward(x, t)
        return (t - 1) * np.maximum(np.log1p(-x), _LOG_FLOOR) - t * np.maximum(np.log(x), _LOG_FLOOR)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        grad_x = BinaryCrossEntropyBackward.apply(grad, x, t) if ctx.needs_input_grad[0] else None
        grad_t = grad * ((-x).log1p() - x.log()) if ctx.needs_input_grad[1] else None
        return grad_x, grad_t


class BinaryCrossEntropyBackward(Op):
    """g·(x − t) / max(x(1 − x), eps): finite at x = 0 and 1 (PyTorch's binary_cross_entropy_backward). Its
    own derivatives are PyTorch's double-backward formulas, which put eps beside x and 1 − x instead."""

    @staticmethod
    def forward(ctx, grad, x, t):
        ctx.save_for_backward(grad, x, t)
        return grad * (x - t) / np.maximum((1 - x) * x, _EPS_BACKWARD)

    @staticmethod
    def backward(ctx, gg):
        grad, x, t = ctx.saved_tensors
        eps = _EPS_DOUBLE_BACKWARD
        need_grad, need_x, need_t = ctx.needs_input_grad
        grad_grad = gg * (x - t) / ((x + eps) * (1 - x + eps)) if need_grad else None
        grad_x = None
        if need_x:
            grad_x = (x * x - x * t * 2 + t) / ((x + eps).pow(2) * (1 - x + eps).pow(2)) * (gg * grad)
        grad_t = -gg * grad / ((1 - x) * x).clamp_min(eps) if need_t else None
        return grad_grad, grad_x, grad_t


@accepts_legacy_reduction
def binary_cross_entropy(input: Tensor, target, weight=None, *, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy of probabilities `input` in [0, 1] against `target` of the same shape.

    `weight` rescales each element (broadcast against the input). For raw scores use
    `binary_cross_entropy_with_logits`, which is stable.
    """
    op = "binary_cross_entropy"
    _check_reduction(reduction, op)
    _check_input(input, op)
    target = _float_target(target, input, op)
    _check_same_shape(input, target, op, strict=True)
    loss = BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * _constant_weight(weight, input, op, "weight")
    return _reduce(loss, reduction)


@accepts_legacy_reduction
def binary_cross_entropy_with_logits(input: Tensor, target, weight=None, *, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """Sigmoid and binary cross-entropy in one stable step, for raw scores `input`.

    loss = (1 − t)·x − (1 + (pos_weight − 1)·t)·log σ(x), with log σ computed without overflow,
    so |x| = 1e4 is fine. `pos_weight` (broadcast along the last dim, one per class) weighs the
    positive term; `weight` rescales each element.
    """
    op = "binary_cross_entropy_with_logits"
    _check_reduction(reduction, op)
    _check_input(input, op)
    target = _float_target(target, input, op)
    _check_same_shape(input, target, op, strict=True)
    log_sigmoid = input.logsigmoid()
    if pos_weight is None:
        loss = (1 - target) * input - log_sigmoid
    else:
        log_weight = 1 + (_constant_weight(pos_weight, input, op, "pos_weight") - 1) * target
        loss = (1 - target) * input - log_weight * log_sigmoid
    if weight is not None:
        loss = loss * _constant_weight(weight, input, op, "weight")
    return _reduce(loss, reduction)


def _constant_weight(weight, input: Tensor, op: str, name: str) -> Tensor:
    """A weight PyTorch does not differentiate: one that requires grad is refused (as PyTorch), not ignored."""
    if isinstance(weight, Tensor) and weight.requires_grad and grad_mode.is_grad_enabled():
        raise RuntimeError(f"{op}: the function is not differentiable with respect to {name!r} (as in PyTorch); "
                           f"pass {name}.detach()")
    return _float_target(weight, input, op)


@accepts_legacy_reduction
def kl_div(input: Tensor, target, *, reduction: str = "mean", log_target: bool = False) -> Tensor:
    """Kullback–Leibler divergence Σ target·(log target − input), with `input` given as log-probabilities.

    As PyTorch: xlogy(t, t) − t·input, so 0·log 0 = 0 (the target's gradient there is 0/0 = nan, as PyTorch's);
    `log_target=True` takes the target as log-probabilities too.
    `reduction='batchmean'` (sum / batch size) is the true KL divergence per sample; 'mean'
    divides by the number of elements (batch × classes) and is kept only as PyTorch's default.
    """
    op = "kl_div"
    _check_reduction(reduction, op, _REDUCTIONS + ("batchmean",))
    _check_input(input, op)
    target = _float_target(target, input, op)
    _check_same_shape(input, target, op, strict=False)
    if log_target:
        loss = target.exp() * (target - input)
    else:  # PyTorch's formula: xlogy makes 0·log 0 = 0 (and its target-derivative there 0/0 = nan, as PyTorch)
        loss = xlogy(target, target) - target * input
    if reduction == "batchmean":
        return loss.sum() / input.shape[0] if input.ndim else loss.sum()
    return _reduce(loss, reduction)
