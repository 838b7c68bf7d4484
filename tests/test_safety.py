"""The rule medical data asks for, checked on random patients: a trial is eligible only when
every criterion passes; any unknown criterion makes it undetermined, any failing one
ineligible. And a missing fact is never read as a no: taking whole sections away from a
record (with its claims of absence) never turns an undetermined or ineligible answer into
eligible, nor decides a criterion otherwise."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialogic import api
from trialogic.parser import parse_file
from trialogic.patient import TOP_LEVEL
from trialogic.resources import rules_dir

from strategies import dated_patient_records

SEED_MODULES = [parse_file(rules_dir() / "library.tl")] + [
    parse_file(p) for p in sorted((rules_dir() / "trials").glob("*.tl"))
]
SEEDS = api.load_trials()
PASSING = {"inclusion": "met", "exclusion": "not_met"}
SECTIONS = tuple(s for s in TOP_LEVEL if s not in ("id", "birth_date", "sex"))  # every section a record has


def expected_status(result: api.TrialResult) -> str:
    statuses = [(c.kind, c.status) for c in result.criteria]
    if any(status not in (PASSING[kind], "unknown") for kind, status in statuses):
        return "ineligible"
    if any(status == "unknown" for _, status in statuses):
        return "undetermined"
    return "eligible"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(dated_patient_records(SEED_MODULES), st.data())
def test_eligible_only_when_every_criterion_passes_and_less_data_never_helps(
    dated: tuple[dt.date, dict[str, Any]], data: st.DataObject
) -> None:
    today, record = dated
    (full,) = [api.read_patient(record)]
    results = api.check([full], SEEDS, on=today)
    for result in results:
        assert result.status == expected_status(result), (result.trial, [(c.id, c.status) for c in result.criteria])

    # The same record with whole sections taken away: what a record does not say is unknown.
    # A section's entries go with every claim of absence (`complete`, `negatives`), since
    # "the drug list is complete" over a list emptied here would be a new claim, not less data.
    present = [s for s in SECTIONS if record.get(s)]
    dropped = set(data.draw(st.lists(st.sampled_from(present), unique=True))) if present else set()
    if dropped:
        dropped |= {"complete", "negatives"}
    thinner = {key: value for key, value in record.items() if key not in dropped}
    if data.draw(st.booleans()):
        thinner.pop("birth_date", None)
        thinner.pop("sex", None)
    for before, after in zip(results, api.check([api.read_patient(thinner)], SEEDS, on=today), strict=True):
        # less data can only turn a decided criterion unknown, never decide it otherwise
        for full_criterion, thin_criterion in zip(before.criteria, after.criteria, strict=True):
            assert thin_criterion.status in ("unknown", full_criterion.status), (
                after.trial, thin_criterion.id, full_criterion.status, thin_criterion.status, sorted(dropped)
            )  # fmt: skip
        if after.status == "eligible":
            assert before.status == "eligible", (after.trial, sorted(dropped))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(dated_patient_records(SEED_MODULES), st.randoms(use_true_random=False))
def test_the_order_of_a_record_s_entries_does_not_matter(
    dated: tuple[dt.date, dict[str, Any]], shuffler: random.Random
) -> None:
    # A record lists results, drugs and conditions in any order: the latest result is the
    # latest by date, not the last written.
    today, record = dated
    shuffled = {key: shuffler.sample(value, len(value)) if isinstance(value, list) else value
                for key, value in record.items()}  # fmt: skip

    def outcome(source: dict[str, Any]) -> list[tuple[str, str, list[tuple[str, str]]]]:
        results = api.check([api.read_patient(source)], SEEDS, on=today)
        return [(r.trial, r.status, [(c.id, c.status) for c in r.criteria]) for r in results]

    assert outcome(shuffled) == outcome(record)
