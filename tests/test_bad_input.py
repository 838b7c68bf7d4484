"""Bad input: every malformed criteria file and patient record gets precise diagnostics."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from trialogic import TrialogicError, api
from trialogic.cli import main
from trialogic.errors import Diagnostic, shown_part
from trialogic.patient import parse_yaml
from trialogic.positions import locate

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
@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_bad_patient_through_cli(case: dict[str, Any], suffix: str, tmp_path: Path) -> None:
    record, expected = {"id": "BAD", **case["record"]}, case["error"]
    good = tmp_path / "a_good.yaml"
    good.write_text("id: GOOD\nsex: female\n")
    bad = tmp_path / f"bad{suffix}"
    text = json.dumps(record, default=str) if suffix == ".json" else yaml.safe_dump(record, sort_keys=False)
    bad.write_text(text)
    result = CliRunner().invoke(main, ["check", str(good), str(bad), "--json"])
    assert result.exit_code == 1
    assert "GOOD" not in result.output  # no partial answer
    # FILE:LINE:COLUMN: the diagnostic, then that line of the file with a caret under the field
    found = re.search(rf"{re.escape(str(bad))}:(\d+):(\d+): {re.escape(expected)}\n    (.*)\n    ( *)\^", result.output)
    assert found, result.output
    line, column, shown, indent = int(found[1]), int(found[2]), found[3], found[4]
    # the line (a long one, JSON on one line, as the part around the field) with the caret under the column
    assert (shown, len(indent)) == shown_part(text.splitlines()[line - 1], column - 1)
    assert text.splitlines()[line - 1][column - 1 :].startswith(shown[len(indent) :].removesuffix("…"))
    field = expected.split(":")[0]
    last_key = re.findall(r"(?:^|\.)([a-z_]+)$", field)
    if last_key:  # the caret is on the field's name
        assert re.match(rf"[\"']?{last_key[0]}[\"']?:", shown[len(indent) :]), (field, shown)


def test_unparseable_patient_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: [unclosed\n")
    result = CliRunner().invoke(main, ["check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:2:1: error[P000]: not valid YAML" in result.output


DEEP = '{"id": "X", "drugs": ' + "[" * 100_000 + "]" * 100_000 + "}"


@pytest.mark.parametrize("how", ["p.json", "p.jsonl", "-"])
def test_json_nested_too_deeply_is_p000_at_its_place_not_a_recursion_error(how: str, tmp_path: Path) -> None:
    if how == "-":
        result = CliRunner().invoke(main, ["check", "-"], input=DEEP + "\n")
        where = "<stdin>:1:"
    else:
        (tmp_path / how).write_text(DEEP + "\n")
        result = CliRunner().invoke(main, ["check", str(tmp_path / how)])
        where = f"{tmp_path / how}:1:"
    assert result.exit_code == 1, result.output
    assert f"{where}121: error[P000]: not valid JSON: nested too deeply" in result.output  # the 101st level


def test_an_id_holding_half_a_character_is_p006_not_a_traceback(tmp_path: Path) -> None:
    """JSON may escape a lone surrogate ("\\ud800"); no terminal or file can show it."""
    path = tmp_path / "p.json"
    path.write_text('{"id": "\\ud800x", "sex": "female"}')
    for command in (["check", str(path)], ["screen", str(path), "--jobs", "1", "--out", str(tmp_path / "m.csv")]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1, result.output
        assert "id: error[P006]: the id '\\ud800x' holds half a character (a lone surrogate)" in result.output


def test_screen_jobs_are_bounded(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["screen", str(FIXTURES.parent.parent / "facts" / "patients" / "p01.yaml"),
                                       "--jobs", "1000000"])  # fmt: skip
    assert result.exit_code == 2
    assert "1000000 is not in the range 1<=x<=256" in result.output


def test_bad_reference_date_is_a_usage_error(tmp_path: Path) -> None:
    patient = tmp_path / "p.yaml"
    patient.write_text("id: P1\n")
    result = CliRunner().invoke(main, ["check", str(patient), "--on", "2026-13-01"])
    assert result.exit_code == 2
    assert "'2026-13-01' is not a date; write YYYY-MM-DD" in result.output


def test_errors_doc_is_made_from_these_tables() -> None:
    from errors_doc import DOC, render

    assert DOC.read_text() == render(), "docs/errors.md is stale: run `python tests/errors_doc.py`"


def test_a_record_of_a_list_file_is_named_by_its_index_and_line(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(
        "- id: A\n"
        "  sex: female\n"
        "- id: B\n"
        "  drugs:\n"
        "    - {code: prednisone, start: 2026-01-01}\n"
        "    - {code: prednisone}\n"
    )
    with pytest.raises(TrialogicError) as raised:
        api.load_patients(path)
    (diagnostic,) = raised.value.diagnostics
    # the field the record lacks is placed at its entry
    assert (diagnostic.file, diagnostic.field, diagnostic.line, diagnostic.column) == (
        str(path), "[1].drugs[1].start", 6, 7
    )  # fmt: skip
    assert diagnostic.message == "a date is required here; write YYYY-MM-DD, e.g. 2026-11-22"
    assert diagnostic.source_line == "    - {code: prednisone}"


def test_a_line_of_a_stream_gets_the_field_s_column(tmp_path: Path) -> None:
    path = tmp_path / "cohort.jsonl"
    path.write_text('{"id": "A"}\n\n{"id": "B", "sex": "robot"}\n')
    result = CliRunner().invoke(main, ["screen", str(path), "--jobs", "1"])
    assert result.exit_code == 1
    assert f"{path}:3:13: sex: error[P005]: sex 'robot' is not one of female, male" in result.output
    assert '    {"id": "B", "sex": "robot"}\n' + " " * 16 + "^" in result.output


def test_no_position_is_invented_for_a_file_that_is_gone(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("id: P\nsex: robot\n")
    with pytest.raises(TrialogicError) as raised:
        api.load_patients(path)
    assert [(d.line, d.column) for d in raised.value.diagnostics] == [(2, 1)]
    path.unlink()
    unplaced = Diagnostic(str(path), 0, 0, "P005", "sex 'robot' is not one of female, male", field="sex")
    assert locate([unplaced]) == [unplaced]
