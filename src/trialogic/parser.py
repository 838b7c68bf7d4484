"""Source text → syntax tree (`trialogic.ast`). Syntax errors are collected, not stopped at."""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import unicodedata
from collections.abc import Iterator
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from lark import Lark, Token, Tree, UnexpectedCharacters, UnexpectedInput, UnexpectedToken, v_args
from lark.lexer import PatternStr
from lark.tree import Meta
from lark.visitors import Transformer_NonRecursive

from . import ast
from .errors import Diagnostic, TrialogicError, source_line
from .resources import cache_dir, grammar_dir
from .vocabulary import EVENT_KINDS as RECORD_EVENT_KINDS

# a changed tree shape, or a parser that reads the grammar's tokens otherwise, invalidates the cache
_VERSION = Path(__file__).with_name("ast.py").read_bytes() + Path(__file__).read_bytes()
_KIND = {"include": "inclusion", "exclude": "exclusion"}
_TIME_UNIT = {"day": "days", "week": "weeks", "month": "months", "year": "years"}
_BOM = "\ufeff"
MAX_DEPTH = 100  # parentheses, lists and `not` inside one another; deeper trees exhaust Python's stack
MAX_DIGITS = 100  # a whole number longer than this cannot be meant (Python refuses ints past 4,300 digits)


@lru_cache(maxsize=1)
def _lark() -> Lark:
    grammar = (grammar_dir() / "criteria.lark").read_text(encoding="utf-8")
    # cache=True keeps the built parser in the temporary folder, keyed by the grammar: faster starts
    return Lark(
        grammar,
        parser="lalr",
        propagate_positions=True,
        maybe_placeholders=False,
        cache=True,
        postlex=_Keywords(),
    )


@lru_cache(maxsize=1)
def _keywords() -> dict[str, str]:
    """Each word of the language and its terminal (`and` → AND): the grammar's plain strings
    that are spelled like a name."""
    return {
        t.pattern.value: t.name
        for t in _lark().terminals
        if isinstance(t.pattern, PatternStr) and re.fullmatch(r"[A-Za-z_]\w*", t.pattern.value)
    }


class _Keywords:
    """A NAME spelled like a word of the language is that word. The contextual lexer reads a
    word as a NAME where only a name can stand (`drug and`, `define and = ...`); so retyped,
    the parser says the word is out of place instead of taking it for a name. A criterion's
    id is the one name that may be any word (`include consent "..."`): no expression reads it."""

    always_accept: tuple[str, ...] = ()

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        previous = None
        for token in stream:
            if token.type == "NAME" and previous not in ("INCLUDE", "EXCLUDE"):
                token.type = _keywords().get(str(token), "NAME")
            previous = token.type
            yield token


def _unquote(token: str) -> str:
    return token[1:-1].replace('\\"', '"').replace("\\\\", "\\")


