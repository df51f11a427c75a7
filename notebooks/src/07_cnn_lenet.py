# %% [markdown]
# # 07 · Convolutional networks: LeNet on digits
#
# A convolution slides a small kernel over an image and computes the same weighted sum at every position:
# the layer has few parameters, sees local patterns, and finds them wherever they are. This notebook
# computes convolution output sizes, looks at what a kernel does to an image, shows that a 1×1 convolution
# is a per-pixel linear layer across channels, and trains a small LeNet on scikit-learn's 8×8 digits —
# ending with the filters it learned.

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits

import autograd as ag
import nn
import nn.functional as F
from nn.data import DataLoader, TensorDataset

_ = ag.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80})

# %% [markdown]
# ## Output sizes
#
# Along each spatial dimension, a convolution (or pooling) with kernel size $k$, stride $s$, padding $p$
# and dilation $d$ maps $n$ positions to
#
# $$n_\text{out} = \left\lfloor \frac{n + 2p - d(k-1) - 1}{s} \right\rfloor + 1 .$$
#
# "Same" padding $p = (k-1)/2$ with stride 1 keeps the size; stride 2 halves it; dilation spreads the
# kernel out, enlarging its receptive field without more weights. The table checks the formula against
# real `nn.Conv2d` and `nn.MaxPool2d` layers on a 28×28 input.

