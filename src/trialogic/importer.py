r"""ClinicalTrials.gov API v2 study records → skeleton trial files.

The structured eligibility fields become real criteria (`minimumAge`, `maximumAge`,
`sex`); every bullet of the free-text criteria becomes a `manual` placeholder that
carries the registry's sentence, under the kind its heading gives; the bullets indented
under a bullet or paragraph are listed in its sentence, so that a list of alternatives
stays one criterion (`_listed`). Text before the first Inclusion / Exclusion heading, and
the introductions that end in a colon, become notes;
text without any such heading is all inclusions, so that nobody is eligible unassessed.
A hard-wrapped line that starts with the heading's words ("... listed in the / exclusion
criteria: ...") is the sentence's, not a heading (see `_reading`).
Control characters in the record become spaces (a lone CR a line break).

>>> study = {"protocolSection": {
...     "identificationModule": {"nctId": "NCT00000001", "briefTitle": "Demo"},
...     "eligibilityModule": {
...         "minimumAge": "6 Months", "sex": "FEMALE", "healthyVolunteers": True,
...         "eligibilityCriteria": "Inclusion Criteria:\n\n* Weight \\>= 5 kg\n\nExclusion Criteria:\n\n* Fever"}}}
>>> print(import_study(study, "demo.json"), end="")
use library
<BLANKLINE>
trial NCT00000001 "Demo" {
  note "Imported from ClinicalTrials.gov record NCT00000001 (API v2): every `manual` criterion is a placeholder carrying the registry's sentence; replace each by an expression."
<BLANKLINE>
  include min_age "Minimum eligible age: 6 Months":
    age >= 6 months
<BLANKLINE>
  include sex "Eligible sex: FEMALE":
    sex = female
<BLANKLINE>
  include inclusion_1 "Weight >= 5 kg":
    manual
<BLANKLINE>
  exclude exclusion_1 "Fever":
    manual
}
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

from .check import LIFETIME, lifetime
from .errors import Diagnostic, TrialogicError, source_line
from .fmt import format_source
from .format import quoted
from .patient import held

ELIGIBILITY = "protocolSection.eligibilityModule"
NCT_FIELD = "protocolSection.identificationModule.nctId"
NCT_ID = re.compile(r"NCT[0-9]{8}")  # ASCII digits: \d takes any script's
# How a registry age unit is written in the language: the first whole number wins.
AGE_UNITS: dict[str, list[tuple[Fraction, str]]] = {
    "year": [(Fraction(1), "year"), (Fraction(12), "month")],
    "month": [(Fraction(1), "month")],
    "week": [(Fraction(1), "week"), (Fraction(7), "day")],
    "day": [(Fraction(1), "day")],
    "hour": [(Fraction(1, 24), "day")],
    "minute": [(Fraction(1, 24 * 60), "day")],
}
IN_MONTHS = {"year": 12, "month": 1}
IN_DAYS = {"year": (365, 366), "month": (28, 31), "week": (7, 7), "day": (1, 1)}  # the fewest, the most
AGE = re.compile(r"(\d+(?:\.\d+)?)\s*(year|month|week|day|hour|minute)s?", re.IGNORECASE)
NO_LIMIT = {"", "n/a"}
TEXTS = ("eligibilityCriteria", "genderDescription")  # the eligibility module's fields of free text
SEXES = {"ALL": None, "FEMALE": "female", "MALE": "male"}
# "Inclusion Criteria", "Key exclusion criteria:", "Inclusion Criteria for Part B:", "Exclusion criteria -";
# "Inclusion:" alone on its line; "Non-inclusion criteria" and "Criteria for exclusion:" are exclusions
WORD_END = r"(?![^\W_])"  # no letter or digit next: "Criteria:", "Criteria**", "Criteria__" (\b takes _ for a letter)
CRITERIA = rf"(?:key\s+)?(?P<kind>inclusion|exclusion|non[-\s]?inclusion)\s+criteri(?:a|on){WORD_END}"
CRITERIA_FOR = rf"criteri(?:a|on)\s+(?:for|of)\s+(?P<kind_after>inclusion|exclusion|non[-\s]?inclusion){WORD_END}"
HEADING = re.compile(
    rf"{CRITERIA}(?P<rest>.*)|(?:key\s+)?(?P<bare>inclusion|exclusion|non[-\s]?inclusion)\s*:?|{CRITERIA_FOR}(?P<rest_after>.*)",
    re.IGNORECASE,
)
HEADING_ENDS = (":", "-", "\u2013", "\u2014")  # after the heading's words: a colon or a dash
EMPHASIS = "*_"  # Markdown's bold and italics: "**Exclusion Criteria:**", "__Inclusion__:"
# A heading after text on the same line: after a sentence ("Inclusion Criteria: adults. Exclusion Criteria:
# pregnant"), or in bold ("adults **Exclusion Criteria:** pregnant")
# ("Exclusion:" alone, with its colon, after a sentence: `head` is the heading, split from its text)
INLINE_HEADING = re.compile(
    rf"\s+(?=(?P<bold>\*\*|__)?[*_]*(?:(?:{CRITERIA}|{CRITERIA_FOR})[*_]*\s*[:\-\u2013\u2014]"
    r"|(?P<head>(?:key\s+)?(?:inclusion|exclusion|non[-\s]?inclusion)[*_]*\s*:[*_]*)))",
    re.IGNORECASE,
)
SENTENCE_ENDS = (".", ";", "!", "?")
# A line that leaves its sentence open: a comma, or a word no sentence ends with
OPEN_SENTENCE = re.compile(
    r"(?:[,(/&]|\b(?:the|an|any|all|each|every|no|these|those|this|its|their|our|other|following|such|both|either|"
    r"neither|of|in|on|at|by|for|from|to|with|without|per|under|into|than|as|and|or|nor))$",
    re.IGNORECASE,
)
LETTER = r"(?:[a-z]|ii|iii|iv|vi|vii|viii|ix|xi|xii)"  # a to z, and the roman numbers a sub-list counts with (i to xii)
MARKER = re.compile(rf"(?:[*+•-]|\d{{1,3}}[.)]|\(\d{{1,3}}\)|{LETTER}[.)]|\({LETTER}\))(?:\s+|$)(?P<text>.*)")
ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # a backslash before ASCII punctuation (Markdown)
# Markdown's bold and italics around words ("**Age 18-65**", "__signed__", "*any*", "_not_"):
# the marker touches a word on its inner side only, and is not escaped, so "5 * ULN", "2*3*4",
# "\\*" and serum_creatinine keep theirs
EMPHASIZED = re.compile(r"(?<![\w\\*_])(\*\*|__|\*|_)(?=[^\s*_])(.+?)(?<=[^\s\\*_])\1(?![\w*_])")
# An introduction that may make the inclusions after it alternatives: "one of the following:", "at least"
ALTERNATIVES = re.compile(r"\b(?:any|either|one(?:\s+or\s+more)?|at\s+least\s+\w+)\s+of\b", re.IGNORECASE)
ALTERNATIVES_NOTE = (
    "The note above may make the inclusions after it alternatives: each is imported as a criterion of its own, all "
    "of them required; if one of them is enough, write them as one criterion (`a or b`, `at least 1 of [a, b]`)."
)
PUNCTUATED = (".", ",", ";", ":", "!", "?")  # a listed item's text that needs no separator after it
LEADS_ON = re.compile(r"\b(?:and|or)$", re.IGNORECASE)  # nor one that ends "..., or"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # control characters but tab and line feed


@dataclass(frozen=True)
class Block:
    """One bullet or paragraph of the criteria text, with the heading it sits under."""

    section: str | None  # "inclusion" | "exclusion" | None (before any heading)
    bullet: bool
    text: str
    items: int = 0  # how many bullets under it are listed in its text (`_nested`)


@dataclass
class _Item:
    """A block as read, where it sits (the heading it follows, its indentation), and the
    sub-bullets indented under it."""

    block: Block
    heading: int  # how many headings come before it
    indent: int  # the column of its bullet's marker, or of its paragraph's first word
    marker: str  # its bullet's kind of marker: "symbol" (* - + •), "number" (1. 1) (1)), "letter" (a. a) (a)); "" for a paragraph
    items: list[_Item]


def import_study_file(path: Path) -> str:
    """Read one study's JSON (as `GET /api/v2/studies/NCT…` returns it) and import it."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise _error(str(path), "I001", "cannot read the file: it is not UTF-8 text") from None
    except OSError as e:
        raise _error(str(path), "I001", f"cannot read the file: {e.strerror or e}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        diagnostic = Diagnostic(
            str(path), e.lineno, e.colno, "I001", f"not valid JSON: {e.msg}", source_line(text, e.lineno)
        )
        raise TrialogicError([diagnostic]) from None
    except RecursionError:  # Python's reader recurses
        raise _error(
            str(path), "I001", "not valid JSON: nested too deeply (a study record is a few dozen levels deep)"
        ) from None
    except ValueError as e:  # a whole number of more than 4,300 digits, which Python refuses to read
        raise _error(str(path), "I001", f"not valid JSON: {str(e).split(';')[0]}") from None
    try:  # an escaped half of a character ("\ud800" alone) reads, but no file or terminal takes it
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as e:
        message = f"not valid JSON text: it holds half a character ({e.object[e.start]!r}, a lone surrogate)"
        raise _error(str(path), "I001", message) from None
    return import_study(data, str(path))


