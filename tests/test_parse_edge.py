"""Parser edge cases: what the grammar alone would misread or crash on."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trialogic import TrialogicError, ast
from trialogic.api import load_trials
from trialogic.parser import EXCEPT_IN_LIST as MESSAGE
from trialogic.parser import MAX_DEPTH, parse, parse_cached


def _trial(body: str) -> str:
    return f'trial NCT00000001 "t" {{\n  include k "x": {body}\n}}\n'


def _errors(text: str) -> list[tuple[str, int, int, str]]:
    with pytest.raises(TrialogicError) as raised:
        parse(text, "t.tl")
    return [(d.code, d.line, d.column, d.message) for d in raised.value.diagnostics]


EXCEPT_IN_LIST = (
    "an event with `except` in an `at least` list is written in parentheses, e.g. "
    "[(condition malignancy except basal_cell_carcinoma), pregnant_or_lactating]: without them, "
    "a list item after it would read as another exception"
)


def test_an_except_list_does_not_take_up_the_items_after_it() -> None:
    text = _trial("at least 1 of [condition malignancy except basal_cell_carcinoma, pregnancy]")
    assert _errors(text) == [("E004", 2, 33, EXCEPT_IN_LIST)]


def test_the_example_the_e004_message_gives_loads(tmp_path: Path) -> None:
    """The list E004 suggests is one an author can write: it loads beside the library. It
    named `pregnancy`, which no definition has (E107)."""
    example = re.search(r"e\.g\. (\[.*?\]):", MESSAGE)
    assert example is not None, MESSAGE
    path = tmp_path / "t.tl"
    path.write_text("use library\n" + _trial(f"at least 1 of {example[1]}"))
    load_trials([path])


@pytest.mark.parametrize(
    ("body", "column"),
    [
        ("at least 1 of [sex = female and condition malignancy except lymphoma, pregnancy]", 50),
        ("at least 1 of [pregnancy, not planned drug rituximab except mabthera]", 48),
        ("at least 1 of [if sex = female then condition malignancy except lymphoma within 4 weeks, pregnancy]", 54),
        ("at least 1 of [pregnancy, condition malignancy except lymphoma]", 44),
    ],
)
def test_an_except_list_ending_an_item_is_refused_wherever_it_stands(body: str, column: int) -> None:
    assert _errors(_trial(body)) == [("E004", 2, column, EXCEPT_IN_LIST)]


def test_an_event_with_except_in_parentheses_is_one_item() -> None:
    text = _trial(
        "at least 1 of [(condition malignancy except basal_cell_carcinoma), pregnancy,"
        " sex = female and (condition malignancy except lymphoma)]"
    )
    expr = parse(text).trials[0].criteria[0].expr
    assert isinstance(expr, ast.AtLeast)
    first, second, third = expr.operands
    assert first == ast.Event("condition", "malignancy", (ast.Exception_("basal_cell_carcinoma", None),), None)
    assert second == ast.Reference("pregnancy")
    assert isinstance(third, ast.AllOf)


def test_parentheses_leave_the_tree_and_positions_as_they_were() -> None:
    bare = parse(_trial("sex = female and drug rituximab within 4 weeks"))
    wrapped = parse(_trial("(sex = female) and (drug rituximab within 4 weeks)"))
    assert bare == wrapped
    expr = wrapped.trials[0].criteria[0].expr
    assert isinstance(expr, ast.AllOf)
    assert [(o.pos.line, o.pos.column) for o in expr.operands] == [(2, 19), (2, 38)]


def test_a_fractional_window_says_a_window_is_whole() -> None:
    assert _errors(_trial("drug rituximab within 4.5 weeks")) == [
        (
            "E002",
            2,
            41,
            "unexpected character '.'; a window is a whole number of days, weeks, months or years, e.g. within 30 days",
        )
    ]


def test_an_unclosed_quoted_sentence_says_so() -> None:
    text = 'trial NCT00000001 "t" {\n  include k "unterminated: sex = female\n}\n'
    assert _errors(text) == [
        ("E002", 2, 13, 'this quoted sentence is not closed on its line; end it with " before the line ends')
    ]


def test_a_leading_byte_order_mark_is_ignored() -> None:
    text = _trial("sex = female")
    assert parse("\ufeff" + text) == parse(text)


def test_a_byte_order_mark_elsewhere_is_still_refused() -> None:
    assert [e[0] for e in _errors(_trial("sex = \ufefffemale"))] == ["E002"]


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\x7f", "\x85"])
def test_a_control_character_in_a_sentence_is_refused(character: str) -> None:
    text = f'trial NCT00000001 "t" {{\n  include k "ab{character}c": sex = female\n}}\n'
    assert _errors(text) == [
        (
            "E005",
            2,
            16,
            f"control character U+{ord(character):04X} inside a quoted sentence; remove it (a tab is allowed)",
        )
    ]


def test_a_control_character_is_reported_with_its_own_line() -> None:
    text = 'trial NCT00000001 "t" {\n  note "a\x0bb"\n  include k "x": sex = female\n}\n'
    with pytest.raises(TrialogicError) as raised:
        parse(text, "t.tl")
    (diagnostic,) = raised.value.diagnostics
    assert (diagnostic.code, diagnostic.line, diagnostic.column) == ("E005", 2, 10)
    assert diagnostic.source_line == '  note "a\x0bb"'


def test_a_name_error_after_a_line_separator_or_form_feed_shows_its_own_line(tmp_path: Path) -> None:
    """U+2028 in a sentence and a form feed in a comment are allowed; they are no line breaks
    for the errors found after parsing either (str.splitlines counted them, showing line 3)."""
    from trialogic.api import load_trials

    trial = tmp_path / "t.tl"
    trial.write_text(
        'use nowhere\ntrial NCT00000001 "t" {\n  note "first\u2028second"\n  # a form\x0cfeed\n'
        '  include a "x": serum_creatinin > 3 mg/dL\n}\n',
        encoding="utf-8",
    )
    with pytest.raises(TrialogicError) as raised:
        load_trials([trial])
    shown = {d.code: (d.line, d.source_line) for d in raised.value.diagnostics}
    assert shown["E101"] == (5, '  include a "x": serum_creatinin > 3 mg/dL')
    assert shown["E109"] == (1, "use nowhere")


def test_a_tab_in_a_sentence_is_kept() -> None:
    text = 'trial NCT00000001 "t" {\n  include k "a\tb": sex = female\n}\n'
    assert parse(text).trials[0].criteria[0].text == "a\tb"


def _nested(depth: int) -> str:
    return _trial("(" * depth + "sex = female" + ")" * depth)


def test_deep_nesting_is_refused_with_an_error(tmp_path: Path) -> None:
    message = (
        f"nested too deeply (more than {MAX_DEPTH} parentheses, lists and `not` inside one another);"
        " name inner parts with `define`"
    )
    assert _errors(_nested(MAX_DEPTH + 1)) == [("E006", 2, 18 + MAX_DEPTH, message)]
    assert _errors(_trial("not " * 600 + "sex = female")) == [("E006", 2, 18 + 4 * MAX_DEPTH, message)]
    # far beyond Python's recursion limit: still an error, not a crash
    with pytest.raises(TrialogicError):
        parse_cached(_nested(5000), str(tmp_path / "deep.tl"))


def test_nesting_up_to_the_limit_parses_and_is_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    module = parse_cached(_nested(MAX_DEPTH), str(tmp_path / "deep.tl"))
    assert module.trials[0].criteria[0].expr == ast.Comparison("sex", "=", ast.Category("female"), None)


def test_a_long_chain_is_not_nesting() -> None:
    body = " or ".join(f"age >= {n} years" for n in range(2000))
    expr = parse(_trial(body)).trials[0].criteria[0].expr
    assert isinstance(expr, ast.AnyOf) and len(expr.operands) == 2000


@pytest.mark.parametrize(
    "items",
    [
        "condition malignancy except basal_cell_carcinoma, condition pregnancy",
        "condition malignancy except basal_cell_carcinoma[resolved], sex = female",
        "condition malignancy except basal_cell_carcinoma, at least 1 of [sex = female]",
    ],
)
def test_an_unparenthesised_except_before_any_other_item_is_e004(items: str) -> None:
    """Not only a bare name after it: whatever item follows is read as one more exception."""
    source = f'trial NCT00000001 "x" {{\n  include k "x": at least 1 of [{items}]\n}}\n'
    with pytest.raises(TrialogicError) as raised:
        parse(source, "t.tl")
    (problem,) = raised.value.diagnostics
    assert problem.code == "E004" and problem.line == 2, problem.render()


def test_the_syntax_cache_stays_bounded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr("trialogic.parser.CACHE_ENTRIES", 10)
    for n in range(25):
        parse_cached(f'trial NCT{n:08d} "t" {{\n  include k "k": manual\n}}\n', f"t{n}.tl")
    kept = list((tmp_path / "trialogic" / "syntax").glob("*.pickle"))
    assert 8 <= len(kept) <= 10


@pytest.mark.parametrize("where", ['"See [1"', '"x" # see [1, a'])
def test_a_bracket_in_a_sentence_or_comment_is_no_at_least_list(where: str) -> None:
    """An ordinary syntax error after `except ..., x` is E001, whatever brackets a sentence or
    comment before it holds (they made it E004, the message about `at least` lists)."""
    sentence, _, comment = where.partition(" # ")
    text = (
        f'trial NCT00000001 "t" {{{"  # " + comment if comment else ""}\n'
        f"  exclude a {sentence}: condition malignancy except basal_cell_carcinoma, melanoma sex = female\n}}\n"
    )
    assert [code for code, *_ in _errors(text)] == ["E001"]


def test_an_error_inside_a_concept_set_is_reported_once() -> None:
    """The set's own closing brace is set aside with it (it was reported as an unexpected `}`)."""
    text = 'concept s = {\n  rituximab,\n  belimumab $\n}\ntrial NCT00000001 "t" { include a "x": age >= 18 years }\n'
    assert [(code, line) for code, line, *_ in _errors(text)] == [("E002", 3)]
    later = text + 'trial NCT00000002 "u" {\n  include b "y": agee >= 18 years $\n}\n'
    assert [(code, line) for code, line, *_ in _errors(later)] == [("E002", 3), ("E002", 7)]


