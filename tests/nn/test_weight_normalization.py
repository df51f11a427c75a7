"""nn.utils.weight_norm / spectral_norm (and their removal) against PyTorch: the same state_dict names, the same
outputs and gradients from the same weights (and the same power-iteration vectors) over several training steps."""
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
from nn.utils import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def _setup(torch_float64):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both warn that the hook-based weight_norm is deprecated
        yield


def _copy(theirs, ours):
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize("make, shape, dim", [(lambda lib: lib.Linear(4, 3), (5, 4), 0),
                                              (lambda lib: lib.Conv2d(2, 3, 3), (1, 2, 5, 5), 1),
                                              (lambda lib: lib.Linear(4, 3), (2, 4), None)])
def test_weight_norm(make, shape, dim):
    theirs = torch.nn.utils.weight_norm(make(torch.nn), dim=dim)
    ours = weight_norm(make(nn).double(), dim=dim)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    _copy(theirs, ours)
    x = np.random.default_rng(0).standard_normal(shape)
    for opt_o, opt_t in [(nn.optim.SGD(ours.parameters(), lr=0.1), torch.optim.SGD(theirs.parameters(), lr=0.1))]:
        for _ in range(3):
            out_o, out_t = ours(ag.tensor(x)), theirs(torch.tensor(x))
            np.testing.assert_allclose(out_o.detach().numpy(), out_t.detach().numpy(), rtol=1e-12, atol=1e-12)
            for opt, out in ((opt_o, out_o), (opt_t, out_t)):
                opt.zero_grad()
                (out ** 2).sum().backward()
                opt.step()
    np.testing.assert_allclose(ours.weight_g.detach().numpy(), theirs.weight_g.detach().numpy(), rtol=1e-11)
    remove_weight_norm(ours)
    torch.nn.utils.remove_weight_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-11)
    with pytest.raises(ValueError, match="not found"):
        remove_weight_norm(ours)


@pytest.mark.parametrize("make, shape", [(lambda lib: lib.Linear(4, 3), (5, 4)),
                                         (lambda lib: lib.ConvTranspose2d(2, 3, 3), (1, 2, 4, 4))])
def test_spectral_norm(make, shape):
    theirs = torch.nn.utils.spectral_norm(make(torch.nn), n_power_iterations=2)
    ours = spectral_norm(make(nn).double(), n_power_iterations=2)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    _copy(theirs, ours)  # the same weights and the same random start of the power iteration
    x = np.random.default_rng(1).standard_normal(shape)
    opt_o, opt_t = nn.optim.SGD(ours.parameters(), lr=0.05), torch.optim.SGD(theirs.parameters(), lr=0.05)
    for _ in range(3):
        out_o, out_t = ours(ag.tensor(x)), theirs(torch.tensor(x))
        np.testing.assert_allclose(out_o.detach().numpy(), out_t.detach().numpy(), rtol=1e-11, atol=1e-12)
        for opt, out in ((opt_o, out_o), (opt_t, out_t)):
            opt.zero_grad()
            (out ** 2).sum().backward()
            opt.step()
    np.testing.assert_allclose(ours.weight_u.numpy(), theirs.weight_u.numpy(), rtol=1e-10, atol=1e-12)
    ours.eval(), theirs.eval()
    np.testing.assert_allclose(ours(ag.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-11, atol=1e-12)
    remove_spectral_norm(ours)
    torch.nn.utils.remove_spectral_norm(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    weight = ours.weight.detach().numpy()
    matrix = np.moveaxis(weight, 1 if isinstance(ours, nn.ConvTranspose2d) else 0, 0).reshape(3, -1)
    sigma = np.linalg.svd(matrix, compute_uv=False)[0]
    assert 0.5 < sigma < 1.5  # normalised to roughly unit spectral norm (a few power iterations)
