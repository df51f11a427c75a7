# %% [markdown]
# # 06 · Regularisation: under-fitting, over-fitting and what to do about them
#
# A model **under-fits** when it is too simple to capture the pattern (high error on training *and*
# validation data) and **over-fits** when it is flexible enough to memorise the noise in a small training
# set (low training error, high validation error). This notebook shows both on a small regression problem,
# how the picture changes with model size and data size, the split of the expected error into bias,
# variance and noise, and the standard remedies: L1, L2 and elastic-net penalties, weight decay, dropout
# (in both of its conventions), and — for training deep networks at all — batch, layer, instance and
# group normalisation. It ends with what happens when the test data stop looking like the training
# data: dataset shift.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np
from numpy.polynomial.legendre import legvander
from sklearn.datasets import load_digits

import autograd as ag
import nn
import nn.functional as F
from nn.data import DataLoader, TensorDataset

_ = ag.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# The words, as lesson 000 defines them: the **training error** is the model's error on its training set;
# the **generalisation error** is its expected error on a new example from the same distribution, which is
# what we want small and what a held-out **test set** estimates. A **validation set**, also held out from
# training, is used to choose between models and hyperparameters (here: the degree, the penalty); when data
# are too scarce to set one aside, k-fold cross-validation (notebook 03) reuses the training data instead.
# **Under-fitting**: the model cannot reach a low training error. **Over-fitting**: its training error is far
# below its test error.
#
# ## The problem
#
# Noisy samples of $y = \sin 5x$ on $[-1, 1]$ (noise std 0.2, so the best achievable mean squared error is
# $0.2^2 = 0.04$). The model is a polynomial of degree $d$: a `Linear(d + 1, 1)` layer on the features
# $P_0(x), \dots, P_d(x)$ (Legendre polynomials, which are well conditioned on $[-1, 1]$), trained with
# Adam on the mean squared error. The degree is the model size. 15 training points, 500 validation points.

# %%
NOISE = 0.2


def sample(n):
    x = np.sort(ag.rand(n).numpy() * 2 - 1)
    return x, (np.sin(5 * x) + NOISE * ag.randn(n).numpy()).astype(np.float32)


def features(x, degree):
    return ag.tensor(legvander(x, degree).astype(np.float32))


x_val, y_val = sample(500)
x_train, y_train = sample(15)


def fit(x, y, degree, penalty=None, steps=800, lr=0.05):
    """A degree-`degree` polynomial fitted by Adam; `penalty(weight)` is added to the loss. Returns the model."""
    X, Y = features(x, degree), ag.tensor(y[:, None])
    model = nn.Linear(degree + 1, 1, bias=False)  # P_0 = 1 is the bias
    nn.init.zeros_(model.weight)
    optimizer = nn.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.mse_loss(model(X), Y)
        if penalty is not None:
            loss = loss + penalty(model.weight)
        loss.backward()
        optimizer.step()
    return model


def mse(model, x, y):
    with ag.no_grad():
        return F.mse_loss(model(features(x, model.in_features - 1)), ag.tensor(y[:, None])).item()


def predict(model, x):
    with ag.no_grad():
        return model(features(x, model.in_features - 1)).numpy().ravel()

# %% [markdown]
# ## Model size: from under- to over-fitting

# %%
degrees = [1, 3, 5, 9, 14]
by_degree = {d: fit(x_train, y_train, d) for d in degrees}
train_err = np.array([mse(by_degree[d], x_train, y_train) for d in degrees])
val_err = np.array([mse(by_degree[d], x_val, y_val) for d in degrees])

grid = np.linspace(-1, 1, 300)
fig, axes = plt.subplots(1, 4, figsize=(15, 3.3))
for ax, d in zip(axes, [1, 5, 14]):
    ax.plot(grid, np.sin(5 * grid), "k:", label="truth")
    ax.plot(grid, predict(by_degree[d], grid), "C1", label=f"degree {d}")
    ax.plot(x_train, y_train, "o", color="C0", label="training data")
    ax.set_ylim(-2, 2)
    ax.set_title(f"degree {d}: train {train_err[degrees.index(d)]:.3f}, val {val_err[degrees.index(d)]:.3f}")
axes[0].legend(fontsize=8, loc="lower left")
axes[3].plot(degrees, train_err, "o-", label="train")
axes[3].plot(degrees, val_err, "o-", label="validation")
axes[3].axhline(NOISE**2, color="k", ls=":", label="noise floor")
axes[3].set_yscale("log")
axes[3].set_ylim(1e-3, 2)
axes[3].set_xlabel("degree (model size)")
axes[3].set_title("error vs model size")
axes[3].legend(fontsize=8)
fig.tight_layout()

for d, tr, va in zip(degrees, train_err, val_err):
    print(f"degree {d:2d}: train MSE {tr:.4f}   validation MSE {va:.4f}")
