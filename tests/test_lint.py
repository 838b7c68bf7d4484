"""lint: contradictions proven by the solver over every possible patient."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from trialogic.cli import main
from trialogic.lint import lint
from trialogic.resources import rules_dir

from errors_doc import lint_source

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "fixtures" / "lint_cases.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_contradictions(case: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "t.tl"
    path.write_text(lint_source(case["criteria"], case.get("head", "")))
    got = [[d.code, d.line, d.message] for d in lint([path])]
    assert got == case["expected"]


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


@pytest.mark.parametrize("order", [("trials", "library.tl"), ("library.tl", "trials")])
def test_the_library_named_beside_trials_that_use_it_is_read_once(order: tuple[str, str]) -> None:
    """`lint rules/trials rules/library.tl`: the library is named and reached by `use`; it
    used to be read twice and every definition in it reported as defined twice."""
    result = CliRunner().invoke(main, ["lint", *(str(rules_dir() / name) for name in order)])
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output


def test_the_language_pages_first_example_loads_and_lints_clean(tmp_path: Path) -> None:
    page = (Path(__file__).parent.parent / "docs" / "language.md").read_text()
    example = tmp_path / "example.tl"
    example.write_text(page.split("```")[1])
    result = CliRunner().invoke(main, ["lint", str(example)])
    assert result.exit_code == 0, result.output


def test_a_uln_multiple_in_a_shared_definition_is_reported_once_where_it_is_written(tmp_path: Path) -> None:
    path = tmp_path / "t.tl"
    path.write_text(
        "define high_bili = total_bilirubin > 2 x ULN\n"
        'trial NCT00000098 "a" {\n  exclude b "b": high_bili\n  exclude c "c": alt > 2 x ULN or high_bili\n}\n'
        'trial NCT00000097 "b" {\n  exclude b "b": not high_bili\n}\n'
    )
    assert [(d.code, d.line, d.column) for d in lint([path])] == [("L005", 1, 20)]
