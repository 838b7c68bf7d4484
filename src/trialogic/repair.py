"""Minimal changes: the smallest sets of actions that make a patient eligible, and from when.

The action catalogue is data (`facts/actions.yaml`); the choice of actions, their
effects and the optimisation are ASP (`rules/repair.lp`). This module gathers the facts
— the catalogue, the dates that matter — solves, and names the actions found.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

import clingo

from . import ast
from .compiler import CompiledTrial
from .dates import LATEST_REFERENCE, months_before, span_text, window_start
from .explain import decimal_text
from .facts import attribute_symbols, day, fact, patient_symbols, range_symbols, reference_dates, vocabulary_symbols
from .patient import GRAIN, SECTION_OF_KIND, Measurement, Patient
from .resources import facts_dir
from .solve import RULE_FILES, add_programs, rule_text
from .vocabulary import Vocabulary, read_yaml

DAYS_AT_ONCE = 32  # candidate dates one grounding searches (see Repairer.models)
PRIORITY_LEVELS = (4, 3, 2, 1)  # rules/repair.lp's #minimize levels, the highest first

LEVEL_WORDS = {
    "invasive": "invasive",
    "test": "test",
    "treatment": "treatment",
    "paperwork": "paperwork",
    "waiting": "wait",
}


@dataclass(frozen=True)
class Catalogue:
    """The action catalogue (facts/actions.yaml)."""

    spec: dict[str, Any]

    def level_of_test(self, name: str) -> str:
        return str(self.spec["tests"][name]["level"])

    def label_of_test(self, name: str) -> str:
        """The test in words after "obtain": its `label`, else "a" and its name."""
        return str(self.spec["tests"][name].get("label", f"a {name.replace('_', ' ')}"))

    def symbols(self, vocabulary: Vocabulary) -> Iterator[clingo.Symbol]:
        for kind in ("wait", "stop_drug", "absence", "assessment", "end_date"):
            entry = self.spec[kind]
            short = "stop" if kind == "stop_drug" else kind
            yield fact(
                "simple_action", clingo.Function(short), clingo.Function(entry["level"]), clingo.Number(entry["cost"])
            )
        for code, entry in sorted(self.spec.get("consents", {}).items()):
            yield fact(
                "consent_action", clingo.String(code), clingo.Function(entry["level"]), clingo.Number(entry["cost"])
            )
        for name, entry in sorted(self.spec.get("tests", {}).items()):
            test = clingo.String(name)
            yield fact("test", test, clingo.Function(entry["level"]), clingo.Number(entry["cost"]))
            if entry.get("repeatable"):
                yield fact("repeatable", test)
            for attribute_name in entry["gives"]:
                attribute = vocabulary.attributes[attribute_name]
                names = [f"{attribute.name}.{c}" for c in attribute.components] or [attribute.name]
                for name_ in names:
                    yield fact("gives", test, clingo.String(name_))
        yield from attribute_symbols(vocabulary)
        yield from range_symbols(vocabulary)


def load_catalogue(vocabulary: Vocabulary, path: Path | None = None) -> Catalogue:
    """Read and validate the catalogue: every attribute a test gives must exist."""
    spec = read_yaml(path or facts_dir() / "actions.yaml")
    for name, entry in spec.get("tests", {}).items():
        for attribute in entry["gives"]:
            if attribute not in vocabulary.attributes:
                raise ValueError(f"facts/actions.yaml: tests.{name}.gives names an unknown attribute {attribute!r}")
    return Catalogue(spec)


@lru_cache(maxsize=1)
def _repair_rules() -> str:
    files = (*RULE_FILES, "repair.lp")
    return "\n".join(rule_text(name) for name in files)


# ----- the dates that matter -------------------------------------------------------------


def _add_months(day: dt.date, months: int) -> dt.date:
    return months_before(day, -months)


def _first_day_after_window(last_day: dt.date, count: int, unit: str) -> dt.date:
    """The first reference date whose window `within count unit` no longer reaches `last_day`."""
    if unit in ("days", "weeks"):
        length = count * (7 if unit == "weeks" else 1)
        return last_day + dt.timedelta(days=length + 1)
    months = count * (12 if unit == "years" else 1)
    day = max(_add_months(last_day, months) - dt.timedelta(days=3), _add_months(dt.date.min, months))
    while window_start(day, count, unit) <= last_day:  # (no window starts before year 1)
        day += dt.timedelta(days=1)
    return day


def first_day_of_age(birth: dt.date, count: int, unit: str) -> dt.date:
    """The first day on which rules/derived.lp gives an age of at least `count` `unit`:
    completed months count on the birth's day of the month (`RD >= BD`), so in a month
    without that day (a 31st, Feb 29) the month completes on the 1st of the next; years
    are completed months / 12; weeks and days are exact.

    >>> first_day_of_age(dt.date(2008, 3, 31), 217, "months"), first_day_of_age(dt.date(2008, 2, 29), 18, "years")
    (datetime.date(2026, 5, 1), datetime.date(2026, 3, 1))
    """
    if unit in ("weeks", "week"):
        return birth + dt.timedelta(weeks=count)
    if unit in ("days", "day"):
        return birth + dt.timedelta(days=count)
    day = _add_months(birth, count * 12 if unit in ("years", "year") else count)
    return day if day.day == birth.day else day + dt.timedelta(days=1)  # clamped to a month's end


def _age_dates(birth: dt.date, ages: set[tuple[int, str]]) -> Iterator[dt.date]:
    """The days an age threshold is reached, and the days the next age is (where `<=` and
    `>` change)."""
    for count, unit in ages:
        for n in (count, count + 1):
            try:
                yield first_day_of_age(birth, n, unit)
            except (OverflowError, ValueError):  # past year 9999: beyond any horizon
                pass


@lru_cache(maxsize=1)
def _cg_factors() -> dict[str, int]:
    """Cockcroft–Gault's factor by sex, in hundredths, as rules/derived.lp gives it."""
    control = clingo.Control(["--warn=none"])
    control.add("base", [], rule_text("derived.lp"))
    control.ground([("base", [])])
    return {
        atom.symbol.arguments[0].string: atom.symbol.arguments[1].number
        for atom in control.symbolic_atoms.by_signature("cg_factor", 2)
    }


