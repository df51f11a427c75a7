# %% [markdown]
# # 09 · Attention and a tiny Transformer
#
# Attention lets every position of a sequence look at every other position and take a weighted average of
# what it finds, the weights computed from the data itself. This notebook builds up from scaled
# dot-product attention and additive (Bahdanau) attention, draws attention weights as heatmaps, looks
# at masks and multi-head attention, then takes the Transformer block apart as the source lessons describe
# it — multi-head attention, the position-wise feed-forward network, "Add & Norm" (after each sublayer as in
# the original, or before it), the sinusoidal positional encoding — and shows why the pre-norm form trains
# more easily. Finally it trains a one-layer Transformer encoder to reverse sequences, and reads in its
# attention weights how it does it: each output position attends most to the mirrored input position.

# %%
import math

import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn
import nn.functional as F

_ = ag.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80})

# %% [markdown]
# ## Scaled dot-product attention
#
# Given queries $Q$ ($L \times d$), keys $K$ ($S \times d$) and values $V$ ($S \times d_v$),
#
# $$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\left(\frac{QK^\top}{\sqrt d}\right) V .$$
#
# Row $i$ of the softmax is a probability distribution over the $S$ keys: how much query $i$ attends to
# each. `F.scaled_dot_product_attention` computes it; the same thing written with Tensor operations
# agrees:

# %%
L, S, d = 4, 6, 8
Q, K, V = ag.randn(L, d), ag.randn(S, d), ag.randn(S, 5)
weights = (Q @ K.T / d**0.5).softmax(dim=-1)
by_hand = weights @ V
built_in = F.scaled_dot_product_attention(Q, K, V)
print("output shape", built_in.shape, " max difference", np.abs(built_in.numpy() - by_hand.numpy()).max())
assert np.allclose(built_in.numpy(), by_hand.numpy(), atol=1e-5)
assert np.allclose(weights.numpy().sum(-1), 1, atol=1e-6)

# %% [markdown]
# **Why divide by $\sqrt d$?** With independent unit-variance entries, a dot product of two $d$-dimensional
# vectors has variance $d$. Unscaled, the scores grow with $d$, the softmax saturates to nearly one-hot,
# and its gradient vanishes. Dividing by $\sqrt d$ keeps the score variance at 1 whatever the width.
# Below: the entropy of the attention distribution (log 64 = 4.16 is uniform, 0 is one-hot) over 64 keys.

# %%
dims = [4, 16, 64, 256, 1024]
entropy = {"scaled by 1/√d": [], "unscaled": []}
for dim in dims:
    q, k = ag.randn(256, dim), ag.randn(64, dim)
    for name, scale in (("scaled by 1/√d", dim**-0.5), ("unscaled", 1.0)):
        p = (q @ k.T * scale).softmax(dim=-1).numpy()
        entropy[name].append(float(-(p * np.log(p + 1e-30)).sum(-1).mean()))

fig, ax = plt.subplots(figsize=(6, 3.2))
for name, values in entropy.items():
    ax.semilogx(dims, values, "o-", label=name)
ax.axhline(np.log(64), color="k", ls=":", label="uniform")
ax.set_xlabel("dimension d")
ax.set_ylabel("entropy of attention weights")
ax.legend()
ax.grid(alpha=0.3)
print({name: np.round(values, 2).tolist() for name, values in entropy.items()})
assert max(entropy["scaled by 1/√d"]) - min(entropy["scaled by 1/√d"]) < 0.3  # the same at every width
assert entropy["unscaled"][-1] < 0.2 < 2.5 < entropy["scaled by 1/√d"][-1]     # unscaled: nearly one-hot

# %% [markdown]
# ## Additive attention
#
# Lesson 000 names the two ways of scoring a query against a key: the dot product above, and a small
# multilayer perceptron. Bahdanau's attention scores a query against a key with a small network instead of a dot product:
# $\mathrm{score}(q, k) = w^\top \tanh(W_q q + b + W_k k)$. It is built here from `nn.Linear` layers; the rest
# (softmax over keys, weighted average of values) is the same. Both kinds of weights, for a toy problem where
# the keys are noisy copies of the queries in shuffled order: a good scorer should attend from each query
# to its copy. The dot product measures similarity out of the box; the additive scorer has to *learn* what
# relevance means, which here takes a few hundred steps of training on random examples.

