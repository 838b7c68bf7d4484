"""Patient records from the paths a command is given: files, folders of files, JSONL streams,
and standard input (`-`).

Every command that reads patient files (`check`, `why`, `fix`, `whatif`, `screen`) finds them
here, so a folder means the same cohort to each, and an id given twice is an error wherever
it is.

Standard input is JSON lines when its first line that is not blank is a JSON object (read a
line at a time, as a .jsonl file is: `screen` streams it), else one document holding a record
or a list of them: JSON when it begins with `{` or `[` (YAML would read `"sex": }` as a sex
of null), else YAML. Its errors name it `<stdin>`, with the line.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from .errors import Diagnostic, TrialogicError
from .fhir import bundle_to_record, is_bundle, patient_id, read_bundle
from .patient import (
    Patient,
    RepeatedKeys,
    decoded,
    held,
    id_key,
    not_utf8_at,
    parse_json,
    read_document,
    read_patient,
    read_text,
    record_id,
    repeated_problems,
    wide_encoding,
    yaml_lines,
)
from .positions import Places, compose, file_places, line_places, locate, placed, record_places, unplaced
from .vocabulary import Vocabulary, closest, load_vocabulary, suggestion

if TYPE_CHECKING:
    from .api import TrialSet

PATIENT_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")
STDIN = "-"  # the path that means standard input
STDIN_NAME = "<stdin>"  # how errors name it
_ONE_A_LINE = "a .jsonl stream holds one patient record (a JSON object) a line"
_STDIN_ONE_A_LINE = "JSON lines hold one patient record (a JSON object) a line"
_STDIN_EXPECTED = (
    "give one patient record (a mapping with at least an id), a list of records, or JSON lines (one record a line)"
)
_STDIN_FIX = "give UTF-8 text"
_STDIN_JSON = " (standard input beginning with { or [ is read as JSON)"
# a character standing for a byte that is not UTF-8 (read with errors="surrogateescape")
_NOT_UTF8 = re.compile("[\udc80-\udcff]")


def is_patient_file(path: Path) -> bool:
    """Whether a folder's file is read as patients: by its suffix, in any case (`P1.JSON` too)."""
    return path.suffix.lower() in PATIENT_SUFFIXES


class Line(NamedTuple):
    """One line of a JSONL stream, decoded by whoever reads the record (a screen worker)."""

    text: str
    path: str
    number: int


class Unreadable(NamedTuple):
    """A file that cannot be read or parsed. It travels as a record, and `decode` raises its
    problems, so that reading goes on with the next file and every problem is reported."""

    diagnostics: list[Diagnostic]


class Parsed(NamedTuple):
    """A record of a YAML or JSON document: the file it was read from (STDIN_NAME for standard
    input), its position in the document's list (None: the document is the record), and, for
    standard input, which cannot be read again, where its fields are."""

    record: Any
    file: str
    position: int | None
    places: Places | None = None


def patient_records(paths: Iterable[str | Path]) -> Iterator[tuple[Any, str]]:
    """Records from files, folders of files (those ending in PATIENT_SUFFIXES, in name
    order), JSONL streams (one patient a line; those come as `Line`s, for `decode`) and
    standard input (`-`, once)."""
    stdin_read = False
    for raw in paths:
        if isinstance(raw, str) and raw == STDIN:
            if stdin_read:
                message = "`-` (standard input) is given twice; it can be read once: give it once"
                yield Unreadable([Diagnostic(STDIN_NAME, 0, 0, "P000", message)]), STDIN_NAME
            else:
                stdin_read = True
                yield from stdin_records()
            continue
        path = Path(raw)
        if path.is_dir():
            # a folder inside it is not read, whatever its name (`old.json/`, a link to `.`)
            yield from patient_records(sorted(p for p in path.iterdir() if is_patient_file(p) and not p.is_dir()))
        elif path.suffix.lower() == ".jsonl":
            yield from _stream_file(path)
        else:
            yield from _file_records(path)


def _file_records(path: Path) -> Iterator[tuple[Any, str]]:
    """The records of a YAML or JSON file (.json, in any case, is JSON; any other is YAML)."""
    syntax = "json" if path.suffix.lower() == ".json" else "yaml"
    try:
        document = read_document(read_text(path), str(path), syntax)
    except TrialogicError as e:
        yield Unreadable(e.diagnostics), str(path)
        return
    for record, source, index in document.records:
        yield Parsed(record, str(path), index), source


