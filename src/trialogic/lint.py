"""`trialogic lint`: every error the checker finds, and contradictions the solver proves.

The solver ranges over every possible patient (`rules/lint.lp`): a trial that no such
patient can pass, a criterion that can never be met or never fail, and an inclusion
that no patient can meet while passing some exclusion are reported with the criteria
involved. Python only asks the questions (solver assumptions), on every reference day
that orders the calendar differently, and shrinks a conflict to a smallest one; a question
that an earlier answer settles (a patient found, a set of criteria that conflict) is not
asked again.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

import clingo

from . import ast
from .api import TrialSet, load_trials
from .dates import months_before
from .errors import Diagnostic, TrialogicError, source_line
from .facts import attribute_symbols, day, fact, range_symbols, reference_symbols, vocabulary_symbols
from .solve import RULE_FILES, rule_text

# The reference days lint tries: the calendar repeats every 400 years, so one cycle of
# accepted reference days shows every length a window of months or years can have. Days
# 1 to 28 of a month give the same lengths (no month is shorter), so the 28th stands for
# them all. Only the years whose calendar (with the years a window reaches back into)
# is new in the cycle are tried: see `_new_calendars`.
CYCLE = range(2600, 3000)
MONTH_DAYS = (28, 29, 30, 31)
LONG_AGO_DAYS = 36_500
CALENDAR_UNITS = ("months", "years")


def _age_days(reference: dt.date, count: int, unit: str) -> list[dt.date]:
    """The last birth days giving an age of at least `count` and at least `count + 1`
    UNIT on `reference`: derived.lp's ages change the day after each (E110 keeps ages
    within 150 years)."""
    if unit in ("days", "weeks"):
        size = 7 if unit == "weeks" else 1
        return [reference - dt.timedelta(days=n * size) for n in (count, count + 1)]
    size = 12 if unit == "years" else 1
    return [months_before(reference, n * size) for n in (count, count + 1)]


def _order(days: list[dt.date]) -> tuple[int, ...]:
    ranks = {d: i for i, d in enumerate(sorted(set(days)))}
    return tuple(ranks[d] for d in days)


def _window_places(reference: dt.date, fixed: Sequence[int], months: Sequence[int]) -> tuple[int, ...]:
    """How the starts of the windows in months (and years) fall among the `fixed` days before
    the reference day (sorted: R, long ago and each window in days or weeks): 2k when between
    the k-th and the one before, 2k+1 on the k-th. Windows in months keep one order among
    themselves (more months reach further back), so this is the order of every window start."""
    ordinal = reference.toordinal()
    places = []
    for count in months:
        back = ordinal - months_before(reference, count).toordinal()
        places.append(bisect_left(fixed, back) + bisect_right(fixed, back))
    return tuple(places)


def _birth_days(reference: dt.date, ages: Sequence[tuple[int, str]]) -> list[dt.date]:
    """The reference day and the days every age is reached; lint's patient is born on one
    of them or the day after (after the reference day, too: records allow it)."""
    return [reference, *(d for count, unit in ages for d in _age_days(reference, count, unit))]


def _new_calendars(back: int) -> list[int]:
    """The years of the cycle whose calendar, with the `back` years before it, no earlier
    year of the cycle has: months differ only in February, so the leap years among them say
    it. A day of a year left out places every window start reaching at most `back` years back
    as the same day of the earlier year like it does, so scanning it would find nothing new."""
    seen: set[tuple[bool, ...]] = set()
    years = []
    for year in CYCLE:
        leaps = tuple(calendar.isleap(year - k) for k in range(back + 1))
        if leaps not in seen:
            seen.add(leaps)
            years.append(year)
    return years


@lru_cache(maxsize=256)
def reference_days(windows: tuple[tuple[int, str], ...], ages: tuple[tuple[int, str], ...]) -> list[dt.date]:
    """One reference day for each way the calendar can order the window starts and the
    days an age is reached: a month lasts 28 to 31 days and a year 365 or 366, so
    `within 1 month` may start before or after `within 30 days`, or `age >= 1 month`
    come before or after `age >= 30 days`. Days and weeks keep one order on every day;
    so do ages in months and years alone (windows are ordered with the day long ago)."""
    mixed_windows = any(u in CALENDAR_UNITS for _, u in windows)
    mixed_ages = len({u in CALENDAR_UNITS for _, u in ages}) > 1
    if not mixed_windows and not mixed_ages:
        return [dt.date(CYCLE[0], 1, 1)]
    months = sorted({count * (12 if unit == "years" else 1) for count, unit in windows if unit in CALENDAR_UNITS})
    days = {count * (7 if unit == "weeks" else 1) for count, unit in windows if unit not in CALENDAR_UNITS}
    fixed = sorted({0, LONG_AGO_DAYS, *days})
    # how far back a window or age that the calendar orders reaches (ages in months and years
    # name count + 1 of their unit too, see _age_days): N months before a day of year Y fall
    # in year Y - N // 12 - 1 at the earliest
    age_months = [(count + 1) * (12 if unit == "years" else 1) for count, unit in ages if unit in CALENDAR_UNITS]
    reach = max((*months, *(age_months if mixed_ages else ())), default=0)
    found: dict[tuple[tuple[int, ...], tuple[int, ...]], dt.date] = {}
    for year in _new_calendars(reach // 12 + 1):
        for month in range(1, 13):
            for month_day in MONTH_DAYS:
                if month_day > calendar.monthrange(year, month)[1]:
                    continue
                reference = dt.date(year, month, month_day)
                key = (
                    _window_places(reference, fixed, months) if mixed_windows else (),
                    _order(_birth_days(reference, ages)) if mixed_ages else (),
                )
                found.setdefault(key, reference)
    return sorted(found.values())


@lru_cache(maxsize=1)
def _lint_rules() -> str:
    return "\n".join(rule_text(name) for name in (*RULE_FILES, "lint.lp"))


class TrialLinter:
    """Every possible patient for one trial, asked several questions: one grounding for
    each reference day that orders the calendar differently (see `reference_days`)."""

    def __init__(self, trials: TrialSet, trial: ast.Trial):
        self.trial = trial
        compiled = trials.compiled[trial.id]
        windows = tuple(sorted(compiled.windows))
        ages = tuple(sorted(compiled.ages))
        program = _lint_rules() + trials.concepts_program + compiled.program
        self.controls = [self._ground(trials, program, windows, ages, r) for r in reference_days(windows, ages)]
        # what the answers so far prove, so that a question they settle is not solved again:
        # the criteria each patient found passes (it fails the rest), and sets of criteria
        # no patient passes all of (nor any larger set)
        self.witnesses: list[frozenset[str]] = []
        self.conflicts: list[frozenset[str]] = []

    @staticmethod
    def _ground(
        trials: TrialSet,
        program: str,
        windows: tuple[tuple[int, str], ...],
        ages: tuple[tuple[int, str], ...],
        reference: dt.date,
    ) -> tuple[clingo.Control, set[str]]:
        control = clingo.Control(["--warn=none"])
        control.add("base", [], program)
        births = {d + dt.timedelta(days=i) for d in _birth_days(reference, ages) for i in (0, 1)}
        with control.backend() as backend:
            for symbol in (
                *vocabulary_symbols(trials.vocabulary),
                *attribute_symbols(trials.vocabulary),
                *range_symbols(trials.vocabulary),
                *reference_symbols(reference, windows),
                fact("long_ago", day(reference - dt.timedelta(days=LONG_AGO_DAYS))),
                *(
                    fact("birth_candidate", day(b), clingo.Number(b.year), clingo.Number(b.month), clingo.Number(b.day))
                    for b in sorted(births)
                ),
            ):
                backend.add_rule([backend.add_atom(symbol)])
        control.ground([("base", [])])
        groundable = {a.symbol.arguments[0].string for a in control.symbolic_atoms.by_signature("passes", 1)}
        return control, groundable

    def possible(self, passing: Sequence[str] = (), failing: Sequence[str] = ()) -> bool:
        """Is there a patient, on some reference day, passing every criterion in `passing`
        and failing every one in `failing`?"""
        wanted, refused = frozenset(passing), frozenset(failing)
        if any(wanted <= passes and not refused & passes for passes in self.witnesses):
            return True
        if any(conflict <= wanted for conflict in self.conflicts):
            return False
        assumptions = [(clingo.Function("passes", [clingo.String(c)]), True) for c in passing]
        assumptions += [(clingo.Function("passes", [clingo.String(c)]), False) for c in failing]
        found: list[frozenset[str]] = []
        for control, groundable in self.controls:
            if all(c in groundable for c in passing):
                control.solve(assumptions=assumptions, on_model=lambda m: found.append(_passes(m)))
                if found:
                    self.witnesses.append(found[0])
                    return True
        if not refused:
            self.conflicts.append(wanted)
        return False

    def smallest_conflict(self, criteria: list[str]) -> list[str]:
        """Drop criteria one at a time while the rest still conflict: a minimal conflicting set."""
        conflict = list(criteria)
        for criterion in list(criteria):
            rest = [c for c in conflict if c != criterion]
            if not self.possible(rest):
                conflict = rest
        return conflict


def _passes(model: clingo.Model) -> frozenset[str]:
    """The criteria a model's patient passes."""
    return frozenset(s.arguments[0].string for s in model.symbols(shown=True) if s.match("passes", 1))


