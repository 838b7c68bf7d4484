"""Minimal changes: a scenario table, and applying every reported alternative."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings

from trialogic import TrialogicError, api
from trialogic.cli import main
from trialogic.explain import decimal_text
from trialogic.parser import parse_file
from trialogic.patient import GRAIN
from trialogic.repair import Alternative
from trialogic.resources import facts_dir, rules_dir
from trialogic.vocabulary import load_vocabulary

from strategies import dated_patient_records

TODAY = dt.date(2026, 11, 22)
VOCABULARY = load_vocabulary()

SCENARIOS: list[dict[str, Any]] = [
    {
        "name": "a consent the record says was never given is not signed in a plan (the record would contradict)",
        "criteria": 'include agreed "Agrees to use contraception": consent contraception_agreement',
        "patient": {"negatives": [{"kind": "consent", "code": "contraception_agreement"}]},
        "alternatives": [],
        "blocked_by": ["agreed"],
    },
    {
        "name": "a test the record holds a result of today is taken tomorrow: the wait is needed",
        "criteria": 'include activity "x": sledai_2k > 8 or bilag_renal in {A, B}',
        "patient": {"measurements": [{"attribute": "sledai_2k", "value": 3, "date": "2026-11-22"}]},
        "alternatives": [
            [
                # one value settles the criterion: the other may be anything
                "obtain a disease activity score on 2026-11-23 — assumed result: "
                "{sledai_2k 9 (any > 8); any bilag_renal|bilag_renal A; any sledai_2k|bilag_renal B; any sledai_2k}",
                "wait until 2026-11-23 (1 day)",
            ]
        ],
        "eligible_on": "2026-11-23",
    },
    {
        "name": "a result judged against the usual ULN says so",
        "criteria": 'exclude alt "ALT above 1.5 x ULN": alt > 1.5 x ULN',
        "patient": {},
        "alternatives": [
            # 1.5 × 40 U/L is 60 U/L: a limit like any other, which the range includes
            ["obtain a liver panel — assumed result: alt 60 U/L (its ULN taken as the usual 40 U/L; any ≤ 60)"]
        ],
        "eligible_on": "2026-11-22",
    },
    {
        "name": "no usual ULN: the result is assumed as a multiple of the lab's limit",
        "criteria": 'exclude bili "bilirubin above 1.5 x ULN": total_bilirubin > 1.5 x ULN',
        "patient": {},
        "alternatives": [["obtain a liver panel — assumed result: total_bilirubin at {1.499|1.5} × its ULN"]],
        "eligible_on": "2026-11-22",
    },
    {
        "name": "no usual ULN, a threshold on the value too: both are assumed",
        "criteria": (
            'exclude bili "bilirubin above 14 mg/L or 2 x ULN": total_bilirubin > 14 mg/L or total_bilirubin > 2 x ULN'
        ),
        "patient": {},
        "alternatives": [
            # at 1.999 × its ULN, neither value has a decimal limit (1.39 ÷ 1.999): no record holds it
            ["obtain a liver panel — assumed result: total_bilirubin {1.39|1.4} mg/dL, 2 × its ULN"]
        ],
        "eligible_on": "2026-11-22",
    },
    {
        "name": "a washout ends: eligible from the exact day",
        "criteria": 'exclude rtx "Rituximab within 24 weeks": drug rituximab within 24 weeks',
        "patient": {
            "drugs": [{"code": "rituximab", "start": "2026-06-01", "end": "2026-07-01"}],
            "complete": ["drugs"],
        },
        # 2026-07-01 + 168 days is the last day inside the window; the next day is free.
        "alternatives": [["wait until 2026-12-17 (25 days)"]],
        "eligible_on": "2026-12-17",
    },
    {
        "name": "waiting out a washout makes the biopsy stale: wait and repeat it",
        "criteria": (
            'exclude rtx "Rituximab within 24 weeks": drug rituximab within 24 weeks\n'
            '  include biopsy "Class III/IV biopsy within 12 weeks": biopsy_class in {III, IV} within 12 weeks'
        ),
        "patient": {
            "drugs": [{"code": "rituximab", "start": "2026-06-01", "end": "2026-07-01"}],
            "complete": ["drugs"],
            "measurements": [{"attribute": "biopsy_class", "value": "IV", "date": "2026-09-01"}],
        },
        "alternatives": [
            # any class the criterion accepts is a valid assumption: {III|IV} matches either
            [
                "obtain a renal biopsy on 2026-12-17 — assumed result: biopsy_class {III|IV}",
                "wait until 2026-12-17 (25 days)",
            ],
        ],
        "eligible_on": "2026-12-17",
    },
    {
        "name": "a washout with an incomplete drug list: stop, wait, and confirm the list is complete",
        "criteria": 'exclude mmf "MMF within 12 weeks": drug mycophenolate_mofetil within 12 weeks',
        "patient": {"drugs": [{"code": "mycophenolate_mofetil", "start": "2025-01-01"}]},
        "alternatives": [
            [
                "confirm that the drugs list is complete — assumed: no drug beyond those recorded (it settles mycophenolate_mofetil)",
                "stop mycophenolate_mofetil on 2026-11-22 (drugs[0])",
                "wait until 2027-02-15 (85 days)",
            ]
        ],
        "eligible_on": "2027-02-15",
    },
    {
        "name": "a drug with a recorded end after today is still taken: stop it today",
        "criteria": (
            'exclude tac "Tacrolimus within 4 weeks": drug tacrolimus within 4 weeks\n'
            '  include young "Under 40": age < 40 years'
        ),
        "patient": {
            "birth_date": "1987-03-01",  # 40 on 2027-03-01: waiting for the recorded end is too late
            "drugs": [{"code": "tacrolimus", "start": "2025-01-01", "end": "2027-06-01"}],
            "complete": ["drugs"],
        },
        "alternatives": [["stop tacrolimus on 2026-11-22 (drugs[0])", "wait until 2026-12-21 (29 days)"]],
        "eligible_on": "2026-12-21",
    },
    {
        "name": "a drug whose record holds a later dose change is stopped on the day of that change",
        "criteria": (
            'exclude tac "Tacrolimus within 4 weeks": drug tacrolimus within 4 weeks\n'
            '  include young "Under 40": age < 40 years'
        ),
        "patient": {
            "birth_date": "1987-03-01",
            "drugs": [{"code": "tacrolimus", "start": "2025-01-01", "dose_changes": ["2027-01-10"]}],
            "complete": ["drugs"],
        },
        # the record says it was taken until 2027-01-10: stopped that day (its last), the
        # 4-week window [R - 28 days, R] no longer reaches it from 2027-02-08
        "alternatives": [["stop tacrolimus on 2027-01-10 (drugs[0])", "wait until 2027-02-08 (78 days)"]],
        "eligible_on": "2027-02-08",
    },
    {
        "name": "a drug recorded to start later cannot be stopped today (the record says it starts)",
        "criteria": (
            'exclude rtx "Rituximab within 4 weeks": drug rituximab within 4 weeks\n'
            '  exclude cyc "Cyclophosphamide within 12 weeks": drug cyclophosphamide within 12 weeks'
        ),
        "patient": {
            "drugs": [
                {"code": "cyclophosphamide", "start": "2026-10-01", "end": "2026-11-01"},
                {"code": "rituximab", "start": "2026-12-01"},
            ],
            "complete": ["drugs"],
        },
        # stopping rituximab today would contradict the record; once cyclophosphamide's
        # washout is over (2027-01-25), rituximab has started: the two block together
        "alternatives": [],
        "blocked_by": ["cyc", "rtx"],
    },
    {
        "name": "an assumed result is one a record may hold (hemoglobin is 10 to 250 g/L)",
        "criteria": 'include hb "Hb at most 10 g/L": hemoglobin <= 10 g/L',
        "patient": {"sex": "female"},
        # 10 itself: the lowest a record may hold (the range says what else serves)
        "alternatives": [["obtain a blood count — assumed result: hemoglobin 10 g/L (any ≤ 10)"]],
        "eligible_on": "2026-11-22",
    },
    {
        "name": "a blood pressure whose diastolic settles the criterion leaves the systolic open "
        "(any reading a record may hold: at least the diastolic)",
        # no systolic is above 300 mmHg (the vocabulary's range): only the diastolic can be
        "criteria": 'include bp "BP above 300/100 mmHg": blood_pressure > 300/100 mmHg',
        "patient": {},
        "alternatives": [
            ["obtain a blood pressure — assumed result: blood_pressure.diastolic 101 mmHg; any blood_pressure.systolic"]
        ],
        "eligible_on": "2026-11-22",
    },
    {
        "name": "born after today: eligible from the birth date",
        "criteria": 'include age "65 or younger": age <= 65 years',
        "patient": {"birth_date": "2027-05-01"},
        "alternatives": [["wait until 2027-05-01 (160 days)"]],
        "eligible_on": "2027-05-01",
    },
    {
        "name": "two criteria that block only together are both named (the washout ends after the age limit)",
        "criteria": (
            'exclude rtx "Rituximab within 24 weeks": drug rituximab within 24 weeks\n'
            '  include age "65 or younger": age <= 65 years'
        ),
        "patient": {
            "birth_date": "1961-02-01",  # 66 on 2027-02-01; the washout ends 2027-02-08
            "drugs": [{"code": "rituximab", "start": "2026-08-01", "end": "2026-08-24"}],
            "complete": ["drugs"],
        },
        "alternatives": [],
        "blocked_by": ["age", "rtx"],
    },
    {
        "name": "a missing test: obtain it, the result an assumption",
        "criteria": 'include preg "Negative urine pregnancy test within 14 days": urine_pregnancy_test = negative within 14 days',
        "patient": {"sex": "female"},
        "alternatives": [["obtain a urine pregnancy test — assumed result: urine_pregnancy_test negative"]],
        "eligible_on": "2026-11-22",
    },
    {
        "name": "two equally cheap repairs are both listed",
        "criteria": 'include paper "Consent or a negative pregnancy test": consent informed_consent or urine_pregnancy_test = negative',
        "patient": {"sex": "female"},
        "alternatives": [
            ["obtain a urine pregnancy test — assumed result: urine_pregnancy_test negative"],
            ["sign the informed consent"],
        ],
        "eligible_on": "2026-11-22",
    },
    {
        "name": "an immutable failure: no repair, the blocking criterion named",
        "criteria": 'include female "Women only": sex = female\n  include adult "Adults": age >= 18 years',
        "patient": {"sex": "male", "birth_date": "2000-01-01"},
        "alternatives": [],
        "blocked_by": ["female"],
    },
    {
        "name": "age below the minimum: wait to the birthday",
        "criteria": 'include adult "Adults": age >= 18 years',
        "patient": {"birth_date": "2008-12-01"},
        "alternatives": [["wait until 2026-12-01 (9 days)"]],
        "eligible_on": "2026-12-01",
    },
    {
        "name": "a wait of more than a year is said in years, months and days too",
        "criteria": 'include adult "Adults": age >= 18 years',
        "patient": {"birth_date": "2010-04-11"},
        "alternatives": [["wait until 2028-04-11 (506 days: 1 year, 4 months and 20 days)"]],
        "eligible_on": "2028-04-11",
    },
    {
        "name": "a history ages out of a 5-year window",
        "criteria": 'exclude cancer "Malignancy within 5 years": condition malignancy within 5 years',
        "patient": {
            "conditions": [{"code": "malignancy", "start": "2021-01-01", "end": "2022-01-10", "status": "resolved"}],
            "complete": ["conditions"],
        },
        "alternatives": [["wait until 2027-01-11 (50 days)"]],
        "eligible_on": "2027-01-11",
    },
    {
        "name": "stopping a drug today starts its washout",
        "criteria": 'exclude tac "Tacrolimus within 4 weeks": drug tacrolimus within 4 weeks',
        "patient": {"drugs": [{"code": "tacrolimus", "start": "2025-01-01"}], "complete": ["drugs"]},
        "alternatives": [["stop tacrolimus on 2026-11-22 (drugs[0])", "wait until 2026-12-21 (29 days)"]],
        "eligible_on": "2026-12-21",
    },
    {
        "name": "an unknown history is settled by documenting its absence",
        "criteria": 'exclude hiv "HIV infection": condition hiv_infection',
        "patient": {},
        "alternatives": [["document that there was no condition hiv_infection — assumed absent"]],
        "eligible_on": "2026-11-22",
    },
    {
        "name": "the absence of a concept set is documented code by code, through nested sets",
        "preamble": (
            'concept cni "calcineurin inhibitors" = {tacrolimus, cyclosporine}\n'
            'concept strong "strong immunosuppressants" = {cni, leflunomide}\n'
        ),
        "criteria": 'exclude strong "Strong immunosuppressants within 12 weeks": drug strong within 12 weeks',
        "patient": {},
        "alternatives": [
            [
                "document that there was no drug strong (cyclosporine, leflunomide, tacrolimus) — assumed absent",
            ]
        ],
        "eligible_on": "2026-11-22",
    },
    {
        "name": "an unknown diagnosis no action supplies is named as missing, not as failing",
        "criteria": 'include ln "Lupus nephritis": condition lupus_nephritis',
        "patient": {},
        "alternatives": [],
        "blocked_by": ["ln"],
        "unknown_now": ["ln"],
    },
    {
        "name": "a drug stopped on a date the record lacks: documenting that it was before the window",
        "criteria": 'exclude rtx "Rituximab within 24 weeks": drug rituximab within 24 weeks',
        "patient": {"drugs": [{"code": "rituximab", "start": "2025-03-01", "status": "stopped"}]},
        "alternatives": [
            [
                "confirm that the drugs list is complete — assumed: no drug beyond those recorded (it settles rituximab)",
                "document when rituximab (drugs[0]) stopped — assumed before 2026-06-07",
            ]
        ],
        "eligible_on": "2026-11-22",
    },
    {
        "name": "a drug stopped on a date the record lacks after a recorded dose change: "
        "it stopped on or after that change, and the washout runs from it",
        "criteria": 'exclude rtx "Rituximab within 4 weeks": drug rituximab within 4 weeks',
        "patient": {
            "drugs": [
                {"code": "rituximab", "start": "2025-03-01", "status": "stopped", "dose_changes": ["2026-11-10"]}
            ],
            "complete": ["drugs"],
        },
        # it was offered 'before 2026-10-25', which the dose change contradicts (P009)
        "alternatives": [
            [
                "document when rituximab (drugs[0]) stopped — assumed before 2026-11-11",
                "wait until 2026-12-09 (17 days)",
            ]
        ],
        "eligible_on": "2026-12-09",
    },
    {
        "name": "two windows on one undated stop: the earlier start serves both",
        "criteria": 'exclude rtx "Rituximab within 24 weeks or 4 weeks": '
        "drug rituximab within 24 weeks or drug rituximab within 4 weeks",
        "patient": {
            "drugs": [{"code": "rituximab", "start": "2025-03-01", "status": "stopped"}],
            "complete": ["drugs"],
        },
        "alternatives": [["document when rituximab (drugs[0]) stopped — assumed before 2026-06-07"]],
        "eligible_on": "2026-11-22",
    },
    {
        "name": "a drug stopped on a date the record lacks, while the plan waits for a birthday: "
        "documenting that it was before the window of that day",
        "criteria": 'exclude cyc "Cyclosporine within 12 weeks": drug cyclosporine within 12 weeks\n'
        '  include adult "Adult": age >= 18 years',
        "patient": {
            "birth_date": "2009-03-01",
            "drugs": [{"code": "cyclosporine", "start": "2020-01-01", "status": "stopped"}],
            "complete": ["drugs"],
        },
        # it was 'blocked for good' by both: the window of 2027-03-01 opens after today, and a
        # bound after today was never offered (the record says it ended by today, so before it)
        "alternatives": [
            [
                "document when cyclosporine (drugs[0]) stopped — assumed before 2026-12-07",
                "wait until 2027-03-01 (99 days)",
            ]
        ],
        "eligible_on": "2027-03-01",
    },
    {
        "name": "an inclusion needing recent use of a drug stopped on a date the record lacks: "
        "documenting that it stopped inside the window, on or after its first day",
        "criteria": 'include rtx "Rituximab within 4 weeks": drug rituximab within 4 weeks',
        "patient": {"drugs": [{"code": "rituximab", "start": "2025-03-01", "status": "stopped"}]},
        # 2026-11-22 - 28 days: the window's first day, which it includes
        "alternatives": [["document when rituximab (drugs[0]) stopped — assumed on or after 2026-10-25"]],
        "eligible_on": "2026-11-22",
    },
    {
        "name": "a condition resolved on a date the record lacks, needed within a window: on or after its start",
        "criteria": 'include inf "Infection within 3 months": condition infection within 3 months',
        "patient": {"conditions": [{"code": "infection", "start": "2025-03-01", "status": "resolved"}]},
        "alternatives": [["document when infection (conditions[0]) ended — assumed on or after 2026-08-22"]],
        "eligible_on": "2026-11-22",
    },
    {
        "name": "an inclusion and an exclusion on one undated stop: it ended inside the one, before the other",
        "criteria": 'include rtx "Rituximab within 12 weeks": drug rituximab within 12 weeks\n'
        '  exclude recent "Rituximab within 2 weeks": drug rituximab within 2 weeks',
        "patient": {
            "drugs": [{"code": "rituximab", "start": "2025-03-01", "status": "stopped"}],
            "complete": ["drugs"],
        },
        # it was offered 'before 2026-11-08' alone: a stop in 2025 would then fail the inclusion
        "alternatives": [
            ["document when rituximab (drugs[0]) stopped — assumed on or after 2026-08-30 and before 2026-11-08"]
        ],
        "eligible_on": "2026-11-22",
    },
    {
        "name": "an inclusion and an exclusion no end date satisfies both: no plan, both named",
        "criteria": 'include rtx "Rituximab within 2 weeks": drug rituximab within 2 weeks\n'
        '  exclude older "Rituximab within 12 weeks": drug rituximab within 12 weeks',
        "patient": {
            "drugs": [{"code": "rituximab", "start": "2025-03-01", "status": "stopped"}],
            "complete": ["drugs"],
        },
        "alternatives": [],
        "blocked_by": ["older", "rtx"],
        "unknown_now": ["older", "rtx"],
    },
    {
        "name": "an inclusion on a window and an exclusion on today: it stopped inside the window, before today",
        "criteria": 'include rtx "Rituximab within 4 weeks": drug rituximab within 4 weeks\n'
        '  exclude now "Taking rituximab": drug rituximab active',
        "patient": {
            "drugs": [{"code": "rituximab", "start": "2025-03-01", "status": "stopped"}],
            "complete": ["drugs"],
        },
        # stopped today, it would still be taken today (an end on R counts as active)
        "alternatives": [
            ["document when rituximab (drugs[0]) stopped — assumed on or after 2026-10-25 and before 2026-11-22"]
        ],
        "eligible_on": "2026-11-22",
    },
    {
        "name": "an exception by status reads an undated end on today: it ended inside the window, before today",
        "criteria": 'include inf "Infection within 4 weeks, none still active": '
        "condition infection except bacterial_infection[active] within 4 weeks",
        "patient": {"conditions": [{"code": "bacterial_infection", "start": "2025-03-01", "status": "resolved"}]},
        # ended today, it would still be active today, and the exception would remove it
        "alternatives": [
            [
                "document when bacterial_infection (conditions[0]) ended — "
                "assumed on or after 2026-10-25 and before 2026-11-22"
            ]
        ],
        "eligible_on": "2026-11-22",
    },
    {
        "name": "already eligible needs nothing",
        "criteria": 'include adult "Adults": age >= 18 years',
        "patient": {"birth_date": "1980-01-01"},
        "alternatives": [[]],
        "eligible_on": "2026-11-22",
    },
]


def matches(pattern: str, text: str) -> bool:
    """Whether an action's text is the expected one, where `{A|B}` in the expected text
    stands for either A or B (an assumed result the criterion accepts either way)."""
    parts = re.split(r"\{([^{}]*\|[^{}]*)\}", pattern)
    regex = "".join(re.escape(p) if i % 2 == 0 else "(?:" + "|".join(map(re.escape, p.split("|"))) + ")"
                    for i, p in enumerate(parts))  # fmt: skip
    return re.fullmatch(regex, text) is not None


def trial_file(tmp_path: Path, criteria: str, preamble: str = "") -> Path:
    path = tmp_path / "fix.tl"
    path.write_text(f'{preamble}trial NCT00000099 "fix" {{\n  {criteria}\n}}\n')
    return path


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_scenario(scenario: dict[str, Any], tmp_path: Path) -> None:
    trials = api.load_trials([trial_file(tmp_path, scenario["criteria"], scenario.get("preamble", ""))])
    patient = api.read_patient({"id": "F1", **scenario["patient"]})
    (repair,) = api.fix(patient, trials, on=TODAY)
    got = sorted(sorted(a.text for a in alternative.actions) for alternative in repair.alternatives)
    expected = sorted(sorted(a) for a in scenario["alternatives"])
    assert len(got) == len(expected), got
    for texts, patterns in zip(got, expected, strict=True):
        assert len(texts) == len(patterns) and all(map(matches, patterns, texts)), (texts, patterns)
    assert list(repair.blocked_by) == scenario.get("blocked_by", [])
    assert list(repair.unknown_now) == scenario.get("unknown_now", [])
    expected_date = scenario.get("eligible_on")
    assert repair.eligible_on == (dt.date.fromisoformat(expected_date) if expected_date else None)


def apply(
    record: dict[str, Any],
    alternative: Alternative,
    trial: str = "NCT00000099",
    today: dt.date = TODAY,
    skip: int | None = None,
    end: str = "last",
) -> tuple[dict[str, Any], dt.date]:
    """The record as it would be after the alternative's actions (all but `skip`), and the date.
    An end date assumed in an interval is its `end` day: "first" or "last" (`ends` gives both).

    Written from the meaning of each action, independently of rules/repair.lp."""
    changed = json.loads(json.dumps(record, default=str))
    on = today
    results: dict[str, list[dict[str, str]]] = {}
    for index, action in enumerate(alternative.actions):
        if index == skip:
            continue
        data = action.data
        if action.kind == "wait":
            on = dt.date.fromisoformat(data["until"])
        elif action.kind == "stop":
            position = int(data["field"].split("[")[1].rstrip("]"))
            changed["drugs"][position]["end"] = data["from"]
            changed["drugs"][position].pop("status", None)
        elif action.kind == "end_date":  # on or after a day (else the first the record allows), before a day
            # (else by today); it was taken on its start and on each dose change (P009)
            section, position = data["field"].rstrip("]").split("[")
            entry = changed[section][int(position)]
            first = data.get("on_or_after", max([entry["start"], *entry.get("dose_changes", [])]))
            last = (dt.date.fromisoformat(data["before"]) - dt.timedelta(days=1)) if "before" in data else today
            entry["end"] = first if end == "first" else last.isoformat()
        elif action.kind == "sign":
            changed["consents"] = [*changed.get("consents", []), {"code": data["consent"], "date": today.isoformat()}]
        elif action.kind == "absent":
            negatives = [{"kind": data["kind"], "code": code} for code in data["codes"]]
            changed["negatives"] = [*changed.get("negatives", []), *negatives]
        elif action.kind == "complete":
            changed["complete"] = [*changed.get("complete", []), data["section"]]
        elif action.kind == "no_plans":
            changed["complete"] = [*changed.get("complete", []), "planned"]
        elif action.kind == "assess":
            assessment = {"trial": trial, "criterion": data["criterion"], "result": data["result"]}
            changed["assessments"] = [*changed.get("assessments", []), {**assessment, "date": on.isoformat()}]
        elif action.kind == "test":
            for result in data["results"]:
                results.setdefault(result["attribute"].split(".")[0], []).append(result)
            for name in data["any_value"]:  # the plan holds whatever these are: take the lowest
                beside = results.setdefault(name.split(".")[0], [])
                beside.append(lowest_result(name, beside))
    for attribute, parts in results.items():  # a pair's components become one "a/b" result
        components = VOCABULARY.attributes[attribute].components
        parts.sort(key=lambda p: components.index(p["attribute"].partition(".")[2]) if "." in p["attribute"] else 0)
        value = "/".join(p["value"] for p in parts)
        entry = {"attribute": attribute, "value": value, "date": on.isoformat()}
        if parts[0]["unit"]:
            entry["unit"] = parts[0]["unit"]
        if "uln" in parts[0]:  # judged against the usual limit: the lab reports that one
            entry["uln"] = parts[0]["uln"]
        if "times_uln" in parts[0]:  # a multiple of the lab's limit: any value at that ratio
            entry.update(uln_at(parts[0]["value"], parts[0]["times_uln"]))
        # added beside the record's results: one of the same day makes the record invalid
        # (P010), as a second result of a day is; a plan never asks for such a test
        changed["measurements"] = [*changed.get("measurements", []), entry]
    return changed, on


def at_range_end(alternative: Alternative, end: str) -> Alternative:
    """The plan with each assumed number that gives the range of results it stands for at
    one end of it: the lowest ("low") or highest ("high") value a record may hold in it (a
    limit the range excludes is passed by one grain), for a plan must serve any of them."""
    actions = []
    for action in alternative.actions:
        if action.kind == "test":
            results = [
                {**r, "value": decimal_text(range_end(r["attribute"], r["range"], end))} if "range" in r else r
                for r in action.data["results"]
            ]
            action = dataclasses.replace(action, data={**action.data, "results": results})
        actions.append(action)
    return dataclasses.replace(alternative, actions=tuple(actions))


def range_end(name: str, limits: dict[str, str], end: str) -> Fraction:
    """The lowest or highest value of an assumed result's range that a record may hold."""
    attribute = VOCABULARY.attributes[name]
    low, high = attribute.range or (Fraction(0), Fraction(10**6))
    grain = Fraction(1, attribute.scale * GRAIN)
    if end == "low":
        below = [Fraction(limits["at_least"])] if "at_least" in limits else []
        below += [Fraction(limits["above"]) + grain] if "above" in limits else []
        return max([low, *below])
    above = [Fraction(limits["at_most"])] if "at_most" in limits else []
    above += [Fraction(limits["below"]) - grain] if "below" in limits else []
    return min([high, *above])


