"""`trialogic test`: example patients declared beside a trial, with what they must get.

A trial file `X.tl` may have a sibling `X.examples.yaml`:

    reference_date: 2026-11-22
    examples:
      - name: too young
        patient: {id: E1, birth_date: 2012-01-01}     # a record, or
        # patient_file: ../../facts/patients/p01.yaml  # a record file, relative to this file (not both)
        # trial: NCT01539902     # which trial, when X.tl holds more than one
        expect: ineligible
        blocking: [age]          # optional: the exact ids of unmet inclusions / met exclusions
        unknown: [consent]       # optional: the exact ids of unknown criteria
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from .api import Patient, TrialSet, check, criteria_files, load_patients, load_trials, read_patient
from .dates import reference_date
from .errors import Diagnostic, TrialogicError
from .patient import not_utf8, parse_yaml
from .records import assessment_problems
from .vocabulary import closest, suggestion

SUFFIX = ".examples.yaml"
STATUSES = ("eligible", "ineligible", "undetermined")


@dataclass(frozen=True)
class Outcome:
    file: str
    trial: str
    name: str
    passed: bool
    differences: tuple[str, ...]


def examples_file(trial_file: Path) -> Path:
    return trial_file.with_name(trial_file.name.removesuffix(".tl") + SUFFIX)


def _trial_file(examples: Path) -> Path:
    return examples.with_name(examples.name.removesuffix(SUFFIX) + ".tl")


FILE_KEYS = ("reference_date", "examples")
EXAMPLE_KEYS = ("name", "trial", "patient", "patient_file", "expect", "blocking", "unknown")


def _problem(path: Path, where: str, message: str) -> Diagnostic:
    return Diagnostic(str(path), 0, 0, "X001", message, field=where)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as e:
        raise TrialogicError([_problem(path, "", not_utf8(e))]) from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
        problem = getattr(e, "problem", None) or str(e)
        raise TrialogicError([Diagnostic(str(path), line, column, "X001", f"not valid YAML: {problem}")]) from e
    if not isinstance(data, dict) or not isinstance(data.get("examples"), list):
        raise TrialogicError([_problem(path, "examples", "an examples file holds `examples:`, a list of examples")])
    if not data["examples"]:  # else `test` passes, saying no examples were found beside the trial
        raise TrialogicError([_problem(path, "examples", "the list of examples is empty; write one or more")])
    return data


def _unknown_keys(path: Path, where: str, given: dict[Any, Any], allowed: tuple[str, ...]) -> list[Diagnostic]:
    problems = []
    for key in given:
        if key not in allowed:
            tail = suggestion(closest(str(key), allowed), f"use {', '.join(allowed)}")
            problems.append(_problem(path, f"{where}{key}", f"unknown key {key!r}{tail}"))
    return problems


def _patient(path: Path, where: str, example: dict[str, Any], trials: TrialSet) -> Patient:
    """The example's patient, read as the commands read it against the trials (an assessment
    of a criterion the trial lacks or decides is P013)."""
    if "patient_file" in example and "patient" in example:
        message = "an example has `patient:` (a record) or `patient_file:` (a path), not both"
        raise TrialogicError([_problem(path, where, message)])
    if "patient_file" in example:
        file = path.parent / str(example["patient_file"])
        if not file.is_file():
            raise TrialogicError([_problem(path, f"{where}.patient_file", f"there is no patient file {file}")])
        patients = load_patients(file, trials=trials)
        if len(patients) != 1:
            message = f"{file} holds {len(patients)} patients; name a file holding one"
            raise TrialogicError([_problem(path, f"{where}.patient_file", message)])
        return patients[0]
    if isinstance(example.get("patient"), dict):
        try:
            patient = read_patient(example["patient"], str(path), trials.vocabulary)
            problems = assessment_problems(patient, trials)
        except TrialogicError as e:
            problems = e.diagnostics
        if problems:  # placed in the examples file: its field is under `patient`
            fields = [f"{where}.patient" + (f".{d.field}" if d.field else "") for d in problems]
            raise TrialogicError([replace(d, field=f) for d, f in zip(problems, fields, strict=True)])
        return patient
    message = "each example has `patient:` (a record) or `patient_file:` (a path)"
    raise TrialogicError([_problem(path, where, message)])


def _reference_date(path: Path, value: object) -> dt.date:
    try:
        return reference_date(value, "YYYY-MM-DD")
    except ValueError as e:
        raise TrialogicError([_problem(path, "reference_date", str(e))]) from None


def _trial_of(path: Path, where: str, example: dict[str, Any], trial_ids: list[str]) -> tuple[str, list[Diagnostic]]:
    """The trial an example is for: its `trial`, which the file beside must hold; without
    one, the file's only trial."""
    given = example.get("trial")
    if given is None and len(trial_ids) == 1:
        return trial_ids[0], []
    if given in trial_ids:
        return str(given), []
    held = ", ".join(trial_ids)
    if given is None:
        message = f"the trial file holds {len(trial_ids)} trials ({held}); say which this example is for with trial: ID"
    else:
        message = f"{given!r} is not a trial of the file beside" + suggestion(
            closest(str(given), trial_ids), f"it holds {held}"
        )
    return "", [_problem(path, f"{where}.trial" if given is not None else where, message)]


