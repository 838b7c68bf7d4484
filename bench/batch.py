"""Batch eligibility: N synthetic patients × the five seed trials, clingo against the oracle.

    python bench/batch.py                      # N = 1000 and 10000
    python bench/batch.py --sizes 1000 10000 100000

For each N, in a fresh child process (so that its peak memory is its own):

1. generate the cohort with bench/cohort.py (not timed),
2. read the records with `trialogic.read_patient` (timed: "read"),
3. `trialogic.check(patients, trials, on=2026-11-22)` (timed: "check"), with
   `load_trials()` done before and not timed,
4. the plain-Python reference evaluator (tests/oracle.py) on the same patients
   (timed: "oracle"), and the number of patient × trial pairs where the two disagree
   on the trial status or on any criterion's status.

Peak memory is `resource.getrusage(RUSAGE_SELF).ru_maxrss` of the child, read right
after `check` returns: the high-water mark of generating, reading and checking (it
includes the cohort's dicts and check's result objects). tracemalloc is not used: it
does not see clingo's C++ allocations and slows Python allocation down.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REFERENCE = dt.date(2026, 11, 22)


def machine() -> str:
    """CPUs and load: other processes on the machine inflate every time printed here."""
    one, five, fifteen = os.getloadavg()
    return f"{os.cpu_count()} CPUs; load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min) at the end"


def batch_arguments(description: str | None, argv: list[str] | None) -> argparse.Namespace:
    """--n patients, --batch patients per grounding, --seed: the options of the scripts that
    time a batch's steps one by one (phases.py, floor.py)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="patients (default 2000)")
    parser.add_argument("--batch", type=int, default=250, help="patients per grounding (default 250, as screen)")
    parser.add_argument("--seed", type=int, default=1)
    return parser.parse_args(argv)


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def oracle_modules() -> tuple[Any, list[Any]]:
    """The oracle's evaluate function and the parsed library and seed trials (or raise ImportError)."""
    sys.path.insert(0, str(ROOT / "tests"))
    from trialogic.parser import parse_file

    from oracle import evaluate

    files = [ROOT / "rules" / "library.tl", *sorted((ROOT / "rules" / "trials").glob("*.tl"))]
    return evaluate, [parse_file(f) for f in files]


def run_one(n: int, seed: int, chunk: int | None, with_oracle: bool) -> dict[str, Any]:
    """Everything for one N, in this process. Returns the figures as a dict."""
    sys.path.insert(0, str(HERE))
    import cohort

    import trialogic
    from trialogic.vocabulary import load_vocabulary

    vocabulary = load_vocabulary()
    trials = trialogic.load_trials()
    records = cohort.generate(n, seed, REFERENCE)
    figures: dict[str, Any] = {"n": n, "rss_generated_mb": maxrss_mb()}

    start = time.perf_counter()
    patients = [trialogic.read_patient(record, record["id"], vocabulary) for record in records]
    figures["read_s"] = time.perf_counter() - start
    figures["rss_read_mb"] = maxrss_mb()

    options = {"chunk": chunk} if chunk else {}
    start = time.perf_counter()
    results = trialogic.check(patients, trials, on=REFERENCE, **options)
    figures["check_s"] = time.perf_counter() - start
    figures["rss_check_mb"] = maxrss_mb()
    figures["statuses"] = dict(collections.Counter(r.status for r in results))

    if not with_oracle:
        return figures
    try:
        evaluate, modules = oracle_modules()
    except Exception as e:  # the oracle may still be being written
        figures["oracle_error"] = f"{type(e).__name__}: {e}"
        return figures
    start = time.perf_counter()
    expected = [evaluate(modules, patient, REFERENCE, vocabulary) for patient in patients]
    figures["oracle_s"] = time.perf_counter() - start

    pairs = 0
    criteria: collections.Counter[str] = collections.Counter()
    by_pair = {(r.patient, r.trial): r for r in results}
    for patient, answer in zip(patients, expected, strict=True):
        for trial_id, (status, statuses) in answer.items():
            result = by_pair[(patient.id, trial_id)]
            differing = [c for c in result.criteria if statuses.get(c.id) != c.status]
            if differing or result.status != status:
                pairs += 1
            for c in differing:
                criteria[f"{trial_id}.{c.id} clingo {c.status} / oracle {statuses.get(c.id)}"] += 1
    figures["disagreements"] = pairs
    figures["disagreeing_criteria"] = criteria.most_common(8)
    return figures


def run_child(n: int, seed: int, chunk: int | None, with_oracle: bool) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(n), "--seed", str(seed)]
    if chunk:
        command += ["--chunk", str(chunk)]
    if not with_oracle:
        command.append("--no-oracle")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the run for N={n} failed:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(lines)


