"""Recurrent layers: `RNN` (tanh/relu), `LSTM`, `GRU` and their single-step cells.

PyTorch's layouts, so state dicts carry across: per layer k and direction, weight_ih_l{k}
(gates·H, input), weight_hh_l{k} (gates·H, H), bias_ih_l{k}, bias_hh_l{k}, "_reverse" for the
backward direction; LSTM gates stacked (i, f, g, o), GRU gates (r, z, n) with
n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)). All initialised U(−1/√H, 1/√H).

A layer projects the inputs of all time steps with one matmul, then loops over time
(a loop over steps, not elements) with differentiable Tensor ops, so gradients of
any order flow through the whole sequence (backpropagation through time).

The sequence models also take a `PackedSequence` (nn.utils.rnn): at step t only the first
batch_sizes[t] sequences (sorted longest first) are advanced, a sequence's final state is its
state after its own last step, and the backward direction starts each sequence at its own end,
as PyTorch's packed kernels do. States given and returned are in the original batch order.
"""
from __future__ import annotations

import math

from autograd.creation import empty, zeros
from autograd.ops.shape import cat, stack
from autograd.tensor import Tensor

from .. import init
from .._device import check_device
from ..functional.dropout import dropout
from ..module import Module
from ..parameter import Parameter

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


# --------------------------------------------------------------------------- one time step
# `xw` is the input's projection W_ih·x + b_ih for this step (computed for all steps at once).
def _rnn_step(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh, relu: bool) -> Tensor:
    """h' = act(W_ih x + b_ih + W_hh h + b_hh)."""
    pre = xw + h @ w_hh.mT
    if b_hh is not None:
        pre = pre + b_hh
    return pre.relu() if relu else pre.tanh()


def _lstm_step(xw: Tensor, h: Tensor, c: Tensor, w_hh: Tensor, b_hh) -> tuple[Tensor, Tensor]:
    """gates = W_ih x + b_ih + W_hh h + b_hh split (i, f, g, o); c' = f⊙c + i⊙g; h' = o⊙tanh(c')."""
    gates = xw + h @ w_hh.mT
    if b_hh is not None:
        gates = gates + b_hh
    size = h.shape[-1]
    act = gates.sigmoid()  # one op for i, f and o (the g quarter is unused)
    i, f, o = act[..., :size], act[..., size:2 * size], act[..., 3 * size:]
    g = gates[..., 2 * size:3 * size].tanh()
    c = f * c + i * g
    return o * c.tanh(), c


def _gru_step(xw: Tensor, h: Tensor, w_hh: Tensor, b_hh) -> Tensor:
    """r, z = σ(W_i{r,z} x + b_i + W_h{r,z} h + b_h); n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)); h' = (1−z)⊙n + z⊙h."""
    hw = h @ w_hh.mT
    if b_hh is not None:
        hw = hw + b_hh
    size = h.shape[-1]
    rz = (xw[..., :2 * size] + hw[..., :2 * size]).sigmoid()
    r, z = rz[..., :size], rz[..., size:]
    n = (xw[..., 2 * size:] + r * hw[..., 2 * size:]).tanh()
    return n + z * (h - n)


