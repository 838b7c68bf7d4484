"""Every command that reads criteria walks a folder the same way: the files ending .tl at
any depth; a folder or a broken link of that name is no file (it raised IsADirectoryError
or FileNotFoundError in lint, fmt, compile and check)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from trialogic.api import criteria_files
from trialogic.cli import main
from trialogic.resources import facts_dir, rules_dir

TRIAL = rules_dir() / "trials" / "NCT04318600.tl"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    shutil.copy(TRIAL, tmp_path / TRIAL.name)
    (tmp_path / "sub.tl").mkdir()
    os.symlink(tmp_path / "nowhere.tl", tmp_path / "broken.tl")
    return tmp_path


def test_a_folder_or_a_broken_link_named_tl_is_no_criteria_file(folder: Path) -> None:
    assert criteria_files([folder]) == [folder / TRIAL.name]


@pytest.mark.parametrize(
    "args",
    [
        ["lint"],
        ["fmt", "--check"],
        ["test"],
        ["compile", "--trials"],
        [
            "check",
            str(facts_dir() / "patients" / "p01.yaml"),
            "--on",
            "2026-11-22",
            "--trials",
        ],
    ],
    ids=["lint", "fmt", "test", "compile", "check"],
)
def test_every_command_reads_the_folders_files_only(folder: Path, args: list[str]) -> None:
    result = CliRunner().invoke(main, [*args, str(folder)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Error" not in result.output and "Traceback" not in result.output, result.output
    assert result.exit_code in (0, 1), result.output


def test_a_file_named_twice_or_inside_a_folder_named_is_read_once(tmp_path: Path) -> None:
    """`test` ran its examples once per naming (36 passed of 18), `fmt` counted it twice."""
    trials = rules_dir() / "trials"
    for suffix in (".tl", ".examples.yaml"):
        shutil.copy(trials / f"NCT06485648{suffix}", tmp_path / f"NCT06485648{suffix}")
    (tmp_path / "NCT06485648.examples.yaml").write_text(
        (trials / "NCT06485648.examples.yaml").read_text().replace("../../facts", str(facts_dir()))
    )
    trial = tmp_path / "NCT06485648.tl"
    named = [str(trial), str(tmp_path), str(tmp_path / "." / trial.name)]
    assert criteria_files(named) == [trial]
    once = CliRunner().invoke(main, ["test", str(trial)])
    assert once.exit_code == 0, once.output
    twice = CliRunner().invoke(main, ["test", *named])
    assert twice.output == once.output
    assert CliRunner().invoke(main, ["fmt", "--check", *named]).output == "1 file already formatted\n"
