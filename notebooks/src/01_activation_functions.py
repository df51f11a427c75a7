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
#
# The worked examples come from the course's source lessons (Chinese web pages, cited as *lesson 000*
# to *lesson 004*): their code is PyTorch or TensorFlow, reproduced here with this project's API, and
# every value they print is checked against this engine.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn

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
# ## The lessons' worked example: derivatives on a grid, one `backward()` at a time
#
# Lesson 004 plots ReLU, sigmoid and tanh and their derivatives on `torch.arange(-8.0, 8.0, 0.1,
# requires_grad=True)`, calling `y.sum().backward()` for each function and `x.grad.zero_()` in between:
# `backward()` **adds** into `.grad`, so without the reset the second derivative would be summed onto
# the first. The same code here, with the lesson's formulas checked:
#
# * $\mathrm{ReLU}'(x) = 0$ for $x < 0$ and $1$ for $x > 0$; at 0 it is not differentiable, and the
#   convention (PyTorch's, the lesson's and ours) is $0$;
# * $\sigma'(x) = \sigma(x)(1 - \sigma(x))$, largest ($0.25$) at 0;
# * $\tanh'(x) = 1 - \tanh^2 x$, largest ($1$) at 0.

# %%
x = ag.arange(-8.0, 8.0, 0.1, requires_grad=True)
y = x.relu()
y.sum().backward()
relu_grad = x.grad.numpy().copy()

x.grad.zero_()                     # without this, the sigmoid's derivative would be added to ReLU's
y = x.sigmoid()
y.sum().backward()
sigmoid_grad = x.grad.numpy().copy()

x.grad.zero_()
y = x.tanh()
y.sum().backward()
tanh_grad = x.grad.numpy().copy()

xs = x.detach().numpy()
fig, axes = plt.subplots(1, 3, figsize=(13, 2.8))
for ax, name, fn, grad in zip(axes, ("relu", "sigmoid", "tanh"), (ag.relu, ag.sigmoid, ag.tanh),
                              (relu_grad, sigmoid_grad, tanh_grad)):
    ax.plot(xs, fn(x).detach().numpy(), label=f"{name}(x)")
    ax.plot(xs, grad, "--", label=f"grad of {name}")
    ax.set_xlabel("x")
    ax.legend(fontsize=8)
fig.tight_layout()

s_np, t_np = 1 / (1 + np.exp(-xs.astype(np.float64))), np.tanh(xs.astype(np.float64))
assert np.array_equal(relu_grad, (xs > 0).astype(np.float32))
assert np.allclose(sigmoid_grad, s_np * (1 - s_np), atol=1e-6)
assert np.allclose(tanh_grad, 1 - t_np**2, atol=1e-6)
zero = ag.tensor([0.0], requires_grad=True)
zero.relu().sum().backward()
print("ReLU'(0) =", zero.grad.item(), "  max sigmoid' =", sigmoid_grad.max(), "  max tanh' =", tanh_grad.max())
assert zero.grad.item() == 0.0
assert abs(sigmoid_grad.max() - 0.25) < 1e-4 and abs(tanh_grad.max() - 1) < 1e-3  # the grid passes within 1e-14 of 0

# %% [markdown]
# The function `value_and_derivative` below does the same for any activation, on a fresh grid each time
# (so no reset is needed): an activation acts elementwise, so its Jacobian is diagonal, and summing the
# outputs before `backward()` leaves exactly $f'(x_i)$ in `x.grad[i]`.

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
# ## The lessons' printed values
#
# Lesson 001 prints sigmoid, tanh, ReLU, leaky ReLU (slope 0.2), ELU (also at −100 and −10000) and
# softmax of the points $-3, \dots, 3$ (with TensorFlow, in float32). The engine reproduces every value
# it prints, and agrees with the formulas computed independently in numpy (float64):
# $\sigma(x) = 1/(1+e^{-x})$, $\tanh$, $\max(x, 0)$, $x$ or $0.2x$, $x$ or $e^x - 1$, $e^{x_i}/\sum_j e^{x_j}$.

