"""A patient id is never silently changed by YAML's number rules (010 is not 8, 12:30 is not
750), an id read as a number with a fraction is refused, and numbers elsewhere read as the
decimals they are written as (docs/patients.md)."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

from trialogic import TrialogicError, api
from trialogic.cli import main
from trialogic.patient import parse_yaml

WRITTEN_IDS = ["010", "01234567", "12:30", "0x1F", "0b101", "+5", "0o17", "1_000", "-0", "007", "12:30:45", "1e5"]


@pytest.mark.parametrize("written", WRITTEN_IDS)
def test_a_yaml_id_is_kept_as_written(written: str, tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(f"id: {written}\nsex: female\n")
    (patient,) = api.load_patients(path)
    assert patient.id == written


@pytest.mark.parametrize("written", ["0", "42", "-7", "1234567890123456789012345"])
def test_a_plain_whole_number_id_reads_back_as_written(written: str, tmp_path: Path) -> None:
    for name, text in (("p.yaml", f"id: {written}\n"), ("p.json", f'{{"id": {written}}}')):
        path = tmp_path / name
        path.write_text(text)
        (patient,) = api.load_patients(path)
        assert patient.id == written


def test_a_leading_zero_id_reaches_the_output_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("id: 01234567\nsex: female\n")
    result = CliRunner().invoke(main, ["check", str(path), "--on", "2026-11-22", "--json"])
    assert result.exit_code == 0, result.output
    assert {r["patient"] for r in json.loads(result.output)["results"]} == {"01234567"}


def test_two_ids_yaml_1_1_would_make_one_are_two_patients(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text("- {id: 010}\n- {id: 8}\n")  # 010 was octal 8: a false P012, or one patient's answers twice
    assert [p.id for p in api.load_patients(path)] == ["010", "8"]


@pytest.mark.parametrize(
    ("name", "text", "shown"),
    [("p.yaml", "id: 1.50\n", "1.5"), ("p.yaml", "id: 1_0.5\n", "10.5"), ("p.json", '{"id": 1.50}', "1.5")],
)
def test_an_id_read_as_a_fraction_is_refused_with_a_hint_to_quote_it(
    name: str, text: str, shown: str, tmp_path: Path
) -> None:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(TrialogicError) as raised:
        api.load_patients(path)
    (diagnostic,) = raised.value.diagnostics
    assert (diagnostic.code, diagnostic.field, diagnostic.line) == ("P006", "id", 1)
    assert diagnostic.message == (
        f"the id was read as the number {shown}, which may not be how it is written; put it in quotes"
    )


def test_a_quoted_fraction_is_an_id() -> None:
    assert api.read_patient(parse_yaml('id: "1.50"\n')).id == "1.50"


def test_a_very_long_number_is_text_not_a_crash(tmp_path: Path) -> None:
    digits = "1" * 5000  # int() refuses more than 4300 digits
    for name, text in (("p.yaml", f"id: {digits}\n"), ("p.json", f'{{"id": {digits}}}')):
        path = tmp_path / name
        path.write_text(text)
        (patient,) = api.load_patients(path)
        assert patient.id == digits


# ----- numbers elsewhere: decimals as written ------------------------------------------


def alt(written: str) -> Fraction | str:
    record = parse_yaml(f"id: P1\nmeasurements: [{{attribute: alt, value: {written}, unit: U/L, date: 2026-11-01}}]\n")
    (measurement,) = api.read_patient(record).measurements
    return measurement.value


@pytest.mark.parametrize(
    ("written", "same_as"), [("010", "10"), ("+5", "5"), ("1_000", "1000"), ("'010'", "10"), ("010.5", "10.5")]
)
def test_a_value_reads_as_the_decimal_written(written: str, same_as: str) -> None:
    assert alt(written) == alt(same_as)


SIXTIES = "write the number in decimal digits (a record reads no base 60 or times of day)"


@pytest.mark.parametrize(
    ("written", "how"),
    [
        ("0x1F", "write the number in decimal: 31"),
        ("0b101", "write the number in decimal: 5"),
        ("0o17", "write the number in decimal: 15"),
        ("12:30", SIXTIES),
        ("12:30.5", SIXTIES),
    ],
)
def test_a_value_in_another_base_is_not_a_number_and_says_how_to_write_it(written: str, how: str) -> None:
    with pytest.raises(TrialogicError) as raised:
        alt(written)
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.code == "P003"
    assert diagnostic.message == f"{written!r} is not a number; {how}"


@pytest.mark.parametrize("written", ["\u0663", "\uff11\uff12", "\u0661\u0660\u0660"])
def test_digits_of_another_script_are_not_a_number_in_another_base(written: str) -> None:
    with pytest.raises(TrialogicError) as raised:
        alt(written)
    (diagnostic,) = raised.value.diagnostics
    assert (diagnostic.code, diagnostic.message) == ("P003", f"{written!r} is not a number")


def test_a_value_in_yaml_reads_as_in_json(tmp_path: Path) -> None:
    yaml_path, json_path = tmp_path / "p.yaml", tmp_path / "p.json"
    yaml_path.write_text(
        "id: P1\nmeasurements: [{attribute: wbc, value: 03500, unit: /uL, date: 2026-11-01, uln: 011000}]\n"
    )
    entry = {"attribute": "wbc", "value": 3500, "unit": "/uL", "date": "2026-11-01", "uln": 11000}
    json_path.write_text(json.dumps({"id": "P1", "measurements": [entry]}))
    ((from_yaml,),), ((from_json,),) = ([p.measurements for p in api.load_patients(x)] for x in (yaml_path, json_path))
    assert (from_yaml.value, from_yaml.uln) == (from_json.value, from_json.uln)
