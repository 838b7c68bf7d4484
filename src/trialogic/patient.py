"""Patient records (docs/patients.md): load, validate against the vocabulary, and hold
as plain dataclasses with every value already exact and in canonical, scaled units.

Validation collects every problem in a file and raises them together; nothing of a
record with an error is used.
"""

from __future__ import annotations

import codecs
import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from .dates import iso_date, written_as_iso
from .errors import Diagnostic, TrialogicError, source_line
from .vocabulary import EVENT_KINDS, Attribute, UnitError, Vocabulary, closest, load_vocabulary, suggestion

SECTION_OF_KIND = {
    "drug": "drugs",
    "condition": "conditions",
    "procedure": "procedures",
    "vaccine": "vaccines",
    "hospitalization": "hospitalizations",
    "trial_participation": "trial_participations",
    "consent": "consents",
}
KIND_OF_SECTION = {section: kind for kind, section in SECTION_OF_KIND.items()}
INTERVAL_SECTIONS = ("drugs", "conditions", "hospitalizations", "trial_participations")
POINT_SECTIONS = ("procedures", "vaccines", "consents")
COMPLETABLE = tuple(SECTION_OF_KIND.values()) + ("planned",)
TOP_LEVEL = (
    ("id", "birth_date", "sex", "measurements", "negatives", "complete", "planned", "assessments")
    + INTERVAL_SECTIONS
    + POINT_SECTIONS
)
# Values reach clingo in grains, 1/2000 of an attribute's scale unit (facts.py); these
# bounds keep every product the rules form inside clingo's 32-bit integers.
GRAIN = 2000
LARGEST_VALUE = 2 * 10**8  # grains; × a ULN factor's denominator (≤ 10) stays in 32 bits
LARGEST_ULN = 10**7  # grains; × a ULN factor's numerator (≤ 200) stays in 32 bits
STATUSES = {"conditions": ("active", "resolved")}
DEFAULT_STATUSES = ("ongoing", "stopped")
ENDED_STATUSES = ("resolved", "stopped")
MEASUREMENT_FIELDS = ("attribute", "value", "unit", "date", "uln", "reference_range")
ENTRY_FIELDS = {
    "measurements": MEASUREMENT_FIELDS,
    **{section: ("code", "start", "end", "status") for section in INTERVAL_SECTIONS},
    "drugs": ("code", "start", "end", "status", "dose_changes"),
    **{section: ("code", "date") for section in POINT_SECTIONS},
    "planned": ("kind", "code", "date"),
    "assessments": ("trial", "criterion", "result", "date"),
    "negatives": ("kind", "code"),
}
SECTION_SYNONYMS = {
    "medications": "drugs",
    "vaccinations": "vaccines",
    "diagnoses": "conditions",
    "labs": "measurements",
}


@dataclass(frozen=True)
class Measurement:
    """One result. Numeric values are exact fractions in canonical units times the scale."""

    attribute: str
    date: dt.date
    value: Fraction | str  # scaled number, or a category value
    uln: Fraction | None = None  # scaled, when the record gives one
    recorded: str = ""  # the value and unit as written in the record
    field: str = ""
    default_uln: Fraction | None = None  # scaled, the vocabulary's, when it has one


@dataclass(frozen=True)
class Event:
    """A drug, condition, procedure, ... as an interval. `end` is None when open or unknown."""

    kind: str
    code: str
    start: dt.date
    end: dt.date | None
    end_known: bool  # False: ended on an unknown date; True with end None: still open
    status: str
    dose_changes: tuple[dt.date, ...] = ()
    field: str = ""

    @property
    def is_open(self) -> bool:
        return self.end is None and self.end_known


@dataclass(frozen=True)
class Planned:
    kind: str
    code: str
    date: dt.date | None
    field: str = ""


@dataclass(frozen=True)
class Assessment:
    trial: str
    criterion: str
    result: str  # "met" | "not_met"
    date: dt.date
    field: str = ""


@dataclass(frozen=True)
class Negative:
    kind: str
    code: str
    field: str = ""


@dataclass(frozen=True)
class Patient:
    id: str
    source: str
    birth_date: dt.date | None = None
    sex: str | None = None
    measurements: tuple[Measurement, ...] = ()
    events: tuple[Event, ...] = ()
    planned: tuple[Planned, ...] = ()
    assessments: tuple[Assessment, ...] = ()
    negatives: tuple[Negative, ...] = ()
    complete: frozenset[str] = field(default_factory=frozenset)
    # what the source held that the record does not say (a FHIR Bundle's resources not
    # read: docs/fhir.md), as warnings; the commands print them after the answer
    notes: tuple[Diagnostic, ...] = ()


class Repeat(NamedTuple):
    """A key given twice in one mapping: the field it names (`drugs`, `[1].measurements[0].value`),
    the key as written, and where each occurrence starts (None when not known)."""

    field: str
    key: str
    first: yaml.error.Mark | None
    second: yaml.error.Mark | None


class RepeatedKeys(yaml.constructor.ConstructorError):
    """Keys given twice in one mapping of a record: YAML and JSON readers keep the last and
    drop the first without a word, so a record that repeats a key is refused instead.
    `repeats` holds every one in the file; the error itself reads as the first (a YAMLError,
    so that a reader of YAML files reports it like any other)."""

    def __init__(self, repeats: list[Repeat]):
        first = repeats[0]
        super().__init__(None, None, repeated_message(first), first.second)
        self.repeats = repeats


def repeated_message(repeat: Repeat, first_line: int = 1) -> str:
    """What a repeated key's diagnostic says, in a record or a scenario file alike: the key,
    and where both occurrences are when known (the text's lines counted from `first_line`: a
    JSONL stream's record is one line)."""
    first, second = repeat.first, repeat.second
    if first is None or second is None:
        where = ""
    elif first.line == second.line:
        where = f" on line {first_line + first.line} (columns {first.column + 1} and {second.column + 1})"
    else:
        where = f" (lines {first_line + first.line} and {first_line + second.line})"
    return (
        f"the key {repeat.key!r} is given twice{where}; give each key once: "
        "merge the two, or remove the one that is wrong"
    )


