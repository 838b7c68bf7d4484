"""fmt: canonical, idempotent, the same tree after formatting, comments kept."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from trialogic.cli import main
from trialogic.fmt import comments, format_source
from trialogic.output import partial_path
from trialogic.parser import parse
from trialogic.records import patient_records
from trialogic.resources import rules_dir

FILES = sorted(rules_dir().rglob("*.tl")) + sorted((Path(__file__).parent / "fixtures").rglob("*.tl"))


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_round_trip_and_idempotence(path: Path) -> None:
    text = path.read_text()
    formatted = format_source(text, str(path))
    assert parse(formatted, str(path)) == parse(text, str(path))
    assert format_source(formatted, str(path)) == formatted
    assert [c.text for c in comments(formatted)] == [c.text for c in comments(text)]


def test_bundled_rules_are_formatted() -> None:
    result = CliRunner().invoke(main, ["fmt", "--check", str(rules_dir())])
    assert result.exit_code == 0, result.output


def test_layout_of_a_messy_file(tmp_path: Path) -> None:
    messy = (
        '# header\nuse library\ntrial NCT00000001 "t" {  include a "x" :age>=18 years and(sex=female or sex=male)\n'
        '# about b\n exclude b "y":not drug rituximab within 24 weeks # trailing\n}\n'
    )
    assert format_source(messy) == (
        "# header\n"
        "use library\n\n"
        'trial NCT00000001 "t" {\n'
        '  include a "x":\n'
        "    age >= 18 years and (sex = female or sex = male)\n\n"
        "  # about b\n"
        "  # trailing\n"
        '  exclude b "y":\n'
        "    not drug rituximab within 24 weeks\n"
        "}\n"
    )


def test_a_comment_after_code_stays_with_its_statement() -> None:
    text = (
        "define adult = age >= 18 years  # in years\n"
        "define old = age >= 65 years\n"
        'trial NCT00000001 "t" {\n'
        '  exclude e "x": serum_creatinine > 250 umol/L  # why e\n'
        '  exclude f "y":\n'
        "    drug rituximab within 24 weeks # why f\n"
        "  # before g\n"
        '  include g "z": adult\n'
        "}\n"
    )
    assert format_source(text) == (
        "# in years\n"
        "define adult =\n"
        "  age >= 18 years\n\n"
        "define old =\n"
        "  age >= 65 years\n\n"
        'trial NCT00000001 "t" {\n'
        "  # why e\n"
        '  exclude e "x":\n'
        "    serum_creatinine > 250 umol/L\n\n"
        "  # why f\n"
        '  exclude f "y":\n'
        "    drug rituximab within 24 weeks\n\n"
        "  # before g\n"
        '  include g "z":\n'
        "    adult\n"
        "}\n"
    )


def test_check_reports_and_rewrite_fixes(tmp_path: Path) -> None:
    path = tmp_path / "t.tl"
    path.write_text('trial NCT00000001 "t" { include a "x": age>=18 years }\n')
    check = CliRunner().invoke(main, ["fmt", "--check", str(path)])
    assert check.exit_code == 1
    assert f"would reformat {path}" in check.output
    rewrite = CliRunner().invoke(main, ["fmt", str(path)])
    assert rewrite.exit_code == 0
    assert CliRunner().invoke(main, ["fmt", "--check", str(path)]).exit_code == 0


def test_fmt_refuses_a_file_that_does_not_parse(tmp_path: Path) -> None:
    path = tmp_path / "bad.tl"
    original = 'trial NCT00000001 "t" { include a "x" age >= 18 years }\n'
    path.write_text(original)
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.exit_code == 1
    assert "error[E001]" in result.output
    assert path.read_text() == original


def test_a_hash_inside_a_sentence_is_not_a_comment() -> None:
    found = comments('define a "x # y" = sex = female # real\n# second\n')
    assert [(c.line, c.text) for c in found] == [(1, "# real"), (2, "# second")]


@pytest.mark.parametrize(("text", "formatted"), [("", ""), ("\n \n\t\n", ""), ("\ufeff", "")])
def test_a_file_without_statements_formats_to_nothing(text: str, formatted: str) -> None:
    assert format_source(text) == formatted


def test_a_file_of_comments_keeps_them() -> None:
    assert format_source("# only a comment\n\n\n# another  \n") == "# only a comment\n\n# another\n"


def test_a_byte_order_mark_is_dropped() -> None:
    text = '# first\ntrial NCT00000001 "t" {\n  include k "x":\n    sex = female\n}\n'
    assert format_source("\ufeff" + text) == text


def test_an_event_with_except_keeps_its_parentheses_in_a_list() -> None:
    text = (
        "define pregnancy =\n"
        "  condition pregnancy active\n\n"
        'trial NCT00000001 "t" {\n'
        '  exclude k "x":\n'
        "    at least 1 of [(condition malignancy except basal_cell_carcinoma), pregnancy]\n\n"
        '  exclude j "y":\n'
        "    at least 1 of [(sex = female and condition malignancy except basal_cell_carcinoma), pregnancy]\n"
        "}\n"
    )
    assert format_source(text) == text
    assert format_source(text.replace("[(", "[( ").replace("), p", " ) ,p")) == text


def test_a_broken_list_keeps_the_parentheses_too() -> None:
    items = ", ".join(f"(condition malignancy except lymphoma_{n})" for n in range(4))
    text = f'trial NCT00000001 "t" {{\n  exclude k "x": at least 2 of [{items}, pregnancy]\n}}\n'
    formatted = format_source(text)
    assert "      (condition malignancy except lymphoma_0),\n" in formatted
    assert parse(formatted) == parse(text)


def test_values_starting_with_a_digit_stay_quoted() -> None:
    """Bare, "2b" would read as the number 2 in unit b, and "3c" would not parse."""
    source = (
        'trial NCT00000001 "d" {\n  include a "a": biopsy_class = "2b" or biopsy_class in {"3c", "_d", "1", IV}\n}\n'
    )
    formatted = format_source(source, "d.tl")
    assert '= "2b"' in formatted and '{"3c", _d, "1", IV}' in formatted
    assert parse(formatted, "d.tl") == parse(source, "d.tl")
    assert format_source(formatted, "d.tl") == formatted


@pytest.mark.parametrize(
    "text",
    [
        'trial NCT00000001 "t" {}\n',  # a skeleton before any criterion is written
        'trial NCT00000001 "t" {\n  # criteria to come\n}\n',
        'define a "" = sex = female\nconcept s "" = {rituximab}\n',  # an empty description is kept
    ],
)
def test_edge_files_keep_their_tree_and_comments(text: str) -> None:
    formatted = format_source(text)
    assert parse(formatted, "<input>") == parse(text, "<input>")
    assert format_source(formatted) == formatted
    assert [c.text for c in comments(formatted)] == [c.text for c in comments(text)]


MESSY = 'trial NCT00000001 "t" { include a "x": age>=18 years }\n'


def test_an_interrupted_rewrite_leaves_the_file_as_it_was(tmp_path: Path, full_disk: Callable[[], None]) -> None:
    """The file was written in place: a disk that filled up mid-write left half a criteria file."""
    path = tmp_path / "t.tl"
    path.write_text(MESSY)
    full_disk()
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.exit_code == 1
    assert result.output == f"{path}: error[S002]: cannot write the reformatted file: No space left on device\n"
    assert path.read_text() == MESSY
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_file_left_half_written_by_a_killed_run_is_not_read_from_its_folder(tmp_path: Path) -> None:
    """Half-written files kept the suffix (`.t.<hex>.partial.tl`): a run killed mid-write left one
    that `lint` of the folder read as a criteria file, and a record folder's one as records."""
    (tmp_path / "t.tl").write_text(MESSY)
    partial_path(tmp_path / "t.tl").write_text("trial NCT0000")
    (tmp_path / "p.jsonl").write_text('{"id": "P1", "sex": "female"}\n')
    partial_path(tmp_path / "p.jsonl").write_text('{"id": "P2", "se')
    result = CliRunner().invoke(main, ["lint", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert [source for _, source in patient_records([tmp_path])] == [f"{tmp_path / 'p.jsonl'}:1"]


def test_a_symlinked_file_stays_a_link_and_its_target_is_rewritten(tmp_path: Path) -> None:
    target = tmp_path / "real" / "t.tl"
    target.parent.mkdir()
    target.write_text(MESSY)
    link = tmp_path / "t.tl"
    link.symlink_to(target)
    result = CliRunner().invoke(main, ["fmt", str(link)])
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and link.resolve() == target
    assert target.read_text() == format_source(MESSY)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["real", "t.tl", "t.tl"]


def test_the_permission_bits_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "t.tl"
    path.write_text(MESSY)
    path.chmod(0o640)
    assert CliRunner().invoke(main, ["fmt", str(path)]).exit_code == 0
    assert path.read_text() == format_source(MESSY)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_a_formatted_file_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "t.tl"
    path.write_text(format_source(MESSY))
    before = path.stat().st_ino
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.output == "1 file already formatted\n"
    assert path.stat().st_ino == before  # a rewrite would have put a new file in its place


def test_a_file_we_may_not_write_is_refused_not_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replacing the file would succeed where writing it in place is refused (a read-only file
    in a folder we may write); the tests may run as root, who may write anything, so the
    refusal is simulated."""
    path = tmp_path / "t.tl"
    path.write_text(MESSY)
    monkeypatch.setattr(os, "access", lambda p, mode: mode != os.W_OK or Path(p) != path)
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.exit_code == 1
    assert result.output == f"{path}: error[S002]: cannot write the reformatted file: Permission denied\n"
    assert path.read_text() == MESSY


def test_a_file_with_another_name_is_refused_not_split(tmp_path: Path) -> None:
    """Renamed over, a hard-linked file was split in two: the other name kept the old text."""
    path = tmp_path / "t.tl"
    path.write_text(MESSY)
    other = tmp_path / "shared.tl"
    os.link(path, other)
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.exit_code == 1
    assert result.output == (
        f"{path}: error[S002]: cannot write the reformatted file: the file has 1 other name (hard link), which"
        " would keep the old text when it is replaced whole; give it one name first (copy it, then move the"
        " copy over it)\n"
    )
    assert path.read_text() == other.read_text() == MESSY
    assert path.stat().st_ino == other.stat().st_ino
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shared.tl", "t.tl"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another owner")
def test_the_owner_and_group_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "t.tl"
    path.write_text(MESSY)
    os.chown(path, 4321, 8765)
    assert CliRunner().invoke(main, ["fmt", str(path)]).exit_code == 0
    assert path.read_text() == format_source(MESSY)
    assert (path.stat().st_uid, path.stat().st_gid) == (4321, 8765)


def test_the_group_is_kept_where_the_owner_may_not_be(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that is not root may not give a file away, but may give it a group of its own;
    the file is rewritten all the same, and keeps what the process may keep."""
    path = tmp_path / "t.tl"
    path.write_text(MESSY)
    owner = path.stat().st_uid
    calls = []

    def chown(target: Path, uid: int, gid: int) -> None:
        calls.append((uid, gid))
        if uid != -1:
            raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "chown", chown)
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.exit_code == 0, result.output
    assert path.read_text() == format_source(MESSY)
    assert calls == [(owner, path.stat().st_gid), (-1, path.stat().st_gid)]
