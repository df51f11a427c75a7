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
import time
import warnings

import numpy as np

import autograd as ag
import nn
import nn.functional as F

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


print(f"eager step: {time_per_step(eager_step):.0f} µs   compiled step: {time_per_step(compiled_step):.0f} µs")

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
print(caught[0].message)
assert len(caught) == 1 and not guarded.recordings
