# %% [markdown]
# # 02 · Weight initialisation
#
# Before the first gradient step, the initial weights already decide whether a deep network can learn:
# they set the scale of every layer's activations on the way forward and of every gradient on the way
# back. This notebook shows the initialisers in `nn.init`, then pushes a batch through a 10-layer
# network to see what each choice does to the signal — the **symmetry** failure of constant weights,
# the **vanishing** signal of small random weights, and why **Xavier** initialisation suits tanh while
# **Kaiming** initialisation suits ReLU.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn

ag.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## Every initialiser in `nn.init`
#
# Each initialiser fills a tensor **in place** (hence the trailing underscore) and returns it. The
# scaled ones read the tensor's shape: for a weight of shape `(fan_out, fan_in)`,
#
# * **Xavier / Glorot**: $\mathrm{Var}(W) = \mathrm{gain}^2 \cdot \frac{2}{\text{fan\_in} + \text{fan\_out}}$
#   (uniform on $\pm\sqrt{3\,\mathrm{Var}}$ or normal);
# * **Kaiming / He**: $\mathrm{Var}(W) = \mathrm{gain}^2 / \text{fan\_in}$, with gain $\sqrt 2$ for ReLU;
# * **orthogonal**: a (scaled) orthogonal matrix, $W W^\top = I$.

# %%
fan_out, fan_in = 200, 300
initialisers = {
    "uniform_(-1, 1)": lambda w: nn.init.uniform_(w, -1, 1),
    "normal_(0, 1)": lambda w: nn.init.normal_(w, 0, 1),
    "trunc_normal_(0, 1, ±2)": lambda w: nn.init.trunc_normal_(w, 0, 1, -2, 2),
    "constant_(0.3)": lambda w: nn.init.constant_(w, 0.3),
    "ones_": nn.init.ones_,
    "zeros_": nn.init.zeros_,
    "eye_": nn.init.eye_,
    "orthogonal_": nn.init.orthogonal_,
    "xavier_uniform_": nn.init.xavier_uniform_,
    "xavier_normal_": nn.init.xavier_normal_,
    "kaiming_uniform_ (relu)": lambda w: nn.init.kaiming_uniform_(w, nonlinearity="relu"),
    "kaiming_normal_ (relu)": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
}
weights = {name: init(ag.empty(fan_out, fan_in)).numpy().ravel() for name, init in initialisers.items()}

fig, axes = plt.subplots(3, 4, figsize=(14, 7.5))
for ax, (name, w) in zip(axes.flat, weights.items()):
    ax.hist(w, bins=60, color="C0", histtype="stepfilled")
    ax.set_title(f"{name}\nmean {w.mean():+.3f}, std {w.std():.3f}", fontsize=9)
    ax.tick_params(labelsize=7)
fig.suptitle(f"nn.init on a {fan_out}×{fan_in} weight", y=1.0)
fig.tight_layout()

# %% [markdown]
# The sample statistics match the formulas:

# %%
xavier_std = np.sqrt(2 / (fan_in + fan_out))
kaiming_std = np.sqrt(2 / fan_in)
expected = {
    "xavier_uniform_": xavier_std, "xavier_normal_": xavier_std,
    "kaiming_uniform_ (relu)": kaiming_std, "kaiming_normal_ (relu)": kaiming_std,
    "uniform_(-1, 1)": 1 / np.sqrt(3), "normal_(0, 1)": 1.0,
}
for name, std in expected.items():
    print(f"{name:24s} std {weights[name].std():.4f}   formula {std:.4f}")
    assert abs(weights[name].std() / std - 1) < 0.02
assert np.abs(weights["xavier_uniform_"]).max() <= np.sqrt(6 / (fan_in + fan_out))
assert np.abs(weights["trunc_normal_(0, 1, ±2)"]).max() <= 2
W = weights["orthogonal_"].reshape(fan_out, fan_in)
assert np.allclose(W @ W.T, np.eye(fan_out), atol=1e-4)
print("gains: tanh", nn.init.calculate_gain("tanh"), " relu", nn.init.calculate_gain("relu"))

