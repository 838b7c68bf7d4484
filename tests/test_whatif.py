"""What-if: each change kind, flips both ways, date shifts, criterion relaxations."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from trialogic import TrialogicError, api
from trialogic.cli import main
from trialogic.whatif import Change, whatif

TODAY = dt.date(2026, 11, 22)
TRIAL = """trial NCT00000099 "what-if" {
  include adult "Adults": age >= 18 years
  exclude scr "Scr > 250": serum_creatinine > 250 umol/L
  exclude rtx "Rituximab within 24 weeks": drug rituximab within 24 weeks
  exclude tac "Tacrolimus within 4 weeks": drug tacrolimus within 4 weeks
  exclude tb "Active tuberculosis": condition tuberculosis active
  exclude opinion "In the opinion of the investigator": manual
}
"""
RECORD: dict[str, Any] = {
    "id": "W1",
    "birth_date": "1990-01-01",
    "measurements": [{"attribute": "serum_creatinine", "value": 2.0, "unit": "mg/dL", "date": "2026-11-01"}],
    "drugs": [{"code": "rituximab", "start": "2026-01-01", "end": "2026-03-01"}],
    "conditions": [{"code": "lupus_nephritis", "start": "2024-01-01"}],
    "complete": ["drugs", "conditions"],
    "assessments": [{"trial": "NCT00000099", "criterion": "opinion", "result": "not_met", "date": "2026-11-01"}],
}


@pytest.fixture
def trials(tmp_path: Path) -> api.TrialSet:
    path = tmp_path / "w.tl"
    path.write_text(TRIAL)
    return api.load_trials([path])


def run(
    trials: api.TrialSet, *changes: tuple[str, str], later: dt.date | None = None
) -> tuple[str, str, dict[str, str]]:
    (flip,) = whatif(RECORD, [Change(o, t) for o, t in changes], trials, TODAY, later)
    return flip.before.status, flip.after.status, {new.id: new.status for _, new in flip.flipped if new}


CASES = [
    (
        "a value goes up: eligible to ineligible",
        [("--set", "serum_creatinine=300umol/L")],
        "ineligible",
        {"scr": "met"},
    ),
    ("a value in another unit", [("--set", "serum_creatinine=3.0mg/dL@2026-11-20")], "ineligible", {"scr": "met"}),
    ("a value removed", [("--unset", "serum_creatinine")], "undetermined", {"scr": "unknown"}),
    ("a condition added", [("--add-condition", "tuberculosis@2026-11-01")], "ineligible", {"tb": "met"}),
    ("a drug started", [("--start", "tacrolimus@2026-11-10")], "ineligible", {"tac": "met"}),
    ("an assessment against", [("--assess", "opinion=not_ok")], "ineligible", {"opinion": "met"}),
    ("a criterion dropped", [("--drop", "NCT00000099:adult")], "eligible", {}),
]


@pytest.mark.parametrize("name,changes,after,flipped", CASES, ids=[c[0] for c in CASES])
def test_patient_changes(trials: api.TrialSet, name: str, changes: list[tuple[str, str]], after: str,
                         flipped: dict[str, str]) -> None:  # fmt: skip
    before, got, flips = run(trials, *changes)
    assert before == "eligible"
    assert got == after
    if name == "a criterion dropped":
        (flip,) = whatif(RECORD, [Change(*changes[0])], trials, TODAY)
        assert [(old.id if old else None, new) for old, new in flip.flipped] == [("adult", None)]
    else:
        assert flips == flipped


def test_ineligible_to_eligible_by_removing_a_condition_and_stopping_a_drug(trials: api.TrialSet) -> None:
    record = {**RECORD, "conditions": [{"code": "tuberculosis", "start": "2026-10-01"}],
              "drugs": [{"code": "tacrolimus", "start": "2025-01-01"}]}  # fmt: skip
    changes = [Change("--remove-condition", "tuberculosis"), Change("--stop", "tacrolimus@2026-10-01")]
    (flip,) = whatif(record, changes, trials, TODAY)
    assert (flip.before.status, flip.after.status) == ("ineligible", "eligible")
    assert {new.id: new.status for _, new in flip.flipped if new} == {"tb": "not_met", "tac": "not_met"}


def test_a_date_shift_across_a_washout_end(trials: api.TrialSet) -> None:
    record = {**RECORD, "drugs": [{"code": "rituximab", "start": "2026-06-01", "end": "2026-07-01"}]}
    # the washout's last day is 2026-12-16; on the 17th it is over
    (last_day,) = whatif(record, [], trials, TODAY, later=dt.date(2026, 12, 16))
    (first_free,) = whatif(record, [], trials, TODAY, later=dt.date(2026, 12, 17))
    assert (last_day.before.status, last_day.after.status) == ("ineligible", "ineligible")
    assert (first_free.before.status, first_free.after.status) == ("ineligible", "eligible")


def test_relaxing_a_criterion(trials: api.TrialSet) -> None:
    record = {
        **RECORD,
        "measurements": [{"attribute": "serum_creatinine", "value": 280, "unit": "umol/L", "date": "2026-11-01"}],
    }
    (flip,) = whatif(record, [Change("--relax", "NCT00000099:scr=serum_creatinine > 300 umol/L")], trials, TODAY)
    assert (flip.before.status, flip.after.status) == ("ineligible", "eligible")


@pytest.mark.parametrize(
    "option,text,message",
    [
        ("--set", "serum_creatinin=2mg/dL", "unknown attribute 'serum_creatinin'; did you mean 'serum_creatinine'?"),
        ("--set", "serum_creatinine=2g", "'g' cannot be converted to 'umol/L'"),
        ("--stop", "tacrolimus", "the record has no tacrolimus still being taken"),
        ("--start", "rituximabb", "unknown drug code 'rituximabb'; did you mean 'rituximab'?"),
        ("--drop", "NCT00000099:nothing", "no criterion NCT00000099:nothing"),
        ("--relax", "NCT00000099:scr=serum_creatinine >", "error[E"),
        ("--assess", "opinion=maybe", "write [TRIAL:]CRITERION=ok or =not_ok"),
        ("--set", "serum_creatinine=2mg/dL@2026-02-30", "'2026-02-30' is not a date"),
    ],
)
def test_bad_changes_are_reported(trials: api.TrialSet, option: str, text: str, message: str) -> None:
    with pytest.raises(TrialogicError) as raised:
        whatif(RECORD, [Change(option, text)], trials, TODAY)
    assert message in raised.value.render()


def test_whatif_equals_editing_the_file_by_hand(trials: api.TrialSet) -> None:
    edited = json.loads(json.dumps(RECORD))
    edited["measurements"].append(
        {"attribute": "serum_creatinine", "value": 3.1, "unit": "mg/dL", "date": "2026-11-22"}
    )
    edited["drugs"].append({"code": "tacrolimus", "start": "2026-11-22"})
    (by_hand,) = api.check([api.read_patient(edited)], trials, on=TODAY)
    (flip,) = whatif(
        RECORD, [Change("--set", "serum_creatinine=3.1mg/dL"), Change("--start", "tacrolimus")], trials, TODAY
    )
    assert flip.after.status == by_hand.status
    assert [(c.id, c.status) for c in flip.after.criteria] == [(c.id, c.status) for c in by_hand.criteria]


def test_cli_whatif(tmp_path: Path) -> None:
    trial = tmp_path / "w.tl"
    trial.write_text(TRIAL)
    patient = tmp_path / "w1.yaml"
    patient.write_text(yaml.safe_dump(RECORD))
    args = ["whatif", str(patient), "--trials", str(trial), "--on", "2026-11-22", "--set", "serum_creatinine=300umol/L"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "NCT00000099: eligible → ineligible" in result.output
    assert "scr: not_met → met" in result.output
    assert "serum creatinine 300 umol/L on 2026-11-22" in result.output
    document = json.loads(CliRunner().invoke(main, [*args, "--json"]).output)
    (trial_doc,) = document["trials"]
    assert (trial_doc["before"], trial_doc["after"]) == ("eligible", "ineligible")
    assert trial_doc["flipped"][0]["after"] == {"id": "scr", "kind": "exclusion", "status": "met"}
    bad = CliRunner().invoke(main, ["whatif", str(patient), "--trials", str(trial), "--stop", "tacrolimus"])
    assert bad.exit_code == 1
    assert "--stop tacrolimus: error[W001]: the record has no tacrolimus still being taken" in bad.output
