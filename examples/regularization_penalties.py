"""L1, L2 and elastic-net penalties written as loss terms, on a sparse linear regression.

    python examples/regularization_penalties.py

The data depend on 3 of 10 features. Each penalty is added to the mean squared error:
    L2 (ridge):         λ·Σw²           shrinks every weight towards 0 (SGD's weight_decay does the same)
    L1 (lasso):         λ·Σ|w|          sets irrelevant weights to (almost exactly) 0: feature selection
    elastic net:        λ·(α·Σ|w| + (1−α)·Σw²)   a mix: sparse, but stable when features are correlated
Biases are usually left unpenalised, as here.
"""
from __future__ import annotations

import numpy as np

import autograd as ag
import nn

TRUE_WEIGHTS = np.array([3.0, 0.0, 0.0, -2.0, 0.0, 0.0, 0.0, 1.5, 0.0, 0.0], dtype=np.float32)


def l1_penalty(weight: ag.Tensor) -> ag.Tensor:
    return weight.abs().sum()


def l2_penalty(weight: ag.Tensor) -> ag.Tensor:
    return (weight * weight).sum()


def elastic_net_penalty(weight: ag.Tensor, l1_ratio: float = 0.5) -> ag.Tensor:
    return l1_ratio * l1_penalty(weight) + (1 - l1_ratio) * l2_penalty(weight)


PENALTIES = {
    "none": lambda w: 0.0,
    "l2": lambda w: 0.1 * l2_penalty(w),
    "l1": lambda w: 0.3 * l1_penalty(w),
    "elastic_net": lambda w: 0.3 * elastic_net_penalty(w, 0.8),
}


def make_data(n: int = 200, noise: float = 0.5, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, TRUE_WEIGHTS.size)).astype(np.float32)
    y = x @ TRUE_WEIGHTS + noise * rng.standard_normal(n).astype(np.float32)
    return ag.tensor(x), ag.tensor(y[:, None])


def fit(penalty, steps: int = 500, seed: int = 0) -> np.ndarray:
    """Full-batch training of a linear model on MSE + penalty(weight); returns the learned weights."""
    ag.manual_seed(seed)
    x, y = make_data(seed=seed)
    model = nn.Linear(TRUE_WEIGHTS.size, 1)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.05)
    # SGD's subgradient steps leave L1-penalised weights jittering within about lr·λ of zero;
    # letting the lr decay to 0 settles them there
    scheduler = nn.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    for _ in range(steps):
        loss = nn.functional.mse_loss(model(x), y) + penalty(model.weight)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
    return model.weight.detach().numpy()[0].copy()


def compare(progress: bool = True) -> dict[str, np.ndarray]:
    results = {name: fit(penalty) for name, penalty in PENALTIES.items()}
    if progress:
        print("true        " + " ".join(f"{w:6.2f}" for w in TRUE_WEIGHTS))
        for name, weights in results.items():
            print(f"{name:12s}" + " ".join(f"{w:6.2f}" for w in weights))
    return results


if __name__ == "__main__":
    compare()
