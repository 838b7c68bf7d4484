"""Patients and vocabulary as clingo symbols. Data never becomes program text: every
name, code and id is a `clingo.String`, so no value can change the rules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from fractions import Fraction
from math import ceil, floor

from clingo import Function, Number, String, Symbol

from .dates import window_start
from .patient import GRAIN, KIND_OF_SECTION, LARGEST_ULN, Patient
from .vocabulary import Vocabulary

# clingo's Python symbol constructors cost microseconds a call, and a cohort repeats the
# same names, codes, days and small numbers: each is built once and kept. The tables are
# bounded: names come from the vocabulary and the trials, days and small numbers from a
# fixed range; a value outside it is built afresh.
_SMALL = range(-(10**6), 10**6)
_numbers: dict[int, Symbol] = {}
_strings: dict[str, Symbol] = {}
_constants: dict[str, Symbol] = {}


def number(value: int) -> Symbol:
    symbol = _numbers.get(value)
    if symbol is None:
        symbol = Number(value)
        if value in _SMALL:
            _numbers[value] = symbol
    return symbol


def string(value: str) -> Symbol:
    symbol = _strings.get(value)
    if symbol is None:
        symbol = _strings[value] = String(value)
    return symbol


def constant(name: str) -> Symbol:
    symbol = _constants.get(name)
    if symbol is None:
        symbol = _constants[name] = Function(name)
    return symbol


def day(date: dt.date) -> Symbol:
    return number(date.toordinal())


def grains(value: Fraction) -> int:
    """A scaled value in grains: exact when it is a whole number of grains, else the
    midpoint between the two thousandths around it, which compares with every threshold
    the language can write (whole at the scale, or a ULN multiple in thousandths) exactly
    as the value itself does.

    >>> grains(Fraction(2563, 10)), grains(Fraction(1, 3))
    (512600, 667)
    """
    return _grains(value.numerator, value.denominator)


def _grains(numerator: int, denominator: int) -> int:
    """`grains` of numerator/denominator (denominator > 0), in integers alone: a cohort has
    tens of thousands of values, and each Fraction operation normalises through a gcd."""
    exact, rest = divmod(numerator * GRAIN, denominator)
    if rest == 0:
        return exact
    return 2 * (numerator * (GRAIN // 2) // denominator) + 1


# A result's ratio to its upper limit of normal is compared with ULN factors of at most 20
# (E103): every ratio above 20 compares with them as 20 and a half grains more does.
LARGEST_FACTOR = 20


def ratio_grains(value: Fraction, limit: Fraction) -> int:
    """value / limit in grains (1/GRAIN), exact or the midpoint between two thousandths, which
    compares with every ULN factor (tenths, at most 20) exactly as the ratio itself does.

    >>> ratio_grains(Fraction(3075002, 10**5), Fraction(205, 10) * Fraction(3, 2))  # just above 1 × 30.75
    2001
    >>> ratio_grains(Fraction(10**8), Fraction(1, 10**4)), ratio_grains(Fraction(-5), Fraction(40))
    (40001, -1)
    """
    numerator, denominator = value.numerator * limit.denominator, value.denominator * limit.numerator
    if denominator < 0:
        numerator, denominator = -numerator, -denominator
    ratio = _grains(numerator, denominator)
    return max(-1, min(ratio, LARGEST_FACTOR * GRAIN + 1))


def fact(name: str, *arguments: Symbol) -> Symbol:
    return Function(name, list(arguments))


def vocabulary_symbols(vocabulary: Vocabulary) -> Iterator[Symbol]:
    for kind, table in sorted(vocabulary.parents.items()):
        for concept, parents in sorted(table.items()):
            for parent in parents:
                yield fact("is_a", Function(kind), String(concept), String(parent))
    yield fact("grain", Number(GRAIN))
    for attribute in sorted(vocabulary.attributes.values(), key=lambda a: a.name):
        if attribute.default_uln is not None:
            yield fact("default_uln", String(attribute.name), Number(grains(attribute.default_uln * attribute.scale)))


def attribute_symbols(vocabulary: Vocabulary) -> Iterator[Symbol]:
    """Which attributes are numbers (pairs count as two) and the values of each category, with
    each value's place in the vocabulary's list (value_order/3, from 0: the usual first)."""
    for attribute in sorted(vocabulary.attributes.values(), key=lambda a: a.name):
        if attribute.type == "numeric":
            yield fact("numeric", String(attribute.name))
        elif attribute.type == "pair":
            for component in attribute.components:
                yield fact("numeric", String(f"{attribute.name}.{component}"))
        elif attribute.type == "category":
            for place, value in enumerate(attribute.values):
                yield fact("category_value", String(attribute.name), String(value))
                yield fact("value_order", String(attribute.name), String(value), Number(place))


def range_symbols(vocabulary: Vocabulary) -> Iterator[Symbol]:
    """The values a record may hold (P008 refuses others): value_range(A,Low,High) in grains,
    descending(First,Second) for a pair whose first component is never below its second,
    and uln_range(A,Low,High): the upper limits of normal of a number, at its scale (whole:
    rounded inwards), in its range and at most LARGEST_ULN grains (P011)."""
    for attribute in sorted(vocabulary.attributes.values(), key=lambda a: a.name):
        if attribute.type == "pair" and attribute.descending:
            first, second = (f"{attribute.name}.{c}" for c in attribute.components)
            yield fact("descending", String(first), String(second))
        if attribute.type == "numeric":
            least, most = attribute.range or (Fraction(0), None)
            largest = Fraction(LARGEST_ULN, GRAIN)
            highest = largest if most is None else min(most * attribute.scale, largest)
            yield fact(
                "uln_range", String(attribute.name), Number(ceil(least * attribute.scale)), Number(floor(highest))
            )
        if attribute.range is None or attribute.type not in ("numeric", "pair"):
            continue
        low, high = (grains(bound * attribute.scale) for bound in attribute.range)
        names = (
            [f"{attribute.name}.{c}" for c in attribute.components] if attribute.type == "pair" else [attribute.name]
        )
        for name in names:
            yield fact("value_range", String(name), Number(low), Number(high))


def reference_symbols(reference: dt.date, windows: Iterable[tuple[int, str]]) -> Iterator[Symbol]:
    yield fact("ref_date", day(reference))
    yield fact("ref_earliest", day(reference))
    yield fact("ref_ymd", Number(reference.year), Number(reference.month), Number(reference.day))
    for count, unit in sorted(windows):
        window = Function("win", [Number(count), Function(unit)])
        yield fact("window_start", window, day(window_start(reference, count, unit)))


def reference_dates(dates: Iterable[dt.date], windows: Iterable[tuple[int, str]]) -> Iterator[Symbol]:
    """Candidate reference dates for repairs, with their calendar parts and window starts."""
    for date in dates:
        yield fact("candidate", day(date))
        yield fact("ymd", day(date), Number(date.year), Number(date.month), Number(date.day))
        for count, unit in sorted(windows):
            window = Function("win", [Number(count), Function(unit)])
            yield fact("window_start_at", day(date), window, day(window_start(date, count, unit)))


def patient_symbols(patient: Patient, key: Symbol, stoppable_on: dt.date | None = None) -> Iterator[Symbol]:
    """Every fact of one patient record, in a repeatable order, each led by the patient's key.

    With `stoppable_on`, drugs taken on that day (started, and open or ending after it) come as
    open_drug/5 instead of event/6, for `rules/repair.lp` to stop them or not, and entries that
    ended on a date the record lacks as undated_end/5, for it to assume a date or not.
    """

    def fact(name: str, *arguments: Symbol) -> Symbol:
        return Function(name, [key, *arguments])

    yield Function("patient", [key])
    if patient.birth_date is not None:
        birth = patient.birth_date
        yield fact("birth_ymd", number(birth.year), number(birth.month), number(birth.day))
        yield fact("birth_date", day(birth))
    if patient.sex is not None:
        yield fact("cat", string("sex"), number(0), string(patient.sex))
    for m in patient.measurements:
        if isinstance(m.value, str):
            yield fact("cat", string(m.attribute), day(m.date), string(m.value))
            continue
        date = day(m.date)
        yield fact("num", string(m.attribute), date, number(grains(m.value)))
        if m.uln is not None:  # both within the limits read_patient checks (P011)
            yield fact("uln", string(m.attribute), date, number(grains(m.uln)))
            yield fact("ratio", string(m.attribute), date, number(ratio_grains(m.value, m.uln)))
        if m.default_uln is not None:
            yield fact("default_ratio", string(m.attribute), date, number(ratio_grains(m.value, m.default_uln)))
    for index, event in enumerate(patient.events):
        end: Symbol
        if event.end is not None:
            end = day(event.end)
        else:
            end = constant("open") if event.end_known else constant("unknown")
        entry = number(index)
        taken = (  # a drug taken on the day: started by then, and open or ending after it
            stoppable_on is not None
            and event.kind == "drug"
            and event.start <= stoppable_on
            and (event.is_open or (event.end is not None and event.end > stoppable_on))
        )
        if taken:
            yield fact("open_drug", entry, string(event.code), day(event.start), end)
        elif stoppable_on is not None and event.end is None and not event.end_known:
            yield fact("undated_end", constant(event.kind), entry, string(event.code), day(event.start))
        else:
            yield fact("event", constant(event.kind), entry, string(event.code), day(event.start), end)
        yield fact("status", entry, constant(event.status))
        for change in event.dose_changes:
            yield fact("dose_change", entry, day(change))
    for planned in patient.planned:
        yield fact("planned", constant(planned.kind), string(planned.code))
    for a in patient.assessments:
        yield fact("assessed", string(a.trial), string(a.criterion), constant(a.result), day(a.date))
    for negative in patient.negatives:
        yield fact("negative", constant(negative.kind), string(negative.code))
    for section in sorted(patient.complete):
        yield fact("complete", constant(KIND_OF_SECTION.get(section, section)))