def ends(
    record: dict[str, Any], alternative: Alternative, trial: str = "NCT00000099", today: dt.date = TODAY
) -> list[tuple[dict[str, Any], dt.date]]:
    """The record after the alternative, once with every end date it assumes on the first
    day it allows and once on the last (once when it assumes none): a plan must serve
    whichever day the record then documents."""
    assumes = any(a.kind == "end_date" for a in alternative.actions)
    return [apply(record, alternative, trial, today, end=end) for end in (("first", "last") if assumes else ("last",))]


def lowest_result(name: str, beside: list[dict[str, str]]) -> dict[str, str]:
    """A result of `name` (an attribute, or one component of a pair) at the lowest value a
    record may hold (a category's first value) beside the assumed results `beside` of its
    attribute (a descending pair's first component is never below its second: 20/101 mmHg
    is no blood pressure, P008), in the attribute's canonical unit."""
    base, _, component = name.partition(".")
    attribute = VOCABULARY.attributes[base]
    if attribute.type == "category":
        return {"attribute": name, "value": attribute.values[0], "unit": ""}
    lowest = attribute.range[0] if attribute.range else Fraction(0)
    if attribute.descending and component == attribute.components[0]:
        second = f"{base}.{attribute.components[1]}"
        lowest = max([lowest, *(Fraction(r["value"]) for r in beside if r["attribute"] == second)])
    value = decimal_text(lowest)
    if attribute.components and not component:
        value = "/".join(value for _ in attribute.components)
    return {"attribute": name, "value": value, "unit": attribute.unit or ""}