# %%
points = ag.tensor([-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0])
elu_points = ag.tensor([-10000.0, -100.0, -3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0])

printed_in_lesson = {  # lesson 001's outputs, digit for digit
    "sigmoid": [0.04742587, 0.11920292, 0.26894143, 0.5, 0.7310586, 0.880797, 0.95257413],
    "tanh": [-0.9950547, -0.9640276, -0.7615942, 0.0, 0.7615942, 0.9640276, 0.9950547],
    "relu": [0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0],
    "leaky_relu(0.2)": [-0.6, -0.4, -0.2, 0.0, 1.0, 2.0, 3.0],
    "elu": [-1.0, -1.0, -0.95021296, -0.86466473, -0.63212055, 0.0, 1.0, 2.0, 3.0],
    "softmax": [0.0015683, 0.00426308, 0.01158826, 0.03150015, 0.0856263, 0.23275642, 0.6326975],
}
ours = {
    "sigmoid": points.sigmoid(), "tanh": points.tanh(), "relu": points.relu(),
    "leaky_relu(0.2)": points.leaky_relu(0.2), "elu": elu_points.elu(), "softmax": points.softmax(dim=0),
}
p, e = points.numpy().astype(np.float64), elu_points.numpy().astype(np.float64)
formula = {
    "sigmoid": 1 / (1 + np.exp(-p)), "tanh": np.tanh(p), "relu": np.maximum(p, 0),
    "leaky_relu(0.2)": np.where(p > 0, p, 0.2 * p), "elu": np.where(e > 0, e, np.expm1(np.minimum(e, 0))),
    "softmax": np.exp(p) / np.exp(p).sum(),
}
for name, value in ours.items():
    print(f"{name:16s}", value.numpy())
    assert np.allclose(value.numpy(), printed_in_lesson[name], atol=1e-6), name
    assert np.allclose(value.numpy(), formula[name], atol=1e-6), name
print("softmax sum     ", points.softmax(dim=0).sum().item())
assert abs(points.softmax(dim=0).sum().item() - 1) < 1e-6
assert np.isfinite(elu_points.elu().numpy()).all()  # exp(-10000) underflows to 0 cleanly, no overflow warning

# %% [markdown]
# ### Softmax keeps the order of the scores
#
# Lesson 002's example: `torch.softmax(scores, dim=0)` of ten scores. Softmax maps the scores into
# $(0, 1)$, the results sum to 1 (a probability distribution), and because $e^z$ is increasing, the
# largest score gets the largest probability: the predicted class, the `argmax`, is unchanged (lesson
# 000 says the same of turning a regression's outputs into class probabilities).

# %%
scores = ag.tensor([0.2, 0.02, 0.15, 0.15, 1.3, 0.5, 0.06, 1.1, 0.05, 3.75])
probabilities = ag.softmax(scores, dim=0)
print(probabilities)
print("sum:", probabilities.sum().item(), "  argmax of the scores:", scores.argmax().item(),
      "  argmax of the probabilities:", probabilities.argmax().item())

z = scores.numpy().astype(np.float64)
expected = np.exp(z) / np.exp(z).sum()
assert np.allclose(probabilities.numpy(), expected, atol=1e-7)
assert abs(probabilities.sum().item() - 1) < 1e-6 and ((probabilities.numpy() > 0) & (probabilities.numpy() < 1)).all()
assert probabilities.argmax().item() == scores.argmax().item() == 9
assert np.array_equal(np.argsort(probabilities.numpy(), kind="stable"), np.argsort(z, kind="stable"))  # the whole order

# %% [markdown]
# Lesson 002 calls softmax the generalisation of the sigmoid to several classes: for two classes with scores
# $(z, 0)$, $\mathrm{softmax}(z, 0)_1 = e^z / (e^z + 1) = \sigma(z)$.

