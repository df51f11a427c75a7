# %% [markdown]
# # 08 · A character-level LSTM language model
#
# A language model predicts the next character from the ones before it. A recurrent network reads the text
# one character at a time and carries a hidden state forward, so its prediction can depend on everything
# it has read. This notebook prepares a short text the way the source lessons describe, defines
# **perplexity** and its best, worst and baseline values, builds **n-gram** count models (and shows where
# they break down: data sparsity), trains a small LSTM against them, compares the two ways of cutting a
# long text into mini-batches (random windows with a fresh state, or consecutive windows with the state
# carried over and detached), shows why recurrent networks need **gradient clipping** (gradients explode
# through time), and samples new text from the trained model.

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
# `examples/data/tiny_text.txt`: about 24,000 characters of short stories written for this project (CC0).
# Preparing text for a language model takes four steps: (1) read the text; (2) split it into **tokens** —
# here single characters; a word-level model would use a word tokenizer such as NLTK's `word_tokenize`
# or spaCy (lesson 000); (3) build a **vocabulary** that gives each distinct token an integer id; (4) turn
# the text into the sequence of ids. The first 90% of the sequence is for training, the rest for validation.

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
assert round(len(text), -3) == 24_000 and ids.shape == (len(text),)  # "about 24,000 characters" above
assert "".join(chars[i] for i in ids[400:640]) == text[400:640]      # the ids spell the text

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
# Lesson 000 spells out the three reference points, which follow from perplexity $= e^{H}$ with
# $H = -\frac1N \sum \log p(\text{true next token})$:
#
# 1. **best case**: the model always gives the true token probability 1 — perplexity **1**;
# 2. **worst case**: it gives the true token probability 0 — perplexity **∞**;
# 3. **baseline**: it gives every token the same probability — perplexity = **the number of classes**.
#
# Each case computed with `F.cross_entropy` on logits built for it:

# %%
some_targets = ag.tensor(val_ids[:50])
is_target = ag.eye(vocab)[some_targets] > 0                               # (50, vocab): True at the true token
cases = {
    "best: true token certain": ag.zeros(50, vocab).masked_fill(is_target, 100.0),  # softmax: all mass on it
    "worst: true token impossible": ag.zeros(50, vocab).masked_fill(is_target, float("-inf")),  # none on it
    "baseline: uniform": ag.zeros(50, vocab),
}
perplexities = {name: float(np.exp(F.cross_entropy(logits, some_targets).item())) for name, logits in cases.items()}
for name, value in perplexities.items():
    print(f"{name:30s} perplexity {value}")
assert abs(perplexities["best: true token certain"] - 1) < 1e-6
assert perplexities["worst: true token impossible"] == float("inf")
assert abs(perplexities["baseline: uniform"] - vocab) < 1e-3 * vocab

# %% [markdown]
# ## n-gram models
#
# The chain rule writes the probability of a text as $\prod_t p(x_t \mid x_1, \dots, x_{t-1})$. An
# **n-gram** model makes the Markov assumption that only the last $n - 1$ tokens matter,
# $p(x_t \mid x_{t-n+1}, \dots, x_{t-1})$, and estimates that by counting: how often each context of $n - 1$
# characters was followed by each character in the training text. (Smoothing: $k = 0.1$ is added to every
# count, so unseen combinations keep a little probability.) $n = 1$ is the unigram model above, $n = 2$ a
# bigram, $n = 3$ a trigram. All are scored on the same validation characters (from the 7th on, so that
# every context exists).
#
# Lesson 000 names the defects: the number of parameters grows like $V^n$, and the data become **sparse** —
# most long contexts are never seen, so their counts say nothing.

# %%
def ngram_log_probs(n, k=0.1, start=6):
    """log p(x_t | previous n-1 characters) for the validation characters t >= start, and how many contexts were unseen."""
    context_count, joint_count = {}, {}
    for t in range(n - 1, len(train_ids)):
        context = tuple(train_ids[t - n + 1:t])
        context_count[context] = context_count.get(context, 0) + 1
        joint_count[context + (train_ids[t],)] = joint_count.get(context + (train_ids[t],), 0) + 1
    log_probs, unseen = [], 0
    for t in range(start, len(val_ids)):
        context = tuple(val_ids[t - n + 1:t])
        unseen += context not in context_count
        log_probs.append(np.log((joint_count.get(context + (val_ids[t],), 0) + k) / (context_count.get(context, 0) + k * vocab)))
    return np.array(log_probs), unseen / (len(val_ids) - start), len(joint_count)


