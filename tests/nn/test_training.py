"""End-to-end training: XOR needs a hidden layer; the digits demo reaches 97%; penalties as loss terms."""
import importlib.util
import pathlib
import time

import numpy as np
import pytest

import autograd as ag
import nn

XOR_INPUTS = ag.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_TARGETS = ag.tensor([[0.0], [1.0], [1.0], [0.0]])


def _fit_xor(model, steps=500):
    optimizer = nn.optim.Adam(model.parameters(), lr=0.05)
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(steps):
        loss = loss_fn(model(XOR_INPUTS), XOR_TARGETS)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with ag.no_grad():
        predictions = (model(XOR_INPUTS)._data > 0).astype(np.float32)
    return int((predictions == XOR_TARGETS._data).sum()), loss.item()


def test_mlp_learns_xor_where_a_linear_model_cannot():
    ag.manual_seed(0)
    correct, loss = _fit_xor(nn.Sequential(nn.Linear(2, 4), nn.Tanh(), nn.Linear(4, 1)))
    assert correct == 4 and loss < 0.05
    ag.manual_seed(0)
    correct, loss = _fit_xor(nn.Linear(2, 1))
    assert correct <= 3 and loss > 0.69  # no line separates XOR: the best is the constant 1/2, loss log 2


def _load_example(name):
    path = pathlib.Path(__file__).resolve().parents[2] / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_digits_demo_reaches_97_percent_in_under_30_seconds():
    pytest.importorskip("sklearn")
    pytest.importorskip("tqdm")
    threadpoolctl = pytest.importorskip("threadpoolctl")
    demo = _load_example("digits_mlp")
    start = time.perf_counter()
    with threadpoolctl.threadpool_limits(1):
        accuracy, _ = demo.train(progress=False)
    elapsed = time.perf_counter() - start
    assert accuracy >= 0.97, f"test accuracy {accuracy:.2%}"
    assert elapsed < 30, f"training took {elapsed:.1f} s"


def test_digits_demo_starts_with_a_small_autograd_example(capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("tqdm")
    pytest.importorskip("threadpoolctl")
    _load_example("digits_mlp").autograd_in_a_few_lines()
    out = capsys.readouterr().out
    assert "y = 15, dy/dx = 8" in out and "[[0.0, 0.0], [1.0, 2.0]]" in out


def test_regularization_penalties_example():
    penalties = _load_example("regularization_penalties")
    results = penalties.compare(progress=False)
    true_zeros = penalties.TRUE_WEIGHTS == 0
    # L1 (and elastic net) drive the irrelevant weights to (almost) exactly zero; plain L2 only shrinks them
    assert np.all(np.abs(results["l1"][true_zeros]) < 5e-3)
    assert np.all(np.abs(results["elastic_net"][true_zeros]) < 5e-3)
    assert np.abs(results["none"][true_zeros]).mean() > 3 * np.abs(results["l1"][true_zeros]).mean()
    assert np.linalg.norm(results["l2"]) < np.linalg.norm(results["none"])


def test_l2_penalty_as_a_loss_term_equals_sgd_weight_decay():
    """d/dw of (λ/2)·‖w‖² is λw: the same update as SGD(weight_decay=λ)."""
    ag.manual_seed(1)
    x, y = ag.randn(16, 3), ag.randn(16, 1)
    a, b = nn.Linear(3, 1), nn.Linear(3, 1)
    b.load_state_dict(a.state_dict())
    with_penalty = nn.optim.SGD(a.parameters(), lr=0.1)
    with_decay = nn.optim.SGD(b.parameters(), lr=0.1, weight_decay=0.3)
    for _ in range(5):
        loss = nn.functional.mse_loss(a(x), y) + 0.3 / 2 * sum((p * p).sum() for p in a.parameters())
        with_penalty.zero_grad()
        loss.backward()
        with_penalty.step()
        loss = nn.functional.mse_loss(b(x), y)
        with_decay.zero_grad()
        loss.backward()
        with_decay.step()
    for p, q in zip(a.parameters(), b.parameters()):
        np.testing.assert_allclose(p._data, q._data, rtol=1e-5, atol=1e-7)
