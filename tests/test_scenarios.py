"""What-if scenarios on one grounding: each equals a separate `check` of the changed record;
the scenario file's errors; the CLI."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_whatif import SEED_MODULES, SEEDS, TRIAL, changes
from trialogic import TrialogicError, api
from trialogic import scenarios as scenarios_module
from trialogic.cli import main
from trialogic.patient import load_records, read_document
from trialogic.scenario_file import Scenario, parse_scenarios
from trialogic.scenarios import SharedGrounding, run_scenarios, variant_facts
from trialogic.whatif import Change, apply_changes, change_trials

from strategies import dated_patient_records

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).parent.parent
P05 = ROOT / "facts" / "patients" / "p05.yaml"
TODAY = dt.date(2026, 11, 22)


def statuses(results: list[api.TrialResult]) -> list[tuple[str, str, list[tuple[str, str]]]]:
    return [(r.trial, r.status, [(c.id, c.status) for c in r.criteria]) for r in results]


def by_hand(record: dict[str, Any], scenario: Scenario, on: dt.date) -> list[api.TrialResult]:
    """A separate check of the changed record, against the changed trials, on the scenario's day."""
    trials = change_trials(SEEDS, list(scenario.changes))  # assessments are judged against these
    patient = api.read_patient(apply_changes(record, list(scenario.changes), trials, on), "changed", SEEDS.vocabulary)
    return api.check([patient], trials, on=scenario.later or on)


# ----- one grounding equals a check per changed record ------------------------------


@st.composite
def scenario_lists(draw: st.DrawFn, record: dict[str, Any], today: dt.date) -> list[Scenario]:
    """1-4 scenarios of random changes (those of test_whatif, plus stopping a drug still
    taken, removing a condition or a result the record holds), some on a later day, some
    with a criterion dropped."""
    open_drugs = sorted({d["code"] for d in record.get("drugs", []) if d.get("end") is None})
    conditions = sorted({c["code"] for c in record.get("conditions", [])})
    attributes = sorted({m["attribute"] for m in record.get("measurements", [])})
    criteria = [(t.id, c.id) for t in SEEDS.trials.values() for c in t.criteria]
    scenarios = []
    for number in range(draw(st.integers(1, 4))):
        drawn = [Change(option, text) for option, text, _ in draw(changes(record, today))]
        extra = [("--stop", f"{code}@{today}") for code in open_drugs]
        extra += [("--remove-condition", code) for code in conditions]
        extra += [("--unset", attribute) for attribute in attributes]
        if extra and draw(st.booleans()):
            drawn.insert(draw(st.integers(0, len(drawn))), Change(*draw(st.sampled_from(extra))))
        if draw(st.integers(0, 4)) == 0:
            trial, criterion = draw(st.sampled_from(criteria))
            drawn.append(Change("--drop", f"{trial}:{criterion}"))
        later = today + dt.timedelta(days=draw(st.integers(1, 120))) if draw(st.integers(0, 3)) == 0 else None
        scenarios.append(Scenario(f"s{number}", tuple(drawn), later))
    return scenarios


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_each_scenario_equals_a_separate_check(data: st.DataObject) -> None:
    today, record = data.draw(dated_patient_records(SEED_MODULES))
    record = json.loads(json.dumps(record, default=str))
    scenarios = data.draw(scenario_lists(record, today))
    try:
        expected = [by_hand(record, scenario, today) for scenario in scenarios]
        before = api.check([api.read_patient(record)], SEEDS, on=today)
    except TrialogicError:
        with pytest.raises(TrialogicError):
            run_scenarios(record, scenarios, SEEDS, today)
        return
    outcomes = run_scenarios(record, scenarios, SEEDS, today)
    assert [o.scenario.name for o in outcomes] == [s.name for s in scenarios]
    for outcome, after in zip(outcomes, expected, strict=True):
        assert statuses([f.after for f in outcome.flips]) == statuses(after)
        assert statuses([f.before for f in outcome.flips]) == statuses(before)
        assert outcome.checked_on == (outcome.scenario.later or today)


