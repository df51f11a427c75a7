"""Random sampling with tensor parameters: normal, bernoulli, poisson, multinomial, and the in-place
fills bernoulli_, random_ and exponential_.

Each draw is an op (its forward reads the parameters and draws from the shared generator, or
`generator=`), so a traced program draws afresh at each replay. None is differentiable here.
PyTorch records normal and bernoulli but gives their parameters a zero gradient (not the
reparameterised one); here the result does not require grad at all, so a loss that depends on
the draw alone has nothing to differentiate (use mean + std * randn_like(std) for gradients).
The streams are numpy's, so a seed gives reproducible numbers, not PyTorch's numbers.
"""
from __future__ import annotations

import numbers

import numpy as np

from ..function import Op
from ..random import check_generator, default_generator
from ..tensor import Tensor, _as_dtype, get_default_dtype
from ._util import size_args, tensor_method, tensor_methods


def _generator(generator):
    return default_generator() if generator is None else generator


class Normal(Op):
    """Samples of N(mean, std²) broadcast over `shape`; mean and std arrays or numbers. No gradient."""

    draws_random = True

    differentiable = False

    @staticmethod
    def forward(ctx, mean, std, shape, dtype, generator):
        if np.any(np.asarray(std) < 0):
            raise RuntimeError(f"normal expects std >= 0.0, but found std {np.min(std)}")
        return _generator(generator).normal(mean, std, size=shape).astype(dtype, copy=False)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, out=None, dtype=None, layout=None, device=None,
           requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """Samples of N(mean, std²), with PyTorch's overloads: tensor mean and/or std (the result has their
    broadcast shape, and the dtype of the tensor mean, else of std), or numbers with `size`."""
    from ..devices import check_options

    check_options("normal", device=device, layout=layout, pin_memory=pin_memory, out=out)
    check_generator("normal", generator)
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if tensors:
        if size is not None:
            raise TypeError("normal: size= goes with number mean and std; with a tensor, the shape is its own")
        for t in tensors:
            if t.dtype.kind != "f":
                raise RuntimeError(f"normal: expected floating point mean and std, got dtype {t.dtype}")
        from ._util import check_broadcast

        shape = check_broadcast("normal", *(t.shape for t in tensors))
        dtype = tensors[0].dtype
        out = Normal.apply(mean, std, shape, dtype, generator)
    else:
        if size is None:
            raise TypeError("normal(mean, std) with numbers needs size=, e.g. normal(0.0, 1.0, size=(2, 3))")
        for name, value in (("mean", mean), ("std", std)):
            if not isinstance(value, numbers.Real):
                raise TypeError(f"normal: {name} must be a number or a tensor, got {type(value).__name__}")
        dtype = _as_dtype(dtype) or get_default_dtype()
        if dtype.kind != "f":
            raise TypeError(f"normal: expected a floating point dtype, got {dtype}")
        out = Normal.apply(float(mean), float(std), size_args((size,), "normal"), dtype, generator)
    if requires_grad:
        out.requires_grad_()
    return out


class Bernoulli(Op):
    """1 with probability p, else 0, in the given dtype and shape (p an array or a number). No gradient."""

    draws_random = True

    differentiable = False

    @staticmethod
    def forward(ctx, p, shape, dtype, generator):
        p = np.asarray(p)
        if p.size and not (np.all(p >= 0) and np.all(p <= 1)):
            raise RuntimeError("bernoulli: expected all probabilities p to be in [0, 1]")
        return (_generator(generator).random(shape) < p).astype(dtype)


@tensor_method
def bernoulli(input, p=None, *, generator=None) -> Tensor:
    """Draws of 0/1 with probability `input` (or the number `p`), in the input's shape and dtype."""
    check_generator("bernoulli", generator)
    if input.dtype.kind != "f":
        raise RuntimeError(f"bernoulli: expected a floating point tensor, got dtype {input.dtype}")
    return Bernoulli.apply(input if p is None else float(p), input.shape, input.dtype, generator)


class Poisson(Op):
    """Poisson samples with rates `rate` (same shape and dtype). No gradient."""

    draws_random = True

    differentiable = False

    @staticmethod
    def forward(ctx, rate, generator):
        if np.any(rate < 0):
            raise RuntimeError("poisson: rates must be non-negative")
        return _generator(generator).poisson(rate).astype(rate.dtype)


