"""Draw the computation graph shown in the README (docs/graph.svg): a 2-layer MLP and its loss, grouped by module.

    python scripts/draw_readme_graph.py                 # writes docs/graph.svg
    python scripts/draw_readme_graph.py --output x.svg  # anywhere else (the tests do this)

Needs the graphviz Python package and the Graphviz `dot` program (`apt-get install graphviz`).
"""
from __future__ import annotations

import argparse
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a clone without installing

import autograd  # noqa: E402
import nn  # noqa: E402
import nn.functional as F  # noqa: E402


class MLP(nn.Module):
    def __init__(self, in_features: int = 4, hidden: int = 8, classes: int = 3):
        super().__init__()
        self.hidden = nn.Linear(in_features, hidden)
        self.out = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.out(self.hidden(x).relu())


def main(argv=None) -> pathlib.Path:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=pathlib.Path, default=ROOT / "docs" / "graph.svg", help="the SVG to write")
    args = parser.parse_args(argv)

    autograd.manual_seed(0)
    model = MLP()
    x = autograd.randn(16, 4)
    target = autograd.randint(0, 3, (16,))
    loss = F.cross_entropy(model(x), target)
    loss.name = "loss"
    loss.backward()

    graph = autograd.draw_graph(loss, params=dict(model.named_parameters()), show_grads=True, rankdir="TB")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    path = pathlib.Path(graph.render(outfile=str(args.output), format="svg", cleanup=True))
    print(f"wrote {path}")
    return path


if __name__ == "__main__":
    main()