def status_without(
    record: dict[str, Any], alternative: Alternative, trials: api.TrialSet, trial: str, today: dt.date, skip: int
) -> str:
    """The trial's status once the alternative's actions but one are done; "invalid" when
    what is left cannot be done (a test on a day the record holds its result: P010)."""
    fewer, on = apply(record, alternative, trial, today, skip)
    try:
        patient = api.read_patient(fewer)
    except TrialogicError as e:
        assert {d.code for d in e.diagnostics} == {"P010"}, e.render()
        return "invalid"
    (result,) = [r for r in api.check([patient], trials, on=on) if r.trial == trial]
    return result.status


def uln_at(value: str, times: str) -> dict[str, str]:
    """A value and an upper limit of normal whose ratio is `times`: the value as assumed
    with its limit value ÷ times, or, when the value is left open, times × 1 and 1. A plan
    assumes only results a record may hold: value ÷ times is a decimal (else it is written
    "≈…", which makes the record invalid)."""
    if not value:
        return {"value": times, "uln": "1"}
    return {"uln": decimal_text(Fraction(value) / Fraction(times))}


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_applying_an_alternative_makes_eligible_and_every_action_is_needed(
    scenario: dict[str, Any], tmp_path: Path
) -> None:
    trials = api.load_trials([trial_file(tmp_path, scenario["criteria"], scenario.get("preamble", ""))])
    record = {"id": "F1", **scenario["patient"]}
    (repair,) = api.fix(api.read_patient(record), trials, on=TODAY)
    for alternative in repair.alternatives:
        # as assumed, and each assumed number that gives its range at both ends of it
        variants = [alternative, at_range_end(alternative, "low"), at_range_end(alternative, "high")]
        for changed, on in (c for variant in variants for c in ends(record, variant)):
            (result,) = api.check([api.read_patient(changed)], trials, on=on)
            assert result.status == "eligible", (alternative, changed)
        for skip in range(len(alternative.actions)):
            status = status_without(record, alternative, trials, "NCT00000099", TODAY, skip)
            assert status != "eligible", alternative.actions[skip]