def _diagnostic(node: ast.Node, code: str, message: str, severity: str) -> Diagnostic:
    text = Path(node.pos.file).read_text(encoding="utf-8") if Path(node.pos.file).is_file() else ""
    line = source_line(text, node.pos.line)
    return Diagnostic(node.pos.file, node.pos.line, node.pos.column, code, message, line, severity=severity)


def lint_trial(trials: TrialSet, trial: ast.Trial) -> list[Diagnostic]:
    linter = TrialLinter(trials, trial)
    assert linter.possible(), f"lint.lp admits no patient at all for {trial.id}"
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


def reached(trials: TrialSet, trial: ast.Trial) -> Iterator[tuple[ast.Expr, ast.Define | None]]:
    """Every node a trial's criteria reach, through the definitions they use (each body
    once), with the file's definition whose body it is written in (None: the trial's own text)."""
    seen: set[int] = set()  # definitions looked into
    names = trials.names(trial.id)
    stack: list[tuple[ast.Expr, ast.Names, ast.Define | None]] = [(c.expr, names, None) for c in trial.criteria]
    while stack:
        expr, names, within = stack.pop()
        for node in ast.walk(expr):
            yield node, within
            meaning = names.meaning(node) if isinstance(node, ast.Reference) else None
            if meaning is not None and id(meaning[0]) not in seen:
                define, inner = meaning
                seen.add(id(define))
                own = names.own.get(define.name) is define
                stack.append((define.body, inner, None if own else define))


