# %% [markdown]
# # 11 · Sequence to sequence: encoder–decoder, attention and the Transformer decoder
#
# Lesson 000 sums up the encoder–decoder architecture in two lines — the **encoder** turns the input into
# a hidden state, the **decoder** turns the hidden state into the output — and adds the rule for training
# it: the decoder's own output is **not** fed back as its next input; the true previous token is
# (**teacher forcing**). This notebook builds that model with recurrent layers on a small task, shows where
# a single hidden state becomes a bottleneck, adds **attention** over all the encoder's states, and ends
# with the **Transformer decoder**: masked (causal) self-attention, cross-attention to the encoder, and the
# position-wise feed-forward network, each with Add & Norm (notebook 09 takes the encoder side apart).

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn
import nn.functional as F

_ = ag.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## The task: copy a sequence
#
# The source is a sequence of 3 to 10 symbols (ids 3–12); the target is the same sequence. Three special
# tokens frame it: `BOS` starts every target, `EOS` ends it (so a decoder can say when it is done), `PAD`
# is unused here because every batch has one length. Copying is easy to state and hard for an
# encoder–decoder without attention: the *first* output symbol is the *first* input, the one the encoder
# read longest ago.
#
# With teacher forcing, the decoder's input is the target shifted right by one: `BOS` then the true
# symbols; its output is scored against the target followed by `EOS`. Every position is trained to predict
# the next token **given the correct previous ones**.

# %%
PAD, BOS, EOS = 0, 1, 2
VOCAB = 13                       # 3 special tokens + 10 symbols
MAX_TRAIN_LENGTH = 10


def copy_batch(n, length):
    """(source, decoder input, decoder target) for n sequences of `length` symbols."""
    source = ag.randint(3, VOCAB, (n, length))
    bos = ag.full((n, 1), BOS, dtype=ag.int64)
    eos = ag.full((n, 1), EOS, dtype=ag.int64)
    return source, ag.cat([bos, source], dim=1), ag.cat([source, eos], dim=1)


source, decoder_input, decoder_target = copy_batch(2, 5)
print("source        ", source.numpy()[0])
print("decoder input ", decoder_input.numpy()[0], " (BOS, then the target: teacher forcing)")
print("decoder target", decoder_target.numpy()[0], " (the target, then EOS)")
assert np.array_equal(decoder_input.numpy()[:, 1:], decoder_target.numpy()[:, :-1])  # shifted by one
assert (decoder_input.numpy()[:, 0] == BOS).all() and (decoder_target.numpy()[:, -1] == EOS).all()

# %% [markdown]
# ## An encoder–decoder with recurrent layers
#
# The encoder is a GRU over the embedded source; its final hidden state is the **context**, the whole
# input summarised in one vector. The decoder is a second GRU that starts from the context and also receives
# it at every step, concatenated to the embedding of its input token; a linear layer maps its outputs to
# logits over the vocabulary.
#
# The optional **attention** (next section) changes only the read-out: at each output position the
# decoder's state is a query against *all* the encoder's states (scaled dot product, notebook 09), and the
# weighted average of those states joins the decoder's own state before the final layer.
#
# At test time there is no target to feed: **greedy decoding** starts from `BOS` and feeds back each
# predicted token, carrying the decoder's state.

# %%
class Seq2Seq(nn.Module):
    def __init__(self, attention=False, embed=32, hidden=64):
        super().__init__()
        self.attention = attention
        self.source_embed = nn.Embedding(VOCAB, embed)
        self.target_embed = nn.Embedding(VOCAB, embed)
        self.encoder = nn.GRU(embed, hidden, batch_first=True)
        self.decoder = nn.GRU(embed + hidden, hidden, batch_first=True)
        self.out = nn.Linear(2 * hidden if attention else hidden, VOCAB)

    def encode(self, source):
        states, final = self.encoder(self.source_embed(source))   # (N, S, H) every step, (1, N, H) the last
        return states, final

    def decode(self, decoder_input, encoder_states, state):
        """Logits for every decoder position, the decoder's final state, and the attention weights (or None)."""
        embedded = self.target_embed(decoder_input)                              # (N, T, E)
        context = encoder_states[:, -1:].expand(embedded.shape[0], embedded.shape[1], encoder_states.shape[-1])
        outputs, state = self.decoder(ag.cat([embedded, context], dim=-1), state)
        weights = None
        if self.attention:
            scores = outputs @ encoder_states.mT / encoder_states.shape[-1] ** 0.5   # (N, T, S)
            weights = scores.softmax(dim=-1)
            outputs = ag.cat([outputs, weights @ encoder_states], dim=-1)
        return self.out(outputs), state, weights

    def forward(self, source, decoder_input):
        states, final = self.encode(source)
        return self.decode(decoder_input, states, final)[0]


