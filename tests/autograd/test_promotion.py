"""Type promotion against PyTorch: `promote_types`, `result_type`, `can_cast`, and the dtype (and values) of
every binary op family over a table of dtype pairs and the three operand classes (dimensioned tensor,
0-d tensor, Python number), including the errors PyTorch gives and the in-place casting rule."""
import itertools
import warnings

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")


pytestmark = pytest.mark.usefixtures("torch_float32")  # PyTorch's default dtype, restored afterwards


DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
NUMBERS = {"bool": True, "int": 2, "float": 1.5, "negative int": -2}  # the Python-number operand class
CLASSES = ["dim", "0-d", "number"]


def _values(dtype: str) -> list:
    """Small values of the dtype, with no zero divisors and negative values for signed types."""
    if dtype == "bool":
        return [True, True, True]
    if dtype.startswith("float"):
        return [1.5, -2.25, 3.0]
    if dtype == "uint8":
        return [3, 1, 2]
    return [3, -1, 2]


def _operand(lib, kind: str, dtype: str):
    if kind == "number":
        return NUMBERS[dtype]
    values = _values(dtype)
    return lib.tensor(values if kind == "dim" else values[0], dtype=getattr(lib, dtype))


def _dtypes_of(kind):
    return list(NUMBERS) if kind == "number" else DTYPES


BINARY = {
    "add": lambda m, a, b: a + b,
    "sub": lambda m, a, b: a - b,
    "mul": lambda m, a, b: a * b,
    "div": lambda m, a, b: a / b,
    "floor_divide": lambda m, a, b: a // b,
    "remainder": lambda m, a, b: a % b,
    "fmod": lambda m, a, b: m.fmod(a, b),
    "pow": lambda m, a, b: a ** b,
    "div(floor)": lambda m, a, b: m.div(a, b, rounding_mode="floor"),
    "div(trunc)": lambda m, a, b: m.div(a, b, rounding_mode="trunc"),
    "eq": lambda m, a, b: a == b,
    "lt": lambda m, a, b: a < b,
    "ge": lambda m, a, b: a >= b,
    "maximum": lambda m, a, b: m.maximum(a, b),
    "minimum": lambda m, a, b: m.minimum(a, b),
    "where": lambda m, a, b: m.where(m.tensor([True, False, True]), a, b),
}
TENSOR_ONLY = ("fmod", "maximum", "minimum")  # PyTorch takes no Python number as their first (or any) operand


def _cases(op):
    for class_a, class_b in itertools.product(CLASSES, repeat=2):
        if class_a == "number" and class_b == "number":
            continue
        if op in TENSOR_ONLY and (class_a == "number" or op != "fmod" and class_b == "number"):
            continue
        for dtype_a in _dtypes_of(class_a):
            for dtype_b in _dtypes_of(class_b):
                yield class_a, dtype_a, class_b, dtype_b


def _run(lib, op, case):
    class_a, dtype_a, class_b, dtype_b = case
    return BINARY[op](lib, _operand(lib, class_a, dtype_a), _operand(lib, class_b, dtype_b))


def _torch_dtype_name(dtype) -> str:
    return str(dtype).replace("torch.", "")


@pytest.mark.parametrize("op", list(BINARY))
def test_binary_ops_give_pytorchs_dtype_values_and_errors(op):
    mismatches = []
    for case in _cases(op):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                expected, expected_error = _run(torch, op, case), None
            except (RuntimeError, NotImplementedError, TypeError) as error:
                expected, expected_error = None, type(error)
            try:
                ours, our_error = _run(ag, op, case), None
            except (RuntimeError, NotImplementedError, TypeError) as error:
                ours, our_error = None, type(error)
        if expected_error or our_error:
            if expected_error != our_error:
                mismatches.append(f"{case}: PyTorch {expected_error or expected.dtype}, ours {our_error or ours.dtype}")
            continue
        if _torch_dtype_name(expected.dtype) != str(ours.dtype):
            mismatches.append(f"{case}: PyTorch gives {expected.dtype}, ours {ours.dtype}")
            continue
        want = expected.numpy()
        if want.dtype.kind == "f" and op in ("add", "sub", "mul", "div", "maximum", "minimum", "where"):
            np.testing.assert_array_equal(ours._data, want, err_msg=str(case))  # computed in the same dtype: same bits
        else:
            np.testing.assert_allclose(ours._data.astype(np.float64), want.astype(np.float64), rtol=1e-3,
                                       err_msg=str(case))
    assert not mismatches, f"{len(mismatches)} differences from PyTorch:\n" + "\n".join(mismatches[:20])


