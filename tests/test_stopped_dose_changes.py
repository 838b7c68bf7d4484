"""A drug stopped on a date the record lacks, with a recorded dose change: it was taken on
the day of the change, so the change decides what its start alone leaves open — `check`
(and the reference evaluator), `why` and `fix` alike. The window of 12 weeks before
2026-11-22 opens on 2026-08-30; the drug started long before it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from test_fix import ends
from trialogic import api
from trialogic.parser import parse_file
from trialogic.vocabulary import load_vocabulary

from oracle import evaluate

TODAY = dt.date(2026, 11, 22)
INSIDE, AFTER, BEFORE = "2026-10-01", "2026-12-10", "2026-06-01"  # the window: 2026-08-30 to 2026-11-22
ON = TODAY.isoformat()  # a change today: it ended today (or later, the record written later)


def stopped(change: str) -> dict[str, Any]:
    """Tacrolimus from 2026-01-01, stopped on an unknown date, its dose changed on `change`."""
    return {
        "id": "S1",
        "drugs": [{"code": "tacrolimus", "start": "2026-01-01", "status": "stopped", "dose_changes": [change]}],
        "complete": ["drugs"],
    }


def load(tmp_path: Path, kind: str, criterion: str) -> tuple[Path, api.TrialSet]:
    path = tmp_path / "t.tl"
    path.write_text(f'trial NCT00000099 "stopped" {{\n  {kind} k "x": {criterion}\n}}\n')
    return path, api.load_trials([path])


CASES = [  # the dose change's day, the criterion, its status for an inclusion and an exclusion
    (INSIDE, "drug tacrolimus within 12 weeks", "met"),
    (AFTER, "drug tacrolimus within 12 weeks", "met"),
    (BEFORE, "drug tacrolimus within 12 weeks", "unknown"),  # it may have ended before the window
    (AFTER, "drug tacrolimus active", "met"),
    (INSIDE, "drug tacrolimus active", "unknown"),  # it may have ended before 2026-11-22
    (AFTER, "drug immunosuppressant except tacrolimus [stopped]", "met"),  # still ongoing on R
    (INSIDE, "drug immunosuppressant except tacrolimus [stopped]", "unknown"),
    (AFTER, "dose_change tacrolimus within 4 weeks", "not_met"),  # it stopped after R: not inside
    (BEFORE, "dose_change tacrolimus within 4 weeks", "unknown"),  # it may have stopped inside
]


@pytest.mark.parametrize("kind", ["include", "exclude"])
@pytest.mark.parametrize("change, criterion, status", CASES)
def test_check_and_the_reference_evaluator_read_the_dose_change(
    tmp_path: Path, kind: str, change: str, criterion: str, status: str
) -> None:
    path, trials = load(tmp_path, kind, criterion)
    patient = api.read_patient(stopped(change))
    (result,) = api.check([patient], trials, on=TODAY)
    assert [c.status for c in result.criteria] == [status]
    blocks = status == ("not_met" if kind == "include" else "met")
    assert result.status == ("undetermined" if status == "unknown" else "ineligible" if blocks else "eligible")
    oracle = evaluate([parse_file(path)], patient, TODAY, load_vocabulary())
    assert oracle["NCT00000099"] == (result.status, {"k": status})


@pytest.mark.parametrize(
    "change, criterion",
    [(INSIDE, "drug tacrolimus within 12 weeks"), (AFTER, "drug tacrolimus within 12 weeks"),
     (AFTER, "drug tacrolimus active"), (AFTER, "drug immunosuppressant except tacrolimus [stopped]")],
)  # fmt: skip
def test_why_names_the_dose_change_that_shows_the_drug_was_taken(tmp_path: Path, change: str, criterion: str) -> None:
    _, trials = load(tmp_path, "exclude", criterion)
    (explanation,) = api.why(api.read_patient(stopped(change)), trials, on=TODAY)
    (part,) = [c.part for c in explanation.criteria]
    facts = part.all_evidence()
    assert [f.data["fact"] for f in facts] == ["entry", "taken"]
    assert facts[0].data["matched"] == "yes"
    assert facts[1].text == f"the dose change of tacrolimus on {change} (drugs[0]) shows it was still taken then"
    assert (facts[1].data["date"], facts[1].data["field"]) == (change, "drugs[0]")
    assert part.all_missing() == []


def test_why_still_asks_for_the_end_when_the_change_is_before_the_window(tmp_path: Path) -> None:
    _, trials = load(tmp_path, "exclude", "drug tacrolimus within 12 weeks")
    (explanation,) = api.why(api.read_patient(stopped(BEFORE)), trials, on=TODAY)
    (part,) = [c.part for c in explanation.criteria]
    assert [(f.data["fact"], f.data["matched"]) for f in part.all_evidence()] == [("entry", "maybe")]
    assert [f.data["missing"] for f in part.all_missing()] == ["end_date"]


@pytest.mark.parametrize(
    "change, criterion", [(INSIDE, "drug tacrolimus within 12 weeks"), (AFTER, "drug tacrolimus active")]
)
def test_fix_asks_nothing_where_the_dose_change_meets_an_inclusion(tmp_path: Path, change: str, criterion: str) -> None:
    """Once asked to document when the drug stopped (on or after a day past the change, and to
    wait for the window to reach it), or said the record must give the end."""
    _, trials = load(tmp_path, "include", criterion)
    (repair,) = api.fix(api.read_patient(stopped(change)), trials, on=TODAY)
    assert (repair.status, repair.blocked_by) == ("eligible", ())
    assert [a.kind for alternative in repair.alternatives for a in alternative.actions] == []


@pytest.mark.parametrize("change", [INSIDE, AFTER, BEFORE, ON])
def test_fix_never_assumes_an_exclusion_s_drug_stopped_before_its_dose_change(tmp_path: Path, change: str) -> None:
    """Inside the window, today, or after today (the record was written later: the drug was
    taken through today), the change makes the exclusion met today: the plans wait until the window
    no longer reaches it, and only then assume the drug stopped before the window (never
    before the change; never "blocked for good"); before the window, that assumption alone does."""
    _, trials = load(tmp_path, "exclude", "drug tacrolimus within 12 weeks")
    record = stopped(change)
    (repair,) = api.fix(api.read_patient(record), trials, on=TODAY)
    assert repair.status == ("undetermined" if change == BEFORE else "ineligible")
    assert repair.blocked_by == ()
    if change != BEFORE:  # the earliest: the first day the 84-day window opens after the change
        assert repair.eligible_on == dt.date.fromisoformat(change) + dt.timedelta(days=85)
    assert repair.alternatives
    day = dt.date.fromisoformat(change)
    for alternative in repair.alternatives:
        assert alternative.eligible_on - dt.timedelta(weeks=12) > day  # the window then opens after the change
        (assumed,) = [a for a in alternative.actions if a.kind == "end_date"]
        assert dt.date.fromisoformat(assumed.data.get("on_or_after", change)) >= day
        for changed, on in ends(record, alternative):
            (result,) = api.check([api.read_patient(changed)], trials, on=on)
            assert result.status == "eligible", (alternative, changed)
