# %% [markdown]
# # 08 · A character-level LSTM language model
#
# A language model predicts the next character from the ones before it. A recurrent network reads the text
# one character at a time and carries a hidden state forward, so its prediction can depend on everything
# it has read. This notebook trains a small LSTM on a short public-domain text, measures it by
# **perplexity** against simple baselines, shows why recurrent networks need **gradient clipping**
# (gradients explode through time), and samples new text from the trained model.

# %%
import matplotlib.pyplot as plt
import numpy as np

import autograd as ag
import nn
import nn.functional as F

_ = ag.manual_seed(0)
plt.rcParams.update({"figure.dpi": 80, "axes.grid": True, "grid.alpha": 0.3})

# %% [markdown]
# ## The data
#
# `examples/data/tiny_text.txt`: about 18,000 characters of short stories written for this project (CC0).
# Characters become integer ids; the first 90% of the text is for training, the rest for validation.

# %%
text = open("../examples/data/tiny_text.txt", encoding="utf-8").read()
chars = sorted(set(text))
vocab = len(chars)
char_to_id = {c: i for i, c in enumerate(chars)}
ids = np.array([char_to_id[c] for c in text])
split = int(0.9 * len(ids))
train_ids, val_ids = ids[:split], ids[split:]
print(f"{len(text)} characters, vocabulary of {vocab}: {''.join(chars)!r}")
print(text[400:640])

# %% [markdown]
# ## Baselines, in perplexity
#
# The loss is the cross-entropy $H$ (in nats per character) of the model's predicted distribution on the
# actual next characters; **perplexity** $= e^H$ is the number of equally likely characters the model is
# "choosing between" on average. A model that knows nothing (uniform over the vocabulary) has perplexity
# equal to the vocabulary size; one that knows only character frequencies (unigram) does better; a good
# model should beat both by far.

# %%
counts = np.bincount(train_ids, minlength=vocab) + 1  # add-one smoothing: every character has some probability
unigram_ppl = np.exp(-np.log(counts / counts.sum())[val_ids].mean())
print(f"uniform perplexity {vocab}, unigram perplexity {unigram_ppl:.1f}")

# %% [markdown]
# ## The model
#
# Embedding (characters → 16-dimensional vectors) → one-layer LSTM with 64 hidden units → a linear layer
# giving logits over the vocabulary at every position. Training uses random windows of 32 characters,
# 32 at a time (truncated backpropagation through time), Adam, and gradient-norm clipping at 1.

# %%
class CharLM(nn.Module):
    def __init__(self, vocab, embed=16, hidden=64, rnn=None):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.rnn = rnn if rnn is not None else nn.LSTM(embed, hidden, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, x, state=None):
        out, state = self.rnn(self.embed(x), state)
        return self.head(out), state


WINDOW, BATCH = 32, 32


def random_windows(source):
    """(inputs, targets): BATCH random windows of the text, targets shifted by one character."""
    starts = ag.randint(0, len(source) - WINDOW - 1, (BATCH,)).numpy()
    windows = source[starts[:, None] + np.arange(WINDOW + 1)]
    return ag.tensor(windows[:, :-1]), ag.tensor(windows[:, 1:])


rows = (len(val_ids) - 1) // 8  # the validation text as 8 parallel sequences: 8× fewer sequential steps
val_x = ag.tensor(val_ids[: 8 * rows].reshape(8, rows))
val_y = ag.tensor(val_ids[1: 8 * rows + 1].reshape(8, rows))


def loss_on(model, x, y):
    logits, _ = model(x)
    return F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))


def validation_perplexity(model):
    with ag.no_grad():
        return float(np.exp(loss_on(model, val_x, val_y).item()))


_ = ag.manual_seed(0)
model = CharLM(vocab)
optimizer = nn.optim.Adam(model.parameters(), lr=1e-2)
print(model)
print("initial validation perplexity:", round(validation_perplexity(model), 1))

# %%
steps, curve = 200, []
for step in range(1, steps + 1):
    x, y = random_windows(train_ids)
    loss = loss_on(model, x, y)
    optimizer.zero_grad()
    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
    if step % 25 == 0:
        curve.append((step, float(np.exp(loss.item())), validation_perplexity(model)))
curve = np.array(curve)

fig, ax = plt.subplots(figsize=(8, 3.8))
ax.plot(curve[:, 0], curve[:, 1], "o-", label="training batch")
ax.plot(curve[:, 0], curve[:, 2], "o-", label="validation")
ax.axhline(vocab, color="k", ls=":", label=f"uniform ({vocab})")
ax.axhline(unigram_ppl, color="gray", ls="--", label=f"unigram ({unigram_ppl:.1f})")
ax.set_yscale("log")
ax.set_xlabel("training step")
ax.set_ylabel("perplexity")
ax.legend()
final_ppl = curve[-1, 2]
print(f"validation perplexity after {steps} steps: {final_ppl:.2f}")
assert final_ppl < vocab / 5 and final_ppl < 0.6 * unigram_ppl

# %% [markdown]
# ## Sampling text
#
# Generation feeds the model its own output: start from a prompt, sample the next character from the
# softmax of the logits (divided by a *temperature*: below 1 is more conservative, above 1 more random),
# append it, and continue — carrying the LSTM state so each step costs one character.

# %%
def sample(model, prompt, length=300, temperature=0.8):
    model.eval()
    out = list(prompt)
    with ag.no_grad():
        logits, state = model(ag.tensor([[char_to_id[c] for c in prompt]]))
        for _ in range(length):
            probs = (logits[0, -1] / temperature).softmax(dim=0).numpy().astype(np.float64)
            next_id = int(ag.default_generator().choice(vocab, p=probs / probs.sum()))
            out.append(chars[next_id])
            logits, state = model(ag.tensor([[next_id]]), state)
    model.train()
    return "".join(out)