# --------------------------------------------------------------------------- multi-layer sequence models
class RNNBase(Module):
    """Shared by RNN, LSTM and GRU: parameters, argument checks, the layer/direction/time loops."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None):
        super().__init__()
        check_device(device, type(self).__name__)
        name = type(self).__name__
        if not isinstance(hidden_size, int) or hidden_size < 1 or not isinstance(num_layers, int) or num_layers < 1:
            raise ValueError(f"{name}: hidden_size and num_layers must be positive ints, got {hidden_size}, {num_layers}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must be in [0, 1], got {dropout}")
        if proj_size:
            raise NotImplementedError(f"{name}: proj_size is not supported")
        self.mode, self.input_size, self.hidden_size, self.num_layers = mode, input_size, hidden_size, num_layers
        self.bias, self.batch_first, self.dropout, self.bidirectional = bias, batch_first, float(dropout), bidirectional
        self.proj_size = 0
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for suffix in ("", "_reverse")[:directions]:
                shapes = {"weight_ih": (gate_size, layer_input), "weight_hh": (gate_size, hidden_size)}
                if bias:
                    shapes.update(bias_ih=(gate_size,), bias_hh=(gate_size,))
                for kind, shape in shapes.items():
                    name_ = f"{kind}_l{layer}{suffix}"
                    setattr(self, name_, Parameter(empty(*shape, dtype=dtype)))
                    self._flat_weights_names.append(name_)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _weights(self, layer: int, direction: int) -> tuple:
        suffix = "_reverse" if direction else ""
        get = lambda kind: getattr(self, f"{kind}_l{layer}{suffix}")  # noqa: E731
        return (get("weight_ih"), get("weight_hh"),
                get("bias_ih") if self.bias else None, get("bias_hh") if self.bias else None)

    def _check_input(self, input: Tensor, hx) -> tuple[Tensor, bool]:
        name = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}: input must be a Tensor, got {type(input).__name__}")
        if input.ndim not in (2, 3):
            layout = "(N, L, H_in)" if self.batch_first else "(L, N, H_in)"
            raise ValueError(f"{name}: expected input of shape {layout} or unbatched (L, H_in), got {tuple(input.shape)}")
        if input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: input of shape {tuple(input.shape)} has {input.shape[-1]} features in its last "
                             f"dimension; expected input_size={self.input_size}")
        unbatched = input.ndim == 2
        if unbatched:
            input = input.unsqueeze(1)
        elif self.batch_first:
            input = input.transpose(0, 1)
        return input, unbatched

    def _initial_state(self, hx, batch: int, unbatched: bool, dtype, what: str = "hx") -> Tensor:
        directions = 2 if self.bidirectional else 1
        expected = (self.num_layers * directions, batch, self.hidden_size)
        if hx is None:
            return zeros(*expected, dtype=dtype)
        if unbatched:
            if hx.ndim != 2:
                raise RuntimeError(f"{type(self).__name__}: for unbatched input, {what} should be 2-D "
                                   f"{expected[::2]}, got shape {tuple(hx.shape)}")
            hx = hx.unsqueeze(1)
        if tuple(hx.shape) != expected:
            raise RuntimeError(f"{type(self).__name__}: expected {what} of shape {expected} (num_layers·directions, "
                               f"batch, hidden_size), got {tuple(hx.shape)}")
        return hx

    def _run(self, input: Tensor, states: list) -> tuple[Tensor, list]:
        """input (L, N, H_in); states[k][d] the initial state(s) of layer k, direction d. Returns output, final states."""
        directions = 2 if self.bidirectional else 1
        length, batch = input.shape[:2]
        finals = []
        layer_input = input
        for layer in range(self.num_layers):
            outputs, layer_finals = [], []
            for direction in range(directions):
                w_ih, w_hh, b_ih, b_hh = self._weights(layer, direction)
                xw = (layer_input.reshape(length * batch, -1) @ w_ih.mT)
                if b_ih is not None:
                    xw = xw + b_ih
                if self.mode in ("LSTM", "RNN_TANH", "RNN_RELU") and b_hh is not None:
                    xw, b_hh = xw + b_hh, None  # fold the recurrent bias into the precomputed projection
                xw = xw.reshape(length, batch, -1)
                steps = range(length - 1, -1, -1) if direction else range(length)
                state = states[layer][direction]
                hs = [None] * length
                for t in steps:
                    state = self._step(xw[t], state, w_hh, b_hh)
                    hs[t] = state[0] if self.mode == "LSTM" else state
                outputs.append(stack(hs, 0))
                layer_finals.append(state)
            finals.append(layer_finals)
            layer_input = outputs[0] if directions == 1 else cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = dropout(layer_input, self.dropout, True)
        return layer_input, finals

    def _step(self, xw: Tensor, state, w_hh: Tensor, b_hh):
        """One time step of this layer's cell: the new state (h, or (h, c) for LSTM)."""
        if self.mode == "LSTM":
            return _lstm_step(xw, state[0], state[1], w_hh, b_hh)
        if self.mode == "GRU":
            return _gru_step(xw, state, w_hh, b_hh)
        return _rnn_step(xw, state, w_hh, b_hh, self.mode == "RNN_RELU")

    def _projection(self, layer_input: Tensor, layer: int, direction: int):
        """W_ih·x + b_ih (+ b_hh, folded in where the cell allows) for every row of a 2-D input at once."""
        w_ih, w_hh, b_ih, b_hh = self._weights(layer, direction)
        xw = layer_input @ w_ih.mT
        if b_ih is not None:
            xw = xw + b_ih
        if self.mode != "GRU" and b_hh is not None:
            xw, b_hh = xw + b_hh, None
        return xw, w_hh, b_hh

    def _run_packed(self, data: Tensor, batch_sizes: list, states: list) -> tuple[Tensor, list]:
        """data (Σ lengths, H_in) packed by time step; states[k][d] with batch_sizes[0] rows. Returns packed output
        and each sequence's final state (rows in sorted order)."""
        lstm = self.mode == "LSTM"
        rows = lambda state, a, b: (state[0][a:b], state[1][a:b]) if lstm else state[a:b]  # noqa: E731
        join = lambda parts: (cat([p[0] for p in parts], 0), cat([p[1] for p in parts], 0)) if lstm \
            else cat(parts, 0)  # noqa: E731
        starts = [0]
        for n in batch_sizes:
            starts.append(starts[-1] + n)
        finals, layer_input = [], data
        for layer in range(self.num_layers):
            outputs, layer_finals = [], []
            for direction in range(2 if self.bidirectional else 1):
                xw, w_hh, b_hh = self._projection(layer_input, layer, direction)
                initial = states[layer][direction]
                hs = [None] * len(batch_sizes)
                if direction == 0:  # the batch shrinks as sequences end; each keeps the state of its last step
                    state, ended = initial, []
                    for t, n in enumerate(batch_sizes):
                        current = (state[0] if lstm else state).shape[0]
                        if n < current:
                            ended.append(rows(state, n, current))
                            state = rows(state, 0, n)
                        state = self._step(xw[starts[t]:starts[t + 1]], state, w_hh, b_hh)
                        hs[t] = state[0] if lstm else state
                    final = join([state] + ended[::-1]) if ended else state
                else:  # backwards in time: each sequence joins at its own last step, from its initial state
                    state = rows(initial, 0, batch_sizes[-1])
                    for t in range(len(batch_sizes) - 1, -1, -1):
                        n = batch_sizes[t]
                        current = (state[0] if lstm else state).shape[0]
                        if n > current:
                            state = join([state, rows(initial, current, n)])
                        state = self._step(xw[starts[t]:starts[t + 1]], state, w_hh, b_hh)
                        hs[t] = state[0] if lstm else state
                    final = state
                outputs.append(cat(hs, 0))
                layer_finals.append(final)
            finals.append(layer_finals)
            layer_input = outputs[0] if len(outputs) == 1 else cat(outputs, -1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = dropout(layer_input, self.dropout, True)
        return layer_input, finals

    def _packed_input(self, packed, hx, lstm: bool):
        """(data, batch_sizes, initial states by layer in sorted order) of a PackedSequence input, checked."""
        name = type(self).__name__
        data, batch_sizes = packed.data, [int(n) for n in packed.batch_sizes.tolist()]
        if data.ndim != 2 or data.shape[-1] != self.input_size:
            raise ValueError(f"{name}: packed data of shape {tuple(data.shape)} must be (Σ lengths, "
                             f"input_size={self.input_size})")

        def initial(h, what):
            if h is not None and packed.sorted_indices is not None:
                h = h.index_select(1, packed.sorted_indices)  # the caller's batch order → sorted order
            return self._states_by_layer(self._initial_state(h, batch_sizes[0], False, data.dtype, what))

        if lstm:
            hs = initial(None if hx is None else hx[0], "h_0")
            cs = initial(None if hx is None else hx[1], "c_0")
            return data, batch_sizes, [list(zip(h, c)) for h, c in zip(hs, cs)]
        return data, batch_sizes, initial(hx, "hx")

    def _packed_output(self, packed, output: Tensor, final: Tensor) -> tuple:
        from ..utils.rnn import PackedSequence

        if packed.unsorted_indices is not None:
            final = final.index_select(1, packed.unsorted_indices)
        return PackedSequence(output, packed.batch_sizes, packed.sorted_indices, packed.unsorted_indices), final

    def _states_by_layer(self, hx: Tensor) -> list:
        directions = 2 if self.bidirectional else 1
        return [[hx[layer * directions + d] for d in range(directions)] for layer in range(self.num_layers)]

    def _finish(self, output: Tensor, unbatched: bool) -> Tensor:
        if unbatched:
            return output.squeeze(1)
        return output.transpose(0, 1) if self.batch_first else output

    def flatten_parameters(self) -> None:
        """PyTorch packs the weights into one block for cuDNN here (and does nothing on the CPU); each weight is
        its own array in this engine, so there is nothing to pack."""

    def forward(self, input: Tensor, hx: Tensor | None = None):
        """input (L, N, H_in) (batch_first: (N, L, H_in)) or a PackedSequence; hx (layers·directions, N, H).
        Returns (output, h_n); output is a PackedSequence when the input is one."""
        from ..utils.rnn import PackedSequence

        if isinstance(input, PackedSequence):
            data, batch_sizes, states = self._packed_input(input, hx, lstm=False)
            output, finals = self._run_packed(data, batch_sizes, states)
            return self._packed_output(input, output, stack([h for layer in finals for h in layer], 0))
        input, unbatched = self._check_input(input, hx)
        h0 = self._initial_state(hx, input.shape[1], unbatched, input.dtype)
        output, finals = self._run(input, self._states_by_layer(h0))
        h_n = stack([h for layer in finals for h in layer], 0)
        return self._finish(output, unbatched), (h_n.squeeze(1) if unbatched else h_n)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(W_ih x_t + b_ih + W_hh h_{t−1} + b_hh) (nonlinearity='relu' for ReLU).

    forward(input, h_0=None) → (output (L, N, D·H), h_n (D·num_layers, N, H)).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; use 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size, num_layers,
                         bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit, gates (r, z, n) as PyTorch. forward(input, h_0=None) → (output, h_n)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, device=None, dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory, gates (i, f, g, o) as PyTorch.

    forward(input, (h_0, c_0)=None) → (output (L, N, D·H), (h_n, c_n)), states (D·num_layers, N, H).
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: tuple | None = None):
        from ..utils.rnn import PackedSequence

        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError("LSTM: hx must be a tuple (h_0, c_0) of initial hidden and cell states")
        if isinstance(input, PackedSequence):
            data, batch_sizes, states = self._packed_input(input, hx, lstm=True)
            output, finals = self._run_packed(data, batch_sizes, states)
            out, h_n = self._packed_output(input, output, stack([h for layer in finals for h, _ in layer], 0))
            _, c_n = self._packed_output(input, output, stack([c for layer in finals for _, c in layer], 0))
            return out, (h_n, c_n)
        input, unbatched = self._check_input(input, hx)
        h0 = self._initial_state(None if hx is None else hx[0], input.shape[1], unbatched, input.dtype, "h_0")
        c0 = self._initial_state(None if hx is None else hx[1], input.shape[1], unbatched, input.dtype, "c_0")
        hs, cs = self._states_by_layer(h0), self._states_by_layer(c0)
        states = [list(zip(h_layer, c_layer)) for h_layer, c_layer in zip(hs, cs)]
        output, finals = self._run(input, states)
        h_n = stack([h for layer in finals for h, _ in layer], 0)
        c_n = stack([c for layer in finals for _, c in layer], 0)
        if unbatched:
            h_n, c_n = h_n.squeeze(1), c_n.squeeze(1)
        return self._finish(output, unbatched), (h_n, c_n)