def test_promote_types_result_type_and_can_cast_match_torch_over_all_pairs():
    for a, b in itertools.product(DTYPES, repeat=2):
        ta, tb = getattr(torch, a), getattr(torch, b)
        assert str(ag.promote_types(getattr(ag, a), getattr(ag, b))) == _torch_dtype_name(torch.promote_types(ta, tb))
        assert ag.can_cast(getattr(ag, a), getattr(ag, b)) == torch.can_cast(ta, tb), (a, b)
        for case in [("dim", a, "dim", b), ("dim", a, "0-d", b), ("0-d", a, "dim", b), ("0-d", a, "0-d", b)]:
            theirs = torch.result_type(_operand(torch, *case[:2]), _operand(torch, *case[2:]))
            ours = ag.result_type(_operand(ag, *case[:2]), _operand(ag, *case[2:]))
            assert str(ours) == _torch_dtype_name(theirs), case
        for number in ("bool", "int", "float"):
            theirs = torch.result_type(_operand(torch, "dim", a), NUMBERS[number])
            assert str(ag.result_type(_operand(ag, "dim", a), NUMBERS[number])) == _torch_dtype_name(theirs), (a, number)


@pytest.mark.parametrize("method", ["add_", "sub_", "mul_", "div_", "pow_", "__iadd__", "__imul__"])
def test_in_place_ops_cast_into_the_target_as_pytorch_or_refuse_as_it_does(method):
    mismatches = []
    for class_b in CLASSES:
        for dtype_a in DTYPES:
            for dtype_b in _dtypes_of(class_b):
                outcomes = []
                for lib in (torch, ag):
                    target = _operand(lib, "dim", dtype_a)
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            result = getattr(target, method)(_operand(lib, class_b, dtype_b))
                        outcomes.append((_torch_dtype_name(result.dtype), np.asarray(result.tolist(), dtype=float)))
                    except (RuntimeError, NotImplementedError, TypeError):
                        outcomes.append(("error", None))
                (theirs, want), (ours, got) = outcomes
                if theirs != ours:
                    mismatches.append(f"{dtype_a}.{method}({class_b} {dtype_b}): PyTorch {theirs}, ours {ours}")
                elif want is not None:
                    np.testing.assert_allclose(got, want, rtol=1e-3, err_msg=f"{dtype_a} {method} {class_b} {dtype_b}")
    assert not mismatches, "\n".join(mismatches[:20])


def test_a_float32_model_never_computes_in_float64():
    x = ag.rand(4, 3) + 0.5  # positive: no NaN from fractional powers
    for other in (ag.arange(1, 4), ag.tensor(2), ag.tensor(2.0, dtype=ag.float64), 2, 2.5, np.float64(2.5),
                  ag.tensor([1, 2, 3], dtype=ag.int32)):
        for op in (lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a ** b, lambda a, b: a / b,
                   lambda a, b: b - a, lambda a, b: ag.where(a > 0, a, b), lambda a, b: ag.maximum(a, b * 1.0)):
            assert op(x, other).dtype == ag.float32, other


def test_comparisons_happen_in_the_promoted_dtype():
    # 2**24 + 1 is not a float32: promoted to float32 (PyTorch's rule) it equals 2**24
    ours = ag.tensor([16777217]) == ag.tensor([16777216.0])
    theirs = torch.tensor([16777217]) == torch.tensor([16777216.0])
    assert ours.tolist() == theirs.tolist() == [True]


def test_integer_edge_cases_follow_pytorch():
    cases = [
        lambda m: m.tensor([3, -1, 2, 1]) ** m.tensor([-1, -1, -2, -3]),  # integer powers with negative exponents
        lambda m: m.tensor([1], dtype=m.int8) + 1000,  # a Python int wraps into the tensor's type
        lambda m: m.tensor([1], dtype=m.uint8) - 5,
        lambda m: m.tensor([200], dtype=m.uint8) + m.tensor([100], dtype=m.uint8),
        lambda m: m.tensor([-7, 7]) // 2,
        lambda m: m.fmod(m.tensor([-7, 7]), 2),
        lambda m: m.div(m.tensor([-7, 7]), 2, rounding_mode="trunc"),
    ]
    for case in cases:
        assert case(ag).tolist() == case(torch).tolist()
        assert str(case(ag).dtype) == _torch_dtype_name(case(torch).dtype)
    for refused in (lambda m: m.tensor([5]) // m.tensor([0]), lambda m: m.tensor([5]) % 0,
                    lambda m: m.tensor([2, 3]) ** -1, lambda m: m.tensor([True]) - m.tensor([True])):
        with pytest.raises(RuntimeError):
            refused(torch)
        with pytest.raises(RuntimeError):
            refused(ag)
