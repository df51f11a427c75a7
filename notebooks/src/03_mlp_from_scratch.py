# %% [markdown]
# # 03 · Multilayer perceptrons, from scratch and with `nn`
#
# A multilayer perceptron (MLP) alternates affine maps with elementwise nonlinearities. This notebook
# starts where the source lessons start: the four-step **training recipe** on a linear regression, written
# with raw tensors and a hand-written gradient step; then the lessons' notation for an MLP (and how it
# maps onto `nn.Linear`), why the nonlinearity is essential (a stack of affine maps is just one affine
# map), why one layer is not enough (a perceptron cannot learn XOR, a hidden layer can), and how wide a
# hidden layer must be to fit a curve. Then an MLP on handwritten digits **from scratch** — parameters,
# forward pass, cross-entropy and SGD by hand — and the same network with `nn`, shown to take exactly the
# same steps; the lessons' own small network with `nn.summary`; and the full workflow: mini-batches, a
# progress bar, loss and accuracy curves, a confusion matrix and k-fold cross-validation.

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
# ## The training recipe
#
# Lesson 000 lists what training a regression model needs — **data, a model, a loss function and an
# optimiser** — in four steps:
#
# 1. prepare the data so it fits the model (here: features as a float tensor, one row per example);
# 2. build the model;
# 3. choose the loss (for regression usually the mean squared error) and the optimiser (gradient descent);
# 4. iterate: update the parameters on mini-batches, then predict.
#
# Everything by hand first: data from $y = Xw + b + \varepsilon$ with $w = (2, -3.4)$, $b = 4.2$ and
# noise of standard deviation 0.01; the model $\hat y = Xw + b$ with raw tensors; the squared loss
# $\tfrac12(\hat y - y)^2$; and mini-batch SGD, $p \leftarrow p - \text{lr}\cdot\partial L/\partial p$,
# written out under `no_grad()` (the update must not itself be recorded), followed by `p.grad.zero_()`
# (`backward()` adds into `.grad`).

# %%
# step 1: the data
true_w, true_b = ag.tensor([2.0, -3.4]), 4.2
features = ag.randn(1000, 2)
targets = features @ true_w + true_b + 0.01 * ag.randn(1000)

# step 2: the model
w = (0.01 * ag.randn(2)).requires_grad_()
b = ag.zeros(1, requires_grad=True)


def linreg(X):
    return X @ w + b


# step 3: the loss and the optimiser
def squared_loss(y_hat, y):
    return (y_hat - y) ** 2 / 2


def sgd(params, lr):
    with ag.no_grad():
        for param in params:
            param -= lr * param.grad
            param.grad.zero_()


# step 4: iterate over mini-batches of 10, three passes over the data
for epoch in range(3):
    for batch in ag.randperm(1000).numpy().reshape(-1, 10):
        loss = squared_loss(linreg(features[batch]), targets[batch]).mean()
        loss.backward()
        sgd([w, b], lr=0.03)
    with ag.no_grad():
        print(f"epoch {epoch + 1}: training loss {squared_loss(linreg(features), targets).mean().item():.6f}")

# ... and predict
with ag.no_grad():
    prediction = linreg(ag.tensor([[1.0, 1.0]])).item()
print("learned w", w.detach().numpy(), "b", round(b.item(), 4), f"  prediction at (1, 1): {prediction:.4f}")

least_squares, *_ = np.linalg.lstsq(np.c_[features.numpy(), np.ones(1000)], targets.numpy(), rcond=None)
print("least squares (numpy):", least_squares.round(4))
assert np.allclose(w.detach().numpy(), [2.0, -3.4], atol=0.01) and abs(b.item() - 4.2) < 0.01
assert np.allclose(np.r_[w.detach().numpy(), b.item()], least_squares, atol=3e-3)
assert abs(prediction - (2.0 - 3.4 + 4.2)) < 0.02
with ag.no_grad():
    assert squared_loss(linreg(features), targets).mean().item() < 1e-4  # the noise floor: 0.01²/2 = 5e-5

# %% [markdown]
# The same four steps with `nn`: `nn.Linear(2, 1)` is the model, `nn.MSELoss()` the loss (the mean of
# $(\hat y - y)^2$, without the ½) and `nn.optim.SGD` the optimiser; `zero_grad()` and `step()` are the two
# halves of `sgd` above.

