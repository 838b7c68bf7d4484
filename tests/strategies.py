"""Hypothesis strategies for random patient records (plain dicts in the docs/patients.md format).

The records are built to land on the criteria's edges: ages a day either side of a
birthday, results exactly at a threshold (in the canonical unit or another one: 3.0
mg/dL is 265.2 µmol/L), a step either side of it, results exactly at a multiple of
their ULN, dates on, before and after a window's first day and after the reference
date, open / ended / unknown-end intervals, codes anywhere in the concept hierarchies,
negatives, `complete` sections, and many sections left out.

    reference_dates()                              -> dates
    patient_records(modules, reference_date=None)  -> records (dicts)

`modules` are parsed criteria files: their thresholds, ULN factors, windows, ages,
concepts and manual criteria steer the drawing. Without `reference_date` every
record draws its own anchor from `reference_dates()`, so the dates still cluster
around plausible windows.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from hypothesis import strategies as st

from trialogic import ast
from trialogic.patient import COMPLETABLE, INTERVAL_SECTIONS, KIND_OF_SECTION, POINT_SECTIONS, SECTION_OF_KIND
from trialogic.vocabulary import EVENT_KINDS, Attribute, load_vocabulary

VOCABULARY = load_vocabulary()

# Dates whose month arithmetic is interesting (month ends, leap days) and a few plain ones.
INTERESTING_DATES = [
    dt.date(2026, 5, 31),
    dt.date(2026, 3, 31),
    dt.date(2024, 2, 29),
    dt.date(2028, 2, 29),
    dt.date(2027, 2, 28),
    dt.date(2025, 12, 31),
    dt.date(2026, 3, 1),
    dt.date(2026, 1, 1),
    dt.date(2026, 11, 22),
    dt.date(2025, 7, 15),
]

# Spellings a record may use, per attribute (the first is the canonical one).
UNITS: dict[str, list[str]] = {
    "weight": ["kg", "g", "lb"],
    "serum_creatinine": ["umol/L", "µmol/L", "μmol/L", "mg/dL", "mmol/L", "mg/L"],
    "creatinine_clearance": ["mL/min", "L/h"],
    "total_bilirubin": ["mg/dL", "umol/L", "µmol/L", "mg/L"],
    "alt": ["U/L", "IU/L"],
    "ast": ["U/L", "IU/L"],
    "wbc": ["x10^9/L", "10^9/L", "G/L", "/uL", "/µL", "/mm3"],
    "hemoglobin": ["g/L", "g/dL", "mg/dL"],
    "platelets": ["x10^9/L", "10^9/L", "G/L", "/uL", "/mm3"],
    "urine_protein_creatinine_ratio": ["mg/mg", "g/g", "mg/g"],
    "proteinuria_24h": ["g/24h", "g/day", "mg/day"],
    "urine_rbc": ["/HPF"],
    "glomerular_sclerosis_percent": ["%"],
    "cellular_crescents_percent": ["%"],
    "sledai_2k": [],
    "blood_pressure": ["mmHg", "mmHg", "mmHg", "kPa"],
}

# Typical thresholds in the canonical unit (criteria add their own).
TYPICAL: dict[str, list[str]] = {
    "weight": ["40", "45", "50", "70", "100"],
    "serum_creatinine": ["250", "265.2", "97", "132.6", "176.8", "221"],
    "creatinine_clearance": ["30", "50", "60", "90"],
    "total_bilirubin": ["1.5", "2", "3"],
    "alt": ["40", "60", "80", "120"],
    "ast": ["40", "60", "80", "120"],
    "wbc": ["3", "2.5", "4", "1.5"],
    "hemoglobin": ["90", "80", "85", "100"],
    "platelets": ["100", "75", "50", "150"],
    "urine_protein_creatinine_ratio": ["0.5", "1", "3"],
    "proteinuria_24h": ["0.5", "1", "3.5"],
    "urine_rbc": ["5", "10"],
    "glomerular_sclerosis_percent": ["50", "25"],
    "cellular_crescents_percent": ["50", "25"],
    "sledai_2k": ["4", "6", "8", "10"],
    "blood_pressure.systolic": ["140", "160", "130"],
    "blood_pressure.diastolic": ["90", "100", "80"],
}
TYPICAL_ULN_FACTORS = ["1", "1.5", "2", "2.5", "3", "5"]
TYPICAL_ULNS: dict[str, list[str]] = {
    "alt": ["40", "35", "33", "56", "45"],
    "ast": ["40", "35", "33", "45"],
    "serum_creatinine": ["97", "110", "84"],
    "total_bilirubin": ["1.2", "1", "1.1"],
}
TYPICAL_WINDOWS = [
    ast.Window(7, "days"),
    ast.Window(14, "days"),
    ast.Window(30, "days"),
    ast.Window(4, "weeks"),
    ast.Window(12, "weeks"),
    ast.Window(1, "months"),
    ast.Window(3, "months"),
    ast.Window(6, "months"),
    ast.Window(12, "months"),
    ast.Window(1, "years"),
    ast.Window(5, "years"),
]
TYPICAL_AGES = [(14, "years"), (16, "years"), (18, "years"), (60, "years"), (65, "years"), (70, "years")]


# ----- what the criteria look at -------------------------------------------------


@dataclass(frozen=True)
class Aim:
    """What one criterion looks at (definitions expanded): a record aimed at it holds all of these."""

    trial: str
    criterion: str
    attributes: frozenset[str]
    events: tuple[tuple[str, tuple[str, ...]], ...]  # (section, codes at or below the concept or its exceptions)
    planned: tuple[tuple[str, tuple[str, ...]], ...]  # (kind, codes)
    manual: bool


@dataclass
class Targets:
    """The values, windows, ages and concepts the criteria test, gathered from their syntax trees."""

    thresholds: dict[str, set[Fraction]] = field(default_factory=dict)  # canonical, unscaled
    uln_factors: set[Fraction] = field(default_factory=set)
    uln_attributes: set[str] = field(default_factory=lambda: {"alt", "ast"})
    windows: list[ast.Window] = field(default_factory=list)
    ages: set[tuple[int, str]] = field(default_factory=set)
    concepts: dict[str, set[str]] = field(default_factory=dict)  # kind -> codes named or below named
    negatable: dict[str, set[str]] = field(default_factory=dict)  # kind -> named concepts and those above
    manual: list[tuple[str, str]] = field(default_factory=list)  # (trial, criterion) judged by hand
    criteria: list[tuple[str, str]] = field(default_factory=list)  # every (trial, criterion)
    aims: list[Aim] = field(default_factory=list)

    def threshold(self, name: str, value: Fraction) -> None:
        self.thresholds.setdefault(name, set()).add(value)


def walk(node: ast.Expr) -> Iterator[ast.Expr]:
    yield node
    if isinstance(node, ast.Not):
        yield from walk(node.operand)
    elif isinstance(node, (ast.AllOf, ast.AnyOf, ast.AtLeast)):
        for operand in node.operands:
            yield from walk(operand)
    elif isinstance(node, ast.Conditional):
        yield from walk(node.condition)
        yield from walk(node.consequence)


def leaves(node: ast.Expr, defines: dict[str, ast.Define], seen: frozenset[str] = frozenset()) -> Iterator[ast.Expr]:
    """The leaves of an expression, with every defined name replaced by its definition."""
    for sub in walk(node):
        if isinstance(sub, ast.Reference):
            if sub.name in defines and sub.name not in seen:
                yield from leaves(defines[sub.name].body, defines, seen | {sub.name})
        elif not isinstance(sub, (ast.Not, ast.AllOf, ast.AnyOf, ast.AtLeast, ast.Conditional)):
            yield sub


DERIVED_INPUTS = {"creatinine_clearance": {"serum_creatinine", "weight"}}


def aim(trial: str, criterion: ast.Criterion, defines: dict[str, ast.Define], sets: dict[str, ast.Concept]) -> Aim:
    attributes: set[str] = set()
    events: list[tuple[str, tuple[str, ...]]] = []
    planned: list[tuple[str, tuple[str, ...]]] = []
    manual = False
    for leaf in leaves(criterion.expr, defines):
        if isinstance(leaf, (ast.Comparison, ast.Between, ast.Membership)):
            attribute = VOCABULARY.attribute(leaf.attribute)
            if attribute is not None and attribute.type != "age" and attribute.name != "sex":
                attributes |= {attribute.name} | DERIVED_INPUTS.get(attribute.name, set())
        elif isinstance(leaf, (ast.Event, ast.Planned)):
            kind = "drug" if leaf.kind == "dose_change" else leaf.kind
            named = concept_members(leaf.concept, sets) | {m for e in leaf.exceptions for m in concept_members(e.concept, sets)}
            codes = tuple(sorted(below(kind, named)))
            if codes and isinstance(leaf, ast.Event):
                events.append((SECTION_OF_KIND[kind], codes))
            elif codes:
                planned.append((kind, codes))
        elif isinstance(leaf, ast.Manual):
            manual = True
    return Aim(trial, criterion.id, frozenset(attributes), tuple(events), tuple(planned), manual)


def canonical(attribute: Attribute, number: Decimal, unit: str | None) -> Fraction | None:
    try:
        return VOCABULARY.to_canonical(attribute, Fraction(number), unit)
    except ValueError:
        return None


def concept_members(name: str, sets: dict[str, ast.Concept], seen: frozenset[str] = frozenset()) -> set[str]:
    if name not in sets or name in seen:
        return {name}
    return {m for member in sets[name].members for m in concept_members(member, sets, seen | {name})}


def below(kind: str, concepts: set[str]) -> set[str]:
    return {code for code in VOCABULARY.concepts(kind) if VOCABULARY.ancestors(kind, code) & concepts}


def note_leaf(targets: Targets, node: ast.Expr, sets: dict[str, ast.Concept]) -> None:
    if isinstance(node, (ast.Comparison, ast.Between, ast.Membership)) and node.window is not None:
        targets.windows.append(node.window)
    if isinstance(node, ast.Comparison):
        note_comparison(targets, node)
    elif isinstance(node, ast.Between):
        if node.attribute == "age":
            targets.ages |= {(int(node.low), node.unit or "years"), (int(node.high) + 1, node.unit or "years")}
        elif (attribute := VOCABULARY.attribute(node.attribute)) is not None:
            for number in (node.low, node.high):
                if (value := canonical(attribute, number, node.unit)) is not None:
                    targets.threshold(attribute.name, value)
    elif isinstance(node, (ast.Event, ast.Planned)):
        kind = "drug" if node.kind == "dose_change" else node.kind
        named = concept_members(node.concept, sets) | {
            m for e in node.exceptions for m in concept_members(e.concept, sets)
        }
        targets.concepts.setdefault(kind, set()).update(below(kind, named))
        above = {a for name in concept_members(node.concept, sets) for a in VOCABULARY.ancestors(kind, name)}
        targets.negatable.setdefault(kind, set()).update(a for a in above if VOCABULARY.is_concept(kind, a))
        if isinstance(node, ast.Event) and node.window is not None and node.window.unit != "active":
            targets.windows.append(node.window)


def note_comparison(targets: Targets, node: ast.Comparison) -> None:
    operand = node.operand
    if node.attribute == "age":
        if isinstance(operand, ast.Quantity):
            targets.ages.add((int(operand.number), operand.unit or "years"))
        return
    attribute = VOCABULARY.attribute(node.attribute)
    if attribute is None:
        return
    if isinstance(operand, ast.Quantity) and (value := canonical(attribute, operand.number, operand.unit)):
        targets.threshold(attribute.name, value)
    elif isinstance(operand, ast.Uln):
        targets.uln_factors.add(Fraction(operand.factor))
        targets.uln_attributes.add(attribute.name)
    elif isinstance(operand, ast.Pair):
        for component, number in zip(attribute.components, (operand.first, operand.second), strict=True):
            if (value := canonical(attribute, number, operand.unit)) is not None:
                targets.threshold(f"{attribute.name}.{component}", value)


def collect_targets(modules: Iterable[ast.Module]) -> Targets:
    modules = list(modules)
    targets = Targets()
    sets = {c.name: c for m in modules for c in m.concepts}
    shared = {d.name: d for m in modules for d in m.defines}
    bodies = [d.body for d in shared.values()]
    for module in modules:
        for trial in module.trials:
            defines = {**shared, **{d.name: d for d in trial.defines}}
            bodies += [d.body for d in trial.defines]
            for criterion in trial.criteria:
                bodies.append(criterion.expr)
                targets.criteria.append((trial.id, criterion.id))
                targets.aims.append(aim(trial.id, criterion, defines, sets))
                if targets.aims[-1].manual:
                    targets.manual.append((trial.id, criterion.id))
    for body in bodies:
        for node in walk(body):
            note_leaf(targets, node, sets)
    return targets


# ----- small pieces --------------------------------------------------------------


def months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + (day.month - 1) - months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def window_start(today: dt.date, window: ast.Window) -> dt.date:
    if window.unit == "days":
        return today - dt.timedelta(days=window.count)
    if window.unit == "weeks":
        return today - dt.timedelta(days=7 * window.count)
    return months_before(today, window.count * (12 if window.unit == "years" else 1))


def number(value: Decimal) -> int | float:
    """A record's number as YAML would hold it (floats round-trip: few significant digits)."""
    return int(value) if value == value.to_integral_value() else float(str(value))


