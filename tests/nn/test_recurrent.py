"""RNN, LSTM, GRU and their cells (nn/layers/recurrent.py): parameter names and shapes, the gate equations
written out by hand, shapes for every layout, derivatives through several time steps, errors."""
import numpy as np
import pytest

import autograd
from autograd import gradcheck, gradgradcheck
from nn.layers.recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell


def _t(*shape, seed=0, requires_grad=True, dtype=np.float64):
    return autograd.tensor(np.random.default_rng(seed).standard_normal(shape).astype(dtype), requires_grad=requires_grad)


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def test_parameter_names_shapes_and_init():
    lstm = LSTM(3, 5, num_layers=2, bidirectional=True)
    shapes = {n: p.shape for n, p in lstm.named_parameters()}
    assert shapes["weight_ih_l0"] == (20, 3) and shapes["weight_hh_l0"] == (20, 5)
    assert shapes["weight_ih_l1_reverse"] == (20, 10) and shapes["bias_hh_l1_reverse"] == (20,)
    assert len(shapes) == 16
    assert GRU(3, 5).weight_ih_l0.shape == (15, 3) and RNN(3, 5, bias=False).weight_hh_l0.shape == (5, 5)
    assert [n for n, _ in RNN(3, 5, bias=False).named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    bound = 1 / np.sqrt(5)
    assert all(np.abs(p._data).max() <= bound for p in lstm.parameters())
    assert [n for n, _ in LSTMCell(3, 4).named_parameters()] == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    assert GRUCell(3, 4).weight_hh.shape == (12, 4)


def _manual_lstm(lstm, x, h, c):
    w_ih, w_hh, b_ih, b_hh = (getattr(lstm, n + "_l0")._data for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    outs = []
    for t in range(x.shape[0]):
        gates = x[t] @ w_ih.T + b_ih + h @ w_hh.T + b_hh
        i, f, g, o = np.split(gates, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        outs.append(h)
    return np.stack(outs), h, c


def _manual_gru(gru, x, h):
    w_ih, w_hh, b_ih, b_hh = (getattr(gru, n + "_l0")._data for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    outs = []
    for t in range(x.shape[0]):
        xr, xz, xn = np.split(x[t] @ w_ih.T + b_ih, 3, axis=-1)
        hr, hz, hn = np.split(h @ w_hh.T + b_hh, 3, axis=-1)
        r, z = sigmoid(xr + hr), sigmoid(xz + hz)
        n = np.tanh(xn + r * hn)  # b_hn inside r ⊙ (...)
        h = (1 - z) * n + z * h
        outs.append(h)
    return np.stack(outs), h


def test_lstm_and_gru_follow_pytorch_gate_equations():
    x, h0, c0 = _t(4, 2, 3, requires_grad=False), _t(1, 2, 5, seed=1), _t(1, 2, 5, seed=2)
    lstm = LSTM(3, 5).double()
    out, (h, c) = lstm(x, (h0, c0))
    ref_out, ref_h, ref_c = _manual_lstm(lstm, x._data, h0._data[0], c0._data[0])
    np.testing.assert_allclose(out._data, ref_out, atol=1e-12)
    np.testing.assert_allclose(h._data[0], ref_h, atol=1e-12)
    np.testing.assert_allclose(c._data[0], ref_c, atol=1e-12)
    gru = GRU(3, 5).double()
    out, h = gru(x, h0)
    ref_out, ref_h = _manual_gru(gru, x._data, h0._data[0])
    np.testing.assert_allclose(out._data, ref_out, atol=1e-12)
    np.testing.assert_allclose(h._data[0], ref_h, atol=1e-12)
    rnn = RNN(3, 5, nonlinearity="relu").double()
    out, _ = rnn(x)
    manual = np.zeros((2, 5))
    for t in range(4):
        manual = np.maximum(0, x._data[t] @ rnn.weight_ih_l0._data.T + rnn.bias_ih_l0._data
                            + manual @ rnn.weight_hh_l0._data.T + rnn.bias_hh_l0._data)
    np.testing.assert_allclose(out._data[-1], manual, atol=1e-12)


def test_shapes_batch_first_bidirectional_unbatched():
    x = _t(2, 7, 3, dtype=np.float32)  # batch_first: (N, L, H_in)
    gru = GRU(3, 4, num_layers=3, batch_first=True, bidirectional=True)
    out, h = gru(x)
    assert out.shape == (2, 7, 8) and h.shape == (6, 2, 4) and out.dtype == np.float32
    # the final states are the last forward step and the first backward step
    np.testing.assert_allclose(h._data[4], out._data[:, -1, :4])
    np.testing.assert_allclose(h._data[5], out._data[:, 0, 4:])
    lstm = LSTM(3, 4)
    out, (h, c) = lstm(x[0])  # unbatched (L, H_in)
    assert out.shape == (7, 4) and h.shape == (1, 4) and c.shape == (1, 4)
    out2, _ = lstm(x[0].unsqueeze(1))
    np.testing.assert_allclose(out._data, out2._data[:, 0], rtol=1e-6)
    cell = LSTMCell(3, 4)
    h, c = cell(x[0, 0])
    assert h.shape == (4,) and c.shape == (4,)


def test_cells_match_one_step_of_the_layer():
    x = _t(1, 2, 3, requires_grad=False)
    for layer_cls, cell_cls in ((RNN, RNNCell), (GRU, GRUCell), (LSTM, LSTMCell)):
        layer, cell = layer_cls(3, 4).double(), cell_cls(3, 4).double()
        cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})
        out = layer(x)[0][0]
        step = cell(x[0])
        np.testing.assert_allclose(out._data, (step[0] if isinstance(step, tuple) else step)._data, atol=1e-12)


@pytest.mark.parametrize("make,state", [
    (lambda: RNN(2, 2, num_layers=2, bidirectional=True).double(), lambda: _t(4, 1, 2, seed=5)),
    (lambda: LSTM(2, 2, batch_first=True).double(), lambda: (_t(1, 1, 2, seed=5), _t(1, 1, 2, seed=6))),
    (lambda: GRU(2, 2, num_layers=2).double(), lambda: _t(2, 1, 2, seed=5)),
])
def test_layers_pass_gradcheck_through_three_steps(make, state):
    autograd.manual_seed(0)
    layer = make()
    x, hx = _t(3, 1, 2) if not layer.batch_first else _t(1, 3, 2), state()  # three time steps
    params = list(layer.parameters())
    states = list(hx) if isinstance(hx, tuple) else [hx]
    fn = lambda x, *rest: layer(x, tuple(rest[:2]) if isinstance(hx, tuple) else rest[0])[0]
    assert gradcheck(fn, (x, *states, *params))
    # second order by random projections (fast_mode): the full check of every parameter pair takes ~10 s per layer;
    # the cells below get the full second-order check
    assert gradgradcheck(fn, (x, *states, *params), fast_mode=True)


@pytest.mark.parametrize("cell_cls", [RNNCell, GRUCell, LSTMCell])
def test_cells_pass_gradcheck(cell_cls):
    cell = cell_cls(2, 3).double()
    x, h = _t(2, 2), _t(2, 3, seed=1)
    if cell_cls is LSTMCell:
        fn = lambda x, h, *ps: cell(x, (h, h * 0.5))[1]  # c' depends on everything
    else:
        fn = lambda x, h, *ps: cell(x, h)
    assert gradcheck(fn, (x, h, *cell.parameters()))
    assert gradgradcheck(fn, (x, h, *cell.parameters()))


def test_dropout_between_layers_only_in_training():
    autograd.manual_seed(0)
    lstm = LSTM(3, 4, num_layers=2, dropout=0.5)
    x = _t(5, 2, 3, dtype=np.float32)
    a, b = lstm(x)[0], lstm(x)[0]
    assert not np.allclose(a._data, b._data)
    lstm.eval()
    np.testing.assert_array_equal(lstm(x)[0]._data, lstm(x)[0]._data)


@pytest.mark.parametrize("call,match", [
    (lambda: LSTM(3, 4)(_t(5, 2, 4)), "expected input_size=3"),
    (lambda: GRU(3, 4)(_t(5, 2, 3), _t(2, 2, 4)), r"expected hx of shape \(1, 2, 4\)"),
    (lambda: LSTM(3, 4)(_t(5, 2, 3), _t(1, 2, 4)), r"tuple \(h_0, c_0\)"),
    (lambda: RNN(3, 4)(_t(5, 3)[None, None]), "expected input of shape"),
    (lambda: RNN(3, 4, nonlinearity="sigmoid"), "unknown nonlinearity"),
    (lambda: GRUCell(3, 4)(_t(2, 3), _t(3, 4)), r"expected hx of shape \(2, 4\)"),
])
def test_errors(call, match):
    with pytest.raises((RuntimeError, ValueError, TypeError), match=match):
        call()
