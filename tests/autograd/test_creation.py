"""Creation functions with PyTorch's signatures, and arange/linspace/logspace values bit for bit as PyTorch's."""
import math

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")


pytestmark = pytest.mark.usefixtures("torch_float32")  # PyTorch's default dtype, restored afterwards


def _same_kind(ours, theirs):
    assert ours.shape == tuple(theirs.shape), (ours.shape, theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", ""), (ours.dtype, theirs.dtype)
    assert ours.requires_grad == theirs.requires_grad


# Calls written once and run in both libraries (`m` is autograd or torch); every one must agree on shape,
# dtype and requires_grad, and, where deterministic, on the values.
CALLS = [
    lambda m: m.zeros(2, 3), lambda m: m.zeros((2, 3)), lambda m: m.zeros([2, 3]), lambda m: m.zeros(size=(2, 3)),
    lambda m: m.zeros(()), lambda m: m.zeros(m.Size([2])), lambda m: m.zeros(2, dtype=m.int32),
    lambda m: m.zeros(2, dtype=float), lambda m: m.zeros(2, dtype=int), lambda m: m.zeros(2, dtype=bool),
    lambda m: m.ones(2, 3, requires_grad=True), lambda m: m.ones(size=[4], dtype=m.float64),
    lambda m: m.empty(2, 3), lambda m: m.empty(size=(1,)), lambda m: m.empty(3, dtype=m.int64, device="cpu"),
    lambda m: m.full((2,), 3), lambda m: m.full((2,), 3.0), lambda m: m.full((2,), True), lambda m: m.full([], 1.5),
    lambda m: m.full((2,), np.float64(2.0)), lambda m: m.full((2,), np.int32(2)), lambda m: m.full(size=(2,), fill_value=1),
    lambda m: m.full((2,), 1.5, dtype=m.int64), lambda m: m.full((2,), m.tensor(2.0, dtype=m.float64)),
    lambda m: m.rand(2, 3), lambda m: m.rand(size=(2,)), lambda m: m.rand((2, 2), dtype=m.float64),
    lambda m: m.randn(size=(3,)), lambda m: m.randn(2, requires_grad=True), lambda m: m.randn((), dtype=m.float64),
    lambda m: m.randint(5, (3,)), lambda m: m.randint(3, 5, size=(3,)), lambda m: m.randint(low=2, high=5, size=(2,)),
    lambda m: m.randint(high=5, size=(2,)), lambda m: m.randint(5, size=(2,)), lambda m: m.randint(0, 10, (2,), dtype=m.float32),
    lambda m: m.randint(0, 2, (4,), dtype=m.bool),
    lambda m: m.randperm(5), lambda m: m.randperm(5, dtype=m.float32), lambda m: m.randperm(0),
    lambda m: m.eye(3), lambda m: m.eye(2, 3), lambda m: m.eye(3, dtype=m.int64), lambda m: m.eye(0),
    lambda m: m.eye(3, requires_grad=True, device="cpu"),
    lambda m: m.zeros_like(m.zeros(2, dtype=m.int64)), lambda m: m.zeros_like(m.zeros(2), dtype=m.int64),
    lambda m: m.ones_like(m.ones(2, 3), requires_grad=True), lambda m: m.empty_like(m.zeros(2, dtype=m.int32)),
    lambda m: m.full_like(m.zeros(2, dtype=m.int64), 2.7), lambda m: m.full_like(m.zeros(3), 0.5, dtype=m.float64),
    lambda m: m.rand_like(m.zeros(2, 3)), lambda m: m.randn_like(m.zeros(2, dtype=m.float64)),
    lambda m: m.rand_like(m.zeros(2), dtype=m.float64), lambda m: m.randint_like(m.zeros(3), 5),
    lambda m: m.randint_like(m.zeros(3), 2, 5), lambda m: m.randint_like(m.zeros(3, dtype=m.int32), 3),
    lambda m: m.tensor([1, 2]), lambda m: m.tensor([1.0, 2]), lambda m: m.tensor(3, dtype=m.float32, requires_grad=True),
    lambda m: m.tensor([[1], [2]], device="cpu"), lambda m: m.tensor(np.float64(2.0)), lambda m: m.tensor(np.array([1.0])),
    lambda m: m.tensor([1, 2], dtype=float), lambda m: m.tensor([1, 2], pin_memory=False),
    lambda m: m.as_tensor([1, 2], dtype=m.float32), lambda m: m.as_tensor(np.arange(3), device="cpu"),
    lambda m: m.asarray([1, 2.5]), lambda m: m.scalar_tensor(3), lambda m: m.from_numpy(np.ones(2, "f")),
    lambda m: m.ones(2).new_zeros((2,)), lambda m: m.ones(2).new_zeros(2, 4), lambda m: m.ones(2).new_ones(3, dtype=m.int64),
    lambda m: m.ones(2).new_full((2,), 7), lambda m: m.ones(2).new_empty((1, 2)), lambda m: m.ones(2).new_tensor([1, 2]),
    lambda m: m.tensor([1, 2]).new_tensor([1.5]), lambda m: m.ones(2).new_zeros(3, requires_grad=True, device="cpu"),
]
DETERMINISTIC_VALUES = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 16, 17, 18, 19, 20, 21, 22, 23}


