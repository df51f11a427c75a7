# %% [markdown]
# # 01 · Activation functions and their derivatives
#
# A neural network is a stack of affine maps with a **nonlinearity** between them; without it the
# stack collapses to a single affine map (notebook 03 shows this numerically). This notebook looks
# at the common activations — sigmoid, tanh, ReLU, leaky ReLU, ELU, GELU, SiLU, softplus and
# softmax — and at their **derivatives**, because the derivative is what backpropagation multiplies
# through every layer: where it is tiny, learning stalls; where it is zero, it stops.
#
# Every derivative below comes from this engine's own `backward()`, not from a hand-written formula.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd as ag

plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## Derivatives from `backward()`
#
# An activation acts elementwise, so its Jacobian is diagonal: output $i$ depends only on input $i$.
# Summing the outputs and calling `backward()` therefore leaves exactly $f'(x_i)$ in `x.grad[i]` —
# one backward pass gives the derivative at every point of the grid.

# %%
def value_and_derivative(fn, lo=-6.0, hi=6.0, steps=1201):
    """(x, f(x), f'(x)) on a grid, f' from the engine's backward."""
    x = ag.linspace(lo, hi, steps, requires_grad=True)
    y = fn(x)
    y.sum().backward()
    return x.detach().numpy(), y.detach().numpy(), x.grad.numpy()


x, s, ds = value_and_derivative(ag.sigmoid)
print("sigmoid'(0) from backward:", ds[np.argmin(np.abs(x))])

# %% [markdown]
# ## The reference values
#
# The lessons tabulate these values on the points $-3, \dots, 3$; the engine reproduces them (in
# float32, the default dtype).

# %%
points = ag.tensor([-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0])

sigmoid_ref = [0.04742587, 0.11920292, 0.26894143, 0.5, 0.7310586, 0.880797, 0.95257413]
leaky_ref = [-0.6, -0.4, -0.2, 0.0, 1.0, 2.0, 3.0]
elu_points = ag.tensor([-10000.0, -100.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0])
elu_ref = [-1, -1, -0.95021296, -0.86466473, -0.63212055, 0, 1, 2, 3]
softmax_ref = [0.0015683, 0.00426308, 0.01158826, 0.03150015, 0.0856263, 0.23275642, 0.6326975]

print("sigmoid         ", points.sigmoid().numpy())
print("leaky_relu(0.2) ", points.leaky_relu(0.2).numpy())
print("elu             ", elu_points.elu().numpy())
print("softmax         ", points.softmax(dim=0).numpy(), " sum =", points.softmax(dim=0).sum().item())

assert np.allclose(points.sigmoid().numpy(), sigmoid_ref, atol=1e-6)
assert np.allclose(points.leaky_relu(0.2).numpy(), leaky_ref, atol=1e-6)
assert np.allclose(elu_points.elu().numpy(), elu_ref, atol=1e-6)
assert np.isfinite(elu_points.elu().numpy()).all()  # exp(-10000) underflows to 0 cleanly, no overflow warning
assert np.allclose(points.softmax(dim=0).numpy(), softmax_ref, atol=1e-6)
assert abs(points.softmax(dim=0).sum().item() - 1) < 1e-6

# %% [markdown]
# ## All the functions and their derivatives
#
# Solid: the function. Dashed: its derivative as computed by `backward()`.

# %% image=notebooks/images/activation_functions.png
activations = {
    "sigmoid": ag.sigmoid,
    "tanh": ag.tanh,
    "ReLU": ag.relu,
    "leaky ReLU (0.2)": lambda t: ag.leaky_relu(t, 0.2),
    "ELU": ag.elu,
    "GELU": ag.gelu,
    "SiLU / swish": ag.silu,
    "softplus": ag.softplus,
}
curves = {name: value_and_derivative(fn, -5, 5, 1001) for name, fn in activations.items()}