def _values_taken(patient: Patient, compiled: CompiledTrial, attribute: str, today: dt.date) -> set[int]:
    """The values of `attribute`, whole at its scale as rules/derived.lp takes them, that can
    be the latest on today or later: the latest recorded by today and every later one, and
    those a repair may assume, around each number the trial compares it with (each side of
    a threshold, from below a ULN multiple to above it: rules/repair.lp's candidate_value).
    The creatinine values rules/repair.lp solves from Cockcroft–Gault for a clearance
    threshold are not among them: each is solved for the age on a candidate date, the
    day it is assumed on, and crosses the threshold there, so it brings no other date."""
    results = [
        (m.date, math.floor(m.value))
        for m in patient.measurements
        if m.attribute == attribute and isinstance(m.value, Fraction)
    ]
    since = max((taken for taken, _ in results if taken <= today), default=dt.date.min)
    values = {value for taken, value in results if taken >= since}
    for name, number in compiled.thresholds:
        if name == attribute:
            values.update(range(math.floor(number) - 1, math.ceil(number) + 3))
    return values


def _clearance_ages(patient: Patient, compiled: CompiledTrial, today: dt.date) -> set[tuple[int, str]]:
    """The ages around which a Cockcroft–Gault clearance (rules/derived.lp) crosses a number
    the trial compares it with. In tenths of mL/min it is (140 - age) × W × K / (10 × C),
    from the weight W and the creatinine C in tenths, whole, and the sex's factor K in
    hundredths, below 140 years: it reaches T at A = 140 - 10 × C × T / (W × K) years, so
    a comparison with T can change only on the birthday of the first whole age from A on,
    and the next (at A itself, when whole, the clearance equals T): these, and the one
    before for good measure (`_age_dates` gives the first day of each age and the next's)."""
    factor = _cg_factors().get(patient.sex or "")
    limits = [number for name, number in compiled.thresholds if name == "creatinine_clearance"]
    if factor is None or not limits:
        return set()
    creatinines = [c for c in _values_taken(patient, compiled, "serum_creatinine", today) if c > 0]
    weights = [w for w in _values_taken(patient, compiled, "weight", today) if w > 0]
    ages: set[tuple[int, str]] = set()
    for limit, creatinine, weight in itertools.product(limits, creatinines, weights):
        crossing = 140 - 10 * creatinine * limit / (weight * factor)
        ages.update((n, "years") for n in (math.ceil(crossing) - 1, math.ceil(crossing)) if 0 <= n < 140)
    return ages