def decimal_of(value: Fraction, places: int) -> Decimal:
    """`value` rounded to `places` decimals (exact when it has no more)."""
    scaled = round(value * 10**places)
    return Decimal(scaled).scaleb(-places)


def exact_decimal(value: Fraction, max_places: int = 6) -> Decimal | None:
    for places in range(max_places + 1):
        if (value * 10**places).denominator == 1:
            return decimal_of(value, places)
    return None


def in_range(attribute: Attribute, value: Fraction) -> bool:
    return attribute.range is None or attribute.range[0] <= value <= attribute.range[1]


@st.composite
def near_date(draw: st.DrawFn, today: dt.date, windows: Sequence[ast.Window]) -> dt.date:
    """A date on, just before or just after a window's start or R, or anywhere in the last years."""
    anchor = draw(
        st.sampled_from(["window", "window", "today", "past", "future"])
    )
    if anchor == "window":
        base = window_start(today, draw(st.sampled_from(list(windows))))
    elif anchor == "today":
        base = today
    elif anchor == "past":
        base = today - dt.timedelta(days=draw(st.integers(0, 4000)))
    else:
        base = today + dt.timedelta(days=draw(st.integers(1, 60)))
    return base + dt.timedelta(days=draw(st.sampled_from([-1, 0, 0, 1]) | st.integers(-40, 40)))