# %%
z2 = ag.linspace(-6, 6, 25)
pairs = ag.stack([z2, ag.zeros(25)], dim=1)            # scores (z, 0) for 25 values of z
assert np.allclose(pairs.softmax(dim=1)[:, 0].numpy(), z2.sigmoid().numpy(), atol=1e-6)
print("softmax of (z, 0), first entry = sigmoid(z) for every z")

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
# multiplies the gradient by $n$ of these derivatives — each factor at most 0.25, so $0.25^n$ from the
# activations alone — one reason tanh (zero-centred, slope 1 at 0) and then ReLU replaced the sigmoid
# in hidden layers. (The weights multiply in too; the next section makes the bound exact.)

# %%
for name in ("sigmoid", "tanh"):
    xs, _, dys = curves[name]
    print(f"{name:8s} max f' = {dys.max():.6f} at x = {xs[dys.argmax()]:+.3f}")

xs, _, dsig = curves["sigmoid"]
_, _, dtanh = curves["tanh"]
assert abs(dsig.max() - 0.25) < 1e-6 and abs(xs[dsig.argmax()]) < 1e-6
assert abs(dtanh.max() - 1.0) < 1e-6 and abs(xs[dtanh.argmax()]) < 1e-6
print("the sigmoids' share of the gradient factor after 10 layers is at most 0.25**10 =", 0.25**10)

# %% [markdown]
# ### The bound with the weights in it
#
# A layer $h_k = \sigma(W_k h_{k-1})$ has Jacobian $\mathrm{diag}(\sigma'(W_k h_{k-1}))\,W_k$, so the
# gradient reaching the input of $n$ layers obeys
#
# $$\|\partial L / \partial x\| \le \prod_{k=1}^{n} \bigl(0.25\,\|W_k\|_2\bigr)\;\|\partial L / \partial h_n\|$$
#
# with $\|W\|_2$ the largest singular value. $0.25^n$ alone is a bound only when every $\|W_k\|_2 \le 1$:
# large weights can make up for the sigmoid's small slope (and small ones, like PyTorch's default
# initialisation in notebook 04, make it worse). Ten layers of width 16, weights drawn at two scales:

# %%
ag.manual_seed(0)
depth, width = 10, 16
for scale in (1.0, 3.0):
    weights = [ag.randn(width, width) * (scale / width**0.5) for _ in range(depth)]
    x_in = ag.randn(1, width, requires_grad=True)
    h = x_in
    for W in weights:
        h = (h @ W.T).sigmoid()
    upstream = ag.randn(1, width)        # ∂L/∂h_n for the loss L = (h_n · upstream)
    (h * upstream).sum().backward()
    gain = np.linalg.norm(x_in.grad.numpy()) / np.linalg.norm(upstream.numpy())
    bound = np.prod([0.25 * np.linalg.norm(W.numpy(), 2) for W in weights])
    print(f"weight std {scale / width**0.5:.2f}: ‖∂L/∂x‖ / ‖∂L/∂h_n‖ = {gain:.2e}  ≤  ∏ 0.25·‖W_k‖ = {bound:.2e}"
          f"   (0.25^10 = {0.25**depth:.2e})")
    assert gain <= bound
    if scale == 3.0:
        assert gain > 0.25**depth  # with large weights, 0.25^n alone is not a bound

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
# Lesson 001 names this precisely. An activation is **right-saturating** if $f'(x) \to 0$ as
# $x \to +\infty$ and **left-saturating** if $f'(x) \to 0$ as $x \to -\infty$; saturation makes
# gradients vanish, so the model stops learning. (ReLU's left side is *hard* saturation: the derivative is
# exactly 0 there, not just tending to it.) The derivatives at $\pm 30$, from `backward()`. (ELU's
# $e^{-30} \approx 9 \times 10^{-14}$ prints as 0 because this engine computes ELU's derivative from its
# output, $\mathrm{elu}(x) + \alpha$, and $-1 + e^{-30}$ is exactly $-1$ in float32; PyTorch computes it
# from $e^x$. Either way ELU saturates on the left.)

