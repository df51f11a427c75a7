"""`python -m autograd.check`: gradcheck and gradgradcheck over every built-in differentiable operation.

Draws a few random shapes and values per entry of `autograd.op_db`, checks first
and second derivatives against finite differences, prints one table row per
operation and exits with status 1 if any check failed (the failure reports follow
the table). Options: --quick (fewer samples), --seed N, --samples N, --op TEXT
(only operations whose name contains TEXT).
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

from .gradcheck import _check, _check_second_order
from .op_db import OpInfo, make_tensors, op_db


def _shape_text(shapes: list) -> str:
    return "+".join(str(tuple(s)).replace(" ", "") for s in shapes) or "-"


def check_op(info: OpInfo, samples: int, seed: int, index: int) -> dict:
    """Run the checks on `samples` random inputs; the row of the table plus any failure report."""
    row = {"name": info.name, "shapes": [], "first": 0.0, "second": 0.0, "first_ok": True,
           "second_ok": True if info.second_order else None, "report": None}
    tolerances = {"eps": 1e-6, "atol": 1e-5, "rtol": 1e-3, **info.gradcheck_kwargs}
    for k in range(samples):
        sample = info.sample(np.random.default_rng([seed, index, k]))
        row["shapes"].append(_shape_text(sample.shapes))

        def fn(*tensors, sample=sample):
            return info.op(*tensors, **sample.kwargs)

        for order in (1, 2) if info.second_order else (1,):
            key = "first" if order == 1 else "second"
            try:
                tensors = make_tensors(sample)
                args = (fn, tensors, *tolerances.values(), False, 0.0)
                error, max_error = _check(*args) if order == 1 else _check_second_order(fn, tensors, None, *args[2:])
            except Exception as exc:  # an op that crashes is a failure too, reported with its message
                error, max_error = exc, float("nan")
            row[key] = max(row[key], max_error) if not np.isnan(max_error) else max_error
            if error is not None:
                row[f"{key}_ok"] = False
                if row["report"] is None:
                    kwargs = {k: v for k, v in sample.kwargs.items() if not hasattr(v, "shape")}
                    row["report"] = (f"{info.name}, {'second' if order == 2 else 'first'} order, input shapes "
                                     f"{sample.shapes}, kwargs {kwargs}:\n{type(error).__name__}: {error}")
        if row["report"] is not None:
            break
    return row


def _format_table(rows: list) -> str:
    def ok(flag):
        return "-" if flag is None else ("pass" if flag else "FAIL")

    def err(value):
        return f"{value:.1e}"

    header = ("operation", "shapes tried", "max error (1st / 2nd)", "1st order", "2nd order")
    body = []
    for r in rows:
        shapes = ", ".join(dict.fromkeys(r["shapes"]))
        if len(shapes) > 40:
            shapes = shapes[:37] + "..."
        second = err(r["second"]) if r["second_ok"] is not None else "-"
        body.append((r["name"], shapes, f"{err(r['first'])} / {second}", ok(r["first_ok"]), ok(r["second_ok"])))
    widths = [max(len(str(line[c])) for line in [header, *body]) for c in range(len(header))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(header, widths)), "  ".join("-" * w for w in widths)]
    lines += ["  ".join(str(v).ljust(w) for v, w in zip(line, widths)) for line in body]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m autograd.check", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2 samples per operation instead of 5")
    parser.add_argument("--samples", type=int, default=None, help="samples per operation (overrides --quick)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample generator (default 0)")
    parser.add_argument("--op", default=None, help="only operations whose name contains this text")
    args = parser.parse_args(argv)
    samples = args.samples if args.samples is not None else (2 if args.quick else 5)
    selected = [(i, info) for i, info in enumerate(op_db) if args.op is None or args.op in info.name]
    if not selected:
        print(f"no operation name contains {args.op!r}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    rows = [check_op(info, samples, args.seed, index) for index, info in selected]
    print(_format_table(rows))
    failed = [r for r in rows if r["report"] is not None]
    print(f"\n{len(rows) - len(failed)} of {len(rows)} operations passed ({samples} samples each, seed {args.seed}, "
          f"{time.perf_counter() - start:.1f}s)")
    for r in failed:
        print("\n" + r["report"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