def greedy_decode(model, source, steps):
    """Feed back the most likely token `steps` times, starting from BOS; returns the generated tokens."""
    with ag.no_grad():
        states, state = model.encode(source)
        token, generated = ag.full((source.shape[0], 1), BOS, dtype=ag.int64), []
        for _ in range(steps):
            logits, state, _ = model.decode(token, states, state)
            token = logits.argmax(dim=-1)
            generated.append(token)
    return ag.cat(generated, dim=1)


def train_seq2seq(model, steps, lr):
    optimizer = nn.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        length = int(ag.randint(3, MAX_TRAIN_LENGTH + 1, (1,)).item())
        source, decoder_input, decoder_target = copy_batch(64, length)
        loss = F.cross_entropy(model(source, decoder_input).reshape(-1, VOCAB), decoder_target.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
        optimizer.step()
        losses.append(loss.item())
    return np.array(losses)


LENGTHS = np.arange(3, 13)  # 11 and 12 are longer than any training sequence


def sequence_accuracy(decode, lengths=LENGTHS, n=200):
    """Share of n test sequences of each length copied exactly, EOS included."""
    accuracy = []
    for length in lengths:
        source, _, target = copy_batch(n, int(length))
        accuracy.append((decode(source, int(length) + 1).numpy() == target.numpy()).all(axis=1).mean())
    return np.array(accuracy)


_ = ag.manual_seed(0)
plain = Seq2Seq(attention=False)
plain_losses = train_seq2seq(plain, steps=600, lr=1e-2)
_ = ag.manual_seed(1)
plain_accuracy = sequence_accuracy(lambda s, k: greedy_decode(plain, s, k))
print("plain encoder–decoder, sequences copied exactly, by length:")
print(dict(zip(LENGTHS.tolist(), plain_accuracy.round(3).tolist())))

# %% [markdown]
# ### Teacher forcing at training time, its own outputs at test time
#
# Scored with teacher forcing — every position given the correct previous tokens — the model gets more
# tokens right than when it generates freely, where one wrong token becomes part of the input for the
# next step and errors compound ("exposure bias"). Token accuracy both ways, on sequences of 8:

# %%
_ = ag.manual_seed(2)
source, decoder_input, decoder_target = copy_batch(500, 8)
with ag.no_grad():
    forced = (plain(source, decoder_input).argmax(dim=-1).numpy() == decoder_target.numpy()).mean()
free = (greedy_decode(plain, source, 9).numpy() == decoder_target.numpy()).mean()
print(f"token accuracy with teacher forcing {forced:.3f}, generating freely {free:.3f}")
assert forced > free

# %% [markdown]
# ## The same with attention
#
# One context vector of 64 numbers must hold the whole source. With attention the decoder can look back at
# every encoder state instead, and take what it needs at each step ("it can attend to information of any
# length", lesson 000). Same data, same training:

# %%
_ = ag.manual_seed(0)
attentive = Seq2Seq(attention=True)
attentive_losses = train_seq2seq(attentive, steps=600, lr=1e-2)
_ = ag.manual_seed(1)
attentive_accuracy = sequence_accuracy(lambda s, k: greedy_decode(attentive, s, k))
print("with attention:", dict(zip(LENGTHS.tolist(), attentive_accuracy.round(3).tolist())))

fig, axes = plt.subplots(1, 2, figsize=(12, 3.5))
axes[0].plot(np.convolve(plain_losses, np.ones(20) / 20, mode="valid"), label="plain")
axes[0].plot(np.convolve(attentive_losses, np.ones(20) / 20, mode="valid"), label="with attention")
axes[0].set_yscale("log")
axes[0].set_xlabel("Adam step")
axes[0].set_title("training loss (teacher forcing, smoothed)")
axes[0].legend()
axes[1].plot(LENGTHS, plain_accuracy, "o-", label="plain")
axes[1].plot(LENGTHS, attentive_accuracy, "o-", label="with attention")
axes[1].axvspan(MAX_TRAIN_LENGTH + 0.5, LENGTHS[-1] + 0.5, color="gray", alpha=0.15, label="longer than in training")
axes[1].set_xlabel("sequence length")
axes[1].set_title("sequences copied exactly (greedy decoding)")
axes[1].legend(fontsize=8)
fig.tight_layout()

trained = LENGTHS <= MAX_TRAIN_LENGTH
assert plain_accuracy[0] > 0.9 and plain_accuracy[LENGTHS == 10][0] < 0.2     # the bottleneck: fine short, lost long
assert np.all(attentive_accuracy[trained] >= plain_accuracy[trained] - 0.03)       # never worse (to sampling noise)
assert attentive_accuracy[LENGTHS == 8][0] > plain_accuracy[LENGTHS == 8][0] + 0.4

# %% [markdown]
# What the attention learned: for one source sequence, the weights of each output position over the source
# positions. To copy, output $t$ should read source position $t$ — the diagonal (the last row is the
# prediction of `EOS`).

# %%
_ = ag.manual_seed(3)
source, decoder_input, _ = copy_batch(1, 8)
with ag.no_grad():
    states, final = attentive.encode(source)
    _, _, weights = attentive.decode(decoder_input, states, final)
weights = weights.numpy()[0]                                     # (output position, source position)
fig, ax = plt.subplots(figsize=(4.5, 4.5))
ax.imshow(weights, cmap="viridis", vmin=0, vmax=1)
ax.set_xlabel("source position")
ax.set_ylabel("output position")
ax.set_title("attention of the GRU decoder")
ax.grid(False)
print("most-attended source position for outputs 0–7:", weights[:8].argmax(-1))
assert (weights[:8].argmax(-1) == np.arange(8)).mean() >= 0.75   # mostly the diagonal

# %% [markdown]
# ## The Transformer decoder
#
# A Transformer decoder block (lesson 000: "for the decoder, another multi-head attention layer receives the
# encoder's hidden states") has three sublayers, each wrapped in Add & Norm:
#
# 1. **masked self-attention** over the decoder's own inputs, with a **causal mask** so that position $t$
#    sees only positions $\le t$ — what lets the whole target be trained in parallel with teacher forcing
#    while each position still predicts from the past only;
# 2. **cross-attention**: queries from the decoder, keys and values from the encoder's output (the
#    "memory") — the attention of the previous section, now one layer of the block;
# 3. the position-wise **feed-forward network**.
#
# `nn.TransformerDecoderLayer` is this block, with PyTorch's interface and sub-module names (`self_attn`,
# `multihead_attn`, `linear1`, `linear2`, `norm1`–`norm3`, `dropout1`–`dropout3`): post-norm by default as
# in the original, pre-norm with `norm_first=True`; `nn.TransformerDecoder` stacks copies of it.
# There is nothing more to it: its forward, written out from its own sublayers (dropout 0), gives the same.
# The causal mask is PyTorch's `nn.Transformer.generate_square_subsequent_mask`: a float mask added to the
# attention scores, $-\infty$ above the diagonal (position $t$ may not attend to positions after $t$), 0 elsewhere.

# %%
def causal_mask(length):
    return nn.Transformer.generate_square_subsequent_mask(length)


def decoder_block(layer, x, memory, mask):
    """A post-norm decoder layer by hand: Add & Norm after each of its three sublayers."""
    x = layer.norm1(x + layer.self_attn(x, x, x, attn_mask=mask, need_weights=False)[0])        # masked self-attention
    x = layer.norm2(x + layer.multihead_attn(x, memory, memory, need_weights=False)[0])         # cross-attention
    return layer.norm3(x + layer.linear2(layer.activation(layer.linear1(x))))                   # feed-forward


print(causal_mask(4).numpy())
_ = ag.manual_seed(0)
decoder_layer = nn.TransformerDecoderLayer(16, nhead=4, dim_feedforward=32, dropout=0.0, batch_first=True)
tgt, memory = ag.randn(2, 5, 16), ag.randn(2, 7, 16)
with ag.no_grad():
    by_hand = decoder_block(decoder_layer, tgt, memory, causal_mask(5)).numpy()
    assert np.allclose(decoder_layer(tgt, memory, tgt_mask=causal_mask(5)).numpy(), by_hand, atol=1e-5)
print("nn.TransformerDecoderLayer = the three sublayers, each with Add & Norm; parameters:",
      sum(p.numel() for p in decoder_layer.parameters()))

# %% [markdown]
# The encoder–decoder Transformer for the copy task: embeddings plus sinusoidal positional encoding on both
# sides, a one-layer `nn.TransformerEncoder` and a one-layer `nn.TransformerDecoder`, a linear read-out;
# $d_\text{model} = 32$, 4 heads, post-norm, no dropout. First, the causal mask at work on an untrained
# model: changing the decoder's inputs from position 5 on leaves its outputs at positions 0–4 exactly as
# they were; without the mask, every position sees the change.

# %%
class TransformerSeq2Seq(nn.Module):
    def __init__(self, d_model=32, nhead=4, dim_feedforward=64, num_layers=1):
        super().__init__()
        self.source_embed = nn.Embedding(VOCAB, d_model)
        self.target_embed = nn.Embedding(VOCAB, d_model)
        self.position = nn.PositionalEncoding(d_model, dropout=0.0, batch_first=True)
        self.encoder = nn.TransformerEncoder(
            nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward, dropout=0.0, batch_first=True), num_layers)
        self.decoder = nn.TransformerDecoder(
            nn.TransformerDecoderLayer(d_model, nhead, dim_feedforward, dropout=0.0, batch_first=True), num_layers)
        self.out = nn.Linear(d_model, VOCAB)

    def encode(self, source):
        return self.encoder(self.position(self.source_embed(source)))

    def decode(self, decoder_input, memory, masked=True):
        mask = causal_mask(decoder_input.shape[1]) if masked else None
        return self.out(self.decoder(self.position(self.target_embed(decoder_input)), memory, tgt_mask=mask))

    def forward(self, source, decoder_input):
        return self.decode(decoder_input, self.encode(source))