# %%
far = ag.tensor([-30.0, 30.0])
saturation = {}
for name, fn in (("sigmoid", ag.sigmoid), ("tanh", ag.tanh), ("ReLU", ag.relu),
                 ("leaky ReLU (0.2)", lambda t: ag.leaky_relu(t, 0.2)), ("ELU", ag.elu), ("softplus", ag.softplus)):
    t = far.clone().requires_grad_()
    fn(t).sum().backward()
    left, right = t.grad.tolist()
    saturation[name] = (left < 1e-6, right < 1e-6)
    print(f"{name:17s} f'(-30) = {left:.1e}   f'(+30) = {right:.1e}   "
          f"{'left' if left < 1e-6 else '    '} {'right' if right < 1e-6 else ''}")
assert saturation == {"sigmoid": (True, True), "tanh": (True, True), "ReLU": (True, False),
                      "leaky ReLU (0.2)": (False, False), "ELU": (True, False), "softplus": (True, False)}

# %% [markdown]
# ### The sigmoid's useful input range
#
# Lesson 002 puts numbers on it: outside about $[-6, 6]$ every input gives nearly the same output, so
# information is lost — inputs of 100 and 10000 differ a hundredfold, yet both come out as 1 — and the
# sigmoid works best for inputs in about $[-3, 3]$. Its code, reproduced: the function and its derivative
# (from `backward()`) on `torch.linspace(-20, 20, 1000)`.

# %%
x = ag.linspace(-20, 20, 1000, requires_grad=True)
y = ag.sigmoid(x)
y.sum().backward()

fig, axes = plt.subplots(1, 2, figsize=(11, 3))
axes[0].plot(x.detach().numpy(), y.detach().numpy())
axes[0].set_title("sigmoid on [-20, 20]")
axes[1].plot(x.detach().numpy(), x.grad.numpy())
axes[1].set_title("its derivative, from backward()")
for ax in axes:
    for edge, colour in ((3, "green"), (6, "red")):
        ax.axvspan(-edge, edge, color=colour, alpha=0.08)
fig.tight_layout()

sig = ag.tensor([-6.0, -3.0, 3.0, 6.0, 100.0, 10000.0]).sigmoid().tolist()
print(f"sigmoid(100) = {sig[4]}, sigmoid(10000) = {sig[5]}: the hundredfold difference is gone")
print(f"outputs covered by inputs in [-3, 3]: {sig[2] - sig[1]:.3f} of the range; in [-6, 6]: {sig[3] - sig[0]:.4f}")
print(f"derivative at 3: {x.grad.numpy()[np.argmin(abs(x.detach().numpy() - 3))]:.3f};"
      f" at 6: {x.grad.numpy()[np.argmin(abs(x.detach().numpy() - 6))]:.4f} (peak 0.25)")
assert sig[4] == sig[5] == 1.0                             # float32: both round to exactly 1
assert abs((sig[2] - sig[1]) - np.tanh(1.5)) < 1e-6        # σ(a) − σ(−a) = tanh(a/2): 0.905 for a = 3
assert abs((sig[3] - sig[0]) - np.tanh(3.0)) < 1e-6        # 0.995 for a = 6
assert x.grad.numpy()[np.abs(x.detach().numpy()) > 6].max() < 0.0025  # σ'(6) = 0.00247: 1% of the peak

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

# Lesson 001: ELU's outputs average nearer zero than ReLU's (for standard normal inputs, E[relu] = 1/√(2π)
# and E[elu] = 1/√(2π) + e^{1/2}Φ(−1) − 1/2), and the sigmoid's are not zero-centred, tanh's are.
ag.manual_seed(0)
z = ag.randn(200_000)
means = {name: fn(z).mean().item() for name, fn in (("sigmoid", ag.sigmoid), ("tanh", ag.tanh),
                                                   ("ReLU", ag.relu), ("ELU", ag.elu))}
