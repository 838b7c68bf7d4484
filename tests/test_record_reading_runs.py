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
ONE_A_LINE = "a .jsonl stream holds one patient record (a JSON object) a line"
EMPTY_STREAM = f"the file is empty; {ONE_A_LINE}"


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
        ("p.yaml", "---\n# to be filled in\n", f"the file holds no record (an empty document); {ONE_OR_A_LIST}"),
    ],
)
def test_a_file_with_no_record_says_so(name: str, text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = CliRunner().invoke(main, ["check", str(path), *ON])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == f"{path}: error[P000]: {message}"


@pytest.mark.parametrize(
    ("name", "text", "where", "held"),
    [
        ("p.json", "null", "1:1", "null, not a record"),  # was "only comments"
        ("p.json", "\n  null\n", "2:3", "null, not a record"),
        ("p.yaml", "~\n", "1:1", "null, not a record"),
        ("p.yaml", "# nothing yet\nnull\n", "2:1", "null, not a record"),
        ("p.json", "5", "1:1", "the number 5, not a record"),
        ("p.yaml", "5\n", "1:1", "the number 5, not a record"),
        ("p.json", "1.5", "1:1", "the number 1.5, not a record"),
        ("p.json", '"P1"', "1:1", "the text 'P1', not a record"),
        ("p.yaml", "P1\n", "1:1", "the text 'P1', not a record"),
        ("p.yml", "yes\n", "1:1", "true, not a record"),
        ("p.json", "[]", "1:1", "no record (an empty list)"),
        ("p.yaml", "# none\n[]\n", "2:1", "no record (an empty list)"),
    ],
)
def test_a_file_holding_no_record_says_what_it_holds_and_where(
    name: str, text: str, where: str, held: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = CliRunner().invoke(main, ["check", str(path), *ON, "--json"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{path}:{where}: error[P000]: the file holds {held}; {ONE_OR_A_LIST}"
    assert lines[1] == "    " + text.splitlines()[int(where.split(":")[0]) - 1]
    assert '"results"' not in result.output


@pytest.mark.parametrize(("name", "text"), [("p.json", "{}"), ("p.yaml", "{}\n"), ("p.jsonl", "{}\n")])
def test_an_empty_mapping_is_a_record_without_an_id(name: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = CliRunner().invoke(main, ["check", str(path), *ON])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == f"{path}:1:1: id: error[P006]: the record has no id"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("p.json", '[{"id": "A"}, null, 5, "B", [], true]'),
        ("p.yaml", "- id: A\n- ~\n- 5\n- B\n- []\n- yes\n"),
    ],
)
def test_a_list_item_that_is_not_a_record_says_what_it_is(name: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(text)
    result = CliRunner().invoke(main, ["check", str(path), *ON, "--json"])
    assert result.exit_code == 1, result.output
    found = [line.split(": error[P006]: ")[1] for line in result.output.splitlines() if "error[" in line]
    assert found == [
        f"a patient record is a mapping with at least an id, not {what}"
        for what in ("null", "the number 5", "the text 'B'", "a list", "true")
    ]
    assert f"{path}:" + ("1:15: [1]" if name == "p.json" else "2:3: [1]") in result.output
    assert '"results"' not in result.output  # no answer for A either


def test_a_jsonl_line_that_is_not_an_object_is_named_by_its_line(tmp_path: Path) -> None:
    stream = tmp_path / "cohort.jsonl"
    stream.write_text('{"id": "A"}\nnull\n 5\n"x"\n[]\n[{"id": "B"}]\n{}\n')
    for command in (["check", str(stream), "--json"], ["screen", str(stream), "--jobs", "1"]):
        result = CliRunner().invoke(main, [*command, *ON])
        assert result.exit_code == 1, result.output
        errors = [line for line in result.output.splitlines() if "error[" in line]
        assert errors == [
            f"{stream}:2:1: error[P000]: null is not a patient record; {ONE_A_LINE}",
            f"{stream}:3:2: error[P000]: the number 5 is not a patient record; {ONE_A_LINE}",
            f"{stream}:4:1: error[P000]: the text 'x' is not a patient record; {ONE_A_LINE}",
            f"{stream}:5:1: error[P000]: a list is not a patient record; {ONE_A_LINE}",
            f"{stream}:6:1: error[P000]: a list is not a patient record; {ONE_A_LINE}",
            f"{stream}:7:1: id: error[P006]: the record has no id",
        ]
        assert '"results"' not in result.output and "eligible" not in result.output


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


@pytest.mark.parametrize(
    ("name", "text"), [("p.yaml", "- id: A\n  sex: robot\n"), ("p.json", '[\n {"id": "A",\n  "sex": "robot"}\n]')]
)
def test_an_error_in_the_one_record_of_a_list_file_is_placed_at_its_field(name: str, text: str, tmp_path: Path) -> None:
    # it was placed at the list's first line: the file was taken for the record itself
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(TrialogicError) as raised:
        api.load_patients(path)
    (diagnostic,) = raised.value.diagnostics
    assert (diagnostic.field, diagnostic.line, diagnostic.column) == ("sex", 2 if name == "p.yaml" else 3, 3)
