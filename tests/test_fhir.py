"""FHIR R4 Bundles read as patient records (trialogic.fhir, facts/fhir.yaml, docs/fhir.md).

Golden Bundles in tests/fixtures/fhir/ give their expected record and notes; the same
patients written by hand as YAML (in other units) get the same answers from the seed
trials; each bad input gets its own message, named by its FHIR element. Regenerate the
mapping tables of docs/fhir.md with `python tests/test_fhir.py`.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import trialogic
from trialogic.errors import TrialogicError
from trialogic.fhir import (
    Mapping,
    bundle_to_record,
    convert,
    is_bundle,
    load_mapping,
    mapping_problems,
    patient_id,
    read_bundle,
)
from trialogic.patient import parse_yaml
from trialogic.positions import locate
from trialogic.vocabulary import UnitError, load_vocabulary

FIXTURES = Path(__file__).parent / "fixtures" / "fhir"
DOC = Path(__file__).parent.parent / "docs" / "fhir.md"
ON = dt.date(2026, 11, 22)
LOINC, SNOMED, UCUM = "http://loinc.org", "http://snomed.info/sct", "http://unitsofmeasure.org"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


# ----- the mapping ----------------------------------------------------------------------


def test_the_mapping_names_only_attributes_values_and_concepts_the_vocabulary_has() -> None:
    assert mapping_problems(load_mapping(), load_vocabulary()) == []


def test_a_mapping_naming_an_unknown_concept_is_caught() -> None:
    mapping = load_mapping()
    broken = Mapping(**{**mapping.__dict__, "observations": {("loinc", "1-1"): "serum_creatinin"}})
    assert mapping_problems(broken, load_vocabulary()) == [
        "observations loinc 1-1: 'serum_creatinin' is not a numeric or category attribute"
    ]


def test_every_unit_spelling_the_mapping_gives_is_one_the_record_reader_converts() -> None:
    vocabulary = load_vocabulary()
    measured = [a for a in vocabulary.attributes.values() if a.unit is not None]
    unconvertible = []
    for ucum, spelling in load_mapping().units.items():
        converts = []
        for attribute in measured:
            try:
                vocabulary.conversion(attribute, spelling)
                converts.append(attribute.name)
            except UnitError:
                pass
        if not converts:
            unconvertible.append(ucum)
    assert unconvertible == []


def test_icd10_and_atc_codes_are_read_by_their_longest_listed_prefix() -> None:
    mapping = load_mapping()
    conditions = mapping.concepts["condition"]["icd10"]
    assert mapping.lookup(conditions, "icd10", "M32.14").concepts == ("lupus_nephritis",)  # type: ignore[union-attr]
    assert mapping.lookup(conditions, "icd10", "M32.9").concepts == ("systemic_lupus_erythematosus",)  # type: ignore[union-attr]
    assert mapping.lookup(conditions, "icd10", "c44.911").concepts == ("basal_cell_carcinoma",)  # type: ignore[union-attr]
    assert mapping.lookup(conditions, "icd10", "C50.9").concepts == ("malignancy",)  # type: ignore[union-attr]
    assert mapping.lookup(conditions, "icd10", "N08") is None  # asterisk codes name no disease of their own
    drugs = mapping.concepts["drug"]["atc"]
    assert mapping.lookup(drugs, "atc", "L04AB05").concepts == ("tnf_inhibitor",)  # type: ignore[union-attr]
    assert mapping.lookup(drugs, "atc", "L04AD02").concepts == ("tacrolimus",)  # type: ignore[union-attr]


# ----- golden Bundles ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ln_flare", "ln_new_onset"])
def test_a_golden_bundle_gives_its_expected_record_and_notes(name: str) -> None:
    expected = fixture(f"{name}.expected.json")
    converted = convert(fixture(f"{name}.json"), f"{name}.json")
    assert converted.errors == []
    assert converted.record == expected["record"]
    assert [[n.code, n.field] for n in converted.notes] == expected["notes"]
    assert all(n.severity == "warning" for n in converted.notes)


# The golden patients written by hand, as a coordinator would, in other units.
FLARE_YAML = """
id: F01
birth_date: 1992-05-14
sex: female
measurements:
  - {attribute: biopsy_class, value: IV, date: 2024-02-01}
  - {attribute: biopsy_class, value: "IV+V", date: 2026-10-01}
  - {attribute: glomerular_sclerosis_percent, value: 10, unit: "%", date: 2026-10-01}
  - {attribute: cellular_crescents_percent, value: 15, unit: "%", date: 2026-10-01}
  - {attribute: glomerular_necrosis_percent, value: 0, unit: "%", date: 2026-10-01}
  - {attribute: glomerular_microthrombi_percent, value: 0, unit: "%", date: 2026-10-01}
  - {attribute: serum_creatinine, value: 75.14, unit: umol/L, date: 2026-06-02, reference_range: [44.2, 97.24]}
  - {attribute: serum_creatinine, value: 86.632, unit: umol/L, date: 2026-11-10, reference_range: [44.2, 97.24]}
  - {attribute: weight, value: 61000, unit: g, date: 2026-11-10}
  - {attribute: upcr, value: 0.4, unit: mg/mg, date: 2026-06-02}
  - {attribute: upcr, value: 2.35, unit: mg/mg, date: 2026-11-10}
  - {attribute: sledai_2k, value: 12, date: 2026-11-10}
  - {attribute: bilag_renal, value: A, date: 2026-11-10}
  - {attribute: wbc, value: 4800, unit: /uL, date: 2026-11-10}
  - {attribute: hemoglobin, value: 112, unit: g/L, date: 2026-11-10}
  - {attribute: platelets, value: 198000, unit: /uL, date: 2026-11-10}
  - {attribute: alt, value: 31, unit: U/L, date: 2026-11-10, uln: 35}
  - {attribute: ast, value: 24, unit: U/L, date: 2026-11-10, reference_range: [10, 35]}
  - {attribute: total_bilirubin, value: 0.585, unit: mg/dL, date: 2026-11-10}
  - {attribute: blood_pressure, value: 132/84, unit: mmHg, date: 2026-11-10}
  - {attribute: urine_pregnancy_test, value: negative, date: 2026-11-10}
  - {attribute: serum_pregnancy_test, value: negative, date: 2026-11-10}
  - {attribute: chest_xray, value: normal, date: 2026-11-10}
  - {attribute: egfr, value: 74, unit: mL/min/1.73m2, date: 2026-11-10}
conditions:
  - {code: systemic_lupus_erythematosus, start: 2018-04-01}
  - {code: lupus_nephritis, start: 2024-02-01}
  - {code: malar_rash, start: 2018-04-01}
  - {code: photosensitivity, start: 2018-04-01}
  - {code: nonerosive_arthritis, start: 2018-04-01}
  - {code: antinuclear_antibody_positive, start: 2018-04-01}
  - {code: sle_immunologic_disorder, start: 2018-04-01}
  - {code: sle_renal_disorder, start: 2024-02-01}
drugs:
  - {code: hydroxychloroquine, start: 2018-05-01}
  - {code: prednisone, start: 2018-05-01}
  - {code: methylprednisolone, start: 2024-02-05, end: 2024-02-07}
  - {code: mycophenolate_mofetil, start: 2024-02-10}
  - {code: hormonal_contraceptive, start: 2024-02-01}
  - {code: rituximab, start: 2023-01-10, end: 2023-01-24}
procedures: [{code: renal_biopsy, date: 2024-02-01}, {code: renal_biopsy, date: 2026-10-01}]
vaccines: [{code: recombinant_zoster_vaccine, date: 2025-10-01}]
hospitalizations: [{code: infection_hospitalization, start: 2025-03-01, end: 2025-03-05}]
consents: [{code: informed_consent, date: 2026-11-12}, {code: contraception_agreement, date: 2026-11-12}]
planned: [{kind: procedure, code: major_surgery, date: 2027-01-10}]
negatives:
  - {kind: condition, code: hiv_infection}
  - {kind: condition, code: tuberculosis}
  - {kind: condition, code: herpes_zoster}
  - {kind: condition, code: malignancy}
  - {kind: condition, code: pregnancy}
  - {kind: condition, code: peptic_ulcer_disease}