def test_variants_that_differ_in_one_value_get_their_own_answers() -> None:
    """Three results of one attribute on one day, one per variant: only the variant's own counts."""
    base = {"id": "V1", "birth_date": "1990-01-01", "sex": "female"}
    records = [
        {
            **base,
            "measurements": [{"attribute": "serum_creatinine", "value": v, "unit": "umol/L", "date": "2026-11-01"}],
        }
        for v in (100, 260, 300)
    ]
    variants = [api.read_patient(r) for r in records]
    grounding = SharedGrounding(SEEDS.solver(), [variant_facts(v) for v in variants], TODAY)
    for index in (2, 0, 1, 2, 0):  # in any order, and again
        (expected,) = [statuses(api.check([variants[index]], SEEDS, on=TODAY))]
        assert statuses(scenarios_module.results(variants[index], grounding.answer(index), SEEDS)) == expected
    got = {grounding.answer(i).status("NCT01539902", "creatinine", "exclusion") for i in range(3)}
    assert got == {"met", "not_met"}


def test_an_example_patient_with_two_results_of_one_attribute() -> None:
    """P05 has two creatinine results and a ULN criterion: the case externals declared
    through the backend got wrong (see trialogic.scenarios)."""
    ((record, source),) = load_records(P05)
    scenarios = parse_scenarios(
        "- {name: as is later, changes: [--later 2026-11-23]}\n"
        "- {name: older result only, changes: ['--set serum_creatinine=1.0mg/dL@2026-11-12']}\n"
    )
    outcomes = run_scenarios(record, scenarios, SEEDS, TODAY, source)
    patient = api.read_patient(record, source)
    assert statuses([f.before for f in outcomes[0].flips]) == statuses(api.check([patient], SEEDS, on=TODAY))
    for outcome, scenario in zip(outcomes, scenarios, strict=True):
        assert statuses([f.after for f in outcome.flips]) == statuses(by_hand(record, scenario, TODAY))
    renal = next(f for f in outcomes[0].flips if f.trial == "NCT04318600")
    assert {c.id: c.status for c in renal.after.criteria}["renal_function"] == "met"


def test_one_grounding_per_date_and_trial_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []
    real = SharedGrounding.__init__

    def counting(self: SharedGrounding, *args: Any) -> None:
        real(self, *args)
        made.append(len(self.facts))

    monkeypatch.setattr(SharedGrounding, "__init__", counting)
    ((record, source),) = load_records(P05)
    text = "".join(f"- {{name: s{i}, changes: ['--set serum_creatinine={70 + 10 * i}umol/L']}}\n" for i in range(5)) + (
        "- {name: later, changes: [--later 2027-03-01]}\n"
        "- {name: drop, changes: ['--drop NCT01539902:creatinine', '--set weight=70kg']}\n"
        "- {name: drop again, changes: ['--drop NCT01539902:creatinine']}\n"
    )
    outcomes = run_scenarios(record, parse_scenarios(text), SEEDS, TODAY, source)
    assert len(outcomes) == 8
    assert sorted(made) == [1, 2, 6]  # the five with the record as it is; the later one; the two drops


# ----- the scenario file ---------------------------------------------------------------

BAD: list[dict[str, Any]] = yaml.safe_load((FIXTURES / "bad_scenarios.yaml").read_text())


