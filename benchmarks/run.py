"""Run the benchmark suite: ours against hand-written numpy (the limit) and PyTorch CPU.

    python -m benchmarks.run [--quick] [--only NAME ...] [--json PATH] [--markdown PATH]

Every workload is built in each version from the same float32 setup; a version's
timing counts only if its correctness check (loss before and after one SGD step, or
the returned arrays) agrees with the numpy reference. Timings are medians and minima
of round-robin samples after warm-up; ratios are of medians within this one run.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import traceback

import numpy as np

from . import numpy_reference, torch_versions
from . import ours as ours_module
from .harness import agree, blas_threads, load_average, machine_info, peak_memory, time_round_robin
from .workloads import MEMORY_WORKLOADS, WORKLOADS, make_setup

VERSIONS = ("ours", "numpy", "torch")
# Targets from issue 8: ratio of ours to the numpy reference (op_overhead: µs per op, absolute).
TARGETS = {"op_overhead": ("µs/op", 8.0), "mlp_small": ("×numpy", 1.2), "mlp_large": ("×numpy", 1.05),
           "lenet": ("×numpy", 1.2), "deep_narrow": ("×numpy", 2.0), "second_order": ("×numpy", 2.0),
           "memory": ("×numpy", 1.3)}
NAMES = tuple(WORKLOADS) + ("memory",)


def _import_torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _check_values(workload, step) -> np.ndarray:
    """What a version is checked on: losses of two consecutive steps, or the arrays one call returns."""
    if workload.kind == "train":
        return np.array([step(), step()], dtype=np.float64)
    return np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in step()])


def _build(version, name, setup):
    """(step, None) or (None, reason) when this version cannot run the workload."""
    builders = {"ours": ours_module.BUILDERS, "numpy": numpy_reference.BUILDERS, "torch": torch_versions.BUILDERS}
    try:
        return builders[version][name](setup), None
    except ours_module.Unavailable as e:
        return None, f"n/a: {e}"
    except Exception as e:  # a broken version is reported, not fatal for the suite
        return None, f"error while building: {type(e).__name__}: {e}"


def _params(workload, tiny: bool) -> dict:
    return workload.tiny_params if tiny and workload.tiny_params else workload.params


def run_workload(name: str, quick: bool, torch, tiny: bool = False) -> dict:
    workload = WORKLOADS[name]
    params = _params(workload, tiny)
    setup = make_setup(name, params)
    versions = {"ours": {}, "numpy": {}, "torch": {}}
    steps, reference = {}, None
    for version in ("numpy", "ours", "torch"):
        if version == "torch" and torch is None:
            versions[version] = {"status": "n/a", "reason": "torch is not installed"}
            continue
        step, reason = _build(version, name, setup)
        if step is None:
            versions[version] = {"status": "n/a" if reason.startswith("n/a") else "error", "reason": reason}
            continue
        try:
            values = _check_values(workload, step)
        except Exception as e:
            versions[version] = {"status": "error", "reason": f"{type(e).__name__}: {e}",
                                 "traceback": traceback.format_exc(limit=-4)}
            continue
        entry = {"check_values": values[:4].tolist()}
        if version == "numpy":
            reference = values
            entry.update(status="ok", check_error=0.0)
        else:
            ok, err = agree(values, reference, workload.rtol, workload.atol)
            entry.update(status="ok" if ok else "check failed", check_error=err)
        versions[version] = entry
        if entry["status"] == "ok":
            steps[version] = step  # timings count only after the check passed
    repeats = 1 if tiny else workload.quick_repeats if quick else workload.repeats
    number = 1 if tiny else workload.quick_number if quick else workload.number
    timings = time_round_robin(steps, warmup=0 if tiny else 1 if quick else 3, repeats=repeats, number=number)
    scale = 1e6 / setup["n_ops"] if name == "op_overhead" else 1e3  # seconds -> µs per op, or ms per step
    for version, t in timings.items():
        versions[version].update(median=t["median"] * scale, min=t["min"] * scale,
                                 samples=[s * scale for s in t["samples"]])
    ratios = {}
    for a, b in (("ours", "numpy"), ("ours", "torch"), ("torch", "numpy")):
        if a in timings and b in timings:
            ratios[f"{a}/{b}"] = timings[a]["median"] / timings[b]["median"]
            ratios[f"{a}/{b} (min)"] = timings[a]["min"] / timings[b]["min"]
    kind, target = TARGETS[name]
    if quick:  # a few samples say nothing about a target: leave it unjudged
        met = None
    elif kind == "µs/op":
        met = versions["ours"]["median"] <= target if "ours" in timings else None
    else:
        met = ratios["ours/numpy"] <= target if "ours/numpy" in ratios else None
    return {"description": workload.description, "unit": workload.unit, "params": _jsonable(params),
            "repeats": repeats, "number": number, "versions": versions, "ratios": ratios,
            "target": f"≤ {target:g} {kind}", "target_met": met}


def run_memory(tiny: bool = False) -> dict:
    """Peak memory (tracemalloc) of one training step, ours against the numpy reference."""
    results = {}
    for name in MEMORY_WORKLOADS:
        setup = make_setup(name, _params(WORKLOADS[name], tiny))
        entry = {}
        for version in ("ours", "numpy"):
            step, reason = _build(version, name, setup)
            if step is None:
                entry[version] = {"status": "n/a" if reason.startswith("n/a") else "error", "reason": reason}
                continue
            try:
                entry[version] = {"status": "ok", "peak_bytes": peak_memory(step)}
            except Exception as e:
                entry[version] = {"status": "error", "reason": f"{type(e).__name__}: {e}"}
        ratio = None
        if entry["ours"].get("status") == "ok" and entry["numpy"].get("status") == "ok":
            ratio = entry["ours"]["peak_bytes"] / entry["numpy"]["peak_bytes"]
        entry["ratio"] = ratio
        entry["target"] = f"≤ {TARGETS['memory'][1]:g} ×numpy"
        entry["target_met"] = None if ratio is None or tiny else ratio <= TARGETS["memory"][1]
        results[f"{name}_step"] = entry
    return results


def _jsonable(obj):
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):
        return [_jsonable(v) for v in obj]
    return obj


def all_checks_passed(results: dict) -> bool:
    """No version that ran failed its check or crashed (n/a — API not there, torch absent — is not a failure)."""
    statuses = [v["status"] for w in results["workloads"].values() for v in w["versions"].values()]
    statuses += [v["status"] for m in results.get("memory", {}).values() for k, v in m.items() if k in VERSIONS]
    return all(s in ("ok", "n/a") for s in statuses)


# --------------------------------------------------------------------------- report
def _cell(entry: dict) -> str:
    if entry.get("status") != "ok":
        return {"check failed": "CHECK FAILED", "error": "error"}.get(entry.get("status"), "n/a")
    if "median" not in entry:
        return "n/a"
    return f"{_fmt(entry['median'])} ({_fmt(entry['min'])})"


def _fmt(x: float) -> str:
    return f"{x:.3g}" if x < 100 else f"{x:.0f}"


def _ratio(x):
    return "n/a" if x is None else f"{x:.2f}×"


def _met(x):
    return "—" if x is None else ("yes" if x else "**no**")


def to_markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Benchmarks ({'tiny' if results.get('tiny') else 'quick' if results['quick'] else 'full'} run, {m['date_utc']})",
        "",
        f"Machine: {m['processor']}, {m['cores']} cores; Python {m['python']}; numpy {m['numpy']} "
        f"({m['blas']}, {m['blas_threads']} BLAS threads); torch {m['torch'] or 'not installed'}"
        + (f" ({m['torch_threads']} threads)" if m["torch"] else "")
        + (f"; load average {m['load_average']:g} at the start, {m.get('load_average_end', 0):g} at the end"
           if m.get("load_average") is not None else "") + ".",
        "",
        "Times: median (min) of round-robin samples after warm-up; ratios are of medians.",
        "",
    ]
    loads = [x for x in (m.get("load_average"), m.get("load_average_end")) if x is not None]
    if loads and max(loads) > (m["cores"] or 1) and m["blas_threads"] > 1:
        lines += [f"**Warning:** load average {max(loads):g} on {m['cores']} cores: other processes competed for the "
                  f"cores, and multi-threaded BLAS waits for its threads, so these timings are erratic. "
                  "Rerun with `--threads 1`.", ""]
    lines += [
        "| workload | unit | ours | numpy | torch | ours/numpy | ours/torch | torch/numpy | target | met |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, w in results["workloads"].items():
        v, r = w["versions"], w["ratios"]
        lines.append(f"| {name} | {w['unit']} | {_cell(v['ours'])} | {_cell(v['numpy'])} | {_cell(v['torch'])} | "
                     f"{_ratio(r.get('ours/numpy'))} | {_ratio(r.get('ours/torch'))} | {_ratio(r.get('torch/numpy'))} | "
                     f"{w['target']} | {_met(w['target_met'])} |")
    if results.get("memory"):
        lines += ["", "Peak memory of one training step (tracemalloc: Python objects and numpy buffers "
                  "allocated during the step).", "",
                  "| step | ours | numpy | ours/numpy | target | met |", "|---|---|---|---|---|---|"]
        for name, e in results["memory"].items():
            cells = [f"{e[v]['peak_bytes'] / 2**20:.1f} MiB" if e[v].get("status") == "ok" else e[v].get("status", "n/a")
                     for v in ("ours", "numpy")]
            lines.append(f"| {name} | {cells[0]} | {cells[1]} | {_ratio(e['ratio'])} | {e['target']} | {_met(e['target_met'])} |")
    problems = [(f"{name} / {ver}", e.get("reason") or f"check error {e.get('check_error'):.2e}")
                for name, w in results["workloads"].items() for ver, e in w["versions"].items()
                if e.get("status") != "ok"]
    problems += [(f"memory {name} / {ver}", e[ver].get("reason", "")) for name, e in results.get("memory", {}).items()
                 for ver in ("ours", "numpy") if e[ver].get("status") != "ok"]
    if problems:
        lines += ["", "Not measured:", ""] + [f"- {who}: {why}" for who, why in problems]
    lines += ["", f"All correctness checks passed: {'yes' if results['all_checks_passed'] else 'NO'}."]
    return "\n".join(lines) + "\n"


def run_suite(args, torch) -> dict:
    """Run the selected workloads (and memory) and collect the results dict that the reports are made from."""
    names = args.only or NAMES
    started = time.perf_counter()
    results = {"machine": machine_info(torch), "quick": args.quick, "tiny": args.tiny, "workloads": {}, "memory": {}}
    for name in names:
        if name == "memory":
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        t = time.perf_counter()
        results["workloads"][name] = run_workload(name, args.quick, torch, args.tiny)
        results["workloads"][name]["seconds"] = time.perf_counter() - t
    if "memory" in names:
        print("running memory ...", file=sys.stderr, flush=True)
        t = time.perf_counter()
        results["memory"] = run_memory(args.tiny)
        results["memory_seconds"] = time.perf_counter() - t
    results["seconds"] = time.perf_counter() - started
    results["machine"]["load_average_end"] = load_average()
    results["all_checks_passed"] = all_checks_passed(results)
    return results


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke run in under a minute")
    parser.add_argument("--tiny", action="store_true",
                        help="tiniest sizes (implies --quick): for the CI smoke test; the timings mean nothing")
    parser.add_argument("--only", nargs="+", choices=NAMES, metavar="NAME", help=f"run only these ({', '.join(NAMES)})")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON here")
    parser.add_argument("--markdown", metavar="PATH", help="write the markdown table here")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="limit numpy's BLAS (via threadpoolctl) and torch to N threads; default: what numpy uses")
    args = parser.parse_args(argv)
    args.quick = args.quick or args.tiny

    limiter = None
    if args.threads:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            parser.error("--threads needs threadpoolctl (pip install threadpoolctl)")
        limiter = threadpool_limits(limits=args.threads, user_api="blas")
    threads, _ = blas_threads()
    torch = None if args.no_torch else _import_torch()
    if torch is not None:
        torch_threads_before = torch.get_num_threads()
        torch.set_num_threads(threads)  # as many threads as numpy's BLAS uses
    try:
        results = run_suite(args, torch)
    finally:  # leave the process as it was (the smoke test runs in-process)
        if limiter is not None:
            limiter.restore_original_limits()
        if torch is not None:
            torch.set_num_threads(torch_threads_before)
    markdown = to_markdown(results)
    print(markdown)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, ensure_ascii=False)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown)
    return results


if __name__ == "__main__":
    main()
