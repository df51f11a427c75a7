"""Drawing the computation graph: DOT structure, module clusters, shared nodes, gradient colours, rendering, text trees."""
import pathlib
import re
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import autograd as ag
import nn
from autograd import viz

try:
    import graphviz
except ImportError:
    graphviz = None

ROOT = pathlib.Path(__file__).resolve().parents[2]
needs_graphviz = pytest.mark.skipif(graphviz is None, reason="the graphviz Python package is not installed")
needs_dot = pytest.mark.skipif(graphviz is None or shutil.which("dot") is None,
                               reason="the graphviz package or the Graphviz `dot` program is not installed")


# --------------------------------------------------------------------------- reading DOT back
def parse(source: str):
    """(nodes: id -> attribute text, edges: [(tail, head, attribute text)], clusters: id -> (parent, member ids))."""
    nodes, edges, clusters, open_clusters = {}, [], {}, []
    for line in source.splitlines():
        line = line.strip()
        if line.startswith("subgraph "):
            name = re.match(r'subgraph "(cluster_[^"]*)" \{', line).group(1)
            clusters[name] = (open_clusters[-1] if open_clusters else None, [])
            open_clusters.append(name)
        elif line == "}" and open_clusters:
            open_clusters.pop()
        elif m := re.match(r"^(\w+) -> (\w+)(?: \[(.*)\])?$", line):
            edges.append((m.group(1), m.group(2), m.group(3) or ""))
        elif m := re.match(r"^(\w+) \[(.*)\]$", line):
            nodes[m.group(1)] = m.group(2)
            if open_clusters:
                clusters[open_clusters[-1]][1].append(m.group(1))
    return nodes, edges, clusters


def label(attrs: str) -> str:
    return re.search(r'label="((?:[^"\\]|\\.)*)"', attrs).group(1).replace("\\n", "\n")


def fill(attrs: str) -> str:
    return re.search(r'fillcolor="(#[0-9a-f]{6})"', attrs).group(1)


def graph_nodes(nodes):
    """The nodes of the autograd graph (operations and leaves), without outputs, legend and notes."""
    return {k: v for k, v in nodes.items() if re.fullmatch(r"n\d+", k)}


def by_label(nodes):
    return {label(attrs).split("\n")[0]: key for key, attrs in graph_nodes(nodes).items()}


# --------------------------------------------------------------------------- small models
class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.layer1 = nn.Linear(3, 4)
        self.layer2 = nn.Linear(4, 4)

    def forward(self, x):
        return self.layer2(self.layer1(x).tanh())