best = degrees[int(np.argmin(val_err))]
assert np.all(np.diff(train_err) < 0)              # a bigger model always fits the training data better ...
assert val_err[0] > 0.3 and train_err[0] > 0.2     # degree 1 under-fits: bad on both
assert 3 < best < 14                               # ... but validation error is U-shaped
assert train_err[-1] < 0.01 and val_err[-1] > 2 * val_err.min()  # degree 14 over-fits: memorises the noise

# %% [markdown]
# The training error falls with every extra degree; the validation error falls, bottoms out, and climbs
# again. The degree-14 polynomial passes (almost) through every noisy point — its training error is far
# *below* the noise floor, which is only possible by fitting the noise.
#
# ## Data size: more data tames a big model
#
# Keep the flexible degree-9 model and grow the training set:

# %%
sizes = [10, 20, 40, 80, 160]
curves, train_noise = [], []
for n in sizes:
    x, y = sample(n)
    model = fit(x, y, 9)
    curves.append((mse(model, x, y), mse(model, x_val, y_val)))
    train_noise.append(np.mean((y - np.sin(5 * x)) ** 2))  # what the true function itself scores on this sample
curves, train_noise = np.array(curves), np.array(train_noise)
val_noise = np.mean((y_val - np.sin(5 * x_val)) ** 2)

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(sizes, curves[:, 0], "o-", label="train")
ax.plot(sizes, curves[:, 1], "o-", label="validation")
ax.axhline(NOISE**2, color="k", ls=":", label="noise floor")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("number of training points")
ax.set_title("degree 9: error vs data size")
ax.legend()
for n, (tr, va), floor in zip(sizes, curves, train_noise):
    print(f"n = {n:3d}: train {tr:.4f}   validation {va:.4f}   gap {va - tr:+.4f}   "
          f"(the truth scores {floor:.4f} on this training set, {val_noise:.4f} on the validation set)")
gap = curves[:, 1] - curves[:, 0]
excess_gap = (curves[:, 1] - val_noise) - (curves[:, 0] - train_noise)
assert np.all(excess_gap > 0)  # measured against each set's own noise, validation is always the harder one
assert gap[0] > 10 * gap[-1]                        # the generalisation gap closes ...
assert curves[0, 0] < NOISE**2 < curves[-1, 0] * 1.5 and curves[-1, 1] < 1.5 * NOISE**2  # ... both meet near the noise floor

# %% [markdown]
# With 10 points the model memorises; with 160 points the same model cannot, and both errors approach the
# noise floor. More data is the best regulariser — when you cannot get it, constrain the model instead.
#
# At 80 and 160 points the printed gap is **negative**: the model does better on validation than on the
# data it was trained on. That is not a bug, but sampling noise. Each error is an average over one finite
# sample of noise, and the last column shows how large that noise is in each sample — the score of the
# *true* function $\sin 5x$ itself. The large training sets here happen to be noisier than 0.04, the
# 500-point validation set a little less noisy; once the model is too constrained to fit the noise, that
# difference is all that is left of the gap. Measured against each set's own noise level, validation error
# is the larger one at every size (asserted above). The *expected* gap is positive and shrinks as $n$
# grows; any one measurement of it can fall below zero.
#
# ## Bias, variance and noise
#
# Lesson 003 splits the expected error of a learning algorithm into three parts. At a test input $x$
# with $y = f(x) + \varepsilon$, and $\hat f_D$ the model trained on a random training set $D$:
#
# $$\mathbb E_{D,\varepsilon}\bigl[(y - \hat f_D(x))^2\bigr]
#   = \underbrace{\bigl(\mathbb E_D[\hat f_D(x)] - f(x)\bigr)^2}_{\text{bias}^2}
#   + \underbrace{\mathbb E_D\bigl[(\hat f_D(x) - \mathbb E_D[\hat f_D(x)])^2\bigr]}_{\text{variance}}
#   + \underbrace{\sigma^2}_{\text{noise}} .$$
#
# **Bias** measures how far the algorithm's average prediction is from the truth — its ability to fit.
# **Variance** measures how much the prediction changes when the training set is redrawn at the same size —
# the effect of the data's randomness. **Noise** is the error no algorithm can avoid, here $0.2^2 = 0.04$.
# Over-fitting is variance too large; regularisation is the set of strategies that reduce variance.
#
# To measure the terms, redraw the 15-point training set 200 times, refit every polynomial degree on each
# (the same `fit` as above: Adam, 800 steps from zero — all 200 fits of a degree at once, as one batched
# tensor, which gives each fit exactly the steps it would get alone), and average over a grid of test
# inputs, with fresh noise for the measured error. Only odd degrees: $\sin 5x$ is an odd function, so an
# even Legendre polynomial, which is even, cannot help fit it — adding one adds variance and no fit.

