"""`whatif` against `check`, on random criteria files (tests/random_trials.py) and records
drawn at their edges (tests/strategies.py): a what-if answers what editing the record or
the trial file by hand, as README.md says each change does, and running `check` answers.

1. `--set ATTR=VALUE[UNIT][@DATE]`: the record with that result added on the day (the
   reference date when no @DATE is given), replacing a result of the attribute (any
   synonym) the record holds that day and keeping its laboratory's `uln` or
   `reference_range` (refused when the value is in another unit than that result's);
2. `--stop DRUG[@DATE]`: every course of the drug taken on that day (started by then, open
   or ending after it) ends on it (refused when there is none, or when the record changes
   its dose after that day); `--later DATE`: `check --on DATE` of the changed record;
3. a scenario file (`trialogic.scenarios`, one grounding for the scenarios of one day) gives
   each scenario what the single what-if of its changes gives;
4. `--drop` / `--relax`: `check` against the trial file with the criterion's lines deleted
   or its expression rewritten.

Derandomized (the same draws every run), as tests/test_random_trials.py's property tests
are; RANDOM_TRIALS_EXAMPLES=N draws N fresh random examples per test instead.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from fractions import Fraction
from typing import Any

import pytest
import yaml
from hypothesis import event, given
from hypothesis import strategies as st

from random_trials import Case, CriteriaFiles, Visible, Writer, cases, kind_of_set
from test_random_trials import load, profile
from trialogic import TrialogicError, api
from trialogic.scenario_file import Scenario, parse_scenarios
from trialogic.scenarios import run_scenarios
from trialogic.vocabulary import load_vocabulary
from trialogic.whatif import Change, whatif

from strategies import RESULTS, Drawer, collect_targets

VOCABULARY = load_vocabulary()

Statuses = list[tuple[str, str, list[tuple[str, str]]]]


def statuses(results: list[api.TrialResult]) -> Statuses:
    """Every trial's status and every criterion's, in order."""
    return [(r.trial, r.status, [(c.id, c.status) for c in r.criteria]) for r in results]


def checked(record: dict[str, Any], trials: api.TrialSet, on: dt.date) -> Statuses | None:
    """What `check` says of the record on the day; None when the record is refused."""
    try:
        patient = api.read_patient(record, "by hand", trials.vocabulary)
    except TrialogicError:
        return None
    return statuses(api.check([patient], trials, on=on))


def answered(
    record: dict[str, Any], changes: list[Change], trials: api.TrialSet, on: dt.date, later: dt.date | None = None
) -> tuple[Statuses, Statuses] | None:
    """What `whatif` says before and after; None when it refuses the changes."""
    try:
        flips = whatif(record, changes, trials, on, later).flips
    except TrialogicError:
        return None
    return statuses([f.before for f in flips]), statuses([f.after for f in flips])


def agree(case: Case, trials: api.TrialSet, changes: list[Change], edited: dict[str, Any] | None,
          later: dt.date | None = None, edited_trials: api.TrialSet | None = None) -> None:  # fmt: skip
    """whatif's answer is `check`'s on the record (and trials) edited by hand; a refused edit
    (`edited` None, or a record `check` refuses) is a refused what-if."""
    record = case.records[0]
    got = answered(record, changes, trials, case.on, later)
    expected = None if edited is None else checked(edited, edited_trials or trials, later or case.on)
    context = (
        f"changes {[f'{c.option} {c.text}' for c in changes]}, later {later}\non {case.on}\n{case.criteria}\n{record}"
    )
    event("refused" if expected is None else "answered, something changed" if got and got[0] != got[1] else "answered")
    if expected is None:
        assert got is None, f"whatif answered what `check` refuses:\n{context}"
        return
    assert got is not None, f"whatif refused what `check` answers:\n{context}"
    before, after = got
    assert before == checked(record, trials, case.on), context
    assert after == expected, context


# ----- the changes, and the same edits made by hand -----------------------------------


def canonical(name: str) -> str:
    known = VOCABULARY.attribute(name)
    return known.name if known is not None else name


@st.composite
def set_change(draw: st.DrawFn, case: Case) -> tuple[Change, dict[str, Any]]:
    """A `--set` of a result the criteria look at (or any), often on a day the record holds
    one of it, with the entry it adds by hand (no laboratory limit: --set gives none)."""
    record = case.records[0]
    targets = collect_targets(case.criteria.modules())
    drawer = Drawer(draw, targets, case.on)
    looked_at = sorted({a for aim in targets.aims for a in aim.attributes})
    pool = [a for a in RESULTS if a.name in looked_at] if looked_at and drawer.chance(85) else RESULTS
    attribute = drawer.pick(pool)
    held = sorted(
        {str(m["date"]) for m in record.get("measurements", []) if canonical(m["attribute"]) == attribute.name}
    )
    mode = drawer.pick(["reference", "held", "near"])
    day = dt.date.fromisoformat(drawer.pick(held)) if mode == "held" and held else drawer.date_near()
    entry = drawer.measurement(attribute, day)
    for limit in ("uln", "reference_range"):
        entry.pop(limit, None)
    unit = entry.get("unit", "")
    # a unit beginning with a digit (10^9/L) is told from the value by a space
    space = " " if unit[:1].isdigit() or (unit and drawer.chance(20)) else ""
    value = f"{entry['value']}{space}{unit}"
    if mode == "reference":
        entry["date"] = case.on.isoformat()
        return Change("--set", f"{entry['attribute']}={value}"), entry
    return Change("--set", f"{entry['attribute']}={value}@{day}"), entry


def one_unit(attribute: str, unit: str, other: str) -> bool:
    """README: the same unit, or another spelling of it (one U/L is one IU/L)."""
    if unit == other:
        return True
    known = VOCABULARY.attribute(attribute)
    if known is None or not unit or not other:
        return False
    try:
        return VOCABULARY.to_canonical(known, Fraction(1), unit) == VOCABULARY.to_canonical(known, Fraction(1), other)
    except ValueError:
        return False


def set_by_hand(record: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any] | None:
    """README: the result replaces one of the attribute the record holds that day, keeping its
    laboratory's limit, so the value must be in that result's unit (None: refused)."""
    edited = copy.deepcopy(record)
    entry = dict(entry)
    kept = []
    for old in edited.get("measurements", []):
        if canonical(old["attribute"]) == canonical(entry["attribute"]) and str(old["date"]) == entry["date"]:
            limits = {key: old[key] for key in ("uln", "reference_range") if key in old}
            if limits and not one_unit(old["attribute"], str(old.get("unit", "")).strip(), entry.get("unit", "")):
                return None
            entry.update(limits)
        else:
            kept.append(old)
    edited["measurements"] = [*kept, entry]
    return edited


def taken_on(record: dict[str, Any], day: str) -> list[str]:
    """The drugs the record has the patient taking on the day."""
    return sorted(
        {
            d["code"]
            for d in record.get("drugs", [])
            if str(d["start"]) <= day and (str(d["end"]) > day if "end" in d else d.get("status") != "stopped")
        }
    )


@st.composite
def taking_a_drug(draw: st.DrawFn, case: Case) -> Case:
    """The case, most often with a course of a drug the criteria name added to its record,
    started before the reference date and still taken on it (open, or ending later), now
    and then with dose changes."""
    drawer = Drawer(draw, collect_targets(case.criteria.modules()), case.on)
    if not drawer.chance(75):
        return case
    entry = drawer.interval_entry("drugs")
    start = min(dt.date.fromisoformat(entry["start"]), case.on - dt.timedelta(days=drawer.integer(0, 400)))
    entry["start"] = start.isoformat()
    if "end" not in entry or str(entry["end"]) <= case.on.isoformat() or drawer.chance(50):
        entry.pop("end", None)
        entry.pop("status", None)
    record = {**case.records[0], "drugs": [*case.records[0].get("drugs", []), entry]}
    try:
        api.read_patient(record)
    except TrialogicError:  # a negative of the record says it was never taken
        return case
    return dataclasses.replace(case, records=(record,))


@st.composite
def stop_change(draw: st.DrawFn, case: Case) -> tuple[Change, str, str]:
    """A `--stop` of a drug taken on the day (now and then of any drug the record lists, or
    of another), on the reference date or a day near it: the change, the drug and the day."""
    record = case.records[0]
    drawer = Drawer(draw, collect_targets(case.criteria.modules()), case.on)
    day = case.on.isoformat() if drawer.chance(50) else drawer.date_near().isoformat()
    taken = taken_on(record, day)
    listed = sorted({d["code"] for d in record.get("drugs", [])})
    pool = taken if taken and drawer.chance(85) else listed if listed and drawer.chance(80) else []
    code = drawer.pick(pool) if pool else drawer.code("drug")
    if day == case.on.isoformat() and drawer.chance(70):
        return Change("--stop", code), code, day
    return Change("--stop", f"{code}@{day}"), code, day


def stop_by_hand(record: dict[str, Any], code: str, day: str) -> dict[str, Any] | None:
    """Every course of the drug taken on the day (started by then, and open or ending after
    it) ends on the day; None (refused) when none is, or when the record changes the dose of
    one after the day."""
    edited = copy.deepcopy(record)
    taken = [d for d in edited.get("drugs", []) if d["code"] == code and code in taken_on({"drugs": [d]}, day)]
    if not taken:
        return None
    for drug in taken:
        if any(str(change) > day for change in drug.get("dose_changes", [])):
            return None
        drug["end"] = day
        drug.pop("status", None)
    return edited


def later_day(drawer: Drawer, on: dt.date) -> dt.date:
    return on + dt.timedelta(days=drawer.pick([0, 1, 7, 30, 84, 85, 183, 366, drawer.integer(1, 2000)]))


# ----- 1, 2: --set, --stop, --later ------------------------------------------------------


@profile(150)
@given(st.data())
def test_set_equals_adding_the_result_by_hand(data: st.DataObject) -> None:
    case = data.draw(cases(max_patients=1))
    trials = load(case.criteria)
    change, entry = data.draw(set_change(case))
    agree(case, trials, [change], set_by_hand(case.records[0], entry))


@profile(150)
@given(st.data())
def test_stop_and_later_equal_ending_the_drug_by_hand_and_checking_that_day(data: st.DataObject) -> None:
    case = data.draw(cases(max_patients=1).flatmap(taking_a_drug))
    trials = load(case.criteria)
    drawer = Drawer(data.draw, collect_targets(case.criteria.modules()), case.on)
    record = case.records[0]
    later = later_day(drawer, case.on) if drawer.chance(60) else None
    if drawer.chance(80):
        change, code, day = data.draw(stop_change(case))
        agree(case, trials, [change], stop_by_hand(record, code, day), later)
    else:
        agree(case, trials, [], record, later)


@profile(100)
@given(st.data())
def test_set_and_stop_together_on_a_later_day(data: st.DataObject) -> None:
    case = data.draw(cases(max_patients=1).flatmap(taking_a_drug))
    trials = load(case.criteria)
    set_, entry = data.draw(set_change(case))
    stop, code, day = data.draw(stop_change(case))
    edited = set_by_hand(case.records[0], entry)
    edited = edited and stop_by_hand(edited, code, day)
    later = later_day(Drawer(data.draw, collect_targets(case.criteria.modules()), case.on), case.on)
    agree(case, trials, [set_, stop], edited, later)


# ----- 4: --drop, --relax ------------------------------------------------------------------


@st.composite
def trial_change(draw: st.DrawFn, case: Case) -> tuple[Change, CriteriaFiles]:
    """A `--drop` or `--relax` of a criterion of the trial file, and the file edited so by hand:
    the criterion's lines deleted, or its expression (the rest of its line, or the line after
    a line ending in `:`) replaced with a new one."""
    modules = case.criteria.modules()
    main = modules[-1]
    trial = draw(st.sampled_from(main.trials))
    criterion = draw(st.sampled_from(trial.criteria))
    name, text = case.criteria.files[-1]
    lines = text.split("\n")
    first = criterion.pos.line - 1
    head = lines[first]
    on_two = head.rstrip().endswith(":")
    target = f"{trial.id}:{criterion.id}"
    if len(trial.criteria) > 1 and draw(st.booleans()):
        del lines[first : first + 1 + on_two]
        change = Change("--drop", target)
    else:
        # a new expression over the names the criterion sees: concept sets, definitions
        sets = {c.name: c for m in modules for c in m.concepts}
        visible = Visible(
            {name: kind_of_set(concept, sets) for name, concept in sets.items()},
            [d.name for d in (*main.defines, *trial.defines)],
            [d.name for m in modules[:-1] for d in m.defines],
        )
        expression, _ = Writer(draw).expr(visible, draw(st.integers(0, 2)))
        if on_two:
            lines[first + 1] = f"    {expression}"
        else:
            # `  include ID "TEXT": EXPR`: the sentence is quoted, the expression follows its `":`
            lines[first] = head[: head.index('": ') + 3] + expression
        change = Change("--relax", f"{target}={expression}")
    edited = CriteriaFiles((*case.criteria.files[:-1], (name, "\n".join(lines))))
    return change, edited


@profile(120)
@given(st.data())
def test_drop_and_relax_equal_editing_the_trial_file_by_hand(data: st.DataObject) -> None:
    case = data.draw(cases(max_patients=1))
    trials = load(case.criteria)
    change, edited = data.draw(trial_change(case))
    edited_trials = load(edited)
    assert {t: [c.id for c in trial.criteria] for t, trial in edited_trials.trials.items()} == {
        t: [c.id for c in trial.criteria if not (change.option == "--drop" and change.text == f"{t}:{c.id}")]
        for t, trial in trials.trials.items()
    }, f"the file was not edited as meant:\n{edited}"
    agree(case, trials, [change], case.records[0], edited_trials=edited_trials)


# ----- 3: scenarios on one grounding -----------------------------------------------------


@st.composite
def scenario_list(draw: st.DrawFn, case: Case) -> list[Scenario]:
    """Two to five scenarios of --set, --stop, --drop and --relax changes, a few on later days
    (some sharing one)."""
    drawer = Drawer(draw, collect_targets(case.criteria.modules()), case.on)
    shared_later = later_day(drawer, case.on)
    scenarios = []
    for number in range(drawer.integer(2, 5)):
        changes = []
        for _ in range(drawer.integer(1, 3)):
            kind = drawer.pick(["--set", "--set", "--stop", "trial"])
            if kind == "--set":
                changes.append(draw(set_change(case))[0])
            elif kind == "--stop":
                changes.append(draw(stop_change(case))[0])
            else:
                changes.append(draw(trial_change(case))[0])
        later = drawer.pick([None, None, None, shared_later, later_day(drawer, case.on)])
        scenarios.append(Scenario(f"s{number}", tuple(changes), later))
    return scenarios


def written(scenarios: list[Scenario]) -> list[Scenario]:
    """The scenarios written to a scenario file's text and read back from it."""
    entries = [
        {
            "name": s.name,
            "changes": [f"{c.option} {c.text}" for c in s.changes] + ([f"--later {s.later}"] if s.later else []),
        }
        for s in scenarios
    ]
    return parse_scenarios(yaml.safe_dump(entries, allow_unicode=True))


@profile(80)
@given(st.data())
def test_scenarios_on_one_grounding_equal_one_whatif_each(data: st.DataObject) -> None:
    case = data.draw(cases(max_patients=1).flatmap(taking_a_drug))
    trials = load(case.criteria)
    record = case.records[0]
    scenarios = data.draw(scenario_list(case))
    single = [answered(record, list(s.changes), trials, case.on, s.later) for s in scenarios]
    context = f"on {case.on}\n{case.criteria}\n{record}\n{scenarios}"
    event(f"{sum(s is not None for s in single)} of {len(single)} scenarios answered")
    if None in single:  # a scenario whatif refuses is refused in the file too; the others are compared
        with pytest.raises(TrialogicError):
            run_scenarios(record, written(scenarios), trials, case.on)
    answerable = [(s, answer) for s, answer in zip(scenarios, single, strict=True) if answer is not None]
    if not answerable:
        return
    outcomes = run_scenarios(record, written([s for s, _ in answerable]), trials, case.on)
    for outcome, (_, expected) in zip(outcomes, answerable, strict=True):
        got = statuses([f.before for f in outcome.flips]), statuses([f.after for f in outcome.flips])
        assert got == expected, f"scenario {outcome.scenario.name}:\n{context}"
