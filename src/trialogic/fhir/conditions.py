"""Condition and AllergyIntolerance: the record's conditions, and conditions ruled out
(negatives)."""

from __future__ import annotations

from typing import Any

from .converter import Converter, Refused
from .elements import codings, first_code, named
from .mapping import Mapped


def _statuses(converter: Converter, resource: dict[str, Any], where: str) -> None:
    """A clinicalStatus or verificationStatus that is not a CodeableConcept is an error (Refused)."""
    converter.concept_element(resource, where, "verificationStatus")
    converter.concept_element(resource, where, "clinicalStatus")


def _uncoded_clinical_status(converter: Converter, resource: dict[str, Any], where: str) -> bool:
    """Whether a clinicalStatus is given without a code (text only, a display only): then it
    is not read, with a note; it is never taken as absent (so neither active nor resolved)."""
    if resource.get("clinicalStatus") is None or first_code(resource.get("clinicalStatus")) is not None:
        return False
    message = "not read: its clinicalStatus has no code, so whether it still holds is unknown"
    converter.note(f"{where}.clinicalStatus", "F102", message)
    return True


def condition(converter: Converter, index: int, resource: dict[str, Any], where: str) -> None:
    _statuses(converter, resource, where)
    verification = first_code(resource.get("verificationStatus"))
    if verification == "entered-in-error":
        return
    found = converter.mapped("condition", resource, where, "code", "Condition")
    if found is None:
        return
    mapped, code_path = found
    if "verificationStatus" in resource and verification is None:
        message = "not read: its verificationStatus has no code, so whether it was confirmed is unknown"
        converter.note(f"{where}.verificationStatus", "F102", message)
        return
    if verification == "refuted":
        _refuted(converter, converter.every_concept("condition", resource.get("code"), f"{where}.code"), where)
        return
    if verification not in (None, "confirmed"):
        message = f"not read: verificationStatus {verification!r} (only a confirmed condition is a fact of the record)"
        converter.note(f"{where}.verificationStatus", "F102", message)
        return
    if _uncoded_clinical_status(converter, resource, where):
        return
    clinical = first_code(resource.get("clinicalStatus"))
    state = {"active": "active", "recurrence": "active", "relapse": "active"}.get(clinical or "")
    state = state or {"inactive": "resolved", "remission": "resolved", "resolved": "resolved"}.get(clinical or "")
    abatement = named(resource, "abatement")
    if clinical is not None and state is None:
        converter.error(
            f"{where}.clinicalStatus", "F002", f"clinicalStatus {clinical!r} is not a FHIR condition status"
        )
        return
    if state == "active" and abatement:
        message = f"clinicalStatus {clinical!r} contradicts {abatement}: a condition with an abatement is inactive, in remission or resolved"
        converter.error(f"{where}.{abatement}", "F002", message)
        return
    if state is None and not abatement:
        message = "not read: no clinicalStatus and no abatement, so whether it is still active is unknown"
        converter.note(f"{where}.clinicalStatus", "F102", message)
        return
    state = state or "resolved"
    end = None
    origins: dict[str, str] = {"code": code_path, "status": f"{where}.clinicalStatus"}
    if abatement in ("abatementDateTime", "abatementPeriod"):
        ended = converter.first_when(
            resource, where, ("abatementDateTime", "abatementPeriod.end", "abatementPeriod.start")
        )
        if ended is None:
            converter.error(
                f"{where}.{abatement}",
                "P004",
                "an abatement date is required here (a Period needs its start or end)",
            )
            return
        end = ended[0].date
        origins["end"] = ended[1]
    start = converter.start(resource, where, ("onsetDateTime", "onsetPeriod.start"), "recordedDate", "onset", end)
    if start is None:
        return
    origins["start"] = start[1]
    entry: dict[str, Any] = {"start": start[0].isoformat(), "status": state}
    if end is not None:
        entry["end"] = end.isoformat()
    for concept in mapped.concepts:
        converter.add("conditions", {"code": concept, **entry}, {**origins}, where)