# Broken criteria as authors write them: misspelled words, missing parts, unclosed brackets.
BROKEN = [
    "age 18 years",
    "age => 18 years",
    "age >=",
    "age >= 18 years andd sex = female",
    "age >= 18 years and",
    "age >= 18 years sex = female",
    "sex = female or",
    "sex = female)",
    "sex = female,",
    "sex = female then pregnancy",
    "sex == female",
    "if sex = female pregnancy_test = negative",
    "if sex = female then",
    "drug rituximab within",
    "drug rituximab within 4",
    "drug rituximab within weeks",
    "drug rituximab within 4 wks",
    "drug rituximab withn 4 weeks",
    "drugs rituximab within 4 weeks",
    "drug rituximab except",
    "condition lupus_nephritis actve",
    "condition lupus_nephritis active within 4 weeks",
    "planned rituximab",
    "planned drug",
    "biopsy_class in {III, IV",
    "biopsy_class in {III IV}",
    "biopsy_class in III, IV",
    "biopsy_class in {}",
    "at least of [sex = female]",
    "at least 1 [sex = female]",
    "at lest 1 of [sex = female]",
    "at least 1 of (sex = female)",
    "at least 1 of [sex = female, age >= 18 years",
    "(sex = female and age >= 18 years",
    "age between 18 years",
    "age between 18 and",
    "age between 18 and 65 years within",
    "alt > 2.5 x",
    "alt > 2.5 x uln",
    "hemoglobin > 10 g/L within 2",
    "manual manual",
    "not",
    "drug within 4 weeks",
    "sex = within",
]
# a text for each thing a message may say is expected (a word or sign in quotes stands for itself)
SAMPLES = {
    "a name": "some_name",
    "a number": "5",
    "a whole number": "5",
    'a quoted sentence ("...")': '"s"',
    "a value pair like 160/100": "160/100",
    "a comparison (>, >=, <, <=, =, !=)": ">=",
    "a unit": "mg",
    "a time unit (days, weeks, months, years)": "weeks",
    "an event (drug, condition, procedure, vaccine, hospitalization, trial_participation, consent, dose_change)": "drug",
    "a trial id like NCT01234567": "NCT00000009",
}


