"""`trialogic test`: examples beside a trial, reported like a test runner."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from trialogic.cli import main

TRIAL = 'trial NCT00000099 "t" {\n  include adult "Adults": age >= 18 years\n  exclude opinion "x": manual\n}\n'
EXAMPLES = """reference_date: 2026-11-22
examples:
  - name: adult, assessed
    patient: {id: E1, birth_date: 1990-01-01, assessments: [{trial: NCT00000099, criterion: opinion, result: not_met, date: 2026-11-01}]}
    expect: eligible
  - name: child
    patient: {id: E2, birth_date: 2015-01-01}
    expect: ineligible
    blocking: [adult]
    unknown: []
"""


def test_failures_show_what_differs(tmp_path: Path) -> None:
    (tmp_path / "t.tl").write_text(TRIAL)
    (tmp_path / "t.examples.yaml").write_text(EXAMPLES)
    result = CliRunner().invoke(main, ["test", str(tmp_path)])
    assert result.exit_code == 1
    assert "::NCT00000099::adult, assessed PASSED" in result.output
    assert "::NCT00000099::child FAILED" in result.output
    assert "    unknown: expected [], got ['opinion'] (missing [], extra ['opinion'])" in result.output
    assert result.output.splitlines()[-1] == "1 passed, 1 failed"


def test_a_bad_examples_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "t.tl").write_text(TRIAL)
    (tmp_path / "t.examples.yaml").write_text("examples:\n  - name: x\n    patient: {id: E1}\n    expect: maybe\n")
    result = CliRunner().invoke(main, ["test", str(tmp_path)])
    assert result.exit_code == 1
    assert "examples[0].expect: error[X001]: expect must be one of eligible, ineligible, undetermined" in result.output


def test_every_problem_of_an_examples_file_at_once_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "t.tl").write_text(TRIAL)
    (tmp_path / "t.examples.yaml").write_text(
        "reference_date: 2026-13-01\n"
        "examples:\n"
        "  - name: one\n"
        "    patient_file: missing.yaml\n"
        "    expect: eligible\n"
        "  - name: one\n"
        "    patient: {id: E2, birth_date: 1990-01-01}\n"
        "    expect: eligible\n"
        "    blockng: [adult]\n"
    )
    result = CliRunner().invoke(main, ["test", str(tmp_path)])
    assert result.exit_code == 1
    examples = tmp_path / "t.examples.yaml"
    for expected in (
        f"{examples}:1:1: reference_date: error[X001]: '2026-13-01' is not a date",
        f"{examples}:4:5: examples[0].patient_file: error[X001]: there is no patient file",
        f"{examples}:6:5: examples[1].name: error[X001]: a second example named 'one' (first: examples[0])",
        f"{examples}:9:5: examples[1].blockng: error[X001]: unknown key 'blockng'; did you mean 'blocking'?",
    ):
        assert expected in result.output
    assert "PASSED" not in result.output and "Traceback" not in result.output
