"""What ONNX export refuses, and how it says so: never a model that computes something else.

An op without a rule is named with the module it was made in; values computed outside the traced ops, sizes
that cannot be rebuilt from the input's shape, writes through views and training-mode graphs are refused with
what to do instead. Also: the options export honours (export_params, keep_initializers_as_inputs,
do_constant_folding, verify) and a user's own rule registered with autograd.onnx.register.
"""
import numpy as np
import pytest
from onnx_helpers import assert_runs_like_ours, session

import autograd
import nn
from autograd.onnx import ExportError, TrainingMode

rng = np.random.default_rng(5)


def _normal(*shape):
    return autograd.tensor(rng.standard_normal(shape).astype(np.float32))


class Cube(autograd.Op):
    """x³, an op of the user's own (no export rule until one is registered)."""

    @staticmethod
    def forward(ctx, x):
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError


class Inner(nn.Module):
    def forward(self, x):
        return Cube.apply(x) + 1


class Outer(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = nn.Sequential(nn.Linear(3, 3), Inner())

    def forward(self, x):
        return self.block(x)


def test_an_op_without_a_rule_is_named_with_its_module_and_what_to_do(monkeypatch):
    with pytest.raises(ExportError) as info:
        autograd.onnx.export(Outer(), (_normal(2, 3),))
    message = str(info.value)
    assert "Cube" in message and "'block.1'" in message and "(Inner)" in message and "register" in message
    monkeypatch.setattr(autograd.onnx.registry, "RULES", dict(autograd.onnx.RULES))

    @autograd.onnx.register(Cube)
    def _cube(g, node):
        x = g.value(node.args[0])
        return g.op("Mul", [g.op("Mul", [x, x]), x])

    model = Outer()
    proto = autograd.onnx.export(model, (_normal(2, 3),), dynamic_axes={"x": [0]})
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "x_dynamic_axes_1"  # torch.onnx's naming
    assert_runs_like_ours(proto, model, [_normal(7, 3)])


def test_module_paths_include_containers_that_are_iterated_not_called():
    class Broken(nn.Module):
        def forward(self, x):
            return Cube.apply(x)

    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Identity(), Broken()])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

    with pytest.raises(ExportError, match="'layers.1' \\(Broken\\)"):
        autograd.onnx.export(Stack(), (_normal(2, 3),))


def test_values_computed_outside_the_ops_are_refused():
    class ReadsData(nn.Module):
        def forward(self, x):
            return x * autograd.tensor(np.tanh(x._data))  # numpy on the data: would be baked in as a constant

    class ReadsItem(nn.Module):
        def forward(self, x):
            return x * float(x[0, 0])

    for model in (ReadsData(), ReadsItem()):
        with pytest.raises(ExportError, match="input values change.*outside the traced operations"):
            autograd.onnx.export(model, (_normal(3, 4),))


def test_sizes_that_cannot_be_rebuilt_from_the_input_shape_are_refused():
    class HalfLength(nn.Module):
        def forward(self, x):
            return x[:, : x.shape[1] // 2]

    with pytest.raises(ExportError, match="not a product of sizes"):
        autograd.onnx.export(HalfLength(), (_normal(2, 6),), input_names=["x"], dynamic_axes={"x": {1: "seq"}})
    proto = autograd.onnx.export(HalfLength(), (_normal(2, 6),), input_names=["x"], dynamic_axes={"x": {0: "batch"}})
    assert_runs_like_ours(proto, HalfLength(), [_normal(5, 6)])


class NumpyTable(nn.Module):
    """Adds rows of a table sliced with numpy (outside the ops) to the length of the input."""

    def __init__(self):
        super().__init__()
        self.register_buffer("table", autograd.tensor(rng.standard_normal((50, 8)).astype(np.float32)))

    def forward(self, x):
        return x + autograd.Tensor(self.table._data[: x.shape[1]])


def test_a_numpy_table_sliced_by_a_dynamic_length_is_refused_and_fine_when_static():
    with pytest.raises(ExportError, match="not a fill, an arange or a triangular mask"):
        autograd.onnx.export(NumpyTable(), (_normal(2, 5, 8),), input_names=["x"],
                             dynamic_axes={"x": {0: "batch", 1: "seq"}})
    for model in (NumpyTable(), nn.PositionalEncoding(8, dropout=0.0, batch_first=True)):
        proto = autograd.onnx.export(model, (_normal(2, 5, 8),), input_names=["x"], dynamic_axes={"x": {0: "batch"}})
        model.eval()
        assert_runs_like_ours(proto, model, [_normal(6, 5, 8)])


def test_an_axis_the_model_cannot_resize_is_reported_with_the_failing_run():
    with pytest.raises(ExportError, match="also run with .*features.*failed.*really free"):
        autograd.onnx.export(nn.Linear(4, 2), (_normal(3, 4),), input_names=["x"], dynamic_axes={"x": {1: "features"}})


def test_writes_through_views_are_refused():
    class WritesThroughView(nn.Module):
        def forward(self, x):
            y = x * 2
            y[0].add_(1)  # changes y through a view
            return y + 1

    with pytest.raises(ExportError, match="in-place change made through a view"):
        autograd.onnx.export(WritesThroughView(), (_normal(3, 4),))


def test_training_mode_is_refused_and_eval_is_the_default():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.5))
    with pytest.raises(NotImplementedError, match="inference"):
        autograd.onnx.export(model, (_normal(2, 3),), training=TrainingMode.TRAINING)
    with pytest.raises(NotImplementedError, match="model.eval"):
        autograd.onnx.export(model, (_normal(2, 3),), training=TrainingMode.PRESERVE)
    model.eval()
    assert autograd.onnx.export(model, (_normal(2, 3),), training=TrainingMode.PRESERVE) is not None