def import_study(data: dict[str, Any], source: str) -> str:
    """The skeleton trial file for one study record, in canonical layout."""
    nct_id = _field(data, NCT_FIELD)
    if not isinstance(data, dict) or not isinstance(nct_id, str):
        raise _error(source, "I002", _not_a_study(data), NCT_FIELD)
    if not NCT_ID.fullmatch(nct_id.strip()):
        message = f"not a ClinicalTrials.gov API v2 study: nctId {_shown(nct_id)} is not NCT and 8 digits"
        raise _error(source, "I002", message, NCT_FIELD)
    nct_id = nct_id.strip()
    identification = "protocolSection.identificationModule"
    title = _clean(_field(data, f"{identification}.briefTitle")) or _clean(
        _field(data, f"{identification}.officialTitle")
    )
    notes = _notes(data, nct_id)
    problems = _wrong_types(data, source)
    youngest, oldest = (_age(data, source, bound, problems) for bound in ("minimum", "maximum"))
    criteria = [age.criterion for age in (youngest, oldest) if age]
    if youngest and oldest and _no_age_between(youngest, oldest):
        notes.append(
            f"The registry's minimum age ({youngest.value}) is above its maximum age ({oldest.value}): nobody is "
            "eligible (lint reports the two criteria as a conflict, L001); check the record."
        )
    criteria += _sex(data, source, problems)
    if problems:
        raise TrialogicError(problems)
    text = _field(data, f"{ELIGIBILITY}.eligibilityCriteria")
    blocks = blocks_of(text, notes) if text is not None else []
    if not blocks:
        found = "only its ages and sex are imported" if criteria else "it gives no ages or sex either"
        lines = [_shown(_clean(line)) for line in (text or "").splitlines() if _clean(line)]
        if lines:  # what blocks_of leaves out: headings and bullets with nothing under or in them
            shown = ", ".join(lines[:3]) + (f" and {len(lines) - 3} more lines" if len(lines) > 3 else "")
            notes.append(
                f"The eligibility criteria text holds headings or empty bullets but no criteria ({shown}): {found}."
            )
        else:
            notes.append(f"The record has no eligibility criteria text: {found}.")
    elif all(b.section is None for b in blocks):  # a placeholder each: nobody is eligible unassessed
        notes.append(
            "The criteria text has no Inclusion / Exclusion Criteria headings: each of its bullets and paragraphs "
            "is imported as an inclusion placeholder: turn the exclusions among them into `exclude`."
        )
        blocks = [replace(b, section="inclusion") for b in blocks]
    lines = ["use library", "", f"trial {nct_id} {quoted(title or nct_id)} {{"]
    lines += [f"  note {quoted(note)}" for note in notes]
    lines += [f"  include {name} {quoted(sentence)}:\n    {expr}" for name, sentence, expr in criteria]
    counts = {"inclusion": 0, "exclusion": 0}
    for index, block in enumerate(blocks):
        if block.section is None or (not block.bullet and not block.items and block.text.endswith(":")):
            lines.append(f"  note {quoted(block.text)}")
            after = [b.section for b in blocks[index + 1 : index + 2]]
            if block.section == "inclusion" and after == ["inclusion"] and ALTERNATIVES.search(block.text):
                lines.append(f"  note {quoted(ALTERNATIVES_NOTE)}")  # each required, where one may be meant to do
            continue
        counts[block.section] += 1
        keyword = "include" if block.section == "inclusion" else "exclude"
        lines.append(f"  {keyword} {block.section}_{counts[block.section]} {quoted(block.text)}:\n    manual")
    lines.append("}")
    return format_source("\n".join(lines) + "\n", source)


