"""`-` reads patient records from standard input, for every command that reads records:
JSON lines (streamed, as a .jsonl file) when the first line that is not blank is a JSON
object, else one YAML or JSON document. Errors name `<stdin>` and the line."""

from __future__ import annotations

import io
import itertools
import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from trialogic.cli import main
from trialogic.records import patient_records
from trialogic.resources import facts_dir

ON = ["--on", "2026-11-22"]
P01 = (facts_dir() / "patients" / "p01.yaml").read_text()
AS_JSON = " (standard input beginning with { or [ is read as JSON)"
FLOW = "; it reads as YAML (flow style): quote its names and texts as JSON does, or give it as a .yaml file"
EXPECTED = (
    "give one patient record (a mapping with at least an id), a list of records, or JSON lines (one record a line)"
)


def run(args: list[str], given: str | bytes) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*args, *ON], input=given)
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def patients(output: str) -> list[str]:
    return list(dict.fromkeys(r["patient"] for r in json.loads(output)["results"]))


@pytest.mark.parametrize(
    "given",
    [
        '{"id": "A", "sex": "female"}\n{"id": "B", "sex": "male"}\n',  # JSON lines
        '\n\n{"id": "A", "sex": "female"}\r\n\r\n{"id": "B", "sex": "male"}',  # blank lines, CRLF, no last newline
        "\ufeff" + '{"id": "A", "sex": "female"}\n{"id": "B", "sex": "male"}\n',  # a byte-order mark
        '[{"id": "A", "sex": "female"}, {"id": "B", "sex": "male"}]\n',  # one JSON list on a line (jq -c)
        '[\n  {"id": "A", "sex": "female"},\n  {"id": "B", "sex": "male"}\n]\n',  # pretty JSON
        "- id: A\n  sex: female\n- id: B\n  sex: male\n",  # YAML
    ],
)
def test_check_reads_records_from_standard_input(given: str) -> None:
    code, output = run(["check", "-", "--json"], given)
    assert code == 0, output
    assert patients(output) == ["A", "B"]


def test_one_record_from_standard_input_is_checked_as_from_its_file(tmp_path: Path) -> None:
    path = tmp_path / "p01.yaml"
    path.write_text(P01)
    from_file = CliRunner().invoke(main, ["check", str(path), *ON, "--json"]).output
    for given in (P01, json.dumps(__import__("trialogic").patient.parse_yaml(P01), default=str)):
        code, output = run(["check", "-", "--json"], given)
        assert code == 0, output
        assert output == from_file


