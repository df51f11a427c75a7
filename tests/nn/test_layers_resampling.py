"""Padding, resampling, fold/unfold, shuffle and distance modules against PyTorch: repr, values, first and second
derivatives."""
import numpy as np
import pytest
from oracle import check_function

import autograd as ag
import nn

torch = pytest.importorskip("torch")
T = torch.nn

MODULES = [
    ("ConstantPad1d", (2, 3.5), (2, 3, 4)), ("ConstantPad2d", ((1, 2, 3, 0), -1.0), (2, 3, 4)),
    ("ConstantPad3d", (1, 0.5), (1, 2, 2, 2, 2)), ("ZeroPad1d", ((1, 2),), (3, 4)), ("ZeroPad2d", (2,), (1, 2, 3, 3)),
    ("ZeroPad3d", ((1, 0, 0, 1, 2, 0),), (1, 2, 2, 2)), ("ReflectionPad1d", (2,), (2, 3, 4)),
    ("ReflectionPad2d", ((1, 1, 2, 0),), (1, 2, 3, 4)), ("ReflectionPad3d", (1,), (1, 1, 2, 3, 3)),
    ("ReplicationPad1d", ((3, 1),), (2, 3)), ("ReplicationPad2d", (1,), (2, 2, 3)), ("ReplicationPad3d", (1,), (2, 2, 2, 2)),
    ("CircularPad1d", (2,), (1, 2, 3)), ("CircularPad2d", ((1, 0, 2, 1),), (1, 1, 3, 3)),
    ("CircularPad3d", (1,), (1, 1, 2, 2, 2)),
    ("Upsample", dict(scale_factor=2), (1, 2, 3, 3)), ("Upsample", dict(size=(4, 5), mode="bilinear"), (1, 2, 3, 3)),
    ("Upsample", dict(scale_factor=1.5, mode="linear", align_corners=True), (2, 2, 4)),
    ("Upsample", dict(scale_factor=(2.0, 0.5), mode="bicubic"), (1, 1, 3, 4)),
    ("UpsamplingNearest2d", dict(scale_factor=3), (1, 2, 2, 2)), ("UpsamplingBilinear2d", dict(size=5), (1, 1, 3, 3)),
    ("PixelShuffle", (2,), (1, 8, 2, 3)), ("PixelUnshuffle", (2,), (1, 2, 4, 6)), ("ChannelShuffle", (3,), (2, 6, 2)),
    ("Unfold", dict(kernel_size=2, padding=1), (1, 2, 3, 3)), ("Fold", dict(output_size=(3, 4), kernel_size=2), (1, 8, 6)),
]


@pytest.mark.parametrize("name, args, shape", MODULES, ids=[f"{m[0]}-{i}" for i, m in enumerate(MODULES)])
def test_module_matches_pytorch(name, args, shape):
    make = (lambda lib: getattr(lib, name)(**args)) if isinstance(args, dict) else (lambda lib: getattr(lib, name)(*args))
    ours, theirs = make(nn), make(T)
    assert repr(ours) == repr(theirs)
    x = np.random.default_rng(len(shape)).standard_normal(shape)
    check_function(lambda t: ours(t), lambda t: theirs(t), [x], rtol=1e-13, atol=1e-13, grad_rtol=1e-12)


@pytest.mark.parametrize("name, kwargs", [("CosineSimilarity", {}), ("CosineSimilarity", {"dim": 0, "eps": 0.1}),
                                          ("PairwiseDistance", {}), ("PairwiseDistance", {"p": 1.5, "keepdim": True})])
def test_distance_modules(name, kwargs):
    ours, theirs = getattr(nn, name)(**kwargs), getattr(T, name)(**kwargs)
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(0)
    check_function(lambda a, b: ours(a, b), lambda a, b: theirs(a, b), [rng.standard_normal((3, 4)),
                                                                        rng.standard_normal((3, 4))])


def test_padding_modules_check_the_rank():
    with pytest.raises(ValueError, match="expected 3D or 4D input"):
        nn.ReflectionPad2d(1)(ag.randn(5))
