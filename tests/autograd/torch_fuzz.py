"""The machinery of the differential fuzz against PyTorch (used by test_fuzz_against_torch.py).

A `Fn` says how to call one exposed function on either library (`call(m, *tensors, **kwargs)`,
where `m.lib` is `autograd` or `torch` and `m.F` the functional module), which domain each
tensor argument's values come from, how its shapes and keyword arguments are drawn, and what
to check. `run_case` draws one case (hypothesis gives the shapes, a seeded generator the
values: exact zeros, ±1, the op's kinks and bounds, repeated values for ties, in contiguous,
transposed or strided memory, sometimes the same tensor twice), runs it on both libraries and
compares forward values and dtypes, first derivatives and second derivatives, including
where each is inf or nan, whether each raises, and whether a gradient stays connected to the
graph (PyTorch's second derivative exists) or not.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np

import autograd as ag
import nn.functional as ag_functional
from autograd.testing import broadcastable_shapes, shapes

SPECIAL = (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0)


@dataclass(frozen=True)
class Fn:
    """One function to fuzz: how to call it, its argument domains, shapes and keywords, what to compare."""

    name: str
    call: Callable  # call(m, *tensors, **kwargs)
    args: tuple = ("real",)  # the domain of each tensor argument ("real", "positive", "unit", "int", ...)
    shapes: object = "same"  # "same", "broadcast", or draw(data) -> list of shapes
    kwargs: Callable | None = None  # kwargs(rng, shapes) -> dict (numpy arrays become tensors of each library)
    points: tuple = ()  # the op's own kinks and bounds, sampled exactly
    min_dims: int = 0
    max_dims: int = 3
    empty: bool = True  # size-0 dimensions allowed
    grad: bool = True  # compare first derivatives (float arguments require grad)
    second: bool = True  # compare second derivatives
    twice: bool = True  # sometimes pass the same tensor as the first two arguments
    rtol: float = 1e-7
    atol: float = 1e-9
    float32: bool = True  # also compare output dtypes for float32 inputs
    torch_layout: bool = False  # PyTorch gets the same memory layout (for view, whose result depends on it)
    torch_backward_fails: bool = False  # PyTorch's backward raises on some valid cases (see the entry): ours may not


class Lib:
    """One library, seen the same way: tensors from arrays, gradients, and its module names."""

    def __init__(self, torch_module=None):
        self.torch = torch_module
        self.lib = torch_module if torch_module is not None else ag
        self.F = torch_module.nn.functional if torch_module is not None else ag_functional

    def tensor(self, array, requires_grad=False, keep_layout=False):
        """A leaf holding `array`. Ours keeps the array itself, so its memory layout (transposed, strided) is
        what the ops see; PyTorch gets a contiguous copy, the reference (some of its kernels give other
        results in other layouts, e.g. batch_norm at zero variance in a channels-last layout)."""
        if self.torch is not None:
            return self.torch.tensor(np.array(array, order="K" if keep_layout else "C"), requires_grad=requires_grad)
        return ag.Tensor._from_data(array, requires_grad=requires_grad)

    def is_tensor(self, x) -> bool:
        return isinstance(x, self.torch.Tensor) if self.torch is not None else isinstance(x, ag.Tensor)

    def grad(self, outputs, inputs, grad_outputs=None, create_graph=False):
        if self.torch is not None:
            return self.torch.autograd.grad(outputs, inputs, grad_outputs, create_graph=create_graph, allow_unused=True)
        return ag.grad(outputs, inputs, grad_outputs, create_graph=create_graph, allow_unused=True)

    def array(self, t) -> np.ndarray:
        return t.detach().numpy(force=True).copy() if self.torch is not None else np.array(t.detach()._data)

    def dtype(self, t) -> str:
        return str(t.dtype).replace("torch.", "")


# --------------------------------------------------------------------------- drawing a case
def values(rng, shape, domain: str, points=()) -> np.ndarray:
    """Values of a domain with exact special points, the op's own points and ties mixed in."""
    n = math.prod(shape)
    if domain == "int":
        return rng.integers(-3, 4, shape).astype(np.int64)
    if domain == "bool":
        return rng.random(shape) < 0.5
    low, high, keep = {"real": (-3.0, 3.0, lambda v: True), "positive": (0.1, 3.0, lambda v: v > 0),
                       "nonneg": (0.0, 3.0, lambda v: v >= 0), "nonzero": (-3.0, 3.0, lambda v: v != 0),
                       "unit": (0.0, 1.0, lambda v: 0 <= v <= 1), "logprob": (-4.0, 0.0, lambda v: v <= 0),
                       "open_unit": (0.05, 0.95, lambda v: 0 < v < 1)}[domain]
    out = rng.uniform(low, high, n)
    if domain == "nonzero":
        out = np.where(np.abs(out) < 0.1, 0.5, out)
    pool = [v for v in SPECIAL + tuple(points) if keep(v)]
    if pool:
        pick = rng.random(n) < 0.35
        out = np.where(pick, np.asarray(pool)[rng.integers(0, len(pool), n)], out)
    for i in range(1, n):  # ties: some elements repeat an earlier one
        if rng.random() < 0.15:
            out[i] = out[rng.integers(0, i)]
    return out.reshape(shape)


