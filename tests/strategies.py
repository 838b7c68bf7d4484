"""Hypothesis strategies for random patient records (plain dicts in the docs/patients.md format).

The records are built to land on the criteria's edges: ages a day either side of a
birthday, results exactly at a threshold (in the canonical unit or another one: 3.0
mg/dL is 265.2 µmol/L), a step either side of it, results exactly at a multiple of
their ULN, dates on, before and after a window's first day and after the reference
date, open / ended / unknown-end intervals, codes anywhere in the concept hierarchies,
negatives, `complete` sections, and many sections left out.

    reference_dates()                              -> dates
    patient_records(modules, reference_date=None)  -> records (dicts)
    dated_patient_records(modules)                 -> (reference date, record) pairs

`modules` are parsed criteria files: their thresholds, ULN factors, windows, ages,
concepts and manual criteria steer the drawing. Without `reference_date` every
record draws its own anchor from `reference_dates()`, so the dates still cluster
around plausible windows.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache
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


def leaves(node: ast.Expr, defines: dict[str, ast.Define], seen: frozenset[str] = frozenset()) -> Iterator[ast.Expr]:
    """The leaves of an expression, with every defined name replaced by its definition."""
    for sub in ast.walk(node):
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
            named = concept_members(leaf.concept, sets) | {
                m for e in leaf.exceptions for m in concept_members(e.concept, sets)
            }
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
    if isinstance(operand, ast.Quantity):
        if (value := canonical(attribute, operand.number, operand.unit)) is not None:
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
        for node in ast.walk(body):
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


def day_after_or_on(day: dt.date, earliest: dt.date) -> dt.date:
    return day if day >= earliest else earliest


def unit_factor(attribute: Attribute, unit: str | None) -> Fraction:
    """How many canonical units one `unit` is."""
    return VOCABULARY.to_canonical(attribute, Fraction(1), unit) if unit else Fraction(1)


def places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def fraction_decimal(value: Fraction) -> Decimal:
    exact = exact_decimal(value, 6)
    return exact if exact is not None else decimal_of(value, 3)


def inside(attribute: Attribute, factor: Fraction) -> Decimal:
    """A value certainly within the attribute's possible range, written in the unit of `factor`."""
    low, high = attribute.range or (Fraction(0), Fraction(1000))
    for candidate in (
        exact_decimal(low / factor),
        exact_decimal(high / factor),
        decimal_of((low + high) / 2 / factor, 3),
    ):
        if candidate is not None and in_range(attribute, Fraction(candidate) * factor):
            return candidate
    raise AssertionError(f"no writable value for {attribute.name}")


