"""Patient record fields that used to be ignored or misread: unknown fields inside entries,
reference ranges, missing units, conflicting assessments, yes/no read as booleans, and dose
changes after a drug's end. Each is an error naming the field, placed in the file."""

from __future__ import annotations

import json
import re
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from trialogic import TrialogicError, api
from trialogic.cli import main
from trialogic.errors import Diagnostic, shown_part
from trialogic.patient import read_patient
from trialogic.vocabulary import load_vocabulary

PATIENTS = Path(__file__).parent.parent / "facts" / "patients"
DAY = "2026-11-01"


def problems(record: dict[str, Any]) -> list[Diagnostic]:
    with pytest.raises(TrialogicError) as raised:
        api.read_patient({"id": "P1", **record})
    return raised.value.diagnostics


def only(record: dict[str, Any]) -> Diagnostic:
    (diagnostic,) = problems(record)
    return diagnostic


def result(attribute: str, value: Any, **fields: Any) -> dict[str, Any]:
    return {"measurements": [{"attribute": attribute, "value": value, "date": DAY, **fields}]}


# ----- unknown fields inside an entry -------------------------------------------------


@pytest.mark.parametrize(
    ("record", "field", "hint"),
    [
        (
            {"drugs": [{"code": "tacrolimus", "start": DAY, "dose_change": [DAY]}]},
            "drugs[0].dose_change",
            "dose_changes",
        ),
        ({"drugs": [{"code": "rituximab", "start": "2026-01-01", "ned": DAY}]}, "drugs[0].ned", "end"),
        (
            {"conditions": [{"code": "lupus_nephritis", "start": DAY, "stauts": "active"}]},
            "conditions[0].stauts",
            "status",
        ),
        ({"procedures": [{"code": "renal_biopsy", "dat": DAY}]}, "procedures[0].dat", "date"),
        ({"planned": [{"kind": "procedure", "code": "renal_biopsy", "dates": DAY}]}, "planned[0].dates", "date"),
        (
            {"assessments": [{"trial": "NCT01539902", "criterion": "x", "reslt": "met", "date": DAY}]},
            "assessments[0].reslt",
            "result",
        ),
        ({"negatives": [{"kind": "condition", "code": "malignancy", "kinds": "x"}]}, "negatives[0].kinds", "kind"),
        (result("alt", 30, unit="U/L", unt="U/L"), "measurements[0].unt", "unit"),
    ],
)
def test_an_unknown_field_in_an_entry_is_named_with_the_closest_field(
    record: dict[str, Any], field: str, hint: str
) -> None:
    diagnostic = next(d for d in problems(record) if d.code == "P001")
    assert diagnostic.field == field
    assert diagnostic.message == f"unknown field {field.rsplit('.', 1)[1]!r}; did you mean {hint!r}?"


def test_an_unknown_field_with_no_close_name_lists_the_entry_s_fields() -> None:
    diagnostic = only(result("alt", 30, unit="U/L", color="red"))
    assert (diagnostic.code, diagnostic.field) == ("P001", "measurements[0].color")
    assert diagnostic.message == (
        "unknown field 'color'; measurements entries have attribute, value, unit, date, uln, reference_range"
    )


def test_a_condition_has_no_dose_changes() -> None:
    diagnostic = only({"conditions": [{"code": "lupus_nephritis", "start": DAY, "dose_changes": [DAY]}]})
    assert (diagnostic.code, diagnostic.field) == ("P001", "conditions[0].dose_changes")


def test_a_misspelled_dose_change_no_longer_makes_p01_eligible(tmp_path: Path) -> None:
    text = (PATIENTS / "p01.yaml").read_text()
    written = "mycophenolate_mofetil, start: 2024-02-10, dose_changes: [2024-05-01, 2026-07-20]"
    assert text.count(written) == 1
    path = tmp_path / "p01.yaml"
    path.write_text(text.replace(written, "mycophenolate_mofetil, start: 2024-02-10, dose_change: [2026-10-15]"))
    outcome = CliRunner().invoke(main, ["check", str(path), "--on", "2026-11-22", "--json"])
    assert outcome.exit_code == 1
    assert "NCT05631717" not in outcome.output and "eligible" not in outcome.output
    assert re.search(
        rf"{re.escape(str(path))}:\d+:\d+: drugs\[3\]\.dose_change: error\[P001\]: "
        r"unknown field 'dose_change'; did you mean 'dose_changes'\?",
        outcome.output,
    ), outcome.output