# YAML 1.1 reads 010 as 8 (octal), 12:30 as 750 (base 60), 0x1F as 31, 0b101 as 5 and +5
# as 5: a record number with a leading zero would become another id. Records read a whole
# number only when it is written the way it reads back (0, 42, -7); anything else stays
# text, which the reader reads as a number where a number is due (exact_ratio). Floats
# lose base 60 too (12:30.5 is not 750.5). Past 100 digits a number stays text as well:
# int() refuses digit strings past 4300 digits, and no record needs more than 30.
_PLAIN_INT = re.compile(r"^(?:0|-?[1-9][0-9]{0,99})$")
_PLAIN_FLOAT = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
    |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
MERGE_TAG = "tag:yaml.org,2002:merge"


def _record_resolvers() -> dict[str, list[tuple[str, re.Pattern[str]]]]:
    """SafeLoader's implicit types, without timestamps (a bad date is our error message, not
    a crash) and with whole numbers and floats only as _PLAIN_INT and _PLAIN_FLOAT say."""
    resolvers: dict[str, list[tuple[str, re.Pattern[str]]]] = {}
    for first, known in yaml.SafeLoader.yaml_implicit_resolvers.items():
        kept = []
        for tag, regexp in known:
            if tag == "tag:yaml.org,2002:timestamp":
                continue
            if tag == _INT_TAG:
                if first == "-" or first.isdigit():
                    kept.append((tag, _PLAIN_INT))
                continue
            kept.append((tag, _PLAIN_FLOAT if tag == _FLOAT_TAG else regexp))
        resolvers[first] = kept
    return resolvers


class _RecordLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe YAML for records: plain dates and numbers (_record_resolvers), keys read as the
    text written, and every key of a mapping given once (a repeat is collected in `repeated`,
    and parse_yaml refuses it)."""

    yaml_implicit_resolvers = _record_resolvers()

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.repeated: list[tuple[yaml.MappingNode, yaml.Node, yaml.Node]] = []
        self.checked: set[int] = set()

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        """A mapping whose keys are names, each the text written (_key): `1:` and `"1":` are
        the one key '1' (a repeat), `yes:` is 'yes' and `1.0:` is '1.0', never True or 1 (which
        would make them one key with `true:` or `1:`, and name a field other than the one
        written)."""
        self.check_keys(node)
        self.flatten_mapping(node)  # `<<: *base` merges, as SafeLoader does
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self._key(key_node)
            try:
                hash(key)
            except TypeError:
                problem = "found unhashable key"
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, problem, key_node.start_mark
                ) from None
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping

    def _key(self, key_node: yaml.Node) -> Any:
        """A key as a record names it: a scalar key is its text, whatever YAML would resolve it to."""
        if isinstance(key_node, yaml.ScalarNode):
            return key_node.value
        return self.construct_object(key_node, deep=True)

    def flatten_mapping(self, node: yaml.MappingNode) -> None:
        # a mapping merged into another (`<<: *base`) is flattened in place, perhaps before it
        # is constructed itself: its own keys are checked first, and once
        self.check_keys(node)
        super().flatten_mapping(node)

    def check_keys(self, node: yaml.MappingNode) -> None:
        """Note each key of `node` given a second time, by the keys as they read (`id` and
        "id" are one key, `1` and "1" too); merge keys (`<<`) may override, as YAML says."""
        if not isinstance(node, yaml.MappingNode):  # `!!map [a]`: refused as YAML refuses it, not a crash
            problem = f"expected a mapping node, but found {node.id}"
            raise yaml.constructor.ConstructorError(None, None, problem, node.start_mark)
        if id(node) in self.checked:
            return
        self.checked.add(id(node))
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:
                continue
            key = self._key(key_node)
            try:
                first = seen.get(key)
            except TypeError:
                continue  # an unhashable key: the constructor refuses it with its own message
            if first is None:
                seen[key] = key_node
            else:
                self.repeated.append((node, first, key_node))


def parse_yaml(text: str) -> Any:
    """A YAML text's one document, read with _RecordLoader; RepeatedKeys when a mapping in it
    gives a key twice."""
    return _load_yaml(text)[1]


def _load_yaml(text: str) -> tuple[yaml.Node | None, Any]:
    """parse_yaml's document, with its node tree (None when the text holds no document)."""
    loader = _RecordLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    if loader.repeated:
        paths = _mapping_paths(root)
        repeats = []
        for mapping, first, second in loader.repeated:
            key = first.value if isinstance(first, yaml.ScalarNode) else "?"
            field = f"{paths.get(id(mapping), '')}.{key}".lstrip(".")
            repeats.append(Repeat(field, key, first.start_mark, second.start_mark))
        raise RepeatedKeys(sorted(repeats, key=lambda r: (r.second.line, r.second.column) if r.second else (0, 0)))
    return root, data


def _mapping_paths(root: yaml.Node | None) -> dict[int, str]:
    """The field path (`measurements[0]`, `[2].drugs[1]`; "" for the root) of each mapping
    node under `root`, by id; the first path reaching a node shared through an alias."""
    paths: dict[int, str] = {}
    stack: list[tuple[yaml.Node, str]] = [(root, "")] if root is not None else []
    while stack:
        node, path = stack.pop()
        if isinstance(node, yaml.MappingNode):
            if id(node) in paths:
                continue
            paths[id(node)] = path
            for key_node, value_node in reversed(node.value):
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                stack.append((value_node, f"{path}.{key}".lstrip(".")))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend((item, f"{path}[{index}]") for index, item in reversed(list(enumerate(node.value))))
    return paths


