"""The public API: load trials, load patients, check eligibility. The CLI only wraps this.

>>> trials = load_trials()                                   # the bundled seed trials
>>> patient = read_patient({"id": "P1", "sex": "female", "birth_date": "1990-01-01"})
>>> [r.status for r in check([patient], trials, on=dt.date(2026, 11, 22))][:1]
['undetermined']
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import ast
from .check import Checker, Scope
from .compiler import CompiledTrial, compile_trial, concept_facts
from .dates import reference_problem
from .errors import Diagnostic, TrialogicError, source_line
from .explain import CriterionExplanation, Narrator, TrialExplanation, what_matters
from .format import source
from .parser import parse_cached
from .patient import Patient, not_utf8, read_patient
from .records import STDIN, UniqueIds, read_patients
from .repair import Repair, Repairer, load_catalogue
from .resources import rules_dir
from .solve import Answer, Solver
from .vocabulary import Vocabulary, closest, load_vocabulary, suggestion

__all__ = [
    "fix",
    "why",
    "TrialSet",
    "CriterionResult",
    "CriterionExplanation",
    "TrialExplanation",
    "Repair",
    "TrialResult",
    "Patient",
    "load_trials",
    "load_patients",
    "read_patient",
    "check",
]

LIBRARY_SUFFIX = ".tl"


@dataclass
class TrialSet:
    """Parsed, checked and compiled trials, ready to solve against patients."""

    trials: dict[str, ast.Trial]
    compiled: dict[str, CompiledTrial]
    concepts_program: str
    vocabulary: Vocabulary
    scope: Scope = field(default_factory=Scope)
    modules: list[ast.Module] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)
    _solver: Solver | None = field(default=None, repr=False)
    _repairer: Repairer | None = field(default=None, repr=False)
    _assessable: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def program(self, trial_ids: Iterable[str] | None = None) -> str:
        """The ASP facts for the chosen trials (default all), as `trialogic compile` shows them."""
        chosen = list(trial_ids) if trial_ids is not None else list(self.compiled)
        return self.concepts_program + "".join(self.compiled[t].program for t in chosen)

    def names(self, trial_id: str) -> ast.Names:
        """What the defined names in a trial's criteria mean: its own definitions, then the files'."""
        return ast.Names(self.scope.defines, {d.name: d for d in self.trials[trial_id].defines})

    def assessable(self, trial_id: str) -> list[str]:
        """The ids of the trial's criteria an investigator's assessment settles (they hold a
        `manual`, directly or through a definition), in the trial's order."""
        if trial_id not in self._assessable:
            names = self.names(trial_id)
            criteria = self.trials[trial_id].criteria
            self._assessable[trial_id] = [c.id for c in criteria if ast.holds_manual(c.expr, names)]
        return self._assessable[trial_id]

    def solver(self) -> Solver:
        if self._solver is None:
            windows = {w for compiled in self.compiled.values() for w in compiled.windows}
            self._solver = Solver(self.program(), windows, self.vocabulary)
        return self._solver

    def repairer(self) -> Repairer:
        if self._repairer is None:
            self._repairer = Repairer(self.concepts_program, self.vocabulary, load_catalogue(self.vocabulary))
        return self._repairer


def blocks(kind: str, status: str) -> bool:
    """Whether a criterion of this kind, with this status, makes the patient ineligible."""
    return status == ("not_met" if kind == "inclusion" else "met")


@dataclass(frozen=True)
class CriterionResult:
    id: str
    kind: str  # "inclusion" | "exclusion"
    status: str  # "met" | "not_met" | "unknown"
    text: str


@dataclass(frozen=True)
class TrialResult:
    patient: str
    trial: str
    status: str  # "eligible" | "ineligible" | "undetermined"
    criteria: tuple[CriterionResult, ...]

    def blocking(self) -> list[CriterionResult]:
        """Criteria that make the patient ineligible: unmet inclusions, met exclusions."""
        return [c for c in self.criteria if blocks(c.kind, c.status)]

    def unknown(self) -> list[CriterionResult]:
        return [c for c in self.criteria if c.status == "unknown"]


def criteria_files(paths: Sequence[str | Path], libraries: bool = True) -> list[Path]:
    """The files named and, in the folders named, every file ending .tl at any depth (a folder
    or a broken link of that name is no file), in order; without `libraries`, a folder's
    library.tl files are left out (trials reach them with `use`). E000 for a path that is
    neither. A file named twice, or named and inside a folder named, is listed once."""
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = (p for p in path.rglob(f"*{LIBRARY_SUFFIX}") if p.is_file())
            files.extend(sorted(p for p in found if libraries or p.stem != "library"))
        elif path.is_file():
            files.append(path)
        else:
            raise TrialogicError([Diagnostic(str(path), 0, 0, "E000", "no such file or folder")])
    once: dict[Path, Path] = {}
    for file in files:
        once.setdefault(file.resolve(), file)
    return list(once.values())


