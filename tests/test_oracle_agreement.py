"""The clingo path agrees with the plain-Python reference evaluator (tests/oracle.py) on the
seed trials, for thousands of random patients drawn at the criteria's edges."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings

from trialogic.api import check, load_trials, why
from trialogic.parser import parse_file
from trialogic.patient import Patient, read_patient
from trialogic.vocabulary import load_vocabulary

from oracle import evaluate
from strategies import dated_patient_records

RULES = Path(__file__).resolve().parent.parent / "rules"
TRIAL_FILES = sorted((RULES / "trials").glob("*.tl"))
PATIENTS = 2000

Outcome = dict[str, tuple[str, dict[str, str]]]


def clingo_outcome(patient: Patient, on: dt.date, trials: Any) -> Outcome:
    results = check([patient], trials, on=on)
    return {r.trial: (r.status, {c.id: c.status for c in r.criteria}) for r in results}


def differences(oracle: Outcome, clingo: Outcome) -> list[str]:
    lines = []
    for trial in sorted(set(oracle) | set(clingo)):
        mine, theirs = oracle.get(trial), clingo.get(trial)
        if mine == theirs:
            continue
        if mine is None or theirs is None:
            lines.append(f"{trial}: oracle {mine}, clingo {theirs}")
            continue
        lines.append(f"{trial}: oracle {mine[0]}, clingo {theirs[0]}")
        for criterion in sorted(set(mine[1]) | set(theirs[1])):
            a, b = mine[1].get(criterion), theirs[1].get(criterion)
            if a != b:
                lines.append(f"    {criterion}: oracle {a}, clingo {b}")
    return lines


def test_the_seed_trials_are_there() -> None:
    assert len(TRIAL_FILES) == 5, f"expected the five seed trials in {RULES / 'trials'}, found {TRIAL_FILES}"
    assert (RULES / "library.tl").is_file()


def test_oracle_and_clingo_agree() -> None:
    modules = [parse_file(RULES / "library.tl")] + [parse_file(path) for path in TRIAL_FILES]
    trials = load_trials(TRIAL_FILES)
    vocabulary = load_vocabulary()
    drawn = [0]

    @settings(
        max_examples=PATIENTS,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(dated_patient_records(modules))
    def agree(dated: tuple[dt.date, dict[str, Any]]) -> None:
        on, record = dated
        drawn[0] += 1
        patient = read_patient(record)
        oracle = evaluate(modules, patient, on, vocabulary)
        clingo = clingo_outcome(patient, on, trials)
        lines = differences(oracle, clingo)
        assert not lines, (
            f"the oracle and clingo disagree on {on}:\n"
            + "\n".join(lines)
            + "\n\nthe patient:\n"
            + yaml.safe_dump(record, allow_unicode=True, sort_keys=False)
        )

    agree()
    assert drawn[0] >= PATIENTS, f"only {drawn[0]} patients were drawn"


@pytest.mark.parametrize("criterion", ["age <= 30 days", "age <= 2 weeks", "age <= 3 months", "age < 1 years",
                                       "age between 0 and 1 years", "creatinine_clearance > 10 mL/min"])  # fmt: skip
def test_before_the_birth_date_the_age_is_unknown_to_both(criterion: str, tmp_path: Path) -> None:
    """A birth date after the reference date: no age (it used to be negative in days and
    months, so `age <= 30 days` held), in the rules and the oracle alike."""
    path = tmp_path / "unborn.tl"
    path.write_text(f'trial NCT00000097 "unborn" {{\n  include k "k": {criterion}\n}}\n')
    record = {"id": "U1", "birth_date": "2027-01-01", "sex": "female", "measurements": [
        {"attribute": "serum_creatinine", "value": 80, "unit": "umol/L", "date": "2026-11-01"},
        {"attribute": "weight", "value": 60, "unit": "kg", "date": "2026-11-01"}]}  # fmt: skip
    patient, on = read_patient(record), dt.date(2026, 11, 22)
    oracle = evaluate([parse_file(path)], patient, on, load_vocabulary())
    clingo = clingo_outcome(patient, on, load_trials([path]))
    assert not differences(oracle, clingo)
    (explanation,) = why(patient, load_trials([path]), on=on)
    assert explanation.criteria[0].status == "unknown"
    if criterion.startswith("age"):
        needs = [m.text for m in explanation.criteria[0].part.all_missing()]
        assert needs == [
            "a birth date on or before 2026-11-22 (field `birth_date`: the record's, 2027-01-01, is later)"
        ]
