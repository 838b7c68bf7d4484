"""The README's examples are what the commands do: the reports it shows are what they print
for the bundled patients on the README's reference date (the `why` excerpt up to its `...`, the
two `fix` answers, the `whatif --scenarios` answer up to its `...`), and every line of its tour
runs as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from trialogic.cli import main

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BLOCKS = [text for language, text in re.findall(r"^```(\w*)\n(.*?)^```$", README, re.S | re.M) if not language]
WIDTH = "106"  # the README's reports are printed at this width


def _block(first_line: str) -> str:
    (block,) = [b for b in BLOCKS if b.startswith(first_line)]
    return block


def _printed(*arguments: str) -> list[str]:
    result = CliRunner().invoke(main, [*arguments, "--on", "2026-11-22"], env={"COLUMNS": WIDTH})
    assert result.exit_code == 0, result.output
    return result.output.strip("\n").splitlines()


def _shown(block: str) -> list[str]:
    """The block's lines up to the `...` that shortens it."""
    lines = block.rstrip("\n").splitlines()
    ends = [n for n, line in enumerate(lines) if line.strip() == "..."]
    assert ends, "the block says where it is shortened"
    return lines[: ends[0]]


def test_the_why_excerpt_is_the_start_of_what_why_prints() -> None:
    lines = _shown(_block("P01 × NCT03580291"))
    assert _printed("why", str(ROOT / "facts/patients/p01.yaml"), "NCT03580291")[: len(lines)] == lines


@pytest.mark.parametrize("patient", ["P06", "P02"])
def test_each_fix_answer_is_what_fix_prints(patient: str) -> None:
    block = _block("P06 × NCT05631717")
    shown = block.split("\n\n")[["P06", "P02"].index(patient)].strip("\n").splitlines()
    assert shown[0].startswith(f"{patient} × NCT05631717")
    path = ROOT / "facts/patients" / f"{patient.lower()}.yaml"
    assert _printed("fix", str(path), "NCT05631717") == shown


def test_the_scenarios_answer_is_the_start_of_what_whatif_prints() -> None:
    lines = _shown(_block("1. creatinine down"))
    printed = _printed(
        "whatif", str(ROOT / "facts/patients/p05.yaml"), "--scenarios", str(ROOT / "facts/scenarios/p05.yaml")
    )
    assert printed[: len(lines)] == lines


def _tour() -> list[str]:
    """The command lines of the README's tour: its `sh` block listing `trialogic check` first."""
    (block,) = [
        text
        for language, text in re.findall(r"^```(\w*)\n(.*?)^```$", README, re.S | re.M)
        if language == "sh" and text.startswith("trialogic check")
    ]
    return block.splitlines()


def test_every_line_of_the_tour_runs_as_written(tmp_path: Path) -> None:
    """A newcomer types the tour's lines in the repository's folder with the environment
    active: each must find what it names and succeed (its outputs land in a scratch folder
    that sees the repository's own folders)."""
    for folder in ("bench", "facts", "rules", "tests"):
        (tmp_path / folder).symlink_to(ROOT / folder)
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    lines = _tour()
    assert len(lines) >= 10
    for line in lines:
        ran = subprocess.run(
            ["bash", "-o", "pipefail", "-c", line], cwd=tmp_path, env=environment, capture_output=True, text=True
        )
        assert ran.returncode == 0, f"{line}\n{ran.stdout}{ran.stderr}"
    for written in re.findall(r"--out (\S+)", "\n".join(lines)):
        assert (tmp_path / written).stat().st_size > 0, written
