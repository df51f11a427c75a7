"""nn.utils.rnn (pad_sequence, pack_padded_sequence, pad_packed_sequence, pack_sequence, PackedSequence) and
RNN/LSTM/GRU on packed input, against PyTorch: packed layouts, padded outputs, final states and gradients
for unsorted lengths, every direction/layer/layout combination, and given initial states."""
import numpy as np
import pytest

import autograd as ag
import nn
from autograd import gradcheck, gradgradcheck
from nn.utils.rnn import (
    PackedSequence,
    pack_padded_sequence,
    pack_sequence,
    pad_packed_sequence,
    pad_sequence,
    unpack_sequence,
    unpad_sequence,
)

torch = pytest.importorskip("torch")
trnn = torch.nn.utils.rnn


pytestmark = pytest.mark.usefixtures("torch_float64")  # PyTorch's default dtype, restored afterwards


def _sequences(lengths, features=2, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((n, features)) for n in lengths]


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence(batch_first, padding_side):
    arrays = _sequences([3, 5, 1])
    ours = pad_sequence([ag.tensor(a) for a in arrays], batch_first, -1.0, padding_side)
    theirs = trnn.pad_sequence([torch.tensor(a) for a in arrays], batch_first, -1.0, padding_side)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    assert [t.shape[0] for t in unpad_sequence(ours, [3, 5, 1], batch_first)] == [3, 5, 1] or padding_side == "left"


@pytest.mark.parametrize("enforce_sorted, lengths", [(True, [5, 3, 3, 1]), (False, [3, 5, 1, 3]),
                                                     (False, [2, 2, 2])])
@pytest.mark.parametrize("batch_first", [False, True])
def test_pack_and_unpack_match_torch_with_gradients(enforce_sorted, lengths, batch_first):
    padded = trnn.pad_sequence([torch.tensor(a) for a in _sequences(lengths)], batch_first=batch_first).numpy()
    ours_x, their_x = ag.tensor(padded, requires_grad=True), torch.tensor(padded, requires_grad=True)
    ours = pack_padded_sequence(ours_x, ag.tensor(lengths), batch_first, enforce_sorted)
    theirs = trnn.pack_padded_sequence(their_x, torch.tensor(lengths), batch_first, enforce_sorted)
    np.testing.assert_array_equal(ours.data.detach().numpy(), theirs.data.detach().numpy())
    assert ours.batch_sizes.tolist() == theirs.batch_sizes.tolist() and ours.batch_sizes.dtype == np.int64
    for mine, torch_one in ((ours.sorted_indices, theirs.sorted_indices), (ours.unsorted_indices,
                                                                           theirs.unsorted_indices)):
        assert (mine is None and torch_one is None) or mine.tolist() == torch_one.tolist()
    ours_padded, ours_lengths = pad_packed_sequence(ours, batch_first, padding_value=7.0, total_length=6)
    their_padded, their_lengths = trnn.pad_packed_sequence(theirs, batch_first, padding_value=7.0, total_length=6)
    np.testing.assert_array_equal(ours_padded.detach().numpy(), their_padded.detach().numpy())
    assert ours_lengths.tolist() == their_lengths.tolist()
    g = np.random.default_rng(1).standard_normal(ours_padded.shape)
    (ours_padded * ag.tensor(g)).sum().backward()
    (their_padded * torch.tensor(g)).sum().backward()
    np.testing.assert_array_equal(ours_x.grad.numpy(), their_x.grad.numpy())


