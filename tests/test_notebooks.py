"""The tutorial notebooks run top to bottom in a fresh kernel, match their sources, and their stored
outputs are the ones a fresh run prints.

Each notebook asserts its key numbers in its own cells (reference values, XOR solved,
accuracy thresholds), so executing it is a test of what it teaches, not only that it
runs. The stored `.ipynb` must be the one built from `notebooks/src/` (rebuild with
`python scripts/build_notebooks.py`), and what a fresh run prints must agree with what is
stored, so a reader never sees numbers the code no longer produces.
"""
import importlib.util
import math
import os
import re
import shutil
import sys
import time
from pathlib import Path

import pytest

for module in ("nbformat", "nbclient", "ipykernel", "matplotlib", "sklearn", "tqdm"):
    pytest.importorskip(module, reason="notebook tests need the 'examples' extra: pip install -e '.[examples,dev]'")

import nbformat  # noqa: E402
from nbclient import NotebookClient  # noqa: E402
from nbclient.exceptions import CellExecutionError  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 120  # seconds; the slowest cell of any notebook takes a few seconds
NEEDS_GRAPHVIZ = {"04_computation_graphs"}  # draws graphs: the graphviz package (the 'viz' extra) and `dot`
NEEDS_ONNX = {"03_mlp_from_scratch"}  # exports a model and runs it: onnx and onnxruntime (the 'onnx' extra)


def _builder():
    spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "scripts" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sources(nb) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in nb.cells]


# ----------------------------------------------------------------------------- comparing text outputs
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")  # object addresses in reprs differ from run to run
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|\bnan\b|\binf\b")
RELATIVE_TOLERANCE = 1e-6  # a few float32 roundings: a different summation order, not different code
ROUNDING_NOISE = 1e-10     # printed differences this small (2.2e-16, 3.8e-13) are rounding error, whatever their digits


def _text_outputs(nb) -> list[tuple[str, list[str]]]:
    """Per code cell: everything it printed to stdout, and the text of each result it displayed.

    Standard error (warnings, progress bars with timings) and pictures are not compared.
    """
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        printed, results = [], []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                printed.append(output.get("text", ""))
            elif output.get("output_type") in ("execute_result", "display_data") and "text/plain" in output.get("data", {}):
                results.append(_ADDRESS.sub("0x…", output["data"]["text/plain"]))
        cells.append((_ADDRESS.sub("0x…", "".join(printed)), results))
    return cells


def _number_close(stored: str, fresh: str) -> bool:
    """Two printed numbers agree: integers exactly; decimals to a relative 1e-6 or one unit of the last digit shown;
    two values that are both rounding noise (below 1e-10) always."""
    if stored in ("nan", "inf") or fresh in ("nan", "inf"):
        return stored == fresh
    a, b = float(stored), float(fresh)
    if abs(a) < ROUNDING_NOISE and abs(b) < ROUNDING_NOISE:
        return True
    mantissa, _, exponent = stored.lower().partition("e")
    if "." not in mantissa and not exponent:
        return a == b
    decimals = len(mantissa.partition(".")[2])
    last_digit = 10.0 ** (int(exponent or 0) - decimals)
    return math.isclose(a, b, rel_tol=RELATIVE_TOLERANCE, abs_tol=last_digit * (1 + 1e-9))


def _texts_agree(stored: str, fresh: str) -> bool:
    """The same words and layout (up to runs of whitespace) and, number by number, the same values."""
    stored_words, fresh_words = _NUMBER.split(stored), _NUMBER.split(fresh)
    if [" ".join(w.split()) for w in stored_words] != [" ".join(w.split()) for w in fresh_words]:
        return False
    return all(_number_close(s, f) for s, f in zip(_NUMBER.findall(stored), _NUMBER.findall(fresh)))


def _first_difference(stored: str, fresh: str) -> str:
    stored_lines, fresh_lines = stored.splitlines(), fresh.splitlines()
    for index in range(max(len(stored_lines), len(fresh_lines))):
        s = stored_lines[index] if index < len(stored_lines) else "<nothing>"
        f = fresh_lines[index] if index < len(fresh_lines) else "<nothing>"
        if not _texts_agree(s, f):
            return f"stored: {s!r}\n  fresh:  {f!r}"
    return f"stored: {stored!r}\n  fresh:  {fresh!r}"


