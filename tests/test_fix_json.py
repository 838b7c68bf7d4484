"""`fix --json`: every action's `kind` is one of the action kinds the README documents; an
absence's event kind comes as `event_kind`, beside its concept and codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from trialogic.cli import main

ACTION_KINDS = {"wait", "stop", "test", "sign", "absent", "complete", "no_plans", "assess"}
PATIENTS = Path(__file__).parent.parent / "facts" / "patients"


def fix_json(*arguments: str) -> dict[str, Any]:
    result = CliRunner().invoke(main, ["fix", *arguments, "--on", "2026-11-22", "--json"])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.output)
    return document


def actions(document: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        action
        for repair in document["repairs"]
        for alternative in repair["alternatives"]
        for action in alternative["actions"]
    ]


def test_an_absent_action_keeps_its_kind_and_names_the_event_kind() -> None:
    document = fix_json(str(PATIENTS / "p01.yaml"), "NCT01539902")
    found = actions(document)
    assert {a["kind"] for a in found} <= ACTION_KINDS
    absent = [a for a in found if a["kind"] == "absent"]
    assert absent, "p01 × NCT01539902 should need a documented absence"
    for action in absent:
        assert action["event_kind"] in {"drug", "condition", "procedure", "vaccine", "hospitalization"}
        assert action["text"].startswith(f"document that there was no {action['event_kind']} {action['concept']}")
        assert action["codes"]


def test_every_action_kind_is_documented_for_every_bundled_patient_and_trial() -> None:
    for record in sorted(PATIENTS.glob("p*.yaml")):
        document = fix_json(str(record))
        for action in actions(document):
            assert action["kind"] in ACTION_KINDS, (record.name, action)
            assert {"kind", "level", "text"} <= action.keys()