# %%
RESAMPLES = 200
resampled_x = np.sort(ag.rand(RESAMPLES, 15).numpy() * 2 - 1, axis=1)
resampled_y = (np.sin(5 * resampled_x) + NOISE * ag.randn(RESAMPLES, 15).numpy()).astype(np.float32)
test_x = np.linspace(-1, 1, 201)


def fit_many(xs, ys, degree, steps=800, lr=0.05):
    """`fit` on every row of xs, ys at once: weights (rows, degree + 1, 1), one Adam over the summed losses."""
    X, Y = ag.tensor(legvander(xs, degree).astype(np.float32)), ag.tensor(ys[..., None])
    weight = ag.zeros(len(xs), degree + 1, 1, requires_grad=True)
    optimizer = nn.optim.Adam([weight], lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        ((X @ weight - Y) ** 2).mean(dim=(1, 2)).sum().backward()  # fit k's loss moves only fit k's weights
        optimizer.step()
    with ag.no_grad():
        return (ag.tensor(legvander(test_x, degree).astype(np.float32)) @ weight).numpy()[..., 0]  # (rows, test points)


# the batched fits are the single fits: check one against `fit`
alone = predict(fit(resampled_x[0], resampled_y[0], 5), test_x)
assert np.allclose(fit_many(resampled_x[:3], resampled_y[:3], 5)[0], alone, atol=1e-4)

bv_degrees = [1, 3, 5, 7, 9, 11, 13]
truth = np.sin(5 * test_x)
fresh_targets = truth + NOISE * ag.randn(RESAMPLES, len(test_x)).numpy()  # new noise at every test input
bias2, variance, measured = [], [], []
spaghetti = {}
for degree in bv_degrees:
    predictions = fit_many(resampled_x, resampled_y, degree)
    mean_prediction = predictions.mean(axis=0)
    bias2.append(np.mean((mean_prediction - truth) ** 2))
    variance.append(np.mean(predictions.var(axis=0)))
    measured.append(np.mean((fresh_targets - predictions) ** 2))
    if degree in (1, 5, 13):
        spaghetti[degree] = predictions[:20]
bias2, variance, measured = map(np.array, (bias2, variance, measured))

fig, axes = plt.subplots(1, 4, figsize=(16, 3.4))
for ax, degree in zip(axes, (1, 5, 13)):
    ax.plot(test_x, spaghetti[degree].T, color="C1", alpha=0.3, lw=1)
    ax.plot(test_x, truth, "k", lw=2, label="truth")
    ax.set_ylim(-2, 2)
    ax.set_title(f"degree {degree}: 20 of the 200 fits", fontsize=10)
axes[0].legend(loc="lower left", fontsize=8)
axes[3].plot(bv_degrees, bias2, "o-", label="bias²")
axes[3].plot(bv_degrees, variance, "o-", label="variance")
axes[3].axhline(NOISE**2, color="k", ls=":", label="noise σ²")
axes[3].plot(bv_degrees, bias2 + variance + NOISE**2, "k-", lw=2, alpha=0.5, label="bias² + variance + noise")
axes[3].plot(bv_degrees, measured, "x", color="C3", ms=8, label="measured test error")
axes[3].set_yscale("log")
axes[3].set_xlabel("degree (model size)")
axes[3].legend(fontsize=7)
fig.tight_layout()

print("degree   bias²     variance  noise   sum      measured")
for d, b2, v, m in zip(bv_degrees, bias2, variance, measured):
    print(f"{d:6d}  {b2:.4f}   {v:.4f}   {NOISE**2:.2f}   {b2 + v + NOISE**2:.4f}   {m:.4f}")
assert np.allclose(bias2 + variance + NOISE**2, measured, rtol=0.03)  # the decomposition accounts for the error
assert bias2[0] > 0.5 * measured[0] and variance[-1] > 0.8 * measured[-1]  # degree 1: mostly bias; 13: mostly variance
assert np.all(np.diff(variance[2:]) > 0) and variance[-1] > 5 * variance[0]  # variance grows with the degree ...
assert bias2[0] > bias2[1] > bias2[2] and np.all(bias2[2:] < 0.15 * bias2[0])  # ... while bias falls, then stays small
best_degree = bv_degrees[int(np.argmin(measured))]
assert 3 < best_degree < 13                                               # the best trade-off lies in between

# %% [markdown]
# The low-degree fits all miss in the same way (bias); the degree-13 fits are nearly right on average but
# each one wiggles differently with its training set, wildly so where a training set happens to leave an
# end of the interval empty (variance). The best degree balances the two, and no degree gets below the
# noise. (Bias creeps up again at the highest degrees: 800 Adam steps from zero do not reach the exact
# least-squares fit, and stopping early is itself a mild regulariser. And the variance of degree 3 is above
# that of degree 5: a cubic is so wrong for $\sin 5x$ that where the 15 points fall decides which wrong cubic
# it fits — a misfitting model has variance too.)

# %% [markdown]
# ## Penalties: L2, L1 and elastic net
#
# Add a penalty on the weights to the loss:
#
# * **L2** (ridge): $\lambda \sum w^2$ — shrinks all weights smoothly towards 0;
# * **L1** (lasso): $\lambda \sum |w|$ — pushes small weights to (nearly) exactly 0: a *sparse* model;
# * **elastic net**: a mix of the two, $\lambda(\alpha \sum |w| + (1-\alpha) \sum w^2)$.
#
# The penalty is just more Tensor operations in the loss, so the engine differentiates it like everything
# else. Applied to the over-fitting degree-14 model:

# %%
penalties = {
    "none": None,
    "L2, λ = 1e-3": lambda w: 1e-3 * (w**2).sum(),
    "L1, λ = 1e-2": lambda w: 1e-2 * w.abs().sum(),
    "elastic net, λ = 1e-2, α = 0.5": lambda w: 1e-2 * (0.5 * w.abs().sum() + 0.5 * (w**2).sum()),
}
regularised = {name: fit(x_train, y_train, 14, penalty) for name, penalty in penalties.items()}

fig, axes = plt.subplots(1, 2, figsize=(14, 3.8))
for k, (name, model) in enumerate(regularised.items()):
    w = model.weight.detach().numpy().ravel()
    axes[0].bar(np.arange(15) + (k - 1.5) * 0.2, w, width=0.2, label=name)
    axes[1].plot(grid, predict(model, grid), label=f"{name}: val {mse(model, x_val, y_val):.3f}")
axes[0].set_xlabel("Legendre coefficient (degree)")
axes[0].set_title("weights")
axes[0].legend(fontsize=8)
axes[1].plot(x_train, y_train, "ko")
axes[1].set_ylim(-2, 2)
axes[1].set_title("fits")
axes[1].legend(fontsize=8)
fig.tight_layout()

weights = {name: model.weight.detach().numpy().ravel() for name, model in regularised.items()}
val = {name: mse(model, x_val, y_val) for name, model in regularised.items()}
for name in penalties:
    print(f"{name:31s} val MSE {val[name]:.4f}   Σw² {np.sum(weights[name]**2):.2f}   "
          f"|w| < 0.02: {np.sum(np.abs(weights[name]) < 0.02)} of 15")
for name in list(penalties)[1:]:
    assert val[name] < 0.7 * val["none"]  # every penalty generalises better than none
assert np.sum(weights["L2, λ = 1e-3"] ** 2) < np.sum(weights["none"] ** 2)
assert np.sum(np.abs(weights["L1, λ = 1e-2"]) < 0.02) >= 5  # L1 zeroes many coefficients ...
assert np.sum(np.abs(weights["L1, λ = 1e-2"]) < 0.02) > np.sum(np.abs(weights["L2, λ = 1e-3"]) < 0.02)  # ... L2 does not

# %% [markdown]
# (Adam's steps do not land exactly on 0, so L1's zeros are "below 0.02", not exact; proximal methods
# give exact zeros.)
#
# ## Weight decay
#
# Weight decay shrinks every weight a little at each step: $w \leftarrow w - \text{lr}\,(g + \lambda w)$.
# For plain SGD that is *exactly* gradient descent on the L2 penalty $\frac{\lambda}{2}\sum w^2$ — checked
# here for one step. For Adam it is not: Adam rescales the penalty's gradient along with the rest, so
# `AdamW` applies the decay separately ("decoupled"), $w \leftarrow w - \text{lr}\,\lambda w$, as the
# weight-decay paper recommends.

# %%
def one_step(weight_decay, l2):
    _ = ag.manual_seed(3)
    model = nn.Linear(4, 2)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1, weight_decay=weight_decay)
    x, y = ag.randn(8, 4), ag.randn(8, 2)
    loss = F.mse_loss(model(x), y) + l2 / 2 * sum((p**2).sum() for p in model.parameters())
    loss.backward()
    optimizer.step()
    return np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])


