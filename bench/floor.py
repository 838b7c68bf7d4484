"""The least a patient can cost under the project's design, against the 15 s goal's budget.

    python bench/floor.py                  # 2000 patients, batches of 250
    python bench/floor.py --n 5000

The goal (issue 5) is 100,000 patients x the five seed trials in 15 s on this machine:
15 s x cores / 100,000 of processor time a patient, everything included. The design is
fixed by the project: records are read and checked in Python, facts reach clingo as
symbols (never as program text), and the rules in rules/ decide. This script times, per
patient, the parts no encoding can avoid, each on its own:

1. json: `json.loads` of the patient's JSON line;
2. read: `trialogic.read_patient` (checks and converts the record), then
   symbols: `patient_symbols`, the facts as clingo symbols, as `check` builds them;
3. bare symbols: only the `clingo.Function` calls for the same facts, every argument
   built beforehand: the symbol API's own cost, with no Python logic at all;
4. pass (backend): the facts handed to clingo with `add_atom`/`add_rule`, as `check` does,
   and grounded with no rules;
5. pass (context): the same facts returned by one context function of a one-rule program
   (`fact(X) :- X = @facts().`), the cheapest way in found;
6. one atom a criterion: a program of one rule per criterion of the loaded trials,
   `c(P,K) :- fact(patient(P)).`, grounded after the facts (5. subtracted): the least any
   encoding costs that gives each criterion a status with at least one atom a patient;
7. trialogic: what `check` costs a patient today (its solver, same batches).

The floor is 1 + 3 + 5 + 6: no validation, no Python between the record and clingo, and
an encoding of one atom a criterion. It is printed again with 2. `read_patient` added: the
record checked as the brief requires (every problem named by file and field) before it is
decided. It prints the floor against the budget, and how long
100,000 patients would take on the machine's cores at the floor. Each step is timed over
the whole cohort three times and the fastest pass is kept.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable

import clingo
from batch import batch_arguments, machine
from cohort import REFERENCE, generate

from trialogic.api import load_trials, read_patient
from trialogic.facts import number, patient_symbols
from trialogic.patient import Patient

GOAL_SECONDS = 15.0
GOAL_PATIENTS = 100_000


def fastest(step: Callable[[], object], passes: int = 3) -> float:
    best = float("inf")
    for _ in range(passes):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    return best


def batches(items: list[Patient], size: int) -> list[list[Patient]]:
    return [items[first : first + size] for first in range(0, len(items), size)]


def ground_by_context(facts: list[clingo.Symbol], program: str = "") -> clingo.Control:
    class Context:
        @staticmethod
        def facts() -> list[clingo.Symbol]:
            return facts

    control = clingo.Control(["--warn=none"])
    control.add("base", [], "fact(X) :- X = @facts().\n" + program)
    control.ground([("base", [])], Context())
    return control


def ground_by_backend(facts: list[clingo.Symbol]) -> None:
    control = clingo.Control(["--warn=none"])
    with control.backend() as backend:
        for symbol in facts:
            backend.add_rule([backend.add_atom(symbol)])
    control.ground([("base", [])])


def main(argv: list[str] | None = None) -> None:
    args = batch_arguments(__doc__, argv)

    trials = load_trials()
    solver = trials.solver()
    criteria = sum(len(trial.criteria) for trial in trials.trials.values())
    lines = [json.dumps(record) for record in generate(args.n, args.seed, REFERENCE)]
    records = [json.loads(line) for line in lines]
    patients = [read_patient(record, f"p{i}", trials.vocabulary) for i, record in enumerate(records)]
    groups = batches(patients, args.batch)
    facts = [[s for index, p in enumerate(group) for s in patient_symbols(p, number(index))] for group in groups]
    # the name and built arguments of every fact, for the bare Function calls
    parts = [[(s.name, s.arguments) for s in group] for group in facts]
    one_atom_rules = "\n".join(f"c(P,{k}) :- fact(patient(P))." for k in range(criteria))

    spent = {
        "json": fastest(lambda: [json.loads(line) for line in lines]),
        "read": fastest(lambda: [read_patient(r, f"p{i}", trials.vocabulary) for i, r in enumerate(records)]),
        "symbols": fastest(
            lambda: [[s for i, p in enumerate(g) for s in patient_symbols(p, number(i))] for g in groups]
        ),
        "bare symbols": fastest(lambda: [[clingo.Function(n, a) for n, a in group] for group in parts]),
        "pass (backend)": fastest(lambda: [ground_by_backend(group) for group in facts]),
        "pass (context)": fastest(lambda: [ground_by_context(group) for group in facts]),
    }
    with_rules = fastest(lambda: [ground_by_context(group, one_atom_rules) for group in facts])
    spent["one atom a criterion"] = max(0.0, with_rules - spent["pass (context)"])
    spent["trialogic check"] = fastest(lambda: [solver.solve(group, REFERENCE) for group in groups])
    # (today's cost leaves out what `screen` adds: workers, the output, attrition)

    cores = os.cpu_count() or 1
    budget = GOAL_SECONDS * cores / GOAL_PATIENTS
    n = len(patients)
    print(f"{n:,} patients x {len(trials.trials)} trials ({criteria} criteria), batches of {args.batch}")
    print(f"{sum(map(len, facts)) / n:.0f} facts a patient")
    print(f"{'step':24} ms/patient")
    for name, seconds in spent.items():
        print(f"{name:24} {1000 * seconds / n:8.3f}")
    floor = sum(spent[name] for name in ("json", "bare symbols", "pass (context)", "one atom a criterion")) / n
    checked = floor + spent["read"] / n  # the record read and checked, as the brief requires
    today = (spent["json"] + spent["read"] + spent["trialogic check"]) / n
    print(f"budget: {GOAL_SECONDS:g} s x {cores} cores / {GOAL_PATIENTS:,} = {1000 * budget:.3f} ms a patient")
    print(f"floor (json + bare symbols + pass (context) + one atom a criterion): {1000 * floor:.3f} ms", end="")
    print(f", x{floor / budget:.2f} the budget")
    print(
        f"floor with the record read and checked (+ read): {1000 * checked:.3f} ms, x{checked / budget:.2f} the budget"
    )
    print(f"today (json + read + trialogic check): {1000 * today:.3f} ms, x{today / budget:.2f} the budget")
    for name, cost in (("the floor", floor), ("the floor, record checked", checked), ("today's cost", today)):
        print(
            f"{GOAL_PATIENTS:,} patients on {cores} cores at {name}, every core busy: {cost * GOAL_PATIENTS / cores:.1f} s"
        )
    print(machine())


if __name__ == "__main__":
    main()
