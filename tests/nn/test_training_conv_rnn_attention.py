"""TRAINING TESTS (the slow ones, ~10-40 s each): the layers learn real tasks end to end.

- LeNet (conv → pool → conv → pool → three fully connected layers) on scikit-learn's digits: ≥ 98 % test accuracy.
- A character-level LSTM language model on examples/data/tiny_text.txt with clip_grad_norm_: validation
  perplexity far below the vocabulary size (the uniform baseline).
- A small Transformer encoder learns to reverse sequences.

Small matrices run faster on one BLAS thread (threads only add synchronisation, and on a busy machine
far more), so training runs under threadpoolctl's limit when it is installed.
"""
import contextlib
import math
import pathlib
import time

import numpy as np
import pytest

import autograd
from nn.container import Sequential
from nn.functional.loss import cross_entropy
from nn.layers.activation import ReLU
from nn.layers.conv import Conv2d
from nn.layers.embedding import Embedding
from nn.layers.linear import Flatten, Linear
from nn.layers.pooling import MaxPool2d
from nn.layers.recurrent import LSTM
from nn.layers.transformer import PositionalEncoding, TransformerEncoder, TransformerEncoderLayer
from nn.module import Module
from nn.optim import Adam
from nn.optim.lr_scheduler import CosineAnnealingLR
from nn.utils.clip_grad import clip_grad_norm_

TEXT = pathlib.Path(__file__).resolve().parents[2] / "examples" / "data" / "tiny_text.txt"


def _one_blas_thread():
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(1)


def test_train_lenet_on_digits():
    datasets = pytest.importorskip("sklearn.datasets")
    model_selection = pytest.importorskip("sklearn.model_selection")
    start = time.perf_counter()
    autograd.manual_seed(1)  # seeds 0-3 reach 98.3-99.4 %
    rng = np.random.default_rng(1)
    digits = datasets.load_digits()
    images = digits.images.repeat(3, 1).repeat(3, 2)[:, None]  # 8×8 → 24×24 (nearest neighbour)
    images = ((images - images.mean()) / images.std()).astype(np.float32)
    train, test = model_selection.train_test_split(np.arange(len(images)), test_size=0.2, random_state=0,
                                                   stratify=digits.target)
    model = Sequential(
        Conv2d(1, 6, 5, padding=2), ReLU(), MaxPool2d(2),  # 6 × 24 × 24 → 12 × 12
        Conv2d(6, 16, 5), ReLU(), MaxPool2d(2),  # 16 × 8 × 8 → 4 × 4
        Flatten(), Linear(16 * 4 * 4, 120), ReLU(), Linear(120, 84), ReLU(), Linear(84, 10))
    epochs, batch, shift = 15, 32, 3
    optimizer = Adam(model.parameters(), lr=3e-3)
    schedule = CosineAnnealingLR(optimizer, epochs * math.ceil(len(train) / batch))
    padded = np.pad(images, ((0, 0), (0, 0), (shift, shift), (shift, shift)), constant_values=images.min())
    windows = np.lib.stride_tricks.sliding_window_view(padded, (24, 24), axis=(2, 3))
    with _one_blas_thread():
        for _ in range(epochs):
            order = rng.permutation(train)
            for i in range(0, len(order), batch):
                idx = order[i:i + batch]
                dy, dx = rng.integers(0, 2 * shift + 1, (2, len(idx)))  # random shifts: cheap augmentation
                x = autograd.tensor(np.ascontiguousarray(windows[idx, :, dy, dx]))
                loss = cross_entropy(model(x), autograd.tensor(digits.target[idx]))
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                schedule.step()
        model.eval()
        with autograd.no_grad():
            accuracy = (model(autograd.tensor(images[test]))._data.argmax(1) == digits.target[test]).mean()
    elapsed = time.perf_counter() - start
    print(f"LeNet on digits: test accuracy {accuracy:.4f} in {elapsed:.1f} s")
    assert accuracy >= 0.98
    assert elapsed < 120


