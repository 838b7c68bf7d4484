"""Condition and AllergyIntolerance: the record's conditions, and conditions ruled out
(negatives)."""

from __future__ import annotations

from typing import Any

from .converter import Converter
from .elements import first_code, named
from .mapping import Mapped


def condition(converter: Converter, index: int, resource: dict[str, Any], where: str) -> None:
    verification = first_code(resource.get("verificationStatus"))
    if verification == "entered-in-error":
        return
    found = converter.mapped("condition", resource, where, "code", "Condition")
    if found is None:
        return
    mapped, code_path = found
    if verification == "refuted":
        _refuted(converter, mapped, code_path, where)
        return
    if verification not in (None, "confirmed"):
        message = f"not read: verificationStatus {verification!r} (only a confirmed condition is a fact of the record)"
        converter.note(f"{where}.verificationStatus", "F102", message)
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


def _refuted(converter: Converter, mapped: Mapped, code_path: str, where: str) -> None:
    if not mapped.same:
        message = (
            f"a refuted condition, not read: its code is narrower than {', '.join(mapped.concepts)}, "
            "so ruling it out says nothing of that whole concept"
        )
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
    verification = first_code(resource.get("verificationStatus"))
    if verification == "entered-in-error":
        return
    if verification not in (None, "confirmed"):
        converter.note(f"{where}.verificationStatus", "F102", f"not read: verificationStatus {verification!r}")
        return
    kind = resource.get("type")
    given = resource.get("category")
    categories: list[Any] = given if isinstance(given, list) else []
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
    clinical = first_code(resource.get("clinicalStatus"))
    state = {"active": "active", "inactive": "resolved", "resolved": "resolved"}.get(clinical or "")
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