@pytest.mark.parametrize("case", BAD, ids=[c["name"] for c in BAD])
def test_bad_scenario_files(case: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "scenarios.yaml"
    path.write_text(case["scenarios"])
    result = CliRunner().invoke(main, ["whatif", str(P05), "--on", "2026-11-22", "--scenarios", str(path)])
    assert result.exit_code == 1, result.output
    found = [line.removeprefix("Error: ") for line in result.output.splitlines() if "error[" in line]
    assert found == [error.replace("FILE", str(path)) for error in case["errors"]]
    assert "→" not in result.output  # no partial answer


def test_a_key_given_twice_is_said_in_the_words_a_record_says_it() -> None:
    """One wording for a repeated key, in a scenario file as in a patient record; each keeps
    its own code, place and field."""
    text = "- name: lower\n  changes: [--set serum_creatinine=90umol/L]\n  changes: [--later 2027-01-01]\n"
    with pytest.raises(TrialogicError) as as_scenarios:
        parse_scenarios(text, "s.yaml")
    with pytest.raises(TrialogicError) as as_records:
        read_document(text, "p.yaml", "yaml")
    (in_scenarios,) = as_scenarios.value.diagnostics
    (in_records,) = as_records.value.diagnostics
    assert in_scenarios.message == in_records.message
    assert "'changes' is given twice (lines 2 and 3)" in in_scenarios.message
    where = [(d.file, d.line, d.column, d.code, d.field) for d in (in_scenarios, in_records)]
    assert where == [("s.yaml", 3, 3, "W003", "scenario 1"), ("p.yaml", 3, 3, "P006", "[0].changes")]


def test_every_problem_of_every_scenario_at_once() -> None:
    ((record, source),) = load_records(P05)
    text = "- {name: a, changes: [--stop rituximab]}\n- {name: b, changes: ['--set wbc=4x10^9/L']}\n"
    text += "- {name: c, changes: [--unset urine_rbc, '--drop NCT01539902:nothing']}\n"
    with pytest.raises(TrialogicError) as raised:
        run_scenarios(record, parse_scenarios(text, "s.yaml"), SEEDS, TODAY, source)
    found = [(d.line, d.field, d.code) for d in raised.value.diagnostics]
    assert found == [
        (1, 'scenario 1 "a", change 1 "--stop rituximab"', "W001"),
        (3, 'scenario 3 "c", change 1 "--unset urine_rbc"', "W001"),
        (3, 'scenario 3 "c", change 2 "--drop NCT01539902:nothing"', "W001"),
    ]


def test_a_problem_reached_through_an_alias_is_placed_where_the_alias_is() -> None:
    """A scenario, a list of changes or a change written once (`&x`) and used again (`*x`):
    each problem of the use is placed at the alias, not at the anchor's line."""
    text = "- &first\n  name: a\n  changes: &list [--sett wbc=4x10^9/L]\n- name: b\n  changes: *list\n- *first\n"
    with pytest.raises(TrialogicError) as raised:
        parse_scenarios(text, "s.yaml")
    lines = text.splitlines()
    found = [(d.line, d.column, d.source_line, d.field, d.code) for d in raised.value.diagnostics]
    change = 'change 1 "--sett wbc=4x10^9/L"'
    assert found == [
        (3, lines[2].index("--sett") + 1, lines[2], f'scenario 1 "a", {change}', "W004"),
        (5, lines[4].index("*list") + 1, lines[4], f'scenario 2 "b", {change}', "W004"),
        (6, 3, lines[5], 'scenario 3 "a"', "W003"),  # a second scenario named a
        (6, 3, lines[5], f'scenario 3 "a", {change}', "W004"),
    ]
    ((record, source),) = load_records(P05)
    text = "- name: a\n  changes: [&stop --stop rituximab]\n- name: b\n  changes: ['--set wbc=4x10^9/L', *stop]\n"
    with pytest.raises(TrialogicError) as raised:
        run_scenarios(record, parse_scenarios(text, "s.yaml"), SEEDS, TODAY, source)
    found = [(d.line, d.column, d.field, d.code) for d in raised.value.diagnostics]
    assert found == [
        (2, text.splitlines()[1].index("&stop") + 1, 'scenario 1 "a", change 1 "--stop rituximab"', "W001"),
        (4, text.splitlines()[3].index("*stop") + 1, 'scenario 2 "b", change 2 "--stop rituximab"', "W001"),
    ]


MERGED = """\
- &low
  name: creatinine down
  changes: [--set serum_creatinine=80umol/L]
- &march
  name: in March
  changes: [--later 2027-03-01]
- <<: *low
  name: creatinine down again
- name: first merge first
  <<: [*march, *low]
"""


def test_a_scenario_may_merge_another_as_a_record_may() -> None:
    """`<<: *x` was an unknown key '<<', though records take merge keys: the keys a scenario
    does not give itself come from the mappings it merges, the first first."""
    scenarios = parse_scenarios(MERGED, "s.yaml")
    assert [(s.name, s.changes, s.later) for s in scenarios] == [
        ("creatinine down", (Change("--set", "serum_creatinine=80umol/L"),), None),
        ("in March", (), dt.date(2027, 3, 1)),
        ("creatinine down again", (Change("--set", "serum_creatinine=80umol/L"),), None),
        ("first merge first", (), dt.date(2027, 3, 1)),
    ]
    lines = MERGED.splitlines()
    merged = scenarios[2].places[0]  # a merged change is placed where the scenario merges it
    assert (merged.line, merged.column, merged.source_line) == (7, lines[6].index("*low") + 1, lines[6])
    assert scenarios[2].where is not None and scenarios[2].where.line == 7
    # a scenario is placed where it starts, not at an alias of its changes
    (_, again) = parse_scenarios("- name: a\n  changes: &l [--later 2027-03-01]\n- name: b\n  changes: *l\n")
    assert again.where is not None and (again.where.line, again.where.column) == (3, 3)


def test_a_problem_a_scenario_merges_is_placed_where_it_merges_it() -> None:
    text = (
        "- &typo\n"
        "  name: base\n"
        "  chnges: [--set wbc=4x10^9/L]\n"
        "- name: merged\n"
        "  <<: *typo\n"
        "- &bad {name: bad, changes: [--sett wbc=4x10^9/L]}\n"
        "- name: again\n"
        "  <<: [*bad, 3]\n"
    )
    with pytest.raises(TrialogicError) as raised:
        parse_scenarios(text, "s.yaml")
    lines = text.splitlines()
    found = [(d.line, d.column, d.field, d.code, d.message.split(";")[0]) for d in raised.value.diagnostics]
    change = 'change 1 "--sett wbc=4x10^9/L"'
    assert found == [
        (1, 3, 'scenario 1 "base"', "W003", "changes is missing or not a list"),
        (3, 3, 'scenario 1 "base"', "W003", "unknown key 'chnges'"),
        (4, 3, 'scenario 2 "merged"', "W003", "changes is missing or not a list"),
        (5, lines[4].index("*typo") + 1, 'scenario 2 "merged"', "W003", "unknown key 'chnges'"),
        (6, lines[5].index("--sett") + 1, f'scenario 3 "bad", {change}', "W004", "unknown option '--sett'"),
        (8, lines[7].index("*bad") + 1, f'scenario 4 "again", {change}', "W004", "unknown option '--sett'"),
        (
            8,
            lines[7].index("3") + 1,
            'scenario 4 "again"',
            "W003",
            "`<<` merges a mapping, such as another scenario (`- &name` on it)",
        ),
    ]


def test_option_and_argument_may_be_joined_by_equals() -> None:
    (scenario,) = parse_scenarios("- name: a\n  changes: ['--set=wbc=4x10^9/L', '--relax=T:c=age > 3 years']\n")
    assert scenario.changes == (Change("--set", "wbc=4x10^9/L"), Change("--relax", "T:c=age > 3 years"))


# ----- the command ---------------------------------------------------------------------


def test_cli_scenarios(tmp_path: Path) -> None:
    trial = tmp_path / "w.tl"
    trial.write_text(TRIAL)
    patient = tmp_path / "w1.yaml"
    patient.write_text(
        yaml.safe_dump(
            {
                "id": "W1",
                "birth_date": "1990-01-01",
                "measurements": [
                    {"attribute": "serum_creatinine", "value": 2.0, "unit": "mg/dL", "date": "2026-11-01"}
                ],
                "drugs": [{"code": "rituximab", "start": "2026-06-01", "end": "2026-07-01"}],
                "complete": ["drugs", "conditions"],
                "assessments": [
                    {"trial": "NCT00000099", "criterion": "opinion", "result": "not_met", "date": "2026-11-01"}
                ],
            }
        )
    )
    scenarios = tmp_path / "s.yaml"
    scenarios.write_text(
        "- name: creatinine up\n  changes: [--set serum_creatinine=300umol/L]\n"
        "- name: washout over\n  changes: [--later 2026-12-17]\n"
        "- name: nothing flips\n  changes: [--set serum_creatinine=2.1mg/dL]\n"
    )
    args = ["whatif", str(patient), "--trials", str(trial), "--on", "2026-11-22", "--scenarios", str(scenarios)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = [line.rstrip() for line in result.output.splitlines() if line.strip()]
    assert lines == [
        "1. creatinine up (--set serum_creatinine=300umol/L)",
        "  NCT00000099: ineligible → ineligible  scr: not_met → met",
        "2. washout over on 2026-12-17",
        "  NCT00000099: ineligible → eligible  rtx: met → not_met",
        "3. nothing flips (--set serum_creatinine=2.1mg/dL)",
        "  no trial changes",
    ]
    document = json.loads(CliRunner().invoke(main, [*args, "--json"]).output)
    assert [s["scenario"] for s in document] == ["creatinine up", "washout over", "nothing flips"]
    assert document[1]["checked_on"] == "2026-12-17" and document[1]["reference_date"] == "2026-11-22"
    assert document[1]["changes"] == ["--later 2026-12-17"]  # a scenario's changes are never silently empty
    (trial_doc,) = document[0]["trials"]
    assert (trial_doc["before"], trial_doc["after"]) == ("ineligible", "ineligible")
    assert trial_doc["flipped"] == [
        {
            "before": {"id": "scr", "kind": "exclusion", "status": "not_met"},
            "after": {"id": "scr", "kind": "exclusion", "status": "met"},
        }
    ]
    assert document[0]["changes"] == ["--set serum_creatinine=300umol/L"]


def test_cli_scenarios_do_not_mix_with_change_options(tmp_path: Path) -> None:
    scenarios = tmp_path / "s.yaml"
    scenarios.write_text("- {name: a, changes: [--later 2027-01-01]}\n")
    args = ["whatif", str(P05), "--scenarios", str(scenarios), "--stop", "tacrolimus", "--later", "2027-01-01"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "--stop, --later cannot go with --scenarios: write the changes in the file" in result.output


def test_the_shipped_example_file_answers_as_one_whatif_per_scenario() -> None:
    """facts/scenarios/p05.yaml (the README's example): each scenario's JSON equals a
    plain `whatif` with the same changes."""
    example = ROOT / "facts" / "scenarios" / "p05.yaml"
    together = CliRunner().invoke(
        main, ["whatif", str(P05), "--on", "2026-11-22", "--scenarios", str(example), "--json"]
    )
    assert together.exit_code == 0, together.output
    document = json.loads(together.output)
    assert [s["scenario"] for s in document] == [s["name"] for s in yaml.safe_load(example.read_text())]
    for scenario in document:
        options = [part for change in scenario["changes"] for part in change.split(" ", 1)]  # --later too
        alone = CliRunner().invoke(main, ["whatif", str(P05), "--on", "2026-11-22", *options, "--json"])
        assert alone.exit_code == 0, alone.output
        expected = {t["trial"]: (t["before"], t["after"], t["in_the_way"]) for t in json.loads(alone.output)["trials"]}
        got = {t["trial"]: (t["before"], t["after"], t["in_the_way"]) for t in scenario["trials"]}
        assert got == expected, scenario["scenario"]
    assert any(t["after"] == "eligible" for t in document[1]["trials"]), "in March the infection window has passed"


def test_a_malformed_scenario_does_not_hide_the_others_problems(tmp_path: Path) -> None:
    scenarios = tmp_path / "s.yaml"
    scenarios.write_text(
        "- name: a\n  chnages: [--later 2027-01-01]\n"
        '- name: b\n  changes: ["--relax NCT01539902:creatinine=serum_creatinine >"]\n'
    )
    result = CliRunner().invoke(main, ["whatif", str(P05), "--on", "2026-11-22", "--scenarios", str(scenarios)])
    assert result.exit_code == 1
    assert "unknown key 'chnages'; did you mean 'changes'?" in result.output
    assert 'scenario 2 "b", change 1 "--relax NCT01539902:creatinine=serum_creatinine >": error[E001]' in result.output