def _notes(data: dict[str, Any], nct_id: str) -> list[str]:
    """Where the file came from, and the registry facts the language cannot check."""
    notes = [
        f"Imported from ClinicalTrials.gov record {nct_id} (API v2): every `manual` criterion is a placeholder "
        "carrying the registry's sentence; replace each by an expression."
    ]
    conditions = _field(data, "protocolSection.conditionsModule.conditions")
    names = [_clean(c) for c in conditions if _clean(c)] if isinstance(conditions, list) else []
    if names:
        notes.append(f"Conditions studied (registry): {'; '.join(names)}.")
    if _field(data, f"{ELIGIBILITY}.healthyVolunteers") is False:
        notes.append(
            "The registry says the study does not accept healthy volunteers; the language has no "
            "healthy-volunteer attribute, so this is not checked."
        )
    return notes


def blocks_of(text: str, notes: list[str] | None = None) -> list[Block]:
    """Bullets and paragraphs, registry escapes undone, wrapped lines joined, empty ones left out.

    A line that starts with `*`, `-`, `+`, `1.`, `1)`, `(1)`, `a.`, `a)` or `(a)` (or a roman
    number to xii, `ii.`, `(iv)`) starts a bullet;
    a blank line ends a paragraph; other lines continue the bullet or paragraph above
    (after a blank line, only a line indented more than its marker continues a bullet).
    Bullets indented more than a bullet or paragraph above them, and paragraphs indented
    more than a bullet above them, are its items (`_nested`). A heading after a
    sentence on one line ("adults. Exclusion Criteria: pregnant") starts a line of its own;
    a line that reads as a heading, where a line of text would continue the bullet or
    paragraph above (after a blank line too, indented under a bullet), may be wrapped from
    its sentence (`_reading`): where it may be either, its words stay in that sentence, it
    is taken as the heading of what follows, and `notes` gets a word for the author.

    >>> blocks_of("Inclusion Criteria:\\n\\n1. Aged 18 or\\n   over\\n2. Creatinine \\\\< 1.5\\n3.\\n")
    [Block(section='inclusion', bullet=True, text='Aged 18 or over', items=0), Block(section='inclusion', bullet=True, text='Creatinine < 1.5', items=0)]
    """
    read: list[_Item] = []
    section: str | None = None
    parts: list[str] = []
    bullet = blank = False
    headings = indent = 0
    kind = ""  # the bullet's kind of marker
    above = ""  # the line above, when it is text of the bullet or paragraph being read

    def flush() -> None:
        joined = ESCAPE.sub(r"\1", _unemphasized(" ".join(" ".join(parts).split())))
        if joined:
            read.append(_Item(Block(section, bullet, joined), headings, indent, kind, []))
        parts.clear()

    lines = _lines(text)
    for index, (number, raw) in enumerate(lines):
        line = raw.strip()
        if not line:
            blank = True
            continue
        heading = _heading(line)
        following = lines[index + 1][1].strip() if index + 1 < len(lines) else ""
        continues = not blank or (bullet and _indent(raw) > indent)  # as a line of text would
        reading = _reading(above if continues else "", line, following) if heading else "text"
        if reading in ("wrapped", "either"):  # the sentence above goes on: its words stay in it
            parts.append(line)
        if heading and reading in ("heading", "either"):
            if reading == "either" and notes is not None:
                notes.append(
                    f"Line {number} of the criteria text, {_shown(_clean(line))}, may end the sentence above it "
                    f'("…{" ".join(_clean(above).split()[-5:])}") or be a heading: it is kept in that sentence and '
                    f"taken as the heading of what follows; check that the criteria after it are {heading[0]}s."
                )
            flush()
            section, bullet, headings, indent, kind = heading[0], False, headings + 1, _indent(raw), ""
            parts.append(heading[1])
        elif reading == "text":
            marker = MARKER.fullmatch(line)
            if marker:
                flush()
                bullet, indent, kind = True, _indent(raw), _marker_kind(line)
                parts.append(marker.group("text"))
            elif parts and continues:
                parts.append(line)
            else:
                flush()
                bullet, indent, kind = False, _indent(raw), ""
                parts.append(line)
        above, blank = (line if reading in ("text", "wrapped") else ""), False
    flush()
    return _nested(read)


