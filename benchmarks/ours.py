"""Our engine's version of every workload, written with the public API a user would write.

nn.Sequential / nn.Linear / nn.Conv2d, nn.functional.cross_entropy, nn.optim.SGD,
autograd.grad. A builder raises `Unavailable` when a piece of the API it needs does
not exist yet; the runner then reports "n/a" for ours instead of substituting anything.
The compiled version (`COMPILED`) is the very same step function passed to `autograd.compile`.
"""
from __future__ import annotations

import autograd


class Unavailable(Exception):
    """The public API this workload needs is missing (the message names what)."""


def _nn():
    try:
        import nn
    except ImportError as e:  # pragma: no cover - nn is part of this project
        raise Unavailable(f"import nn failed: {e}") from e
    return nn


def _need(obj, dotted: str):
    """Look up a dotted attribute path (e.g. 'optim.SGD') or raise Unavailable naming it."""
    for part in dotted.split("."):
        if not hasattr(obj, part):
            try:  # sub-packages that nn/__init__ may not import yet
                import importlib

                obj = importlib.import_module(f"{obj.__name__}.{part}")
                continue
            except (ImportError, AttributeError):
                raise Unavailable(f"nn.{dotted} does not exist yet") from None
        obj = getattr(obj, part)
    return obj


def _load(parameters, arrays):
    parameters = list(parameters)
    if len(parameters) != len(arrays):
        raise RuntimeError(f"ours: model has {len(parameters)} parameters, setup has {len(arrays)}")
    with autograd.no_grad():
        for p, a in zip(parameters, arrays):
            if p.shape != a.shape:
                raise RuntimeError(f"ours: parameter shape {p.shape} but setup array shape {a.shape}")
            p.copy_(autograd.tensor(a))


def _train_step(model, setup, loss_name: str = "cross_entropy"):
    nn = _nn()
    loss_fn = _need(nn, f"functional.{loss_name}")
    optimizer = _need(nn, "optim.SGD")(model.parameters(), lr=setup["lr"])
    x, y = autograd.tensor(setup["x"]), autograd.tensor(setup["y"])

    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def build_op_overhead(setup):
    x = autograd.tensor(setup["x"], requires_grad=True)
    mul, add = setup["mul"], setup["add"]
    kinds = [k % 3 for k in range(setup["n_ops"])]

    def step():
        x.grad = None
        h = x
        for kind in kinds:
            h = h * mul if kind == 0 else h + add if kind == 1 else h.tanh()
        out = h.sum()
        out.backward()
        return [out.item(), x.grad.data]

    return step


def _dense(sizes, activation: str, last_activation: bool):
    nn = _nn()
    Sequential, Linear, Activation = _need(nn, "Sequential"), _need(nn, "Linear"), _need(nn, activation)
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(fan_in, fan_out))
        if i < len(sizes) - 2 or last_activation:
            layers.append(Activation())
    return Sequential(*layers)


def _sizes(params):
    return [params[0].shape[1]] + [w.shape[0] for w in params[0::2]]


def build_mlp(setup):
    model = _dense(_sizes(setup["params"]), "ReLU", last_activation=False)
    _load(model.parameters(), setup["params"])
    return _train_step(model, setup)


def build_deep_narrow(setup):
    model = _dense(_sizes(setup["params"]), "Tanh", last_activation=True)
    _load(model.parameters(), setup["params"])
    return _train_step(model, setup)


def build_lenet(setup):
    nn = _nn()
    Conv2d, AvgPool2d, Linear, ReLU = (_need(nn, n) for n in ("Conv2d", "AvgPool2d", "Linear", "ReLU"))
    Sequential, Flatten = _need(nn, "Sequential"), _need(nn, "Flatten")
    model = Sequential(
        Conv2d(1, 6, 5, padding=2), ReLU(), AvgPool2d(2),
        Conv2d(6, 16, 5), ReLU(), AvgPool2d(2), Flatten(),
        Linear(400, 120), ReLU(), Linear(120, 84), ReLU(), Linear(84, 10),
    )
    _load(model.parameters(), setup["params"])
    return _train_step(model, setup)


def build_second_order(setup):
    nn = _nn()
    linear, relu = _need(nn, "functional.linear"), _need(nn, "functional.relu")
    cross_entropy = _need(nn, "functional.cross_entropy")
    params = [autograd.tensor(p, requires_grad=True) for p in setup["params"]]
    v = [autograd.tensor(a) for a in setup["v"]]
    x, y = autograd.tensor(setup["x"]), autograd.tensor(setup["y"])

    def step():
        w1, b1, w2, b2, w3, b3 = params
        h = relu(linear(x, w1, b1))
        h = relu(linear(h, w2, b2))
        loss = cross_entropy(linear(h, w3, b3), y)
        grads = autograd.grad(loss, params, create_graph=True)
        dot = sum((g * vi).sum() for g, vi in zip(grads, v))
        return [h.data for h in autograd.grad(dot, params)]

    return step


def build_scalar_tiny(setup):
    model = _dense(_sizes(setup["params"]), "Tanh", last_activation=False)
    _load(model.parameters(), setup["params"])
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


def _compiled(builder):
    def build(setup):
        if not hasattr(autograd, "compile"):
            raise Unavailable("autograd.compile does not exist yet")
        return autograd.compile(builder(setup))
    return build


COMPILED = {name: _compiled(builder) for name, builder in BUILDERS.items()}
