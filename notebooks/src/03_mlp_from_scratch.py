# %% [markdown]
# # 03 · Multilayer perceptrons
#
# A multilayer perceptron (MLP) alternates affine maps $x \mapsto Wx + b$ with elementwise
# nonlinearities. This notebook shows why the nonlinearity is essential (a stack of affine maps is just
# one affine map), why one layer is not enough (a perceptron cannot learn XOR, a hidden layer can), and
# then trains an MLP on handwritten digits with the full workflow: mini-batches, a progress bar, loss
# and accuracy curves, a confusion matrix and k-fold cross-validation.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from tqdm import tqdm

import autograd as ag
import nn
import nn.functional as F
from nn.data import DataLoader, KFold, TensorDataset

_ = ag.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## A stack of affine maps is one affine map
#
# $W_3(W_2(W_1x + b_1) + b_2) + b_3 = (W_3W_2W_1)\,x + (W_3W_2b_1 + W_3b_2 + b_3)$. However many `Linear`
# layers we stack, without a nonlinearity between them the network can only represent a single affine
# map — depth adds parameters but no expressive power. Checked numerically (in float64):

# %%
stack = nn.Sequential(nn.Linear(5, 32), nn.Linear(32, 16), nn.Linear(16, 3)).double()
W1, W2, W3 = (layer.weight.detach().numpy() for layer in stack)
b1, b2, b3 = (layer.bias.detach().numpy() for layer in stack)
W = W3 @ W2 @ W1
b = W3 @ W2 @ b1 + W3 @ b2 + b3
print("one equivalent affine map: W", W.shape, " b", b.shape)

x = ag.randn(100, 5, dtype=ag.float64)
stacked = stack(x).detach().numpy()
collapsed = x.numpy() @ W.T + b
print("largest difference between the 3-layer stack and the single map:", np.abs(stacked - collapsed).max())
assert np.allclose(stacked, collapsed, atol=1e-12)

# %% [markdown]
# With a ReLU between the layers the same check fails: the network is no longer affine. An affine map
# $f$ satisfies $f(x) + f(y) = f(x + y) + f(0)$; the ReLU network does not.

# %%
relu_net = nn.Sequential(stack[0], nn.ReLU(), stack[1], nn.ReLU(), stack[2])
x, y = ag.randn(100, 5, dtype=ag.float64), ag.randn(100, 5, dtype=ag.float64)
zero = ag.zeros(1, 5, dtype=ag.float64)
for name, net in (("linear stack", stack), ("ReLU network", relu_net)):
    gap = np.abs((net(x) + net(y) - net(x + y) - net(zero)).detach().numpy()).max()
    print(f"{name:13s} max |f(x) + f(y) - f(x+y) - f(0)| = {gap:.2e}")
assert np.abs((stack(x) + stack(y) - stack(x + y) - stack(zero)).detach().numpy()).max() < 1e-12
assert np.abs((relu_net(x) + relu_net(y) - relu_net(x + y) - relu_net(zero)).detach().numpy()).max() > 0.1

# %% [markdown]
# ## XOR: the perceptron's limit
#
# XOR labels the corners $(0,0), (1,1)$ as 0 and $(0,1), (1,0)$ as 1. No straight line separates the two
# classes, so a single-layer perceptron — a linear score followed by a threshold — gets at most 3 of the 4
# corners right. We train both a perceptron (`Linear(2, 1)`) and an MLP with one hidden layer of 8 tanh
# units with the same loss (binary cross-entropy on the logits) and optimiser, on the four corners.