# ----- reference ranges --------------------------------------------------------------


@pytest.mark.parametrize("written", ["0-25", [7], [7, None], [], {"low": 7, "high": 40}, [7, 40, 50], 40])
def test_a_reference_range_that_is_not_low_and_high_is_an_error(written: Any) -> None:
    diagnostic = only(result("alt", 30, unit="U/L", reference_range=written))
    assert (diagnostic.code, diagnostic.field) == ("P006", "measurements[0].reference_range")
    assert diagnostic.message == f"{written!r} is not a range; write [low, high] in the result's unit, e.g. [7, 40]"


def test_a_reversed_reference_range_is_an_error() -> None:
    diagnostic = only(result("alt", 30, unit="U/L", reference_range=[40, 7]))
    assert (diagnostic.code, diagnostic.field) == ("P009", "measurements[0].reference_range")
    assert diagnostic.message == "the low end 40 is above the high end 7; write [low, high]"


def test_a_reference_range_of_words_names_the_range() -> None:
    found = problems(result("alt", 30, unit="U/L", reference_range=["a", "b"]))
    assert [(d.code, d.field, d.message) for d in found] == [
        ("P003", "measurements[0].reference_range", "'a' is not a number"),
        ("P003", "measurements[0].reference_range", "'b' is not a number"),
    ]


def test_a_reference_range_beside_a_uln_is_an_error() -> None:
    diagnostic = only(result("alt", 30, unit="U/L", uln=40, reference_range=[7, 40]))
    assert (diagnostic.code, diagnostic.field, diagnostic.message) == (
        "P006", "measurements[0].uln", "give uln or reference_range, not both"
    )  # fmt: skip


@pytest.mark.parametrize("limits", [{"reference_range": [7, 40]}, {"reference_range": ["7", "40.0"]}, {"uln": 40}])
def test_the_documented_limits_give_the_uln(limits: dict[str, Any]) -> None:
    (measurement,) = api.read_patient({"id": "P1", **result("alt", 30, unit="U/L", **limits)}).measurements
    assert measurement.uln == 40


def test_a_uln_on_a_category_is_an_error() -> None:
    diagnostic = only(result("biopsy_class", "IV", uln=3))
    assert (diagnostic.code, diagnostic.field) == ("P006", "measurements[0].uln")
    assert diagnostic.message == "biopsy_class is not a number: it has no uln"


# ----- units -------------------------------------------------------------------------


@pytest.mark.parametrize("unit", [{}, {"unit": ""}, {"unit": " "}, {"unit": None}])
def test_a_result_without_its_unit_is_an_error(unit: dict[str, Any]) -> None:
    diagnostic = only(result("serum_creatinine", 3.2, **unit))
    assert (diagnostic.code, diagnostic.field) == ("P002", "measurements[0].unit")
    assert diagnostic.message.startswith("serum_creatinine needs its unit: one of ")
    assert {"umol/L", "mg/dL"} <= set(diagnostic.message.split(": one of ")[1].split(", "))


def test_a_pair_without_its_unit_is_an_error() -> None:
    diagnostic = only(result("blood_pressure", "150/95"))
    assert (diagnostic.code, diagnostic.field) == ("P002", "measurements[0].unit")
    assert "mmHg" in diagnostic.message


def test_a_unitless_score_needs_no_unit() -> None:
    (measurement,) = api.read_patient({"id": "P1", **result("sledai_2k", 12)}).measurements
    assert measurement.value == 12


def test_a_unit_on_a_category_is_an_error() -> None:
    diagnostic = only(result("urine_pregnancy_test", "negative", unit="mg"))
    assert (diagnostic.code, diagnostic.field) == ("P002", "measurements[0].unit")
    assert diagnostic.message == "urine_pregnancy_test has no unit, but 'mg' was given"


# ----- assessments -------------------------------------------------------------------


def assessed(*results: Any, dates: tuple[str, ...] = (DAY, DAY)) -> dict[str, Any]:
    return {
        "assessments": [
            {"trial": "NCT01539902", "criterion": "serious_condition", "result": r, "date": d}
            for r, d in zip(results, dates, strict=False)
        ]
    }


def test_two_assessments_of_one_criterion_on_one_date_must_agree() -> None:
    diagnostic = only(assessed("not_met", "met"))
    assert (diagnostic.code, diagnostic.field) == ("P010", "assessments[1].result")
    assert diagnostic.message == (
        "NCT01539902 serious_condition is assessed met on 2026-11-01, "
        "but not_met on the same date in assessments[0]; keep the one that holds"
    )