def layout(kind: int, array: np.ndarray) -> np.ndarray:
    """The same values in contiguous (0), transposed (1) or strided (2) memory."""
    if array.ndim < 1 or array.size == 0:
        return array
    if kind == 1 and array.ndim >= 2:
        return np.ascontiguousarray(array.swapaxes(0, -1)).swapaxes(0, -1)
    if kind == 2:
        wide = np.repeat(array, 2, axis=-1)
        return wide[..., ::2]
    return array


def draw_shapes(data, fn: Fn) -> list:
    n = len(fn.args)
    side = 0 if fn.empty else 1
    if callable(fn.shapes):
        return list(fn.shapes(data.draw))
    if fn.shapes == "broadcast" and n >= 2:
        pair = data.draw(broadcastable_shapes(shapes(fn.min_dims, fn.max_dims, side, 3), min_dims=fn.min_dims,
                                              max_dims=fn.max_dims, min_side=side, max_side=3))
        return [pair[0], pair[1]] + [pair[0]] * (n - 2)
    shape = data.draw(shapes(fn.min_dims, fn.max_dims, side, 3))
    return [shape] * n


def _library_value(lib: Lib, value):
    """A keyword value for one library: numpy arrays become its tensors, containers are converted inside."""
    if isinstance(value, (np.ndarray, np.generic)):
        return lib.tensor(np.asarray(value))
    if isinstance(value, list):
        return [_library_value(lib, v) for v in value]
    if isinstance(value, tuple):
        return tuple(_library_value(lib, v) for v in value)
    return value


# --------------------------------------------------------------------------- running and comparing
def _outputs(lib: Lib, result) -> list:
    """The tensors of a result (a tensor, a tuple/list/namedtuple of them), in order."""
    if lib.is_tensor(result):
        return [result]
    if isinstance(result, (tuple, list)):
        return [t for item in result for t in _outputs(lib, item)]
    return []


