"""`GraphBuilder`: what export rules write ONNX with.

It keeps the nodes, initializers and names; turns values into ONNX names on first use (a
parameter becomes an initializer named by its path, a constant an initializer or a Constant
node, deduplicated by content, a size-dependent constant the ops that rebuild it); and builds
sizes that depend on dynamic axes from `Shape` of the inputs (`sym`, `shape`). The few ops whose
form changed between opsets (axes as an attribute or an input) are written in one place each.
"""
from __future__ import annotations

import numpy as np

from ..ops.promotion import result_type
from .registry import ExportError
from .symbolic import SymInt
from .trace import Ref, Varies, describe

INT64 = np.dtype(np.int64)


class GraphBuilder:
    def __init__(self, onnx, program, opset: int, symbols: dict, input_names: dict, export_params: bool):
        self.onnx, self.program, self.opset = onnx, program, opset
        self.symbols = symbols  # dynamic axis name -> (input Ref, axis)
        self.nodes, self.initializers, self.param_inputs = [], {}, []
        self.names: dict = dict(input_names)  # Ref -> ONNX name
        self.origins: dict = {}  # Ref of a folded constant -> the parameter it was computed from
        self.taken = set(input_names.values())
        self._consts: dict = {}
        self._syms: dict = {}
        self.export_params = export_params
        self.scope = ""
        self.node = None  # the node whose rule is running (for error messages)

    # ------------------------------------------------------------------ names and nodes
    def fresh(self, hint: str) -> str:
        name, n = hint, 0
        while name in self.taken:
            n += 1
            name = f"{hint}_{n}"
        self.taken.add(name)
        return name

    def op(self, op_type: str, inputs, outputs: int = 1, **attributes):
        """Add a node; returns its output name (or a list of names when outputs > 1)."""
        prefix = f"{self.scope}/" if self.scope else ""
        names = [self.fresh(f"{prefix}{op_type}_out" if outputs == 1 else f"{prefix}{op_type}_out{k}") for k in range(outputs)]
        attributes = {k: v for k, v in attributes.items() if v is not None}
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), names, name=self.fresh(f"{prefix}{op_type}"),
                                                     **attributes))
        return names[0] if outputs == 1 else names

    def fail(self, message: str):
        node = self.node
        where = f" ({node.cls.__name__} in {describe(node.path)})" if node is not None else ""
        raise ExportError(f"{message}{where}")

    # ------------------------------------------------------------------ values
    def value(self, ref) -> str:
        """The ONNX name of a recorded value (a parameter or constant is added on first use)."""
        if not isinstance(ref, Ref):
            self.fail(f"expected a tensor argument, got {type(ref).__name__}")
        name = self.names.get(ref)
        if name is not None:
            return name
        info = self.program.values[ref]
        if ref.kind == "param":
            if self.export_params:
                name = self.fresh(ref.key)
                self.initializers[name] = self.onnx.numpy_helper.from_array(_contiguous(info.array), name)
            else:
                name = self.fresh(ref.key)
                self.param_inputs.append((name, info))
        elif ref.kind == "const":
            name = self._pattern(info) if info.pattern is not None else self.const(info.array)
        else:
            raise ExportError(f"internal: value {ref} used before the op that makes it")
        self.names[ref] = name
        return name

    def info(self, ref):
        return self.program.values[ref]

    def operand(self, arg, dtype) -> str:
        """A tensor argument cast to `dtype`, or a Python number (or size) as a 0-d constant of `dtype`."""
        dtype = np.dtype(dtype)
        if isinstance(arg, Ref):
            return self.cast(self.value(arg), self.info(arg).dtype, dtype)
        if isinstance(arg, SymInt):
            return self.cast(self.squeeze(self.sym(arg), [0]), INT64, dtype)
        if isinstance(arg, Varies):
            self.fail(f"a number argument ({arg.base!r}) depends on the size of a dynamic axis")
        if isinstance(arg, (bool, int, float, np.generic)):
            return self.scalar(arg, dtype)
        self.fail(f"unexpected operand {arg!r}")

    def promoted(self, *args) -> np.dtype:
        """PyTorch's result dtype for these arguments (Refs by their dtypes and ranks, numbers as numbers)."""
        stand_ins = []
        for a in args:
            if isinstance(a, Ref):
                info = self.info(a)
                stand_ins.append(np.zeros((1,) * len(info.shape), dtype=info.dtype))
            elif isinstance(a, SymInt):
                stand_ins.append(0)
            else:
                stand_ins.append(a)
        return result_type(*stand_ins)

    def cast(self, name: str, from_dtype, to_dtype) -> str:
        if np.dtype(from_dtype) == np.dtype(to_dtype):
            return name
        return self.op("Cast", [name], to=self.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(to_dtype)))

    def const(self, array, hint: str = "const") -> str:
        """A constant (deduplicated by content): a Constant node when tiny, an initializer otherwise."""
        array = np.asarray(array)
        key = (array.dtype.str, array.shape, array.tobytes())
        name = self._consts.get(key)
        if name is None:
            name = self.fresh(hint)
            tensor = self.onnx.numpy_helper.from_array(_contiguous(array), name)
            if array.size <= 8:
                self.nodes.append(self.onnx.helper.make_node("Constant", [], [name], name=self.fresh(f"{name}_node"),
                                                             value=tensor))
            else:
                self.initializers[name] = tensor
            self._consts[key] = name
        return name

    def scalar(self, value, dtype) -> str:
        return self.const(np.asarray(value, dtype=np.dtype(dtype)))

    def ints(self, values) -> str:
        return self.const(np.asarray(list(values), dtype=np.int64))

    # ------------------------------------------------------------------ sizes from the inputs' shapes
    def sym(self, value) -> str:
        """An int64 tensor of shape [1] holding a size (an int, or a SymInt rebuilt from the inputs' shapes)."""
        if not isinstance(value, SymInt):
            return self.ints([int(value)])
        name = self._syms.get(value)
        if name is not None:
            return name
        total = None
        for monomial, coefficient in sorted(value.terms.items(), key=lambda t: sorted(t[0])):
            term = None
            for symbol in sorted(monomial):
                dim = self._dim(symbol)
                term = dim if term is None else self.op("Mul", [term, dim])
            if term is None:
                term = self.ints([coefficient])
            elif coefficient != 1:
                term = self.op("Mul", [term, self.ints([coefficient])])
            total = term if total is None else self.op("Add", [total, term])
        self._syms[value] = total
        return total

    def _dim(self, symbol: str) -> str:
        key = ("dim", symbol)
        name = self._syms.get(key)
        if name is None:
            ref, axis = self.symbols[symbol]
            if self.opset >= 15:
                name = self.op("Shape", [self.value(ref)], start=axis, end=axis + 1)
            else:
                name = self.op("Gather", [self.op("Shape", [self.value(ref)]), self.ints([axis])], axis=0)
            self._syms[key] = name
        return name

    def shape(self, dims) -> str:
        """An int64 1-D tensor of these sizes (ints and SymInts)."""
        dims = list(dims)
        if not any(isinstance(d, SymInt) for d in dims):
            return self.ints([int(d) for d in dims])
        pieces, run = [], []
        for d in dims:
            if isinstance(d, SymInt):
                if run:
                    pieces.append(self.ints(run))
                    run = []
                pieces.append(self.sym(d))
            else:
                run.append(int(d))
        if run:
            pieces.append(self.ints(run))
        return pieces[0] if len(pieces) == 1 else self.op("Concat", pieces, axis=0)

    def shape_of(self, name: str) -> str:
        return self.op("Shape", [name])

    # ------------------------------------------------------------------ ops whose form depends on the opset
    def unsqueeze(self, x: str, axes) -> str:
        return self.op("Unsqueeze", [x, self.ints(axes)])

    def squeeze(self, x: str, axes) -> str:
        return self.op("Squeeze", [x, self.ints(axes)])

    def reduce(self, op_type: str, x: str, axes, keepdims: bool) -> str:
        """ReduceSum/Mean/Max/Min/Prod/L2 over `axes` (None: all). Axes are an input from opset 18 (13 for ReduceSum)."""
        keep = int(bool(keepdims))
        if axes is None:
            return self.op(op_type, [x], keepdims=keep)
        axes = [int(a) for a in axes]
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.op(op_type, [x, self.ints(axes)], keepdims=keep)
        return self.op(op_type, [x], axes=axes, keepdims=keep)

    def slice(self, x: str, starts, ends, axes, steps=None) -> str:
        inputs = [x, self.shape(starts), self.shape(ends), self.ints(axes)]
        if steps is not None:
            inputs.append(self.ints(steps))
        return self.op("Slice", inputs)

    # ------------------------------------------------------------------ constants that follow the sizes
    def _pattern(self, info) -> str:
        pattern = info.pattern
        if pattern.kind == "unrecognised":
            record = pattern.record
            self.node = None
            raise ExportError(
                f"a constant made outside the traced operations (in {describe(record.scope)}, used by "
                f"{record.cls.__name__}) depends on the size of a dynamic axis (shape {_shape_text(info.shape)}) and is "
                "not a fill, an arange or a triangular mask, so it cannot be rebuilt at run time; build it with tensor "
                "operations from the input (e.g. index a buffer with x[..., :n] instead of slicing its numpy array), or "
                "export with that axis static")
        dtype = np.dtype(pattern.dtype)
        if pattern.kind == "fill":
            return self.op("Expand", [self.scalar(pattern.value, dtype), self.shape(info.shape)])
        if pattern.kind == "arange":
            (length,) = info.shape
            start, step = self.scalar(pattern.start, dtype), self.scalar(pattern.step, dtype)
            count = self.cast(self.squeeze(self.sym(length), [0]), INT64, dtype)
            limit = self.op("Add", [start, self.op("Mul", [count, step])])
            return self.op("Range", [start, limit, step])
        # a band: on where col − row ≤ k (lower) or ≥ k (upper)
        rows = self.op("Range", [self.scalar(0, INT64), self.squeeze(self.sym(info.shape[-2]), [0]), self.scalar(1, INT64)])
        cols = self.op("Range", [self.scalar(0, INT64), self.squeeze(self.sym(info.shape[-1]), [0]), self.scalar(1, INT64)])
        offset = self.op("Sub", [self.unsqueeze(cols, [0]), self.unsqueeze(rows, [1])])
        compare = "LessOrEqual" if pattern.lower else "GreaterOrEqual"
        condition = self.op(compare, [offset, self.scalar(pattern.k, INT64)])
        if dtype == np.dtype(bool):  # (onnxruntime's Where takes no bool branches)
            out = condition if pattern.on else self.op("Not", [condition])
        else:
            out = self.op("Where", [condition, self.scalar(pattern.on, dtype), self.scalar(pattern.off, dtype)])
        if len(info.shape) > 2:
            out = self.op("Expand", [out, self.shape(info.shape)])
        return out

    # ------------------------------------------------------------------ helpers for rules
    def static(self, value, what: str):
        """`value` itself, which must not depend on a dynamic axis (else a clear error)."""
        if isinstance(value, SymInt):
            self.fail(f"{what} ({value}) depends on the size of a dynamic axis, which this op's ONNX form cannot take")
        if isinstance(value, Varies):
            self.fail(f"{what} ({value.base!r}) depends on the size of a dynamic axis, which this op's ONNX form cannot take")
        if isinstance(value, (tuple, list)):
            return type(value)(self.static(v, what) for v in value)
        return value


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _contiguous(array: np.ndarray) -> np.ndarray:
    return array if array.flags.c_contiguous else array.copy()  # (np.ascontiguousarray makes a 0-d array 1-d)