def criteria_text(path: Path, problems: list[Diagnostic]) -> str | None:
    """A criteria file's text, or None with the reason added to `problems` (E000)."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        problems.append(Diagnostic(str(path), 0, 0, "E000", not_utf8(e)))
    except OSError as e:
        problems.append(Diagnostic(str(path), 0, 0, "E000", f"cannot read the file: {e.strerror}"))
    return None


def no_criteria_files(paths: Sequence[str | Path]) -> Diagnostic:
    where = ", ".join(str(p) for p in paths)
    return Diagnostic(
        where, 0, 0, "E000", f"no criteria files here (files ending {LIBRARY_SUFFIX}, or folders of them)"
    )


def _find_library(name: str, near: Path) -> Path | None:
    for folder in (near.parent, near.parent.parent, rules_dir()):
        candidate = folder / f"{name}{LIBRARY_SUFFIX}"
        if candidate.is_file():
            return candidate
    return None


def path_list(paths: object) -> list[str | bytes | os.PathLike[str]]:
    """`paths` as a list: one path (a str or Path) or a list of them, else TypeError."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        return [paths]
    listed = list(paths) if isinstance(paths, Iterable) else None
    if listed is None or not all(isinstance(p, (str, bytes, os.PathLike)) for p in listed):
        raise TypeError(f"paths is a file or folder (a str or Path) or a list of them, not {paths!r}")
    return listed


def load_trials(
    paths: str | Path | Iterable[str | Path] | None = None, vocabulary: Vocabulary | None = None
) -> TrialSet:
    """Parse, check and compile trial files and folders (None: the bundled seed trials; an
    empty list is an error, E000, as a folder holding no criteria files is).

    Every syntax and semantic error in every file is collected and raised together.
    """
    if paths is not None:
        paths = [Path(os.fsdecode(p)) for p in path_list(paths)]
    vocabulary = vocabulary or load_vocabulary()
    files = criteria_files([rules_dir() / "trials"] if paths is None else paths, libraries=False)
    if paths is not None and not list(paths):
        message = "no criteria files given: the list is empty (None loads the bundled seed trials)"
        raise TrialogicError([Diagnostic("<trials>", 0, 0, "E000", message)])
    if not files:
        raise TrialogicError([no_criteria_files(paths or [])])
    texts: dict[str, str] = {}
    modules: list[ast.Module] = []
    problems: list[Diagnostic] = []

    seen: set[Path] = set()  # a file named on the command line and reached by `use` is read once

    def read(path: Path) -> ast.Module | None:
        key = str(path)
        if path.resolve() in seen:
            return None
        seen.add(path.resolve())
        text = criteria_text(path, problems)
        if text is None:
            return None
        texts[key] = text
        try:
            module = parse_cached(text, key)
        except TrialogicError as e:
            problems.extend(e.diagnostics)
            return None
        modules.append(module)
        for use in module.uses:
            library = _find_library(use.name, path)
            if library is None:
                line = source_line(texts[key], use.pos.line)
                problems.append(
                    Diagnostic(
                        key,
                        use.pos.line,
                        use.pos.column,
                        "E109",
                        f"no {use.name}{LIBRARY_SUFFIX} beside the trial or in the bundled rules/",
                        line,
                    )
                )
            else:
                read(library.resolve())
        return module

    for path in files:
        read(path)
    return build_trials(modules, texts, vocabulary, problems)


def build_trials(
    modules: list[ast.Module],
    texts: dict[str, str],
    vocabulary: Vocabulary,
    problems: list[Diagnostic] | None = None,
) -> TrialSet:
    """Check and compile parsed modules (`load_trials` without the reading and parsing)."""
    problems = list(problems or [])
    checker = Checker(vocabulary, texts)
    scope = checker.module_scope(modules)
    checker.definitions(scope, modules)
    trials: dict[str, ast.Trial] = {}
    for module in modules:
        visible = checker.visible(module, modules, scope)
        for trial in module.trials:
            if trial.id in trials:
                checker.error(
                    trial,
                    "E112",
                    f"trial {trial.id} is defined twice (also in {trials[trial.id].pos.file}:{trials[trial.id].pos.line})",
                )
            trials[trial.id] = trial
            checker.trial(trial, visible)
    problems.extend(checker.diagnostics)
    if problems:
        raise TrialogicError(sorted(problems, key=lambda d: (d.file, d.line, d.column)))
    compiled = {trial_id: compile_trial(trial, scope, vocabulary) for trial_id, trial in trials.items()}
    return TrialSet(trials, compiled, concept_facts(scope, vocabulary), vocabulary, scope, modules, texts)


