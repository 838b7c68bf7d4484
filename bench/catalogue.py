"""A catalogue of generated trials × one patient: load_trials and check at scale.

    python bench/catalogue.py                     # 1000 trials
    python bench/catalogue.py --trials 100 1000

The trials are written in the criteria language into a temporary folder: each file is
`use library` and one `trial NCT9xxxxxxx "..." { ... }` holding 8 to 25 criteria drawn
from the five seed trials, with thresholds, ULN factors, age limits, windows and "at
least K" counts varied (×0.8 to ×1.5, rounded to the original's precision so every
threshold stays a whole number at its attribute's scale). Then, timed:

- `trialogic.load_trials([folder])`: parse, check and compile every file (with an empty
  parse cache), then again with the parse cache warm ("again");
- the first `trialogic.check([patient], trials)`: builds the solver, grounds, solves;
- a second, warm `check` (median of 3);
- the oracle (tests/oracle.py) on the same patient and trials, for comparison.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REFERENCE = dt.date(2026, 11, 22)
FACTORS = [Decimal(f) for f in ("0.8", "0.9", "1", "1", "1.1", "1.2", "1.5")]


def machine() -> str:
    """CPUs and load: other processes on the machine inflate every time printed here."""
    one, five, fifteen = os.getloadavg()
    return f"{os.cpu_count()} CPUs; load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min) at the end"


# ----- generating trials ------------------------------------------------------------


def vary_number(value: Decimal, rng: random.Random) -> Decimal:
    """value × a factor, rounded to value's own precision; never zero or negative."""
    exponent = min(0, int(value.as_tuple().exponent))
    varied = (value * rng.choice(FACTORS)).quantize(Decimal(1).scaleb(exponent))
    return varied if varied > 0 else value


def vary(node: Any, rng: random.Random) -> Any:
    """A copy of an expression with its numbers varied (the AST is frozen dataclasses)."""
    from trialogic import ast

    if isinstance(node, ast.Window):
        if node.unit == "active":
            return node
        return dataclasses.replace(node, count=max(1, round(node.count * float(rng.choice(FACTORS)))))
    if isinstance(node, ast.Quantity):
        return dataclasses.replace(node, number=vary_number(node.number, rng))
    if isinstance(node, ast.Uln):
        return dataclasses.replace(node, factor=vary_number(node.factor, rng))
    if isinstance(node, ast.Pair):
        return dataclasses.replace(node, first=vary_number(node.first, rng), second=vary_number(node.second, rng))
    if isinstance(node, ast.Between):
        low, high = sorted((vary_number(node.low, rng), vary_number(node.high, rng)))
        return dataclasses.replace(node, low=low, high=high, window=vary(node.window, rng))
    if isinstance(node, ast.AtLeast):
        operands = tuple(vary(o, rng) for o in node.operands)
        count = min(len(operands), max(1, node.count + rng.choice((-1, 0, 0, 1))))
        return dataclasses.replace(node, count=count, operands=operands)
    if node is None or not dataclasses.is_dataclass(node):
        return node
    changes = {}
    for f in dataclasses.fields(node):
        if f.name == "pos":
            continue
        value = getattr(node, f.name)
        if isinstance(value, tuple):
            changes[f.name] = tuple(vary(v, rng) for v in value)
        elif dataclasses.is_dataclass(value):
            changes[f.name] = vary(value, rng)
    return dataclasses.replace(node, **changes)


def references(node: Any) -> set[str]:
    from trialogic import ast

    if isinstance(node, ast.Reference):
        return {node.name}
    found: set[str] = set()
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        for f in dataclasses.fields(node):
            value = getattr(node, f.name)
            for item in value if isinstance(value, tuple) else (value,):
                if dataclasses.is_dataclass(item):
                    found |= references(item)
    return found


def write_trials(folder: Path, count: int, seed: int) -> int:
    """Write `count` trial files into `folder`; return the number of criteria written."""
    from trialogic.format import quoted, source
    from trialogic.parser import parse_file

    pool = []  # (criterion, the defines of its seed trial it needs)
    for path in sorted((ROOT / "rules" / "trials").glob("*.tl")):
        for trial in parse_file(path).trials:
            local = {d.name: d for d in trial.defines}
            for criterion in trial.criteria:
                pool.append((criterion, [local[n] for n in sorted(references(criterion.expr)) if n in local]))
    rng = random.Random(seed)
    written = 0
    for k in range(count):
        trial_id = f"NCT9{k:07d}"
        chosen = rng.sample(pool, rng.randint(8, min(25, len(pool))))
        lines, defines, ids = [], {}, set()
        for criterion, needs in chosen:
            ident = criterion.id
            while ident in ids:
                ident += "_b"
            ids.add(ident)
            keyword = "include" if criterion.kind == "inclusion" else "exclude"
            lines.append(f"  {keyword} {ident} {quoted(criterion.text)}:\n    {source(vary(criterion.expr, rng))}\n")
            defines.update({d.name: d for d in needs})
        head = [
            f"  define {d.name}{' ' + quoted(d.description) if d.description else ''} =\n    {source(d.body)}\n"
            for d in defines.values()
        ]
        title = f"Synthetic trial {k + 1}: {len(chosen)} criteria recombined from the seed trials"
        text = f"use library\n\ntrial {trial_id} {quoted(title)} {{\n" + "\n".join(head + lines) + "}\n"
        (folder / f"{trial_id}.tl").write_text(text, encoding="utf-8")
        written += len(chosen)
    return written