def _example_problems(
    path: Path, index: int, example: Any, names: dict[str, int], criteria: list[str], trial_id: str
) -> list[Diagnostic]:
    """What is wrong with one example, apart from its patient and its trial."""
    where = f"examples[{index}]"
    if not isinstance(example, dict):
        return [_problem(path, where, "an example is a mapping: name, patient or patient_file, expect")]
    problems = _unknown_keys(path, f"{where}.", example, EXAMPLE_KEYS)
    expect = example.get("expect")
    if expect not in STATUSES:
        hint = suggestion(closest(expect, STATUSES)) if isinstance(expect, str) else ""
        problems.append(_problem(path, f"{where}.expect", f"expect must be one of {', '.join(STATUSES)}{hint}"))
    for key in ("blocking", "unknown"):
        if key in example and not isinstance(example[key], list):
            problems.append(_problem(path, f"{where}.{key}", f"{key} is a list of criterion ids, e.g. [age]"))
        elif key in example:
            problems.extend(_id_problems(path, f"{where}.{key}", example[key], criteria, trial_id))
    problems.extend(_contradictions(path, where, example))
    name = str(example.get("name", f"example {index + 1}"))
    if name in names:
        problems.append(
            _problem(path, f"{where}.name", f"a second example named {name!r} (first: examples[{names[name]}])")
        )
    names.setdefault(name, index)
    return problems


def _contradictions(path: Path, where: str, example: dict[str, Any]) -> list[Diagnostic]:
    """An expected status that its own lists contradict (`expect: eligible` with a blocking
    criterion) is a slip in the example, which no patient could pass: say which to change."""
    expect = example.get("expect")
    lists: dict[str, Any] = {k: example[k] for k in ("blocking", "unknown") if k in example}
    if expect not in STATUSES or not all(isinstance(ids, list) for ids in lists.values()):
        return []
    needs = {  # what each status says of each list: no ids, or some
        "eligible": {"blocking": "no", "unknown": "no"},
        "undetermined": {"blocking": "no", "unknown": "some"},
        "ineligible": {"blocking": "some"},
    }
    problems = []
    for key, need in needs[expect].items():
        ids = lists.get(key)
        if need == "no" and ids:
            message = f"an {expect} patient has no {key} criteria: empty the list, or change expect"
            problems.append(_problem(path, f"{where}.{key}", message))
        elif need == "some" and ids == []:
            message = f"an {expect} patient has some {key} criterion: list it, or change expect"
            problems.append(_problem(path, f"{where}.{key}", message))
    return problems


def _id_problems(path: Path, where: str, ids: list[Any], criteria: list[str], trial_id: str) -> list[Diagnostic]:
    """Each id of a `blocking` / `unknown` list must be a criterion of the trial, listed once."""
    problems = []
    for position, given in enumerate(ids):
        field = f"{where}[{position}]"
        if not isinstance(given, str):
            shown = "null" if given is None else repr(given)
            problems.append(_problem(path, field, f"a criterion id is a name, as in [age], not {shown}"))
        elif given in ids[:position]:
            first = f"{where}[{ids.index(given)}]"
            problems.append(_problem(path, field, f"{given!r} is listed twice (first: {first}); list each id once"))
        elif given not in criteria:
            tail = suggestion(closest(given, criteria), f"its criteria are {', '.join(criteria)}")
            problems.append(_problem(path, field, f"{given!r} is not a criterion of {trial_id}{tail}"))
    return problems