decayed, penalised, plain = one_step(0.05, 0.0), one_step(0.0, 0.05), one_step(0.0, 0.0)
print("SGD weight_decay=0.05 vs L2 penalty 0.025·Σw²: max difference", np.abs(decayed - penalised).max())
assert np.allclose(decayed, penalised, atol=1e-7) and not np.allclose(decayed, plain)

# %% [markdown]
# ## Dropout: train vs eval
#
# In training mode, `nn.Dropout(p)` zeroes each activation with probability $p$ and scales the survivors
# by $1/(1-p)$, so the *expected* activation is unchanged; in evaluation mode it does nothing. Each
# training step thus trains a random sub-network, and no unit can rely on any particular other unit — a
# strong regulariser for large networks. Forgetting `model.eval()` at test time is a classic bug: the
# predictions become random.

# %%
dropout = nn.Dropout(p=0.5)
activations = ag.ones(1000, 100)

dropout.train()
dropped = dropout(activations).numpy()
dropout.eval()
evaluated = dropout(activations).numpy()

print(f"train mode: {np.mean(dropped == 0):.3f} of the values zeroed, survivors = {np.unique(dropped[dropped > 0])}, "
      f"mean {dropped.mean():.3f}")
print(f"eval mode:  identity: {np.array_equal(evaluated, activations.numpy())}")
assert abs(np.mean(dropped == 0) - 0.5) < 0.01 and set(np.unique(dropped)) == {0.0, 2.0}
assert abs(dropped.mean() - 1) < 0.02
assert np.array_equal(evaluated, activations.numpy())