@v_args(meta=True, inline=True)
class _ToAst(Transformer_NonRecursive[Token, Any]):
    def __init__(self, path: str):
        super().__init__()
        self.path = path

    def _pos(self, meta: Meta) -> ast.Pos:
        if getattr(meta, "empty", True):
            return ast.Pos(self.path, 0, 0)
        return ast.Pos(self.path, meta.line, meta.column)

    # statements
    @v_args(meta=True, inline=False)
    def start(self, meta: Meta, items: list[Any]) -> ast.Module:
        return ast.Module(
            path=self.path,
            uses=tuple(i for i in items if isinstance(i, ast.Use)),
            concepts=tuple(i for i in items if isinstance(i, ast.Concept)),
            defines=tuple(i for i in items if isinstance(i, ast.Define)),
            trials=tuple(i for i in items if isinstance(i, ast.Trial)),
            pos=ast.Pos(self.path, 1, 1),
        )

    def use(self, meta: Meta, name: Token) -> ast.Use:
        return ast.Use(str(name), pos=self._pos(meta))

    def concept(self, meta: Meta, name: Token, *rest: Token) -> ast.Concept:
        description = _unquote(rest[0]) if rest and rest[0].type == "STRING" else None
        members = tuple(str(t) for t in rest if t.type == "NAME")
        return ast.Concept(str(name), description, members, pos=self._pos(meta))

    def define(self, meta: Meta, name: Token, *rest: Any) -> ast.Define:
        description = _unquote(rest[0]) if len(rest) == 2 else None
        return ast.Define(str(name), description, rest[-1], pos=self._pos(meta))

    def trial(self, meta: Meta, trial_id: Token, title: Token, *items: Any) -> ast.Trial:
        return ast.Trial(
            str(trial_id),
            _unquote(title),
            criteria=tuple(i for i in items if isinstance(i, ast.Criterion)),
            defines=tuple(i for i in items if isinstance(i, ast.Define)),
            notes=tuple(i for i in items if isinstance(i, ast.Note)),
            end_line=getattr(meta, "end_line", 0),
            pos=self._pos(meta),
        )

    def note(self, meta: Meta, text: Token) -> ast.Note:
        return ast.Note(_unquote(text), pos=self._pos(meta))

    def criterion(self, meta: Meta, kind: str, name: Token, text: Token, expr: ast.Expr) -> ast.Criterion:
        return ast.Criterion(kind, str(name), _unquote(text), expr, pos=self._pos(meta))

    def kind(self, meta: Meta, token: Token) -> str:
        return _KIND[str(token)]

    # boolean structure
    def paren(self, meta: Meta, inner: ast.Expr) -> ast.Expr:
        return inner

    def conditional(self, meta: Meta, condition: ast.Expr, consequence: ast.Expr) -> ast.Conditional:
        return ast.Conditional(condition, consequence, pos=self._pos(meta))

    def any_of(self, meta: Meta, left: ast.Expr, right: ast.Expr) -> ast.AnyOf:
        parts = (left.operands if isinstance(left, ast.AnyOf) else (left,)) + (right,)
        return ast.AnyOf(parts, pos=self._pos(meta))

    def all_of(self, meta: Meta, left: ast.Expr, right: ast.Expr) -> ast.AllOf:
        parts = (left.operands if isinstance(left, ast.AllOf) else (left,)) + (right,)
        return ast.AllOf(parts, pos=self._pos(meta))

    def negation(self, meta: Meta, operand: ast.Expr) -> ast.Not:
        return ast.Not(operand, pos=self._pos(meta))

    def at_least(self, meta: Meta, count: Token, *operands: ast.Expr) -> ast.AtLeast:
        return ast.AtLeast(int(count), tuple(operands), pos=self._pos(meta))

    # leaves
    def comparison(self, meta: Meta, name: Token, op: Token, operand: Any, window: Any = None) -> ast.Comparison:
        return ast.Comparison(str(name), str(op), operand, window, pos=self._pos(meta))

    def between(self, meta: Meta, name: Token, low: Token, high: Token, *rest: Any) -> ast.Between:
        unit = next((str(r) for r in rest if isinstance(r, Token)), None)
        window = next((r for r in rest if isinstance(r, ast.Window)), None)
        return ast.Between(str(name), Decimal(low), Decimal(high), unit, window, pos=self._pos(meta))

    def membership(self, meta: Meta, name: Token, *rest: Any) -> ast.Membership:
        values = tuple(r for r in rest if isinstance(r, str) and not isinstance(r, Token))
        window = next((r for r in rest if isinstance(r, ast.Window)), None)
        return ast.Membership(str(name), values, window, pos=self._pos(meta))

    def value(self, meta: Meta, token: Token) -> str:
        return _unquote(token) if token.type == "STRING" else str(token)

    def event(self, meta: Meta, kind: str, concept: Token, *rest: Any) -> ast.Event:
        exceptions: tuple[ast.Exception_, ...] = next((r for r in rest if isinstance(r, tuple)), ())
        window = next((r for r in rest if isinstance(r, ast.Window)), None)
        return ast.Event(kind, str(concept), exceptions, window, pos=self._pos(meta))

    def planned(self, meta: Meta, kind: str, concept: Token, exceptions: Any = ()) -> ast.Planned:
        return ast.Planned(kind, str(concept), exceptions, pos=self._pos(meta))

    def event_kind(self, meta: Meta, token: Token) -> str:
        return str(token)

    def exceptions(self, meta: Meta, *items: ast.Exception_) -> tuple[ast.Exception_, ...]:
        return tuple(items)

    def exception(self, meta: Meta, concept: Token, status: str | None = None) -> ast.Exception_:
        return ast.Exception_(str(concept), status, pos=self._pos(meta))

    def status(self, meta: Meta, token: Token) -> str:
        return str(token)

    def manual(self, meta: Meta) -> ast.Manual:
        return ast.Manual(pos=self._pos(meta))

    def reference(self, meta: Meta, name: Token) -> ast.Reference:
        return ast.Reference(str(name), pos=self._pos(meta))

    def window(self, meta: Meta, count: Token, unit: str) -> ast.Window:
        return ast.Window(int(count), unit, pos=self._pos(meta))

    def active_now(self, meta: Meta) -> ast.Window:
        return ast.Window(0, "active", pos=self._pos(meta))

    def time_unit(self, meta: Meta, token: Token) -> str:
        return _TIME_UNIT.get(str(token), str(token))

    # operands
    def quantity(self, meta: Meta, number: Token, unit: Token | None = None) -> ast.Quantity:
        return ast.Quantity(Decimal(number), str(unit) if unit else None, pos=self._pos(meta))

    def uln(self, meta: Meta, factor: Token) -> ast.Uln:
        return ast.Uln(Decimal(factor), pos=self._pos(meta))

    def pair(self, meta: Meta, pair: Token, unit: Token | None = None) -> ast.Pair:
        first, second = str(pair).split("/")
        return ast.Pair(Decimal(first), Decimal(second), str(unit) if unit else None, pos=self._pos(meta))

    def category(self, meta: Meta, token: Token) -> ast.Category:
        value = _unquote(token) if token.type == "STRING" else str(token)
        return ast.Category(value, pos=self._pos(meta))