def _first_error_at(text: str) -> int | None:
    """The offset in `text` of the first syntax error, None without one."""
    with pytest.raises(TrialogicError) as raised:
        parse(text)
    first = raised.value.diagnostics[0]
    return sum(len(line) + 1 for line in text.split("\n")[: first.line - 1]) + first.column - 1


@pytest.mark.parametrize("body", BROKEN)
def test_a_syntax_error_lists_only_what_could_come_there(body: str) -> None:
    """Each word, sign or kind of token the message says is expected, put where the caret
    points, lets the parser read past that place (Lark's own list, from a parser state LALR
    shares among places, offered `concept` and `)` inside a criterion, and missed `within`)."""
    text = f'trial NCT00000001 "t" {{\n  include a "x": {body}\n  include b "y": sex = female\n}}\n'
    (code, line, column, message), *_ = _errors(text)
    assert "; expected " in message, message
    at = sum(len(row) + 1 for row in text.split("\n")[: line - 1]) + column - 1
    listed = re.split(r", (?![^()]*\))", message.split("; expected ", 1)[1].split("; ")[0])  # (not a hint after it)
    for item in listed:
        sample = item[1:-1] if item.startswith('"') else SAMPLES[item]
        changed = text[:at] + f" {sample} " + text[at:]
        try:
            parse(changed)
        except TrialogicError:
            assert _first_error_at(changed) > at + 1, (message, item, changed)