def date_groups(patient: Patient, compiled: CompiledTrial, dates: list[dt.date]) -> list[list[dt.date]]:
    """The candidate dates in runs of at most DAYS_AT_ONCE, each grounded on its own (any
    partition gives the same plans). Where the trial compares a creatinine clearance,
    computed by Cockcroft–Gault from the age on the chosen day, a run holds one age in
    years: a grounding spanning several ages computes the clearance of every creatinine
    and weight it may assume at every one of them, and that product grew to millions of
    atoms (minutes and gigabytes for a trial that also compares a weight)."""
    by_age = patient.birth_date is not None and any(n == "creatinine_clearance" for n, _ in compiled.thresholds)
    groups: list[list[dt.date]] = []
    keys: list[int | None] = []
    for date in dates:
        key = _years_of_age(patient.birth_date, date) if by_age and patient.birth_date else None
        if groups and len(groups[-1]) < DAYS_AT_ONCE and keys[-1] == key:
            groups[-1].append(date)
        else:
            groups.append([date])
            keys.append(key)
    return groups


def _years_of_age(birth: dt.date, day: dt.date) -> int:
    """The age in years rules/derived.lp gives on `day`: completed months (the birth's day
    of the month reached) / 12."""
    months = (day.year - birth.year) * 12 + day.month - birth.month - (day.day < birth.day)
    return months // 12


def candidate_dates(patient: Patient, compiled: CompiledTrial, today: dt.date) -> list[dt.date]:
    """Today, and every later date on which some leaf can change: a window stops reaching a
    recorded date (an exposure's end, a start, a dose change, a drug stopped today or on
    its last dose change, the latest result of a test, which goes stale), an entry starts
    or changes dose, an `active` entry is over (the day after its end, or after the day a
    drug is stopped), or an age threshold is crossed, or an age at which a creatinine clearance
    computed from the record (Cockcroft–Gault falls with age) can cross one of the trial's
    thresholds on it. Between two such dates nothing can change for
    the better. (Only results of attributes the trial reads count, and only the windows on
    results; a result stops counting when a newer one of its test is recorded: its window's
    end matters only before that. Event days count with the windows on events.)"""
    one_day = dt.timedelta(days=1)
    other = {today, *(a.date for a in patient.assessments)}  # days that are not only results' days
    for event in patient.events:
        other.update({event.start, *event.dose_changes})
        if event.end is not None:
            other.add(event.end)
    # dates past the last a command can check change nothing it can see (and 9999-12-31, an
    # export's "no end", has no next day)
    read = compiled.results_read
    results = [m for m in patient.measurements if read is None or m.attribute in read]
    last_days = {d for d in {*other, *(m.date for m in results)} if d <= LATEST_REFERENCE}
    dates = {*last_days, *(d + one_day for d in last_days if d < LATEST_REFERENCE)}
    newer = _newer_results(results)
    result_days = {m.date for m in results}
    for last in last_days:
        for count, unit in compiled.event_windows if last in other else ():
            dates.add(_first_day_after_window(last, count, unit))
        for count, unit in compiled.result_windows if last in result_days else ():
            end = _first_day_after_window(last, count, unit)
            if last not in newer or newer[last] > end:
                dates.add(end)
    if patient.birth_date is not None:  # the birth itself (no age before it), and every threshold
        ages = compiled.ages | _clearance_ages(patient, compiled, today)
        dates.update({patient.birth_date, *_age_dates(patient.birth_date, ages)})
    return sorted(d for d in dates if today <= d <= LATEST_REFERENCE)  # every date a command can check


def _newer_results(results: list[Measurement]) -> dict[dt.date, dt.date]:
    """For a day that holds results, the first later day by which every one of them has a
    newer result of its test (absent: some never has)."""
    days_of: dict[str, set[dt.date]] = {}
    for measurement in results:
        days_of.setdefault(measurement.attribute, set()).add(measurement.date)
    following: dict[dt.date, list[dt.date | None]] = {}
    for days in days_of.values():
        ordered = sorted(days)
        for taken, after in zip(ordered, [*ordered[1:], None], strict=True):
            following.setdefault(taken, []).append(after)
    return {taken: max(d for d in after if d is not None) for taken, after in following.items() if None not in after}