# ----- timing -----------------------------------------------------------------------


def run(count: int, seed: int, folder: Path) -> dict[str, Any]:
    """Write, load and check one catalogue. trialogic keeps parsed trees in
    $XDG_CACHE_HOME/trialogic/syntax; that is pointed at a temporary folder meanwhile, so
    the generated files neither leave thousands of entries in the user's cache nor find
    any there (load_trials is timed cold, then again with the parse cache warm)."""
    saved = os.environ.get("XDG_CACHE_HOME")
    with tempfile.TemporaryDirectory() as cache:
        os.environ["XDG_CACHE_HOME"] = cache
        try:
            return _run(count, seed, folder)
        finally:
            if saved is None:
                del os.environ["XDG_CACHE_HOME"]
            else:
                os.environ["XDG_CACHE_HOME"] = saved


def _run(count: int, seed: int, folder: Path) -> dict[str, Any]:
    import trialogic
    from trialogic.parser import parse_file
    from trialogic.vocabulary import load_vocabulary

    sys.path.insert(0, str(HERE))
    import cohort

    vocabulary = load_vocabulary()
    criteria = write_trials(folder, count, seed)
    (record,) = cohort.generate(1, seed, REFERENCE)
    patient = trialogic.read_patient(record, record["id"], vocabulary)
    figures: dict[str, Any] = {"trials": count, "criteria": criteria}

    start = time.perf_counter()
    trials = trialogic.load_trials([folder])
    figures["load_s"] = time.perf_counter() - start
    figures["program_kb"] = len(trials.program()) / 1024
    start = time.perf_counter()
    trialogic.load_trials([folder])
    figures["reload_s"] = time.perf_counter() - start

    start = time.perf_counter()
    results = trialogic.check([patient], trials, on=REFERENCE)
    figures["first_check_s"] = time.perf_counter() - start
    times = []
    for _ in range(3):
        start = time.perf_counter()
        trialogic.check([patient], trials, on=REFERENCE)
        times.append(time.perf_counter() - start)
    figures["check_s"] = statistics.median(times)
    figures["statuses"] = {s: sum(r.status == s for r in results) for s in ("eligible", "ineligible", "undetermined")}

    try:
        sys.path.insert(0, str(ROOT / "tests"))
        from oracle import evaluate

        modules = [parse_file(ROOT / "rules" / "library.tl"), *(parse_file(p) for p in sorted(folder.glob("*.tl")))]
        start = time.perf_counter()
        expected = evaluate(modules, patient, REFERENCE, vocabulary)
        figures["oracle_s"] = time.perf_counter() - start
        figures["disagreements"] = sum(
            r.status != expected[r.trial][0] or any(c.status != expected[r.trial][1][c.id] for c in r.criteria)
            for r in results
        )
    except Exception as e:  # the oracle may still be being written
        figures["oracle_error"] = f"{type(e).__name__}: {e}"
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, nargs="+", default=[1000], help="catalogue sizes (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write the trial files here (kept) instead of a temporary folder")
    args = parser.parse_args(argv)

    runs = []
    for count in args.trials:
        if args.keep:
            folder = args.keep / f"catalogue-{count}"
            folder.mkdir(parents=True, exist_ok=True)
            runs.append(run(count, args.seed, folder))
        else:
            with tempfile.TemporaryDirectory() as tmp:
                runs.append(run(count, args.seed, Path(tmp)))

    print("generated trials × 1 patient, reference date 2026-11-22")
    headers = ["trials", "criteria", "load_trials s", "again s", "ASP kB", "1st check s", "warm check s", "oracle s",
               "check/oracle", "disagree"]  # fmt: skip
    rows = []
    for f in runs:
        oracle = f.get("oracle_s")
        rows.append([
            f"{f['trials']:,}", f"{f['criteria']:,}", f"{f['load_s']:.2f}", f"{f['reload_s']:.2f}",
            f"{f['program_kb']:,.0f}",
            f"{f['first_check_s']:.2f}", f"{f['check_s']:.2f}",
            f"{oracle:.3f}" if oracle else "-", f"{f['check_s'] / oracle:.1f}" if oracle else "-",
            str(f.get("disagreements", "-")),
        ])  # fmt: skip
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    print("  ".join(h.rjust(w) for h, w in zip(headers, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    for f in runs:
        print(f"\n{f['trials']:,} trials: " + ", ".join(f"{k} {v}" for k, v in f["statuses"].items()))
        if "oracle_error" in f:
            print(f"oracle unavailable: {f['oracle_error']}")
    print(f"\n{machine()}")


if __name__ == "__main__":
    main()
