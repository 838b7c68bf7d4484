"""What-if: each change kind, flips both ways, date shifts, criterion relaxations."""

from __future__ import annotations

import collections
import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trialogic import TrialogicError, api
from trialogic import cli as cli_module
from trialogic import whatif as whatif_module
from trialogic.cli import main
from trialogic.parser import parse_file
from trialogic.resources import facts_dir, rules_dir
from trialogic.scenario_file import Scenario
from trialogic.scenarios import run_scenarios
from trialogic.whatif import Change, apply_changes, change_trials, same_unit, whatif

from strategies import dated_patient_records

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
    (flip,) = whatif(RECORD, [Change(o, t) for o, t in changes], trials, TODAY, later).flips
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
        (flip,) = whatif(RECORD, [Change(*changes[0])], trials, TODAY).flips
        assert [(old.id if old else None, new) for old, new in flip.flipped] == [("adult", None)]
    else:
        assert flips == flipped


@pytest.mark.parametrize("order", ["relax first", "assess first"])
def test_an_assessment_is_judged_against_the_relaxed_criterion(trials: api.TrialSet, order: str) -> None:
    """`ok` is in the patient's favour as the criterion reads after the change: relaxed to
    `not manual`, an ok assessment is `met` (it was judged against `manual`, and excluded her)."""
    changes = [("--relax", "NCT00000099:opinion=not manual"), ("--assess", "opinion=ok")]
    before, after, flips = run(trials, *(changes if order == "relax first" else changes[::-1]))
    assert (before, after, flips) == ("eligible", "eligible", {})
    _, against, flipped = run(trials, changes[0], ("--assess", "opinion=not_ok"))
    assert (against, flipped) == ("ineligible", {"opinion": "met"})
    # relaxed to `manual`, a criterion the record decided may now be assessed (it was refused)
    _, relaxed, flipped = run(trials, ("--relax", "NCT00000099:scr=manual"), ("--assess", "scr=not_ok"))
    assert relaxed == "ineligible" and flipped == {"scr": "met"}


def test_ineligible_to_eligible_by_removing_a_condition_and_stopping_a_drug(trials: api.TrialSet) -> None:
    record = {**RECORD, "conditions": [{"code": "tuberculosis", "start": "2026-10-01"}],
              "drugs": [{"code": "tacrolimus", "start": "2025-01-01"}]}  # fmt: skip
    changes = [Change("--remove-condition", "tuberculosis"), Change("--stop", "tacrolimus@2026-10-01")]
    (flip,) = whatif(record, changes, trials, TODAY).flips
    assert (flip.before.status, flip.after.status) == ("ineligible", "eligible")
    assert {new.id: new.status for _, new in flip.flipped if new} == {"tb": "not_met", "tac": "not_met"}


def test_a_date_shift_across_a_washout_end(trials: api.TrialSet) -> None:
    record = {**RECORD, "drugs": [{"code": "rituximab", "start": "2026-06-01", "end": "2026-07-01"}]}
    # the washout's last day is 2026-12-16; on the 17th it is over
    (last_day,) = whatif(record, [], trials, TODAY, later=dt.date(2026, 12, 16)).flips
    (first_free,) = whatif(record, [], trials, TODAY, later=dt.date(2026, 12, 17)).flips
    assert (last_day.before.status, last_day.after.status) == ("ineligible", "ineligible")
    assert (first_free.before.status, first_free.after.status) == ("ineligible", "eligible")


def test_relaxing_a_criterion(trials: api.TrialSet) -> None:
    record = {
        **RECORD,
        "measurements": [{"attribute": "serum_creatinine", "value": 280, "unit": "umol/L", "date": "2026-11-01"}],
    }
    (flip,) = whatif(record, [Change("--relax", "NCT00000099:scr=serum_creatinine > 300 umol/L")], trials, TODAY).flips
    assert (flip.before.status, flip.after.status) == ("ineligible", "eligible")


