"""OpInfo (one registered operation) and Sample (the arguments of one call), and making tensors for a sample."""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

import autograd as ag

MAX_SIDE = 3  # small shapes: gradgradcheck's cost grows with the square of the element count


@dataclass
class Sample:
    """Arrays for the tensor arguments (float64, checked) and the keyword arguments of one call."""

    arrays: list
    kwargs: dict = field(default_factory=dict)

    @property
    def shapes(self) -> list:
        return [tuple(a.shape) for a in self.arrays]


@dataclass(frozen=True)
class OpInfo:
    """One operation: its name, how to call it, how to draw inputs, and any tolerance it needs.

    `call(m, *tensors, **kwargs)` is written once for both libraries: `m` is `autograd` here and a torch
    namespace in the oracle tests (`torch=False` for an op PyTorch has no counterpart of). `edges(rng)` draws
    the op's convention points (exact zeros, kinks, ties, bounds, empty and 0-d inputs), where finite
    differences do not apply, for comparison with PyTorch only.
    """

    name: str
    call: Callable
    sample: Callable[[np.random.Generator], Sample]
    gradcheck_kwargs: dict = field(default_factory=dict)  # e.g. a larger eps for an op that rounds to float32
    second_order: bool = True  # gradgradcheck too
    edges: Callable[[np.random.Generator], Sample] | None = None
    torch: bool = True  # PyTorch has the same op (compared in tests/autograd/test_op_db_against_torch.py)

    @property
    def op(self) -> Callable:
        """The op on autograd tensors: `info.op(*tensors, **kwargs)`."""
        return functools.partial(self.call, ag)

    def __call__(self, *tensors, **kwargs):
        return self.call(ag, *tensors, **kwargs)


def make_tensors(sample: Sample, requires_grad: bool = True) -> tuple:
    """float64 tensors for a sample's arrays (fresh copies, so checks cannot change the sample)."""
    return tuple(ag.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad) for a in sample.arrays)
