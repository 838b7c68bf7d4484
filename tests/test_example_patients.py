"""The example patients (facts/patients/pNN.yaml) against the five seed trials.

The expected result of every patient x trial on the reference date is written by hand in
the examples files shipped beside the trials (rules/trials/NCTxxxxxxxx.examples.yaml, the
ones `trialogic test` runs; each patient file's header comment tells why). This checks
the tool against them through the API and through `trialogic test`, checks they cover
every trial with an eligible, an ineligible and an undetermined example, and checks
every patient file is in them.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

import trialogic

ROOT = Path(__file__).resolve().parents[1]
PATIENTS = ROOT / "facts" / "patients"
TRIALS = ROOT / "rules" / "trials"
SEED_TRIALS = ("NCT03580291", "NCT05631717", "NCT01539902", "NCT04318600", "NCT06485648")
STATUSES = ("eligible", "ineligible", "undetermined")


def _table() -> tuple[dt.date, dict[str, dict[str, dict[str, Any]]]]:
    """patient id -> trial id -> {status, blocking, unknown}, from the examples files."""
    table: dict[str, dict[str, dict[str, Any]]] = {}
    references = set()
    for trial in SEED_TRIALS:
        document = yaml.safe_load((TRIALS / f"{trial}.examples.yaml").read_text(encoding="utf-8"))
        references.add(str(document["reference_date"]))
        for example in document["examples"]:
            row = {"status": example["expect"], "blocking": example["blocking"], "unknown": example["unknown"]}
            table.setdefault(example["name"], {})[trial] = row
    (reference,) = references
    return dt.date.fromisoformat(reference), table


REFERENCE, EXPECTED = _table()
ROWS = [(patient, trial) for patient, trials in EXPECTED.items() for trial in trials]


def _patient_files() -> list[Path]:
    return sorted(p for p in PATIENTS.iterdir() if p.suffix in (".yaml", ".yml", ".json"))


@pytest.fixture(scope="module")
def results() -> dict[tuple[str, str], trialogic.TrialResult]:
    patients = [patient for path in _patient_files() for patient in trialogic.load_patients(path)]
    checked = trialogic.check(patients, trialogic.load_trials(), on=REFERENCE)
    return {(r.patient, r.trial): r for r in checked}


@pytest.mark.parametrize(("patient", "trial"), ROWS, ids=[f"{p}-{t}" for p, t in ROWS])
def test_expected_result(results: dict[tuple[str, str], trialogic.TrialResult], patient: str, trial: str) -> None:
    expected = EXPECTED[patient][trial]
    result = results[(patient, trial)]
    actual = {
        "status": result.status,
        "blocking": sorted(c.id for c in result.blocking()),
        "unknown": sorted(c.id for c in result.unknown()),
    }
    wanted = {
        "status": expected["status"],
        "blocking": sorted(expected.get("blocking", [])),
        "unknown": sorted(expected.get("unknown", [])),
    }
    assert actual == wanted


def test_table_is_consistent() -> None:
    """Every row names every seed trial; statuses agree with their lists; lists are sorted."""
    for patient, trials in EXPECTED.items():
        assert set(trials) == set(SEED_TRIALS), patient
        for trial, row in trials.items():
            where = f"{patient} {trial}"
            assert set(row) <= {"status", "blocking", "unknown"}, where
            blocking, unknown = row.get("blocking", []), row.get("unknown", [])
            assert blocking == sorted(set(blocking)) and unknown == sorted(set(unknown)), where
            assert not set(blocking) & set(unknown), where
            if row["status"] == "eligible":
                assert not blocking and not unknown, where
            elif row["status"] == "ineligible":
                assert blocking, where
            else:
                assert row["status"] == "undetermined" and not blocking and unknown, where


def test_every_trial_has_each_status() -> None:
    """For every seed trial: an eligible, an ineligible and an undetermined example."""
    seen = {trial: {row[trial]["status"] for row in EXPECTED.values()} for trial in SEED_TRIALS}
    missing = {trial: sorted(set(STATUSES) - statuses) for trial, statuses in seen.items() if set(STATUSES) - statuses}
    assert not missing, f"trials without an example of: {missing}"


def test_every_patient_file_is_in_the_table() -> None:
    files = _patient_files()
    assert len(files) >= 16
    ids = []
    for path in files:
        match = re.fullmatch(r"p(\d+)", path.stem)
        assert match, f"{path.name}: example patients are named p01.yaml, p02.yaml, ..."
        (patient,) = trialogic.load_patients(path)
        assert patient.id == f"P{match.group(1)}", f"{path.name} holds patient {patient.id}"
        assert path.read_text(encoding="utf-8").startswith("#"), f"{path.name} has no story comment at the top"
        ids.append(patient.id)
    assert sorted(ids) == sorted(EXPECTED), "patient files and the table of expected results differ"


def test_trialogic_test_runs_the_same_examples() -> None:
    from click.testing import CliRunner

    from trialogic.cli import main

    result = CliRunner().invoke(main, ["test", str(TRIALS)])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == f"{len(ROWS)} passed, 0 failed"
