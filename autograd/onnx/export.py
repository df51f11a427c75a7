"""`export`: a model to an ONNX file that onnxruntime (or any ONNX runtime) runs, as `torch.onnx.export`.

The steps: trace the model's ops (`trace.py`) at the given sizes, at each combination of the
dynamic axes one larger, at all of them two larger (to check what was inferred) and with the
input values permuted (to catch values computed outside the ops); lay the traces side by side
(`trace.align`); write one ONNX node group per op with the op's rule (`registry.py`, the
`rules_*.py` files), folding ops that only combine constants; keep what the outputs need;
check the model with `onnx.checker` (full check, with shape inference).
"""
from __future__ import annotations

import enum
import inspect
import os
import warnings

import numpy as np

from ..tensor import Tensor
from . import rules_nn, rules_pointwise, rules_reduce, rules_shape  # noqa: F401  (they register the rules)
from .builder import GraphBuilder
from .registry import ExportError, lookup, op_key
from .symbolic import SymInt
from .trace import Plan, Ref, align, describe, flatten, run

DEFAULT_OPSET, MIN_OPSET, MAX_OPSET = 17, 13, 21


class TrainingMode(enum.IntEnum):
    """As torch.onnx.TrainingMode: EVAL exports in eval mode (the default); PRESERVE keeps the model's mode."""

    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


_REFUSED = ("dynamic_shapes", "external_data", "custom_translation_table", "report", "profile", "dump_exported_program",
            "artifacts_dir", "operator_export_type", "custom_opsets", "export_modules_as_functions", "autograd_inlining",
            "optimize", "fallback", "input_example")


def export(model, args=(), f=None, *, kwargs=None, verbose=None, input_names=None, output_names=None,
           opset_version=None, dynamic_axes=None, export_params=True, keep_initializers_as_inputs=False,
           training=TrainingMode.EVAL, do_constant_folding=True, verify=False, dynamo=None, **unsupported):
    """Export `model(*args, **kwargs)` to ONNX; writes it to `f` (a path or binary file) if given, returns the
    `onnx.ModelProto`.

    input_names / output_names: names for the flattened input and output tensors (defaults: the forward's
    argument names; 'output' or 'output_0', ...). dynamic_axes: {name: {axis: 'batch'}} or {name: [axis]},
    as torch.onnx; those sizes may differ at run time (sizes computed from them, such as reshape targets,
    are rebuilt from the inputs' shapes). opset_version: 13 to 21 (default 17). export_params=False makes the
    parameters graph inputs instead of initializers; keep_initializers_as_inputs lists them as inputs too.
    training: TrainingMode.EVAL (default) or PRESERVE on a model already in eval mode. do_constant_folding:
    ops that combine only constants (parameters included) are computed now. verify=True runs onnxruntime
    on the traced inputs and on the grown ones and compares with this engine's outputs. dynamo: accepted
    for torch.onnx's signature; either value runs this exporter (it has one way to trace). Other
    torch.onnx keywords raise. The output is checked with onnx.checker (full check) before it is returned.
    """
    for name in unsupported:
        if name in _REFUSED:
            raise NotImplementedError(f"export: {name}= (a torch.onnx.export option) is not supported by this exporter")
        raise TypeError(f"export() got an unexpected keyword argument {name!r}")
    try:
        import onnx
    except ImportError:
        raise ImportError("ONNX export needs the onnx package: pip install onnx onnxruntime (or this project's "
                          "extra: pip install 'numpy-autograd-nn[onnx]')") from None
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if not MIN_OPSET <= opset <= MAX_OPSET:
        raise ValueError(f"export: opset_version must be in [{MIN_OPSET}, {MAX_OPSET}], got {opset_version}")
    training = TrainingMode(training)
    modules = list(model.modules()) if hasattr(model, "modules") else []
    modes = [m.training for m in modules]
    if training is TrainingMode.TRAINING or (training is TrainingMode.PRESERVE and any(modes)):
        raise NotImplementedError("export: only inference graphs are exported (dropout off, batch norm with running "
                                  "statistics); call model.eval() or use training=TrainingMode.EVAL")
    try:
        for m in modules:
            m.training = False
        proto, check = _export(onnx, model, args, kwargs, input_names, output_names, opset, dynamic_axes or {},
                               export_params, keep_initializers_as_inputs, do_constant_folding)
    finally:
        for m, mode in zip(modules, modes):
            m.training = mode
    if verbose:
        print(onnx.printer.to_text(proto.graph))
    if verify:
        check()
    if f is not None:
        if isinstance(f, (str, os.PathLike)):
            onnx.save(proto, os.fspath(f))
        else:
            f.write(proto.SerializeToString())
    return proto