def _indent(raw: str) -> int:
    """The column a line's text starts at, a tab taken to the next multiple of 4 (as Markdown does)."""
    line = raw.expandtabs(4)
    return len(line) - len(line.lstrip())


def _marker_kind(line: str) -> str:
    """ "number", "letter" or "symbol": how a bullet's line is marked (`MARKER`)."""
    first = line.lstrip("(")[:1]
    return "number" if first.isdigit() else "letter" if first.isalpha() else "symbol"


def _nested(read: list[_Item]) -> list[Block]:
    """The blocks read, each with the bullets indented more under it (after a blank line
    too, to any depth; under a bullet, paragraphs too) listed in its text (`_listed`), up
    to the next line indented as much as it or less, or the next heading. A bullet that ends in a colon lists too the
    bullets right after it that are not indented but have another kind of marker than
    those open above them ("2. Any of the following:" / "a) proteinuria" / "b) ..."), up
    to one marked otherwise than the first of them. A paragraph that ends in a colon and
    is all its heading has but its list (the introduction "Patients with any of the
    following are not eligible:") stays apart from its items, each a criterion of its
    own, as bullets under it are when not indented."""
    tops: list[_Item] = []
    under: list[_Item] = []  # the item read last and those it is listed under
    for item in read:
        while under and not _under(item, under):
            under.pop()
        (under[-1].items if under else tops).append(item)
        under.append(item)
    under_heading = Counter(top.heading for top in tops)
    blocks = []
    for top in tops:
        if under_heading[top.heading] == 1 and not top.block.bullet and top.block.text.endswith(":"):
            blocks += [top.block, *(_listed(item) for item in top.items)]
        else:
            blocks.append(_listed(top))
    return blocks


