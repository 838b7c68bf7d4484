"""The reports README.md shows are what the commands print for the bundled patients on the
README's reference date: the `why` excerpt (up to its `...`), the two `fix` answers, and the
`whatif --scenarios` answer (up to its `...`)."""

from __future__ import annotations

import re
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