def _refuted(converter: Converter, found: list[tuple[Mapped, str]], where: str) -> None:
    """A refuted condition is a negative only when every coding that maps means exactly one
    and the same concept: a narrower coding, or codings of different concepts, make it a note."""
    mapped, code_path = found[0]
    narrower = sorted({c for m, _ in found if not m.same for c in m.concepts})
    if narrower:
        message = (
            f"a refuted condition, not read: its code is narrower than {', '.join(narrower)}, "
            "so ruling it out says nothing of that whole concept"
        )
        converter.note(f"{where}.verificationStatus", "F102", message, hides=False)
        return
    if len({m.concepts for m, _ in found}) > 1:
        named_ = " and ".join(sorted({", ".join(m.concepts) for m, _ in found}))
        message = f"a refuted condition, not read: its codings name different concepts ({named_})"
        converter.note(f"{where}.verificationStatus", "F102", message, hides=False)
        return
    for concept in mapped.concepts:
        converter.add(
            "negatives",
            {"kind": "condition", "code": concept},
            {"code": code_path, "kind": f"{where}.verificationStatus"},
            f"{where}.verificationStatus",
        )


def allergy(converter: Converter, index: int, resource: dict[str, Any], where: str) -> None:
    _statuses(converter, resource, where)
    verification = first_code(resource.get("verificationStatus"))
    if verification == "entered-in-error":
        return
    if "verificationStatus" in resource and verification is None:
        message = "not read: its verificationStatus has no code, so whether it was confirmed is unknown"
        converter.note(f"{where}.verificationStatus", "F102", message)
        return
    if verification not in (None, "confirmed"):
        converter.note(f"{where}.verificationStatus", "F102", f"not read: verificationStatus {verification!r}")
        return
    kind = converter.code(resource, where, "type")
    categories = converter.items(resource, where, "category")
    for i, category in enumerate(categories):
        if not isinstance(category, str):
            converter.error(f"{where}.category[{i}]", "F002", f"a category is a code (a string), not {category!r}")
            raise Refused
    none_known = converter.mapping.no_allergy
    for i, coding in codings(resource.get("code")):
        if (converter.mapping.short(coding.get("system")) or "", coding["code"]) in none_known:
            message = (
                f"not read: code {coding['code']} says there is no known allergy of this kind; "
                "the record takes no negative from it (a drug_allergy or allergy stays unknown)"
            )
            converter.note(f"{where}.code.coding[{i}].code", "F102", message, hides=False)
            return
    table = converter.mapping.allergies.get(kind) if isinstance(kind, str) else None
    if table is None:
        converter.note(
            f"{where}.type", "F102", "not read: no type (allergy or intolerance), and the record tells them apart"
        )
        return
    concept = next((table[c] for c in categories if c in table), None)
    code_path = f"{where}.category"
    if kind == "intolerance":
        drug = converter.concepts("drug", resource.get("code"), f"{where}.code")
        if drug is not None:
            for parent, specific in converter.mapping.intolerance_by_drug.items():
                if any(parent in converter.vocabulary.ancestors("drug", d) for d in drug[0].concepts):
                    concept, code_path = specific, drug[1]
    if concept is None:
        message = (
            f"not read: no condition concept for an {kind} of category {', '.join(map(str, categories)) or 'none'}"
        )
        converter.note(f"{where}.category", "F101", message)
        return
    if _uncoded_clinical_status(converter, resource, where):
        return
    clinical = first_code(resource.get("clinicalStatus"))
    state = {"active": "active", "inactive": "resolved", "resolved": "resolved"}.get(clinical or "")
    if clinical is not None and state is None:
        message = f"clinicalStatus {clinical!r} is not a FHIR allergy status (active, inactive or resolved)"
        converter.error(f"{where}.clinicalStatus", "F002", message)
        return
    if state is None:
        converter.note(
            f"{where}.clinicalStatus", "F102", "not read: no clinicalStatus, so whether it still holds is unknown"
        )
        return
    start = converter.start(resource, where, ("onsetDateTime", "onsetPeriod.start"), "recordedDate", "onset", None)
    if start is None:
        return
    entry = {"code": concept, "start": start[0].isoformat(), "status": state}
    converter.add(
        "conditions", entry, {"code": code_path, "start": start[1], "status": f"{where}.clinicalStatus"}, where
    )
