"""Long work over many patients (`screen`, `fix`) shows a progress bar on a terminal's error
stream, and nothing anywhere when the error stream is not a terminal."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from trialogic import progress
from trialogic.cli import main

PATIENTS = Path(__file__).resolve().parents[1] / "facts" / "patients"


def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """The progress bar's console made a terminal writing to a buffer."""
    screen = io.StringIO()
    monkeypatch.setattr(
        progress, "progress_console", lambda: Console(file=screen, force_terminal=True, width=100, color_system=None)
    )
    return screen


@pytest.mark.parametrize(
    ("command", "label", "total"),
    [
        (["fix", str(PATIENTS)], "fixing", True),
        (["screen", str(PATIENTS)], "screening", False),  # records are read as they come: no total
    ],
)
def test_a_terminal_sees_how_many_patients_are_done(
    command: list[str], label: str, total: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = terminal(monkeypatch)
    result = CliRunner().invoke(main, [*command, "--on", "2026-11-22"])
    assert result.exit_code in (0, 1), result.output
    count = len(list(PATIENTS.glob("*.yaml")))
    done = f"{count}/{count if total else '?'}"
    assert label in screen.getvalue() and done in screen.getvalue().replace(" ", "")
    assert label not in result.output


def test_no_terminal_no_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(progress, "progress_console", lambda: Console(file=screen, force_terminal=False))
    result = CliRunner().invoke(main, ["fix", str(PATIENTS / "p01.yaml"), "--on", "2026-11-22"])
    assert result.exit_code in (0, 1), result.output
    assert screen.getvalue() == ""