_TOKEN_NAMES = {
    "NAME": "a name",
    "STRING": 'a quoted sentence ("...")',
    "NUMBER": "a number",
    "INT": "a whole number",
    "OP": "a comparison (>, >=, <, <=, =, !=)",
    "UNIT": "a unit",
    "PAIR": "a value pair like 160/100",
    "TRIAL_ID": "a trial id like NCT01234567",
    "AT": '"at least"',
    "$END": "the end of the file",
}
# words an author thinks of as one choice, named as one
EVENT_KINDS = (*RECORD_EVENT_KINDS, "dose_change")  # the language's: a record's, and dose changes
_GROUPS = {
    "a time unit (days, weeks, months, years)": {"DAY", "DAYS", "WEEK", "WEEKS", "MONTH", "MONTHS", "YEAR", "YEARS"},
    f"an event ({', '.join(EVENT_KINDS)})": {kind.upper() for kind in EVENT_KINDS},
}  # fmt: skip
# what starts the next statement (named after the rest)
_STATEMENTS = ("INCLUDE", "EXCLUDE", "USE", "CONCEPT", "DEFINE", "NOTE", "TRIAL", "RBRACE", "$END")


def _could_follow(text: str, position: int) -> set[str]:
    """The terminals the parser accepts at `position` of `text` (where a token starts, or the
    end): it is stepped up to there and each candidate fed to a copy of it. Lark's own
    `expected` is the parser state's set, which LALR shares with other places (`)` outside
    any parenthesis), taken after the unexpected token set off reductions."""
    parser = _lark().parse_interactive(text)
    try:
        for token in parser.iter_parse():
            if token.start_pos is not None and token.start_pos >= position:
                break
    except UnexpectedToken:
        pass  # the contextual lexer refused the token at `position`: the parser stands before it
    return set(parser.accepts())  # type: ignore[no-untyped-call]


def _describe_expected(expected: set[str]) -> str:
    """What may come, in the author's words: the language's words and signs in quotes and
    kinds of token, then the statements that could start there, then the end of the file."""
    rest = set(expected)
    groups = [phrase for phrase, members in _GROUPS.items() if members <= rest]
    for phrase in groups:
        rest -= _GROUPS[phrase]
    statements = [t for t in _STATEMENTS if t in rest]
    words = sorted(groups + [_word(t) for t in rest.difference(statements)])
    return ", ".join(words + [_word(t) for t in statements])


def _word(terminal: str) -> str:
    if terminal in _TOKEN_NAMES:
        return _TOKEN_NAMES[terminal]
    pattern = next(t.pattern for t in _lark().terminals if t.name == terminal)
    return f'"{pattern.value}"'


EXCEPT_IN_LIST = (
    "an event with `except` in an `at least` list is written in parentheses, e.g. "
    "[(condition malignancy except basal_cell_carcinoma), pregnant_or_lactating]: without them, "
    "a list item after it would read as another exception"
)


