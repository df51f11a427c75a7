"""F.pad (four modes), F.interpolate (every mode, size/scale_factor/align_corners/recompute_scale_factor),
pixel_shuffle/unshuffle and unfold/fold: PyTorch's values, first and second derivatives, finite differences."""
import numpy as np
import pytest
from oracle import check_derivatives, check_function

import autograd as ag
import nn.functional as F

torch = pytest.importorskip("torch")
TF = torch.nn.functional

PAD_CASES = [
    ((2, 5), (2, 3)), ((2, 3, 4, 5), (1, 2, 3, 0)), ((1, 2, 3, 4, 5), (1, 2, -1, 1, 0, 2)), ((2, 4), (-1, 2)),
    ((3, 2, 3, 4), (2, 2, 1, 1)), ((2, 4), (1, -2)), ((2, 4), (3, 3)), ((2, 3), (0, 0)),
]


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape, widths", PAD_CASES, ids=[f"{s}-{w}" for s, w in PAD_CASES])
def test_pad_matches_torch(mode, shape, widths):
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    try:
        TF.pad(torch.tensor(x), widths, mode=mode)
    except (RuntimeError, NotImplementedError):
        with pytest.raises((RuntimeError, NotImplementedError)):
            F.pad(ag.tensor(x), widths, mode=mode)
        return
    kwargs = {"value": 0.5} if mode == "constant" else {}
    check_function(lambda t: F.pad(t, widths, mode=mode, **kwargs), lambda t: TF.pad(t, widths, mode=mode, **kwargs),
                   [x], rtol=0, atol=0, grad_rtol=1e-14, grad_atol=1e-15)


def test_pad_derivatives_and_errors():
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 3))
    for mode in ("reflect", "replicate", "circular"):
        check_derivatives(lambda t, mode=mode: F.pad(t, (2, 1, 1, 2), mode=mode) ** 2, [x])
    t = ag.randn(1, 2, 3)
    out = F.pad(t, (0, 0))
    assert out is not t and np.array_equal(out.numpy(), t.numpy())
    with pytest.raises(RuntimeError, match="smaller than that dimension's size 3"):
        F.pad(t, (3, 0), mode="reflect")
    with pytest.raises(RuntimeError, match="divisible by 2"):
        F.pad(t, (1, 2, 3))
    with pytest.raises(NotImplementedError, match="unrecognised padding mode 'mirror'"):
        F.pad(t, (1, 1), mode="mirror")
    with pytest.raises(NotImplementedError, match="padding size 2 is not supported for 4D"):
        F.pad(ag.randn(1, 1, 2, 3), (1, 1), mode="reflect")
    with pytest.raises(ValueError, match="doesn't take in value"):
        F.pad(t, (1, 1), mode="replicate", value=2.0)
    assert F.pad(ag.tensor([[1, 2]]), (1, 1), value=7).tolist() == [[7, 1, 2, 7]]


INTERPOLATE_MODES = [("nearest", 1), ("nearest", 2), ("nearest", 3), ("nearest-exact", 1), ("nearest-exact", 2),
                     ("linear", 1), ("bilinear", 2), ("bicubic", 2), ("trilinear", 3), ("area", 1), ("area", 2)]
SIZES = [dict(scale_factor=2), dict(scale_factor=0.5), dict(scale_factor=1.7), dict(size=5), dict(size=1),
         dict(scale_factor=2.5, recompute_scale_factor=True), dict(scale_factor=0.4)]


@pytest.mark.parametrize("mode, dims", INTERPOLATE_MODES, ids=[f"{m}-{d}d" for m, d in INTERPOLATE_MODES])
@pytest.mark.parametrize("kwargs", SIZES, ids=[",".join(f"{k}={v}" for k, v in s.items()) for s in SIZES])
def test_interpolate_matches_torch(mode, dims, kwargs):
    rng = np.random.default_rng(dims)
    shape = (2, 2) + tuple(int(n) for n in rng.integers(3, 7, dims))
    x = rng.standard_normal(shape)
    corners = [None] if mode in ("nearest", "nearest-exact", "area") else [False, True]
    for align_corners in corners:
        check_function(lambda t, ac=align_corners: F.interpolate(t, mode=mode, align_corners=ac, **kwargs),
                       lambda t, ac=align_corners: TF.interpolate(t, mode=mode, align_corners=ac, **kwargs), [x],
                       rtol=1e-13, atol=1e-13, grad_rtol=1e-12)


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "bilinear", "bicubic"])
def test_interpolate_float32_agrees_with_torch(mode):
    x = np.random.default_rng(3).standard_normal((2, 3, 7, 5)).astype(np.float32)
    for kwargs in (dict(scale_factor=2.3), dict(size=(4, 9))):
        ours = F.interpolate(ag.tensor(x), mode=mode, **kwargs)
        theirs = TF.interpolate(torch.tensor(x), mode=mode, **kwargs).numpy()
        assert ours.dtype == np.float32
        exact = mode.startswith("nearest")  # positions computed in float32 exactly as PyTorch; sums to rounding
        np.testing.assert_allclose(ours.numpy(), theirs, rtol=0 if exact else 1e-5, atol=0 if exact else 1e-5)


