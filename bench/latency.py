"""Latency for one patient × the five seed trials: the cold command, and check / why / fix warm.

    python bench/latency.py                       # facts/patients/p01.yaml, or a generated patient
    python bench/latency.py --patient some.yaml

(a) cold: `trialogic check PATIENT --on 2026-11-22` as a fresh process (the .venv's
    `trialogic` script), median of 5 runs after one untimed run that warms the disk cache;
(b) warm `trialogic.check([patient], trials)`: median of 50 calls after 3 warm-up calls,
    trials loaded once beforehand;
(c) warm `trialogic.api.why(patient, trials)`: median of 50 after 3 warm-up calls;
(d) `trialogic.api.fix(patient, trials, max_alternatives=1000)`, i.e. every trial and every
    alternative: median of 10 after 1 warm-up call;
(e) (b) again in 5 fresh processes (`--processes`): the lowest, middle and highest of their
    medians. The same code measures differently from one process to the next (12–21 ms was
    seen), so a goal near the figure needs this spread, not one process's median.

Each is also shown as a ratio to the oracle (tests/oracle.py): one `evaluate` of the
same patient against the same modules, median of 50 (parsed modules reused). The cold
command is compared as well with a cold oracle process (import, parse the trial files,
read the patient, evaluate once), median of 5.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REFERENCE = dt.date(2026, 11, 22)

COLD_ORACLE = """
import sys, datetime as dt
from pathlib import Path
sys.path.insert(0, {tests!r})
from oracle import evaluate
from trialogic.parser import parse_file
from trialogic.records import read_patients
from trialogic.vocabulary import load_vocabulary
root = Path({root!r})
modules = [parse_file(root / "rules" / "library.tl")] + [parse_file(f) for f in sorted((root / "rules" / "trials").glob("*.tl"))]
vocabulary = load_vocabulary()
for patient in read_patients([{patient!r}], vocabulary):
    evaluate(modules, patient, dt.date(2026, 11, 22), vocabulary)
"""


WARM_CHECK = """
import datetime as dt, statistics, time
import trialogic
trials = trialogic.load_trials()
(patient,) = trialogic.load_patients({patient!r})
times = []
for run in range({warmup} + {runs}):
    start = time.perf_counter()
    trialogic.check([patient], trials, on=dt.date(2026, 11, 22))
    if run >= {warmup}:
        times.append(time.perf_counter() - start)
