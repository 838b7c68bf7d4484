"""The record format contract's own example (docs/patients.md) is a record trialogic accepts:
it reads without error and is checked against the bundled trials without error."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from trialogic import api
from trialogic.cli import main
from trialogic.patient import parse_yaml

DOC = Path(__file__).parent.parent / "docs" / "patients.md"
BLOCKS = re.findall(r"^```yaml\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)


def test_the_doc_has_an_example() -> None:
    assert BLOCKS


@pytest.fixture(scope="module")
def trials() -> api.TrialSet:
    return api.load_trials()


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_a_documented_record_reads_and_checks(block: str, trials: api.TrialSet) -> None:
    record: Any = parse_yaml(block)
    patient = api.read_patient(record, "docs/patients.md", trials.vocabulary)
    results = api.check([patient], trials, on=dt.date(2026, 11, 22))
    assert {r.trial for r in results} == set(trials.trials)
    for assessment in patient.assessments:  # each settles a criterion its trial has
        trial = trials.trials[assessment.trial]
        assert assessment.criterion in {c.id for c in trial.criteria}, assessment


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_a_documented_record_runs_from_a_file(block: str, tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(block)
    result = CliRunner().invoke(main, ["check", str(path), "--on", "2026-11-22", "--json"])
    assert result.exit_code == 0, result.output
