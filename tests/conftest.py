"""Hypothesis profiles: `ci` (derandomised, so a green build stays green) and `thorough` for local runs.

Choose with HYPOTHESIS_PROFILE=thorough; CI=true selects `ci`; the default is `dev`.
"""
import os

from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, max_examples=25, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

# Small matmuls are much slower with several BLAS threads on a busy 2-core machine; the tests
# check results, not speed, so one thread keeps them quick and steady. (Benchmarks set their own.)
try:
    from threadpoolctl import threadpool_limits
except ImportError:  # threadpoolctl comes with scikit-learn (the `examples` extra)
    pass
else:
    threadpool_limits(1)
