# %% [markdown]
# # 10 · Loss functions, likelihood and KL divergence
#
# A loss function measures how far a model's output is from the label; training minimises it. This
# notebook separates the three words the source lessons use for it (loss, cost, objective), shows that
# the two standard losses are **maximum likelihood** in disguise — the mean squared error for Gaussian
# noise, the cross-entropy for class probabilities — and takes the cross-entropy apart into **entropy** and
# **KL divergence** (lesson 003: cross-entropy = information entropy + relative entropy), with
# `F.kl_div` and `F.cross_entropy` checked against the formulas.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn
import nn.functional as F

_ = ag.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## Loss, cost and objective
#
# Lesson 003 distinguishes:
#
# * the **loss function**: the error on **one** example, $\ell(\hat y_i, y_i)$;
# * the **cost function**: the average loss over the training set, $\frac1N \sum_i \ell(\hat y_i, y_i)$;
# * the **objective function**: what training actually minimises — the cost plus a **regularisation** term
#   that keeps the model from becoming too complex, e.g. $\text{cost} + \lambda \|w\|^2$.
#
# In `nn`, the `reduction=` argument of every loss chooses between the first two: `'none'` returns the
# per-example losses, `'mean'` (the default) the cost, `'sum'` their total. The regulariser is added by hand
# (or, for L2 with SGD, by `weight_decay`; notebook 06).

# %%
model = nn.Linear(3, 1)
x, y = ag.randn(8, 3), ag.randn(8, 1)
per_example = F.mse_loss(model(x), y, reduction="none")    # loss: one value per example
cost = F.mse_loss(model(x), y)                              # cost: their mean
lam = 0.01
objective = cost + lam * (model.weight**2).sum()            # objective: cost + regularisation
print("losses   ", per_example.detach().numpy().ravel().round(3))
print(f"cost      {cost.item():.4f} = mean of the losses;  sum {F.mse_loss(model(x), y, reduction='sum').item():.4f}")
print(f"objective {objective.item():.4f} = cost + {lam}·Σw²")

errors = (model(x) - y).detach().numpy()
assert per_example.shape == (8, 1) and np.allclose(per_example.detach().numpy(), errors**2, atol=1e-6)
assert abs(cost.item() - (errors**2).mean()) < 1e-6
assert abs(F.mse_loss(model(x), y, reduction="sum").item() - (errors**2).sum()) < 1e-5
assert abs(objective.item() - cost.item() - lam * (model.weight.detach().numpy() ** 2).sum()) < 1e-6

# %% [markdown]
# ## Mean squared error is Gaussian maximum likelihood
#
# If the targets are the model's prediction plus Gaussian noise, $y = \hat y + \varepsilon$ with
# $\varepsilon \sim N(0, \sigma^2)$, the negative log-likelihood of $N$ examples is
#
# $$-\log \prod_i \frac{1}{\sqrt{2\pi\sigma^2}} e^{-(y_i - \hat y_i)^2 / 2\sigma^2}
#   = \frac N2 \log(2\pi\sigma^2) + \frac{1}{2\sigma^2} \sum_i (y_i - \hat y_i)^2 ,$$
#
# a constant plus a positive multiple of the sum of squared errors. Whatever $\sigma$ is, the parameters that
# maximise the likelihood are those that minimise the MSE — why regression uses it (lesson 000). Checked:
# the gradients of the two with respect to the model's parameters are proportional, with factor
# $N/(2\sigma^2)$.

# %%
sigma = 0.5
nll = 0.5 * len(y) * math.log(2 * math.pi * sigma**2) + ((model(x) - y) ** 2).sum() / (2 * sigma**2)
density = np.exp(-errors**2 / (2 * sigma**2)) / np.sqrt(2 * np.pi * sigma**2)
assert abs(nll.item() + np.log(density).sum()) < 1e-4        # it is the Gaussian negative log-likelihood
(grad_nll,) = ag.grad(nll, model.weight)
(grad_mse,) = ag.grad(F.mse_loss(model(x), y), model.weight)
ratio = grad_nll.numpy() / grad_mse.numpy()
print("∂NLL/∂w ÷ ∂MSE/∂w =", ratio.round(4), f" (N / 2σ² = {len(y) / (2 * sigma**2)})")
assert np.allclose(ratio, len(y) / (2 * sigma**2), rtol=1e-4)

# %% [markdown]
# ## Cross-entropy is the likelihood of the labels
#
# For classification, softmax turns a network's outputs into class probabilities (notebook 01), and the
# cross-entropy of one example is $-\log p_{\text{true class}}$. Lesson 000 puts the consequence in words:
# minimising the cross-entropy over the training set is the same as **maximising the joint predicted
# probability of all the training labels**, since
#
# $$\sum_i -\log p_{i, y_i} = -\log \prod_i p_{i, y_i} .$$
#
# `F.cross_entropy(logits, labels, reduction='sum')` against the product of the probabilities, computed in
# float64 with numpy:

# %%
logits = ag.randn(6, 4)
labels = ag.tensor([0, 3, 1, 1, 2, 0])
total = F.cross_entropy(logits, labels, reduction="sum").item()
z = logits.numpy().astype(np.float64)
probs = np.exp(z) / np.exp(z).sum(1, keepdims=True)
joint = np.prod(probs[np.arange(6), labels.numpy()])
print(f"summed cross-entropy {total:.5f};  -log(product of the label probabilities) {-np.log(joint):.5f}")
print(f"probability the model gives to all six labels together: {joint:.3e} = exp(-{total:.3f})")
assert abs(total + np.log(joint)) < 1e-4

# %% [markdown]
# So training with cross-entropy is maximum-likelihood estimation. The simplest case shows what that
# means: a "model" with no input, just one logit per class, trained on 1,000 labels drawn with
# probabilities 0.5, 0.3, 0.15 and 0.05. The maximum-likelihood estimate of a categorical distribution is
# the observed frequency of each class, and that is exactly where gradient descent on the cross-entropy
# lands.

# %%
true_probs = np.array([0.5, 0.3, 0.15, 0.05])
observed = ag.tensor(ag.default_generator().choice(4, size=1000, p=true_probs))
frequencies = np.bincount(observed.numpy(), minlength=4) / 1000
theta = ag.zeros(4, requires_grad=True)                   # the model: softmax(θ), the same for every example
optimizer = nn.optim.Adam([theta], lr=0.1)
for _ in range(500):
    optimizer.zero_grad()
    F.cross_entropy(theta.expand(1000, 4), observed).backward()
    optimizer.step()
fitted = theta.detach().softmax(dim=0).numpy()
print("observed frequencies     ", frequencies)
print("softmax(θ) after training", fitted.round(4))
assert np.allclose(fitted, frequencies, atol=1e-3)        # the MLE: the frequencies, not the true probabilities
minimum = -(frequencies * np.log(frequencies)).sum()      # the entropy of the frequencies: the lowest possible loss
assert abs(F.cross_entropy(theta.detach().expand(1000, 4), observed).item() - minimum) < 1e-4

# %% [markdown]
# The loss it reaches is the entropy of the observed frequencies — no model of the labels can do better,
# which leads to the next section.
#
# ## Entropy, KL divergence and cross-entropy
#
# For distributions $p$ (the data) and $q$ (the model) over the same classes:
#
# * **entropy** $H(p) = -\sum_k p_k \log p_k$: the average surprise of the data themselves;
# * **cross-entropy** $H(p, q) = -\sum_k p_k \log q_k$: the average surprise when the data come from $p$
#   but are predicted with $q$;
# * **KL divergence** (relative entropy) $D_{\mathrm{KL}}(p \,\|\, q) = \sum_k p_k \log(p_k / q_k)$: how much
#   worse $q$ does than $p$ itself. It is $\ge 0$, $= 0$ only when $q = p$, and not symmetric.
#
# And lesson 003's identity: **cross-entropy = entropy + KL divergence**, $H(p, q) = H(p) + D_{\mathrm{KL}}(p \,\|\, q)$.
#
# `F.kl_div(input, target)` follows PyTorch's convention: `input` is the model's **log**-probabilities
# $\log q$, `target` the probabilities $p$ (or log-probabilities with `log_target=True`), and
# `reduction='batchmean'` gives the KL divergence per example (`'mean'`, the default, also divides by
# the number of classes). `F.cross_entropy` accepts a distribution as its target as well as a class index.
# Both against the formulas, for a batch of five random pairs of distributions over six classes:

# %%
p = (1.5 * ag.randn(5, 6)).softmax(dim=1)                # the data's distributions
model_logits = ag.randn(5, 6)                            # the model's, as logits
log_q = model_logits.log_softmax(dim=1)

P, Q = p.numpy().astype(np.float64), np.exp(log_q.numpy().astype(np.float64))
entropy = -(P * np.log(P)).sum(1)
cross_entropy = -(P * np.log(Q)).sum(1)
kl = (P * np.log(P / Q)).sum(1)

print("H(p)        ", entropy.round(4))
print("KL(p ‖ q)   ", kl.round(4), "  F.kl_div (batchmean):", round(F.kl_div(log_q, p, reduction="batchmean").item(), 4))
print("H(p, q)     ", cross_entropy.round(4), "  F.cross_entropy:", round(F.cross_entropy(model_logits, p).item(), 4))
print("H(p) + KL   ", (entropy + kl).round(4))
assert np.allclose(F.kl_div(log_q, p, reduction="none").sum(1).numpy(), kl, atol=1e-5)
assert abs(F.kl_div(log_q, p, reduction="batchmean").item() - kl.mean()) < 1e-5
assert abs(F.kl_div(log_q, p, reduction="mean").item() - kl.sum() / p.numel()) < 1e-6
assert abs(F.kl_div(log_q, p.log(), reduction="batchmean", log_target=True).item() - kl.mean()) < 1e-5
assert np.allclose(F.cross_entropy(model_logits, p, reduction="none").numpy(), cross_entropy, atol=1e-5)
assert np.allclose(cross_entropy, entropy + kl, atol=1e-12)     # cross-entropy = entropy + KL
assert (kl > 0).all()