# %%
_ = ag.manual_seed(0)
net = nn.Linear(2, 1)
loss_fn = nn.MSELoss()
optimizer = nn.optim.SGD(net.parameters(), lr=0.03)
for epoch in range(3):
    for batch in ag.randperm(1000).numpy().reshape(-1, 10):
        loss = loss_fn(net(features[batch]), targets[batch].reshape(-1, 1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
print("nn.Linear learned weight", net.weight.detach().numpy(), "bias", net.bias.detach().numpy())
assert np.allclose(net.weight.detach().numpy().ravel(), least_squares[:2], atol=3e-3)
assert abs(net.bias.item() - least_squares[2]) < 3e-3

# %% [markdown]
# ## The lessons' notation, and `nn.Linear`'s
#
# Lesson 004 writes a one-hidden-layer MLP for a mini-batch $X \in \mathbb R^{n\times d}$ ($n$ examples,
# $d$ inputs) with $h$ hidden units and $q$ outputs as
#
# $$H = \phi(XW_h + b_h), \qquad O = HW_o + b_o, \qquad W_h \in \mathbb R^{d\times h},\; W_o \in \mathbb R^{h\times q}:$$
#
# a layer's weight has the shape **(inputs of the layer × its outputs)**, the number of units in the
# previous layer times the number in this one. It counts layers without the input layer, which computes
# nothing: its example network, 4 inputs → 5 hidden units → 3 outputs, has **two** layers, both fully
# connected.
#
# `nn.Linear(in_features, out_features)` (as PyTorch's) stores its weight the other way round, with shape
# **(out_features, in_features)**, and computes $xW^\top + b$ — one row per output unit. The two are the
# same map: copy $W_h^\top$ into the layer and the outputs agree. Without $\phi$, the two layers collapse
# (lesson 004): $O = (XW_h + b_h)W_o + b_o = X(W_hW_o) + (b_hW_o + b_o)$, one layer with weight $W_hW_o$
# and bias $b_hW_o + b_o$.

# %%
X_small = ag.randn(2, 4)                       # n = 2 examples, d = 4 inputs
W_h, b_h = ag.randn(4, 5), ag.randn(5)         # h = 5 hidden units: weight (inputs, outputs)
W_o, b_o = ag.randn(5, 3), ag.randn(3)         # q = 3 outputs
H = (X_small @ W_h + b_h).relu()
O = H @ W_o + b_o

hidden_layer, output_layer = nn.Linear(4, 5), nn.Linear(5, 3)
print("lesson's W_h:", W_h.shape, "  nn.Linear(4, 5).weight:", hidden_layer.weight.shape)
with ag.no_grad():
    hidden_layer.weight.copy_(W_h.T)
    hidden_layer.bias.copy_(b_h)
    output_layer.weight.copy_(W_o.T)
    output_layer.bias.copy_(b_o)
assert hidden_layer.weight.shape == (5, 4) and W_h.shape == (4, 5)
assert np.allclose(output_layer(hidden_layer(X_small).relu()).detach().numpy(), O.numpy(), atol=1e-5)

without_activation = (X_small @ W_h + b_h) @ W_o + b_o
one_layer = X_small @ (W_h @ W_o) + (b_h @ W_o + b_o)
assert np.allclose(without_activation.numpy(), one_layer.numpy(), atol=1e-4)
print("without φ, the two layers equal one layer with weight W_h W_o", (W_h @ W_o).shape)

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
# The first neural network, Rosenblatt's perceptron (1958), is a single layer; Minsky showed in 1969 that it
# cannot solve XOR (lesson 003). XOR labels the corners $(0,0), (1,1)$ as 0 and $(0,1), (1,0)$ as 1. No straight line separates the two
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
# ## Wide enough, one hidden layer fits any curve
#
# The lessons state the flip side (lessons 001, 003 and 004): with a nonlinear activation, a network with a
# single hidden layer can approximate any continuous function on a bounded interval, given enough hidden
# units (the universal approximation theorem); without one, any number of layers is a straight line.
# On $y = \sin 2x + 0.3x^2$ over $[-3, 3]$, 1,500 full-batch Adam steps each:

# %%
curve_x = ag.linspace(-3, 3, 200).reshape(-1, 1)
curve_y = (2 * curve_x).sin() + 0.3 * curve_x**2


def fit_curve(model, steps=1500):
    optimizer = nn.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = F.mse_loss(model(curve_x), curve_y)
        loss.backward()
        optimizer.step()
    return loss.item()


curve_models = {"no activation, 32 hidden": nn.Sequential(nn.Linear(1, 32), nn.Linear(32, 1))}
for width in (1, 3, 10, 50):
    curve_models[f"tanh, {width} hidden"] = nn.Sequential(nn.Linear(1, width), nn.Tanh(), nn.Linear(width, 1))
curve_error = {}
for name, model in curve_models.items():
    _ = ag.manual_seed(0)
    curve_error[name] = fit_curve(model)

fig, axes = plt.subplots(1, 2, figsize=(11, 3.5))
axes[0].plot(curve_x.numpy(), curve_y.numpy(), "k", lw=3, alpha=0.3, label="target")
for name, model in curve_models.items():
    with ag.no_grad():
        axes[0].plot(curve_x.numpy(), model(curve_x).numpy(), label=name)
axes[0].legend(fontsize=8)
widths = [1, 3, 10, 50]
axes[1].loglog(widths, [curve_error[f"tanh, {w} hidden"] for w in widths], "o-", label="tanh")
axes[1].axhline(curve_error["no activation, 32 hidden"], color="C0", ls="--", label="no activation (any width)")
axes[1].set_xlabel("hidden units")
axes[1].set_ylabel("mean squared error")
axes[1].legend(fontsize=8)
fig.tight_layout()
for name, error in curve_error.items():
    print(f"{name:26s} MSE {error:.5f}")

line = np.c_[curve_x.numpy(), np.ones(200)]
coef, *_ = np.linalg.lstsq(line, curve_y.numpy(), rcond=None)
best_line = float(((line @ coef - curve_y.numpy()) ** 2).mean())
print(f"best straight line (numpy least squares): MSE {best_line:.5f}")
assert abs(curve_error["no activation, 32 hidden"] - best_line) < 1e-3 * best_line  # 32 units, still a line
errors = [curve_error[f"tanh, {w} hidden"] for w in widths]
assert all(a > b for a, b in zip(errors, errors[1:]))         # wider is better ...
assert errors[-1] < 1e-3 * curve_y.numpy().var()               # ... and 50 units fit the curve closely

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
# ### From scratch
#
# The MLP in the lessons' notation, with raw tensors: $W_h$ (64 × 64) and $W_o$ (64 × 10) drawn from
# $N(0, 0.01^2)$, zero biases, $H = \mathrm{ReLU}(XW_h + b_h)$ and logits $O = HW_o + b_o$. The loss is
# the cross-entropy written out: log-softmax $O_{ij} - \log\sum_k e^{O_{ik}}$, the entry of each
# example's true class, negated and averaged. The optimiser is the `sgd` function of the recipe above.
# Twenty passes over the 1,200 training images in mini-batches of 64, each pass in a fresh random order
# (the orders are drawn up front, so the `nn` version below can replay them).

# %%
_ = ag.manual_seed(0)
W_h = (0.01 * ag.randn(64, 64)).requires_grad_()
b_h = ag.zeros(64, requires_grad=True)
W_o = (0.01 * ag.randn(64, 10)).requires_grad_()
b_o = ag.zeros(10, requires_grad=True)
scratch_params = [W_h, b_h, W_o, b_o]
initial = [param.detach().clone() for param in scratch_params]


def scratch_net(X):
    H = (X @ W_h + b_h).relu()
    return H @ W_o + b_o


def scratch_cross_entropy(logits, y):
    log_probs = logits - logits.logsumexp(dim=1, keepdim=True)
    return -log_probs[ag.arange(len(y)), y].mean()


EPOCHS, LR = 20, 0.5
epoch_orders = [ag.randperm(len(train_idx)).numpy() for _ in range(EPOCHS)]
scratch_accuracy = []
for order_in_epoch in epoch_orders:
    for start in range(0, len(train_idx), 64):
        batch = train_idx[order_in_epoch[start:start + 64]]
        loss = scratch_cross_entropy(scratch_net(X[batch]), Y[batch])
        loss.backward()
        sgd(scratch_params, LR)
    with ag.no_grad():
        scratch_accuracy.append((scratch_net(X[val_idx]).argmax(dim=1).numpy() == labels[val_idx]).mean())
print("validation accuracy by epoch:", np.round(scratch_accuracy, 3))
assert scratch_accuracy[-1] > 0.93 and scratch_accuracy[0] < 0.5

# %% [markdown]
# ### The same network with `nn`
#
# `nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))` with the same starting weights
# (transposed into `nn.Linear`'s (out, in) layout), `F.cross_entropy` and `nn.optim.SGD` at the same
# learning rate, over the same mini-batches: the two runs take the same steps, and end with the same
# weights up to float32 rounding.

# %%
nn_mlp = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
with ag.no_grad():
    nn_mlp[0].weight.copy_(initial[0].T)
    nn_mlp[0].bias.copy_(initial[1])
    nn_mlp[2].weight.copy_(initial[2].T)
    nn_mlp[2].bias.copy_(initial[3])
optimizer = nn.optim.SGD(nn_mlp.parameters(), lr=LR)
for order_in_epoch in epoch_orders:
    for start in range(0, len(train_idx), 64):
        batch = train_idx[order_in_epoch[start:start + 64]]
        optimizer.zero_grad()
        F.cross_entropy(nn_mlp(X[batch]), Y[batch]).backward()
        optimizer.step()
gap = max(np.abs(nn_mlp[0].weight.detach().numpy().T - W_h.detach().numpy()).max(),
          np.abs(nn_mlp[2].weight.detach().numpy().T - W_o.detach().numpy()).max())
print(f"after {EPOCHS * len(range(0, len(train_idx), 64))} steps, largest weight difference from scratch: {gap:.1e}")
assert gap < 1e-4 and np.allclose(nn_mlp[2].bias.detach().numpy(), b_o.detach().numpy(), atol=1e-4)

# %% [markdown]
# ## Building a network as lesson 002 does
#
# In PyTorch style a network is a subclass of `nn.Module`: `__init__` creates the layers (and may
# initialise them), `forward` says how data flows through them, and calling the model runs `forward`.
# Lesson 002's network has 3 inputs, a hidden layer of 3 units with Xavier (normal) initialisation and
# sigmoid, a hidden layer of 2 units with Kaiming (normal) initialisation and ReLU, and an output layer of
# 2 units with softmax. Its code, with this project's names:

# %%
class LessonModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(3, 3)
        nn.init.xavier_normal_(self.layer1.weight)
        self.layer2 = nn.Linear(3, 2)
        nn.init.kaiming_normal_(self.layer2.weight)
        self.out = nn.Linear(2, 2)

    def forward(self, x):
        h1 = ag.sigmoid(self.layer1(x))
        h2 = ag.relu(self.layer2(h1))
        return ag.softmax(self.out(h2), dim=-1)


_ = ag.manual_seed(0)
my_model = LessonModel()
my_data = ag.randn(5, 3)
print("mydata shape", my_data.shape)
output = my_model(my_data)
print("output shape", output.shape)
assert output.shape == (5, 2) and np.allclose(output.detach().numpy().sum(-1), 1, atol=1e-6)

# %% [markdown]
# Lesson 002 then calls torchsummary's `summary(my_model, input_size=(3,), batch_size=5)`. `nn.summary`
# takes the same arguments and returns the same table (the cell shows it). Every weight $w$ and bias $b$
# counts: a `Linear(i, o)` has $i \cdot o + o$ parameters, so $(3\cdot3+3) + (3\cdot2+2) + (2\cdot2+2) = 26$. The
# activations are called as functions in `forward`, not as modules, so they have no rows of their own.

# %%
table = nn.summary(my_model, input_size=(3,), batch_size=5)
per_layer = [i * o + o for i, o in ((3, 3), (3, 2), (2, 2))]
assert [row.num_params for row in table.rows] == per_layer == [12, 8, 6]
assert [row.output_shape for row in table.rows] == [[5, 3], [5, 2], [5, 2]]
assert table.total_params == table.trainable_params == sum(per_layer) == 26
table

# %% [markdown]
# And, as in the lesson, every parameter by name — `named_parameters()` names each by the attribute
# that holds its layer:

# %%
for name, parameter in my_model.named_parameters():
    print(name, parameter)
assert [name for name, _ in my_model.named_parameters()] == [
    "layer1.weight", "layer1.bias", "layer2.weight", "layer2.bias", "out.weight", "out.bias"]

# %% [markdown]
# ### Training with `nn`, Adam and a `DataLoader`
#
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


def train_step(model, optimizer, xb, yb):
    optimizer.zero_grad()
    F.cross_entropy(model(xb), yb).backward()
    optimizer.step()


def train(model, idx, epochs, progress=False, val_idx=None):
    optimizer = nn.optim.Adam(model.parameters(), lr=3e-3)
    loader = DataLoader(TensorDataset(X[idx], Y[idx]), batch_size=64, shuffle=True)
    history = []
    step = ag.compile(train_step)  # records the step once per batch shape, then replays it (see the end of the notebook)
    for _ in tqdm(range(epochs), desc="epochs", disable=not progress, mininterval=5):
        for xb, yb in loader:
            step(model, optimizer, xb, yb)
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
# ## Taking the model elsewhere: ONNX and onnxruntime
#
# Everything above ran on this engine, where every gradient can be read. To deploy the trained model we
# hand it to an engine built for that: `ag.onnx.export` writes it in the ONNX format, which onnxruntime
# (and most frameworks) run on any CPU or GPU. The export records the model op by op, one ONNX node group
# per op; the parameters are stored under their `named_parameters()` names; the batch axis is marked
# dynamic, so the file, exported with a batch of 3 images, runs on the whole test set at once. The
# predictions must be exactly ours.

# %%
import tempfile
from pathlib import Path

import onnxruntime

onnx_file = Path(tempfile.mkdtemp()) / "digits_mlp.onnx"
ag.onnx.export(model, (X[test_idx[:3]],), onnx_file, input_names=["images"], output_names=["logits"],
               dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}})
