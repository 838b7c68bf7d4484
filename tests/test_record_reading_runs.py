"""What a run makes of files that hold no record, and of an id used again after a record
with errors: each is named, and every problem is reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from trialogic import TrialogicError, api
from trialogic.cli import main

ON = ["--on", "2026-11-22"]
ONE_OR_A_LIST = "a patient file holds a record (a mapping with at least an id) or a list of records"
EMPTY_STREAM = "the file is empty; a .jsonl stream holds one patient record (a JSON object) a line"


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_an_empty_jsonl_stream_is_named_as_empty(text: str, tmp_path: Path) -> None:
    stream = tmp_path / "cohort.jsonl"
    stream.write_text(text)
    for command in (["check", str(stream)], ["screen", str(stream), "--jobs", "1"]):
        result = CliRunner().invoke(main, [*command, *ON])
        assert result.exit_code == 1, result.output
        assert result.output.splitlines()[0] == f"{stream}: error[P000]: {EMPTY_STREAM}"
        assert "no patient records here" not in result.output


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("p.yaml", "", f"the file is empty; {ONE_OR_A_LIST}"),
        ("p.yml", "\n  \n", f"the file is empty; {ONE_OR_A_LIST}"),
        ("p.json", "", f"the file is empty; {ONE_OR_A_LIST}"),
        ("p.yaml", "# to be filled in\n", f"the file holds no record (only comments); {ONE_OR_A_LIST}"),
        ("p.json", "[]", f"the file holds no record (an empty list); {ONE_OR_A_LIST}"),
        ("p.yaml", "[]\n", f"the file holds no record (an empty list); {ONE_OR_A_LIST}"),
    ],
)
def test_a_file_with_no_record_says_so(name: str, text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = CliRunner().invoke(main, ["check", str(path), *ON])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == f"{path}: error[P000]: {message}"


def test_an_empty_file_among_records_is_still_named(tmp_path: Path) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    (folder / "a.yaml").write_text("id: A\n")
    (folder / "b.jsonl").write_text("")
    (folder / "c.yaml").write_text("")
    with pytest.raises(TrialogicError) as raised:
        api.load_patients(folder)
    assert [(d.file, d.code) for d in raised.value.diagnostics] == [
        (str(folder / "b.jsonl"), "P000"),
        (str(folder / "c.yaml"), "P000"),
    ]


def test_an_id_used_again_after_an_invalid_record_is_reported_too(tmp_path: Path) -> None:
    stream = tmp_path / "cohort.jsonl"
    stream.write_text('{"id": "A"}\n{"id": "B"}\n\n{"id":"X","sex":"femal"}\n{"id": "C"}\n{"id":"X"}\n')
    result = CliRunner().invoke(main, ["check", str(stream), *ON])
    assert result.exit_code == 1, result.output
    assert f"{stream}:4:11: sex: error[P005]: sex 'femal' is not one of female, male" in result.output
    reuse = f"{stream}:6:2: id: error[P012]: patient id 'X' is used again (first: {stream}:4); give every patient"
    assert reuse in result.output


def test_ids_of_two_invalid_records_are_checked_too(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text("- {id: X, sex: robot}\n- {id: X, birth_date: 1990-02-30}\n")
    with pytest.raises(TrialogicError) as raised:
        api.load_patients(path)
    assert [(d.code, d.field, d.line) for d in raised.value.diagnostics] == [
        ("P005", "[0].sex", 1),
        ("P004", "[1].birth_date", 2),
        ("P012", "[1].id", 2),
    ]


def test_a_record_without_a_usable_id_uses_none(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text("- {id: [X], sex: robot}\n- {id: '', sex: female}\n- {id: X}\n- {id: 1.5}\n- {id: 1.5}\n")
    with pytest.raises(TrialogicError) as raised:
        api.load_patients(path)
    assert "P012" not in {d.code for d in raised.value.diagnostics}
