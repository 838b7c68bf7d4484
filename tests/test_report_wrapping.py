"""Reports for people wrap long sentences under themselves: a criterion's sentence, a
fact or an action goes on below its own first word, never under the marks and ids that
lead it, so that a narrow terminal still shows one column of marks."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from trialogic import api
from trialogic.cli import main
from trialogic.render import hanging

ROOT = Path(__file__).resolve().parents[1]
P01 = ROOT / "facts" / "patients" / "p01.yaml"
ON = dt.date(2026, 11, 22)
WIDTH = 60


def test_a_wrapped_body_goes_on_under_itself_with_every_word_kept() -> None:
    out = io.StringIO()
    console = Console(file=out, width=30, color_system=None)
    body = "one two three four five six seven eight nine ten eleven twelve " + "x" * 40
    hanging(console, "  [red]✗[/] id ", body)
    lines = out.getvalue().splitlines()
    assert len(lines) > 2
    assert lines[0].startswith("  ✗ id one two")
    assert all(line.startswith(" " * 7) and line[7] != " " for line in lines[1:])
    assert all(len(line) <= 30 and line == line.rstrip() for line in lines)
    assert "".join(line[7:] for line in lines).replace(" ", "") == body.replace(" ", "")


def test_an_empty_body_prints_its_prefix_and_a_lead_too_wide_puts_the_body_below() -> None:
    out = io.StringIO()
    console = Console(file=out, width=30, color_system=None)
    hanging(console, "  [bold]NCT1[/]: a → b  ", "[dim][/]")
    hanging(console, "  " + "y" * 25 + " ", "one two three")
    assert out.getvalue().splitlines() == ["  NCT1: a → b", "  " + "y" * 25, "      one two three"]


def test_check_on_a_narrow_terminal_keeps_each_sentence_in_its_column() -> None:
    result = CliRunner().invoke(main, ["check", str(P01), "--on", ON.isoformat()], env={"COLUMNS": str(WIDTH)})
    assert result.exit_code in (0, 1), result.output
    lines = result.output.splitlines()
    trials = api.load_trials()
    results = api.check(api.load_patients([P01], trials.vocabulary), trials, on=ON)
    long_enough = 0
    for result in results:
        shown = result.blocking() + result.unknown()
        if not shown:
            continue
        header = lines.index(f"{result.patient} × {result.trial}: {result.status}")
        for criterion in shown:
            first = next(i for i, line in enumerate(lines) if i > header and line.split()[2:3] == [criterion.id])
            line = lines[first]
            column = line.index(criterion.status, line.index(criterion.id) + len(criterion.id)) + len(criterion.status)
            column += len(line[column:]) - len(line[column:].lstrip())
            body = [line[column:]]
            for line in lines[first + 1 :]:
                if not line.startswith(" " * column) or not line.strip():
                    break
                body.append(line[column:])
            assert "".join(body).replace(" ", "") == criterion.text.replace(" ", ""), criterion.id
            long_enough += len(body) > 1
    assert long_enough, "no sentence was long enough to wrap: the test shows nothing"


STOPPED = """id: S1
birth_date: 1990-01-01
sex: male
drugs:
  - {code: rituximab, start: 2025-01-01, status: stopped}
"""


def commands(tmp_path: Path) -> dict[str, tuple[list[str], tuple[str, ...]]]:
    """Each report, and the leads its lines may start with at the first column: all else
    (messages, sentences, continuations of a wrapped line) is indented."""
    folder = tmp_path / "patients"
    folder.mkdir()
    (folder / "s1.yaml").write_text(STOPPED, encoding="utf-8")
    (folder / "p01.yaml").write_text(P01.read_text(encoding="utf-8"), encoding="utf-8")
    heading = ("P01 × ", "S1 × ")
    return {
        "why": (["why", str(P01)], heading),
        "fix": (["fix", str(folder)], heading),
        "whatif": (
            ["whatif", str(P01), "--start", "rituximab", "--later", "2027-01-01"],
            ("before: ", "unchanged: ", "NCT"),
        ),
        "scenarios": (
            [
                "whatif",
                str(ROOT / "facts" / "patients" / "p05.yaml"),
                "--scenarios",
                str(ROOT / "facts" / "scenarios" / "p05.yaml"),
            ],
            tuple(f"{n}. " for n in range(1, 100)),
        ),  # fmt: skip
        "screen": (
            ["screen", str(folder), "--jobs", "1", "--relax", "NCT01539902:age=age >= 18 years"],
            ("what-if: ", "wrote ", " ", "┏", "┃", "┡", "│", "└", "NCT"),
        ),
    }


def test_reports_on_a_narrow_terminal_wrap_every_line_under_its_own_indent(tmp_path: Path) -> None:
    width = 40
    for name, (arguments, leads) in commands(tmp_path).items():
        result = CliRunner().invoke(main, [*arguments, "--on", ON.isoformat()], env={"COLUMNS": str(width)})
        assert result.exit_code in (0, 1), (name, result.output)
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert any(len(line) > width * 3 // 4 for line in lines), f"{name}: nothing long enough to wrap"
        for line in lines:
            assert len(line) <= width or line.startswith("wrote "), (name, line)  # a path stays whole
            assert line.startswith(" ") or line.startswith(leads), f"{name}: a wrapped line lost its indent: {line!r}"