@pytest.mark.parametrize(
    "option,text,message",
    [
        ("--set", "serum_creatinin=2mg/dL", "unknown attribute 'serum_creatinin'; did you mean 'serum_creatinine'?"),
        ("--set", "ALT=80U/L", "unknown attribute 'ALT'; did you mean 'alt'?"),  # capitals aside, it is known
        ("--set", "serum_creatinine=2g", "'g' cannot be converted to 'umol/L'"),
        ("--set", "serum_creatinine=abc", "'abc' is not a number; write ATTR=VALUE[UNIT]"),
        ("--set", "serum_creatinine=\uff12umol/L", "is not a number"),  # a full-width digit, as records refuse
        ("--set", "blood_pressure=150/abc", "'150/abc' is not a pair of numbers; write e.g. blood_pressure=150/95mmHg"),
        ("--set", "blood_pressure=150mmHg", "'150mmHg' is not a pair of numbers"),
        ("--set", "blood_pressure=150/95/80mmHg", "'150/95/80mmHg' is not a pair of numbers"),
        ("--stop", "tacrolimus", "the record has no tacrolimus still being taken"),
        ("--start", "rituximabb", "unknown drug code 'rituximabb'; did you mean 'rituximab'?"),
        ("--drop", "NCT00000099:nothing", "no criterion NCT00000099:nothing"),
        ("--drop", "NCT00000099:sccr", "no criterion NCT00000099:sccr; did you mean 'NCT00000099:scr'?"),
        # errors point into the expression as written: just past its end when it ends too early
        (
            "--relax",
            "NCT00000099:scr=serum_creatinine >",
            "--relax NCT00000099:scr:1:19: error[E001]: the expression ends too early",
        ),
        (
            "--relax",
            "NCT00000099:scr=(sex = male",
            "--relax NCT00000099:scr:1:12: error[E001]: the expression ends too early",
        ),
        (  # a `}` of its own closes the trial written around the expression: it is the one out of place
            "--relax",
            "NCT00000099:scr=serum_creatinine > 300 umol/L }",
            "--relax NCT00000099:scr:1:31: error[E001]: unexpected '}'\n",
        ),
        (
            "--relax",
            "NCT00000099:scr=sex = male ) or manual",
            "--relax NCT00000099:scr:1:12: error[E001]: unexpected ')'\n",
        ),
        (
            "--relax",
            "NCT00000099:scr=sex = male } concept z = {tacrolimus",
            "write one criterion expression, nothing around it",
        ),
        (
            "--relax",
            'NCT00000099:scr=manual } trial NCT99999999 "x" { include a "b": manual',
            "write one criterion expression",
        ),
        ("--relax", 'NCT00000099:scr=manual\n  include extra "injected": manual', "write the expression on one line"),
        ("--relax", 'NCT00000099:scr=sex = male note "hi"', "write one criterion expression"),
        (
            "--relax",
            "NCT00000099:scr=sex = male and serum_creatinin > 2 mg/dL",
            "--relax NCT00000099:scr:1:16: error[E101]: unknown attribute 'serum_creatinin'",
        ),
        (
            "--relax",
            "NCT00000099:scr=sex = male and serum_creatinin > 2 mg/dL",
            "\n    sex = male and serum_creatinin > 2 mg/dL\n                   ^",
        ),
        ("--assess", "opinion=maybe", "write [TRIAL:]CRITERION=ok or =not_ok"),
        (
            "--assess",
            "NCT00000099:opinon=ok",
            "no trial has a criterion NCT00000099:opinon; did you mean 'NCT00000099:opinion'?",
        ),
        ("--assess", "opinon=ok", "no trial has a criterion opinon; did you mean 'opinion'?"),
        ("--set", "serum_creatinine=2mg/dL@2026-02-30", "'2026-02-30' is not a date"),
        ("--assess", "scr=ok", "NCT00000099:scr is decided by the record, not by an assessment"),
        ("--set", "serum_creatinine=-5umol/L", "-5 umol/L is impossible for serum creatinine"),
        ("--set", "serum_creatinine=1e40umol/L", "'1e40' is out of range"),
        # a change that finds nothing to change says what the record holds instead
        (
            "--stop",
            "rituximab",
            "the record has no rituximab still being taken on 2026-11-22 (drugs[0] ended on 2026-03-01): "
            "there is nothing to stop",
        ),
        (
            "--stop",
            "tacrolimus",
            "the record has no tacrolimus still being taken on 2026-11-22; it records no drug taken then",
        ),
        (
            "--remove-condition",
            "lupus_nephritiss",
            "no condition lupus_nephritiss to remove; did you mean 'lupus_nephritis'?",
        ),
        ("--remove-condition", "pregnancy", "no condition pregnancy to remove; its conditions are lupus_nephritis"),
        ("--unset", "serum_creatinin", "no serum_creatinin result to remove; did you mean 'serum_creatinine'?"),
        ("--unset", "wbc", "the record has no wbc result to remove; it holds results of serum_creatinine"),
    ],
)
def test_bad_changes_are_reported(trials: api.TrialSet, option: str, text: str, message: str) -> None:
    with pytest.raises(TrialogicError) as raised:
        whatif(RECORD, [Change(option, text)], trials, TODAY)
    assert message in raised.value.render()


def test_stopping_a_drug_not_taken_names_the_drugs_that_are(trials: api.TrialSet) -> None:
    """--stop of a drug the patient does not take says which drugs are taken that day (a
    close name as a did-you-mean), so that the right one can be stopped."""
    drugs = [
        {"code": "tacrolimus", "start": "2025-01-01"},
        {"code": "prednisone", "start": "2025-01-01", "end": "2027-01-01"},
        {"code": "rituximab", "start": "2026-01-01", "end": "2026-03-01"},
    ]
    record = {**RECORD, "drugs": drugs}
    for text, message in [
        ("tacrolimuss", "the record has no tacrolimuss still being taken on 2026-11-22; did you mean 'tacrolimus'?"),
        (
            "aspirin",
            "the record has no aspirin still being taken on 2026-11-22; the drugs it takes then are prednisone, tacrolimus",
        ),
        ("aspirin@2027-02-01", "no aspirin still being taken on 2027-02-01; the drugs it takes then are tacrolimus"),
    ]:
        with pytest.raises(TrialogicError) as raised:
            whatif(record, [Change("--stop", text)], trials, TODAY)
        assert message in raised.value.render()