print(statistics.median(times))
"""


def machine() -> str:
    """CPUs and load: other processes on the machine inflate every time printed here."""
    one, five, fifteen = os.getloadavg()
    return f"{os.cpu_count()} CPUs; load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min) at the end"


def median_time(call: Callable[[], Any], runs: int, warmup: int = 0) -> float:
    for _ in range(warmup):
        call()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def trialogic_script() -> str:
    for candidate in (ROOT / ".venv" / "bin" / "trialogic", Path(sys.executable).parent / "trialogic"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("trialogic")
    if not found:
        raise SystemExit("no trialogic script: install the project (pip install -e .) first")
    return found


def patient_file(given: Path | None, folder: Path) -> tuple[Path, str]:
    """The patient to time: --patient, else facts/patients/p01.yaml, else a generated one written to `folder`."""
    if given:
        return given, str(given)
    example = ROOT / "facts" / "patients" / "p01.yaml"
    if example.exists():
        return example, "facts/patients/p01.yaml"
    import yaml

    sys.path.insert(0, str(HERE))
    import cohort

    # The record with the most entries among the first 50 of seed 1: a busy patient.
    records = cohort.generate(50, 1, REFERENCE)
    record = max(records, key=lambda r: sum(len(v) for v in r.values() if isinstance(v, list)))
    path = folder / "patient.yaml"
    path.write_text(yaml.safe_dump(record, sort_keys=False, allow_unicode=True), encoding="utf-8")
    entries = sum(len(v) for v in record.values() if isinstance(v, list))
    return path, f"generated {record['id']} ({entries} entries; facts/patients/p01.yaml does not exist)"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--patient", type=Path, help="a patient file (default facts/patients/p01.yaml or a generated one)"
    )
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--warm-runs", type=int, default=50)
    parser.add_argument("--fix-runs", type=int, default=10)
    parser.add_argument("--processes", type=int, default=5, help="fresh processes for (e) (default 5)")
    args = parser.parse_args(argv)

    import trialogic
    from trialogic.api import fix, why
    from trialogic.parser import parse_file
    from trialogic.vocabulary import load_vocabulary

    with tempfile.TemporaryDirectory() as tmp:
        path, described = patient_file(args.patient, Path(tmp))
        print(f"patient: {described}; reference date {REFERENCE}; the five seed trials\n")

        # (a) the cold command, and a cold oracle process for comparison
        command = [trialogic_script(), "check", str(path), "--on", REFERENCE.isoformat()]

        def cold() -> None:
            done = subprocess.run(command, capture_output=True, check=False)
            if done.returncode not in (0, 1):
                raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr.decode()}")

        cold()  # untimed: warms the disk cache
        cold_s = median_time(cold, args.cold_runs)
        oracle_script = COLD_ORACLE.format(tests=str(ROOT / "tests"), root=str(ROOT), patient=str(path))
        oracle_command = [sys.executable, "-c", oracle_script]

        def cold_oracle() -> None:
            subprocess.run(oracle_command, capture_output=True, check=True)

        try:
            cold_oracle()
            cold_oracle_s: float | None = median_time(cold_oracle, args.cold_runs)
        except subprocess.CalledProcessError as e:
            print(f"cold oracle failed: {e.stderr.decode().strip().splitlines()[-1]}")
            cold_oracle_s = None

        # (b)-(d) warm, in this process
        vocabulary = load_vocabulary()
        trials = trialogic.load_trials()
        (patient,) = trialogic.load_patients(path, vocabulary)
        check_s = median_time(lambda: trialogic.check([patient], trials, on=REFERENCE), args.warm_runs, warmup=3)
        why_s = median_time(lambda: why(patient, trials, on=REFERENCE), args.warm_runs, warmup=3)
        repairs = fix(patient, trials, on=REFERENCE, max_alternatives=1000)
        fix_s = median_time(lambda: fix(patient, trials, on=REFERENCE, max_alternatives=1000), args.fix_runs, warmup=0)

        script = WARM_CHECK.format(patient=str(path), warmup=3, runs=args.warm_runs)
        spread = sorted(
            float(subprocess.run([sys.executable, "-c", script], capture_output=True, check=True, text=True).stdout)
            for _ in range(args.processes)
        )

        oracle_s: float | None = None
        try:
            sys.path.insert(0, str(ROOT / "tests"))
            from oracle import evaluate

            files = [ROOT / "rules" / "library.tl", *sorted((ROOT / "rules" / "trials").glob("*.tl"))]
            modules = [parse_file(f) for f in files]
            oracle_s = median_time(lambda: evaluate(modules, patient, REFERENCE, vocabulary), args.warm_runs, warmup=3)
        except Exception as e:  # the oracle may still be being written
            print(f"oracle unavailable: {type(e).__name__}: {e}")

    def ratio(seconds: float, base: float | None) -> str:
        return f"{seconds / base:,.0f}×" if base else "-"

    rows = [
        ("(a) cold `trialogic check` process", f"median of {args.cold_runs}", cold_s, "≤ 0.6 s"),
        ("(b) check, warm API", f"median of {args.warm_runs}", check_s, "≤ 20 ms"),
        ("(c) why, warm API", f"median of {args.warm_runs}", why_s, ""),
        ("(d) fix, 5 trials, all alternatives", f"median of {args.fix_runs}", fix_s, "< 1 s"),
    ]
    print(f"{'':38}  {'runs':>12}  {'time':>9}  {'÷ oracle':>9}  goal")
    for name, runs, seconds, goal in rows:
        time_text = f"{seconds:.3f} s" if seconds >= 0.1 else f"{1000 * seconds:.1f} ms"
        print(f"{name:38}  {runs:>12}  {time_text:>9}  {ratio(seconds, oracle_s):>9}  {goal}")
    if spread:
        low, middle, high = (1000 * spread[i] for i in (0, len(spread) // 2, -1))
        print(f"{'(e) check, warm, in fresh processes':38}  {str(len(spread)) + ' processes':>12}  "
              f"{low:.1f} / {middle:.1f} / {high:.1f} ms (lowest / middle / highest median)")  # fmt: skip
    if oracle_s:
        print(f"{'oracle evaluate, warm':38}  {'median of ' + str(args.warm_runs):>12}  {1000 * oracle_s:7.1f} ms")
    if cold_oracle_s:
        print(f"{'oracle, cold process':38}  {'median of ' + str(args.cold_runs):>12}  {cold_oracle_s:7.3f} s  "
              f"(cold check ÷ cold oracle: {cold_s / cold_oracle_s:.2f})")  # fmt: skip
    found = sum(len(r.alternatives) for r in repairs)
    print(f"\nfix found {found} alternatives over {len(repairs)} trials: "
          + ", ".join(f"{r.trial} {len(r.alternatives)}" for r in repairs))  # fmt: skip
    print(machine())


if __name__ == "__main__":
    main()
