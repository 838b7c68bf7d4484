"""Random criteria files over the whole language (tests/random_trials.py), against patients
drawn at their edges (tests/strategies.py):

1. the clingo path (`trialogic.check`) and the reference evaluator (tests/oracle.py) give
   every trial and every criterion the same status;
2. for every trial a patient is not eligible for, `fix`: every plan it offers, applied to
   the record (tests/test_fix.py's `apply`; an end date assumed in an interval, on its
   first and on its last day), makes the patient eligible on the plan's date and needs
   each of its actions; a trial blocked for good has no plan, and one
   with no plan is blocked for good; and waiting alone (the record as it is, checked on
   a sample of later dates) never makes eligible a trial it calls blocked for good, nor
   does it beat the plans found;
3. `why` gives every trial and criterion the status `check` gives, with evidence or what
   is missing for each criterion not met, something missing for each unknown one and
   nothing for a decided one;
4. the drawing covers what it says it covers: over a fixed seed's draws, every construct
   random_trials.CONSTRUCTS names, and every criterion and trial status, occur, and so do
   drugs stopped on an unknown date whose dose changed after their start.

By default (as CI runs it) the property tests draw few, fixed examples (derandomized:
the same ones every run) and the file runs in about 35 s on a 2-core machine. To hunt
for longer, with fresh random draws every run (a failure is shrunk, and kept in
.hypothesis/ to replay):

    RANDOM_TRIALS_EXAMPLES=3000 .venv/bin/python -m pytest tests/test_random_trials.py -q

(optionally `--hypothesis-seed=N` to repeat a run, `--hypothesis-show-statistics` for
timings). RANDOM_TRIALS_EXAMPLES sets max_examples for the three property tests: (1) runs
about 10 cases a second, (2) about two (the slowest take about a second), (3) about
five. Hypothesis stops at the first failure; to collect every failure of a long run, call
`disagreements(case)` / `plan_problems(case)` / `explanation_problems(case)` (which
return reports instead of asserting) from a loop over `random_trials.cases()`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterator
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, Phase, given, settings

from random_trials import CONSTRUCTS, Case, CriteriaFiles, cases, constructs
from test_fix import at_range_end, ends, status_without
from test_oracle_agreement import differences
from trialogic import api
from trialogic.dates import LATEST_REFERENCE
from trialogic.errors import TrialogicError
from trialogic.repair import Alternative, Repair, load_catalogue
from trialogic.vocabulary import load_vocabulary

from oracle import evaluate
from strategies import collect_targets, months_before

VOCABULARY = load_vocabulary()
CATALOGUE = load_catalogue(VOCABULARY)
EXAMPLES = int(os.environ.get("RANDOM_TRIALS_EXAMPLES", "0"))
COVERAGE_DRAWS = 300  # (150 lost the rare nested concept set when the vocabulary grew)
STATUSES = {"met", "not_met", "unknown"}
TRIAL_STATUSES = {"eligible", "ineligible", "undetermined"}
WAITS = (1, 2, 7, 14, 29, 30, 31, 32, 60, 61, 91, 92, 182, 183, 184, 365, 366, 367, 730, 1096, 1827, 3653, 7306, 18263)
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


SLOW = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]


def profile(default: int) -> settings:
    """`default` fixed examples; RANDOM_TRIALS_EXAMPLES fresh random ones instead."""
    if EXAMPLES:
        return settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=SLOW)
    return settings(max_examples=default, deadline=None, derandomize=True, database=None, suppress_health_check=SLOW)


def load(criteria: CriteriaFiles) -> api.TrialSet:
    with tempfile.TemporaryDirectory() as folder:
        try:
            return api.load_trials([criteria.write(Path(folder))])
        except TrialogicError as error:  # the drawing must only write files that load
            raise AssertionError(f"a drawn file does not load:\n{error.render()}\n\n{criteria}") from error


def report(case: Case, record: dict[str, Any], *lines: str) -> str:
    patient = yaml.safe_dump(record, allow_unicode=True, sort_keys=False)
    return "\n".join([*lines, "", f"reference date {case.on}", "", str(case.criteria), "the patient:", patient])


def disagreements(case: Case) -> list[str]:
    """Where clingo and the reference evaluator disagree on the case, one report each."""
    trials = load(case.criteria)
    modules = case.criteria.modules()
    patients = [api.read_patient(record) for record in case.records]
    results = api.check(patients, trials, on=case.on)
    found = []
    for patient, record in zip(patients, case.records, strict=True):
        clingo = {r.trial: (r.status, {c.id: c.status for c in r.criteria}) for r in results if r.patient == patient.id}
        lines = differences(evaluate(modules, patient, case.on, VOCABULARY), clingo)
        if lines:
            found.append(report(case, record, "the reference evaluator and clingo disagree:", *lines))
    return found


@profile(80)
@given(cases())
def test_clingo_and_the_reference_evaluator_agree(case: Case) -> None:
    found = disagreements(case)
    assert not found, found[0]


def explanation_problems(case: Case) -> list[str]:
    """Where `why` says other than `check` (a status), or leaves a criterion unexplained: one
    that is not met without evidence or anything missing, an unknown one that asks for
    nothing, a decided one that still asks for something."""
    trials = load(case.criteria)
    found = []
    for record in case.records:
        patient = api.read_patient(record)
        checked = {r.trial: r for r in api.check([patient], trials, on=case.on)}
        for explanation in api.why(patient, trials, on=case.on):
            result = checked[explanation.trial]
            said = (result.status, [(c.id, c.status) for c in result.criteria])
            explained = (explanation.status, [(c.id, c.status) for c in explanation.criteria])
            lines = [f"{explanation.trial}: check says {said}"]
            if explained != said:
                lines.append(f"why says {explained}")
            for criterion in explanation.criteria:
                evidence, missing = criterion.part.all_evidence(), criterion.part.all_missing()
                if criterion.status != "met" and not evidence and not missing:
                    lines.append(f"{criterion.id} is {criterion.status} without evidence or anything missing")
                if (criterion.status == "unknown") != bool(missing):
                    lines.append(f"{criterion.id} is {criterion.status}, missing {[m.text for m in missing]}")
            if len(lines) > 1:
                found.append(report(case, record, *lines))
    return found


@profile(15)
@given(cases(max_patients=2))
def test_why_says_what_check_says_and_explains_it(case: Case) -> None:
    found = explanation_problems(case)
    assert not found, found[0]


def status_on(trials: api.TrialSet, record: dict[str, Any], trial: str, on: dt.date) -> api.TrialResult:
    (result,) = [r for r in api.check([api.read_patient(record)], trials, on=on) if r.trial == trial]
    return result


def plan_problems(case: Case) -> list[str]:
    """What is wrong with what `fix` says for the case's patients (one report each): a plan
    that does not make the patient eligible on its date, or holds an action it does not
    need; a trial blocked for good with plans, or with neither; a trial blocked for good
    that waiting alone makes eligible, or plans that waiting alone beats."""
    trials = load(case.criteria)
    found: list[str] = []
    for record in case.records:
        patient = api.read_patient(record)
        for today in api.check([patient], trials, on=case.on):
            if today.status == "eligible":
                continue
            trial = today.trial
            (repair,) = api.fix(patient, trials, on=case.on, trial_ids=trial, max_alternatives=0)
            where = f"{trial}, {today.status} on {case.on}"
            if repair.status != today.status:
                found.append(report(case, record, f"{where}: fix says {repair.status}"))
            if repair.blocked_by and repair.alternatives:
                found.append(report(case, record, f"{where}: blocked for good by {repair.blocked_by}, yet plans"))
            if not repair.blocked_by and not repair.alternatives:
                found.append(report(case, record, f"{where}: neither a plan nor what blocks"))
            for alternative in repair.alternatives:
                found.extend(plan_problem(case, trials, record, trial, where, alternative))
            waited = eligible_by_waiting(case, trials, record, trial)
            if waited is not None and repair.blocked_by:
                found.append(report(case, record, f"{where}: blocked for good, yet eligible on {waited} unchanged"))
            elif waited is not None and repair.alternatives and smaller_than_waiting(repair, waited):
                best = [a.text for a in repair.alternatives[0].actions]
                found.append(report(case, record, f"{where}: waiting until {waited} is a smaller plan than {best}"))
    return found


def smaller_than_waiting(repair: Repair, day: dt.date) -> bool:
    """Whether waiting alone until `day` beats the (equally small) plans found: plans are
    minimised by invasive actions, then actions (each costs 1 in facts/actions.yaml, a wait
    once), then days waited."""
    best = repair.alternatives[0]
    if any(a.level == "invasive" for a in best.actions) or len(best.actions) > 1:
        return True
    return best.eligible_on > day and bool(best.actions) and best.actions[0].kind == "wait"


def eligible_by_waiting(case: Case, trials: api.TrialSet, record: dict[str, Any], trial: str) -> dt.date | None:
    """The first of a sample of later dates on which the record as it is makes the patient
    eligible: a day after today, weeks, months and years on, each date the record names
    and the day after, the day after each window stops reaching one of them, and the days
    the trial's ages are reached."""
    targets = collect_targets(case.criteria.modules())
    days = {case.on + dt.timedelta(days=n) for n in WAITS}
    named = {dt.date.fromisoformat(str(d)) for d in record_dates(record)}
    for day in named:
        days |= {day, day + dt.timedelta(days=1)}
        for window in targets.windows:
            if window.unit in ("days", "weeks"):
                days.add(day + dt.timedelta(days=window.count * (7 if window.unit == "weeks" else 1) + 1))
            elif window.unit in ("months", "years"):
                end = months_before(day, -window.count * (12 if window.unit == "years" else 1))
                days |= {end + dt.timedelta(days=n) for n in range(1, 4)}
    if "birth_date" in record:
        birth = dt.date.fromisoformat(str(record["birth_date"]))
        for count, unit in targets.ages:
            for n in (count, count + 1):
                if unit.startswith(("year", "month")):
                    reached = months_before(birth, -n * (12 if unit.startswith("year") else 1))
                    days |= {reached, reached + dt.timedelta(days=1)}
                else:
                    days.add(birth + dt.timedelta(days=n * (7 if unit.startswith("week") else 1)))
    # the reference evaluator (which agrees with clingo, above) finds the day, quickly; clingo confirms it
    modules, patient = case.criteria.modules(), api.read_patient(record)
    for day in sorted(d for d in days if case.on < d <= LATEST_REFERENCE):
        if evaluate(modules, patient, day, VOCABULARY)[trial][0] == "eligible":
            return day if status_on(trials, record, trial, day).status == "eligible" else None
    return None


