"""`plot_grad_flow`: mean and max |grad| per parameter as a bar chart, the classic check for vanishing gradients.

Run it after `loss.backward()`. Bars are drawn on a log scale in the order the model
registers its parameters (input side first), so gradients that shrink layer by layer
show up as a falling staircase. matplotlib is imported only when this is called.
"""
from __future__ import annotations

import numpy as np

from autograd.tensor import Tensor

__all__ = ["plot_grad_flow"]

_VANISHING = 1e-6  # the same threshold draw_graph(show_grads=True) colours as vanishing


def _named_parameters(parameters) -> list:
    if hasattr(parameters, "named_parameters"):
        items = parameters.named_parameters()
    elif hasattr(parameters, "items"):
        items = parameters.items()
    else:
        items = parameters
    named = []
    for item in items:
        try:
            name, tensor = item
        except (TypeError, ValueError):
            raise TypeError(
                "plot_grad_flow: pass a Module, a dict name -> parameter, or (name, parameter) pairs such as "
                f"model.named_parameters(); got an item {item!r}"
            ) from None
        if not isinstance(tensor, Tensor):
            raise TypeError(f"plot_grad_flow: parameter {name!r} is a {type(tensor).__name__}, not a Tensor")
        if tensor.requires_grad:
            named.append((str(name), tensor))
    return named


def plot_grad_flow(parameters, ax=None, *, title: str = "Gradient flow"):
    """Bar chart of mean and max |grad| for each parameter (after backward), log scale; returns the matplotlib Axes.

    parameters: a Module, a dict name -> parameter, or (name, parameter) pairs (`model.named_parameters()`).
    ax: the Axes to draw on; a new figure is made when None (`ax.figure` is the figure).
    Parameters without a gradient are marked "no grad" in grey, all-zero gradients with a red "0".
    """
    named = _named_parameters(parameters)
    if not named:
        raise ValueError("plot_grad_flow: no parameters that require grad were given")
    if all(t.grad is None for _, t in named):
        raise ValueError(
            f"plot_grad_flow: none of the {len(named)} parameters has a gradient yet; call loss.backward() first"
        )
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError("plot_grad_flow needs matplotlib: `pip install matplotlib`") from None

    names = [name for name, _ in named]
    means = np.full(len(named), np.nan)
    maxes = np.full(len(named), np.nan)
    for i, (_, t) in enumerate(named):
        if t.grad is not None:
            magnitude = t.grad.detach().abs().numpy()
            means[i], maxes[i] = magnitude.mean(), magnitude.max()
    positive = np.concatenate([means[means > 0], maxes[maxes > 0]])
    floor = min(positive.min() if positive.size else 1.0, _VANISHING) / 10  # where zero and missing bars bottom out
    if ax is None:
        _, ax = plt.subplots(figsize=(max(6.0, 0.45 * len(named) + 2), 4.5))
    x = np.arange(len(named))
    missing = np.isnan(means)
    ax.bar(x, np.where(missing, floor, np.maximum(maxes, floor)), width=0.8, color="#9ecae1", label="max |grad|")
    ax.bar(x, np.where(missing, floor, np.maximum(means, floor)), width=0.5, color="#08519c", label="mean |grad|")
    if missing.any():
        ax.bar(x[missing], np.full(missing.sum(), floor * 10), width=0.8, color="#d9d9d9", label="no grad",
               bottom=floor)
    for i in np.flatnonzero(maxes == 0):  # an all-zero gradient has no bar on a log scale: say so
        ax.text(x[i], floor * 1.5, "0", ha="center", va="bottom", fontsize=8, color="#c0392b")
    ax.axhline(_VANISHING, color="#c0392b", linestyle=":", linewidth=1, label="1e-6 (vanishing)")
    ax.set_yscale("log")
    ax.set_ylim(bottom=floor)
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=60, ha="right", fontsize=8)
    for label, is_missing in zip(ax.get_xticklabels(), missing):
        if is_missing:
            label.set_color("#888888")
    ax.set_xlim(-0.75, len(named) - 0.25)
    ax.set_ylabel("|grad| (log scale)")
    ax.set_title(title)
    ax.grid(axis="y", which="major", alpha=0.3)
    ax.legend(loc="best", fontsize=8)
    ax.figure.tight_layout()
    return ax
