"""lint: contradictions proven by the solver over every possible patient."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from trialogic.cli import main
from trialogic.lint import lint
from trialogic.resources import rules_dir

CASES = [
    (
        "two inclusions that exclude each other",
        'include adult "Adults": age >= 18 years\n  include child "Children": age < 16 years',
        [("L001", 1, "no patient can pass all of NCT00000098: adult (line 2), child (line 3) conflict")],
    ),
    (
        "an inclusion implied false by an exclusion",
        'include high "Scr > 300": serum_creatinine > 300 umol/L\n  exclude scr "Scr > 250": serum_creatinine > 3 mg/dL',
        [
            (
                "L004",
                2,
                "inclusion high can never be met by a patient who passes exclusion scr (line 3): "
                "every patient meeting it is excluded",
            )
        ],
    ),
    (
        "an inclusion that can never hold",
        'include never "x": sledai_2k > 10 and sledai_2k < 5',
        [("L002", 2, "never can never be met: no patient satisfies it")],
    ),
    (
        "an exclusion that excludes everyone",
        'exclude everyone "x": sex = female or sex = male',
        [("L002", 2, "everyone excludes every patient: no patient can pass it")],
    ),
    (
        "an inclusion that never fails",
        'include always "x": if sex = female then sex = female',
        [("L003", 2, "always never fails: every patient meets it")],
    ),
    (
        "windows: a drug in 12 weeks implies a drug in 24 weeks",
        'include recent "x": drug rituximab within 12 weeks\n  exclude washout "y": drug anti_cd20 within 24 weeks',
        [
            (
                "L004",
                2,
                "inclusion recent can never be met by a patient who passes exclusion washout (line 3): "
                "every patient meeting it is excluded",
            )
        ],
    ),
    (
        "a three-way conflict is named whole",
        'include a "a": sledai_2k > 4 or age < 18 years\n  include b "b": sledai_2k <= 4\n'
        '  include c "c": age >= 18 years',
        [("L001", 1, "no patient can pass all of NCT00000098: a (line 2), b (line 3), c (line 4) conflict")],
    ),
    (
        "consistent criteria lint clean",
        'include adult "Adults": age between 18 and 65 years\n  exclude scr "x": serum_creatinine > 250 umol/L',
        [],
    ),
]


@pytest.mark.parametrize("name,criteria,expected", CASES, ids=[c[0] for c in CASES])
def test_contradictions(name: str, criteria: str, expected: list[tuple[str, int, str]], tmp_path: Path) -> None:
    path = tmp_path / "t.tl"
    path.write_text(f'trial NCT00000098 "contradictory" {{\n  {criteria}\n}}\n')
    got = [(d.code, d.line, d.message) for d in lint([path])]
    assert got == expected


def test_seed_trials_lint_clean() -> None:
    assert [d.render() for d in lint([rules_dir() / "trials"])] == []


def test_cli_exit_codes_and_counts(tmp_path: Path) -> None:
    path = tmp_path / "t.tl"
    path.write_text(
        'trial NCT00000098 "t" {\n  include adult "Adults": age >= 18 years\n  include child "x": age < 16 years\n'
        '  include always "y": if sex = female then sex = female\n}\n'
    )
    result = CliRunner().invoke(main, ["lint", str(path)])
    assert result.exit_code == 1
    assert f"{path}:1:1: error[L001]" in result.output
    assert f"{path}:4:3: warning[L003]" in result.output
    assert result.output.splitlines()[-1] == "1 error, 1 warning"
    clean = tmp_path / "clean.tl"
    clean.write_text('trial NCT00000097 "t" {\n  include adult "Adults": age >= 18 years\n}\n')
    assert CliRunner().invoke(main, ["lint", str(clean)]).exit_code == 0


def test_cli_reports_checker_errors_in_every_file(tmp_path: Path) -> None:
    (tmp_path / "a.tl").write_text('trial NCT00000001 "a" {\n  include x "x": serum_creatinin > 3 mg/dL\n}\n')
    (tmp_path / "b.tl").write_text('trial NCT00000002 "b" {\n  include y "y": drug rituximabb\n}\n')
    result = CliRunner().invoke(main, ["lint", str(tmp_path)])
    assert result.exit_code == 1
    assert "a.tl:2:18: error[E101]" in result.output
    assert "b.tl:2:18: error[E106]" in result.output
