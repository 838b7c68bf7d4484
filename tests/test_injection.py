"""Patient data reaches clingo only as symbols: no id or string can change the rules."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from trialogic import api

HOSTILE = '"). #show. :- x. trial_status("NCT00000099",eligible). %'
TRIAL = """trial NCT00000099 "t" {
  include adult "Adults": age >= 18 years
  exclude opinion "Investigator's opinion": manual
}
"""


def statuses(patient_id: str, assessed_trial: str, tmp_path: Path) -> list[tuple[str, tuple[str, ...]]]:
    path = tmp_path / "t.tl"
    path.write_text(TRIAL)
    patient = api.read_patient(
        {
            "id": patient_id,
            "birth_date": "2015-01-01",
            "assessments": [{"trial": assessed_trial, "criterion": HOSTILE, "result": "not_met", "date": "2026-11-01"}],
        }
    )
    results = api.check([patient], api.load_trials([path]), on=dt.date(2026, 11, 22))
    return [(r.status, tuple(c.status for c in r.criteria)) for r in results]


def test_hostile_strings_change_nothing(tmp_path: Path) -> None:
    plain = statuses("P1", "NCT00000099", tmp_path)
    hostile = statuses(HOSTILE, HOSTILE, tmp_path)
    assert plain == [("ineligible", ("not_met", "unknown"))]
    assert hostile == plain


def test_hostile_criterion_text_compiles_to_a_comment_and_a_string(tmp_path: Path) -> None:
    path = tmp_path / "t.tl"
    path.write_text('trial NCT00000099 "t" {\n  include adult "a \\" ). #show. :- x.": age >= 18 years\n}\n')
    trials = api.load_trials([path])
    patient = api.read_patient({"id": "P1", "birth_date": "1990-01-01"})
    (result,) = api.check([patient], trials, on=dt.date(2026, 11, 22))
    assert result.status == "eligible"
    assert result.criteria[0].text == 'a " ). #show. :- x.'