# %%
class AdditiveAttention(nn.Module):
    def __init__(self, query_dim, key_dim, hidden):
        super().__init__()
        self.W_q = nn.Linear(query_dim, hidden)  # its bias is the b above
        self.W_k = nn.Linear(key_dim, hidden, bias=False)
        self.w = nn.Linear(hidden, 1, bias=False)

    def forward(self, query, key, value):
        # (L, 1, h) + (1, S, h) -> (L, S, h) -> scores (L, S)
        scores = self.w((self.W_q(query).unsqueeze(1) + self.W_k(key).unsqueeze(0)).tanh()).squeeze(-1)
        weights = scores.softmax(dim=-1)
        return weights @ value, weights


_ = ag.manual_seed(0)
n, dim = 6, 16
queries = ag.randn(n, dim)
order = ag.randperm(n).numpy()
keys = queries[ag.tensor(order)] + 0.3 * ag.randn(n, dim)   # key j is a noisy copy of query order[j]
dot_weights = (queries @ keys.T / dim**0.5).softmax(dim=-1)

additive = AdditiveAttention(dim, dim, 64)
optimizer = nn.optim.Adam(additive.parameters(), lr=1e-2)
for _ in range(300):  # train the scorer to find the copies, on fresh random examples
    q = ag.randn(32, dim)
    perm = ag.randperm(32)
    k = q[perm] + 0.3 * ag.randn(32, dim)
    target = ag.tensor(np.argsort(perm.numpy()))  # query i's copy sits at position argsort(perm)[i]
    _, w = additive(q, k, k)
    loss = F.nll_loss((w + 1e-9).log(), target)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
with ag.no_grad():
    _, additive_weights = additive(queries, keys, keys)

fig, axes = plt.subplots(1, 2, figsize=(9, 4))
for ax, (name, w) in zip(axes, (("scaled dot-product", dot_weights), ("additive (trained 300 steps)", additive_weights))):
    ax.imshow(w.numpy(), cmap="viridis", vmin=0, vmax=1)
    ax.set_title(name)
    ax.set_xlabel("key")
    ax.set_ylabel("query")
    ax.plot(np.argsort(order), np.arange(n), "rx", ms=10, label="the query's copy")
axes[0].legend(loc="upper right", fontsize=8)
fig.tight_layout()

copy_of = np.argsort(order)
for name, w in (("dot-product", dot_weights), ("additive", additive_weights)):
    hit = (w.numpy().argmax(-1) == copy_of).mean()
    print(f"{name:12s}: attends most to the right key for {hit:.0%} of the queries")
    assert hit == 1.0

# %% [markdown]
# ## Masks
#
# A **causal** mask lets position $i$ attend only to positions $\le i$ (what a language model may see when
# predicting the next token); a **padding** mask hides keys that are only filler in a batch of
# unequal-length sequences. Masked scores become $-\infty$ before the softmax, so their weights are exactly 0.

# %%
x = ag.randn(1, 6, 8)
causal = (x @ x.mT / 8**0.5).masked_fill(ag.triu(ag.ones(6, 6), diagonal=1) > 0, float("-inf")).softmax(-1)
padding_mask = ag.tensor([[True, True, True, True, False, False]])  # bool mask: True = may attend
padded = F.scaled_dot_product_attention(x, x, x, attn_mask=padding_mask)
pad_weights = (x @ x.mT / 8**0.5).masked_fill(~padding_mask.numpy(), float("-inf")).softmax(-1)

fig, axes = plt.subplots(1, 2, figsize=(8, 3.5))
for ax, (name, w) in zip(axes, (("causal mask", causal), ("padding mask (last 2 keys are padding)", pad_weights))):
    ax.imshow(w.numpy()[0], cmap="viridis", vmin=0, vmax=1)
    ax.set_title(name, fontsize=10)
    ax.set_xlabel("key")
    ax.set_ylabel("query")
fig.tight_layout()

assert np.all(np.triu(causal.numpy()[0], 1) == 0)
assert np.allclose(F.scaled_dot_product_attention(x, x, x, is_causal=True).numpy(), (causal @ x).numpy(), atol=1e-5)
assert np.allclose(padded.numpy(), (pad_weights @ x).numpy(), atol=1e-5)