@pytest.mark.parametrize(
    "window, first", [("4 weeks", "2026-10-25"), ("3 months", "2026-08-22"), ("1 year", "2025-11-22")]
)
def test_an_end_assumed_on_or_after_a_day_names_the_first_day_that_serves(
    window: str, first: str, tmp_path: Path
) -> None:
    """The window is [S, R], both ends included, and an exposure that ends inside it counts:
    a drug that stopped on S serves the inclusion, one that stopped the day before does not."""
    trials = api.load_trials(
        [trial_file(tmp_path, f'include rtx "Rituximab within {window}": drug rituximab within {window}')]
    )
    record = {
        "id": "F1",
        "complete": ["drugs"],
        "drugs": [{"code": "rituximab", "start": "2024-03-01", "status": "stopped"}],
    }
    (repair,) = api.fix(api.read_patient(record), trials, on=TODAY)
    (alternative,) = repair.alternatives
    (action,) = alternative.actions
    assert (action.kind, action.data.get("on_or_after"), "before" in action.data) == ("end_date", first, False)
    day = dt.date.fromisoformat(first)
    for end, status in [(day, "eligible"), (day - dt.timedelta(days=1), "ineligible"), (TODAY, "eligible")]:
        record["drugs"][0]["end"] = end.isoformat()
        (result,) = api.check([api.read_patient(record)], trials, on=TODAY)
        assert result.status == status, end