def test_pack_sequence_round_trip_derivatives_and_errors():
    arrays = _sequences([2, 4, 3])
    packed = pack_sequence([ag.tensor(a) for a in arrays], enforce_sorted=False)
    assert isinstance(packed, PackedSequence) and packed.data.shape == (9, 2)
    for ours, expected in zip(unpack_sequence(packed), arrays):
        np.testing.assert_array_equal(ours.numpy(), expected)
    x = ag.tensor(np.random.default_rng(2).standard_normal((4, 3, 2)), requires_grad=True)
    round_trip = lambda t: pad_packed_sequence(pack_padded_sequence(t, [2, 4, 1], enforce_sorted=False))[0] ** 2
    assert gradcheck(round_trip, (x,)) and gradgradcheck(round_trip, (x,))
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order"):
        pack_padded_sequence(x, [2, 4, 1])
    with pytest.raises(RuntimeError, match="greater than 0"):
        pack_padded_sequence(x, [2, 0, 1], enforce_sorted=False)
    with pytest.raises(ValueError, match="total_length to be at least"):
        pad_packed_sequence(pack_padded_sequence(x, [4, 2, 1]), total_length=3)
    assert packed.to(ag.float32).data.dtype == np.float32 and packed.double() is not packed and not packed.is_cuda


CASES = [(cls, bidirectional, layers, batch_first) for cls in ("RNN", "GRU", "LSTM") for bidirectional in (False, True)
         for layers, batch_first in ((1, False), (2, True))]


@pytest.mark.parametrize("cls, bidirectional, layers, batch_first", CASES,
                         ids=[f"{c}-bi{int(b)}-{n}layer-bf{int(f)}" for c, b, n, f in CASES])
def test_recurrent_layers_on_packed_input_match_torch(cls, bidirectional, layers, batch_first):
    theirs = getattr(torch.nn, cls)(3, 4, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
    ours = getattr(nn, cls)(3, 4, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    rng = np.random.default_rng(3)
    lengths = [3, 5, 2, 5, 1]
    x = rng.standard_normal((5, 5, 3))
    states = [rng.standard_normal((layers * (2 if bidirectional else 1), 5, 4)) for _ in range(2)]
    xo, xt = ag.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    h0o = (ag.tensor(states[0]), ag.tensor(states[1])) if cls == "LSTM" else ag.tensor(states[0])
    h0t = (torch.tensor(states[0]), torch.tensor(states[1])) if cls == "LSTM" else torch.tensor(states[0])
    out_o, h_o = ours(pack_padded_sequence(xo, lengths, batch_first, enforce_sorted=False), h0o)
    out_t, h_t = theirs(trnn.pack_padded_sequence(xt, lengths, batch_first, enforce_sorted=False), h0t)
    assert isinstance(out_o, PackedSequence) and out_o.batch_sizes.tolist() == out_t.batch_sizes.tolist()
    np.testing.assert_allclose(out_o.data.detach().numpy(), out_t.data.detach().numpy(), rtol=1e-12, atol=1e-14)
    padded_o, _ = pad_packed_sequence(out_o, batch_first)
    padded_t, _ = trnn.pad_packed_sequence(out_t, batch_first)
    finals_o, finals_t = (h_o if cls == "LSTM" else (h_o,)), (h_t if cls == "LSTM" else (h_t,))
    for a, b in zip(finals_o, finals_t):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-12, atol=1e-14)
    g = rng.standard_normal(padded_o.shape)
    ((padded_o * ag.tensor(g)).sum() + sum((h ** 2).sum() for h in finals_o)).backward()
    ((padded_t * torch.tensor(g)).sum() + sum((h ** 2).sum() for h in finals_t)).backward()
    np.testing.assert_allclose(xo.grad.numpy(), xt.grad.numpy(), rtol=1e-11, atol=1e-13)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-11, atol=1e-13, err_msg=name)


def test_packed_input_without_initial_state_and_errors():
    lstm = nn.LSTM(2, 3).double()
    packed = pack_sequence([ag.tensor(a) for a in _sequences([4, 2])])
    out, (h, c) = lstm(packed)
    assert h.shape == c.shape == (1, 2, 3)
    padded, _ = pad_packed_sequence(out)
    np.testing.assert_allclose(h[0, 1].detach().numpy(), padded[1, 1].detach().numpy())  # its own last step
    with pytest.raises(ValueError, match="input_size=5"):
        nn.GRU(5, 3).double()(packed)
