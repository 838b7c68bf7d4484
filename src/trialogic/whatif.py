"""What if…? Change the patient, the date or a criterion, and see which statuses flip.

Patient changes edit the record (the same dict a patient file holds) and validate it
again, so a what-if answers exactly what editing the file by hand and running `check`
would. Trial changes drop a criterion or replace its expression, then check and compile
the trials again.

Change syntax (the CLI options):
    --set ATTR=VALUE[UNIT][@DATE]      a new result (serum_creatinine=200umol/L, biopsy_class=IV)
    --unset ATTR                       remove every result of ATTR
    --add-condition CODE[@DATE]        a new active condition
    --remove-condition CODE            remove the condition's entries
    --stop DRUG[@DATE]                 end the drug still taken
    --start DRUG[@DATE]                start a drug
    --assess [TRIAL:]CRITERION=ok|not_ok   settle a manual criterion in the patient's favour or not
    --drop TRIAL:CRITERION             remove a criterion
    --relax TRIAL:CRITERION=EXPR       replace a criterion's expression

Many what-ifs of one patient, from a file: `trialogic.scenario_file` (the format) and
`trialogic.scenarios` (one grounding for them all).
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

from . import ast
from .api import CriterionResult, TrialResult, TrialSet, build_trials, check, read_patient
from .dates import iso_date
from .errors import Diagnostic, TrialogicError
from .parser import parse
from .patient import Measurement, Patient
from .records import assessment_problems
from .vocabulary import UnitError, closest, suggestion

# Every change option, with what it takes (changes apply in the order given, on the
# command line as in a scenario file).
USAGE = {
    "--set": "ATTR=VALUE[UNIT][@DATE]",
    "--unset": "ATTR",
    "--add-condition": "CODE[@DATE]",
    "--remove-condition": "CODE",
    "--start": "DRUG[@DATE]",
    "--stop": "DRUG[@DATE]",
    "--assess": "[TRIAL:]CRITERION=ok|not_ok",
    "--drop": "TRIAL:CRITERION",
    "--relax": "TRIAL:CRITERION=EXPR",
}
OPTIONS = tuple(USAGE)
TRIAL_OPTIONS = ("--drop", "--relax")

_NUMBER = r"[-+]?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?"  # ASCII digits only, as records
_VALUE_UNIT = re.compile(rf"^\s*({_NUMBER}(?:/{_NUMBER})?)\s*(\S*)\s*$")


@dataclass(frozen=True)
class Change:
    option: str  # the CLI option, e.g. "--set"
    text: str  # its argument as given


def _fail(change: Change, message: str) -> TrialogicError:
    return TrialogicError([Diagnostic("<what-if>", 0, 0, "W001", message, field=f"{change.option} {change.text}")])


def _split_date(change: Change, text: str, default: dt.date) -> tuple[str, str]:
    if "@" not in text:
        return text, default.isoformat()
    head, _, date = text.rpartition("@")
    try:
        iso_date(date)
    except ValueError:
        raise _fail(change, f"{date!r} is not a date; write YYYY-MM-DD after @") from None
    return head, date


def not_yet(changes: list[Change], checked_on: dt.date) -> list[Change]:
    """The changes dated after the day checked: they do not count on it."""
    return [c for c in changes if "@" in c.text and _split_date(c, c.text, checked_on)[1] > checked_on.isoformat()]


def set_aside(
    changes: list[Change], patient: Patient, trials: TrialSet, reference: dt.date, checked_on: dt.date
) -> list[tuple[Change, Measurement]]:
    """The results set (--set) that a later one of the changed record sets aside by the day
    checked, each with the latest: criteria read that one, so the value set changes nothing."""
    found = []
    for change in changes:
        if change.option != "--set":
            continue
        body, date = _split_date(change, change.text, reference)
        known = trials.vocabulary.attribute(body.partition("=")[0].strip())
        newer = [
            m
            for m in patient.measurements
            if known is not None and m.attribute == known.name and date < m.date.isoformat() <= checked_on.isoformat()
        ]
        if newer:
            found.append((change, max(newer, key=lambda m: m.date)))
    return found


def apply_changes(
    record: dict[str, Any], changes: list[Change], trials: TrialSet, reference: dt.date
) -> dict[str, Any]:
    """The record with the patient changes applied (trial changes are ignored here)."""
    changed = copy.deepcopy(record)
    for change in changes:
        text, option = change.text, change.option
        if option == "--set":
            body, date = _split_date(change, text, reference)
            if "=" not in body:
                raise _fail(change, "write ATTR=VALUE[UNIT], e.g. serum_creatinine=200umol/L")
            attribute, value = (part.strip() for part in body.split("=", 1))
            entry: dict[str, Any] = {"attribute": attribute, "date": date}
            match = _VALUE_UNIT.match(value)
            known = trials.vocabulary.attribute(attribute)
            not_a_pair = match is None or "/" not in match.group(1) or match.group(2).startswith("/")
            if known is not None and known.type == "pair" and not_a_pair:
                raise _fail(change, f"{value!r} is not a pair of numbers; write e.g. {known.name}=150/95{known.unit}")
            if match:
                _unit_run_on(change, attribute, match.group(1), match.group(2))
                entry["value"] = match.group(1)
                if match.group(2):
                    entry["unit"] = match.group(2)
            else:
                if known is not None and known.type == "numeric":
                    raise _fail(
                        change,
                        f"{value!r} is not a number; write ATTR=VALUE[UNIT], e.g. {known.name}=200{known.unit or ''}",
                    )
                entry["value"] = value
            names = _names(trials, attribute)
            measurements = changed.get("measurements", [])
            replaced = [m for m in measurements if m.get("attribute") in names and str(m.get("date")) == date]
            for old in replaced:
                _keep_limit(change, old, entry, trials)
            changed["measurements"] = [m for m in measurements if m not in replaced] + [entry]
        elif option == "--unset":
            names = _names(trials, text)
            before = changed.get("measurements", [])
            changed["measurements"] = [m for m in before if m.get("attribute") not in names]
            if len(changed["measurements"]) == len(before):
                held = sorted({str(m.get("attribute")) for m in before})
                listed = f"it holds results of {', '.join(held)}" if held else "it holds no results"
                raise _fail(
                    change, f"the record has no {text} result to remove" + suggestion(closest(text, held), listed)
                )
        elif option == "--add-condition":
            code, date = _split_date(change, text, reference)
            changed["conditions"] = [*changed.get("conditions", []), {"code": code, "start": date}]
        elif option == "--remove-condition":
            before = changed.get("conditions", [])
            changed["conditions"] = [c for c in before if c.get("code") != text]
            if len(changed["conditions"]) == len(before):
                held = sorted({str(c.get("code")) for c in before})
                listed = f"its conditions are {', '.join(held)}" if held else "it holds no conditions"
                raise _fail(
                    change, f"the record has no condition {text} to remove" + suggestion(closest(text, held), listed)
                )
        elif option == "--start":
            code, date = _split_date(change, text, reference)
            drugs = changed.get("drugs", [])
            taken = [i for i, d in enumerate(drugs) if d.get("code") == code and _taken_on(d, date)]
            if taken:
                raise _fail(change, _already_taken(drugs, taken[0], date))
            changed["drugs"] = [*drugs, {"code": code, "start": date}]
        elif option == "--stop":
            code, date = _split_date(change, text, reference)
            drugs = [dict(d) for d in changed.get("drugs", [])]
            still = [d for d in drugs if d.get("code") == code and _still_taken(d, date)]
            if not still:
                raise _fail(change, _nothing_to_stop(drugs, code, date))
            # of several courses, those taken that day (a later course is not stopped by it);
            # if none had started, stopping one that had not is refused below (_stoppable)
            started = [d for d in still if str(d.get("start", "")) <= date]
            for drug in started or still:
                _stoppable(change, drug, date)
                drug["end"] = date
                drug.pop("status", None)
            changed["drugs"] = drugs
        elif option == "--assess":
            # a new assessment replaces one of the same criterion made the same day
            new = _assessments(change, trials, reference)
            settled = {(a["trial"], a["criterion"], a["date"]) for a in new}
            kept = [
                a
                for a in changed.get("assessments", [])
                if (a.get("trial"), a.get("criterion"), str(a.get("date"))) not in settled
            ]
            changed["assessments"] = [*kept, *new]
    return changed


def _still_taken(drug: dict[str, Any], date: str) -> bool:
    """Whether a drug is taken on a day or later: open, or with a recorded end after it."""
    return str(drug["end"]) > date if drug.get("end") is not None else drug.get("status") != "stopped"


def _taken_on(drug: dict[str, Any], date: str) -> bool:
    """Whether a course is being taken on a day: started by then and still taken."""
    return str(drug.get("start", "")) <= date and _still_taken(drug, date)


def _already_taken(drugs: list[dict[str, Any]], index: int, date: str) -> str:
    """Why `--start CODE@DATE` is refused: a course of it is taken that day, and a second
    course beside it would read as a new start (a recent start, an unstable dose)."""
    code, start = drugs[index]["code"], drugs[index].get("start")
    return (
        f"the record already has {code} taken on {date} (drugs[{index}], started {start}): "
        f"a second course would read as a new start; to model a break, stop it and start it again later "
        f"(--stop {code}@DAY --start {code}@LATER_DAY)"
    )


def _nothing_to_stop(drugs: list[dict[str, Any]], code: str, date: str) -> str:
    """Why `--stop CODE@DATE` stops nothing, and what would: the record's courses of it ended
    by then, or it holds none, and these are the drugs it does still take."""
    ended = [
        f"drugs[{i}] ended on {d['end']}" if d.get("end") is not None else f"drugs[{i}] is recorded stopped"
        for i, d in enumerate(drugs)
        if d.get("code") == code
    ]
    if ended:
        return f"the record has no {code} still being taken on {date} ({', '.join(ended)}): there is nothing to stop"
    taken = sorted({str(d.get("code")) for d in drugs if _still_taken(d, date)})
    listed = f"the drugs it takes then are {', '.join(taken)}" if taken else "it records no drug taken then"
    return f"the record has no {code} still being taken on {date}" + suggestion(closest(code, taken), listed)


def _unit_run_on(change: Change, attribute: str, number: str, unit: str) -> None:
    """A unit such as 10^9/L written straight after the number (3.510^9/L) reads as the
    number 3.510 with the unit ^9/L: say to set the unit apart."""
    head, ten = number[:-2], number[-2:]
    if unit.startswith("^") and ten == "10" and re.fullmatch(_NUMBER, head):
        raise _fail(
            change,
            f"{number + unit!r} reads as {number} in the unit {unit!r}; "
            f"set a unit beginning with a digit apart by a space: '{attribute}={head} 10{unit}'",
        )


def _stoppable(change: Change, drug: dict[str, Any], date: str) -> None:
    """A drug is stopped on or after its start and its last recorded dose change (the record
    says it was still taken then; stopped on a day, it was last taken that day)."""
    code = drug.get("code")
    start = str(drug.get("start", ""))
    if start > date:
        raise _fail(change, f"{code} starts on {start}, after {date}; stop it on {start} or later")
    later = sorted(str(d) for d in drug.get("dose_changes") or [] if str(d) > date)
    if later:
        try:
            last = iso_date(later[-1]).isoformat()
        except ValueError:
            return  # not a date: the record's own check names it
        raise _fail(
            change,
            f"the record changes the dose of {code} on {last}, after {date}, so it was still taken then; "
            f"stop it on that day or later (--stop {code}@{last})",
        )


def _keep_limit(change: Change, old: dict[str, Any], new: dict[str, Any], trials: TrialSet) -> None:
    """A result set on a day the record holds one of keeps that result's upper limit of
    normal (`uln` or `reference_range`): the laboratory's limit does not change with the
    value. The limit is written in the result's unit, so the new value must be in it too,
    or in another spelling of it (IU/L for U/L)."""
    limits: dict[str, Any] = {key: old[key] for key in ("uln", "reference_range") if key in old}
    if not limits:
        return
    unit = str(old.get("unit", "")).strip()
    if not same_unit(trials, str(old.get("attribute")), unit, str(new.get("unit", "")).strip()):
        key = next(iter(limits))
        raise _fail(
            change,
            f"the {old.get('attribute')} result of {new['date']} it replaces has its {key} in {unit or 'no unit'}; "
            f"write the value in {unit or 'no unit'} so that the laboratory's limit still applies",
        )
    new.update(limits)


def same_unit(trials: TrialSet, attribute: str, unit: str, other: str) -> bool:
    """Whether two spellings name the same unit of `attribute` (one is exactly the other)."""
    if unit == other:
        return True
    known = trials.vocabulary.attribute(attribute)
    if known is None or not unit or not other:
        return False
    try:
        one = Fraction(1)
        return trials.vocabulary.to_canonical(known, one, unit) == trials.vocabulary.to_canonical(known, one, other)
    except UnitError:
        return False


def _names(trials: TrialSet, attribute: str) -> set[str]:
    """An attribute's name and its synonyms, as a record may write it."""
    known = trials.vocabulary.attribute(attribute)
    return {attribute} if known is None else {known.name, *known.synonyms}


