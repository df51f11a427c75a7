"""The PyTorch API around the engine: the names PyTorch code uses exist here, every Tensor method PyTorch
also offers as `torch.<name>` is an `autograd.<name>`, and the device, dtype, Size, formatting and Tensor
helpers behave as PyTorch's."""
import types

import numpy as np
import pytest

import autograd as ag

# Names PyTorch programs use, gathered from pytorch/examples (mnist, word_language_model, vae, dcgan,
# time_sequence_prediction, regression, mnist_rnn, gcn, siamese_network), the official tutorials
# (blitz tensor/autograd/neural networks/cifar10, basics tensorqs/autogradqs/quickstart/buildmodel,
# examples_tensor/examples_autograd polynomials, NLP char-RNN and seq2seq, the Transformer language model)
# and small GPT and textbook code (makemore, nanoGPT, d2l). The torch.nn.functional names are nn's.
# Under the import mapping torch -> autograd, torch.X is autograd.X and torch.autograd.X is autograd.X.
TORCH_NAMES = """
tensor as_tensor asarray from_numpy zeros zeros_like ones ones_like empty empty_like full full_like rand rand_like
randn randn_like randint randint_like randperm arange linspace logspace eye normal bernoulli multinomial poisson
manual_seed seed initial_seed get_rng_state set_rng_state Generator no_grad enable_grad set_grad_enabled
is_grad_enabled inference_mode use_deterministic_algorithms device Size Tensor FloatTensor LongTensor DoubleTensor
ByteTensor BoolTensor IntTensor float32 float64 float16 bfloat16 float double half int64 int32 int16 int8 uint8 long
int bool complex64 get_default_dtype set_default_dtype set_printoptions is_tensor is_floating_point numel finfo iinfo
promote_types result_type can_cast cat concat stack hstack vstack split chunk unbind squeeze unsqueeze reshape
flatten transpose permute t movedim narrow gather index_select masked_select where nonzero take tril triu flip roll
repeat_interleave tile meshgrid broadcast_tensors einsum matmul mm bmm mv dot outer addmm baddbmm tensordot kron cross
norm abs exp log log1p log2 log10 sqrt rsqrt sin cos tan tanh sigmoid relu erf pow square clamp clip floor ceil round
trunc sign neg reciprocal add sub mul div remainder fmod maximum minimum max min amax amin argmax argmin sum mean std
var prod cumsum cumprod logsumexp softmax log_softmax topk sort argsort allclose isclose equal eq ne lt gt le ge isnan
isinf isfinite logical_and logical_or logical_not any all count_nonzero unique bincount histc diag diagonal trace lerp
addcmul addcdiv diff searchsorted bucketize std_mean var_mean median quantile atan2 nan_to_num logaddexp
contiguous_format channels_last strided grad backward Function Variable
cuda.is_available cuda.device_count cuda.manual_seed cuda.manual_seed_all cuda.empty_cache
backends.mps.is_available backends.cudnn.deterministic backends.cudnn.benchmark accelerator.is_available
accelerator.current_accelerator
""".split()

TENSOR_NAMES = """
backward grad requires_grad requires_grad_ retain_grad register_hook grad_fn is_leaf detach detach_ data item tolist
numpy size shape dim ndim ndimension numel nelement element_size dtype device is_cuda is_floating_point to cpu cuda
pin_memory get_device float double long int bool half type type_as view view_as reshape reshape_as flatten squeeze
unsqueeze permute transpose t T mT contiguous is_contiguous clone expand expand_as repeat repeat_interleave chunk
split unbind narrow index_select gather scatter scatter_ scatter_add_ index_add_ index_fill_ masked_fill masked_fill_
masked_scatter_ fill_ zero_ copy_ add_ sub_ mul_ div_ clamp_ uniform_ normal_ bernoulli_ random_ exponential_ apply_
sum mean max min argmax argmin std var norm prod cumsum abs exp log sqrt pow sigmoid tanh relu softmax log_softmax
topk sort argsort eq ne lt gt le ge all any nonzero unique multinomial new_zeros new_ones new_full new_empty new_tensor
matmul mm bmm dot sign round floor ceil data_ptr __format__ __len__ __iter__ __getitem__ __setitem__ __matmul__
__bool__ __float__ __int__ __index__ __array__
""".split()


