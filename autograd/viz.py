"""Drawing the computation graph: `draw_graph` (graphviz) and `print_graph` (plain text).

Both walk the recorded graph from the outputs through `next_functions`, breadth first
and without recursion, so graphs of thousands of nodes draw quickly. They read only
what the graph keeps after backward (node names, module scopes, the input shapes each
node recorded), so they work after backward has released the saved tensors.

Arrows point the way data flows in forward: leaf tensors -> operations -> outputs.
An operation is drawn by its backward name (`MatmulBackward`); a leaf that requires
grad is drawn as a tensor, named from `params` (e.g. `dict(model.named_parameters())`)
or its `.name`; operations recorded inside an `nn.Module` call are grouped into
nested clusters named by the module path (`encoder.layer1`).

Gradient colours (`show_grads=True`, after backward) use the L2 norm of the gradient
on a log scale: blue at or below 1e-6 (vanishing), green around 0.03, red at or above
1e3 (exploding). Leaves are coloured from their `.grad`. An intermediate edge is
coloured only when its gradient was kept: by `t.retain_grad()` on that tensor, or for
every edge by calling `record_gradient_norms(output)` before `backward()`. Nothing is
recorded otherwise, so drawing costs nothing during training.

The graphviz Python package is imported only inside `draw_graph`, so `import autograd`
never needs it; `print_graph` needs neither the package nor the `dot` program.
"""
from __future__ import annotations

import colorsys
import contextlib
import math
import sys
import weakref
from collections import deque

import numpy as np

from .graph import AccumulateGrad
from .tensor import Tensor

__all__ = ["draw_graph", "print_graph", "format_graph", "record_gradient_norms", "gradient_colour",
           "VANISHING_COLOUR", "EXPLODING_COLOUR", "NO_GRAD_COLOUR", "NONFINITE_COLOUR"]

VANISHING_NORM, EXPLODING_NORM = 1e-6, 1e3
_LOG_LOW, _LOG_HIGH = math.log10(VANISHING_NORM), math.log10(EXPLODING_NORM)
NO_GRAD_COLOUR = "#d9d9d9"  # leaf without .grad (backward not run, or not reached)
NONFINITE_COLOUR = "#ff00ff"  # nan or inf in the gradient

_INSTALL_HINT = (
    "Install the Graphviz program: `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` "
    "(macOS) or `conda install graphviz`. Building the graph and its `.source` (DOT text) work without it, "
    "and autograd.print_graph(...) draws the graph as text."
)
_STYLE = {  # DOT attributes for each kind of node: (shape and border, default fill colour)
    "op": ('shape=box, style="rounded,filled", color="#555555"', "#ffffff"),
    "parameter": ('shape=box, style=filled, color="#3d6fa3"', "#cfe2f3"),
    "input": ('shape=ellipse, style=filled, color="#b58900"', "#fff2cc"),
    "output": ('shape=ellipse, style=filled, peripheries=2, color="#38761d"', "#d9ead3"),
    "note": ('shape=note, style=filled, color="#b45f06"', "#fce5cd"),
}


def _style(kind: str, fill: str | None = None) -> str:
    shape, default_fill = _STYLE[kind]
    return f'{shape}, fillcolor="{fill or default_fill}"'


def gradient_colour(norm: float | None, dark: bool = False) -> str:
    """The colour for a gradient of this L2 norm: hue from blue (<= 1e-6) through green to red (>= 1e3), log scale.

    `dark=True` gives the same hue darker, for edges (a pale line is hard to see).
    """
    if norm is None:
        return NO_GRAD_COLOUR
    if not math.isfinite(norm):
        return NONFINITE_COLOUR
    level = _LOG_LOW if norm <= 0 else min(max(math.log10(norm), _LOG_LOW), _LOG_HIGH)
    hue = (2 / 3) * (_LOG_HIGH - level) / (_LOG_HIGH - _LOG_LOW)  # 2/3 is blue, 1/3 green, 0 red
    r, g, b = colorsys.hsv_to_rgb(hue, 0.9, 0.75) if dark else colorsys.hsv_to_rgb(hue, 0.6, 0.95)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


VANISHING_COLOUR = gradient_colour(VANISHING_NORM)
EXPLODING_COLOUR = gradient_colour(EXPLODING_NORM)