dropout.train()
fig, axes = plt.subplots(1, 3, figsize=(12, 2.6))
for ax, title, image in ((axes[0], "train mode, call 1", dropout(ag.ones(10, 30)).numpy()),
                         (axes[1], "train mode, call 2", dropout(ag.ones(10, 30)).numpy()),
                         (axes[2], "eval mode", dropout.eval()(ag.ones(10, 30)).numpy())):
    ax.imshow(image, cmap="Greys", vmin=0, vmax=2)
    ax.set_title(f"{title} (black = 2, white = 0)", fontsize=9)
    ax.axis("off")

# %% [markdown]
# ### Two conventions, one expectation
#
# Lesson 003 states dropout the original way (Srivastava et al., 2014): during training each unit is
# zeroed with probability $p$ and the survivors pass **unchanged**; at test time every unit is kept and its
# output **multiplied by the keep probability** $1 - p$ (the lesson writes "multiply by $p$" with
# $p = 0.5$, where the two probabilities coincide). `nn.Dropout`, like PyTorch's, uses **inverted dropout**
# instead: the survivors are scaled by $1/(1-p)$ during training, and test time does nothing. Both keep a
# unit's test-time output equal to its expected training-time output:
#
# $$\mathbb E[m\,h] = (1-p)\,h \quad\text{(original)}, \qquad \mathbb E\bigl[m\,h/(1-p)\bigr] = h \quad\text{(inverted)},
#   \qquad m \sim \text{Bernoulli}(1-p).$$
#
# The two differ by the constant factor $1/(1-p)$ in *both* phases, so they train equivalent networks (the
# next layer's weights absorb the factor); inverted dropout is preferred because the trained model needs no
# change for inference. Checked over 20,000 random masks with $p = 0.3$:

# %%
p_drop = 0.3
h = ag.rand(1, 50) * 4                                    # some activations
repeated = ag.ones(20_000, 1) * h                         # 20,000 independent masks of the same 50 units
inverted_train = F.dropout(repeated, p_drop, training=True)       # survivors × 1/(1 − p)
original_train = F.dropout(repeated, p_drop, training=True) * (1 - p_drop)  # survivors unchanged
inverted_test = F.dropout(h, p_drop, training=False)             # identity
original_test = h * (1 - p_drop)                                 # scaled by the keep probability

stderr = h.numpy() * np.sqrt(p_drop / (1 - p_drop)) / np.sqrt(20_000)  # std of the inverted mean
for name, train, test, scale in (("inverted", inverted_train, inverted_test, 1.0),
                                 ("original", original_train, original_test, 1 - p_drop)):
    gap = np.abs(train.numpy().mean(0) - test.numpy()[0])
    print(f"{name:9s}: test output of unit 0 = {test.numpy()[0, 0]:.4f}, mean training output = "
          f"{train.numpy()[:, 0].mean():.4f}; largest gap over 50 units {gap.max():.4f} "
          f"({(gap / (scale * stderr[0])).max():.1f} standard errors)")
    assert np.all(gap < 5 * scale * stderr[0])
values = np.unique(np.round(original_train.numpy()[:, 0] / h.numpy()[0, 0], 6))
assert set(values) == {0.0, 1.0}                                 # original: each unit kept as is, or zeroed
assert np.allclose(inverted_test.numpy(), original_test.numpy() / (1 - p_drop))

# %% [markdown]
# ## Batch normalisation and layer normalisation
#
# Both normalise pre-activations to zero mean and unit variance, then apply a learned scale and shift:
#
# * **BatchNorm** normalises each *feature* over the *batch* (and keeps running averages of the mean and
#   variance for evaluation mode);
# * **LayerNorm** normalises each *sample* over its *features* — no dependence on the batch, the same in
#   training and evaluation (the norm of choice in Transformers and RNNs).