"""

NEW_ONSET_YAML = """
id: F02
birth_date: 2000-03-02
sex: female
measurements:
  - {attribute: biopsy_class, value: IV, date: 2026-10-20}
  - {attribute: glomerular_sclerosis_percent, value: 5, unit: "%", date: 2026-10-20}
  - {attribute: cellular_crescents_percent, value: 20, unit: "%", date: 2026-10-20}
  - {attribute: glomerular_necrosis_percent, value: 5, unit: "%", date: 2026-10-20}
  - {attribute: glomerular_microthrombi_percent, value: 0, unit: "%", date: 2026-10-20}
  - {attribute: weight, value: 58.5129, unit: kg, date: 2026-11-16}
  - {attribute: bilag_renal, value: A, date: 2026-11-16}
  - {attribute: chest_xray, value: normal, date: 2026-11-16}
  - {attribute: serum_creatinine, value: 98, unit: umol/L, date: 2026-11-16, uln: 84}
  - {attribute: proteinuria_24h, value: 3.2, unit: g/24h, date: 2026-11-14}
  - {attribute: sledai_2k, value: 14, date: 2026-11-16}
  - {attribute: wbc, value: 3900, unit: /uL, date: 2026-11-16}
  - {attribute: hemoglobin, value: 10.4, unit: g/dL, date: 2026-11-16}
  - {attribute: platelets, value: 165, unit: x10^9/L, date: 2026-11-16}
  - {attribute: alt, value: 22, unit: U/L, date: 2026-11-16, uln: 40}
  - {attribute: ast, value: 30, unit: U/L, date: 2026-11-16, uln: 40}
  - {attribute: total_bilirubin, value: 8.547, unit: umol/L, date: 2026-11-16}
  - {attribute: blood_pressure, value: 138/88, unit: mmHg, date: 2026-11-16}
  - {attribute: urine_pregnancy_test, value: negative, date: 2026-11-16}
conditions:
  - {code: systemic_lupus_erythematosus, start: 2026-09-15}
  - {code: lupus_nephritis, start: 2026-10-21}
  - {code: nonerosive_arthritis, start: 2026-08-15}
  - {code: malar_rash, start: 2026-09-01}
  - {code: oral_ulcers, start: 2026-09-01}
  - {code: antinuclear_antibody_positive, start: 2026-09-15}
  - {code: sle_immunologic_disorder, start: 2026-09-15}
  - {code: sle_hematologic_disorder, start: 2026-09-15}
  - {code: sle_renal_disorder, start: 2026-09-20}
  - {code: infection, start: 2026-06-01, end: 2026-06-10}
drugs:
  - {code: hydroxychloroquine, start: 2026-09-25}
  - {code: methylprednisolone, start: 2026-10-20, end: 2026-10-22}
  - {code: prednisone, start: 2026-10-23}
procedures: [{code: renal_biopsy, date: 2026-10-20}]
consents: [{code: informed_consent, date: 2026-11-16}, {code: contraception_agreement, date: 2026-11-16}]
planned: [{kind: procedure, code: renal_biopsy}]
complete: [conditions, drugs, procedures, vaccines, hospitalizations, trial_participations, planned]
"""


def answers(patient: trialogic.Patient, trials: trialogic.TrialSet) -> dict[str, tuple[str, list[str], list[str]]]:
    return {
        r.trial: (r.status, [c.id for c in r.blocking()], [c.id for c in r.unknown()])
        for r in trialogic.check([patient], trials, on=ON)
    }


@pytest.fixture(scope="module")
def trials() -> trialogic.TrialSet:
    return trialogic.load_trials()


@pytest.mark.parametrize(
    ("name", "written", "expected"),
    [
        (
            "ln_flare",
            FLARE_YAML,
            {"NCT03580291": ("ineligible", ["immunosuppressants"]), "NCT01539902": ("undetermined", [])},
        ),
        (
            "ln_new_onset",
            NEW_ONSET_YAML,
            {"NCT03580291": ("eligible", []), "NCT04318600": ("ineligible", ["renal_function", "pregnancy"])},
        ),
    ],
)
def test_a_golden_bundle_gets_the_answers_of_the_same_patient_written_by_hand(
    name: str, written: str, expected: dict[str, tuple[str, list[str]]], trials: trialogic.TrialSet
) -> None:
    from_bundle, notes = read_bundle(fixture(f"{name}.json"), f"{name}.json")
    by_hand = trialogic.read_patient(parse_yaml(written), f"{name}.yaml")
    got = answers(from_bundle, trials)
    assert got == answers(by_hand, trials)
    assert len(got) == 5
    for trial, (status, blocking) in expected.items():
        assert got[trial][:2] == (status, blocking)


def test_a_patient_read_from_a_bundle_is_checked_by_the_public_api(trials: trialogic.TrialSet) -> None:
    patient, _ = read_bundle(fixture("ln_new_onset.json"), "ln_new_onset.json")
    assert isinstance(patient, trialogic.Patient) and patient.source == "ln_new_onset.json"
    (repair,) = trialogic.fix(patient, trials, on=ON, trial_ids="NCT05631717")
    assert [a.kind for alt in repair.alternatives for a in alt.actions] == ["test"]  # the serum hCG not drawn


# ----- small Bundles -----------------------------------------------------------------------


P1 = {"resourceType": "Patient", "id": "P1", "gender": "female", "birthDate": "1990-01-01"}


def bundle(*resources: dict[str, Any], patient: dict[str, Any] | None = None) -> dict[str, Any]:
    """A collection: a Patient P1 (female, born 1990-01-01), then the resources, each about P1."""
    person = patient if patient is not None else P1
    entries = [{"fullUrl": "https://ehr.example.org/fhir/Patient/P1", "resource": person}]
    for resource in resources:
        entries.append({"resource": {**resource, "subject": resource.get("subject", {"reference": "Patient/P1"})}})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


def cc(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def creatinine(value: Any = 1.2, unit: str = "mg/dL", when: Any = "2026-11-10", **more: Any) -> dict[str, Any]:
    resource = {"resourceType": "Observation", "status": "final", "code": cc(LOINC, "2160-0")}
    if when is not None:
        resource["effectiveDateTime"] = when
    resource["valueQuantity"] = {"value": value, "unit": unit, "system": UCUM, "code": unit}
    return {**resource, **more}


def condition(
    code: dict[str, Any], clinical: str | None = "active", verification: str | None = None, **more: Any
) -> dict[str, Any]:
    resource: dict[str, Any] = {"resourceType": "Condition", "code": code}
    if clinical:
        resource["clinicalStatus"] = cc(CLINICAL, clinical)
    if verification:
        resource["verificationStatus"] = cc(VERIFICATION, verification)
    return {**resource, **more}


def problems(document: Any) -> list[str]:
    with pytest.raises(TrialogicError) as raised:
        read_bundle(document, "b.json")
    return [d.render() for d in raised.value.diagnostics]


def notes_of(document: Any) -> list[str]:
    _, notes = read_bundle(document, "b.json")
    return [n.render() for n in notes]


def test_is_bundle_tells_a_bundle_from_a_record() -> None:
    assert is_bundle(fixture("ln_flare.json"))
    assert not is_bundle({"id": "P1", "resourceType": "Patient"})
    assert not is_bundle([fixture("ln_flare.json")])


def test_the_record_id_of_a_bundle_is_its_patients_id_not_the_bundles() -> None:
    document = fixture("ln_flare.json")
    assert document["id"] == "export-f01"
    assert patient_id(document) == "F01"
    assert patient_id(bundle(patient={"resourceType": "Patient"})) is None
    two = bundle()
    two["entry"].append({"resource": {**P1, "id": "P2"}})
    assert patient_id(two) is None


def test_bundle_to_record_raises_every_problem_of_the_bundle_at_once() -> None:
    document = bundle(creatinine(when="2026-11"), creatinine(value=1.3, when="2026-10", unit="mg/dL"))
    with pytest.raises(TrialogicError) as raised:
        bundle_to_record(document, "b.json")
    assert [d.field for d in raised.value.diagnostics] == [
        "entry[1].resource.effectiveDateTime",
        "entry[2].resource.effectiveDateTime",
    ]


def test_a_datetime_is_read_as_the_calendar_date_written_in_its_own_zone() -> None:
    late_evening = creatinine(when="2026-11-16T23:40:00-05:00")  # 04:40 UTC on the 17th
    record, _ = bundle_to_record(bundle(late_evening), "b.json")
    assert record["measurements"][0]["date"] == "2026-11-16"


def test_of_two_results_on_one_day_the_later_by_time_is_read_and_the_earlier_noted() -> None:
    document = bundle(
        creatinine(1.4, when="2026-11-10T09:00:00+01:00"), creatinine(1.1, when="2026-11-10T07:30:00+01:00")
    )
    record, notes = bundle_to_record(document, "b.json")
    assert [m["value"] for m in record["measurements"]] == [1.4]
    assert [n.render() for n in notes] == [
        "b.json: entry[2].resource: warning[F103]: not read: an earlier serum_creatinine result on 2026-11-10 "
        "than entry[1], which is read"
    ]


def test_a_resource_repeated_word_for_word_is_read_once_with_a_note() -> None:
    """One Observation listed twice is one result, not two results of one day (P010); a
    Patient listed twice is one patient, and a reference to its repeat's fullUrl names it."""
    result = creatinine(id="o1")
    document = bundle(result, result)
    document["entry"].append({**copy.deepcopy(document["entry"][0]), "fullUrl": "urn:uuid:0c5a-3"})  # the Patient
    later = {**creatinine(1.3, when="2026-11-12", id="o2"), "subject": {"reference": "urn:uuid:0c5a-3"}}
    document["entry"].append({"resource": later})
    record, notes = bundle_to_record(document, "b.json")
    assert [(m["value"], m["date"]) for m in record["measurements"]] == [(1.2, "2026-11-10"), (1.3, "2026-11-12")]
    assert [n.render() for n in notes] == [
        "b.json: entry[2].resource: warning[F102]: not read: the same resource as entry[1] (Observation/o1), "
        "repeated word for word: it counts once",
        "b.json: entry[3].resource: warning[F102]: not read: the same resource as entry[0] (Patient/P1), "
        "repeated word for word: it counts once",
    ]
    assert patient_id(document) == "P1"