@pytest.mark.parametrize("systolic, diastolic", [(109, 108), (120, 120), (100, 120)])
def test_an_assumed_blood_pressure_is_one_a_record_may_hold(systolic: int, diastolic: int, tmp_path: Path) -> None:
    """A blood pressure's systolic is never below its diastolic (P008): fix assumes no such
    reading (it once offered 100/120 mmHg, and 108/109 for 109/108), and where only such
    a reading would do, nothing can help."""
    criteria = f'include bp "blood pressure {systolic}/{diastolic}": blood_pressure = {systolic}/{diastolic} mmHg'
    trials = api.load_trials([trial_file(tmp_path, criteria)])
    record = {"id": "F1"}
    for _ in range(3):  # the solver may pick any model: ask more than once
        (repair,) = api.fix(api.read_patient(record), trials, on=TODAY)
        if systolic < diastolic:
            assert (repair.alternatives, repair.blocked_by) == ((), ("bp",))
            continue
        assert repair.alternatives
        for alternative in repair.alternatives:
            changed, on = apply(record, alternative)
            (result,) = api.check([api.read_patient(changed)], trials, on=on)
            assert result.status == "eligible", changed


@pytest.mark.parametrize(
    "least, times, plan",
    [("1000", "!= 3", None), ("999", "!= 3", "urine_rbc 999 /HPF, 3 × its ULN"), ("1000", "> 0.5", None)],
)
def test_an_assumed_result_at_a_multiple_of_its_uln_has_a_limit_a_record_may_hold(
    least: str, times: str, plan: str | None, tmp_path: Path
) -> None:
    """No usual ULN: a plan assumes a result's ratio to the lab's limit and, where a
    threshold reads the value too, the value; the limit, value ÷ ratio, must be one a
    record may hold: a decimal, in the attribute's range. No decimal limit puts 1000 /HPF
    at exactly 3 × it (fix offered it: with the limit 333.333333333 the result is at
    3.000000000003 × it, and the exclusion holds), 999 at 3 × 333 does; at 0.5 × its ULN
    or less, 1000 /HPF needs a limit of 2000, above the most a record holds (1000). The
    record's later result changes nothing."""
    criteria = (
        f'include many "RBC at least {least}": urine_rbc >= {least} /HPF\n'
        f'  exclude uln "RBC {times} x ULN": urine_rbc {times} x ULN'
    )
    trials = api.load_trials([trial_file(tmp_path, criteria)])
    later = {"attribute": "urine_rbc", "value": 5, "unit": "/HPF", "uln": 10, "date": "2026-12-01"}
    record = {"id": "F1", "measurements": [later]}
    (repair,) = api.fix(api.read_patient(record), trials, on=TODAY)
    texts = [a.text for alternative in repair.alternatives for a in alternative.actions]
    assert texts == ([] if plan is None else [f"obtain a urinalysis — assumed result: {plan}"])
    assert bool(repair.blocked_by) == (plan is None)
    for alternative in repair.alternatives:
        changed, on = apply(record, alternative)
        (result,) = api.check([api.read_patient(changed)], trials, on=on)
        assert result.status == "eligible", changed