def _code_only(text: str) -> str:
    """The text with the insides of quoted sentences and comments made spaces (same length):
    what brackets and words they hold is not code."""
    text = re.sub(r'"(?:[^"\\\n]|\\.)*"', lambda m: '"' + " " * (len(m.group()) - 2) + '"', text)
    return re.sub(r"#[^\n]*", lambda m: " " * len(m.group()), text)


_EXPRESSION_START = r"(?:[:(\[,]|\b(?:and|or|not|then|if)\b)\s*"


def _hint(word: str, before: str, expected: set[str]) -> str:
    """What the author likely meant, for the common slips: a window after a bare name (an event
    is named with its kind: `drug rituximab within 24 weeks`), an event's kind after its name
    (`informed_consent consent`), a window without `within` (`drug rituximab 24 weeks`), a
    number with a thousands separator (`100,000`), an `at least` list in braces, a time unit
    abbreviated (`within 12 wks`), an age `years old`, and a unit written with spaces
    (`mL/min/1.73 m2`, `100 x 10^9/L`)."""
    bare = re.search(_EXPRESSION_START + r"([A-Za-z_]\w*)\s*$", before)
    if word == "within" and bare and "WITHIN" not in expected:
        return (
            f"; an event in a window starts with its kind, e.g. drug {bare.group(1)} within 24 weeks "
            f"(kinds: {', '.join(EVENT_KINDS)})"
        )
    if word in EVENT_KINDS and bare:
        return f"; an event starts with its kind: {word} {bare.group(1)}"
    if word.isdigit() and "WITHIN" in expected:
        return f"; a window starts with `within`: within {word} days|weeks|months|years"
    if word == "," and re.search(r"\d$", before):
        return "; a number is written without thousands separators, e.g. 100000"
    if word == "{" and "LSQB" in expected and re.search(r"\bof\s*$", before):
        return "; the items of `at least K of` are written in square brackets: at least 4 of [A, B, ...]"
    if word.lower() in ast.TIME_UNIT_ABBREVIATIONS and re.search(r"\bwithin\s+\d+\s*$", before):
        return f"; write {ast.TIME_UNIT_ABBREVIATIONS[word.lower()]} for {word}"
    if word == "old" and re.search(r"\b(years?|months?|weeks?|days?)\s*$", before):
        return "; an age is written without `old`, e.g. age >= 18 years"
    if re.search(r"\d\s+x\s*$", before) and word[:1].isdigit():
        return "; a count's unit is written in one piece, e.g. 100 x10^9/L"
    unit = re.search(r"\d\s*([^\s\d()\[\]{},][^\s()\[\]{},]*)\s+$", before)
    if unit and "/" in unit.group(1) and re.fullmatch(r"[\w^.*/]+", word) and word.lower() not in _keywords():
        if word == "per":
            return "; a unit is written in one piece, with / for per"
        return f"; a unit is written in one piece, without spaces: {unit.group(1)}{word}"
    return ""


def _after_except_in_list(parsed: str, position: int) -> bool:
    """Whether `position` is in an `at least` list, after an item with `except` and a comma:
    the next item was read as one more exception, and failed as one."""
    before = re.sub(r"\[\w*\]", "", _code_only(parsed[:position]))  # without exceptions' [STATUS]
    opened = before.rfind("[")
    return opened > before.rfind("]") and re.search(r"\bexcept\b[^()\[\]]*,[^()\[\]]*$", before[opened:]) is not None


def _ended_early(parsed: str, position: int) -> tuple[int, int, str] | None:
    """Where the code before `position` ends (line, column just after it, its last word), when
    that is on an earlier line: a statement's first word there means the one before stopped
    half-way (`... and not`, an unclosed `[`), which is where to point, not at the next
    statement."""
    code = _code_only(parsed[:position]).rstrip()
    if not code or code.endswith("}") or "\n" not in parsed[len(code) : position]:
        return None  # (after a closed block, a word out of place is just that)
    last = re.findall(r"\w+|[^\w\s]+", code[code.rfind("\n") + 1 :])[-1]
    return code.count("\n") + 1, len(code) - (code.rfind("\n") + 1) + 1, last