def day_after_or_on(day: dt.date, earliest: dt.date) -> dt.date:
    return day if day >= earliest else earliest


# ----- record sections -----------------------------------------------------------


@st.composite
def birth_date(draw: st.DrawFn, today: dt.date, targets: Targets) -> str | None:
    mode = draw(st.sampled_from(["boundary", "boundary", "boundary", "random", "missing"]))
    if mode == "missing":
        return None
    if mode == "random":
        return (today - dt.timedelta(days=draw(st.integers(0, 95 * 366)))).isoformat()
    count, unit = draw(st.sampled_from(sorted(targets.ages | set(TYPICAL_AGES))))
    if unit in ("years", "year"):
        birthday = months_before(today, 12 * count)
    elif unit in ("months", "month"):
        birthday = months_before(today, count)
    elif unit in ("weeks", "week"):
        birthday = today - dt.timedelta(days=7 * count)
    else:
        birthday = today - dt.timedelta(days=count)
    born = birthday + dt.timedelta(days=draw(st.sampled_from([-1, 0, 1]) | st.integers(-400, 400)))
    return min(born, today).isoformat()


def attribute_thresholds(name: str, targets: Targets) -> list[Fraction]:
    found = {Fraction(Decimal(t)) for t in TYPICAL.get(name, [])} | targets.thresholds.get(name, set())
    return sorted(found)


