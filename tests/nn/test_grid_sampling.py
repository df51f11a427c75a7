"""affine_grid and grid_sample (spatial transformers) against PyTorch: every mode, padding mode and align_corners,
values and derivatives with respect to both the input and the grid, and PyTorch's warnings."""
import numpy as np
import pytest
from oracle import check_derivatives, check_function

import autograd as ag
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional
RNG = np.random.default_rng(0)
THETA = np.array([[[0.9, -0.2, 0.1], [0.3, 1.1, -0.2]], [[1.2, 0.1, 0.3], [-0.1, 0.8, 0.0]]])


@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid(align_corners):
    check_function(lambda t: F.affine_grid(t, (2, 3, 4, 5), align_corners=align_corners),
                   lambda t: TF.affine_grid(t, (2, 3, 4, 5), align_corners=align_corners), [THETA])
    ours = F.affine_grid(ag.tensor(THETA.astype(np.float32)), (2, 1, 7, 9), align_corners=align_corners)
    theirs = TF.affine_grid(torch.tensor(THETA.astype(np.float32)), (2, 1, 7, 9), align_corners=align_corners)
    assert ours.dtype == np.float32
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), atol=3e-7)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("align_corners", [False, True])
def test_grid_sample(mode, padding_mode, align_corners):
    x, grid = RNG.standard_normal((2, 3, 5, 6)), RNG.uniform(-1.3, 1.3, (2, 4, 3, 2))
    check_function(lambda a, g: F.grid_sample(a, g, mode, padding_mode, align_corners),
                   lambda a, g: TF.grid_sample(a, g, mode, padding_mode, align_corners), [x, grid], rtol=1e-12,
                   atol=1e-12, second_order=mode == "bilinear")


def test_grid_sample_derivatives_warnings_and_errors():
    x, grid = RNG.standard_normal((1, 1, 4, 4)), RNG.uniform(-1.2, 1.2, (1, 3, 2, 2))
    for padding_mode in ("zeros", "reflection"):
        check_derivatives(lambda a, g, p=padding_mode: F.grid_sample(a, g, padding_mode=p, align_corners=False), [x, grid])
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.grid_sample(ag.tensor(x), ag.tensor(grid))
    with pytest.warns(UserWarning, match="align_corners=False since 1.3.0"):
        F.affine_grid(ag.tensor(THETA), (2, 1, 3, 3))
    with pytest.raises(ValueError, match="expected mode to be 'bilinear', 'nearest' or 'bicubic'"):
        F.grid_sample(ag.tensor(x), ag.tensor(grid), mode="area")
    with pytest.raises(ValueError, match="Nx2x3"):
        F.affine_grid(ag.zeros(2, 3, 3), (2, 1, 3, 3), align_corners=False)
