"""Threads run against each other: grad mode, anomaly mode, module scopes and backward are per thread.

Each test makes two threads meet at fixed points (events), so the interleaving that used to
break a process-wide flag happens every time, not by chance: one thread sits inside `no_grad()`
(or a backward, or anomaly mode, or a module's forward) while the other records, and then the
blocks end in the order that used to leave recording off for good.
"""
import functools
import threading

import numpy as np
import pytest

import autograd as ag
import nn

WAIT = 10.0  # seconds; a thread that does not arrive by then fails the test instead of hanging it


class Threads:
    """Run functions in threads and re-raise the first exception any of them hit."""

    def __init__(self, *targets):
        self.errors = []
        self.threads = [threading.Thread(target=self._run, args=(t,)) for t in targets]

    def _run(self, target):
        try:
            target()
        except BaseException as error:  # noqa: BLE001 - reported by join()
            self.errors.append(error)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        for t in self.threads:
            t.join(WAIT)
        assert not any(t.is_alive() for t in self.threads), "a thread did not finish"
        if self.errors:
            raise self.errors[0]
        return False


def _wait(event):
    assert event.wait(WAIT), "the other thread never got there"


def test_no_grad_in_one_thread_never_stops_recording_in_another():
    inside, checked = threading.Event(), threading.Event()
    seen = {}

    def quiet():
        with ag.no_grad():
            inside.set()
            _wait(checked)
            seen["quiet"] = (ag.tensor([1.0], requires_grad=True) * 2).requires_grad

    def training():
        _wait(inside)  # the other thread is inside no_grad() right now
        x = ag.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        seen["training"] = (ag.is_grad_enabled(), y.requires_grad)
        y.backward()
        seen["grad"] = x.grad.tolist()
        checked.set()

    with Threads(quiet, training):
        pass
    assert seen == {"quiet": False, "training": (True, True), "grad": [2.0, 4.0]}


def test_interleaved_no_grad_blocks_leave_recording_on_everywhere():
    """A enters, B enters, A leaves, B leaves: with one shared flag, A's exit restored 'off' for good."""
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    after = {}

    def a():
        with ag.no_grad():
            a_in.set()
            _wait(b_in)
        a_out.set()
        after["a"] = ag.is_grad_enabled()

    def b():
        _wait(a_in)
        with ag.no_grad():
            b_in.set()
            _wait(a_out)
        after["b"] = ag.is_grad_enabled()

    with Threads(a, b):
        pass
    assert after == {"a": True, "b": True}
    assert ag.is_grad_enabled() and (ag.tensor([1.0], requires_grad=True) * 2).requires_grad


def test_set_grad_enabled_and_a_new_thread_starts_with_recording_on():
    seen = {}
    previous = ag.is_grad_enabled()
    ag.set_grad_enabled(False)  # a plain call, in the main thread only
    try:
        def worker():
            seen["enabled"] = ag.is_grad_enabled()
            seen["records"] = (ag.tensor([1.0], requires_grad=True) * 2).requires_grad

        with Threads(worker):
            pass
        assert not ag.is_grad_enabled()
    finally:
        ag.set_grad_enabled(previous)
    assert seen == {"enabled": True, "records": True}


class _Pause(ag.Function):
    """Identity whose backward stops at a barrier, so two backward passes are running at the same moment."""

    barrier = None

    @staticmethod
    def forward(ctx, x):
        return x * 1.0

    @staticmethod
    def backward(ctx, grad):
        _Pause.barrier.wait(WAIT)
        return grad


def test_backward_in_two_threads_at_once_on_separate_graphs():
    _Pause.barrier = threading.Barrier(2)
    results = {}

    def run(name, scale):
        x = ag.tensor(np.arange(3.0), requires_grad=True)
        y = (_Pause.apply(x * scale) ** 2).sum()
        y.backward()  # meets the other thread's backward inside _Pause.backward
        results[name] = x.grad.tolist()

    with Threads(lambda: run("a", 1.0), lambda: run("b", 3.0)):
        pass
    assert results == {"a": [0.0, 2.0, 4.0], "b": [0.0, 18.0, 36.0]}


def test_a_backward_running_in_one_thread_does_not_turn_recording_off_in_another():
    """The engine switches recording off for its own thread while it runs backward (no create_graph)."""
    in_backward, checked = threading.Event(), threading.Event()
    seen = {}

    class Hold(ag.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1.0

        @staticmethod
        def backward(ctx, grad):
            seen["inside backward"] = ag.is_grad_enabled()
            in_backward.set()
            _wait(checked)
            return grad

    def backward_thread():
        x = ag.tensor([1.0], requires_grad=True)
        Hold.apply(x).sum().backward()

    def recording_thread():
        _wait(in_backward)
        seen["other thread"] = (ag.is_grad_enabled(), (ag.tensor([1.0], requires_grad=True) * 2).requires_grad)
        checked.set()

    with Threads(backward_thread, recording_thread):
        pass
    assert seen == {"inside backward": False, "other thread": (True, True)}


def test_anomaly_mode_is_per_thread():
    inside, done = threading.Event(), threading.Event()
    seen = {}

    def detecting():
        with ag.detect_anomaly():
            x = ag.tensor([-1.0], requires_grad=True)
            y = x.sqrt()  # nan: its gradient is nan too
            inside.set()
            _wait(done)
            with pytest.raises(RuntimeError, match="SqrtBackward"):
                y.sum().backward()
            seen["detecting"] = y.grad_fn._creation_stack is not None

    def plain():
        _wait(inside)
        x = ag.tensor([-1.0], requires_grad=True)
        y = x.sqrt()
        seen["plain stack"] = y.grad_fn._creation_stack
        y.sum().backward()  # no anomaly mode in this thread: a nan gradient, no error
        seen["plain grad"] = bool(np.isnan(x.grad.item()))
        seen["plain enabled"] = ag.is_anomaly_enabled()
        done.set()

    with Threads(detecting, plain):
        pass
    assert seen == {"detecting": True, "plain stack": None, "plain grad": True, "plain enabled": False}


def test_module_scope_is_per_thread():
    inside, done = threading.Event(), threading.Event()
    seen = {}

    class Slow(nn.Module):
        def forward(self, x):
            inside.set()
            _wait(done)
            return x * 2

    model = nn.Sequential(Slow())

    def forward_thread():
        model(ag.tensor([1.0], requires_grad=True))

    def other_thread():
        _wait(inside)
        seen["scope"] = (ag.tensor([1.0], requires_grad=True) * 3).grad_fn.scope
        done.set()

    with Threads(forward_thread, other_thread):
        pass
    assert seen == {"scope": ()}


def test_many_threads_training_at_once_each_get_their_own_exact_gradients():
    """Eight threads, each with its own model and data, computing gradients simultaneously."""
    barrier = threading.Barrier(8)
    results = {}

    def train(k):
        rng = np.random.default_rng(k)
        w = ag.tensor(rng.standard_normal((3, 2)), requires_grad=True)
        x = ag.tensor(rng.standard_normal((4, 3)))
        barrier.wait(WAIT)
        for _ in range(20):
            with ag.no_grad() if k % 2 else ag.enable_grad():  # half the threads flip grad mode all the time
                (x @ w).sum()
            loss = ((x @ w) ** 2).sum()
            w.grad = None
            loss.backward()
        x_, w_ = x.numpy(), w.detach().numpy()
        results[k] = np.allclose(w.grad.numpy(), 2 * x_.T @ (x_ @ w_))

    with Threads(*[functools.partial(train, k) for k in range(8)]):
        pass
    assert results == {k: True for k in range(8)}
