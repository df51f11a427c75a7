"""autograd.functional: vjp, jvp, jacobian, hessian, hvp, vhp, with PyTorch's return conventions."""
import numpy as np
import pytest
from hypothesis import given

import autograd as ag
from autograd import functional as F
from autograd import gradcheck
from autograd.testing import shapes, tensors


def t(values, requires_grad=False):
    return ag.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


RNG = np.random.default_rng(0)
A = t(RNG.standard_normal((2, 3)))


def f(x):
    return A @ x.tanh()


def f_jacobian(x):
    return A.numpy() * (1 - np.tanh(x.numpy()) ** 2)


def test_jacobian_single_input_and_output():
    x = t([0.1, -0.5, 2.0])
    J = F.jacobian(f, x)
    assert J.shape == (2, 3) and not J.requires_grad
    np.testing.assert_allclose(J.numpy(), f_jacobian(x))


def test_jacobian_tuple_inputs_and_outputs_nest_as_J_output_input():
    a, b = t([1.0, 2.0]), t([3.0, -1.0, 0.5])
    (Ja, Jb), = (F.jacobian(lambda x, y: x.outer(y).sum(1), (a, b)),)
    assert Ja.shape == (2, 2) and Jb.shape == (2, 3)
    np.testing.assert_allclose(Ja.numpy(), np.eye(2) * b.numpy().sum())
    np.testing.assert_allclose(Jb.numpy(), np.outer(a.numpy(), np.ones(3)))
    both = F.jacobian(lambda x, y: (x * 2, y.sum()), (a, b))
    assert len(both) == 2 and len(both[0]) == 2
    assert both[0][0].shape == (2, 2) and both[0][1].shape == (2, 3)
    assert both[1][0].shape == (2,) and both[1][1].shape == (3,)
    np.testing.assert_allclose(both[0][1].numpy(), 0)  # x * 2 does not depend on y
    single_in = F.jacobian(lambda x: (x.exp(), x.sum()), a)
    assert isinstance(single_in, tuple) and single_in[0].shape == (2, 2) and single_in[1].shape == (2,)


def test_vjp_returns_output_and_vjp_shaped_like_inputs():
    x, v = t([0.1, -0.5, 2.0]), t([1.0, -2.0])
    out, vjp = F.vjp(f, x, v)
    np.testing.assert_allclose(out.numpy(), f(x).numpy())
    np.testing.assert_allclose(vjp.numpy(), v.numpy() @ f_jacobian(x))
    out, (ga, gb) = F.vjp(lambda a, b: (a * b).sum(), (x, x * 2))
    np.testing.assert_allclose(ga.numpy(), 2 * x.numpy())
    with pytest.raises(RuntimeError, match="single one-element"):
        F.vjp(f, x)
    with pytest.raises(ValueError, match="shape"):
        F.vjp(f, x, t([1.0, 2.0, 3.0]))


def test_jvp_is_jacobian_times_v():
    x, v = t([0.1, -0.5, 2.0]), t([1.0, 0.0, -1.0])
    out, jvp = F.jvp(f, x, v)
    np.testing.assert_allclose(jvp.numpy(), f_jacobian(x) @ v.numpy())
    out, (j1, j2) = F.jvp(lambda a, b: (a * b, a.sum() + b.sum()), (x, x), (v, v))
    np.testing.assert_allclose(j1.numpy(), 2 * x.numpy() * v.numpy())
    np.testing.assert_allclose(j2.numpy(), 0.0)
    _, constant = F.jvp(lambda a: a * 0 + ag.tensor(np.ones(3)), x, v)
    np.testing.assert_allclose(constant.numpy(), 0.0)


@given(tensors(shape=shapes(max_dims=3, max_side=3), min_value=-2, max_value=2))
def test_jvp_and_vjp_agree_with_the_jacobian(x):
    def g(z):
        return (z.sin() * z).cumsum(0) if z.ndim else z.sin() * z

    J = F.jacobian(g, x).numpy().reshape(x.numel(), x.numel())
    v = np.linspace(-1, 1, x.numel()).reshape(x.shape)
    _, jvp = F.jvp(g, x, t(v))
    _, vjp = F.vjp(g, x, t(v))
    np.testing.assert_allclose(jvp.numpy().reshape(-1), J @ v.reshape(-1), atol=1e-12)
    np.testing.assert_allclose(vjp.numpy().reshape(-1), v.reshape(-1) @ J, atol=1e-12)