@pytest.mark.parametrize("index", range(len(CALLS)))
def test_creation_calls_match_torch(index):
    ours, theirs = CALLS[index](ag), CALLS[index](torch)
    _same_kind(ours, theirs)
    if index in DETERMINISTIC_VALUES:
        assert ours.tolist() == theirs.tolist()


REFUSED = [
    lambda m: m.zeros(2, size=(3,)), lambda m: m.ones(2, 3.0),
    lambda m: m.randint(5), lambda m: m.randint(2.5, (2,)), lambda m: m.full(2, 1.0), lambda m: m.rand(2, dtype=m.int64),
    lambda m: m.randn(2, dtype=m.int64), lambda m: m.rand_like(m.zeros(2, dtype=m.int64)), lambda m: m.linspace(0, 1),
    lambda m: m.arange(0, 5, 0), lambda m: m.arange(0, 1, -0.1), lambda m: m.randint(5, 3, (3,)),
    lambda m: m.zeros(2, -1), lambda m: m.zeros(2, dtype=m.int64, requires_grad=True),
    lambda m: m.arange(1, 3.5, 0.5, dtype=m.int64),
]


@pytest.mark.parametrize("index", range(len(REFUSED)))
def test_what_pytorch_refuses_is_refused(index):
    with pytest.raises((TypeError, RuntimeError, ValueError, NotImplementedError)):
        REFUSED[index](torch)
    with pytest.raises((TypeError, RuntimeError, ValueError, NotImplementedError)):
        REFUSED[index](ag)


def test_out_is_refused_with_a_clear_message():
    # PyTorch writes into `out`; here the result is returned, and out= says so rather than being ignored
    for call in (lambda: ag.arange(3, out=ag.zeros(3)), lambda: ag.zeros(2, out=ag.zeros(2)),
                 lambda: ag.randn(2, out=ag.zeros(2))):
        with pytest.raises(TypeError, match="out= is not supported"):
            call()


# --------------------------------------------------------------------------- grids, bit for bit
def _bits_equal(ours, theirs):
    theirs = theirs.numpy()
    assert ours._data.dtype == theirs.dtype and ours.shape == theirs.shape
    assert ours._data.tobytes() == theirs.tobytes(), np.flatnonzero(ours._data != theirs)[:10]


ARANGE = [(-8, 8, 0.1), (0, 1, 0.1), (0, 10, 0.3), (1.5, 40.2, 0.7), (10, 0, -3), (5,), (0.5, 5), (0, 5.5, 2),
          (-3.7, 2.9, 1 / 3), (100.0, -100.0, -0.37), (0, 0.3, 0.1), (1.0, 2.0, 0.1), (np.float32(0.1), 1.0, 0.1),
          (-1, 1, 0.001), (0, 2000, 0.25), (3,), (2.5,), (-5.0, 5.0, 0.05)]


