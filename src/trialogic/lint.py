"""`trialogic lint`: every error the checker finds, and contradictions the solver proves.

The solver ranges over every possible patient (`rules/lint.lp`): a trial that no such
patient can pass, a criterion that can never be met or never fail, and an inclusion
that no patient can meet while passing some exclusion are reported with the criteria
involved. Python only asks the questions (solver assumptions) and shrinks a conflict
to a smallest one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import clingo

from . import ast
from .api import TrialSet, load_trials
from .errors import Diagnostic, TrialogicError, source_line
from .facts import attribute_symbols, day, fact, reference_symbols, vocabulary_symbols
from .solve import RULE_FILES, rule_text

LINT_DAY = dt.date(2026, 1, 1)  # any day will do: every date is drawn relative to it
LONG_AGO_DAYS = 36_500


@lru_cache(maxsize=1)
def _lint_rules() -> str:
    return "\n".join(rule_text(name) for name in (*RULE_FILES, "lint.lp"))


class TrialLinter:
    """One grounding of every possible patient for one trial, asked several questions."""

    def __init__(self, trials: TrialSet, trial: ast.Trial):
        self.trial = trial
        compiled = trials.compiled[trial.id]
        self.control = clingo.Control(["--warn=none"])
        self.control.add("base", [], _lint_rules() + trials.concepts_program + compiled.program)
        starts = [w for w in reference_symbols(LINT_DAY, compiled.windows) if w.name == "window_start"]
        days = {LINT_DAY.toordinal(), LINT_DAY.toordinal() - LONG_AGO_DAYS}
        for start in starts:
            days.update({start.arguments[1].number, start.arguments[1].number - 1})
        with self.control.backend() as backend:
            for symbol in (
                *vocabulary_symbols(trials.vocabulary),
                *attribute_symbols(trials.vocabulary),
                *reference_symbols(LINT_DAY, compiled.windows),
                fact("long_ago", day(LINT_DAY - dt.timedelta(days=LONG_AGO_DAYS))),
                *(fact("day_candidate", clingo.Number(d)) for d in sorted(days)),
            ):
                backend.add_rule([backend.add_atom(symbol)])
        self.control.ground([("base", [])])
        self.groundable = {a.symbol.arguments[0].string for a in self.control.symbolic_atoms.by_signature("passes", 1)}

    def possible(self, passing: Sequence[str] = (), failing: Sequence[str] = ()) -> bool:
        """Is there a patient passing every criterion in `passing` and failing every one in `failing`?"""
        if any(c not in self.groundable for c in passing):
            return False
        assumptions = [(clingo.Function("passes", [clingo.String(c)]), True) for c in passing]
        assumptions += [(clingo.Function("passes", [clingo.String(c)]), False) for c in failing]
        result = self.control.solve(assumptions=assumptions)
        return bool(result.satisfiable)

    def smallest_conflict(self, criteria: list[str]) -> list[str]:
        """Drop criteria one at a time while the rest still conflict: a minimal conflicting set."""
        conflict = list(criteria)
        for criterion in list(criteria):
            rest = [c for c in conflict if c != criterion]
            if not self.possible(rest):
                conflict = rest
        return conflict


def _diagnostic(node: ast.Node, code: str, message: str, severity: str) -> Diagnostic:
    text = Path(node.pos.file).read_text(encoding="utf-8") if Path(node.pos.file).is_file() else ""
    line = source_line(text, node.pos.line)
    return Diagnostic(node.pos.file, node.pos.line, node.pos.column, code, message, line, severity=severity)


def lint_trial(trials: TrialSet, trial: ast.Trial) -> list[Diagnostic]:
    linter = TrialLinter(trials, trial)
    by_id = {c.id: c for c in trial.criteria}
    found: list[Diagnostic] = []
    never = set()
    for criterion in trial.criteria:
        if not linter.possible([criterion.id]):
            never.add(criterion.id)
            if criterion.kind == "inclusion":
                message = f"{criterion.id} can never be met: no patient satisfies it"
            else:
                message = f"{criterion.id} excludes every patient: no patient can pass it"
            found.append(_diagnostic(criterion, "L002", message, "error"))
        elif not linter.possible(failing=[criterion.id]):
            what = "every patient meets it" if criterion.kind == "inclusion" else "it can never exclude anyone"
            found.append(_diagnostic(criterion, "L003", f"{criterion.id} never fails: {what}", "warning"))
    inclusions = [c for c in trial.criteria if c.kind == "inclusion" and c.id not in never]
    exclusions = [c for c in trial.criteria if c.kind == "exclusion" and c.id not in never]
    pairs = set()
    for inclusion in inclusions:
        for exclusion in exclusions:
            if not linter.possible([inclusion.id, exclusion.id]):
                pairs.add(frozenset((inclusion.id, exclusion.id)))
                message = (
                    f"inclusion {inclusion.id} can never be met by a patient who passes exclusion {exclusion.id} "
                    f"(line {exclusion.pos.line}): every patient meeting it is excluded"
                )
                found.append(_diagnostic(inclusion, "L004", message, "error"))
    live = [c.id for c in trial.criteria if c.id not in never]
    while not linter.possible(live):
        conflict = linter.smallest_conflict(live)
        if frozenset(conflict) not in pairs:
            names = ", ".join(f"{c} (line {by_id[c].pos.line})" for c in conflict)
            found.append(
                _diagnostic(trial, "L001", f"no patient can pass all of {trial.id}: {names} conflict", "error")
            )
        live.remove(conflict[-1])  # set one aside and look for another conflict
    return found


def lint(paths: Sequence[str | Path]) -> list[Diagnostic]:
    """Every diagnostic for the criteria files given (errors and warnings), in file order."""
    try:
        trials = load_trials(paths)
    except TrialogicError as e:
        return e.diagnostics
    found = [d for trial in trials.trials.values() for d in lint_trial(trials, trial)]
    return sorted(found, key=lambda d: (d.file, d.line, d.column))