# %% [markdown]
# ## The lesson's calls, on `nn.Linear(5, 3)`
#
# Lesson 002 initialises the weight of an `nn.Linear(5, 3)` — shape `(3, 5)`: 3 outputs, fan_in 5,
# fan_out 3 — with each of these calls and prints `linear.weight.data`. The same calls, with their
# defaults (printing `linear.weight.detach()`: the same values, outside the graph), and the formula each
# one follows:
#
# | call | distribution | std | limit |
# |---|---|---|---|
# | `uniform_(w)` | $U(0, 1)$ (the defaults `a=0, b=1`) | $1/\sqrt{12}$ | $[0, 1]$ |
# | `normal_(w, mean=0, std=1)` | $N(0, 1)$ | 1 | — |
# | `zeros_(w)`, `ones_(w)`, `constant_(w, 5)` | every weight 0, 1, 5 | 0 | — |
# | `kaiming_normal_(w)` | $N(0, \sigma^2)$ | $\sqrt{2/\text{fan\_in}}$ | — |
# | `kaiming_uniform_(w)` | $U(-l, l)$ | $l/\sqrt 3$ | $l = \sqrt{6/\text{fan\_in}}$ |
# | `xavier_normal_(w)` | $N(0, \sigma^2)$ | $\sqrt{2/(\text{fan\_in}+\text{fan\_out})}$ | — |
# | `xavier_uniform_(w)` | $U(-l, l)$ | $l/\sqrt 3$ | $l = \sqrt{6/(\text{fan\_in}+\text{fan\_out})}$ |
# | (none: `nn.Linear`'s own) | $U(-l, l)$, weight and bias | $l/\sqrt 3$ | $l = 1/\sqrt{\text{fan\_in}}$ |
#
# (The lesson writes "stddev (variance) =" for the Kaiming and Xavier formulas; the square roots above are
# standard deviations — the variances are $2/\text{fan\_in}$ and $2/(\text{fan\_in}+\text{fan\_out})$.
# `kaiming_*_` default to `a=0, mode='fan_in', nonlinearity='leaky_relu'`, whose gain is
# $\sqrt{2/(1+a^2)} = \sqrt 2$: the same as for ReLU. The last row is the "uniform initialisation"
# of the lesson, $U(-1/\sqrt d, 1/\sqrt d)$ with $d$ the number of inputs, which is also what
# `nn.Linear` does when you call none of them.)

# %%
lesson_calls = {
    "uniform_": nn.init.uniform_,
    "normal_(mean=0, std=1)": lambda w: nn.init.normal_(w, mean=0, std=1),
    "zeros_": nn.init.zeros_,
    "ones_": nn.init.ones_,
    "constant_(5)": lambda w: nn.init.constant_(w, 5),
    "kaiming_normal_": nn.init.kaiming_normal_,
    "kaiming_uniform_": nn.init.kaiming_uniform_,
    "xavier_normal_": nn.init.xavier_normal_,
    "xavier_uniform_": nn.init.xavier_uniform_,
    "default (nn.Linear's own)": lambda w: w,
}
ag.manual_seed(0)
for name, init in lesson_calls.items():
    linear = nn.Linear(5, 3)
    init(linear.weight)
    print(f"{name}:\n{linear.weight.detach()}")
assert linear.weight.shape == (3, 5)

# %% [markdown]
# Fifteen numbers cannot confirm a distribution, so each call is repeated on the weight of an
# `nn.Linear(1000, 500)` (fan_in 1000, fan_out 500) and its statistics compared with the table:

# %%
def formula(name, fan_in, fan_out):
    """(mean, std, lowest, highest) that the initialiser should produce; None where unbounded."""
    kaiming, xavier = np.sqrt(6 / fan_in), np.sqrt(6 / (fan_in + fan_out))
    return {
        "uniform_": (0.5, 1 / np.sqrt(12), 0.0, 1.0),
        "normal_(mean=0, std=1)": (0.0, 1.0, None, None),
        "zeros_": (0.0, 0.0, 0.0, 0.0), "ones_": (1.0, 0.0, 1.0, 1.0), "constant_(5)": (5.0, 0.0, 5.0, 5.0),
        "kaiming_normal_": (0.0, np.sqrt(2 / fan_in), None, None),
        "kaiming_uniform_": (0.0, kaiming / np.sqrt(3), -kaiming, kaiming),
        "xavier_normal_": (0.0, np.sqrt(2 / (fan_in + fan_out)), None, None),
        "xavier_uniform_": (0.0, xavier / np.sqrt(3), -xavier, xavier),
        "default (nn.Linear's own)": (0.0, 1 / np.sqrt(3 * fan_in), -1 / np.sqrt(fan_in), 1 / np.sqrt(fan_in)),
    }[name]


