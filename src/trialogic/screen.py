"""Batch screening of a cohort: the patient × trial status matrix, and attrition per criterion.

Patients are independent, so they are read and solved in chunks, in parallel worker
processes that each load and compile the trials once. Results stream to the output as
they come; memory is bounded by the chunk, not the cohort.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import os
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from .api import TrialSet, blocks, load_trials
from .errors import Diagnostic, TrialogicError, cannot_write
from .output import partial_path, put_in_place, replaceable
from .progress import progress_bar
from .records import (
    UniqueIds,
    among_inputs,
    assessment_problems,
    no_records,
    patient_records,
    place,
    read_record,
)
from .whatif import Change, change_trials

# attrition counts every status, zeros too, always in this order
STATUSES = ("eligible", "ineligible", "undetermined")


class Row(NamedTuple):
    """One patient × trial: the status and the criteria that block or are unknown.

    `before` is the status under the unchanged trials when trial what-ifs are screened.
    (A tuple: rows cross from the workers by the hundred thousand, and tuples pickle fast.)
    """

    patient: str
    trial: str
    status: str
    blocking: tuple[str, ...]
    unknown: tuple[str, ...]
    before: str | None = None


@dataclass
class Attrition:
    """Per criterion: patients it excludes, excludes alone, leaves unknown; and the funnel."""

    trial: str
    criteria: list[str]
    patients: int = 0
    excluded: dict[str, int] = field(default_factory=dict)
    excluded_alone: dict[str, int] = field(default_factory=dict)
    unknown: dict[str, int] = field(default_factory=dict)
    # funnel[k]: patients still in after criteria 1..k are applied (passing them all)
    funnel: list[int] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))

    def add(self, row: Row) -> None:
        if not self.funnel:
            self.funnel = [0] * len(self.criteria)
        self.patients += 1
        self.statuses[row.status] = self.statuses.get(row.status, 0) + 1
        for criterion in row.blocking:
            self.excluded[criterion] = self.excluded.get(criterion, 0) + 1
        if len(row.blocking) == 1:
            self.excluded_alone[row.blocking[0]] = self.excluded_alone.get(row.blocking[0], 0) + 1
        for criterion in row.unknown:
            self.unknown[criterion] = self.unknown.get(criterion, 0) + 1
        not_passing = set(row.blocking) | set(row.unknown)
        for index, criterion in enumerate(self.criteria):
            if criterion in not_passing:
                break
            self.funnel[index] += 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "trial": self.trial,
            "patients": self.patients,
            "statuses": {**dict.fromkeys(STATUSES, 0), **self.statuses},
            "criteria": [
                {
                    "id": c,
                    "excluded": self.excluded.get(c, 0),
                    "excluded_alone": self.excluded_alone.get(c, 0),
                    "unknown": self.unknown.get(c, 0),
                    "remaining": self.funnel[i] if self.funnel else 0,
                }
                for i, c in enumerate(self.criteria)
            ],
        }


def chunks(records: Iterator[tuple[Any, str]], size: int) -> Iterator[list[tuple[Any, str]]]:
    chunk: list[tuple[Any, str]] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# ----- workers: each loads the trials once ------------------------------------------------

_WORKER: dict[str, Any] = {}


def _start_worker(trial_paths: list[str] | None, changes: list[Change], reference: dt.date) -> None:
    baseline = load_trials(trial_paths or None)
    _WORKER["baseline"] = baseline if changes else None
    _WORKER["trials"] = change_trials(baseline, changes)
    _WORKER["reference"] = reference


class Chunk(NamedTuple):
    """What a worker returns for a chunk of records: the rows, or the problems found in
    them; and the id and source of every record read, for ids to be checked across chunks."""

    rows: list[Row]
    problems: list[Diagnostic]
    patients: list[tuple[str, str]]
    notes: list[Diagnostic] = []  # what the records' sources held that was not read (FHIR)
    # the chunk's records as read, added by `screen` in the main process (a worker does not
    # send them back): a problem found across chunks (P012) is placed from them, and
    # standard input cannot be read again
    records: list[tuple[Any, str]] = []


def _screen_chunk(chunk: list[tuple[Any, str]]) -> Chunk:
    trials: TrialSet = _WORKER["trials"]
    patients, problems, read = [], [], []
    for record, source in chunk:
        patient, given, found = read_record(record, source, trials.vocabulary)
        problems.extend(found)
        if given is not None:
            read.append((given, source))
        if patient is not None:
            patients.append(patient)
            found = assessment_problems(patient, _WORKER["baseline"] or trials)  # as loaded
            problems.extend(place(found, record, source))
    if problems:
        return Chunk([], problems, read)
    reference, baseline = _WORKER["reference"], _WORKER["baseline"]
    answers = trials.solver().solve(patients, reference)
    befores = baseline.solver().solve(patients, reference) if baseline else None
    rows = []
    for index, (patient, answer) in enumerate(zip(patients, answers, strict=True)):
        for trial_id, trial in trials.trials.items():
            statuses = [(c.id, answer.status(trial_id, c.id, c.kind), c.kind) for c in trial.criteria]
            rows.append(
                Row(
                    patient.id,
                    trial_id,
                    answer.trial_status[trial_id],
                    tuple(c for c, status, kind in statuses if blocks(kind, status)),
                    tuple(c for c, status, _ in statuses if status == "unknown"),
                    befores[index].trial_status[trial_id] if befores else None,
                )
            )
    return Chunk(rows, [], read, [note for patient in patients for note in patient.notes])


def screen(
    paths: Iterable[str | Path],
    trial_paths: list[str] | None,
    reference: dt.date,
    jobs: int | None = None,
    chunk_size: int = 250,
    changes: list[Change] | None = None,
) -> Iterator[Chunk]:
    """Screen every patient; yields the chunks' rows and problems, in input order.

    `changes` are trial-side what-ifs (--drop, --relax) applied to every patient.
    """
    sent: deque[list[tuple[Any, str]]] = deque()  # the chunks being screened, in input order
    records = _kept(chunks(patient_records(paths), chunk_size), sent)
    for found in _screened(records, trial_paths, reference, jobs or os.cpu_count() or 1, changes or []):
        yield found._replace(records=sent.popleft())


def _kept(
    records: Iterator[list[tuple[Any, str]]], sent: deque[list[tuple[Any, str]]]
) -> Iterator[list[tuple[Any, str]]]:
    """The chunks, each kept in `sent` as it goes to be screened, until its answer comes."""
    for chunk in records:
        sent.append(chunk)
        yield chunk


def _screened(
    records: Iterator[list[tuple[Any, str]]],
    trial_paths: list[str] | None,
    reference: dt.date,
    jobs: int,
    changes: list[Change],
) -> Iterator[Chunk]:
    """What the workers answer for each chunk, in input order."""
    if jobs == 1:
        _start_worker(trial_paths, changes, reference)
        yield from map(_screen_chunk, records)
        return
    context = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    # a worker is replaced after 20 chunks: clingo never frees the symbols a process made
    with context.Pool(
        jobs, initializer=_start_worker, initargs=(trial_paths, changes, reference), maxtasksperchild=20
    ) as pool:
        yield from pool.imap(_screen_chunk, records)


@dataclass
class Report:
    """What a screening run found, for printing."""

    patients: int
    attrition: dict[str, Attrition]
    gained: dict[str, list[str]]
    lost: dict[str, list[str]]
    out: str | None
    attrition_out: str | None = None
    changes: tuple[Change, ...] = ()  # the trial-side what-ifs (--drop, --relax) screened under
    notes: tuple[Diagnostic, ...] = ()  # what the records' sources held that was not read
    # by trial, the other status changes the what-ifs made: (before, after) → patients
    moved: dict[str, Counter[tuple[str, str]]] = field(default_factory=dict)


class _Writer:
    """Streams rows to FILE.csv or FILE.jsonl, or gathers them for FILE.json."""

    def __init__(self, path: str | None, reference: dt.date, inputs: Iterable[str], before: bool = False):
        self.path = Path(path) if path else None
        self.before = before  # what-ifs screened: each row also has its status before them
        self.kind = self.path.suffix.lower() if self.path else ""  # FILE.CSV is a .csv file too
        self.reference = reference
        self.rows: list[dict[str, Any]] = []
        if self.path and self.kind not in (".csv", ".json", ".jsonl"):
            raise TrialogicError([Diagnostic(str(self.path), 0, 0, "S001", "--out must end in .csv, .json or .jsonl")])
        for written in filter(None, (self.path, self.attrition_path)):
            if among_inputs(written, inputs):  # before anything is emptied: the cohort stays as it is
                message = "the --out file would be read as patients (it is among the inputs or in a folder given); write it elsewhere"
                raise TrialogicError([Diagnostic(str(written), 0, 0, "S003", message)])
        # written beside the target and renamed when the run succeeds: an error keeps an
        # earlier run's files as they were (a file with other names is refused before the run)
        self.replaced = {written: replaceable(written) for written in filter(None, (self.path, self.attrition_path))}
        self.partial = partial_path(self.path) if self.path else None
        try:
            self.stream = self.partial.open("x", encoding="utf-8", newline="") if self.partial else None
        except OSError as e:
            raise cannot_write(str(self.path), e) from e
        if self.stream and self.kind == ".csv":
            self.stream.write("patient,trial,status,blocking,unknown" + (",before" if before else "") + "\n")

    def write(self, row: Row) -> None:
        if not self.stream or not self.path:
            return
        if self.kind == ".csv":
            cells = [row.patient, row.trial, row.status, " ".join(row.blocking), " ".join(row.unknown)]
            self.stream.write(_csv_row([*cells, row.before] if self.before else cells))
            return
        record = {"patient": row.patient, "trial": row.trial, "status": row.status,
                  "blocking": list(row.blocking), "unknown": list(row.unknown)}  # fmt: skip
        if row.before is not None:
            record["before"] = row.before
        if self.kind == ".jsonl":
            self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        else:
            self.rows.append(record)

    @property
    def attrition_path(self) -> Path | None:
        """Where attrition goes beside a .csv or .jsonl matrix (a .json holds it inside)."""
        if not self.path or self.kind == ".json":
            return None
        return self.path.with_name(f"{self.path.stem}.attrition{self.path.suffix}")

    def close(self, attrition: dict[str, Attrition]) -> None:
        if self.stream and self.kind == ".json":
            document = {
                "reference_date": self.reference.isoformat(),
                "results": self.rows,
                "attrition": [a.as_dict() for a in attrition.values()],
            }
            json.dump(document, self.stream, indent=2, ensure_ascii=False)
        if self.stream:
            self.stream.close()
        written = [(partial_path(self.attrition_path), self.attrition_path)] if self.attrition_path else []
        written += [(self.partial, self.path)] if self.partial and self.path else []
        try:
            if self.attrition_path:
                _write_attrition(written[0][0], list(attrition.values()), self.kind)
            for partial, target in written:
                put_in_place(partial, target, self.replaced[target])
        except OSError as e:
            for partial, _ in written:
                partial.unlink(missing_ok=True)
            raise cannot_write(str(self.path), e) from e

    def discard(self) -> None:
        """After an error: nothing written, and the files of an earlier run left as they were."""
        if self.stream and self.partial:
            self.stream.close()
            self.partial.unlink(missing_ok=True)


def _write_attrition(path: Path, attrition: list[Attrition], kind: str) -> None:
    """Attrition as a table (kind .csv: a row per trial × criterion, in criterion order) or as
    one JSON document per trial a line (.jsonl), the shape `--out X.json` holds."""
    with path.open("x", encoding="utf-8", newline="") as stream:
        if kind == ".jsonl":
            for entry in attrition:
                stream.write(json.dumps(entry.as_dict(), ensure_ascii=False) + "\n")
            return
        stream.write("trial,patients,criterion,excluded,excluded_alone,unknown,remaining\n")
        for entry in attrition:
            for c in entry.as_dict()["criteria"]:
                cells = [entry.trial, entry.patients, c["id"], c["excluded"], c["excluded_alone"], c["unknown"],
                         c["remaining"]]  # fmt: skip
                stream.write(_csv_row(cells))


def _csv_row(cells: Iterable[object]) -> str:
    return ",".join(_csv_cell(str(cell)) for cell in cells) + "\n"


def _csv_cell(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(ch in text for ch in ',"\n\r') else text


def run_screen(
    paths: Iterable[str],
    trial_paths: list[str],
    trials: TrialSet,
    reference: dt.date,
    jobs: int | None,
    out: str | None,
    changes: list[Change],
) -> Report:
    """Screen, stream the matrix to `out`, and count attrition; nothing is kept on error."""
    attrition = {t.id: Attrition(t.id, [c.id for c in t.criteria]) for t in trials.trials.values()}
    gained: dict[str, list[str]] = {t: [] for t in attrition}
    lost: dict[str, list[str]] = {t: [] for t in attrition}
    moved: dict[str, Counter[tuple[str, str]]] = {}
    paths = list(paths)
    writer = _Writer(out, reference, paths, before=bool(changes))
    problems: list[Diagnostic] = []
    notes: list[Diagnostic] = []
    ids = UniqueIds()
    with progress_bar("screening") as done:
        try:
            for chunk in screen(paths, trial_paths, reference, jobs, changes=changes):
                problems.extend(chunk.problems)
                reused = [found for patient in chunk.patients if (found := ids.problem(*patient))]
                if reused:  # placed from the chunk's records, only when one is found
                    raw = {source: record for record, source in chunk.records}
                    for found in reused:
                        problems.extend(place([found], raw[found.file], found.file))
                if problems:
                    continue  # keep validating, write nothing more
                notes.extend(chunk.notes)
                for row in chunk.rows:
                    writer.write(row)
                    attrition[row.trial].add(row)
                    if row.before is not None and row.before != row.status:
                        if row.status == "eligible":
                            gained[row.trial].append(row.patient)
                        elif row.before == "eligible":
                            lost[row.trial].append(row.patient)
                        else:
                            moved.setdefault(row.trial, Counter())[(row.before, row.status)] += 1
                done(len(ids.first))
        except BaseException:
            writer.discard()
            raise
    if not problems and not ids.first:
        problems.append(no_records(paths))
    if problems:
        writer.discard()
        raise TrialogicError(problems)
    writer.close(attrition)
    attrition_out = str(writer.attrition_path) if writer.attrition_path else None
    return Report(
        len(ids.first), attrition, gained, lost, out, attrition_out, tuple(changes), tuple(notes), moved=moved
    )