def test_starting_a_drug_already_taken_is_refused_and_a_break_is_not(trials: api.TrialSet) -> None:
    """--start of a drug taken that day would add a second course beginning that day, read as a
    recent start; it is refused, naming the course. Stopped first, or ended by then, it starts."""
    drugs = [
        {"code": "tacrolimus", "start": "2025-01-01"},
        {"code": "rituximab", "start": "2026-01-01", "end": "2026-03-01"},
    ]
    record = {**RECORD, "drugs": drugs}
    for text in ("tacrolimus", "tacrolimus@2025-01-01", "tacrolimus@2026-06-01"):
        with pytest.raises(TrialogicError) as raised:
            apply_changes(record, [Change("--start", text)], trials, TODAY)
        (diagnostic,) = raised.value.diagnostics
        assert diagnostic.code == "W001" and diagnostic.field == f"--start {text}"
        assert "the record already has tacrolimus taken on" in diagnostic.message
        assert "(drugs[0], started 2025-01-01)" in diagnostic.message
    # before the course began, after a course ended, or after a stop: a new course
    for changes in (
        [Change("--start", "tacrolimus@2024-06-01")],
        [Change("--start", "rituximab@2026-03-01")],
        [Change("--start", "rituximab")],
        [Change("--stop", "tacrolimus@2026-10-01"), Change("--start", "tacrolimus")],
    ):
        changed = apply_changes(record, changes, trials, TODAY)
        code, _, day = changes[-1].text.partition("@")
        assert changed["drugs"][-1] == {"code": code, "start": day or TODAY.isoformat()}


def test_a_change_that_makes_the_record_invalid_is_named_not_the_field_it_wrote(trials: api.TrialSet) -> None:
    """The record's fields (`drugs[1].code`) would point at entries only a change wrote: the
    change is named instead, each one that fails, after those that went well."""
    changes = [
        Change("--set", "serum_creatinine=80umol/L"),
        Change("--start", "rituximb"),
        Change("--set", "foo=3"),
    ]
    with pytest.raises(TrialogicError) as raised:
        whatif(RECORD, changes, trials, TODAY)
    assert [(d.file, d.field, d.code) for d in raised.value.diagnostics] == [
        ("<what-if>", "--start rituximb", "P007"),
        ("<what-if>", "--set foo=3", "P001"),
    ]
    assert "did you mean 'rituximab'" in raised.value.render()


def test_an_assessment_replaces_one_made_the_same_day(trials: api.TrialSet) -> None:
    # the record's assessment of `opinion` is dated 2026-11-01: a new verdict that day replaces it
    (flip,) = whatif(RECORD, [Change("--assess", "opinion=not_ok")], trials, dt.date(2026, 11, 1)).flips
    assert (flip.before.status, flip.after.status) == ("eligible", "ineligible")
    (back,) = whatif(RECORD, [Change("--assess", "opinion=ok")], trials, dt.date(2026, 11, 1)).flips
    assert (back.before.status, back.after.status) == ("eligible", "eligible")


def test_whatif_equals_editing_the_file_by_hand(trials: api.TrialSet) -> None:
    edited = json.loads(json.dumps(RECORD))
    edited["measurements"].append(
        {"attribute": "serum_creatinine", "value": 3.1, "unit": "mg/dL", "date": "2026-11-22"}
    )
    edited["drugs"].append({"code": "tacrolimus", "start": "2026-11-22"})
    (by_hand,) = api.check([api.read_patient(edited)], trials, on=TODAY)
    (flip,) = whatif(
        RECORD, [Change("--set", "serum_creatinine=3.1mg/dL"), Change("--start", "tacrolimus")], trials, TODAY
    ).flips
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


