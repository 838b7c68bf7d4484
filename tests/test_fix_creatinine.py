"""fix may obtain a serum creatinine to decide a creatinine clearance computed from it by
Cockcroft–Gault (rules/derived.lp), with the assumed creatinine on the right side of the
criterion's threshold: each checked here against the formula worked by hand."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from test_fix import apply, trial_file
from trialogic import api, repair
from trialogic.cli import main
from trialogic.explain import decimal_text
from trialogic.resources import facts_dir

TODAY = dt.date(2026, 11, 22)
FACTOR = {"male": Fraction("1.23"), "female": Fraction("1.04")}


def clearance(creatinine: Fraction, weight: Fraction, age: int, sex: str) -> Fraction:
    """Cockcroft–Gault in mL/min, from a creatinine in µmol/L and a weight in kg."""
    return (140 - age) * weight * FACTOR[sex] / creatinine


def assumed_creatinine(alternative: Any) -> Fraction:
    """The serum creatinine a plan of one renal panel assumes, in µmol/L."""
    (action,) = alternative.actions
    assert action.data["test"] == "renal_panel"
    (result,) = action.data["results"]
    assert (result["attribute"], result["unit"]) == ("serum_creatinine", "umol/L")
    assert action.text.endswith(f"assumed result: serum_creatinine {result['value']} umol/L")
    return Fraction(result["value"])


def p02_without_creatinine() -> dict[str, Any]:
    """P02 (eligible for NCT03580291 with her creatinine of 98 µmol/L) without it: her
    clearance is unknown, and so is her creatinine against 265.2 µmol/L."""
    record = yaml.safe_load((facts_dir() / "patients" / "p02.yaml").read_text(encoding="utf-8"))
    record["measurements"] = [m for m in record["measurements"] if m["attribute"] != "serum_creatinine"]
    return record


def test_a_serum_creatinine_alone_decides_nct03580291_kidney_criterion(tmp_path: Path) -> None:
    record = p02_without_creatinine()
    trials = api.load_trials()
    (repair,) = api.fix(api.read_patient(record), trials, on=TODAY, trial_ids="NCT03580291")
    assert repair.status == "undetermined"
    # one test, not a renal panel and a measured clearance
    (alternative,) = repair.alternatives
    assert alternative.eligible_on == TODAY
    creatinine = assumed_creatinine(alternative)
    # born 2000-03-02: 26 on 2026-11-22; 58.5 kg; a woman
    assert clearance(creatinine, Fraction("58.5"), 26, "female") >= 30 and creatinine < Fraction("265.2")
    # on the threshold's side, to the unit of the record's scale (0.1 µmol/L): the largest
    # creatinine keeping the clearance at 30 mL/min or more, or the one below it
    tenths = (Fraction(c, 10) for c in range(1, 3000))
    largest = max(c for c in tenths if clearance(c, Fraction("58.5"), 26, "female") >= 30)
    assert largest - Fraction(1, 10) <= creatinine <= largest
    changed, on = apply(record, alternative, trial="NCT03580291")
    (result,) = (r for r in api.check([api.read_patient(changed)], trials, on=on) if r.trial == "NCT03580291")
    assert result.status == "eligible"
    # and the command says so, in words and in JSON
    patient = tmp_path / "p02.yaml"
    patient.write_text(yaml.safe_dump(record))
    args = ["fix", str(patient), "NCT03580291", "--on", TODAY.isoformat()]
    human = CliRunner().invoke(main, args)
    assert human.exit_code == 0, human.output
    # (the value as a record writes it: a decimal, 231.1, whichever of the two is assumed)
    assert f"obtain a renal panel — assumed result: serum_creatinine {decimal_text(creatinine)} umol/L" in " ".join(
        human.output.split()
    )
    document = CliRunner().invoke(main, [*args, "--json"])
    ((action,),) = [a["actions"] for a in json.loads(document.output)["repairs"][0]["alternatives"]]
    assert action["results"] == [{"attribute": "serum_creatinine", "value": decimal_text(creatinine), "unit": "umol/L"}]


# A 66-year-old man (born 1960-06-15) of 80 kg whose creatinine is older than four weeks:
# his computed clearance is stale.
STALE_TRIAL = 'exclude kidney "x": creatinine_clearance < 30 mL/min within 4 weeks'
STALE = {
    "id": "F1",
    "birth_date": "1960-06-15",
    "sex": "male",
    "measurements": [
        {"attribute": "serum_creatinine", "value": 150, "unit": "umol/L", "date": "2026-01-10"},
        {"attribute": "weight", "value": 80, "unit": "kg", "date": "2026-11-15"},
    ],
}


@pytest.mark.parametrize(
    ("criteria", "holds"),
    [
        ('exclude kidney "CrCl below 30": creatinine_clearance < 30 mL/min within 4 weeks', lambda x: x >= 30),
        ('include kidney "CrCl 60 or more": creatinine_clearance >= 60 mL/min within 4 weeks', lambda x: x >= 60),
        ('include kidney "CrCl at most 50": creatinine_clearance <= 50 mL/min within 4 weeks', lambda x: x <= 50),
    ],
)
def test_a_stale_clearance_is_decided_by_a_new_creatinine_or_a_measured_clearance(
    criteria: str, holds: Any, tmp_path: Path
) -> None:
    trials = api.load_trials([trial_file(tmp_path, criteria)])
    (repair,) = api.fix(api.read_patient(STALE), trials, on=TODAY)
    # both tests are of the same level and cost: two equally small alternatives
    tests = sorted(a.actions[0].data["test"] for a in repair.alternatives)
    assert tests == ["creatinine_clearance_test", "renal_panel"]
    assert all(len(a.actions) == 1 and a.eligible_on == TODAY for a in repair.alternatives)
    (panel,) = (a for a in repair.alternatives if a.actions[0].data["test"] == "renal_panel")
    creatinine = assumed_creatinine(panel)
    assert holds(clearance(creatinine, Fraction(80), 66, "male"))
    # next to where the clearance crosses the threshold: two tenths of µmol/L away, it fails
    apart = Fraction(2, 10)
    assert not all(holds(clearance(c, Fraction(80), 66, "male")) for c in (creatinine - apart, creatinine + apart))
    for alternative in repair.alternatives:
        changed, on = apply(STALE, alternative)
        (result,) = api.check([api.read_patient(changed)], trials, on=on)
        assert result.status == "eligible", changed


@pytest.mark.parametrize("missing", ["weight", "sex"])
def test_without_a_weight_or_a_sex_a_creatinine_cannot_decide_a_clearance(missing: str, tmp_path: Path) -> None:
    record = json.loads(json.dumps(STALE))
    record.pop(missing, None)
    record["measurements"] = [m for m in record["measurements"] if m["attribute"] != missing]
    trials = api.load_trials([trial_file(tmp_path, STALE_TRIAL)])
    (repair,) = api.fix(api.read_patient(record), trials, on=TODAY)
    assert [[a.data["test"] for a in alternative.actions] for alternative in repair.alternatives] == [
        ["creatinine_clearance_test"]
    ]


def test_a_recent_measured_clearance_stands_no_creatinine_is_obtained_to_set_it_aside(tmp_path: Path) -> None:
    record = json.loads(json.dumps(STALE))
    record["measurements"].append(
        {"attribute": "creatinine_clearance", "value": 25, "unit": "mL/min", "date": "2026-11-15"}
    )
    trials = api.load_trials([trial_file(tmp_path, STALE_TRIAL)])
    (repair,) = api.fix(api.read_patient(record), trials, on=TODAY)
    # not today: only once the clearance of 2026-11-15 is older than four weeks, either test
    assert repair.eligible_on == dt.date(2026, 12, 14)
    tests = sorted(
        a.data["test"] for alternative in repair.alternatives for a in alternative.actions if a.kind == "test"
    )
    assert tests == ["creatinine_clearance_test", "renal_panel"]


GROWING = """  include crcl "x": creatinine_clearance between 23.1 and 90 mL/min
  include w "y": weight < 100 kg within 0 day
  include a "z": age >= 80 years"""
GROWING_RECORD = {
    "id": "C1",
    "birth_date": "2013-02-27",
    "sex": "female",
    "measurements": [
        {"attribute": "weight", "value": 71, "unit": "kg", "date": "2027-03-02"},
        {"attribute": "serum_creatinine", "value": 0.22, "unit": "mmol/L", "date": "2027-02-13"},
    ],
}


def test_a_clearance_beside_a_weight_is_grounded_one_age_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clearance is computed from every creatinine and weight a plan may assume, at the age
    on every candidate date grounded together: over dates decades apart that was 90,000
    atoms in one grounding here (a random trial took 2 minutes and 4 GB). Dates are grounded
    one age in years at a time, with the same plans as one date at a time."""
    trials = api.load_trials([trial_file(tmp_path, GROWING)])
    patient = api.read_patient(GROWING_RECORD)
    today = dt.date(2027, 2, 28)
    sizes: list[int] = []
    grounded = repair.Repairer.grounded

    def counted(self: repair.Repairer, *args: Any, **kwargs: Any) -> Any:
        control = grounded(self, *args, **kwargs)
        sizes.append(len(control.symbolic_atoms))
        return control

    monkeypatch.setattr(repair.Repairer, "grounded", counted)
    (together,) = api.fix(patient, trials, on=today, max_alternatives=0)
    assert max(sizes) < 5000
    compiled = trials.compiled[together.trial]
    dates = repair.candidate_dates(patient, compiled, today)
    groups = repair.date_groups(patient, compiled, dates)
    assert [d for group in groups for d in group] == dates
    for group in groups:
        assert len({repair._years_of_age(dt.date(2013, 2, 27), d) for d in group}) == 1
        assert len(group) <= repair.DAYS_AT_ONCE
    monkeypatch.setattr(repair, "date_groups", lambda patient, compiled, dates: [[d] for d in dates])
    (alone,) = api.fix(patient, trials, on=today, max_alternatives=0)
    assert together == alone and together.eligible_on == dt.date(2093, 2, 27)
    # the plan holds: checked on its day with its assumed weight, the patient is eligible
    for alternative in together.alternatives:
        changed, on = apply(GROWING_RECORD, alternative)
        (result,) = api.check([api.read_patient(changed)], trials, on=on)
        assert result.status == "eligible"


@pytest.mark.parametrize(
    ("birth", "day", "years"),
    [("2008-02-29", "2026-02-28", 17), ("2008-02-29", "2026-03-01", 18), ("2008-03-31", "2026-03-30", 17),
     ("2008-03-31", "2026-03-31", 18), ("2000-01-01", "1999-12-31", -1)],
)  # fmt: skip
def test_years_of_age_as_the_rules_count_them(birth: str, day: str, years: int) -> None:
    """As rules/derived.lp counts (and repair.first_day_of_age inverts): completed months / 12."""
    assert repair._years_of_age(dt.date.fromisoformat(birth), dt.date.fromisoformat(day)) == years
    if years >= 0:
        first = repair.first_day_of_age(dt.date.fromisoformat(birth), years, "years")
        assert repair._years_of_age(dt.date.fromisoformat(birth), first) == years
        assert repair._years_of_age(dt.date.fromisoformat(birth), first - dt.timedelta(days=1)) == years - 1