def test_a_resource_repeated_with_other_content_is_an_error_naming_both_entries() -> None:
    document = bundle(creatinine(id="o1"), creatinine(1.9, id="o1"))
    assert problems(document) == [
        "b.json: entry[2].resource: error[F001]: entry[1] and entry[2] both give Observation/o1, with different "
        "content: a resource is given once; keep the version that is right, or give the other resource an id of "
        "its own"
    ]
    document = bundle(creatinine(id="o1"))
    document["entry"].append({"resource": {**P1, "gender": "male"}})
    assert patient_id(document) is None
    assert problems(document) == [
        "b.json: entry[2].resource: error[F001]: entry[0] and entry[2] both give Patient/P1, with different "
        "content: a resource is given once; keep the version that is right, or give the other resource an id of "
        "its own"
    ]


def test_a_reference_range_becomes_the_records_range_and_its_high_end_the_uln() -> None:
    ranged = creatinine(
        referenceRange=[{"low": {"value": 0.5, "code": "mg/dL"}, "high": {"value": 1.1, "code": "mg/dL"}}]
    )
    high_only = creatinine(when="2026-11-11", referenceRange=[
        {"type": cc("http://terminology.hl7.org/CodeSystem/referencerange-meaning", "treatment"), "high": {"value": 3}},
        {"high": {"value": 1.0}},
    ])  # fmt: skip
    record, _ = bundle_to_record(bundle(ranged, high_only), "b.json")
    assert [(m.get("reference_range"), m.get("uln")) for m in record["measurements"]] == [
        ([0.5, 1.1], None),
        (None, 1.0),
    ]


def test_an_egfr_and_an_hba1c_are_read_as_their_own_attributes_not_as_creatinine_clearance(tmp_path: Path) -> None:
    """eGFR in UCUM's mL/min/{1.73_m2} (it was noted and dropped); plain mL/min is no eGFR."""
    egfr = creatinine(value=42, unit="mL/min/{1.73_m2}", code=cc(LOINC, "62238-1"))
    a1c = creatinine(value=7.4, unit="%", code=cc(LOINC, "4548-4"))
    record, notes = bundle_to_record(bundle(egfr, a1c), "b.json")
    assert notes == []
    assert [(m["attribute"], m["value"], m["unit"]) for m in record["measurements"]] == [
        ("egfr", 42, "mL/min/1.73m2"),
        ("hba1c", 7.4, "%"),
    ]
    criteria = tmp_path / "t.tl"
    criteria.write_text(
        'trial NCT00000001 "t" {\n  include r "x": egfr >= 30 mL/min/1.73m2\n'
        '  include c "y": creatinine_clearance >= 30 mL/min\n}\n'
    )
    (result,) = trialogic.check([trialogic.read_patient(record)], trialogic.load_trials(criteria), on=ON)
    assert [(c.id, c.status) for c in result.criteria] == [("r", "met"), ("c", "unknown")]
    plain = creatinine(value=42, unit="mL/min", code=cc(LOINC, "62238-1"))
    with pytest.raises(TrialogicError, match=r"'mL/min' cannot be converted to 'mL/min/1.73m2' for egfr"):
        trialogic.read_patient(bundle_to_record(bundle(plain), "b.json")[0])


def test_a_preliminary_result_is_read_with_a_note() -> None:
    document = bundle(creatinine(status="preliminary"))
    record, notes = bundle_to_record(document, "b.json")
    assert record["measurements"][0]["value"] == 1.2
    assert [n.render() for n in notes] == [
        "b.json: entry[1].resource.status: warning[F103]: a preliminary result, read as it stands: a final one may differ"
    ]


def test_a_cancelled_or_mistaken_result_is_skipped_without_a_word() -> None:
    document = bundle(creatinine(status="cancelled"), creatinine(status="entered-in-error"))
    assert bundle_to_record(document, "b.json") == ({"id": "P1", "birth_date": "1990-01-01", "sex": "female"}, [])


def test_an_unmapped_code_is_noted_and_the_patient_is_still_read() -> None:
    document = bundle(condition(cc(SNOMED, "235595009"), onsetDateTime="2020-01-01"))
    assert notes_of(document) == [
        "b.json: entry[1].resource.code: warning[F101]: Condition http://snomed.info/sct|235595009 not read: "
        "facts/fhir.yaml maps none of its codes to a condition (add one there, or code it in urn:trialogic:condition)"
    ]


def test_a_refuted_condition_is_an_explicit_negative_only_when_its_code_means_the_whole_concept() -> None:
    same = condition(cc(SNOMED, "86406008"), clinical=None, verification="refuted")
    narrower = condition(cc("http://hl7.org/fhir/sid/icd-10", "B18.1"), clinical=None, verification="refuted")
    record, notes = bundle_to_record(bundle(same, narrower), "b.json")
    assert record["negatives"] == [{"kind": "condition", "code": "hiv_infection"}]
    assert [n.code for n in notes] == ["F102"] and "narrower than hepatitis_b" in notes[0].message


@pytest.mark.parametrize(
    ("clinical", "abatement", "expected"),
    [
        ("active", {}, {"status": "active"}),
        ("relapse", {}, {"status": "active"}),
        ("remission", {}, {"status": "resolved"}),
        ("resolved", {"abatementDateTime": "2020-03-01"}, {"status": "resolved", "end": "2020-03-01"}),
        (None, {"abatementDateTime": "2020-03-01"}, {"status": "resolved", "end": "2020-03-01"}),
        ("inactive", {"abatementString": "after the second course"}, {"status": "resolved"}),
    ],
)
def test_a_conditions_clinical_status_and_abatement_become_the_records_status_and_end(
    clinical: str | None, abatement: dict[str, Any], expected: dict[str, str]
) -> None:
    document = bundle(condition(cc(SNOMED, "91302008"), clinical, onsetDateTime="2020-02-01", **abatement))
    record, _ = bundle_to_record(document, "b.json")
    assert record["conditions"] == [{"code": "sepsis", "start": "2020-02-01", **expected}]


def test_a_condition_without_an_onset_begins_on_its_recorded_date_said_in_a_note() -> None:
    document = bundle(
        condition(cc(SNOMED, "91302008"), "resolved", recordedDate="2021-05-01", abatementDateTime="2020-03-01")
    )
    record, notes = bundle_to_record(document, "b.json")
    assert record["conditions"] == [
        {"code": "sepsis", "start": "2020-03-01", "status": "resolved", "end": "2020-03-01"}
    ]
    assert [n.render() for n in notes] == [
        "b.json: entry[1].resource.recordedDate: warning[F103]: no onset date: read as begun on 2020-03-01, "
        "the recordedDate (it had begun by then)"
    ]