def run_examples(path: Path, trials: TrialSet, trial_ids: list[str]) -> list[Outcome]:
    """Check every example of one examples file against the trials of the file beside it
    (`trial_ids`); every problem in the file is reported at once."""
    data = _read(path)
    problems = _unknown_keys(path, "", data, FILE_KEYS)
    reference = dt.date.today()
    runs: list[tuple[int, dict[str, Any], str, Patient]] = []
    names: dict[str, int] = {}
    try:
        reference = _reference_date(path, data.get("reference_date", reference.isoformat()))
    except TrialogicError as e:
        problems.extend(e.diagnostics)
    for index, example in enumerate(data["examples"]):
        where = f"examples[{index}]"
        if not isinstance(example, dict):
            problems.extend(_example_problems(path, index, example, names, [], ""))
            continue
        trial_id, wrong_trial = _trial_of(path, where, example, trial_ids)
        problems.extend(wrong_trial)
        criteria = [c.id for c in trials.trials[trial_id].criteria] if trial_id else []
        problems.extend(_example_problems(path, index, example, names, criteria, trial_id))
        try:
            patient = _patient(path, where, example, trials)
        except TrialogicError as e:
            problems.extend(e.diagnostics)
            continue
        runs.append((index, example, trial_id, replace(patient, id=where)))  # examples may share an id
    if problems:
        raise TrialogicError(problems)
    results = {(r.patient, r.trial): r for r in check([p for *_, p in runs], trials, on=reference)}
    outcomes = []
    for index, example, trial_id, patient in runs:
        result = results[patient.id, trial_id]
        differences = []
        if result.status != example["expect"]:
            why = ", ".join(
                f"{key} {[c.id for c in got]}"
                for key, got in (("blocking", result.blocking()), ("unknown", result.unknown()))
                if got and key not in example  # a list the example gives is compared below
            )
            differences.append(
                f"status: expected {example['expect']}, got {result.status}" + (f" ({why})" if why else "")
            )
        for key, got in (("blocking", result.blocking()), ("unknown", result.unknown())):
            if key in example:
                wanted, found = sorted(example[key]), sorted(c.id for c in got)
                if wanted != found:  # ids checked above: names of criteria, each once
                    missing, extra = sorted(set(wanted) - set(found)), sorted(set(found) - set(wanted))
                    differences.append(f"{key}: expected {wanted}, got {found} (missing {missing}, extra {extra})")
        name = str(example.get("name", f"example {index + 1}"))
        outcomes.append(Outcome(str(path), trial_id, name, not differences, tuple(differences)))
    return outcomes


def run_tests(paths: list[Path]) -> list[Outcome]:
    """Run the examples beside every trial file under `paths`. An examples file given itself
    is X001: it is run with its trial, which is the file to give (it was read as criteria)."""
    given = [p for p in paths if p.name.endswith(SUFFIX) and p.is_file()]
    problems = [
        Diagnostic(str(p), 0, 0, "X001", f"an examples file is run with the trial beside it: give {_trial_file(p)}")
        for p in given
    ]
    trial_files = criteria_files([p for p in paths if p not in given])
    outcomes: list[Outcome] = []
    for trial_file in trial_files:
        try:  # every file is loaded, with or without examples: its errors are reported
            trials = load_trials([trial_file])
        except TrialogicError as e:
            problems.extend(e.diagnostics)
            continue
        examples = examples_file(trial_file)
        if not examples.is_file():
            continue
        own = [t for t in trials.trials if Path(trials.trials[t].pos.file).resolve() == trial_file.resolve()]
        if own:
            try:
                outcomes.extend(run_examples(examples, trials, own))
            except TrialogicError as e:
                problems.extend(e.diagnostics)
    if problems:
        raise TrialogicError(problems)
    return outcomes