def _stream_file(path: Path) -> Iterator[tuple[Any, str]]:
    try:
        with path.open(encoding="utf-8", errors="surrogateescape", newline="") as stream:
            yield from _stream(stream, str(path), "the file", _ONE_A_LINE, "save the file as UTF-8")
    except OSError as e:
        problem = Diagnostic(str(path), 0, 0, "P000", f"cannot read the file: {e.strerror}")
        yield Unreadable([problem]), str(path)


def _stream(lines: Iterable[str], name: str, noun: str, one_a_line: str, fix: str) -> Iterator[tuple[Any, str]]:
    """The lines of a JSONL stream (read with errors="surrogateescape" and newline=""), each
    that is not blank as a `Line`; a line holding a byte that is not UTF-8 is named by the
    byte's offset in the stream and its line, and the others are read on."""
    offset = 0  # in bytes: where the line begins in the stream
    empty = True
    for number, line in enumerate(lines, 1):
        if number == 1:
            wide = wide_encoding(line[:4].encode("utf-8", "surrogateescape"))
            if wide:
                message = f"{noun} is {wide} text (it begins with a {wide} byte-order mark); {fix}"
                yield Unreadable([Diagnostic(name, 0, 0, "P000", message)]), name
                return
            if line.startswith("\ufeff"):  # a byte-order mark, as some editors write, is no text
                line, offset = line[1:], 3
        plain = line.isascii()  # O(1): most lines are, and hold no byte that is not UTF-8
        size = len(line) if plain else len(line.encode("utf-8", "surrogateescape"))
        if line.strip():
            empty = False
            bad = None if plain else _NOT_UTF8.search(line)
            if bad is None:
                yield Line(line, name, number), f"{name}:{number}"
            else:
                at = offset + len(line[: bad.start()].encode("utf-8", "surrogateescape"))
                message = not_utf8_at(ord(bad.group()) - 0xDC00, at, number, fix)
                yield Unreadable([Diagnostic(name, 0, 0, "P000", message)]), f"{name}:{number}"
        offset += size
    if empty:  # a stream with no record is named, not skipped
        yield Unreadable([Diagnostic(name, 0, 0, "P000", f"{noun} is empty; {one_a_line}")]), name


def stdin_records() -> Iterator[tuple[Any, str]]:
    """The records of standard input: JSON lines when its first line that is not blank is a
    JSON object (streamed, a line at a time), else one YAML or JSON document."""
    buffer = getattr(sys.stdin, "buffer", None)
    if sys.stdin is None:
        yield Unreadable([Diagnostic(STDIN_NAME, 0, 0, "P000", "there is no standard input to read")]), STDIN_NAME
        return
    wrapper = None if buffer is None else io.TextIOWrapper(buffer, "utf-8", "surrogateescape", newline="")
    stream: IO[str] = sys.stdin if wrapper is None else wrapper
    try:
        head: list[str] = []
        for line in stream:
            head.append(line)
            if (line[1:] if len(head) == 1 and line.startswith("\ufeff") else line).strip():
                break
        if head and _json_object(head[-1].lstrip("\ufeff")):
            lines = itertools.chain(head, stream)
            yield from _stream(lines, STDIN_NAME, "standard input", _STDIN_ONE_A_LINE, _STDIN_FIX)
        else:
            yield from _stdin_document("".join(head) + stream.read())
    except OSError as e:
        problem = Diagnostic(STDIN_NAME, 0, 0, "P000", f"cannot read standard input: {e.strerror}")
        yield Unreadable([problem]), STDIN_NAME
    finally:
        if wrapper is not None:
            wrapper.detach()  # standard input itself stays open


def _json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except (ValueError, RecursionError):
        return False


def _stdin_document(raw: str) -> Iterator[tuple[Any, str]]:
    """The records of one YAML or JSON document read from standard input, each with where its
    fields are (the input cannot be read again when an error is to be placed)."""
    try:
        text = decoded(raw.encode("utf-8", "surrogateescape"), STDIN_NAME, "standard input", _STDIN_FIX)
        syntax = "json" if text.lstrip()[:1] in ("{", "[") else "yaml"
        document = read_document(text, STDIN_NAME, syntax, "standard input", _STDIN_EXPECTED, _STDIN_JSON)
    except TrialogicError as e:
        yield Unreadable(e.diagnostics), STDIN_NAME
        return
    root, lines = compose(text), yaml_lines(text)  # each alias placed where it is used
    for record, source, index in document.records:
        yield Parsed(record, STDIN_NAME, index, record_places(root, lines, index)), source