# --------------------------------------------------------------------------- inputs and traces
def _structure(args, kwargs):
    if isinstance(args, Tensor):
        args = (args,)
    args = tuple(args)
    if kwargs is None and args and isinstance(args[-1], dict):  # torch.onnx's old form: named args last
        args, kwargs = args[:-1], args[-1]
    return args, dict(kwargs or {})


def _replace(value, tensors: iter):
    if isinstance(value, Tensor):
        return next(tensors)
    if isinstance(value, (tuple, list)):
        return type(value)(_replace(v, tensors) for v in value)
    if isinstance(value, dict):
        return {k: _replace(v, tensors) for k, v in value.items()}
    return value


def _default_names(model, args, kwargs) -> list:
    try:
        parameters = list(inspect.signature(model.forward if hasattr(model, "forward") else model).parameters)
    except (TypeError, ValueError):
        parameters = []
    names = []
    for i, a in enumerate(args):
        base = parameters[i] if i < len(parameters) and parameters[i] not in ("args", "kwargs") else f"input_{i}"
        tensors = flatten(a, "input")
        names += [base] if len(tensors) == 1 and isinstance(a, Tensor) else [f"{base}_{k}" for k in range(len(tensors))]
    for key, value in kwargs.items():
        tensors = flatten(value, "input")
        names += [key] if isinstance(value, Tensor) else [f"{key}_{k}" for k in range(len(tensors))]
    return names


def _dynamic(dynamic_axes, names: list, shapes: list) -> tuple:
    """(symbol -> [(input index, axis)], other name -> {axis: name}: the outputs') from torch.onnx's dynamic_axes."""
    symbols, outputs = {}, {}
    for key, axes in dynamic_axes.items():
        if isinstance(axes, (list, tuple)):
            axes = {a: f"{key}_dynamic_axes_{k + 1}" for k, a in enumerate(axes)}
        if key in names:
            i = names.index(key)
            for axis, symbol in axes.items():
                ndim = len(shapes[i])
                if not -ndim <= axis < ndim:
                    raise ValueError(f"export: dynamic_axes[{key!r}] names axis {axis}, but the input has shape {shapes[i]}")
                symbols.setdefault(str(symbol), []).append((i, axis % ndim))
        else:
            outputs[key] = dict(axes)
    for symbol, places in symbols.items():
        sizes = {shapes[i][axis] for i, axis in places}
        if len(sizes) != 1:
            raise ValueError(f"export: the axes named {symbol!r} have different sizes {sorted(sizes)} in the example inputs")
    return symbols, outputs


def _resized(array: np.ndarray, sizes: dict, symbols: dict, index: int) -> np.ndarray:
    """The example input grown (cyclically repeated) along its dynamic axes to the given sizes."""
    for symbol, axes in symbols.items():
        for i, axis in axes:
            if i == index and array.shape[axis] != sizes[symbol]:
                array = np.take(array, np.arange(sizes[symbol]) % array.shape[axis], axis=axis)
    return np.array(array)


def _traces(model, args, kwargs, tensors, symbols, params):
    base_arrays = [t._data for t in tensors]
    base_sizes = {s: base_arrays[i].shape[axis] for s, [(i, axis), *_] in symbols.items()}
    names = sorted(symbols)

    def trace(sizes, permute=False):
        arrays = [_resized(a, sizes, symbols, i) for i, a in enumerate(base_arrays)]
        if permute:
            rng = np.random.default_rng(0)
            arrays = [rng.permutation(a.reshape(-1)).reshape(a.shape) if a.size > 1 else a.copy() for a in arrays]
        fresh = [Tensor._from_data(a) for a in arrays]
        call_args, call_kwargs = _replace((args, kwargs), iter(fresh))
        return run(model, call_args, call_kwargs, [t._data for t in fresh], params), fresh

    base, base_inputs = trace(base_sizes)
    corners = []
    for bits in _corners(len(names)):
        sizes = {s: base_sizes[s] + b for s, b in zip(names, bits)}
        corners.append((_attempt(trace, sizes)[0], bits, sizes))
    verify_sizes = {s: base_sizes[s] + 2 for s in names}
    verify, verify_inputs = _attempt(trace, verify_sizes) if names else (base, base_inputs)
    try:
        permuted = trace(base_sizes, permute=True)[0]
    except ExportError:
        raise
    except Exception as error:  # e.g. inputs that must stay sorted
        warnings.warn(f"export: the model failed on permuted input values ({type(error).__name__}: {error}), so the "
                      "check that nothing is computed from input data outside the traced ops was skipped", stacklevel=4)
        permuted = None
    plan = Plan(names, base_sizes, base, corners, (verify, verify_sizes), permuted)
    plan.base_inputs, plan.verify_inputs = base_inputs, verify_inputs
    return plan