def record_dates(value: Any) -> Iterator[str]:
    """Every date a record (or part of one) names."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("date", "start", "end", "birth_date"):
                yield str(item)
            elif key != "id":
                yield from record_dates(item)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict | list):
                yield from record_dates(item)
            elif isinstance(item, str | dt.date) and DATE.fullmatch(str(item)):
                yield str(item)  # dose changes


def with_values(alternative: Alternative) -> Alternative:
    """The plan with each result it assumes at a multiple of its ULN, any value, given one
    (value_at): tests/test_fix.py's `apply` then gives the record the ULN value ÷ ratio."""
    actions = []
    for action in alternative.actions:
        if action.kind == "test":
            results = []
            for result in action.data["results"]:
                if "times_uln" in result and not result["value"]:
                    result = {**result, "value": value_at(result["attribute"], Fraction(result["times_uln"]))}
                results.append(result)
            action = dataclasses.replace(action, data={**action.data, "results": results})
        actions.append(action)
    return dataclasses.replace(alternative, actions=tuple(actions))


def value_at(name: str, ratio: Fraction) -> str:
    """A value a record may hold at `ratio` times a ULN it may hold (apply's own choice, a
    ULN of 1, lies outside the range of hemoglobin, weight and creatinine), in the
    attribute's canonical unit: "" when there is none (apply then makes the record invalid)."""
    attribute = VOCABULARY.attributes[name]
    low, high = attribute.range or (Fraction(0), Fraction(10**6))
    for uln in (Fraction(10) ** k for k in (0, 1, 2, 3, -1, -2)):
        if low <= uln <= high and low <= ratio * uln <= high:
            return str(
                Decimal(ratio.numerator)
                / Decimal(ratio.denominator)
                * Decimal(uln.numerator)
                / Decimal(uln.denominator)
            )
    return ""


