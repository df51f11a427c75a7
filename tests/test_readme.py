"""The README's Python examples run as written, and its printed values are what they claim."""
import contextlib
import io
import pathlib
import re

README = pathlib.Path(__file__).resolve().parent.parent / "README.md"


def python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S)


def test_readme_python_examples_run_and_print_what_they_say(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples may write files (a rendered graph)
    namespace = {}
    for block in python_blocks():
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(README), "exec"), namespace)
        claimed = [line.split("#", 1)[1].strip() for line in block.splitlines()
                   if line.strip().startswith("print(") and "#" in line]
        printed = [line.strip() for line in out.getvalue().splitlines()]
        for claim, line in zip(claimed, printed):
            assert line == claim, f"README claims {claim!r} but the code prints {line!r}"


def test_readme_has_exactly_two_setup_commands_and_ci_runs_the_test_one():
    text = README.read_text()
    assert text.count("<!-- demo-command -->") == 1 and text.count("<!-- test-command -->") == 1
    ci = (README.parent / ".ci" / "run").read_text()
    assert "test-command" in ci