session = onnxruntime.InferenceSession(onnx_file, providers=["CPUExecutionProvider"])
print("inputs:", [(i.name, i.shape) for i in session.get_inputs()],
      " outputs:", [(o.name, o.shape) for o in session.get_outputs()])

(onnx_logits,) = session.run(None, {"images": images[test_idx]})
model.eval()
with ag.no_grad():
    our_logits = model(X[test_idx]).numpy()
onnx_accuracy = (onnx_logits.argmax(axis=1) == labels[test_idx]).mean()
print(f"onnxruntime on {len(test_idx)} test images: accuracy {onnx_accuracy:.3f}; "
      f"largest logit difference from ours {np.abs(onnx_logits - our_logits).max():.1e}")
assert np.allclose(onnx_logits, our_logits, atol=1e-5) and onnx_accuracy == test_acc

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
# ## Recording a training step once, replaying it
#
# Every step of a training loop builds the same graph again: a Tensor and a node per operation, a
# topological sort, gradient sums. For small layers that bookkeeping costs more than the numpy work
# itself. `autograd.compile` pays it once: the first call of a step runs eagerly *while recording*
# every numpy call that the forward rules, the backward rules and the optimiser make; later calls
# with the same shapes replay that flat list of numpy calls on the new arrays, with no Tensor or node
# built at all. (The same idea as `torch.compile`, JAX's `jit` and tinygrad's `TinyJit`.)

