"""Reading a record's numbers without Decimal (patient.exact_ratio, vocabulary.Conversion)
gives exactly what Fraction(Decimal(str(raw).strip())) gives: the same values, and the same
inputs refused with the same diagnostics. Infinities, NaN and sizes past 1e±30 are refused.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from trialogic import TrialogicError
from trialogic.patient import LARGEST_EXPONENT, _Reader, exact_ratio, read_patient
from trialogic.vocabulary import load_vocabulary

VOCABULARY = load_vocabulary()
REFUSED = "P003"  # what the reader reports for a value that is not a number
OUT_OF_RANGE = "out of range"  # a number too large or too small to read

DIGITS = st.text(alphabet="0123456789", max_size=8)
SPACE = st.text(alphabet=" \t\n\u00a0\u2003", max_size=2)
EXPONENT = st.tuples(st.sampled_from("eE"), st.sampled_from(["", "+", "-"]), st.integers(0, 99999)).map(
    lambda parts: f"{parts[0]}{parts[1]}{parts[2]}"
)
DECIMAL_TEXT = st.tuples(
    SPACE,
    st.sampled_from(["", "+", "-"]),
    DIGITS,
    st.one_of(st.just(""), DIGITS.map(lambda digits: "." + digits)),
    st.one_of(st.just(""), EXPONENT),
    SPACE,
).map("".join)
ODD_TEXT = st.text(alphabet="0123456789.eE+-_ /,infINFaNsx\u0663\u00b2", max_size=10)
RAW = st.one_of(
    st.integers(-(10**30), 10**30),
    st.floats(),
    DECIMAL_TEXT,
    ODD_TEXT,
    st.text(max_size=6),
    st.decimals(),
    st.none(),
    st.booleans(),
    st.lists(st.integers(), max_size=2),
)


def reference(raw: Any) -> Fraction | str:
    """The number read through Decimal: REFUSED when it is not a finite number, OUT_OF_RANGE
    when its size is past 1e±30 (checked before Fraction builds its digits)."""
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
        return REFUSED
    if not str(raw).strip().isascii():  # digits of other scripts are refused, as --set refuses them
        return REFUSED
    try:
        decimal = Decimal(str(raw).strip())
    except InvalidOperation:
        return REFUSED
    if not decimal.is_finite():
        return REFUSED
    if decimal and not -LARGEST_EXPONENT - 1 <= decimal.adjusted() <= LARGEST_EXPONENT:
        return OUT_OF_RANGE
    value = Fraction(decimal)
    if value and not Fraction(1, 10**LARGEST_EXPONENT) <= abs(value) <= 10**LARGEST_EXPONENT:
        return OUT_OF_RANGE
    return value


def fast(raw: Any) -> Fraction | str:
    """What the reader makes of `raw`: exact_ratio and its size check, or the diagnostic."""
    reader = _Reader("p.yaml", VOCABULARY)
    ratio = reader.number(raw, "value")
    if ratio is None:
        (diagnostic,) = reader.problems
        assert diagnostic.code == REFUSED
        return OUT_OF_RANGE if OUT_OF_RANGE in diagnostic.message else REFUSED
    assert ratio == exact_ratio(raw)
    numerator, denominator = ratio
    assert type(numerator) is int and type(denominator) is int and denominator > 0
    return Fraction(numerator, denominator)


def outcome(read: Any, raw: Any) -> Fraction | str:
    try:
        value: Fraction | str = read(raw)
    except Exception as e:  # which exception is part of the outcome compared
        return f"raises {type(e).__name__}"
    return value


@settings(max_examples=2000, deadline=None)
@given(RAW)
@example(0.1)
@example(-0.0)
@example(1e16)
@example(5e-324)
@example(" 1e3 ")
@example("-.5")
@example("5.")
@example("1.e2")
@example(".")
@example("e5")
@example("1e")
@example("1_000")
@example("\u0661\u0662")  # Arabic-Indic digits: Decimal reads them
@example("\u00b2")  # a superscript two: str.isdigit says yes, Decimal says no
@example("1e99999")
@example("1e-99999")
@example("9" * 120)
@example("1" * 5000)  # past int()'s default digit limit, not Decimal's
@example(float("inf"))
@example("-Infinity")
@example(float("nan"))
@example("sNaN")
@example(Decimal("1.50E+3"))
@example(True)
@example(b"12")
def test_exact_ratio_is_the_decimal_reading(raw: Any) -> None:
    assert outcome(fast, raw) == outcome(reference, raw)


WEIGHT = VOCABULARY.attribute("weight")


def record(raw: Any, unit: str) -> dict[str, Any]:
    measurement = {"attribute": "weight", "value": raw, "unit": unit, "date": "2026-11-01"}
    return {"id": "P1", "measurements": [measurement]}


def base_hint(raw: Any) -> str:
    """The hint added for a number written in another base (0x1F, 0b101, 0o17), which Python's
    own literal syntax reads (not for digits of other scripts, \u0663, which int() also
    reads), or with a decimal comma (1,5; 1,500 may be a thousands separator)."""
    text = str(raw).strip()
    if not text.isascii():
        return ""
    try:
        return f"; write the number in decimal: {int(text, 0)}"
    except ValueError:
        pass
    whole, comma, tail = text.partition(",")
    if comma and tail.isdigit() and whole.lstrip("+-").isdigit() and whole[1:].lstrip("+-") == whole[1:]:
        if len(tail) == 3:
            return f"; write {whole}{tail} or {whole}.{tail}, whichever is meant (no separators, a decimal point)"
        return f"; write the decimal point as '.': {whole}.{tail}"
    return ""


@settings(max_examples=500, deadline=None)
@given(
    st.one_of(st.integers(-10, 10**7), st.floats(-10, 10**7), DECIMAL_TEXT, ODD_TEXT),
    st.sampled_from(["kg", "g", "lb"]),
)
@example("0x0", "kg")  # another base: the message says how to write it
@example("0b_1", "g")
@example("1,5", "kg")  # a decimal comma
@example("-2,500", "g")
@example("1,5,0", "kg")
def test_a_result_is_stored_or_refused_as_before(raw: Any, unit: str) -> None:
    assert WEIGHT is not None and WEIGHT.range is not None
    expected = outcome(reference, raw)
    try:
        patient = read_patient(record(raw, unit), "p.yaml", VOCABULARY)
    except TrialogicError as e:
        got = [(d.code, d.field, d.message) for d in e.diagnostics]
        if expected == REFUSED:
            assert got == [(REFUSED, "measurements[0].value", f"{raw!r} is not a number{base_hint(raw)}")]
        elif expected == OUT_OF_RANGE:
            assert [(code, field) for code, field, _ in got] == [(REFUSED, "measurements[0].value")]
            assert f"{raw!r} is out of range" in got[0][2]
        else:
            assert isinstance(expected, Fraction)
            canonical = VOCABULARY.to_canonical(WEIGHT, expected, unit)
            assert not WEIGHT.range[0] <= canonical <= WEIGHT.range[1]
            assert [(code, field) for code, field, _ in got] == [("P008", "measurements[0].value")]
            assert got[0][2].endswith(" is impossible for body weight (possible: 0.5 to 500 kg)")
        return
    assert isinstance(expected, Fraction)
    (stored,) = patient.measurements
    assert stored.value == VOCABULARY.to_canonical(WEIGHT, expected, unit) * WEIGHT.scale
    assert type(stored.value) is Fraction and stored.date == dt.date(2026, 11, 1)


@pytest.mark.parametrize(
    ("value", "unit"),
    [("150/95", "mmHg"), ("150.5/ 95", "mmHg"), (" 12.5e1/9.5E1 ", "mmHg"), ("20/13.3", "kPa"), ("150/x", "mmHg")],
)
def test_both_halves_of_a_pair(value: str, unit: str) -> None:
    attribute = VOCABULARY.attribute("blood_pressure")
    assert attribute is not None
    entry = {"attribute": "blood_pressure", "value": value, "unit": unit, "date": "2026-11-01"}
    halves = [reference(part) for part in value.split("/")]
    if REFUSED in halves:
        with pytest.raises(TrialogicError, match="'x' is not a number"):
            read_patient({"id": "P1", "measurements": [entry]}, "p.yaml", VOCABULARY)
        return
    patient = read_patient({"id": "P1", "measurements": [entry]}, "p.yaml", VOCABULARY)
    expected = [VOCABULARY.to_canonical(attribute, half, unit) * attribute.scale for half in halves]
    assert [m.value for m in patient.measurements] == expected
