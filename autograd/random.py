"""The one random number generator that every random function draws from, and the op that draws.

`manual_seed(n)` makes creation functions, nn initialisers and dropout reproducible. Every
draw goes through the `Sample` op, so a traced program (`autograd.compile`) draws fresh
numbers from the generator at each replay, in the same order as eager code.
"""
from __future__ import annotations

import numpy as np

from .function import Op

_generator = np.random.default_rng()


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the shared generator; returns it."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed expects an int, got {type(seed).__name__}")
    _generator = np.random.default_rng(int(seed))
    return _generator


seed_everything = manual_seed


def default_generator() -> np.random.Generator:
    """The shared `numpy.random.Generator`."""
    return _generator


def get_rng_state() -> dict:
    """The generator's state (a dict, numpy's bit-generator state), for `set_rng_state`."""
    return _generator.bit_generator.state


def set_rng_state(new_state: dict) -> None:
    """Restore a state from `get_rng_state`."""
    _generator.bit_generator.state = new_state


class Sample(Op):
    """Draw `method(*params, size=shape, **options)` from the shared generator (or `generator`), cast to `dtype`."""

    differentiable = False

    @staticmethod
    def forward(ctx, method, shape, dtype, params, generator=None, options=None):
        draw = getattr(generator or _generator, method)
        options = options or {}
        drawn = draw(*params, **options) if shape is None else draw(*params, size=shape, **options)
        return np.asarray(drawn).astype(dtype, copy=False)


def sample(method: str, shape: tuple, dtype, *params, generator=None, options: dict | None = None):
    """A Tensor of draws: `sample("normal", (2, 3), float32, 0.0, 1.0)`; `options` are keyword arguments
    of the draw (`options={"dtype": float32}` makes `random` draw float32 numbers directly)."""
    return Sample.apply(method, tuple(shape), np.dtype(dtype), params, generator, options)