# %%
import sys
import time
import warnings

_ = ag.manual_seed(0)
model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
optimizer = nn.optim.SGD(model.parameters(), lr=0.1)


def step(x, y):
    optimizer.zero_grad()
    loss = F.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


compiled_step = ag.compile(step)
x, y = ag.randn(4, 2), ag.randn(4, 1)
for _ in range(3):
    loss = compiled_step(x, y)
# two recordings: the first call starts with .grad None, the second with the gradients the first left
print("recordings:", len(compiled_step.recordings), " loss:", round(loss.item(), 4))
assert len(compiled_step.recordings) == 2

# %% [markdown]
# The recording is a Python function, generated once and compiled; `print` shows it. Read it top to
# bottom: the arrays of the arguments and of the tensors from outside (the parameters, read afresh
# at every call, so in-place updates are seen); then one line per numpy call, commented with the op
# it belongs to and the shape and dtype it makes. The forward of `Linear` is a transpose, a `matmul`
# and an in-place `add`; `Tanh`'s backward is `1 - y²` times the incoming gradient; `Sum`'s backward
# is gone (it was a broadcast of constants, computed once when the program was made); each SGD
# update is `p -= lr · g`, with `lr` read from the optimiser at every replay (so a scheduler works).
# Elementwise steps write into a temporary that dies there (`out=`), and `del` frees each array after
# its last use. At the end: the new `.grad` tensors, and the version counters in-place updates bump.

