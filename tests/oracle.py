"""An independent reference evaluator of the criteria language, in plain Python.

Written from docs/language.md alone: it shares only the parser, the patient loader and
the vocabulary with the real (ASP) path, and none of its rules. Three values are
Python's True / False / None (unknown). Every construct has one small function.

    evaluate(modules, patient, reference_date, vocabulary)
        -> {trial id: (trial status, {criterion id: criterion status})}
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from trialogic import ast
from trialogic.patient import SECTION_OF_KIND, Event, Measurement, Patient  # the record format, not semantics
from trialogic.vocabulary import Attribute, Vocabulary

Truth = bool | None

AGE_UNITS = {
    "year": "years", "years": "years",
    "month": "months", "months": "months",
    "week": "weeks", "weeks": "weeks",
    "day": "days", "days": "days",
}  # fmt: skip
# Cockcroft–Gault sex factors for creatinine in µmol/L.
CG_FACTOR = {"male": Fraction("1.23"), "female": Fraction("1.04")}


# ----- context -------------------------------------------------------------------


@dataclass
class Scope:
    concepts: dict[str, ast.Concept] = field(default_factory=dict)
    defines: dict[str, ast.Define] = field(default_factory=dict)


@dataclass
class Context:
    """Everything one criterion's evaluation may look at."""

    patient: Patient
    today: dt.date  # the reference date R
    vocabulary: Vocabulary
    scope: Scope  # names where the expression is written: a trial's own over the files'
    files: dict[str, ast.Define] = field(default_factory=dict)  # the files' definitions alone
    trial: str = ""
    criterion: str = ""


# ----- the entry point -----------------------------------------------------------


def evaluate(
    modules: list[ast.Module], patient: Patient, reference_date: dt.date, vocabulary: Vocabulary
) -> dict[str, tuple[str, dict[str, str]]]:
    """trial id -> (trial status 'eligible'|'ineligible'|'undetermined', {criterion id: 'met'|'not_met'|'unknown'})"""
    shared = shared_scope(modules)
    results: dict[str, tuple[str, dict[str, str]]] = {}
    for module in modules:
        for trial in module.trials:
            scope = Scope(dict(shared.concepts), {**shared.defines, **{d.name: d for d in trial.defines}})
            ctx = Context(patient, reference_date, vocabulary, scope, shared.defines, trial.id)
            statuses = {c.id: criterion_status(ctx, c) for c in trial.criteria}
            results[trial.id] = (trial_status(trial, statuses), statuses)
    return results


def shared_scope(modules: Iterable[ast.Module]) -> Scope:
    scope = Scope()
    for module in modules:
        scope.concepts.update({c.name: c for c in module.concepts})
        scope.defines.update({d.name: d for d in module.defines})
    return scope


def criterion_status(ctx: Context, criterion: ast.Criterion) -> str:
    ctx.criterion = criterion.id
    value = expr(ctx, criterion.expr)
    return {True: "met", False: "not_met", None: "unknown"}[value]


def trial_status(trial: ast.Trial, statuses: dict[str, str]) -> str:
    decisive = {"inclusion": "not_met", "exclusion": "met"}
    if any(statuses[c.id] == decisive[c.kind] for c in trial.criteria):
        return "ineligible"
    if any(statuses[c.id] == "unknown" for c in trial.criteria):
        return "undetermined"
    return "eligible"


def expr(ctx: Context, node: ast.Expr) -> Truth:
    handler: Callable[[Context, Any], Truth] = EVALUATORS[type(node)]
    return handler(ctx, node)


# ----- Kleene logic --------------------------------------------------------------


def kleene_and(values: Iterable[Truth]) -> Truth:
    values = list(values)
    if any(v is False for v in values):
        return False
    return True if all(v is True for v in values) else None


def kleene_or(values: Iterable[Truth]) -> Truth:
    values = list(values)
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


def kleene_not(value: Truth) -> Truth:
    return None if value is None else not value


