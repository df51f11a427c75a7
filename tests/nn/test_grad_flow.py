"""plot_grad_flow: mean and max |grad| per parameter as log-scale bars (matplotlib, Agg backend)."""
import numpy as np
import pytest

import autograd as ag
import nn

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from nn.utils.grad_flow import plot_grad_flow  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def deep_sigmoid_mlp(depth=8, width=16):
    layers = []
    for k in range(depth):
        layers += [nn.Linear(width if k else 4, width if k < depth - 1 else 1), nn.Sigmoid()]
    return nn.Sequential(*layers[:-1])


def bars(ax):
    """(max bars, mean bars) heights, in parameter order."""
    patches = ax.patches
    n = len(ax.get_xticks())
    return np.array([p.get_height() for p in patches[:n]]), np.array([p.get_height() for p in patches[n:2 * n]])


def test_bars_are_the_mean_and_max_absolute_gradient_of_each_parameter():
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    model(ag.randn(7, 3)).pow(2).sum().backward()
    ax = plot_grad_flow(model)
    names = [t.get_text() for t in ax.get_xticklabels()]
    assert names == [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.weight", "2.bias"]
    maxes, means = bars(ax)
    grads = [np.abs(p.grad._data) for p in model.parameters()]
    np.testing.assert_allclose(maxes, [g.max() for g in grads], rtol=1e-6)
    np.testing.assert_allclose(means, [g.mean() for g in grads], rtol=1e-6)
    assert ax.get_yscale() == "log"
    assert {"max |grad|", "mean |grad|"} <= {t.get_text() for t in ax.get_legend().get_texts()}


def test_deep_sigmoid_network_shows_gradients_shrinking_towards_the_input():
    ag.manual_seed(0)
    model = deep_sigmoid_mlp()
    model(ag.randn(32, 4)).pow(2).mean().backward()
    _, means = bars(plot_grad_flow(model))
    weights = means[0::2]  # weight, bias alternate
    assert weights[0] < 1e-3 * weights[-1]
    assert np.all(np.diff(np.log10(weights)) > 0)  # every layer closer to the input gets less


def test_accepts_named_parameters_a_dict_and_an_existing_axes():
    ag.manual_seed(0)
    model = nn.Linear(3, 2)
    model(ag.randn(4, 3)).sum().backward()
    fig, ax = plt.subplots()
    assert plot_grad_flow(model.named_parameters(), ax=ax) is ax
    assert plot_grad_flow(dict(model.named_parameters())).figure is not fig


def test_parameters_without_gradient_are_marked_and_frozen_ones_are_left_out():
    ag.manual_seed(0)
    used, unused, frozen = nn.Linear(3, 2), nn.Linear(3, 2), nn.Linear(3, 2)
    frozen.weight.requires_grad_(False)
    used(ag.randn(4, 3)).sum().backward()
    params = {"used.weight": used.weight, "unused.weight": unused.weight, "frozen.weight": frozen.weight}
    ax = plot_grad_flow(params)
    labels = ax.get_xticklabels()
    assert [t.get_text() for t in labels] == ["used.weight", "unused.weight"]
    assert "no grad" in {t.get_text() for t in ax.get_legend().get_texts()}
    assert labels[1].get_color() != labels[0].get_color()


def test_zero_gradients_still_plot_on_the_log_scale():
    p = nn.Parameter(ag.ones(3))
    (p * 0).sum().backward()
    ax = plot_grad_flow([("p", p)])
    maxes, means = bars(ax)
    assert np.all(maxes > 0) and np.all(means > 0) and ax.get_ylim()[0] > 0
    assert [t.get_text() for t in ax.texts] == ["0"]


def test_errors_say_what_to_do():
    model = nn.Linear(3, 2)
    with pytest.raises(ValueError, match=r"call loss.backward\(\) first"):
        plot_grad_flow(model)
    with pytest.raises(ValueError, match="no parameters that require grad"):
        plot_grad_flow({})
    with pytest.raises(TypeError, match="named_parameters"):
        plot_grad_flow([1, 2])
    with pytest.raises(TypeError, match="not a Tensor"):
        plot_grad_flow({"w": np.ones(3)})