# %%
print(compiled_step.program(x, y))

# %% [markdown]
# Replaying gives exactly the eager results (the same numpy calls in the same order), on new data:

# %%
_ = ag.manual_seed(0)
eager_model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
eager_model.load_state_dict(model.state_dict())
eager_optimizer = nn.optim.SGD(eager_model.parameters(), lr=0.1)


def eager_step(x, y):
    eager_optimizer.zero_grad()
    loss = F.mse_loss(eager_model(x), y)
    loss.backward()
    eager_optimizer.step()
    return loss


for _ in range(5):
    x, y = ag.randn(4, 2), ag.randn(4, 1)
    assert eager_step(x, y).item() == compiled_step(x, y).item()
for p, q in zip(eager_model.parameters(), model.parameters()):
    assert np.array_equal(p.detach().numpy(), q.detach().numpy())
    assert np.array_equal(p.grad.numpy(), q.grad.numpy())
print("compiled and eager steps agree, bit for bit")


def time_per_step(fn, n=300):
    start = time.perf_counter()
    for _ in range(n):
        fn(x, y)
    return (time.perf_counter() - start) / n * 1e6


eager_time, compiled_time = time_per_step(eager_step), time_per_step(compiled_step)
# timings differ from run to run, so they go to standard error (which the notebook test does not compare)
print(f"eager step: {eager_time:.0f} µs   compiled step: {compiled_time:.0f} µs", file=sys.stderr)
assert compiled_time < eager_time

