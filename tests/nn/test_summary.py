"""nn.summary: the torchsummary-style table, returned (as torchinfo does) as data whose repr is the table, never printed."""
import numpy as np
import pytest

import autograd
import nn


def _model():
    return nn.Sequential(nn.Linear(3, 3), nn.Sigmoid(), nn.Linear(3, 2), nn.ReLU(), nn.Linear(2, 2), nn.Softmax(dim=-1))


def test_rows_shapes_and_counts(capsys):
    result = nn.summary(_model(), input_size=(3,))
    assert capsys.readouterr().out == ""  # returned, not printed: print(nn.summary(...)) shows it once
    assert [r.name for r in result.rows] == ["Linear-1", "Sigmoid-2", "Linear-3", "ReLU-4", "Linear-5", "Softmax-6"]
    assert [r.output_shape for r in result.rows] == [[-1, 3], [-1, 3], [-1, 2], [-1, 2], [-1, 2], [-1, 2]]
    assert [r.num_params for r in result.rows] == [12, 0, 8, 0, 6, 0]
    assert (result.total_params, result.trainable_params, result.non_trainable_params) == (26, 26, 0)
    text = repr(result)
    assert text == str(result) and text.startswith("-" * 64) and text.endswith("-" * 64)
    assert "        Layer (type)               Output Shape         Param #" in text
    assert "            Linear-1                    [-1, 3]              12" in text
    for label in ("Total params: 26", "Trainable params: 26", "Non-trainable params: 0", "Input size (MB):",
                  "Forward/backward pass size (MB):", "Params size (MB):", "Estimated Total Size (MB):"):
        assert label in text
    print(result)
    assert capsys.readouterr().out == text + "\n"


def test_batch_size_frozen_params_and_sizes():
    model = _model()
    model[0].requires_grad_(False)
    result = nn.summary(model, (3,), batch_size=5)
    assert result.rows[0].output_shape == [5, 3] and not result.rows[0].trainable
    assert (result.trainable_params, result.non_trainable_params) == (14, 12)
    mb = 1024**2
    assert result.params_size_mb == pytest.approx(26 * 4 / mb)
    assert result.input_size_mb == pytest.approx(5 * 3 * 4 / mb)
    assert result.forward_backward_size_mb == pytest.approx(2 * 5 * (3 + 3 + 2 + 2 + 2 + 2) * 4 / mb)
    assert result.total_size_mb == pytest.approx(result.params_size_mb + result.input_size_mb
                                                 + result.forward_backward_size_mb)


def test_leaves_only_and_no_side_effects():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5))
            self.head = nn.Linear(8, 1)

        def forward(self, x):
            return self.head(self.body(x))

    net = Net()
    before = {k: v._data.copy() for k, v in net.state_dict().items()}
    autograd.manual_seed(0)
    expected_next_draw = autograd.rand(1).item()
    autograd.manual_seed(0)
    result = nn.summary(net, (4,))
    assert autograd.rand(1).item() == expected_next_draw  # the generator was not used
    assert [r.layer_type for r in result.rows] == ["Linear", "BatchNorm1d", "Dropout", "Linear"]
    assert result.rows[1].num_params == 16 and result.total_params == 40 + 16 + 9
    assert all(m.training for m in net.modules())
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v._data, before[k])


def test_integer_inputs_and_multiple_outputs():
    class TwoHeads(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(10, 4)

        def forward(self, idx):
            e = self.emb(idx)
            return e, e.sum(-1)

    result = nn.summary(TwoHeads(), (7,), dtype="int64")
    assert result.rows[0].output_shape == [-1, 7, 4] and result.rows[0].num_params == 40


def test_bad_model_is_explained():
    with pytest.raises(TypeError, match="nn.Module"):
        nn.summary(lambda x: x, (3,))
