"""`fix` never proposes an absence the record contradicts, and a record whose negatives
contradict its own entries is rejected (a negative means "never had it", for every code
below its concept: docs/patients.md)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from trialogic import api
from trialogic.cli import main
from trialogic.errors import TrialogicError
from trialogic.resources import facts_dir
from trialogic.vocabulary import load_vocabulary

TODAY = dt.date(2026, 11, 22)
VOCABULARY = load_vocabulary()

CASES: list[dict[str, Any]] = [
    {
        "name": "a recorded excepted child: no absence of its parent; the list confirmed complete instead",
        "criteria": 'exclude ai "Other autoimmune disease": condition autoimmune_disease except systemic_lupus_erythematosus',
        "patient": {"conditions": [{"code": "systemic_lupus_erythematosus", "start": "2020-01-01"}]},
        "alternatives": [
            [
                "confirm that the conditions list is complete — assumed: no condition beyond those recorded (it settles autoimmune_disease)"
            ]
        ],
        "blocked_by": [],
    },
    {
        "name": "a drug taken now: stop it, never also 'no drug' of it",
        "criteria": 'exclude tac "Tacrolimus within 4 weeks": drug tacrolimus within 4 weeks',
        "patient": {"drugs": [{"code": "tacrolimus", "start": "2025-01-01"}]},
        # after the washout the criterion would be unknown: the drugs list must be complete
        "alternatives": [
            [
                "confirm that the drugs list is complete — assumed: no drug beyond those recorded (it settles tacrolimus)",
                "stop tacrolimus on 2026-11-22 (drugs[0])",
                "wait until 2026-12-21 (29 days)",
            ]
        ],
        "blocked_by": [],
    },
    {
        "name": "a drug taken long ago: no 'no drug' of it",
        "criteria": 'exclude rtx "Rituximab within 24 weeks": drug rituximab within 24 weeks',
        "patient": {"drugs": [{"code": "rituximab", "start": "2024-01-01", "end": "2024-02-01"}]},
        "alternatives": [
            ["confirm that the drugs list is complete — assumed: no drug beyond those recorded (it settles rituximab)"]
        ],
        "blocked_by": [],
    },
    {
        "name": "a member of the class taken now: no absence of the class",
        "criteria": 'exclude gc "Glucocorticoids within 4 weeks": drug glucocorticoid within 4 weeks',
        "patient": {"drugs": [{"code": "prednisone", "start": "2025-01-01"}]},
        "alternatives": [
            [
                "confirm that the drugs list is complete — assumed: no drug beyond those recorded (it settles glucocorticoid)",
                "stop prednisone on 2026-11-22 (drugs[0])",
                "wait until 2026-12-21 (29 days)",
            ]
        ],
        "blocked_by": [],
    },
    {
        "name": "a member of a concept set on record: no absence of the set",
        "preamble": 'concept cni "calcineurin inhibitors" = {tacrolimus, cyclosporine}\n',
        "criteria": 'exclude cni "CNI within 4 weeks": drug cni within 4 weeks',
        "patient": {"drugs": [{"code": "cyclosporine", "start": "2020-01-01", "end": "2020-02-01"}]},
        "alternatives": [
            ["confirm that the drugs list is complete — assumed: no drug beyond those recorded (it settles cni)"]
        ],
        "blocked_by": [],
    },
    {
        "name": "an unrelated entry does not stop the absence being offered",
        "criteria": 'exclude hiv "HIV infection": condition hiv_infection',
        "patient": {"conditions": [{"code": "lupus_nephritis", "start": "2020-01-01"}]},
        "alternatives": [["document that there was no condition hiv_infection — assumed absent"]],
        "blocked_by": [],
    },
]


def trial_file(tmp_path: Path, criteria: str, preamble: str = "") -> Path:
    path = tmp_path / "absent.tl"
    path.write_text(f'{preamble}trial NCT00000098 "absent" {{\n  {criteria}\n}}\n')
    return path


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_absences_never_contradict_the_record(case: dict[str, Any], tmp_path: Path) -> None:
    trials = api.load_trials([trial_file(tmp_path, case["criteria"], case.get("preamble", ""))])
    record = {"id": "A1", **case["patient"]}
    (repair,) = api.fix(api.read_patient(record), trials, on=TODAY)
    got = sorted(sorted(a.text for a in alternative.actions) for alternative in repair.alternatives)
    assert got == sorted(sorted(a) for a in case["alternatives"])
    assert list(repair.blocked_by) == case["blocked_by"]
    assert list(repair.unknown_now) == case.get("unknown_now", case["blocked_by"])
    for alternative in repair.alternatives:  # the negatives and complete lists proposed make a valid record
        negatives = [
            {"kind": a.data["kind"], "code": code}
            for a in alternative.actions
            if a.kind == "absent"
            for code in a.data["codes"]
        ]
        complete = [a.data["section"] for a in alternative.actions if a.kind == "complete"]
        api.read_patient({**record, "negatives": negatives, "complete": complete})


def test_p01_is_never_told_to_deny_what_her_record_holds() -> None:
    """The tester's case: P01 has systemic lupus (an autoimmune disease, excepted by the
    criterion), so "no condition autoimmune_disease" would contradict her record."""
    path = facts_dir() / "patients" / "p01.yaml"
    result = CliRunner().invoke(main, ["fix", str(path), "NCT03580291", "--on", "2026-11-22", "--json"])
    assert result.exit_code == 0, result.output
    (repair,) = json.loads(result.output)["repairs"]
    (patient,) = api.load_patients(path)
    held = {(e.kind, above) for e in patient.events for above in VOCABULARY.ancestors(e.kind, e.code)}
    for alternative in repair["alternatives"]:
        for action in alternative["actions"]:
            if action["kind"] == "absent":
                assert not {(action["event_kind"], c) for c in [action["concept"], *action["codes"]]} & held, action
    # her lupus is on record, so "no autoimmune disease" is never proposed; confirming that
    # her conditions list is complete (nothing beyond it) settles the criterion instead
    completes = [a for alternative in repair["alternatives"] for a in alternative["actions"] if a["kind"] == "complete"]
    assert completes and all("autoimmune_disease" in a["covers"] for a in completes), repair


def test_every_absence_proposed_for_the_bundled_patients_is_a_valid_negative() -> None:
    trials = api.load_trials()
    for path in sorted((facts_dir() / "patients").glob("*.yaml")):
        (patient,) = api.load_patients(path)
        held = {(e.kind, above) for e in patient.events for above in VOCABULARY.ancestors(e.kind, e.code)}
        for repair in api.fix(patient, trials, on=TODAY, max_alternatives=0):
            for alternative in repair.alternatives:
                for action in alternative.actions:
                    if action.kind == "absent":
                        codes = {(action.data["kind"], c) for c in [action.data["concept"], *action.data["codes"]]}
                        assert not codes & held, (patient.id, repair.trial, action.text)


@pytest.mark.parametrize(
    ("entries", "negative", "conflict"),
    [
        ({"conditions": [{"code": "systemic_lupus_erythematosus", "start": "2020-01-01"}]},
         {"kind": "condition", "code": "autoimmune_disease"}, "conditions[0] (systemic_lupus_erythematosus is a autoimmune_disease)"),
        ({"drugs": [{"code": "tacrolimus", "start": "2025-01-01"}]},
         {"kind": "drug", "code": "tacrolimus"}, "drugs[0] (tacrolimus itself)"),
        ({"drugs": [{"code": "rituximab", "start": "2024-01-01", "end": "2024-02-01"}]},
         {"kind": "drug", "code": "rituximab"}, "drugs[0] (rituximab itself)"),
        ({"drugs": [{"code": "tacrolimus", "start": "2025-01-01"}, {"code": "prednisone", "start": "2025-01-01"}]},
         {"kind": "drug", "code": "glucocorticoid"}, "drugs[1] (prednisone is a glucocorticoid)"),
        ({"procedures": [{"code": "renal_biopsy", "date": "2026-01-01"}]},
         {"kind": "procedure", "code": "renal_biopsy"}, "procedures[0] (renal_biopsy itself)"),
    ],
)  # fmt: skip
def test_a_negative_that_contradicts_an_entry_is_rejected(
    entries: dict[str, Any], negative: dict[str, str], conflict: str
) -> None:
    with pytest.raises(TrialogicError) as caught:
        api.read_patient({"id": "A2", **entries, "negatives": [{"kind": "vaccine", "code": "live_vaccine"}, negative]})
    (problem,) = caught.value.diagnostics
    assert (problem.code, problem.field) == ("P009", "negatives[1]")
    assert f"conflicts with {conflict}" in problem.message


def test_negatives_of_other_kinds_or_other_branches_are_accepted() -> None:
    record = {
        "id": "A3",
        "conditions": [{"code": "systemic_lupus_erythematosus", "start": "2020-01-01"}],
        "drugs": [{"code": "prednisone", "start": "2025-01-01"}],
        "negatives": [
            {"kind": "condition", "code": "hiv_infection"},  # another branch
            {"kind": "condition", "code": "rheumatoid_arthritis"},  # a sibling of the entry
            {"kind": "drug", "code": "rituximab"},
            {"kind": "drug", "code": "tacrolimus"},
        ],
    }
    assert len(api.read_patient(record).negatives) == 4


TWELVE = [
    "hiv_infection", "hepatitis_b", "hepatitis_c", "herpes_zoster", "diabetes_mellitus", "hypertension",
    "dermatomyositis", "iga_nephropathy", "immune_thrombocytopenia", "alcohol_use_disorder", "drug_use_disorder",
    "coagulation_disorder",
]  # fmt: skip


def test_fix_says_when_it_shows_fewer_alternatives_than_exist(tmp_path: Path) -> None:
    """Twelve equally small changes (document the absence of any one of twelve conditions):
    --max 10 (the default) shows ten and says there are twelve; --max 0 shows all."""
    expr = " and ".join(f"condition {code}" for code in TWELVE)
    trial = trial_file(tmp_path, f'exclude all12 "All twelve": {expr}')
    patient = tmp_path / "a4.yaml"
    patient.write_text("id: A4\n")
    run = ["fix", str(patient), "--trials", str(trial), "--on", "2026-11-22"]
    (repair,) = json.loads(CliRunner().invoke(main, [*run, "--json"]).output)["repairs"]
    assert (len(repair["alternatives"]), repair["alternatives_total"]) == (10, 12)
    (repair,) = json.loads(CliRunner().invoke(main, [*run, "--json", "--max", "0"]).output)["repairs"]
    assert (len(repair["alternatives"]), repair["alternatives_total"]) == (12, 12)
    human = " ".join(CliRunner().invoke(main, run).output.split())  # as one line: rich wraps at 80 columns
    assert "12 equally small changes; the first 10 shown (--max 0 for all):" in human
    assert " 10. eligible on" in human and " 11. eligible on" not in human
    human = " ".join(CliRunner().invoke(main, [*run, "--max", "0"]).output.split())
    assert "12 equally small changes:" in human and " 12. eligible on" in human