# %%
_ = ag.manual_seed(0)
h = ag.randn(32, 6) * ag.tensor([1.0, 5.0, 0.1, 2.0, 10.0, 0.5]) + ag.tensor([3.0, -2.0, 0.0, 1.0, 7.0, -4.0])
bn, ln = nn.BatchNorm1d(6), nn.LayerNorm(6)
out_bn, out_ln = bn(h).detach().numpy(), ln(h).detach().numpy()
print("BatchNorm: per-feature mean", np.round(out_bn.mean(0), 4), " std", np.round(out_bn.std(0), 3))
print("LayerNorm: per-sample  mean", np.round(out_ln.mean(1)[:6], 4), "…  std", np.round(out_ln.std(1)[:6], 3), "…")
assert np.allclose(out_bn.mean(0), 0, atol=1e-5) and np.allclose(out_bn.std(0), 1, atol=1e-3)
assert np.allclose(out_ln.mean(1), 0, atol=1e-5) and np.allclose(out_ln.std(1), 1, atol=1e-2)

# In training mode a sample's BatchNorm output depends on the rest of its batch; LayerNorm's never does.
first_alone = bn(h[:4]).detach().numpy()[0]
print("BatchNorm, sample 0 normalised with its batch of 32 vs of 4:", np.round(out_bn[0, :3], 3), np.round(first_alone[:3], 3))
assert not np.allclose(first_alone, out_bn[0], atol=1e-3)
assert np.allclose(ln(h[:4]).detach().numpy()[0], out_ln[0], atol=1e-6)
bn.eval()  # evaluation mode uses the running statistics instead: deterministic, one sample at a time
assert np.allclose(bn(h[:4]).detach().numpy(), bn(h).detach().numpy()[:4], atol=1e-6)
print("running mean after 2 training batches:", np.round(bn.running_mean.numpy(), 2))

# %% [markdown]
# ### Instance and group normalisation
#
# Lesson 003 lists four normalisations. On a batch of images, shape (N, C, H, W), they differ only in
# which values share one mean and one variance:
#
# * **BatchNorm**: one channel, over the batch and the pixels — $(N, H, W)$;
# * **LayerNorm**: one sample, over all its channels and pixels — $(C, H, W)$;
# * **InstanceNorm**: one channel of one sample, over its pixels — $(H, W)$; it removes each image's
#   own contrast and brightness per channel, which is why style transfer uses it;
# * **GroupNorm**: one group of channels of one sample — $(C/G, H, W)$; independent of the batch, so it
#   works at batch size 1. With one group it is LayerNorm; with one channel per group, InstanceNorm.
#
# Each module's output, against numpy normalising over exactly those axes:

# %%
_ = ag.manual_seed(0)
N, C, side = 4, 6, 5
images_t = (ag.randn(N, C, side, side) * ag.tensor([1.0, 2.0, 3.0, 0.5, 4.0, 1.0]).reshape(1, C, 1, 1)
            + ag.randn(N, C, 1, 1) * 3)                       # every (sample, channel) with its own offset
x64 = images_t.numpy().astype(np.float64)


def normalise(a, axes):
    return (a - a.mean(axes, keepdims=True)) / np.sqrt(a.var(axes, keepdims=True) + 1e-5)