@pytest.mark.parametrize(
    ("status", "period", "expected"),
    [
        ("active", {"effectivePeriod": {"start": "2026-01-05"}}, {"start": "2026-01-05"}),
        (
            "completed",
            {"effectivePeriod": {"start": "2026-01-05", "end": "2026-03-01"}},
            {"start": "2026-01-05", "end": "2026-03-01"},
        ),
        ("stopped", {"effectivePeriod": {"start": "2026-01-05"}}, {"start": "2026-01-05", "status": "stopped"}),
        ("completed", {"effectiveDateTime": "2026-01-05T10:00:00Z"}, {"start": "2026-01-05", "end": "2026-01-05"}),
    ],
)
def test_a_medication_statements_status_and_period_become_the_drugs_start_and_end(
    status: str, period: dict[str, Any], expected: dict[str, str]
) -> None:
    statement = {
        "resourceType": "MedicationStatement",
        "status": status,
        "medicationCodeableConcept": cc("http://www.whocc.no/atc", "L04AD02"),
        **period,
    }
    record, _ = bundle_to_record(bundle(statement), "b.json")
    assert record["drugs"] == [{"code": "tacrolimus", **expected}]


def test_an_intended_drug_and_a_procedure_in_preparation_are_planned_events() -> None:
    intended = {
        "resourceType": "MedicationStatement",
        "status": "intended",
        "medicationCodeableConcept": cc("http://www.nlm.nih.gov/research/umls/rxnorm", "121191"),
    }
    surgery = {
        "resourceType": "Procedure",
        "status": "preparation",
        "code": cc("http://snomed.info/sct", "70536003"),
        "performedDateTime": "2027-02-01",
    }
    record, _ = bundle_to_record(bundle(intended, surgery), "b.json")
    assert record["planned"] == [
        {"kind": "drug", "code": "rituximab"},
        {"kind": "procedure", "code": "kidney_transplantation", "date": "2027-02-01"},
    ]


def test_an_allergy_or_intolerance_becomes_the_condition_the_vocabulary_names() -> None:
    def allergy(kind: str | None, category: str, code: dict[str, Any]) -> dict[str, Any]:
        resource = {"resourceType": "AllergyIntolerance", "category": [category], "code": code, "patient": {"reference": "Patient/P1"},
                    "clinicalStatus": cc("http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical", "active"),
                    "onsetDateTime": "2025-04-01"}  # fmt: skip
        return {**resource, "type": kind} if kind else resource

    mmf = cc("http://www.nlm.nih.gov/research/umls/rxnorm", "68149")
    penicillin = cc(SNOMED, "764146007")
    document = bundle(
        allergy("intolerance", "medication", mmf),
        allergy("allergy", "medication", penicillin),
        allergy(None, "food", penicillin),
    )
    record, notes = bundle_to_record(document, "b.json")
    assert [c["code"] for c in record["conditions"]] == ["mmf_intolerance", "drug_allergy"]
    assert [n.render() for n in notes] == [
        "b.json: entry[3].resource.type: warning[F102]: not read: no type (allergy or intolerance), and the record tells them apart"
    ]


def test_a_gender_the_record_cannot_hold_leaves_sex_unknown_with_a_note() -> None:
    record, notes = bundle_to_record(bundle(patient={**P1, "gender": "unknown"}), "b.json")
    assert "sex" not in record
    assert [n.code for n in notes] == ["F102"]


@pytest.mark.parametrize("deceased", [{"deceasedBoolean": True}, {"deceasedDateTime": "2026-10-01"}])
def test_a_deceased_patient_is_said_never_dropped(deceased: dict[str, Any]) -> None:
    record, notes = bundle_to_record(bundle(patient={**P1, **deceased}), "b.json")
    (element,) = deceased
    assert [(n.code, n.field) for n in notes] == [("F102", f"entry[0].resource.{element}")]
    assert "deceased" in notes[0].message
    alive, quiet = bundle_to_record(bundle(patient={**P1, "deceasedBoolean": False}), "b.json")
    assert quiet == [] and alive == record


def test_the_bundles_problems_and_the_records_come_together() -> None:
    document = bundle(creatinine(when="2026-11"), creatinine(value=900, when="2026-11-12"))
    assert [p.split(": error")[0] for p in problems(document)] == [
        "b.json: entry[1].resource.effectiveDateTime",
        "b.json: entry[2].resource.valueQuantity.value",
    ]


def test_a_list_says_a_section_is_complete_only_while_every_resource_of_its_kind_is_read() -> None:
    complete = {
        "resourceType": "List",
        "status": "current",
        "mode": "snapshot",
        "code": cc("urn:trialogic:complete", "conditions"),
    }
    record, _ = bundle_to_record(bundle(complete), "b.json")
    assert record["complete"] == ["conditions"]
    unmapped = condition(cc(SNOMED, "235595009"), onsetDateTime="2020-01-01")
    assert problems(bundle(complete, unmapped)) == [
        "b.json: entry[2].resource: error[F003]: entry[1] says the conditions are complete, but entry[2] was not read "
        "(see its note); map its code in facts/fhir.yaml or fix it, or drop the List"
    ]
    working = {**complete, "mode": "working"}
    assert "complete" not in bundle_to_record(bundle(working), "b.json")[0]


def test_a_bad_bundle_is_named_by_line_and_column_in_its_file(tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle(creatinine(unit="mm[Hg]")), indent=2))
    with pytest.raises(TrialogicError) as raised:
        read_bundle(json.loads(path.read_text()), str(path))
    (located,) = locate(raised.value.diagnostics)
    line = path.read_text().splitlines()[located.line - 1]
    assert (located.field, line.strip()) == ("entry[1].resource.valueQuantity.code", '"code": "mm[Hg]"')
    column = line.index('"code"') + 1
    assert located.render().startswith(
        f"{path}:{located.line}:{column}: entry[1].resource.valueQuantity.code: error[P002]"
    )


# ----- bad input: one case each, with its message -------------------------------------------

