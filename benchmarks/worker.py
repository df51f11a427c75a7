"""One version of one workload, in a process of its own: build it, check it, time it, print JSON.

    python -m benchmarks.worker WORKLOAD VERSION [--tiny] [--quick] [--samples N] [--threads N] [--memory]

VERSION is numpy, eager, compiled or torch. The runner (run.py) starts one of these per version
and round, so no engine shares a process (imports, caches, allocator state) with another.
What it prints: the values the correctness check compares (losses of three consecutive steps,
or the arrays a call returns, from the first and the third call), the timing samples (seconds
per call), and on request the peak memory of one step; for `compiled` also what recording
costs: the first (recording) call and the second (first replay: the program's source is made
and compiled then) against an eager call of the same function in the same process.
"""
from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
import traceback

import numpy as np

VERSIONS = ("numpy", "eager", "compiled", "torch")


def _builder(version):
    if version == "numpy":
        from . import numpy_reference
        return numpy_reference.BUILDERS
    if version == "torch":
        from . import torch_versions
        return torch_versions.BUILDERS
    from . import ours
    return ours.BUILDERS if version == "eager" else ours.COMPILED


def _check_values(workload, step) -> list:
    """Losses of three consecutive steps (train), or the arrays of the first and third call (values)."""
    if workload.kind == "train":
        return [float(step()) for _ in range(3)]
    first = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in step()])
    step()
    third = np.concatenate([np.ravel(np.asarray(a, dtype=np.float64)) for a in step()])
    return np.concatenate([first, third]).tolist()


def _samples(step, warmup: int, repeats: int, number: int) -> list:
    for _ in range(warmup):
        step()
    out = []
    for _ in range(repeats):
        gc.collect()
        gc.disable()
        start = time.perf_counter()
        for _ in range(number):
            step()
        out.append((time.perf_counter() - start) / number)
        gc.enable()
    return out


def _recording_cost(name, params, repeats: int = 3) -> dict:
    """Eager calls of a fresh step, then that same function compiled: its first (recording) and second
    (first replay, which makes and compiles the program's source) calls, all timed with gc paused.
    The best of `repeats` fresh tries (one call each is all there is to time)."""
    import autograd

    from . import ours
    from .workloads import make_setup

    best = None
    for _ in range(repeats):
        eager = ours.BUILDERS[name](make_setup(name, params))
        eager_call = statistics.median(_samples(eager, warmup=2, repeats=5, number=1))
        compiled = autograd.compile(eager)
        timed = []
        for _ in range(2):
            gc.collect()
            gc.disable()
            start = time.perf_counter()
            compiled()
            timed.append(time.perf_counter() - start)
            gc.enable()
        tried = {"eager_call": eager_call, "recording_call": timed[0], "first_replay": timed[1]}
        if best is None or tried["recording_call"] / eager_call < best["recording_call"] / best["eager_call"]:
            best = tried
    return best


def run(name: str, version: str, tiny: bool, quick: bool, samples: int | None, memory: bool, perturb: bool) -> dict:
    from .harness import peak_memory
    from .ours import Unavailable
    from .workloads import WORKLOADS, make_setup

    workload = WORKLOADS[name]
    params = workload.tiny_params if tiny and workload.tiny_params else workload.params
    setup = make_setup(name, params)
    if perturb:  # for the test that shows the check can fail: this version trains with the wrong step size
        setup["lr"] *= 2
    try:
        step = _builder(version)[name](setup)
    except Unavailable as e:
        return {"status": "n/a", "reason": f"n/a: {e}"}
    except ImportError as e:
        return {"status": "n/a", "reason": f"n/a: {e}"}
    except Exception as e:
        return {"status": "error", "reason": f"error while building: {type(e).__name__}: {e}"}
    try:
        values = _check_values(workload, step)
    except Exception as e:
        return {"status": "error", "reason": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc(limit=-4)}
    repeats = samples if samples is not None else 1 if tiny else workload.quick_repeats if quick else workload.repeats
    number = 1 if tiny else workload.quick_number if quick else workload.number
    result = {"status": "ok", "check_values": values,
              "samples": _samples(step, warmup=0 if tiny else 1 if quick else 3, repeats=repeats, number=number),
              "number": number}
    if memory and workload.kind == "train":
        result["peak_bytes"] = peak_memory(step)
    if version == "compiled":
        result["recordings"] = len(step.recordings)
        result.update(_recording_cost(name, params))
    return result


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worker", description=__doc__.split("\n\n")[0])
    parser.add_argument("workload")
    parser.add_argument("version", choices=VERSIONS)
    parser.add_argument("--tiny", action="store_true")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--samples", type=int)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--memory", action="store_true", help="also the peak memory of one training step")
    parser.add_argument("--perturb", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.threads:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=args.threads, user_api="blas")
    if args.version == "torch":
        try:
            import torch
        except ImportError:
            print(json.dumps({"status": "n/a", "reason": "torch is not installed"}))
            return
        from .harness import blas_threads
        torch.set_num_threads(args.threads or blas_threads()[0])
    result = run(args.workload, args.version, args.tiny, args.quick, args.samples, args.memory, args.perturb)
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