pytestmark = pytest.mark.usefixtures("torch_float32")  # PyTorch's default dtype, restored afterwards


def _resolve(path: str):
    value = ag
    for part in path.split("."):
        value = getattr(value, part)
    return value


def test_about_two_hundred_commonly_used_pytorch_names_exist():
    assert len(TORCH_NAMES) + len(TENSOR_NAMES) >= 200
    missing = []
    for name in TORCH_NAMES:
        try:
            _resolve(name)
        except AttributeError:
            missing.append(f"autograd.{name}")
    missing += [f"autograd.Tensor.{name}" for name in TENSOR_NAMES if not hasattr(ag.Tensor, name)]
    assert not missing, f"missing: {missing}"


def test_every_tensor_method_pytorch_also_offers_as_a_function_is_a_function_here():
    torch = pytest.importorskip("torch")
    ours = {n for n in dir(ag.Tensor) if not n.startswith("_")}
    theirs = {n for n in dir(torch.Tensor) if not n.startswith("_") and n in dir(torch) and callable(getattr(torch, n))
              and not isinstance(getattr(torch, n), (types.ModuleType, type))}  # functions: not torch.cpu (a module),
    # torch.dtype (a type) or torch.float (a dtype)
    shared = ours & theirs
    assert len(shared) > 250  # the comparison covers most of the API
    missing = sorted(n for n in shared if not callable(getattr(ag, n, None)))
    assert not missing, f"Tensor methods PyTorch also has as torch.<name> but autograd does not: {missing}"


def test_the_function_and_the_method_agree():
    x = ag.tensor([[0.5, -1.5, 2.0], [3.0, -0.25, 1.0]])
    for name in ("cumprod", "logcumsumexp", "cummax", "diff", "roll", "nansum", "sinc", "frac"):
        args = {"roll": (1,), "cumprod": (1,), "logcumsumexp": (1,), "cummax": (1,)}.get(name, ())
        by_function, by_method = getattr(ag, name)(x, *args), getattr(x, name)(*args)
        first = by_function[0] if isinstance(by_function, tuple) else by_function
        second = by_method[0] if isinstance(by_method, tuple) else by_method
        np.testing.assert_array_equal(first._data, second._data)
    y = x.clone()
    assert ag.relu_(y) is y and (y._data >= 0).all()
    assert ag.numel(x) == 6 and ag.is_floating_point(x) and not ag.is_floating_point(ag.tensor([1]))


# --------------------------------------------------------------------------- devices
def test_device_objects_behave_as_torch_device():
    torch = pytest.importorskip("torch")
    for args in [("cpu",), ("cpu", 0), ("cpu:0",), ("cuda",), ("cuda:1",), ("cuda", 2), ("mps",), ("meta",)]:
        ours, theirs = ag.device(*args), torch.device(*args)
        assert (ours.type, ours.index, str(ours), repr(ours)) == (theirs.type, theirs.index, str(theirs), repr(theirs))
    assert ag.device("cpu") == ag.device(ag.device("cpu")) and ag.device("cpu") != ag.device("cpu", 0)
    assert ag.device("cpu:0") == ag.device("cpu", 0)
    assert ag.device("cpu") == "cpu" and hash(ag.device("cpu")) == hash("cpu")  # kept from the old string device
    assert {ag.device("cpu"): 1}["cpu"] == 1
    for bad in ("gpu", "CPU", "cpu:-1", "cpu:x"):
        with pytest.raises(RuntimeError):
            torch.device(bad)
        with pytest.raises(RuntimeError):
            ag.device(bad)
    with pytest.raises(RuntimeError, match="CPU"):
        ag.device(0)


