"""Ground and solve: the rules in `rules/`, the compiled trials, and patients' facts.

Patients are independent, so many are grounded together, each fact led by the
patient's position in the batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import clingo

from .facts import patient_symbols, reference_symbols, vocabulary_symbols
from .patient import Patient
from .resources import rules_dir
from .vocabulary import Vocabulary

RULE_FILES = ("eligibility.lp", "measurements.lp", "events.lp", "derived.lp", "manual.lp")


def rules_program() -> str:
    return "\n".join((rules_dir() / name).read_text(encoding="utf-8") for name in RULE_FILES)


@dataclass(frozen=True)
class Answer:
    """What the solver derived for one patient: statuses by trial and by criterion."""

    trial_status: dict[str, str]
    criterion_status: dict[tuple[str, str], str]


class Solver:
    def __init__(self, program: str, windows: Iterable[tuple[int, str]], vocabulary: Vocabulary):
        self.program = rules_program() + "\n" + program
        self.windows = sorted(set(windows))
        self.vocabulary_facts = list(vocabulary_symbols(vocabulary))

    def solve(self, patients: Sequence[Patient], reference: dt.date) -> list[Answer]:
        """One answer per patient, in order."""
        control = clingo.Control(["--warn=none"])
        control.add("base", [], self.program)
        with control.backend() as backend:
            for symbol in (*self.vocabulary_facts, *reference_symbols(reference, self.windows)):
                backend.add_rule([backend.add_atom(symbol)])
            for index, patient in enumerate(patients):
                for symbol in patient_symbols(patient, clingo.Number(index)):
                    backend.add_rule([backend.add_atom(symbol)])
        control.ground([("base", [])])
        answers = [Answer({}, {}) for _ in patients]

        def on_model(model: clingo.Model) -> None:
            for symbol in model.symbols(shown=True):
                args = symbol.arguments
                answer = answers[args[0].number]
                if symbol.name == "trial_status":
                    answer.trial_status[args[1].string] = args[2].name
                elif symbol.name == "criterion_status":
                    answer.criterion_status[(args[1].string, args[2].string)] = args[3].name

        result = control.solve(on_model=on_model)
        if not result.satisfiable:
            raise RuntimeError("the rules found a patient record contradictory; please report this")
        return answers
