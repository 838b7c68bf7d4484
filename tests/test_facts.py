"""Values in grains (src/trialogic/facts.py), checked against their definition with Fractions."""

from __future__ import annotations

from fractions import Fraction
from math import floor

from hypothesis import given, settings
from hypothesis import strategies as st

from trialogic.facts import LARGEST_FACTOR, grains, ratio_grains
from trialogic.patient import GRAIN

VALUES = st.fractions(min_value=-(10**9), max_value=10**9, max_denominator=10**7)
LIMITS = st.fractions(min_value=Fraction(1, 10**4), max_value=10**7, max_denominator=10**5)


def defined(value: Fraction) -> int:
    """Exact when the value is a whole number of grains, else the odd number of half
    thousandths between the two thousandths around it."""
    scaled = value * GRAIN
    return int(scaled) if scaled.denominator == 1 else 2 * floor(value * (GRAIN // 2)) + 1


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_grains_is_exact_or_the_midpoint_between_thousandths(value: Fraction) -> None:
    assert grains(value) == defined(value)


@settings(max_examples=300, deadline=None)
@given(VALUES, LIMITS)
def test_a_ratio_in_grains_is_that_of_the_quotient_within_the_factors(value: Fraction, limit: Fraction) -> None:
    assert ratio_grains(value, limit) == max(-1, min(defined(value / limit), LARGEST_FACTOR * GRAIN + 1))
