"""Smoke test of the benchmark suite: the tiniest settings run (every version in its own process), every
correctness check passes, and the JSON and markdown reports have their documented structure. No timing
assertions: timings belong in the benchmark, not in tests."""
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # benchmarks/ is not an installed package
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
        assert {"description", "unit", "versions", "ratios", "targets", "target_met"} <= set(w)
        numpy_entry = w["versions"]["numpy"]
        assert numpy_entry["status"] == "ok" and 0 < numpy_entry["min"] <= numpy_entry["median"]
        assert w["versions"]["torch"]["status"] == "n/a"
        for version in ("eager", "compiled"):
            entry = w["versions"][version]
            assert entry["status"] == "ok", (name, version, entry)
            assert entry["check_error"] < WORKLOADS[name].rtol
            assert w["ratios"][f"{version}/numpy"] > 0
        compiled = w["versions"]["compiled"]
        assert compiled["recordings"] >= 1 and compiled["recording_call"] > 0 and compiled["first_replay"] > 0
        assert f"| {name} |" in markdown
    for name in run.MEMORY_WORKLOADS:
        versions = results["workloads"][name]["versions"]
        assert all(versions[v]["peak_bytes"] > 0 for v in ("numpy", "eager", "compiled"))
    assert "All correctness checks passed: yes" in markdown


def test_tiny_run_agrees_with_torch(tmp_path):
    pytest.importorskip("torch")
    results, markdown = _run(tmp_path, "--only", "op_overhead", "second_order")
    assert results["all_checks_passed"], markdown
    for w in results["workloads"].values():
        assert w["versions"]["torch"]["status"] == "ok", w["versions"]["torch"]
        assert "torch/numpy" in w["ratios"]


@pytest.mark.parametrize("version", ["eager", "compiled"])
def test_a_wrong_answer_fails_the_check(tmp_path, version):
    """The check can fail: a version that trains with the wrong learning rate is caught and not timed."""
    results, markdown = _run(tmp_path, "--no-torch", "--only", "mlp_small", "--perturb", version)
    entry = results["workloads"]["mlp_small"]["versions"][version]
    assert entry["status"] == "check failed" and "median" not in entry
    assert not results["all_checks_passed"]
    assert "CHECK FAILED" in markdown


def test_unknown_workload_is_refused():
    with pytest.raises(SystemExit):
        run.main(["--only", "no_such_workload"])