@st.composite
def numeric_value(draw: st.DrawFn, attribute: Attribute, name: str, unit: str | None, targets: Targets) -> Decimal:
    """A value written in `unit`, near one of the attribute's thresholds (often exactly on it), within range."""
    factor = unit_factor(attribute, unit)
    thresholds = attribute_thresholds(name, targets)
    low, high = attribute.range or (Fraction(0), Fraction(1000))
    if thresholds and draw(st.integers(0, 9)) < 8:
        target = draw(st.sampled_from(thresholds)) / factor
        exact = exact_decimal(target)
        base = exact if exact is not None and draw(st.booleans()) else decimal_of(target, draw(st.integers(0, 3)))
        step = Decimal(1).scaleb(-(places(base) + draw(st.integers(0, 1))))
        value = base + step * draw(st.sampled_from([-1, 0, 0, 1]))
    else:
        share = Fraction(draw(st.integers(0, 10_000)), 10_000)
        value = decimal_of((low + share * (high - low)) / factor, draw(st.integers(0, 3)))
    return value if in_range(attribute, Fraction(value) * factor) else inside(attribute, factor)


def unit_factor(attribute: Attribute, unit: str | None) -> Fraction:
    """How many canonical units one `unit` is."""
    return VOCABULARY.to_canonical(attribute, Fraction(1), unit) if unit else Fraction(1)