def test_bad_arguments_are_refused_clearly():
    model, x = nn.Linear(3, 2), _normal(2, 3)
    with pytest.raises(NotImplementedError, match="dynamic_shapes"):
        autograd.onnx.export(model, (x,), dynamic_shapes={"x": {0: "batch"}})
    with pytest.raises(TypeError, match="unexpected keyword argument 'colour'"):
        autograd.onnx.export(model, (x,), colour="red")
    with pytest.raises(ValueError, match="opset_version must be in"):
        autograd.onnx.export(model, (x,), opset_version=9)
    with pytest.raises(ValueError, match="neither an input"):
        autograd.onnx.export(model, (x,), input_names=["x"], dynamic_axes={"y": {0: "batch"}})
    with pytest.raises(ExportError, match="does not depend on any dynamic input axis"):
        autograd.onnx.export(model, (x,), input_names=["x"], output_names=["y"], dynamic_axes={"y": {1: "b"}})
    with pytest.raises(ExportError, match="same tensor"):
        autograd.onnx.export(nn.Bilinear(3, 3, 2), (x, x))


def test_verify_catches_a_rule_that_computes_something_else(monkeypatch):
    from autograd.ops.activation import Relu

    rules = dict(autograd.onnx.RULES)
    monkeypatch.setattr(autograd.onnx.registry, "RULES", rules)
    autograd.onnx.register(Relu)(lambda g, node: g.op("Sigmoid", [g.value(node.args[0])]))
    with pytest.raises(ExportError, match="verify: onnxruntime's output 'output' differs"):
        autograd.onnx.export(nn.Sequential(nn.Linear(3, 3), nn.ReLU()), (_normal(2, 3),), verify=True)


def test_parameters_as_inputs_and_without_folding():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    model.eval()
    x = _normal(5, 3)
    names = [n for n, _ in model.named_parameters()] + [n for n, _ in model.named_buffers()]
    unfolded = autograd.onnx.export(model, (x,), do_constant_folding=False)
    assert {t.name for t in unfolded.graph.initializer} >= set(names) - {"1.num_batches_tracked"}
    as_inputs = autograd.onnx.export(model, (x,), keep_initializers_as_inputs=True, do_constant_folding=False)
    assert {i.name for i in as_inputs.graph.input} >= {t.name for t in as_inputs.graph.initializer}
    bare = autograd.onnx.export(model, (x,), export_params=False)
    assert not bare.graph.initializer or all(t.name not in names for t in bare.graph.initializer)
    feed = {"input": x._data}
    state = dict(model.named_parameters()) | dict(model.named_buffers())
    feed.update({i.name: state[i.name]._data for i in bare.graph.input if i.name in state})
    np.testing.assert_allclose(session(bare).run(None, feed)[0], model(x)._data, rtol=1e-5, atol=1e-6)


def test_the_graph_is_written_to_files_and_file_objects(tmp_path):
    import io

    import onnx

    model, x = nn.Linear(3, 2), _normal(2, 3)
    buffer = io.BytesIO()
    autograd.onnx.export(model, (x,), buffer)
    autograd.onnx.export(model, (x,), str(tmp_path / "m.onnx"))
    assert onnx.load_from_string(buffer.getvalue()) == onnx.load(tmp_path / "m.onnx")