def _diagnostic(error: UnexpectedInput, path: str, text: str, parsed: str) -> Diagnostic:
    """The error as a diagnostic; `parsed` is the text given to the parser (`text` with the
    statements of earlier errors blanked out, on the same lines)."""
    line, column = error.line, error.column
    if isinstance(error, UnexpectedToken):
        word, position = str(error.token), error.token.start_pos
        if error.token.type == "$END":
            position = len(parsed)
        expected = _could_follow(parsed, position or 0)
        if error.token.type == "$END":
            lines = text.rstrip("\n").split("\n")
            line, column = len(lines), len(lines[-1]) + 1
            message = f"the file ends too early; expected {_describe_expected(expected)}"
            code = "E003"
        elif _after_except_in_list(parsed, position or 0):
            message, code = EXCEPT_IN_LIST, "E004"
            line, column = error.token.line or line, error.token.column or column
        elif error.token.type in _STATEMENTS and (early := _ended_early(parsed, position or 0)):
            line, column, last = early
            message = f"the line ends too early after {last!r}; expected {_describe_expected(expected)}"
            code = "E001"
        elif word in _keywords() and "NAME" in expected:
            message = f"{word!r} is a word of the language, not a name"
            if "LPAR" in expected:  # where an expression goes on
                message += ": a part is missing next to it"
            else:
                message += f"; expected {_describe_expected(expected)}"
            code = "E107"
        else:
            message = f"unexpected {word!r}; expected {_describe_expected(expected)}"
            message += _hint(word, _code_only(parsed[: position or 0]), expected)
            code = "E001"
    elif isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream or 0
        character = parsed[position]
        message = f"unexpected character {character!r}"
        if character == '"':
            message = 'this quoted sentence is not closed on its line; end it with " before the line ends'
        elif character == "." and re.search(r"\bwithin\s+\d+$", parsed[:position]):
            message += "; a window is a whole number of days, weeks, months or years, e.g. within 30 days"
        elif not character.isalnum() and not character.isspace():
            message += f'; a value or name holding {character!r} is written in quotes, e.g. "IV+V"'
        code = "E002"
    else:
        message, code = str(error), "E001"
    return Diagnostic(path, line, column, code, message, source_line(text, line))


def _problems(tree: Tree[Token], path: str, text: str) -> list[Diagnostic]:
    """What the grammar lets through but the language refuses: a control character in a
    quoted sentence (E005), an event with `except` ending an `at least` item outside
    parentheses (E004), nesting deeper than `MAX_DEPTH` (E006), and a window or `at least`
    count of more than MAX_DIGITS digits (E007; the checker names the limits below that)."""
    found: list[Diagnostic] = []

    def add(line: int, column: int, code: str, message: str) -> None:
        # the line as the parser counts lines (only at "\n"), whatever other breaks it holds
        found.append(Diagnostic(path, line, column, code, message, text.split("\n")[line - 1].rstrip("\r")))

    stack: list[tuple[Tree[Token] | Token, int]] = [(tree, 0)]
    too_deep = False
    while stack:
        node, depth = stack.pop()
        if isinstance(node, Token):
            if node.type == "INT" and len(node) > MAX_DIGITS:
                message = f"a whole number of {len(node)} digits; a window or an `at least` count has a few"
                add(node.line or 0, node.column or 0, "E007", message)
            if node.type == "STRING":
                for offset, character in enumerate(str(node)):
                    if character != "\t" and unicodedata.category(character) == "Cc":
                        add(
                            node.line or 0,
                            (node.column or 0) + offset,
                            "E005",
                            f"control character U+{ord(character):04X} inside a quoted sentence; remove it"
                            " (a tab is allowed)",
                        )
            continue
        if node.data in ("paren", "at_least", "negation"):
            depth += 1
            if depth > MAX_DEPTH and not too_deep:
                too_deep = True
                add(
                    node.meta.line,
                    node.meta.column,
                    "E006",
                    f"nested too deeply (more than {MAX_DEPTH} parentheses, lists and `not` inside one another);"
                    " name inner parts with `define`",
                )
        if node.data == "at_least":
            for item in node.children[1:]:
                event = _trailing_exceptions(item)
                if event is not None:
                    add(
                        event.meta.line,
                        event.meta.column,
                        "E004",
                        EXCEPT_IN_LIST,
                    )
        stack.extend((child, depth) for child in reversed(node.children))
    return sorted(found, key=lambda d: (d.line, d.column))