def places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def inside(attribute: Attribute, factor: Fraction) -> Decimal:
    """A value certainly within the attribute's possible range, written in the unit of `factor`."""
    low, high = attribute.range or (Fraction(0), Fraction(1000))
    for candidate in (exact_decimal(low / factor), exact_decimal(high / factor), decimal_of((low + high) / 2 / factor, 3)):
        if candidate is not None and in_range(attribute, Fraction(candidate) * factor):
            return candidate
    raise AssertionError(f"no writable value for {attribute.name}")


def uln_candidates(attribute: Attribute, targets: Targets) -> list[Fraction]:
    found = {Fraction(Decimal(u)) for u in TYPICAL_ULNS.get(attribute.name, [])}
    if attribute.default_uln is not None:
        found.add(attribute.default_uln)
    return sorted(found or set(attribute_thresholds(attribute.name, targets)) or {Fraction(1)})


@st.composite
def uln_fields(
    draw: st.DrawFn, attribute: Attribute, unit: str | None, targets: Targets
) -> tuple[dict[str, Any], Decimal | None]:
    """The `uln` / `reference_range` fields of a result, and a value at (or beside) a multiple of that ULN."""
    factor = unit_factor(attribute, unit)
    mode = draw(st.sampled_from(["uln", "uln", "range", "none"]))
    if mode == "none":
        if attribute.default_uln is None:
            return {}, None
        uln = fraction_decimal(attribute.default_uln / factor)
    else:
        uln = fraction_decimal(draw(st.sampled_from(uln_candidates(attribute, targets))) / factor)
    if uln <= 0 or not in_range(attribute, Fraction(uln) * factor):
        return {}, None
    fields: dict[str, Any] = {}
    if mode == "uln":
        fields["uln"] = number(uln)
    elif mode == "range":
        fields["reference_range"] = [number(uln / 4), number(uln)]
    multiples = sorted(targets.uln_factors | {Fraction(Decimal(f)) for f in TYPICAL_ULN_FACTORS})
    multiple = fraction_decimal(draw(st.sampled_from(multiples)))
    step = Decimal(draw(st.sampled_from(["1", "0.5", "0.01"])))
    value = multiple * uln + step * draw(st.sampled_from([-1, 0, 0, 1]))
    return fields, value if in_range(attribute, Fraction(value) * factor) else None


def fraction_decimal(value: Fraction) -> Decimal:
    exact = exact_decimal(value, 6)
    return exact if exact is not None else decimal_of(value, 3)


@st.composite
def measurement(draw: st.DrawFn, attribute: Attribute, day: dt.date, targets: Targets) -> dict[str, Any]:
    name = draw(st.sampled_from([attribute.name, attribute.name, *attribute.synonyms]))
    entry: dict[str, Any] = {"attribute": name}
    if attribute.type == "category":
        entry["value"] = draw(st.sampled_from(attribute.values))
    elif attribute.type == "pair":
        unit = draw(st.sampled_from(UNITS[attribute.name]))
        parts = [
            draw(numeric_value(attribute, f"{attribute.name}.{component}", unit, targets))
            for component in attribute.components
        ]
        entry["value"] = "/".join(str(p) for p in parts)
        entry["unit"] = unit
    else:
        units = UNITS.get(attribute.name) or [attribute.unit]
        unit = draw(st.sampled_from(units))
        value = draw(numeric_value(attribute, attribute.name, unit, targets))
        wants_uln = attribute.name in targets.uln_attributes or attribute.default_uln is not None
        if wants_uln and draw(st.integers(0, 3)) > 0:
            fields, at_multiple = draw(uln_fields(attribute, unit, targets))
            entry.update(fields)
            if at_multiple is not None and draw(st.booleans()):
                value = at_multiple
        entry["value"] = number(value)
        if unit is not None:
            entry["unit"] = unit
    entry["date"] = day.isoformat()
    return entry