BAD: list[tuple[str, Any, list[str]]] = [
    (
        "a history bundle",
        {**bundle(), "type": "history"},
        [
            "b.json: type: error[F001]: a history Bundle holds past versions of resources; give the current ones (a searchset or collection)"
        ],
    ),
    (
        "no patient",
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": creatinine()}]},
        ["b.json: entry: error[F001]: the Bundle holds no Patient resource; give the one patient it describes"],
    ),
    (
        "two patients",
        {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": P1}, {"resource": {**P1, "id": "P2"}}]},
        [
            "b.json: entry[1].resource: error[F001]: a second Patient resource (the first is entry[0]); a Bundle is read as one patient: give each patient a Bundle of their own"
        ],
    ),
    (
        "a resource about another patient",
        bundle(creatinine(subject={"reference": "Patient/P9"})),
        [
            "b.json: entry[1].resource.subject.reference: error[F001]: 'Patient/P9' is not the Bundle's Patient (Patient/P1): a Bundle holds one patient's resources only"
        ],
    ),
    (
        "a patient without an id",
        bundle(patient={"resourceType": "Patient", "gender": "male"}),
        [
            "b.json: entry[0].resource.id: error[F001]: the Patient has no id; give it the id the patient is known by in the run (Patient.id)"
        ],
    ),
    (
        "an entry without a resource",
        {**bundle(), "entry": [{"resource": P1}, {"fullUrl": "urn:uuid:1"}]},
        ["b.json: entry[1]: error[F001]: the entry holds no resource"],
    ),
    (
        "a result dated by its month only",
        bundle(creatinine(when="2026-11")),
        [
            "b.json: entry[1].resource.effectiveDateTime: error[P004]: '2026-11' gives no day, and trialogic compares whole days: give the full date (YYYY-MM-DD); trialogic never picks a day for you"
        ],
    ),
    (
        "a condition begun in a year",
        bundle(condition(cc(SNOMED, "91302008"), onsetDateTime="2018")),
        [
            "b.json: entry[1].resource.onsetDateTime: error[P004]: '2018' gives no day, and trialogic compares whole days: give the full date (YYYY-MM-DD); trialogic never picks a day for you"
        ],
    ),
    (
        "a birth date that is not a date",
        bundle(patient={**P1, "birthDate": "1990-02-30"}),
        [
            "b.json: entry[0].resource.birthDate: error[P004]: '1990-02-30' is not a date (day is out of range for month)"
        ],
    ),
    (
        "a result without a date",
        bundle(creatinine(when=None)),
        [
            "b.json: entry[1].resource: error[P004]: a serum_creatinine result needs the date it was taken (effectiveDateTime or effectivePeriod)"
        ],
    ),
    (
        "a value given as below a limit",
        bundle(creatinine(valueQuantity={"value": 0.2, "comparator": "<", "code": "mg/dL", "system": UCUM})),
        [
            "b.json: entry[1].resource.valueQuantity.comparator: error[F002]: <0.2 is not a value trialogic can compare exactly; give the measured value, or leave the result out (it stays unknown)"
        ],
    ),
    (
        "a unit of the wrong dimension",
        bundle(creatinine(unit="mm[Hg]")),
        [
            "b.json: entry[1].resource.valueQuantity.code: error[P002]: 'mmHg' cannot be converted to 'umol/L' for serum_creatinine (use a unit of the same dimension as 'umol/L' or 'mg/dL')"
        ],
    ),
    (
        "an impossible value",
        bundle(creatinine(value=900)),
        [
            "b.json: entry[1].resource.valueQuantity.value: error[P008]: 900 mg/dL is impossible for serum creatinine (possible: 1 to 5000 umol/L)"
        ],
    ),
    (
        "a reference range in another unit",
        bundle(creatinine(referenceRange=[{"high": {"value": 97, "system": UCUM, "code": "umol/L"}}])),
        [
            "b.json: entry[1].resource.referenceRange[0].high.code: error[F002]: the reference range is in 'umol/L' but the result in 'mg/dL'; trialogic reads a range in the result's unit"
        ],
    ),
    (
        "a pregnancy test result no mapping reads",
        bundle(
            {
                "resourceType": "Observation",
                "status": "final",
                "code": cc(LOINC, "2106-3"),
                "effectiveDateTime": "2026-11-10",
                "valueCodeableConcept": cc(SNOMED, "82334004"),
            }
        ),  # fmt: skip
        [
            "b.json: entry[1].resource.valueCodeableConcept: error[P005]: no value of urine_pregnancy_test (negative, positive) in valueCodeableConcept; give a valueCodeableConcept whose coding facts/fhir.yaml maps (or whose code is the value), or a valueString"
        ],
    ),
    (
        "a blood pressure panel without its diastolic",
        bundle(
            {
                "resourceType": "Observation",
                "status": "final",
                "code": cc(LOINC, "85354-9"),
                "effectiveDateTime": "2026-11-10",
                "component": [
                    {"code": cc(LOINC, "8480-6"), "valueQuantity": {"value": 150, "system": UCUM, "code": "mm[Hg]"}}
                ],
            }
        ),  # fmt: skip
        ["b.json: entry[1].resource.component: error[F002]: the blood_pressure panel has no diastolic component"],
    ),
    (
        "a result with no value and no reason",
        bundle(
            {
                "resourceType": "Observation",
                "status": "final",
                "code": cc(LOINC, "2160-0"),
                "effectiveDateTime": "2026-11-10",
            }
        ),
        [
            "b.json: entry[1].resource: error[F002]: a serum_creatinine result without a value (value[x], or dataAbsentReason)"
        ],
    ),
    (
        "an unknown attribute in trialogic's own system",
        bundle(
            {
                "resourceType": "Observation",
                "status": "final",
                "code": cc("urn:trialogic:attribute", "biopsy_clas"),
                "effectiveDateTime": "2026-11-10",
                "valueString": "IV",
            }
        ),  # fmt: skip
        [
            "b.json: entry[1].resource.code.coding[0].code: error[F002]: unknown attribute 'biopsy_clas'; did you mean 'biopsy_class'?"
        ],
    ),
    (
        "an unknown concept in trialogic's own system",
        bundle(
            condition(
                {"coding": [{"system": "urn:trialogic:condition", "code": "lupus_nefritis"}]},
                onsetDateTime="2020-01-01",
            )
        ),
        [
            "b.json: entry[1].resource.code.coding[0].code: error[F002]: unknown condition concept 'lupus_nefritis' in urn:trialogic:condition; did you mean 'lupus_nephritis'?"
        ],
    ),
    (
        "an active condition that abated",
        bundle(condition(cc(SNOMED, "91302008"), "active", onsetDateTime="2020-01-01", abatementDateTime="2020-02-01")),
        [
            "b.json: entry[1].resource.abatementDateTime: error[F002]: clinicalStatus 'active' contradicts abatementDateTime: a condition with an abatement is inactive, in remission or resolved"
        ],
    ),
    (
        "a refuted condition the Bundle also confirms",
        bundle(
            condition(cc(SNOMED, "56717001"), clinical=None, verification="refuted"),
            condition(cc("http://hl7.org/fhir/sid/icd-10", "A15.0"), onsetDateTime="2019-01-01"),
        ),
        [
            "b.json: entry[1].resource.verificationStatus: error[P009]: the record says there never was a condition tuberculosis, which conflicts with entry[2] (tuberculosis itself); keep the one that holds"
        ],
    ),
    (
        "two results on one day without times",
        bundle(creatinine(1.2), creatinine(1.3)),
        ["b.json: entry[2].resource: error[P010]: a second serum_creatinine result on 2026-11-10 (first: entry[1])"],
    ),
    (
        "a medication reference to nothing",
        bundle(
            {
                "resourceType": "MedicationStatement",
                "status": "active",
                "medicationReference": {"reference": "Medication/m9"},
                "effectivePeriod": {"start": "2026-01-01"},
            }
        ),
        [
            "b.json: entry[1].resource.medicationReference: error[F001]: 'Medication/m9' names no Medication in the Bundle (nor a contained one)"
        ],
    ),
    (
        "an unknown section declared complete",
        bundle(
            {
                "resourceType": "List",
                "status": "current",
                "mode": "snapshot",
                "code": cc("urn:trialogic:complete", "drug"),
            }
        ),
        ["b.json: entry[1].resource.code.coding[0].code: error[F002]: unknown section 'drug'; did you mean 'drugs'?"],
    ),
]


@pytest.mark.parametrize(("document", "expected"), [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_input_is_refused_with_a_message_naming_the_fhir_element(document: Any, expected: list[str]) -> None:
    assert problems(document) == expected


# ----- found by a tester: each case fails without its fix -------------------------------------

RXNORM, ATC = "http://www.nlm.nih.gov/research/umls/rxnorm", "http://www.whocc.no/atc"
ACT = "http://terminology.hl7.org/v3/ActCode"
P = {"resourceType": "Patient", "id": "X1", "gender": "female", "birthDate": "1990-01-02"}
BARE = {"id": "X1", "birth_date": "1990-01-02", "sex": "female"}


def x1(*resources: dict[str, Any], **more: Any) -> dict[str, Any]:
    """The tester's Bundle: P, then the resources (naming no subject: they are about P)."""
    entries = [{"resource": P}, *({"resource": r} for r in resources)]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries, **more}


def read(document: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str | None]]]:
    record, notes = bundle_to_record(document, "b.json")
    return record, [(n.code, n.field) for n in notes]


def complete_list(section: str) -> dict[str, Any]:
    return {
        "resourceType": "List",
        "status": "current",
        "mode": "snapshot",
        "code": cc("urn:trialogic:complete", section),
    }


def test_a_request_not_to_give_a_drug_or_do_a_procedure_is_no_order_and_no_plan() -> None:
    no_drug = {"resourceType": "MedicationRequest", "status": "active", "intent": "order", "doNotPerform": True,
               "medicationCodeableConcept": cc(RXNORM, "121191"), "authoredOn": "2026-11-01"}  # fmt: skip
    no_biopsy = {"resourceType": "ServiceRequest", "status": "active", "intent": "order", "doNotPerform": True,
                 "code": cc("http://www.ama-assn.org/go/cpt", "50200")}  # fmt: skip
    assert read(x1(no_drug, no_biopsy)) == (
        BARE,
        [("F102", "entry[1].resource.doNotPerform"), ("F102", "entry[2].resource.doNotPerform")],
    )
    record, _ = read(x1({**no_drug, "doNotPerform": False}, {**no_biopsy, "doNotPerform": False}))
    assert record["drugs"] == [{"code": "rituximab", "start": "2026-11-01"}]
    assert record["planned"] == [{"kind": "procedure", "code": "renal_biopsy"}]