# %% [markdown]
# ## Multi-head attention
#
# One attention can only form one weighted average per query. **Multi-head** attention projects the
# queries, keys and values $h$ times with different learned matrices (each of size $d/h$), attends in each
# head independently, concatenates the results and projects them back. `nn.MultiheadAttention` returns the
# output and (optionally) each head's weights.

# %%
_ = ag.manual_seed(0)
mha = nn.MultiheadAttention(embed_dim=16, num_heads=4, batch_first=True)
tokens = ag.randn(1, 7, 16)
output, head_weights = mha(tokens, tokens, tokens, average_attn_weights=False)
print("output", output.shape, " weights", head_weights.shape, "(batch, heads, queries, keys)")
print("parameters:", {name: p.shape for name, p in mha.named_parameters()})
assert output.shape == (1, 7, 16) and head_weights.shape == (1, 4, 7, 7)
assert np.allclose(head_weights.detach().numpy().sum(-1), 1, atol=1e-5)

fig, axes = plt.subplots(1, 4, figsize=(13, 3.2))
for h, ax in enumerate(axes):
    ax.imshow(head_weights.detach().numpy()[0, h], cmap="viridis", vmin=0, vmax=1)
    ax.set_title(f"head {h} (untrained)")
fig.tight_layout()

# %% [markdown]
# ## The Transformer block
#
# Lesson 000 describes the Transformer as an encoder–decoder that differs from a recurrent seq2seq model in
# three ways: its **Transformer blocks** replace the recurrent layers — each holds a multi-head attention
# layer and a **position-wise feed-forward network** (a decoder block has a second attention layer that
# reads the encoder's output; notebook 11); **Add & Norm** wraps every sublayer in a residual connection
# and layer normalisation; and a **positional encoding** adds the order of the sequence, which
# self-attention on its own cannot see. One piece at a time.
#
# ### Positional encoding
#
# Self-attention treats its input as a set: permute the positions, and the outputs are permuted the same way.

# %%
tokens = ag.randn(1, 7, 16)
shuffle = ag.randperm(7)
with ag.no_grad():
    out = mha(tokens, tokens, tokens, need_weights=False)[0]
    out_of_shuffled = mha(tokens[:, shuffle], tokens[:, shuffle], tokens[:, shuffle], need_weights=False)[0]
assert np.allclose(out_of_shuffled.numpy(), out[:, shuffle].numpy(), atol=1e-5)  # order is invisible to it
print("self-attention of shuffled tokens = the shuffled self-attention of the tokens")

# %% [markdown]
# So position must be part of the input. The original Transformer adds a fixed code to each token's
# embedding: for position $pos$ and dimension pairs $(2i, 2i+1)$,
#
# $$P_{pos, 2i} = \sin\!\left(\frac{pos}{10000^{2i/d}}\right), \qquad P_{pos, 2i+1} = \cos\!\left(\frac{pos}{10000^{2i/d}}\right).$$
#
# Each pair of dimensions is a sine and cosine of one frequency, from one cycle per $2\pi$ positions down
# to one per $2\pi \cdot 10000$: the fast pairs tell neighbouring positions apart, the slow ones distant
# positions. Written out with Tensor operations, and compared with `nn.PositionalEncoding` (which adds the
# same table to its input):

# %%
def sinusoidal_encoding(length, d_model):
    position = ag.arange(length).float().reshape(-1, 1)                                   # (L, 1)
    frequency = (ag.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model)).exp()  # 10000^(-2i/d)
    angle = position * frequency                                                          # (L, d/2)
    return ag.stack([angle.sin(), angle.cos()], dim=-1).reshape(length, d_model)         # sin, cos interleaved


P = sinusoidal_encoding(64, 32)
from_module = nn.PositionalEncoding(32, dropout=0.0, batch_first=True)(ag.zeros(1, 64, 32))[0]
assert np.allclose(P.numpy(), from_module.numpy(), atol=1e-6)
pos, i = np.arange(64)[:, None], np.arange(16)[None, :]
assert np.allclose(P.numpy()[:, 0::2], np.sin(pos / 10000 ** (2 * i / 32)), atol=1e-5)   # the formula, in numpy
assert np.allclose(P.numpy()[:, 1::2], np.cos(pos / 10000 ** (2 * i / 32)), atol=1e-5)