def _under(item: _Item, above: list[_Item]) -> bool:
    """Whether a bullet is an item of the last of the blocks open above it (`_nested`)."""
    parent = above[-1]
    if item.heading != parent.heading or not (item.block.bullet or parent.block.bullet):
        return False
    return item.indent > parent.indent or (
        item.block.bullet
        and item.indent == parent.indent
        and parent.marker not in ("", item.marker)
        and parent.block.text.endswith(":")
        and item.marker not in {block.marker for block in above}
        and all(sub.marker == item.marker for sub in parent.items if sub.indent == item.indent)
    )


def _listed(item: _Item, nested: bool = False) -> Block:
    """The block with its items in its text, in their order: after a colon (none if the
    text ends in a punctuation mark of its own), each but the last followed by a semicolon
    (none if it ends in a punctuation mark or in "and" / "or"); an item's own items are in
    parentheses after it. "Active lupus nephritis, defined by any of the following:" and
    its items "proteinuria > 1 g/24h" and "active urinary sediment" read "Active lupus
    nephritis, defined by any of the following: proteinuria > 1 g/24h; active urinary sediment"."""
    if not item.items:
        return item.block
    listed = ""
    for sub in item.items:
        if listed:
            listed += " " if listed.endswith(PUNCTUATED) or LEADS_ON.search(listed) else "; "
        listed += _listed(sub, nested=True).text
    text = item.block.text
    if nested:
        text = f"{text} ({listed})"
    else:
        text = f"{text}{' ' if text.endswith(PUNCTUATED) else ': '}{listed}"
    return replace(item.block, text=text, items=len(item.items))