class CharLM(Module):
    def __init__(self, vocab: int, hidden: int):
        super().__init__()
        self.embed = Embedding(vocab, 32)
        self.lstm = LSTM(32, hidden)
        self.head = Linear(hidden, vocab)

    def forward(self, x, state=None):
        out, state = self.lstm(self.embed(x), state)
        return self.head(out), state


def test_train_char_lstm_language_model():
    start = time.perf_counter()
    text = TEXT.read_text()
    chars = sorted(set(text))
    vocab = len(chars)
    data = np.searchsorted(chars, list(text))  # character → index in the sorted vocabulary
    split = int(0.9 * len(data))
    train, val = data[:split], data[split:]
    autograd.manual_seed(0)
    rng = np.random.default_rng(0)
    model = CharLM(vocab, 128)
    optimizer = Adam(model.parameters(), lr=1e-2)

    def perplexity() -> float:
        streams = 8  # the validation text as 8 parallel streams, one pass
        length = (len(val) - 1) // streams
        x = val[:streams * length].reshape(streams, length).T
        y = val[1:streams * length + 1].reshape(streams, length).T
        model.eval()
        with autograd.no_grad():
            logits, _ = model(autograd.tensor(x))
            loss = cross_entropy(logits.reshape(-1, vocab), autograd.tensor(y.reshape(-1)))
        model.train()
        return math.exp(loss.item())

    with _one_blas_thread():
        before = perplexity()
        steps, length, batch = 100, 32, 32
        for _ in range(steps):
            starts = rng.integers(0, len(train) - length - 1, batch)
            x = np.stack([train[s:s + length] for s in starts], 1)  # (L, N)
            y = np.stack([train[s + 1:s + length + 1] for s in starts], 1)
            logits, _ = model(autograd.tensor(x))
            loss = cross_entropy(logits.reshape(-1, vocab), autograd.tensor(y.reshape(-1)))
            optimizer.zero_grad()
            loss.backward()
            norm = clip_grad_norm_(model.parameters(), 1.0)
            assert math.isfinite(float(norm))
            optimizer.step()
        after = perplexity()
    elapsed = time.perf_counter() - start
    print(f"char LSTM: vocabulary {vocab}, validation perplexity {before:.1f} → {after:.2f} in {elapsed:.1f} s")
    assert before > 0.8 * vocab  # untrained: about uniform
    assert after < vocab / 5  # well below the uniform baseline
    assert elapsed < 60


class Reverser(Module):
    """Tokens → embedding + sinusoidal positions → 2 encoder layers → logits per position."""

    def __init__(self, vocab: int, d_model: int):
        super().__init__()
        self.embed = Embedding(vocab, d_model)
        self.position = PositionalEncoding(d_model, dropout=0.0, batch_first=True)
        layer = TransformerEncoderLayer(d_model, 4, 2 * d_model, dropout=0.0, batch_first=True)
        self.encoder = TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.head = Linear(d_model, vocab)

    def forward(self, x):
        return self.head(self.encoder(self.position(self.embed(x))))


def test_train_transformer_to_reverse_sequences():
    start = time.perf_counter()
    autograd.manual_seed(0)
    rng = np.random.default_rng(0)
    vocab, length, batch = 10, 8, 64
    model = Reverser(vocab, 32)
    optimizer = Adam(model.parameters(), lr=3e-3)
    with _one_blas_thread():
        for _ in range(200):
            x = rng.integers(0, vocab, (batch, length))
            loss = cross_entropy(model(autograd.tensor(x)).reshape(-1, vocab),
                                 autograd.tensor(x[:, ::-1].reshape(-1)))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        x = rng.integers(0, vocab, (500, length))
        model.eval()
        with autograd.no_grad():
            predicted = model(autograd.tensor(x))._data.argmax(-1)
    token_accuracy = (predicted == x[:, ::-1]).mean()
    sequence_accuracy = (predicted == x[:, ::-1]).all(1).mean()
    elapsed = time.perf_counter() - start
    print(f"Transformer reversal: token accuracy {token_accuracy:.3f}, sequences {sequence_accuracy:.3f} "
          f"in {elapsed:.1f} s")
    assert token_accuracy > 0.98 and sequence_accuracy > 0.9
    assert elapsed < 60