# ----- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    kind: str  # wait | stop | test | sign | absent | complete | no_plans | assess | end_date
    text: str
    level: str
    data: dict[str, Any]


@dataclass
class Plan:
    """What an optimal model says besides its actions: the day of eligibility, the assumed
    results, the vocabulary codes each absence stands for (a concept set's members, which
    are what a record can name), and the trial's concepts a complete list of a kind settles."""

    at: dt.date
    picks: dict[str, clingo.Symbol]
    ratios: dict[str, int] = field(default_factory=dict)  # assumed multiples of the ULN, in grains
    ulns: dict[str, int] = field(default_factory=dict)  # the usual ULN an assumed result is judged against
    # what an assumed number stands for: its lower end (at_least | above) and upper (at_most | below)
    ranges: dict[str, dict[str, int]] = field(default_factory=dict)
    open: set[str] = field(default_factory=set)  # new results whose value the plan does not rely on
    codes: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    covers: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Alternative:
    actions: tuple[Action, ...]
    eligible_on: dt.date

    def names(self) -> frozenset[tuple[str, str]]:
        return frozenset((a.kind, a.text) for a in self.actions)


@dataclass(frozen=True)
class Repair:
    patient: str
    trial: str
    status: str  # today's status
    alternatives: tuple[Alternative, ...]
    blocked_by: tuple[str, ...]  # criterion ids no action can settle (empty when a repair exists)
    unknown_now: tuple[str, ...] = ()  # those of them that are unknown today: facts the record must give
    alternatives_total: int = 0  # how many equally small alternatives exist (`alternatives` may hold fewer)
    in_the_way: tuple[tuple[str, str, str], ...] = ()  # (id, kind, status) of the criteria failing or unknown today

    @property
    def eligible_on(self) -> dt.date | None:
        return min((a.eligible_on for a in self.alternatives), default=None)