def _assessments(change: Change, trials: TrialSet, reference: dt.date) -> list[dict[str, Any]]:
    target, _, verdict = change.text.partition("=")
    if verdict not in ("ok", "not_ok"):
        raise _fail(change, "write [TRIAL:]CRITERION=ok or =not_ok (ok: in the patient's favour)")
    trial_id, _, criterion_id = target.rpartition(":")
    found = [
        (trial.id, criterion)
        for trial in trials.trials.values()
        for criterion in trial.criteria
        if criterion.id == criterion_id and (not trial_id or trial.id == trial_id)
    ]
    if not found:
        manual = [
            f"{trial.id}:{c}" if trial_id else c
            for trial in trials.trials.values()
            if not trial_id or trial.id == trial_id
            for c in trials.assessable(trial.id)
        ]
        raise _fail(change, f"no trial has a criterion {target}" + suggestion(closest(target, manual)))
    named = ", ".join(f"{trial}:{criterion.id}" for trial, criterion in found)
    found = [(trial, criterion) for trial, criterion in found if criterion.id in trials.assessable(trial)]
    if not found:
        raise _fail(
            change,
            f"{named} is decided by the record, not by an assessment (only `manual` criteria are); "
            "change the facts instead (--set, --stop, ...), or --drop or --relax the criterion",
        )
    entries = []
    for trial, criterion in found:
        # the assessment settles the criterion's `manual`: "met" is in the patient's favour
        # when it makes an inclusion hold or an exclusion fail
        senses = ast.manual_senses(criterion.expr, trials.names(trial))
        if len(senses) > 1:
            message = f"{trial}:{criterion.id} counts its assessment both for and against; write it in the record"
            raise _fail(change, message)
        met_helps = senses == {criterion.kind == "inclusion"}
        result = "met" if met_helps == (verdict == "ok") else "not_met"
        entries.append({"trial": trial, "criterion": criterion.id, "result": result, "date": reference.isoformat()})
    return entries


