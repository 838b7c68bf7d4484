"""The CLI through click's CliRunner: check (table and JSON) and compile."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from trialogic.cli import main
from trialogic.resources import facts_dir

TRIAL = """trial NCT00000099 "demo" {
  include adult "Adults 18 years or older": age >= 18 years
  exclude scr "Serum creatinine more than 250 umol/L": serum_creatinine > 250 umol/L
  exclude opinion "In the opinion of the investigator": manual
}
"""


def write(tmp_path: Path) -> tuple[Path, Path, Path]:
    trial = tmp_path / "demo.tl"
    trial.write_text(TRIAL)
    child = tmp_path / "child.yaml"
    child.write_text("id: CHILD\nbirth_date: 2015-06-01\n")
    adult = tmp_path / "adult.yaml"
    adult.write_text(
        "id: ADULT\nbirth_date: 1980-06-01\nmeasurements:\n"
        "  - {attribute: serum_creatinine, value: 2.0, unit: mg/dL, date: 2026-11-01}\n"
        "assessments:\n  - {trial: NCT00000099, criterion: opinion, result: not_met, date: 2026-11-20}\n"
    )
    return trial, child, adult


def test_check_json_document(tmp_path: Path) -> None:
    trial, child, adult = write(tmp_path)
    result = CliRunner().invoke(
        main, ["check", str(child), str(adult), "--trials", str(trial), "--on", "2026-11-22", "--json"]
    )
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["reference_date"] == "2026-11-22"
    by_patient = {r["patient"]: r for r in document["results"]}
    assert by_patient["CHILD"]["status"] == "ineligible"
    assert by_patient["CHILD"]["blocking"] == ["adult"]
    assert by_patient["CHILD"]["unknown"] == ["scr", "opinion"]
    assert by_patient["ADULT"]["status"] == "eligible"  # 2.0 mg/dL = 176.8 umol/L
    assert by_patient["ADULT"]["criteria"] == [
        {"id": "adult", "kind": "inclusion", "status": "met", "text": "Adults 18 years or older"},
        {"id": "scr", "kind": "exclusion", "status": "not_met", "text": "Serum creatinine more than 250 umol/L"},
        {"id": "opinion", "kind": "exclusion", "status": "not_met", "text": "In the opinion of the investigator"},
    ]


def test_check_table_names_failing_and_unknown_criteria(tmp_path: Path) -> None:
    trial, child, adult = write(tmp_path)
    result = CliRunner().invoke(main, ["check", str(tmp_path), "--trials", str(trial), "--on", "2026-11-22"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert any("CHILD" in line and "ineligible" in line and "adult" in line for line in lines)
    assert any("ADULT" in line and "eligible" in line for line in lines)
    assert "CHILD × NCT00000099: ineligible" in result.output
    assert "Adults 18 years or older" in result.output
    assert "ADULT × NCT00000099" not in result.output  # nothing to explain for an eligible pair


def test_compile_prints_the_asp_facts(tmp_path: Path) -> None:
    trial, _, _ = write(tmp_path)
    result = CliRunner().invoke(main, ["compile", "NCT00000099", "--trials", str(trial)])
    assert result.exit_code == 0, result.output
    assert 'cmp(n("NCT00000099",2),"serum_creatinine",gt,2500,none).' in result.output
    assert 'manual(n("NCT00000099",3),"NCT00000099","opinion").' in result.output
    assert 'criterion("NCT00000099","adult",inclusion,n("NCT00000099",1)).' in result.output


def test_compile_unknown_trial(tmp_path: Path) -> None:
    trial, _, _ = write(tmp_path)
    result = CliRunner().invoke(main, ["compile", "NCT99999999", "--trials", str(trial)])
    assert result.exit_code == 1
    assert "unknown trial NCT99999999; known: NCT00000099" in result.output


def test_compile_golden() -> None:
    """Every construct's ASP, byte for byte (regenerate with `trialogic compile --trials X.tl > X.lp`)."""
    folder = Path(__file__).parent / "fixtures" / "compile"
    for source in sorted(folder.glob("*.tl")):
        result = CliRunner().invoke(main, ["compile", "--trials", str(source)])
        assert result.exit_code == 0, result.output
        assert result.output == source.with_suffix(".lp").read_text(), source.name


@pytest.mark.parametrize("command", ["check", "why", "fix"])
@pytest.mark.parametrize("date", ["0001-01-01", "9990-01-01"])
def test_a_reference_date_out_of_range_is_refused(command: str, date: str) -> None:
    # windows reach back years before the reference date, repairs years after it
    patient = str(facts_dir() / "patients" / "p01.yaml")
    result = CliRunner().invoke(main, [command, patient, "--on", date])
    assert result.exit_code == 2
    assert f"{date} is outside the reference dates trialogic handles, 1900-01-01 to 2999-12-31" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("date", ["20261122", "2026-W47", "2026-11-22T00:00"])