ngram = {}
print(" n   perplexity   validation contexts never seen   distinct n-grams seen   possible n-grams")
for n in range(1, 7):
    log_probs, unseen, distinct = ngram_log_probs(n)
    ngram[n] = (float(np.exp(-log_probs.mean())), unseen, distinct)
    print(f"{n:2d}   {ngram[n][0]:10.2f}   {unseen:30.1%}   {distinct:21,d}   {vocab**n:16,d}")

ppl_by_n = [ngram[n][0] for n in range(1, 7)]
best_n = int(np.argmin(ppl_by_n)) + 1
assert abs(ngram_log_probs(1, k=1.0, start=0)[0].mean() + np.log(unigram_ppl)) < 1e-9  # n = 1, k = 1 is the unigram above
assert ppl_by_n[1] < ppl_by_n[0] and best_n in (3, 4)              # context helps, up to a point ...
assert ppl_by_n[-1] > ppl_by_n[best_n - 1] * 2                     # ... then sparsity takes over
assert all(ngram[n][1] < ngram[n + 1][1] for n in range(2, 6))     # unseen contexts grow with n
assert ngram[6][1] > 0.3                                           # by n = 6, over a third of contexts are new

# %% [markdown]
# Longer contexts help until the counts run out: by $n = 6$ over a third of the validation contexts never
# occur in 21,537 training characters, the model falls back on its smoothing, and it does worse than using
# no context at all. The training text holds at most 13,608 distinct n-grams of any length, out of
# $63^n$ possible: the table of parameters an n-gram model would need grows exponentially, the data to fill
# it do not. A neural model shares what it learns between similar contexts instead of counting each
# separately.

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
initial_val_ppl = validation_perplexity(model)
print("initial validation perplexity:", round(initial_val_ppl, 1))
assert abs(initial_val_ppl - vocab) < 0.1 * vocab  # an untrained model is close to uniform

# %%
steps, curve = 200, []
for step in range(1, steps + 1):
    x, y = random_windows(train_ids)
    loss = loss_on(model, x, y)
    if step == 1:  # the loss before the first update: the untrained model, step 0 of the curve
        curve.append((0, float(np.exp(loss.item())), initial_val_ppl))
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
ax.axhline(ngram[best_n][0], color="C2", ls="-.", label=f"best n-gram, n = {best_n} ({ngram[best_n][0]:.1f})")
ax.set_yscale("log")
ax.set_xlabel("training step")
ax.set_ylabel("perplexity")
ax.legend()
final_ppl = curve[-1, 2]
print(f"validation perplexity after {steps} steps: {final_ppl:.2f} (best n-gram: {ngram[best_n][0]:.2f})")
assert curve[0, 0] == 0 and abs(curve[0, 1] - vocab) < 0.1 * vocab  # the curve starts from the untrained model
assert final_ppl < vocab / 5 and final_ppl < 0.6 * unigram_ppl
assert abs(final_ppl / ngram[best_n][0] - 1) < 0.15  # after 200 steps: on a par with the best count model

# %% [markdown]
# After 200 steps — about ten passes' worth of characters — the LSTM is on a par with the best n-gram model;
# on a text this short neither has much more to learn from. (The step-0 point is the untrained model: as
# good as uniform.)
#
# ## Two ways to cut a text into mini-batches
#
# Training above uses **random sampling** (lesson 000's first scheme): each mini-batch is 32 windows
# starting at random places, unrelated to the previous batch's, so every window starts from a **fresh**
# (zero) state. The second scheme, **sequential partitioning**, cuts the training text into 32 long
# streams, one per row of the batch, and walks along them: row $i$ of batch $t+1$ continues exactly where
# row $i$ of batch $t$ ended. The final state of one batch is then the right starting state for the next,
# and is **carried** over — but **detached** (`state.detach()`), so that backpropagation still stops at the
# batch boundary (truncated backpropagation through time) instead of running back through every batch so
# far. Each pass starts the streams at a random offset, so windows do not always begin at the same places.