# --------------------------------------------------------------------------- the graph, as data
class _Graph:
    """The nodes reachable from some outputs, in breadth-first order from the outputs."""

    def __init__(self, outputs, params, where):
        if not outputs:
            raise ValueError(f"{where}: pass at least one output tensor, e.g. {where}(loss)")
        self.outputs = []
        for i, out in enumerate(outputs):
            if not isinstance(out, Tensor):
                raise TypeError(f"{where}: outputs must be Tensors; argument {i} is a {type(out).__name__}")
            if out._grad_node() is None:
                raise ValueError(
                    f"{where}: output {i} (shape {out.shape}) has no grad_fn and does not require grad, so no graph "
                    "was recorded. Compute it from tensors with requires_grad=True, outside no_grad()."
                )
            self.outputs.append(out)
        self.names = _parameter_names(params, where)
        roots = []
        for out in self.outputs:
            node = out._grad_node()
            if node not in roots:
                roots.append(node)
        self.order = list(roots)
        self.index = {node: i for i, node in enumerate(roots)}
        queue = deque(roots)
        while queue:
            for child, _ in queue.popleft().next_functions:
                if child is not None and child not in self.index:
                    self.index[child] = len(self.order)
                    self.order.append(child)
                    queue.append(child)

    def leaf(self, node) -> tuple[str, str]:
        """(name, kind) of the tensor behind an AccumulateGrad node; kind is 'parameter' or 'input'."""
        tensor = node.variable
        name = self.names.get(id(tensor))
        is_parameter = name is not None or any(c.__name__ == "Parameter" for c in type(tensor).__mro__)  # nn is optional
        if name is None:
            name = tensor.name if isinstance(tensor.name, str) else ("parameter" if is_parameter else "input")
        return name, "parameter" if is_parameter else "input"

    def output_name(self, i: int) -> str:
        name = self.outputs[i].name
        if isinstance(name, str):
            return name
        return "output" if len(self.outputs) == 1 else f"output {i}"


def _parameter_names(params, where) -> dict:
    """id(tensor) -> name, from a Module, a dict or (name, tensor) pairs such as named_parameters()."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        items = params.named_parameters()
    else:
        items = params.items() if hasattr(params, "items") else params
    names = {}
    for item in items:
        try:
            name, tensor = item
        except (TypeError, ValueError):
            raise TypeError(
                f"{where}: params must be a dict name -> tensor or (name, tensor) pairs, e.g. "
                f"dict(model.named_parameters()); got an item {item!r}"
            ) from None
        if isinstance(tensor, Tensor):
            names.setdefault(id(tensor), str(name))
    return names


def _shape_text(meta, show_shapes: bool, show_dtypes: bool) -> str:
    if meta is None:
        return ""
    shape, dtype = meta
    parts = ([str(tuple(shape))] if show_shapes else []) + ([str(dtype)] if show_dtypes else [])
    return " ".join(parts)


def _meta_of(tensor) -> tuple:
    return tensor._data.shape, tensor._data.dtype


def _norm(grad) -> float | None:
    if grad is None:
        return None
    data = grad._data if isinstance(grad, Tensor) else np.asarray(grad)
    return float(np.linalg.norm(data.ravel()))


def _recorded_norm(node) -> float | None:
    """The gradient norm of an operation's output, if it was kept (retain_grad or record_gradient_norms)."""
    for _, ref in node._retained or ():
        tensor = ref()
        if tensor is not None and tensor.grad is not None:
            return _norm(tensor.grad)
    return node.__dict__.get("_viz_grad_norm")


def _module_path(scope: tuple) -> str:
    """('Model', 'encoder', 'layer1') -> 'encoder.layer1'; the root module alone -> its class name."""
    return ".".join(scope[1:]) if len(scope) > 1 else scope[0]


def record_gradient_norms(*outputs) -> None:
    """Call before backward(): every operation of the graph then remembers the norm of the gradient of its output.

    `draw_graph(..., show_grads=True)` uses these norms to colour the intermediate edges. The
    hooks hold only weak references to the graph, so recording never keeps a graph alive.
    """
    graph = _Graph(outputs, None, "record_gradient_norms")
    for node in graph.order:
        if type(node) is not AccumulateGrad and "_viz_grad_norm" not in node.__dict__:
            node._viz_grad_norm = None
            node._add_tensor_hook(0, _NormRecorder(node))


class _NormRecorder:
    __slots__ = ("node",)

    def __init__(self, node):
        self.node = weakref.ref(node)

    def __call__(self, grad):
        node = self.node()
        if node is not None:
            node._viz_grad_norm = _norm(grad)


