"""Shared by the ONNX tests: run an exported model in onnxruntime and compare it with this engine's forward."""
import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
onnxruntime = pytest.importorskip("onnxruntime")

import autograd  # noqa: E402


def session(proto):
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])


def outputs_of(result) -> list:
    if result is None:
        return []
    if isinstance(result, autograd.Tensor):
        return [result._data]
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in outputs_of(r)]
    if isinstance(result, dict):
        return [a for r in result.values() for a in outputs_of(r)]
    raise TypeError(type(result))


def assert_runs_like_ours(proto, model, inputs, rtol=1e-4, atol=1e-5):
    """onnxruntime on `inputs` (tensors, in the exported input order) gives what model(*inputs) gives."""
    with autograd.no_grad():
        expected = outputs_of(model(*inputs))
    got = session(proto).run(None, {i.name: t._data for i, t in zip(proto.graph.input, inputs)})
    assert len(got) == len(expected)
    for a, b in zip(got, expected):
        assert a.shape == b.shape and a.dtype == b.dtype, (a.shape, b.shape, a.dtype, b.dtype)
        if b.dtype.kind == "f":
            np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)
        else:
            np.testing.assert_array_equal(a, b)
    return got