fig, axes = plt.subplots(2, 4, figsize=(14, 6), sharex=True)
for ax, (name, (xs, ys, dys)) in zip(axes.flat, curves.items()):
    ax.plot(xs, ys, label="f(x)")
    ax.plot(xs, dys, "--", label="f'(x) from backward")
    ax.set_title(name)
    ax.set_ylim(-1.5, 3)
axes[0, 0].legend(loc="upper left")
fig.tight_layout()

# %% [markdown]
# ## Where the derivative peaks
#
# The sigmoid's derivative $\sigma'(x) = \sigma(x)(1-\sigma(x))$ is at most **0.25**, at $x = 0$;
# tanh's, $1 - \tanh^2 x$, is at most **1**, also at 0. Backpropagating through $n$ sigmoid layers
# multiplies the gradient by at most $0.25^n$ — one reason tanh (zero-centred, slope 1 at 0) and
# then ReLU replaced the sigmoid in hidden layers.

# %%
for name in ("sigmoid", "tanh"):
    xs, _, dys = curves[name]
    print(f"{name:8s} max f' = {dys.max():.6f} at x = {xs[dys.argmax()]:+.3f}")

xs, _, dsig = curves["sigmoid"]
_, _, dtanh = curves["tanh"]
assert abs(dsig.max() - 0.25) < 1e-6 and abs(xs[dsig.argmax()]) < 1e-6
assert abs(dtanh.max() - 1.0) < 1e-6 and abs(xs[dtanh.argmax()]) < 1e-6
print("upper bound on the gradient factor after 10 sigmoid layers:", 0.25**10)

# %% [markdown]
# tanh is a rescaled sigmoid, $\tanh x = 2\sigma(2x) - 1$, so the two share their shape; the
# rescaling is what moves the peak slope from 0.25 to 1 and centres the output on 0.

# %%
grid = ag.linspace(-4, 4, 81)
assert np.allclose(grid.tanh().numpy(), (2 * (2 * grid).sigmoid() - 1).numpy(), atol=1e-6)

# %% [markdown]
# ## Saturation
#
# Far from 0 the sigmoid and tanh are flat: their derivative is nearly zero, so a unit whose
# pre-activation lands there barely learns. Shaded: where $f'(x) < 0.01$.

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
for ax, name in zip(axes, ("sigmoid", "tanh")):
    xs, ys, dys = value_and_derivative(activations[name], -8, 8, 1601)
    ax.plot(xs, ys, label="f")
    ax.plot(xs, dys, "--", label="f'")
    ax.fill_between(xs, -1, 1, where=dys < 0.01, color="red", alpha=0.15, label="f' < 0.01 (saturated)")
    ax.set_title(f"{name}: saturates for |x| > {np.abs(xs[dys >= 0.01]).max():.1f}")
    ax.legend(loc="upper left", fontsize=8)
fig.tight_layout()

xs, _, dys = value_and_derivative(ag.sigmoid, -8, 8, 1601)
assert dys[np.abs(xs) > 5].max() < 0.01  # sigmoid'(5) = 0.0066
xs, _, dys = value_and_derivative(ag.tanh, -8, 8, 1601)
assert dys[np.abs(xs) > 3].max() < 0.01  # tanh'(3) = 0.0099

# %% [markdown]
# ## Dead ReLU
#
# ReLU's derivative is exactly 0 for negative inputs. A unit whose pre-activation is negative for
# **every** example gets no gradient at all — its weights never change again: it is *dead*. A large
# negative bias (or one big, unlucky update) is enough. Leaky ReLU keeps a small slope (here 0.2)
# on the negative side, so such a unit can still recover.

# %%
ag.manual_seed(0)
inputs = ag.randn(256, 20)                     # a batch of 256 examples with 20 features
weight = (ag.randn(20, 32) / 20**0.5).requires_grad_()  # 32 hidden units; pre-activations have std ≈ 1
bias = ag.linspace(-8, 2, 32)                            # biases from very negative to positive
bias.requires_grad_()