fig, axes = plt.subplots(1, 2, figsize=(13, 3.6))
image = axes[0].imshow(P.numpy().T, cmap="RdBu", aspect="auto", vmin=-1, vmax=1)
axes[0].set_xlabel("position")
axes[0].set_ylabel("dimension")
axes[0].set_title("sinusoidal positional encoding, d = 32")
fig.colorbar(image, ax=axes[0])
for dim in (0, 4, 8, 14):
    axes[1].plot(P.numpy()[:, dim], label=f"dimension {dim}")
axes[1].set_xlabel("position")
axes[1].legend(fontsize=8, loc="lower left")
axes[1].grid(alpha=0.3)
fig.tight_layout()

# %% [markdown]
# Two properties make it a good code. Every position gets a vector of the same length ($\|P_{pos}\|^2 = d/2$,
# one per sine–cosine pair), so no position dominates; and moving $k$ positions on is the **same rotation**
# for every position — a linear map that depends only on $k$ — so relative positions are easy for a linear
# layer (and hence for attention's projections) to read:
#
# $$\begin{pmatrix} P_{pos+k,\,2i} \\ P_{pos+k,\,2i+1}\end{pmatrix}
#   = \begin{pmatrix} \cos \omega_i k & \sin \omega_i k \\ -\sin \omega_i k & \cos \omega_i k \end{pmatrix}
#   \begin{pmatrix} P_{pos,\,2i} \\ P_{pos,\,2i+1}\end{pmatrix}, \qquad \omega_i = 10000^{-2i/d}.$$

# %%
table = P.numpy().astype(np.float64)
assert np.allclose((table**2).sum(1), 32 / 2, atol=1e-4)
k = 5
omega = 10000.0 ** (-2 * np.arange(16) / 32)
rotation = np.zeros((32, 32))
for j, w in enumerate(omega):
    rotation[2 * j:2 * j + 2, 2 * j:2 * j + 2] = [[np.cos(w * k), np.sin(w * k)], [-np.sin(w * k), np.cos(w * k)]]
assert np.allclose(table[:-k] @ rotation.T, table[k:], atol=2e-5)  # one matrix moves every position 5 steps on
print(f"‖P[pos]‖² = {np.round((table**2).sum(1)[:3], 4)} …; one rotation maps P[pos] to P[pos + {k}] for every pos")

# %% [markdown]
# ### The position-wise feed-forward network
#
# After attention mixes information *between* positions, the feed-forward network transforms each
# position *on its own*: $\mathrm{FFN}(x) = W_2\,\mathrm{ReLU}(W_1 x + b_1) + b_2$, the same two layers at every
# position (so it is also a pair of 1×1 convolutions, notebook 07). In `nn.TransformerEncoderLayer` these
# are `linear1` (d_model → dim_feedforward) and `linear2` (back). Applied to a whole sequence, it gives the
# same as applied to each position separately, and it commutes with reordering the positions:

# %%
block_layer = nn.TransformerEncoderLayer(16, nhead=4, dim_feedforward=32, dropout=0.0, batch_first=True)


def feed_forward(layer, h):
    return layer.linear2(layer.activation(layer.linear1(h)))


seq = ag.randn(2, 5, 16)
with ag.no_grad():
    whole = feed_forward(block_layer, seq)
    one_by_one = ag.stack([feed_forward(block_layer, seq[:, t]) for t in range(5)], dim=1)
    reordered = feed_forward(block_layer, seq.flip(1))               # the positions in reverse order
assert np.allclose(whole.numpy(), one_by_one.numpy(), atol=1e-6)
assert np.allclose(reordered.numpy(), whole.flip(1).numpy(), atol=1e-6)
print("FFN on the sequence = FFN on each position alone; weights", block_layer.linear1.weight.shape,
      block_layer.linear2.weight.shape)