# --------------------------------------------------------------------------- cells (one step)
class RNNCellBase(Module):
    """Parameters weight_ih (gates·H, input), weight_hh (gates·H, H), bias_ih, bias_hh; U(−1/√H, 1/√H)."""

    _gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        check_device(device, type(self).__name__)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        gate_size = self._gates * hidden_size
        self.weight_ih = Parameter(empty(gate_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(empty(gate_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(gate_size, dtype=dtype))
            self.bias_hh = Parameter(empty(gate_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _prepare(self, input: Tensor, hx, what="hx"):
        name = type(self).__name__
        if not isinstance(input, Tensor) or input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape (N, {self.input_size}) or ({self.input_size},), got "
                             f"{tuple(getattr(input, 'shape', ()))}")
        unbatched = input.ndim == 1
        if unbatched:
            input = input.unsqueeze(0)
        xw = input @ self.weight_ih.mT
        if self.bias_ih is not None:
            xw = xw + self.bias_ih
        return input, xw, unbatched

    def _state(self, hx, input: Tensor, unbatched: bool, what: str = "hx") -> Tensor:
        if hx is None:
            return zeros(input.shape[0], self.hidden_size, dtype=input.dtype)
        if unbatched:
            hx = hx.unsqueeze(0)
        if tuple(hx.shape) != (input.shape[0], self.hidden_size):
            raise RuntimeError(f"{type(self).__name__}: expected {what} of shape {(input.shape[0], self.hidden_size)}"
                               f"{' (unbatched: ' + str((self.hidden_size,)) + ')' if unbatched else ''}, got "
                               f"{tuple(hx.shape)[1 if unbatched else 0:]}")
        return hx

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class RNNCell(RNNCellBase):
    """One Elman RNN step: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu)."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh", device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; use 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, xw, unbatched = self._prepare(input, hx)
        h = _rnn_step(xw, self._state(hx, input, unbatched), self.weight_hh, self.bias_hh, self.nonlinearity == "relu")
        return h.squeeze(0) if unbatched else h


class LSTMCell(RNNCellBase):
    """One LSTM step: forward(input, (h, c)=None) → (h', c')."""

    _gates = 4

    def forward(self, input: Tensor, hx: tuple | None = None) -> tuple[Tensor, Tensor]:
        input, xw, unbatched = self._prepare(input, hx)
        h0 = self._state(None if hx is None else hx[0], input, unbatched, "h")
        c0 = self._state(None if hx is None else hx[1], input, unbatched, "c")
        h, c = _lstm_step(xw, h0, c0, self.weight_hh, self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    """One GRU step: forward(input, h=None) → h'."""

    _gates = 3

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        input, xw, unbatched = self._prepare(input, hx)
        h = _gru_step(xw, self._state(hx, input, unbatched), self.weight_hh, self.bias_hh)
        return h.squeeze(0) if unbatched else h