_ = ag.manual_seed(1)
generated = sample(model, "The keeper ")
print(generated)
assert len(generated) == len("The keeper ") + 300 and set(generated) <= set(chars)
words = generated.split()
real_words = set(text.split())
print(f"\n{np.mean([w in real_words for w in words]):.0%} of the generated words occur in the training text")

# %% [markdown]
# After a couple of hundred steps the model has learned spelling of common words, spaces and punctuation,
# but not much meaning — a larger model trained longer does better.
#
# ## Exploding gradients and clipping
#
# Backpropagation through time multiplies the gradient by the recurrent Jacobian once per time step. If
# that Jacobian's norm is above 1, the gradient grows **exponentially** with the distance it travels
# back; below 1, it vanishes. To make the point crisply, take a plain `nn.RNN` with ReLU units and
# recurrent weights $1.1\,I$: the gradient reaching the input at step $t$ of a 32-step window, from a loss
# at the last step, grows roughly like $1.1^{32-t}$ (less where ReLU units are switched off).

# %%
def relu_rnn_lm(gain):
    _ = ag.manual_seed(0)
    lm = CharLM(vocab, rnn=nn.RNN(16, 64, nonlinearity="relu", batch_first=True))
    nn.init.eye_(lm.rnn.weight_hh_l0)
    lm.rnn.weight_hh_l0.data[...] *= gain
    return lm


_ = ag.manual_seed(2)
x, y = random_windows(train_ids)
fig, ax = plt.subplots(figsize=(7, 3.8))
for gain in (0.9, 1.0, 1.1):
    lm = relu_rnn_lm(gain)
    embedded = lm.embed(x)
    embedded.retain_grad()
    out, _ = lm.rnn(embedded)
    F.cross_entropy(lm.head(out[:, -1]), y[:, -1]).backward()  # loss at the last step only
    per_step = np.linalg.norm(embedded.grad.numpy(), axis=(0, 2))
    ax.semilogy(np.arange(WINDOW), per_step, "o-", ms=3, label=f"recurrent weights {gain}·I")
    if gain == 1.1:
        growth = per_step[0] / per_step[-2]
ax.set_xlabel("time step t of the input")
ax.set_ylabel("‖∂loss/∂x_t‖")
ax.set_title("gradient reaching each input from the last step's loss")
ax.legend()
print(f"gain 1.1: the gradient at t=0 is {growth:.0f}× the one at t=30 (1.1^30 = {1.1**30:.0f})")
assert growth > 5

# %% [markdown]
# Training that network with plain SGD: the first gradients are in the hundreds, so one unclipped step
# throws the weights so far that the loss becomes `nan`. `nn.utils.clip_grad_norm_` rescales the whole
# gradient whenever its norm exceeds `max_norm` (it returns the norm before clipping), which keeps every
# step a sensible size, and training proceeds.

# %%
def train_relu_rnn(clip, steps=60):
    lm = relu_rnn_lm(1.1)
    sgd = nn.optim.SGD(lm.parameters(), lr=0.05)
    losses, norms = [], []
    for _ in range(steps):
        xb, yb = random_windows(train_ids)
        loss = loss_on(lm, xb, yb)
        sgd.zero_grad()
        loss.backward()
        norms.append(float(nn.utils.clip_grad_norm_(lm.parameters(), max_norm=clip)))
        sgd.step()
        losses.append(loss.item())
    return np.array(losses), np.array(norms)


with np.errstate(all="ignore"):  # the unclipped run overflows on purpose
    _ = ag.manual_seed(3)
    unclipped_loss, unclipped_norm = train_relu_rnn(clip=float("inf"))
    _ = ag.manual_seed(3)
    clipped_loss, clipped_norm = train_relu_rnn(clip=1.0)

fig, ax = plt.subplots(figsize=(7, 3.8))
ax.semilogy(np.where(np.isfinite(unclipped_loss), unclipped_loss, np.nan), "o-", ms=3, label="no clipping (then nan)")
ax.semilogy(clipped_loss, label="clip_grad_norm_(max_norm=1)")
ax.set_xlabel("SGD step")
ax.set_ylabel("training loss")
ax.set_title("ReLU RNN, recurrent weights 1.1·I, SGD lr 0.05")
ax.legend()

print(f"first gradient norm {unclipped_norm[0]:.0f}; without clipping the loss is {unclipped_loss[-1]} after "
      f"{len(unclipped_loss)} steps, with clipping {clipped_loss[-1]:.2f}")
assert unclipped_norm[0] > 100 and not np.isfinite(unclipped_loss[-1])
assert np.isfinite(clipped_loss).all() and clipped_loss[-1] < clipped_loss[0] / 2

# %% [markdown]
# The LSTM trained above suffers less: its cell state is updated additively, gated by the forget gate, so
# gradients flowing along it are not multiplied by the same matrix at every step. Clipping is still
# standard practice for every recurrent network — it costs one norm per step.
#
# ## Takeaways
#
# * Perplexity $e^{\text{cross-entropy}}$ reads as "effective number of choices"; compare it with the uniform
#   (vocabulary size) and unigram baselines.
# * Recurrent networks are trained on windows (truncated backpropagation through time) and generate text
#   by feeding back their own samples, carrying their state.
# * Gradients through time explode or vanish geometrically; clip the gradient norm, and prefer gated cells
#   (LSTM, GRU).
