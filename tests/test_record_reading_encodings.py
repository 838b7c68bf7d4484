"""How a record file's bytes and name are read: UTF-8 only (a byte-order mark and CRLF line
ends are no error; UTF-16 and bytes that are not UTF-8 are named, at their line), the suffix
in any case, blank lines and trailing commas in a .jsonl stream. Nothing is skipped or
read wrongly without a word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from trialogic import TrialogicError, api

RECORD = {
    "id": "E1",
    "sex": "female",
    "measurements": [{"attribute": "alt", "value": 61, "unit": "U/L", "date": "2026-11-01"}],
}


def refused(path: Path) -> list[str]:
    with pytest.raises(TrialogicError) as raised:
        api.load_patients(path)
    return [d.render().splitlines()[0] for d in raised.value.diagnostics]


# ----- encodings ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["p.yaml", "p.json", "p.jsonl"])
def test_a_byte_order_mark_and_crlf_line_ends_read_as_the_plain_file(name: str, tmp_path: Path) -> None:
    text = (
        json.dumps(RECORD) + "\n"
        if name != "p.yaml"
        else "id: E1\nsex: female\nmeasurements:\n  - {attribute: alt, value: 61, unit: U/L, date: 2026-11-01}\n"
    )
    plain, marked = tmp_path / name, tmp_path / f"bom-{name}"
    plain.write_text(text)
    marked.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    assert api.load_patients(marked)[0].measurements == api.load_patients(plain)[0].measurements


def test_an_error_in_a_crlf_file_with_a_byte_order_mark_is_placed_as_in_the_plain_file(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(b"\xef\xbb\xbfid: E1\r\nsex: femal\r\n")
    assert refused(path) == [f"{path}:2:1: sex: error[P005]: sex 'femal' is not one of female, male; write 'female'"]


@pytest.mark.parametrize("name", ["p.yaml", "p.json", "p.jsonl"])
@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_utf16_file_is_named_as_such(name: str, encoding: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(json.dumps(RECORD).encode(encoding))  # with its byte-order mark, as Notepad writes
    wide = encoding.upper()
    message = f"the file is {wide} text (it begins with a {wide} byte-order mark); save the file as UTF-8"
    assert refused(path) == [f"{path}: error[P000]: {message}"]


@pytest.mark.parametrize("name", ["p.yaml", "p.json"])
def test_a_byte_that_is_not_utf8_is_named_by_its_offset_and_line(name: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_bytes(b'{"id": "E1",\n "sex": "f\xe9male"}\n')  # latin-1
    assert refused(path) == [
        f"{path}: error[P000]: not UTF-8 text (byte 0xe9 at offset 23, line 2); save the file as UTF-8"
    ]


def test_a_jsonl_byte_that_is_not_utf8_is_named_at_its_offset_in_the_file_and_the_rest_is_read(
    tmp_path: Path,
) -> None:
    # the offset was counted from the start of the reader's 8 KiB chunk, not of the file
    lines = [json.dumps({"id": f"Q{i}", "sex": "female"}).encode() for i in range(1000)]
    lines[700] = lines[700].replace(b"female", b"f\xe9male")
    lines[900] = lines[900].replace(b"female", b"robot")
    stream = tmp_path / "cohort.jsonl"
    stream.write_bytes(b"\n".join(lines) + b"\n")
    offset = sum(len(line) + 1 for line in lines[:700]) + lines[700].index(b"\xe9")
    assert refused(stream) == [
        f"{stream}: error[P000]: not UTF-8 text (byte 0xe9 at offset {offset}, line 701); save the file as UTF-8",
        f"{stream}:901:16: sex: error[P005]: sex 'robot' is not one of female, male",
    ]


# ----- names and suffixes ----------------------------------------------------------------


def test_upper_case_suffixes_are_read_and_not_skipped_in_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    (folder / "a.yaml").write_text("id: A\n")
    (folder / "B.JSON").write_text('{"id": "B"}')
    (folder / "C.JSONL").write_text('{"id": "C1"}\n{"id": "C2"}\n')
    (folder / "D.YML").write_text("id: D\n")
    (folder / "E.Yaml").write_text("- id: E\n")
    assert [p.id for p in api.load_patients(folder)] == ["B", "C1", "C2", "D", "E", "A"]


def test_an_upper_case_jsonl_stream_is_read_a_line_at_a_time(tmp_path: Path) -> None:
    stream = tmp_path / "COHORT.JSONL"  # was read as one YAML document: "did not find expected <document start>"
    stream.write_text('{"id": "U1"}\n{"id": "U2", "sex": "robot"}\n')
    assert refused(stream) == [f"{stream}:2:14: sex: error[P005]: sex 'robot' is not one of female, male"]


def test_an_upper_case_json_file_is_read_as_json(tmp_path: Path) -> None:
    path = tmp_path / "P.JSON"  # was read as YAML, which cannot read JSON's escaped surrogate pairs
    path.write_text(json.dumps({"id": "A\U0001f600", "sex": "female"}))  # "A\\ud83d\\ude00"
    assert [p.id for p in api.load_patients(path)] == ["A\U0001f600"]


# ----- .jsonl lines --------------------------------------------------------------------


def test_blank_lines_and_a_blank_last_line_in_a_jsonl_stream_are_skipped(tmp_path: Path) -> None:
    stream = tmp_path / "cohort.jsonl"
    stream.write_text('{"id": "A"}\r\n\r\n   \n{"id": "B"}\n\n')
    assert [p.id for p in api.load_patients(stream)] == ["A", "B"]


def test_a_trailing_comma_in_a_jsonl_stream_is_an_error_at_its_line(tmp_path: Path) -> None:
    """Each shown with its line and a caret; what follows a record is named as such, and
    what is right said (it was JSON's 'Extra data', with no line shown)."""
    stream = tmp_path / "cohort.jsonl"
    stream.write_text('{"id": "A"},\n{"id": "B",}\n{"id": "C"}\n')
    with pytest.raises(TrialogicError) as raised:
        api.load_patients(stream)
    assert raised.value.render().splitlines() == [
        f"{stream}:1:12: error[P000]: not valid JSON: something follows the record (a trailing comma?); "
        "a .jsonl stream holds one patient record (a JSON object) a line",
        '    {"id": "A"},',
        "               ^",
        f"{stream}:2:12: error[P000]: not valid JSON: Expecting property name enclosed in double quotes",
        '    {"id": "B",}',
        "               ^",
    ]


@pytest.mark.parametrize(
    ("name", "text", "shown"),
    [
        ("p.json", '{"id": "P1",\n "sex": }\n', ['     "sex": }', "            ^"]),
        ("p.yaml", "id: P1\ndrugs: !!map [a]\n", ["    drugs: !!map [a]", "           ^"]),
        ("p.json", '{"id": "P1",\n', []),  # the reader stopped at the end: no blank line shown
    ],
)
def test_a_document_that_cannot_be_read_shows_its_line(name: str, text: str, shown: list[str], tmp_path: Path) -> None:
    """As every other record error does: the line the reader stopped at, and a caret."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(TrialogicError) as raised:
        api.load_patients(path)
    assert raised.value.render().splitlines()[1:] == shown


def test_a_json_list_written_as_a_jsonl_stream_is_an_error_not_a_cohort(tmp_path: Path) -> None:
    stream = tmp_path / "cohort.jsonl"
    stream.write_text('[{"id": "A"}, {"id": "B"}]\n')
    assert refused(stream) == [
        f"{stream}:1:1: error[P000]: a list is not a patient record; "
        "a .jsonl stream holds one patient record (a JSON object) a line"
    ]