def change_trials(trials: TrialSet, changes: list[Change]) -> TrialSet:
    """The trials with criteria dropped or relaxed, checked and compiled again."""
    trial_changes = [c for c in changes if c.option in TRIAL_OPTIONS]
    if not trial_changes:
        return trials
    replaced = dict(trials.trials)
    texts = dict(trials.texts)
    expressions: dict[str, str] = {}  # by source name: the relaxed expressions as written
    changed: set[str] = set()
    for change in trial_changes:
        target, _, expression = change.text.partition("=")
        trial_id, _, criterion_id = target.partition(":")
        if target in changed:  # relaxed or dropped already: which change would count is unclear
            raise _fail(change, f"{target} is changed twice; give one change for it")
        changed.add(target)
        trial = replaced.get(trial_id)
        if trial is None or criterion_id not in {c.id for c in trial.criteria}:
            known = [f"{t.id}:{c.id}" for t in replaced.values() for c in t.criteria]
            example = f"write TRIAL:CRITERION, e.g. {known[0]}" if known else "write TRIAL:CRITERION"
            raise _fail(change, f"no criterion {target}" + suggestion(closest(target, known), example))
        if change.option == "--drop":
            criteria = tuple(c for c in trial.criteria if c.id != criterion_id)
            if not criteria:
                raise _fail(
                    change,
                    f"{criterion_id} is the only criterion of {trial_id}: without it everyone would be eligible; relax it instead",
                )
        else:
            if not expression.strip():
                raise _fail(change, "write TRIAL:CRITERION=EXPRESSION in the criteria language")
            if "\n" in expression or "\r" in expression:
                raise _fail(change, "write the expression on one line")
            kind = next(c.kind for c in trial.criteria if c.id == criterion_id)
            include_or_exclude = "include" if kind == "inclusion" else "exclude"
            # the expression on a line of its own (RELAXED_LINE), so that errors point into it
            source = (
                f'trial {trial_id} "what-if" {{\n  {include_or_exclude} {criterion_id} "what-if":\n{expression}\n}}\n'
            )
            name = f"{change.option} {target}"  # errors name the option they come from
            texts[name] = source
            expressions[name] = expression
            module = _on_expression(functools.partial(parse, source, name), expressions)
            relaxed = module.trials[0] if len(module.trials) == 1 else None
            extra = module.concepts or module.defines or module.uses
            if relaxed is None or len(relaxed.criteria) != 1 or relaxed.defines or relaxed.notes or extra:
                raise _fail(change, "write one criterion expression, nothing around it")
            new_expr = module.trials[0].criteria[0].expr
            criteria = tuple(
                dataclasses.replace(c, expr=new_expr) if c.id == criterion_id else c for c in trial.criteria
            )
        replaced[trial_id] = dataclasses.replace(trial, criteria=criteria)
    modules = [dataclasses.replace(m, trials=tuple(replaced.get(t.id, t) for t in m.trials)) for m in trials.modules]
    return _on_expression(lambda: build_trials(modules, texts, trials.vocabulary), expressions)