def test_a_consent_that_denies_is_an_opt_out_not_informed_consent() -> None:
    given = {"resourceType": "Consent", "status": "active", "scope": cc("http://terminology.hl7.org/CodeSystem/consentscope", "research"),
             "dateTime": "2026-10-01", "provision": {"type": "permit"}}  # fmt: skip
    assert read(x1(given))[0]["consents"] == [{"code": "informed_consent", "date": "2026-10-01"}]
    assert read(x1({**given, "provision": {"type": "deny"}})) == (BARE, [("F102", "entry[1].resource.provision.type")])


@pytest.mark.parametrize("verification", ["refuted", "entered-in-error", "provisional", "differential", "unconfirmed"])
def test_an_encounters_reason_is_a_confirmed_condition_only(verification: str) -> None:
    stay = {"resourceType": "Encounter", "status": "finished", "class": {"system": ACT, "code": "IMP"},
            "period": {"start": "2026-09-01", "end": "2026-09-05"}, "reasonReference": [{"reference": "Condition/c1"}]}  # fmt: skip
    sepsis = {**condition(cc(SNOMED, "91302008"), onsetDateTime="2026-09-01"), "id": "c1"}
    assert read(x1(stay, sepsis))[0]["hospitalizations"][0]["code"] == "infection_hospitalization"
    doubted = {**condition(cc(SNOMED, "91302008"), verification=verification, onsetDateTime="2026-09-01"), "id": "c1"}
    record, notes = read(x1(stay, doubted))
    assert record["hospitalizations"] == [{"code": "hospitalization_any", "start": "2026-09-01", "end": "2026-09-05"}]
    assert ("F102", "entry[1].resource.reasonReference[0]") in notes


def allergy_intolerance(code: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"resourceType": "AllergyIntolerance", "type": "allergy", "category": ["medication"],
            "clinicalStatus": {"coding": [{"code": "active"}]}, "code": code, "recordedDate": "2026-01-01", **more}  # fmt: skip


@pytest.mark.parametrize("code", ["409137002", "716186003", "428607008", "429625007"])
def test_no_known_allergy_is_no_allergy_and_no_negative(code: str) -> None:
    assert read(x1(allergy_intolerance(cc(SNOMED, code)))) == (
        BARE,
        [("F102", "entry[1].resource.code.coding[0].code")],
    )


@pytest.mark.parametrize("verification", ["refuted", "entered-in-error", "unconfirmed"])
def test_an_allergy_not_confirmed_is_no_condition(verification: str) -> None:
    penicillin = allergy_intolerance(cc(SNOMED, "764146007"), verificationStatus=cc(VERIFICATION, verification))
    record, _ = read(x1(penicillin))
    assert "conditions" not in record and "negatives" not in record


@pytest.mark.parametrize(
    "status", [{"text": "confirmed"}, {"coding": [{"display": "Confirmed"}]}, {"coding": [{"system": VERIFICATION}]}]
)
def test_a_verification_status_without_a_code_is_not_read_as_confirmed(status: dict[str, Any]) -> None:
    sle = condition(cc(SNOMED, "55464009"), onsetDateTime="2020-01-01", verificationStatus=status)
    assert read(x1(sle)) == (BARE, [("F102", "entry[1].resource.verificationStatus")])
    penicillin = allergy_intolerance(cc(SNOMED, "764146007"), verificationStatus=status)
    assert read(x1(penicillin)) == (BARE, [("F102", "entry[1].resource.verificationStatus")])


@pytest.mark.parametrize("narrower_first", [True, False])
def test_a_refuted_condition_with_a_narrower_coding_is_no_negative_in_any_order(narrower_first: bool) -> None:
    # hypertension (same), essential hypertension (within hypertension)
    codings_ = [{"system": SNOMED, "code": "38341003"}, {"system": SNOMED, "code": "59621000"}]
    code = {"coding": codings_[::-1] if narrower_first else codings_}
    record, notes = read(x1(condition(code, clinical=None, verification="refuted")))
    assert "negatives" not in record
    assert notes == [("F102", "entry[1].resource.verificationStatus")]


def test_a_refuted_condition_whose_codings_all_mean_the_concept_is_a_negative() -> None:
    code = {
        "coding": [
            {"system": SNOMED, "code": "86406008"},
            {"system": "urn:trialogic:condition", "code": "hiv_infection"},
        ]
    }
    record, _ = read(x1(condition(code, clinical=None, verification="refuted")))
    assert record["negatives"] == [{"kind": "condition", "code": "hiv_infection"}]
    two = {"coding": [{"system": SNOMED, "code": "86406008"}, {"system": SNOMED, "code": "91302008"}]}  # HIV; sepsis
    assert read(x1(condition(two, clinical=None, verification="refuted"))) == (
        BARE,
        [("F102", "entry[1].resource.verificationStatus")],
    )


@pytest.mark.parametrize(
    "klass",
    [
        {"system": "http://example.org/classes", "code": "IMP"},
        {"code": "IMP"},
        [{"coding": [{"system": ACT, "code": "IMP"}]}],
        None,
        {"system": ACT, "code": "XYZ"},  # no ActCode encounter class
        {"system": ACT, "code": "SS"},  # a short stay is an admission
    ],
)
def test_an_encounter_whose_class_cannot_be_read_refuses_a_complete_hospitalization_list(klass: Any) -> None:
    stay = {"resourceType": "Encounter", "status": "finished", "period": {"start": "2026-09-01", "end": "2026-09-05"}}
    if klass is not None:
        stay["class"] = klass
    assert read(x1(stay)) == (BARE, [("F100", "entry[1].resource.resourceType")])
    assert [p.split(": error")[0] for p in problems(x1(stay, complete_list("hospitalizations")))] == [
        "b.json: entry[1].resource"
    ]
    visit = {**stay, "class": {"system": ACT, "code": "AMB"}}  # an outpatient visit is no stay
    assert read(x1(visit, complete_list("hospitalizations")))[0]["complete"] == ["hospitalizations"]


@pytest.mark.parametrize("code", ["AMB", "EMER", "FLD", "HH", "VR", "OBSENC", "PRENC"])
def test_an_encounter_of_an_outpatient_actcode_class_is_no_stay(code: str) -> None:
    visit = {"resourceType": "Encounter", "status": "finished", "class": {"system": ACT, "code": code},
             "period": {"start": "2026-09-01", "end": "2026-09-01"}}  # fmt: skip
    record, notes = read(x1(visit, complete_list("hospitalizations")))
    assert "hospitalizations" not in record and record["complete"] == ["hospitalizations"]
    assert notes == [("F100", "entry[1].resource.resourceType")]


def test_a_quantity_code_that_is_a_number_is_an_error_not_its_unit_read_instead() -> None:
    numeric = creatinine()
    numeric["valueQuantity"] = {**numeric["valueQuantity"], "code": 258}
    assert problems(x1(numeric)) == [
        "b.json: entry[1].resource.valueQuantity.code: error[F002]: a Quantity's code is a string "
        "(write it quoted), not 258"
    ]
    high = {"high": {"value": 1.1, "unit": "mg/dL", "system": UCUM, "code": 7}}
    assert [p.split(": error")[0] for p in problems(x1(creatinine(referenceRange=[high])))] == [
        "b.json: entry[1].resource.referenceRange[0].high.code"
    ]


@pytest.mark.parametrize(
    "status", [{"text": "active"}, {"coding": [{"display": "Active"}]}, {"coding": [{"system": CLINICAL}]}]
)
def test_a_clinical_status_without_a_code_is_not_read_as_absent(status: dict[str, Any]) -> None:
    sle = condition(cc(SNOMED, "55464009"), onsetDateTime="2020-01-01", clinicalStatus=status)
    assert read(x1(sle)) == (BARE, [("F102", "entry[1].resource.clinicalStatus")])
    ended = {**sle, "abatementDateTime": "2021-01-01"}  # with an abatement, no clinicalStatus reads as resolved
    assert read(x1(ended)) == (BARE, [("F102", "entry[1].resource.clinicalStatus")])
    penicillin = allergy_intolerance(cc(SNOMED, "764146007"), clinicalStatus=status)
    _, notes = read_bundle(x1(penicillin), "b.json")
    assert [(n.code, n.field) for n in notes] == [("F102", "entry[1].resource.clinicalStatus")]
    assert "has no code" in notes[0].message