# %% [markdown]
# KL is zero exactly when the two distributions agree, and it is **not symmetric**: $D_{\mathrm{KL}}(p\|q)$
# weighs the log-ratio by $p$, $D_{\mathrm{KL}}(q\|p)$ by $q$.

# %%
assert abs(F.kl_div(p.log(), p, reduction="batchmean").item()) < 1e-6
forward_kl = F.kl_div(log_q, p, reduction="none").sum(1).numpy()
reverse_kl = F.kl_div(p.log(), log_q.exp(), reduction="none").sum(1).numpy()
print("KL(p ‖ q):", forward_kl.round(3), "\nKL(q ‖ p):", reverse_kl.round(3))
assert np.allclose(reverse_kl, (Q * np.log(Q / P)).sum(1), atol=1e-5) and not np.allclose(forward_kl, reverse_kl, atol=1e-2)

# %% [markdown]
# ### Minimising cross-entropy minimises KL
#
# $H(p)$ does not depend on the model, so the cross-entropy and the KL divergence have the same gradient with
# respect to the model's logits — training with one is training with the other, and the best the model can
# reach is a cross-entropy of $H(p)$ (KL = 0). That gradient has a simple form, the reason softmax and
# cross-entropy are always used together ("the good partner of cross-entropy", lesson 003):
# $\partial H(p, \mathrm{softmax}(z)) / \partial z = \mathrm{softmax}(z) - p$.

# %%
z = model_logits.clone().requires_grad_()
(grad_ce,) = ag.grad(F.cross_entropy(z, p, reduction="sum"), z)
(grad_kl,) = ag.grad(F.kl_div(z.log_softmax(dim=1), p, reduction="sum"), z)
assert np.allclose(grad_ce.numpy(), grad_kl.numpy(), atol=1e-6)
assert np.allclose(grad_ce.numpy(), z.detach().softmax(dim=1).numpy() - p.numpy(), atol=1e-6)
print("∂CE/∂z = ∂KL/∂z = softmax(z) − p; first row:", grad_ce.numpy()[0].round(4))

# fit q to p by gradient descent on the cross-entropy: KL goes to 0, cross-entropy down to H(p)
fit = ag.zeros(5, 6, requires_grad=True)
optimizer = nn.optim.Adam([fit], lr=0.1)
history = []
for _ in range(300):
    optimizer.zero_grad()
    loss = F.cross_entropy(fit, p)
    history.append((loss.item(), F.kl_div(fit.detach().log_softmax(dim=1), p, reduction="batchmean").item()))
    loss.backward()
    optimizer.step()
history = np.array(history)

fig, ax = plt.subplots(figsize=(7, 3.3))
ax.plot(history[:, 0], label="cross-entropy H(p, q)")
ax.plot(history[:, 1], label="KL(p ‖ q)")
ax.axhline(entropy.mean(), color="k", ls=":", label=f"entropy H(p) = {entropy.mean():.3f}")
ax.set_xlabel("Adam step")
ax.set_ylabel("nats per example")
ax.legend()
assert np.allclose(history[:, 0] - history[:, 1], entropy.mean(), atol=1e-5)   # the gap is always H(p)
assert history[-1, 1] < 1e-4 and np.allclose(fit.detach().softmax(dim=1).numpy(), p.numpy(), atol=5e-3)

# %% [markdown]
# The two curves are the same curve shifted by the entropy of the data, which is the floor: a perfect model
# of $p$ still pays $H(p)$ nats per example, because the labels themselves are uncertain.
#
# ## Takeaways
#
# * The loss is per example, the cost is its mean over the data (`reduction='mean'`), the objective adds the
#   regulariser.
# * Mean squared error = Gaussian negative log-likelihood up to constants; cross-entropy = negative
#   log-likelihood of the labels, so minimising it maximises the joint probability of all training labels.
#   Maximum likelihood fits the *observed* frequencies.
# * Cross-entropy = entropy + KL divergence; the entropy is fixed by the data, so minimising cross-entropy
#   minimises KL, and the gradient with respect to the logits is softmax(z) − p.
# * `F.kl_div` takes the model's **log**-probabilities first and the target distribution second, as in
#   PyTorch; use `reduction='batchmean'` for the KL divergence per example.