@st.composite
def measurements(draw: st.DrawFn, today: dt.date, targets: Targets, density: int, wanted: set[str]) -> list[dict[str, Any]]:
    windows = targets.windows + TYPICAL_WINDOWS
    entries = []
    for attribute in VOCABULARY.attributes.values():
        if attribute.type == "age" or attribute.name == "sex":
            continue  # the record's own fields, not results
        if attribute.name not in wanted and draw(st.integers(0, 99)) >= density:
            continue
        days = draw(st.lists(near_date(today, windows), min_size=1, max_size=3, unique=True))
        entries += [draw(measurement(attribute, day, targets)) for day in days]
    return draw(st.permutations(entries)) if entries else []


def codes(kind: str, targets: Targets) -> st.SearchStrategy[str]:
    everything = sorted(VOCABULARY.concepts(kind))
    named = sorted(targets.concepts.get(kind, set()))
    return st.sampled_from(named) | st.sampled_from(everything) if named else st.sampled_from(everything)


def negatable_codes(kind: str, targets: Targets) -> st.SearchStrategy[str]:
    named = sorted(targets.negatable.get(kind, set()))
    return st.sampled_from(named) | codes(kind, targets) if named else codes(kind, targets)


@st.composite
def interval_entry(
    draw: st.DrawFn, section: str, today: dt.date, targets: Targets, pool: Sequence[str] = ()
) -> dict[str, Any]:
    kind = KIND_OF_SECTION[section]
    windows = targets.windows + TYPICAL_WINDOWS
    start = draw(near_date(today, windows))
    code = draw(st.sampled_from(pool) if pool else codes(kind, targets))
    entry: dict[str, Any] = {"code": code, "start": start.isoformat()}
    open_status, ended_status = ("active", "resolved") if section == "conditions" else ("ongoing", "stopped")
    shape = draw(st.sampled_from(["open", "ended", "ended", "unknown_end"]))
    if shape == "open":
        if draw(st.booleans()):
            entry["status"] = open_status
    elif shape == "ended":
        end = day_after_or_on(draw(near_date(today, windows)), start)
        if draw(st.booleans()):
            end = start + dt.timedelta(days=draw(st.integers(0, 400)))
        entry["end"] = end.isoformat()
        if draw(st.booleans()):
            entry["status"] = ended_status
    else:
        entry["status"] = ended_status
    if section == "drugs" and draw(st.booleans()):
        changes = draw(st.lists(near_date(today, windows), max_size=3, unique=True))
        entry["dose_changes"] = sorted({day_after_or_on(d, start).isoformat() for d in changes})
    return entry


@st.composite
def point_entry(
    draw: st.DrawFn, section: str, today: dt.date, targets: Targets, pool: Sequence[str] = ()
) -> dict[str, Any]:
    day = draw(near_date(today, targets.windows + TYPICAL_WINDOWS))
    code = draw(st.sampled_from(pool) if pool else codes(KIND_OF_SECTION[section], targets))
    return {"code": code, "date": day.isoformat()}


@st.composite
def negative(draw: st.DrawFn, targets: Targets) -> dict[str, Any]:
    kind = draw(st.sampled_from(EVENT_KINDS))
    return {"kind": kind, "code": draw(negatable_codes(kind, targets))}


@st.composite
def planned_entry(
    draw: st.DrawFn, today: dt.date, targets: Targets, wanted: tuple[str, Sequence[str]] | None = None
) -> dict[str, Any]:
    if wanted is None:
        kind = draw(st.sampled_from(EVENT_KINDS))
        entry = {"kind": kind, "code": draw(codes(kind, targets))}
    else:
        entry = {"kind": wanted[0], "code": draw(st.sampled_from(wanted[1]))}
    if draw(st.booleans()):
        entry["date"] = (today + dt.timedelta(days=draw(st.integers(-30, 200)))).isoformat()
    return entry


