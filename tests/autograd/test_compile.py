"""autograd.compile: the API, what a replay leaves behind, and every guard (each one can fail)."""
import threading
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.compile import CompiledFunction, CompileWarning


@pytest.fixture(autouse=True)
def _compile_warnings_are_errors():
    """A CompileWarning a test does not expect fails it (tests that expect one catch it explicitly)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", CompileWarning)
        yield


def _x(*shape, seed=0, requires_grad=False):
    return ag.tensor(np.random.default_rng(seed).standard_normal(shape), requires_grad=requires_grad)


def _loss_and_grad(x, w):
    loss = ((x @ w).tanh() ** 2).mean()
    loss.backward()
    return loss


# --------------------------------------------------------------------------- the API
def test_decorator_forms_and_module():
    @ag.compile
    def f(x):
        return x * 2

    @ag.compile(fullgraph=True)
    def g(x):
        return x + 1

    model = ag.compile(nn.Linear(3, 2))
    x = _x(4, 3).float()
    assert isinstance(f, CompiledFunction) and f.__name__ == "f"
    assert np.array_equal(f(x).numpy(), x.numpy() * 2) and np.array_equal(g(x).numpy(), x.numpy() + 1)
    assert model.weight is model._orig_mod.weight and len(list(model.parameters())) == 2
    with ag.no_grad():
        assert np.array_equal(model(x).numpy(), model._orig_mod(x).numpy())
    assert ag.compile(f.fn, disable=True) is f.fn


@pytest.mark.parametrize("kwargs, error", [({"dynamic": True}, NotImplementedError),
                                           ({"backend": "inductor"}, ValueError),
                                           ({"mode": "max-autotune"}, ValueError),
                                           ({"cache_size": 0}, ValueError)])
def test_options_not_honoured_are_refused(kwargs, error):
    with pytest.raises(error):
        ag.compile(lambda x: x, **kwargs)


def test_program_listing_shows_numpy_calls_with_shapes():
    x, w = _x(5, 3), _x(3, 2, seed=1, requires_grad=True)
    f = ag.compile(_loss_and_grad)
    with pytest.raises(LookupError):
        f.program(x, w)
    f(x, w)
    w.grad = None
    listing = str(f.program(x, w))
    assert "def replay(I0, I1):" in listing and "matmul(" in listing and "tanh(" in listing
    assert "(5, 2) float64" in listing and "I1.grad = " in listing


# --------------------------------------------------------------------------- results equal eager, new inputs
def test_replay_on_new_inputs_equals_eager_and_leaves_the_same_grads():
    f = ag.compile(_loss_and_grad)
    for seed in range(4):
        x, w1, w2 = _x(5, 3, seed=seed), _x(3, 2, seed=10 + seed, requires_grad=True), None
        w2 = ag.tensor(w1.detach().numpy().copy(), requires_grad=True)
        eager, compiled = _loss_and_grad(x, w1), f(x, w2)
        assert compiled.item() == eager.item()
        assert np.array_equal(w2.grad.numpy(), w1.grad.numpy())
    assert len(f.recordings) == 1


def test_returned_loss_looks_as_after_eager_backward():
    x, w = _x(5, 3), _x(3, 2, seed=1, requires_grad=True)
    f = ag.compile(_loss_and_grad)
    f(x, w)
    w.grad = None
    loss = f(x, w)
    assert loss.requires_grad and loss.grad_fn is not None and loss.grad_fn.name() == "MeanBackward"
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


def test_gradient_accumulates_in_place_across_calls_as_eager():
    def step(x, w):
        (x @ w).sum().backward()  # no zero_grad: .grad accumulates
        return w.grad

    f = ag.compile(step)
    w1, w2 = _x(3, 2, requires_grad=True), _x(3, 2, requires_grad=True)
    for seed in range(4):
        x = _x(5, 3, seed=seed)
        g1, g2 = step(x, w1), f(x, w2)
        assert np.array_equal(g1.numpy(), g2.numpy()) and g2 is w2.grad
    assert len(f.recordings) == 2  # .grad None at the first call, a tensor afterwards


def test_zero_grad_without_none_keeps_the_grad_tensor():
    model1, model2 = nn.Linear(3, 2), nn.Linear(3, 2)
    model2.load_state_dict(model1.state_dict())
    opts = [nn.optim.SGD(m.parameters(), lr=0.1) for m in (model1, model2)]

    def step(model, optimizer, x):
        optimizer.zero_grad(set_to_none=False)
        model(x).pow(2).sum().backward()
        optimizer.step()

    f = ag.compile(step)
    for seed in range(4):
        x = _x(4, 3, seed=seed).float()
        step(model1, opts[0], x)
        grad_before = model2.weight.grad
        f(model2, opts[1], x)
        assert seed < 2 or model2.weight.grad is grad_before  # zeroed and accumulated in place
        for a, b in zip(model1.parameters(), model2.parameters()):
            assert np.array_equal(a.detach().numpy(), b.detach().numpy())
            assert np.array_equal(a.grad.numpy(), b.grad.numpy())


def test_random_numbers_are_drawn_afresh_in_eager_order():
    def f(x):
        return F.dropout(x, 0.5) + ag.randn(*x.shape)

    compiled = ag.compile(f)
    x = ag.ones(50, dtype=ag.float64)
    outs = []
    for seed in range(3):
        ag.manual_seed(seed)
        eager = f(x)
        ag.manual_seed(seed)
        outs.append(compiled(x))
        assert np.array_equal(outs[-1].numpy(), eager.numpy())
    assert not np.array_equal(outs[1].numpy(), outs[2].numpy())


def test_item_in_the_return_value_is_replayed():
    f = ag.compile(lambda x, w: (_loss_and_grad(x, w).item(), 3))
    for seed in range(3):
        x, w = _x(5, 3, seed=seed), _x(3, 2, seed=1, requires_grad=True)
        w2 = ag.tensor(w.detach().numpy().copy(), requires_grad=True)
        assert f(x, w) == (_loss_and_grad(x, w2).item(), 3)
    assert len(f.recordings) == 1


# --------------------------------------------------------------------------- what is read afresh at each replay
def test_tensors_from_outside_are_read_live():
    scale = ag.tensor(2.0, dtype=ag.float64)
    bias = ag.tensor([1.0, 2.0], dtype=ag.float64)
    model = nn.Linear(2, 2).double()

    def f(x):
        return model(x * scale + bias) + offset

    global offset
    offset = ag.tensor(0.5, dtype=ag.float64)
    compiled = ag.compile(f)
    x = _x(3, 2)
    compiled(x)
    scale.mul_(3.0)                                        # in place, between calls
    bias.data = ag.tensor([5.0, 6.0], dtype=ag.float64)    # new storage
    with ag.no_grad():
        model.weight.add_(1.0)                             # a parameter updated in place
    offset = ag.tensor(-1.0, dtype=ag.float64)             # a global rebound to another tensor
    assert np.array_equal(compiled(x).detach().numpy(), f(x).detach().numpy())
    assert len(compiled.recordings) == 1


def test_replaced_parameter_is_recorded_afresh():
    model = nn.Linear(2, 2).double()
    compiled = ag.compile(model)
    x = _x(3, 2)
    with ag.no_grad():
        compiled(x)
        model.weight = nn.Parameter(ag.ones(2, 2, dtype=ag.float64))
        assert np.array_equal(compiled(x).numpy(), model(x).numpy())
    assert len(compiled.recordings) == 2


def test_signature_changes_record_afresh():
    f = ag.compile(lambda x, k: x * k)
    f(_x(3), 2.0)
    f(_x(3), 2.0)
    f(_x(4), 2.0)              # shape
    f(_x(3).float(), 2.0)      # dtype
    f(_x(3), 3.0)              # a Python argument's value
    assert np.array_equal(f(_x(3), 3.0).numpy(), _x(3).numpy() * 3.0)
    with ag.no_grad():         # grad mode
        f(_x(3), 2.0)
    assert len(f.recordings) == 5


def test_learning_rate_is_read_live_other_options_are_guarded():
    models = [nn.Linear(3, 2) for _ in range(2)]
    models[1].load_state_dict(models[0].state_dict())
    opts = [nn.optim.SGD(m.parameters(), lr=0.1, momentum=0.5) for m in models]
    schedulers = [nn.optim.lr_scheduler.ExponentialLR(o, gamma=0.5) for o in opts]

    def step(model, optimizer, x):
        optimizer.zero_grad()
        model(x).pow(2).sum().backward()
        optimizer.step()

    f = ag.compile(step)
    for seed in range(5):
        x = _x(4, 3, seed=seed).float()
        step(models[0], opts[0], x)
        f(models[1], opts[1], x)
        for s in schedulers:
            s.step()
        if seed == 3:
            for o in opts:
                o.param_groups[0]["momentum"] = 0.9
        for a, b in zip(models[0].parameters(), models[1].parameters()):
            assert np.array_equal(a.detach().numpy(), b.detach().numpy())
    assert len(f.recordings) == 2  # momentum buffers made at step 0 (not kept); momentum changed at step 4


def test_module_training_flag_is_guarded():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    compiled = ag.compile(model)
    x = _x(4, 3).float()
    with ag.no_grad():
        compiled(x)
        model.eval()
        assert np.array_equal(compiled(x).numpy(), model(x).numpy())
    assert len(compiled.recordings) == 2


# --------------------------------------------------------------------------- what runs eagerly, with one warning
def _warns(match, fn, *args, calls=3):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = [fn(*args) for _ in range(calls)]
    messages = [str(w.message) for w in caught if issubclass(w.category, CompileWarning)]
    assert len(messages) == 1 and match in messages[0], messages
    assert "test_compile.py" in messages[0]  # the user's line
    return results


def test_value_dependent_control_flow_runs_eagerly_with_one_warning():
    def f(x):
        loss = (x * x).sum()
        if loss.item() > 1:  # a decision on a value
            return loss * 2
        return loss

    compiled = ag.compile(f)
    _warns("item() on a tensor reads its values", compiled, _x(3))
    for scale in (0.01, 10.0):  # both branches: the eager results
        assert compiled(_x(3) * scale).item() == f(_x(3) * scale).item()


@pytest.mark.parametrize("use", [lambda t: bool(t > 0), lambda t: float(t), lambda t: t.numpy().sum(),
                                 lambda t: np.asarray(t).sum(), lambda t: print(t)])
def test_other_value_reads_run_eagerly(use, capsys):
    def f(x):
        s = x.sum()
        use(s)
        return s

    _warns("on a tensor", ag.compile(f), _x(3))


def test_fullgraph_raises_instead():
    @ag.compile(fullgraph=True)
    def f(x):
        return x * 2 if x.sum().item() > 0 else x

    with pytest.raises(Exception, match="item"):
        f(_x(3))


def test_hooks_run_eagerly():
    def with_tensor_hook(x, w):
        y = (x @ w)
        y.register_hook(lambda g: g * 2)
        y.sum().backward()
        return w.grad

    _warns("registers a hook", ag.compile(with_tensor_hook), _x(3, 2), _x(2, 2, requires_grad=True))
    model = nn.Linear(2, 2).double()
    model.register_forward_hook(lambda module, args, out: None)
    _warns("forward hooks", ag.compile(model), _x(3, 2))


def test_hook_added_between_calls_is_seen():
    w = _x(2, 2, requires_grad=True)
    f = ag.compile(lambda x: (x @ w).sum().backward())
    f(_x(3, 2))
    w.register_hook(lambda g: g * 0)
    w.grad = None
    _warns("gradient hooks", f, _x(3, 2), calls=1)
    assert np.array_equal(w.grad.numpy(), np.zeros((2, 2)))


def test_scheduler_step_inside_runs_eagerly():
    model = nn.Linear(2, 2)
    optimizer = nn.optim.SGD(model.parameters(), lr=0.1)
    scheduler = nn.optim.lr_scheduler.StepLR(optimizer, 1, 0.5)

    def step(x):
        optimizer.zero_grad()
        model(x).sum().backward()
        optimizer.step()
        scheduler.step()

    _warns("StepLR.step()", ag.compile(step), _x(3, 2).float())
    assert optimizer.param_groups[0]["lr"] == 0.1 * 0.5 ** 3


def test_shape_from_values_runs_eagerly():
    _warns("shape depends on the values", ag.compile(lambda x: x[x > 0].sum()), _x(6))


def test_cache_size_limit_warns_once_and_runs_eagerly():
    f = ag.compile(lambda x: x + 1, cache_size=2)
    f(_x(2))
    f(_x(3))
    _warns("cache_size", f, _x(4), calls=2)
    assert len(f.recordings) == 2


def test_python_side_effects_happen_only_while_recording():
    """Documented: compile replays tensor computations; other Python side effects are not repeated."""
    counter = []
    f = ag.compile(lambda x: counter.append(1) or x * 2)
    for _ in range(3):
        f(_x(2))
    assert counter == [1]


def test_anomaly_mode_runs_eagerly():
    f = ag.compile(lambda x: x * 2)
    with ag.detect_anomaly():
        f(_x(2))
    assert not f.recordings


def test_nested_compiled_functions_record_inline():
    inner = ag.compile(lambda x: x.exp())
    outer = ag.compile(lambda x: inner(x) + 1)
    for seed in range(3):
        x = _x(3, seed=seed)
        assert np.array_equal(outer(x).numpy(), np.exp(x.numpy()) + 1)
    assert not inner.recordings and len(outer.recordings) == 1


def test_recording_in_one_thread_leaves_others_eager():
    """The tracer is per thread: ops another thread runs meanwhile are not recorded, and its values are read freely."""
    inside, release = threading.Event(), threading.Event()

    def slow(x):
        y = x + 1
        inside.set()
        release.wait(5)
        return y * 2

    f = ag.compile(slow)
    thread = threading.Thread(target=f, args=(_x(3),))
    thread.start()
    inside.wait(5)
    other = (_x(3) * 5).sum()
    value = other.item()  # a value read in this thread is no business of the recording
    release.set()
    thread.join()
    assert value == pytest.approx(float(_x(3).numpy().sum() * 5))
    program = str(f.program(_x(3)))
    assert "multiply(v" in program and "5" not in program.split("def replay")[1].split("return")[0].replace("(5", "")


# --------------------------------------------------------------------------- compile(model), backward outside
def test_compiled_module_backward_outside_matches_eager():
    models = [nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double() for _ in range(2)]
    models[1].load_state_dict(models[0].state_dict())
    compiled = ag.compile(models[1])
    for seed in range(3):
        x1, x2 = _x(5, 3, seed=seed, requires_grad=True), _x(5, 3, seed=seed, requires_grad=True)
        for m in models:
            m.zero_grad()
        (models[0](x1) ** 2).sum().backward()
        out = compiled(x2)
        assert out.grad_fn is not None
        (out ** 2).sum().backward()
        assert np.array_equal(x1.grad.numpy(), x2.grad.numpy())
        for a, b in zip(models[0].parameters(), models[1].parameters()):
            assert np.array_equal(a.grad.numpy(), b.grad.numpy())
    assert len(compiled.recordings) == 1


def test_compiled_module_backward_checks_and_frees():
    model = nn.Linear(3, 2).double()
    compiled = ag.compile(model)
    x = _x(4, 3, requires_grad=True)
    compiled(x)
    out = compiled(x)
    with pytest.raises(NotImplementedError, match="differentiated twice"):
        ag.grad(out.sum(), x, create_graph=True)
    out = compiled(x)
    out.sum().backward()
    with pytest.raises(RuntimeError, match="second time"):
        out.sum().backward()
    out = compiled(x)
    with ag.no_grad():
        model.weight.mul_(2.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


def test_tensor_computed_after_the_backward_inside_is_returned_as_used_up():
    """perplexity = loss.exp() after loss.backward(): its graph goes through freed nodes, as eagerly."""
    def step(x, w):
        loss = ((x @ w) ** 2).mean()
        loss.backward()
        return loss.exp()

    f = ag.compile(step)
    for seed in range(3):
        w = _x(3, 2, seed=seed, requires_grad=True)
        out = f(_x(5, 3), w)
        assert out.requires_grad
    assert len(f.recordings) == 1
    with pytest.raises(RuntimeError, match="second time"):
        out.backward()


def test_iterating_a_data_loader_inside_runs_eagerly():
    """Its batches are drawn and gathered outside ops, so a replay would repeat the first epoch's."""
    loader = nn.data.DataLoader(nn.data.TensorDataset(_x(8, 2), _x(8, 1)), batch_size=4, shuffle=True)
    w = _x(2, 1, requires_grad=True)

    def epoch():
        for x, y in loader:
            F.mse_loss(x @ w, y).backward()

    _warns("iterating a DataLoader", ag.compile(epoch), calls=2)


def test_an_array_whose_two_views_die_in_one_step_is_reused_once():
    """Regression: v = a - b, then w = v[..., 1:] - v[..., :1] let v's buffer be listed free twice, so two later
    elementwise steps both wrote into it while the first result was still needed (a wrong gradient)."""
    def step(x, p):
        out = ag.diff(x, prepend=p, dim=-1, n=2)
        total = ag.tensor(0.0, dtype=ag.float64) + (out * 1.5).sum()
        grads = ag.grad(total, (x, p), create_graph=True)
        return [g.detach() for g in grads], [out.detach()]

    rng = np.random.default_rng(0)
    compiled = ag.compile(step)
    for _ in range(3):
        x, p = rng.normal(size=(2, 2, 2)), rng.normal(size=(2, 2, 1))
        replayed = compiled(ag.tensor(x, requires_grad=True), ag.tensor(p, requires_grad=True))
        eager = step(ag.tensor(x, requires_grad=True), ag.tensor(p, requires_grad=True))
        for a, b in zip(replayed[0] + replayed[1], eager[0] + eager[1]):
            np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert len(compiled.recordings) == 1
