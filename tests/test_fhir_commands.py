"""FHIR R4 Bundles through the commands: a .json file, a .jsonl line or standard input that
holds a Bundle is read as the patient it describes, its notes printed after the answer."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

import trialogic
from trialogic.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "fhir"
ON = "2026-11-22"


def statuses(output: str) -> dict[tuple[str, str], str]:
    return {(r["patient"], r["trial"]): r["status"] for r in json.loads(output)["results"]}


def test_a_bundle_file_is_checked_as_its_record_is_and_its_notes_follow_the_answer(tmp_path: Path) -> None:
    bundle = FIXTURES / "ln_flare.json"
    record = tmp_path / "F01.json"
    record.write_text(json.dumps(json.loads((FIXTURES / "ln_flare.expected.json").read_text())["record"]))
    runner = CliRunner()
    from_bundle = runner.invoke(main, ["check", str(bundle), "--on", ON, "--json"])
    from_record = runner.invoke(main, ["check", str(record), "--on", ON, "--json"])
    assert from_bundle.exit_code == 0 and from_record.exit_code == 0, from_bundle.stderr
    assert statuses(from_bundle.stdout) == statuses(from_record.stdout)
    assert "ineligible" in statuses(from_bundle.stdout).values()
    notes = from_bundle.stderr.splitlines()
    assert any(f"{bundle}:" in n and ": entry[27].resource.code: warning[F101]: Observation" in n for n in notes)
    assert from_record.stderr == ""


def test_bundles_stream_through_screen_and_standard_input(tmp_path: Path) -> None:
    lines = [json.dumps(json.loads((FIXTURES / name).read_text())) for name in ("ln_flare.json", "ln_new_onset.json")]
    cohort = tmp_path / "cohort.jsonl"
    cohort.write_text("\n".join(lines) + "\n")
    out = tmp_path / "m.json"
    runner = CliRunner()
    screened = runner.invoke(main, ["screen", str(cohort), "--on", ON, "--jobs", "1", "--out", str(out)])
    assert screened.exit_code == 0, screened.stderr
    piped = runner.invoke(main, ["check", "-", "--on", ON, "--json"], input="\n".join(lines) + "\n")
    assert piped.exit_code == 0, piped.stderr
    assert {(r["patient"], r["trial"]): r["status"] for r in json.loads(out.read_text())["results"]} == statuses(
        piped.stdout
    )
    assert {p for p, _ in statuses(piped.stdout)} == {"F01", "F02"}
    assert f"{cohort}:1:" in screened.stderr and "warning[F101]" in screened.stderr
    assert "<stdin>:1:" in piped.stderr


def test_an_unreadable_bundle_is_an_error_at_its_element_with_no_answer(tmp_path: Path) -> None:
    bundle = json.loads((FIXTURES / "ln_flare.json").read_text())
    observation = next(e["resource"] for e in bundle["entry"] if e["resource"].get("id") == "alt")
    observation["valueQuantity"]["comparator"] = "<"
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle, indent=2))
    result = CliRunner().invoke(main, ["check", str(path), "--on", ON])
    assert result.exit_code == 1 and result.stdout == ""
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if '"comparator"' in text)
    assert f"{path}:{line}:" in result.stderr and "error[F002]" in result.stderr


def test_whatif_changes_the_record_a_bundle_makes() -> None:
    bundle = str(FIXTURES / "ln_flare.json")
    result = CliRunner().invoke(main, ["whatif", bundle, "--on", ON, "--stop", "mycophenolate_mofetil", "--json"])
    assert result.exit_code == 0, result.stderr
    before = {t["trial"]: t["before"] for t in json.loads(result.stdout)["trials"]}
    assert before["NCT03580291"] == "ineligible"  # MMF within 12 weeks, as the Bundle says
    assert "warning[F101]" in result.stderr


def test_the_api_reads_bundles_as_the_commands_do() -> None:
    (patient,) = trialogic.load_patients(FIXTURES / "ln_flare.json")
    assert patient.id == "F01" and any(note.code == "F101" for note in patient.notes)