@cache
def integers(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


SECTIONS = INTERVAL_SECTIONS + POINT_SECTIONS
RESULTS = [a for a in VOCABULARY.attributes.values() if a.type != "age" and a.name != "sex"]  # sex is a field


# ----- drawing one record --------------------------------------------------------


class Choices:
    """Every choice goes through `pick` / `integer` / `chance` (one cached integer strategy
    each), which keeps drawing fast and shrinking simple (toward each `pick`'s first option)."""

    def __init__(self, draw: st.DrawFn):
        self.draw = draw

    def integer(self, low: int, high: int) -> int:
        return self.draw(integers(low, high))

    def pick(self, options: Sequence[Any]) -> Any:
        return options[self.integer(0, len(options) - 1)]

    def chance(self, percent: int) -> bool:
        return self.integer(0, 99) < percent


class Drawer(Choices):
    """Draws the parts of one record."""

    def __init__(self, draw: st.DrawFn, targets: Targets, today: dt.date):
        super().__init__(draw)
        self.targets = targets
        self.today = today
        self.windows = targets.windows + TYPICAL_WINDOWS

    # -- primitives
    def some(self, most: int, item: Callable[[], Any]) -> list[Any]:
        return [item() for _ in range(self.integer(0, most))]

    # -- dates
    def date_near(self) -> dt.date:
        """A date on, just before or just after a window's start or R, anywhere in the last years, or after R."""
        anchor = self.pick(["window", "window", "today", "past", "future"])
        if anchor == "window":
            base = window_start(self.today, self.pick(self.windows))
        elif anchor == "today":
            base = self.today
        elif anchor == "past":
            base = self.today - dt.timedelta(days=self.integer(0, 4000))
        else:
            base = self.today + dt.timedelta(days=self.integer(1, 60))
        offset = self.pick([-1, 0, 0, 1]) if self.chance(70) else self.integer(-40, 40)
        return base + dt.timedelta(days=offset)

    def birth_date(self) -> str | None:
        mode = self.pick(["boundary", "boundary", "boundary", "random", "missing"])
        if mode == "missing":
            return None
        if mode == "random":
            return (self.today - dt.timedelta(days=self.integer(0, 95 * 366))).isoformat()
        count, unit = self.pick(sorted(self.targets.ages | set(TYPICAL_AGES)))
        unit = unit.rstrip("s")
        if unit == "year":
            birthday = months_before(self.today, 12 * count)
        elif unit == "month":
            birthday = months_before(self.today, count)
        else:
            birthday = self.today - dt.timedelta(days=count * (7 if unit == "week" else 1))
        offset = self.pick([-1, 0, 1]) if self.chance(70) else self.integer(-400, 400)
        return min(birthday + dt.timedelta(days=offset), self.today).isoformat()

    # -- measurements
    def thresholds(self, name: str) -> list[Fraction]:
        found = {Fraction(Decimal(t)) for t in TYPICAL.get(name, [])} | self.targets.thresholds.get(name, set())
        return sorted(found)

    def numeric_value(self, attribute: Attribute, name: str, unit: str | None) -> Decimal:
        """A value written in `unit`, near one of the thresholds (often exactly on it), within range."""
        factor = unit_factor(attribute, unit)
        thresholds = self.thresholds(name)
        low, high = attribute.range or (Fraction(0), Fraction(1000))
        if thresholds and self.chance(80):
            target = self.pick(thresholds) / factor
            exact = exact_decimal(target)
            base = exact if exact is not None and self.chance(50) else decimal_of(target, self.integer(0, 3))
            step = Decimal(1).scaleb(-(places(base) + self.integer(0, 1)))
            value = base + step * self.pick([-1, 0, 0, 1])
        else:
            share = Fraction(self.integer(0, 10_000), 10_000)
            value = decimal_of((low + share * (high - low)) / factor, self.integer(0, 3))
        return value if in_range(attribute, Fraction(value) * factor) else inside(attribute, factor)

    def uln_candidates(self, attribute: Attribute) -> list[Fraction]:
        found = {Fraction(Decimal(u)) for u in TYPICAL_ULNS.get(attribute.name, [])}
        if attribute.default_uln is not None:
            found.add(attribute.default_uln)
        return sorted(found or set(self.thresholds(attribute.name)) or {Fraction(1)})

    def uln_fields(self, attribute: Attribute, unit: str | None) -> tuple[dict[str, Any], Decimal | None]:
        """A result's `uln` / `reference_range` fields, and a value at (or beside) a multiple of that ULN."""
        factor = unit_factor(attribute, unit)
        mode = self.pick(["uln", "uln", "range", "none"])
        if mode == "none":
            if attribute.default_uln is None:
                return {}, None
            uln = fraction_decimal(attribute.default_uln / factor)
        else:
            uln = fraction_decimal(self.pick(self.uln_candidates(attribute)) / factor)
        if uln <= 0 or not in_range(attribute, Fraction(uln) * factor):
            return {}, None
        fields: dict[str, Any] = {}
        if mode == "uln":
            fields["uln"] = number(uln)
        elif mode == "range":
            fields["reference_range"] = [number(uln / 4), number(uln)]
        multiples = sorted(self.targets.uln_factors | {Fraction(Decimal(f)) for f in TYPICAL_ULN_FACTORS})
        multiple = fraction_decimal(self.pick(multiples))
        value = multiple * uln + Decimal(self.pick(["1", "0.5", "0.01"])) * self.pick([-1, 0, 0, 1])
        return fields, value if in_range(attribute, Fraction(value) * factor) else None

    def measurement(self, attribute: Attribute, day: dt.date) -> dict[str, Any]:
        entry: dict[str, Any] = {"attribute": self.pick([attribute.name, attribute.name, *attribute.synonyms])}
        if attribute.type == "category":
            entry["value"] = self.pick(attribute.values)
        elif attribute.type == "pair":
            unit = self.pick(UNITS.get(attribute.name) or [attribute.unit])
            parts = [self.numeric_value(attribute, f"{attribute.name}.{c}", unit) for c in attribute.components]
            if attribute.descending:  # systolic/diastolic: the first is never the lower
                parts.sort(reverse=True)
            entry["value"] = "/".join(str(p) for p in parts)
            entry["unit"] = unit
        else:
            unit = self.pick(UNITS.get(attribute.name) or [attribute.unit])
            value = self.numeric_value(attribute, attribute.name, unit)
            wants_uln = attribute.name in self.targets.uln_attributes or attribute.default_uln is not None
            if wants_uln and self.chance(75):
                fields, at_multiple = self.uln_fields(attribute, unit)
                entry.update(fields)
                if at_multiple is not None and self.chance(50):
                    value = at_multiple
            entry["value"] = number(value)
            if unit is not None:
                entry["unit"] = unit
        entry["date"] = day.isoformat()
        return entry

    def measurements(self, density: int, wanted: set[str]) -> list[dict[str, Any]]:
        entries = []
        for attribute in RESULTS:
            if attribute.name in wanted or self.chance(density):
                days = sorted({self.date_near() for _ in range(self.integer(1, 3))})
                entries += [self.measurement(attribute, day) for day in days]
        order = [self.integer(0, 1000) for _ in entries]  # records list results in any order
        return [entry for _, _, entry in sorted(zip(order, range(len(entries)), entries, strict=True))]

    # -- events
    def code(self, kind: str, pool: Sequence[str] = ()) -> str:
        if pool:
            return str(self.pick(pool))
        named = sorted(self.targets.concepts.get(kind, set()))
        return str(self.pick(named if named and self.chance(60) else sorted(VOCABULARY.concepts(kind))))

    def interval_entry(self, section: str, pool: Sequence[str] = ()) -> dict[str, Any]:
        start = self.date_near()
        entry: dict[str, Any] = {"code": self.code(KIND_OF_SECTION[section], pool), "start": start.isoformat()}
        open_status, ended_status = ("active", "resolved") if section == "conditions" else ("ongoing", "stopped")
        shape = self.pick(["open", "ended", "ended", "unknown_end"])
        if shape == "open":
            if self.chance(50):
                entry["status"] = open_status
        elif shape == "ended":
            if self.chance(50):
                end = start + dt.timedelta(days=self.integer(0, 400))
            else:
                end = day_after_or_on(self.date_near(), start)
            entry["end"] = end.isoformat()
            if self.chance(50):
                entry["status"] = ended_status
        else:
            entry["status"] = ended_status
        if section == "drugs" and self.chance(50):
            changes = {day_after_or_on(self.date_near(), start) for _ in range(self.integer(0, 3))}
            last = dt.date.fromisoformat(entry["end"]) if "end" in entry else dt.date.max
            entry["dose_changes"] = sorted(d.isoformat() for d in changes if d <= last)
        return entry

    def point_entry(self, section: str, pool: Sequence[str] = ()) -> dict[str, Any]:
        return {"code": self.code(KIND_OF_SECTION[section], pool), "date": self.date_near().isoformat()}

    def entry(self, section: str, pool: Sequence[str] = ()) -> dict[str, Any]:
        if section in INTERVAL_SECTIONS:
            return self.interval_entry(section, pool)
        return self.point_entry(section, pool)

    def negative(self) -> dict[str, Any]:
        kind = self.pick(EVENT_KINDS)
        named = sorted(self.targets.negatable.get(kind, set()))
        code = self.pick(named) if named and self.chance(60) else self.code(kind)
        return {"kind": kind, "code": code}

    def planned(self, wanted: tuple[str, Sequence[str]] | None = None) -> dict[str, Any]:
        kind, pool = wanted if wanted is not None else (self.pick(EVENT_KINDS), ())
        entry: dict[str, Any] = {"kind": kind, "code": self.code(kind, pool)}
        if self.chance(50):
            entry["date"] = (self.today + dt.timedelta(days=self.integer(-30, 200))).isoformat()
        return entry

    def assessments(self, wanted: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
        """Assessments of manual criteria (of others a record is refused, P013), and now and
        then of a trial not in the run, which nothing reads."""
        pools = [p for p in (self.targets.manual, [("NCT99999999", "elsewhere")]) if p]
        pairs = list(dict.fromkeys([*wanted, *self.some(6, lambda: self.pick(self.pick(pools)))]))
        entries = []
        for trial, criterion in pairs:
            offsets = sorted({self.pick([-400, -30, -1, 0, 1, 30]) for _ in range(self.integer(1, 2))})
            for offset in offsets:  # distinct dates: never two contradicting results on one day
                day = self.today + dt.timedelta(days=offset)
                result = self.pick(["met", "not_met"])
                entries.append({"trial": trial, "criterion": criterion, "result": result, "date": day.isoformat()})
        return entries

    # -- the record
    def record(self) -> dict[str, Any]:
        density = self.pick([5, 30, 60, 90])  # how full this record is, in percent
        aims = self.some(3, lambda: self.pick(self.targets.aims)) if self.targets.aims else []
        patient: dict[str, Any] = {"id": f"P{self.integer(0, 99999)}"}
        if (born := self.birth_date()) is not None:
            patient["birth_date"] = born
        if self.chance(90):
            patient["sex"] = self.pick(["female", "male"])
        wanted = {name for a in aims for name in a.attributes}
        if wanted or self.chance(density):
            patient["measurements"] = self.measurements(density, wanted)
        for section in SECTIONS:
            # A record aimed at a criterion holds, half of the time each, an entry for each event it names.
            pools = [pool for a in aims for s, pool in a.events if s == section and self.chance(50)]
            aimed = [self.entry(section, pool) for pool in pools]
            if aimed or self.chance(density):
                most = 8 if section == "conditions" else 4  # 4 of the 11 ACR findings must be reachable
                patient[section] = aimed + self.some(most, lambda s=section: self.entry(s))
        aimed_plans = [self.planned(p) for a in aims for p in a.planned if self.chance(50)]
        if aimed_plans or self.chance(density):
            patient["planned"] = aimed_plans + self.some(3, self.planned)
        manual = [(a.trial, a.criterion) for a in aims if a.manual]
        if manual or self.chance(density):
            patient["assessments"] = self.assessments(manual)
        if self.chance(density):
            # a negative says "never": none may cover a code the record holds (read_patient's P009)
            held = {
                (KIND_OF_SECTION[section], above)
                for section in SECTIONS
                for entry in patient.get(section, [])
                for above in VOCABULARY.ancestors(KIND_OF_SECTION[section], entry["code"])
            }
            negatives = [self.negative() for _ in range(self.integer(1, 5))]
            patient["negatives"] = [n for n in negatives if (n["kind"], n["code"]) not in held]
        completeness = self.pick([0, 30, 70, 100])
        complete = [s for s in COMPLETABLE if self.chance(completeness)]
        if complete or self.chance(50):
            patient["complete"] = complete
        return patient


@st.composite
def record(draw: st.DrawFn, targets: Targets, anchor: st.SearchStrategy[dt.date]) -> dict[str, Any]:
    return Drawer(draw, targets, draw(anchor)).record()


@st.composite
def dated_record(draw: st.DrawFn, targets: Targets) -> tuple[dt.date, dict[str, Any]]:
    today = draw(reference_dates())
    return today, Drawer(draw, targets, today).record()


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


def dated_patient_records(
    trial_modules: Iterable[ast.Module] = (),
) -> st.SearchStrategy[tuple[dt.date, dict[str, Any]]]:
    """(reference date, record dated around it) pairs."""
    return dated_record(collect_targets(trial_modules))