# %% [markdown]
# ## What a replay checks, and what it cannot do
#
# A recording is reused only while its *guards* hold: the same shapes, dtypes and `requires_grad` of
# the arguments, the same parameter objects with the same shapes, the same `training` flags, the same
# optimiser options (the learning rate aside), `.grad` None where it was None. Otherwise the call is
# recorded afresh (a few recordings are kept per function). Switching the model to evaluation mode is
# such a change:

# %%
before = len(compiled_step.recordings)
model.eval()
compiled_step(x, y)
model.train()
compiled_step(x, y)  # train mode again: the earlier recording replays
print("recordings before:", before, " after a call in eval mode:", len(compiled_step.recordings))
assert len(compiled_step.recordings) == before + 1

# %% [markdown]
# A replay repeats numpy calls; it cannot repeat a decision that Python took on a value. A step that
# branches on `loss.item()` runs eagerly instead, after one warning that names the line (returning
# `loss.item()` is fine: the replay computes it too).

# %%
def step_with_a_decision(x, y):
    optimizer.zero_grad()
    loss = F.mse_loss(model(x), y)
    if loss.item() > 1.0:  # a Python decision on a value
        loss = loss * 0.5
    loss.backward()
    optimizer.step()
    return loss


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    guarded = ag.compile(step_with_a_decision)
    for _ in range(3):
        guarded(x, y)
message = str(caught[0].message)
print(message.splitlines()[0])  # the next line names the source line (a file path that changes from run to run)
assert len(caught) == 1 and not guarded.recordings and "loss.item() > 1.0" in message

# %% [markdown]
# ## Takeaways
#
# * Training is always the same recipe: data, model, loss, optimiser, iterate. By hand, an SGD step is
#   `p -= lr * p.grad` under `no_grad()` followed by `p.grad.zero_()`; `nn.optim.SGD` does exactly that.
# * The lessons write weights as (inputs × outputs) and compute $XW + b$; `nn.Linear` stores (outputs ×
#   inputs) and computes $xW^\top + b$. Same map, transposed storage.
# * Without nonlinearities, depth is an illusion: the stack collapses to one affine map. With them, one
#   wide hidden layer already fits a smooth curve, and represents functions no linear model can (XOR): the
#   hidden layer learns a new representation in which the classes become linearly separable.
# * A `Linear(i, o)` has $i \cdot o + o$ parameters; `nn.summary` lists them layer by layer.
# * Watch both training and validation curves; report accuracy on a held-out test set once, at the end;
#   use k-fold cross-validation when one validation split is too small to trust.
# * The trained model leaves this engine as an ONNX file that onnxruntime runs with the same predictions.
# * `autograd.compile` records a training step once and replays its numpy calls, bit for bit the eager
#   results without the per-step graph building; it records afresh when a guard (a shape, a mode) changes,
#   and runs eagerly when the step decides something in Python on a value.