def test_cli_whatif_builds_the_changed_trials_and_record_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The evidence shown is read from the trials and the record whatif changed, not from a
    second build of them."""
    trial = tmp_path / "w.tl"
    trial.write_text(TRIAL)
    patient = tmp_path / "w1.yaml"
    patient.write_text(yaml.safe_dump(RECORD))
    built: collections.Counter[str] = collections.Counter()

    def counted(what: str, builder: Callable[..., Any]) -> Callable[..., Any]:
        def build(*args: Any, **kwargs: Any) -> Any:
            built[what] += 1
            return builder(*args, **kwargs)

        return build

    monkeypatch.setattr(whatif_module, "build_trials", counted("trials", whatif_module.build_trials))
    record_builder = counted("record", whatif_module.apply_changes)
    for module in (whatif_module, cli_module):  # wherever a changed record may be built from
        monkeypatch.setattr(module, "apply_changes", record_builder, raising=False)
    args = ["whatif", str(patient), "--trials", str(trial), "--on", "2026-11-22", "--set", "serum_creatinine=200umol/L",
            "--relax", "NCT00000099:scr=serum_creatinine > 150 umol/L"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "scr: not_met → met" in result.output
    assert "serum creatinine 200 umol/L on 2026-11-22" in result.output  # evidence from the changed record
    assert built == {"trials": 1, "record": 1}


SEED_MODULES = [parse_file(rules_dir() / "library.tl")] + [
    parse_file(p) for p in sorted((rules_dir() / "trials").glob("*.tl"))
]
SEEDS = api.load_trials()
SET_VALUES = [("serum_creatinine", "umol/L", 240, 300), ("wbc", "x10^9/L", 2, 5), ("hemoglobin", "g/L", 70, 130)]
CONDITIONS = ["tuberculosis", "malignancy", "pregnancy", "rheumatoid_arthritis", "lupus_nephritis"]
DRUGS = ["rituximab", "tacrolimus", "mycophenolate_mofetil", "belimumab"]


@st.composite
def changes(draw: st.DrawFn, record: dict[str, Any], today: dt.date) -> list[tuple[str, str, dict[str, Any]]]:
    """Random changes, each with the entry a person would add to the file by hand."""
    drawn = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["--set", "--add-condition", "--start"]))
        date = today - dt.timedelta(days=draw(st.integers(0, 200)))
        if kind == "--set":
            attribute, unit, low, high = draw(st.sampled_from(SET_VALUES))
            value = draw(st.integers(low, high))
            entry = {"attribute": attribute, "value": value, "unit": unit, "date": date.isoformat()}
            drawn.append((kind, f"{attribute}={value}{unit}@{date}", {"measurements": entry}))
        elif kind == "--add-condition":
            code = draw(st.sampled_from(CONDITIONS))
            drawn.append((kind, f"{code}@{date}", {"conditions": {"code": code, "start": date.isoformat()}}))
        else:
            code = draw(st.sampled_from(DRUGS))
            drawn.append((kind, f"{code}@{date}", {"drugs": {"code": code, "start": date.isoformat()}}))
    return drawn


def canonical(name: str) -> str:
    """An attribute's name, whichever synonym a record writes."""
    known = SEEDS.vocabulary.attribute(name)
    return known.name if known is not None else name


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_random_changes_equal_editing_by_hand(data: st.DataObject) -> None:
    today, record = data.draw(dated_patient_records(SEED_MODULES))
    drawn = data.draw(changes(record, today))
    edited = json.loads(json.dumps(record, default=str))
    # the first change refused, if one is: a result replacing one whose lab limit is in another
    # unit than the new value's, or a drug started on a day a course of it is taken
    refused: str | None = None
    for _, _, addition in drawn:
        for section, entry in addition.items():
            if section == "drugs" and any(
                d.get("code") == entry["code"]
                and str(d.get("start")) <= entry["start"]
                and (str(d["end"]) > entry["start"] if d.get("end") is not None else d.get("status") != "stopped")
                for d in edited.get(section, [])
            ):
                refused = refused or "the record already has .* taken on"
            if section == "measurements":  # a new result replaces one of the same attribute (any synonym) and day,
                # keeping its laboratory's limit
                same_day = [
                    m for m in edited.get(section, [])
                    if canonical(m["attribute"]) == entry["attribute"] and str(m["date"]) == entry["date"]
                ]  # fmt: skip
                for old in same_day:
                    limits = {k: old[k] for k in ("uln", "reference_range") if k in old}
                    unit = str(old.get("unit", "")).strip()
                    if limits and not same_unit(SEEDS, entry["attribute"], unit, entry["unit"]):
                        refused = refused or "write the value in"
                    entry.update(limits)
                edited[section] = [m for m in edited.get(section, []) if m not in same_day]
            edited.setdefault(section, []).append(entry)
    if refused:
        with pytest.raises(TrialogicError, match=refused):
            whatif(record, [Change(o, t) for o, t, _ in drawn], SEEDS, today)
        return
    try:
        by_hand = {r.trial: r for r in api.check([api.read_patient(edited)], SEEDS, on=today)}
    except TrialogicError:
        with pytest.raises(TrialogicError):
            whatif(record, [Change(o, t) for o, t, _ in drawn], SEEDS, today)
        return
    for flip in whatif(record, [Change(o, t) for o, t, _ in drawn], SEEDS, today).flips:
        assert flip.after.status == by_hand[flip.trial].status
        assert [(c.id, c.status) for c in flip.after.criteria] == [
            (c.id, c.status) for c in by_hand[flip.trial].criteria
        ]


