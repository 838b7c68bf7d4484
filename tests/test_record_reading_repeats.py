"""A key given twice in one mapping of a patient record is refused (P006), at any depth, in
YAML, JSON and JSONL: YAML and JSON readers keep the last and drop the first without a word,
so a record with two `drugs:` sections was read as its second alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from trialogic import TrialogicError, api
from trialogic.cli import main
from trialogic.errors import Diagnostic
from trialogic.patient import RepeatedKeys, parse_yaml

ON = ["--on", "2026-11-22"]
TWICE = "; give each key once: merge the two, or remove the one that is wrong"


def refused(path: Path) -> list[Diagnostic]:
    with pytest.raises(TrialogicError) as raised:
        api.load_patients(path)
    return raised.value.diagnostics


def test_a_second_drugs_section_is_refused_not_read_alone(tmp_path: Path) -> None:
    # the first section excludes the patient from NCT05631717 (rituximab within 24 weeks)
    path = tmp_path / "p.yaml"
    path.write_text(
        "id: R1\n"
        "drugs:\n"
        "  - {code: rituximab, start: 2026-10-01}\n"
        "sex: female\n"
        "drugs:\n"
        "  - {code: hydroxychloroquine, start: 2025-01-01}\n"
    )
    result = CliRunner().invoke(main, ["check", str(path), *ON, "--json"])
    assert result.exit_code == 1, result.output
    assert f"{path}:5:1: drugs: error[P006]: the key 'drugs' is given twice (lines 2 and 5){TWICE}" in result.output
    assert "    drugs:\n    ^" in result.output
    assert "eligible" not in result.output and "R1" not in result.output


def test_a_repeat_inside_an_entry_is_named_by_its_field_and_line(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "id: R2\n"
        "measurements:\n"
        "  - attribute: alt\n"
        "    value: 30\n"
        "    unit: U/L\n"
        "    value: 300\n"
        "    date: 2026-11-01\n"
    )
    (diagnostic,) = refused(path)
    assert (diagnostic.file, diagnostic.line, diagnostic.column, diagnostic.code) == (str(path), 6, 5, "P006")
    assert diagnostic.field == "measurements[0].value"
    assert diagnostic.message == f"the key 'value' is given twice (lines 4 and 6){TWICE}"
    assert diagnostic.source_line == "    value: 300"


def test_every_repeat_of_a_file_is_reported_in_order(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(
        "id: R3\n"
        "drugs:\n"
        "  - {code: rituximab, start: 2026-01-01, start: 2026-02-01}\n"
        "sex: female\n"
        "sex: male\n"
        "drugs: []\n"
    )
    found = [(d.line, d.field) for d in refused(path)]
    assert found == [(3, "drugs[0].start"), (5, "sex"), (6, "drugs")]


def test_a_repeat_in_a_list_file_names_the_record(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text("- {id: A, sex: female}\n- id: B\n  complete: [drugs]\n  complete: []\n")
    (diagnostic,) = refused(path)
    assert (diagnostic.line, diagnostic.field) == (4, "[1].complete")
    assert "the key 'complete' is given twice (lines 3 and 4)" in diagnostic.message


def test_a_key_written_two_ways_is_one_key(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text('id: A\n"id": B\n')
    (diagnostic,) = refused(path)
    assert (diagnostic.line, diagnostic.field) == (2, "id")


def test_json_with_an_id_given_twice_is_not_run_as_the_second(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"id":"A","id":"B"}')
    result = CliRunner().invoke(main, ["check", str(path), *ON, "--json"])
    assert result.exit_code == 1, result.output
    assert f"{path}:1:11: id: error[P006]: the key 'id' is given twice on line 1 (columns 2 and 11){TWICE}" in (
        result.output
    )
    assert '"patient"' not in result.output


def test_a_repeat_deep_in_a_json_list_file(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    records = [{"id": "A"}, {"id": "B", "drugs": [{"code": "rituximab", "start": "2026-01-01"}]}]
    text = json.dumps(records, indent=1).replace('"code": "rituximab",', '"code": "rituximab", "code": "prednisone",')
    path.write_text(text)
    (diagnostic,) = refused(path)
    assert diagnostic.field == "[1].drugs[0].code"
    assert diagnostic.source_line is not None and '"code": "prednisone"' in diagnostic.source_line
    assert "the key 'code' is given twice on line" in diagnostic.message


def test_a_jsonl_line_with_a_repeat_is_refused_and_the_others_still_read(tmp_path: Path) -> None:
    stream = tmp_path / "cohort.jsonl"
    stream.write_text('{"id": "A"}\n{"id":"X","id":"Y"}\n{"id": "C", "sex": "robot"}\n')
    for command in (["check", str(stream)], ["screen", str(stream), "--jobs", "1"]):
        result = CliRunner().invoke(main, [*command, *ON])
        assert result.exit_code == 1, result.output
        assert f"{stream}:2:11: id: error[P006]: the key 'id' is given twice on line 2 (columns 2 and 11)" in (
            result.output
        )
        assert '    {"id":"X","id":"Y"}\n              ^' in result.output
        assert f"{stream}:3:" in result.output and "error[P005]" in result.output  # every error at once


def test_merge_keys_may_override_what_they_merge() -> None:
    text = "base: &b {k: 0, j: 1}\nmid: &m {<<: *b, k: 1}\nnested: {inner: {<<: *m, k: 2}}\nlast: {<<: [*m, *b]}\n"
    assert parse_yaml(text)["nested"] == {"inner": {"k": 2, "j": 1}}


def test_a_repeat_is_a_yaml_error_for_other_readers_of_yaml() -> None:
    # examples files are read with parse_yaml and report a YAMLError at its mark
    with pytest.raises(yaml.YAMLError) as raised:
        parse_yaml("examples: []\nexamples: []\n")
    assert isinstance(raised.value, RepeatedKeys)
    assert raised.value.problem_mark is not None and raised.value.problem_mark.line == 1
    assert "the key 'examples' is given twice (lines 1 and 2)" in str(raised.value)


# YAML cannot read JSON's escaped surrogate pairs (json.dumps writes an emoji so): the lines
# of a repeat are then unknown, and the key is still named
EMOJI = '"\\ud83d\\ude00"'


def test_a_repeat_in_json_yaml_cannot_read_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(f'{{"id": "A", "sex": "female", "sex": "male", "note": {EMOJI}}}')
    (diagnostic,) = refused(path)
    assert (diagnostic.file, diagnostic.line, diagnostic.code) == (str(path), 0, "P006")
    assert diagnostic.message == f"the key 'sex' is given twice{TWICE}"


def test_a_repeat_on_a_jsonl_line_yaml_cannot_read_names_the_line(tmp_path: Path) -> None:
    stream = tmp_path / "cohort.jsonl"
    line = f'{{"id": "A", "id": "B", "note": {EMOJI}}}'
    stream.write_text('{"id": "C"}\n' + line + "\n")
    result = CliRunner().invoke(main, ["check", str(stream), *ON])
    assert result.exit_code == 1, result.output
    assert f"{stream}:2:1: error[P006]: the key 'id' is given twice{TWICE}\n    {line}\n    ^" in result.output


# ----- one key written in two ways, and keys YAML would read alike --------------------


@pytest.mark.parametrize(
    ("text", "key", "first", "second"),
    [
        ('id: A\n1: x\n"1": y\n', "1", 2, 3),  # YAML reads 1 and "1" as two keys: the field '1' twice
        ('id: A\n"1": x\n1: y\n', "1", 2, 3),
        ("id: A\n'1': x\nsex: female\n1: y\n", "1", 2, 4),
        ('id: A\n"id": B\n', "id", 1, 2),
    ],
)
def test_a_key_written_plain_and_quoted_is_one_key_named_at_its_second_line(
    text: str, key: str, first: int, second: int, tmp_path: Path
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    (diagnostic,) = refused(path)
    assert (diagnostic.code, diagnostic.field, diagnostic.line, diagnostic.column) == ("P006", key, second, 1)
    assert diagnostic.message == f"the key {key!r} is given twice (lines {first} and {second}){TWICE}"


def test_a_repeat_of_int_like_keys_inside_an_entry_is_named_at_the_second(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("id: A\nmeasurements:\n  - {attribute: alt, 1: 3, '1': 4, value: 3, unit: U/L, date: 2026-01-01}\n")
    (diagnostic,) = refused(path)
    assert (diagnostic.field, diagnostic.line, diagnostic.column) == ("measurements[0].1", 3, 28)
    assert diagnostic.message == f"the key '1' is given twice on line 3 (columns 22 and 28){TWICE}"


@pytest.mark.parametrize(
    ("first", "second"),
    [("1", "1.0"), ("true", "yes"), ("null", "~"), ("1", "0x1"), ("on", "True"), ("1", "+1"), ("1.5", "15e-1")],
)
def test_keys_yaml_would_read_alike_are_each_named_as_written_at_its_line(
    first: str, second: str, tmp_path: Path
) -> None:
    # YAML 1.1 reads 1 and 1.0 (true and yes, ...) as one key, and kept only the second; a
    # record's keys are names, read as written: each is an unknown section, at its own line
    path = tmp_path / "p.yaml"
    path.write_text(f"id: A\n{first}: x\n{second}: y\n")
    found = [(d.code, d.field, d.line, d.message.split(";")[0]) for d in refused(path)]
    assert found == [
        ("P001", first, 2, f"unknown section {first!r}"),
        ("P001", second, 3, f"unknown section {second!r}"),
    ]


def test_a_key_holding_a_dot_is_placed_at_its_own_line(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("id: A\ndrugs: []\nsex: female\ndrugs.code: rituximab\n")
    (diagnostic,) = refused(path)
    assert (diagnostic.field, diagnostic.line, diagnostic.column) == ("drugs.code", 4, 1)
    assert diagnostic.source_line == "drugs.code: rituximab"


def test_keys_are_read_as_written_by_every_reader_of_yaml() -> None:
    assert parse_yaml("1: a\nyes: b\n~: c\n1.0: d\n") == {"1": "a", "yes": "b", "~": "c", "1.0": "d"}
    with pytest.raises(yaml.YAMLError):
        parse_yaml("? [a]\n: b\n")  # a key that is not a name is still refused


@pytest.mark.parametrize("tag", ["!!map", "!!set"])
def test_a_mapping_tag_on_a_list_is_invalid_yaml_not_a_crash(tag: str, tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(f"id: A\ndrugs: {tag} [a]\n")  # was a TypeError from the repeated-key check
    result = CliRunner().invoke(main, ["check", str(path), *ON])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"{path}:2:8: error[P000]: not valid YAML: expected a mapping node, but found sequence",
        f"    drugs: {tag} [a]",
        "           ^",
    ]