def test_fix_cli_json_and_human(tmp_path: Path) -> None:
    (scenario,) = (s for s in SCENARIOS if s["name"].startswith("waiting out a washout makes the biopsy stale"))
    trial = trial_file(tmp_path, scenario["criteria"], scenario.get("preamble", ""))
    patient = tmp_path / "f1.yaml"
    patient.write_text(yaml.safe_dump({"id": "F1", **scenario["patient"]}))
    result = CliRunner().invoke(main, ["fix", str(patient), "--trials", str(trial), "--on", "2026-11-22", "--json"])
    assert result.exit_code == 0, result.output
    (repair,) = json.loads(result.output)["repairs"]
    assert repair["eligible_on"] == "2026-12-17"
    kinds = sorted(a["kind"] for a in repair["alternatives"][0]["actions"])
    assert kinds == ["test", "wait"]
    human = CliRunner().invoke(main, ["fix", str(patient), "--trials", str(trial), "--on", "2026-11-22"])
    assert "eligible from 2026-12-17" in human.output
    assert re.search(
        r"obtain a renal biopsy on 2026-12-17 — assumed result: biopsy_class (III|IV)\s+\(invasive\)", human.output
    )


SEED_MODULES = [parse_file(rules_dir() / "library.tl")] + [
    parse_file(p) for p in sorted((rules_dir() / "trials").glob("*.tl"))
]
SEEDS = api.load_trials()


# Needs a blood pressure: the assumed result must read systolic/diastolic, as a record writes it.
NEEDS_A_BLOOD_PRESSURE = {
    "id": "P0", "birth_date": "2012-05-30", "sex": "female",
    "conditions": [{"code": "refractory_lupus_nephritis", "start": "2026-04-30", "status": "active"}],
    "procedures": [{"code": "bilateral_oophorectomy", "date": "2026-04-30"}],
    "negatives": [{"kind": "drug", "code": "alkylating_agent"}],
}  # fmt: skip

# Nothing known of her drugs: NCT03580291's absences include concept sets (a record names
# their member codes in `negatives`, never the set).
NO_DRUG_HISTORY = {
    "id": "P1", "birth_date": "1990-01-01", "sex": "female",
    "conditions": [
        {"code": code, "start": "2026-01-01", "status": "active"}
        for code in ["sle_renal_disorder", "sle_neurologic_disorder", "sle_hematologic_disorder", "sle_immunologic_disorder"]
    ],
    "negatives": [{"kind": "drug", "code": "alkylating_agent"}],
}  # fmt: skip


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(dated_patient_records(SEED_MODULES))
@example((dt.date(2026, 5, 31), NEEDS_A_BLOOD_PRESSURE))
@example((dt.date(2026, 11, 22), NO_DRUG_HISTORY))
def test_random_patients_every_alternative_works_and_needs_every_action(dated: tuple[dt.date, dict[str, Any]]) -> None:
    today, record = dated
    for repair in api.fix(api.read_patient(record), SEEDS, on=today):
        for alternative in repair.alternatives:
            for changed, on in ends(record, alternative, repair.trial, today):
                (result,) = [r for r in api.check([api.read_patient(changed)], SEEDS, on=on) if r.trial == repair.trial]
                assert result.status == "eligible", (
                    repair.trial,
                    alternative.actions,
                    result.blocking(),
                    result.unknown(),
                )
            for skip in range(len(alternative.actions)):
                status = status_without(record, alternative, SEEDS, repair.trial, today, skip)
                assert status != "eligible", (repair.trial, alternative.actions[skip])
        if not repair.alternatives:
            assert repair.blocked_by or repair.status == "eligible"


def test_the_priority_levels_are_those_of_the_rules() -> None:
    """Repairer.models compares the optimum of groups of dates level by level: it must know
    every #minimize level of rules/repair.lp."""
    from trialogic.repair import PRIORITY_LEVELS

    rules = (rules_dir() / "repair.lp").read_text()
    levels = {int(level) for line in re.findall(r"^#minimize.*$", rules, re.M) for level in re.findall(r"@(\d+)", line)}
    assert sorted(levels, reverse=True) == list(PRIORITY_LEVELS)