def _run(lib: Lib, fn: Fn, arrays, kwargs, twice: bool, float_dtype=np.float64, layouts=None):
    """(inputs, result) of one call, with float inputs requiring grad; the exception if the call raised."""
    inputs = []
    for i, a in enumerate(arrays):
        a = a.astype(float_dtype) if a.dtype.kind == "f" else a.copy()
        inputs.append(lib.tensor(layout(layouts[i], a) if layouts else a, requires_grad=fn.grad and a.dtype.kind == "f",
                                 keep_layout=fn.torch_layout))
    if twice:
        inputs[1] = inputs[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return inputs, fn.call(lib, *inputs, **{k: _library_value(lib, v) for k, v in kwargs.items()}), None
        except Exception as error:  # noqa: BLE001 - any exception: compared with the other library's
            return inputs, None, error


def _compare(what: str, ours: np.ndarray, theirs: np.ndarray, fn: Fn, context: str) -> None:
    assert ours.shape == theirs.shape, f"{fn.name}: {what} shape {ours.shape} != PyTorch's {theirs.shape}{context}"
    if theirs.dtype.kind in "biu" or ours.dtype.kind in "biu":
        np.testing.assert_array_equal(ours, theirs, err_msg=f"{fn.name}: {what}{context}")
        return
    scale = max(1.0, float(np.nanmax(np.abs(np.where(np.isfinite(theirs), theirs, 0)))) if theirs.size else 1.0)
    np.testing.assert_allclose(ours, theirs, rtol=fn.rtol * 10 if what != "value" else fn.rtol,
                               atol=fn.atol * scale, equal_nan=True, err_msg=f"{fn.name}: {what}{context}")


def run_case(data, fn: Fn, torch) -> None:
    """Draw one case of `fn`, run it on both libraries, compare everything."""
    import hypothesis.strategies as st

    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    shape_list = draw_shapes(data, fn)
    arrays = [values(rng, s, d, fn.points) for s, d in zip(shape_list, fn.args)]
    layouts = [int(rng.integers(0, 3)) for _ in arrays]
    kwargs = fn.kwargs(rng, shape_list) if fn.kwargs else {}
    twice = (fn.twice and len(arrays) >= 2 and shape_list[0] == shape_list[1] and fn.args[0] == fn.args[1]
             and rng.random() < 0.2)
    compare(fn, arrays, kwargs, torch, rng, layouts, twice)


def compare(fn: Fn, arrays: list, kwargs: dict, torch, rng, layouts=None, twice: bool = False) -> None:
    """Run `fn` on both libraries with these inputs and compare values, dtypes, errors, first and second
    derivatives and the connectivity of the gradients."""
    shape_list = [a.shape for a in arrays]
    context = (f"\n  shapes {shape_list}, layouts {layouts}, kwargs {kwargs}, same tensor twice: {twice}"
               f"\n  inputs {[np.array2string(a, precision=17, separator=', ') for a in arrays]}")
    theirs_lib, ours_lib = Lib(torch), Lib()
    t_in, t_out, t_err = _run(theirs_lib, fn, arrays, kwargs, twice, layouts=layouts)
    o_in, o_out, o_err = _run(ours_lib, fn, arrays, kwargs, twice, layouts=layouts)
    if t_err is not None or o_err is not None:
        assert t_err is not None, f"{fn.name}: raised {o_err!r}, but PyTorch computes a result{context}"
        assert o_err is not None, f"{fn.name}: PyTorch raises {t_err!r}, but we return a result{context}"
        return
    t_list, o_list = _outputs(theirs_lib, t_out), _outputs(ours_lib, o_out)
    if not t_list:  # a Python value (bool, number, shape)
        assert type(o_out) is type(t_out) and o_out == t_out, f"{fn.name}: {o_out!r} != PyTorch's {t_out!r}{context}"
        return
    assert len(o_list) == len(t_list), f"{fn.name}: {len(o_list)} outputs, PyTorch {len(t_list)}{context}"
    for i, (o, t) in enumerate(zip(o_list, t_list)):
        assert ours_lib.dtype(o) == theirs_lib.dtype(t), \
            f"{fn.name}: output {i} dtype {ours_lib.dtype(o)} != PyTorch's {theirs_lib.dtype(t)}{context}"
        _compare(f"value of output {i}", ours_lib.array(o), theirs_lib.array(t), fn, context)
    if fn.grad:
        _compare_derivatives(fn, rng, theirs_lib, ours_lib, t_in, o_in, t_list, o_list, context)


def _compare_derivatives(fn, rng, theirs_lib, ours_lib, t_in, o_in, t_list, o_list, context) -> None:
    float_inputs = [i for i, t in enumerate(t_in) if t.requires_grad]
    for k, (o, t) in enumerate(zip(o_list, t_list)):  # differentiable where PyTorch's is, and only there
        assert o.requires_grad == t.requires_grad, (
            f"{fn.name}: output {k} requires grad: {o.requires_grad}, PyTorch's: {t.requires_grad}{context}")
    pairs = [(o, t) for o, t in zip(o_list, t_list) if t.requires_grad]
    if not float_inputs or not pairs:
        return
    weights = [rng.standard_normal(t.shape) for _, t in pairs]
    t_inputs, o_inputs = [t_in[i] for i in float_inputs], [o_in[i] for i in float_inputs]
    t_grads, t_err = _grads(theirs_lib, [t for _, t in pairs], t_inputs, weights, True)
    o_grads, o_err = _grads(ours_lib, [o for o, _ in pairs], o_inputs, weights, True)
    if t_err is not None or o_err is not None:
        assert t_err is not None, f"{fn.name}: backward raised {o_err!r}, PyTorch's does not{context}"
        assert o_err is not None or fn.torch_backward_fails, \
            f"{fn.name}: PyTorch's backward raises {t_err!r}, ours returns a result{context}"
        return
    for k, (o, t) in enumerate(zip(o_grads, t_grads)):
        if t is None:
            assert o is None or not np.any(ours_lib.array(o)), f"{fn.name}: gradient {k} where PyTorch has none{context}"
            continue
        assert o is not None, f"{fn.name}: no gradient for input {k}, PyTorch has one{context}"
        _compare(f"first derivative for input {k}", ours_lib.array(o), theirs_lib.array(t), fn, context)
    if fn.second:
        _compare_second(fn, rng, theirs_lib, ours_lib, t_inputs, o_inputs, t_grads, o_grads, context)


def _grads(lib, outputs, inputs, weights, create_graph):
    try:
        return lib.grad(outputs, inputs, [lib.tensor(w) for w in weights], create_graph=create_graph), None
    except Exception as error:  # noqa: BLE001
        return None, error


def _compare_second(fn, rng, theirs_lib, ours_lib, t_inputs, o_inputs, t_grads, o_grads, context) -> None:
    used = [k for k, t in enumerate(t_grads) if t is not None and t.requires_grad]
    if not used:  # PyTorch's gradient is not connected to the graph: ours may be, with zero derivatives
        connected = [g for g in o_grads if g is not None and g.requires_grad]
        if connected:
            h, err = _grads(ours_lib, connected, o_inputs, [np.ones(g.shape) for g in connected], False)
            assert err is None and all(x is None or not np.any(ours_lib.array(x)) for x in h), \
                f"{fn.name}: our gradient has a nonzero derivative where PyTorch's is constant{context}"
        return
    for k in used:
        assert o_grads[k] is not None and o_grads[k].requires_grad, (
            f"{fn.name}: the derivative for input {k} is not connected to the graph (PyTorch's is), so a second "
            f"derivative is missing{context}")
    weights = [rng.standard_normal(t_grads[k].shape) for k in used]
    t_h, t_err = _grads(theirs_lib, [t_grads[k] for k in used], t_inputs, weights, False)
    if t_err is not None:  # PyTorch has no second derivative here (not implemented): nothing to compare
        return
    o_h, o_err = _grads(ours_lib, [o_grads[k] for k in used], o_inputs, weights, False)
    assert o_err is None, f"{fn.name}: second derivative raised {o_err!r}, PyTorch's does not{context}"
    for k, (o, t) in enumerate(zip(o_h, t_h)):
        if t is None:
            assert o is None or not np.any(ours_lib.array(o)), f"{fn.name}: second derivative {k} where PyTorch has none"
            continue
        theirs = theirs_lib.array(t)
        ours = np.zeros_like(theirs) if o is None else ours_lib.array(o)
        _compare(f"second derivative for input {k}", ours, theirs, fn, context)


def run_float32(data, fn: Fn, torch) -> None:
    """The output dtypes (and gradient dtypes) for float32 inputs match PyTorch's."""
    import hypothesis.strategies as st

    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    shape_list = draw_shapes(data, fn)
    arrays = [values(rng, s, d, fn.points) for s, d in zip(shape_list, fn.args)]
    kwargs = fn.kwargs(rng, shape_list) if fn.kwargs else {}
    theirs_lib, ours_lib = Lib(torch), Lib()
    _, t_out, t_err = _run(theirs_lib, fn, arrays, kwargs, False, np.float32)
    _, o_out, o_err = _run(ours_lib, fn, arrays, kwargs, False, np.float32)
    if t_err is not None or o_err is not None:
        return
    t_list, o_list = _outputs(theirs_lib, t_out), _outputs(ours_lib, o_out)
    assert [ours_lib.dtype(o) for o in o_list] == [theirs_lib.dtype(t) for t in t_list], \
        f"{fn.name}: float32 inputs give dtypes {[ours_lib.dtype(o) for o in o_list]}, PyTorch " \
        f"{[theirs_lib.dtype(t) for t in t_list]} (shapes {shape_list}, kwargs {kwargs})"