def test_interpolate_derivatives():
    x = np.random.default_rng(1).standard_normal((1, 1, 3, 4))
    for mode in ("bilinear", "bicubic", "nearest"):
        check_derivatives(lambda t, mode=mode: F.interpolate(t, size=(4, 3), mode=mode) ** 2, [x])
    check_derivatives(lambda t: F.interpolate(t, scale_factor=1.5, mode="linear", align_corners=True) ** 2, [x[0]])


def test_interpolate_errors_and_deprecated_names():
    x = ag.randn(1, 1, 4, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=2, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set"):
        F.interpolate(x, size=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="got 4D input, but linear mode needs 3D input"):
        F.interpolate(x, size=2, mode="linear")
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        F.interpolate(x, size=(2,))
    with pytest.raises(ValueError, match="recompute_scale_factor is not meaningful"):
        F.interpolate(x, size=2, recompute_scale_factor=True)
    with pytest.raises(NotImplementedError, match="antialias"):
        F.interpolate(x, size=2, mode="bilinear", antialias=True)
    with pytest.warns(UserWarning, match="upsample_bilinear` is deprecated"):
        up = F.upsample_bilinear(x, scale_factor=2)
    np.testing.assert_array_equal(up.numpy(), F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True).numpy())
    with pytest.warns(UserWarning, match="upsample` is deprecated"):
        F.upsample(x, scale_factor=2)


def test_pixel_shuffle_round_trip_and_torch():
    x = np.random.default_rng(2).standard_normal((2, 8, 3, 4))
    check_function(lambda t: F.pixel_shuffle(t, 2), lambda t: TF.pixel_shuffle(t, 2), [x], rtol=0, atol=0)
    check_function(lambda t: F.pixel_unshuffle(t, 3), lambda t: TF.pixel_unshuffle(t, 3), [x[:, :, :3, :3]], rtol=0,
                   atol=0)
    t = ag.tensor(x)
    np.testing.assert_array_equal(F.pixel_unshuffle(F.pixel_shuffle(t, 2), 2).numpy(), x)
    with pytest.raises(RuntimeError, match="divisible by upscale_factor"):
        F.pixel_shuffle(ag.randn(1, 3, 2, 2), 2)


UNFOLD_CASES = [((2, 3, 5, 6), dict(kernel_size=2)),
                ((2, 2, 7, 6), dict(kernel_size=(3, 2), dilation=(2, 1), padding=1, stride=(2, 1))),
                ((3, 5, 5), dict(kernel_size=3, padding=2, stride=2))]


@pytest.mark.parametrize("shape, kwargs", UNFOLD_CASES)
def test_unfold_and_fold_match_torch(shape, kwargs):
    x = np.random.default_rng(4).standard_normal(shape)
    check_function(lambda t: F.unfold(t, **kwargs), lambda t: TF.unfold(t, **kwargs), [x], rtol=0, atol=0,
                   grad_rtol=1e-14, grad_atol=1e-15)
    cols = TF.unfold(torch.tensor(x), **kwargs).numpy()
    check_function(lambda t: F.fold(t, shape[-2:], **kwargs), lambda t: TF.fold(t, shape[-2:], **kwargs), [cols],
                   rtol=1e-14, atol=1e-14)


def test_unfold_fold_derivatives_and_errors():
    x = np.random.default_rng(5).standard_normal((1, 2, 4, 3))
    check_derivatives(lambda t: F.unfold(t, 2, padding=1) ** 2, [x])
    cols = np.random.default_rng(6).standard_normal((1, 8, 6))
    check_derivatives(lambda t: F.fold(t, (3, 4), 2) ** 2, [cols])
    with pytest.raises(RuntimeError, match="divisible by the product of kernel_size"):
        F.fold(ag.randn(1, 7, 6), (3, 4), 2)
    with pytest.raises(RuntimeError, match="calculated number of sliding blocks 2 \\* 3 = 6"):
        F.fold(ag.randn(1, 8, 5), (3, 4), 2)
    with pytest.raises(RuntimeError, match="too small for the kernel"):
        F.unfold(ag.randn(1, 1, 2, 2), 3)