def _stale_outputs(stored_nb, fresh_nb) -> list[str]:
    """Descriptions of the code cells whose stored text outputs a fresh run does not reproduce."""
    problems = []
    stored_cells, fresh_cells = _text_outputs(stored_nb), _text_outputs(fresh_nb)
    if len(stored_cells) != len(fresh_cells):
        return [f"{len(stored_cells)} code cells stored, {len(fresh_cells)} run"]
    for index, ((stored_text, stored_results), (fresh_text, fresh_results)) in enumerate(zip(stored_cells, fresh_cells)):
        if not _texts_agree(stored_text, fresh_text):
            problems.append(f"code cell {index + 1} printed differently:\n  {_first_difference(stored_text, fresh_text)}")
        elif len(stored_results) != len(fresh_results) or not all(map(_texts_agree, stored_results, fresh_results)):
            problems.append(f"code cell {index + 1} displayed different results:\n  stored: {stored_results}\n"
                            f"  fresh:  {fresh_results}")
    return problems


def test_output_comparison_tolerates_rounding_but_not_change():
    assert _texts_agree("elu [-0.95021296  0.5]", "elu [-0.9502129   0.5]")  # one float32 rounding, repadded
    assert _texts_agree("accuracy 0.953", "accuracy 0.954")                   # the last printed digit
    assert _texts_agree("error 1.2e-08", "error 1.3e-08")
    assert _texts_agree("largest difference 2.220446049250313e-16", "largest difference 4.440892098500626e-16")
    assert not _texts_agree("largest difference 2.2e-16", "largest difference 0.1")
    assert _texts_agree("<Digraph object at 0x…>", "<Digraph object at 0x…>")
    assert not _texts_agree("accuracy 0.953", "accuracy 0.951")
    assert not _texts_agree("Total params: 26", "Total params: 27")            # integers exactly
    assert not _texts_agree("18,000 characters", "23,931 characters")
    assert not _texts_agree("loss 0.5", "loss nan")
    assert not _texts_agree("train 0.1 val 0.2", "train 0.1")
    assert not _texts_agree("sigmoid", "tanh")


# ----------------------------------------------------------------------------- the notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_from_a_clean_kernel_and_reproduces_its_outputs(path, monkeypatch):
    if path.stem in NEEDS_GRAPHVIZ:
        pytest.importorskip("graphviz", reason=f"{path.name} needs the 'viz' extra: pip install -e '.[viz]'")
        if shutil.which("dot") is None:
            pytest.skip(f"{path.name} needs the Graphviz program `dot` (apt-get install graphviz)")
    if path.stem in NEEDS_ONNX:
        for module in ("onnx", "onnxruntime"):
            pytest.importorskip(module, reason=f"{path.name} needs the 'onnx' extra: pip install -e '.[onnx]'")
    environment = dict(os.environ)
    _builder().kernel_environment(environment)  # this checkout first on PYTHONPATH; one BLAS thread
    for name, value in environment.items():
        if os.environ.get(name) != value:
            monkeypatch.setenv(name, value)
    stored = nbformat.read(path, as_version=4)
    nb = nbformat.read(path, as_version=4)
    # kernel_name='python3' resolves to the ipykernel of this very interpreter (jupyter_client's
    # native kernel), so no `ipykernel install` step is needed.
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as error:
        pytest.fail(f"{path.name} failed:\n{error}", pytrace=False)
    print(f"{path.name}: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    stale = _stale_outputs(stored, nb)
    assert not stale, (f"{path.name} is stored with outputs a fresh run does not print (rebuild it: "
                       f"python scripts/build_notebooks.py {path.stem[:2]}):\n" + "\n".join(stale))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_built_from_its_source_with_outputs(path):
    source = ROOT / "notebooks" / "src" / f"{path.stem}.py"
    assert source.exists(), f"{path.name} has no source {source.relative_to(ROOT)}; notebooks are built from sources"
    stored = nbformat.read(path, as_version=4)
    assert _sources(stored) == _sources(_builder().build(source)), (
        f"{path.name} is out of date with {source.relative_to(ROOT)}: run python scripts/build_notebooks.py {path.stem[:2]}"
    )
    code = [cell for cell in stored.cells if cell.cell_type == "code"]
    assert all(cell.get("execution_count") for cell in code), f"{path.name} is stored without outputs: build it executed"
    errors = [o for cell in code for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors, f"{path.name} is stored with an error output: {errors[0].get('ename')}: {errors[0].get('evalue')}"


def test_every_source_has_a_notebook():
    sources = sorted(p for p in (ROOT / "notebooks" / "src").glob("*.py") if not p.name.startswith("_"))  # _: drafts
    missing = [s.stem for s in sources if not (ROOT / "notebooks" / f"{s.stem}.ipynb").exists()]
    assert not missing, f"sources without a built notebook: {missing}; run python scripts/build_notebooks.py"


def test_every_notebook_is_listed_in_both_readmes():
    for readme in (ROOT / "README.md", ROOT / "notebooks" / "README.md"):
        text = readme.read_text(encoding="utf-8")
        unlisted = [p.name for p in NOTEBOOKS if f"{p.name})" not in text]
        assert not unlisted, f"{readme.relative_to(ROOT)} does not link {unlisted}"
