# %% [markdown]
# # 09 · Attention and a tiny Transformer
#
# Attention lets every position of a sequence look at every other position and take a weighted average of
# what it finds, the weights computed from the data itself. This notebook builds up from scaled
# dot-product attention and additive (Bahdanau) attention, draws attention weights as heatmaps, looks
# at masks and multi-head attention, and finally trains a one-layer Transformer encoder to reverse
# sequences — whose attention map turns out to be exactly the reversal.

# %%
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
# Bahdanau's attention scores a query against a key with a small network instead of a dot product:
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
# ## A tiny Transformer encoder that reverses sequences
#
# The task: given 8 tokens from a vocabulary of 10, output them in reverse order. Each output position
# must copy the token from the mirrored position — pure routing by position, which attention can learn
# once positions are visible: token embeddings plus sinusoidal `nn.PositionalEncoding`, one
# `nn.TransformerEncoderLayer` (4 heads, pre-norm), and a linear read-out. 300 Adam steps on random
# sequences.

# %%
LENGTH, VOCAB, D_MODEL = 8, 10, 32


class Reverser(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(VOCAB, D_MODEL)
        self.position = nn.PositionalEncoding(D_MODEL, dropout=0.0, batch_first=True)
        layer = nn.TransformerEncoderLayer(D_MODEL, nhead=4, dim_feedforward=64, dropout=0.0, batch_first=True,
                                           norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=1)
        self.head = nn.Linear(D_MODEL, VOCAB)

    def forward(self, x):
        return self.head(self.encoder(self.position(self.embed(x))))


def reversal_batch(n):
    x = ag.randint(0, VOCAB, (n, LENGTH))
    return x, x.flip(1)


_ = ag.manual_seed(0)
reverser = Reverser()
optimizer = nn.optim.Adam(reverser.parameters(), lr=3e-3)
losses = []
for _ in range(300):
    x, y = reversal_batch(64)
    loss = F.cross_entropy(reverser(x).reshape(-1, VOCAB), y.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    losses.append(loss.item())

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
# map, and their average. Output position $i$ attends to input position $7 - i$ — the anti-diagonal. Each
# head is sharpest on some of the positions, and the heads together cover all of them.

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
assert anti_diagonal.mean() > 0.4 and (learned.mean(0).argmax(-1) == LENGTH - 1 - np.arange(LENGTH)).all()

# %% [markdown]
# ## Takeaways
#
# * Attention = softmax of query–key scores, then a weighted average of values; divide dot products by
#   $\sqrt d$ so the softmax does not saturate as the width grows.
# * Additive attention scores with a small network; dot-product attention is cheaper and is what
#   Transformers use.
# * Masks set scores to $-\infty$: causal masks for autoregressive models, padding masks for batches.
# * Multi-head attention runs several attentions in parallel in smaller subspaces.
# * A Transformer knows positions only through its positional encoding; given that, one attention layer
#   learns to route each output to the right input — and its attention map shows how.