@pytest.mark.parametrize("args", ARANGE, ids=[str(a) for a in ARANGE])
@pytest.mark.parametrize("dtype", [None, "float32", "float64", "float16", "int64", "int32"])
def test_arange_values_are_pytorchs_bit_for_bit(args, dtype):
    if dtype == "float16" and any(abs(a) > 1000 or (isinstance(a, float) and abs(a) < 0.01) for a in args):
        pytest.skip("float16 cannot hold this grid")
    kwargs = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    try:
        theirs = torch.arange(*args, **kwargs)
    except (RuntimeError, ValueError) as error:
        with pytest.raises(type(error)):
            ag.arange(*args, **({} if dtype is None else {"dtype": getattr(ag, dtype)}))
        return
    _bits_equal(ag.arange(*args, **({} if dtype is None else {"dtype": getattr(ag, dtype)})), theirs)


def test_the_grid_point_nearest_zero_has_pytorchs_sign():
    x = ag.arange(-8, 8, 0.1)
    t = torch.arange(-8, 8, 0.1)
    assert x[80].item() == t[80].item() > 0  # numpy's arange gives a negative value here
    assert (x > 0).sum().item() == (t > 0).sum().item()


LINSPACE = [(0, 1, 5), (-math.pi, math.pi, 2000), (0, 10, 7), (3, 1, 1), (0, 1, 0), (-8, 8, 161), (1e-3, 1e3, 50),
            (0, 10, 4), (2.7, -3.1, 33), (0, 1, 2), (-1, 1, 100001 // 10)]


@pytest.mark.parametrize("args", LINSPACE, ids=[str(a) for a in LINSPACE])
@pytest.mark.parametrize("dtype", [None, "float32", "float64", "float16", "int64", "int32"])
def test_linspace_values_are_pytorchs_bit_for_bit(args, dtype):
    kwargs_t = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    kwargs_o = {} if dtype is None else {"dtype": getattr(ag, dtype)}
    _bits_equal(ag.linspace(*args, **kwargs_o), torch.linspace(*args, **kwargs_t))


@pytest.mark.parametrize("args", [(0, 2, 3), (-2.5, 1.7, 40), (0, 1, 1), (1, 3, 17), (3, -3, 8)])
@pytest.mark.parametrize("base", [10.0, 2.0, math.e])
@pytest.mark.parametrize("dtype", [None, "float64", "float16", "int64"])
def test_logspace_values_are_pytorchs_bit_for_bit(args, base, dtype):
    kwargs_t = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    kwargs_o = {} if dtype is None else {"dtype": getattr(ag, dtype)}
    _bits_equal(ag.logspace(*args, base=base, **kwargs_o), torch.logspace(*args, base=base, **kwargs_t))


def test_random_grids_match_torch():
    rng = np.random.default_rng(0)
    for _ in range(60):
        start, step = float(rng.uniform(-10, 10)), float(rng.uniform(0.001, 2)) * (1 if rng.random() < 0.5 else -1)
        end = start + step * int(rng.integers(1, 5000))
        for name in ("float32", "float64"):
            _bits_equal(ag.arange(start, end, step, dtype=getattr(ag, name)),
                        torch.arange(start, end, step, dtype=getattr(torch, name)))
        a, b, n = float(rng.uniform(-100, 100)), float(rng.uniform(-100, 100)), int(rng.integers(0, 5000))
        _bits_equal(ag.linspace(a, b, n), torch.linspace(a, b, n))


def test_grids_take_tensor_bounds_and_requires_grad():
    x = ag.linspace(ag.tensor(-1.0), ag.tensor(1.0), 5, requires_grad=True)
    assert x.requires_grad and x.tolist() == torch.linspace(-1, 1, 5).tolist()
    assert ag.arange(ag.tensor(4)).tolist() == [0, 1, 2, 3] and ag.arange(end=4, start=1).tolist() == [1, 2, 3]