# --------------------------------------------------------------------------- graphviz drawing
def _dot_string(text: str) -> str:
    """A DOT double-quoted string (newlines become centred line breaks)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _legend(kinds: set, show_grads: bool) -> str:
    rows = []
    samples = (("op", "operation (backward name)"), ("parameter", "parameter"),
               ("input", "input (leaf, requires grad)"), ("output", "output"))
    for kind, text in samples:
        if kind in kinds:
            rows.append(f'<TR><TD BGCOLOR="{_STYLE[kind][1]}">{text}</TD></TR>')
    if show_grads:
        ticks = [(VANISHING_NORM, "≤1e-6 vanishing"), (1e-4, "1e-4"), (1e-2, "1e-2"), (1.0, "1"),
                 (1e2, "1e2"), (EXPLODING_NORM, "≥1e3 exploding")]
        cells = "".join(f'<TD BGCOLOR="{gradient_colour(norm)}">{text}</TD>' for norm, text in ticks)
        extra = f'<TD BGCOLOR="{NO_GRAD_COLOUR}">no grad</TD><TD BGCOLOR="{NONFINITE_COLOUR}">nan/inf</TD>'
        rows.append(f'<TR><TD><TABLE BORDER="0" CELLSPACING="2"><TR><TD COLSPAN="8"><B>‖grad‖ (L2 norm)</B></TD></TR>'
                    f"<TR>{cells}{extra}</TR></TABLE></TD></TR>")
    table = "".join(rows)
    return f'legend [shape=plaintext, label=<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">{table}</TABLE>>]'


_graph_class = None


def _digraph_class():
    """graphviz.Digraph whose rendering explains how to install a missing `dot` (made once, lazily)."""
    global _graph_class
    if _graph_class is not None:
        return _graph_class
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "draw_graph needs the graphviz Python package: `pip install graphviz` (or "
            "`pip install numpy-autograd-nn[viz]`). " + _INSTALL_HINT
        ) from None

    class GraphvizNotFoundError(graphviz.ExecutableNotFound):
        """The Graphviz `dot` program is not on PATH; says how to install it."""

        def __init__(self, message: str):
            RuntimeError.__init__(self, message)

    @contextlib.contextmanager
    def explain_missing_binary(action):
        try:
            yield
        except graphviz.ExecutableNotFound as error:
            if isinstance(error, GraphvizNotFoundError):
                raise
            raise GraphvizNotFoundError(f"{action} needs the Graphviz `dot` program, which was not found on PATH. "
                                        + _INSTALL_HINT) from error

    class ComputationGraph(graphviz.Digraph):
        """A graphviz.Digraph of a computation graph (from autograd.draw_graph)."""

        def render(self, *args, **kwargs):
            with explain_missing_binary("render"):
                return super().render(*args, **kwargs)

        def pipe(self, *args, **kwargs):
            with explain_missing_binary("pipe (also used to show the graph in a notebook)"):
                return super().pipe(*args, **kwargs)

    for cls in (ComputationGraph, GraphvizNotFoundError):  # findable by pickle (see __getattr__ below)
        cls.__module__, cls.__qualname__ = __name__, cls.__name__
    ComputationGraph.NotFoundError = GraphvizNotFoundError
    _graph_class = ComputationGraph
    return _graph_class


def __getattr__(name: str):
    """`ComputationGraph` and `GraphvizNotFoundError` exist once graphviz is imported, on first use."""
    if name == "ComputationGraph":
        return _digraph_class()
    if name == "GraphvizNotFoundError":
        return _digraph_class().NotFoundError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def draw_graph(*outputs: Tensor, params=None, show_shapes: bool = True, show_dtypes: bool = False,
               show_grads: bool = False, show_saved: bool = False, group_modules: bool = True,
               max_nodes: int | None = None, rankdir: str = "TB"):
    """The computation graph that produced `outputs`, as a `graphviz.Digraph` (`.render(path, format='svg')`, `.source`).

    params: names for leaf tensors: `dict(model.named_parameters())`, (name, tensor) pairs, or the model itself.
    show_shapes / show_dtypes: on tensor nodes and edges. show_grads: colour leaves and edges by
    gradient norm (after backward). show_saved: the shapes each operation saved for backward.
    group_modules: nested clusters per nn.Module. max_nodes: draw only the nodes nearest the outputs.
    rankdir: 'TB', 'LR', 'BT' or 'RL'.
    """
    if rankdir not in ("TB", "LR", "BT", "RL"):
        raise ValueError(f"draw_graph: rankdir must be 'TB', 'LR', 'BT' or 'RL', got {rankdir!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"draw_graph: max_nodes must be a positive int or None, got {max_nodes!r}")
    digraph = _digraph_class()
    graph = _Graph(outputs, params, "draw_graph")
    visible = graph.order if max_nodes is None else graph.order[:max_nodes]
    hidden = len(graph.order) - len(visible)
    index = graph.index

    scoped = {}  # module scope -> DOT lines of the nodes drawn inside it
    top, edges, kinds = [], [], {"op"}
    scope_of_path = {}  # 'encoder.layer1' (a parameter's owner, as named_parameters names it) -> scope
    if group_modules:
        for node in visible:
            scope = node.scope
            for k in range(1, len(scope) + 1):
                key = scope[1:k]
                if scope_of_path.get(key, scope[:k]) != scope[:k]:
                    scope_of_path[key] = None  # two models share the path: ambiguous, do not group by it
                else:
                    scope_of_path[key] = scope[:k]

    consumers = {}  # leaf node -> scopes of the operations that use it
    edge_colours = {}  # node -> DOT colour attributes of the edges out of it (show_grads), computed once
    note_targets = set()
    for node in visible:
        i = index[node]
        for position, (child, _) in enumerate(node.next_functions):
            if child is None:
                continue
            j = index[child]
            if j >= len(visible):
                note_targets.add(i)
                continue
            attrs = []
            if show_shapes or show_dtypes:
                text = _shape_text(node._input_meta[position], show_shapes, show_dtypes)
                if text:
                    attrs.append(f"label={_dot_string(' ' + text)}")
            if show_grads:
                if child not in edge_colours:
                    norm = _norm(child.variable.grad) if type(child) is AccumulateGrad else _recorded_norm(child)
                    drawn = norm is not None or type(child) is AccumulateGrad
                    edge_colours[child] = f'color="{gradient_colour(norm, dark=True)}", penwidth=2' if drawn else None
                if edge_colours[child]:
                    attrs.append(edge_colours[child])
            edges.append(f"n{j} -> n{i}" + (f" [{', '.join(attrs)}]" if attrs else ""))
            if type(child) is AccumulateGrad:
                consumers.setdefault(child, set()).add(node.scope)

    for node in visible:
        i = index[node]
        if type(node) is AccumulateGrad:
            tensor = node.variable
            name, kind = graph.leaf(node)
            kinds.add(kind)
            lines = [name]
            text = _shape_text(_meta_of(tensor), show_shapes, show_dtypes)
            if text:
                lines.append(text)
            fill = None
            if show_grads:
                norm = _norm(tensor.grad)
                lines.append("no grad" if norm is None else f"‖grad‖ = {norm:.2g}")
                fill = gradient_colour(norm)
            scope = None
            if group_modules and kind == "parameter":  # into the module that uses it, else the one that owns it
                users = consumers.get(node, ())
                scope = next(iter(users)) if len(users) == 1 else None
                if scope is None and id(tensor) in graph.names:
                    scope = scope_of_path.get(tuple(graph.names[id(tensor)].split(".")[:-1]))
            line = f"n{i} [label={_dot_string(chr(10).join(lines))}, {_style(kind, fill)}]"
        else:
            lines = [node.name()]
            if show_saved:
                if node._saved is None:
                    lines.append("saved: freed by backward")
                else:
                    shapes = [str(tuple(t._data.shape)) for t in node.saved_values if isinstance(t, Tensor)]
                    lines.append("saved: " + (", ".join(shapes) if shapes else "nothing"))
            scope = node.scope if group_modules else None
            line = f"n{i} [label={_dot_string(chr(10).join(lines))}, {_style('op')}]"
        (scoped.setdefault(scope, []) if scope else top).append(line)

    for k, out in enumerate(graph.outputs):
        kinds.add("output")
        label = graph.output_name(k)
        text = _shape_text(_meta_of(out), show_shapes, show_dtypes)
        top.append(f"out{k} [label={_dot_string(label + (chr(10) + text if text else ''))}, {_style('output')}]")
        edges.append(f"n{index[out._grad_node()]} -> out{k}")
    if hidden:
        top.append(f"more [label={_dot_string(f'… {hidden} more nodes not drawn (max_nodes={max_nodes})')}, "
                   f"{_style('note')}]")
        edges.extend(f"more -> n{i} [style=dashed]" for i in sorted(note_targets))
    top.append(_legend(kinds, show_grads))

    body = top + _cluster_lines(scoped) + edges
    return digraph(name="computation_graph", body=[line + "\n" for line in body],
                   graph_attr={"rankdir": rankdir, "fontname": "Helvetica", "fontsize": "11"},
                   node_attr={"fontname": "Helvetica", "fontsize": "11"},
                   edge_attr={"fontname": "Helvetica", "fontsize": "9", "color": "#555555"})


def _cluster_lines(scoped: dict) -> list:
    """Nested `subgraph cluster_...` blocks for the module scopes (an explicit stack, no recursion)."""
    children = {}  # scope -> its child scopes, in first-seen order (a dict used as an ordered set)
    for scope in scoped:
        for k in range(1, len(scope) + 1):
            children.setdefault(scope[:k - 1], {})[scope[:k]] = None
    lines = []
    stack = [(scope, False) for scope in reversed(list(children.get((), ())))]
    while stack:
        scope, close = stack.pop()
        if close:
            lines.append("}")
            continue
        shade = ("#f7f9fc", "#eef2f8", "#e4eaf4", "#dae2f0")[min(len(scope) - 1, 3)]
        lines.append(f"subgraph {_dot_string('cluster_' + '.'.join(scope))} {{")
        lines.append(f'label={_dot_string(_module_path(scope))}; style="rounded,filled"; fillcolor="{shade}"; '
                     'color="#8a9bb5"; fontsize=10; labeljust=l')
        lines.extend(scoped.get(scope, ()))
        stack.append((scope, True))
        stack.extend((child, False) for child in reversed(list(children.get(scope, ()))))
    return lines


# --------------------------------------------------------------------------- text drawing
def format_graph(*outputs: Tensor, params=None, show_shapes: bool = True, max_depth: int = 24) -> str:
    """The computation graph as a text tree (box-drawing characters), inputs below the operation that uses them.

    An operation reached twice is drawn once and referenced as `[#k]` afterwards. Subtrees deeper
    than `max_depth` continue in a separate block below, so the width stays bounded on deep graphs.
    """
    if not isinstance(max_depth, int) or max_depth < 1:
        raise ValueError(f"print_graph: max_depth must be a positive int, got {max_depth!r}")
    graph = _Graph(outputs, params, "print_graph")
    uses = {}
    for node in graph.order:
        for child, _ in node.next_functions:
            if child is not None:
                uses[child] = uses.get(child, 0) + 1
    for out in graph.outputs:
        uses[out._grad_node()] = uses.get(out._grad_node(), 0) + 1

    def describe(node, meta) -> str:
        shape = f" {tuple(meta[0])}" if show_shapes and meta is not None else ""
        if type(node) is AccumulateGrad:
            name, kind = graph.leaf(node)
            return f"{name}{shape}  [{kind}]"
        return f"{node.name()}{shape}" + (f"  in {_module_path(node.scope)}" if node.scope else "")

    def push_inputs(stack, node, prefix, depth) -> None:
        inputs = [(child, node._input_meta[p]) for p, (child, _) in enumerate(node.next_functions) if child is not None]
        for position in range(len(inputs) - 1, -1, -1):  # pushed in reverse so they print in order
            child, meta = inputs[position]
            stack.append((child, meta, prefix, position == len(inputs) - 1, depth))

    refs = {}  # node -> reference number, for shared nodes and continued subtrees
    continued = deque()  # (node, meta) of subtrees cut at max_depth, drawn as blocks of their own
    lines = []
    starts = [(graph.output_name(k), out._grad_node(), _meta_of(out)) for k, out in enumerate(graph.outputs)]
    while starts or continued:
        if starts:
            title, root, meta = starts.pop(0)
            lines.append(title + (f" {tuple(meta[0])}" if show_shapes else ""))
            stack = [(root, meta, "", True, 1)]
        else:
            root, meta = continued.popleft()
            lines.extend(["", f"[#{refs[root]}] {describe(root, meta)}"])
            stack = []
            push_inputs(stack, root, "", 1)
        while stack:
            node, meta, prefix, last, depth = stack.pop()
            line = prefix + ("└── " if last else "├── ") + describe(node, meta)
            if node in refs:
                lines.append(f"{line}  → see [#{refs[node]}]")
                continue
            if type(node) is not AccumulateGrad and (uses.get(node, 0) > 1 or depth > max_depth):
                refs[node] = len(refs) + 1
                if depth > max_depth:
                    lines.append(f"{line}  → continued below at [#{refs[node]}]")
                    continued.append((node, meta))
                    continue
                line += f"  [#{refs[node]}]"
            lines.append(line)
            push_inputs(stack, node, prefix + ("    " if last else "│   "), depth + 1)
    return "\n".join(lines)


def print_graph(*outputs: Tensor, params=None, show_shapes: bool = True, max_depth: int = 24, file=None) -> None:
    """Print the computation graph of `outputs` as a text tree (see `format_graph`); needs no graphviz."""
    text = format_graph(*outputs, params=params, show_shapes=show_shapes, max_depth=max_depth)
    print(text, file=file if file is not None else sys.stdout)
