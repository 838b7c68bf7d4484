"""Where a field sits (trialogic.positions): one mechanism for a file read again on error
(`locate`, by the source a diagnostic names) and for a record as it was read (`place`)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from trialogic.cli import main
from trialogic.errors import SHOWN_WIDTH, Diagnostic
from trialogic.positions import locate
from trialogic.records import Line, Parsed, place


def unplaced(source: str, field: str) -> Diagnostic:
    return Diagnostic(source, 0, 0, "P001", "m", field=field)


def where(diagnostic: Diagnostic) -> tuple[str, str | None, int, int, str | None]:
    return diagnostic.file, diagnostic.field, diagnostic.line, diagnostic.column, diagnostic.source_line


def test_a_file_read_again_and_a_record_as_read_are_placed_alike(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("- id: A\n- id: B\n  drugs:\n    - code: x\n      date: 2020-01-01\n")
    source = f"{path}[1]"
    fields = ["drugs[0].date", "drugs[0].end", "drugs[3]", "sex", ""]
    located = locate([unplaced(source, f) for f in fields])
    placed = place([unplaced(source, f) for f in fields], Parsed({}, str(path), 1), source)
    assert located == placed
    assert [where(d)[1:4] for d in located] == [
        ("[1].drugs[0].date", 5, 7),
        ("[1].drugs[0].end", 4, 7),  # the record lacks it: its entry
        ("[1].drugs[3]", 3, 3),  # the list: its key
        ("[1].sex", 2, 3),  # and the record itself
        ("[1]", 2, 3),
    ]


def test_a_key_holding_a_dot_or_a_bracket_is_found_as_the_file_holds_it(tmp_path: Path) -> None:
    path = tmp_path / "t.examples.yaml"
    path.write_text('examples:\n  - name: one\n    "1.0": x\n    "a[0]": y\n')
    located = locate([unplaced(str(path), "examples[0].1.0"), unplaced(str(path), "examples[0].a[0]")])
    assert [where(d)[2:] for d in located] == [(3, 5, '    "1.0": x'), (4, 5, '    "a[0]": y')]


def test_a_stream_line_is_placed_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    lines = ['{"id": "A"}', '{"id": "B", "drugs": [{"code": "x"}]}']
    path.write_text("\n".join(lines) + "\n")
    source = f"{path}:2"
    (located,) = locate([unplaced(source, "drugs[0].code")])
    assert where(located) == (str(path), "drugs[0].code", 2, 24, lines[1])
    assert place([unplaced(source, "drugs[0].code")], Line(lines[1], str(path), 2), source) == [located]


def test_a_long_line_is_shown_in_part_around_the_caret(tmp_path: Path) -> None:
    """A record on one long line (a cohort's JSON line, a FHIR Bundle) is shown as the
    SHOWN_WIDTH characters around the field, cut ends marked, the caret still under the field (the
    whole 3,000-character line was printed, the caret 3,000 columns in)."""
    path = tmp_path / "p.json"
    text = '{"id": "A", "note": "' + "x" * 400 + '", "sex": "f", "other": "' + "y" * 400 + '"}'
    path.write_text(text)
    (located,) = locate([unplaced(str(path), "sex")])
    (placed,) = place([unplaced(str(path), "sex")], Parsed({}, str(path), None), str(path))
    assert located == placed
    assert where(located)[:5] == (str(path), "sex", 1, text.index('"sex"') + 1, text)
    shown, caret = located.render().splitlines()[1:]
    assert shown.startswith("    …") and shown.endswith("…") and len(shown) == 4 + 1 + SHOWN_WIDTH + 1
    assert shown[caret.index("^") :].startswith('"sex": "f"')
    assert caret.strip() == "^"


def test_a_line_cut_at_one_end_only_keeps_the_caret_under_its_column() -> None:
    line = "a" * (SHOWN_WIDTH + 50) + "Z"
    for column, marked in ((1, "a"), (len(line), "Z"), (30, "a")):
        shown, caret = Diagnostic("f", 1, column, "P001", "m", source_line=line).render().splitlines()[1:]
        assert shown[caret.index("^")] == marked
        assert len(shown) == 4 + SHOWN_WIDTH + 1 and shown.count("…") == 1
    short = "b" * SHOWN_WIDTH
    assert Diagnostic("f", 1, SHOWN_WIDTH, "P001", "m", source_line=short).render().splitlines()[1] == "    " + short


def test_a_diagnostic_placed_already_or_naming_no_file_is_left_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("id: A\n")
    placed_already = Diagnostic(str(path), 1, 1, "P001", "m", field="id")
    elsewhere = unplaced("<what-if>", "id")
    assert locate([placed_already, elsewhere]) == [placed_already, elsewhere]


def test_a_stream_line_holding_a_line_break_yaml_counts_is_placed_on_its_own_line(tmp_path: Path) -> None:
    """JSON strings may hold U+2028, U+2029 and U+0085, which YAML (that places fields)
    counts as line breaks: the error was put on a later line, its column in a piece of it."""
    path = tmp_path / "c.jsonl"
    lines = ['{"id": "A"}', '{"id": "B\u2028C\x85D\u2029E", "sex": "femal"}', '{"id": "F"}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    source = f"{path}:2"
    (located,) = locate([unplaced(source, "sex")])
    shown = lines[1].replace("\u2028", " ").replace("\x85", " ").replace("\u2029", " ")
    assert where(located) == (str(path), "sex", 2, lines[1].index('"sex"') + 1, shown)
    assert place([unplaced(source, "sex")], Line(lines[1], str(path), 2), source) == [located]


ALIASED = """id: A1
birth_date: 1990-01-01
drugs:
  - &course
    code: tacrolimus
    start: 2026-01-01
    end: 2025-01-01
  - code: rituximab
    start: 2026-02-01
  - *course
  - <<: *course
    code: belimumab
"""


def test_a_field_reached_through_an_alias_is_placed_where_the_alias_is(tmp_path: Path) -> None:
    """`- *course` repeats the anchor's entry: its problem is that of the third entry, on the
    alias's line (it was placed on the anchor's, where the first entry's problem is)."""
    path = tmp_path / "p.yaml"
    path.write_text(ALIASED)
    lines = ALIASED.splitlines()
    message = "error[P009]: ends 2025-01-01 before it starts 2026-01-01"
    for given, stdin, name in ((str(path), None, str(path)), ("-", ALIASED, "<stdin>")):
        result = CliRunner().invoke(main, ["check", given, "--on", "2026-11-22"], input=stdin)
        assert result.exit_code == 1
        assert result.output.count(message) == 3
        for field, line in (("drugs[0].end", 7), ("drugs[2].end", 10), ("drugs[3].end", 11)):  # 10: `- *course`
            assert f"{name}:{line}:5: {field}: {message}\n    {lines[line - 1]}\n" in result.output