def hidden_gradients(act):
    weight.grad = bias.grad = None
    act(inputs @ weight + bias).sum().backward()
    return np.abs(weight.grad.numpy()).sum(0)   # total |gradient| reaching each unit's weights


relu_grad = hidden_gradients(ag.relu)
leaky_grad = hidden_gradients(lambda t: ag.leaky_relu(t, 0.2))
with ag.no_grad():
    dead = ((inputs @ weight + bias).numpy() <= 0).all(axis=0)  # negative pre-activation for every example
print(f"dead ReLU units: {dead.sum()} of 32 (every unit with bias ≤ {bias.detach().numpy()[dead].max():.2f})")

fig, ax = plt.subplots(figsize=(9, 3))
ax.bar(np.arange(32) - 0.2, relu_grad, width=0.4, label="ReLU")
ax.bar(np.arange(32) + 0.2, leaky_grad, width=0.4, label="leaky ReLU (0.2)")
ax.set_yscale("symlog")
ax.set_xlabel("hidden unit (bias increasing →)")
ax.set_ylabel("Σ|∂loss/∂w|")
ax.set_title("gradient reaching each unit's weights")
ax.legend()

assert dead.sum() >= 8                 # the units with very negative bias are dead ...
assert (leaky_grad > 0).all()          # ... but with leaky ReLU every unit still gets gradient
assert np.all(relu_grad[dead] == 0.0) and np.all(relu_grad[~dead] > 0)  # dead: exactly zero, not just small

# %% [markdown]
# ## ELU, GELU, SiLU, softplus: smooth alternatives
#
# * **ELU** $= x$ for $x>0$, $\alpha(e^x-1)$ otherwise: negative outputs push mean activations toward
#   zero, and its derivative on the negative side is $\mathrm{elu}(x)+\alpha$ — never exactly zero.
# * **softplus** $= \log(1+e^x)$ is a smooth ReLU whose derivative is exactly the sigmoid.
# * **GELU** $= x\,\Phi(x)$ and **SiLU** $= x\,\sigma(x)$ dip slightly below zero before rising: they
#   are not monotone. SiLU's minimum is about $-0.278$ at $x \approx -1.278$.
#
# Each claim is checked against the engine below.

# %%
xs, elu_y, elu_d = value_and_derivative(ag.elu, -5, 5, 1001)
neg = xs < 0
assert np.allclose(elu_d[neg], elu_y[neg] + 1.0, atol=1e-6)

xs, _, softplus_d = value_and_derivative(ag.softplus, -5, 5, 1001)
assert np.allclose(softplus_d, ag.tensor(xs).sigmoid().numpy(), atol=1e-6)

xs, silu_y, silu_d = value_and_derivative(ag.silu, -5, 5, 10001)
print(f"SiLU minimum {silu_y.min():.4f} at x = {xs[silu_y.argmin()]:.3f}; derivative there {silu_d[silu_y.argmin()]:.1e}")
assert abs(silu_y.min() + 0.2785) < 1e-3 and abs(xs[silu_y.argmin()] + 1.2785) < 2e-3

xs, gelu_y, _ = value_and_derivative(ag.gelu, -5, 5, 1001)
_, gelu_tanh, _ = value_and_derivative(lambda t: ag.gelu(t, approximate="tanh"), -5, 5, 1001)
print(f"GELU: largest gap between exact (erf) and tanh approximation: {np.abs(gelu_y - gelu_tanh).max():.1e}")
assert np.abs(gelu_y - gelu_tanh).max() < 1e-3

# %% [markdown]
# ## Second derivatives
#
# Because every backward rule is itself written with Tensor operations, `create_graph=True` makes the
# derivative differentiable again. The sigmoid's curvature is largest at $\pm 1.317$, where its
# slope changes fastest.

# %%
x = ag.linspace(-6, 6, 1201, dtype=ag.float64, requires_grad=True)
(first,) = ag.grad(x.sigmoid().sum(), x, create_graph=True)
(second,) = ag.grad(first.sum(), x)
xs = x.detach().numpy()
d2 = second.numpy()