def poisson(input, generator=None) -> Tensor:
    """Poisson samples with the rates in `input`."""
    check_generator("poisson", generator)
    return Poisson.apply(input, generator)


class Multinomial(Op):
    """`num_samples` category indices per row, drawn with weights `probs` (rows need not sum to 1).

    With replacement: inverse-CDF sampling. Without: the exponential-race form of sampling without
    replacement that PyTorch uses (the largest p / E, E ~ Exp(1)), so zero-weight categories come last.
    """

    draws_random = True

    differentiable = False

    @staticmethod
    def forward(ctx, probs, num_samples, replacement, generator):
        if not np.all(np.isfinite(probs)) or np.any(probs < 0):
            raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
        rows = probs.reshape(-1, probs.shape[-1]).astype(np.float64)
        totals = rows.sum(axis=1)
        if np.any(totals <= 0):
            raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0)")
        rng = _generator(generator)
        if replacement:
            cdf = np.cumsum(rows, axis=1) / totals[:, None]
            uniform = rng.random((rows.shape[0], num_samples))
            picked = np.stack([np.searchsorted(c, u, side="right") for c, u in zip(cdf, uniform)])
            picked = np.minimum(picked, rows.shape[1] - 1)
        else:
            with np.errstate(divide="ignore"):
                keys = rows / rng.exponential(size=rows.shape)
            picked = np.argsort(-keys, axis=1, kind="stable")[:, :num_samples]
        return picked.reshape(probs.shape[:-1] + (num_samples,)).astype(np.int64)


@tensor_method
def multinomial(input, num_samples: int, replacement: bool = False, *, generator=None, out=None) -> Tensor:
    """Category indices drawn from the weights in each row of `input` (1-d or 2-d), int64, as `torch.multinomial`."""
    from ..devices import check_options

    check_options("multinomial", out=out)
    check_generator("multinomial", generator)
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got shape {input.shape}")
    if input.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got {input.dtype}")
    if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)):
        raise TypeError(f"multinomial: num_samples must be an int, got {num_samples!r}")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (got {num_samples})")
    if not replacement and num_samples > input.shape[-1]:
        raise RuntimeError(f"multinomial: cannot sample n_sample ({num_samples}) > prob_dist.size(-1) "
                           f"({input.shape[-1]}) samples without replacement")
    return Multinomial.apply(input, int(num_samples), bool(replacement), generator)


# ----------------------------------------------------------------------------- in-place fills
def _bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 0/1 drawn with probability `p` (a number or a tensor broadcast to self)."""
    from .inplace import inplace

    check_generator("bernoulli_", generator)
    return inplace(self, "bernoulli_", lambda t: Bernoulli.apply(p, t.shape, t.dtype, generator))


def _random_(self, from_=0, to=None, *, generator=None):
    """Fill with integers drawn uniformly from [from, to) (`random_(to)` means [0, to)); without bounds,
    [0, 2**mantissa] for floating tensors and [0, max] for integer ones, as PyTorch."""
    from ..random import sample
    from .inplace import inplace

    if to is None:
        if from_ != 0:
            from_, to = 0, from_
        else:
            dtype = self.dtype
            to = 2 ** (np.finfo(dtype).nmant + 1) + 1 if dtype.kind == "f" else (
                2 if dtype.kind == "b" else int(np.iinfo(dtype).max) + 1)
    if from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={from_} >= to={to}")
    draw = np.int64 if to <= 2**63 else np.uint64
    return inplace(self, "random_", lambda t: sample("integers", t.shape, draw, int(from_), int(to),
                                                      generator=generator).to(t.dtype))


def _exponential_(self, lambd: float = 1.0, *, generator=None):
    """Fill with samples of the exponential distribution of rate `lambd`."""
    from ..random import sample
    from .inplace import inplace

    if lambd <= 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return inplace(self, "exponential_", lambda t: sample("exponential", t.shape, t.dtype, 1.0 / lambd,
                                                           generator=generator))


tensor_methods(bernoulli_=_bernoulli_, random_=_random_, exponential_=_exponential_)