def repeats_a_test(record: dict[str, Any], alternative: Alternative, on: dt.date) -> bool:
    """Whether the plan's tests, taken on `on` instead (its wait left out), would repeat a
    test that is not repeatable while the record holds a result of it, which fix never
    plans (facts/actions.yaml: a recent result stands)."""
    for action in alternative.actions:
        test = CATALOGUE.spec["tests"].get(action.data.get("test")) if action.kind == "test" else None
        if test is None or test.get("repeatable"):
            continue
        for measurement in record.get("measurements", []):
            attribute = VOCABULARY.attribute(measurement["attribute"])
            if attribute is not None and attribute.name in test["gives"]:
                if dt.date.fromisoformat(str(measurement["date"])) <= on:
                    return True
    return False


def plan_problem(
    case: Case, trials: api.TrialSet, record: dict[str, Any], trial: str, where: str, alternative: Alternative
) -> list[str]:
    plan = f"{where}: the plan {[a.text for a in alternative.actions]} for {alternative.eligible_on}"
    alternative = with_values(alternative)
    # as assumed, then each number that gives its range at the range's lowest and highest
    # value a record may hold; an assumed end date at its first and last day
    variants = [alternative, at_range_end(alternative, "low"), at_range_end(alternative, "high")]
    for changed, on in (c for variant in variants for c in ends(record, variant, trial, case.on)):
        if on != alternative.eligible_on:
            return [report(case, record, f"{plan} waits until {on}")]
        try:
            after = status_on(trials, changed, trial, on)
        except TrialogicError as error:
            return [report(case, record, f"{plan} gives an invalid record:", error.render())]
        if after.status != "eligible":
            blocking, unknown = [c.id for c in after.blocking()], [c.id for c in after.unknown()]
            return [
                report(
                    case, record, f"{plan} leaves the patient {after.status}: blocking {blocking}, unknown {unknown}"
                )
            ]
    for skip, action in enumerate(alternative.actions):
        if action.kind == "wait" and repeats_a_test(record, alternative, case.on):
            continue
        if status_without(record, alternative, trials, trial, case.on, skip) == "eligible":
            return [report(case, record, f"{plan} does not need {action.text!r}")]
    return []