RELAXED_LINE = 3  # the line of a relaxed criterion's expression in the source change_trials writes

T = TypeVar("T")


def _on_expression(step: Callable[[], T], expressions: dict[str, str]) -> T:
    """`step`, with errors in a relaxed expression placed on it, as the user wrote it: line 1
    of `--relax T:C`, and an error past its end (it ends too early) just after its last character."""
    try:
        return step()
    except TrialogicError as error:
        moved = []
        for d in error.diagnostics:
            expression = expressions.get(d.file)
            if expression is not None and d.line >= RELAXED_LINE:
                column = d.column if d.line == RELAXED_LINE else len(expression) + 1
                message = d.message
                closed = d.line > RELAXED_LINE and message.startswith("unexpected '}'") and "}" in expression
                if closed:  # a `}` of the expression's own closed the wrapper: the wrapper's is the one left over
                    column, message = expression.rindex("}") + 1, "unexpected '}'"
                elif d.code == "E001":  # the tokens the wrapper around the expression would take mean nothing here
                    early = d.line > RELAXED_LINE or message.startswith("the line ends too early")
                    message = "the expression ends too early" if early else message.split("; expected")[0]
                d = dataclasses.replace(d, line=1, column=column, source_line=expression, message=message)
            moved.append(d)
        raise TrialogicError(moved) from None


