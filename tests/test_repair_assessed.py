"""`fix` never overturns a recorded investigator assessment: a manual criterion the record
has settled blocks for good; only an unassessed one gets "obtain an assessment"."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from trialogic import api
from trialogic.cli import main
from trialogic.repair import Repair

TODAY = dt.date(2026, 11, 22)
TRIAL = "NCT00000097"
SOURCE = f"""trial {TRIAL} "manual criteria" {{
  include adult "Adults": age >= 18 years
  include suitable "Suitable for the study, in the opinion of the investigator.": manual
  exclude judgement "Judged inappropriate by the physicians.": manual
}}
"""
ADULT = {"id": "M1", "birth_date": "1980-01-01"}


def assessment(criterion: str, result: str, trial: str = TRIAL, date: str = "2026-11-18") -> dict[str, str]:
    return {"trial": trial, "criterion": criterion, "result": result, "date": date}


def repair_of(tmp_path: Path, record: dict[str, Any]) -> Repair:
    path = tmp_path / "manual.tl"
    path.write_text(SOURCE)
    (repair,) = api.fix(api.read_patient(record), api.load_trials([path]), on=TODAY)
    return repair


def assessed(repair: Repair) -> set[tuple[str, str]]:
    """(criterion, assumed result) of every assessment action in every alternative."""
    return {
        (a.data["criterion"], a.data["result"])
        for alternative in repair.alternatives
        for a in alternative.actions
        if a.kind == "assess"
    }


@pytest.mark.parametrize(
    ("criterion", "result"),
    [("judgement", "met"), ("suitable", "not_met")],
    ids=["an exclusion assessed as applying", "an inclusion assessed as not met"],
)
def test_a_recorded_assessment_that_blocks_is_not_overturned(tmp_path: Path, criterion: str, result: str) -> None:
    other = "suitable" if criterion == "judgement" else "judgement"
    favourable = "met" if other == "suitable" else "not_met"
    record = {**ADULT, "assessments": [assessment(criterion, result), assessment(other, favourable)]}
    repair = repair_of(tmp_path, record)
    assert repair.status == "ineligible"
    assert repair.alternatives == ()
    assert repair.blocked_by == (criterion,)
    assert repair.unknown_now == ()


def test_an_unassessed_manual_criterion_gets_the_action(tmp_path: Path) -> None:
    repair = repair_of(tmp_path, ADULT)
    assert repair.status == "undetermined"
    assert repair.blocked_by == ()
    assert assessed(repair) == {("suitable", "met"), ("judgement", "not_met")}


def test_only_the_unassessed_one_of_two_gets_the_action(tmp_path: Path) -> None:
    repair = repair_of(tmp_path, {**ADULT, "assessments": [assessment("suitable", "met")]})
    assert assessed(repair) == {("judgement", "not_met")}
    assert repair.eligible_on == TODAY


def test_another_trials_assessment_of_the_same_id_leaves_the_action(tmp_path: Path) -> None:
    entry = assessment("judgement", "met", trial="NCT00000096")
    repair = repair_of(tmp_path, {**ADULT, "assessments": [assessment("suitable", "met"), entry]})
    assert ("judgement", "not_met") in assessed(repair)
    assert repair.blocked_by == ()


def test_an_assessment_dated_after_the_reference_date_is_not_overturned_either(tmp_path: Path) -> None:
    """The record's own later judgement would replace an assumed one when its day came (or
    be overturned by one dated after it): no plan assumes the opposite of it."""
    later = assessment("judgement", "met", date="2026-12-01")
    repair = repair_of(tmp_path, {**ADULT, "assessments": [assessment("suitable", "met"), later]})
    assert assessed(repair) == set()
    assert repair.blocked_by == ("judgement",)
    assert repair.unknown_now == ()  # the record does say: later (not "the record must say")


def test_the_cli_reports_it_as_blocking_for_good(tmp_path: Path) -> None:
    (tmp_path / "manual.tl").write_text(SOURCE)
    record = {**ADULT, "assessments": [assessment("judgement", "met"), assessment("suitable", "met")]}
    (tmp_path / "m1.json").write_text(json.dumps(record))
    arguments = [str(tmp_path / "m1.json"), TRIAL, "--on", TODAY.isoformat(), "--trials", str(tmp_path / "manual.tl")]
    human = CliRunner().invoke(main, ["fix", *arguments])
    assert human.exit_code == 0, human.output
    assert "blocked for good by" in human.output
    assert "judgement" in human.output
    assert "investigator's assessment" not in human.output
    document = json.loads(CliRunner().invoke(main, ["fix", *arguments, "--json"]).output)
    (entry,) = document["repairs"]
    assert entry["blocked_by"] == ["judgement"]
    assert entry["unknown_now"] == []
    assert entry["alternatives"] == []


@pytest.mark.parametrize(
    ("patient", "trial", "criterion"),
    [("p13", "NCT04318600", "physician_judgement"), ("p16", "NCT01539902", "newly_diagnosed")],
)
def test_bundled_patients_with_a_blocking_assessment(patient: str, trial: str, criterion: str) -> None:
    record = Path(__file__).parent.parent / "facts" / "patients" / f"{patient}.yaml"
    (repair,) = api.fix(api.load_patients(record)[0], api.load_trials(), on=TODAY, trial_ids=[trial])
    assert repair.alternatives == ()
    assert criterion in repair.blocked_by
    assert criterion not in repair.unknown_now