def _corners(k: int):
    for n in range(1, 2 ** k):
        yield tuple((n >> i) & 1 for i in range(k))


def _attempt(trace, sizes):
    try:
        return trace(sizes)
    except ExportError:
        raise
    except Exception as error:
        raise ExportError(f"to find what depends on the dynamic axes, the model is also run with {sizes}, and that run "
                          f"failed: {type(error).__name__}: {error}. Is every axis in dynamic_axes really free to "
                          "change size?") from error


# --------------------------------------------------------------------------- writing the graph
def _export(onnx, model, args, kwargs, input_names, output_names, opset, dynamic_axes, export_params, keep_inputs,
            fold):
    args, kwargs = _structure(args, kwargs)
    tensors = flatten((args, kwargs), "input")
    if len({id(t._data) for t in tensors}) != len(tensors):
        raise ExportError("the same tensor is passed as two inputs; pass distinct tensors")
    names = list(input_names or []) + _default_names(model, args, kwargs)[len(input_names or []):]
    if len(names) < len(tensors):
        names += [f"input_{i}" for i in range(len(names), len(tensors))]
    names = names[:len(tensors)]
    params = []
    if hasattr(model, "named_parameters"):
        params = [(n, p._data) for n, p in model.named_parameters()] + [(n, b._data) for n, b in model.named_buffers()]
    symbols, output_axes = _dynamic(dynamic_axes, names, [t.shape for t in tensors])
    plan = _traces(model, args, kwargs, tensors, symbols, params)
    n_outputs = len(plan.base.output_refs)
    out_names = list(output_names or [])
    out_names += (["output"] if n_outputs == 1 else [f"output_{k}" for k in range(n_outputs)])[len(out_names):]
    out_names = out_names[:n_outputs]
    for key in output_axes:
        if key not in out_names:
            raise ValueError(f"export: dynamic_axes names {key!r}, which is neither an input ({names}) nor an output "
                             f"({out_names})")
    program = align(plan, params_static=export_params)
    input_refs = {Ref("input", i): name for i, name in enumerate(names)}
    g = GraphBuilder(onnx, program, opset, {s: (Ref("input", places[0][0]), places[0][1]) for s, places in symbols.items()},
                     input_refs, export_params)
    g.module_types = {p: type(m).__name__ for p, m in model.named_modules()} if hasattr(model, "named_modules") else {}
    for node in program.nodes:
        _emit(g, node, fold)
    g.scope, g.node = "", None
    outputs = _outputs(g, program, out_names, output_axes)
    graph_inputs = [_value_info(onnx, name, program.values[ref] if ref in program.values else _Unused(tensors[ref.key]),
                                symbols, ref.key) for ref, name in input_refs.items()]  # an input no op reads stays one
    graph_inputs += [_value_info(onnx, name, info) for name, info in g.param_inputs]
    nodes, initializers = _needed(g, [o.name for o in outputs])
    if keep_inputs:
        graph_inputs += [onnx.helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in initializers]
    graph = onnx.helper.make_graph(nodes, _graph_name(model), graph_inputs, outputs, initializers)
    proto = onnx.helper.make_model(graph, opset_imports=[onnx.helper.make_opsetid("", opset)],
                                   producer_name="numpy-autograd-nn")
    proto.ir_version = min(proto.ir_version, 8 if opset <= 18 else 9 if opset <= 20 else 10)
    try:
        onnx.checker.check_model(proto, full_check=True)
    except Exception as error:
        raise ExportError(f"internal: the exported model fails onnx.checker ({error}); please report this with the "
                          "model") from error
    return proto, lambda: _verify(proto, plan, names, out_names)


def _emit(g, node, fold: bool) -> None:
    g.scope, g.node = node.path, node
    infos = [node.program.values[r] for r in node.outputs]
    if fold and infos and all(i.static for i in infos):
        origin = _origin(g, node)
        for ref, info in zip(node.outputs, infos):
            g.names[ref] = g.const(info.array, hint=f"{origin}.{node.cls.__name__}")
            g.origins[ref] = origin
        return
    rule = lookup(node.cls)
    if rule is None:
        module = g.module_types.get(node.path, "")
        raise ExportError(
            f"no ONNX export rule for the operation {getattr(node.cls, 'node_name', node.cls.__name__)} "
            f"({op_key(node.cls)}), called in {describe(node.path)}{f' ({module})' if module else ''}. Write one with "
            f"@autograd.onnx.register({node.cls.__name__}) (a function (g, node) returning the output names; see the rules "
            "in autograd/onnx/rules_*.py), compute this part with operations that have rules, or leave it out of the "
            "exported module")
    result = rule(g, node)
    results = result if isinstance(result, (tuple, list)) else (result,)
    if len(results) != len(node.outputs):
        raise ExportError(f"internal: the export rule for {node.cls.__name__} gave {len(results)} outputs, the op has "
                          f"{len(node.outputs)}")
    for ref, name in zip(node.outputs, results):
        g.names[ref] = name