def test_tensors_live_on_the_cpu_and_refuse_other_devices_with_one_clear_error():
    x = ag.randn(2, 3)
    assert x.device == ag.device("cpu") and x.device.type == "cpu" and x.device == "cpu"
    assert x.is_cuda is False and x.get_device() == -1 and x.cpu() is x and x.pin_memory() is x
    for use in (lambda: x.cuda(), lambda: x.to("cuda"), lambda: x.to("cuda:0", ag.float64), lambda: x.to(1),
                lambda: x.to(device=ag.device("mps")), lambda: ag.zeros(2, device="cuda"),
                lambda: ag.tensor([1.0], device="cuda:0"), lambda: ag.ones_like(x, device="cuda"),
                lambda: x.new_zeros(2, device="cuda"), lambda: ag.Tensor(2, 3, device="cuda"),
                lambda: ag.Generator(device="cuda"), lambda: x.type("torch.cuda.FloatTensor")):
        with pytest.raises(RuntimeError, match="runs on the CPU only"):
            use()
    assert ag.cuda.is_available() is False and ag.cuda.device_count() == 0
    assert ag.backends.mps.is_available() is False and ag.accelerator.is_available() is False
    assert ag.accelerator.current_accelerator() is None
    ag.cuda.manual_seed_all(0)  # nothing to seed, as PyTorch without a GPU
    with pytest.raises(RuntimeError, match="CPU only"):
        ag.cuda.synchronize()
    import autograd.backends.cudnn as cudnn

    cudnn.deterministic = True  # seeding code sets it; nothing here reads it
    assert ag.backends.cudnn.deterministic is True
    cudnn.deterministic = False


def test_tensor_to_follows_pytorchs_overloads():
    torch = pytest.importorskip("torch")
    other = (ag.ones(1, dtype=ag.int32), torch.ones(1, dtype=torch.int32))
    calls = [
        ((ag.float64,), (torch.float64,), {}), (("cpu",), ("cpu",), {}), (("cpu", ag.float64), ("cpu", torch.float64), {}),
        ((other[0],), (other[1],), {}), ((ag.float64, True, True), (torch.float64, True, True), {}),
        (("cpu", ag.int64, False, True), ("cpu", torch.int64, False, True), {}),
        ((), (), {"dtype": "float16", "device": "cpu"}), ((ag.device("cpu"),), (torch.device("cpu"),), {"non_blocking": True}),
        ((), (), {"memory_format": "preserve"}),
    ]
    for ours_args, their_args, kwargs in calls:
        their_kwargs = dict(kwargs)
        if their_kwargs.get("dtype") == "float16":
            their_kwargs["dtype"] = torch.float16
        if "memory_format" in kwargs:
            kwargs, their_kwargs = {"memory_format": ag.preserve_format}, {"memory_format": torch.preserve_format}
        ours = ag.ones(2).to(*ours_args, **kwargs)
        theirs = torch.ones(2).to(*their_args, **their_kwargs)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    x = ag.ones(2)
    assert x.to(ag.float32) is x and x.to("cpu") is x and x.to(ag.float32, copy=True) is not x
    for bad in [lambda: x.to(ag.float64, "cpu"), lambda: x.to("cpu", "cpu"), lambda: x.to("float64")]:
        with pytest.raises((TypeError, RuntimeError)):
            bad()


def test_speed_only_keywords_are_accepted_and_other_layouts_refused():
    x = ag.empty(2, 3, memory_format=ag.contiguous_format, pin_memory=True, layout=ag.strided, device="cpu")
    assert x.shape == (2, 3)
    assert ag.zeros_like(x, memory_format=ag.preserve_format).shape == (2, 3)
    assert x.to("cpu", non_blocking=True) is x and x.contiguous(memory_format=ag.channels_last) is x
    with pytest.raises(NotImplementedError, match="layout"):
        ag.zeros(2, layout="sparse")


# --------------------------------------------------------------------------- Size, dtypes, formatting
def test_size_is_a_tuple_with_numel_as_torch_size():
    x = ag.zeros(2, 3, 4)
    assert isinstance(x.shape, ag.Size) and isinstance(x.size(), tuple) and x.size() == (2, 3, 4)
    assert x.size().numel() == 24 and x.shape.numel() == x.numel() and ag.Size([]).numel() == 1
    assert ag.Size([2, 3]) == (2, 3) and x.size(-1) == 4 and ag.zeros(ag.Size([2, 5])).shape == (2, 5)
    with pytest.raises(TypeError):
        ag.Size([2.5])