# %%
def output_size(n, kernel, stride=1, padding=0, dilation=1):
    return (n + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


cases = [  # (kernel, stride, padding, dilation)
    (3, 1, 0, 1), (3, 1, 1, 1), (5, 1, 2, 1), (3, 2, 1, 1), (5, 2, 0, 1), (3, 1, 2, 2), (7, 3, 3, 1), (1, 1, 0, 1),
]
x = ag.randn(1, 1, 28, 28)
print(" kernel stride padding dilation │ formula  Conv2d output      MaxPool2d output")
for k, s, p, d in cases:
    formula = output_size(28, k, stride=s, padding=p, dilation=d)
    conv = nn.Conv2d(1, 1, k, stride=s, padding=p, dilation=d)(x).shape
    pool = nn.MaxPool2d(k, stride=s, padding=p, dilation=d)(x).shape if p <= k // 2 else None  # pooling allows p ≤ k/2
    print(f"{k:7d} {s:6d} {p:7d} {d:8d} │ {formula:7d}  {conv}  {pool or '(padding too large)'}")
    assert conv == (1, 1, formula, formula) and pool in (None, conv)

# %% [markdown]
# ## What a kernel does
#
# Before any learning: hand-made 3×3 kernels applied to a digit with `F.conv2d`. A kernel responds where
# the image looks like it — the Sobel kernels to vertical and horizontal edges, a box kernel to blur.

# %%
digits = load_digits()
images = (digits.data / 16).astype(np.float32).reshape(-1, 1, 8, 8)
labels = digits.target

kernels = {
    "vertical edges (Sobel x)": [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
    "horizontal edges (Sobel y)": [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
    "blur (box)": [[1 / 9] * 3] * 3,
}
weight = ag.tensor(np.array(list(kernels.values()), dtype=np.float32)[:, None])  # (3 out, 1 in, 3, 3)
image = ag.tensor(images[labels == 0][0:1])                                       # (1, 1, 8, 8)
maps = F.conv2d(image, weight, padding=1).numpy()[0]

fig, axes = plt.subplots(1, 4, figsize=(12, 3))
axes[0].imshow(image.numpy()[0, 0], cmap="gray_r")
axes[0].set_title("input")
for ax, name, fmap in zip(axes[1:], kernels, maps):
    ax.imshow(fmap, cmap="RdBu_r", vmin=-np.abs(maps).max(), vmax=np.abs(maps).max())
    ax.set_title(name, fontsize=9)
for ax in axes:
    ax.axis("off")

# Convolution is a sliding dot product: check one output pixel by hand.
padded = np.pad(image.numpy()[0, 0], 1)
assert np.isclose(maps[0, 3, 2], (padded[3:6, 2:5] * weight.numpy()[0, 0]).sum(), atol=1e-6)

# %% [markdown]
# ## 1×1 convolutions
#
# A 1×1 convolution looks at one pixel at a time, so it is a `Linear` layer from the input channels to the
# output channels applied at every pixel. It mixes channels without looking at neighbours — the cheap way
# to change the number of channels (Inception's bottlenecks, ResNet's projections). Checked numerically,
# along with the parameter counts: `Conv2d(c_in, c_out, k)` has $c_\text{out} c_\text{in} k^2 + c_\text{out}$.

# %%
conv1x1 = nn.Conv2d(64, 16, kernel_size=1)
linear = nn.Linear(64, 16)
linear.weight.data[...] = conv1x1.weight.detach().numpy().reshape(16, 64)
linear.bias.data[...] = conv1x1.bias.detach().numpy()

feature_maps = ag.randn(2, 64, 5, 5)
via_conv = conv1x1(feature_maps).detach().numpy()
via_linear = linear(feature_maps.permute(0, 2, 3, 1)).permute(0, 3, 1, 2).detach().numpy()  # channels last, Linear, back
print("1×1 conv vs per-pixel Linear, max difference:", np.abs(via_conv - via_linear).max())
assert np.allclose(via_conv, via_linear, atol=1e-5)

for k in (1, 3, 5):
    n = sum(p.numel() for p in nn.Conv2d(64, 16, k).parameters())
    print(f"Conv2d(64, 16, {k}): {n:6d} parameters")
    assert n == 16 * 64 * k * k + 16

# %% [markdown]
# ## LeNet on the digits
#
# LeCun's LeNet-5 alternates convolutions and pooling, then finishes with fully connected layers. The
# digits here are 8×8 rather than 32×32, so the kernels are 3×3 with "same" padding:
# conv(1→6) → ReLU → 2×2 max-pool → conv(6→16) → ReLU → 2×2 max-pool → 120 → 84 → 10.
# `nn.summary` lists each layer's output shape and parameters.

# %%
def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 2 * 2, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


_ = ag.manual_seed(0)
model = lenet()
table = nn.summary(model, (1, 8, 8))

# %%
X, Y = ag.tensor(images), ag.tensor(labels)
order = ag.randperm(len(images)).numpy()
train_idx, test_idx = order[:1400], order[1400:]


def accuracy(model, idx):
    model.eval()
    with ag.no_grad():
        acc = (model(X[idx]).argmax(dim=1).numpy() == labels[idx]).mean()
    model.train()
    return acc


optimizer = nn.optim.Adam(model.parameters(), lr=5e-3)
loader = DataLoader(TensorDataset(X[train_idx], Y[train_idx]), batch_size=64, shuffle=True)
history = []
for _ in range(20):
    total = 0.0
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(xb)
    history.append((total / len(train_idx), accuracy(model, test_idx)))
history = np.array(history)

fig, axes = plt.subplots(1, 2, figsize=(10, 3))
axes[0].plot(np.arange(1, 21), history[:, 0])
axes[0].set_title("training loss")
axes[1].plot(np.arange(1, 21), history[:, 1])
axes[1].set_title("test accuracy")
for ax in axes:
    ax.set_xlabel("epoch")
    ax.grid(alpha=0.3)
fig.tight_layout()
print(f"test accuracy after 20 epochs: {history[-1, 1]:.3f}")
assert history[-1, 1] > 0.93 and history[-1, 0] < history[0, 0] / 5

# %% [markdown]
# ## What the network learned
#
# The six first-layer filters, and the six feature maps they produce on a few test digits. Each filter
# became a small detector of strokes at some orientation; its feature map lights up where the digit has
# that stroke.

# %%
filters = model[0].weight.detach().numpy()[:, 0]  # (6, 3, 3)
examples = X[test_idx[:3]]
with ag.no_grad():
    feature_maps = model[1](model[0](examples)).numpy()  # after the first conv and its ReLU

fig, axes = plt.subplots(4, 7, figsize=(11, 6.4))
for j in range(6):
    axes[0, j + 1].imshow(filters[j], cmap="RdBu_r", vmin=-np.abs(filters).max(), vmax=np.abs(filters).max())
    axes[0, j + 1].set_title(f"filter {j}", fontsize=9)
axes[0, 0].text(0.5, 0.5, "learned\n3×3 filters", ha="center", va="center", fontsize=10)
for i in range(3):
    axes[i + 1, 0].imshow(examples.numpy()[i, 0], cmap="gray_r")
    axes[i + 1, 0].set_title(f"digit {labels[test_idx[i]]}", fontsize=9)
    for j in range(6):
        axes[i + 1, j + 1].imshow(feature_maps[i, j], cmap="magma")
for ax in axes.flat:
    ax.axis("off")
fig.tight_layout()
assert filters.shape == (6, 3, 3) and feature_maps.shape == (3, 6, 8, 8) and (feature_maps >= 0).all()

# %% [markdown]
# ## Takeaways
#
# * Output size: $\lfloor (n + 2p - d(k-1) - 1)/s \rfloor + 1$; "same" padding keeps it, stride and pooling
#   shrink it.
# * A convolution shares one small kernel across all positions: the first layer here turns 64 pixels into
#   6 maps of 64 values with 60 parameters; a dense layer with the same inputs and outputs needs 24,960.
# * 1×1 convolutions mix channels pixel by pixel — a Linear layer over channels.
# * Even a tiny LeNet reaches about 95% on 8×8 digits in a few seconds, and its first-layer filters are
#   readable stroke detectors.
