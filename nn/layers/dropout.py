"""`Dropout` (elements) and `Dropout1d/2d/3d` (whole channels): inverted dropout while training, the identity in eval."""
from __future__ import annotations

from autograd.tensor import Tensor

from .. import functional as F
from ..module import Module

__all__ = ["Dropout", "AlphaDropout", "FeatureAlphaDropout", "Dropout1d", "Dropout2d", "Dropout3d"]


class Dropout(Module):
    """Zero each element with probability p during training, scaling the survivors by 1/(1-p).

    Inverted dropout keeps the expected activation unchanged, E[out] = (1-p)·x/(1-p) = x,
    so evaluation needs no change: `model.eval()` makes this the identity.
    The classical form (Srivastava et al., 2014) instead trains with out = mask·x (no scaling)
    and multiplies by (1-p) at test time; its expected training output (1-p)·x equals its
    test output, so the two forms give the same network up to the constant factor absorbed
    by the next layer's weights. `tests/nn/test_layers.py` checks both agree in expectation.
    """

    def __init__(self, p: float = 0.5, inplace: bool = False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class AlphaDropout(Dropout):
    """Dropout for SELU networks: keeps the input's mean and variance (see F.alpha_dropout)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.alpha_dropout(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(Dropout):
    """Alpha dropout of whole channels of (N, C, *) inputs (see F.feature_alpha_dropout)."""

    def forward(self, input: Tensor) -> Tensor:
        return F.feature_alpha_dropout(input, self.p, self.training, self.inplace)


class Dropout1d(Dropout):
    """Zero whole channels of (N, C, L) inputs with probability p while training (scaling the rest by 1/(1-p))."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout2d(Dropout):
    """Zero whole feature maps of (N, C, H, W) inputs: neighbouring pixels are correlated, so dropping
    single elements regularises little."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)


class Dropout3d(Dropout):
    """Zero whole channels of (N, C, D, H, W) inputs with probability p while training."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout3d(input, self.p, self.training, self.inplace)