def test_assessments_that_agree_or_differ_in_date_are_kept() -> None:
    assert len(api.read_patient({"id": "P1", **assessed("met", "met")}).assessments) == 2
    later = assessed("met", "not_met", dates=(DAY, "2026-11-02"))
    assert len(api.read_patient({"id": "P1", **later}).assessments) == 2


def test_conflicting_assessments_are_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({"id": "P1", **assessed("not_met", "met")}))
    outcome = CliRunner().invoke(main, ["check", str(path), "--on", "2026-11-22"])
    assert outcome.exit_code == 1
    assert "assessments[1].result: error[P010]" in outcome.output
    assert outcome.exception is None or isinstance(outcome.exception, SystemExit)


def test_a_yes_read_as_a_boolean_says_so(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(f"id: P1\nassessments:\n  - {{trial: NCT01539902, criterion: x, result: yes, date: {DAY}}}\n")
    with pytest.raises(TrialogicError) as raised:
        api.load_patients(path)
    (diagnostic,) = raised.value.diagnostics
    assert (diagnostic.code, diagnostic.field, diagnostic.line) == ("P005", "assessments[0].result", 3)
    assert diagnostic.message == "result true (YAML reads yes/no/on/off as true/false) must be met or not_met"


# ----- dose changes ------------------------------------------------------------------


def test_a_dose_change_after_the_end_is_an_error() -> None:
    drug = {
        "code": "tacrolimus",
        "start": "2026-01-01",
        "end": "2026-03-01",
        "dose_changes": ["2026-03-01", "2026-03-02"],
    }
    diagnostic = only({"drugs": [drug]})
    assert (diagnostic.code, diagnostic.field) == ("P009", "drugs[0].dose_changes[1]")
    assert diagnostic.message == "dose change 2026-03-02 after the end 2026-03-01"


def test_dose_changes_that_are_not_a_list_are_an_error() -> None:
    diagnostic = only({"drugs": [{"code": "tacrolimus", "start": "2026-01-01", "dose_changes": "2026-02-01"}]})
    assert (diagnostic.code, diagnostic.field) == ("P006", "drugs[0].dose_changes")
    assert diagnostic.message == "dose_changes must be a list of dates, e.g. [2026-10-01]"


# ----- every new error is placed in the file, whatever its form ---------------------

PLACED = [  # a record, and the field and code of the one error it gives
    (result("alt", 30, unit="U/L", color="red"), "measurements[0].color", "P001"),
    (result("alt", 30, unit="U/L", reference_range="0-25"), "measurements[0].reference_range", "P006"),
    (result("alt", 30, unit="U/L", reference_range=[40, 7]), "measurements[0].reference_range", "P009"),
    (result("serum_creatinine", 3.2), "measurements[0].unit", "P002"),
    (assessed("not_met", "met"), "assessments[1].result", "P010"),
    (
        {"drugs": [{"code": "tacrolimus", "start": "2026-01-01", "end": "2026-02-01", "dose_changes": ["2026-03-01"]}]},
        "drugs[0].dose_changes[0]",
        "P009",
    ),
]


def _written(record: dict[str, Any], form: str) -> str:
    if form == "yaml":
        return yaml.safe_dump(record, sort_keys=False)
    if form == "list":
        return yaml.safe_dump([{"id": "GOOD"}, record], sort_keys=False)
    return json.dumps(record) + "\n"


def _assert_placed(diagnostic: Diagnostic, field: str, text: str, line_offset: int = 0) -> None:
    """The diagnostic's line is the file's, and the caret is under the field's name (or the
    list item, or, for a field the entry lacks, the entry)."""
    assert diagnostic.line > 0 and diagnostic.column > 0
    assert diagnostic.source_line == text.splitlines()[diagnostic.line - 1 - line_offset]
    at = diagnostic.source_line[diagnostic.column - 1 :]
    last = field.rsplit(".", 1)[1]
    if last == "unit":  # absent: placed at its entry
        assert "attribute" in diagnostic.source_line
    elif "[" in last:  # a list's item
        assert at.startswith(("'2026-03-01'", '"2026-03-01"', "2026-03-01")), at
    else:
        assert re.match(rf"[\"']?{last}[\"']?:", at), at


@pytest.mark.parametrize(("record", "field", "code"), PLACED, ids=[f for _, f, _ in PLACED])
@pytest.mark.parametrize("form", ["yaml", "json", "list"])
def test_a_new_error_gets_the_file_line_and_column(
    record: dict[str, Any], field: str, code: str, form: str, tmp_path: Path
) -> None:
    text = _written({"id": "BAD", **record}, form)
    path = tmp_path / ("p.json" if form == "json" else "p.yaml")
    path.write_text(text)
    with pytest.raises(TrialogicError) as raised:
        api.load_patients(path)
    (diagnostic,) = raised.value.diagnostics
    assert (diagnostic.file, diagnostic.code) == (str(path), code)
    assert diagnostic.field == (f"[1].{field}" if form == "list" else field)
    _assert_placed(diagnostic, field, text)


@pytest.mark.parametrize(("record", "field", "code"), PLACED, ids=[f for _, f, _ in PLACED])
def test_a_new_error_in_a_jsonl_stream_gets_the_line_and_column(
    record: dict[str, Any], field: str, code: str, tmp_path: Path
) -> None:
    path = tmp_path / "cohort.jsonl"
    bad = json.dumps({"id": "BAD", **record})
    path.write_text(json.dumps({"id": "GOOD"}) + "\n" + bad + "\n")
    outcome = CliRunner().invoke(main, ["screen", str(path), "--jobs", "1"])
    assert outcome.exit_code == 1
    assert "GOOD" not in outcome.output  # no matrix
    found = re.search(
        rf"{re.escape(str(path))}:2:(\d+): {re.escape(field)}: error\[{code}\]: .*\n    (.*)\n", outcome.output
    )
    assert found, outcome.output
    column = int(found[1])
    assert found[2] == shown_part(bad, column - 1)[0]
    diagnostic = Diagnostic(str(path), 2, column, code, "", field=field, source_line=bad)
    _assert_placed(diagnostic, field, bad, line_offset=1)


def test_every_example_patient_still_loads() -> None:
    for path in sorted(PATIENTS.glob("*.yaml")):
        assert api.load_patients(path), path


def test_a_copied_example_with_a_typo_is_refused_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "p01.yaml"
    shutil.copy(PATIENTS / "p01.yaml", path)
    text = path.read_text().replace("reference_range: [10, 35]", "reference_range: [35, 10]")
    path.write_text(text)
    with pytest.raises(TrialogicError) as raised:
        api.load_patients(path)
    (diagnostic,) = raised.value.diagnostics
    assert diagnostic.code == "P009" and diagnostic.field.endswith(".reference_range")
    assert diagnostic.source_line is not None and "reference_range: [35, 10]" in diagnostic.source_line


@pytest.mark.parametrize(
    ("value", "unit", "noted"),
    [(198, "/mm3", True), ("198.5", "/uL", True), (999, "/µL", True), (1000, "/mm3", False), (198000, "/mm3", False),
     (198, "10^3/uL", False), (0.8, "x10^9/L", False)],
)  # fmt: skip
def test_a_count_per_microliter_below_a_thousand_is_read_with_a_note(value: Any, unit: str, noted: bool) -> None:
    """198 /mm3 is 0.198 x10^9/L, which excludes for thrombocytopenia: read as written (the
    record says it), with a warning that the thousands may have been left out."""
    record = {
        "id": "PL1",
        "measurements": [{"attribute": "platelets", "value": value, "unit": unit, "date": "2026-11-20"}],
    }
    patient = read_patient(record, "pl.yaml", load_vocabulary())
    (measurement,) = patient.measurements
    assert [(n.code, n.field, n.severity) for n in patient.notes] == (
        [("P100", "measurements[0].value", "warning")] if noted else []
    )
    if noted:
        written = Decimal(str(value))
        assert f"read as {written / 1000} x10^9/L" in patient.notes[0].message
        assert f"write {int(written * 1000)} {unit} or {value} 10^3/uL" in patient.notes[0].message


def test_the_note_reaches_the_command_line_after_the_answer(tmp_path: Path) -> None:
    path = tmp_path / "pl.yaml"
    path.write_text("id: PL1\nmeasurements:\n  - {attribute: platelets, value: 198, unit: /mm3, date: 2026-11-20}\n")
    result = CliRunner().invoke(main, ["check", str(path), "--on", "2026-11-22"])
    assert result.exit_code == 0, result.output
    assert (
        f"{path}:3:28: measurements[0].value: warning[P100]: platelet count 198 /mm3 is read as 0.198" in result.stderr
    )
