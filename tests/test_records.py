"""The cohort a command reads: the same records for check and screen, ids used once."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from trialogic.cli import main
from trialogic.resources import facts_dir

PATIENTS = facts_dir() / "patients"
ON = ["--on", "2026-11-22"]


def mixed_folder(tmp_path: Path) -> Path:
    """A folder holding a YAML file, a JSON list of two patients and a JSONL stream of two."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "a.yaml").write_text((PATIENTS / "p01.yaml").read_text())
    (folder / "b.json").write_text(json.dumps([{"id": "J1", "sex": "female"}, {"id": "J2", "sex": "male"}]))
    (folder / "c.jsonl").write_text('{"id": "L1", "sex": "female"}\n\n{"id": "L2", "birth_date": "1990-01-01"}\n')
    (folder / "notes.txt").write_text("not a patient")
    return folder


def test_check_and_screen_read_the_same_cohort_from_a_folder(tmp_path: Path) -> None:
    folder = mixed_folder(tmp_path)
    checked = CliRunner().invoke(main, ["check", str(folder), *ON, "--json"])
    assert checked.exit_code == 0, checked.output
    from_check = [(r["patient"], r["trial"], r["status"]) for r in json.loads(checked.output)["results"]]
    out = tmp_path / "m.jsonl"
    screened = CliRunner().invoke(main, ["screen", str(folder), *ON, "--jobs", "1", "--out", str(out)])
    assert screened.exit_code == 0, screened.output
    from_screen = [(r["patient"], r["trial"], r["status"]) for r in map(json.loads, out.read_text().splitlines())]
    assert from_check == from_screen
    assert [p for p, *_ in from_check[::5]] == ["P01", "J1", "J2", "L1", "L2"]


def test_an_id_used_twice_is_an_error_naming_both_records(tmp_path: Path) -> None:
    stream = tmp_path / "cohort.jsonl"
    stream.write_text('{"id": "A", "sex": "female"}\n{"id": "B", "sex": "male"}\n{"id": "A", "sex": "male"}\n')
    out = tmp_path / "m.csv"
    for command in (["check", str(stream)], ["screen", str(stream), "--jobs", "1", "--out", str(out)]):
        result = CliRunner().invoke(main, [*command, *ON])
        assert result.exit_code == 1, result.output
        assert f"{stream}:3:2: id: error[P012]: patient id 'A' is used again (first: {stream}:1)" in result.output
        assert "eligible" not in result.output
    assert not out.exists()


def test_the_same_file_given_twice_is_caught(tmp_path: Path) -> None:
    patient = str(PATIENTS / "p01.yaml")
    result = CliRunner().invoke(main, ["check", patient, patient, *ON])
    assert result.exit_code == 1
    assert "error[P012]: patient id 'P01' is used again" in result.output


def test_ids_are_checked_across_chunks_and_workers(tmp_path: Path) -> None:
    # 600 records: more than two chunks of 250, so the repeat is in another worker's chunk
    stream = tmp_path / "cohort.jsonl"
    lines = [json.dumps({"id": f"Q{i}", "sex": "female"}) for i in range(600)]
    lines[550] = json.dumps({"id": "Q7", "sex": "male"})
    stream.write_text("\n".join(lines) + "\n")
    out = tmp_path / "m.csv"
    result = CliRunner().invoke(main, ["screen", str(stream), *ON, "--jobs", "2", "--out", str(out)])
    assert result.exit_code == 1
    assert f"{stream}:551:2: id: error[P012]: patient id 'Q7' is used again (first: {stream}:8)" in result.output
    assert not out.exists()


def test_out_in_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    out = tmp_path / "nowhere" / "m.csv"
    result = CliRunner().invoke(main, ["screen", str(PATIENTS / "p01.yaml"), *ON, "--out", str(out)])
    assert result.exit_code == 1
    assert "error[S002]: cannot write the --out file: No such file or directory" in result.output
    assert "nowhere" in result.output and "Traceback" not in result.output


