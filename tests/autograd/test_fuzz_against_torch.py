"""Differential fuzz: every exposed function against PyTorch, at the edges too.

For each function of `fuzz_functions.FUNCTIONS`, hypothesis draws shapes (0-d, size-0 and size-1
dimensions, broadcasting) and a seed for values (exact zeros, ±1, the op's kinks and bounds,
repeated values for ties, in contiguous, transposed or strided memory, sometimes the same tensor
as two arguments); `torch_fuzz.run_case` runs both libraries and compares forward values and
dtypes, first and second derivatives (inf and nan positions included), errors, and whether each
gradient stays connected to the graph. Skipped without torch.
"""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from fuzz_functions import FUNCTIONS  # noqa: E402
from torch_fuzz import run_case, run_float32  # noqa: E402


@pytest.fixture(autouse=True)
def _pytorch_default_dtype():
    """PyTorch's own default (float32) while comparing: another test module sets float64 at import."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    yield
    torch.set_default_dtype(previous)

EXAMPLES = max(6, settings.default.max_examples // 3)


def test_every_function_has_a_unique_name():
    names = [fn.name for fn in FUNCTIONS]
    assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})


@pytest.mark.parametrize("fn", FUNCTIONS, ids=[fn.name for fn in FUNCTIONS])
@settings(max_examples=EXAMPLES, deadline=None)
@given(data=st.data())
def test_matches_torch(fn, data):
    run_case(data, fn, torch)


FLOAT32 = [fn for fn in FUNCTIONS if fn.float32]


@pytest.mark.parametrize("fn", FLOAT32, ids=[fn.name for fn in FLOAT32])
@settings(max_examples=3, deadline=None)
@given(data=st.data())
def test_float32_dtypes_match_torch(fn, data):
    run_float32(data, fn, torch)