def among_inputs(path: Path, paths: Iterable[str | Path]) -> bool:
    """Whether a file would be read as patients: it is one of `paths`, or a patient file
    (by its suffix) inside one of the folders given."""
    target = path.resolve()
    for raw in paths:
        if isinstance(raw, str) and raw == STDIN:
            continue
        given = Path(raw).resolve()
        if target == given or (given.is_dir() and target.parent == given and is_patient_file(target)):
            return True
    return False


def decode(record: Any) -> Any:
    """A record as read: JSONL lines are decoded here, a malformed one (or one giving a key
    twice, or holding no JSON object) named by file and line; an unreadable file's problems
    are raised here."""
    if isinstance(record, Unreadable):
        raise TrialogicError(record.diagnostics)
    if isinstance(record, Parsed):
        return record.record
    if not isinstance(record, Line):
        return record
    try:
        data = parse_json(record.text)
    except RepeatedKeys as e:
        raise TrialogicError(repeated_problems(e, record.path, record.text, record.number)) from e
    except json.JSONDecodeError as e:
        one_a_line = _STDIN_ONE_A_LINE if record.path == STDIN_NAME else _ONE_A_LINE
        reason = f"something follows the record (a trailing comma?); {one_a_line}" if e.msg == "Extra data" else e.msg
        shown = record.text.rstrip("\r\n")
        column = min(e.pos, len(shown)) + 1  # the record is this one line
        raise TrialogicError(
            [Diagnostic(record.path, record.number, column, "P000", f"not valid JSON: {reason}", shown)]
        ) from e
    if not isinstance(data, dict):
        one_a_line = _STDIN_ONE_A_LINE if record.path == STDIN_NAME else _ONE_A_LINE
        message = f"{held(data)} is not a patient record; {one_a_line}"
        shown = record.text.rstrip("\r\n")
        column = len(shown) - len(shown.lstrip()) + 1
        raise TrialogicError([Diagnostic(record.path, record.number, column, "P000", message, shown)])
    return data


# ----- where a field of a record sits ----------------------------------------------------


def place(diagnostics: list[Diagnostic], raw: Any, source: str) -> list[Diagnostic]:
    """The diagnostics of one record (`raw`, as patient_records gives it, read from `source`),
    placed (positions.placed) from the text it was read from: a JSONL line's, the node tree
    kept for standard input (which cannot be read again), or its file's, read again."""
    if not any(unplaced(d, source) for d in diagnostics):
        return diagnostics
    found = _places_of(raw)
    return placed(diagnostics, source, *found) if found is not None else diagnostics


def _places_of(raw: Any) -> tuple[str, Places, int | None] | None:
    """The file a record was read from, where its fields are, and its index in a list file."""
    if isinstance(raw, Line):
        places = line_places(raw.text, raw.number)
        return (raw.path, places, None) if places is not None else None
    if not isinstance(raw, Parsed) or (raw.places is None and raw.file == STDIN_NAME):
        return None
    places = raw.places if raw.places is not None else file_places(raw.file, raw.position)
    return (raw.file, places, raw.position) if places is not None else None


# ----- reading a run's records ---------------------------------------------------------


class UniqueIds:
    """Patient ids seen so far in one run: a second record with an id already used is an
    error (its answers would be indistinguishable from the first's), named by both sources.
    Ids that print alike are one (`id_key`): the message shows how each is written."""

    def __init__(self) -> None:
        self.first: dict[str, tuple[str, str]] = {}  # by id_key: the first source and id as written

    def problem(self, patient_id: str, source: str) -> Diagnostic | None:
        key = id_key(patient_id)
        first = self.first.get(key)
        if first is None:
            self.first[key] = (source, patient_id)
            return None
        where, written = first
        if written != patient_id:
            where += f", written {ascii(written)} there and {ascii(patient_id)} here, which read as one id"
        message = f"patient id {patient_id!r} is used again (first: {where}); give every patient its own id"
        return Diagnostic(source, 0, 0, "P012", message, field="id")