@profile(15)
@given(cases(max_patients=2))
def test_every_plan_makes_the_patient_eligible_on_its_date(case: Case) -> None:
    found = plan_problems(case)
    assert not found, found[0]


def test_the_drawing_covers_the_language_and_every_status() -> None:
    """Deterministic (derandomized, whatever RANDOM_TRIALS_EXAMPLES says): fails when the
    drawing loses a construct or a status, and so stops testing it."""
    found: set[str] = set()
    criterion_statuses: set[str] = set()
    trial_statuses: set[str] = set()
    drawn = [0]

    @settings(
        max_examples=COVERAGE_DRAWS,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=SLOW,
    )
    @given(cases())
    def draw(case: Case) -> None:
        drawn[0] += 1
        found.update(constructs(case.criteria))
        modules = case.criteria.modules()
        for record in case.records:
            for status, criteria in evaluate(modules, api.read_patient(record), case.on, VOCABULARY).values():
                trial_statuses.add(status)
                criterion_statuses.update(criteria.values())

    draw()
    assert drawn[0] >= COVERAGE_DRAWS
    assert not set(CONSTRUCTS) - found, f"never drawn in {drawn[0]} cases: {sorted(set(CONSTRUCTS) - found)}"
    assert criterion_statuses == STATUSES
    assert trial_statuses == TRIAL_STATUSES


def stopped_then_changed(drug: dict[str, Any], on: dt.date) -> bool:
    """A drug started by `on`, stopped on an unknown date, its dose changed after its start."""
    unknown_end = "end" not in drug and drug.get("status") == "stopped"
    last_change = max(map(str, drug.get("dose_changes") or []), default="")
    return unknown_end and str(drug["start"]) <= on.isoformat() and last_change > str(drug["start"])


def test_the_drawing_covers_stopped_drugs_whose_dose_changed() -> None:
    """Deterministic, as above: the patients hold drugs stopped on an unknown date whose later
    dose change shows they were still taken (which decides windows their start does not)."""
    found = [0]

    @settings(
        max_examples=COVERAGE_DRAWS,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=SLOW,
    )
    @given(cases())
    def draw(case: Case) -> None:
        found[0] += sum(
            stopped_then_changed(drug, case.on) for record in case.records for drug in record.get("drugs", [])
        )

    draw()
    assert found[0] >= 5, f"only {found[0]} stopped drugs with a later dose change were drawn"