def test_finfo_iinfo_and_dtype_names_match_torch():
    torch = pytest.importorskip("torch")
    for name in ("float16", "float32", "float64"):
        ours, theirs = ag.finfo(getattr(ag, name)), torch.finfo(getattr(torch, name))
        for attribute in ("eps", "max", "min", "tiny", "smallest_normal", "resolution", "bits"):
            assert getattr(ours, attribute) == getattr(theirs, attribute), (name, attribute)
    assert ag.finfo().eps == torch.finfo().eps
    for name in ("uint8", "int8", "int16", "int32", "int64"):
        assert (ag.iinfo(getattr(ag, name)).max, ag.iinfo(getattr(ag, name)).min) == \
            (torch.iinfo(getattr(torch, name)).max, torch.iinfo(getattr(torch, name)).min)
    assert ag.long == ag.int64 and ag.float == ag.float32 and ag.double == ag.float64 and ag.half == ag.float16
    with pytest.raises(TypeError, match="bfloat16"):
        ag.zeros(2, dtype=ag.bfloat16)
    assert ag.zeros(2, dtype=float).dtype == np.float64 and ag.zeros(2, dtype=int).dtype == np.int64  # as PyTorch


def test_format_is_pytorchs():
    torch = pytest.importorskip("torch")
    cases = [(3.14159, ".2f"), (3.14159, "+.3f"), (2.5, ""), (7, "05d"), (7, ".2f"), (True, ""), (1e-7, ".3e"),
             (-0.5, ">10.2f")]
    for value, spec in cases:
        assert format(ag.tensor(value), spec) == format(torch.tensor(value), spec), (value, spec)
    loss = ag.tensor(0.123456, requires_grad=True) * 2
    assert f"step 3: loss {loss:.4f}" == "step 3: loss 0.2469"
    assert format(ag.tensor([1.0, 2.0]), "") == str(ag.tensor([1.0, 2.0]))
    for value in ([2.5], [[2.5]], [1.0, 2.0]):  # PyTorch formats only 0-d tensors with a spec
        with pytest.raises(TypeError):
            format(torch.tensor(value), ".2f")
        with pytest.raises(TypeError):
            format(ag.tensor(value), ".2f")


def test_set_printoptions_changes_printing():
    x = ag.tensor([1.123456, 2.5])
    try:
        ag.set_printoptions(precision=2)
        assert str(x) == "tensor([1.12, 2.50])"
        ag.set_printoptions(sci_mode=True)
        assert "e+00" in str(x)
        ag.set_printoptions(profile="default", sci_mode=None)
        assert str(x) == "tensor([1.1235, 2.5000])"
        ag.set_printoptions(threshold=5, edgeitems=2)
        assert "..." in str(ag.arange(100))
    finally:
        ag.set_printoptions(profile="default", sci_mode=None)
    assert "..." not in str(ag.arange(100))


# --------------------------------------------------------------------------- Tensor helpers
def test_tensor_helpers_match_torch():
    torch = pytest.importorskip("torch")
    for lib in (ag, torch):
        x = lib.ones(2, 3, dtype=lib.float64)
        assert (x.element_size(), x.nelement(), x.ndimension(), x.is_floating_point()) == (8, 6, 2, True)
        assert x.type() == "torch.DoubleTensor" and x.type(lib.float32).dtype == lib.float32
        assert x.type("torch.LongTensor").dtype == lib.int64 and x.int().type() == "torch.IntTensor"
        assert x.type(lib.FloatTensor).dtype == lib.float32
        w = lib.ones(2, requires_grad=True)
        assert np.array_equal(w.numpy(force=True), [1.0, 1.0])
        with pytest.raises(RuntimeError):
            w.numpy()
        y = w * 2
        assert y.detach_() is y and not y.requires_grad and y.grad_fn is None
        assert lib.tensor([1.5, 2.0]).apply_(lambda v: v * 2).tolist() == [3.0, 4.0]
        assert lib.is_nonzero(lib.tensor([3])) and lib.tensor(2.5).item() == 2.5
        for bad in (lib.tensor([1, 2]), lib.tensor([])):
            with pytest.raises(RuntimeError):
                lib.is_nonzero(bad)
    with pytest.raises(NotImplementedError, match="shared"):
        ag.ones(2).share_memory_()
    with pytest.raises(NotImplementedError, match="storage"):
        ag.ones(2).storage()
    x = ag.arange(6.0)
    assert x[2:].data_ptr() - x.data_ptr() == 2 * x.element_size()


