"""Procedure, ServiceRequest, Immunization, Encounter and Consent: the record's procedures,
planned events, vaccines, hospitalizations and consents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .converter import Converter
from .elements import PLAN_INTENTS


def procedure(converter: Converter, index: int, resource: dict[str, Any], where: str) -> None:
    status = converter.status(resource, where, ("completed", "in-progress", "preparation"))
    if status is None:
        return
    converter.section = "planned" if status == "preparation" else "procedures"
    found = converter.mapped("procedure", resource, where, "code", "Procedure")
    if found is None:
        return
    names = ("performedDateTime", "performedPeriod.start")
    if status == "preparation":
        converter.planned("procedure", found[0].concepts, found[1], resource, where, names)
        return
    if status not in ("completed", "in-progress"):
        message = f"not read: status {status!r} (a procedure is read when completed or in progress)"
        converter.note(f"{where}.status", "F102", message)
        return
    converter.point("procedures", found, resource, where, names, "done")


def service_request(converter: Converter, index: int, resource: dict[str, Any], where: str) -> None:
    status = converter.status(resource, where, ("active", "on-hold"))
    if status is None or status in ("revoked", "completed"):
        return  # a completed request is done: its Procedure records it
    found = converter.mapped("procedure", resource, where, "code", "ServiceRequest")
    if found is None:
        return
    intent = resource.get("intent")
    if status not in ("active", "on-hold") or intent not in PLAN_INTENTS:
        message = f"not read: status {status!r}, intent {intent!r} (a planned procedure is an active plan or order)"
        converter.note(f"{where}.status", "F102", message)
        return
    converter.planned(
        "procedure", found[0].concepts, found[1], resource, where, ("occurrenceDateTime", "occurrencePeriod.start")
    )


def immunization(converter: Converter, index: int, resource: dict[str, Any], where: str) -> None:
    status = converter.status(resource, where, ("completed",))
    if status is None:
        return
    found = converter.mapped("vaccine", resource, where, "vaccineCode", "Immunization")
    if found is None:
        return
    if status != "completed":
        message = f"not read: status {status!r} (the vaccine was not given)"
        converter.note(f"{where}.status", "F102", message, hides=False)
        return
    converter.point("vaccines", found, resource, where, ("occurrenceDateTime",), "given")


def encounter(converter: Converter, index: int, resource: dict[str, Any], where: str) -> None:
    coding = resource.get("class")
    mapping = converter.mapping
    key = (mapping.short(coding.get("system")) or "", coding.get("code")) if isinstance(coding, dict) else None
    if key not in mapping.encounter_classes:
        converter.unread_types.setdefault("Encounter (not inpatient)", []).append(index)
        return
    status = converter.status(resource, where, ("finished", "in-progress", "planned"))
    if status is None:
        return
    concept = mapping.encounter_concept
    for reason_concepts in _encounter_reasons(converter, resource, where):
        for parent, kind in mapping.encounter_by_reason.items():
            if any(parent in converter.vocabulary.ancestors("condition", c) for c in reason_concepts):
                concept = kind
    if status == "planned":
        converter.planned("hospitalization", (concept,), f"{where}.class", resource, where, ("period.start",))
        return
    if status not in ("finished", "in-progress", "onleave", "arrived", "triaged"):
        converter.note(f"{where}.status", "F102", f"not read: status {status!r}")
        return
    ongoing = "active" if status != "finished" else "completed"
    span = converter.span(resource, where, ("period.start",), ("period.end",), None, "period", ongoing)
    if span is None:
        return
    when, origins = span
    converter.add("hospitalizations", {"code": concept, **when}, {"code": f"{where}.class", **origins}, where)


def _encounter_reasons(converter: Converter, resource: dict[str, Any], where: str) -> Iterator[tuple[str, ...]]:
    for i, reason in enumerate(resource.get("reasonCode") or []):
        found = converter.concepts("condition", reason, f"{where}.reasonCode[{i}]")
        if found is not None:
            yield found[0].concepts
    references: list[Any] = list(resource.get("reasonReference") or [])
    references += [d.get("condition") for d in resource.get("diagnosis") or [] if isinstance(d, dict)]
    for reference in references:
        index = converter.resolve(reference.get("reference")) if isinstance(reference, dict) else None
        target = converter.resources.get(index) if index is not None else None
        if target is not None and target.get("resourceType") == "Condition":
            found = converter.concepts("condition", target.get("code"), f"entry[{index}].resource.code")
            if found is not None:
                yield found[0].concepts


def consent(converter: Converter, index: int, resource: dict[str, Any], where: str) -> None:
    status = converter.status(resource, where, ("active",))
    if status is None:
        return
    found = converter.concepts("consent", resource.get("scope"), f"{where}.scope")
    categories = resource.get("category")
    for i, category in enumerate(categories if isinstance(categories, list) else []):
        found = found or converter.concepts("consent", category, f"{where}.category[{i}]")
    if found is None:
        converter.unmapped(f"{where}.scope", "Consent", resource.get("scope"), "consent")
        return
    if status != "active":
        converter.note(f"{where}.status", "F102", f"not read: status {status!r} (a consent counts while active)")
        return
    converter.point("consents", found, resource, where, ("dateTime",), "given")