@dataclass(frozen=True)
class Flip:
    """One trial before and after: its status, and the criteria whose status changed."""

    trial: str
    before: TrialResult
    after: TrialResult
    flipped: tuple[tuple[CriterionResult | None, CriterionResult | None], ...]

    @property
    def changed(self) -> bool:
        return self.before.status != self.after.status or bool(self.flipped)


@dataclass(frozen=True)
class WhatIf:
    """A what-if's answer: trial by trial, what flipped; and the trials and the patient
    after the changes, which the evidence for a changed trial is read from."""

    flips: list[Flip]
    trials: TrialSet
    patient: Patient


def later_problem(on: dt.date, later: dt.date | None) -> str | None:
    """What is wrong with a --later date: one before the reference date would judge the
    changes before the day they are made."""
    if later is not None and later < on:
        return f"{later} is before the reference date {on}; give a date on or after it"
    return None


def whatif(
    record: dict[str, Any],
    changes: list[Change],
    trials: TrialSet,
    on: dt.date,
    later: dt.date | None = None,
    source: str = "<input>",
) -> WhatIf:
    """Statuses before (on `on`) and after the changes (on `later`, default `on`): the flips,
    with the changed trials and patient (the evidence for a changed trial is read from them).

    >>> from trialogic.api import load_trials
    >>> record = {"id": "W1", "birth_date": "2009-01-01"}
    >>> answer = whatif(record, [], load_trials(), dt.date(2026, 11, 22), later=dt.date(2027, 1, 2))
    >>> [(f.trial, f.before.status, f.after.status) for f in answer.flips if f.trial == "NCT05631717"]
    [('NCT05631717', 'ineligible', 'undetermined')]
    """
    problem = later_problem(on, later)
    if problem:
        raise ValueError(f"later: {problem}")
    before_patient = read_patient(record, source, trials.vocabulary)
    assessed = assessment_problems(before_patient, trials)  # against the trials as loaded
    if assessed:
        raise TrialogicError(assessed)
    after_trials = change_trials(trials, changes)  # an assessment is judged against these
    after_patient = _changed_patient(record, changes, after_trials, on, source)
    before = check([before_patient], trials, on=on)
    after = check([after_patient], after_trials, on=later or on)
    return WhatIf(compare(before, after), after_trials, after_patient)


