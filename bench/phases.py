"""Where a batch's time goes, per patient: each step of `trialogic.check`, timed on its own.

    python bench/phases.py                 # 2000 patients, batches of 250
    python bench/phases.py --n 5000 --batch 500

The steps are those of `Solver.solve` and `check`, done one by one so that each can be
timed (no profiler, which would slow the Python steps more than clingo's):

1. read_patient: validate and convert the generated records;
2. symbols: build every patient's facts as clingo symbols;
3. program: a new clingo Control with the rules and the compiled trials;
4. backend: pass the vocabulary, reference and patient facts to clingo;
5. ground; 6. solve; 7. read: the shown atoms as answers; 8. results: answers as
   TrialResult objects.

It also prints how many atoms a patient grounds to, and the predicates with the most.

Each batch size is run twice and the second pass is printed (the first warms caches).
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import clingo
from batch import batch_arguments, machine
from cohort import REFERENCE, generate

from trialogic.api import CriterionResult, load_trials, read_patient, trial_results
from trialogic.facts import number, patient_symbols, reference_symbols
from trialogic.solve import add_programs


def main(argv: list[str] | None = None) -> None:
    args = batch_arguments(__doc__, argv)

    trials = load_trials()
    solver = trials.solver()
    records = generate(args.n, args.seed, REFERENCE)
    start = time.perf_counter()
    patients = [read_patient(r, f"p{i}", trials.vocabulary) for i, r in enumerate(records)]
    spent: dict[str, float] = {"read_patient": time.perf_counter() - start}

    atoms: Counter[str] = Counter()
    for _ in range(2):
        atoms.clear()
        steps: dict[str, float] = defaultdict(float)
        for first in range(0, len(patients), args.batch):
            batch = patients[first : first + args.batch]
            marks = [time.perf_counter()]
            symbols = [s for index, p in enumerate(batch) for s in patient_symbols(p, number(index))]
            marks.append(time.perf_counter())
            control = clingo.Control(["--warn=none"])
            add_programs(control, solver.program)
            marks.append(time.perf_counter())
            with control.backend() as backend:
                for symbol in (*solver.vocabulary_facts, *reference_symbols(REFERENCE, solver.windows), *symbols):
                    backend.add_rule([backend.add_atom(symbol)])
            marks.append(time.perf_counter())
            control.ground([("base", [])])
            marks.append(time.perf_counter())
            shown = solver.model(control)
            marks.append(time.perf_counter())
            answers = solver.read(shown, len(batch))
            marks.append(time.perf_counter())
            shared: dict[tuple[str, str, str], CriterionResult] = {}
            for patient, answer in zip(batch, answers, strict=True):
                trial_results(patient, answer, trials, shared)
            marks.append(time.perf_counter())
            atoms.update(f"{a.symbol.name}/{len(a.symbol.arguments)}" for a in control.symbolic_atoms)  # not timed
            names = ("symbols", "program", "backend", "ground", "solve", "read", "results")
            for name, before, after in zip(names, marks, marks[1:], strict=False):
                steps[name] += after - before
    spent.update(steps)

    total = sum(spent.values())
    print(f"{args.n:,} patients × {len(trials.trials)} trials, batches of {args.batch}, reference {REFERENCE}")
    print(f"{'step':14s} {'ms/patient':>10s} {'share':>6s}")
    for name, seconds in spent.items():
        print(f"{name:14s} {seconds / args.n * 1000:10.3f} {seconds / total:6.0%}")
    print(f"{'total':14s} {total / args.n * 1000:10.3f}")
    print(f"atoms grounded per patient: {sum(atoms.values()) / args.n:.0f}; the most:")
    print("  " + ", ".join(f"{name} {count / args.n:.0f}" for name, count in atoms.most_common(8)))
    print(machine())


if __name__ == "__main__":
    main()