_ = ag.manual_seed(0)
transformer = TransformerSeq2Seq()
source, decoder_input, _ = copy_batch(1, 8)
changed_input = ag.cat([decoder_input[:, :5], ag.randint(3, VOCAB, (1, 4))], dim=1)
with ag.no_grad():
    memory = transformer.encode(source)
    before, after = transformer.decode(decoder_input, memory).numpy(), transformer.decode(changed_input, memory).numpy()
    unmasked_before = transformer.decode(decoder_input, memory, masked=False).numpy()
    unmasked_after = transformer.decode(changed_input, memory, masked=False).numpy()
print("with the causal mask, outputs 0–4 change by", np.abs(after - before)[0, :5].max(),
      "; without it by", f"{np.abs(unmasked_after - unmasked_before)[0, :5].max():.3f}")
assert np.array_equal(after[0, :5], before[0, :5]) and not np.allclose(after[0, 5:], before[0, 5:])
assert not np.allclose(unmasked_after[0, :5], unmasked_before[0, :5], atol=1e-3)

# %% [markdown]
# Training needs no loop over positions: with the mask, one forward pass scores every target position given
# its correct predecessors (teacher forcing in parallel). Generation is still one token at a time: run the
# decoder on what has been generated so far and append its last prediction. 800 Adam steps (with fewer, the
# longest training lengths, which only one batch in eight has, are not yet learned reliably):

