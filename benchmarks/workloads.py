"""The workloads: their sizes (full and --quick) and the shared float32 data every version starts from.

Each version of a workload (ours, numpy, torch) is built from the same `setup`
dict, so all three begin with identical weights, inputs and targets. Weights follow
PyTorch's layout (Linear: (out, in); Conv2d: (out, in, kh, kw)) and its default
initialisation range U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

LEARNING_RATE = 0.01


@dataclass
class Workload:
    name: str
    description: str
    kind: str  # "train" (check the loss before and after one step), "values" (check returned arrays)
    params: dict = field(default_factory=dict)
    tiny_params: dict | None = None  # sizes for --tiny (the CI smoke test: checks and format, not timings)
    repeats: int = 15  # timed samples per version
    number: int = 1  # calls per sample
    quick_repeats: int = 3
    quick_number: int = 1
    unit: str = "ms/step"
    rtol: float = 1e-4
    atol: float = 1e-6


WORKLOADS = {w.name: w for w in [
    Workload("op_overhead", "(8,8) leaf, 300 elementwise ops (x*1.1, x+0.1, tanh cycling), sum, backward",
             "values", dict(shape=(8, 8), n_ops=300),
             tiny_params=dict(shape=(8, 8), n_ops=30), repeats=25, number=4, quick_repeats=3, quick_number=2,
             unit="µs/op", rtol=1e-4, atol=1e-6),
    Workload("mlp_small", "batch 128, 64→128→128→10, ReLU, cross-entropy, SGD step", "train",
             dict(sizes=(64, 128, 128, 10), batch=128), tiny_params=dict(sizes=(8, 16, 16, 4), batch=8),
             repeats=30, number=5, quick_number=2),
    Workload("mlp_large", "batch 256, 784→1024→1024→10, ReLU, cross-entropy, SGD step", "train",
             dict(sizes=(784, 1024, 1024, 10), batch=256), tiny_params=dict(sizes=(32, 64, 64, 10), batch=16),
             repeats=15, number=1),
    Workload("lenet", "batch 64 of 1×28×28, LeNet-5 (conv 6@5×5 pad 2, avgpool, conv 16@5×5, avgpool, 120-84-10), "
             "cross-entropy, SGD step", "train", dict(batch=64), tiny_params=dict(batch=2), repeats=15, number=1),
    Workload("deep_narrow", "50 × (Linear(32,32)+tanh), batch 16, cross-entropy over 32 classes, SGD step", "train",
             dict(depth=50, width=32, batch=16), tiny_params=dict(depth=5, width=8, batch=4),
             repeats=25, number=4, quick_number=2),
    Workload("second_order", "Hessian-vector product of the mlp_small loss w.r.t. all weights and biases", "values",
             dict(sizes=(64, 128, 128, 10), batch=128), tiny_params=dict(sizes=(8, 16, 16, 4), batch=8),
             repeats=30, number=5, quick_number=2, rtol=2e-3, atol=1e-6),
    Workload("scalar_tiny", "batch 4, 2→4→1, tanh, mean squared error, SGD step: arrays of a few elements, so "
             "the time is the fixed cost per operation", "train",
             dict(sizes=(2, 4, 1), batch=4), tiny_params=dict(sizes=(2, 4, 1), batch=4),
             repeats=30, number=20, quick_number=5),
]}
MEMORY_WORKLOADS = ("mlp_large", "lenet")  # peak memory of one training step, ours against numpy


def _uniform(rng, shape, fan_in):
    bound = 1.0 / np.sqrt(fan_in)
    return rng.uniform(-bound, bound, size=shape).astype(np.float32)


def _linear_params(rng, sizes):
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        params += [_uniform(rng, (fan_out, fan_in), fan_in), _uniform(rng, (fan_out,), fan_in)]
    return params


def make_setup(name: str, params: dict, seed: int = 0) -> dict:
    """The shared starting point of a workload: float32 weights (a list), inputs, targets, learning rate."""
    rng = np.random.default_rng(seed)
    if name == "op_overhead":
        return {"x": rng.standard_normal(params["shape"]).astype(np.float32), "n_ops": params["n_ops"],
                "mul": 1.1, "add": 0.1}
    if name == "scalar_tiny":
        sizes, batch = params["sizes"], params["batch"]
        return {"params": _linear_params(rng, sizes), "x": rng.standard_normal((batch, sizes[0])).astype(np.float32),
                "y": rng.standard_normal((batch, sizes[-1])).astype(np.float32), "lr": LEARNING_RATE}
    if name in ("mlp_small", "mlp_large", "second_order"):
        sizes, batch = params["sizes"], params["batch"]
        setup = {"params": _linear_params(rng, sizes),
                 "x": rng.standard_normal((batch, sizes[0])).astype(np.float32),
                 "y": rng.integers(0, sizes[-1], size=batch), "lr": LEARNING_RATE}
        if name == "second_order":
            setup["v"] = [rng.standard_normal(p.shape).astype(np.float32) for p in setup["params"]]
        return setup
    if name == "deep_narrow":
        width = params["width"]
        return {"params": _linear_params(rng, (width,) * (params["depth"] + 1)),
                "x": rng.standard_normal((params["batch"], width)).astype(np.float32),
                "y": rng.integers(0, width, size=params["batch"]), "lr": LEARNING_RATE}
    if name == "lenet":
        conv1 = [_uniform(rng, (6, 1, 5, 5), 25), _uniform(rng, (6,), 25)]
        conv2 = [_uniform(rng, (16, 6, 5, 5), 150), _uniform(rng, (16,), 150)]
        return {"params": conv1 + conv2 + _linear_params(rng, (16 * 5 * 5, 120, 84, 10)),
                "x": rng.standard_normal((params["batch"], 1, 28, 28)).astype(np.float32),
                "y": rng.integers(0, 10, size=params["batch"]), "lr": LEARNING_RATE}
    raise KeyError(f"unknown workload {name!r}; known: {', '.join(WORKLOADS)}")
