"""`autograd.backends`: PyTorch's backend switches, for code that sets or queries them.

There is one backend here (numpy on the CPU): `mps.is_available()` and `cudnn.is_available()`
are False, and the GPU library flags (`cudnn.deterministic`, `cudnn.benchmark`,
`cuda.matmul.allow_tf32`, ...) are plain attributes that seeding and setup code may set; they
govern libraries that are not used here, so setting them changes nothing (as on a CPU-only PyTorch).
"""
from __future__ import annotations

import sys
import types

__all__ = ["mps", "cuda", "cudnn", "mkldnn"]


def _module(name: str, doc: str, **attributes) -> types.ModuleType:
    module = types.ModuleType(f"{__name__}.{name}", doc)
    module.__dict__.update(attributes)
    sys.modules[module.__name__] = module  # so `import autograd.backends.cudnn` works too
    return module


def _false(*args, **kwargs) -> bool:
    return False


mps = _module("mps", "Apple's GPU: not available here.", is_available=_false, is_built=_false)
cudnn = _module("cudnn", "NVIDIA's cuDNN: not available here; the flags are kept for code that sets them.",
                is_available=_false, enabled=True, deterministic=False, benchmark=False, allow_tf32=True)
cuda = _module("cuda", "CUDA: not built in; the matmul flags are kept for code that sets them.", is_built=_false,
               matmul=types.SimpleNamespace(allow_tf32=False, allow_fp16_reduced_precision_reduction=True,
                                            allow_bf16_reduced_precision_reduction=True))
mkldnn = _module("mkldnn", "oneDNN: not used here.", is_available=_false, enabled=False)