# %% [markdown]
# ### Add & Norm: after the sublayer, or before it
#
# Each sublayer (attention, feed-forward) is wrapped in a residual connection and a layer normalisation.
# The original Transformer, and the lessons, normalise **after** adding ("post-norm"):
#
# $$h = \mathrm{LayerNorm}(x + \mathrm{Attention}(x)), \qquad \text{out} = \mathrm{LayerNorm}(h + \mathrm{FFN}(h)).$$
#
# Most Transformers since normalise the sublayer's **input** instead ("pre-norm", `norm_first=True`), and
# leave the residual path untouched:
#
# $$h = x + \mathrm{Attention}(\mathrm{LayerNorm}(x)), \qquad \text{out} = h + \mathrm{FFN}(\mathrm{LayerNorm}(h)).$$
#
# Both written out with the layer's own sublayers, against `nn.TransformerEncoderLayer` (dropout 0):

# %%
def attention(layer, h):
    return layer.self_attn(h, h, h, need_weights=False)[0]


def post_norm(layer, x):
    h = layer.norm1(x + attention(layer, x))
    return layer.norm2(h + feed_forward(layer, h))


def pre_norm(layer, x):
    h = x + attention(layer, layer.norm1(x))
    return h + feed_forward(layer, layer.norm2(h))


pre_layer = nn.TransformerEncoderLayer(16, nhead=4, dim_feedforward=32, dropout=0.0, batch_first=True, norm_first=True)
with ag.no_grad():
    assert np.allclose(block_layer(seq).numpy(), post_norm(block_layer, seq).numpy(), atol=1e-5)
    assert np.allclose(pre_layer(seq).numpy(), pre_norm(pre_layer, seq).numpy(), atol=1e-5)
    post_out, pre_out = block_layer(seq).numpy(), pre_layer(seq).numpy()
print(f"post-norm output, per position: mean {np.abs(post_out.mean(-1)).max():.4f}, std {post_out.std(-1).mean():.3f}")
print(f"pre-norm output, per position:  mean up to {np.abs(pre_out.mean(-1)).max():.2f}, std {pre_out.std(-1).mean():.3f}")
assert np.allclose(post_out.mean(-1), 0, atol=1e-5) and np.allclose(post_out.std(-1), 1, atol=1e-3)
assert not np.allclose(pre_out.std(-1), 1, atol=0.05)  # pre-norm leaves the residual stream unnormalised

# %% [markdown]
# A post-norm block's output is normalised; a pre-norm block's is not, which is why a stack of pre-norm
# blocks ends with one more LayerNorm (the `norm=` argument of `nn.TransformerEncoder`).
#
# **Why pre-norm trains more easily.** In a pre-norm stack, the residual path runs from the input to the
# output through nothing but additions, so the gradient reaches every block directly, whatever the
# sublayers do. In a post-norm stack every block's LayerNorm sits *on* that path. Xiong et al. (2020, "On
# Layer Normalization in the Transformer Architecture") show that at initialisation the post-norm
# gradients near the output are large, so post-norm Transformers need a learning-rate **warm-up**; pre-norm
# ones train without it. The experiment: four-layer encoders on the reversal task below, Adam at a
# deliberately large peak learning rate of 0.03 for 200 steps, four ways: post-norm at the constant rate;
# post-norm with the original Transformer's schedule (Vaswani et al.: the rate rises linearly over the
# first 50 steps, then decays as $1/\sqrt{\text{step}}$, via `nn.optim.lr_scheduler.LambdaLR`); post-norm
# with the same decay but no warm-up (the rate starts at its peak) — the control that shows which half of
# the schedule matters; and pre-norm (with its final LayerNorm) at the constant rate. Training at such a
# rate is erratic, so each is run from three seeds.

# %%
LENGTH, VOCAB, D_MODEL = 8, 10, 32


def reversal_batch(n):
    x = ag.randint(0, VOCAB, (n, LENGTH))
    return x, x.flip(1)


class Reverser(nn.Module):
    def __init__(self, num_layers=1, norm_first=True, final_norm=False):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D_MODEL)
        self.position = nn.PositionalEncoding(D_MODEL, dropout=0.0, batch_first=True)
        layer = nn.TransformerEncoderLayer(D_MODEL, nhead=4, dim_feedforward=64, dropout=0.0, batch_first=True,
                                           norm_first=norm_first)
        self.encoder = nn.TransformerEncoder(layer, num_layers=num_layers, norm=nn.LayerNorm(D_MODEL) if final_norm else None,
                                             enable_nested_tensor=False)  # PyTorch's inference fast path: not used here
        self.head = nn.Linear(D_MODEL, VOCAB)

    def forward(self, x):
        return self.head(self.encoder(self.position(self.embed(x))))