def test_no_records_and_no_trials_are_errors_not_empty_tables(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a patient")
    for command in (["check", str(empty)], ["screen", str(empty), "--jobs", "1"]):
        result = CliRunner().invoke(main, [*command, *ON])
        assert result.exit_code == 1
        assert f"{empty}: error[P000]: no patient records here" in result.output
    no_trials = tmp_path / "none.tl"
    no_trials.write_text("# nothing yet\n")
    result = CliRunner().invoke(main, ["check", str(PATIENTS / "p01.yaml"), "--trials", str(no_trials), *ON])
    assert result.exit_code == 1
    assert f"{no_trials}: error[E000]: no trial in the files given" in result.output


RUNS = yaml.safe_load((Path(__file__).parent / "fixtures" / "bad_runs.yaml").read_text())


@pytest.mark.parametrize("case", RUNS, ids=[c["name"] for c in RUNS])
def test_runs_that_cannot_be_made(case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the table names files as a user in that folder would
    for name, text in case["files"].items():
        Path(name).parent.mkdir(parents=True, exist_ok=True)
        Path(name).write_text(text)
    for name, target in case.get("links", {}).items():
        os.link(target, name)
    dated = case["args"][0] in ("check", "why", "fix", "whatif", "screen")  # the commands about patients
    result = CliRunner().invoke(main, [*case["args"], *(ON if dated else [])])
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == case["error"]
    assert "Traceback" not in result.output


def test_errors_in_trial_files_and_records_are_reported_together(tmp_path: Path) -> None:
    """Every error in every file at once (README): broken trials do not hide a record's errors."""
    trial = tmp_path / "t.tl"
    trial.write_text('trial NCT00000099 "t" {\n  include adult "Adults": agee >= 18 years\n}\n')
    record = tmp_path / "p.yaml"
    record.write_text("id: P1\nmeasurements:\n  - {attribute: hemoglobin, value: 900, unit: g/L, date: 2026-01-01}\n")
    for command in ("check", "why", "fix"):
        result = CliRunner().invoke(main, [command, str(record), "--trials", str(trial), *ON])
        assert result.exit_code == 1, result.output
        assert f"{trial}:2:27: error[E101]: unknown attribute 'agee'" in result.output, command
        assert f"{record}:3:29: measurements[0].value: error[P008]: 900 g/L is impossible" in result.output, command


def test_why_and_fix_read_a_jsonl_stream_too(tmp_path: Path) -> None:
    stream = tmp_path / "two.jsonl"
    stream.write_text('{"id": "L1", "sex": "female"}\n{"id": "L2", "sex": "male"}\n')
    for command in ("why", "fix"):
        result = CliRunner().invoke(main, [command, str(stream), "NCT06485648", *ON, "--json"])
        assert result.exit_code == 0, result.output
        document = json.loads(result.output)
        entries = document["explanations"] if command == "why" else document["repairs"]
        assert [e["patient"] for e in entries] == ["L1", "L2"]


@pytest.mark.parametrize(
    ("name", "args", "code"),
    [
        ("p.yaml", ["check"], "P000"),
        ("p.jsonl", ["screen", "--jobs", "2"], "P000"),
        ("t.tl", ["lint"], "E000"),
        ("t.tl", ["fmt"], "E000"),
    ],
)
def test_a_file_that_is_not_utf8_is_named_not_a_traceback(
    name: str, args: list[str], code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path(name).write_bytes(
        b'{"id": "E1", "sex": "f\xe9male"}\n' if name != "t.tl" else b'trial NCT00000001 "f\xe9" {}\n'
    )
    result = CliRunner().invoke(main, [*args, name])
    assert result.exit_code == 1, result.output
    assert f"{name}: error[{code}]: not UTF-8 text (byte 0xe9 at offset" in result.output
    assert "save the file as UTF-8" in result.output


def test_folders_inside_a_folder_are_not_read_whatever_their_name(tmp_path: Path) -> None:
    """Only a folder's files are read: a folder named like a patient file (`old.json/`) is
    not, nor a link back to the folder itself (which once read it 40 times over)."""
    folder = tmp_path / "cohort"
    (folder / "archive.yaml").mkdir(parents=True)
    (folder / "a.yaml").write_text("id: A1\nsex: female\n")
    (folder / "archive.yaml" / "old.yaml").write_text("id: OLD1\nsex: male\n")
    (folder / "again.json").symlink_to(".")
    out = tmp_path / "m.jsonl"
    checked_run = CliRunner().invoke(main, ["check", str(folder), *ON, "--json"])
    screened_run = CliRunner().invoke(main, ["screen", str(folder), *ON, "--jobs", "1", "--out", str(out)])
    assert (checked_run.exit_code, screened_run.exit_code) == (0, 0), checked_run.output + screened_run.output
    checked = {r["patient"] for r in json.loads(checked_run.output)["results"]}
    screened = {json.loads(line)["patient"] for line in out.read_text().splitlines()}
    assert checked == screened == {"A1"}


COMMANDS = {
    "check": ["check"],
    "why": ["why"],
    "fix": ["fix"],
    "whatif": ["whatif", "--later", "2027-01-01"],
    "screen": ["screen", "--jobs", "1"],
}


@pytest.mark.parametrize("command", COMMANDS)
def test_an_id_that_prints_as_another_is_refused_by_every_command(command: str, tmp_path: Path) -> None:
    """'P01 ' printed as 'P01', and 'P\\u200b01' (a zero-width space) too, yet each was
    another patient's id: both are refused (P006), never trimmed (an id links the record
    to the hospital's), wherever records are read."""
    name, *options = COMMANDS[command]
    for written, expected in (
        ("P01 ", "the id 'P01 ' begins or ends with white space"),
        ("P\u200b01", "the id 'P\\u200b01' holds U+200B (ZERO WIDTH SPACE)"),
    ):
        record = tmp_path / "p.json"
        record.write_text(json.dumps({"id": written, "sex": "female"}, ensure_ascii=False))
        result = CliRunner().invoke(main, [name, str(record), *options, *ON])
        assert result.exit_code == 1, result.output
        assert f"{record}:1:2: id: error[P006]: {expected}" in result.output
        assert "eligible" not in result.output


@pytest.mark.parametrize("command", [c for c in COMMANDS if c != "whatif"])  # whatif reads one record
def test_ids_that_print_alike_are_one_patient_in_every_command(command: str, tmp_path: Path) -> None:
    """'café' composed (U+00E9) and decomposed ('e' and U+0301) print alike: they were two
    patients, whose answers could not be told apart. They are one id used twice (P012),
    each placed, with how each is written."""
    name, *options = COMMANDS[command]
    stream = tmp_path / "cohort.jsonl"
    stream.write_text('{"id": "caf\\u00e9"}\n{"id": "B"}\n{"id": "cafe\\u0301"}\n')
    result = CliRunner().invoke(main, [name, str(stream), *options, *ON])
    assert result.exit_code == 1, result.output
    again = f"{stream}:3:2: id: error[P012]: patient id 'cafe\u0301' is used again (first: {stream}:1, "
    assert again + "written 'caf\\xe9' there and 'cafe\\u0301' here, which read as one id)" in result.output
    assert "eligible" not in result.output
