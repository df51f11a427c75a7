"""Train a small MLP on scikit-learn's handwritten digits: the project's demo.

    pip install -e ".[examples]"        # scikit-learn and tqdm
    python examples/digits_mlp.py

It first shows autograd on its own (a scalar and a matrix), then trains a 64-256-10
network with cross-entropy, Adam and a cosine learning-rate schedule on the 8x8 digit
images bundled with scikit-learn (no download), with a progress bar showing the loss
per epoch, prints the test accuracy (about 98%, in a few seconds), and writes the
computation graph of the trained model to digits_mlp_graph.svg (needs the `viz` extra).

The training step is a plain function (forward, loss, backward, optimiser step), run through
`autograd.compile`: the first calls run it eagerly and record it, the later ones replay the
recorded numpy program, with the same results, about twice as fast. `train(compiled=False)`
runs the very same step eagerly.
"""
from __future__ import annotations

import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from threadpoolctl import threadpool_limits  # installed with scikit-learn
from tqdm import tqdm

import autograd as ag
import nn


def autograd_in_a_few_lines() -> None:
    """Gradients of a 0-d and of an N-d computation, as in PyTorch."""
    x = ag.tensor(3.0, requires_grad=True)
    y = x ** 2 + 2 * x  # dy/dx = 2x + 2
    y.backward()
    print(f"y = x^2 + 2x at x = 3:  y = {y.item():g}, dy/dx = {x.grad.item():g}")

    w = ag.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    loss = (w @ ag.tensor([1.0, 2.0])).relu().sum()  # relu zeroes the first row's output, so its gradient is 0
    loss.backward()
    print(f"d/dW of relu(W @ [1, 2]).sum() = {w.grad.tolist()}\n")


def load_data(seed: int = 0):
    """Digits split 75/25 (stratified), standardised with the training set's statistics."""
    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.data.astype(np.float32), digits.target, test_size=0.25, random_state=seed, stratify=digits.target)
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    std[std == 0] = 1.0  # pixels that are always blank stay 0
    return (x_train - mean) / std, y_train, (x_test - mean) / std, y_test


def train(epochs: int = 30, batch_size: int = 64, lr: float = 3e-3, seed: int = 0, progress: bool = True,
          compiled: bool = True):
    """Train the MLP (the step compiled unless compiled=False); returns its test accuracy and the trained model."""
    ag.manual_seed(seed)  # weights and batch order are reproducible
    x_train, y_train, x_test, y_test = load_data(seed)
    loader = nn.data.DataLoader(nn.data.TensorDataset(ag.tensor(x_train), ag.tensor(y_train)),
                                batch_size=batch_size, shuffle=True)
    model = nn.Sequential(
        nn.Linear(64, 256),
        nn.ReLU(),
        nn.Linear(256, 10),  # logits: CrossEntropyLoss applies the softmax itself
    )
    loss_fn = nn.CrossEntropyLoss()
    optimizer = nn.optim.Adam(model.parameters(), lr=lr)
    scheduler = nn.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)  # lr decays to 0 along a cosine

    def step(inputs, targets):
        loss = loss_fn(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    if compiled:
        step = ag.compile(step)  # recorded once per batch shape, then replayed as numpy calls

    epochs_bar = tqdm(range(epochs), desc="training", unit="epoch", disable=not progress)
    for _ in epochs_bar:
        model.train()
        total = 0.0
        for inputs, targets in loader:
            loss = step(inputs, targets)
            total += loss.item() * len(targets)
        scheduler.step()  # outside the step: the replay reads the learning rate afresh
        epochs_bar.set_postfix(loss=f"{total / len(y_train):.4f}")

    model.eval()
    with ag.no_grad():
        predictions = model(ag.tensor(x_test)).argmax(dim=1)
    return float((predictions.numpy() == y_test).mean()), model


def write_graph(model: nn.Module, path: str = "digits_mlp_graph.svg") -> None:
    """Draw the computation graph of one small batch's loss, coloured by gradient norm, as SVG."""
    x_train, y_train, _, _ = load_data()
    loss = nn.CrossEntropyLoss()(model(ag.tensor(x_train[:8])), ag.tensor(y_train[:8]))
    loss.backward()
    graph = ag.draw_graph(loss, params=model, show_grads=True)
    try:
        written = graph.render(outfile=path, format="svg", cleanup=True)
    except Exception as error:  # no graphviz binary: the message says what to install
        print(f"computation graph not written: {error}")
        return
    print(f"computation graph of the model written to {written}")


if __name__ == "__main__":
    autograd_in_a_few_lines()
    start = time.perf_counter()
    with threadpool_limits(1):  # matrices this small are faster on one BLAS thread, above all on a busy machine
        accuracy, model = train()
    print(f"test accuracy: {accuracy:.2%}  ({time.perf_counter() - start:.1f} s)")
    write_graph(model)
