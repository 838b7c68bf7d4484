"""Golden statuses per language construct and boundary (fixtures/constructs.yaml),
decided by the clingo path and by the independent reference evaluator."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from trialogic import api
from trialogic.parser import parse
from trialogic.vocabulary import load_vocabulary

from oracle import evaluate

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "fixtures" / "constructs.yaml").read_text())
TRIAL = "NCT00000099"


def trial_source(case: dict[str, Any]) -> str:
    return f'{case.get("defines", "")}\ntrial {TRIAL} "golden" {{\n  include c "the sentence": {case["expr"]}\n}}\n'


def reference(case: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(str(case.get("reference", "2026-11-22")))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_clingo_path(case: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "golden.tl"
    path.write_text(trial_source(case))
    trials = api.load_trials([path])
    patient = api.read_patient({"id": "golden", **case["patient"]}, "golden.yaml")
    (result,) = api.check([patient], trials, on=reference(case))
    assert result.criteria[0].status == case["expect"]
    expected_trial = {"met": "eligible", "not_met": "ineligible", "unknown": "undetermined"}[case["expect"]]
    assert result.status == expected_trial


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_reference_evaluator(case: dict[str, Any]) -> None:
    module = parse(trial_source(case), "golden.tl")
    patient = api.read_patient({"id": "golden", **case["patient"]}, "golden.yaml")
    statuses = evaluate([module], patient, reference(case), load_vocabulary())
    assert statuses[TRIAL][1]["c"] == case["expect"]
