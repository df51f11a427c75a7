"""Random numbers: the shared generator every random function draws from, `Generator` objects
of your own, and the op that draws.

`manual_seed(n)` makes creation functions, nn initialisers and dropout reproducible; it reseeds
the shared generator in place, so a reference to it (`default_generator()`) stays valid.
`Generator` is PyTorch's `torch.Generator` (`Generator().manual_seed(42)`, `generator=` in the
random functions) and, being a `numpy.random.Generator` too, can be used wherever numpy's is.
Every draw goes through the `Sample` op, so a traced program (`autograd.compile`) draws fresh
numbers from the generator at each replay, in the same order as eager code. The streams are
numpy's (PCG64), not PyTorch's: a seed gives reproducible numbers, not PyTorch's numbers.
"""
from __future__ import annotations

import secrets

import numpy as np

from .function import Op

_SEED_RANGE = 2**64  # PyTorch takes seeds in [-2**63, 2**64); negative ones wrap, as there


class Generator(np.random.Generator):
    """A random number generator, as `torch.Generator(device='cpu')`: `manual_seed`, `seed`,
    `initial_seed`, `get_state`/`set_state`. It is a `numpy.random.Generator` (PCG64) as well."""

    def __init__(self, device="cpu"):
        from .devices import CPU, check_device

        check_device("Generator", device)
        self._initial_seed = secrets.randbits(63)
        super().__init__(np.random.PCG64(self._initial_seed))
        self.device = CPU

    def manual_seed(self, seed: int) -> Generator:
        """Reseed in place; returns the generator (so `Generator().manual_seed(0)` works)."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise TypeError(f"manual_seed expects an int, got {type(seed).__name__}")
        if not -2**63 <= seed < _SEED_RANGE:
            raise RuntimeError(f"manual_seed: seed {seed} is out of range; it must be in [-2**63, 2**64)")
        self._initial_seed = int(seed) % _SEED_RANGE
        self.bit_generator.state = np.random.PCG64(self._initial_seed).state
        self._spawned = 0
        return self

    def seed(self) -> int:
        """Reseed from the operating system's entropy; returns the new seed."""
        self.manual_seed(secrets.randbits(63))
        return self._initial_seed

    def initial_seed(self) -> int:
        """The seed last set."""
        return self._initial_seed

    def get_state(self) -> dict:
        """The state (numpy's bit-generator state, a dict), for `set_state`."""
        return self.bit_generator.state

    def set_state(self, new_state: dict) -> Generator:
        self.bit_generator.state = new_state
        return self

    def spawn(self, n_children: int) -> list:
        """Independent child generators (as numpy's Generator.spawn: plain numpy Generators), leaving this stream as
        is; the k-th child since the last `manual_seed` is the same every time, as after a fresh seed in numpy."""
        first = self.__dict__.get("_spawned", 0)
        self._spawned = first + n_children
        return [np.random.Generator(np.random.PCG64(np.random.SeedSequence(self._initial_seed, spawn_key=(k,))))
                for k in range(first, first + n_children)]

    def __reduce__(self):
        return (_rebuild_generator, (self._initial_seed, self.bit_generator.state))

    def __repr__(self) -> str:
        return f"<autograd.Generator seeded with {self._initial_seed}>"


def _rebuild_generator(initial_seed, state):
    generator = Generator()
    generator._initial_seed = initial_seed
    generator.bit_generator.state = state
    return generator


_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Reseed the shared generator (in place); returns it."""
    return _generator.manual_seed(seed)


seed_everything = manual_seed


def seed() -> int:
    """Reseed the shared generator from the operating system's entropy; returns the seed."""
    return _generator.seed()


def initial_seed() -> int:
    """The seed the shared generator was last given."""
    return _generator.initial_seed()


def default_generator() -> Generator:
    """The shared generator (a `Generator`, so also a `numpy.random.Generator`)."""
    return _generator


def get_rng_state() -> dict:
    """The shared generator's state (a dict, numpy's bit-generator state), for `set_rng_state`."""
    return _generator.get_state()


def set_rng_state(new_state: dict) -> None:
    """Restore a state from `get_rng_state`."""
    _generator.set_state(new_state)


_deterministic = {"mode": False, "warn_only": False}


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """PyTorch's switch for reproducible kernels. Every op here is deterministic already (numpy on one
    thread of control), so the setting is recorded for `are_deterministic_algorithms_enabled` and
    changes no result."""
    if not isinstance(mode, bool):
        raise TypeError(f"use_deterministic_algorithms expects a bool, got {type(mode).__name__}")
    _deterministic.update(mode=mode, warn_only=bool(warn_only))


def are_deterministic_algorithms_enabled() -> bool:
    return _deterministic["mode"]


def check_generator(where: str, generator) -> None:
    """A clear error for a generator= that is neither ours nor numpy's (a torch.Generator, say)."""
    if generator is not None and not isinstance(generator, np.random.Generator):
        raise TypeError(f"{where}: generator must be an autograd.Generator (or a numpy.random.Generator), "
                        f"got {type(generator).__name__}")


class Sample(Op):
    """Draw `method(*params, size=shape, **options)` from the shared generator (or `generator`), cast to `dtype`."""

    draws_random = True

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
    check_generator(method, generator)
    return Sample.apply(method, tuple(shape), np.dtype(dtype), params, generator, options)
