"""Run the benchmark suite: hand-written numpy (the limit), this engine eager and compiled, PyTorch CPU.

    python -m benchmarks.run [--quick | --tiny] [--only NAME ...] [--rounds N] [--json PATH] [--markdown PATH]

Every version of every workload runs in a process of its own (`benchmarks.worker`), built from
the same float32 setup; its timings count only if its correctness check (losses of three
consecutive steps, or the arrays of the first and third call) agrees with the numpy reference.
The versions are started in turn, `--rounds` times in rotating order, so load from other
processes falls on all of them alike; the samples of all rounds are pooled. Times are medians
(and minima) of the samples; ratios are of medians, all from this one run. The markdown it
prints is what the README's performance section shows.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from .harness import agree, load_average, machine_info
from .workloads import WORKLOADS

VERSIONS = ("numpy", "eager", "compiled", "torch")
# Targets (issues 8 and 14): a version's time over the hand-written numpy time (op_overhead: per op).
EAGER_TARGETS = {"op_overhead": 3.5, "mlp_small": 1.5, "mlp_large": 1.05, "lenet": 1.2, "deep_narrow": 3.0}
COMPILED_TARGETS = {"op_overhead": 1.5, "mlp_small": 1.1, "mlp_large": 1.02, "lenet": 1.1, "deep_narrow": 1.3,
                    "second_order": 1.3, "scalar_tiny": 1.5}
RECORDING_TARGET = 3.0  # the recording call over an eager call
MEMORY_WORKLOADS = ("mlp_large", "lenet")
NAMES = tuple(WORKLOADS)


def _worker(name, version, args, memory: bool, samples: int | None) -> dict:
    command = [sys.executable, "-m", "benchmarks.worker", name, version]
    for flag in ("tiny", "quick", "perturb"):
        if getattr(args, flag, False) and (flag != "perturb" or version in args.perturb_versions):
            command.append(f"--{flag}")
    if args.threads:
        command += ["--threads", str(args.threads)]
    if memory:
        command.append("--memory")
    if samples is not None:
        command += ["--samples", str(samples)]
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    if args.threads:
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(args.threads)
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=root)
    if done.returncode != 0:
        return {"status": "error", "reason": f"worker failed: {done.stderr.strip().splitlines()[-1:]}"}
    return json.loads(done.stdout)


def run_workload(name: str, args, torch_available: bool) -> dict:
    workload = WORKLOADS[name]
    rounds = 1 if args.quick else args.rounds
    repeats = 1 if args.tiny else workload.quick_repeats if args.quick else workload.repeats
    per_round = max(1, -(-repeats // rounds))
    versions = [v for v in VERSIONS if v != "torch" or torch_available]
    entries = {v: {} for v in VERSIONS}
    if not torch_available:
        entries["torch"] = {"status": "n/a", "reason": "torch is not installed (or --no-torch)"}
    for r in range(rounds):
        for version in versions[r % len(versions):] + versions[:r % len(versions)]:
            if entries[version].get("status") not in (None, "ok"):
                continue
            memory = r == 0 and name in MEMORY_WORKLOADS
            result = _worker(name, version, args, memory, per_round)
            entry = entries[version]
            if result["status"] != "ok":
                entries[version] = result
                continue
            if not entry:
                entry.update({k: v for k, v in result.items() if k != "samples"}, samples=[])
            entry["samples"] += result["samples"]
    reference = entries["numpy"].get("check_values")
    scale = 1e6 / WORKLOADS[name].params["n_ops"] if name == "op_overhead" and not args.tiny else 1e3
    if name == "op_overhead" and args.tiny:
        scale = 1e6 / WORKLOADS[name].tiny_params["n_ops"]
    for version, entry in entries.items():
        if entry.get("status") != "ok":
            continue
        if version != "numpy":
            ok, err = agree(entry["check_values"], reference, workload.rtol, workload.atol) if reference else (False, 0.0)
            entry["check_error"] = err
            if not ok:
                entry.update(status="check failed")
                continue
        samples = [s * scale for s in entry["samples"]]
        entry.update(samples=samples, median=statistics.median(samples), min=min(samples))
        entry["check_values"] = entry["check_values"][:4]
    ratios = {}
    timed = {v: e for v, e in entries.items() if e.get("status") == "ok" and "median" in e}
    for a in ("eager", "compiled", "torch"):
        if a in timed and "numpy" in timed:
            ratios[f"{a}/numpy"] = timed[a]["median"] / timed["numpy"]["median"]
            ratios[f"{a}/numpy (min)"] = timed[a]["min"] / timed["numpy"]["min"]
    if "compiled" in timed and "eager" in timed:
        ratios["compiled/eager"] = timed["compiled"]["median"] / timed["eager"]["median"]
    compiled = entries["compiled"]
    if compiled.get("status") == "ok":
        ratios["recording/eager call"] = compiled["recording_call"] / compiled["eager_call"]
        ratios["first replay/eager call"] = compiled["first_replay"] / compiled["eager_call"]
    if "peak_bytes" in entries["compiled"] and "peak_bytes" in entries["eager"]:
        ratios["compiled/eager memory"] = entries["compiled"]["peak_bytes"] / entries["eager"]["peak_bytes"]
    judged = not (args.quick or args.tiny)
    met = {}
    for version, targets in (("eager", EAGER_TARGETS), ("compiled", COMPILED_TARGETS)):
        if name in targets and f"{version}/numpy" in ratios:
            met[version] = ratios[f"{version}/numpy"] <= targets[name] if judged else None
    if "recording/eager call" in ratios:
        met["recording"] = ratios["recording/eager call"] <= RECORDING_TARGET if judged else None
    if "compiled/eager memory" in ratios:
        met["memory"] = ratios["compiled/eager memory"] <= 1.0 if judged else None
    return {"description": workload.description, "unit": workload.unit, "versions": entries, "ratios": ratios,
            "targets": {"eager": EAGER_TARGETS.get(name), "compiled": COMPILED_TARGETS.get(name)}, "target_met": met}


def all_checks_passed(results: dict) -> bool:
    """No version that ran failed its check or crashed (n/a, e.g. torch absent, is not a failure)."""
    return all(e.get("status") in ("ok", "n/a") for w in results["workloads"].values() for e in w["versions"].values())


# --------------------------------------------------------------------------- report
def _fmt(x: float) -> str:
    return f"{x:.3g}" if x < 100 else f"{x:.0f}"


def _cell(entry: dict) -> str:
    if entry.get("status") != "ok":
        return {"check failed": "CHECK FAILED", "error": "error"}.get(entry.get("status"), "n/a")
    return f"{_fmt(entry['median'])} ({_fmt(entry['min'])})" if "median" in entry else "n/a"


def _ratio(ratios, key, target=None, met=None) -> str:
    if key not in ratios:
        return "n/a"
    text = f"{ratios[key]:.2f}×"
    if f"{key} (min)" in ratios:
        text += f" ({ratios[key + ' (min)']:.2f}×)"
    if target is not None:
        text += f" ≤ {target:g}{'' if met is None else ' ✓' if met else ' **missed**'}"
    return text


def to_markdown(results: dict) -> str:
    m = results["machine"]
    kind = "tiny" if results.get("tiny") else "quick" if results["quick"] else "full"
    lines = [
        f"Benchmarks ({kind} run, {m['date_utc']}): each version in its own process, {results['rounds']} round(s).",
        "",
        f"Machine: {m['processor']}, {m['cores']} cores; Python {m['python']}; numpy {m['numpy']} "
        f"({m['blas']}, {m['blas_threads']} BLAS threads); torch {m['torch'] or 'not installed'}"
        + (f" ({m['torch_threads']} threads)" if m.get("torch") and m.get("torch_threads") else "")
        + (f"; load average {m['load_average']:g} at the start, {m.get('load_average_end', 0):g} at the end"
           if m.get("load_average") is not None else "") + ".",
        "",
        "Times: median (min) of the samples of all rounds; ratios to hand-written numpy: of medians (of minima), "
        "with the target.",
        "",
        "| workload | unit | numpy | eager | compiled | torch | eager/numpy | compiled/numpy | torch/numpy |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, w in results["workloads"].items():
        v, r, t, met = w["versions"], w["ratios"], w["targets"], w["target_met"]
        lines.append(f"| {name} | {w['unit']} | {_cell(v['numpy'])} | {_cell(v['eager'])} | {_cell(v['compiled'])} | "
                     f"{_cell(v['torch'])} | {_ratio(r, 'eager/numpy', t['eager'], met.get('eager'))} | "
                     f"{_ratio(r, 'compiled/numpy', t['compiled'], met.get('compiled'))} | {_ratio(r, 'torch/numpy')} |")
    lines += ["", "What compiling costs, and memory (peak of one training step, tracemalloc):", "",
              "| workload | recording call / eager call | first replay / eager call | recordings kept | "
              "peak memory eager | compiled | numpy | compiled/eager |",
              "|---|---|---|---|---|---|---|---|"]
    for name, w in results["workloads"].items():
        v, r, met = w["versions"], w["ratios"], w["target_met"]
        memory = [f"{v[x]['peak_bytes'] / 2**20:.1f} MiB" if "peak_bytes" in v[x] else "—"
                  for x in ("eager", "compiled", "numpy")]
        lines.append(f"| {name} | {_ratio(r, 'recording/eager call', RECORDING_TARGET, met.get('recording'))} | "
                     f"{_ratio(r, 'first replay/eager call')} | {v['compiled'].get('recordings', '—')} | "
                     f"{' | '.join(memory)} | "
                     f"{_ratio(r, 'compiled/eager memory', 1.0, met.get('memory')) if 'compiled/eager memory' in r else '—'} |")
    problems = [(f"{name} / {ver}", e.get("reason") or f"check error {e.get('check_error', 0):.2e}")
                for name, w in results["workloads"].items() for ver, e in w["versions"].items()
                if e.get("status") != "ok" and not (ver == "torch" and e.get("status") == "n/a")]
    if problems:
        lines += ["", "Not measured:", ""] + [f"- {who}: {why}" for who, why in problems]
    lines += ["", f"All correctness checks passed: {'yes' if results['all_checks_passed'] else 'NO'}."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="few samples, one round: a smoke run")
    parser.add_argument("--tiny", action="store_true", help="tiniest sizes (implies --quick): the CI smoke test")
    parser.add_argument("--only", nargs="+", choices=NAMES, metavar="NAME", help=f"run only these ({', '.join(NAMES)})")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of one process per version (default 3)")
    parser.add_argument("--json", metavar="PATH", help="write the results as JSON here")
    parser.add_argument("--markdown", metavar="PATH", help="write the markdown tables here")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch even if installed")
    parser.add_argument("--threads", type=int, default=1, metavar="N",
                        help="BLAS (and torch) threads in every worker (default 1; 0: the library default)")
    parser.add_argument("--perturb", nargs="+", default=[], metavar="VERSION", dest="perturb_versions",
                        help=argparse.SUPPRESS)  # tests: these versions train with a wrong step size
    args = parser.parse_args(argv)
    args.quick = args.quick or args.tiny
    args.perturb = bool(args.perturb_versions)
    torch_available = not args.no_torch and _has_torch()
    started = time.perf_counter()
    torch_module = None
    if torch_available:
        import torch as torch_module
    results = {"machine": machine_info(torch_module), "quick": args.quick, "tiny": args.tiny,
               "rounds": 1 if args.quick else args.rounds, "workloads": {}}
    if args.threads:
        results["machine"]["blas_threads"] = args.threads
        results["machine"]["torch_threads"] = args.threads if torch_available else None
    for name in args.only or NAMES:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        t = time.perf_counter()
        results["workloads"][name] = run_workload(name, args, torch_available)
        results["workloads"][name]["seconds"] = time.perf_counter() - t
    results["seconds"] = time.perf_counter() - started
    results["machine"]["load_average_end"] = load_average()
    results["all_checks_passed"] = all_checks_passed(results)
    markdown = to_markdown(results)
    print(markdown)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1, ensure_ascii=False)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(markdown)
    return results


def _has_torch() -> bool:
    import importlib.util
    return importlib.util.find_spec("torch") is not None


if __name__ == "__main__":
    main()
