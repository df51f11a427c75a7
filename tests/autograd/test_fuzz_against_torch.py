"""Differential fuzz: every exposed function against PyTorch, at the edges too.

For each function of `fuzz_functions.FUNCTIONS` and `fuzz_nn_functions.NN_FUNCTIONS`, hypothesis
draws shapes (0-d, size-0 and size-1 dimensions, broadcasting) and a seed for values (exact zeros,
±1, the op's kinks and bounds, repeated values for ties, in contiguous, transposed or strided memory,
sometimes the same tensor as two arguments); `torch_fuzz.run_case` runs both libraries and compares forward values and
dtypes, first and second derivatives (inf and nan positions included), errors, and whether each
gradient stays connected to the graph. Skipped without torch.
"""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from fuzz_functions import FUNCTIONS as OP_FUNCTIONS  # noqa: E402
from fuzz_nn_functions import NN_FUNCTIONS  # noqa: E402
from torch_fuzz import run_case, run_float32  # noqa: E402

FUNCTIONS = OP_FUNCTIONS + NN_FUNCTIONS


pytestmark = pytest.mark.usefixtures("torch_float32")  # PyTorch's default dtype, restored afterwards

EXAMPLES = max(6, settings.default.max_examples // 3)


# Exposed names the fuzz leaves out, and why.
NOT_FUZZED = {"normal_": "random values (autograd's generator is not PyTorch's); tests/autograd/test_tensor.py",
              "uniform_": "random values (autograd's generator is not PyTorch's); tests/autograd/test_tensor.py",
              "elu_": "a Tensor method PyTorch lacks; fuzzed through F.elu(inplace=True), which calls it",
              "leaky_relu_": "a Tensor method PyTorch lacks; fuzzed through F.leaky_relu(inplace=True), which calls it"}
# Operators, found by the expressions that use them.
OPERATORS = {"__add__": " + ", "__radd__": "2.5 + x", "__sub__": " - ", "__rsub__": "1.5 - x", "__mul__": " * ",
             "__rmul__": "2.0 * x", "__truediv__": " / ", "__rtruediv__": "2.5 / x", "__floordiv__": " // ",
             "__rfloordiv__": "7.0 // ", "__mod__": " % ", "__rmod__": "7.0 % ", "__pow__": " ** ",
             "__rpow__": "2.0 ** x", "__matmul__": " @ ", "__rmatmul__": "__rmatmul__", "__neg__": "-x",
             "__pos__": "+x", "__abs__": "abs(x)", "__invert__": "~x", "__and__": " & ", "__rand__": "3 & x",
             "__or__": " | ", "__ror__": "3 | x", "__xor__": " ^ ", "__rxor__": "3 ^ x", "__eq__": " == ",
             "__ne__": " != ", "__lt__": " < ", "__le__": " <= ", "__gt__": " > ", "__ge__": " >= ",
             "__getitem__": "x[", "__setitem__": "__setitem__", "__iadd__": "y += ", "__isub__": "y -= ",
             "__imul__": "y *= ", "__itruediv__": "y /= ", "__ipow__": "y **= ", "__imod__": "y %= ",
             "__ifloordiv__": "y //= "}


def test_every_exposed_function_is_fuzzed():
    """Every public op, nn.functional function and Tensor method is called by some entry (or excluded above)."""
    import inspect
    import re
    from pathlib import Path

    import fuzz_functions

    import autograd.op_db.torch_api
    import autograd.ops
    import nn.functional as F
    from autograd.ops._util import TENSOR_METHODS
    # Also counted: names called in the other test modules that compare with PyTorch (the oracle of the
    # functions added for PyTorch's API, the nn layer and loss oracles) and in op_db's entries, which
    # test_op_db_against_torch.py compares with PyTorch.
    oracles = [path.read_text() for path in Path(__file__).resolve().parents[1].rglob("test_*.py")
               if 'importorskip("torch")' in path.read_text()]
    source = " ".join([inspect.getsource(fuzz_functions), " ".join(fn.name for fn in FUNCTIONS),
                       inspect.getsource(autograd.op_db.torch_api), *oracles])
    exposed = set(autograd.ops.__all__) | set(F.__all__) | set(TENSOR_METHODS)
    def called(name):
        return OPERATORS[name] in source if name in OPERATORS else re.search(rf"\b{name}\b", source)

    def same_function(name):  # an alias (arccos is acos), or an in-place form built from a called function
        ours = getattr(autograd.ops, name, None) or getattr(F, name, None) or TENSOR_METHODS.get(name)
        return name.endswith("_") and (called(name[:-1]) or same_function(name[:-1])) or any(
            ours is not None and ours is (getattr(autograd.ops, other, None) or TENSOR_METHODS.get(other)) and called(other)
            for other in exposed if other != name)

    missing = sorted(name for name in exposed - set(NOT_FUZZED) if not called(name) and not same_function(name))
    assert not missing, f"exposed but never fuzzed against PyTorch: {missing}"


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
