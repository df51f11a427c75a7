# %% [markdown]
# # 07 · Convolutional networks: LeNet
#
# A convolution slides a small kernel over an image and computes the same weighted sum at every position:
# the layer has few parameters, sees local patterns, and finds them wherever they are. This notebook
# computes convolution output sizes, looks at what a kernel does to an image, compares convolutional and
# fully connected layers (a kernel as large as the image *is* a fully connected layer), shows that a 1×1
# convolution is a per-pixel linear layer across channels — and, with an activation, a per-pixel MLP.
# Then LeNet exactly as the source lessons give it (sigmoid, average pooling, 61,706 parameters) against
# its modern variant (ReLU, max-pooling), and finally a small LeNet-style network trained on
# scikit-learn's 8×8 digits, ending with the filters it learned.

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
# Along each spatial dimension (lesson 000 gives the case $d = 1$), a convolution (or pooling) with kernel size $k$, stride $s$, padding $p$
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
# ## Convolutional vs fully connected layers
#
# Lesson 000 gives a convolutional layer two advantages over a fully connected one on images. First, a
# fully connected layer needs the image flattened into a vector, and pixels that were neighbours may end up
# far apart in it, so the layer has no notion of "local"; a convolution looks at neighbourhoods by
# construction. Second, it has far fewer parameters: the 6 kernels of size 3×3 below (60 parameters with
# their biases) turn an 8×8 image into six 8×8 maps; a fully connected layer with the same 64 inputs and
# 384 outputs needs 24,960.
#
# And it notes the limiting case: **a kernel as large as the image is a fully connected layer** — it sees
# every pixel at its single position, with its own weight for each. Three lines check it:

# %%
conv_full, dense = nn.Conv2d(1, 10, kernel_size=8), nn.Linear(64, 10)         # kernel = the whole 8×8 image
with ag.no_grad():
    dense.weight.copy_(conv_full.weight.reshape(10, 64))
    dense.bias.copy_(conv_full.bias)
some_digits = ag.tensor(images[:5])
assert np.allclose(conv_full(some_digits).reshape(5, 10).detach().numpy(),
                   dense(some_digits.reshape(5, 64)).detach().numpy(), atol=1e-5)
print("Conv2d(1, 10, kernel_size=8) on 8×8 images = Linear(64, 10): output", conv_full(some_digits).shape)

small_conv, same_size_dense = nn.Conv2d(1, 6, 3, padding=1), nn.Linear(64, 6 * 8 * 8)
count = {name: sum(p.numel() for p in layer.parameters()) for name, layer in (("conv", small_conv), ("dense", same_size_dense))}
print(f"6 maps of 8×8 from an 8×8 image: Conv2d(1, 6, 3) has {count['conv']} parameters, Linear(64, 384) {count['dense']:,}")
assert count == {"conv": 6 * 3 * 3 + 6, "dense": 64 * 384 + 384} == {"conv": 60, "dense": 24_960}

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
with ag.no_grad():
    linear.weight.copy_(conv1x1.weight.reshape(16, 64))
    linear.bias.copy_(conv1x1.bias)

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
# Lesson 000 lists three uses of the 1×1 kernel: it **scales the number of channels** (here 64 → 16), it
# costs **few parameters** (above), and, followed by an activation, it **adds non-linearity** at no
# spatial cost. A 1×1 convolution alone is linear; with a ReLU after it, it is not — and 1×1 convolution,
# ReLU, 1×1 convolution is exactly a small MLP applied to every pixel's channel vector (the "network in
# network" idea). Both checked:

# %%
def affine_gap(f, a, b):
    """max |f(a) + f(b) - f(a + b) - f(0)|: zero exactly when f is affine."""
    return np.abs((f(a) + f(b) - f(a + b) - f(ag.zeros(*a.shape))).detach().numpy()).max()


a, b = ag.randn(2, 64, 5, 5), ag.randn(2, 64, 5, 5)
with_relu = nn.Sequential(conv1x1, nn.ReLU())
print(f"1×1 conv:        affine gap {affine_gap(conv1x1, a, b):.1e}")
print(f"1×1 conv + ReLU: affine gap {affine_gap(with_relu, a, b):.2f}")
assert affine_gap(conv1x1, a, b) < 1e-4 and affine_gap(with_relu, a, b) > 0.1

second = nn.Conv2d(16, 8, kernel_size=1)
pixel_mlp = nn.Sequential(linear, nn.ReLU(), nn.Linear(16, 8))
with ag.no_grad():
    pixel_mlp[2].weight.copy_(second.weight.reshape(8, 16))
    pixel_mlp[2].bias.copy_(second.bias)
via_convs = nn.Sequential(conv1x1, nn.ReLU(), second)(feature_maps).detach().numpy()
via_mlp = pixel_mlp(feature_maps.permute(0, 2, 3, 1)).permute(0, 3, 1, 2).detach().numpy()
assert np.allclose(via_convs, via_mlp, atol=1e-5)
print("1×1 conv → ReLU → 1×1 conv = the MLP Linear(64, 16) → ReLU → Linear(16, 8) at every pixel")