class Repairer:
    """Solves the repair problem for one patient and one trial at a time."""

    def __init__(self, concepts_program: str, vocabulary: Vocabulary, catalogue: Catalogue):
        self.concepts_program = concepts_program
        self.vocabulary = vocabulary
        self.catalogue = catalogue
        self.fixed = [*vocabulary_symbols(vocabulary), *catalogue.symbols(vocabulary)]

    def solve(
        self, patient: Patient, compiled: CompiledTrial, trial: ast.Trial, today: dt.date, status: str, limit: int
    ) -> Repair:
        dates = candidate_dates(patient, compiled, today)
        models = self.models(patient, compiled, today, dates, costs=True)
        alternatives: list[Alternative] = []
        blocked: tuple[str, ...] = ()
        for symbols_ in models:
            bad = tuple(sorted(s.arguments[0].string for s in symbols_ if s.name == "bad"))
            if bad:
                # what blocks for good: every criterion left failing in some plan with the
                # fewest such criteria, whatever it costs (two may block only together)
                fewest = self.models(patient, compiled, today, dates, costs=False, most=100)
                blocked = tuple(sorted({s.arguments[0].string for m in fewest for s in m if s.name == "bad"}))
                break
            alternative = self.alternative(
                self.needed_values(symbols_, patient, compiled, today), patient, compiled, trial, today
            )
            if alternative not in alternatives:
                alternatives.append(alternative)
        alternatives = [
            a for a in alternatives
            if not any(b.names() < a.names() for b in alternatives)
        ]  # fmt: skip
        shown = alternatives[:limit] if limit else alternatives
        return Repair(patient.id, compiled.id, status, tuple(shown), blocked, alternatives_total=len(alternatives))

    def models(
        self,
        patient: Patient,
        compiled: CompiledTrial,
        today: dt.date,
        dates: list[dt.date],
        costs: bool,
        most: int = 0,
    ) -> list[list[clingo.Symbol]]:
        """The optimal plans (their shown atoms): by criteria left blocked, then, with
        `costs`, by what the actions cost and the days waited; at most `most` (0: all).

        The candidate dates are solved DAYS_AT_ONCE at a time (a grounding holds rules for
        pairs of them: a result assumed on one day, read on another) and the plans of the
        groups whose optimum is the best are kept: the best over all dates."""
        best: list[int] | None = None  # the cost of every priority level, the highest first
        found: list[list[clingo.Symbol]] = []
        for group in date_groups(patient, compiled, dates):
            cost, models = self.group_models(patient, compiled, today, group, costs, most)
            if models and (best is None or cost < best):
                best, found = cost, models
            elif models and cost == best:
                found += models
        return found[:most] if most else found

    def group_models(
        self, patient: Patient, compiled: CompiledTrial, today: dt.date, dates: list[dt.date], costs: bool, most: int
    ) -> tuple[list[int], list[list[clingo.Symbol]]]:
        """The optimum over some candidate dates, as the cost of each of rules/repair.lp's
        priority levels (a level a grounding holds nothing of costs 0), and its plans."""
        control = self.grounded(
            patient, compiled, today, dates, costs, ["--opt-mode=optN", "--project=project", str(most)]
        )
        models: list[list[clingo.Symbol]] = []
        cost: list[int] = []

        def on_model(model: clingo.Model) -> None:
            if model.optimality_proven:
                models.append(list(model.symbols(shown=True)))
                by_level = dict(zip(model.priority, model.cost, strict=True))
                cost[:] = [by_level.get(level, 0) for level in PRIORITY_LEVELS]

        control.solve(on_model=on_model)
        return cost, models

    def grounded(
        self,
        patient: Patient,
        compiled: CompiledTrial,
        today: dt.date,
        dates: list[dt.date],
        costs: bool,
        options: list[str],
        *extra: clingo.Symbol,
    ) -> clingo.Control:
        """The repair problem for one patient and one trial over some candidate dates, grounded."""
        control = clingo.Control(["--warn=none", *options])
        add_programs(control, _repair_rules() + self.concepts_program, compiled.program)
        key = clingo.Number(0)
        with control.backend() as backend:
            symbols = [
                *self.fixed,
                *([fact("costs_counted")] if costs else []),
                *extra,
                fact("target", clingo.String(compiled.id)),
                fact("today", clingo.Number(today.toordinal())),
                fact("ref_earliest", clingo.Number(today.toordinal())),  # every candidate date is today or later
                *reference_dates(dates, compiled.windows),
                *patient_symbols(patient, key, stoppable_on=today),
                *(fact("recorded", key, clingo.String(m.attribute), day(m.date)) for m in patient.measurements),
                *(
                    fact("record_assessed", key, clingo.String(a.trial), clingo.String(a.criterion), day(a.date))
                    for a in patient.assessments
                ),
            ]
            for symbol in symbols:
                backend.add_rule([backend.add_atom(symbol)])
        control.ground([("base", [])])
        return control

    def needed_values(
        self, plan: list[clingo.Symbol], patient: Patient, compiled: CompiledTrial, today: dt.date
    ) -> list[clingo.Symbol]:
        """The plan with only the assumed values it relies on: solved again with its actions
        and its day fixed, each new result may be left without a value (rules/repair.lp's
        values_optional), and as many as can be are. A plan that assumes no value is kept."""
        if not any(s.name in ("pick", "pick_cat", "pick_ratio") for s in plan):
            return plan
        at = next(dt.date.fromordinal(s.arguments[0].number) for s in plan if s.name == "at")
        control = self.grounded(patient, compiled, today, [at], True, ["--opt-mode=opt"], fact("values_optional"))
        chosen = {s for s in plan if s.name == "action"}
        fixed = [(a.symbol, a.symbol in chosen) for a in control.symbolic_atoms.by_signature("action", 1)]
        found: list[list[clingo.Symbol]] = []

        def on_model(model: clingo.Model) -> None:
            found[:] = [list(model.symbols(shown=True))]

        control.solve(assumptions=fixed, on_model=on_model)
        return found[0] if found else plan

    def alternative(
        self, symbols: list[clingo.Symbol], patient: Patient, compiled: CompiledTrial, trial: ast.Trial, today: dt.date
    ) -> Alternative:
        plan = Plan(
            at=next(dt.date.fromordinal(s.arguments[0].number) for s in symbols if s.name == "at"),
            picks={s.arguments[0].string: s.arguments[1] for s in symbols if s.name in ("pick", "pick_cat")},
        )
        for s in symbols:
            if s.name == "absent_code":
                kind, concept, code = s.arguments
                plan.codes.setdefault((kind.name, concept.string), []).append(code.string)
            elif s.name == "complete_covers":
                kind, concept = s.arguments
                plan.covers.setdefault(kind.name, []).append(concept.string)
            elif s.name == "pick_ratio":
                plan.ratios[s.arguments[0].string] = s.arguments[1].number
            elif s.name == "assumed_uln":
                plan.ulns[s.arguments[0].string] = s.arguments[1].number
            elif s.name == "range":
                attribute, side, limit = s.arguments
                plan.ranges.setdefault(attribute.string, {})[side.name] = limit.number
            elif s.name == "left_open":
                plan.open.add(s.arguments[0].string)
        actions = [self.action(s.arguments[0], plan, patient, trial, today) for s in symbols if s.name == "action"]
        order = {
            "wait": 9, "stop": 0, "test": 1, "sign": 2, "absent": 3, "complete": 4, "no_plans": 5, "assess": 6,
            "end_date": 7,
        }  # fmt: skip
        actions.sort(key=lambda a: (order[a.kind], a.text))
        return Alternative(tuple(actions), plan.at)

    def action(
        self,
        term: clingo.Symbol,
        plan: Plan,
        patient: Patient,
        trial: ast.Trial,
        today: dt.date,
    ) -> Action:
        """One action of a plan in words and data."""
        name, args = term.name, term.arguments
        at = plan.at
        catalogue = self.catalogue.spec
        if name == "wait":
            until = dt.date.fromordinal(args[0].number)
            days = (until - today).days
            return Action("wait", f"wait until {until} ({span_text(today, until)})", "waiting",
                          {"until": until.isoformat(), "days": days})  # fmt: skip
        if name == "stop":
            event, stop_day = patient.events[args[0].number], dt.date.fromordinal(args[1].number)
            return Action("stop", f"stop {event.code} on {stop_day} ({event.field})", catalogue["stop_drug"]["level"],
                          {"drug": event.code, "field": event.field, "from": stop_day.isoformat()})  # fmt: skip
        if name == "test":
            test = args[0].string
            results = [
                r for attribute in catalogue["tests"][test]["gives"] for r in self.assumed_results(attribute, plan)
            ]
            any_value = [
                a for attribute in catalogue["tests"][test]["gives"] for a in self.open_results(attribute, plan)
            ]
            assumed = "; ".join([*map(result_text, results), *(f"any {a}" for a in any_value)])
            # the result counts on the day of eligibility: after a wait, the test is done then
            when = f" on {at}" if at > today else ""
            said = f" — assumed result: {assumed}" if assumed else ""
            text = f"obtain {self.catalogue.label_of_test(test)}{when}{said}"
            data = {"test": test, "date": at.isoformat(), "results": results, "any_value": any_value}
            return Action("test", text, self.catalogue.level_of_test(test), data)
        if name == "sign":
            code = args[0].string
            return Action(
                "sign", f"sign the {code.replace('_', ' ')}", catalogue["consents"][code]["level"], {"consent": code}
            )
        if name == "absent":
            kind, concept = args[0].name, args[1].string
            members = sorted(plan.codes[(kind, concept)])
            listed = "" if members == [concept] else f" ({', '.join(members)})"
            return Action("absent", f"document that there was no {kind} {concept}{listed} — assumed absent",
                          catalogue["absence"]["level"], {"kind": kind, "concept": concept, "codes": members})  # fmt: skip
        if name == "complete_list":
            kind = args[0].name
            section, covers = SECTION_OF_KIND[kind], sorted(plan.covers[kind])
            text = f"confirm that the {section} list is complete — assumed: no {kind} beyond those recorded (it settles {', '.join(covers)})"
            return Action("complete", text, catalogue["absence"]["level"],
                          {"event_kind": kind, "section": section, "covers": covers})  # fmt: skip
        if name == "no_plans":
            return Action("no_plans", "document that no other procedures or vaccines are planned — assumed",
                          catalogue["absence"]["level"], {})  # fmt: skip
        if name == "assess":
            criterion, result = args[0].string, args[1].name
            sentence = next((c.text for c in trial.criteria if c.id == criterion), "")
            verdict = "applies" if result == "met" else "does not apply"
            return Action("assess", f"investigator's assessment of {criterion} — assumed it {verdict}: “{sentence}”",
                          catalogue["assessment"]["level"], {"criterion": criterion, "result": result})  # fmt: skip
        if name == "dated_end":
            event = patient.events[args[0].number]
            bounds = {
                key: dt.date.fromordinal(bound.number)
                for key, bound in (("on_or_after", args[1]), ("before", args[2]))
                if bound.type == clingo.SymbolType.Number
            }
            ended = "stopped" if event.kind == "drug" else "ended"
            assumed = " and ".join(f"{key.replace('_', ' ')} {day}" for key, day in bounds.items())
            text = f"document when {event.code} ({event.field}) {ended} — assumed {assumed}"
            data = {"event_kind": event.kind, "code": event.code, "field": event.field}
            return Action("end_date", text, catalogue["end_date"]["level"],
                          {**data, **{key: day.isoformat() for key, day in bounds.items()}})  # fmt: skip
        raise ValueError(f"no words for the action {term}")

    def assumed_results(self, attribute: str, plan: Plan) -> list[dict[str, Any]]:
        """The assumed results of one attribute as a record writes them: a pair's components
        (systolic before diastolic, the vocabulary's order) as one "a/b" value when both are
        assumed, so that the result can be pasted into a record; a result compared with a
        multiple of its ULN also says which limit (`uln`, the vocabulary's usual one) or which
        multiple of the lab's limit (`times_uln`, where the vocabulary knows no usual limit)."""
        components = self.vocabulary.attributes[attribute].components
        names = [f"{attribute}.{c}" for c in components] if components else [attribute]
        parts = [self.assumed_result(n, plan.picks[n], plan.ranges.get(n, {})) for n in names if n in plan.picks]
        if components and len(parts) == len(names):
            value = "/".join(p["value"] for p in parts)
            return [{"attribute": attribute, "value": value, "unit": parts[0]["unit"]}]
        if attribute in plan.ratios:
            unit = self.vocabulary.attributes[attribute].unit or ""
            result = parts[0] if parts else {"attribute": attribute, "value": "", "unit": unit}
            return [{**result, "times_uln": decimal_text(Fraction(plan.ratios[attribute], GRAIN))}]
        if attribute in plan.ulns and parts:
            scale = self.vocabulary.attributes[attribute].scale
            return [{**parts[0], "uln": decimal_text(Fraction(plan.ulns[attribute], GRAIN * scale))}]
        return parts

    def open_results(self, attribute: str, plan: Plan) -> list[str]:
        """The results of one attribute that the plan leaves at any value: the attribute, or
        where only one component of a pair is left so, that component."""
        components = self.vocabulary.attributes[attribute].components
        names = [f"{attribute}.{c}" for c in components] if components else [attribute]
        left = [n for n in names if n in plan.open]
        return [attribute] if components and len(left) == len(names) else left

    def assumed_result(self, attribute: str, value: clingo.Symbol, bounds: dict[str, int]) -> dict[str, Any]:
        """An assumed result in the record's terms: attribute, value, canonical unit, and
        where rules/repair.lp derives it, the range of results it stands for: its lower end
        (`at_least` or `above`) and its upper (`at_most` or `below`), where it has one."""
        if value.type == clingo.SymbolType.String:
            return {"attribute": attribute, "value": value.string, "unit": ""}
        base = self.vocabulary.attributes[attribute.partition(".")[0]]
        result: dict[str, Any] = {
            "attribute": attribute,
            "value": decimal_text(Fraction(value.number, base.scale)),
            "unit": base.unit or "",
        }
        if bounds:  # the lower end first
            order = sorted(bounds, key=("at_least", "above", "at_most", "below").index)
            result["range"] = {side: decimal_text(Fraction(bounds[side], base.scale)) for side in order}
        return result


def result_text(result: dict[str, Any]) -> str:
    """An assumed result in words: "alt 60 U/L (its ULN taken as the usual 40 U/L; any ≤
    60)", "total_bilirubin at 1.499 × its ULN", "wbc 3 x10^9/L (any ≥ 3)": any result in
    its range serves."""
    if "times_uln" in result and not result["value"]:
        return f"{result['attribute']} at {result['times_uln']} × its ULN"
    text = f"{result['attribute']} {result['value']} {result['unit']}".strip()
    if "times_uln" in result:
        return f"{text}, {result['times_uln']} × its ULN"
    said = [f"its ULN taken as the usual {result['uln']} {result['unit']}"] if "uln" in result else []
    if "range" in result:
        signs = {"at_least": "≥", "above": ">", "at_most": "≤", "below": "<"}
        said.append("any " + " and ".join(f"{signs[side]} {limit}" for side, limit in result["range"].items()))
    return f"{text} ({'; '.join(said)})" if said else text