def test_hessian_and_hvp():
    x = t([0.5, -1.0, 2.0])
    H = F.hessian(lambda z: (z ** 3).sum(), x)
    np.testing.assert_allclose(H.numpy(), np.diag(6 * x.numpy()))
    v = t([1.0, 2.0, 3.0])
    out, hvp = F.hvp(lambda z: (z ** 3).sum(), x, v)
    np.testing.assert_allclose(out.numpy(), (x.numpy() ** 3).sum())
    np.testing.assert_allclose(hvp.numpy(), 6 * x.numpy() * v.numpy())
    _, vhp = F.vhp(lambda z: (z ** 3).sum(), x, v)
    np.testing.assert_allclose(vhp.numpy(), hvp.numpy())
    a, b = t([1.0, 2.0]), t([3.0, 4.0])
    (Haa, Hab), (Hba, Hbb) = F.hessian(lambda p, q: (p * p * q).sum(), (a, b))
    np.testing.assert_allclose(Haa.numpy(), np.diag(2 * b.numpy()))
    np.testing.assert_allclose(Hab.numpy(), np.diag(2 * a.numpy()))
    np.testing.assert_allclose(Hba.numpy(), Hab.numpy().T)
    np.testing.assert_allclose(Hbb.numpy(), 0)
    with pytest.raises(RuntimeError, match="one-element"):
        F.hessian(lambda z: z * 2, x)


def test_results_are_detached_unless_create_graph():
    x = t([0.5, -1.0], requires_grad=True)
    assert not F.jacobian(lambda z: z.exp(), x).requires_grad
    _, g = F.vjp(lambda z: z.exp().sum(), x)
    assert not g.requires_grad and x.grad is None
    J = F.jacobian(lambda z: z.exp(), x, create_graph=True)
    assert J.requires_grad
    J.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp(x.detach().numpy()))


def test_create_graph_results_have_correct_derivatives():
    x = t([0.3, -0.7, 1.1], requires_grad=True)

    def cubic(z):
        return (z ** 3 * z.sin()).sum()

    assert gradcheck(lambda z: F.jacobian(lambda w: w.sin() * w, z, create_graph=True), x)
    assert gradcheck(lambda z: F.hessian(cubic, z, create_graph=True), x)  # third derivatives
    assert gradcheck(lambda z, v: F.hvp(cubic, z, v, create_graph=True)[1], (x, t([1.0, 0.5, -2.0], True)))
    assert gradcheck(lambda z, v: F.jvp(lambda w: w.exp() * w, z, v, create_graph=True)[1],
                     (x, t([1.0, 0.5, -2.0], True)))
    assert gradcheck(lambda z, v: F.vjp(lambda w: w.exp() * w, z, v, create_graph=True)[1],
                     (x, t([1.0, 0.5, -2.0], True)))


def test_inputs_must_be_tensors():
    with pytest.raises(TypeError, match="inputs must be a Tensor"):
        F.jacobian(lambda z: z, [1.0, 2.0])


def test_matches_torch_functional():
    torch = pytest.importorskip("torch")
    x = RNG.standard_normal(3)
    v3, v2 = RNG.standard_normal(3), RNG.standard_normal(2)
    M = A.numpy()

    def ours(z):
        return A @ z.tanh() * z.sum()

    def theirs(z):
        return torch.tensor(M) @ z.tanh() * z.sum()

    tx = torch.tensor(x)
    np.testing.assert_allclose(F.jacobian(ours, t(x)).numpy(), torch.autograd.functional.jacobian(theirs, tx).numpy())
    np.testing.assert_allclose(F.jvp(ours, t(x), t(v3))[1].numpy(),
                               torch.autograd.functional.jvp(theirs, tx, torch.tensor(v3))[1].numpy())
    np.testing.assert_allclose(F.vjp(ours, t(x), t(v2))[1].numpy(),
                               torch.autograd.functional.vjp(theirs, tx, torch.tensor(v2))[1].numpy())
    np.testing.assert_allclose(F.hessian(lambda z: ours(z).sum(), t(x)).numpy(),
                               torch.autograd.functional.hessian(lambda z: theirs(z).sum(), tx).numpy())
    np.testing.assert_allclose(F.hvp(lambda z: ours(z).sum(), t(x), t(v3))[1].numpy(),
                               torch.autograd.functional.hvp(lambda z: theirs(z).sum(), tx, torch.tensor(v3))[1].numpy())