def report(runs: list[dict[str, Any]], extrapolate: int | None, chunk: int | None) -> None:
    rows = []
    for f in runs:
        oracle = f.get("oracle_s")
        rows.append(
            [
                f"{f['n']:,}",
                f"{f['read_s']:.2f}",
                f"{f['check_s']:.2f}",
                f"{f['n'] / f['check_s']:,.0f}",
                f"{1000 * f['check_s'] / f['n']:.2f}",
                f"{f['rss_read_mb']:,.0f}",
                f"{f['rss_check_mb']:,.0f}",
                f"{oracle:.2f}" if oracle else "-",
                f"{f['check_s'] / oracle:.2f}" if oracle else "-",
                str(f.get("disagreements", "-")),
            ]
        )
    headers = ["N", "read s", "check s", "patients/s", "ms/patient", "RSS read MB", "RSS peak MB", "oracle s",
               "clingo/oracle", "disagree"]  # fmt: skip
    print("N patients × 5 seed trials, reference date 2026-11-22 (peak memory: ru_maxrss of a fresh process per N)")
    print(table(headers, rows))

    for f in runs:
        if "oracle_error" in f:
            print(f"\noracle unavailable for N={f['n']}: {f['oracle_error']}")
        if f.get("disagreeing_criteria"):
            print(f"\ndisagreements at N={f['n']:,} ({f['disagreements']} patient × trial pairs), by criterion:")
            for text, count in f["disagreeing_criteria"]:
                print(f"  {count:6}  {text}")
        print(f"\nstatuses at N={f['n']:,}: " + ", ".join(f"{k} {v}" for k, v in sorted(f["statuses"].items())))

    if len(runs) > 1:
        small, large = runs[0], runs[-1]
        per_small, per_large = small["check_s"] / small["n"], large["check_s"] / large["n"]
        print(f"\ngrowth from N={small['n']:,} to N={large['n']:,} ({large['n'] / small['n']:.0f}× the patients):")
        print(f"  check time ×{large['check_s'] / small['check_s']:.1f}; time per patient "
              f"{1000 * per_small:.2f} ms → {1000 * per_large:.2f} ms (ratio {per_large / per_small:.2f}; 1.00 is linear)")  # fmt: skip
        read_small, read_large = small["read_s"] / small["n"], large["read_s"] / large["n"]
        print(f"  read time per patient {1000 * read_small:.2f} ms → {1000 * read_large:.2f} ms "
              f"(ratio {read_large / read_small:.2f})")  # fmt: skip

    if extrapolate and all(f["n"] != extrapolate for f in runs):
        base = runs[-1]
        factor = extrapolate / base["n"]
        print(f"\nEXTRAPOLATED (not measured) to N={extrapolate:,}, linearly from N={base['n']:,} (×{factor:.0f}):")
        print(f"  read {base['read_s'] * factor:,.0f} s, check {base['check_s'] * factor:,.0f} s", end="")
        if base.get("oracle_s"):
            print(f", oracle {base['oracle_s'] * factor:,.0f} s", end="")
        # Memory: clingo grounds one chunk at a time (a fixed cost once N exceeds the chunk);
        # what stays grows with N (records, patients, results). Fit a line through the two
        # largest runs, when both are past the chunk size.
        if len(runs) > 1 and runs[-2]["n"] >= (chunk or 500):
            small = runs[-2]
            slope = (base["rss_check_mb"] - small["rss_check_mb"]) / (base["n"] - small["n"])
            print(f", peak RSS ≈ {base['rss_check_mb'] + slope * (extrapolate - base['n']):,.0f} MB "
                  f"({1024 * slope:.1f} kB per patient from N={small['n']:,} to N={base['n']:,})", end="")  # fmt: skip
        print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="cohort sizes (default 1000 10000)")
    parser.add_argument("--seed", type=int, default=1, help="cohort seed (default 1)")
    parser.add_argument("--chunk", type=int, help="patients per clingo call (default: the API's)")
    parser.add_argument("--no-oracle", action="store_true", help="skip the reference evaluator")
    parser.add_argument(
        "--extrapolate", type=int, default=100000, help="estimate this N from the largest run (default 100000; 0: no)"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(run_one(args.child, args.seed, args.chunk, not args.no_oracle)))
        return
    runs = []
    for n in sorted(args.sizes):
        print(f"running N={n:,} ...", file=sys.stderr, flush=True)
        runs.append(run_child(n, args.seed, args.chunk, not args.no_oracle))
    report(runs, args.extrapolate, args.chunk)
    print(f"\n{machine()}")


if __name__ == "__main__":
    main()