def test_a_keyword_where_only_a_name_can_stand_is_refused_there() -> None:
    """The contextual lexer read a word of the language as a name wherever only a name could
    stand: `drug within 4 weeks` went on to a puzzling error at `4`, `define and = ...` was
    accepted, and `sex = within` said `within` is not a value of sex."""
    assert _errors(_trial("drug within 4 weeks")) == [
        ("E107", 2, 23, "'within' is a word of the language, not a name; expected a name")
    ]
    definition = 'define and = age >= 18 years\ntrial NCT00000001 "t" {\n  include k "x": manual\n}\n'
    assert _errors(definition) == [("E107", 1, 8, "'and' is a word of the language, not a name; expected a name")]
    assert _errors(_trial("biopsy_class in {III, active}")) == [
        ("E107", 2, 40, "'active' is a word of the language, not a name; expected a name, a number, "
         'a quoted sentence ("..."), "}"')
    ]  # fmt: skip
    assert _errors(_trial("sex = female and and")) == [
        ("E107", 2, 35, "'and' is a word of the language, not a name: a part is missing next to it")
    ]


def test_a_criterion_id_and_an_exception_status_may_be_words_of_the_language() -> None:
    text = 'trial NCT00000001 "t" {\n  include consent "x": condition malignancy except lymphoma[active]\n}\n'
    (criterion,) = parse(text).trials[0].criteria
    assert criterion.id == "consent"
    assert criterion.expr == ast.Event("condition", "malignancy", (ast.Exception_("lymphoma", "active"),), None)


def test_the_formatter_s_keywords_are_the_grammar_s() -> None:
    """fmt quotes a value spelled like a word of the language: the words must be the ones the
    parser refuses as names."""
    from trialogic.format import KEYWORDS
    from trialogic.parser import _keywords

    assert set(_keywords()) == KEYWORDS


def test_the_syntax_cache_holds_what_a_parse_gives(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tree read back from the cache is the parsed one; a refused file is never cached."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    good = 'trial NCT00000001 "t" {\n  include consent "x": condition malignancy except lymphoma[active]\n}\n'
    assert parse_cached(good, "g.tl") == parse_cached(good, "g.tl") == parse(good, "g.tl")
    bad = _trial("drug within 4 weeks")
    for _ in range(2):
        with pytest.raises(TrialogicError):
            parse_cached(bad, "b.tl")
    assert len(list((tmp_path / "trialogic" / "syntax").glob("*.pickle"))) == 1


@pytest.mark.parametrize(
    ("body", "column", "hint"),
    [
        (
            "rituximab within 6 months",
            28,
            "; an event in a window starts with its kind, e.g. drug rituximab within 24 weeks",
        ),
        ("sex = female and (belimumab within 24 weeks)", 46, ", e.g. drug belimumab within 24 weeks (kinds: drug, "),
        ("at least 2 of {condition malar_rash}", 32, "; the items of `at least K of` are written in square brackets"),
        ("informed_consent consent", 35, "; an event starts with its kind: consent informed_consent"),
        ("wocbp and prednisone drug within 4 weeks", 39, "; an event starts with its kind: drug prednisone"),
        ("drug prednisone 4 weeks", 34, "; a window starts with `within`: within 4 days|weeks|months|years"),
        ("platelets < 100,000 /mm3", 33, "; a number is written without thousands separators, e.g. 100000"),
    ],
)
def test_slips_are_told_how_to_write_them(body: str, column: int, hint: str) -> None:
    ((code, line, col, message),) = _errors(_trial(body))
    assert (code, line, col) == ("E001", 2, column)
    assert hint in message and message.startswith("unexpected ")


@pytest.mark.parametrize(
    "body", ["serum_creatinine > 2 mg/dL within", "drug rituximab within within", "sex = female drug rituximab"]
)
def test_no_event_hint_where_a_window_may_follow(body: str) -> None:
    """`within` out of place after a comparison or an event is told as it is: no hint about
    an event's kind."""
    for _, _, _, message in _errors(_trial(body)):
        assert "starts with its kind" not in message