def uln_without_usual_limit(trials: TrialSet, trial: ast.Trial) -> list[Diagnostic]:
    """L005: a ULN multiple of an attribute the vocabulary gives no usual limit (`default_uln`):
    a result recorded without its own `uln` or `reference_range` leaves it unknown. Each
    comparison is reported once, where it is written (a definition's, in its file)."""
    found: list[Diagnostic] = []
    for node, _ in reached(trials, trial):
        if isinstance(node, ast.Comparison) and isinstance(node.operand, ast.Uln):
            attribute = trials.vocabulary.attribute(node.attribute)
            if attribute is not None and attribute.default_uln is None:
                message = (
                    f"{attribute.name} has no usual upper limit of normal in the vocabulary: a result "
                    f"recorded without its own uln or reference_range leaves this comparison unknown"
                )
                found.append(_diagnostic(node, "L005", message, "warning"))
    return found


def hidden_meaning(trials: TrialSet, trial: ast.Trial) -> list[Diagnostic]:
    """L006: a trial gives a name its own meaning, and a file's definition the trial uses
    names it too. The file's definition keeps the file's meaning (lexical scope), which the
    author may have meant to change."""
    own = {d.name: d for d in trial.defines}
    found: dict[tuple[str, str], Diagnostic] = {}
    for node, within in reached(trials, trial):
        if within is not None and isinstance(node, ast.Reference) and node.name in own:
            message = (
                f"{trial.id}'s own {node.name!r} does not change {within.name!r} "
                f"({Path(within.pos.file).name} line {within.pos.line}), which this trial uses: "
                f"inside a file's definition {node.name!r} keeps the file's meaning. Rename this "
                f"definition, or define {within.name!r} in the trial too"
            )
            found.setdefault((node.name, within.name), _diagnostic(own[node.name], "L006", message, "warning"))
    return list(found.values())


def registry_number(trial: ast.Trial) -> list[Diagnostic]:
    """L007: a trial id made of NCT and digits that is not a ClinicalTrials.gov number (NCT
    and 8 digits): a digit lost or added, which matches no registry entry or the wrong one."""
    if re.fullmatch(r"NCT[0-9_-]*", trial.id) and not re.fullmatch(r"NCT[0-9]{8}", trial.id):
        message = (
            f"{trial.id} is not a ClinicalTrials.gov number, which is NCT and 8 digits (e.g. NCT01539902): "
            f"check the number, or give the trial an id that does not start with NCT"
        )
        return [_diagnostic(trial, "L007", message, "warning")]
    return []


def lint(paths: Sequence[str | Path]) -> list[Diagnostic]:
    """Every diagnostic for the criteria files given (errors and warnings), in file order:
    every conflict found, one diagnostic each (an inclusion conflicting with two exclusions
    gets two)."""
    try:
        trials = load_trials(paths)
    except TrialogicError as e:
        return e.diagnostics
    found = [
        d
        for trial in trials.trials.values()
        for d in (
            *lint_trial(trials, trial),
            *uln_without_usual_limit(trials, trial),
            *hidden_meaning(trials, trial),
            *registry_number(trial),
        )
    ]
    # a definition's finding is reached from each trial using it: once. Findings at one place
    # differ by what they name (an inclusion's L004 for each exclusion): each is kept, in the
    # order found (the trial's criteria in order)
    found = list({(d.file, d.line, d.column, d.code, d.message): d for d in found}.values())
    return sorted(found, key=lambda d: (d.file, d.line, d.column))
