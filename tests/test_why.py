"""Explanations: the evidence and missing facts the solver names, put into words."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings

from trialogic import api
from trialogic.cli import main
from trialogic.explain import CriterionExplanation, Part
from trialogic.parser import parse_file
from trialogic.resources import rules_dir
from trialogic.solve import Solver, Trace

from strategies import dated_patient_records

REFERENCE = dt.date(2026, 11, 22)
TRIAL = """trial NCT00000099 "why" {
  exclude scr "Serum creatinine more than 250 umol/L": serum_creatinine > 250 umol/L
  exclude counts "WBC < 3000/uL or Hb < 8 g/dL": wbc < 3000 /uL or hemoglobin < 8 g/dL
  exclude rtx "Rituximab within 24 weeks": drug rituximab within 24 weeks
  include acr "At least 2 of 3": at least 2 of [condition malar_rash, condition serositis, condition oral_ulcers]
  include biopsy "Biopsy within 12 weeks": biopsy_class in {III, IV} within 12 weeks
  include adult "Adults": age >= 18 years
  exclude alt "ALT > 1.5 x ULN": alt > 1.5 x ULN
  exclude dose "Unstable dose within 12 weeks": dose_change immunosuppressant within 12 weeks
  exclude opinion "In the opinion of the investigator": manual
  include clearance "CrCl >= 30": creatinine_clearance >= 30 mL/min
}
"""
RECORD: dict[str, Any] = {
    "id": "W1",
    "sex": "female",
    "birth_date": "1990-05-01",
    "measurements": [
        {"attribute": "serum_creatinine", "value": 2.9, "unit": "mg/dL", "date": "2026-11-01"},
        {"attribute": "wbc", "value": 3.5, "unit": "x10^9/L", "date": "2026-11-01"},
        {"attribute": "biopsy_class", "value": "IV", "date": "2026-08-01"},
        {"attribute": "alt", "value": 61, "unit": "U/L", "date": "2026-11-01", "uln": 40},
        {"attribute": "weight", "value": 60, "unit": "kg", "date": "2026-11-01"},
    ],
    "drugs": [
        {"code": "rituximab", "start": "2026-06-01", "end": "2026-07-01"},
        {"code": "mycophenolate_mofetil", "start": "2025-01-01", "dose_changes": ["2026-10-10"]},
    ],
    "conditions": [{"code": "malar_rash", "start": "2020-01-01"}],
}


def explain(tmp_path: Path, on: dt.date = REFERENCE) -> dict[str, CriterionExplanation]:
    path = tmp_path / "why.tl"
    path.write_text(TRIAL)
    (explanation,) = api.why(api.read_patient(RECORD), api.load_trials([path]), on=on)
    return {c.id: c for c in explanation.criteria}


def texts(part: Part) -> list[str]:
    return [f.text for f in part.all_evidence()]


def test_measurement_evidence_names_recorded_and_converted_values(tmp_path: Path) -> None:
    scr = explain(tmp_path)["scr"]
    assert scr.status == "met"
    assert texts(scr.part) == [
        "serum creatinine 2.9 mg/dL (256.36 umol/L) on 2026-11-01 (measurements[0]) > 250 umol/L"
    ]
    assert scr.part.all_evidence()[0].data["field"] == "measurements[0]"


def test_or_shows_which_parts_failed_and_which_are_unknown(tmp_path: Path) -> None:
    counts = explain(tmp_path)["counts"]
    assert counts.status == "unknown"
    assert [(p.written, p.truth) for p in counts.part.parts] == [
        ("wbc < 3000 /uL", "false"),
        ("hemoglobin < 8 g/dL", "unknown"),
    ]
    assert counts.part.parts[0].evidence[0].text == (
        "white blood cell count 3.5 x10^9/L on 2026-11-01 (measurements[1]) not < 3000 /uL"
    )
    assert [f.text for f in counts.part.all_missing()] == ["a result for hemoglobin"]
    assert counts.part.summary == "one of 2 needed: 0 hold, 1 fail, 1 unknown"


def test_window_evidence_gives_dates_and_the_window(tmp_path: Path) -> None:
    rtx = explain(tmp_path)["rtx"]
    assert rtx.status == "met"
    assert texts(rtx.part) == [
        "drug rituximab 2026-06-01 to 2026-07-01 (drugs[0]); ended 144 days before 2026-11-22; "
        "the window is 24 weeks = 168 days, from 2026-06-07 to 2026-11-22"
    ]


def test_at_least_counts_what_holds(tmp_path: Path) -> None:
    acr = explain(tmp_path)["acr"]
    assert acr.status == "unknown"
    assert acr.part.summary == "1 of the 3 hold: condition malar_rash; at least 2 needed (1 hold, 0 fail, 2 unknown)"
    missing = [f.data["concept"] for f in acr.part.all_missing()]
    assert missing == ["serositis", "oral_ulcers"]


def test_stale_evidence_says_what_would_settle_it(tmp_path: Path) -> None:
    biopsy = explain(tmp_path)["biopsy"]
    assert biopsy.status == "unknown"
    assert texts(biopsy.part) == [
        "the latest ISN/RPS class of lupus nephritis on renal biopsy result is from 2026-08-01, before the window opens on 2026-08-30"
    ]
    assert [f.text for f in biopsy.part.all_missing()] == [
        "a result for ISN/RPS class of lupus nephritis on renal biopsy dated on or after 2026-08-30"
    ]
    assert [f.data for f in biopsy.part.all_missing()] == [
        {"missing": "result", "attribute": "biopsy_class", "on_or_after": "2026-08-30"}
    ]


def test_age_uln_dose_and_derived_values(tmp_path: Path) -> None:
    criteria = explain(tmp_path)
    assert texts(criteria["adult"].part) == ["age 36 years on 2026-11-22 (born 1990-05-01)"]
    assert texts(criteria["alt"].part) == [
        "upper limit of normal 40 U/L (from the result); 1.5 × ULN = 60 U/L",
        "alanine aminotransferase (ALT) 61 U/L on 2026-11-01 (measurements[3]) > 1.5 x ULN",
    ]
    assert texts(criteria["dose"].part) == [
        "mycophenolate_mofetil dose changed on 2026-10-10 (drugs[1]), 43 days before 2026-11-22"
    ]
    on_the_day = explain(tmp_path, on=dt.date(2026, 10, 10))["dose"]  # not "0 days before 2026-10-10"
    assert texts(on_the_day.part) == ["mycophenolate_mofetil dose changed on 2026-10-10 (drugs[1]), the reference date"]
    # (140 - 36) × 60 × 1.04 / 256.3 (creatinine rounded down to 0.1 µmol/L) = 25.32...
    assert texts(criteria["clearance"].part) == [
        "creatinine clearance ≈25.32 mL/min computed for 2026-11-01 not ≥ 30 mL/min",
        "computed by Cockcroft–Gault from serum creatinine 2.9 mg/dL (256.36 umol/L) on 2026-11-01 (measurements[0]), "
        "used as 256.3 umol/L",
        "computed by Cockcroft–Gault from body weight 60 kg on 2026-11-01 (measurements[4])",
        "computed by Cockcroft–Gault from the age, 36 years on 2026-11-22 (born 1990-05-01)",
        "computed by Cockcroft–Gault from the sex, female (sex)",
    ]
    assert criteria["clearance"].status == "not_met"


def test_manual_criterion_asks_for_an_assessment(tmp_path: Path) -> None:
    opinion = explain(tmp_path)["opinion"]
    assert [f.text for f in opinion.part.all_missing()] == [
        "an investigator's assessment of NCT00000099 opinion: “In the opinion of the investigator”"
    ]


def test_why_cli_json_has_evidence_and_missing_per_criterion(tmp_path: Path) -> None:
    trial = tmp_path / "why.tl"
    trial.write_text(TRIAL)
    patient = tmp_path / "w1.json"
    patient.write_text(json.dumps(RECORD))
    result = CliRunner().invoke(main, ["why", str(patient), "--trials", str(trial), "--on", "2026-11-22", "--json"])
    assert result.exit_code == 0, result.output
    (explanation,) = json.loads(result.output)["explanations"]
    by_id = {c["id"]: c for c in explanation["criteria"]}
    assert explanation["status"] == "ineligible"
    assert by_id["scr"]["evidence"][0]["value"] == "256.36"
    assert by_id["counts"]["missing"] == [
        {"text": "a result for hemoglobin", "missing": "result", "attribute": "hemoglobin"}
    ]
    assert by_id["counts"]["parts"]["parts"][0]["truth"] == "false"


def test_why_cli_human_output_shows_only_what_blocks_or_is_unknown(tmp_path: Path) -> None:
    trial = tmp_path / "why.tl"
    trial.write_text(TRIAL)
    patient = tmp_path / "w1.json"
    patient.write_text(json.dumps(RECORD))
    result = CliRunner().invoke(main, ["why", str(patient), "--trials", str(trial), "--on", "2026-11-22"])
    assert result.exit_code == 0, result.output
    assert "exclusion scr (met)" in result.output
    assert "“Serum creatinine more than 250 umol/L”" in result.output
    assert "inclusion adult" not in result.output
    every = CliRunner().invoke(main, ["why", str(patient), "--trials", str(trial), "--on", "2026-11-22", "--all"])
    assert "inclusion adult (met)" in every.output


SEED_MODULES = [parse_file(rules_dir() / "library.tl")] + [
    parse_file(p) for p in sorted((rules_dir() / "trials").glob("*.tl"))
]
SEEDS = api.load_trials()


def resolve(record: dict[str, Any], field: str) -> Any:
    """`measurements[3]` → that entry of the record; a plain field (`birth_date`) → its value."""
    section, bracket, index = field.partition("[")
    return record[section][int(index.rstrip("]"))] if bracket else record[section]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(dated_patient_records(SEED_MODULES))
def test_random_patients_every_undecided_or_failing_criterion_is_explained(
    dated: tuple[dt.date, dict[str, Any]],
) -> None:
    today, record = dated
    patient = api.read_patient(record)
    for explanation in api.why(patient, SEEDS, on=today):
        for criterion in explanation.criteria:
            evidence, missing = criterion.part.all_evidence(), criterion.part.all_missing()
            if criterion.status != "met":
                assert evidence or missing, (explanation.trial, criterion.id, criterion.status)
            if criterion.status == "unknown":
                assert missing, (explanation.trial, criterion.id)
            else:  # a decided criterion needs nothing more
                assert not missing, (explanation.trial, criterion.id, missing)
            for fact in evidence:
                if "field" in fact.data:
                    entry = resolve(record, fact.data["field"])
                    if fact.data["field"] == "birth_date":  # the age Cockcroft–Gault took
                        assert str(entry) == fact.data["birth_date"]
                    elif fact.data["field"] == "sex":
                        assert entry == fact.data["value"]
                    elif fact.data.get("fact") in ("result", "derived", "superseded"):
                        assert entry["attribute"] in (fact.data["attribute"], *synonyms(fact.data["attribute"]))
                        assert str(entry["date"]) == fact.data["date"]
                    if fact.data.get("fact") in ("entry", "negative"):
                        assert entry["code"] == fact.data["code"]
                    if fact.data.get("fact") == "assessment":
                        assert (entry["result"], str(entry["date"])) == (fact.data["result"], fact.data["date"])
                # every fact from the record names where it is (the text shows it in brackets)
                if fact.data.get("fact") in ("result", "entry", "negative", "assessment", "superseded", "derived",
                                             "demographic", "age"):  # fmt: skip
                    assert "field" in fact.data, fact


def synonyms(attribute: str) -> tuple[str, ...]:
    known = SEEDS.vocabulary.attribute(attribute.split(".")[0])
    return (known.name, *known.synonyms) if known else ()


def test_a_complete_list_names_what_it_does_not_hold(tmp_path: Path) -> None:
    # two leaves refuted by the same complete list: each says which concept it looked for
    path = tmp_path / "why.tl"
    path.write_text(
        'trial NCT00000098 "complete" {\n'
        '  exclude drugs "MMF or rituximab": drug mycophenolate_mofetil within 12 weeks or drug rituximab\n'
        "}\n"
    )
    record = {"id": "C1", "drugs": [], "complete": ["drugs"]}
    (explanation,) = api.why(api.read_patient(record), api.load_trials([path]), on=REFERENCE)
    (criterion,) = explanation.criteria
    assert criterion.status == "not_met"
    assert texts(criterion.part) == [
        "the drugs list is marked complete and holds no drug mycophenolate_mofetil "
        "(the window is 12 weeks = 84 days, from 2026-08-30 to 2026-11-22)",
        "the drugs list is marked complete and holds no drug rituximab",
    ]


def test_a_complete_list_names_the_entries_it_sets_aside(tmp_path: Path) -> None:
    """The list holds entries below the concept that do not count (excepted, outside the
    window): the evidence names them instead of saying the list holds none; and an entry
    whose end is unknown asks for that end only, not for what the complete list says."""
    path = tmp_path / "why.tl"
    path.write_text(
        'trial NCT00000098 "complete" {\n'
        '  exclude gn "Other GN": condition glomerular_disease except lupus_nephritis\n'
        '  exclude mmf "MMF within 12 weeks": drug mycophenolate_mofetil within 12 weeks\n'
        '  exclude inf "Active infection": condition infection active\n'
        "}\n"
    )
    record = {
        "id": "C2",
        "conditions": [
            {"code": "lupus_nephritis", "start": "2024-01-01"},
            {"code": "herpes_zoster", "start": "2026-01-01", "status": "resolved"},
        ],
        "drugs": [{"code": "mycophenolate_mofetil", "start": "2024-01-01", "end": "2025-01-01"}],
        "complete": ["conditions", "drugs"],
    }
    (explanation,) = api.why(api.read_patient(record), api.load_trials([path]), on=REFERENCE)
    gn, mmf, inf = explanation.criteria
    assert texts(gn.part) == [
        "the conditions list is marked complete and holds no condition glomerular_disease that counts here; "
        "lupus_nephritis (conditions[0]) does not"
    ]
    assert texts(mmf.part)[0].endswith("; mycophenolate_mofetil (drugs[0]) does not")
    assert inf.status == "unknown"
    assert [m.text for m in inf.part.all_missing()] == ["the end date of conditions[1] (herpes_zoster)"]


def test_a_manual_in_a_shared_definition_is_settled_criterion_by_criterion(tmp_path: Path) -> None:
    path = tmp_path / "shared.tl"
    path.write_text(
        'define concern "a concern only the investigator can judge" = manual\n'
        'trial NCT00000002 "shared" {\n'
        '  exclude safety "Unsafe, in the investigator\'s opinion": concern\n'
        '  exclude compliance "Unlikely to comply, in the investigator\'s opinion": concern and concern\n'
        "}\n"
    )
    assessments = [
        {"trial": "NCT00000002", "criterion": "safety", "result": "not_met", "date": "2026-11-01"},
        {"trial": "NCT00000002", "criterion": "compliance", "result": "met", "date": "2026-11-01"},
    ]
    patient = api.read_patient({"id": "D1", "assessments": assessments})
    trials = api.load_trials([path])
    (result,) = api.check([patient], trials, on=REFERENCE)
    assert (result.status, [(c.id, c.status) for c in result.criteria]) == (
        "ineligible",
        [("safety", "not_met"), ("compliance", "met")],
    )
    (explanation,) = api.why(patient, trials, on=REFERENCE)
    safety, compliance = explanation.criteria
    assert texts(safety.part) == ["investigator's assessment on 2026-11-01: not_met (assessments[0])"]
    assert texts(compliance.part)[0] == "investigator's assessment on 2026-11-01: met (assessments[1])"
    assert [p.truth for p in compliance.part.parts] == ["true", "true"]


def test_a_dose_change_asks_for_a_start_or_change_of_dose_not_for_the_drug(tmp_path: Path) -> None:
    path = tmp_path / "why.tl"
    path.write_text(
        'trial NCT00000098 "dose" {\n  exclude d "dose": dose_change immunosuppressant within 12 weeks\n}\n'
    )
    record = {"id": "D1", "drugs": [{"code": "tacrolimus", "start": "2020-01-01"}]}
    (explanation,) = api.why(api.read_patient(record), api.load_trials([path]), on=REFERENCE)
    (criterion,) = explanation.criteria
    (needs,) = [m.text for m in criterion.part.all_missing()]
    assert needs.startswith("whether a drug immunosuppressant started, changed dose or stopped (the window is 12 weeks")


def test_a_uln_is_shown_as_the_record_gives_it(tmp_path: Path) -> None:
    """The comparison is exact on the ratio; the explanation shows the exact limit too (it
    showed 40.0005 for a recorded 40.0001, and 60.0002 '>' 60.00075)."""
    path = tmp_path / "t.tl"
    path.write_text('trial NCT00000001 "uln" {\n  exclude alt_gt "a": alt > 1.5 x ULN\n}\n')
    record = {"id": "C1", "measurements": [{"attribute": "alt", "value": "60.0002", "unit": "U/L",
                                             "date": "2026-11-01", "uln": "40.0001"}]}  # fmt: skip
    (explanation,) = api.why(api.read_patient(record), api.load_trials([path]), on=dt.date(2026, 11, 22))
    (criterion,) = explanation.criteria
    texts = [fact.text for fact in criterion.part.evidence]
    assert criterion.status == "met"
    assert "upper limit of normal 40.0001 U/L (from the result); 1.5 × ULN = 60.00015 U/L" in texts


@pytest.mark.parametrize(
    ("written", "recorded", "uln"), [("sgot", "ast", {"uln": 33}), ("sgot", "ast", {}), ("sgpt", "alt", {})]
)
def test_a_uln_multiple_written_with_a_synonym_is_explained(
    tmp_path: Path, written: str, recorded: str, uln: dict[str, int]
) -> None:
    """The limit's evidence looked the criterion's own spelling up in the vocabulary's
    attributes, where only the canonical names are: `why` failed with KeyError 'sgot'."""
    path = tmp_path / "t.tl"
    path.write_text(f'trial NCT00000001 "uln" {{\n  exclude high "a": {written} > 1 x ULN\n}}\n')
    record = {
        "id": "S1",
        "measurements": [{"attribute": recorded, "value": 32, "unit": "U/L", "date": "2026-05-30", **uln}],
    }
    (explanation,) = api.why(api.read_patient(record), api.load_trials([path]), on=dt.date(2026, 5, 31))
    (criterion,) = explanation.criteria
    limit = uln.get("uln", 40)
    assert criterion.status == "not_met"
    assert any(f.text.startswith(f"upper limit of normal {limit} U/L") for f in criterion.part.all_evidence())


def test_an_entry_that_only_may_count_says_why(tmp_path: Path) -> None:
    """An entry that ended on an unknown date is a possible match for a different reason
    under each construct; each sentence names its own (all once said "it may have ended
    inside the window", even with no window)."""
    path = tmp_path / "t.tl"
    path.write_text(
        'trial NCT00000097 "possible" {\n'
        '  exclude exc "e": condition infection except herpes_zoster [resolved]\n'
        '  exclude win "w": condition infection within 12 weeks\n'
        '  exclude act "a": condition infection active\n'
        '  exclude dose "d": dose_change tacrolimus within 12 weeks\n'
        "}\n"
    )
    record = {
        "id": "E1",
        "conditions": [{"code": "herpes_zoster", "start": "2026-01-01", "status": "resolved"}],
        "drugs": [{"code": "tacrolimus", "start": "2026-01-01", "status": "stopped"}],
    }
    (explanation,) = api.why(api.read_patient(record), api.load_trials([path]), on=REFERENCE)
    reasons = {c.id: [t.partition(" — ")[2] for t in texts(c.part)] for c in explanation.criteria}
    assert {f.data["matched"] for c in explanation.criteria for f in c.part.all_evidence()} == {"maybe"}
    assert {c.id: c.status for c in explanation.criteria} == dict.fromkeys(reasons, "unknown")
    assert reasons == {
        "exc": ["the exception may remove it: its status on 2026-11-22 is unsure"],
        "win": ["it may have ended inside the window"],
        "act": ["it may still have been going on 2026-11-22"],
        "dose": ["it may have stopped inside the window"],
    }
    # only the end date settles it: a negative would contradict the entry (P009), and a
    # complete list would still hold it
    for criterion in explanation.criteria:
        missing = [f.data["missing"] for f in criterion.part.all_missing()]
        assert missing == ["end_date"], (criterion.id, missing)


def test_only_what_could_change_an_answer_is_asked_for(tmp_path: Path) -> None:
    """A decided part asks for nothing below it: a man passes `if sex = female then ...`
    without a pregnancy test, and an `or` one operand settles asks nothing of the other."""
    path = tmp_path / "m.tl"
    path.write_text(
        'trial NCT00000098 "m" {\n'
        '  include preg "x": if sex = female then urine_pregnancy_test = negative\n'
        '  include either "y": sex = male or serum_creatinine < 1 mg/dL\n'
        '  include both "z": sex = male and serum_creatinine < 1 mg/dL\n'
        "}\n"
    )
    (explanation,) = api.why(api.read_patient({"id": "M1", "sex": "male"}), api.load_trials([path]), on=REFERENCE)
    by_id = {c.id: c for c in explanation.criteria}
    assert (by_id["preg"].status, by_id["either"].status, by_id["both"].status) == ("met", "met", "unknown")
    assert by_id["preg"].part.all_missing() == [] and by_id["either"].part.all_missing() == []
    assert [f.text for f in by_id["both"].part.all_missing()] == ["a result for serum creatinine"]


def test_a_value_whose_limit_is_unknown_is_not_said_to_fail(tmp_path: Path) -> None:
    """Without the result's ULN (and none usual in the vocabulary), `not > 1.5 x ULN` under a
    `?` would state as a fact a comparison that cannot be made."""
    path = tmp_path / "u.tl"
    path.write_text('trial NCT00000098 "u" {\n  exclude bili "x": total_bilirubin > 1.5 x ULN\n}\n')
    record = {"id": "U1", "measurements": [
        {"attribute": "total_bilirubin", "value": 30, "unit": "umol/L", "date": "2026-11-01"}]}  # fmt: skip
    (explanation,) = api.why(api.read_patient(record), api.load_trials([path]), on=REFERENCE)
    (criterion,) = explanation.criteria
    assert criterion.status == "unknown"
    (fact,) = criterion.part.all_evidence()
    assert fact.text.endswith("(measurements[0]), compared with 1.5 x ULN"), fact.text


def test_a_clearance_that_cannot_be_computed_names_the_birth_date_it_lacks(tmp_path: Path) -> None:
    path = tmp_path / "c.tl"
    path.write_text('trial NCT00000098 "c" {\n  include c "CrCl >= 30": creatinine_clearance >= 30 mL/min\n}\n')
    record = {"id": "N2", "sex": "male", "birth_date": "2027-01-01", "measurements": [
        {"attribute": "serum_creatinine", "value": 100, "unit": "umol/L", "date": "2026-11-01"},
        {"attribute": "weight", "value": 70, "unit": "kg", "date": "2026-10-01"}]}  # fmt: skip
    (explanation,) = api.why(api.read_patient(record), api.load_trials([path]), on=REFERENCE)
    (criterion,) = explanation.criteria
    assert criterion.status == "unknown"
    # the birth date, or a measured clearance in its place (one line: not both are needed)
    (born,) = criterion.part.all_missing()
    assert born.text == (
        "a birth date on or before 2026-11-22 (field `birth_date`: the record's, 2027-01-01, is later), "
        "or a measured creatinine clearance dated on or after 2026-11-01"
    )
    assert (born.data["missing"], born.data["field"]) == ("birth_date", "birth_date")
    assert born.data["alternative"] == {
        "text": "a measured creatinine clearance dated on or after 2026-11-01", "missing": "result",
        "attribute": "creatinine_clearance", "measured": True, "on_or_after": "2026-11-01",
    }  # fmt: skip


def why_both(tmp_path: Path, trial: str, record: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """`why --all` for people (on a wide screen: a fact per line) and `why --json` of one
    patient and one trial: the report's text and the criteria of the JSON by id."""
    (tmp_path / "t.tl").write_text(trial)
    (tmp_path / "p.json").write_text(json.dumps(record))
    arguments = ["why", str(tmp_path / "p.json"), "--trials", str(tmp_path / "t.tl"), "--on", REFERENCE.isoformat()]
    human = CliRunner().invoke(main, [*arguments, "--all"], env={"COLUMNS": "300"})
    machine = CliRunner().invoke(main, [*arguments, "--json"])
    assert human.exit_code == 0 and machine.exit_code == 0, human.output + machine.output
    (explanation,) = json.loads(machine.output)["explanations"]
    return human.output, {c["id"]: c for c in explanation["criteria"]}


BP_TRIAL = (
    'trial NCT00000098 "bp" {\n'
    '  exclude high "BP > 160/100": blood_pressure > 160/100 mmHg\n'
    '  include low "BP < 140/90": blood_pressure < 140/90 mmHg\n'
    "}\n"
)


def bp_record(value: str) -> dict[str, Any]:
    return {"id": "BP1", "measurements": [
        {"attribute": "weight", "value": 70, "unit": "kg", "date": "2026-10-01"},
        {"attribute": "blood_pressure", "value": value, "unit": "mmHg", "date": "2026-11-01"}]}  # fmt: skip


def test_a_blood_pressure_comparison_names_the_component_that_decides(tmp_path: Path) -> None:
    """Each component is compared with its own threshold, and the evidence says which decided
    (it once named both components' results, each as "150/105 mmHg", and no comparison):
    the diastolic alone above its limit settles `>` (the systolic below its own does not
    decide it), and either component not below fails `<`."""
    human, criteria = why_both(tmp_path, BP_TRIAL, bp_record("150/105"))
    keys = ("fact", "attribute", "component", "value", "unit", "op", "threshold", "holds", "decides", "field", "date")
    where = "blood pressure 150/105 mmHg on 2026-11-01 (measurements[1])"
    assert [{k: f[k] for k in keys} for f in criteria["high"]["evidence"]] == [
        {"fact": "result", "attribute": "blood_pressure.systolic", "component": "systolic", "value": "150",
         "unit": "mmHg", "op": ">", "threshold": "160", "holds": False, "decides": False,
         "field": "measurements[1]", "date": "2026-11-01"},
        {"fact": "result", "attribute": "blood_pressure.diastolic", "component": "diastolic", "value": "105",
         "unit": "mmHg", "op": ">", "threshold": "100", "holds": True, "decides": True,
         "field": "measurements[1]", "date": "2026-11-01"},
    ]  # fmt: skip
    assert [f["text"] for f in criteria["high"]["evidence"]] == [
        f"{where}: systolic 150 mmHg not > 160 mmHg",
        f"{where}: diastolic 105 mmHg > 100 mmHg, which decides it",
    ]
    assert [f["text"] for f in criteria["low"]["evidence"]] == [
        f"{where}: systolic 150 mmHg not < 140 mmHg, which decides it",
        f"{where}: diastolic 105 mmHg not < 90 mmHg, which decides it",
    ]
    for criterion in criteria.values():
        for fact in criterion["evidence"]:
            assert f"· {fact['text']}\n" in human, fact["text"]


def test_a_blood_pressure_comparison_names_both_components_when_both_decide(tmp_path: Path) -> None:
    def decided(value: str) -> dict[str, list[tuple[str, bool, bool]]]:
        _, criteria = why_both(tmp_path, BP_TRIAL, bp_record(value))
        return {i: [(f["component"], f["holds"], f["decides"]) for f in c["evidence"]] for i, c in criteria.items()}

    # the systolic alone above: it decides `>`, and alone fails `<` (the diastolic is below)
    assert decided("170/85") == {
        "high": [("systolic", True, True), ("diastolic", False, False)],
        "low": [("systolic", False, True), ("diastolic", True, False)],
    }
    # both above: each settles `>`; both below: `<` holds by the two together
    assert decided("170/105")["high"] == [("systolic", True, True), ("diastolic", True, True)]
    assert decided("120/80")["low"] == [("systolic", True, True), ("diastolic", True, True)]
    # neither above: `>` fails on both
    assert decided("120/80")["high"] == [("systolic", False, True), ("diastolic", False, True)]


CLEARANCE_TRIAL = 'trial NCT00000098 "c" {\n  include c "CrCl >= 30": creatinine_clearance >= 30 mL/min\n}\n'


def test_a_computed_clearance_names_the_values_it_was_computed_from(tmp_path: Path) -> None:
    """Cockcroft–Gault's inputs, each with its value, date and field (the results), and the
    measured clearance the newer creatinine set aside: the evidence once named only the
    inputs' dates, and never the measured clearance, which the reader would expect used."""
    human, criteria = why_both(tmp_path, CLEARANCE_TRIAL, G1_RECORD)
    evidence = {f["attribute"]: f for f in criteria["c"]["evidence"] if f["fact"] == "derived"}
    # (140 - 70) × 69.8 kg (154 lb, rounded down to 0.1 kg) × 1.23 / 106 µmol/L ≈ 56.70
    assert {k: evidence["serum_creatinine"][k] for k in ("value", "unit", "date", "field", "recorded")} == {
        "value": "106.08", "unit": "umol/L", "date": "2026-11-10", "field": "measurements[2]", "recorded": "1.2 mg/dL"
    }  # fmt: skip
    assert {k: evidence["weight"][k] for k in ("value", "unit", "date", "field")} == {
        "value": "69.85322498", "unit": "kg", "date": "2026-09-20", "field": "measurements[0]"
    }  # fmt: skip
    # the value the formula took, rounded down to 0.1, where it differs from the recorded one
    assert (evidence["serum_creatinine"]["used"], evidence["weight"]["used"]) == ("106", "69.8")
    assert {k: evidence["age"][k] for k in ("value", "unit", "birth_date", "field")} == {
        "value": "70", "unit": "years", "birth_date": "1956-03-15", "field": "birth_date"
    }  # fmt: skip
    assert (evidence["sex"]["value"], evidence["sex"]["field"]) == ("male", "sex")
    (superseded,) = [f for f in criteria["c"]["evidence"] if f["fact"] == "superseded"]
    assert {k: superseded[k] for k in ("attribute", "value", "unit", "date", "field", "superseded_by")} == {
        "attribute": "creatinine_clearance", "value": "75", "unit": "mL/min", "date": "2026-10-01",
        "field": "measurements[1]",
        "superseded_by": {"attribute": "serum_creatinine", "date": "2026-11-10", "field": "measurements[2]"},
    }  # fmt: skip
    # the computed value, its inputs (creatinine, weight, age, sex), the clearance set aside
    assert [f["text"] for f in criteria["c"]["evidence"]] == G1_LINES
    lines = [line.strip().removeprefix("· ") for line in human.splitlines() if line.strip().startswith("·")]
    assert lines == G1_LINES


G1_RECORD = {"id": "G1", "sex": "male", "birth_date": "1956-03-15", "measurements": [
    {"attribute": "weight", "value": 154, "unit": "lb", "date": "2026-09-20"},
    {"attribute": "creatinine_clearance", "value": 75, "unit": "mL/min", "date": "2026-10-01"},
    {"attribute": "serum_creatinine", "value": 1.2, "unit": "mg/dL", "date": "2026-11-10"},
    {"attribute": "weight", "value": 70, "unit": "kg", "date": "2026-06-01"}]}  # fmt: skip
G1_LINES = [
    "creatinine clearance ≈56.70 mL/min computed for 2026-11-10 ≥ 30 mL/min",
    "computed by Cockcroft–Gault from serum creatinine 1.2 mg/dL (106.08 umol/L) on 2026-11-10 (measurements[2]), "
    "used as 106 umol/L",
    "computed by Cockcroft–Gault from body weight 154 lb (69.85322498 kg) on 2026-09-20 (measurements[0]), "
    "used as 69.8 kg",
    "computed by Cockcroft–Gault from the age, 70 years on 2026-11-22 (born 1956-03-15)",
    "computed by Cockcroft–Gault from the sex, male (sex)",
    "the measured creatinine clearance 75 mL/min on 2026-10-01 (measurements[1]) is not used: "
    "the serum creatinine 1.2 mg/dL (106.08 umol/L) on 2026-11-10 (measurements[2]) is newer",
]


def test_a_current_measured_clearance_is_not_said_to_be_superseded(tmp_path: Path) -> None:
    """A clearance measured on or after the latest creatinine is the one used: no input of
    the formula, and nothing set aside, is named."""
    record = {"id": "G2", "sex": "female", "birth_date": "1980-01-01", "measurements": [
        {"attribute": "serum_creatinine", "value": 90, "unit": "umol/L", "date": "2026-11-01"},
        {"attribute": "creatinine_clearance", "value": 75, "unit": "mL/min", "date": "2026-11-01"},
        {"attribute": "weight", "value": 70, "unit": "kg", "date": "2026-11-01"}]}  # fmt: skip
    _, criteria = why_both(tmp_path, CLEARANCE_TRIAL, record)
    assert [(f["fact"], f["attribute"], f["field"]) for f in criteria["c"]["evidence"]] == [
        ("result", "creatinine_clearance", "measurements[1]")
    ]


def test_a_clearance_the_formula_cannot_compute_at_140_asks_for_a_measured_one(tmp_path: Path) -> None:
    """At 140 or older Cockcroft–Gault gives no clearance: the needs line says so and asks for
    a measured clearance, dated where it would be used (on or after the latest creatinine,
    which sets an older one aside, and the window's start), and for none of the formula's
    inputs. It asked for the inputs (the sex, a creatinine, a weight), for any clearance
    with no reason, or, beside a clearance a newer creatinine set aside, for nothing."""
    trial = (
        'trial NCT00000098 "c" {\n'
        '  include c "CrCl >= 30": creatinine_clearance >= 30 mL/min\n'
        '  include w "CrCl >= 30 within 2 weeks": creatinine_clearance >= 30 mL/min within 2 weeks\n'
        "}\n"
    )
    creatinine = {"attribute": "serum_creatinine", "value": 100, "unit": "umol/L", "date": "2026-11-01"}
    weight = {"attribute": "weight", "value": 60, "unit": "kg", "date": "2026-11-01"}
    old_clearance = {"attribute": "creatinine_clearance", "value": 80, "unit": "mL/min", "date": "2026-10-01"}
    born = {"id": "A1", "birth_date": "1880-05-01"}
    keys = ("missing", "attribute", "measured", "age")

    def needs(record: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
        human, criteria = why_both(tmp_path, trial, record)
        for criterion in criteria.values():
            assert criterion["status"] == "unknown"
            for fact in criterion["missing"]:
                assert f"needs {fact['text']}\n" in human, fact["text"]
        return {i: c["missing"] for i, c in criteria.items()}

    # every input there, no clearance measured: one dated from the creatinine (or the window)
    every = needs(born | {"sex": "male", "measurements": [creatinine, weight]})
    assert [{k: f[k] for k in (*keys, "on_or_after")} for f in every["c"] + every["w"]] == [
        {"missing": "result", "attribute": "creatinine_clearance", "measured": True, "age": 146,
         "on_or_after": "2026-11-01"},
        {"missing": "result", "attribute": "creatinine_clearance", "measured": True, "age": 146,
         "on_or_after": "2026-11-08"},
    ]  # fmt: skip
    assert every["c"][0]["text"] == (
        "a measured creatinine clearance dated on or after 2026-11-01: Cockcroft–Gault cannot compute one, "
        "the patient's age is 140 or more (146 years on 2026-11-22, born 1880-05-01)"
    )
    # a measured clearance the newer creatinine set aside: a newer one, no longer nothing
    superseded = needs(born | {"sex": "female", "measurements": [old_clearance, creatinine, weight]})
    assert [f["on_or_after"] for f in superseded["c"]] == ["2026-11-01"]
    # no input at all: still only a measured clearance, of any date
    bare = needs(born)
    assert [{k: f[k] for k in keys} for f in bare["c"]] == [
        {"missing": "result", "attribute": "creatinine_clearance", "measured": True, "age": 146}
    ]
    assert "on_or_after" not in bare["c"][0]
    assert [f["on_or_after"] for f in bare["w"]] == ["2026-11-08"]


def test_the_measured_clearance_asked_for_at_140_decides(tmp_path: Path) -> None:
    """What the needs line asks for settles the criterion; a day earlier, it would not."""
    path = tmp_path / "c.tl"
    path.write_text(CLEARANCE_TRIAL)
    record: dict[str, Any] = {"id": "A2", "sex": "male", "birth_date": "1880-05-01", "measurements": [
        {"attribute": "serum_creatinine", "value": 100, "unit": "umol/L", "date": "2026-11-01"},
        {"attribute": "weight", "value": 60, "unit": "kg", "date": "2026-11-01"}]}  # fmt: skip
    (explanation,) = api.why(api.read_patient(record), api.load_trials([path]), on=REFERENCE)
    (asked,) = explanation.criteria[0].part.all_missing()
    on_or_after = dt.date.fromisoformat(asked.data["on_or_after"])
    for date, status in ((on_or_after, "met"), (on_or_after - dt.timedelta(days=1), "unknown")):
        clearance = {"attribute": "creatinine_clearance", "value": 45, "unit": "mL/min", "date": date.isoformat()}
        changed = record | {"measurements": [*record["measurements"], clearance]}
        (result,) = api.check([api.read_patient(changed)], api.load_trials([path]), on=REFERENCE)
        assert result.criteria[0].status == status, date


def test_the_clearance_lines_keep_their_order_whatever_the_solver_gives(tmp_path: Path, monkeypatch: Any) -> None:
    """The order of a clearance's lines is fixed, not the solver's (which printed the computed
    value after its inputs): with every node's facts in the reverse of the solver's order,
    the lines are the same."""
    path = tmp_path / "c.tl"
    path.write_text(CLEARANCE_TRIAL)
    measured = "or a measured creatinine clearance"
    cases = [  # the evidence of G1; the needs of a record with none of the formula's inputs
        (G1_RECORD, "all_evidence", G1_LINES),
        ({"id": "N0"}, "all_missing", [f"a result for serum creatinine, {measured}",
                                       f"a result for body weight, {measured}",
                                       f"the birth date (field `birth_date`), {measured}",
                                       f"the patient's sex (field `sex`), {measured}"]),
    ]  # fmt: skip
    solved = Solver.trace

    def reversed_trace(self: Solver, patient: Any, reference: dt.date) -> tuple[Any, Trace]:
        answer, trace = solved(self, patient, reference)
        evidence = {node: symbols[::-1] for node, symbols in trace.evidence.items()}
        missing = {node: symbols[::-1] for node, symbols in trace.missing.items()}
        return answer, Trace(trace.truth, evidence, missing)

    for reverse in (False, True):
        if reverse:
            monkeypatch.setattr(Solver, "trace", reversed_trace)
        for record, facts, lines in cases:
            (explanation,) = api.why(api.read_patient(record), api.load_trials([path]), on=REFERENCE)
            assert [f.text for f in getattr(explanation.criteria[0].part, facts)()] == lines, reverse


CLEARANCE_WINDOW_TRIAL = (
    'trial NCT00000098 "c" {\n'
    '  include c "CrCl >= 30": creatinine_clearance >= 30 mL/min\n'
    '  include w "CrCl >= 30 within 2 weeks": creatinine_clearance >= 30 mL/min within 2 weeks\n'
    "}\n"
)


def test_a_missing_input_of_the_formula_or_a_measured_clearance_decides(tmp_path: Path) -> None:
    """Where Cockcroft–Gault lacks an input and no measured clearance is used, each missing
    input is asked for with, as its alternative, a measured clearance dated where it would be
    used (on or after the latest creatinine and the window's start). Beside a clearance a
    newer creatinine set aside, only the input was asked for; with no clearance at all, a
    clearance of any date was asked for as well as the input, as if both were needed (and
    one older than the creatinine would not do); in a window, a weight alone was asked for
    where the creatinine before the window made it useless."""
    creatinine = {"attribute": "serum_creatinine", "value": 100, "unit": "umol/L", "date": "2026-11-01"}
    old_clearance = {"attribute": "creatinine_clearance", "value": 80, "unit": "mL/min", "date": "2026-10-01"}
    patient = {"id": "G3", "sex": "male", "birth_date": "1960-01-01"}

    def needs(record: dict[str, Any]) -> dict[str, list[tuple[str, str, str | None]]]:
        """Each criterion's needs: the text, the input asked for, and the alternative's date."""
        human, criteria = why_both(tmp_path, CLEARANCE_WINDOW_TRIAL, record)
        for criterion in criteria.values():
            assert criterion["status"] == "unknown"
            for fact in criterion["missing"]:
                assert f"needs {fact['text']}\n" in human, fact["text"]
                alternative = fact["alternative"]
                assert {k: v for k, v in alternative.items() if k not in ("text", "on_or_after")} == {
                    "missing": "result", "attribute": "creatinine_clearance", "measured": True
                }  # fmt: skip
                assert fact["text"].endswith(f", or {alternative['text']}")
        return {
            i: [
                (f["text"], f.get("attribute", f["missing"]), f["alternative"].get("on_or_after")) for f in c["missing"]
            ]
            for i, c in criteria.items()
        }

    weight_or = "a result for body weight, or a measured creatinine clearance dated on or after"
    creatinine_or = "a result for serum creatinine dated on or after 2026-11-08, or a measured creatinine clearance"
    in_window = [(f"{creatinine_or} dated on or after 2026-11-08", "serum_creatinine", "2026-11-08"),
                 (f"{weight_or} 2026-11-08", "weight", "2026-11-08")]  # fmt: skip
    # a measured clearance set aside by the newer creatinine, no weight
    assert needs(patient | {"measurements": [old_clearance, creatinine]}) == {
        "c": [(f"{weight_or} 2026-11-01", "weight", "2026-11-01")], "w": in_window
    }  # fmt: skip
    # no clearance at all, no weight: the same (no separate line for a clearance)
    assert needs(patient | {"measurements": [creatinine]}) == {
        "c": [(f"{weight_or} 2026-11-01", "weight", "2026-11-01")], "w": in_window
    }  # fmt: skip
    # nothing recorded: every input, or a measured clearance of any date (in the window)
    nothing = needs({"id": "G4"})
    assert [(attribute, date) for _, attribute, date in nothing["c"]] == [
        ("serum_creatinine", None), ("weight", None), ("birth_date", None), ("sex", None)
    ]  # fmt: skip
    assert [(attribute, date) for _, attribute, date in nothing["w"]] == [
        ("serum_creatinine", "2026-11-08"), ("weight", "2026-11-08"), ("birth_date", "2026-11-08"),
        ("sex", "2026-11-08"),
    ]  # fmt: skip


def test_what_a_missing_input_line_offers_decides(tmp_path: Path) -> None:
    """The input asked for settles the criterion, and so does the measured clearance offered
    in its place, from its date on; a day earlier, the newer creatinine sets it aside."""
    path = tmp_path / "c.tl"
    path.write_text(CLEARANCE_TRIAL)
    record: dict[str, Any] = {"id": "G5", "sex": "male", "birth_date": "1960-01-01", "measurements": [
        {"attribute": "creatinine_clearance", "value": 80, "unit": "mL/min", "date": "2026-10-01"},
        {"attribute": "serum_creatinine", "value": 100, "unit": "umol/L", "date": "2026-11-01"}]}  # fmt: skip
    (explanation,) = api.why(api.read_patient(record), api.load_trials([path]), on=REFERENCE)
    (asked,) = explanation.criteria[0].part.all_missing()
    assert asked.data["attribute"] == "weight"
    on_or_after = dt.date.fromisoformat(asked.data["alternative"]["on_or_after"])
    clearance = {"attribute": "creatinine_clearance", "value": 20, "unit": "mL/min"}
    weight = {"attribute": "weight", "value": 70, "unit": "kg", "date": "2026-06-01"}
    for added, status in (
        (weight, "met"),  # (140 - 66) × 70 × 1.23 / 100 ≈ 63.7
        (clearance | {"date": on_or_after.isoformat()}, "not_met"),
        (clearance | {"date": (on_or_after - dt.timedelta(days=1)).isoformat()}, "unknown"),
    ):
        changed = record | {"measurements": [*record["measurements"], added]}
        (result,) = api.check([api.read_patient(changed)], api.load_trials([path]), on=REFERENCE)
        assert result.criteria[0].status == status, added


DEMOGRAPHIC_TRIAL = (
    'trial NCT00000098 "d" {\n'
    '  include woman "Women": sex = female\n'
    '  include adult "Adults": age >= 18 years\n'
    '  include c "CrCl >= 30": creatinine_clearance >= 30 mL/min\n'
    "}\n"
)


def test_a_missing_sex_or_birth_date_is_asked_for_as_the_records_field(tmp_path: Path) -> None:
    """The sex and the birth date are fields of the record, not test results: the needs
    lines name the field to fill in, for `sex =`, for an age and for Cockcroft–Gault's
    inputs (with the measured clearance in their place). `sex = female` asked for "a
    result for sex", and the JSON named no field."""
    creatinine = {"attribute": "serum_creatinine", "value": 100, "unit": "umol/L", "date": "2026-11-01"}
    weight = {"attribute": "weight", "value": 70, "unit": "kg", "date": "2026-11-01"}
    human, criteria = why_both(tmp_path, DEMOGRAPHIC_TRIAL, {"id": "D1", "measurements": [creatinine, weight]})
    sex, born = "the patient's sex (field `sex`)", "the birth date (field `birth_date`)"
    measured = "or a measured creatinine clearance dated on or after 2026-11-01"
    assert {i: [f["text"] for f in c["missing"]] for i, c in criteria.items()} == {
        "woman": [sex], "adult": [born], "c": [f"{born}, {measured}", f"{sex}, {measured}"]
    }  # fmt: skip
    for criterion in criteria.values():
        for fact in criterion["missing"]:
            assert f"needs {fact['text']}\n" in human
            assert (fact["missing"], fact["field"]) in (("sex", "sex"), ("birth_date", "birth_date")), fact
    assert "a result for sex" not in human


def test_the_sex_and_the_age_name_their_fields_in_json(tmp_path: Path) -> None:
    """The facts `sex =` and `age >=` use name the record's field (as a result names its
    entry), with the value found there: they had no `field`."""
    record = {"id": "D2", "sex": "female", "birth_date": "1990-05-01"}
    human, criteria = why_both(tmp_path, DEMOGRAPHIC_TRIAL, record)
    (sex,) = criteria["woman"]["evidence"]
    assert {k: sex[k] for k in ("fact", "attribute", "value", "field")} == {
        "fact": "demographic", "attribute": "sex", "value": "female", "field": "sex"
    }  # fmt: skip
    (age,) = criteria["adult"]["evidence"]
    assert {k: age[k] for k in ("fact", "years", "birth_date", "field")} == {
        "fact": "age", "years": 36, "birth_date": "1990-05-01", "field": "birth_date"
    }  # fmt: skip
    assert f"· {sex['text']}\n" in human and f"· {age['text']}\n" in human


def test_a_clearance_computed_from_a_creatinine_before_the_window_asks_for_either(tmp_path: Path) -> None:
    """A clearance Cockcroft–Gault computed from a creatinine older than the window: a
    creatinine in the window would decide it (the formula has its other inputs), and so
    would a measured clearance; the needs line offers both, and the evidence says the
    clearance was computed, from which result. Only a clearance was asked for."""
    record: dict[str, Any] = {"id": "G6", "sex": "male", "birth_date": "1960-01-01", "measurements": [
        {"attribute": "serum_creatinine", "value": 100, "unit": "umol/L", "date": "2026-11-01"},
        {"attribute": "weight", "value": 70, "unit": "kg", "date": "2026-11-01"}]}  # fmt: skip
    human, criteria = why_both(tmp_path, CLEARANCE_WINDOW_TRIAL, record)
    window = criteria["w"]
    assert window["status"] == "unknown"
    (stale,) = window["evidence"]
    assert stale["text"] == (
        "the latest creatinine clearance, computed by Cockcroft–Gault from serum creatinine 100 umol/L on 2026-11-01 "
        "(measurements[0]), is from before the window opens on 2026-11-08"
    )
    assert stale["computed_from"] == {"attribute": "serum_creatinine", "date": "2026-11-01", "field": "measurements[0]"}
    (asked,) = window["missing"]
    assert asked["text"] == (
        "a result for serum creatinine dated on or after 2026-11-08, "
        "or a measured creatinine clearance dated on or after 2026-11-08"
    )
    assert {k: asked[k] for k in ("missing", "attribute", "on_or_after")} == {
        "missing": "result", "attribute": "serum_creatinine", "on_or_after": "2026-11-08"
    }  # fmt: skip
    assert {k: v for k, v in asked["alternative"].items() if k != "text"} == {
        "missing": "result", "attribute": "creatinine_clearance", "measured": True, "on_or_after": "2026-11-08"
    }  # fmt: skip
    assert f"needs {asked['text']}\n" in human
    # what it offers decides, from the day it names; a day earlier, neither does
    path = tmp_path / "t.tl"
    creatinine = {"attribute": "serum_creatinine", "value": 300, "unit": "umol/L"}
    clearance = {"attribute": "creatinine_clearance", "value": 45, "unit": "mL/min"}
    for added, day, status in (
        (creatinine, "2026-11-08", "not_met"),  # (140 - 66) × 70 × 1.23 / 300 ≈ 21.2
        (creatinine, "2026-11-07", "unknown"),
        (clearance, "2026-11-08", "met"),
        (clearance, "2026-11-07", "unknown"),
    ):
        changed = record | {"measurements": [*record["measurements"], added | {"date": day}]}
        (result,) = api.check([api.read_patient(changed)], api.load_trials([path]), on=REFERENCE)
        assert {c.id: c.status for c in result.criteria}["w"] == status, (added, day)


def test_a_definition_used_directly_and_inside_another_is_explained_in_every_criterion(tmp_path: Path) -> None:
    """c0 uses local_0 and then local_1, which uses local_0 again; c2 uses local_1 alone. The
    compiler did not note local_0's nodes as part of local_1 (c0 had them already), so
    explaining c2 failed with a KeyError (found by a longer random-trial run)."""
    path = tmp_path / "d.tl"
    path.write_text(
        'trial NCT00003000 "d" {\n  include c0 "x": local_0 and local_1\n  include c2 "y": local_1\n'
        "  define local_0 = sledai_2k > 4\n  define local_1 = weight > 0.5 and local_0\n}\n"
    )
    trials = api.load_trials([path])
    patient = api.read_patient({"id": "R0", "sex": "female"})
    (explanation,) = api.why(patient, trials, on=dt.date(2026, 5, 31), trial_ids=["NCT00003000"])
    by_id = {c.id: c for c in explanation.criteria}
    assert set(by_id) == {"c0", "c2"}
    for criterion in by_id.values():
        missing = [fact.text for fact in criterion.part.all_missing()]
        assert "a result for SLEDAI-2K score" in missing and "a result for body weight" in missing, missing