def test_dates_are_written_yyyy_mm_dd_only(date: str, tmp_path: Path) -> None:
    """Python 3.11 reads 20261122 and 2026-W47 as dates; trialogic reads one form, everywhere."""
    patient = str(facts_dir() / "patients" / "p01.yaml")
    result = CliRunner().invoke(main, ["check", patient, "--on", date])
    assert result.exit_code == 2
    assert f"{date!r} is not a date; write YYYY-MM-DD" in result.output
    record = tmp_path / "r.json"
    record.write_text(json.dumps({"id": "D1", "birth_date": date}))
    result = CliRunner().invoke(main, ["check", str(record), "--on", "2026-11-22"])
    assert result.exit_code == 1 and "error[P004]" in result.output


def test_an_unknown_trial_id_is_named_with_the_known_id_most_like_it(tmp_path: Path) -> None:
    """An id written in other capitals, or missing a digit, is given the id meant; each
    unknown id is an error of its own (they shared one, which gave no hint)."""
    trial, _, _ = write(tmp_path)
    result = CliRunner().invoke(main, ["compile", "nct00000099", "NCT0000099", "NCT5", "--trials", str(trial)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "<arguments>: error[E000]: unknown trial nct00000099; did you mean 'NCT00000099'?",
        "<arguments>: error[E000]: unknown trial NCT0000099; did you mean 'NCT00000099'?",
        "<arguments>: error[E000]: unknown trial NCT5; known: NCT00000099",
    ]


def test_compile_unknown_trial_is_the_error_why_and_fix_give(tmp_path: Path) -> None:
    trial, _, _ = write(tmp_path)
    compiled = CliRunner().invoke(main, ["compile", "NCT0", "--trials", str(trial)])
    assert compiled.exit_code == 1
    expected = "<arguments>: error[E000]: unknown trial NCT0; known: NCT00000099"
    assert compiled.output.strip() == expected
    explained = CliRunner().invoke(main, ["why", str(tmp_path / "child.yaml"), "NCT0", "--trials", str(trial)])
    assert explained.exit_code == 1 and explained.output.strip() == expected


SECOND = """trial NCT00000098 "second" {
  include adult "Adults 18 years or older": age >= 18 years
}
"""


@pytest.mark.parametrize("command", ["why", "fix"])
def test_a_trial_named_twice_is_answered_once_in_the_order_given(command: str, tmp_path: Path) -> None:
    trial, child, _ = write(tmp_path)
    (tmp_path / "second.tl").write_text(SECOND)
    args = [command, str(child), "NCT00000098", "NCT00000099", "NCT00000098", "NCT00000099"]
    result = CliRunner().invoke(main, [*args, "--trials", str(tmp_path), "--on", "2026-11-22", "--json"])
    assert result.exit_code == 0, result.output
    entries = json.loads(result.output)["explanations" if command == "why" else "repairs"]
    assert [e["trial"] for e in entries] == ["NCT00000098", "NCT00000099"]
    human = CliRunner().invoke(main, [*args, "--trials", str(tmp_path), "--on", "2026-11-22"])
    assert human.exit_code == 0, human.output
    assert human.output.count("CHILD × NCT00000099") == 1


def test_compile_prints_a_trial_named_twice_once(tmp_path: Path) -> None:
    trial, _, _ = write(tmp_path)
    once = CliRunner().invoke(main, ["compile", "NCT00000099", "--trials", str(trial)])
    twice = CliRunner().invoke(main, ["compile", "NCT00000099", "NCT00000099", "--trials", str(trial)])
    assert once.exit_code == twice.exit_code == 0, twice.output
    assert twice.output == once.output
    assert twice.output.count('criterion("NCT00000099","adult",inclusion,n("NCT00000099",1)).') == 1


@pytest.mark.parametrize(
    "command",
    [
        ["screen", str(facts_dir() / "patients" / "p01.yaml"), "--on", "2026-11-22"],
        ["import", str(Path(__file__).parent / "fixtures" / "ctgov" / "NCT01539902.json")],
    ],
)
def test_an_empty_out_name_is_a_usage_error(command: list[str]) -> None:
    """`--out ""` (an unset shell variable) wrote nothing and said nothing: screen printed only
    the tables, import printed the trial file."""
    result = CliRunner().invoke(main, [*command, "--out", ""])
    assert result.exit_code == 2
    assert "Invalid value for '--out': is empty; give the name of the file to write" in result.output
    assert "wrote" not in result.output and "trial NCT" not in result.output
