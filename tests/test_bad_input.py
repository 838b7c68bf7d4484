"""Bad input: every malformed criteria file and patient record gets precise diagnostics."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from trialogic import TrialogicError, api
from trialogic.cli import main
from trialogic.patient import parse_yaml

FIXTURES = Path(__file__).parent / "fixtures"
BAD_CRITERIA: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "bad_criteria.yaml").read_text())


@pytest.mark.parametrize("case", BAD_CRITERIA, ids=[c["name"] for c in BAD_CRITERIA])
def test_bad_criteria(case: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "bad.tl"
    path.write_text(case["source"])
    with pytest.raises(TrialogicError) as raised:
        api.load_trials([path])
    got = [[d.code, d.line, d.column, d.message] for d in raised.value.diagnostics]
    assert got == case["errors"]
    for diagnostic in raised.value.diagnostics:
        rendered = diagnostic.render().splitlines()
        assert rendered[0].startswith(f"{path}:{diagnostic.line}:{diagnostic.column}: error[{diagnostic.code}]: ")
        assert rendered[1] == "    " + case["source"].splitlines()[diagnostic.line - 1]
        assert rendered[2] == "    " + " " * (diagnostic.column - 1) + "^"


def test_cli_reports_every_criteria_error_with_exit_1(tmp_path: Path) -> None:
    case = next(c for c in BAD_CRITERIA if c["name"] == "every error at once")
    path = tmp_path / "bad.tl"
    path.write_text(case["source"])
    patient = tmp_path / "p.yaml"
    patient.write_text("id: P1\n")
    result = CliRunner().invoke(main, ["check", str(patient), "--trials", str(path)])
    assert result.exit_code == 1
    assert result.output.count("error[") == len(case["errors"])
    assert f"{path}:2:18: error[E101]" in result.output


BAD_PATIENTS: list[dict[str, Any]] = parse_yaml((FIXTURES / "bad_patients.yaml").read_text())


@pytest.mark.parametrize("case", BAD_PATIENTS, ids=[c["name"] for c in BAD_PATIENTS])
def test_bad_patient_through_cli(case: dict[str, Any], tmp_path: Path) -> None:
    record, expected = case["record"], case["error"]
    good = tmp_path / "a_good.yaml"
    good.write_text("id: GOOD\nsex: female\n")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": "BAD", **record}, default=str))
    result = CliRunner().invoke(main, ["check", str(good), str(bad), "--json"])
    assert result.exit_code == 1
    assert f"{bad}: {expected}" in result.output
    assert "GOOD" not in result.output  # no partial answer


def test_unparseable_patient_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\n")
    result = CliRunner().invoke(main, ["check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2:1: error[P000]: not valid YAML/JSON" in result.output


def test_bad_reference_date_is_a_usage_error(tmp_path: Path) -> None:
    patient = tmp_path / "p.yaml"
    patient.write_text("id: P1\n")
    result = CliRunner().invoke(main, ["check", str(patient), "--on", "2026-13-01"])
    assert result.exit_code == 2
    assert "'2026-13-01' is not a date; write YYYY-MM-DD" in result.output


def test_errors_doc_is_made_from_these_tables() -> None:
    from errors_doc import DOC, render

    assert DOC.read_text() == render(), "docs/errors.md is stale: run `python tests/errors_doc.py`"
