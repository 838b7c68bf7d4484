"""`trialogic test`: example patients declared beside a trial, with what they must get.

A trial file `X.tl` may have a sibling `X.examples.yaml`:

    reference_date: 2026-11-22
    examples:
      - name: too young
        patient: {id: E1, birth_date: 2012-01-01}     # a record, or
        # patient_file: ../../facts/patients/p01.yaml  # a record file, relative to this file
        expect: ineligible
        blocking: [age]          # optional: the exact ids of unmet inclusions / met exclusions
        unknown: [consent]       # optional: the exact ids of unknown criteria
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .api import TrialSet, check, load_patients, load_trials, read_patient
from .dates import reference_problem
from .errors import Diagnostic, TrialogicError
from .patient import parse_yaml

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


def _problem(path: Path, where: str, message: str) -> TrialogicError:
    return TrialogicError([Diagnostic(str(path), 0, 0, "X001", message, field=where)])


def _read(path: Path) -> dict[str, Any]:
    data = parse_yaml(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("examples"), list):
        raise _problem(path, "examples", "an examples file holds `examples:`, a list of examples")
    return data


def _patient(path: Path, index: int, example: dict[str, Any]) -> Any:
    where = f"examples[{index}]"
    if "patient_file" in example:
        (patient,) = load_patients(path.parent / str(example["patient_file"]))
        return patient
    if isinstance(example.get("patient"), dict):
        return read_patient(example["patient"], f"{path}:{where}.patient")
    raise _problem(path, where, "each example has `patient:` (a record) or `patient_file:` (a path)")


def _reference_date(path: Path, value: object) -> dt.date:
    try:
        date = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
    except ValueError:
        raise _problem(path, "reference_date", f"{value!r} is not a date; write YYYY-MM-DD") from None
    problem = reference_problem(date)
    if problem:
        raise _problem(path, "reference_date", problem)
    return date


def run_examples(path: Path, trials: TrialSet, trial_id: str) -> list[Outcome]:
    data = _read(path)
    reference = _reference_date(path, data.get("reference_date", dt.date.today().isoformat()))
    outcomes = []
    for index, example in enumerate(data["examples"]):
        expect = example.get("expect")
        if expect not in STATUSES:
            raise _problem(path, f"examples[{index}].expect", f"expect must be one of {', '.join(STATUSES)}")
        (result,) = [r for r in check([_patient(path, index, example)], trials, on=reference) if r.trial == trial_id]
        differences = []
        if result.status != expect:
            differences.append(f"status: expected {expect}, got {result.status}")
        for key, got in (("blocking", result.blocking()), ("unknown", result.unknown())):
            if key in example:
                wanted, found = sorted(example[key]), sorted(c.id for c in got)
                if wanted != found:
                    missing, extra = sorted(set(wanted) - set(found)), sorted(set(found) - set(wanted))
                    differences.append(f"{key}: expected {wanted}, got {found} (missing {missing}, extra {extra})")
        name = str(example.get("name", f"example {index + 1}"))
        outcomes.append(Outcome(str(path), trial_id, name, not differences, tuple(differences)))
    return outcomes


def run_tests(paths: list[Path]) -> list[Outcome]:
    """Run the examples beside every trial file under `paths`."""
    trial_files = [p for raw in paths for p in (sorted(raw.rglob("*.tl")) if raw.is_dir() else [raw])]
    outcomes: list[Outcome] = []
    for trial_file in trial_files:
        examples = examples_file(trial_file)
        if not examples.is_file():
            continue
        trials = load_trials([trial_file])
        for trial_id in trials.trials:
            if Path(trials.trials[trial_id].pos.file).resolve() == trial_file.resolve():
                outcomes.extend(run_examples(examples, trials, trial_id))
    return outcomes