def trial_results(
    patient: Patient, answer: Answer, trials: TrialSet, shared: dict[tuple[str, str, str], CriterionResult]
) -> list[TrialResult]:
    """An answer as results, trial by trial, every criterion with its status. Results are
    immutable, so `shared` keeps one per (trial, criterion, status) for every patient."""

    def result(trial_id: str, criterion: ast.Criterion) -> CriterionResult:
        status = answer.status(trial_id, criterion.id, criterion.kind)
        key = (trial_id, criterion.id, status)
        found = shared.get(key)
        if found is None:
            found = shared[key] = CriterionResult(criterion.id, criterion.kind, status, criterion.text)
        return found

    return [
        TrialResult(
            patient.id, trial_id, answer.trial_status[trial_id], tuple(result(trial_id, c) for c in trial.criteria)
        )
        for trial_id, trial in trials.trials.items()
    ]


def load_patients(
    paths: str | os.PathLike[str] | bytes | Iterable[str | os.PathLike[str] | bytes],
    vocabulary: Vocabulary | None = None,
    trials: TrialSet | None = None,
) -> list[Patient]:
    """Every patient record in the files and folders given (YAML, JSON, JSON lines), as the
    commands read them: every problem of every record raised together, an id used twice
    included (P012); with `trials`, assessments of criteria they lack or decide too (P013).
    The text "-" is standard input, as for the commands (a `Path("-")` is a file of that name)."""
    paths = path_list(paths)
    given = [STDIN if isinstance(p, (str, bytes)) and os.fsdecode(p) == STDIN else Path(os.fsdecode(p)) for p in paths]
    if not given:
        raise ValueError("load_patients needs at least one file or folder")
    if trials is not None:
        vocabulary = _trial_set(trials).vocabulary
    return read_patients(given, vocabulary or load_vocabulary(), trials)


def reference_day(on: dt.date | None) -> dt.date:
    """The reference date: today by default; a date the commands accept (--on), else ValueError."""
    if on is None:
        return dt.date.today()
    if not isinstance(on, dt.date):
        raise TypeError(f"on is a datetime.date, not {type(on).__name__} ({on!r})")
    day = on.date() if isinstance(on, dt.datetime) else on
    problem = reference_problem(day)
    if problem:
        raise ValueError(problem)
    return day


def _patient(patient: object) -> Patient:
    if not isinstance(patient, Patient):
        raise TypeError(f"patient is one Patient from read_patient() or load_patients(), not {type(patient).__name__}")
    return patient


def _trial_set(trials: object) -> TrialSet:
    if not isinstance(trials, TrialSet):
        raise TypeError(f"trials is the TrialSet load_trials() returns, not {type(trials).__name__}")
    return trials


def check(
    patients: Iterable[Patient], trials: TrialSet, on: dt.date | None = None, chunk: int = 500
) -> list[TrialResult]:
    """Decide every trial for every patient on the reference date (default today).

    Patients are solved `chunk` at a time; results come patient by patient, trials in
    the order they were loaded. A patient id may be used once (P012).
    """
    reference = reference_day(on)
    solver = _trial_set(trials).solver()
    if isinstance(patients, Patient):
        raise TypeError("patients is a list of Patient records: pass [patient]")
    results: list[TrialResult] = []
    batch: list[Patient] = []
    ids = UniqueIds()
    problems: list[Diagnostic] = []

    shared: dict[tuple[str, str, str], CriterionResult] = {}

    def flush() -> None:
        for patient, answer in zip(batch, solver.solve(batch, reference), strict=True):
            results.extend(trial_results(patient, answer, trials, shared))
        batch.clear()

    for patient in patients:
        if not isinstance(patient, Patient):
            raise TypeError(f"patients are Patient records from read_patient(), not {type(patient).__name__}")
        reused = ids.problem(patient.id, patient.source)
        if reused:
            problems.append(reused)
        batch.append(patient)
        if len(batch) >= chunk and not problems:
            flush()
    if problems:
        raise TrialogicError(problems)
    if batch:
        flush()
    return results


