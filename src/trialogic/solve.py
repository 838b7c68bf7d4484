"""Ground and solve: the rules in `rules/`, the compiled trials, and patients' facts.

Patients are independent, so many are grounded together, each fact led by the
patient's position in the batch.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

import clingo
from clingo import ast

from .facts import number, patient_symbols, reference_symbols, vocabulary_symbols
from .patient import Patient
from .resources import rules_dir
from .vocabulary import Vocabulary

RULE_FILES = ("eligibility.lp", "measurements.lp", "events.lp", "derived.lp", "manual.lp")


@cache
def rule_text(name: str) -> str:
    """One file of rules/, read once."""
    return (rules_dir() / name).read_text(encoding="utf-8")


def rules_program() -> str:
    return "\n".join(rule_text(name) for name in RULE_FILES)


@lru_cache(maxsize=64)
def parsed(program: str) -> tuple[ast.AST, ...]:
    """A program's statements, parsed once: clingo takes parsed statements in about 60% of
    the time it takes to parse the text again, and the rules and trials are grounded anew
    for every batch (a warm `check` of one patient saves about 4 ms). The 64 programs used
    last are kept: the rules with each loaded trial set, explain.lp, repair's rules and the
    trials `fix` was asked about. (Parsing to statements costs about twice what parsing the
    text does, so a program used once is better given as text.)"""
    statements: list[ast.AST] = []
    ast.parse_string(program, statements.append)
    return tuple(statements)


def add_programs(control: clingo.Control, *programs: str) -> None:
    """Add programs that are grounded again and again (rules, compiled trials) as parsed
    statements, each parsed once."""
    with ast.ProgramBuilder(control) as builder:
        for program in programs:
            for statement in parsed(program):
                builder.add(statement)


PASSING = {"inclusion": "met", "exclusion": "not_met"}


@dataclass(frozen=True)
class Answer:
    """What the solver derived for one patient: statuses by trial and by criterion.

    The solver shows only criteria that block or are undecided (rules/eligibility.lp);
    every other criterion is passing: met for an inclusion, not met for an exclusion.
    """

    trial_status: dict[str, str]
    criterion_status: dict[tuple[str, str], str]

    def status(self, trial: str, criterion: str, kind: str) -> str:
        return self.criterion_status.get((trial, criterion), PASSING[kind])


@dataclass
class Trace:
    """For one patient: every decided node's truth, and the evidence and missing facts per node.

    Nodes are keyed by (trial id, node number); evidence and missing facts are clingo
    symbols as `rules/explain.lp` writes them.
    """

    truth: dict[tuple[str, int], bool] = field(default_factory=dict)
    evidence: dict[tuple[str, int], list[clingo.Symbol]] = field(default_factory=dict)
    missing: dict[tuple[str, int], list[clingo.Symbol]] = field(default_factory=dict)


def _decode(symbol: clingo.Symbol) -> tuple[int, tuple[str, ...]]:
    """trial_status(P,T,S) as (P, (T, S)); criterion_status(P,T,C,S) as (P, (T, C, S))."""
    patient, *parts = symbol.arguments
    *names, status = parts
    return patient.number, (*(name.string for name in names), status.name)


def _node_key(term: clingo.Symbol) -> tuple[str, int]:
    trial, number = term.arguments
    return trial.string, number.number


class Solver:
    def __init__(self, program: str, windows: Iterable[tuple[int, str]], vocabulary: Vocabulary):
        self.program = rules_program() + "\n" + program
        self.windows = sorted(set(windows))
        self.vocabulary_facts = list(vocabulary_symbols(vocabulary))
        # every shown atom read once: patients are numbered from 0 in every batch, so the
        # same atoms come back batch after batch; clingo symbols hash cheaply, reading
        # their parts does not
        self._decoded: dict[clingo.Symbol, tuple[int, tuple[str, ...]]] = {}

    def _ground(self, patients: Sequence[Patient], reference: dt.date, extra: str = "") -> clingo.Control:
        control = clingo.Control(["--warn=none"])
        add_programs(control, self.program, extra)
        with control.backend() as backend:
            for symbol in (*self.vocabulary_facts, *reference_symbols(reference, self.windows)):
                backend.add_rule([backend.add_atom(symbol)])
            add_atom, add_rule = backend.add_atom, backend.add_rule
            for index, patient in enumerate(patients):
                for symbol in patient_symbols(patient, number(index)):
                    add_rule([add_atom(symbol)])
        control.ground([("base", [])])
        return control

    @staticmethod
    def model(control: clingo.Control) -> list[clingo.Symbol]:
        symbols: list[clingo.Symbol] = []

        def on_model(model: clingo.Model) -> None:
            symbols.extend(model.symbols(shown=True))

        if not control.solve(on_model=on_model).satisfiable:
            raise RuntimeError("the rules found a patient record contradictory; please report this")
        return symbols

    def solve(self, patients: Sequence[Patient], reference: dt.date) -> list[Answer]:
        """One answer per patient, in order."""
        return self.read(self.model(self._ground(patients, reference)), len(patients))

    def read(self, shown: Iterable[clingo.Symbol], count: int) -> list[Answer]:
        """The answers of patients 0..count-1 from the shown trial_status/criterion_status atoms."""
        answers = [Answer({}, {}) for _ in range(count)]
        decoded = self._decoded
        for symbol in shown:
            found = decoded.get(symbol)
            if found is None:
                found = decoded[symbol] = _decode(symbol)
            index, status = found
            if len(status) == 2:
                answers[index].trial_status[status[0]] = status[1]
            else:
                answers[index].criterion_status[(status[0], status[1])] = status[2]
        return answers

    def trace(self, patient: Patient, reference: dt.date) -> tuple[Answer, Trace]:
        """The answer for one patient, with the trace `rules/explain.lp` derives."""
        extra = rule_text("explain.lp")
        answer, trace = Answer({}, {}), Trace()
        for symbol in self.model(self._ground([patient], reference, extra)):
            args = symbol.arguments
            if symbol.name == "trial_status":
                answer.trial_status[args[1].string] = args[2].name
            elif symbol.name == "criterion_status":
                answer.criterion_status[(args[1].string, args[2].string)] = args[3].name
            elif symbol.name in ("holds", "fails"):
                trace.truth[_node_key(args[1])] = symbol.name == "holds"
            elif symbol.name == "evidence":
                trace.evidence.setdefault(_node_key(args[1]), []).append(args[2])
            elif symbol.name == "missing":
                trace.missing.setdefault(_node_key(args[1]), []).append(args[2])
        return answer, trace