def assessment_problems(patient: Patient, trials: TrialSet) -> list[Diagnostic]:
    """P013 for each of the record's assessments that names a trial of the run and a criterion
    it does not have, or one the record decides (only `manual` criteria are assessed): a
    typo would otherwise leave the criterion silently unknown. Trials not in the run are
    not looked at (a record may carry assessments for others)."""
    problems = []
    for index, assessment in enumerate(patient.assessments):
        trial = trials.trials.get(assessment.trial)
        if trial is None:
            continue
        ids = [c.id for c in trial.criteria]
        manual = trials.assessable(trial.id)
        if assessment.criterion not in ids:
            message = f"{assessment.trial} has no criterion {assessment.criterion!r}" + suggestion(
                closest(assessment.criterion, manual or ids), "its manual criteria: " + (", ".join(manual) or "none")
            )
        elif assessment.criterion not in manual:
            name = f"{assessment.trial}:{assessment.criterion}"
            message = f"{name} is decided by the record, not by an assessment (only `manual` criteria are)"
        else:
            continue
        field = assessment.field or f"assessments[{index}]"
        problems.append(Diagnostic(patient.source, 0, 0, "P013", message, field=f"{field}.criterion"))
    return problems  # placed by the caller, which has the record as read (`place`)


def read_record(raw: Any, source: str, vocabulary: Vocabulary) -> tuple[Patient | None, str | None, list[Diagnostic]]:
    """One record as patient_records gives it, read: the patient (or None), the id it uses and
    its problems, placed (`place`). A record with errors still uses its id, so a later one
    with it is P012 too."""
    record = None
    try:
        record = decode(raw)
        if is_bundle(record):
            patient, notes = read_bundle(record, source, vocabulary)
            patient = dataclasses.replace(patient, notes=tuple(place(notes, raw, source)))
        else:
            patient = read_patient(record, source, vocabulary)
            patient = dataclasses.replace(patient, notes=tuple(place(list(patient.notes), raw, source)))
    except TrialogicError as e:
        given = patient_id(record) if is_bundle(record) else record_id(record)
        return None, given, place(e.diagnostics, raw, source)
    return patient, patient.id, []


def read_patients(paths: Iterable[str | Path], vocabulary: Vocabulary, trials: TrialSet | None = None) -> list[Patient]:
    """Every patient of every path, or an error listing every problem in every record (with
    `trials`, the run's trials, assessments of criteria they lack or decide too: P013)."""
    paths = list(paths)
    patients: list[Patient] = []
    problems: list[Diagnostic] = []
    ids = UniqueIds()
    for raw, source in patient_records(paths):
        patient, given, found = read_record(raw, source, vocabulary)
        problems.extend(found)
        if given is not None and (duplicate := ids.problem(given, source)):
            problems.extend(place([duplicate], raw, source))
        if patient is None:
            continue
        if trials is not None:
            problems.extend(place(assessment_problems(patient, trials), raw, source))
        patients.append(patient)
    if problems:
        raise TrialogicError(locate(problems))
    if not patients:
        raise TrialogicError([no_records(paths)])
    return patients


def one_record(path: str | Path) -> tuple[Any, str, list[Diagnostic]]:
    """The single record a file (or standard input) holds (`whatif` changes one patient),
    decoded, with its source. A record from standard input is read here too, so that its
    problems are placed while its text is at hand."""
    read = list(patient_records([path]))
    records = [(decode(record), source) for record, source in read]
    if len(records) != 1:
        held_here = f"holds {len(records)} records" if records else "holds no record"
        message = f"{held_here}; give a file with one patient record (whatif changes one patient)"
        raise TrialogicError([Diagnostic(_shown_path(path), 0, 0, "P000", message)])
    if isinstance(path, str) and path == STDIN:
        _, _, problems = read_record(*read[0], load_vocabulary())
        if problems:
            raise TrialogicError(problems)
    record, source = records[0]
    if is_bundle(record):  # whatif changes the record the Bundle makes
        try:
            record, notes = bundle_to_record(record, source)
        except TrialogicError as e:
            raise TrialogicError(place(e.diagnostics, read[0][0], source)) from None
        return record, source, place(notes, read[0][0], source)
    return record, source, []


def _shown_path(path: str | Path) -> str:
    return STDIN_NAME if isinstance(path, str) and path == STDIN else str(path)


def no_records(paths: Iterable[str | Path]) -> Diagnostic:
    where = ", ".join(_shown_path(p) for p in paths)
    message = f"no patient records here (files ending {', '.join(PATIENT_SUFFIXES)}, or folders of them)"
    return Diagnostic(where, 0, 0, "P000", message)
