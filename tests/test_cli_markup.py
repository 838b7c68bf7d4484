"""Text from records, trials and the command line is printed as written: rich markup
(`[/]`, `[bold]`, `[link=...]`) and emoji codes are not interpreted, and control characters
(an ANSI escape) never reach the terminal."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from trialogic.cli import main
from trialogic.render import plain, safe

TRIAL = """trial NCT00000099 "demo [/] [bold]title[/bold]" {
  include adult "Adults [/] only [red] :wink:": age >= 18 years
  exclude pregnant "[link=http://evil]Pregnant[/link]": sex = female
}
"""
IDS = ["[/]", "[bold]B1[/bold]", ":smile:"]  # an id holding a control character is refused (below)
SENTENCES = ["Adults [/] only [red] :wink:", "[link=http://evil]Pregnant[/link]"]
WIDE = {"COLUMNS": "250"}  # no folding in the tables


def cohort(tmp_path: Path, birth_date: str = "2015-06-01") -> tuple[Path, Path]:
    trial = tmp_path / "demo.tl"
    trial.write_text(TRIAL)
    patients = tmp_path / "cohort.jsonl"
    records = [{"id": i, "birth_date": birth_date, "sex": "female"} for i in IDS]
    patients.write_text("".join(json.dumps(r) + "\n" for r in records))
    return trial, patients


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args), env=WIDE)
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.output


def assert_as_written(output: str, texts: list[str]) -> None:
    for text in texts:
        assert plain(text) in output, (text, output)
    assert "\x1b" not in output  # no terminal here: every escape would be the record's own
    assert "😄" not in output and "😉" not in output


def test_plain_and_safe() -> None:
    assert plain("a\x1b[31mb\x00c\x7fd\x9be\u202ef\tg\nh") == "a␛[31mb␀c␡d\ufffde\ufffdf\tg␊h"
    assert plain("a\tb\nc", keep="\t\n") == "a\tb\nc"
    assert safe("[link=http://evil]x[/link]") == "\\[link=http://evil]x\\[/link]"


def test_check_prints_ids_and_sentences_as_written(tmp_path: Path) -> None:
    trial, patients = cohort(tmp_path)
    output = run("check", str(patients), "--trials", str(trial), "--on", "2026-11-22")
    assert_as_written(output, IDS + SENTENCES)
    assert "[/] × NCT00000099" in output and "[bold]B1[/bold] × NCT00000099" in output


def test_why_prints_ids_sentences_and_title_as_written(tmp_path: Path) -> None:
    trial, patients = cohort(tmp_path)
    output = run("why", str(patients), "--trials", str(trial), "--on", "2026-11-22", "--all")
    assert_as_written(output, IDS + SENTENCES + ["demo [/] [bold]title[/bold]"])
    assert "“Adults [/] only [red] :wink:”" in output


def test_fix_prints_ids_and_sentences_as_written(tmp_path: Path) -> None:
    trial, patients = cohort(tmp_path, birth_date="1980-06-01")  # adults: blocked for good by `pregnant`
    output = run("fix", str(patients), "--trials", str(trial), "--on", "2026-11-22")
    assert_as_written(output, IDS + SENTENCES[1:])
    assert "✗ pregnant: [link=http://evil]Pregnant[/link]" in output


def test_whatif_scenarios_print_names_as_written(tmp_path: Path) -> None:
    trial, _ = cohort(tmp_path)
    patient = tmp_path / "p.yaml"
    patient.write_text("id: '[bold]P1[/bold]'\nbirth_date: 2015-06-01\nsex: male\n")
    scenarios = tmp_path / "s.yaml"
    scenarios.write_text('- name: "[bold]S1[/bold] \\e[31m :smile:"\n  changes: [--later 2034-01-01]\n')
    output = run("whatif", str(patient), "--trials", str(trial), "--on", "2026-11-22", "--scenarios", str(scenarios))
    assert_as_written(output, ["[bold]S1[/bold] \x1b[31m :smile:"])


def test_screen_prints_ids_and_paths_as_written(tmp_path: Path) -> None:
    trial, patients = cohort(tmp_path)
    out = tmp_path / "[bold]m.csv"
    relax = "NCT00000099:adult=age >= 5 years"
    # the pregnant exclusion is on the males only after the relaxation: every id is gained
    records = [{"id": i, "birth_date": "2015-06-01", "sex": "male"} for i in IDS]
    patients.write_text("".join(json.dumps(r) + "\n" for r in records))
    output = run("screen", str(patients), "--trials", str(trial), "--jobs", "1", "--relax", relax, "--out", str(out))
    assert_as_written(output, [", ".join(IDS), str(out)])
    assert "3 gained" in output


def test_lint_and_errors_show_control_characters_as_signs(tmp_path: Path) -> None:
    bad = tmp_path / "bad.tl"
    bad.write_text('trial NCT00000001 "t" {\n  include k "adults\x1b[31m": age >= 18 years\n}\n')
    output = run("lint", str(bad))
    assert "error[E005]" in output and "\x1b" not in output
    assert '  include k "adults␛[31m": age >= 18 years' in output  # one sign a character: the caret stays
    record = tmp_path / "p\x1b[31m.yaml"
    record.write_text("id: P1\nsex: femal\n")
    output = run("check", str(record), "--on", "2026-11-22")
    assert "error[P005]" in output and "p␛[31m.yaml" in output and "\x1b" not in output


def test_test_command_shows_control_characters_as_signs(tmp_path: Path) -> None:
    trial = tmp_path / "NCT00000099.tl"
    trial.write_text(TRIAL)
    examples = tmp_path / "NCT00000099.examples.yaml"
    examples.write_text(
        "reference_date: 2026-11-22\nexamples:\n"
        '  - name: "[bold]E1[/bold] \\e[31m"\n'
        "    patient: {id: E1, birth_date: 2015-06-01}\n"
        "    expect: eligible\n"
    )
    output = run("test", str(trial))
    assert "::[bold]E1[/bold] ␛[31m FAILED" in output and "\x1b" not in output


def test_an_id_holding_a_control_character_is_refused_and_shown_escaped(tmp_path: Path) -> None:
    """An ANSI escape or a tab in an id printed as something else than the id (a colour, a
    wider gap): the id is refused (P006), the character written as its escape."""
    trial, _ = cohort(tmp_path)
    patients = tmp_path / "control.jsonl"
    records = [{"id": i, "birth_date": "1990-01-01", "sex": "male"} for i in ("E\x1b[31mX", "tab\there")]
    patients.write_text("".join(json.dumps(r) + "\n" for r in records))
    for command in ("check", "why", "fix", "screen"):
        output = run(command, str(patients), "--trials", str(trial), "--on", "2026-11-22")
        assert "id: error[P006]: the id 'E\\x1b[31mX' holds U+001B (a control character)" in output, command
        assert "id: error[P006]: the id 'tab\\there' holds U+0009 (a control character)" in output, command
        assert "\x1b" not in output and "\t" not in output and "NCT00000099" not in output