def _unemphasized(text: str) -> str:
    """The text without Markdown's bold and italics markers (the words they mark stay).

    >>> _unemphasized("**Age 18-65**, *any* __signed__ consent; ALT < 5 * ULN; 2*3*4")
    'Age 18-65, any signed consent; ALT < 5 * ULN; 2*3*4'
    """
    while True:
        plain = EMPHASIZED.sub(r"\2", text)
        if plain == text:
            return text
        text = plain


def _lines(text: str) -> list[tuple[int, str]]:
    """The text's lines and their numbers, a line split before each heading that follows a
    sentence on it ("Inclusion Criteria: adults. Exclusion Criteria: pregnant", "adults.
    Exclusion: pregnant", where "Exclusion:" becomes a line of its own), or text and is in
    bold ("adults **Exclusion Criteria:** pregnant")."""
    lines = []
    for number, raw in enumerate(_plain(text).splitlines(), start=1):
        start = 0
        for gap in INLINE_HEADING.finditer(raw):
            if not (gap["bold"] or raw[: gap.start()].endswith(SENTENCE_ENDS)):
                continue  # "listed in the exclusion criteria: ..." is a sentence's
            before = MARKER.fullmatch(raw[start : gap.start()].strip())
            if before is None or before["text"]:  # "1. Exclusion criteria: ..." is a bullet, as it was
                lines.append((number, raw[start : gap.start()]))
                start = gap.end()
                if gap["head"]:  # "Exclusion:" on a line of its own, then its text
                    lines.append((number, raw[start : gap.end("head")]))
                    start = gap.end("head")
        lines.append((number, raw[start:]))
    return lines


def _heading(line: str) -> tuple[str, str] | None:
    """`(section, text after the heading)` for a heading line, None for another line."""
    heading = HEADING.fullmatch(ESCAPE.sub(r"\1", line).strip("#*_ "))
    if heading is None:
        return None
    rest = (heading["rest"] or heading["rest_after"] or "").lstrip(EMPHASIS + " ")  # "**: ..." closes the bold
    separated = rest[:1] in HEADING_ENDS  # the text after it, if any, is the first criterion
    if not (separated or not rest or (line.endswith(":") and len(line) <= 80)):
        return None  # a sentence that starts with the words: "Exclusion criteria of the parent study do not apply."
    kind = (heading["kind"] or heading["bare"] or heading["kind_after"]).lower()
    return ("inclusion" if kind == "inclusion" else "exclusion"), rest[1:].lstrip(EMPHASIS) if separated else ""


