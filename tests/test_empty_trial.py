"""A trial without any include or exclude criterion would take every patient: E117,
from the checker, so that check, lint and compile all refuse it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from trialogic import TrialogicError, api
from trialogic.cli import main
from trialogic.resources import rules_dir

PATIENT = Path(__file__).parent.parent / "facts" / "patients" / "p01.yaml"
EMPTY = {
    "no criteria": 'trial NCT00000021 "empty" {\n}\n',
    "only a note": 'use library\n\ntrial NCT00000021 "notes only" {\n  note "criteria to follow"\n}\n',
    "only a definition": 'trial NCT00000021 "a definition" {\n  define adult = age >= 18 years\n}\n',
}


def trial_file(tmp_path: Path, source: str) -> Path:
    path = tmp_path / "empty.tl"
    path.write_text(source)
    return path


@pytest.mark.parametrize("source", EMPTY.values(), ids=EMPTY.keys())
def test_the_checker_refuses_a_trial_without_criteria(tmp_path: Path, source: str) -> None:
    path = trial_file(tmp_path, source)
    with pytest.raises(TrialogicError) as caught:
        api.load_trials([path])
    (diagnostic,) = caught.value.diagnostics
    line = next(number for number, text in enumerate(source.splitlines(), 1) if text.startswith("trial"))
    assert (diagnostic.file, diagnostic.line, diagnostic.column, diagnostic.code) == (str(path), line, 1, "E117")
    assert "at least one include or exclude criterion" in diagnostic.message
    assert "manual" in diagnostic.message


@pytest.mark.parametrize(
    "command",
    [
        ["check", str(PATIENT), "--on", "2026-11-22", "--trials", "FILE"],
        ["lint", "FILE"],
        ["compile", "NCT00000021", "--trials", "FILE"],
    ],
    ids=["check", "lint", "compile"],
)
def test_every_command_refuses_it(tmp_path: Path, command: list[str]) -> None:
    path = trial_file(tmp_path, EMPTY["no criteria"])
    result = CliRunner().invoke(main, [str(path) if a == "FILE" else a for a in command])
    assert result.exit_code == 1, result.output
    assert f"{path}:1:1: error[E117]" in result.output
    assert "eligible" not in result.output.replace("would be eligible", "")


def test_one_empty_trial_among_others_is_reported_with_the_others_errors(tmp_path: Path) -> None:
    source = (
        'trial NCT00000021 "empty" {\n}\n\n'
        'trial NCT00000022 "one criterion" {\n  exclude scr "x": serum_creatinin > 250 umol/L\n}\n'
    )
    with pytest.raises(TrialogicError) as caught:
        api.load_trials([trial_file(tmp_path, source)])
    got = [(d.line, d.code) for d in caught.value.diagnostics]
    assert got == [(1, "E117"), (5, "E101")]


def test_the_seed_trials_still_load() -> None:
    trials = api.load_trials([rules_dir() / "trials"])
    assert len(trials.trials) == 5
    assert all(trial.criteria for trial in trials.trials.values())