def not_(ctx: Context, node: ast.Not) -> Truth:
    return kleene_not(expr(ctx, node.operand))


def all_of(ctx: Context, node: ast.AllOf) -> Truth:
    return kleene_and(expr(ctx, o) for o in node.operands)


def any_of(ctx: Context, node: ast.AnyOf) -> Truth:
    return kleene_or(expr(ctx, o) for o in node.operands)


def at_least(ctx: Context, node: ast.AtLeast) -> Truth:
    values = [expr(ctx, o) for o in node.operands]
    true, unknown = values.count(True), values.count(None)
    if true >= node.count:
        return True
    if true + unknown < node.count:
        return False
    return None


def conditional(ctx: Context, node: ast.Conditional) -> Truth:
    condition, consequence = expr(ctx, node.condition), expr(ctx, node.consequence)
    if condition is False or consequence is True:
        return True
    if condition is True and consequence is False:
        return False
    return None


def reference(ctx: Context, node: ast.Reference) -> Truth:
    define = ctx.scope.defines[node.name]
    if ctx.files.get(node.name) is define:  # a file's definition sees only the files' names
        ctx = replace(ctx, scope=Scope(ctx.scope.concepts, ctx.files))
    return expr(ctx, define.body)


# ----- time ----------------------------------------------------------------------


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` earlier, clamped to that month's last day."""
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def window_start(today: dt.date, window: ast.Window | None) -> dt.date | None:
    """S of the window [S, R]; None without a window; `active` is the window [R, R]."""
    if window is None:
        return None
    if window.unit == "active":
        return today
    if window.unit == "days":
        return today - dt.timedelta(days=window.count)
    if window.unit == "weeks":
        return today - dt.timedelta(days=7 * window.count)
    if window.unit == "months":
        return months_before(today, window.count)
    if window.unit == "years":
        return months_before(today, 12 * window.count)
    raise ValueError(f"unknown window unit {window.unit!r}")


def completed_months(birth: dt.date, today: dt.date) -> int:
    months = (today.year - birth.year) * 12 + (today.month - birth.month)
    return months - 1 if today.day < birth.day else months


def age_in(unit: str, birth: dt.date, today: dt.date) -> int | None:
    """The age in completed units; unknown (None) before the birth date."""
    if birth > today:
        return None
    unit = AGE_UNITS[unit]
    if unit == "years":
        return completed_months(birth, today) // 12
    if unit == "months":
        return completed_months(birth, today)
    days = (today - birth).days
    return days if unit == "days" else days // 7


# ----- measurements --------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """A numeric or categorical result as compared: value and ULN scaled like the attribute."""

    date: dt.date
    value: Fraction | str
    uln: Fraction | None = None


def compare(op: str, left: Any, right: Any) -> bool:
    return {
        ">": left > right,
        ">=": left >= right,
        "<": left < right,
        "<=": left <= right,
        "=": left == right,
        "!=": left != right,
    }[op]


def attribute_of(ctx: Context, name: str) -> Attribute:
    attribute = ctx.vocabulary.attribute(name)
    if attribute is None:
        raise ValueError(f"oracle: unknown attribute {name!r}")
    return attribute


def latest(ctx: Context, stored_name: str) -> Result | None:
    """The latest stored result for a (canonical or component) attribute name dated on or before R."""
    candidates = [m for m in ctx.patient.measurements if m.attribute == stored_name and m.date <= ctx.today]
    if not candidates:
        return None
    best: Measurement = max(candidates, key=lambda m: m.date)
    return Result(best.date, best.value, best.uln)


def cockcroft_gault(ctx: Context) -> Result | None:
    """Creatinine clearance from the latest creatinine and weight, age in years and sex (exact)."""
    creatinine = latest(ctx, "serum_creatinine")
    weight = latest(ctx, "weight")
    birth, sex = ctx.patient.birth_date, ctx.patient.sex
    if creatinine is None or weight is None or birth is None or sex not in CG_FACTOR:
        return None
    assert isinstance(creatinine.value, Fraction) and isinstance(weight.value, Fraction)
    # inputs rounded down to their scale (tenths of µmol/L and of kg), as docs/language.md says
    creatinine_umol = Fraction(math.floor(creatinine.value), attribute_of(ctx, "serum_creatinine").scale)
    weight_kg = Fraction(math.floor(weight.value), attribute_of(ctx, "weight").scale)
    if creatinine_umol <= 0:
        return None
    age = age_in("years", birth, ctx.today)
    if age is None or age >= 140:  # the formula gives no clearance
        return None
    clearance = (140 - age) * weight_kg * CG_FACTOR[sex] / creatinine_umol
    return Result(creatinine.date, clearance * attribute_of(ctx, "creatinine_clearance").scale)


def numeric_result(ctx: Context, attribute: Attribute) -> Result | None:
    measured = latest(ctx, attribute.name)
    if attribute.derived == "cockcroft_gault":
        creatinine = latest(ctx, "serum_creatinine")
        if measured is None or (creatinine is not None and creatinine.date > measured.date):
            return cockcroft_gault(ctx)  # a newer creatinine supersedes a measured clearance
    return measured


def fresh(result: Result | None, start: dt.date | None) -> Result | None:
    """The result, unless there is none or it is stale (dated before the window's start)."""
    if result is None or (start is not None and result.date < start):
        return None
    return result


def threshold(ctx: Context, attribute: Attribute, number: Any, unit: str | None) -> Fraction:
    return ctx.vocabulary.scaled(attribute, Fraction(number), unit)


def uln_of(attribute: Attribute, result: Result) -> Fraction | None:
    if result.uln is not None:
        return result.uln
    if attribute.default_uln is not None:
        return attribute.default_uln * attribute.scale
    return None


def comparison(ctx: Context, node: ast.Comparison) -> Truth:
    if node.attribute == "age":
        return age_comparison(ctx, node)
    attribute = attribute_of(ctx, node.attribute)
    if attribute.type == "category":
        return category_comparison(ctx, attribute, node)
    if attribute.type == "pair":
        return pair_comparison(ctx, attribute, node)
    if isinstance(node.operand, ast.Uln):
        return uln_comparison(ctx, attribute, node)
    return quantity_comparison(ctx, attribute, node)


def quantity_comparison(ctx: Context, attribute: Attribute, node: ast.Comparison) -> Truth:
    operand = node.operand
    assert isinstance(operand, ast.Quantity), f"oracle: {node.attribute} compared with {operand}"
    result = fresh(numeric_result(ctx, attribute), window_start(ctx.today, node.window))
    if result is None:
        return None
    return compare(node.op, result.value, threshold(ctx, attribute, operand.number, operand.unit))


def uln_comparison(ctx: Context, attribute: Attribute, node: ast.Comparison) -> Truth:
    assert isinstance(node.operand, ast.Uln)
    result = fresh(numeric_result(ctx, attribute), window_start(ctx.today, node.window))
    if result is None:
        return None
    uln = uln_of(attribute, result)
    if uln is None:
        return None
    return compare(node.op, result.value, Fraction(node.operand.factor) * uln)


def pair_comparison(ctx: Context, attribute: Attribute, node: ast.Comparison) -> Truth:
    operand = node.operand
    assert isinstance(operand, ast.Pair), f"oracle: {node.attribute} compared with {operand}"
    start = window_start(ctx.today, node.window)
    parts = []
    for component, number in zip(attribute.components, (operand.first, operand.second), strict=True):
        result = fresh(latest(ctx, f"{attribute.name}.{component}"), start)
        limit = threshold(ctx, attribute, number, operand.unit)
        parts.append(None if result is None else compare(node.op, result.value, limit))
    return kleene_or(parts) if node.op in (">", ">=", "!=") else kleene_and(parts)


def category_result(ctx: Context, attribute: Attribute, window: ast.Window | None) -> str | None:
    if attribute.name == "sex":
        return ctx.patient.sex  # the record's sex has no date
    result = fresh(latest(ctx, attribute.name), window_start(ctx.today, window))
    return None if result is None else str(result.value)


def category_comparison(ctx: Context, attribute: Attribute, node: ast.Comparison) -> Truth:
    operand = node.operand
    assert isinstance(operand, ast.Category), f"oracle: {node.attribute} compared with {operand}"
    assert node.op in ("=", "!="), f"oracle: category compared with {node.op}"
    value = category_result(ctx, attribute, node.window)
    return None if value is None else compare(node.op, value, operand.value)


def age_comparison(ctx: Context, node: ast.Comparison) -> Truth:
    operand = node.operand
    assert isinstance(operand, ast.Quantity), f"oracle: age compared with {operand}"
    birth = ctx.patient.birth_date
    age = None if birth is None else age_in(operand.unit or "years", birth, ctx.today)
    return None if age is None else compare(node.op, age, Fraction(operand.number))


def between(ctx: Context, node: ast.Between) -> Truth:
    low, high = Fraction(node.low), Fraction(node.high)
    if node.attribute == "age":
        birth = ctx.patient.birth_date
        age = None if birth is None else age_in(node.unit or "years", birth, ctx.today)
        return None if age is None else low <= age <= high
    attribute = attribute_of(ctx, node.attribute)
    result = fresh(numeric_result(ctx, attribute), window_start(ctx.today, node.window))
    if result is None:
        return None
    lowest, highest = threshold(ctx, attribute, low, node.unit), threshold(ctx, attribute, high, node.unit)
    return lowest <= result.value <= highest


def membership(ctx: Context, node: ast.Membership) -> Truth:
    attribute = attribute_of(ctx, node.attribute)
    assert attribute.type == "category", f"oracle: membership on {attribute.type} {attribute.name}"
    value = category_result(ctx, attribute, node.window)
    return None if value is None else value in node.values


# ----- events --------------------------------------------------------------------


def concept_codes(ctx: Context, kind: str, name: str, seen: frozenset[str] = frozenset()) -> set[str]:
    """The vocabulary concepts a name stands for: itself, or a concept set's members (recursively)."""
    if ctx.vocabulary.is_concept(kind, name) or name not in ctx.scope.concepts or name in seen:
        return {name}
    codes: set[str] = set()
    for member in ctx.scope.concepts[name].members:
        codes |= concept_codes(ctx, kind, member, seen | {name})
    return codes


def is_below(ctx: Context, kind: str, code: str, concepts: set[str]) -> bool:
    """`code` is one of `concepts` or lies below one of them."""
    return bool(ctx.vocabulary.ancestors(kind, code) & concepts)


def entry_matches(
    ctx: Context, kind: str, code: str, status: str | None, concept: str, exceptions: tuple[ast.Exception_, ...]
) -> bool:
    if not is_below(ctx, kind, code, concept_codes(ctx, kind, concept)):
        return False
    for exception in exceptions:
        if exception.status is not None and exception.status != status:
            continue
        if is_below(ctx, kind, code, concept_codes(ctx, kind, exception.concept)):
            return False
    return True


def taken_until(entry: Event) -> dt.date:
    """For an entry that ended on an unknown date: the last day the record shows it going,
    its start or its latest dose change (a drug is taken on the day its dose changes)."""
    return max((entry.start, *entry.dose_changes))


def statuses_on(ctx: Context, entry: Event) -> set[str]:
    """The entry's possible statuses on R: as recorded, unless it ends on or after R (or
    ended on an unknown date and was taken until R or later), when it was still going; an
    entry that ended on an unknown date and was taken until a day before R may have been
    either."""
    going = "active" if entry.kind == "condition" else "ongoing"
    if entry.end is not None and entry.end >= ctx.today:
        return {going}
    if entry.end is None and not entry.end_known:
        return {going} if taken_until(entry) >= ctx.today else {going, entry.status}
    return {entry.status}


def recorded_events(ctx: Context, kind: str) -> list[Event]:
    """The record's entries of one kind that started on or before R."""
    return [e for e in ctx.patient.events if e.kind == kind and e.start <= ctx.today]


def match_degree(event: Event, start: dt.date | None) -> str | None:
    """'certain', 'possible' or None: how an entry (started on or before R) meets the window [S, R]."""
    if start is None or event.is_open:
        return "certain"
    if event.end is not None:
        return "certain" if event.end >= start else None
    return "certain" if taken_until(event) >= start else "possible"  # ended on an unknown date


def absence_known(ctx: Context, kind: str, concept: str) -> bool:
    """The record says no unlisted entry exists: the section is complete, or a negative covers the concept."""
    if SECTION_OF_KIND[kind] in ctx.patient.complete:
        return True
    negated = {n.code for n in ctx.patient.negatives if n.kind == kind}
    codes = concept_codes(ctx, kind, concept)
    return all(ctx.vocabulary.ancestors(kind, code) & negated for code in codes)


def event(ctx: Context, node: ast.Event) -> Truth:
    if node.kind == "dose_change":
        return dose_change(ctx, node)
    start = window_start(ctx.today, node.window)
    degrees = set()
    for e in recorded_events(ctx, node.kind):
        counts = {entry_matches(ctx, node.kind, e.code, s, node.concept, node.exceptions) for s in statuses_on(ctx, e)}
        if True in counts:  # it counts for some status it may have had on R; for all: as far as its dates go
            degree = match_degree(e, start)
            degrees.add(degree if False not in counts or degree is None else "possible")
    if "certain" in degrees:
        return True
    if "possible" not in degrees and absence_known(ctx, node.kind, node.concept):
        return False
    return None


def dose_change(ctx: Context, node: ast.Event) -> Truth:
    """A start, a dose change or a stop (a recorded end) in the window; a drug that ended on
    an unknown date and was taken until a day before the window may have stopped inside it."""
    start = window_start(ctx.today, node.window)
    maybe = False
    for entry in recorded_events(ctx, "drug"):
        if not any(
            entry_matches(ctx, "drug", entry.code, s, node.concept, node.exceptions) for s in statuses_on(ctx, entry)
        ):
            continue  # a dose_change criterion has no exception (E105): the status never matters
        stop = [] if entry.end is None else [entry.end]
        for day in (entry.start, *entry.dose_changes, *stop):
            if day <= ctx.today and (start is None or day >= start):
                return True
        if start is not None and entry.end is None and not entry.end_known and taken_until(entry) < start:
            maybe = True
    if maybe:
        return None
    return False if absence_known(ctx, "drug", node.concept) else None


def planned(ctx: Context, node: ast.Planned) -> Truth:
    for entry in ctx.patient.planned:
        if entry.kind == node.kind and entry_matches(ctx, node.kind, entry.code, None, node.concept, node.exceptions):
            return True
    return False if "planned" in ctx.patient.complete else None


# ----- manual --------------------------------------------------------------------


def manual(ctx: Context, node: ast.Manual) -> Truth:
    """The latest assessment for this trial and criterion dated on or before R; contradicting ones on that day: unknown."""
    assessments = [
        a
        for a in ctx.patient.assessments
        if a.trial == ctx.trial and a.criterion == ctx.criterion and a.date <= ctx.today
    ]
    if not assessments:
        return None
    last = max(a.date for a in assessments)
    results = {a.result for a in assessments if a.date == last}
    return (results == {"met"}) if len(results) == 1 else None


EVALUATORS: dict[type, Callable[[Context, Any], Truth]] = {
    ast.Comparison: comparison,
    ast.Between: between,
    ast.Membership: membership,
    ast.Event: event,
    ast.Planned: planned,
    ast.Manual: manual,
    ast.Reference: reference,
    ast.Not: not_,
    ast.AllOf: all_of,
    ast.AnyOf: any_of,
    ast.AtLeast: at_least,
    ast.Conditional: conditional,
}