def test_an_allergy_clinical_status_that_is_no_allergy_status_is_an_error() -> None:
    penicillin = allergy_intolerance(cc(SNOMED, "764146007"), clinicalStatus=cc(CLINICAL, "remission"))
    assert [p.split(": error")[0] for p in problems(x1(penicillin))] == ["b.json: entry[1].resource.clinicalStatus"]


STAY = {"resourceType": "Encounter", "status": "finished", "class": {"system": ACT, "code": "IMP"},
        "period": {"start": "2026-09-01", "end": "2026-09-05"}, "reasonCode": [cc(SNOMED, "91302008")],
        "reasonReference": [{"reference": "Condition/c1"}], "diagnosis": [{"condition": {"reference": "Condition/c1"}}]}  # fmt: skip
SLE = condition(cc(SNOMED, "55464009"), onsetDateTime="2020-01-01", verificationStatus=cc(VERIFICATION, "confirmed"))
RANGED = creatinine(referenceRange=[{"low": {"value": 0.5, "code": "mg/dL"}, "high": {"value": 1.1, "code": "mg/dL"}}])
DOSED = {"resourceType": "MedicationRequest", "status": "active", "intent": "order", "medicationCodeableConcept": cc(RXNORM, "121191"),
         "authoredOn": "2026-11-01", "dosageInstruction": [{"timing": {"repeat": {"boundsPeriod": {"start": "2026-11-02"}}}}]}  # fmt: skip
COMPOUNDED = {"resourceType": "MedicationStatement", "status": "active", "medicationReference": {"reference": "#m"},
              "contained": [{"resourceType": "Medication", "id": "m", "code": {"text": "rituximab infusion"},
                             "ingredient": [{"itemCodeableConcept": cc(RXNORM, "121191")}]}], "effectivePeriod": {"start": "2026-01-05"}}  # fmt: skip
CONSENT = {"resourceType": "Consent", "status": "active", "dateTime": "2026-10-01", "scope": {"text": "research"},
           "category": [cc("http://terminology.hl7.org/CodeSystem/consentscope", "research")]}  # fmt: skip
TYPED: list[tuple[str, dict[str, Any], list[Any], str]] = [
    ("Condition.clinicalStatus", SLE, ["clinicalStatus"], "object"),
    ("Condition.verificationStatus", SLE, ["verificationStatus"], "object"),
    ("AllergyIntolerance.clinicalStatus", allergy_intolerance(cc(SNOMED, "764146007")), ["clinicalStatus"], "object"),
    ("AllergyIntolerance.verificationStatus", allergy_intolerance(cc(SNOMED, "764146007"), verificationStatus=cc(VERIFICATION, "confirmed")),
        ["verificationStatus"], "object"),  # fmt: skip
    ("Observation.valueQuantity.code", creatinine(), ["valueQuantity", "code"], "code"),
    ("Observation.valueQuantity.system", creatinine(), ["valueQuantity", "system"], "code"),
    ("Observation.valueQuantity.unit", creatinine(), ["valueQuantity", "unit"], "code"),
    ("Observation.referenceRange", RANGED, ["referenceRange"], "list"),
    ("Observation.referenceRange[0]", RANGED, ["referenceRange", 0], "object"),
    ("Observation.referenceRange[0].low.code", RANGED, ["referenceRange", 0, "low", "code"], "code"),
    ("Observation.referenceRange[0].high.code", RANGED, ["referenceRange", 0, "high", "code"], "code"),
    ("MedicationRequest.dosageInstruction", DOSED, ["dosageInstruction"], "list"),
    ("MedicationRequest.dosageInstruction[0]", DOSED, ["dosageInstruction", 0], "object"),
    ("MedicationRequest.dosageInstruction[0].timing", DOSED, ["dosageInstruction", 0, "timing"], "object"),
    ("MedicationRequest.dosageInstruction[0].timing.repeat", DOSED, ["dosageInstruction", 0, "timing", "repeat"], "object"),
    ("Medication.ingredient", COMPOUNDED, ["contained", 0, "ingredient"], "list"),
    ("Medication.ingredient[0]", COMPOUNDED, ["contained", 0, "ingredient", 0], "object"),
    ("Consent.category", CONSENT, ["category"], "list"),
    ("Consent.category[0]", CONSENT, ["category", 0], "object"),
    ("AllergyIntolerance.category[0]", allergy_intolerance(cc(SNOMED, "764146007")), ["category", 0], "code"),
    ("AllergyIntolerance.category", allergy_intolerance(cc(SNOMED, "764146007")), ["category"], "list"),
    ("AllergyIntolerance.type", allergy_intolerance(cc(SNOMED, "764146007")), ["type"], "code"),
    ("MedicationRequest.intent", {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
        "medicationCodeableConcept": cc(RXNORM, "121191"), "authoredOn": "2026-11-01"}, ["intent"], "code"),  # fmt: skip
    ("MedicationRequest.doNotPerform", {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
        "medicationCodeableConcept": cc(RXNORM, "121191"), "authoredOn": "2026-11-01", "doNotPerform": False}, ["doNotPerform"], "boolean"),  # fmt: skip
    ("ServiceRequest.intent", {"resourceType": "ServiceRequest", "status": "active", "intent": "order",
        "code": cc("http://www.ama-assn.org/go/cpt", "50200")}, ["intent"], "code"),  # fmt: skip
    ("Encounter.class", STAY, ["class"], "list object"),
    ("Encounter.class.code", STAY, ["class", "code"], "code"),
    ("Encounter.reasonCode", STAY, ["reasonCode"], "list"),
    ("Encounter.reasonCode[0]", STAY, ["reasonCode", 0], "object"),
    ("Encounter.reasonReference", STAY, ["reasonReference"], "list"),
    ("Encounter.reasonReference[0]", STAY, ["reasonReference", 0], "object"),
    ("Encounter.diagnosis", STAY, ["diagnosis"], "list"),
    ("Encounter.diagnosis[0]", STAY, ["diagnosis", 0], "object"),
    ("MedicationStatement.status", {"resourceType": "MedicationStatement", "status": "active", "medicationCodeableConcept": cc(RXNORM, "121191"),
        "effectivePeriod": {"start": "2026-01-05"}}, ["status"], "code"),  # fmt: skip
    ("Condition.code.coding", condition(cc(SNOMED, "55464009"), onsetDateTime="2020-01-01"), ["code", "coding"], "list"),
    ("Condition.code.coding[0]", condition(cc(SNOMED, "55464009"), onsetDateTime="2020-01-01"), ["code", "coding", 0], "object"),
    ("Condition.code.coding[0].code", condition(cc(SNOMED, "55464009"), onsetDateTime="2020-01-01"), ["code", "coding", 0, "code"], "code"),
    ("MedicationRequest.medicationCodeableConcept", {"resourceType": "MedicationRequest", "status": "active", "intent": "order",
        "medicationCodeableConcept": cc(RXNORM, "121191"), "authoredOn": "2026-11-01"}, ["medicationCodeableConcept"], "object"),  # fmt: skip
    ("Consent.scope", {"resourceType": "Consent", "status": "active", "dateTime": "2026-10-01",
        "scope": cc("http://terminology.hl7.org/CodeSystem/consentscope", "research")}, ["scope"], "object"),  # fmt: skip
    ("Consent.provision", {"resourceType": "Consent", "status": "active", "dateTime": "2026-10-01",
        "scope": cc("http://terminology.hl7.org/CodeSystem/consentscope", "research"), "provision": {"type": "permit"}}, ["provision"], "object"),  # fmt: skip
    ("Consent.provision.type", {"resourceType": "Consent", "status": "active", "dateTime": "2026-10-01",
        "scope": cc("http://terminology.hl7.org/CodeSystem/consentscope", "research"), "provision": {"type": "permit"}}, ["provision", "type"], "code"),  # fmt: skip
]  # fmt: skip
WRONG = {"a list": ["x"], "an object": {"x": 1}, "a number": 7, "a boolean": True}
SHAPE = {"a list": "list", "an object": "object", "a number": "number", "a boolean": "boolean"}