class _JsonKeys:
    """json's object_pairs_hook: a dict of the pairs, noting each key given twice."""

    def __init__(self) -> None:
        self.repeated: list[str] = []

    def __call__(self, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        mapping = dict(pairs)
        if len(mapping) < len(pairs):
            seen: set[str] = set()
            for key, _ in pairs:
                if key in seen:
                    self.repeated.append(key)
                seen.add(key)
        return mapping


def _json_int(text: str) -> int | str:
    """A JSON whole number, kept as written when int() would change it (-0) or refuse it
    (past 4300 digits): the reader reads such text as a number where a number is due."""
    return int(text) if text != "-0" and len(text) <= 100 else text


def _too_deep(text: str, most: int = 100) -> int:
    """Where a JSON text's arrays and objects first nest more than `most` deep (0: nowhere)."""
    depth, quoted, escaped = 0, False, False
    for position, char in enumerate(text):
        if quoted:
            quoted, escaped = (char != '"' or escaped), (char == "\\" and not escaped)
        elif char == '"':
            quoted = True
        elif char in "[{":
            depth += 1
            if depth > most:
                return position
        elif char in "]}":
            depth -= 1
    return 0


def parse_json(text: str) -> Any:
    """A JSON text; RepeatedKeys when an object in it gives a key twice (with the lines of
    both, found by reading the text as YAML, when YAML can)."""
    keys = _JsonKeys()
    try:
        data = json.loads(text, object_pairs_hook=keys, parse_int=_json_int)
    except RecursionError:  # Python's reader recurses: name the place, as for any bad JSON
        message = "nested too deeply (a patient record is a few levels deep)"
        raise json.JSONDecodeError(message, text, _too_deep(text)) from None
    if keys.repeated:
        try:
            parse_yaml(text)
        except RepeatedKeys:
            raise
        except yaml.YAMLError:
            pass
        raise RepeatedKeys([Repeat("", key, None, None) for key in dict.fromkeys(keys.repeated)])
    return data


def repeated_problems(error: RepeatedKeys, file: str, text: str, stream_line: int | None = None) -> list[Diagnostic]:
    """P006 for each repeated key of `text`, the record(s) of `file` (or the record on line
    `stream_line` of a JSONL stream), placed at the second occurrence when it is known."""
    first_line = stream_line or 1
    problems = []
    for repeat in error.repeats:
        line, column, shown = 0, 0, None
        if repeat.second is not None:
            line, column = first_line + repeat.second.line, repeat.second.column + 1
            lines = yaml_lines(text)
            shown = lines[repeat.second.line] if repeat.second.line < len(lines) else None
        elif stream_line is not None:  # the record is its line
            line, column, shown = stream_line, 1, text.rstrip("\r\n")
        message = repeated_message(repeat, first_line)
        problems.append(Diagnostic(file, line, column, "P006", message, shown, repeat.field or None))
    return problems


# A plain decimal in ASCII digits: sign, whole part, fraction part, a short exponent.
_PLAIN_DECIMAL = re.compile(r"([-+]?)(?=\.?\d)(\d*)(?:\.(\d*))?(?:[eE]([-+]?\d{1,2}))?", re.ASCII)
# int() refuses digit strings past sys.get_int_max_str_digits() (4300 by default) and
# Decimal does not: a long text takes Decimal's route.
_PLAIN_DECIMAL_LENGTH = 100
# No measurement is 10^30 times its unit or finer than 10^-30 of it; past that a number is
# refused rather than read (10^999999999 would take Fraction hours to build).
LARGEST_EXPONENT = 30
_LARGEST = 10**LARGEST_EXPONENT


_SEXAGESIMAL = re.compile(r"^[-+]?[0-9]+(?::[0-5]?[0-9])+(?:\.[0-9]*)?$")


_DECIMAL_COMMA = re.compile(r"([-+]?\d+),(\d+)")


def not_a_number(raw: Any) -> str:
    """What is wrong with a value the reader cannot read as a number, and, for one written in
    another base (0x1F, 0b101, 0o17, or base 60 as in 12:30, which YAML 1.1 reads as numbers),
    how to write it."""
    message = f"{raw!r} is not a number"
    text = str(raw).strip()
    if text.isascii():  # int() also reads other scripts' digits (٣), which are no other base
        try:
            return f"{message}; write the number in decimal: {int(text, 0)}"
        except ValueError:
            pass
    if isinstance(raw, str) and _SEXAGESIMAL.match(text):
        return f"{message}; write the number in decimal digits (a record reads no base 60 or times of day)"
    if isinstance(raw, str) and (comma := _DECIMAL_COMMA.fullmatch(text)):
        whole, tail = comma[1], comma[2]
        if len(tail) == 3:  # 1,500: a thousands separator, or a decimal comma
            return (
                f"{message}; write {whole}{tail} or {whole}.{tail}, whichever is meant (no separators, a decimal point)"
            )
        return f"{message}; write the decimal point as '.': {whole}.{tail}"
    return message


def exact_ratio(raw: Any) -> tuple[int, int]:
    """A record's number as numerator and denominator (> 0, not necessarily in lowest terms),
    exactly the value of Fraction(Decimal(str(raw).strip())): a float means its shortest
    decimal repr, so 0.1 is 1/10, not the binary double.

    Decimal and Fraction cost most of reading a record, so a plain int, float or decimal
    text is read with int() alone; anything else (NaN, infinity, underscores, non-ASCII
    digits, long exponents) goes through Decimal and fails as it does: TypeError for a
    value that is not an int, float, str or Decimal, else InvalidOperation or ValueError
    (ValueError also for NaN and infinities). OverflowError for a size past 1e±30.

    >>> exact_ratio(" -1.25e1 "), exact_ratio(0.1), exact_ratio("1_000")
    ((-125, 10), (1, 10), (1000, 1))
    """
    if type(raw) is int:
        return _within_range((raw, 1))
    if type(raw) is float:
        ratio = _float_ratio(raw)
        if ratio is not None:
            return _within_range(ratio)
    elif isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
        raise TypeError(f"a {type(raw).__name__} is not a number")
    text = str(raw).strip()
    ratio = _text_ratio(text)
    if ratio is None:
        if not text.isascii():  # Decimal reads other scripts' digits (١٠٠, １００): a record writes ASCII
            raise InvalidOperation(text)
        decimal = Decimal(text)
        if not decimal.is_finite():
            raise ValueError("not finite")
        if decimal and abs(decimal.adjusted()) > LARGEST_EXPONENT:
            raise OverflowError  # before Fraction, which would build an integer of that many digits
        value = Fraction(decimal)
        ratio = value.numerator, value.denominator
    return _within_range(ratio)


def _within_range(ratio: tuple[int, int]) -> tuple[int, int]:
    """The ratio, or OverflowError when its size is past 1e±LARGEST_EXPONENT."""
    numerator, denominator = ratio
    size = abs(numerator)
    if size and (size * _LARGEST < denominator or size > denominator * _LARGEST):
        raise OverflowError
    return ratio


def _float_ratio(raw: float) -> tuple[int, int] | None:
    """A float's shortest repr (what str() gives) when it is digits.digits; None when it
    has an exponent or is not finite."""
    text = repr(raw)
    if "e" in text or "n" in text:
        return None
    whole, _, decimals = text.partition(".")
    return int(whole + decimals), 10 ** len(decimals)


def _text_ratio(text: str) -> tuple[int, int] | None:
    """A plain decimal text (see _PLAIN_DECIMAL) as a ratio; None for any other text."""
    if len(text) > _PLAIN_DECIMAL_LENGTH:
        return None
    if text.isdigit() and text.isascii():
        return int(text), 1  # a whole number, the common case, without the regex
    match = _PLAIN_DECIMAL.fullmatch(text)
    if match is None:
        return None
    sign, whole, decimals, exponent = match.groups(default="")
    digits = int(sign + whole + decimals)
    shift = int(exponent) - len(decimals) if exponent else -len(decimals)
    return (digits * 10**shift, 1) if shift >= 0 else (digits, 10**-shift)


def _above(numerator: int, denominator: int, grains: int) -> bool:
    """Whether numerator/denominator (denominator > 0) is above `grains` grains, in integers
    alone: a Fraction's arithmetic normalises through a gcd at each step."""
    return numerator * GRAIN > grains * denominator


class _Reader:
    """Validates one record, collecting diagnostics instead of stopping at the first."""

    def __init__(self, source: str, vocabulary: Vocabulary):
        self.source = source
        self.vocabulary = vocabulary
        self.problems: list[Diagnostic] = []
        self.notes: list[Diagnostic] = []  # warnings: the record is read, and may not say what was meant

    def problem(self, where: str, code: str, message: str) -> None:
        self.problems.append(Diagnostic(self.source, 0, 0, code, message, field=where))

    def note(self, where: str, code: str, message: str) -> None:
        self.notes.append(Diagnostic(self.source, 0, 0, code, message, field=where, severity="warning"))

    def thousands_left_out(self, attribute: Attribute, raw: Any, unit: Any, where: str) -> None:
        """A cell count per mm3 or per µL below 1000 (198 /mm3 for a platelet count of 198,000):
        read as written (0.198 x10^9/L), with a note, as the thousands may have been left out."""
        if attribute.unit != "x10^9/L" or not isinstance(raw, (int, float, str)) or isinstance(raw, bool):
            return
        if str(unit).strip().replace("\u03bc", "\u00b5") not in ("/mm3", "/uL", "/\u00b5L"):
            return
        try:
            written = Decimal(str(raw).strip())
        except InvalidOperation:
            return
        if written.is_finite() and 0 < written < 1000:
            message = (
                f"{attribute.label} {raw} {unit} is read as {written.scaleb(-3):f} x10^9/L, a count rarely "
                f"seen; if {written.scaleb(3):f} {unit} was meant, write {written.scaleb(3):f} {unit} "
                f"or {raw} 10^3/uL"
            )
            self.note(where, "P100", message)

    def date(self, raw: Any, where: str) -> dt.date | None:
        if isinstance(raw, str):  # first: records read from YAML or JSON hold dates as text
            try:
                return iso_date(raw)
            except ValueError:
                pass
        elif isinstance(raw, dt.datetime):
            return raw.date()
        elif isinstance(raw, dt.date):
            return raw
        problem = "a date is required here" if raw is None else f"{raw!r} is not a date"
        self.problem(where, "P004", problem + written_as_iso(str(raw) if isinstance(raw, str) else ""))
        return None

    def number(self, raw: Any, where: str) -> tuple[int, int] | None:
        """`raw` as an exact ratio (see exact_ratio), or None after reporting it."""
        try:
            return exact_ratio(raw)
        except OverflowError:
            message = f"{raw!r} is out of range; a value's size must lie between 1e-{LARGEST_EXPONENT} and 1e{LARGEST_EXPONENT}"
            self.problem(where, "P003", message)
            return None
        except (TypeError, InvalidOperation, ValueError):
            self.problem(where, "P003", "a number is required here" if raw is None else not_a_number(raw))
            return None

    def entries(self, record: dict[str, Any], section: str) -> list[tuple[str, dict[str, Any]]]:
        raw = record.get(section) or []
        if not isinstance(raw, list):
            self.problem(section, "P006", f"{section} must be a list of entries")
            return []
        result = []
        for index, entry in enumerate(raw):
            where = f"{section}[{index}]"
            if not isinstance(entry, dict):
                self.problem(where, "P006", "each entry must be a mapping of fields")
                continue
            allowed = ENTRY_FIELDS[section]
            for key in entry:
                if key not in allowed:
                    tail = suggestion(closest(str(key), allowed), f"{section} entries have {', '.join(allowed)}")
                    self.problem(f"{where}.{key}", "P001", f"unknown field {str(key)!r}{tail}")
            result.append((where, entry))
        return result

    def code(self, kind: str, raw: Any, where: str) -> str | None:
        code = str(raw) if raw is not None else ""
        if self.vocabulary.is_concept(kind, code):
            return code
        tail = suggestion(closest(code, self.vocabulary.concepts(kind)))
        self.problem(f"{where}.code", "P007", f"unknown {kind} code {code!r}{tail}")
        return None

    # ----- sections --------------------------------------------------------------

    def measurement(self, where: str, entry: dict[str, Any]) -> list[Measurement]:
        name = str(entry.get("attribute", ""))
        attribute = self.vocabulary.attribute(name)
        if attribute is not None and attribute.name in ("age", "sex"):
            field = "birth_date" if attribute.name == "age" else "sex"
            message = f"{attribute.name} is not a measurement: give `{field}` at the top of the record"
            self.problem(f"{where}.attribute", "P001", message)
            return []
        if attribute is None:
            tail = suggestion(self.vocabulary.suggest_attribute(name))
            self.problem(f"{where}.attribute", "P001", f"unknown attribute {name!r}{tail}")
            return []
        date = self.date(entry.get("date"), f"{where}.date")
        raw_value = entry.get("value")
        unit = entry.get("unit")
        recorded = f"{raw_value} {unit}" if unit else f"{raw_value}"
        if date is None or not self.fits(attribute, entry, where):
            return []
        if attribute.type == "category":
            value = str(raw_value)
            if value not in attribute.values:
                tail = suggestion(closest(value, attribute.values))
                one_of = ", ".join(attribute.values)
                message = f"{_shown(raw_value)} is not a value of {attribute.name} (one of {one_of}){tail}"
                self.problem(f"{where}.value", "P005", message)
                return []
            return [Measurement(attribute.name, date, value, None, recorded, where)]
        if attribute.type == "pair":
            parts = str(raw_value).split("/")
            if len(parts) != 2:
                self.problem(f"{where}.value", "P003", f"{raw_value!r} is not a pair; write it like 150/95")
                return []
            read = [self.scaled(attribute, part, unit, f"{where}.value") for part in parts]
            values = [v for v in read if v is not None]
            if len(values) != 2:
                return []
            if attribute.descending and values[0] < values[1]:
                first, second = attribute.components
                message = (
                    f"{raw_value} is impossible for {attribute.label}: the {first} is below the "
                    f"{second}; write {first}/{second}, e.g. 150/95"
                )
                self.problem(f"{where}.value", "P008", message)
                return []
            return [
                Measurement(f"{attribute.name}.{component}", date, value, None, recorded, where)
                for component, value in zip(attribute.components, values, strict=True)
            ]
        scaled = self.scaled(attribute, raw_value, unit, f"{where}.value")
        if scaled is None:
            return []
        self.thousands_left_out(attribute, raw_value, unit, f"{where}.value")
        uln = self.uln(attribute, entry, unit, where)
        too_large = []  # (field, what, the largest value in the attribute's unit)
        if _above(abs(scaled.numerator), scaled.denominator, LARGEST_VALUE):
            too_large.append((f"{where}.value", f"{raw_value} {unit}", LARGEST_VALUE))
        if uln is not None and _above(uln.numerator, uln.denominator, LARGEST_ULN):
            too_large.append((_limit_field(where, entry), "the upper limit of normal", LARGEST_ULN))
        for field, what, largest in too_large:
            most = f"{float(Fraction(largest, GRAIN * attribute.scale)):g} {attribute.unit}"
            self.problem(field, "P011", f"{what} is too large for trialogic to compare exactly (at most {most})")
        if too_large:
            return []
        return [Measurement(attribute.name, date, scaled, uln, recorded, where, attribute.scaled_default_uln)]

    def fits(self, attribute: Attribute, entry: dict[str, Any], where: str) -> bool:
        """Whether the entry's unit and limits suit the attribute: a unit when it has one, none
        when it has none, and a ULN or reference range only for a number."""
        unit = entry.get("unit")
        if attribute.unit is not None and (unit is None or str(unit).strip() == ""):
            self.problem(
                f"{where}.unit",
                "P002",
                f"{attribute.name} needs its unit: one of {', '.join(self.vocabulary.units_for(attribute))}",
            )
            return False
        if attribute.type == "category" and unit is not None:
            self.problem(f"{where}.unit", "P002", f"{attribute.name} has no unit, but {unit!r} was given")
            return False
        limits = [key for key in ("uln", "reference_range") if key in entry]
        if attribute.type != "numeric" and limits:
            message = f"{attribute.name} is not a number: it has no {limits[0]}"
            self.problem(f"{where}.{limits[0]}", "P006", message)
            return False
        if len(limits) == 2:
            self.problem(f"{where}.uln", "P006", "give uln or reference_range, not both")
            return False
        return True

    def scaled(self, attribute: Any, raw: Any, unit: Any, where: str) -> Fraction | None:
        number = self.number(raw, where)
        if number is None:
            return None
        try:
            conversion = self.vocabulary.conversion(attribute, str(unit) if unit else None)
        except UnitError as e:
            self.problem(where.rsplit(".", 1)[0] + ".unit", "P002", str(e))
            return None
        scaled = conversion.apply(*number)
        if scaled is None:
            low, high = attribute.range
            self.problem(
                where,
                "P008",
                f"{raw} {unit or ''} is impossible for {attribute.label} "
                f"(possible: {float(low):g} to {float(high):g} {attribute.unit or ''})".replace("  ", " "),
            )
            return None
        return scaled

    def uln(self, attribute: Any, entry: dict[str, Any], unit: Any, where: str) -> Fraction | None:
        """The upper limit of normal, `uln` or the high end of `reference_range: [low, high]`:
        above zero, since a result is compared with a multiple of it."""
        limit = self.upper_limit(attribute, entry, unit, where)
        if limit is not None and limit <= 0:
            message = "an upper limit of normal is above 0; write the one the laboratory reported"
            self.problem(_limit_field(where, entry), "P008", message)
            return None
        return limit

    def upper_limit(self, attribute: Any, entry: dict[str, Any], unit: Any, where: str) -> Fraction | None:
        if "reference_range" not in entry:
            raw = entry.get("uln")
            return None if raw is None else self.scaled(attribute, raw, unit, f"{where}.uln")
        raw, field = entry["reference_range"], f"{where}.reference_range"
        if not isinstance(raw, (list, tuple)) or len(raw) != 2 or None in raw:
            self.problem(field, "P006", f"{raw!r} is not a range; write [low, high] in the result's unit, e.g. [7, 40]")
            return None
        low, high = (self.scaled(attribute, bound, unit, field) for bound in raw)
        if low is None or high is None:
            return None
        if low > high:
            self.problem(field, "P009", f"the low end {raw[0]} is above the high end {raw[1]}; write [low, high]")
            return None
        return high

    def event(self, section: str, where: str, entry: dict[str, Any]) -> Event | None:
        kind = KIND_OF_SECTION[section]
        code = self.code(kind, entry.get("code"), where)
        if section in POINT_SECTIONS:
            start = self.date(entry.get("date"), f"{where}.date")
            if code is None or start is None:
                return None
            return Event(kind, code, start, start, True, "done", field=where)
        start = self.date(entry.get("start"), f"{where}.start")
        allowed = STATUSES.get(section, DEFAULT_STATUSES)
        status = str(entry.get("status", allowed[0]))
        if status not in allowed:
            self.problem(
                f"{where}.status", "P005", f"status {_shown(entry['status'])} is not one of {', '.join(allowed)}"
            )
        end = self.date(entry["end"], f"{where}.end") if entry.get("end") is not None else None
        if start and end and end < start:
            self.problem(f"{where}.end", "P009", f"ends {end} before it starts {start}")
        if end is not None and status == allowed[0]:
            if "status" in entry:
                self.problem(f"{where}.status", "P009", f"status {status!r} contradicts the end date {end}")
            status = allowed[1]  # an entry with an end date has ended: resolved, or stopped
        changes = entry.get("dose_changes") or []
        if not isinstance(changes, list):
            self.problem(f"{where}.dose_changes", "P006", "dose_changes must be a list of dates, e.g. [2026-10-01]")
            changes = []
        dated = [
            (i, d) for i, raw in enumerate(changes) if (d := self.date(raw, f"{where}.dose_changes[{i}]")) is not None
        ]
        for i, change in dated:
            if start and change < start:
                self.problem(f"{where}.dose_changes[{i}]", "P009", f"dose change {change} before the start {start}")
            if end and change > end:
                self.problem(f"{where}.dose_changes[{i}]", "P009", f"dose change {change} after the end {end}")
        dose_changes = tuple(d for _, d in dated)
        if code is None or start is None:
            return None
        end_known = end is not None or status not in ENDED_STATUSES
        return Event(kind, code, start, end, end_known, status, dose_changes, where)

    def planned(self, where: str, entry: dict[str, Any]) -> Planned | None:
        kind = str(entry.get("kind", ""))
        if kind not in EVENT_KINDS:
            self.problem(f"{where}.kind", "P005", f"kind {kind!r} is not one of {', '.join(EVENT_KINDS)}")
            return None
        code = self.code(kind, entry.get("code"), where)
        date = self.date(entry["date"], f"{where}.date") if entry.get("date") is not None else None
        return Planned(kind, code, date, where) if code else None

    def assessment(self, where: str, entry: dict[str, Any]) -> Assessment | None:
        result = str(entry.get("result", ""))
        if result not in ("met", "not_met"):
            self.problem(f"{where}.result", "P005", f"result {_shown(entry.get('result', ''))} must be met or not_met")
        date = self.date(entry.get("date"), f"{where}.date")
        trial, criterion = entry.get("trial"), entry.get("criterion")
        if not trial or not criterion:
            self.problem(where, "P006", "an assessment names its trial and criterion")
            return None
        if date is None or result not in ("met", "not_met"):
            return None
        return Assessment(str(trial), str(criterion), result, date, where)

    def negative(self, where: str, entry: dict[str, Any]) -> Negative | None:
        kind = str(entry.get("kind", ""))
        if kind not in EVENT_KINDS:
            self.problem(f"{where}.kind", "P005", f"kind {kind!r} is not one of {', '.join(EVENT_KINDS)}")
            return None
        code = self.code(kind, entry.get("code"), where)
        return Negative(kind, code, where) if code else None

    def read(self, record: Any) -> Patient | None:
        if not isinstance(record, dict):
            self.problem("", "P006", f"a patient record is a mapping with at least an id, not {held(record)}")
            return None
        for key in record:
            if key not in TOP_LEVEL:
                tail = suggestion(SECTION_SYNONYMS.get(str(key)) or closest(str(key), TOP_LEVEL))
                self.problem(str(key), "P001", f"unknown section {key!r}{tail}")
        patient_id = record.get("id")
        if patient_id is None or str(patient_id).strip() == "":
            self.problem("id", "P006", "the record has no id")
        elif isinstance(patient_id, float):  # 1.50, 15e-1 and 1.5 read alike: what was written is lost
            message = (
                f"the id was read as the number {patient_id!r}, which may not be how it is written; put it in quotes"
            )
            self.problem("id", "P006", message)
        elif record_id(record) is None:
            self.problem("id", "P006", f"an id is text or a whole number, not {_shown(patient_id)}")
        elif (refused := id_problem(str(patient_id))) is not None:
            self.problem("id", "P006", refused)
        birth = self.date(record["birth_date"], "birth_date") if record.get("birth_date") is not None else None
        sex = record.get("sex")
        if sex is not None and sex not in ("female", "male"):
            written = str(sex).strip().lower()
            meant = {"f": "female", "m": "male"}.get(written) or closest(written, ["female", "male"])
            hint = f"; write {meant!r}" if meant else ""
            self.problem("sex", "P005", f"sex {_shown(sex)} is not one of female, male{hint}")
        measurements = [m for where, e in self.entries(record, "measurements") for m in self.measurement(where, e)]
        self.reject_duplicates(measurements)
        events = [
            event
            for section in INTERVAL_SECTIONS + POINT_SECTIONS
            for where, entry in self.entries(record, section)
            if (event := self.event(section, where, entry)) is not None
        ]
        planned = [p for w, e in self.entries(record, "planned") if (p := self.planned(w, e))]
        assessments = [a for w, e in self.entries(record, "assessments") if (a := self.assessment(w, e))]
        self.reject_conflicts(assessments)
        negatives = [n for w, e in self.entries(record, "negatives") if (n := self.negative(w, e))]
        self.reject_contradicted(negatives, events)
        complete = record.get("complete") or []
        if not isinstance(complete, list):
            example = complete if isinstance(complete, str) else "drugs, conditions"
            self.problem("complete", "P006", f"complete is a list of section names, e.g. [{example}]")
            complete = []
        for index, section in enumerate(complete):
            if section not in COMPLETABLE:
                tail = suggestion(closest(str(section), COMPLETABLE))
                self.problem(f"complete[{index}]", "P001", f"unknown section {section!r}{tail}")
        if self.problems:
            return None
        return Patient(
            id=str(patient_id),
            source=self.source,
            birth_date=birth,
            sex=sex,
            measurements=tuple(measurements),
            events=tuple(events),
            planned=tuple(planned),
            assessments=tuple(assessments),
            negatives=tuple(negatives),
            complete=frozenset(str(s) for s in complete),
            notes=tuple(self.notes),
        )

    def reject_duplicates(self, measurements: list[Measurement]) -> None:
        seen: dict[tuple[str, dt.date], str] = {}
        for m in measurements:
            key = (m.attribute, m.date)
            if key in seen and seen[key] != m.field:
                self.problem(m.field, "P010", f"a second {m.attribute} result on {m.date} (first: {seen[key]})")
            seen.setdefault(key, m.field)

    def reject_contradicted(self, negatives: list[Negative], events: list[Event]) -> None:
        """A negative says there never was anything of its kind at or below its code, so an
        entry of that kind whose code lies at or below it contradicts it."""
        for negative in negatives:
            for event in events:
                if event.kind != negative.kind:
                    continue
                if negative.code not in self.vocabulary.ancestors(event.kind, event.code):
                    continue
                how = "itself" if event.code == negative.code else f"is a {negative.code}"
                message = (
                    f"the record says there never was a {negative.kind} {negative.code}, which conflicts with "
                    f"{event.field} ({event.code} {how}); keep the one that holds"
                )
                self.problem(negative.field, "P009", message)
                break

    def reject_conflicts(self, assessments: list[Assessment]) -> None:
        """Two assessments of one criterion on one date must agree: the later one decides,
        and on one date neither is later."""
        first: dict[tuple[str, str, dt.date], Assessment] = {}
        for a in assessments:
            earlier = first.setdefault((a.trial, a.criterion, a.date), a)
            if earlier.result != a.result:
                message = (
                    f"{a.trial} {a.criterion} is assessed {a.result} on {a.date}, "
                    f"but {earlier.result} on the same date in {earlier.field}; keep the one that holds"
                )
                self.problem(f"{a.field}.result", "P010", message)


def _limit_field(where: str, entry: dict[str, Any]) -> str:
    """The field an entry's upper limit of normal is given in."""
    return f"{where}.{'reference_range' if 'reference_range' in entry else 'uln'}"


def _shown(raw: Any) -> str:
    """A value as written, for a message; YAML reads yes, no, on, off as booleans, so say so."""
    if isinstance(raw, bool):
        return f"{str(raw).lower()} (YAML reads yes/no/on/off as true/false)"
    return repr(str(raw))


def record_id(record: Any) -> str | None:
    """The patient id a raw record gives, as its patient's id reads, when the id is one a
    patient can have (text, or a whole number: read_patient reads only those as written);
    else None. An id of a record with other errors still counts as used (records.py)."""
    raw = record.get("id") if isinstance(record, dict) else None
    if isinstance(raw, bool) or not isinstance(raw, (str, int)) or str(raw).strip() == "":
        return None
    return str(raw)


def id_problem(patient_id: str) -> str | None:
    """Why a patient id cannot be taken as written, or None. An id links a record to the
    hospital's, so it is never changed: one that would print as another (a space at an end,
    a character that does not show) is refused, for the one who wrote it to correct."""
    if patient_id != patient_id.strip():
        return (
            f"the id {patient_id!r} begins or ends with white space, which does not show where the id is printed; "
            "remove the spaces (an id is taken as written, never changed)"
        )
    if patient_id.isprintable():  # nearly every id: one pass, in C
        return None
    bad = next(c for c in patient_id if not c.isprintable())
    if "\ud800" <= bad <= "\udfff":  # a JSON "\ud800" alone: no text
        return f"the id {patient_id!r} holds half a character (a lone surrogate); write it as text"
    unnamed = "a control character" if unicodedata.category(bad) == "Cc" else "a character with no name"
    name = unicodedata.name(bad, unnamed)
    return (
        f"the id {patient_id!r} holds U+{ord(bad):04X} ({name}), which does not print as itself "
        "(it shows as a space, as nothing or as a box); remove it"
    )


def id_key(patient_id: str) -> str:
    """What two ids that read alike have in common (for the one-id-per-run check, P012): the
    id without white space at its ends, in Unicode's composed form (NFC): 'é' written as one
    character or as 'e' and an accent prints the same."""
    return unicodedata.normalize("NFC", patient_id.strip())


def read_patient(record: Any, source: str = "<input>", vocabulary: Vocabulary | None = None) -> Patient:
    """Validate one record (a parsed mapping) and return the patient, or raise with every problem.

    >>> read_patient({"id": "P1", "sex": "female", "birth_date": "1990-01-01"}).sex
    'female'
    """
    reader = _Reader(source, vocabulary or load_vocabulary())
    patient = reader.read(record)
    if patient is None:
        raise TrialogicError(reader.problems)
    return patient


def not_utf8(error: UnicodeDecodeError) -> str:
    return f"not UTF-8 text (byte {error.object[error.start]:#04x} at offset {error.start}); save the file as UTF-8"


_ONE_OR_A_LIST = "a patient file holds a record (a mapping with at least an id) or a list of records"
_WIDE = (
    (codecs.BOM_UTF32_LE, "UTF-32"),  # before UTF-16's: it begins with the same two bytes
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
# the line breaks YAML counts lines by (PyYAML and libyaml alike), so that a mark's line is
# the line shown
_YAML_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


def yaml_lines(text: str) -> list[str]:
    """The lines of a text as YAML numbers them (a mark's `line` indexes this list)."""
    return _YAML_BREAK.split(text)


def wide_encoding(data: bytes) -> str | None:
    """The encoding (UTF-16 or UTF-32) whose byte-order mark the bytes begin with, if any."""
    return next((name for mark, name in _WIDE if data.startswith(mark)), None)


def not_text(name: str, message: str) -> TrialogicError:
    return TrialogicError([Diagnostic(name, 0, 0, "P000", message)])


def not_utf8_at(byte: int, offset: int, line: int, fix: str = "save the file as UTF-8") -> str:
    """A byte that is not UTF-8, by its offset in the file and its line (1-based)."""
    return f"not UTF-8 text (byte {byte:#04x} at offset {offset}, line {line}); {fix}"


def decoded(data: bytes, name: str, noun: str = "the file", fix: str = "save the file as UTF-8") -> str:
    """A patient file's bytes as text: UTF-8, a byte-order mark (as some editors write) dropped,
    and every line break read as \n (as text mode reads a file). P000 for a text in UTF-16 or
    UTF-32 (named, not a confusing byte), or for the first byte that is not UTF-8, by its
    offset and line."""
    wide = wide_encoding(data)
    if wide:
        raise not_text(name, f"{noun} is {wide} text (it begins with a {wide} byte-order mark); {fix}")
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        text = data[start:].decode("utf-8")
    except UnicodeDecodeError as e:
        offset = start + e.start
        raise not_text(name, not_utf8_at(data[offset], offset, data.count(b"\n", 0, offset) + 1, fix)) from e
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_text(path: Path) -> str:
    """A patient file's text (see `decoded`); P000 when it cannot be read."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise not_text(str(path), f"cannot read the file: {e.strerror}") from e
    return decoded(data, str(path))


def held(data: Any) -> str:
    """What a value read where a record is due is, for a message: `null`, `the number 5`, `a list`."""
    if data is None:
        return "null"
    if isinstance(data, bool):
        return str(data).lower()
    if isinstance(data, (int, float, Decimal)):
        return f"the number {data}"
    if isinstance(data, str):
        return f"the text {data if len(data) <= 40 else data[:39] + '…'!r}"
    if isinstance(data, list):
        return "a list"
    return "a mapping" if isinstance(data, dict) else f"a {type(data).__name__}"


class Document(NamedTuple):
    """The records of one YAML or JSON document: each with its source name (the file, or
    `file[2]` for the third of a list of several) and its index in the list (None when the
    document is the record itself)."""

    records: list[tuple[Any, str, int | None]]


def read_document(
    text: str, name: str, syntax: str, noun: str = "the file", expected: str = _ONE_OR_A_LIST, hint: str = ""
) -> Document:
    """The records of a text holding one YAML or JSON document (one patient or a list of them).
    `syntax` is "json" or "yaml"; `hint` follows the reason a text is not valid JSON.
    P000 for a text that cannot be read or holds no record: nothing, only comments, an empty
    list, or null, a number or a text instead of a record (at its line); P006 for a repeat."""
    if not text.strip():
        raise not_text(name, f"{noun} is empty; {expected}")
    root, data = _parse_document(text, name, syntax, hint)
    if syntax == "json":  # the value begins at the first character that is not white space
        first = len(text) - len(text.lstrip(" \t\n\r"))
        line = text.count("\n", 0, first)
        where = (line, first - (text.rfind("\n", 0, first) + 1))
    elif root is not None:
        where = (root.start_mark.line, root.start_mark.column)
    else:
        raise not_text(name, f"{noun} holds no record (only comments); {expected}")
    if data is None and isinstance(root, yaml.ScalarNode) and root.value == "":
        raise not_text(name, f"{noun} holds no record (an empty document); {expected}")
    if data == [] or not isinstance(data, (dict, list)):
        lines = yaml_lines(text)
        what = "no record (an empty list)" if data == [] else f"{held(data)}, not a record"
        shown = lines[where[0]] if where[0] < len(lines) else None
        diagnostic = Diagnostic(name, where[0] + 1, where[1] + 1, "P000", f"{noun} holds {what}; {expected}", shown)
        raise TrialogicError([diagnostic])
    if isinstance(data, dict):
        return Document([(data, name, None)])
    if len(data) == 1:
        return Document([(data[0], name, 0)])
    return Document([(record, f"{name}[{index}]", index) for index, record in enumerate(data)])


def _parse_document(text: str, name: str, syntax: str, hint: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (None when read as JSON, or when YAML finds no document) and
    data; TrialogicError for a text that is not valid JSON or YAML, or repeats a key."""
    try:
        return _load_yaml(text) if syntax == "yaml" else (None, parse_json(text))
    except RepeatedKeys as e:
        raise TrialogicError(repeated_problems(e, name, text)) from e
    except json.JSONDecodeError as e:
        message = f"not valid JSON: {e.msg}{hint}{_yaml_flow_note(e)}"
        shown = _visible(source_line(text, e.lineno))
        raise TrialogicError([Diagnostic(name, e.lineno, e.colno, "P000", message, shown)]) from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = " ".join(filter(None, (getattr(e, "context", None), getattr(e, "problem", None)))) or str(e)
        lines = yaml_lines(text)
        shown = _visible(lines[line - 1] if 0 < line <= len(lines) else None)
        raise TrialogicError([Diagnostic(name, line, column, "P000", f"not valid YAML: {problem}", shown)]) from e


def _yaml_flow_note(error: json.JSONDecodeError) -> str:
    """For a text read as JSON that is YAML in flow style (`{id: P1}`, `{'id': 'P1'}`), where JSON
    stopped at a name or text without double quotes: what to do instead."""
    unquoted = error.pos < len(error.doc) and (error.doc[error.pos].isalpha() or error.doc[error.pos] == "'")
    if not unquoted:
        return ""
    try:
        _, data = _load_yaml(error.doc)
    except (RepeatedKeys, yaml.YAMLError, TrialogicError):
        return ""
    if not isinstance(data, (dict, list)):
        return ""
    return "; it reads as YAML (flow style): quote its names and texts as JSON does, or give it as a .yaml file"


def _visible(line: str | None) -> str | None:
    """A line worth showing under a message: None for a blank one (the reader stopped at the end)."""
    return line if line and line.strip() else None


def load_records(path: str | Path) -> list[tuple[Any, str]]:
    """The raw records of a YAML or JSON file (one patient or a list), each with its source
    name. A file ending .json (in any case: .JSON too) is read as JSON, any other as YAML."""
    path = Path(path)
    syntax = "json" if path.suffix.lower() == ".json" else "yaml"
    return [(record, source) for record, source, _ in read_document(read_text(path), str(path), syntax).records]
