"""`autograd.onnx`: export a model to ONNX, to run it in onnxruntime (or anywhere ONNX runs), as `torch.onnx`.

    autograd.onnx.export(model, (x,), "model.onnx", input_names=["x"], output_names=["y"],
                         dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})

How it works: the model runs with a tracer that records every op call (`trace.py`); each op
class has one export rule in a table (`registry.py`; the rules are in `rules_*.py`, next to
nothing else); sizes that follow a dynamic axis are inferred by tracing at several sizes
(`symbolic.py`) and rebuilt from the inputs' shapes; the graph is written and checked by
`onnx.checker` (`builder.py`, `export.py`). The `onnx` package is needed only when exporting
(the `onnx` extra), onnxruntime only to run the result.
"""
from .export import TrainingMode, export
from .registry import RULES, ExportError, register

__all__ = ["export", "ExportError", "TrainingMode", "register", "RULES"]