norms = {
    "BatchNorm2d(6)": (nn.BatchNorm2d(C), normalise(x64, (0, 2, 3))),
    "LayerNorm([6, 5, 5])": (nn.LayerNorm([C, side, side]), normalise(x64, (1, 2, 3))),
    "InstanceNorm2d(6)": (nn.InstanceNorm2d(C), normalise(x64, (2, 3))),
    "GroupNorm(3, 6)": (nn.GroupNorm(3, C), normalise(x64.reshape(N, 3, C // 3, side, side), (2, 3, 4)).reshape(x64.shape)),
}
for name, (module, expected) in norms.items():
    out = module(images_t).detach().numpy()
    print(f"{name:21s} max |module − numpy| = {np.abs(out - expected).max():.1e}")
    assert np.allclose(out, expected, atol=1e-4)
assert np.allclose(nn.GroupNorm(1, C)(images_t).detach().numpy(), norms["LayerNorm([6, 5, 5])"][1], atol=1e-4)
assert np.allclose(nn.GroupNorm(C, C)(images_t).detach().numpy(), norms["InstanceNorm2d(6)"][1], atol=1e-4)

# which (sample, channel) pairs share statistics, with the H×W pixels of each pair always together
sharing = {
    "BatchNorm": np.tile(np.arange(C), (N, 1)),
    "LayerNorm": np.tile(np.arange(N)[:, None], (1, C)),
    "InstanceNorm": np.arange(N * C).reshape(N, C),
    "GroupNorm (3 groups)": np.arange(N)[:, None] * 3 + np.arange(C)[None, :] // 2,
}
fig, axes = plt.subplots(1, 4, figsize=(14, 2.8))
shuffled_colours = np.random.default_rng(3).permutation(N * C)  # so that neighbouring sets get unlike colours
for ax, (name, groups) in zip(axes, sharing.items()):
    ax.imshow(shuffled_colours[groups], cmap="turbo", vmin=0, vmax=N * C - 1, aspect="auto")
    ax.set_title(f"{name}: {len(np.unique(groups))} sets of statistics", fontsize=9)
    ax.set_xlabel("channel")
    ax.set_ylabel("sample")
    ax.set_xticks(np.arange(-0.5, C), minor=True)
    ax.set_yticks(np.arange(-0.5, N), minor=True)
    ax.grid(which="minor", color="white", lw=1.5)
    ax.grid(which="major", visible=False)
    ax.tick_params(which="minor", length=0)
_ = fig.suptitle("one colour = one mean and variance (each cell stands for its H×W pixels)", y=1.04, fontsize=10)

# %% [markdown]
# ### The effect on training
#
# A 6-layer tanh network on the digits, fed the raw pixel values (0 to 16, deliberately not standardised),
# trained for 3 epochs with SGD and momentum — without normalisation, with a `BatchNorm1d` and with a
# `LayerNorm` after every hidden `Linear`. Without normalisation the large inputs saturate the tanh units
# and training thrashes; with normalisation every layer sees well-scaled inputs.

# %%
digits = load_digits()
X, Y = ag.tensor(digits.data.astype(np.float32)), ag.tensor(digits.target)


def deep_tanh(norm):
    layers, width = [], 64
    for _ in range(5):
        layers += [nn.Linear(64, width)] + ([norm(width)] if norm else []) + [nn.Tanh()]
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


norm_curves, norm_acc = {}, {}
for name, norm in (("no normalisation", None), ("BatchNorm1d", nn.BatchNorm1d), ("LayerNorm", nn.LayerNorm)):
    _ = ag.manual_seed(0)
    model = deep_tanh(norm)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(3):
        for xb, yb in DataLoader(TensorDataset(X, Y), batch_size=64, shuffle=True):
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    model.eval()
    with ag.no_grad():
        norm_acc[name] = (model(X).argmax(dim=1).numpy() == digits.target).mean()
    norm_curves[name] = np.convolve(losses, np.ones(5) / 5, mode="valid")  # smoothed over 5 steps

fig, ax = plt.subplots(figsize=(8, 3.5))
for name, curve in norm_curves.items():
    ax.plot(curve, label=f"{name} (training accuracy {norm_acc[name]:.2f})")
ax.set_xlabel("SGD step")
ax.set_ylabel("cross-entropy (smoothed)")
ax.set_title("6-layer tanh network on raw digit pixels")
ax.legend()
print({name: round(float(acc), 3) for name, acc in norm_acc.items()})
assert norm_acc["BatchNorm1d"] > 0.9 and norm_acc["LayerNorm"] > 0.8
assert norm_acc["no normalisation"] < norm_acc["LayerNorm"] - 0.2

# %% [markdown]
# ## Dataset shift
#
# Everything above assumes that the test data come from the same distribution as the training data.
# Lesson 000 names three ways they may not. Writing the distribution as $p(x, y) = p(x)\,p(y \mid x) = p(y)\,p(x \mid y)$:
#
# * **covariate shift**: $p(x)$ changes, $p(y \mid x)$ does not — the same rule, applied to new inputs
#   (photos from a new camera);
# * **label shift**: $p(y)$ changes, $p(x \mid y)$ does not — a disease becomes more common, its symptoms
#   stay the same;
# * **concept shift**: $p(y \mid x)$ itself changes — what counts as spam changes.
#
# **Covariate shift**, with this notebook's regression: a degree-5 fit trained on inputs from $[-1, 0.3]$ is
# good there and useless on $[0.3, 1]$, although $y = \sin 5x$ + noise holds everywhere — it never saw
# that part of the input space, and a polynomial extrapolates badly.

# %%
_ = ag.manual_seed(0)
x_seen = np.sort(ag.rand(40).numpy() * 1.3 - 1)                     # training inputs from [-1, 0.3]
y_seen = (np.sin(5 * x_seen) + NOISE * ag.randn(40).numpy()).astype(np.float32)
shift_model = fit(x_seen, y_seen, 5)
x_same, x_new = np.linspace(-1, 0.3, 200), np.linspace(0.3, 1, 200)
for_same = mse(shift_model, x_same, np.sin(5 * x_same).astype(np.float32))
for_new = mse(shift_model, x_new, np.sin(5 * x_new).astype(np.float32))
print(f"error against the truth on the training range: {for_same:.4f};  on the shifted inputs: {for_new:.2f}")
assert for_new > 20 * for_same

# %% [markdown]
# **Label shift**, with a classifier: class 0 has $x \sim N(-1, 1)$, class 1 has $x \sim N(1, 1)$, and a
# logistic regression (`nn.Linear(1, 1)` with `F.binary_cross_entropy_with_logits`) is trained on balanced
# classes. For these classes the true log-odds are exactly $2x + \log\frac{p(y=1)}{p(y=0)}$, and the model
# learns $\approx 2x$. At test time class 1 becomes 9 times as common. The model is still right about
# $p(x \mid y)$, so its logit needs only the new prior: adding $\log 9$ recovers the best possible accuracy
# for the new population, which can be computed in closed form.

# %%
def two_gaussians(n, share_of_class_1):
    y = (ag.rand(n, 1) < share_of_class_1).float()
    return ag.randn(n, 1) + 2 * y - 1, y


def classifier_accuracy(logits, y):
    return ((logits > 0).float() == y).float().mean().item()


_ = ag.manual_seed(0)
x_balanced, y_balanced = two_gaussians(4000, 0.5)
logistic = nn.Linear(1, 1)
optimizer = nn.optim.Adam(logistic.parameters(), lr=0.05)
for _ in range(300):
    optimizer.zero_grad()
    F.binary_cross_entropy_with_logits(logistic(x_balanced), y_balanced).backward()
    optimizer.step()
print(f"learned logit: {logistic.weight.item():.3f}·x + {logistic.bias.item():.3f}   (true: 2·x + 0)")

x_shifted, y_shifted = two_gaussians(20_000, 0.9)
with ag.no_grad():
    as_trained = classifier_accuracy(logistic(x_shifted), y_shifted)
    corrected = classifier_accuracy(logistic(x_shifted) + math.log(9), y_shifted)
threshold = -math.log(9) / 2                                   # where 2x + log 9 = 0
phi = lambda z: 0.5 * math.erfc(-z / math.sqrt(2))             # the standard normal CDF
bayes = 0.9 * (1 - phi(threshold - 1)) + 0.1 * phi(threshold + 1)
print(f"on the shifted population (90% class 1): accuracy {as_trained:.3f} as trained, {corrected:.3f} with the "
      f"prior corrected; the best possible is {bayes:.3f}")
assert abs(logistic.weight.item() - 2) < 0.2 and abs(logistic.bias.item()) < 0.15
assert corrected > as_trained + 0.02 and abs(corrected - bayes) < 0.01

# %% [markdown]
# **Concept shift**: same inputs, same classes, new rule. Suppose that from now on every example with
# $x > 1$ counts as class 0, whatever it counted as before. $p(x)$ is unchanged, but $p(y \mid x)$ is not,
# and no correction of the old model can know that: it needs new labels. A model retrained on data labelled
# by the new rule (an MLP with one hidden layer, since the new rule is no longer a single threshold) learns it.

# %%
def new_concept(x, y):
    return y * (x <= 1).float()


x_concept, y_concept = two_gaussians(4000, 0.5)
y_concept = new_concept(x_concept, y_concept)
with ag.no_grad():
    old_model_on_new_concept = classifier_accuracy(logistic(x_concept), y_concept)
    old_model_on_old_concept = classifier_accuracy(logistic(x_balanced), y_balanced)
_ = ag.manual_seed(1)
retrained = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
optimizer = nn.optim.Adam(retrained.parameters(), lr=0.02)
for _ in range(500):
    optimizer.zero_grad()
    F.binary_cross_entropy_with_logits(retrained(x_concept), y_concept).backward()
    optimizer.step()
x_test_concept, y_test_concept = two_gaussians(20_000, 0.5)
y_test_concept = new_concept(x_test_concept, y_test_concept)
with ag.no_grad():
    retrained_accuracy = classifier_accuracy(retrained(x_test_concept), y_test_concept)
print(f"old model: accuracy {old_model_on_old_concept:.3f} under the old rule, {old_model_on_new_concept:.3f} under the "
      f"new one; retrained on new labels: {retrained_accuracy:.3f}")
assert old_model_on_new_concept < old_model_on_old_concept - 0.1
assert retrained_accuracy > old_model_on_new_concept + 0.1

# %% [markdown]
# ## Takeaways
#
# * Diagnose with curves: training and validation error both high → under-fitting (bigger model, better
#   features, train longer); training low but validation high → over-fitting (more data, smaller model,
#   regularise). A single gap measurement is noisy and can even be negative.
# * Expected error = bias² + variance + noise: small models err by bias, large ones by variance, and
#   nothing gets below the noise. Regularisation trades a little bias for less variance.
# * L2 shrinks weights, L1 selects a sparse subset, elastic net mixes both; with SGD, weight decay *is* L2;
#   with Adam, prefer decoupled weight decay (`AdamW`).
# * Dropout: random sub-networks in training, the full network (no randomness) in `eval()` mode; inverted
#   dropout scales during training so that inference needs no change.
# * BatchNorm, LayerNorm, InstanceNorm and GroupNorm differ in which values share statistics; they keep
#   every layer's inputs well scaled, which makes deep networks trainable with larger learning rates.
#   BatchNorm behaves differently in training and evaluation, the others do not.
# * A model is only as good as the match between its training and test distributions: under covariate
#   shift it extrapolates, label shift can be corrected through the prior, concept shift needs new labels.
