"""Smoke test of the benchmark suite: the tiniest settings run, every correctness check passes,
and the JSON and markdown reports have their documented structure. No timing assertions:
timings belong in the benchmark, not in tests."""
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/ is not an installed package
import nn  # noqa: E402
from benchmarks import run  # noqa: E402
from benchmarks.workloads import WORKLOADS  # noqa: E402


def _run(tmp_path, *extra):
    json_path, md_path = tmp_path / "results.json", tmp_path / "results.md"
    results = run.main(["--tiny", "--json", str(json_path), "--markdown", str(md_path), *extra])
    assert json.loads(json_path.read_text()) == json.loads(json.dumps(results))
    return results, md_path.read_text()


def test_tiny_run_checks_pass_and_report_is_complete(tmp_path):
    results, markdown = _run(tmp_path, "--no-torch")
    assert results["all_checks_passed"], markdown
    assert set(results["workloads"]) == set(WORKLOADS)
    for key in ("cores", "numpy", "blas_threads", "torch"):
        assert key in results["machine"]
    for name, w in results["workloads"].items():
        assert {"description", "unit", "params", "versions", "ratios", "target", "target_met"} <= set(w)
        assert w["versions"]["numpy"]["status"] == "ok"
        assert w["versions"]["numpy"]["median"] > 0 and w["versions"]["numpy"]["min"] <= w["versions"]["numpy"]["median"]
        assert w["versions"]["torch"]["status"] == "n/a"
        ours = w["versions"]["ours"]
        if name == "lenet" and not (hasattr(nn, "Conv2d") and hasattr(nn, "AvgPool2d")):
            assert ours["status"] == "n/a" and "does not exist" in ours["reason"]
            continue
        assert ours["status"] == "ok", (name, ours)
        assert ours["check_error"] < WORKLOADS[name].rtol
        assert w["ratios"]["ours/numpy"] > 0
        assert f"| {name} |" in markdown
    for name in ("mlp_large_step", "lenet_step"):
        entry = results["memory"][name]
        assert entry["numpy"]["status"] == "ok" and entry["numpy"]["peak_bytes"] > 0
    assert results["memory"]["mlp_large_step"]["ratio"] > 0
    assert "All correctness checks passed: yes" in markdown


def test_tiny_run_agrees_with_torch(tmp_path):
    pytest.importorskip("torch")
    try:  # one thread each keeps torch's first calls quick on a busy machine; needs threadpoolctl
        import threadpoolctl  # noqa: F401
        threads = ["--threads", "1"]
    except ImportError:
        threads = []
    results, markdown = _run(tmp_path, *threads, "--only", "op_overhead", "second_order")
    assert results["all_checks_passed"], markdown
    for w in results["workloads"].values():
        assert w["versions"]["torch"]["status"] == "ok", w["versions"]["torch"]
        assert "ours/torch" in w["ratios"]


def test_a_wrong_answer_fails_the_check(tmp_path, monkeypatch):
    """The check can fail: an 'ours' that trains with the wrong learning rate is caught and not timed."""
    original = run.ours_module.BUILDERS["mlp_small"]
    monkeypatch.setitem(run.ours_module.BUILDERS, "mlp_small", lambda setup: original({**setup, "lr": setup["lr"] * 2}))
    results, markdown = _run(tmp_path, "--no-torch", "--only", "mlp_small")
    ours = results["workloads"]["mlp_small"]["versions"]["ours"]
    assert ours["status"] == "check failed" and "median" not in ours
    assert not results["all_checks_passed"]
    assert "CHECK FAILED" in markdown


def test_unknown_workload_is_refused():
    with pytest.raises(SystemExit):
        run.main(["--only", "no_such_workload"])