# %%
def transformer_greedy(model, source, steps):
    with ag.no_grad():
        memory = model.encode(source)
        sequence = ag.full((source.shape[0], 1), BOS, dtype=ag.int64)
        for _ in range(steps):
            next_token = model.decode(sequence, memory)[:, -1:].argmax(dim=-1)
            sequence = ag.cat([sequence, next_token], dim=1)
    return sequence[:, 1:]


transformer_losses = []
optimizer = nn.optim.Adam(transformer.parameters(), lr=3e-3)
for _ in range(800):
    length = int(ag.randint(3, MAX_TRAIN_LENGTH + 1, (1,)).item())
    source, decoder_input, decoder_target = copy_batch(64, length)
    loss = F.cross_entropy(transformer(source, decoder_input).reshape(-1, VOCAB), decoder_target.reshape(-1))
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    transformer_losses.append(loss.item())
_ = ag.manual_seed(1)
transformer_accuracy = sequence_accuracy(lambda s, k: transformer_greedy(transformer, s, k))
print("Transformer:", dict(zip(LENGTHS.tolist(), transformer_accuracy.round(3).tolist())))
assert transformer_accuracy[trained].min() > 0.9

# %% [markdown]
# And its cross-attention — the decoder's queries against the encoder's memory, averaged over the 4 heads —
# for one sequence. The weights are computed by running the block's sublayers in order up to the
# cross-attention (post-norm: the self-attention sublayer and its Add & Norm come first).

