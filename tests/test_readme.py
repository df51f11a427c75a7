"""The README's Python examples run as written, and its printed values are what they claim.

The blocks run in order in one namespace, each reported as its own test. A block that needs something
optional which is missing (a package it imports, such as torch or onnxruntime; the graphviz package or its
`dot` program for drawing) is skipped with the reason, as is a later block that uses a name only a skipped
block defines; every other block still runs.
"""
import contextlib
import importlib.util
import io
import os
import pathlib
import re
import shutil
import sys

import pytest

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


BLOCKS = python_blocks()


def missing_requirement(block: str):
    """Why this block cannot run here (None if it can): an imported package that is not installed, or graphviz."""
    for module in re.findall(r"^\s*(?:import|from)\s+([A-Za-z_][\w]*)", block, flags=re.M):
        if importlib.util.find_spec(module) is None:
            return f"needs {module}, which is not installed"
    if "draw_graph" in block and importlib.util.find_spec("graphviz") is None:
        return "needs the graphviz Python package (pip install graphviz)"
    if ".render(" in block and shutil.which("dot") is None:
        return "needs the Graphviz program dot (apt-get install graphviz)"
    return None


class _Run:
    """Runs the blocks once, in order, remembering each one's outcome."""

    def __init__(self, directory):
        self.directory, self.namespace, self.outcomes, self.skipped = directory, {}, [], False

    def outcome(self, index: int):
        while len(self.outcomes) <= index:
            self.outcomes.append(self._run(BLOCKS[len(self.outcomes)]))
        return self.outcomes[index]

    def _run(self, block: str):
        reason = missing_requirement(block)
        if reason:
            self.skipped = True
            return ("skip", reason)
        out = io.StringIO()
        try:
            with _inside(self.directory), contextlib.redirect_stdout(out):
                exec(compile(block, str(README), "exec"), self.namespace)
        except NameError as error:
            if self.skipped:
                return ("skip", f"uses a name from a skipped block ({error})")
            return ("error", error)
        except Exception as error:
            return ("error", error)
        claimed = [line.split("#", 1)[1].strip() for line in block.splitlines()
                   if line.strip().startswith("print(") and "#" in line]
        printed = [line.strip() for line in out.getvalue().splitlines()]
        return ("ran", list(zip(claimed, printed)))


@contextlib.contextmanager
def _inside(directory):
    previous = os.getcwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(previous)


@pytest.fixture(scope="module")
def readme_run(tmp_path_factory):
    torch = sys.modules.get("torch")  # a reader's PyTorch starts in float32, whatever another test module set
    previous = torch.get_default_dtype() if torch else None
    if torch:
        torch.set_default_dtype(torch.float32)
    yield _Run(tmp_path_factory.mktemp("readme"))  # the examples may write files (a rendered graph, a model)
    if torch:
        torch.set_default_dtype(previous)


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_readme_python_examples_run_and_print_what_they_say(readme_run, index):
    kind, detail = readme_run.outcome(index)
    if kind == "skip":
        pytest.skip(detail)
    if kind == "error":
        raise detail
    for claim, line in detail:
        assert line == claim, f"README claims {claim!r} but the code prints {line!r}"


def test_blocks_needing_missing_packages_are_skipped_not_failed(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in ("torch", "graphviz") else real(name))
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert "torch" in missing_requirement("import torch\nx = torch.ones(2)")
    assert "graphviz" in missing_requirement("g = ag.draw_graph(loss)")
    assert "dot" in missing_requirement("graph.render('mlp')")
    assert missing_requirement("import numpy as np") is None


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one():
    text = README.read_text()
    assert text.count("<!-- demo-command -->") == 1 and text.count("<!-- test-command -->") == 1
    ci = (README.parent / ".ci" / "run").read_text()
    assert "test-command" in ci