def _reading(above: str, line: str, following: str) -> str:
    """How a line that reads as a heading is taken: "heading", "wrapped" (it goes on with the
    sentence above: "... patients listed in the / exclusion criteria: ...") or "either".

    It is wrapped when the line above is text that leaves its sentence open (a comma, or a
    word no sentence ends with) and the line is in lower case, as no heading is; or when
    the line above ends in a lower-case word, the line is in lower case, and text goes on
    under it (a heading has a bullet, a blank line or the end after it). After an open
    sentence, a heading in capitals ("the / Exclusion Criteria:") may be either.
    """
    if not above or MARKER.fullmatch(line):
        return "heading"
    lower = ESCAPE.sub(r"\1", line).strip("#*_ ")[:1].islower()
    if OPEN_SENTENCE.search(above):
        return "wrapped" if lower else "either"
    last = above.split()[-1]
    headed = not following or MARKER.fullmatch(following)
    return "wrapped" if lower and last[:1].islower() and last[-1:].isalpha() and not headed else "heading"


class Age(NamedTuple):
    """`minimumAge` or `maximumAge` as a criterion, and the age it compares with."""

    criterion: tuple[str, str, str]  # id, sentence, expression
    value: str  # as the registry writes it
    amount: Fraction  # whole, in `unit`
    unit: str  # year, month, week or day


def _age(data: dict[str, Any], source: str, bound: str, problems: list[Diagnostic]) -> Age | None:
    """`minimumAge` / `maximumAge` as a criterion; None for no limit."""
    field = f"{ELIGIBILITY}.{bound}Age"
    value = _field(data, field)
    if value is None or (isinstance(value, str) and value.strip().lower() in NO_LIMIT):
        return None
    match = AGE.fullmatch(value.strip()) if isinstance(value, str) and len(value) <= 100 else None
    if match is None:
        message = f'cannot read the age {_shown(value)}: the registry writes a number and a unit, as in "18 Years"'
        problems.append(Diagnostic(source, 0, 0, "I003", message, field=field))
        return None
    number = Fraction(match.group(1))
    whole = [(number * factor, unit) for factor, unit in AGE_UNITS[match.group(2).lower()]]
    amount, unit = next(((n, u) for n, u in whole if n.denominator == 1), (None, ""))
    if amount is None:
        message = (
            f"the age {_shown(value)} is not a whole number of years, months, weeks or days, as the language needs"
        )
        problems.append(Diagnostic(source, 0, 0, "I004", message, field=field))
        return None
    if bound == "minimum" and amount == 0:
        return None  # "0 Years" is no limit
    units = unit if amount == 1 else unit + "s"
    if amount > LIFETIME[unit + "s"]:
        message = f"the age {_shown(value)} is older than anyone; an age is at most {lifetime(unit + 's')}"
        problems.append(Diagnostic(source, 0, 0, "I004", message, field=field))
        return None
    op, name = (">=", "min_age") if bound == "minimum" else ("<=", "max_age")
    criterion = name, f"{bound.capitalize()} eligible age: {_clean(value)}", f"age {op} {amount} {units}"
    return Age(criterion, _clean(value), amount, unit)


def _no_age_between(youngest: Age, oldest: Age) -> bool:
    """Whether no age passes both `age >= youngest` and `age <= oldest`, as the language counts
    ages, in whole units: `age <= 6 months` holds until 7 months. Years and months compare in
    months, weeks and days in days, and one against the other by the fewest days the younger
    age can be and the most the older can (when unsure, they are said to leave an age)."""
    if youngest.unit in IN_MONTHS and oldest.unit in IN_MONTHS:
        return youngest.amount * IN_MONTHS[youngest.unit] >= (oldest.amount + 1) * IN_MONTHS[oldest.unit]
    return youngest.amount * IN_DAYS[youngest.unit][0] >= (oldest.amount + 1) * IN_DAYS[oldest.unit][1]