# %% [markdown]
# ## LeNet, as the lessons give it
#
# LeNet has 7 layers with weights or pooling and solves a 10-class problem (lesson 000). Its shape chain on a
# 1×28×28 image: convolution to 6×28×28 → average pooling to 6×14×14 → convolution to 16×10×10 → average
# pooling to 16×5×5 → fully connected 120 → 84 → 10. The first convolution has 6 kernels of 5×5 with
# padding 2 (so 28 stays 28), the second 16 kernels of 5×5 without padding; pooling windows are 2×2 with
# stride 2; every layer but the last is followed by a sigmoid, as in LeCun's design. `nn.summary` shows the
# chain, which the output-size formula above predicts:

# %%
def classic_lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
        nn.Linear(120, 84), nn.Sigmoid(),
        nn.Linear(84, 10),
    )


_ = ag.manual_seed(0)
lenet_table = nn.summary(classic_lenet(), (1, 28, 28))
side1 = output_size(28, 5, padding=2)        # 28
side2 = output_size(side1 // 2, 5)           # 14 → 10
expected_shapes = [[-1, 6, side1, side1]] * 2 + [[-1, 6, side1 // 2, side1 // 2]] + [[-1, 16, side2, side2]] * 2 + \
                  [[-1, 16, side2 // 2, side2 // 2], [-1, 400], [-1, 120], [-1, 120], [-1, 84], [-1, 84], [-1, 10]]
assert [row.output_shape for row in lenet_table.rows] == expected_shapes
parameters = (6 * 1 * 5 * 5 + 6) + (16 * 6 * 5 * 5 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10)
assert lenet_table.total_params == parameters == 61_706
lenet_table

# %% [markdown]
# ### The modern variant, and why
#
# Later versions replace the sigmoid by **ReLU** and average pooling by **max-pooling** (lesson 000 already
# describes LeNet as "convolutions alternating with max-pooling"). Why: ReLU does not saturate (notebook 01),
# so the gradient reaches the first layers undiminished and training starts at once, while a deep stack of
# sigmoids sits on a plateau until its units leave their flat regions; max-pooling keeps the strongest
# response in each window instead of blurring it with weaker ones. The parameter count is the same.
#
# To train at 28×28, the 8×8 digits are enlarged three times (each pixel becomes a 3×3 block) and padded
# by 2: a 24×24 digit in a 28×28 frame, as MNIST centres its 20×20 digits. Three variants, each 8 epochs of
# Adam (learning rate 3·10⁻³, batches of 64) from the same seed: the classic, ReLU with average pooling,
# and ReLU with max-pooling.

# %%
digits28 = np.pad(np.kron(images, np.ones((3, 3), dtype=np.float32)), ((0, 0), (0, 0), (2, 2), (2, 2)))
X28, Y28 = ag.tensor(digits28), ag.tensor(labels)
_ = ag.manual_seed(0)
order28 = ag.randperm(len(digits28)).numpy()
train28, test28 = order28[:1400], order28[1400:]


def lenet_variant(activation, pooling):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), activation(), pooling(2, stride=2),
        nn.Conv2d(6, 16, 5), activation(), pooling(2, stride=2),
        nn.Flatten(),
        nn.Linear(400, 120), activation(), nn.Linear(120, 84), activation(), nn.Linear(84, 10),
    )


def train_lenet(model, epochs=8):
    optimizer = nn.optim.Adam(model.parameters(), lr=3e-3)
    loader = DataLoader(TensorDataset(X28[train28], Y28[train28]), batch_size=64, shuffle=True)
    curve = []
    for _ in range(epochs):
        total = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(xb)
        model.eval()
        with ag.no_grad():
            accuracy = (model(X28[test28]).argmax(dim=1).numpy() == labels[test28]).mean()
        model.train()
        curve.append((total / len(train28), accuracy))
    return np.array(curve)


variants = {
    "classic: sigmoid + average pooling": (nn.Sigmoid, nn.AvgPool2d),
    "ReLU + average pooling": (nn.ReLU, nn.AvgPool2d),
    "modern: ReLU + max-pooling": (nn.ReLU, nn.MaxPool2d),
}
lenet_curves = {}
for name, (activation, pooling) in variants.items():
    _ = ag.manual_seed(0)
    lenet_curves[name] = train_lenet(lenet_variant(activation, pooling))

fig, axes = plt.subplots(1, 2, figsize=(11, 3.3))
for name, curve in lenet_curves.items():
    axes[0].plot(np.arange(1, 9), curve[:, 0], "o-", label=name)
    axes[1].plot(np.arange(1, 9), curve[:, 1], "o-", label=name)
axes[0].axhline(np.log(10), color="k", ls=":", label="log 10: guessing")
axes[0].set_title("training loss")
axes[1].set_title("test accuracy")
for ax in axes:
    ax.set_xlabel("epoch")
    ax.grid(alpha=0.3)
axes[0].legend(fontsize=8)
fig.tight_layout()


def epochs_to(curve, accuracy):
    """The first epoch whose test accuracy reaches `accuracy`; one more than were run if none did."""
    reached = np.flatnonzero(curve[:, 1] >= accuracy)
    return int(reached[0]) + 1 if len(reached) else len(curve) + 1


for name, curve in lenet_curves.items():
    first = epochs_to(curve, 0.9)
    print(f"{name:36s} loss after epoch 1 {curve[0, 0]:.3f}, test accuracy after 8 {curve[-1, 1]:.3f}, "
          f"90% reached {f'in epoch {first}' if first <= len(curve) else 'not within 8 epochs'}")
classic, relu_avg, modern = lenet_curves.values()
assert classic[0, 0] > 0.95 * np.log(10) and modern[0, 0] < 0.8 * np.log(10)  # the sigmoid net starts on a plateau
assert classic[-1, 1] > 0.8                                                     # ... but does learn, later
assert epochs_to(modern, 0.9) <= 3 and epochs_to(relu_avg, 0.9) <= 3 and epochs_to(classic, 0.9) >= 6
assert modern[-1, 1] > 0.95

# %% [markdown]
# Here the activation makes the difference: both ReLU variants pass 90% by the third epoch, while the classic
# needs several epochs just to leave its plateau, and is still behind after eight. Max-pooling against average pooling matters little on
# these digits.

# %% [markdown]
# ## A small LeNet-style network on the 8×8 digits
#
# Back to the digits at their own size. The network keeps LeNet's plan — two convolution and pooling
# stages, then 120 → 84 → 10 fully connected — in its modern form (ReLU, max-pooling), with 3×3 kernels and
# "same" padding because the images are only 8×8: conv(1→6) → ReLU → 2×2 max-pool → conv(6→16) → ReLU →
# 2×2 max-pool → 120 → 84 → 10. It is not LeNet-5 (different kernels, activation and pooling, 16·2·2 = 64
# features into the first dense layer instead of 400). `nn.summary` lists each layer's output shape and
# parameters.

# %%
def small_lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 2 * 2, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


_ = ag.manual_seed(0)
model = small_lenet()
table = nn.summary(model, (1, 8, 8))
assert table.rows[-1].output_shape == [-1, 10] and table.rows[0].num_params == 60
table

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
# that stroke. The maps share one colour scale (the colour bar), so their brightness can be compared
# across filters and digits.

# %%
filters = model[0].weight.detach().numpy()[:, 0]  # (6, 3, 3)
examples = X[test_idx[:3]]
with ag.no_grad():
    feature_maps = model[1](model[0](examples)).numpy()  # after the first conv and its ReLU

fig, axes = plt.subplots(4, 7, figsize=(12, 6.4))
for j in range(6):
    filter_image = axes[0, j + 1].imshow(filters[j], cmap="RdBu_r", vmin=-np.abs(filters).max(), vmax=np.abs(filters).max())
    axes[0, j + 1].set_title(f"filter {j}", fontsize=9)
axes[0, 0].text(0.5, 0.5, "learned\n3×3 filters", ha="center", va="center", fontsize=10)
for i in range(3):
    axes[i + 1, 0].imshow(examples.numpy()[i, 0], cmap="gray_r")
    axes[i + 1, 0].set_title(f"digit {labels[test_idx[i]]}", fontsize=9)
    for j in range(6):
        map_image = axes[i + 1, j + 1].imshow(feature_maps[i, j], cmap="magma", vmin=0, vmax=feature_maps.max())
for ax in axes.flat:
    ax.axis("off")
fig.colorbar(filter_image, ax=axes[0, :].tolist(), shrink=0.8, label="filter weight")
fig.colorbar(map_image, ax=axes[1:, :].ravel().tolist(), shrink=0.8, label="activation (after ReLU)")
assert filters.shape == (6, 3, 3) and feature_maps.shape == (3, 6, 8, 8) and (feature_maps >= 0).all()

# %% [markdown]
# ## Takeaways
#
# * Output size: $\lfloor (n + 2p - d(k-1) - 1)/s \rfloor + 1$; "same" padding keeps it, stride and pooling
#   shrink it.
# * A convolution shares one small kernel across all positions: local by construction and with few
#   parameters (60 against 24,960 here); a kernel as large as the image is a fully connected layer.
# * 1×1 convolutions mix channels pixel by pixel — a Linear layer over channels; with an activation, a
#   per-pixel MLP.
# * LeNet as published: 6@28×28 → 6@14×14 → 16@10×10 → 16@5×5 → 120 → 84 → 10, sigmoid and average pooling,
#   61,706 parameters. With ReLU (and max-pooling) the same network trains in a fraction of the epochs.
# * A small LeNet-style network reaches about 95% on 8×8 digits in a few seconds, and its first-layer
#   filters are readable stroke detectors.