print("mean output for N(0, 1) inputs:", {name: round(m, 3) for name, m in means.items()})
relu_mean = 1 / math.sqrt(2 * math.pi)
elu_mean = relu_mean + math.exp(0.5) * 0.5 * math.erfc(1 / math.sqrt(2)) - 0.5  # Φ(−1) = erfc(1/√2)/2
assert abs(means["ReLU"] - relu_mean) < 0.01 and abs(means["ELU"] - elu_mean) < 0.01
assert abs(means["ELU"]) < abs(means["ReLU"]) / 2
assert abs(means["sigmoid"] - 0.5) < 0.01 and abs(means["tanh"]) < 0.01

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
# ## Choosing an activation
#
# The lessons' advice (lessons 000 and 002), with the reason each part holds from this notebook:
#
# **Hidden layers**
#
# 1. Start with **ReLU**: cheap (no exponential), slope 1 wherever it is active, so it does not saturate
#    for $x > 0$ and deep networks keep their gradients (notebook 04).
# 2. If ReLU works poorly, try its relatives: **leaky ReLU**, ELU, GELU/SiLU.
# 3. With ReLU, watch for **dead units** (above): avoid large gradients and learning rates that push many
#    units into the zero region for good.
# 4. Use the **sigmoid** rarely in hidden layers (it saturates and is not zero-centred); if a squashing
#    function is needed, prefer **tanh**.
#
# **Output layer** — chosen by what the output means, not by gradient flow:
#
# * binary classification: **sigmoid**, one probability $p \in (0, 1)$;
# * multi-class classification, one class per example: **softmax**, a distribution over the classes;
# * multi-label classification, where several classes can be true at once (lesson 001: when the classes are
#   related rather than exclusive): one **sigmoid** per class, each an independent probability;
# * regression: **no activation** (identity), since the target can be any real number.
#
# ReLU belongs in hidden layers only: as an output it could never predict a negative value and, for
# inputs below 0, would send back no gradient at all. In code, the output activation is usually folded
# into the loss (`F.cross_entropy` takes logits and applies log-softmax itself;
# `F.binary_cross_entropy_with_logits` takes the sigmoid's input), which is more accurate.

# %%
logits = ag.tensor([[2.0, -1.0, 0.5]])
targets = ag.tensor([0])
by_hand = -logits.softmax(dim=1).log()[0, 0]
assert abs(nn.functional.cross_entropy(logits, targets).item() - by_hand.item()) < 1e-6  # softmax is inside the loss
huge = ag.tensor([[200.0, -200.0, 0.0]])
with np.errstate(divide="ignore"):  # log(0) below is the point
    separate = huge.softmax(dim=1).log()[0, 1].item()
print("cross_entropy with logits [200, -200, 0] and target 1:", nn.functional.cross_entropy(huge, ag.tensor([1])).item(),
      "  log(softmax) computed separately:", separate)
assert abs(nn.functional.cross_entropy(huge, ag.tensor([1])).item() - 400.0) < 1e-3  # exact log-softmax: 400
assert separate == float("-inf")                                                      # softmax underflows to 0 first

# %% [markdown]
# ## Summary
#
# | activation | range | max slope | saturates | note | use in |
# |---|---|---|---|---|---|
# | sigmoid | (0, 1) | 0.25 at 0 | both sides | not zero-centred; useful inputs ≈ [−3, 3] | binary output |
# | tanh | (−1, 1) | 1 at 0 | both sides | zero-centred sigmoid | hidden (RNNs) |
# | ReLU | [0, ∞) | 1 | left, hard (exactly 0) | cheap, no saturation for x > 0; units can die | hidden (first choice) |
# | leaky ReLU | ℝ | 1 | never | small negative slope keeps units alive | hidden |
# | ELU | (−α, ∞) | 1 | left, soft | smooth, mean activations nearer 0 | hidden |
# | GELU, SiLU | ≈(−0.17, ∞), (−0.28, ∞) | ≈1.1 | left, soft | smooth, non-monotone; used in Transformers | hidden |
# | softplus | (0, ∞) | 1 | left, soft | smooth ReLU, derivative = sigmoid | positive outputs |
# | softmax | simplex | — | — | vector → distribution; shift-invariant, keeps the argmax | multi-class output |
