"""The backward engine: chain rule, accumulation, graph lifetime, grad modes, hooks, in-place safety, anomalies."""
import numpy as np
import pytest

import autograd as ag
from autograd import Function


def test_micrograd_readme_example_on_0d_tensors():
    a = ag.tensor(-4.0, dtype="float64", requires_grad=True)
    b = ag.tensor(2.0, dtype="float64", requires_grad=True)
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g = g + 10.0 / f
    g.backward()
    assert g.ndim == 0
    assert g.item() == pytest.approx(24.7041, abs=1e-4)
    assert a.grad.item() == pytest.approx(138.8338, abs=1e-4)
    assert b.grad.item() == pytest.approx(645.5773, abs=1e-4)


def test_tensor_used_twice_accumulates_and_each_node_runs_once():
    calls = []

    class Counted(Function):
        @staticmethod
        def forward(ctx, x):
            return x._data * 3

        @staticmethod
        def backward(ctx, grad):
            calls.append(1)
            return grad * 3

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = Counted.apply(x)
    (y * y + y).sum().backward()
    assert len(calls) == 1
    np.testing.assert_allclose(x.grad._data, (2 * 3 * np.array([1.0, 2.0]) * 3) + 3)


def test_leaf_grad_accumulates_across_calls_until_zeroed():
    x = ag.tensor([1.0, -2.0], requires_grad=True)
    (x * 2).sum().backward()
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad._data, [4.0, 4.0])
    x.grad = None
    (x * 5).sum().backward()
    np.testing.assert_allclose(x.grad._data, [5.0, 5.0])


def test_shared_gradient_array_is_not_aliased_between_leaves():
    a = ag.tensor([1.0, 2.0], requires_grad=True)
    b = ag.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad._data *= 10
    np.testing.assert_allclose(b.grad._data, [1.0, 1.0])


def test_broadcasting_is_undone_in_gradients():
    x = ag.randn(4, 3, dtype="float64", requires_grad=True)
    b = ag.randn(3, dtype="float64", requires_grad=True)
    c = ag.randn(4, 1, dtype="float64", requires_grad=True)
    (x * b + c).sum().backward()
    assert b.grad.shape == (3,) and c.grad.shape == (4, 1)
    np.testing.assert_allclose(b.grad._data, x._data.sum(0))
    np.testing.assert_allclose(c.grad._data, np.full((4, 1), 3.0))


def test_non_leaf_has_no_grad_unless_retained():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    k = x * 4
    k.retain_grad()
    (h * k).sum().backward()
    assert h.grad is None
    np.testing.assert_allclose(k.grad._data, h._data)
    assert k.retains_grad and not h.retains_grad


def test_second_backward_through_released_graph_says_retain_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_second_backward():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad._data.copy()
    y.backward()
    np.testing.assert_allclose(x.grad._data, 2 * first, rtol=1e-6)


def test_non_scalar_backward_needs_gradient():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"scalar outputs.*shape \(2,\)"):
        (x * 2).backward()
    (x * 2).backward(gradient=ag.tensor([1.0, 10.0]))
    np.testing.assert_allclose(x.grad._data, [2.0, 20.0])
    with pytest.raises(RuntimeError, match="gradient has shape"):
        (x * 2).backward(gradient=ag.tensor([1.0, 2.0, 3.0]))


def test_backward_on_tensor_without_grad_explains():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.tensor([1.0]).sum().backward()


def test_no_grad_records_nothing_and_works_as_decorator():
    x = ag.tensor([1.0], requires_grad=True)
    with ag.no_grad():
        y = x * 2
    assert y.grad_fn is None and not y.requires_grad

    @ag.no_grad()
    def f(t):
        return t * 2

    assert f(x).grad_fn is None
    assert ag.is_grad_enabled()
    with ag.no_grad():
        with ag.enable_grad():
            assert (x * 2).requires_grad
    with ag.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert ag.is_grad_enabled()

    @ag.set_grad_enabled(False)
    def g(t):
        return t * 2

    assert ag.is_grad_enabled() and not g(x).requires_grad


def test_detach_shares_data_and_version_but_leaves_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    d = y.detach()
    assert d.grad_fn is None and not d.requires_grad
    d._data[0] = 100.0
    assert y._data[0] == 100.0


def test_hooks_see_and_replace_gradients():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    h = x * 3
    h.register_hook(lambda g: seen.append(g._data.copy()))
    handle = x.register_hook(lambda g: g * 10)
    h.sum().backward()
    np.testing.assert_allclose(seen[0], [1.0, 1.0])
    np.testing.assert_allclose(x.grad._data, [30.0, 30.0])
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad._data, [3.0, 3.0])


def test_grad_returns_tuple_and_leaves_dot_grad_alone():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = ag.tensor([3.0], requires_grad=True)
    gx, gy = ag.grad((x * y).sum(), (x, y))
    np.testing.assert_allclose(gx._data, [3.0, 3.0])
    np.testing.assert_allclose(gy._data, [3.0])
    assert x.grad is None and y.grad is None


