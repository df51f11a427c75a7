"""Build the tutorial notebooks from their sources and execute them, saving the outputs.

Each notebook is written as a plain Python file, `notebooks/src/NN_name.py`, in the
"percent" format: a line starting with `# %%` opens a code cell and `# %% [markdown]`
opens a markdown cell whose lines are written as `# text`. The sources are what gets
reviewed; the `.ipynb` files beside them are generated (with their outputs, so they
read well on a code host without running). A code cell opened with
`# %% image=notebooks/images/name.png` also saves its (first) picture to that file,
for the READMEs.

    python scripts/build_notebooks.py                 # build and execute every notebook
    python scripts/build_notebooks.py 01 05           # only those whose name starts with 01 or 05
    python scripts/build_notebooks.py --no-execute    # build without running (no outputs)
"""
from __future__ import annotations

import argparse
import base64
import os
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SOURCES = NOTEBOOKS / "src"
KERNEL = {"display_name": "Python 3", "language": "python", "name": "python3"}


def parse_cells(text: str) -> list[tuple[str, str, str | None]]:
    """The (kind, source, image path) cells of a percent-format file; kind is 'code' or 'markdown'."""
    cells: list[tuple[str, list[str], str | None]] = []
    for line in text.splitlines():
        if line.startswith("# %%"):
            kind = "markdown" if "[markdown]" in line else "code"
            image = line.split("image=", 1)[1].strip() if "image=" in line else None
            cells.append((kind, [], image))
        elif cells:
            kind, lines, _ = cells[-1]
            if kind == "markdown":
                line = line[2:] if line.startswith("# ") else line.lstrip("#")
            lines.append(line)
        elif line.strip() and not line.startswith("#"):
            raise ValueError(f"code before the first '# %%' marker: {line!r}")
    result = []
    for kind, lines, image in cells:
        while lines and not lines[-1].strip():
            lines.pop()
        while lines and not lines[0].strip():
            lines.pop(0)
        if lines:
            result.append((kind, "\n".join(lines), image))
    return result


def build(source: Path) -> nbformat.NotebookNode:
    """A notebook (without outputs) from a percent-format source file."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = dict(KERNEL)
    nb.metadata["language_info"] = {"name": "python"}
    for kind, text, image in parse_cells(source.read_text()):
        cell = nbformat.v4.new_markdown_cell(text) if kind == "markdown" else nbformat.v4.new_code_cell(text)
        if image:
            cell.metadata["image"] = image
        nb.cells.append(cell)
    for index, cell in enumerate(nb.cells):
        cell["id"] = f"{source.stem[:2]}-{index:03d}"  # stable ids keep diffs of re-built notebooks small
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = 300) -> nbformat.NotebookNode:
    """Run every cell in a fresh kernel (this interpreter's ipykernel), in the notebooks folder.

    Cell timings are not recorded, so a rebuild that changes nothing else leaves the file unchanged
    except for its pictures.
    """
    from nbclient import NotebookClient

    kernel_environment()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    return nb


def save_images(nb: nbformat.NotebookNode) -> None:
    """Write the picture of each cell whose metadata names an image file (see the module docstring)."""
    for cell in nb.cells:
        path = cell.metadata.get("image")
        pictures = [o for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]
        if path and pictures:
            (ROOT / path).parent.mkdir(parents=True, exist_ok=True)
            (ROOT / path).write_bytes(base64.b64decode(pictures[0]["data"]["image/png"]))


def kernel_environment(environ=os.environ) -> None:
    """Set up the environment that kernels started from here inherit.

    * The repository root goes first on PYTHONPATH, so `import autograd` and `import nn` in a notebook
      load the code of this checkout (a git worktree, say), not whatever an editable install points at.
    * One BLAS thread unless the user chose otherwise: the notebooks multiply small matrices, where a
      second OpenBLAS thread gains little; on a machine that is busy with other work, OpenBLAS's
      spinning threads make them many times slower instead.
    """
    paths = [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(ROOT) not in paths:
        environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *paths])
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        environ.setdefault(name, "1")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="prefixes of the notebooks to build (default: all)")
    parser.add_argument("--no-execute", action="store_true", help="write the notebooks without running them")
    args = parser.parse_args(argv)
    sources = sorted(p for p in SOURCES.glob("*.py") if not p.name.startswith("_"))  # _name.py: a pending draft
    if args.names:
        sources = [s for s in sources if any(s.stem.startswith(n) for n in args.names)]
    if not sources:
        print("no notebook sources matched", file=sys.stderr)
        return 1
    for source in sources:
        nb = build(source)
        start = time.perf_counter()
        if not args.no_execute:
            execute(nb)
            save_images(nb)
        target = NOTEBOOKS / f"{source.stem}.ipynb"
        nbformat.write(nb, target)
        print(f"{target.relative_to(ROOT)}: {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