# %%
_ = ag.manual_seed(3)
source, decoder_input, _ = copy_batch(1, 8)
layer = transformer.decoder.layers[0]
with ag.no_grad():
    memory = transformer.encode(source)
    x = transformer.position(transformer.target_embed(decoder_input))
    x = layer.norm1(x + layer.self_attn(x, x, x, attn_mask=causal_mask(x.shape[1]), need_weights=False)[0])
    _, cross = layer.multihead_attn(x, memory, memory)                 # averaged over heads: (1, T, S)
cross = cross.numpy()[0]

fig, axes = plt.subplots(1, 2, figsize=(11, 4))
axes[0].imshow(cross, cmap="viridis", vmin=0, vmax=1)
axes[0].set_xlabel("source position (encoder memory)")
axes[0].set_ylabel("decoder position")
axes[0].set_title("Transformer cross-attention")
axes[0].grid(False)
for name, accuracy in (("GRU, plain", plain_accuracy), ("GRU with attention", attentive_accuracy),
                       ("Transformer", transformer_accuracy)):
    axes[1].plot(LENGTHS, accuracy, "o-", label=name)
axes[1].axvspan(MAX_TRAIN_LENGTH + 0.5, LENGTHS[-1] + 0.5, color="gray", alpha=0.15, label="longer than in training")
axes[1].set_xlabel("sequence length")
axes[1].set_title("sequences copied exactly")
axes[1].legend(fontsize=8)
fig.tight_layout()
print("most-attended source position for decoder positions 0–7:", cross[:8].argmax(-1))
assert (cross[:8].argmax(-1) == np.arange(8)).mean() >= 0.75
longer = LENGTHS > MAX_TRAIN_LENGTH
assert transformer_accuracy[LENGTHS == MAX_TRAIN_LENGTH][0] > 0.9 and transformer_accuracy[longer].max() < 0.3  # abrupt
assert (attentive_accuracy[longer] > transformer_accuracy[longer] + 0.3).all()  # the GRU with attention degrades less

# %% [markdown]
# Decoder position $t$ (which predicts output $t$) reads source position $t$: the diagonal, learned from the
# positional encodings alone. Within the training lengths the Transformer copies almost every sequence
# after 800 steps. Beyond them it fails abruptly: it has never seen the positional codes of positions
# 11 and 12, so its learned position-to-position routing does not cover them. The recurrent model with
# attention degrades more gracefully there — it reads the source in order, one step at a time, whatever its
# length — while the plain one had already lost long sequences inside the training range.
#
# ## Takeaways
#
# * Encoder: input → hidden state; decoder: hidden state → output. Train with teacher forcing (the decoder
#   is fed the true previous token), generate by feeding back its own predictions — which is harder, since
#   errors compound.
# * One context vector is a bottleneck: a plain encoder–decoder copies short sequences and loses long ones.
#   Attention lets every decoder step read every encoder state.
# * A Transformer decoder block: causal self-attention, cross-attention to the encoder's memory, a
#   position-wise feed-forward network, each with Add & Norm. The causal mask is what allows training on all
#   positions at once.