def why(
    patient: Patient, trials: TrialSet, on: dt.date | None = None, trial_ids: str | Sequence[str] | None = None
) -> list[TrialExplanation]:
    """Explain, trial by trial, how each criterion was decided for one patient.

    >>> trials = load_trials()
    >>> patient = read_patient({"id": "P1", "birth_date": "2012-01-01"})
    >>> (explanation,) = why(patient, trials, on=dt.date(2026, 11, 22), trial_ids=["NCT03580291"])
    >>> age = next(c for c in explanation.criteria if c.id == "age")
    >>> age.status, [fact.text for fact in age.part.evidence]
    ('not_met', ['age 14 years on 2026-11-22 (born 2012-01-01)'])
    """
    reference = reference_day(on)
    chosen = chosen_trials(_trial_set(trials), trial_ids)
    _patient(patient)
    answer, trace = trials.solver().trace(patient, reference)
    texts = {(t.id, c.id): c.text for t in trials.trials.values() for c in t.criteria}
    explanations = []
    for trial_id in chosen:
        trial = trials.trials[trial_id]
        names = trials.names(trial_id)
        narrator = Narrator(patient, trials.compiled[trial_id], trace, trials.vocabulary, reference, names, texts)
        criteria = tuple(
            CriterionExplanation(
                c.id,
                c.kind,
                answer.status(trial_id, c.id, c.kind),
                c.text,
                source(c.expr),
                what_matters(narrator.part(c.expr, c.id)),
            )
            for c in trial.criteria
        )
        explanations.append(
            TrialExplanation(patient.id, trial_id, trial.title, answer.trial_status[trial_id], criteria)
        )
    return explanations


def chosen_trials(trials: TrialSet, trial_ids: str | Sequence[str] | None) -> list[str]:
    """The trials asked for (default all), each once, in the order given; E000 names each
    unknown one, with the known id most like it (or them all)."""
    if isinstance(trial_ids, str):
        trial_ids = [trial_ids]
    if trial_ids is not None and (
        not isinstance(trial_ids, Sequence) or not all(isinstance(t, str) for t in trial_ids)
    ):
        raise TypeError(f"trial_ids is a trial id or a list of them, not {trial_ids!r}")
    chosen = list(dict.fromkeys(trial_ids)) if trial_ids else list(trials.trials)
    unknown = [t for t in chosen if t not in trials.trials]
    if unknown:
        known = "known: " + ", ".join(sorted(trials.trials))
        raise TrialogicError(
            [
                Diagnostic(
                    "<arguments>", 0, 0, "E000", f"unknown trial {t}" + suggestion(closest(t, trials.trials), known)
                )
                for t in unknown
            ]
        )
    return chosen


def fix(
    patient: Patient,
    trials: TrialSet,
    on: dt.date | None = None,
    trial_ids: str | Sequence[str] | None = None,
    max_alternatives: int = 10,
) -> list[Repair]:
    """The smallest changes that make the patient eligible, trial by trial, with the date.

    Without trial ids every trial is repaired, ordered by how little it takes (fewest
    criteria left blocked, then fewest invasive actions, then fewest actions, then the
    earliest date).
    """
    reference = reference_day(on)
    chosen = chosen_trials(_trial_set(trials), trial_ids)
    _patient(patient)
    if isinstance(max_alternatives, bool) or not isinstance(max_alternatives, int):
        raise TypeError(f"max_alternatives is a whole number (0: every alternative), not {max_alternatives!r}")
    if max_alternatives < 0:
        raise ValueError(f"max_alternatives is 0 (every alternative) or more, not {max_alternatives}")
    today = {r.trial: r for r in check([patient], trials, on=reference)}
    repairer = trials.repairer()
    repairs = []
    for t in chosen:
        repair = repairer.solve(
            patient, trials.compiled[t], trials.trials[t], reference, today[t].status, max_alternatives
        )
        # unknown today, and not assessed by the record on a later day (that one blocks for good)
        assessed = {a.criterion for a in patient.assessments if a.trial == t}
        unknown = {c.id for c in today[t].unknown()} - assessed
        standing = {c.id for c in [*today[t].blocking(), *today[t].unknown()]}
        repairs.append(
            dataclasses.replace(
                repair,
                unknown_now=tuple(c for c in repair.blocked_by if c in unknown),
                in_the_way=tuple((c.id, c.kind, c.status) for c in today[t].criteria if c.id in standing),
            )
        )
    if not trial_ids:
        repairs.sort(key=_effort)
    return repairs


def _effort(repair: Repair) -> tuple[int, int, int, dt.date]:
    if not repair.alternatives:
        return (len(repair.blocked_by) or 1, 0, 0, dt.date.max)
    best = repair.alternatives[0]
    invasive = sum(a.level == "invasive" for a in best.actions)
    return (0, invasive, len(best.actions), best.eligible_on)