# %%
corners = ag.tensor([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
xor = ag.tensor([[0.0], [1.0], [1.0], [0.0]])


def fit(model, steps=500, lr=0.1):
    optimizer = nn.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.binary_cross_entropy_with_logits(model(corners), xor)
        loss.backward()
        optimizer.step()
    return loss.item()


_ = ag.manual_seed(0)
perceptron = nn.Linear(2, 1)
mlp = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
models = {"perceptron": perceptron, "MLP, 8 hidden tanh units": mlp}
final_loss = {name: fit(model) for name, model in models.items()}
accuracy = {name: ((model(corners) > 0).float() == xor).float().mean().item() for name, model in models.items()}
for name in models:
    print(f"{name:25s} loss {final_loss[name]:.4f}   accuracy on the 4 corners {accuracy[name]:.2f}")

assert accuracy["perceptron"] <= 0.75 and final_loss["perceptron"] > 0.6  # stuck near log 2 = 0.693
assert accuracy["MLP, 8 hidden tanh units"] == 1.0 and final_loss["MLP, 8 hidden tanh units"] < 0.01

# %% [markdown]
# The decision boundaries show why. The perceptron's boundary is a line, and the best it can do is hedge
# (its loss stays at $\log 2$, the loss of predicting 0.5 everywhere). The hidden layer bends the input
# space so that the output layer's line separates the classes — the MLP's boundary has two parts.

# %%
grid_x, grid_y = np.meshgrid(np.linspace(-0.5, 1.5, 200), np.linspace(-0.5, 1.5, 200))
grid = ag.tensor(np.stack([grid_x.ravel(), grid_y.ravel()], axis=1).astype(np.float32))

fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
for ax, (name, model) in zip(axes, models.items()):
    with ag.no_grad():
        prob = model(grid).sigmoid().numpy().reshape(grid_x.shape)
    ax.contourf(grid_x, grid_y, prob, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.8)
    if np.ptp(prob) > 0.05:
        ax.contour(grid_x, grid_y, prob, levels=[0.5], colors="k", linewidths=2)
    else:  # the trained perceptron predicts the same probability everywhere: there is no boundary to draw
        ax.text(0.5, 0.5, f"p ≈ {prob.mean():.2f} everywhere:\nno line separates the classes,\nso the best fit hedges",
                ha="center", va="center", fontsize=11, bbox=dict(facecolor="white", alpha=0.8))
    ax.scatter(*corners.numpy().T, c=xor.numpy().ravel(), cmap="RdBu_r", edgecolors="k", s=150, vmin=0, vmax=1)
    ax.set_title(f"{name}: accuracy {accuracy[name]:.0%}")
    ax.set_aspect("equal")
fig.tight_layout()

# %% [markdown]
# ## An MLP on handwritten digits
#
# scikit-learn's bundled digits: 1,797 grey-scale images of 8×8 pixels, ten classes. We scale the pixels
# to $[0, 1]$ and split the data into 1,200 training, 300 validation and 297 test images.

# %%
digits = load_digits()
images = (digits.data / 16).astype(np.float32)
labels = digits.target
print("images", images.shape, " labels", labels.shape, " classes", np.unique(labels))

fig, axes = plt.subplots(1, 10, figsize=(12, 1.6))
for digit, ax in enumerate(axes):
    ax.imshow(images[labels == digit][0].reshape(8, 8), cmap="gray_r")
    ax.set_title(str(digit))
    ax.axis("off")

_ = ag.manual_seed(0)
order = ag.randperm(len(images)).numpy()
train_idx, val_idx, test_idx = order[:1200], order[1200:1500], order[1500:]
X, Y = ag.tensor(images), ag.tensor(labels)

# %% [markdown]
# The model: 64 inputs → 64 ReLU units → 10 logits, trained with cross-entropy and Adam in mini-batches of
# 64. A `DataLoader` reshuffles the training set every epoch; `tqdm` shows progress. After each epoch
# we evaluate on the training and validation sets with `model.eval()` and `no_grad()`.

# %%
def make_mlp():
    return nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))


def evaluate(model, idx):
    """(mean cross-entropy, accuracy) of the model on the samples idx."""
    model.eval()
    with ag.no_grad():
        logits = model(X[idx])
        loss = F.cross_entropy(logits, Y[idx]).item()
        acc = (logits.argmax(dim=1).numpy() == labels[idx]).mean()
    model.train()
    return loss, acc


def train(model, idx, epochs, progress=False, val_idx=None):
    optimizer = nn.optim.Adam(model.parameters(), lr=3e-3)
    loader = DataLoader(TensorDataset(X[idx], Y[idx]), batch_size=64, shuffle=True)
    history = []
    for _ in tqdm(range(epochs), desc="epochs", disable=not progress, mininterval=5):
        for xb, yb in loader:
            optimizer.zero_grad()
            F.cross_entropy(model(xb), yb).backward()
            optimizer.step()
        if val_idx is not None:
            history.append(evaluate(model, idx) + evaluate(model, val_idx))
    return np.array(history)