fan_in, fan_out = 1000, 500
print(f"{'call':27s} {'mean':>8s} {'std':>8s} {'(formula)':>9s} {'min':>8s} {'max':>8s} {'(limit)':>8s}")
for name, init in lesson_calls.items():
    big = nn.Linear(fan_in, fan_out)
    w = init(big.weight).detach().numpy()
    mean, std, lo, hi = formula(name, fan_in, fan_out)
    limit = f"{hi:8.4f}" if hi is not None else "       —"
    print(f"{name:27s} {w.mean():8.4f} {w.std():8.4f} {std:9.4f} {w.min():8.4f} {w.max():8.4f} {limit}")
    assert abs(w.mean() - mean) <= 5 * std / np.sqrt(w.size) and abs(w.std() - std) <= 0.005 * std  # 5 standard errors
    if lo is not None:
        assert lo <= w.min() and w.max() <= hi                               # never outside the limits ...
        if std > 0:
            assert w.min() < lo + 0.01 * (hi - lo) and w.max() > hi - 0.01 * (hi - lo)  # ... and reaching them
b = nn.Linear(fan_in, fan_out).bias.detach().numpy()
assert np.abs(b).max() <= 1 / np.sqrt(fan_in) and abs(b.std() - 1 / np.sqrt(3 * fan_in)) < 0.05 / np.sqrt(3 * fan_in)

# %% [markdown]
# ## Small Gaussian weights and the 3σ rule
#
# Lesson 003's "random initialisation" draws weights from a Gaussian such as $N(0, 0.01)$ — here with
# standard deviation 0.01 — and recalls the **3σ rule**: a normal variable lies within $\mu \pm 3\sigma$
# with probability 99.73% ($\operatorname{erf}(3/\sqrt 2)$; within $1\sigma$ 68.27%, within $2\sigma$ 95.45%).
# So essentially every weight of $N(0, 0.01)$ is smaller than 0.03 in magnitude: small enough that,
# as the next section shows, a deep network's signal dies out.

# %%
w = nn.init.normal_(ag.empty(1000, 1000), mean=0.0, std=0.01).numpy()
for k in (1, 2, 3):
    inside = np.mean(np.abs(w) < k * 0.01)
    print(f"within ±{k}σ = ±{k * 0.01:.2f}: {inside:.4%}   (normal law: {math.erf(k / math.sqrt(2)):.4%})")
    assert abs(inside - math.erf(k / math.sqrt(2))) < 5 * np.sqrt(inside * (1 - inside) / w.size) + 1e-4
print(f"largest |w| of a million: {np.abs(w).max():.4f}")
assert np.abs(w).max() < 0.06  # 5.5σ: a million draws exceed it with probability ≈ 4%; 6σ ≈ 0.2%

# %% [markdown]
# ## A 10-layer network, four initialisations, two activations
#
# Ten `nn.Linear(256, 256)` layers, each followed by tanh or ReLU, biases zero. A batch of 512 standard
# normal inputs goes forward; a random linear loss sends gradients back. For each layer we record the
# standard deviation of its **activations** and of its **weight gradient**.
#
# Why scale matters: a unit sums `fan_in` products $w x$, so $\mathrm{Var}(\text{pre-activation}) =
# \text{fan\_in}\cdot\mathrm{Var}(w)\cdot \mathbb E[x^2]$. If $\text{fan\_in}\cdot\mathrm{Var}(w)$ is below 1
# the signal shrinks geometrically with depth; above 1 it grows. Xavier picks
# $\mathrm{Var}(w) = 1/\text{fan\_in}$ (here fan_in = fan_out), right for tanh, which is the identity
# near 0. ReLU zeroes half its inputs and so halves $\mathbb E[x^2]$; Kaiming doubles the variance to
# compensate.

# %%
width, depth, batch = 256, 10, 512
inputs = ag.randn(batch, width)
direction = ag.randn(batch, width) / batch  # a random linear loss: the gradient it sends back has unit scale