# %%
def sequential_batches(source):
    """One pass over source as BATCH parallel streams, in consecutive windows of WINDOW characters."""
    offset = int(ag.randint(0, WINDOW, (1,)).item())
    length = (len(source) - offset - 1) // BATCH
    inputs = source[offset: offset + BATCH * length].reshape(BATCH, length)
    targets = source[offset + 1: offset + 1 + BATCH * length].reshape(BATCH, length)
    for start in range(0, length - WINDOW + 1, WINDOW):
        yield ag.tensor(inputs[:, start:start + WINDOW]), ag.tensor(targets[:, start:start + WINDOW])


first, second = list(sequential_batches(train_ids))[:2]
assert np.array_equal(second[0].numpy()[:, 0], first[1].numpy()[:, -1])  # row i of batch 2 continues row i of batch 1

_ = ag.manual_seed(0)
sequential_model = CharLM(vocab)
optimizer = nn.optim.Adam(sequential_model.parameters(), lr=1e-2)
step = 0
while step < steps:
    state = None                                   # a fresh state at the start of every pass
    for x, y in sequential_batches(train_ids):
        if state is not None:
            state = tuple(s.detach() for s in state)   # keep the values, cut the graph
            assert all(s.grad_fn is None and not s.requires_grad for s in state)
        logits, state = sequential_model(x, state)
        loss = F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(sequential_model.parameters(), max_norm=1.0)
        optimizer.step()
        step += 1
        if step == steps:
            break

# %% [markdown]
# Both models trained for the same 200 steps. Validation perplexity, three ways: reading each validation
# stream in one go with the state carried along (as above), and cut into pieces of 32 or of 8 characters,
# each piece starting from a fresh state — less context for the first characters of every piece.

# %%
def chunked_perplexity(model, piece=None):
    """Validation perplexity with the state reset every `piece` characters (never if None)."""
    if piece is None:
        return validation_perplexity(model)
    total, count = 0.0, 0
    with ag.no_grad():
        for start in range(0, rows - piece + 1, piece):
            logits, _ = model(val_x[:, start:start + piece])
            total += F.cross_entropy(logits.reshape(-1, vocab), val_y[:, start:start + piece].reshape(-1)).item() * logits.shape[0] * piece
            count += logits.shape[0] * piece
    return float(np.exp(total / count))


schemes = {"random sampling, fresh state": model, "sequential partitioning, carried state": sequential_model}
scores = {name: [chunked_perplexity(m, piece) for piece in (None, 32, 8)] for name, m in schemes.items()}
print("validation perplexity                      state carried   reset every 32   reset every 8")
for name, (carried, reset32, reset8) in scores.items():
    print(f"{name:42s} {carried:13.2f} {reset32:16.2f} {reset8:15.2f}")
random_scores, sequential_scores = scores.values()
assert abs(random_scores[0] / sequential_scores[0] - 1) < 0.1          # both schemes train about equally well here
for carried, reset32, reset8 in scores.values():
    assert carried < reset32 < reset8                                   # more context, better predictions
assert sequential_scores[2] / sequential_scores[0] > random_scores[2] / random_scores[0]  # leans on long context more

# %% [markdown]
# On this text both schemes reach about the same perplexity. Every model predicts better the more context
# it keeps (carried state beats resets), and the model trained with carried state suffers more when its
# context is cut short: it learned to rely on information from beyond its 32-character window, which the
# random-sampling model never had during training. Sequential partitioning gives the model that longer
# context for free (the state costs no extra computation); random sampling gives more varied batches.

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
    with ag.no_grad():
        nn.init.eye_(lm.rnn.weight_hh_l0).mul_(gain)
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
# * Perplexity $e^{\text{cross-entropy}}$ reads as "effective number of choices": 1 at best, ∞ at worst, the
#   vocabulary size for a uniform guess; compare a model with those and with the unigram baseline.
# * n-gram models count contexts of $n-1$ tokens; longer contexts help until the data run out, and then
#   sparsity makes them worse than no context at all.
# * Recurrent networks are trained on windows (truncated backpropagation through time): random windows
#   with a fresh state, or consecutive windows with the state carried over and detached. They generate
#   text by feeding back their own samples, carrying their state.
# * Gradients through time explode or vanish geometrically; clip the gradient norm, and prefer gated cells
#   (LSTM, GRU).