_ = ag.manual_seed(0)
model = make_mlp()
history = train(model, train_idx, epochs=25, progress=True, val_idx=val_idx)

# %%
fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
epochs = np.arange(1, len(history) + 1)
axes[0].plot(epochs, history[:, 0], label="train")
axes[0].plot(epochs, history[:, 2], label="validation")
axes[0].set_title("cross-entropy loss")
axes[1].plot(epochs, history[:, 1], label="train")
axes[1].plot(epochs, history[:, 3], label="validation")
axes[1].set_title("accuracy")
for ax in axes:
    ax.set_xlabel("epoch")
    ax.legend()
fig.tight_layout()
print(f"after {len(history)} epochs: train accuracy {history[-1, 1]:.3f}, validation accuracy {history[-1, 3]:.3f}")
assert history[-1, 0] < history[0, 0] / 3 and history[-1, 3] > 0.93

# %% [markdown]
# ## Test accuracy and the confusion matrix
#
# The test set was not used for any decision so far. The confusion matrix counts, for each true digit
# (row), which digit the model predicted (column); the diagonal holds the correct answers, and the
# off-diagonal cells show which digits get confused.

# %%
test_loss, test_acc = evaluate(model, test_idx)
model.eval()
with ag.no_grad():
    predicted = model(X[test_idx]).argmax(dim=1).numpy()
confusion = np.zeros((10, 10), dtype=int)
np.add.at(confusion, (labels[test_idx], predicted), 1)

fig, ax = plt.subplots(figsize=(5.5, 5))
ax.imshow(confusion, cmap="Blues")
for (i, j), count in np.ndenumerate(confusion):
    if count:
        ax.text(j, i, count, ha="center", va="center", color="white" if count > confusion.max() / 2 else "black")
ax.set_xticks(range(10))
ax.set_yticks(range(10))
ax.set_xlabel("predicted")
ax.set_ylabel("true")
ax.set_title(f"test set: accuracy {test_acc:.3f}")
ax.grid(False)

print(f"test accuracy {test_acc:.3f} (test loss {test_loss:.3f})")
assert confusion.sum() == len(test_idx) and np.trace(confusion) / confusion.sum() == test_acc
assert test_acc > 0.93

# %% [markdown]
# ## k-fold cross-validation
#
# One validation split gives one noisy number. **k-fold cross-validation** splits the data into $k$ folds,
# trains $k$ fresh models, each validated on a different fold and trained on the other $k-1$, and
# reports the mean and spread of the $k$ scores. `nn.data.KFold` yields the index pairs (the same folds
# as scikit-learn's `KFold`). Here: 5 folds over the 1,500 training + validation images, 10 epochs each.

# %%
pool = np.concatenate([train_idx, val_idx])
kfold = KFold(n_splits=5, shuffle=True, random_state=0)
scores = []
for fold, (fold_train, fold_val) in enumerate(kfold.split(pool)):
    assert len(np.intersect1d(fold_train, fold_val)) == 0
    _ = ag.manual_seed(fold)
    fold_model = make_mlp()
    train(fold_model, pool[fold_train], epochs=10)
    scores.append(evaluate(fold_model, pool[fold_val])[1])
scores = np.array(scores)

fig, ax = plt.subplots(figsize=(6, 3))
ax.bar(np.arange(1, 6), scores, color="C2")
ax.axhline(scores.mean(), color="k", ls="--", label=f"mean {scores.mean():.3f} ± {scores.std():.3f}")
ax.set_ylim(0.8, 1)
ax.set_xlabel("fold")
ax.set_ylabel("validation accuracy")
ax.legend()
print("fold accuracies:", np.round(scores, 3), f" mean {scores.mean():.3f} ± {scores.std():.3f}")
assert scores.mean() > 0.92 and scores.std() < 0.03

# %% [markdown]
# ## Takeaways
#
# * Without nonlinearities, depth is an illusion: the stack collapses to one affine map.
# * One hidden layer already represents functions no linear model can (XOR); the hidden layer learns a
#   new representation in which the classes become linearly separable.
# * Watch both training and validation curves; report accuracy on a held-out test set once, at the end;
#   use k-fold cross-validation when one validation split is too small to trust.