def test_standard_input_goes_with_files_and_an_id_is_used_once_across_them(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("id: A\nsex: female\n")
    code, output = run(["check", str(path), "-", "--json"], '{"id": "B"}\n')
    assert code == 0, output
    assert patients(output) == ["A", "B"]
    code, output = run(["check", "-", str(path)], '{"id": "B"}\n{"id": "A"}\n')
    assert code == 1
    assert f"{path}:1:1: id: error[P012]: patient id 'A' is used again (first: <stdin>:2)" in output


def test_dash_given_twice_is_a_usage_error() -> None:
    for command in ("check", "screen"):
        code, output = run([command, "-", "-"], '{"id": "A"}\n')
        assert code == 2
        assert "Usage:" in output and "`-` (standard input) is given twice; it can be read once" in output


# ----- errors name <stdin> and the line ---------------------------------------------------


def test_an_error_in_a_json_line_is_named_by_its_line() -> None:
    given = '{"id": "A", "sex": "female"}\n\n{"id": "B", "sex": "robot"}\n{"id": "C",\n{"id": "A"}\n'
    code, output = run(["check", "-"], given)
    assert code == 1
    assert output.splitlines() == [
        "<stdin>:3:13: sex: error[P005]: sex 'robot' is not one of female, male",
        '    {"id": "B", "sex": "robot"}',
        "                ^",
        "<stdin>:4:12: error[P000]: not valid JSON: Expecting property name enclosed in double quotes",
        '    {"id": "C",',
        "               ^",
        "<stdin>:5:2: id: error[P012]: patient id 'A' is used again (first: <stdin>:1); give every patient its own id",
        '    {"id": "A"}',
        "     ^",
    ]


def test_an_error_in_a_yaml_document_is_named_by_its_line_and_field() -> None:
    given = "# a cohort\n- id: A\n  sex: female\n- id: B\n  drugs:\n    - {code: ritux, start: 2026-01-01}\n"
    code, output = run(["check", "-"], given)
    assert code == 1
    assert output.splitlines() == [
        "<stdin>:6:8: [1].drugs[0].code: error[P007]: unknown drug code 'ritux'; did you mean 'rituximab'?",
        "        - {code: ritux, start: 2026-01-01}",
        "           ^",
    ]


def test_an_error_in_a_json_document_is_named_by_its_line_and_field() -> None:
    given = json.dumps({"id": "A", "sex": "female", "birth_date": "1990-02-30"}, indent=2)
    code, output = run(["check", "-"], given)
    assert code == 1
    assert output.splitlines()[0] == (
        "<stdin>:4:3: birth_date: error[P004]: '1990-02-30' is not a date; write YYYY-MM-DD, e.g. 2026-11-22"
    )


@pytest.mark.parametrize(
    ("given", "first"),
    [
        ("", f"<stdin>: error[P000]: standard input is empty; {EXPECTED}"),
        ("\n  \n", f"<stdin>: error[P000]: standard input is empty; {EXPECTED}"),
        ("# nothing yet\n", f"<stdin>: error[P000]: standard input holds no record (only comments); {EXPECTED}"),
        ("null\n", f"<stdin>:1:1: error[P000]: standard input holds null, not a record; {EXPECTED}"),
        ("~\n", f"<stdin>:1:1: error[P000]: standard input holds null, not a record; {EXPECTED}"),
        ("\n42\n", f"<stdin>:2:1: error[P000]: standard input holds the number 42, not a record; {EXPECTED}"),
        ('"P1"\n', f"<stdin>:1:1: error[P000]: standard input holds the text 'P1', not a record; {EXPECTED}"),
        ("[]\n", f"<stdin>:1:1: error[P000]: standard input holds no record (an empty list); {EXPECTED}"),
        ("{}\n", "<stdin>:1:1: id: error[P006]: the record has no id"),
        ('{"id": "A", "sex": }\n', f"<stdin>:1:20: error[P000]: not valid JSON: Expecting value{AS_JSON}"),
        (
            "[{id: A}]\n",
            f"<stdin>:1:3: error[P000]: not valid JSON: Expecting property name enclosed in double quotes{AS_JSON}{FLOW}",
        ),
        (
            "{'id': 'A'}\n",
            f"<stdin>:1:2: error[P000]: not valid JSON: Expecting property name enclosed in double quotes{AS_JSON}{FLOW}",
        ),
        ('{"id": A}\n', f"<stdin>:1:8: error[P000]: not valid JSON: Expecting value{AS_JSON}{FLOW}"),
        ('{"id": A, [}\n', f"<stdin>:1:8: error[P000]: not valid JSON: Expecting value{AS_JSON}"),  # not YAML either
        (
            "id: A\nsex: [female\n",
            "<stdin>:3:1: error[P000]: not valid YAML: while parsing a flow sequence did not find expected ',' or ']'",
        ),
        (
            '{"id": "A"}\nnull\n',
            "<stdin>:2:1: error[P000]: null is not a patient record; JSON lines hold one patient record (a JSON object) a line",
        ),
        (
            '{"id": "A"}\n[{"id": "B"}]\n',
            "<stdin>:2:1: error[P000]: a list is not a patient record; JSON lines hold one patient record (a JSON object) a line",
        ),
        (
            "id: A\nid: B\n",
            "<stdin>:2:1: id: error[P006]: the key 'id' is given twice (lines 1 and 2); give each key once: merge the two, or remove the one that is wrong",
        ),
    ],
)
def test_standard_input_holding_no_record_says_what_it_holds(given: str, first: str) -> None:
    for command in (["check", "-", "--json"], ["screen", "-", "--jobs", "1"]):
        code, output = run(command, given)
        assert code == 1, output
        assert output.splitlines()[0] == first
        assert '"results"' not in output and "patients —" not in output


@pytest.mark.parametrize(
    ("given", "message"),
    [
        (
            b'{"id": "A"}\n{"id": "B", "sex": "f\xe9male"}\n',
            "not UTF-8 text (byte 0xe9 at offset 33, line 2); give UTF-8 text",
        ),
        (b"id: A\nsex: f\xe9male\n", "not UTF-8 text (byte 0xe9 at offset 12, line 2); give UTF-8 text"),
        (
            "id: A\n".encode("utf-16"),
            "standard input is UTF-16 text (it begins with a UTF-16 byte-order mark); give UTF-8 text",
        ),
        (
            '{"id": "A"}\n'.encode("utf-16"),
            "standard input is UTF-16 text (it begins with a UTF-16 byte-order mark); give UTF-8 text",
        ),
    ],
)
def test_standard_input_that_is_not_utf8_is_named(given: bytes, message: str) -> None:
    code, output = run(["check", "-"], given)
    assert code == 1
    assert output.splitlines()[0] == f"<stdin>: error[P000]: {message}"


# ----- every command that reads records ---------------------------------------------------


@pytest.mark.parametrize("command", ["why", "fix"])
def test_why_and_fix_read_standard_input(command: str) -> None:
    code, output = run([command, "-", "NCT03580291", "--json"], P01)
    assert code == 0, output
    entries = json.loads(output)["explanations" if command == "why" else "repairs"]
    assert [(e["patient"], e["trial"]) for e in entries] == [("P01", "NCT03580291")]
    code, output = run([command, "-", "NCT03580291"], "id: P01\nsex: robot\n")
    assert code == 1
    assert output.splitlines()[0] == "<stdin>:2:1: sex: error[P005]: sex 'robot' is not one of female, male"


def test_whatif_reads_one_record_from_standard_input(tmp_path: Path) -> None:
    path = tmp_path / "p01.yaml"
    path.write_text(P01)
    change = ["--set", "serum_creatinine=80umol/L", "--json"]
    from_file = CliRunner().invoke(main, ["whatif", str(path), *change, *ON]).output
    code, output = run(["whatif", "-", *change], P01)
    assert code == 0, output
    assert output == from_file
    code, output = run(["whatif", "-", "--later", "2027-01-01"], "id: A\nbirth_date: 1990-02-30\n")
    assert code == 1
    assert output.splitlines()[:2] == [
        "<stdin>:2:1: birth_date: error[P004]: '1990-02-30' is not a date; write YYYY-MM-DD, e.g. 2026-11-22",
        "    birth_date: 1990-02-30",
    ]
    code, output = run(["whatif", "-", "--later", "2027-01-01"], '{"id": "A"}\n{"id": "B"}\n')
    assert code == 1
    assert output.splitlines()[0] == (
        "<stdin>: error[P000]: holds 2 records; give a file with one patient record (whatif changes one patient)"
    )


def test_whatif_scenarios_read_the_patient_from_standard_input(tmp_path: Path) -> None:
    scenarios = tmp_path / "s.yaml"
    scenarios.write_text("- name: later\n  changes: [--later 2027-03-01]\n")
    code, output = run(["whatif", "-", "--scenarios", str(scenarios), "--json"], P01)
    assert code == 0, output
    assert [s["scenario"] for s in json.loads(output)] == ["later"]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_screen_reads_json_lines_from_standard_input(jobs: str, tmp_path: Path) -> None:
    # more than two chunks of 250: the repeat and the error are in other workers' chunks
    lines = [json.dumps({"id": f"Q{i}", "sex": "female"}) for i in range(600)]
    out = tmp_path / "m.jsonl"
    code, output = run(["screen", "-", "--jobs", jobs, "--out", str(out)], "\n".join(lines) + "\n")
    assert code == 0, output
    assert len(out.read_text().splitlines()) == 600 * 5
    lines[300] = json.dumps({"id": "Q300", "sex": "x"})
    lines[550] = json.dumps({"id": "Q7", "sex": "male"})
    out.unlink()
    code, output = run(["screen", "-", "--jobs", jobs, "--out", str(out)], "\n".join(lines) + "\n")
    assert code == 1
    assert "<stdin>:301:16: sex: error[P005]: sex 'x' is not one of female, male" in output
    reused = "<stdin>:551:2: id: error[P012]: patient id 'Q7' is used again (first: <stdin>:8); give every patient"
    assert f"{reused} its own id\n    {lines[550]}\n     ^\n" in output
    assert not out.exists()


def test_screen_reads_a_yaml_document_from_standard_input(tmp_path: Path) -> None:
    out = tmp_path / "m.csv"
    code, output = run(["screen", "-", "--jobs", "2", "--out", str(out)], "- id: A\n- id: B\n  sex: robot\n")
    assert code == 1
    assert output.splitlines()[0] == "<stdin>:3:3: [1].sex: error[P005]: sex 'robot' is not one of female, male"
    code, output = run(["screen", "-", "--jobs", "2", "--out", str(out)], "- id: A\n- id: B\n")
    assert code == 0, output
    assert [line.split(",")[0] for line in out.read_text().splitlines()[1::5]] == ["A", "B"]


REUSED = "error[P012]: patient id 'A' is used again (first: <stdin>{}); give every patient its own id"


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (  # JSON lines
            '{"id": "A", "sex": "female"}\n{"id": "B"}\n{"id": "A"}\n',
            ["<stdin>:3:2: id: " + REUSED.format(":1"), '    {"id": "A"}', "     ^"],
        ),
        (  # one YAML document
            "- id: A\n  sex: female\n- id: B\n- id: A\n",
            ["<stdin>:4:3: [2].id: " + REUSED.format("[0]"), "    - id: A", "      ^"],
        ),
    ],
    ids=["json-lines", "yaml"],
)
def test_screen_places_an_id_used_twice_on_standard_input_as_check_does(
    jobs: str, given: str, expected: list[str]
) -> None:
    """P012 on standard input was `<stdin>:3` or `<stdin>[2]` under `screen`, with no column
    nor the line shown (its text was in a worker, and cannot be read again): it is placed
    as `check` places it."""
    for command in (["check", "-"], ["screen", "-", "--jobs", jobs]):
        code, output = run(command, given)
        assert code == 1, output
        assert output.splitlines() == expected, command


