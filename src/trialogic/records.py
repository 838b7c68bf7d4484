"""Patient records from the paths a command is given: files, folders of files, JSONL streams.

Every command that reads patient files (`check`, `why`, `fix`, `screen`) finds them here,
so a folder means the same cohort to each, and an id given twice is an error wherever it is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from .errors import Diagnostic, TrialogicError
from .patient import (
    Patient,
    RepeatedKeys,
    load_records,
    not_utf8,
    parse_json,
    read_patient,
    record_id,
    repeated_problems,
)
from .positions import locate
from .vocabulary import Vocabulary, closest, suggestion

if TYPE_CHECKING:
    from .api import TrialSet

PATIENT_SUFFIXES = (".yaml", ".yml", ".json", ".jsonl")


class Line(NamedTuple):
    """One line of a JSONL stream, decoded by whoever reads the record (a screen worker)."""

    text: str
    path: str
    number: int


class Unreadable(NamedTuple):
    """A file that cannot be read or parsed. It travels as a record, and `decode` raises its
    problems, so that reading goes on with the next file and every problem is reported."""

    diagnostics: list[Diagnostic]


def patient_records(paths: Iterable[str | Path]) -> Iterator[tuple[Any, str]]:
    """Records from files, folders of files (those ending in PATIENT_SUFFIXES, in name
    order) and JSONL streams (one patient a line; those come as `Line`s, for `decode`)."""
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from patient_records(sorted(p for p in path.iterdir() if p.suffix in PATIENT_SUFFIXES))
        elif path.suffix == ".jsonl":
            try:
                with path.open(encoding="utf-8-sig") as stream:
                    empty = True
                    for number, line in enumerate(stream, 1):
                        if line.strip():
                            empty = False
                            yield Line(line, str(path), number), f"{path}:{number}"
                if empty:  # a stream with no record is named, not skipped
                    message = "the file is empty; a .jsonl stream holds one patient record (a JSON object) a line"
                    yield Unreadable([Diagnostic(str(path), 0, 0, "P000", message)]), str(path)
            except OSError as e:
                problem = Diagnostic(str(path), 0, 0, "P000", f"cannot read the file: {e.strerror}")
                yield Unreadable([problem]), str(path)
            except UnicodeDecodeError as e:
                yield Unreadable([Diagnostic(str(path), 0, 0, "P000", not_utf8(e))]), str(path)
        else:
            try:
                records = load_records(path)
            except TrialogicError as e:
                yield Unreadable(e.diagnostics), str(path)
                continue
            yield from records


def among_inputs(path: Path, paths: Iterable[str | Path]) -> bool:
    """Whether a file would be read as patients: it is one of `paths`, or a patient file
    (by its suffix) inside one of the folders given."""
    target = path.resolve()
    for raw in paths:
        given = Path(raw).resolve()
        if target == given or (given.is_dir() and target.parent == given and target.suffix in PATIENT_SUFFIXES):
            return True
    return False


def decode(record: Any) -> Any:
    """A record as read: JSONL lines are decoded here, a malformed one (or one giving a key
    twice) named by file and line; an unreadable file's problems are raised here."""
    if isinstance(record, Unreadable):
        raise TrialogicError(record.diagnostics)
    if not isinstance(record, Line):
        return record
    try:
        return parse_json(record.text)
    except RepeatedKeys as e:
        raise TrialogicError(repeated_problems(e, record.path, record.text, record.number)) from e
    except json.JSONDecodeError as e:
        message = f"not valid JSON: {e.msg}"
        column = min(e.pos, len(record.text.rstrip("\r\n"))) + 1  # the record is this one line
        raise TrialogicError([Diagnostic(record.path, record.number, column, "P000", message)]) from e


class UniqueIds:
    """Patient ids seen so far in one run: a second record with an id already used is an
    error (its answers would be indistinguishable from the first's), named by both sources."""

    def __init__(self) -> None:
        self.first: dict[str, str] = {}

    def problem(self, patient_id: str, source: str) -> Diagnostic | None:
        first = self.first.get(patient_id)
        if first is None:
            self.first[patient_id] = source
            return None
        message = f"patient id {patient_id!r} is used again (first: {first}); give every patient its own id"
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
    return locate(problems)


def read_record(raw: Any, source: str, vocabulary: Vocabulary) -> tuple[Patient | None, str | None, list[Diagnostic]]:
    """One record as patient_records gives it, read: the patient (or None), the id it uses and
    its problems. A record with errors still uses its id, so a later one with it is P012 too."""
    record = None
    try:
        record = decode(raw)
        patient = read_patient(record, source, vocabulary)
    except TrialogicError as e:
        return None, record_id(record), e.diagnostics
    return patient, patient.id, []


def read_patients(paths: Iterable[str | Path], vocabulary: Vocabulary, trials: TrialSet | None = None) -> list[Patient]:
    """Every patient of every path, or an error listing every problem in every record (with
    `trials`, the run's trials, assessments of criteria they lack or decide too: P013)."""
    patients: list[Patient] = []
    problems: list[Diagnostic] = []
    ids = UniqueIds()
    for raw, source in patient_records(paths):
        patient, given, found = read_record(raw, source, vocabulary)
        problems.extend(found)
        if given is not None and (duplicate := ids.problem(given, source)):
            problems.append(duplicate)
        if patient is None:
            continue
        if trials is not None:
            problems.extend(assessment_problems(patient, trials))
        patients.append(patient)
    if problems:
        raise TrialogicError(locate(problems))
    if not patients:
        raise TrialogicError([no_records(paths)])
    return patients


def one_record(path: str | Path) -> tuple[Any, str]:
    """The single record a file holds (`whatif` changes one patient), decoded, with its source."""
    records = [(decode(record), source) for record, source in patient_records([path])]
    if len(records) != 1:
        held = f"holds {len(records)} records" if records else "holds no record"
        message = f"{held}; give a file with one patient record (whatif changes one patient)"
        raise TrialogicError([Diagnostic(str(path), 0, 0, "P000", message)])
    return records[0]


def no_records(paths: Iterable[str | Path]) -> Diagnostic:
    where = ", ".join(str(p) for p in paths)
    message = f"no patient records here (files ending {', '.join(PATIENT_SUFFIXES)}, or folders of them)"
    return Diagnostic(where, 0, 0, "P000", message)