def test_grad_of_non_leaf_and_unused_inputs():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    z = ag.tensor([1.0], requires_grad=True)
    (gh,) = ag.grad((h * h).sum(), h, retain_graph=True)
    np.testing.assert_allclose(gh._data, 2 * h._data)
    with pytest.raises(RuntimeError, match="allow_unused"):
        ag.grad((h * h).sum(), (x, z), retain_graph=True)
    gx, gz = ag.grad((h * h).sum(), (x, z), allow_unused=True)
    assert gz is None
    np.testing.assert_allclose(gx._data, 8 * x._data)


def test_create_graph_gives_second_derivatives():
    x = ag.tensor([0.5, -1.5], dtype="float64", requires_grad=True)
    (g,) = ag.grad((x**3).sum(), x, create_graph=True)
    np.testing.assert_allclose(g._data, 3 * x._data**2)
    (h,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(h._data, 6 * x._data)
    # gradient penalty: d/dx of |dy/dx|^2
    x.grad = None
    y = (x.sin() * x).sum()
    (g,) = ag.grad(y, x, create_graph=True)
    (g * g).sum().backward()
    d1 = np.sin(x._data) + x._data * np.cos(x._data)
    d2 = 2 * np.cos(x._data) - x._data * np.sin(x._data)
    np.testing.assert_allclose(x.grad._data, 2 * d1 * d2)


def test_without_create_graph_gradients_carry_no_graph():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    (g,) = ag.grad((x**2).sum(), x)
    assert g.grad_fn is None and not g.requires_grad


def test_deep_chain_of_100k_ops_backpropagates_without_recursion():
    x = ag.tensor(1.0, dtype="float64", requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0


def test_in_place_change_of_saved_tensor_is_detected():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = h * h  # saves h
    h.add_(1)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation.*MulBackward"):
        y.sum().backward()


def test_in_place_through_a_view_bumps_the_shared_version():
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    h = x * 1
    y = h.exp()  # saves its output
    v = y.detach()[0]
    with ag.no_grad():
        v.mul_(2)
    with pytest.raises(RuntimeError, match="inplace"):
        y.sum().backward()


def test_in_place_on_leaf_requiring_grad_is_refused():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        x.add_(1)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        x += 1
    with ag.no_grad():
        x.add_(1)
    np.testing.assert_allclose(x._data, [2.0, 3.0])


def test_in_place_ops_on_non_leaves_are_differentiated_correctly():
    x = ag.tensor([1.0, 2.0, 3.0], dtype="float64", requires_grad=True)
    w = ag.tensor([2.0, 3.0, 4.0], dtype="float64", requires_grad=True)
    h = x * 1
    h.mul_(w)
    h += 1
    h[0] = 10.0
    h.sum().backward()
    np.testing.assert_allclose(x.grad._data, [0.0, 3.0, 4.0])
    np.testing.assert_allclose(w.grad._data, [0.0, 2.0, 3.0])


def test_setitem_gradient_flows_to_value():
    x = ag.zeros(3, dtype="float64", requires_grad=False)
    v = ag.tensor(2.0, dtype="float64", requires_grad=True)
    x[1] = v
    (x * ag.tensor([1.0, 5.0, 1.0], dtype="float64")).sum().backward()
    assert v.grad.item() == 5.0


def test_custom_function_with_ctx():
    class Cube(Function):
        @staticmethod
        def forward(ctx, x, scale):
            ctx.save_for_backward(x)
            ctx.scale = scale
            return x._data**3 * scale

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            assert ctx.needs_input_grad == (True, False)
            return grad * 3 * x * x * ctx.scale, None

    x = ag.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.name() == "CubeBackward"
    (g,) = ag.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(g._data, 6 * x._data**2)
    (h,) = ag.grad(g.sum(), x)
    np.testing.assert_allclose(h._data, 12 * x._data)


def test_custom_function_returning_wrong_number_of_gradients():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x._data

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    x = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="returned 2 gradients"):
        Bad.apply(x).sum().backward()


def test_gradient_of_wrong_shape_is_reported():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x):
            return x._data.sum()

        @staticmethod
        def backward(ctx, grad):
            return grad.expand(5)

    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"BadBackward.*\(5,\).*\(2,\)"):
        Bad.apply(x).backward()


@pytest.mark.filterwarnings("ignore:invalid value")
def test_anomaly_mode_names_the_op_that_produced_nan():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    with ag.detect_anomaly():
        y = x.sqrt() * 0  # backward of sqrt at 0: 0 / 0 -> nan
        with pytest.raises(RuntimeError, match=r"(?s)SqrtBackward.*nan.*test_engine.py"):
            y.sum().backward()
    y = x.sqrt() * 0
    y.sum().backward()  # without anomaly mode: nan silently, as PyTorch
    assert np.isnan(x.grad._data[0])


def test_grad_fn_names_and_next_functions():
    x = ag.tensor([1.0], requires_grad=True)
    y = (x * 2).exp()
    assert y.grad_fn.name() == "ExpBackward"
    (mul_node, _), = y.grad_fn.next_functions
    assert mul_node.name() == "MulBackward"
    acc = mul_node.next_functions[0][0]
    assert acc.name() == "AccumulateGrad" and acc.variable is x
    assert "grad_fn=<ExpBackward>" in repr(y)


def test_backward_inputs_restricts_accumulation():
    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([2.0], requires_grad=True)
    (a * b).sum().backward(inputs=[a])
    assert b.grad is None and a.grad.item() == 2.0
