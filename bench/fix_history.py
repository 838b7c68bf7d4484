"""`fix` for one patient × the five seed trials as the record's history grows.

    python bench/fix_history.py                     # 10, 100, 300, 1000 results a test
    python bench/fix_history.py --sizes 10 100 --future 50

A generated woman (born 1980) with N results of each of serum creatinine, weight and
platelets, one every 3 days back from the day before the reference date (2026-11-22);
then, with `--future K`, the same record plus K creatinine results every 11 days after
it (a record checked as of a past day). Each size runs `trialogic.api.fix(patient,
trials, on=...)` (every trial) in a fresh child process: the wall time of `fix` alone
(trials loaded beforehand, one untimed warm-up call on a 1-result record), the peak
resident memory of that process, and the time per result against the smallest size
(linear growth keeps it near 1), and `fix` over one `evaluate` of the same patient by the
reference evaluator (tests/oracle.py), which only decides the statuses on the reference
date: the price of searching every date and change.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = dt.date(2026, 11, 22)
TESTS = [("serum_creatinine", 90, "umol/L"), ("weight", 70, "kg"), ("platelets", 200, "10^9/L")]

CHILD = """
import datetime as dt, json, resource, sys, time
sys.path.insert(0, sys.argv[3])
from oracle import evaluate
import trialogic
from trialogic import api
from trialogic.parser import parse_file
from trialogic.resources import rules_dir
trials = trialogic.load_trials()
on = dt.date.fromisoformat(sys.argv[2])
record = json.loads(open(sys.argv[1]).read())
warm = api.read_patient({**record, "measurements": record["measurements"][:1]})
api.fix(warm, trials, on=on)
patient = api.read_patient(record)
start = time.perf_counter()
repairs = api.fix(patient, trials, on=on)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
modules = [parse_file(rules_dir() / "library.tl")] + [parse_file(f) for f in sorted((rules_dir() / "trials").glob("*.tl"))]
start = time.perf_counter()
evaluate(modules, patient, on, trials.vocabulary)
oracle = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "peak_mb": peak, "oracle": oracle}))
"""


def record(results: int, future: int) -> dict[str, object]:
    measurements = [
        {
            "attribute": name,
            "value": value,
            "unit": unit,
            "date": (REFERENCE - dt.timedelta(days=1 + 3 * i)).isoformat(),
        }
        for i in range(results)
        for name, value, unit in TESTS
    ]
    measurements += [
        {"attribute": "serum_creatinine", "value": 95, "unit": "umol/L",
         "date": (REFERENCE + dt.timedelta(days=11 * (i + 1))).isoformat()}
        for i in range(future)
    ]  # fmt: skip
    return {"id": "H1", "birth_date": "1980-01-01", "sex": "female", "measurements": measurements}


def measure(results: int, future: int, folder: Path) -> dict[str, float]:
    path = folder / f"h{results}_{future}.json"
    path.write_text(json.dumps(record(results, future)))
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), REFERENCE.isoformat(), str(ROOT / "tests")],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 300, 1000], help="results of each test")
    parser.add_argument("--future", type=int, default=0, help="creatinine results after the reference date")
    args = parser.parse_args()
    print(f"fix, one patient x the seed trials, on {REFERENCE}; {len(TESTS)} tests, +{args.future} later results")
    print(f"{'results/test':>12} {'fix s':>8} {'peak MB':>8} {'ms/result':>10} {'vs smallest':>12} {'fix/oracle':>11}")
    first: float | None = None
    with tempfile.TemporaryDirectory() as folder:
        for size in args.sizes:
            figures = measure(size, args.future, Path(folder))
            per_result = 1000 * figures["seconds"] / (size * len(TESTS) + args.future)
            first = first or per_result
            print(
                f"{size:>12} {figures['seconds']:>8.2f} {figures['peak_mb']:>8.0f} {per_result:>10.3f} "
                f"{per_result / first:>11.2f}x {figures['seconds'] / figures['oracle']:>10.0f}x"
            )
    print(f"cpus {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
