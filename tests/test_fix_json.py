"""`fix --json`: every action's `kind` is one of the action kinds the README documents; an
absence's event kind comes as `event_kind`, beside its concept and codes."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from trialogic import api
from trialogic.cli import main

ROOT = Path(__file__).parent.parent
PATIENTS = ROOT / "facts" / "patients"
# the kinds README.md's schema of `fix --json` lists ("wait|stop|...")
ACTION_KINDS = set(re.search(r'"(wait\|[a-z_|]+)"', (ROOT / "README.md").read_text(encoding="utf-8"))[1].split("|"))


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


def test_a_test_carries_its_date_and_a_pair_is_one_result_a_record_can_hold(tmp_path: Path) -> None:
    """The day a test is taken is the day of eligibility (after a wait, a result taken today
    would be stale), and an assumed blood pressure reads as the record writes it."""
    trial = tmp_path / "t.tl"
    trial.write_text(
        'trial NCT00000095 "tests" {\n'
        '  exclude rtx "Rituximab within 4 weeks": drug rituximab within 4 weeks\n'
        '  exclude bp "BP > 160/100": blood_pressure > 160/100 mmHg within 1 week\n'
        "}\n"
    )
    patient = tmp_path / "p.json"
    patient.write_text(json.dumps({"id": "T1", "complete": ["drugs"], "drugs": [
        {"code": "rituximab", "start": "2026-11-01", "end": "2026-11-10"}]}))  # fmt: skip
    document = fix_json(str(patient), "--trials", str(trial))
    (test,) = [a for a in actions(document) if a["kind"] == "test"]
    assert test["date"] == document["repairs"][0]["eligible_on"] == "2026-12-09"
    assert test["text"].startswith("obtain a blood pressure on 2026-12-09")
    (result,) = test["results"]
    assert result["attribute"] == "blood_pressure" and result["unit"] == "mmHg"
    record = {"id": "T2", "measurements": [{**result, "date": test["date"]}]}  # pasted into a record
    assert api.read_patient(record).measurements


def test_an_end_date_action_names_the_entry_and_the_day_it_ended_before(tmp_path: Path) -> None:
    record = yaml.safe_load((PATIENTS / "p02.yaml").read_text(encoding="utf-8"))
    record["drugs"].append({"code": "rituximab", "start": "2026-01-10", "status": "stopped"})
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(record), encoding="utf-8")
    found = [a for a in actions(fix_json(str(path), "NCT03580291")) if a["kind"] == "end_date"]
    field = f"drugs[{len(record['drugs']) - 1}]"
    assert found == [
        {
            "kind": "end_date",
            "level": "paperwork",
            "text": f"document when rituximab ({field}) stopped — assumed before 2026-08-30",
            "event_kind": "drug",
            "code": "rituximab",
            "field": field,
            "before": "2026-08-30",  # 12 weeks before 2026-11-22: the window's first day
        }
    ]


def test_an_end_date_action_for_an_inclusion_names_the_first_day_and_no_before(tmp_path: Path) -> None:
    """An inclusion needing recent use: the entry is assumed to have ended on or after the
    window's first day (`on_or_after`, no `before`); with an exclusion on a shorter window
    as well, it is assumed to have ended between the two (both)."""
    inclusion = 'include rtx "Rituximab within 12 weeks": drug rituximab within 12 weeks'
    exclusion = 'exclude recent "Rituximab within 2 weeks": drug rituximab within 2 weeks'
    patient = tmp_path / "p.json"
    patient.write_text(json.dumps({"id": "E1", "complete": ["drugs"], "drugs": [
        {"code": "rituximab", "start": "2025-01-10", "status": "stopped"}]}))  # fmt: skip
    found = []
    for criteria in ([inclusion], [inclusion, exclusion]):
        trial = tmp_path / "t.tl"
        trial.write_text('trial NCT00000094 "end" {\n  ' + "\n  ".join(criteria) + "\n}\n")
        found.append([a for a in actions(fix_json(str(patient), "--trials", str(trial))) if a["kind"] == "end_date"])
    common = {"kind": "end_date", "level": "paperwork", "event_kind": "drug", "code": "rituximab", "field": "drugs[0]"}
    assert found == [
        [
            {
                **common,
                "text": "document when rituximab (drugs[0]) stopped — assumed on or after 2026-08-30",
                "on_or_after": "2026-08-30",  # 12 weeks before 2026-11-22: the window's first day
            }
        ],
        [
            {
                **common,
                "text": "document when rituximab (drugs[0]) stopped — assumed on or after 2026-08-30 and before 2026-11-08",
                "on_or_after": "2026-08-30",
                "before": "2026-11-08",  # 2 weeks before 2026-11-22: the exclusion's window's first day
            }
        ],
    ]


def test_every_detail_of_every_action_is_documented() -> None:
    """Each detail an action carries besides kind, level and text is named in README.md's
    schema of `fix --json`, for every action the bundled patients' plans hold."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    schema = readme[readme.index("- `fix --json`") : readme.index("- `whatif --json`")]
    seen: dict[str, set[str]] = {}
    for action in actions(fix_json(str(PATIENTS))):
        seen.setdefault(action["kind"], set()).update(set(action) - {"kind", "level", "text"})
    assert {"wait", "stop", "test", "sign", "assess"} <= seen.keys()
    undocumented = {kind: sorted(k for k in keys if f"`{k}`" not in schema) for kind, keys in seen.items()}
    assert not any(undocumented.values()), undocumented