inits = {
    "zeros": nn.init.zeros_,
    "N(0, 0.01)": lambda w: nn.init.normal_(w, 0.0, 0.01),
    "xavier": nn.init.xavier_normal_,
    "kaiming": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu"),
    "N(0, 1)": lambda w: nn.init.normal_(w, 0.0, 1.0),  # too large: shown in the histograms only
}
activations = {"tanh": ag.tanh, "ReLU": ag.relu}


def run(init, activation):
    """Per-layer activation arrays, activation std and weight-gradient std of a fresh 10-layer net."""
    layers = [nn.Linear(width, width) for _ in range(depth)]
    for layer in layers:
        init(layer.weight)
        nn.init.zeros_(layer.bias)
    h, outputs = inputs, []
    for layer in layers:
        h = activation(layer(h))
        outputs.append(h)
    (h * direction).sum().backward()
    values = [o.detach().numpy() for o in outputs]
    return values, np.array([v.std() for v in values]), np.array([layer.weight.grad.numpy().std() for layer in layers])


results = {(a, i): run(inits[i], activations[a]) for a in activations for i in inits}

# %%
layers = np.arange(1, depth + 1)
fig, axes = plt.subplots(2, 2, figsize=(12, 7), sharex=True)
for row, act in enumerate(activations):
    for name in ("zeros", "N(0, 0.01)", "xavier", "kaiming"):
        _, act_std, grad_std = results[act, name]
        label = name + (" (exactly 0, drawn at 1e-12)" if name == "zeros" else "")
        axes[row, 0].semilogy(layers, np.maximum(act_std, 1e-12), "o-", label=label)
        axes[row, 1].semilogy(layers, np.maximum(grad_std, 1e-12), "o-", label=label)
    axes[row, 0].set_title(f"{act}: std of activations per layer")
    axes[row, 1].set_title(f"{act}: std of weight gradients per layer")
axes[0, 0].legend(fontsize=8)
for ax in axes[1]:
    ax.set_xlabel("layer")
fig.tight_layout()

# %% [markdown]
# And the distributions themselves, layer by layer (the classic picture; counts on a log scale, ReLU's
# exact zeros left out):

# %%
cases = [("tanh", "N(0, 0.01)"), ("tanh", "N(0, 1)"), ("tanh", "xavier"), ("ReLU", "xavier"), ("ReLU", "kaiming")]
shown = [1, 4, 7, 10]
fig, axes = plt.subplots(1, len(cases), figsize=(15, 3.3), sharey=True)
for ax, (act, name) in zip(axes, cases):
    values, act_std, _ = results[act, name]
    bins = np.linspace(-1, 1, 81) if act == "tanh" else np.linspace(0, 3, 61)
    for k, layer in enumerate(shown):
        v = values[layer - 1].ravel()
        ax.hist(v if act == "tanh" else v[v > 0], bins=bins, histtype="step", lw=1.5,
                color=plt.cm.viridis(k / (len(shown) - 1)), label=f"layer {layer} (std {act_std[layer - 1]:.2g})")
    ax.set_yscale("log")
    ax.set_title(f"{act} + {name}", fontsize=10)
    ax.legend(fontsize=7, loc="upper right")
fig.tight_layout()

# %% [markdown]
# What the plots show (each claim asserted below):
#
# * **zeros**: every activation and every gradient is exactly 0 — nothing can ever learn (next section).
# * **N(0, 0.01)**: $256 \cdot 0.01^2 = 0.0256$, so each layer multiplies the signal's std by about 0.16: by
#   layer 10 it is gone, and the gradients are ~10⁻⁸ or smaller. (They are equally tiny in *every* layer: a
#   weight's gradient is the product of the signal coming forward into its layer, which shrinks with depth,
#   and the gradient coming back, which shrinks towards the input.)
# * **N(0, 1)** with tanh: $256 \cdot 1 = 256$; pre-activations are huge and tanh **saturates** at ±1, where its
#   derivative is 0.
# * **xavier** with tanh: the signal keeps a healthy scale through all ten layers (it decays only slowly,
#   because tanh is a little below the identity; `gain=calculate_gain('tanh')` = 5/3 would hold it level).
# * **xavier** with ReLU: each layer halves the variance, so the std falls by $1/\sqrt 2$ per layer —
#   about 20× over ten layers.
# * **kaiming** with ReLU: the std stays level across all ten layers.

# %%
def ratio(act, name):
    act_std = results[act, name][1]
    return act_std[-1] / act_std[0]