@st.composite
def assessments(
    draw: st.DrawFn, today: dt.date, targets: Targets, wanted: Sequence[tuple[str, str]]
) -> list[dict[str, Any]]:
    pools = [st.sampled_from(p) for p in (targets.manual, targets.manual, targets.criteria) if p]
    if not pools:
        return []
    pairs = list(dict.fromkeys([*wanted, *draw(st.lists(st.one_of(pools), max_size=6))]))
    entries = []
    for trial, criterion in pairs:
        offsets = draw(st.lists(st.sampled_from([-400, -30, -1, 0, 1, 30]), min_size=1, max_size=2, unique=True))
        for offset in offsets:  # distinct dates: never two contradicting results on one day
            day = today + dt.timedelta(days=offset)
            result = draw(st.sampled_from(["met", "not_met"]))
            entries.append({"trial": trial, "criterion": criterion, "result": result, "date": day.isoformat()})
    return entries


SECTIONS = INTERVAL_SECTIONS + POINT_SECTIONS


@st.composite
def record(draw: st.DrawFn, targets: Targets, anchor: st.SearchStrategy[dt.date]) -> dict[str, Any]:
    today = draw(anchor)
    density = draw(st.sampled_from([5, 30, 60, 90]))  # how full this record is, in percent

    def present() -> bool:
        return draw(st.integers(0, 99)) < density

    aims = draw(st.lists(st.sampled_from(targets.aims), max_size=3)) if targets.aims else []
    patient: dict[str, Any] = {"id": draw(st.from_regex(r"P[0-9]{1,5}", fullmatch=True))}
    if (born := draw(birth_date(today, targets))) is not None:
        patient["birth_date"] = born
    if draw(st.integers(0, 9)) < 9:
        patient["sex"] = draw(st.sampled_from(["female", "male"]))
    wanted = {name for a in aims for name in a.attributes}
    if wanted or present():
        patient["measurements"] = draw(measurements(today, targets, density, wanted))
    for section in SECTIONS:
        entry = interval_entry if section in INTERVAL_SECTIONS else point_entry
        pools = [pool for a in aims for s, pool in a.events if s == section and draw(st.booleans())]
        aimed = [draw(entry(section, today, targets, pool)) for pool in pools]
        if aimed or present():
            size = 8 if section == "conditions" else 4  # at least 4 of 11 ACR findings must be reachable
            patient[section] = draw(st.permutations(aimed + draw(st.lists(entry(section, today, targets), max_size=size))))
    aimed_plans = [draw(planned_entry(today, targets, p)) for a in aims for p in a.planned if draw(st.booleans())]
    if aimed_plans or present():
        patient["planned"] = aimed_plans + draw(st.lists(planned_entry(today, targets), max_size=3))
    manual = [(a.trial, a.criterion) for a in aims if a.manual]
    if manual or present():
        patient["assessments"] = draw(assessments(today, targets, manual))
    if present():
        patient["negatives"] = draw(st.lists(negative(targets), min_size=1, max_size=5))
    completeness = draw(st.sampled_from([0, 30, 70, 100]))
    complete = [s for s in COMPLETABLE if draw(st.integers(0, 99)) < completeness]
    if complete or draw(st.booleans()):
        patient["complete"] = complete
    return patient


# ----- the public strategies -----------------------------------------------------


def reference_dates() -> st.SearchStrategy[dt.date]:
    """Month ends, leap days and ordinary days between 2020 and 2030."""
    return st.sampled_from(INTERESTING_DATES) | st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31))


def patient_records(
    trial_modules: Iterable[ast.Module] = (), reference_date: dt.date | None = None
) -> st.SearchStrategy[dict[str, Any]]:
    """Valid patient records aimed at the edges of the given criteria, dated around `reference_date`."""
    targets = collect_targets(trial_modules)
    anchor = st.just(reference_date) if reference_date is not None else reference_dates()
    return record(targets, anchor)