def _sex(data: dict[str, Any], source: str, problems: list[Diagnostic]) -> list[tuple[str, str, str]]:
    """`sex`, and the registry's description of who is eligible by gender: a `manual`
    placeholder, as any criterion sentence is (it may narrow, or widen, the sex given)."""
    field = f"{ELIGIBILITY}.sex"
    value = _field(data, field)
    description = _clean(_field(data, f"{ELIGIBILITY}.genderDescription"))
    criteria = [("gender", f"Gender eligibility: {description}", "manual")] if description else []
    if value is None:
        return criteria
    if not isinstance(value, str) or value.strip().upper() not in SEXES:
        message = f"cannot read the sex {_shown(value)}: the registry writes ALL, FEMALE or MALE"
        problems.append(Diagnostic(source, 0, 0, "I003", message, field=field))
        return []
    sex = SEXES[value.strip().upper()]
    return ([("sex", f"Eligible sex: {value.strip()}", f"sex = {sex}")] if sex else []) + criteria


def _field(data: object, dotted: str) -> Any:
    """The value at a dotted path, or None where any step is missing or not an object."""
    for key in dotted.split("."):
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _clean(value: object) -> str:
    """One line of text: registry escapes undone, runs of white space made single spaces."""
    return " ".join(ESCAPE.sub(r"\1", _plain(value)).split()) if isinstance(value, str) else ""


def _plain(text: str) -> str:
    r"""The text with every line break a line feed and other control characters spaces.

    >>> _plain("a\r\nb\rc\x00d\te")
    'a\nb\nc d\te'
    """
    return CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))


def _wrong_types(data: dict[str, Any], source: str) -> list[Diagnostic]:
    """I003 for an eligibility module that is not an object, or criteria text that is not
    text: either would otherwise be read as a record without criteria (an age-only
    skeleton makes everyone of the right age eligible); and for a healthyVolunteers that
    is not true or false, whose note would otherwise be left out."""
    module = _field(data, ELIGIBILITY)
    if module is not None and not isinstance(module, dict):
        message = (
            f"the eligibility module is {held(module)}; the registry writes an object (eligibilityCriteria, sex, ages)"
        )
        return [Diagnostic(source, 0, 0, "I003", message, field=ELIGIBILITY)]
    problems = []
    for name in TEXTS:
        value = _field(data, f"{ELIGIBILITY}.{name}")
        if value is not None and not isinstance(value, str):
            message = f"{name} is {held(value)}; the registry writes it as one text (a JSON string)"
            problems.append(Diagnostic(source, 0, 0, "I003", message, field=f"{ELIGIBILITY}.{name}"))
    volunteers = _field(data, f"{ELIGIBILITY}.healthyVolunteers")
    if volunteers is not None and not isinstance(volunteers, bool):  # "No" would be read as saying nothing
        message = f"healthyVolunteers is {held(volunteers)}; the registry writes true or false"
        problems.append(Diagnostic(source, 0, 0, "I003", message, field=f"{ELIGIBILITY}.healthyVolunteers"))
    return problems


def _not_a_study(data: object) -> str:
    if isinstance(data, dict) and isinstance(data.get("studies"), list):
        return (
            f"not a ClinicalTrials.gov API v2 study but a search result with {len(data['studies'])} studies; "
            "import one study (GET /api/v2/studies/NCT…)"
        )
    return f"not a ClinicalTrials.gov API v2 study: {NCT_FIELD} is missing"


def _error(source: str, code: str, message: str, field: str | None = None) -> TrialogicError:
    return TrialogicError([Diagnostic(source, 0, 0, code, message, field=field)])


def _shown(value: object) -> str:
    """A registry value as JSON writes it: `"eighteen"`, `18`, `null`."""
    return json.dumps(value, ensure_ascii=False)