def test_legacy_constructors_and_variable_match_torch():
    torch = pytest.importorskip("torch")
    uninitialised = [lambda m: m.Tensor(2, 3), lambda m: m.Tensor(), lambda m: m.Tensor(m.Size([2, 1])),
                     lambda m: m.FloatTensor(3), lambda m: m.Tensor(np.int64(3))]  # sizes: only shapes compare
    from_data = [lambda m: m.Tensor([1, 2]), lambda m: m.Tensor(np.array([1, 2])), lambda m: m.Tensor(np.zeros(2)),
                 lambda m: m.Tensor([[True, False]]), lambda m: m.Tensor(m.tensor([1, 2])),
                 lambda m: m.LongTensor([1.7, 2]), lambda m: m.DoubleTensor(np.zeros(2, "f")),
                 lambda m: m.BoolTensor([1, 0]), lambda m: m.ByteTensor([3])]
    for case in uninitialised + from_data:
        ours, theirs = case(ag), case(torch)
        assert ours.shape == tuple(theirs.shape) and str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        if case in from_data:
            assert ours.tolist() == theirs.tolist()
    for bad in (lambda m: m.Tensor(3.5), lambda m: m.Tensor(True), lambda m: m.LongTensor(m.tensor([1.5]))):
        with pytest.raises(TypeError):
            bad(torch)
        with pytest.raises(TypeError):
            bad(ag)
    with pytest.raises(RuntimeError):
        ag.Tensor(-1)
    assert isinstance(ag.ones(2), ag.FloatTensor) and not isinstance(ag.ones(2), ag.LongTensor)
    t = ag.ones(2)
    v = ag.Variable(t, requires_grad=True)
    assert v.requires_grad and not t.requires_grad and np.shares_memory(v._data, t._data)
    assert isinstance(t, ag.Variable) and not ag.Variable(t).requires_grad and ag.Variable().shape == (0,)
    with pytest.raises(TypeError, match="tensor"):
        ag.Variable([1.0])
    with pytest.warns(UserWarning, match="volatile"):
        ag.Variable(t, volatile=True)


def test_generators_are_torch_style_and_numpy_compatible():
    g = ag.Generator()
    assert g.manual_seed(42) is g and g.initial_seed() == 42 and g.device == "cpu"
    first = ag.randn(3, generator=g)._data
    g.manual_seed(42)
    np.testing.assert_array_equal(ag.randn(3, generator=g)._data, first)
    state = g.get_state()
    a = ag.rand(2, generator=g)._data
    g.set_state(state)
    np.testing.assert_array_equal(ag.rand(2, generator=g)._data, a)
    assert isinstance(g, np.random.Generator)  # usable wherever numpy's generator is
    assert ag.manual_seed(3) is ag.default_generator() and ag.initial_seed() == 3
    ag.manual_seed(-1)  # PyTorch accepts negative seeds (they wrap)
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="autograd.Generator"):
        ag.rand(2, generator=torch.Generator())
    for draw in (lambda gen: ag.randint(0, 9, (4,), generator=gen), lambda gen: ag.randperm(5, generator=gen),
                 lambda gen: ag.multinomial(ag.ones(4), 2, generator=gen), lambda gen: ag.normal(0.0, 1.0, (2,), generator=gen),
                 lambda gen: ag.zeros(3).uniform_(generator=gen), lambda gen: ag.bernoulli(ag.full((3,), 0.5), generator=gen)):
        np.testing.assert_array_equal(draw(ag.Generator().manual_seed(5))._data, draw(ag.Generator().manual_seed(5))._data)