class TwoLevel(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(self.encoder(x).relu())


class DeepMLP(nn.Module):
    """`depth` Linear layers (PyTorch's default init, or kaiming-normal for ReLU) with an activation between them."""

    def __init__(self, activation, depth=10, width=32, kaiming=False):
        super().__init__()
        self.activation, self.depth = activation, depth
        for k in range(depth):
            layer = nn.Linear(width if k else 8, width if k < depth - 1 else 1)
            if kaiming:
                nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
                nn.init.zeros_(layer.bias)
            setattr(self, f"fc{k}", layer)

    def forward(self, x):
        for k in range(self.depth):
            x = getattr(self, f"fc{k}")(x)
            if k < self.depth - 1:
                x = getattr(x, self.activation)()
        return x


def small_graph_parts():
    """x, w, b, y = relu(x @ wᵀ + b) and loss = sum(y²), with x an input that requires grad."""
    ag.manual_seed(0)
    x = ag.randn(4, 3, requires_grad=True)
    x.name = "x"
    w = ag.randn(2, 3, requires_grad=True)
    b = ag.randn(2, requires_grad=True)
    y = (x @ w.T + b).relu()
    return x, w, b, y, (y * y).sum()


def small_graph():
    x, w, b, y, loss = small_graph_parts()
    return loss, {"fc.weight": w, "fc.bias": b}


# --------------------------------------------------------------------------- structure
@needs_graphviz
def test_known_graph_has_the_expected_nodes_edges_labels_and_shapes():
    loss, params = small_graph()
    nodes, edges, clusters = parse(ag.draw_graph(loss, params=params).source)
    names = by_label(nodes)
    assert sorted(names) == sorted(["SumBackward", "MulBackward", "ReluBackward", "AddBackward", "MatmulBackward",
                                    "PermuteBackward", "x", "fc.weight", "fc.bias"])
    assert len(graph_nodes(nodes)) == 9 and "out0" in nodes and "legend" in nodes and not clusters
    assert len(edges) == 10  # 9 graph edges (relu's output feeds the product twice) + the edge to the output
    assert label(nodes[names["fc.weight"]]) == "fc.weight\n(2, 3)"
    assert label(nodes[names["x"]]) == "x\n(4, 3)"
    assert label(nodes["out0"]) == "output\n()"
    # edges point the way data flows and carry the shape that flows along them
    tails = {(t, h): a for t, h, a in edges}
    assert label(tails[(names["fc.weight"], names["PermuteBackward"])]).strip() == "(2, 3)"
    assert label(tails[(names["PermuteBackward"], names["MatmulBackward"])]).strip() == "(3, 2)"
    assert label(tails[(names["MatmulBackward"], names["AddBackward"])]).strip() == "(4, 2)"
    assert [(t, h) for t, h, _ in edges].count((names["ReluBackward"], names["MulBackward"])) == 2
    assert (names["SumBackward"], "out0") in tails


@needs_graphviz
def test_inputs_parameters_and_outputs_are_styled_apart_with_a_legend():
    loss, params = small_graph()
    nodes, _, _ = parse(ag.draw_graph(loss, params=params).source)
    names = by_label(nodes)
    styles = {kind: nodes[names[key]] for kind, key in
              (("parameter", "fc.weight"), ("input", "x"), ("op", "MatmulBackward"))}
    styles["output"] = nodes["out0"]
    assert len({re.sub(r'label="[^"]*", ', "", s) for s in styles.values()}) == 4
    assert fill(styles["parameter"]) == fill(nodes[names["fc.bias"]])
    for text in ("operation", "parameter", "input", "output"):
        assert text in nodes["legend"]


@needs_graphviz
def test_leaf_names_come_from_params_then_the_tensor_name_then_its_kind():
    ag.manual_seed(0)
    p = nn.Parameter(ag.randn(3))
    named = ag.randn(3, requires_grad=True)
    named.name = "features"
    anonymous = ag.randn(3, requires_grad=True)
    out = (p * named * anonymous).sum()
    labels = {label(a).split("\n")[0] for a in graph_nodes(parse(ag.draw_graph(out).source)[0]).values()}
    assert {"parameter", "features", "input"} <= labels
    # params may be (name, tensor) pairs, e.g. model.named_parameters(), or a Module
    labels = {label(a).split("\n")[0] for a in graph_nodes(parse(ag.draw_graph(out, params=[("scale", p)]).source)[0]).values()}
    assert "scale" in labels


@needs_graphviz
def test_shapes_and_dtypes_options():
    loss, params = small_graph()
    nodes, edges, _ = parse(ag.draw_graph(loss, params=params, show_shapes=False).source)
    assert label(nodes[by_label(nodes)["fc.weight"]]) == "fc.weight"
    assert all("label" not in a for t, h, a in edges)
    nodes, edges, _ = parse(ag.draw_graph(loss, params=params, show_dtypes=True).source)
    assert label(nodes[by_label(nodes)["fc.weight"]]) == "fc.weight\n(2, 3) float32"
    assert all("float32" in label(a) for t, h, a in edges if h != "out0")


@needs_graphviz
def test_a_function_used_twice_shows_its_shared_nodes_once():
    ag.manual_seed(0)
    x = ag.randn(5, requires_grad=True)
    w = ag.randn(5, requires_grad=True)

    def block(h):
        return (h * w).tanh()

    h = block(x)
    out = (block(h) + h * h).sum()  # block's weight is used twice; h feeds three uses
    nodes, edges, _ = parse(ag.draw_graph(out, params={"w": w}).source)
    labels = [label(a).split("\n")[0] for a in graph_nodes(nodes).values()]
    assert labels.count("w") == 1 and labels.count("input") == 1
    assert labels.count("TanhBackward") == 2 and labels.count("MulBackward") == 3
    w_node = by_label(nodes)["w"]
    assert sum(t == w_node for t, _, _ in edges) == 2
    outgoing = [sum(t == k for t, _, _ in edges) for k, a in graph_nodes(nodes).items() if label(a) == "TanhBackward"]
    assert sorted(outgoing) == [1, 3]  # h = tanh(x * w) feeds three uses and is drawn once


@needs_graphviz
def test_several_outputs_share_one_graph():
    ag.manual_seed(0)
    x = ag.randn(3, requires_grad=True)
    h = x.exp()
    a, b = h.sum(), h.mean()
    nodes, edges, _ = parse(ag.draw_graph(a, b).source)
    labels = [label(v).split("\n")[0] for v in graph_nodes(nodes).values()]
    assert labels.count("ExpBackward") == 1 and labels.count("input") == 1
    assert label(nodes["out0"]).startswith("output 0") and label(nodes["out1"]).startswith("output 1")


@needs_graphviz
def test_a_leaf_output_draws_as_one_tensor():
    x = ag.randn(3, requires_grad=True)
    nodes, edges, _ = parse(ag.draw_graph(x).source)
    assert len(graph_nodes(nodes)) == 1 and len(edges) == 1


# --------------------------------------------------------------------------- modules
@needs_graphviz
def test_two_level_model_is_drawn_as_nested_module_clusters():
    ag.manual_seed(0)
    model = TwoLevel()
    params = dict(model.named_parameters())
    out = model(ag.randn(5, 3)).sum()
    nodes, edges, clusters = parse(ag.draw_graph(out, params=params).source)
    assert set(clusters) == {"cluster_TwoLevel", "cluster_TwoLevel.encoder", "cluster_TwoLevel.encoder.layer1",
                             "cluster_TwoLevel.encoder.layer2", "cluster_TwoLevel.head"}
    assert clusters["cluster_TwoLevel"][0] is None
    assert clusters["cluster_TwoLevel.encoder"][0] == "cluster_TwoLevel"
    assert clusters["cluster_TwoLevel.encoder.layer1"][0] == "cluster_TwoLevel.encoder"
    assert clusters["cluster_TwoLevel.head"][0] == "cluster_TwoLevel"
    source = ag.draw_graph(out, params=params).source
    assert 'label="encoder.layer1"' in source and 'label="TwoLevel"' in source
    names = by_label(nodes)

    def members(cluster):
        return {label(nodes[k]).split("\n")[0] for k in clusters[cluster][1]}

    assert members("cluster_TwoLevel.encoder.layer1") == {"LinearBackward", "encoder.layer1.weight", "encoder.layer1.bias"}
    assert members("cluster_TwoLevel.encoder") == {"TanhBackward"}  # made in Encoder.forward itself
    assert members("cluster_TwoLevel") == {"ReluBackward"}
    assert names["SumBackward"] not in sum((m for _, m in clusters.values()), [])  # made outside the model
    assert len(graph_nodes(nodes)) == 3 * 3 + 3  # three layers of (op, weight, bias); tanh, relu, sum


@needs_graphviz
def test_params_may_be_the_model_itself():
    ag.manual_seed(0)
    model = TwoLevel()
    out = model(ag.randn(5, 3)).sum()
    assert ag.draw_graph(out, params=model).source == ag.draw_graph(out, params=dict(model.named_parameters())).source


@needs_graphviz
def test_the_drawing_pickles_and_copies():
    import pickle

    loss, params = small_graph()
    graph = ag.draw_graph(loss, params=params)
    for clone in (pickle.loads(pickle.dumps(graph)), graph.copy()):
        assert type(clone) is viz.ComputationGraph and clone.source == graph.source
    assert issubclass(viz.GraphvizNotFoundError, graphviz.ExecutableNotFound)


@needs_graphviz
def test_parameters_join_the_module_that_uses_them_without_params():
    ag.manual_seed(0)
    model = TwoLevel()
    nodes, _, clusters = parse(ag.draw_graph(model(ag.randn(5, 3)).sum()).source)
    layer1 = [label(nodes[k]).split("\n")[0] for k in clusters["cluster_TwoLevel.encoder.layer1"][1]]
    assert sorted(layer1) == ["LinearBackward", "parameter", "parameter"]


@needs_graphviz
def test_group_modules_false_draws_no_clusters():
    ag.manual_seed(0)
    model = TwoLevel()
    source = ag.draw_graph(model(ag.randn(5, 3)).sum(), group_modules=False).source
    assert "subgraph" not in source and "cluster" not in source


# --------------------------------------------------------------------------- after backward, saved tensors
@needs_graphviz
def test_drawing_works_after_backward_released_the_saved_tensors():
    loss, params = small_graph()
    before = parse(ag.draw_graph(loss, params=params, show_saved=True).source)[0]
    assert label(before[by_label(before)["MatmulBackward"]]) == "MatmulBackward\nsaved: (4, 3), (3, 2)"
    assert label(before[by_label(before)["SumBackward"]]) == "SumBackward\nsaved: nothing"
    loss.backward()
    after_source = ag.draw_graph(loss, params=params, show_saved=True).source
    after = parse(after_source)[0]
    assert label(after[by_label(after)["MatmulBackward"]]) == "MatmulBackward\nsaved: freed by backward"
    plain_before = ag.draw_graph(loss, params=params).source
    assert len(graph_nodes(after)) == len(graph_nodes(before)) and "freed" not in plain_before


# --------------------------------------------------------------------------- gradient colours
def test_gradient_colour_scale():
    assert viz.gradient_colour(1e-9) == viz.gradient_colour(0.0) == viz.gradient_colour(1e-6) == viz.VANISHING_COLOUR
    assert viz.gradient_colour(1e3) == viz.gradient_colour(1e9) == viz.EXPLODING_COLOUR
    assert viz.gradient_colour(None) == viz.NO_GRAD_COLOUR
    assert viz.gradient_colour(float("nan")) == viz.gradient_colour(float("inf")) == viz.NONFINITE_COLOUR
    assert len({viz.gradient_colour(10.0 ** k) for k in range(-6, 4)}) == 10  # every decade in between differs
    assert viz.gradient_colour(1e-2) not in (viz.VANISHING_COLOUR, viz.EXPLODING_COLOUR)


def _leaf_fills(model, loss):
    nodes, edges, _ = parse(ag.draw_graph(loss, params=dict(model.named_parameters()), show_grads=True).source)
    names = by_label(nodes)
    return {name: fill(nodes[names[name]]) for name, _ in model.named_parameters()}, nodes, edges


@needs_graphviz
def test_deep_sigmoid_mlp_shows_vanishing_first_layers_and_kaiming_relu_does_not():
    ag.manual_seed(0)
    x = ag.randn(16, 8)
    sigmoid_net = DeepMLP("sigmoid")
    loss = (sigmoid_net(x) ** 2).mean()
    loss.backward()
    fills, nodes, edges = _leaf_fills(sigmoid_net, loss)
    assert fills["fc0.weight"] == fills["fc0.bias"] == fills["fc1.weight"] == viz.VANISHING_COLOUR
    assert fills["fc9.weight"] != viz.VANISHING_COLOUR
    weight_node = by_label(nodes)["fc0.weight"]
    assert "‖grad‖ = " in label(nodes[weight_node])
    # the edge out of a leaf is coloured with the same hue as the leaf
    edge = next(a for t, _, a in edges if t == weight_node)
    assert re.search(r'color="(#\w+)"', edge).group(1) == viz.gradient_colour(0.0, dark=True)
    assert "vanishing" in nodes["legend"] and "exploding" in nodes["legend"]

    ag.manual_seed(0)
    relu_net = DeepMLP("relu", kaiming=True)
    loss = (relu_net(x) ** 2).mean()
    loss.backward()
    fills, _, _ = _leaf_fills(relu_net, loss)
    assert viz.VANISHING_COLOUR not in fills.values() and viz.EXPLODING_COLOUR not in fills.values()


@needs_graphviz
def test_leaves_without_gradient_are_grey_and_intermediate_edges_are_plain_unless_recorded():
    loss, params = small_graph()
    nodes, edges, _ = parse(ag.draw_graph(loss, params=params, show_grads=True).source)
    assert fill(nodes[by_label(nodes)["fc.weight"]]) == viz.NO_GRAD_COLOUR
    assert "no grad" in label(nodes[by_label(nodes)["fc.weight"]])
    loss.backward()
    nodes, edges, _ = parse(ag.draw_graph(loss, params=params, show_grads=True).source)
    names = by_label(nodes)
    coloured = {(t, h) for t, h, a in edges if "penwidth" in a}
    assert coloured == {(names[k], h) for k in ("x", "fc.weight", "fc.bias") for t, h, _ in edges if t == names[k]}


@needs_graphviz
def test_record_gradient_norms_colours_every_edge_with_the_norm_of_its_gradient():
    x, w, b, y, loss = small_graph_parts()
    viz.record_gradient_norms(loss)
    viz.record_gradient_norms(loss)  # idempotent: the hooks are added once
    loss.backward()
    nodes, edges, _ = parse(ag.draw_graph(loss, params={"fc.weight": w, "fc.bias": b}, show_grads=True).source)
    assert all("penwidth" in a for t, h, a in edges if h != "out0")
    # loss = sum(y * y), so the gradient reaching y = relu(...) is 2y: its norm colours both edges out of ReluBackward
    expected = viz.gradient_colour(float(np.linalg.norm(2 * y._data)), dark=True)
    relu_edges = [a for t, h, a in edges if t == by_label(nodes)["ReluBackward"]]
    assert len(relu_edges) == 2 and all(re.search(r'color="(#\w+)"', a).group(1) == expected for a in relu_edges)
    assert expected not in (viz.gradient_colour(1e-6, dark=True), viz.gradient_colour(1e3, dark=True))


@needs_graphviz
def test_retain_grad_colours_the_edges_out_of_that_tensor():
    x = ag.randn(3, requires_grad=True)
    h = x.exp()
    h.retain_grad()
    out = (h * 1e4).sum()  # d out / d h = 1e4 everywhere: exploding
    out.backward()
    nodes, edges, _ = parse(ag.draw_graph(out, show_grads=True).source)
    exp_edge = next(a for t, _, a in edges if t == by_label(nodes)["ExpBackward"])
    assert re.search(r'color="(#\w+)"', exp_edge).group(1) == viz.gradient_colour(1e3, dark=True)


# --------------------------------------------------------------------------- size
def _chain(n_ops):
    ag.manual_seed(0)
    x = ag.randn(3, requires_grad=True)
    weights = [ag.randn(3, requires_grad=True) for _ in range(10)]
    y = x
    for i in range(n_ops // 2):
        y = (y * weights[i % 10]).tanh()
    return y.sum()


@needs_graphviz
def test_max_nodes_draws_the_nodes_nearest_the_outputs_and_a_note_for_the_rest():
    out = _chain(60)  # 60 operations + sum + 11 leaves = 72 nodes
    nodes, edges, _ = parse(ag.draw_graph(out, max_nodes=20).source)
    assert len(graph_nodes(nodes)) == 20
    assert label(nodes["more"]) == "… 52 more nodes not drawn (max_nodes=20)"
    assert any(t == "more" for t, _, _ in edges)
    assert all(t in nodes and h in nodes for t, h, _ in edges)  # no edge to an undrawn node
    assert "SumBackward" in by_label(nodes)
    assert "more" not in parse(ag.draw_graph(out, max_nodes=72).source)[0]


@needs_graphviz
def test_a_5000_node_graph_builds_quickly():
    out = _chain(5000)
    start = time.perf_counter()
    graph = ag.draw_graph(out, show_grads=True, show_saved=True)
    source = graph.source
    elapsed = time.perf_counter() - start
    assert len(graph_nodes(parse(source)[0])) == 5000 + 1 + 11  # operations, the sum, the leaves
    assert elapsed < 5.0  # a loose sanity bound: about 0.1-0.2 s on one core; see the report for timings


@needs_graphviz
def test_very_deep_graphs_do_not_hit_the_recursion_limit():
    out = _chain(2 * sys.getrecursionlimit() + 10)
    assert len(graph_nodes(parse(ag.draw_graph(out).source)[0])) > sys.getrecursionlimit()
    text = viz.format_graph(out)
    assert max(len(line) for line in text.splitlines()) < 200  # deep subtrees continue in blocks below


# --------------------------------------------------------------------------- rendering
@needs_dot
@pytest.mark.parametrize("fmt", ["svg", "png"])
@needs_graphviz
def test_render_writes_svg_and_png(tmp_path, fmt):
    ag.manual_seed(0)
    model = TwoLevel()
    loss = model(ag.randn(5, 3)).sum()
    loss.backward()
    graph = ag.draw_graph(loss, params=dict(model.named_parameters()), show_grads=True)
    path = pathlib.Path(graph.render(tmp_path / "graph", format=fmt, cleanup=True))
    assert path.exists() and path.suffix == f".{fmt}"
    if fmt == "svg":
        root = ET.parse(path).getroot()
        assert root.tag.endswith("svg")
        titles = {t.text for t in root.iter("{http://www.w3.org/2000/svg}title")}
        assert "cluster_TwoLevel.encoder.layer1" in titles
    else:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert graph._repr_mimebundle_()["image/svg+xml"].lstrip().startswith("<?xml")


@needs_graphviz
def test_missing_dot_raises_an_error_that_says_what_to_install(monkeypatch, tmp_path):
    loss, params = small_graph()
    graph = ag.draw_graph(loss, params=params)  # building needs no `dot`
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no `dot` on PATH
    assert "MatmulBackward" in graph.source
    for attempt in (lambda: graph.render(tmp_path / "g", format="svg"), lambda: graph.pipe(format="svg"),
                    graph._repr_mimebundle_):
        with pytest.raises(graphviz.ExecutableNotFound) as info:
            attempt()
        message = str(info.value)
        assert "apt-get install graphviz" in message and "brew install graphviz" in message
        assert "conda install graphviz" in message and ".source" in message


def test_import_autograd_and_print_graph_work_without_the_graphviz_package():
    code = ("import sys; sys.modules['graphviz'] = None\n"
            "import autograd as ag\n"
            "x = ag.randn(2, requires_grad=True)\n"
            "ag.print_graph((x * x).sum())\n"
            "try:\n    ag.draw_graph((x * x).sum())\nexcept ImportError as e:\n    print('ImportError:', e)\n")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "MulBackward" in result.stdout and "ImportError: draw_graph needs the graphviz Python package" in result.stdout
    assert "pip install graphviz" in result.stdout


# --------------------------------------------------------------------------- errors
@needs_graphviz
def test_errors_name_the_problem_and_the_fix():
    loss, _ = small_graph()
    with pytest.raises(ValueError, match="no grad_fn and does not require grad"):
        ag.draw_graph(ag.randn(3))
    with ag.no_grad():
        frozen = loss * 2
    with pytest.raises(ValueError, match=r"output 0 \(shape \(\)\).*requires_grad=True"):
        ag.print_graph(frozen)
    with pytest.raises(TypeError, match="outputs must be Tensors"):
        ag.draw_graph(np.ones(3))
    with pytest.raises(ValueError, match="at least one output"):
        ag.draw_graph()
    with pytest.raises(ValueError, match="rankdir must be"):
        ag.draw_graph(loss, rankdir="sideways")
    with pytest.raises(ValueError, match="max_nodes must be a positive int"):
        ag.draw_graph(loss, max_nodes=0)
    with pytest.raises(TypeError, match="params must be a dict"):
        ag.draw_graph(loss, params=[1, 2])
    with pytest.raises(ValueError, match="max_depth"):
        ag.print_graph(loss, max_depth=0)


@needs_graphviz
def test_rankdir_is_passed_to_graphviz():
    loss, _ = small_graph()
    assert "rankdir=LR" in ag.draw_graph(loss, rankdir="LR").source


@needs_graphviz
def test_labels_with_quotes_and_backslashes_are_escaped():
    x = ag.randn(2, requires_grad=True)
    x.name = 'a "quoted" \\ name'
    nodes, _, _ = parse(ag.draw_graph(x.exp().sum()).source)
    assert any('a \\"quoted\\" \\\\ name' in a for a in nodes.values())


# --------------------------------------------------------------------------- text tree
def test_print_graph_draws_a_text_tree_with_shared_nodes_once(capsys):
    loss, params = small_graph()
    ag.print_graph(loss, params=params)
    assert capsys.readouterr().out == (
        "output ()\n"
        "└── SumBackward ()\n"
        "    └── MulBackward (4, 2)\n"
        "        ├── ReluBackward (4, 2)  [#1]\n"
        "        │   └── AddBackward (4, 2)\n"
        "        │       ├── MatmulBackward (4, 2)\n"
        "        │       │   ├── x (4, 3)  [input]\n"
        "        │       │   └── PermuteBackward (3, 2)\n"
        "        │       │       └── fc.weight (2, 3)  [parameter]\n"
        "        │       └── fc.bias (2,)  [parameter]\n"
        "        └── ReluBackward (4, 2)  → see [#1]\n"
    )


def test_print_graph_shows_modules_and_continues_deep_subtrees_below():
    ag.manual_seed(0)
    model = TwoLevel()
    text = viz.format_graph(model(ag.randn(5, 3)).sum(), params=dict(model.named_parameters()), max_depth=3)
    lines = text.splitlines()
    assert lines[0] == "output ()"
    assert "LinearBackward (5, 2)  in head" in lines[2]
    assert any("→ continued below at [#1]" in line for line in lines)
    block = lines.index("[#1] LinearBackward (5, 4)  in encoder.layer2")
    assert lines[block - 1] == ""
    assert any("encoder.layer1.weight (4, 3)  [parameter]" in line for line in lines[block:])


# --------------------------------------------------------------------------- the README drawing
@needs_dot
def test_readme_graph_script_writes_a_valid_svg_with_module_clusters(tmp_path):
    target = tmp_path / "graph.svg"
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "draw_readme_graph.py"), "--output", str(target)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    root = ET.parse(target).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    titles = {t.text for t in root.iter("{http://www.w3.org/2000/svg}title")}
    assert {"cluster_MLP.hidden", "cluster_MLP.out"} <= titles
    text = target.read_text()
    assert "hidden.weight" in text and "LinearBackward" in text


def test_the_checked_in_readme_graph_is_valid_svg():
    path = ROOT / "docs" / "graph.svg"
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg" and "hidden.weight" in path.read_text()