class Endless(io.RawIOBase):
    """A standard input that never ends: a JSON line after another, each read counted."""

    def __init__(self) -> None:
        self.reads = 0
        self.lines = (json.dumps({"id": f"Q{i}"}).encode() + b"\n" for i in itertools.count())

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray) -> int:  # type: ignore[override]
        self.reads += 1
        line = next(self.lines)
        buffer[: len(line)] = line
        return len(line)


def test_json_lines_from_standard_input_are_read_as_they_are_needed(monkeypatch: pytest.MonkeyPatch) -> None:
    # screen reads records in chunks as it goes: standard input is not read to its end first
    raw = Endless()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(raw)))
    first = list(itertools.islice(patient_records(["-"]), 1000))
    assert [source for _, source in first[:2]] == ["<stdin>:1", "<stdin>:2"]
    assert first[-1][1] == "<stdin>:1000"
    assert raw.reads < 2000


@pytest.mark.parametrize("command", ["check", "screen"])
def test_an_assessment_of_no_criterion_is_placed_in_a_one_record_list_and_on_standard_input(
    command: str, tmp_path: Path
) -> None:
    """P013 was placed at 1:1 for a list file holding one record, and without a line for
    `screen -`: it is at the criterion, in a file and on standard input alike."""
    text = (
        "- id: P1\n  assessments:\n    - {trial: NCT01539902, criterion: study_staf, result: met, date: 2026-11-01}\n"
    )
    path = tmp_path / "one.yaml"
    path.write_text(text)
    for given, name, stdin in ((str(path), str(path), None), ("-", "<stdin>", text)):
        args = [command, given, "--on", "2026-11-22"] + (["--jobs", "1"] if command == "screen" else [])
        result = CliRunner().invoke(main, args, input=stdin)
        assert result.exit_code == 1
        assert f"{name}:3:28: assessments[0].criterion: error[P013]" in result.stderr, result.stderr


def test_the_api_reads_standard_input_as_the_commands_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`trialogic.load_patients("-")` reads standard input, as `trialogic check -` does; a
    `Path("-")` is a file of that name."""
    import trialogic

    lines = b'{"id": "S1", "sex": "female"}\n{"id": "S2", "sex": "male"}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(lines)))
    assert [(p.id, p.sex) for p in trialogic.load_patients(["-"])] == [("S1", "female"), ("S2", "male")]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-").write_text("id: F1\nsex: female\n")
    assert [p.id for p in trialogic.load_patients(Path("-"))] == ["F1"]


def test_a_json_file_in_yaml_flow_style_is_told_so(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text("{id: A, sex: female}\n")
    result = CliRunner().invoke(main, ["check", str(path), *ON])
    assert result.exit_code == 1
    message = "error[P000]: not valid JSON: Expecting property name enclosed in double quotes"
    assert result.output.splitlines()[0] == f"{path}:1:2: {message}{FLOW}"