def test_assess_ok_is_in_the_patients_favour_whatever_the_criterion_says(tmp_path: Path) -> None:
    path = tmp_path / "n.tl"
    path.write_text(
        'trial NCT00000003 "senses" {\n'
        '  include fit "No condition that, in the investigator\'s opinion, precludes taking part": not manual\n'
        '  exclude unfit "Unfit, in the investigator\'s opinion": manual\n'
        '  include both "x": manual or not manual\n'
        "}\n"
    )
    trials = api.load_trials([path])
    record = {"id": "N1"}
    for target, verdict, status in [("fit", "ok", "met"), ("fit", "not_ok", "not_met"),
                                    ("unfit", "ok", "not_met"), ("unfit", "not_ok", "met")]:  # fmt: skip
        (flip,) = whatif(record, [Change("--assess", f"{target}={verdict}")], trials, TODAY).flips
        assert {new.id: new.status for _, new in flip.flipped if new} == {target: status}
    with pytest.raises(TrialogicError) as raised:
        whatif(record, [Change("--assess", "both=ok")], trials, TODAY)
    assert "counts its assessment both for and against" in raised.value.render()


def test_set_by_a_synonym_replaces_the_same_days_result(trials: api.TrialSet) -> None:
    # RECORD holds serum_creatinine 2.0 mg/dL on 2026-11-01; `scr` is its synonym
    (flip,) = whatif(RECORD, [Change("--set", "scr=300umol/L@2026-11-01")], trials, TODAY).flips
    assert (flip.before.status, flip.after.status) == ("eligible", "ineligible")


