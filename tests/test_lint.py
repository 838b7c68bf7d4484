"""lint: contradictions proven by the solver over every possible patient."""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Any

import clingo
import pytest
import yaml
from click.testing import CliRunner

from trialogic import ast
from trialogic.api import load_trials
from trialogic.cli import main
from trialogic.dates import window_start
from trialogic.lint import LONG_AGO_DAYS, TrialLinter, lint, lint_trial
from trialogic.resources import rules_dir

from errors_doc import lint_source
from many_windows import many_windows_source

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


# Every reference day of eight years: the shortest and longest a window in months can be
SAMPLE_DAYS = [dt.date(2001, 1, 1) + dt.timedelta(days=n) for n in range(8 * 365)]


@functools.cache
def _reach(count: int, unit: str) -> tuple[int, int]:
    """The fewest and the most days before the reference day a window starts."""
    backs = [(day - window_start(day, count, unit)).days for day in SAMPLE_DAYS]
    return min(backs), max(backs)


def test_a_trial_of_many_windows_in_weeks_and_months_gets_every_finding(tmp_path: Path) -> None:
    """80 criteria (drugs required and excluded, recent results) mixing windows in weeks
    and months. Each drug's entry is one: an inclusion conflicts with an exclusion of the
    same drug exactly when the inclusion's window never reaches past the exclusion's
    (L004); the generated windows are never close enough for the calendar to decide, so
    no other finding (L001) can arise. Linting this took 17 s; it is still every finding,
    and the command shows every one (it showed one per inclusion)."""
    path = tmp_path / "many.tl"
    path.write_text(many_windows_source(80))
    trials = load_trials([path])
    (trial,) = trials.trials.values()
    events = [c for c in trial.criteria if isinstance(c.expr, ast.Event)]
    assert len(events) > 40 and {c.expr.window.unit for c in events if c.expr.window} == {"weeks", "months"}
    expected = []
    for inclusion in (c for c in events if c.kind == "inclusion"):
        for exclusion in (c for c in events if c.kind == "exclusion" and c.expr.concept == inclusion.expr.concept):
            low, high = _reach(inclusion.expr.window.count, inclusion.expr.window.unit)
            excluded_low, excluded_high = _reach(exclusion.expr.window.count, exclusion.expr.window.unit)
            assert high <= excluded_low or low > excluded_high, "the calendar decides: choose other windows"
            if high <= excluded_low:
                message = (
                    f"inclusion {inclusion.id} can never be met by a patient who passes exclusion {exclusion.id} "
                    f"(line {exclusion.pos.line}): every patient meeting it is excluded"
                )
                expected.append(("L004", inclusion.pos.line, message))
    assert len(expected) > 10
    assert [(d.code, d.line, d.message) for d in lint_trial(trials, trial)] == expected
    # the command shows and counts each of them, though an inclusion's are at one place
    result = CliRunner().invoke(main, ["lint", str(path)])
    assert result.exit_code == 1
    shown = [(int(line), message) for line, message in re.findall(r":(\d+):3: error\[L004\]: (.*)", result.output)]
    assert shown == [(line, message) for _, line, message in expected]
    assert result.output.splitlines()[-1] == f"{len(expected)} errors, 0 warnings"


def test_an_entry_ends_only_on_days_its_own_criteria_tell_apart(tmp_path: Path) -> None:
    """A concept's entry ends on the reference day, long ago, or either side of the start of
    a window that a criterion on it names: the start of another concept's window or a
    result's says nothing about it (every entry took every window's days, which made
    lint's grounding grow with the square of the windows)."""
    results = "\n".join(f'  include r{n} "x": hemoglobin >= 90 g/L within {n} weeks' for n in range(1, 30))
    path = tmp_path / "t.tl"
    path.write_text(f'trial NCT00000098 "t" {{\n{results}\n  exclude d "x": drug rituximab within 4 weeks\n}}\n')
    trials = load_trials([path])
    linter = TrialLinter(trials, trials.trials["NCT00000098"])
    ((control, _),) = linter.controls
    (reference,) = (a.symbol.arguments[0].number for a in control.symbolic_atoms.by_signature("ref_date", 1))
    bounds = {reference, reference - LONG_AGO_DAYS, reference - 28}
    ends = {a.symbol.arguments[2] for a in control.symbolic_atoms.by_signature("entry", 3)}
    assert ends == {clingo.Function("open")} | {clingo.Number(d - i) for d in bounds for i in (0, 1)}