def _origin(g, node) -> str:
    """What a folded constant is named after: the first parameter it was computed from (else the module path)."""
    for arg in node.args if isinstance(node.args, (tuple, list)) else ():
        if isinstance(arg, Ref):
            if arg.kind == "param":
                return arg.key
            if arg in g.origins:
                return g.origins[arg]
    return node.path or "constant"


def _outputs(g, program, out_names, output_axes) -> list:
    outputs, used = [], set()
    for ref, name in zip(program.outputs, out_names):
        source = g.value(ref) if ref.kind != "op" else g.names[ref]
        if name in g.taken and name != source:
            raise ExportError(f"output name {name!r} is already the name of an input or a parameter; choose another")
        produced = [n for n in g.nodes if source in n.output]
        if ref.kind == "op" and source not in used and produced and not _is_shared_constant(g, source):
            for node in g.nodes:  # rename the op's output everywhere
                node.input[:] = [name if i == source else i for i in node.input]
                node.output[:] = [name if o == source else o for o in node.output]
            g.names = {r: (name if n == source else n) for r, n in g.names.items()}
        else:
            g.nodes.append(g.onnx.helper.make_node("Identity", [source], [name], name=g.fresh(f"{name}_identity")))
        g.taken.add(name)
        used.add(name)
        info = program.values[ref]
        dims = []
        for axis, d in enumerate(info.shape):
            if axis in output_axes.get(name, {}):
                if not isinstance(d, SymInt):
                    raise ExportError(f"dynamic_axes marks axis {axis} of output {name!r} as dynamic, but its size ({d}) "
                                      "does not depend on any dynamic input axis")
                dims.append(str(output_axes[name][axis]))
            else:
                dims.append(str(d) if isinstance(d, SymInt) else int(d))
        outputs.append(g.onnx.helper.make_tensor_value_info(name, g.onnx.helper.np_dtype_to_tensor_dtype(info.dtype), dims))
    return outputs


def _is_shared_constant(g, name: str) -> bool:
    return any(n.op_type == "Constant" and name in n.output for n in g.nodes)


class _Unused:
    """The shape and dtype of an input that no traced op reads (it is still an input of the exported graph)."""

    def __init__(self, tensor):
        self.shape, self.dtype = tuple(tensor.shape), tensor.dtype


def _value_info(onnx, name, info, symbols=None, index=None):
    dims = [int(d) if not isinstance(d, SymInt) else str(d) for d in info.shape]
    for symbol, places in (symbols or {}).items():
        for i, axis in places:
            if i == index:
                dims[axis] = symbol
    return onnx.helper.make_tensor_value_info(name, onnx.helper.np_dtype_to_tensor_dtype(info.dtype), dims)


def _needed(g, outputs: list) -> tuple:
    """The nodes the outputs depend on (in order) and the initializers they read."""
    needed, kept = set(outputs), []
    for node in reversed(g.nodes):
        if any(o in needed for o in node.output):
            kept.append(node)
            needed.update(i for i in node.input if i)
    kept.reverse()
    return kept, [t for name, t in g.initializers.items() if name in needed]


def _graph_name(model) -> str:
    return type(model).__name__ if not inspect.isfunction(model) else model.__name__


def _verify(proto, plan, names, out_names) -> None:
    try:
        import onnxruntime
    except ImportError:
        raise ImportError("export(verify=True) needs onnxruntime: pip install onnxruntime") from None
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    session = onnxruntime.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
    for trace, inputs in ((plan.base, plan.base_inputs), (plan.verify[0], plan.verify_inputs)):
        feed = {name: t._data for name, t in zip(names, inputs)}
        got = session.run(out_names, feed)
        expected = [t._data for t in flatten(trace.output)]
        for name, a, b in zip(out_names, got, expected):
            if a.shape != b.shape or not np.allclose(a, b, rtol=1e-4, atol=1e-5, equal_nan=True):
                worst = float(np.max(np.abs(a.astype(np.float64) - b))) if a.shape == b.shape else float("nan")
                raise ExportError(f"verify: onnxruntime's output {name!r} differs from this engine's at input shapes "
                                  f"{[t.shape for t in inputs]} (shapes {a.shape} and {b.shape}, largest difference "
                                  f"{worst:.3g})")
