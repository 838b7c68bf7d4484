"""docs/language.md's criteria snippets do what the page says: each example of the table of
constructs loads (parses and checks) in a trial file, and each snippet the page says is
refused is refused with the code it names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trialogic import TrialogicError
from trialogic.api import load_trials

PAGE = (Path(__file__).parent.parent / "docs" / "language.md").read_text(encoding="utf-8")
FLAT = re.sub(r"\s+", " ", PAGE)  # a snippet may be wrapped over two lines of the page
TABLE = PAGE.split("## Every construct at a glance")[1].split("\n## ")[0]
# the example column of each row (`| construct | example | meaning |`), ellipses left out
EXAMPLES = [
    snippet
    for row in TABLE.splitlines()[4:]
    for snippet in re.findall(r"`([^`]+)`", row.split("|")[2])
    if "..." not in snippet and "…" not in snippet
]
# the table's logic row writes its operands `a` and `b`
OPERANDS = "define a = sex = female\ndefine b = age >= 18 years\n"


def _codes(tmp_path: Path, text: str) -> list[str]:
    """The codes of the errors loading `text` as a criteria file gives ([] if it loads)."""
    path = tmp_path / "t.tl"
    path.write_text(text, encoding="utf-8")
    try:
        load_trials([path])
    except TrialogicError as error:
        return [d.code for d in error.diagnostics]
    return []


def _in_a_trial(expression: str) -> str:
    return f'use library\n{OPERANDS}trial NCT00000001 "t" {{\n  include c "c":\n    {expression}\n}}\n'


def test_the_table_has_examples() -> None:
    assert len(EXAMPLES) >= 15, EXAMPLES


@pytest.mark.parametrize("snippet", EXAMPLES)
def test_each_example_of_the_table_loads(snippet: str, tmp_path: Path) -> None:
    if snippet.startswith(("define ", "concept ")):  # a statement, beside a trial (no library: its names)
        text = f'{snippet}\ntrial NCT00000001 "t" {{\n  include c "c": manual\n}}\n'
    else:
        text = _in_a_trial(snippet)
    assert _codes(tmp_path, text) == [], snippet


# every expression the page writes in running text: an event, a count or a comparison,
# with no placeholder (`ATTRIBUTE OP OPERAND`) and no ellipsis
EXPRESSION = re.compile(
    r"^(at least \d|(drug|condition|procedure|vaccine|planned|dose_change|consent) [a-z]|\w+ (>|>=|<|<=|=|!=|in|between) )"
)
PLACEHOLDER = re.compile(r"\.\.\.|…|\b(ATTRIBUTE|OP|OPERAND|LOW|HIGH|UNIT|KIND|CONCEPT|STATUS|N|W|C\d|V\d)\b")
PROSE = re.sub(r"^```.*?^```", "", PAGE, flags=re.S | re.M)  # the page without its file example
# (the snippet as the page writes it, the expression to load, the code the page names)
REFUSED = [
    ("within 4.5 weeks", "drug rituximab within 4.5 weeks", "E002"),
    ("hemoglobin > 900 g/L", "hemoglobin > 900 g/L", "E116"),
    ("hemoglobin >= 0 g/L", "hemoglobin >= 0 g/L", "E116"),
    (
        "[wocbp and condition malignancy except solid_tumor, pregnant_or_lactating]",
        "at least 1 of [wocbp and condition malignancy except solid_tumor, pregnant_or_lactating]",
        "E004",
    ),
]
IN_TEXT = [
    snippet
    for snippet in dict.fromkeys(re.sub(r"\s+", " ", s) for s in re.findall(r"`([^`]+)`", PROSE))
    if EXPRESSION.match(snippet) and not PLACEHOLDER.search(snippet) and snippet not in {r[1] for r in REFUSED}
]


def test_the_running_text_has_expressions() -> None:
    assert len(IN_TEXT) >= 15, IN_TEXT


@pytest.mark.parametrize("snippet", IN_TEXT)
def test_each_expression_in_the_running_text_loads(snippet: str, tmp_path: Path) -> None:
    assert _codes(tmp_path, _in_a_trial(snippet)) == [], snippet


def test_a_trials_own_definition_as_the_page_writes_it_loads(tmp_path: Path) -> None:
    definition = "define adult = age >= 21 years"
    assert f"`{definition}` inside the trial" in FLAT
    text = f'trial NCT00000001 "t" {{\n  {definition}\n  include c "c": adult\n}}\n'
    assert _codes(tmp_path, text) == []


@pytest.mark.parametrize(("shown", "expression", "code"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_snippet_the_page_says_is_refused_is_refused(shown: str, expression: str, code: str, tmp_path: Path) -> None:
    assert shown in FLAT, f"the page no longer shows {shown!r}"
    assert _codes(tmp_path, _in_a_trial(expression)) == [code]


def test_the_pages_unparenthesised_example_would_load_in_parentheses(tmp_path: Path) -> None:
    """The item the page shows refused (E004) is one item once it is in parentheses."""
    expression = "at least 1 of [(wocbp and condition malignancy except solid_tumor), pregnant_or_lactating]"
    assert _codes(tmp_path, _in_a_trial(expression)) == []