fig, ax = plt.subplots(figsize=(7, 3))
ax.plot(xs, x.detach().sigmoid().numpy(), label="σ")
ax.plot(xs, first.detach().numpy(), "--", label="σ'")
ax.plot(xs, d2, ":", label="σ''")
ax.legend()
ax.set_title("sigmoid and its first two derivatives, all from the engine")

s_np = 1 / (1 + np.exp(-xs))
assert np.allclose(d2, s_np * (1 - s_np) * (1 - 2 * s_np), atol=1e-12)
assert abs(abs(xs[d2.argmax()]) - np.log(2 + np.sqrt(3))) < 0.01  # the inflection points of σ'

# %% [markdown]
# ## Softmax
#
# Softmax turns a vector of scores into a probability distribution,
# $\mathrm{softmax}(z)_i = e^{z_i} / \sum_j e^{z_j}$. Three properties matter in practice:
#
# 1. **Shift invariance**: adding a constant to every score changes nothing. Implementations subtract
#    the maximum first, so huge scores do not overflow.
# 2. **Temperature**: dividing the scores by $T$ sharpens ($T<1$) or flattens ($T>1$) the distribution.
# 3. Its **Jacobian** is $\mathrm{diag}(s) - s s^\top$ — not diagonal: every output depends on every
#    input, so the `sum().backward()` trick above does not apply. `autograd.functional.jacobian`
#    builds it one row per output.

# %%
s = points.softmax(dim=0)
assert np.allclose((points + 100).softmax(dim=0).numpy(), s.numpy(), atol=1e-6)
big = ag.tensor([1000.0, 1001.0, 1002.0]).softmax(dim=0).numpy()
print("softmax([1000, 1001, 1002]) =", big)
assert np.isfinite(big).all() and abs(big.sum() - 1) < 1e-6

fig, axes = plt.subplots(1, 2, figsize=(11, 3.2))
for T in (0.5, 1.0, 2.0, 5.0):
    axes[0].plot(points.numpy(), (points / T).softmax(dim=0).numpy(), "o-", label=f"T = {T}")
axes[0].set_title("softmax(z / T) of z = -3 … 3")
axes[0].set_xlabel("score z")
axes[0].legend()

z = points.double()
J = ag.functional.jacobian(lambda t: t.softmax(dim=0), z).numpy()
sd = z.softmax(dim=0).numpy()
assert np.allclose(J, np.diag(sd) - np.outer(sd, sd), atol=1e-12)
assert np.allclose(J.sum(axis=0), 0, atol=1e-12)  # the outputs always sum to 1, so their changes sum to 0
im = axes[1].imshow(J, cmap="RdBu", vmin=-0.25, vmax=0.25)
axes[1].grid(False)
axes[1].set_title("softmax Jacobian ∂s_i/∂z_j = diag(s) − s sᵀ")
fig.colorbar(im, ax=axes[1])
fig.tight_layout()

# %% [markdown]
# ## Summary
#
# | activation | range | max slope | zero gradient? | note |
# |---|---|---|---|---|
# | sigmoid | (0, 1) | 0.25 at 0 | saturates both sides | outputs not zero-centred; use for probabilities |
# | tanh | (−1, 1) | 1 at 0 | saturates both sides | zero-centred sigmoid |
# | ReLU | [0, ∞) | 1 | exactly 0 for x < 0 | cheap, no saturation for x > 0; units can die |
# | leaky ReLU | ℝ | 1 | never | small negative slope keeps units alive |
# | ELU | (−α, ∞) | 1 | never | smooth, mean activations nearer 0 |
# | GELU, SiLU | ≈(−0.17, ∞), (−0.28, ∞) | ≈1.1 | never | smooth, non-monotone; used in Transformers |
# | softplus | (0, ∞) | 1 | never | smooth ReLU, derivative = sigmoid |
# | softmax | simplex | — | — | vector → distribution; shift-invariant |
