"""lint: contradictions proven by the solver over every possible patient."""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import random
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
from trialogic.lint import CYCLE, LONG_AGO_DAYS, TrialLinter, lint, lint_trial, reference_days
from trialogic.resources import rules_dir

from errors_doc import lint_source
from many_windows import many_windows_source

CASES: list[dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "fixtures" / "lint_cases.yaml").read_text())


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_contradictions(case: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "t.tl"
    path.write_text(lint_source(case))
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


Windows = tuple[tuple[int, str], ...]


def _scanned_reference_days(windows: Windows, ages: Windows) -> list[dt.date]:
    """The reference days as lint found them by scanning: every 28th to 31st of a month of
    the 400-year cycle, the first day of each order of the window starts (with the reference
    day and the day long ago) and of the days each age is reached."""
    windows_vary = any(u in ("months", "years") for _, u in windows)
    ages_vary = len({u in ("months", "years") for _, u in ages}) > 1

    def order(days: list[dt.date]) -> tuple[int, ...]:
        ranks = {d: i for i, d in enumerate(sorted(set(days)))}
        return tuple(ranks[d] for d in days)

    found: dict[tuple[tuple[int, ...], tuple[int, ...]], dt.date] = {}
    for year in CYCLE:
        for month in range(1, 13):
            for month_day in range(28, calendar.monthrange(year, month)[1] + 1):
                r = dt.date(year, month, month_day)
                starts = [r, r - dt.timedelta(days=LONG_AGO_DAYS), *(window_start(r, c, u) for c, u in windows)]
                births = [r, *(window_start(r, n, u) for c, u in ages for n in (c, c + 1))]
                key = (order(starts) if windows_vary else (), order(births) if ages_vary else ())
                found.setdefault(key, r)
    return sorted(found.values()) if windows_vary or ages_vary else [dt.date(CYCLE[0], 1, 1)]


def _calendar_pairs(rng: random.Random, count: int) -> list[tuple[int, str]]:
    """Lengths in months or years, each with one in days or weeks of about as long (a few days
    either way: the calendar decides which is longer), and now and then one of any length."""
    pairs: list[tuple[int, str]] = []
    for _ in range(count):
        months = rng.choice([rng.randint(1, 30), 12 * rng.randint(1, 9)])
        pairs.append((months // 12, "years") if months % 12 == 0 and rng.random() < 0.7 else (months, "months"))
        days = round(months * 30.436875) + rng.randint(-3, 2)
        pairs.append((days // 7, "weeks") if rng.random() < 0.3 else (days, "days"))
        if rng.random() < 0.3:
            pairs.append((rng.randint(1, 400), rng.choice(["days", "weeks", "months", "years"])))
    return pairs


def _window_sets() -> list[tuple[Windows, Windows]]:
    rng = random.Random(20261204)
    sets = [
        (((1, "months"), (28, "days"), (29, "days"), (30, "days"), (31, "days")), ()),
        (((4, "years"), (1460, "days"), (1461, "days")), ()),  # 1460 across 2600, 2700 or 2900 only
        (((8, "years"), (2921, "days"), (2922, "days")), ((1, "years"), (365, "days"))),
        ((), ((4, "years"), (1461, "days"), (2, "months"), (60, "days"))),
        (((2, "weeks"), (3, "days")), ((18, "years"),)),  # nothing the calendar orders
    ]
    for n in range(20):
        windows = tuple(sorted(set(_calendar_pairs(rng, rng.randint(1, 3))))) if n % 4 != 3 else ()
        ages = tuple(sorted(set(_calendar_pairs(rng, rng.randint(1, 2))))) if n % 4 != 0 else ()
        sets.append((windows, ages))
    trials = load_trials([rules_dir() / "trials"])  # and the seed trials'
    sets += [(tuple(sorted(c.windows)), tuple(sorted(c.ages))) for c in trials.compiled.values()]
    return sets


@pytest.mark.parametrize("windows, ages", _window_sets())
def test_the_reference_days_are_those_a_scan_of_every_day_of_the_cycle_finds(windows: Windows, ages: Windows) -> None:
    """lint tries only the years whose calendar is new in the cycle: the days are the same."""
    assert reference_days(windows, ages) == _scanned_reference_days(windows, ages)


def test_the_reference_days_of_many_windows_are_those_a_scan_finds(tmp_path: Path) -> None:
    """The 80 criteria of tests/many_windows.py: weeks and months, which the calendar orders."""
    path = tmp_path / "many.tl"
    path.write_text(many_windows_source(80))
    (compiled,) = load_trials([path]).compiled.values()
    windows, ages = tuple(sorted(compiled.windows)), tuple(sorted(compiled.ages))
    days = reference_days(windows, ages)
    assert len(days) > 1
    assert days == _scanned_reference_days(windows, ages)