def test_later_before_the_reference_date_is_refused(tmp_path: Path) -> None:
    patient = str(facts_dir() / "patients" / "p05.yaml")
    args = ["whatif", patient, "--on", "2026-11-22", "--later", "2026-11-20", "--set", "serum_creatinine=80umol/L"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "2026-11-20 is before the reference date 2026-11-22" in result.output
    scenarios = tmp_path / "s.yaml"
    scenarios.write_text("- name: back\n  changes: [--later 2026-01-01]\n")
    result = CliRunner().invoke(main, ["whatif", patient, "--on", "2026-11-22", "--scenarios", str(scenarios)])
    assert result.exit_code == 1
    said = ':2:13: scenario 1 "back", change 1 "--later 2026-01-01": error[W004]: --later 2026-01-01 is before the reference date 2026-11-22'
    assert f"{scenarios}{said}" in result.output  # placed at the --later change


def test_a_criterion_dropped_twice_or_a_trial_left_without_criteria_is_refused() -> None:
    seeds = api.load_trials()
    relaxed = Change("--relax", "NCT05631717:consent=nonsense_name")  # never checked: the last change counted
    dropped = Change("--drop", "NCT05631717:consent")
    for twice in ([dropped, dropped], [relaxed, dropped], [dropped, relaxed], [relaxed, relaxed]):
        with pytest.raises(TrialogicError, match="NCT05631717:consent is changed twice"):
            change_trials(seeds, twice)
    first, second = seeds.trials["NCT06485648"].criteria
    with pytest.raises(TrialogicError, match=f"{second.id} is the only criterion of NCT06485648"):
        change_trials(
            seeds, [Change("--drop", f"NCT06485648:{first.id}"), Change("--drop", f"NCT06485648:{second.id}")]
        )


def test_stopping_a_drug_whose_recorded_end_is_later(trials: api.TrialSet) -> None:
    """A drug with a recorded end after the day is still taken that day: --stop ends it."""
    record = {**RECORD, "drugs": [{"code": "tacrolimus", "start": "2025-01-01", "end": "2027-06-01"}]}
    (flip,) = whatif(record, [Change("--stop", "tacrolimus")], trials, TODAY, later=dt.date(2026, 12, 21)).flips
    assert (flip.before.status, flip.after.status) == ("ineligible", "eligible")
    with pytest.raises(TrialogicError, match="the record has no tacrolimus still being taken"):
        whatif(record, [Change("--stop", "tacrolimus@2027-07-01")], trials, TODAY)


def test_later_is_reported_as_the_day_checked_beside_the_reference_date() -> None:
    patient = str(facts_dir() / "patients" / "p06.yaml")
    args = ["whatif", patient, "--on", "2026-11-22", "--later", "2027-03-01"]
    document = json.loads(CliRunner().invoke(main, [*args, "--json"]).output)
    assert (document["reference_date"], document["checked_on"]) == ("2026-11-22", "2027-03-01")
    human = CliRunner().invoke(main, args)
    assert human.exit_code == 0, human.output
    assert human.output.startswith("before: on 2026-11-22; after the changes: on 2027-03-01")


def test_a_change_dated_after_the_day_checked_is_said_not_to_count_yet() -> None:
    patient = str(facts_dir() / "patients" / "p05.yaml")
    args = ["whatif", patient, "--on", "2026-11-22", "--set", "serum_creatinine=80umol/L@2027-01-01"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert (
        "note: --set serum_creatinine=80umol/L@2027-01-01 is dated after 2026-11-22, the day checked" in result.output
    )
    later = CliRunner().invoke(main, [*args, "--later", "2027-01-01"])
    assert "note:" not in later.output


def test_assessments_are_checked_against_the_trials_as_loaded(trials: api.TrialSet) -> None:
    """A typo in an assessment is P013; relaxing or dropping the manual criterion the record
    assessed is a what-if, not an error in the record."""
    typo = {**RECORD, "assessments": [{**RECORD["assessments"][0], "criterion": "opinon"}]}
    with pytest.raises(TrialogicError, match=r"P013.*NCT00000099 has no criterion 'opinon'; did you mean 'opinion'"):
        whatif(typo, [], trials, TODAY)
    for change in (Change("--drop", "NCT00000099:opinion"), Change("--relax", "NCT00000099:opinion=sex = male")):
        (flip,) = whatif(RECORD, [change], trials, TODAY).flips
        assert flip.before.status != "" and flip.trial == "NCT00000099"


@pytest.mark.parametrize("limit", [{"uln": 35}, {"reference_range": [7, 35]}])
def test_set_on_a_day_with_a_result_keeps_the_laboratorys_limit(limit: dict[str, Any], tmp_path: Path) -> None:
    """55 U/L is above 1.5 × the lab's 35 U/L (52.5) but not above 1.5 × the usual 40 U/L:
    the replaced result's limit must stay (it was dropped, and the usual one used)."""
    path = tmp_path / "alt.tl"
    path.write_text('trial NCT09999992 "alt" {\n  exclude alt "ALT above 1.5 x ULN": alt > 1.5 x ULN\n}\n')
    trials = api.load_trials([path])
    record = {
        "id": "A1",
        "measurements": [{"attribute": "alt", "value": 30, "unit": "U/L", "date": "2026-11-22", **limit}],
    }
    (flip,) = whatif(record, [Change("--set", "alt=55U/L")], trials, TODAY).flips
    assert {new.id: new.status for _, new in flip.flipped if new} == {"alt": "met"}
    with pytest.raises(TrialogicError, match="has its .* in U/L; write the value in U/L"):
        whatif(record, [Change("--set", "alt=0.9ukat/L")], trials, TODAY)
    # IU/L is U/L spelled another way: the limit applies as written
    (same,) = whatif(record, [Change("--set", "alt=55IU/L")], trials, TODAY).flips
    assert [(c.id, c.status) for c in same.after.criteria] == [(c.id, c.status) for c in flip.after.criteria]
    assert same_unit(trials, "alt", "U/L", "IU/L") and same_unit(trials, "alt", "U/L", "U/L")
    assert not same_unit(trials, "alt", "U/L", "ukat/L") and not same_unit(trials, "alt", "U/L", "furlong")


def test_stop_before_a_recorded_dose_change_or_the_start_names_the_day_that_would_do() -> None:
    record = {"id": "D1", "drugs": [{"code": "tacrolimus", "start": "2026-01-01", "dose_changes": ["2026-11-15"]}]}
    trials = api.load_trials()
    # stopped on the day of its last change, it was last taken then (as `fix` plans it)
    with pytest.raises(
        TrialogicError, match=r"on 2026-11-15, .*stop it on that day or later \(--stop tacrolimus@2026-11-15\)"
    ):
        whatif(record, [Change("--stop", "tacrolimus@2026-11-10")], trials, TODAY)
    with pytest.raises(TrialogicError, match="tacrolimus starts on 2026-01-01, after 2025-11-10"):
        whatif(record, [Change("--stop", "tacrolimus@2025-11-10")], trials, TODAY)
    flips = whatif(record, [Change("--stop", "tacrolimus@2026-11-15")], trials, TODAY).flips
    assert len(flips) == len(trials.trials)  # accepted: the record stays valid


def test_a_stop_ends_the_course_taken_that_day_not_a_later_one(trials: api.TrialSet) -> None:
    record = {**RECORD, "drugs": [{"code": "tacrolimus", "start": "2025-06-01", "end": "2026-04-15"},
                                  {"code": "tacrolimus", "start": "2026-11-01"}]}  # fmt: skip
    changed = apply_changes(record, [Change("--stop", "tacrolimus@2026-03-01")], trials, TODAY)
    assert changed["drugs"] == [
        {"code": "tacrolimus", "start": "2025-06-01", "end": "2026-03-01"},
        {"code": "tacrolimus", "start": "2026-11-01"},
    ]
    with pytest.raises(TrialogicError, match="starts on 2025-06-01, after 2025-01-01"):
        apply_changes(record, [Change("--stop", "tacrolimus@2025-01-01")], trials, TODAY)


@pytest.mark.parametrize(
    ("value", "advice"),
    [("3.510^9/L", "'wbc=3.5 10^9/L'"), ("1210^9/L", "'wbc=12 10^9/L'"), ("-4.2e110^9/L", "'wbc=-4.2e1 10^9/L'")],
)
def test_a_unit_run_into_the_number_is_told_apart(value: str, advice: str) -> None:
    """3.510^9/L would read as 3.510 in the unit ^9/L: the error says where the space goes,
    and the advice, followed, reads as the value meant."""
    trials = api.load_trials()
    with pytest.raises(TrialogicError) as refused:
        apply_changes(RECORD, [Change("--set", f"wbc={value}")], trials, TODAY)
    (diagnostic,) = refused.value.diagnostics
    assert diagnostic.code == "W001"
    assert diagnostic.message.endswith(f"set a unit beginning with a digit apart by a space: {advice}")
    followed = apply_changes(RECORD, [Change("--set", advice.strip("'"))], trials, TODAY)
    (entry,) = [m for m in followed["measurements"] if m["attribute"] == "wbc"]
    assert (entry["value"] + entry["unit"]).replace(" ", "") == value.replace(" ", "")
    assert entry["unit"] == "10^9/L"


def test_the_api_refuses_a_later_date_before_the_reference_date() -> None:
    """As the command line does: the changes would be judged before the day they are made."""
    trials = api.load_trials()
    change = [Change("--set", "serum_creatinine=80umol/L")]
    with pytest.raises(ValueError, match="later: 2026-11-21 is before the reference date 2026-11-22"):
        whatif(RECORD, change, trials, TODAY, later=TODAY - dt.timedelta(days=1))
    back = Scenario("back", tuple(change), later=TODAY - dt.timedelta(days=1))
    with pytest.raises(ValueError, match="scenario 'back': later: 2026-11-21 is before the reference date"):
        run_scenarios(RECORD, [back], trials, TODAY, "<input>", [])
    on_the_day = whatif(RECORD, change, trials, TODAY, later=TODAY)  # the reference date itself is allowed
    assert [f.before.status for f in on_the_day.flips]


@pytest.mark.parametrize(
    "arguments",
    [
        ["--unset", "serum_creatinine", "--set", "serum_creatinine=80umol/L"],
        ["--set=serum_creatinine=80umol/L", "--unset", "serum_creatinine"],
        [
            "--set",
            "serum_creatinine=80umol/L",
            "--on",
            "2026-11-22",
            "--unset=serum_creatinine",
            "--set",
            "wbc=2.1 10^9/L",
        ],
        ["--remove-condition", "lupus_nephritis", "--add-condition=lupus_nephritis@2026-11-01"],
        ["--stop", "tacrolimus@2026-11-01", "--start", "tacrolimus@2026-11-15", "--set", "serum_creatinine=90umol/L"],
    ],
)
def test_the_command_line_applies_changes_in_the_order_given(arguments: list[str]) -> None:
    """`--unset X --set X=...` leaves the new result (applied in a fixed order of options, the
    new result was removed too): the command line agrees with the API given the same list."""
    patient = facts_dir() / "patients" / "p05.yaml"
    result = CliRunner().invoke(main, ["whatif", str(patient), "--on", "2026-11-22", *arguments, "--json"])
    assert result.exit_code == 0, result.output
    said = {
        (t["trial"], f["after"]["id"]): f["after"]["status"]
        for t in json.loads(result.output)["trials"]
        for f in t["flipped"]
    }
    pairs = [a for a in arguments if a != "--on" and a != "2026-11-22"]
    changes = []
    for token in pairs:
        if "=" in token and token.startswith("--") and token.split("=", 1)[0] in whatif_module.OPTIONS:
            changes.append(Change(*token.split("=", 1)))
        elif token.startswith("--"):
            changes.append(Change(token, ""))
        else:
            changes[-1] = Change(changes[-1].option, token)
    record = yaml.safe_load(patient.read_text())
    expected = {
        (f.trial, new.id): new.status
        for f in whatif(record, changes, api.load_trials(), TODAY).flips
        for _, new in f.flipped
        if new is not None
    }
    assert said == expected
    assert len(json.loads(result.output)["trials"]) == len(api.load_trials().trials)


def test_a_fact_that_decides_two_parts_of_a_criterion_is_shown_once() -> None:
    """`age >= 18 years and age <= 65 years` reads the age twice: whatif cites it once, on
    the command line and in --json."""
    patient = str(facts_dir() / "patients" / "p03.yaml")
    args = ["whatif", patient, "--on", "2026-11-22", "--later", "2026-11-23"]
    human = CliRunner().invoke(main, args).output
    section = human.split("NCT05631717: ineligible → eligible")[1].split("\n\n")[0]
    assert section.count("age 18 years on 2026-11-23 (born 2008-11-23)") == 1
    document = json.loads(CliRunner().invoke(main, [*args, "--json"]).output)
    for trial in document["trials"]:
        for flipped in trial["flipped"]:
            texts = [fact["text"] for fact in flipped["evidence"]]
            assert len(texts) == len(set(texts)), (trial["trial"], texts)
    (age,) = [f for t in document["trials"] if t["trial"] == "NCT05631717" for f in t["flipped"]]
    assert [fact["text"] for fact in age["evidence"]] == ["age 18 years on 2026-11-23 (born 2008-11-23)"]


def test_a_result_set_before_the_latest_is_said_to_change_nothing_criteria_read() -> None:
    """--set with a date older than the record's latest result of that attribute (by the day
    checked) adds a result no criterion reads: the answer says so, as it says of a change
    dated after the day checked, rather than leaving "unchanged" to puzzle over."""
    p05 = str(facts_dir() / "patients" / "p05.yaml")
    base = ["whatif", p05, "--on", "2026-11-22"]
    old = CliRunner().invoke(main, [*base, "--set", "serum_creatinine=200umol/L@2020-01-01"])
    assert old.exit_code == 0, old.output
    note = (
        "note: --set serum_creatinine=200umol/L@2020-01-01 is not the latest serum_creatinine by 2026-11-22 "
        "(the record holds one of 2026-11-12, 3.0 mg/dL), and criteria read the latest"
    )
    assert note in " ".join(old.output.split())
    assert "unchanged: NCT01539902, NCT03580291, NCT04318600, NCT05631717, NCT06485648" in old.output
    # a synonym names the same results; the latest by a later day checked sets it aside too
    synonym = CliRunner().invoke(main, [*base, "--set", "creatinine=2mg/dL@2026-11-01", "--later", "2026-12-01"])
    assert "is not the latest serum_creatinine by 2026-12-01" in " ".join(synonym.output.split())
    for newest in ("serum_creatinine=200umol/L@2026-11-13", "serum_creatinine=200umol/L"):
        result = CliRunner().invoke(main, [*base, "--set", newest])
        assert result.exit_code == 0 and "note:" not in result.output, result.output


def test_a_trial_not_eligible_after_the_changes_says_what_else_is_in_the_way() -> None:
    """Dropping the creatinine exclusion leaves P05 undetermined for NCT01539902: the answer
    names the criteria that did not flip and still fail or are unknown, so that the status
    reads against them (which the changed record's own check gives)."""
    p05 = facts_dir() / "patients" / "p05.yaml"
    change = "NCT01539902:creatinine"
    answer = whatif(yaml.safe_load(p05.read_text()), [Change("--drop", change)], SEEDS, TODAY)
    (flip,) = [f for f in answer.flips if f.trial == "NCT01539902"]
    assert (flip.before.status, flip.after.status) == ("ineligible", "undetermined")
    rest = [c for c in flip.after.criteria if c.status == "unknown" or c in flip.after.blocking()]
    assert rest and "creatinine" not in [c.id for c in rest]
    said = ", ".join(f"{'?' if c.status == 'unknown' else '✗'} {c.kind} {c.id} ({c.status})" for c in rest)
    result = CliRunner().invoke(main, ["whatif", str(p05), "--on", "2026-11-22", "--drop", change])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert f"creatinine: met → (dropped) still in the way: {said} unchanged:" in text
    # a trial eligible after the changes has nothing in the way
    p06 = str(facts_dir() / "patients" / "p06.yaml")
    later = CliRunner().invoke(main, ["whatif", p06, "--on", "2026-11-22", "--later", "2027-02-07"])
    assert "NCT05631717: ineligible → eligible" in later.output
    block = later.output.split("NCT05631717: ineligible → eligible")[1].split("\n\n")[0]
    assert "still in the way" not in block


def test_whatif_json_lists_what_is_in_the_way_after_the_changes() -> None:
    """--json gives each trial's `in_the_way` after the changes (every criterion failing or
    unknown, in the trial's order), as the changed record's check has them: empty for a
    trial eligible after, and equal to the check's failing and unknown criteria for each."""
    p05 = facts_dir() / "patients" / "p05.yaml"
    args = ["whatif", str(p05), "--on", "2026-11-22", "--drop", "NCT01539902:creatinine", "--json"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    answer = whatif(yaml.safe_load(p05.read_text()), [Change("--drop", "NCT01539902:creatinine")], SEEDS, TODAY)
    after = {f.trial: f.after for f in answer.flips}
    for entry in document["trials"]:
        expected = [
            {"id": c.id, "kind": c.kind, "status": c.status}
            for c in after[entry["trial"]].criteria
            if c.status == "unknown" or c in after[entry["trial"]].blocking()
        ]
        assert entry["in_the_way"] == expected
        assert (entry["after"] == "eligible") == (expected == [])
    (first,) = [e for e in document["trials"] if e["trial"] == "NCT01539902"]
    assert [c["id"] for c in first["in_the_way"]] == ["newly_diagnosed", "study_staff", "serious_condition"]
