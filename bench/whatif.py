"""Many what-ifs of one patient: rebuilding per scenario against one shared grounding.

    python bench/whatif.py                         # facts/patients/p05.yaml, K = 1 10 50 200
    python bench/whatif.py --sizes 10 100 --seed 2 --patient some.yaml --runs 5

One example patient × the five seed trials × K scenarios, on 2026-11-22. The scenarios
are drawn from `--seed` (not timed): each has 1-3 changes, a --set of a lab result (value
and date within 60 days), a --stop of a drug the record still takes, a --start of a drug,
or an --add-condition; all on the reference date and with no trial change, so they share
one grounding. Timed, each the median of `--runs` after one untimed warm-up:

(a) rebuild: for every scenario, apply its changes, read the changed record and
    `trialogic.check` it (a grounding each), plus one check of the record as it is;
(w) `trialogic.whatif.whatif` once per scenario, as the single what-if does it (two
    checks a scenario: before and after);
(b) shared: `trialogic.scenarios.run_scenarios` on all K scenarios (apply and read every
    changed record, ground once, solve per scenario); and, inside it, the grounding alone
    and the K solves alone.

Ratios are (a) ÷ (b) and (w) ÷ (b). The script also counts scenario × trial pairs where
(b) and (a) disagree on any status (must be 0), and prints the CPU count and load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REFERENCE = dt.date(2026, 11, 22)
sys.path.insert(0, str(HERE))

import latency  # noqa: E402
from batch import machine  # noqa: E402

LABS = [  # attribute, unit, low, high (whole numbers, or tenths when the unit is small)
    ("serum_creatinine", "umol/L", 50, 400, 1),
    ("wbc", "x10^9/L", 10, 120, 10),
    ("hemoglobin", "g/L", 60, 150, 1),
    ("platelets", "x10^9/L", 40, 400, 1),
    ("alt", "U/L", 10, 200, 1),
    ("sledai_2k", "", 0, 20, 1),
    ("urine_protein_creatinine_ratio", "mg/mg", 1, 60, 10),
]
STARTED = ["rituximab", "belimumab", "cyclophosphamide", "mycophenolate_mofetil", "voclosporin", "azathioprine"]
CONDITIONS = ["tuberculosis", "malignancy", "pregnancy", "hepatitis_b", "herpes_zoster", "bacterial_infection"]


def median_time(call: Callable[[], Any], runs: int) -> float:
    return latency.median_time(call, runs, warmup=1)


def generate(record: dict[str, Any], k: int, seed: int) -> list[list[tuple[str, str]]]:
    """K scenarios of 1-3 changes each, the same for the same seed and record."""
    rng = random.Random(seed)
    taking = sorted(
        {d["code"] for d in record.get("drugs", []) if d.get("end") is None and d.get("status") != "stopped"}
    )
    scenarios = []
    for _ in range(k):
        changes: list[tuple[str, str]] = []
        stopped: set[str] = set()
        for _ in range(rng.randint(1, 3)):
            date = REFERENCE - dt.timedelta(days=rng.randint(0, 60))
            kind = rng.choice(["--set", "--set", "--stop", "--start", "--add-condition"])
            if kind == "--stop" and set(taking) - stopped:
                code = rng.choice(sorted(set(taking) - stopped))
                stopped.add(code)
                changes.append(("--stop", f"{code}@{date}"))
            elif kind == "--start":
                changes.append(("--start", f"{rng.choice(STARTED)}@{date}"))
            elif kind == "--add-condition":
                changes.append(("--add-condition", f"{rng.choice(CONDITIONS)}@{date}"))
            else:
                attribute, unit, low, high, per = rng.choice(LABS)
                value = rng.randint(low, high)
                text = str(value) if per == 1 else f"{value / per:g}"
                changes.append(("--set", f"{attribute}={text}{unit}@{date}"))
        scenarios.append(changes)
    return scenarios


def measure(record: dict[str, Any], source: str, trials: Any, scenarios: list[Any], runs: int) -> dict[str, Any]:
    """The figures for one K (see the module docstring)."""
    import trialogic
    from trialogic.scenarios import SharedGrounding, run_scenarios, variant_facts
    from trialogic.whatif import apply_changes, whatif

    base = trialogic.read_patient(record, source, trials.vocabulary)

    def rebuild() -> list[list[trialogic.TrialResult]]:
        trialogic.check([base], trials, on=REFERENCE)
        results = []
        for scenario in scenarios:
            changed = apply_changes(record, list(scenario.changes), trials, REFERENCE)
            patient = trialogic.read_patient(changed, source, trials.vocabulary)
            results.append(trialogic.check([patient], trials, on=REFERENCE))
        return results

    def one_by_one() -> None:
        for scenario in scenarios:
            whatif(record, list(scenario.changes), trials, REFERENCE, source=source)

    figures: dict[str, Any] = {
        "rebuild": median_time(rebuild, runs),
        "whatif": median_time(one_by_one, runs),
        "shared": median_time(lambda: run_scenarios(record, scenarios, trials, REFERENCE, source), runs),
    }

    # the grounding and the solves alone, on the same variants (reading them is not timed)
    variants = [base] + [
        trialogic.read_patient(apply_changes(record, list(s.changes), trials, REFERENCE), source, trials.vocabulary)
        for s in scenarios
    ]
    facts = [variant_facts(v) for v in variants]
    figures["grounding"] = median_time(lambda: SharedGrounding(trials.solver(), facts, REFERENCE), runs)
    grounding = SharedGrounding(trials.solver(), facts, REFERENCE)
    figures["solves"] = median_time(lambda: [grounding.answer(i) for i in range(len(variants))], runs)
    figures["externals"] = grounding.externals

    # (b) against (a): every status of every scenario × trial
    expected = rebuild()
    outcomes = run_scenarios(record, scenarios, trials, REFERENCE, source)
    figures["disagreements"] = sum(
        (f.after.status, [c.status for c in f.after.criteria]) != (r.status, [c.status for c in r.criteria])
        for outcome, results in zip(outcomes, expected, strict=True)
        for f, r in zip(outcome.flips, results, strict=True)
    )
    figures["pairs"] = len(scenarios) * len(trials.trials)
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--patient", type=Path, default=ROOT / "facts" / "patients" / "p05.yaml")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 50, 200])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    import trialogic
    from trialogic.patient import load_records
    from trialogic.scenario_file import Scenario
    from trialogic.whatif import Change

    trials = trialogic.load_trials()
    ((record, source),) = load_records(args.patient)
    shown = args.patient.relative_to(ROOT) if args.patient.is_relative_to(ROOT) else args.patient
    print(f"patient: {shown}; reference date {REFERENCE}; the five seed trials; scenarios from seed {args.seed}; "
          f"median of {args.runs} runs after one warm-up\n")  # fmt: skip
    header = f"{'K':>4}  {'(a) rebuild':>12}  {'(w) whatif':>11}  {'(b) shared':>11}  {'grounding':>10}  "
    header += f"{'K+1 solves':>10}  {'(a)÷(b)':>8}  {'(w)÷(b)':>8}  {'externals':>9}  disagreements"
    print(header)
    for k in args.sizes:
        drawn = generate(record, k, args.seed)
        scenarios = [Scenario(f"s{i}", tuple(Change(o, t) for o, t in changes)) for i, changes in enumerate(drawn)]
        f = measure(record, source, trials, scenarios, args.runs)
        print(f"{k:>4}  {f['rebuild']:>10.3f} s  {f['whatif']:>9.3f} s  {f['shared']:>9.3f} s  "
              f"{f['grounding']:>8.3f} s  {f['solves']:>8.3f} s  {f['rebuild'] / f['shared']:>7.1f}×  "
              f"{f['whatif'] / f['shared']:>7.1f}×  {f['externals']:>9}  {f['disagreements']} of {f['pairs']}")  # fmt: skip
    print(
        "\n(a) rebuild: a check per changed record (+1 for the record as it is); (w) whatif per scenario; "
        "(b) run_scenarios: one grounding for all. 'grounding' and 'K+1 solves' (the record as it is too) "
        "are parts of (b)."
    )
    print(machine())


if __name__ == "__main__":
    main()
