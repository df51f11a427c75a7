"""Every nn module, nn.functional function, initialiser, optimiser, scheduler and nn.data class that PyTorch also has
takes the same parameters in the same order (so PyTorch code calls it the same way, positionally or by keyword).
The differences below are deliberate; each says why."""
import inspect

import pytest

import nn
import nn.functional as F
import nn.init as I
from nn import data, optim
from nn.optim import lr_scheduler

torch = pytest.importorskip("torch")

_LEGACY = "PyTorch's deprecated size_average/reduce: accepted by keyword only, translated to reduction"
ALLOWED = {
    "F.binary_cross_entropy": _LEGACY, "F.binary_cross_entropy_with_logits": _LEGACY, "F.cross_entropy": _LEGACY,
    "F.cosine_embedding_loss": _LEGACY, "F.hinge_embedding_loss": _LEGACY, "F.kl_div": _LEGACY,
    "F.margin_ranking_loss": _LEGACY, "F.multi_margin_loss": _LEGACY, "F.multilabel_margin_loss": _LEGACY,
    "F.multilabel_soft_margin_loss": _LEGACY, "F.nll_loss": _LEGACY, "F.poisson_nll_loss": _LEGACY,
    "F.smooth_l1_loss": _LEGACY, "F.soft_margin_loss": _LEGACY, "F.triplet_margin_loss": _LEGACY,
    "F.mse_loss": _LEGACY + "; PyTorch 2.13's new elementwise weight= is not supported",
    "F.l1_loss": _LEGACY + "; PyTorch 2.13's new elementwise weight= is not supported",
    "F.huber_loss": "PyTorch 2.13's new elementwise weight= is not supported",
    "F.normalize": "out= (writing into a given tensor) is not supported",
    "nn.RNNCellBase": "a base class; PyTorch's num_chunks is each cell's gate count here (a class attribute)",
}


def _parameters(fn):
    try:
        return [p for p in inspect.signature(fn).parameters if p != "self"]
    except (TypeError, ValueError):
        return None


def _pairs():
    for name in nn.__all__:
        ours = getattr(nn, name)
        if inspect.isclass(ours) and hasattr(torch.nn, name):
            yield f"nn.{name}", ours.__init__, getattr(torch.nn, name).__init__
    for name in F.__all__:
        if hasattr(torch.nn.functional, name):
            yield f"F.{name}", getattr(F, name), getattr(torch.nn.functional, name)
    for name in I.__all__:
        if hasattr(torch.nn.init, name):
            yield f"init.{name}", getattr(I, name), getattr(torch.nn.init, name)
    for module, theirs in ((optim, torch.optim), (lr_scheduler, torch.optim.lr_scheduler), (data, torch.utils.data)):
        for name in module.__all__:
            ours = getattr(module, name)
            if callable(ours) and hasattr(theirs, name):
                other = getattr(theirs, name)
                yield (f"{module.__name__}.{name}", ours.__init__ if inspect.isclass(ours) else ours,
                       other.__init__ if inspect.isclass(other) else other)


PAIRS = list(_pairs())


@pytest.mark.parametrize("name, ours, theirs", PAIRS, ids=[p[0] for p in PAIRS])
def test_same_parameters_as_pytorch(name, ours, theirs):
    expected = _parameters(theirs)
    if expected is None or expected == ["args", "kwargs"]:  # a C++ builtin or a generic wrapper: nothing to compare
        return
    if name in ALLOWED:
        assert _parameters(ours) != expected, f"{name} now matches PyTorch: drop it from ALLOWED"
        return
    assert _parameters(ours) == expected


def test_the_comparison_covers_the_api():
    assert len(PAIRS) > 250
