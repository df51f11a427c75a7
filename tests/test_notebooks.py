"""The tutorial notebooks run top to bottom in a fresh kernel, and match their sources.

Each notebook asserts its key numbers in its own cells (reference values, XOR solved,
accuracy thresholds), so executing it is a test of what it teaches, not only that it
runs. The stored `.ipynb` must be the one built from `notebooks/src/` (rebuild with
`python scripts/build_notebooks.py`).
"""
import importlib.util
import os
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


def _builder():
    spec = importlib.util.spec_from_file_location("build_notebooks", ROOT / "scripts" / "build_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sources(nb) -> list[tuple[str, str]]:
    return [(cell.cell_type, cell.source) for cell in nb.cells]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_from_a_clean_kernel(path, monkeypatch):
    if path.stem in NEEDS_GRAPHVIZ:
        pytest.importorskip("graphviz", reason=f"{path.name} needs the 'viz' extra: pip install -e '.[viz]'")
        if shutil.which("dot") is None:
            pytest.skip(f"{path.name} needs the Graphviz program `dot` (apt-get install graphviz)")
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if name not in os.environ:  # small matrices: one BLAS thread is faster on a busy machine (see the builder)
            monkeypatch.setenv(name, "1")
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
    sources = sorted((ROOT / "notebooks" / "src").glob("[!_]*.py"))  # _name.py: drafts, not built
    missing = [s.stem for s in sources if not (ROOT / "notebooks" / f"{s.stem}.ipynb").exists()]
    assert not missing, f"sources without a built notebook: {missing}; run python scripts/build_notebooks.py"
