"""Training loops of every layer family through autograd.compile, step for step against eager mode.

Each case builds the same model twice (same seed), trains one eagerly and one with the whole step compiled
(zero_grad, forward, loss, backward, optimiser step), on new data at every step, and requires the losses,
the parameters, their .grad, the buffers and the optimiser state to be equal after every step (bit for bit:
the replay makes the same numpy calls in the same order). Random numbers (dropout) are drawn in the same
order: both runs reseed the generator before each step. The learning rate follows a scheduler stepped
outside the compiled function, which the replay reads afresh.
"""
import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.compile import CompileWarning


def _seq_input(rng, n=3, length=5, features=6):
    return rng.standard_normal((length, n, features)).astype(np.float32)


class _Recurrent(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.rnn = getattr(nn, kind)(6, 5, num_layers=2)
        self.out = nn.Linear(5, 4)

    def forward(self, x):
        out, _ = self.rnn(x)
        return self.out(out[-1])


class _Attention(nn.Module):
    def __init__(self):
        super().__init__()
        self.attention = nn.MultiheadAttention(6, 2, dropout=0.1)
        self.out = nn.Linear(6, 4)

    def forward(self, x):
        out, _ = self.attention(x, x, x)
        return self.out(out.mean(0))


class _Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        layer = nn.TransformerEncoderLayer(6, 2, dim_feedforward=8, dropout=0.1)
        self.encoder = nn.TransformerEncoder(layer, 2)
        self.out = nn.Linear(6, 4)

    def forward(self, x):
        return self.out(self.encoder(x).mean(0))


class _Embedding(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(10, 6, padding_idx=0)
        self.out = nn.Linear(6, 4)

    def forward(self, x):
        return self.out(self.embedding(x).mean(1))


def _image(rng, channels=2, side=8, n=3):
    return rng.standard_normal((n, channels, side, side)).astype(np.float32)


FAMILIES = {
    "linear": (lambda: nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 4)),
               lambda rng: rng.standard_normal((5, 6)).astype(np.float32)),
    "deep_tanh": (lambda: nn.Sequential(*[m for _ in range(4) for m in (nn.Linear(6, 6), nn.Tanh())], nn.Linear(6, 4),
                                        nn.Sigmoid()), lambda rng: rng.standard_normal((5, 6)).astype(np.float32)),
    "conv_pool": (lambda: nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                                        nn.Conv2d(3, 4, 3, padding=1), nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(),
                                        nn.Linear(16, 4)), _image),
    "batch_norm": (lambda: nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 4)),
                   lambda rng: rng.standard_normal((5, 6)).astype(np.float32)),
    "batch_norm2d": (lambda: nn.Sequential(nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(),
                                           nn.Linear(108, 4)), _image),
    "layer_norm": (lambda: nn.Sequential(nn.Linear(6, 8), nn.LayerNorm(8), nn.GELU(), nn.Linear(8, 4)),
                   lambda rng: rng.standard_normal((5, 6)).astype(np.float32)),
    "group_norm": (lambda: nn.Sequential(nn.Conv2d(2, 4, 3), nn.GroupNorm(2, 4), nn.ReLU(), nn.Flatten(),
                                         nn.Linear(144, 4)), _image),
    "instance_norm": (lambda: nn.Sequential(nn.Conv2d(2, 4, 3), nn.InstanceNorm2d(4, affine=True), nn.ReLU(),
                                            nn.Flatten(), nn.Linear(144, 4)), _image),
    "dropout": (lambda: nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Dropout(0.4), nn.Linear(8, 4)),
                lambda rng: rng.standard_normal((5, 6)).astype(np.float32)),
    "embedding": (_Embedding, lambda rng: rng.integers(0, 10, (3, 5))),
    "rnn": (lambda: _Recurrent("RNN"), _seq_input),
    "lstm": (lambda: _Recurrent("LSTM"), _seq_input),
    "gru": (lambda: _Recurrent("GRU"), _seq_input),
    "attention": (_Attention, _seq_input),
    "transformer": (_Encoder, _seq_input),
}


def _optimizer(kind, model):
    if kind == "sgd":
        optimizer = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    else:
        optimizer = nn.optim.Adam(model.parameters(), lr=0.01)
    return optimizer, nn.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)


def _step(model, optimizer, x, y):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    loss.backward()
    optimizer.step()
    return loss


def _state(model, optimizer) -> list:
    """Every array the step leaves behind: parameters, their gradients, buffers, optimiser state."""
    out = [p.numpy() if not p.requires_grad else p.detach().numpy() for p in model.parameters()]
    out += [p.grad.numpy() for p in model.parameters() if p.grad is not None]
    out += [b.numpy() for b in model.buffers()]
    out += [t.numpy() for s in optimizer.state.values() for t in s.values() if isinstance(t, ag.Tensor)]
    return out


def _assert_equal_states(a, b, where):
    assert len(a) == len(b), where
    for i, (x, y) in enumerate(zip(a, b)):
        assert x.shape == y.shape and np.array_equal(x, y), (where, i)


@pytest.mark.parametrize("optimizer_kind", ["sgd", "adam"])
@pytest.mark.parametrize("family", list(FAMILIES))
def test_compiled_training_matches_eager(family, optimizer_kind, recwarn):
    build, draw = FAMILIES[family]
    models = []
    for _ in range(2):
        ag.manual_seed(0)
        model = build()
        models.append((model, *_optimizer(optimizer_kind, model)))
    compiled = ag.compile(_step)
    rng = np.random.default_rng(1)
    for i in range(6):
        if i == 4:  # evaluation mode (running statistics, no dropout): a new recording
            for model, _, _ in models:
                model.eval()
        x, y = ag.tensor(draw(rng)), ag.tensor(rng.integers(0, 4, 5 if family in _BATCH_OF_5 else 3))
        losses = []
        for (model, optimizer, scheduler), step in zip(models, (_step, compiled)):
            ag.manual_seed(100 + i)
            losses.append(step(model, optimizer, x, y).item())
            scheduler.step()
        assert losses[0] == losses[1], (family, i, losses)
        _assert_equal_states(_state(*models[0][:2]), _state(*models[1][:2]), (family, i))
    assert not [w for w in recwarn if issubclass(w.category, CompileWarning)], [str(w.message) for w in recwarn]
    assert 1 <= len(compiled.recordings) <= 3  # (first step: optimiser state made, not kept) train, eval


_BATCH_OF_5 = ("linear", "deep_tanh", "batch_norm", "layer_norm", "dropout")


@pytest.mark.parametrize("family", ["batch_norm", "dropout", "transformer"])
def test_compiled_module_forward_in_eval_mode_matches_eager(family):
    """compile(model) for inference: no_grad forward in eval mode, new inputs each call."""
    build, draw = FAMILIES[family]
    ag.manual_seed(0)
    model = build()
    model.eval()
    compiled = ag.compile(model)
    rng = np.random.default_rng(2)
    for _ in range(3):
        x = ag.tensor(draw(rng))
        with ag.no_grad():
            assert np.array_equal(compiled(x).numpy(), model(x).numpy())
    assert len(compiled.recordings) == 1
