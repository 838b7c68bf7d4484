"""End to end: `trialogic screen COHORT.jsonl --jobs J --out M.csv` on N synthetic patients.

    python bench/screen.py                          # N = 1000 10000, all cores
    python bench/screen.py --sizes 1000 10000 100000 --jobs 2
    python bench/screen.py --sizes 100000 --oracle  # and the reference evaluator on the same cohort

This is the figure the speed goal is about: a new `trialogic screen` process reads the
JSON lines, validates every record, solves them in chunks in J worker processes and
writes the patient × trial matrix with the blocking and unknown criteria of every pair,
plus the attrition tables. Wall time is from starting the command to its exit.

For each N:

1. the cohort is generated with bench/cohort.py and written as JSON lines (not timed);
2. the command runs; every 50 ms the resident memory of the command and all its worker
   processes is read from /proc and summed: "peak tree RSS" is the largest sum seen
   (Linux only; elsewhere it is left out);
3. the processor time of the command and of every worker it waited for is read with
   getrusage(RUSAGE_CHILDREN): "CPU ms/patient" is what the cohort cost whatever the
   number of cores, "cores busy" is CPU ÷ (wall × jobs), and the last lines turn the CPU
   cost into the cores that 100,000 patients in 15 s would need at the same cost;
4. the CSV is checked to hold N × 5 rows;
5. with `--oracle`, the plain-Python reference evaluator (tests/oracle.py) reads and
   evaluates the same records in this process, single-threaded, and the ratio
   screen ÷ oracle is printed (the goal: within 3×).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REFERENCE = dt.date(2026, 11, 22)
sys.path.insert(0, str(HERE))

from batch import machine, oracle_modules, table  # noqa: E402


def write_cohort(n: int, seed: int, folder: Path) -> Path:
    import cohort

    path = folder / f"cohort-{n}-{seed}.jsonl"
    with path.open("w", encoding="utf-8") as stream:
        for record in cohort.generate(n, seed, REFERENCE):
            stream.write(json.dumps(record) + "\n")
    return path


def _tree_rss_kb(root: int) -> int | None:
    """Resident memory of `root` and its descendants, from /proc (None where there is no /proc)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        parents[int(entry.name)] = int(fields.get("PPid", "0").strip())
        rss[int(entry.name)] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


def run_screen(cohort: Path, jobs: int, out: Path) -> dict[str, float | None]:
    executable = Path(sys.executable).with_name("trialogic")
    command = [str(executable), "screen", str(cohort), "--on", REFERENCE.isoformat(), "--jobs", str(jobs)]
    command += ["--out", str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak: int | None = 0
    while process.poll() is None:
        sample = _tree_rss_kb(process.pid)
        peak = None if sample is None or peak is None else max(peak, sample)
        time.sleep(0.05)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        raise SystemExit(f"trialogic screen failed:\n{process.stderr.read() if process.stderr else ''}")
    # the command and every worker it waited for: the processor time the cohort cost
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu, "peak_tree_mb": peak / 1024 if peak else None}


def run_oracle(cohort: Path) -> float:
    import trialogic
    from trialogic.vocabulary import load_vocabulary

    evaluate, modules = oracle_modules()
    vocabulary = load_vocabulary()
    start = time.perf_counter()
    with cohort.open(encoding="utf-8") as stream:
        for line in stream:
            record = json.loads(line)
            evaluate(modules, trialogic.read_patient(record, record["id"], vocabulary), REFERENCE, vocabulary)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], help="cohort sizes (default 1000 10000)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: all cores)")
    parser.add_argument("--seed", type=int, default=1, help="cohort seed (default 1)")
    parser.add_argument("--oracle", action="store_true", help="also time the reference evaluator on each cohort")
    options = parser.parse_args(argv)

    rows, runs = [], []
    with tempfile.TemporaryDirectory() as folder:
        for n in options.sizes:
            cohort = write_cohort(n, options.seed, Path(folder))
            out = Path(folder) / f"matrix-{n}.csv"
            figures = run_screen(cohort, options.jobs, out)
            lines = sum(1 for _ in out.open(encoding="utf-8")) - 1
            if lines != 5 * n:
                raise SystemExit(f"the matrix for N={n} has {lines} rows, not {5 * n}")
            oracle = run_oracle(cohort) if options.oracle else None
            wall, cpu = figures["wall_s"] or 0.0, figures["cpu_s"] or 0.0
            peak = figures["peak_tree_mb"]
            runs.append((n, wall, cpu))
            rows.append([f"{n:,}", str(options.jobs), f"{wall:.1f}", f"{n / wall:,.0f}", f"{1000 * wall / n:.2f}",
                         f"{cpu:.1f}", f"{1000 * cpu / n:.2f}", f"{cpu / (wall * options.jobs):.0%}",
                         f"{peak:,.0f}" if peak else "-", f"{oracle:.1f}" if oracle else "-",
                         f"{wall / oracle:.2f}" if oracle else "-"])  # fmt: skip
            print(f"N={n:,} done in {wall:.1f} s", file=sys.stderr, flush=True)
    headers = ["N", "jobs", "screen s", "patients/s", "ms/patient", "CPU s", "CPU ms/patient", "cores busy",
               "peak tree RSS MB", "oracle s", "screen/oracle"]  # fmt: skip
    print("`trialogic screen` N patients × 5 seed trials, a new process, CSV out, reference date 2026-11-22")
    print(table(headers, rows))
    n, wall, cpu = runs[-1]
    per_patient = cpu / n
    print(f"\nprocessor time: {1000 * per_patient:.2f} ms a patient (the command and all its workers). At that cost,")
    print(
        f"100,000 patients in 15 s need {100_000 * per_patient / 15:.0f} cores busy throughout; here "
        f"{options.jobs} jobs kept {cpu / wall:.2f} cores busy."
    )
    if len(runs) > 1:
        (n0, t0, _), (n1, t1, _) = runs[0], runs[-1]
        ratio = (t1 / n1) / (t0 / n0)
        print(
            f"\ngrowth N={n0:,} → N={n1:,}: time per patient ×{ratio:.2f} (1.00 is linear; the start-up of the command"
        )
        print("and its workers weighs more on small N)")
    print(f"\n{machine()}")


if __name__ == "__main__":
    main()
