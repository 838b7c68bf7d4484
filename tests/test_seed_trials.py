"""The five seed trials (rules/trials/*.tl) and the shared library (rules/library.tl):
they parse, keep every criterion they were encoded with, quote their records verbatim,
and name only attributes, units, values and concepts the vocabulary knows.
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction
from pathlib import Path

import pytest

from trialogic import api, ast
from trialogic.parser import parse_file
from trialogic.resources import rules_dir
from trialogic.vocabulary import load_vocabulary

RULES = rules_dir()
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
VOCABULARY = load_vocabulary()

SEED_RECORD = {
    "NCT03580291": "000_0da30acf0fa2d652.txt",
    "NCT05631717": "001_aee16fcc6f84dbd5.txt",
    "NCT01539902": "002_f75dd3d70b027e13.txt",
    "NCT04318600": "003_53f72f93836f66b3.txt",
    "NCT06485648": "004_c271f087514f4ae9.txt",
}

INC, EXC = "inclusion", "exclusion"

CRITERIA: dict[str, list[tuple[str, str]]] = {
    "NCT03580291": [
        ("acr_sle", INC),
        ("age", INC),
        ("biopsy_class", INC),
        ("proteinuria", INC),
        ("contraception", INC),
        ("pregnancy_test", INC),
        ("consent", INC),
        ("immunosuppressants", EXC),
        ("mmf_nonresponse", EXC),
        ("mmf_intolerance", EXC),
        ("sclerosis", EXC),
        ("active_lesions", EXC),
        ("other_autoimmune", EXC),
        ("liver_dysfunction", EXC),
        ("kidney_dysfunction", EXC),
        ("blood_counts", EXC),
        ("organ_disease", EXC),
        ("infection", EXC),
        ("infection_hospitalization", EXC),
        ("infection_iv_treatment", EXC),
        ("malignancy", EXC),
        ("pregnancy", EXC),
    ],
    "NCT05631717": [
        ("active_ln", INC),
        ("acr_sle", INC),
        ("age", INC),
        ("sledai", INC),
        ("proteinuria", INC),
        ("contraception", INC),
        ("pregnancy_tests", INC),
        ("consent", INC),
        ("b_cell_depletion", EXC),
        ("unstable_immunosuppressants", EXC),
        ("biologics", EXC),
        ("apheresis", EXC),
        ("organ_disease", EXC),
        ("infection", EXC),
        ("infection_hospitalization", EXC),
        ("infection_treatment", EXC),
        ("surgery_recent", EXC),
        ("surgery_planned", EXC),
        ("live_vaccine", EXC),
        ("malignancy", EXC),
        ("pregnancy", EXC),
    ],
    "NCT01539902": [
        ("age", INC),
        ("not_pregnant", INC),
        ("consent", INC),
        ("acr_sle", INC),
        ("activity", INC),
        ("ln_class", INC),
        ("newly_diagnosed", INC),
        ("pregnant_nursing", EXC),
        ("wocbp_unprotected", EXC),
        ("investigational_product", EXC),
        ("study_staff", EXC),
        ("creatinine", EXC),
        ("wbc", EXC),
        ("peptic_ulcer", EXC),
        ("systemic_infection", EXC),
        ("substance_abuse", EXC),
        ("malignancy", EXC),
        ("serious_condition", EXC),
    ],
    "NCT04318600": [
        ("age", INC),
        ("lupus_nephritis", INC),
        ("ln_class_other_gn", EXC),
        ("renal_function", EXC),
        ("liver", EXC),
        ("blood_counts", EXC),
        ("hematologic_disease", EXC),
        ("cardiovascular", EXC),
        ("acute_disease", EXC),
        ("hypertension", EXC),
        ("transplant", EXC),
        ("infection", EXC),
        ("tumor", EXC),
        ("blood_borne", EXC),
        ("pregnancy", EXC),
        ("allergy", EXC),
        ("mental_illness", EXC),
        ("substance_abuse", EXC),
        ("other_trial", EXC),
        ("physician_judgement", EXC),
    ],
    "NCT06485648": [
        ("refractory_ln", INC),
        ("protocol_criteria", INC),
    ],
}

# Criteria that only a person can decide outright (`manual` as the whole expression).
WHOLLY_MANUAL = {
    "NCT03580291": set(),
    "NCT05631717": set(),
    "NCT01539902": {"newly_diagnosed", "study_staff", "serious_condition"},
    "NCT04318600": {"acute_disease", "physician_judgement"},
    "NCT06485648": {"protocol_criteria"},
}

# The seed without criteria text: its criteria are marked as not available, not quoted.
NOT_IN_RECORD = {"NCT06485648": {"protocol_criteria"}}


def library() -> ast.Module:
    return parse_file(RULES / "library.tl")


def trial(trial_id: str) -> ast.Trial:
    module = parse_file(RULES / "trials" / f"{trial_id}.tl")
    assert [use.name for use in module.uses] == ["library"]
    assert not module.concepts and not module.defines, "shared definitions belong in rules/library.tl"
    (only,) = module.trials
    assert only.id == trial_id
    return only


def normalized(text: str) -> str:
    """Whitespace collapsed, and markdown's backslash escapes (`\\<`) dropped: the mirror
    page that holds one record escapes `<` and `>`, which are not part of the sentence."""
    return " ".join(re.sub(r"\\([<>*_\[\]()#\\])", r"\1", text).split())


def test_every_trial_file_is_a_seed_trial() -> None:
    assert sorted(p.stem for p in (RULES / "trials").glob("*.tl")) == sorted(CRITERIA)


@pytest.mark.parametrize("trial_id", sorted(CRITERIA))
def test_criterion_ids_and_kinds(trial_id: str) -> None:
    assert [(c.id, c.kind) for c in trial(trial_id).criteria] == CRITERIA[trial_id]


@pytest.mark.parametrize("trial_id", sorted(CRITERIA))
def test_criterion_texts_quote_the_record(trial_id: str) -> None:
    record_path = SEEDS / SEED_RECORD[trial_id]
    if not record_path.is_file():
        pytest.skip(f"seed record {record_path} is not available")
    record = normalized(record_path.read_text(encoding="utf-8"))
    for criterion in trial(trial_id).criteria:
        text = normalized(criterion.text)
        assert text == criterion.text, f"{criterion.id}: the text is not trimmed to single spaces"
        if criterion.id in NOT_IN_RECORD.get(trial_id, set()):
            assert "not available in the record" in text
            continue
        assert text in record, f"{trial_id} {criterion.id}: {text!r} is not in the record"


@pytest.mark.parametrize("trial_id", sorted(CRITERIA))
def test_manual_only_where_a_person_must_decide(trial_id: str) -> None:
    wholly_manual = {c.id for c in trial(trial_id).criteria if isinstance(c.expr, ast.Manual)}
    assert wholly_manual == WHOLLY_MANUAL[trial_id]


def test_trial_without_criteria_text_says_so() -> None:
    """Its condition is encoded; the rest is one manual criterion, so that the condition
    alone never makes a patient eligible for a trial whose criteria are unknown."""
    refractory = trial("NCT06485648")
    assert any("not available" in note.text for note in refractory.notes)
    condition, rest = refractory.criteria
    assert condition.expr == ast.Event("condition", "refractory_lupus_nephritis", (), ast.Window(0, "active"))
    assert isinstance(rest.expr, ast.Manual) and "not available in the record" in rest.text
    record = {"id": "R1", "conditions": [{"code": "refractory_lupus_nephritis", "start": "2025-01-01"}]}
    results = api.check([api.read_patient(record)], api.load_trials(), on=dt.date(2026, 11, 22))
    (result,) = [r for r in results if r.trial == "NCT06485648"]
    assert (result.status, [c.status for c in result.criteria]) == ("undetermined", ["met", "unknown"])


def test_library_names() -> None:
    module = library()
    assert not module.trials
    assert {c.name for c in module.concepts} >= {"potent_immunosuppressant", "b_cell_depletion"}
    assert {d.name for d in module.defines} >= {"wocbp", "acr_1997_sle", "pregnant_or_lactating"}
    (acr,) = [d for d in module.defines if d.name == "acr_1997_sle"]
    assert isinstance(acr.body, ast.AtLeast) and acr.body.count == 4 and len(acr.body.operands) == 11


# ----- every name resolves in the vocabulary ---------------------------------------


def nodes(expr: ast.Expr) -> list[ast.Expr]:
    found = [expr]
    if isinstance(expr, ast.Not):
        found += nodes(expr.operand)
    elif isinstance(expr, (ast.AllOf, ast.AnyOf, ast.AtLeast)):
        for operand in expr.operands:
            found += nodes(operand)
    elif isinstance(expr, ast.Conditional):
        found += nodes(expr.condition) + nodes(expr.consequence)
    return found


def problems_in(expr: ast.Expr, concepts: dict[str, ast.Concept], defines: set[str]) -> list[str]:
    problems: list[str] = []

    def whole(attribute: str, number: object, unit: str | None) -> None:
        spec = VOCABULARY.attribute(attribute)
        assert spec is not None
        scaled = VOCABULARY.to_canonical(spec, Fraction(str(number)), unit) * spec.scale
        if scaled.denominator != 1:
            problems.append(f"{attribute}: {number} {unit} times the scale is not whole")

    def concept(kind: str, name: str) -> None:
        table = "drug" if kind == "dose_change" else kind
        members = concepts[name].members if name in concepts else (name,)
        problems.extend(f"{name}: {m} is not a {table} concept" for m in members if not VOCABULARY.is_concept(table, m))

    for node in nodes(expr):
        if isinstance(node, (ast.Comparison, ast.Between, ast.Membership)):
            spec = VOCABULARY.attribute(node.attribute)
            if spec is None:
                problems.append(f"unknown attribute {node.attribute}")
            elif isinstance(node, ast.Membership):
                problems.extend(f"{node.attribute}: no value {v}" for v in node.values if v not in spec.values)
            elif spec.type == "age":
                continue
            elif isinstance(node, ast.Between):
                whole(node.attribute, node.low, node.unit)
                whole(node.attribute, node.high, node.unit)
            elif isinstance(node.operand, ast.Quantity):
                whole(node.attribute, node.operand.number, node.operand.unit)
            elif isinstance(node.operand, ast.Pair):
                whole(node.attribute, node.operand.first, node.operand.unit)
                whole(node.attribute, node.operand.second, node.operand.unit)
            elif isinstance(node.operand, ast.Category) and node.operand.value not in spec.values:
                problems.append(f"{node.attribute}: no value {node.operand.value}")
        elif isinstance(node, (ast.Event, ast.Planned)):
            concept(node.kind, node.concept)
            for exception in node.exceptions:
                concept(node.kind, exception.concept)
        elif isinstance(node, ast.Reference) and node.name not in defines:
            problems.append(f"undefined name {node.name}")
    return problems


def test_library_names_resolve() -> None:
    module = library()
    concepts = {c.name: c for c in module.concepts}
    defines = {d.name for d in module.defines}
    problems = [p for d in module.defines for p in problems_in(d.body, concepts, defines)]
    for c in module.concepts:
        if not any(all(VOCABULARY.is_concept(kind, m) for m in c.members) for kind in VOCABULARY.parents):
            problems.append(f"concept {c.name}: its members are not all concepts of one kind")
    assert problems == []


@pytest.mark.parametrize("trial_id", sorted(CRITERIA))
def test_trial_names_resolve(trial_id: str) -> None:
    module = library()
    concepts = {c.name: c for c in module.concepts}
    shared = {d.name for d in module.defines}
    encoded = trial(trial_id)
    local = {d.name for d in encoded.defines}
    assert not local & shared, "a trial must not copy a library definition"
    expressions = [c.expr for c in encoded.criteria] + [d.body for d in encoded.defines]
    assert [p for e in expressions for p in problems_in(e, concepts, shared | local)] == []