# each element given every shape it is not (an R5 Encounter.class is a list: noted, not wrong)
MUTATIONS = [(t, wrong) for t in TYPED for wrong in WRONG if SHAPE[wrong] not in t[3].split()]


@pytest.mark.parametrize(("typed", "wrong"), MUTATIONS, ids=[f"{t[0]}-{w}" for t, w in MUTATIONS])
def test_an_element_of_the_wrong_type_is_an_error_naming_it_never_a_traceback(
    typed: tuple[str, dict[str, Any], list[Any], str], wrong: str
) -> None:
    _, resource, steps, _ = typed
    mutated = copy.deepcopy(resource)
    target = mutated
    for step in steps[:-1]:
        target = target[step]
    target[steps[-1]] = WRONG[wrong]
    sepsis = {**condition(cc(SNOMED, "91302008"), onsetDateTime="2026-09-01"), "id": "c1"}
    with pytest.raises(TrialogicError) as raised:
        read_bundle(x1(mutated, sepsis), "b.json")
    fields = [d.field or "" for d in raised.value.diagnostics]
    path = "entry[1].resource." + ".".join(str(s) for s in steps).replace(".0", "[0]")
    assert any(f.startswith(path) for f in fields), fields
    assert {d.code for d in raised.value.diagnostics} <= {"F001", "F002"}


def test_a_numeric_code_is_an_error_naming_the_coding_not_an_unmapped_code() -> None:
    creatinine_ = {**creatinine(), "code": {"coding": [{"system": LOINC, "code": 21600}]}}
    assert problems(x1(creatinine_)) == [
        "b.json: entry[1].resource.code.coding[0].code: error[F002]: the code 21600 is not a string (write it quoted)"
    ]


def test_a_reference_range_for_another_sex_or_age_is_not_the_patients() -> None:
    male = {"high": {"value": 1.3, "code": "mg/dL"}, "appliesTo": [cc(SNOMED, "248153007")]}
    child = {"high": {"value": 0.7, "code": "mg/dL"}, "age": {"high": {"value": 12, "code": "a"}}}
    everyone = {"low": {"value": 0.5, "code": "mg/dL"}, "high": {"value": 1.1, "code": "mg/dL"}}
    record, notes = read(x1(creatinine(referenceRange=[male, child, everyone])))
    assert record["measurements"][0]["reference_range"] == [0.5, 1.1] and "uln" not in record["measurements"][0]
    assert notes == [
        ("F102", "entry[1].resource.referenceRange[0].appliesTo"),
        ("F102", "entry[1].resource.referenceRange[1].age"),
    ]
    record, _ = read(x1(creatinine(referenceRange=[male])))
    assert "uln" not in record["measurements"][0] and "reference_range" not in record["measurements"][0]


def test_one_page_of_a_search_is_said_to_be_one_page() -> None:
    page = {"type": "searchset", "link": [{"relation": "self", "url": "https://ehr/fhir/Observation?patient=X1"},
                                          {"relation": "next", "url": "https://ehr/fhir/Observation?page=2"}]}  # fmt: skip
    assert read(x1(**page)) == (BARE, [("F102", "link[1]")])
    assert [p.split(": error")[0] for p in problems(x1(complete_list("drugs"), **page))] == [
        "b.json: entry[1].resource"
    ]
    assert read(x1(type="searchset", link=page["link"][:1])) == (BARE, [])


# ----- docs/fhir.md ---------------------------------------------------------------------


def mapping_tables() -> str:
    """The mapping tables of docs/fhir.md, made from facts/fhir.yaml."""
    mapping = load_mapping()
    uris: dict[str, list[str]] = {}
    for uri, short in mapping.systems.items():
        uris.setdefault(short, []).append(uri)
    lines = ["| system | URIs | codes read |", "|---|---|---|"]
    for short, names in uris.items():
        how = "by longest listed prefix (dots ignored)" if short in mapping.prefix else "as written"
        lines.append(f"| {short} | {', '.join(f'`{u}`' for u in names)} | {how} |")
    lines += ["", "### Observations → attributes", "", "| system | code | attribute |", "|---|---|---|"]
    lines += [f"| {s} | {c} | {a} |" for (s, c), a in mapping.observations.items()]
    for (s, c), a in mapping.panels.items():
        parts = ", ".join(f"{cs} {cc_} = {n}" for (cs, cc_), n in mapping.components[a].items())
        lines.append(f"| {s} | {c} (panel: {parts}) | {a} |")
    lines += ["", "### Coded values", "", "| system | code | value |", "|---|---|---|"]
    lines += [f"| {s} | {c} | {v} |" for (s, c), v in mapping.values.items()]
    lines += ["", "### UCUM units → the record's spellings", "", "| UCUM | record |", "|---|---|"]
    lines += [f"| `{u}` | `{r}` |" for u, r in mapping.units.items()]
    for kind, by_system in mapping.concepts.items():
        lines += [
            "",
            f"### {kind.capitalize()} codes → concepts",
            "",
            "| system | code | concept | means |",
            "|---|---|---|---|",
        ]
        for system, table in by_system.items():
            for mapped in table.values():
                means = "exactly" if mapped.same else "within"
                lines.append(f"| {system} | {mapped.written} | {', '.join(mapped.concepts)} | {means} |")
    classes = ", ".join(f"{s} {c}" for s, c in sorted(mapping.encounter_classes))
    outpatient = ", ".join(f"{s} {c}" for s, c in sorted(mapping.outpatient_classes))
    reasons = ", ".join(f"a reason at or below {c} → {h}" for c, h in mapping.encounter_by_reason.items())
    lines += ["", "### Encounters and allergies", "", f"- Encounter classes read as hospitalizations: {classes}; "
              f"concept {mapping.encounter_concept}; {reasons}.",
              f"- Encounter classes read as no stay (outpatient; any other class may be a stay): {outpatient}."]  # fmt: skip
    for kind, table in mapping.allergies.items():
        lines.append(
            f"- AllergyIntolerance type {kind}: " + ", ".join(f"category {c} → {v}" for c, v in table.items()) + "."
        )
    lines.append(
        "- An intolerance of: "
        + ", ".join(f"a drug at or below {d} → {c}" for d, c in mapping.intolerance_by_drug.items())
        + "."
    )
    lines.append(
        "- Codes saying there is no known allergy (not read, with a note): "
        + ", ".join(f"{s} {c}" for s, c in sorted(mapping.no_allergy))
        + "."
    )
    return "\n".join(lines) + "\n"


BEGIN, END = (
    "<!-- mapping tables: made from facts/fhir.yaml by `python tests/test_fhir.py` -->\n",
    "<!-- end of mapping tables -->\n",
)


def test_the_documented_mapping_tables_are_the_mappings() -> None:
    text = DOC.read_text()
    assert text.count(BEGIN) == 1 and text.count(END) == 1, "docs/fhir.md lost its mapping-table markers"
    shown = text.split(BEGIN)[1].split(END)[0]
    assert shown.strip() == mapping_tables().strip(), "docs/fhir.md is stale: run `python tests/test_fhir.py`"


def test_the_documented_error_codes_are_the_ones_the_reader_gives() -> None:
    source = "".join(p.read_text() for p in sorted((Path(trialogic.__file__).parent / "fhir").glob("*.py")))
    import re

    given = set(re.findall(r'"(F\d{3})"', source))
    documented = set(re.findall(r"^\| (F\d{3}) \|", DOC.read_text(), re.M))
    assert given == documented


def test_the_documented_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/fhir.md's example, with one of the test Bundles as its bundle.json."""
    block = DOC.read_text().split("```python\n", 1)[1].split("```", 1)[0]
    (tmp_path / "bundle.json").write_text((FIXTURES / "ln_flare.json").read_text())
    monkeypatch.chdir(tmp_path)
    names: dict[str, Any] = {}
    exec(compile(block, "docs/fhir.md", "exec"), names)  # noqa: S102 - the project's own page
    assert names["patient"].id == names["record"]["id"] == patient_id(fixture("ln_flare.json"))
    assert {r.trial for r in names["results"]} == set(trialogic.load_trials().trials)
    assert names["notes"]


if __name__ == "__main__":
    text = DOC.read_text()
    head, rest = text.split(BEGIN)
    DOC.write_text(head + BEGIN + "\n" + mapping_tables() + "\n" + END + rest.split(END)[1])
    sys.exit(0)
