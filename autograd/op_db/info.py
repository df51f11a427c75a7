"""OpInfo (one registered operation) and Sample (the arguments of one call), and making tensors for a sample."""
from __future__ import annotations

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
    """One operation: its name, how to call it, how to draw inputs, and any tolerance it needs."""

    name: str
    op: Callable
    sample: Callable[[np.random.Generator], Sample]
    gradcheck_kwargs: dict = field(default_factory=dict)  # e.g. a larger eps for an op that rounds to float32
    second_order: bool = True  # gradgradcheck too

    def __call__(self, *tensors, **kwargs):
        return self.op(*tensors, **kwargs)


def make_tensors(sample: Sample, requires_grad: bool = True) -> tuple:
    """float64 tensors for a sample's arrays (fresh copies, so checks cannot change the sample)."""
    return tuple(ag.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad) for a in sample.arrays)