def _trailing_exceptions(item: Tree[Token] | Token) -> Tree[Token] | None:
    """The event with `except` that ends `item` outside parentheses, if there is one."""
    while isinstance(item, Tree):
        if item.data in ("event", "planned"):
            has = any(isinstance(c, Tree) and c.data == "exceptions" for c in item.children)
            return item if has else None
        if item.data not in ("any_of", "all_of", "negation", "conditional"):
            return None
        item = item.children[-1]
    return None


_STATEMENT_START = ("include ", "exclude ", "define ", "concept ", "use ", "trial ", "note ", "}")
_TOP_LEVEL_START = ("define ", "concept ", "use ", "trial ")


def _blank_statement(lines: list[str], line: int) -> bool:
    """Blank the statement holding `line` (keeping line numbers); False if there is none."""
    index = line - 1
    first = index
    while first >= 0 and not lines[first].lstrip().startswith(_STATEMENT_START):
        first -= 1
    if first < 0 or lines[first].lstrip().startswith(("trial ", "}")):
        return False
    # a statement outside any trial (unindented) ends at the next one: a `}` closing its set
    # is its own, not a trial's
    ends = _TOP_LEVEL_START if lines[first].startswith(_TOP_LEVEL_START) else _STATEMENT_START
    last = index + 1
    while last < len(lines) and not lines[last].lstrip().startswith(ends):
        last += 1
    for i in range(first, last):
        lines[i] = ""
    if first == index and first > 0:
        # An error on a statement's first line is often the previous statement left
        # unfinished (its last token swallowed this line's keyword): set that aside too.
        _blank_statement(lines, first)
    return True


def parse(text: str, path: str = "<input>") -> ast.Module:
    """Parse criteria-language source; raise `TrialogicError` listing every syntax error.

    After an error the statement holding it is set aside and the rest parsed again, so
    one mistake is reported once and later mistakes are still found.

    >>> module = parse('trial NCT00000001 "demo" { include adult "Adults": age >= 18 years }')
    >>> module.trials[0].criteria[0].id
    'adult'
    """
    text = text.removeprefix(_BOM)
    diagnostics: list[Diagnostic] = []
    lines = text.split("\n")
    current = text
    for _ in range(100):
        try:
            tree = _lark().parse(current)
        except UnexpectedInput as error:
            diagnostics.append(_diagnostic(error, path, text, current))
            at_end = isinstance(error, UnexpectedToken) and error.token.type == "$END"
            if at_end or not _blank_statement(lines, error.line):
                break
            current = "\n".join(lines)
            continue
        if diagnostics:
            break
        problems = _problems(tree, path, text)
        if problems:
            raise TrialogicError(problems)
        result: ast.Module = _ToAst(path).transform(tree)
        return result
    raise TrialogicError(diagnostics)


def parse_file(path: str | Path) -> ast.Module:
    return parse_cached(Path(path).read_text(encoding="utf-8"), str(path))


def parse_cached(text: str, path: str = "<input>") -> ast.Module:
    """`parse`, remembered on disk by file name, text and grammar: starting is faster.

    Only trees of files without errors are kept; a cache that cannot be read or written
    is ignored.
    """
    grammar = (grammar_dir() / "criteria.lark").read_bytes()
    digest = hashlib.sha256(b"\0".join([grammar, path.encode(), text.encode(), _VERSION])).hexdigest()
    entry = cache_dir("syntax") / f"{digest}.pickle"
    try:
        cached = pickle.loads(entry.read_bytes())
        if isinstance(cached, ast.Module):
            return cached
    except (OSError, pickle.PickleError, EOFError, AttributeError, ImportError):
        pass
    module = parse(text, path)
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        temporary = entry.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(pickle.dumps(module))
        temporary.replace(entry)
        _prune(entry.parent)
    except OSError:
        pass
    return module


CACHE_ENTRIES = 2000  # parsed files kept; the least recently written go first


def _prune(folder: Path) -> None:
    """Keep the syntax cache bounded: every file ever checked (temporary ones too) would
    otherwise stay in it for good."""
    entries = list(folder.glob("*.pickle"))
    if len(entries) <= CACHE_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for stale in entries[: len(entries) - CACHE_ENTRIES * 4 // 5]:
        stale.unlink(missing_ok=True)