@pytest.mark.parametrize("name", ["p02.yaml", "p04.yaml"])
def test_dates_searched_a_few_at_a_time_give_the_same_plans(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The candidate dates are solved in groups (a grounding holds pairs of them); groups of
    3 instead of 32 find the same plans and the same blocking criteria."""
    from trialogic import repair

    trials = api.load_trials()
    patient = next(iter(api.load_patients([Path(__file__).parents[1] / "facts" / "patients" / name])))

    def plans() -> list[tuple[str, Any, list[list[str]], tuple[str, ...]]]:
        """Each trial's date, plans and blocking criteria; an assumed result is one of the
        values that work, whichever the solver meets first, so it is left out."""
        found = api.fix(patient, trials, on=dt.date(2026, 11, 22), max_alternatives=1000)
        actions = [
            sorted(
                sorted(a.text.split(" — assumed result")[0] for a in alternative.actions)
                for alternative in r.alternatives
            )
            for r in found
        ]
        return [(r.trial, r.eligible_on, texts, r.blocked_by) for r, texts in zip(found, actions, strict=True)]

    assert (
        sum(len(repair.candidate_dates(patient, c, dt.date(2026, 11, 22))) > 3 for c in trials.compiled.values()) >= 3
    )
    together = plans()
    monkeypatch.setattr(repair, "DAYS_AT_ONCE", 3)
    assert plans() == together


def test_a_later_group_of_dates_with_a_plan_beats_an_earlier_one_without(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One date a group: today's group can only leave the washout failing (its costs are
    all at the highest level), a later one waits it out (costs at lower levels): the
    groups are compared level by level, and waiting wins."""
    from trialogic import repair

    monkeypatch.setattr(repair, "DAYS_AT_ONCE", 1)
    trials = api.load_trials(
        [trial_file(tmp_path, 'exclude rtx "Rituximab within 24 weeks": drug rituximab within 24 weeks')]
    )
    record = {
        "id": "G1",
        "drugs": [{"code": "rituximab", "start": "2026-06-01", "end": "2026-07-01"}],
        "complete": ["drugs"],
    }
    (found,) = api.fix(api.read_patient(record), trials, on=TODAY)
    assert (found.eligible_on, found.blocked_by) == (dt.date(2026, 12, 17), ())


def test_fix_names_what_stands_in_the_way_today(tmp_path: Path) -> None:
    """Each pair says which criteria fail or are unknown today (what every alternative must
    settle): an inclusion not met, an exclusion met, or either unknown, in the trial's order."""
    patients = [
        api.read_patient(yaml.safe_load(p.read_text())) for p in sorted((facts_dir() / "patients").glob("*.yaml"))
    ]
    seen = set()
    for patient in patients:
        today = {r.trial: r for r in api.check([patient], SEEDS, on=TODAY)}
        for repair in api.fix(patient, SEEDS, on=TODAY):
            wanted = {"inclusion": "met", "exclusion": "not_met"}
            expected = [(c.id, c.kind, c.status) for c in today[repair.trial].criteria if c.status != wanted[c.kind]]
            assert list(repair.in_the_way) == expected
            assert (repair.status == "eligible") == (expected == [])
            seen.update(status for _, _, status in expected)
    assert seen == {"met", "not_met", "unknown"}  # the bundled patients show each case
    p06 = str(facts_dir() / "patients" / "p06.yaml")
    document = json.loads(CliRunner().invoke(main, ["fix", p06, "NCT05631717", "--on", "2026-11-22", "--json"]).output)
    (repair,) = document["repairs"]
    assert repair["in_the_way"] == [{"id": "b_cell_depletion", "kind": "exclusion", "status": "met"}]
    human = CliRunner().invoke(main, ["fix", p06, "NCT05631717", "--on", "2026-11-22"]).output
    assert "in the way today: ✗ exclusion b_cell_depletion (met)\n  eligible from 2027-02-07" in human


def test_an_assumed_category_result_is_the_first_value_of_the_vocabulary_that_serves() -> None:
    """Of the values of a category that serve a plan, the first in the vocabulary's order
    is assumed (normal, negative: the ordinary results come first): a chest X-ray assumed
    `other_abnormal` where a normal one serves as well reads as if the trial needed it.
    Every value before the one assumed, put in its place, leaves the patient not eligible."""
    p07 = api.read_patient(yaml.safe_load((facts_dir() / "patients" / "p07.yaml").read_text()))
    (repair,) = api.fix(p07, SEEDS, on=TODAY, trial_ids=["NCT03580291"])
    (xray,) = [a for alt in repair.alternatives for a in alt.actions if a.kind == "test"]
    # the exclusion reads `chest_xray = granulomatous_disease`: a normal X-ray serves
    assert xray.data["results"] == [{"attribute": "chest_xray", "value": "normal", "unit": ""}]
    checked = 0
    for path in sorted((facts_dir() / "patients").glob("*.yaml")):
        record = yaml.safe_load(path.read_text())
        for found in api.fix(api.read_patient(record), SEEDS, on=TODAY):
            for alternative in found.alternatives:
                for index, action in enumerate(alternative.actions):
                    for number, result in enumerate(action.data.get("results", [])) if action.kind == "test" else ():
                        attribute = VOCABULARY.attributes.get(result["attribute"])
                        if attribute is None or attribute.type != "category":
                            continue
                        for earlier in attribute.values[: attribute.values.index(result["value"])]:
                            results = list(action.data["results"])
                            results[number] = {**result, "value": earlier}
                            other = dataclasses.replace(action, data={**action.data, "results": results})
                            actions = (*alternative.actions[:index], other, *alternative.actions[index + 1 :])
                            changed, on = apply(record, dataclasses.replace(alternative, actions=actions), found.trial)
                            (status,) = [
                                r.status for r in api.check([api.read_patient(changed)], SEEDS, on=on)
                                if r.trial == found.trial
                            ]  # fmt: skip
                            assert status != "eligible", (found.patient, found.trial, result, earlier)
                            checked += 1
    assert checked > 0  # some plan assumes a value after the first (a biopsy class III, not I)


def test_a_pair_no_change_makes_eligible_says_what_stands_in_the_way_too() -> None:
    """Where no plan exists, the pair still says every criterion failing or unknown today:
    once the record gives what no action settles (P14's ACR criteria), the other unknowns
    are still to settle, and a criterion blocking for good may not be the only one failing."""
    p14 = str(facts_dir() / "patients" / "p14.yaml")
    result = CliRunner().invoke(main, ["fix", p14, "NCT01539902", "--on", "2026-11-22"])
    assert result.exit_code == 0, result.output
    (repair,) = api.fix(
        api.read_patient(yaml.safe_load(Path(p14).read_text())), SEEDS, on=TODAY, trial_ids="NCT01539902"
    )
    assert repair.unknown_now == ("acr_sle",) and not repair.alternatives and len(repair.in_the_way) > 1
    text = " ".join(result.output.split())
    standing = ", ".join(f"? {kind} {c} ({status})" for c, kind, status in repair.in_the_way)
    assert f"in the way today: {standing} no action in the catalogue settles these" in text
    folder = str(facts_dir() / "patients")
    every = CliRunner().invoke(main, ["fix", folder, "--on", "2026-11-22"]).output
    pairs = [r for p in api.load_patients(facts_dir() / "patients") for r in api.check([p], SEEDS, on=TODAY)]
    assert every.count("in the way today: ") == sum(r.status != "eligible" for r in pairs)


def test_a_test_is_named_in_words_a_coordinator_reads() -> None:
    """A test is obtained as its catalogue `label` says ("obtain tumour markers", "obtain a
    chest X-ray"), else as "a" and its name ("obtain a renal biopsy"): "obtain a tumour
    markers" read as a slip. The JSON keeps the catalogue's name."""
    tests = yaml.safe_load((facts_dir() / "actions.yaml").read_text())["tests"]
    p06 = api.read_patient(yaml.safe_load((facts_dir() / "patients" / "p06.yaml").read_text()))
    (repair,) = api.fix(p06, SEEDS, on=TODAY, trial_ids="NCT04318600")
    (markers,) = [a for alt in repair.alternatives for a in alt.actions if a.kind == "test"]
    assert markers.data["test"] == "tumour_markers"
    assert markers.text.startswith(f"obtain {tests['tumour_markers']['label']} — assumed result: tumor_markers normal")
    assert markers.text.startswith("obtain tumour markers")
    seen = {
        a.data["test"]: a.text
        for r in api.fix(p06, SEEDS, on=TODAY)
        for alt in r.alternatives
        for a in alt.actions
        if a.kind == "test"
    }
    for name, text in seen.items():
        label = tests[name].get("label", f"a {name.replace('_', ' ')}")
        assert text.startswith(f"obtain {label}"), text


def test_a_criterion_passing_today_that_blocks_with_another_says_so(tmp_path: Path) -> None:
    """A washout ending after the upper age limit: both block for good, though the age
    passes today; the age is said to pass today and not by any day the washout has ended,
    not marked as if it failed now."""
    criteria = (
        'include age "age 18-65": age between 18 and 65 years\n'
        '  exclude rtx "rituximab within 24 weeks": drug rituximab within 24 weeks'
    )
    trial = trial_file(tmp_path, criteria)
    record = {
        "id": "F1",
        "birth_date": "1961-01-10",  # 66 on 2027-01-10; the washout ends on 2027-04-02
        "drugs": [{"code": "rituximab", "start": "2026-10-01", "end": "2026-10-15"}],
        "complete": ["drugs"],
    }
    (repair,) = api.fix(api.read_patient(record), api.load_trials([trial]), on=TODAY)
    assert repair.blocked_by == ("age", "rtx") and [c for c, _, _ in repair.in_the_way] == ["rtx"]
    patient = tmp_path / "f1.yaml"
    patient.write_text(yaml.safe_dump(record))
    result = CliRunner().invoke(main, ["fix", str(patient), "--trials", str(trial), "--on", "2026-11-22"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "✗ age (passes today, but not by any day the others pass): age 18-65" in text
    assert "✗ rtx: rituximab within 24 weeks" in text


def test_a_plan_assuming_numbers_says_they_stand_for_any_result_on_their_side() -> None:
    """An assumed number is one at or next to a limit of the trial (265.1 umol/L for an
    exclusion of 265.2 or more) and stands for any result on the same side of every limit:
    each gives that range here, so the line under the plans saying so for numbers without
    one (`test_an_assumed_number_on_a_limit_that_joins_neither_side_gives_no_range`) is
    absent. Plans assuming only categories have no line either."""
    p04, p02 = (str(facts_dir() / "patients" / f"{p}.yaml") for p in ("p04", "p02"))
    numbers = CliRunner().invoke(main, ["fix", p04, "NCT03580291", "--on", "2026-06-01"])
    assert numbers.exit_code == 0, numbers.output
    text = " ".join(numbers.output.split())
    # a measured clearance is obtained too, and stands: the creatinine is read against its own
    # limit alone, so its range is given; ALT against 1.5 × the usual ULN, 60 U/L, too
    assert "assumed result: serum_creatinine 265.1 umol/L (any < 265.2)" in text
    assert "alt 60 U/L (its ULN taken as the usual 40 U/L; any ≤ 60);" in text
    assert "a number assumed" not in text
    categories = CliRunner().invoke(main, ["fix", p02, "NCT05631717", "--on", "2026-11-22"])
    assert "serum_pregnancy_test negative" in " ".join(categories.output.split())
    assert "a number assumed" not in categories.output


@pytest.mark.parametrize(
    "criteria, attribute, expected, words, inside, outside",
    [
        (  # both limits join the values between them: `>= 3` and `> 10` (not excluded: 10 and below)
            'include low "WBC 3 or more": wbc >= 3 x10^9/L\n  exclude high "WBC above 10": wbc > 10 x10^9/L',
            "wbc",
            {"at_least": "3", "at_most": "10"},
            "(any ≥ 3 and ≤ 10)",
            ["3", "10"],
            ["2.99", "10.01"],
        ),
        (  # neither does: `> 50` and `>= 400` (excluded)
            'include low "platelets above 50": platelets > 50 x10^9/L\n'
            '  exclude high "platelets 400 or more": platelets >= 400 x10^9/L',
            "platelets",
            {"above": "50", "below": "400"},
            "(any > 50 and < 400)",
            ["51", "399"],
            ["50", "400"],
        ),
        (  # against 1.5 × the usual ULN (40 U/L): 60 U/L, a limit like any other
            'exclude alt "ALT above 1.5 x ULN": alt > 1.5 x ULN',
            "alt",
            {"at_most": "60"},
            "(its ULN taken as the usual 40 U/L; any ≤ 60)",
            ["0", "60"],
            ["60.01"],
        ),
        (  # one limit: the range is open on the other side, up to what a record may hold
            'exclude anaemia "Hb below 80 g/L": hemoglobin < 80 g/L',
            "hemoglobin",
            {"at_least": "80"},
            "(any ≥ 80)",
            ["80", "250"],
            ["79.9"],
        ),
    ],
)
def test_an_assumed_number_gives_the_range_of_results_it_stands_for(
    criteria: str,
    attribute: str,
    expected: dict[str, str],
    words: str,
    inside: list[str],
    outside: list[str],
    tmp_path: Path,
) -> None:
    """The range is exactly the results that compare with every limit of the trial as the
    assumed one does: a record holding one inside it is eligible, one just outside is not.
    The number assumed is a limit the range includes, where it has one."""
    trials = api.load_trials([trial_file(tmp_path, criteria)])
    record = {"id": "F1", "sex": "female"}
    (repair,) = api.fix(api.read_patient(record), trials, on=TODAY)
    (alternative,) = repair.alternatives
    (action,) = alternative.actions
    (result,) = [r for r in action.data["results"] if r["attribute"] == attribute]
    assert result["range"] == expected, result
    assert words in action.text
    # the number assumed is a limit the range includes, where it has one (3, not 3.01)
    included = {limit for side, limit in expected.items() if side in ("at_least", "at_most")}
    assert result["value"] in included or not included, result
    unit = VOCABULARY.attributes[attribute].unit
    for value, status in [*((v, "eligible") for v in inside), *((v, "ineligible") for v in outside)]:
        measured = {"attribute": attribute, "value": value, "unit": unit, "date": TODAY.isoformat()}
        (checked,) = api.check([api.read_patient({**record, "measurements": [measured]})], trials, on=TODAY)
        assert checked.status == status, (value, checked.status)


@pytest.mark.parametrize(
    "criteria, attribute",
    [
        ('include score "SLEDAI-2K of 4": sledai_2k = 4', "sledai_2k"),
        # a pair's numbers: each one's range depends on the other (systolic never below diastolic)
        ('exclude bp "BP 160/100 or more": blood_pressure >= 160/100 mmHg', "blood_pressure"),
    ],
)
def test_an_assumed_number_on_a_limit_that_joins_neither_side_gives_no_range(
    criteria: str, attribute: str, tmp_path: Path
) -> None:
    """`sledai_2k = 4`: only 4 serves; a blood pressure: its numbers are read together. No
    range is given, and the note under the plans says the number lies at a limit."""
    trial = trial_file(tmp_path, criteria)
    (repair,) = api.fix(api.read_patient({"id": "F1"}), api.load_trials([trial]), on=TODAY)
    ((action,),) = [a.actions for a in repair.alternatives]
    assert [r["attribute"] for r in action.data["results"]] == [attribute]
    assert all("range" not in r for r in action.data["results"]), action.data
    patient = tmp_path / "f1.yaml"
    patient.write_text(yaml.safe_dump({"id": "F1"}))
    shown = CliRunner().invoke(main, ["fix", str(patient), "--trials", str(trial), "--on", TODAY.isoformat()])
    assert shown.exit_code == 0, shown.output
    text = " ".join(shown.output.split())
    assert "(any" not in text and "a number assumed lies at a limit" in text