for act in activations:
    for name in ("N(0, 0.01)", "xavier", "kaiming"):
        print(f"{act:5s} {name:11s} std(layer 10) / std(layer 1) = {ratio(act, name):.3g}")

for act in activations:
    _, act_std, grad_std = results[act, "zeros"]
    assert np.all(act_std == 0) and np.all(grad_std == 0)
    assert ratio(act, "N(0, 0.01)") < 1e-6 and results[act, "N(0, 0.01)"][2].max() < 1e-7  # vanished
tanh_big = results["tanh", "N(0, 1)"][0][4]
assert np.mean(np.abs(tanh_big) > 0.99) > 0.8        # tanh + N(0, 1): most units saturated
assert 0.2 < ratio("tanh", "xavier") < 1             # xavier keeps tanh's signal alive
assert 0.1 < results["tanh", "xavier"][1][-1] < 1
assert abs(ratio("ReLU", "xavier") - 2 ** -4.5) < 0.02  # (1/√2)^9: halving the variance at every layer
assert 0.7 < ratio("ReLU", "kaiming") < 1.3          # kaiming holds ReLU's signal level
grad_std = results["ReLU", "kaiming"][2]
assert grad_std.max() / grad_std.min() < 2           # ... and its gradients too

# %% [markdown]
# ## Symmetry: why weights must be random
#
# If all weights start equal, every hidden unit computes the same function and receives the same
# gradient, so they stay equal forever: a layer of 16 units behaves like a single unit. With all-zero
# weights (and tanh) it is worse: the hidden activations are 0, so *no* weight gets any gradient and only
# the output bias learns.
#
# A 2 → 16 → 1 tanh network fits a small 2-D regression problem for 300 steps of SGD, from constant,
# zero and default (random) initialisation:

# %%
ag.manual_seed(1)
X = ag.rand(200, 2) * 4 - 2
y = (X[:, :1] * 1.5).sin() + 0.5 * X[:, 1:] ** 2


def train(init):
    model = nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 1))
    if init is not None:
        for p in model.parameters():
            init(p)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for _ in range(300):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return model, losses


trained = {
    "constant 0.3": train(lambda p: nn.init.constant_(p, 0.3)),
    "zeros": train(nn.init.zeros_),
    "default (random)": train(None),
}

fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
for name, (_, losses) in trained.items():
    axes[0].plot(losses, label=name)
axes[0].set_yscale("log")
axes[0].set_xlabel("SGD step")
axes[0].set_title("training loss")
axes[0].legend()
for name, (model, _) in trained.items():
    w = model[0].weight.detach().numpy()
    axes[1].plot(w[:, 0], w[:, 1], "o", label=name, alpha=0.7)
axes[1].set_title("hidden units' incoming weights after training (one dot per unit)")
axes[1].set_xlabel("w₁")
axes[1].set_ylabel("w₂")
axes[1].legend()
fig.tight_layout()

for name, (model, losses) in trained.items():
    w = model[0].weight.detach().numpy()
    print(f"{name:17s} final loss {losses[-1]:.4f}   largest difference between two units' weights {np.ptp(w, axis=0).max():.2e}")

w_constant = trained["constant 0.3"][0][0].weight.detach().numpy()
w_zero = trained["zeros"][0][0].weight.detach().numpy()
assert np.ptp(w_constant, axis=0).max() < 1e-5  # 16 units, still identical (to rounding) after 300 steps
assert np.all(w_zero == 0)                  # zero weights never received a gradient
assert trained["default (random)"][1][-1] < 0.5 * trained["constant 0.3"][1][-1]

# %% [markdown]
# All 16 "constant" units sit on a single dot: training moved them, but together. The random network's
# units spread out and fit the data far better.
#
# ## Takeaways
#
# * Initialise weights **randomly** (to break symmetry) and at the **right scale** (to keep the signal alive).
# * For a layer followed by tanh (or no nonlinearity), use Xavier; for ReLU, use Kaiming
#   (`nn.init.kaiming_normal_(w, nonlinearity='relu')`). The right scale keeps the activations *and* the
#   gradients at a similar size in every layer.
# * Tiny weights make deep networks output ≈ 0 with vanishing gradients; huge weights saturate tanh and
#   sigmoid units (or blow up ReLU networks).
