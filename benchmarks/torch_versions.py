"""PyTorch CPU versions of every workload (only run when torch is installed; never a dependency).

Written the way a PyTorch user would: nn modules, F.cross_entropy, torch.optim.SGD,
torch.autograd.grad. Weights are copied from the shared setup so all versions agree.
"""
from __future__ import annotations

import numpy as np


def _torch():
    import torch

    return torch


def _load(module_params, arrays):
    torch = _torch()
    with torch.no_grad():
        for p, a in zip(module_params, arrays):
            p.copy_(torch.from_numpy(np.ascontiguousarray(a)))


def _train_step(model, setup, loss_name: str = "cross_entropy"):
    torch = _torch()
    optimizer = torch.optim.SGD(model.parameters(), lr=setup["lr"])
    x, y = torch.from_numpy(setup["x"]), torch.from_numpy(setup["y"])
    loss_fn = getattr(torch.nn.functional, loss_name)

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def build_op_overhead(setup):
    torch = _torch()
    x = torch.from_numpy(setup["x"].copy()).requires_grad_()
    mul, add = setup["mul"], setup["add"]
    kinds = [k % 3 for k in range(setup["n_ops"])]

    def step():
        x.grad = None
        h = x
        for kind in kinds:
            h = h * mul if kind == 0 else h + add if kind == 1 else torch.tanh(h)
        out = h.sum()
        out.backward()
        return [out.item(), x.grad.numpy()]

    return step


def _dense(sizes, activation, last_activation):
    nn = _torch().nn
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2 or last_activation:
            layers.append(activation())
    return nn.Sequential(*layers)


def build_mlp(setup):
    params = setup["params"]
    sizes = [params[0].shape[1]] + [w.shape[0] for w in params[0::2]]
    model = _dense(sizes, _torch().nn.ReLU, last_activation=False)
    _load(model.parameters(), params)
    return _train_step(model, setup)


def build_deep_narrow(setup):
    params = setup["params"]
    sizes = [params[0].shape[1]] + [w.shape[0] for w in params[0::2]]
    model = _dense(sizes, _torch().nn.Tanh, last_activation=True)
    _load(model.parameters(), params)
    return _train_step(model, setup)


def build_lenet(setup):
    nn = _torch().nn
    model = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
    )
    _load(model.parameters(), setup["params"])
    return _train_step(model, setup)


def build_second_order(setup):
    torch = _torch()
    F = torch.nn.functional
    params = [torch.from_numpy(p.copy()).requires_grad_() for p in setup["params"]]
    v = [torch.from_numpy(a) for a in setup["v"]]
    x, y = torch.from_numpy(setup["x"]), torch.from_numpy(setup["y"])

    def step():
        w1, b1, w2, b2, w3, b3 = params
        h = F.relu(F.linear(x, w1, b1))
        h = F.relu(F.linear(h, w2, b2))
        loss = F.cross_entropy(F.linear(h, w3, b3), y)
        grads = torch.autograd.grad(loss, params, create_graph=True)
        dot = sum((g * vi).sum() for g, vi in zip(grads, v))
        return [h.numpy() for h in torch.autograd.grad(dot, params)]

    return step


def build_scalar_tiny(setup):
    params = setup["params"]
    model = _dense([params[0].shape[1]] + [w.shape[0] for w in params[0::2]], _torch().nn.Tanh, last_activation=False)
    _load(model.parameters(), params)
    return _train_step(model, setup, "mse_loss")


BUILDERS = {
    "op_overhead": build_op_overhead,
    "mlp_small": build_mlp,
    "mlp_large": build_mlp,
    "lenet": build_lenet,
    "deep_narrow": build_deep_narrow,
    "second_order": build_second_order,
    "scalar_tiny": build_scalar_tiny,
}