def _changed_patient(
    record: dict[str, Any], changes: list[Change], trials: TrialSet, on: dt.date, source: str
) -> Patient:
    """The record after the changes. When it is refused, the changes are applied again one at
    a time, each on top of those that went well, and each one that makes the record invalid
    is named (the record's own fields, `drugs[3]`, would point at entries only the change wrote)."""

    def apply(some: list[Change]) -> Patient:
        return read_patient(apply_changes(record, some, trials, on), f"{source} (after the changes)", trials.vocabulary)

    try:
        return apply(changes)
    except TrialogicError as failed:
        problems: list[Diagnostic] = []
        kept: list[Change] = []
        for change in changes:
            try:
                apply([*kept, change])
                kept.append(change)
            except TrialogicError as e:
                problems.extend(_named(change, d) for d in e.diagnostics)
        raise TrialogicError(list(dict.fromkeys(problems)) or failed.diagnostics) from None


def _named(change: Change, problem: Diagnostic) -> Diagnostic:
    """A problem a change made in the record, said of the change."""
    if problem.file == "<what-if>":
        return problem
    return Diagnostic("<what-if>", 0, 0, problem.code, problem.message, field=f"{change.option} {change.text}")


def compare(before: list[TrialResult], after: list[TrialResult]) -> list[Flip]:
    """Trial by trial (in the order of `before`), the status and the criteria that changed."""
    after_by_trial = {r.trial: r for r in after}
    flips = []
    for old in before:
        new = after_by_trial[old.trial]
        old_by_id = {c.id: c for c in old.criteria}
        new_by_id = {c.id: c for c in new.criteria}
        flipped = tuple(
            (old_by_id.get(i), new_by_id.get(i))
            for i in [*old_by_id, *(i for i in new_by_id if i not in old_by_id)]
            if old_by_id.get(i) is None or new_by_id.get(i) is None or old_by_id[i].status != new_by_id[i].status
        )
        flips.append(Flip(old.trial, old, new, flipped))
    return flips
