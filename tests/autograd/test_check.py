"""`python -m autograd.check`: the table, the exit status, and a failing op reported."""
import subprocess
import sys
from pathlib import Path

import numpy as np

import autograd.check as check
from autograd import Function
from autograd.op_db import OpInfo, Sample

ROOT = Path(__file__).resolve().parents[2]


def test_command_runs_and_passes_in_a_subprocess():
    result = subprocess.run([sys.executable, "-m", "autograd.check", "--quick", "--op", "softmax", "--seed", "3"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["operation", "shapes", "tried"]
    assert any(line.startswith("softmax ") and line.rstrip().endswith("pass") for line in lines)
    assert any(line.startswith("log_softmax ") for line in lines)
    assert "2 of 2 operations passed" in result.stdout


class Doubled(Function):
    """3x with a backward that says 2."""

    @staticmethod
    def forward(ctx, x):
        return x._data * 3

    @staticmethod
    def backward(ctx, grad):
        return grad * 2


def test_a_wrong_gradient_fails_the_command_with_a_report(monkeypatch, capsys):
    broken = OpInfo("planted wrong gradient", lambda m, x: Doubled.apply(x), lambda rng: Sample([rng.uniform(-1, 1, (2,))]))
    monkeypatch.setattr(check, "op_db", [check.op_db[0], broken])
    assert check.main(["--samples", "1"]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("planted wrong gradient"))
    assert "FAIL" in row
    assert "1 of 2 operations passed" in out
    assert "GradcheckError" in out and "DoubledBackward" in out and "input 0" in out


def test_a_crashing_op_is_a_failure_not_a_crash(monkeypatch, capsys):
    def crash(m, x):
        raise ValueError("boom")

    monkeypatch.setattr(check, "op_db", [OpInfo("crashes", crash, lambda rng: Sample([np.ones(2)]))])
    assert check.main(["--samples", "1"]) == 1
    assert "ValueError: boom" in capsys.readouterr().out


def test_unknown_op_filter_exits_with_usage_error():
    assert check.main(["--op", "no such op"]) == 2