def train_reverser(model, steps, lr, schedule=None):
    """Adam on fresh random batches; `schedule(step)` multiplies the learning rate (LambdaLR). The losses.

    The step is recorded once and replayed by `ag.compile` (notebook 03): the same numbers as running it
    eagerly, in about half the time; the replay reads the learning rate the scheduler sets at every call.
    """
    optimizer = nn.optim.Adam(model.parameters(), lr=lr)
    scheduler = nn.optim.lr_scheduler.LambdaLR(optimizer, schedule) if schedule else None

    @ag.compile
    def step(x, y):
        loss = F.cross_entropy(model(x).reshape(-1, VOCAB), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.item()

    losses = []
    for _ in range(steps):
        losses.append(step(*reversal_batch(64)))
        if scheduler is not None:
            scheduler.step()
    return np.array(losses)


WARMUP = 50
schedules = {  # name: (norm_first, the learning-rate factor at each step)
    "post-norm": (False, None),
    "post-norm, warm-up then decay": (False, lambda step: min((step + 1) / WARMUP, (WARMUP / (step + 1)) ** 0.5)),
    "post-norm, decay only": (False, lambda step: min(1.0, (WARMUP / (step + 1)) ** 0.5)),
    "pre-norm": (True, None),
}
norm_runs = {name: [] for name in schedules}  # name: one loss curve per seed
for seed in (0, 1, 2):
    for name, (norm_first, schedule) in schedules.items():
        _ = ag.manual_seed(seed)
        model = Reverser(num_layers=4, norm_first=norm_first, final_norm=norm_first)
        norm_runs[name].append(train_reverser(model, 200, 0.03, schedule))

fig, axes = plt.subplots(1, 2, figsize=(13, 3.6), gridspec_kw={"width_ratios": [2, 1]})
for (name, runs), color in zip(norm_runs.items(), ("C0", "C1", "C2", "C3")):
    for seed, losses in enumerate(runs):
        axes[0].plot(np.convolve(losses, np.ones(10) / 10, mode="valid"), color=color, alpha=1 if seed == 0 else 0.35,
                     label=name if seed == 0 else None)
axes[0].axhline(np.log(VOCAB), color="k", ls=":", label="log 10: uniform guessing")
axes[0].set_yscale("log")
axes[0].set_xlabel("Adam step (peak lr 0.03); faint lines: the other seeds")
axes[0].set_ylabel("training loss (smoothed)")
axes[0].legend(fontsize=8)
axes[0].grid(alpha=0.3)
for name, (_, schedule) in schedules.items():
    axes[1].plot([0.03 * (schedule(step) if schedule else 1.0) for step in range(200)], label=name)
axes[1].set_xlabel("step")
axes[1].set_title("learning rate", fontsize=10)
axes[1].grid(alpha=0.3)
fig.tight_layout()
final = {name: np.array([losses[-50:].mean() for losses in runs]) for name, runs in norm_runs.items()}
for name, values in final.items():
    print(f"{name:30s} mean loss over the last 50 steps, seeds 0–2: {np.round(values, 3)}")
assert (final["post-norm"] > 0.9 * np.log(VOCAB)).all()                      # stuck at guessing, every seed
assert (final["post-norm, decay only"] > 0.9 * np.log(VOCAB)).all()          # decaying later does not help ...
assert (final["post-norm, warm-up then decay"] < 0.2).all()                  # ... the warm-up rescues it
assert (final["pre-norm"] < 0.2).all()                                       # pre-norm needs none

# %% [markdown]
# Without warm-up, the post-norm stack never leaves uniform guessing at this learning rate — not even when
# the rate decays afterwards: the damage is done in the first steps, as Xiong et al. describe. With a
# warm-up in front of the same decay it learns. The pre-norm stack learns at the constant peak rate from the
# first steps. The difference is not that post-norm cannot learn — with a warm-up it does — but how much
# care it needs. (A linear warm-up followed by the constant peak rate is not enough here: at 0.03 the
# post-norm stack still diverges later for some seeds; the original schedule's decay keeps it stable.)

# %% [markdown]
# ## A tiny Transformer encoder that reverses sequences
#
# The task: given 8 tokens from a vocabulary of 10, output them in reverse order. Each output position
# must copy the token from the mirrored position — pure routing by position, which attention can learn
# once positions are visible: token embeddings plus sinusoidal `nn.PositionalEncoding`, one
# `nn.TransformerEncoderLayer` (4 heads, pre-norm), and a linear read-out (the `Reverser` above, with one
# layer). 300 Adam steps on random sequences.

# %%
_ = ag.manual_seed(0)
reverser = Reverser(num_layers=1, norm_first=True)
losses = train_reverser(reverser, 300, 3e-3)

with ag.no_grad():
    x_test, y_test = reversal_batch(1000)
    token_acc = (reverser(x_test).argmax(dim=-1).numpy() == y_test.numpy()).mean()
    seq_acc = (reverser(x_test).argmax(dim=-1).numpy() == y_test.numpy()).all(-1).mean()
print(f"final loss {losses[-1]:.4f}; test accuracy: {token_acc:.1%} of tokens, {seq_acc:.1%} of whole sequences")
example = x_test[:1]
print("input   ", example.numpy()[0], "\nreversed", reverser(example).argmax(dim=-1).numpy()[0])
assert token_acc > 0.98

# %% [markdown]
# What did it learn? The attention weights of the trained layer, for one input sequence: each head's
# map, and their average. Every output position $i$ attends **most** to input position $7 - i$: the
# largest weight of the average map lies on the anti-diagonal in every row. The maps are not exactly the
# reversal — each row also spreads some weight over other positions, and each head is sharp only on some
# of the positions — but the heads together cover all of them, and the feed-forward layer and read-out
# turn the blend into the right token.

# %% image=notebooks/images/transformer_attention.png
layer = reverser.encoder.layers[0]
with ag.no_grad():
    h = reverser.position(reverser.embed(example))
    normed = layer.norm1(h)  # pre-norm: attention sees the normalised input
    _, learned = layer.self_attn(normed, normed, normed, average_attn_weights=False)
learned = learned.numpy()[0]  # (heads, query, key)

fig, axes = plt.subplots(1, 5, figsize=(16, 3.4))
for h, ax in enumerate(axes[:4]):
    ax.imshow(learned[h], cmap="viridis", vmin=0, vmax=1)
    ax.set_title(f"head {h}")
axes[4].imshow(learned.mean(0), cmap="viridis", vmin=0, vmax=1)
axes[4].set_title("average over heads")
for ax in axes:
    ax.set_xlabel("input position (key)")
axes[0].set_ylabel("output position (query)")
fig.tight_layout()

anti_diagonal = learned.mean(0)[np.arange(LENGTH), LENGTH - 1 - np.arange(LENGTH)]
print("average weight on the mirrored position:", np.round(anti_diagonal, 2))
print("largest weight of each row falls on input position", learned.mean(0).argmax(-1))
assert (learned.mean(0).argmax(-1) == LENGTH - 1 - np.arange(LENGTH)).all()  # the argmax is the reversal ...
assert anti_diagonal.mean() > 0.4 and anti_diagonal.min() < 0.95             # ... the weights are not one-hot

# %% [markdown]
# ## Takeaways
#
# * Attention = softmax of query–key scores, then a weighted average of values; divide dot products by
#   $\sqrt d$ so the softmax does not saturate as the width grows.
# * Additive attention scores with a small network; dot-product attention is cheaper and is what
#   Transformers use.
# * Masks set scores to $-\infty$: causal masks for autoregressive models, padding masks for batches.
# * Multi-head attention runs several attentions in parallel in smaller subspaces.
# * A Transformer block is attention (between positions) plus a position-wise feed-forward network (within
#   each position), each wrapped in Add & Norm; pre-norm keeps the residual path clean and trains without
#   the warm-up post-norm needs.
# * The sinusoidal positional encoding gives every position a vector of the same length, and a shift by
#   $k$ positions is one fixed rotation.
# * A Transformer knows positions only through its positional encoding; given that, one attention layer
#   learns to route each output to the right input — and its attention map shows how.
