"""Hypothesis profiles: `ci`, the default (derandomised: the same examples every run, so a green build
stays green), `dev` (fresh random examples each run: for hunting bugs) and `thorough` (300 random
examples per test). Choose with HYPOTHESIS_PROFILE=dev or HYPOTHESIS_PROFILE=thorough.
"""
import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Small matmuls are much slower with several BLAS threads on a busy 2-core machine; the tests
# check results, not speed, so one thread keeps them quick and steady. (Benchmarks set their own.)
try:
    from threadpoolctl import threadpool_limits
except ImportError:  # threadpoolctl comes with scikit-learn (the `examples` extra)
    pass
else:
    threadpool_limits(1)


def _torch_default(dtype_name: str):
    """PyTorch's default dtype set for one test and restored after it (it is process-wide state, which
    would otherwise leak from one test module into the next)."""
    torch = pytest.importorskip("torch")
    previous = torch.get_default_dtype()
    torch.set_default_dtype(getattr(torch, dtype_name))
    yield
    torch.set_default_dtype(previous)


@pytest.fixture
def torch_float32():
    """PyTorch's default dtype is float32 during the test (Python floats become float32, as ours)."""
    yield from _torch_default("float32")


@pytest.fixture
def torch_float64():
    """PyTorch's default dtype is float64 during the test (layers built there start in float64)."""
    yield from _torch_default("float64")
