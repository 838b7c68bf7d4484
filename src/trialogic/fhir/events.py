"""Procedure, ServiceRequest, Immunization, Encounter and Consent: the record's procedures,
planned events, vaccines, hospitalizations and consents."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from .converter import Converter, Refused
from .elements import PLAN_INTENTS, first_code


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
    if converter.do_not_perform(resource, where, "procedure", "done"):
        return
    found = converter.mapped("procedure", resource, where, "code", "ServiceRequest")
    if found is None:
        return
    intent = converter.code(resource, where, "intent")
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
    if coding is not None and not isinstance(coding, (dict, list)):
        converter.error(f"{where}.class", "F002", f"class is a Coding ({{system, code}}), not {coding!r}")
        raise Refused
    code = converter.code(coding, f"{where}.class", "code") if isinstance(coding, dict) else None
    system = mapping.short(coding.get("system")) if isinstance(coding, dict) else None
    if (system or "", code) not in mapping.encounter_classes:
        converter.unread_types.setdefault("Encounter (not inpatient)", []).append(index)
        if (system or "", code) not in mapping.outpatient_classes:
            # a class trialogic cannot read (no system, another system, a code no ActCode
            # encounter class, R5's list): it may be a stay
            converter.hidden.setdefault("hospitalizations", []).append(f"entry[{index}]")
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
    for i, reason in enumerate(converter.items(resource, where, "reasonCode")):
        if not isinstance(reason, dict):
            converter.error(f"{where}.reasonCode[{i}]", "F002", "a reasonCode is a CodeableConcept (an object)")
            raise Refused
        found = converter.concepts("condition", reason, f"{where}.reasonCode[{i}]")
        if found is not None:
            yield found[0].concepts
    references = [
        (f"{where}.reasonReference[{i}]", r) for i, r in enumerate(converter.items(resource, where, "reasonReference"))
    ]
    for i, diagnosis in enumerate(converter.items(resource, where, "diagnosis")):
        if not isinstance(diagnosis, dict):
            converter.error(f"{where}.diagnosis[{i}]", "F002", "a diagnosis is an object with a condition")
            raise Refused
        references.append((f"{where}.diagnosis[{i}].condition", diagnosis.get("condition")))
    for path, reference in references:
        if not isinstance(reference, dict):
            converter.error(path, "F002", "a reference is an object with a reference")
            raise Refused
        index = converter.resolve(reference.get("reference"))
        target = converter.resources.get(index) if index is not None else None
        if target is None or target.get("resourceType") != "Condition":
            what = "nothing in the Bundle" if target is None else f"a {target.get('resourceType')}"
            message = f"this reason not read: it names {what}, not a Condition; the stay is read without it"
            converter.note(path, "F102", message, hides=False)
            continue
        verification = first_code(target.get("verificationStatus"))
        if "verificationStatus" in target and verification not in ("confirmed", "entered-in-error"):
            shown_status = repr(verification) if verification else "without a code"
            message = (
                f"this reason not read: entry[{index}] is a Condition whose verificationStatus is {shown_status}, "
                "not confirmed; the stay is read without it"
            )
            converter.note(path, "F102", message, hides=False)
            continue
        if verification == "entered-in-error":
            converter.note(path, "F102", f"this reason not read: entry[{index}] was entered in error", hides=False)
            continue
        found = converter.concepts("condition", target.get("code"), f"entry[{index}].resource.code")
        if found is not None:
            yield found[0].concepts


def consent(converter: Converter, index: int, resource: dict[str, Any], where: str) -> None:
    status = converter.status(resource, where, ("active",))
    if status is None:
        return
    converter.concept_element(resource, where, "scope")
    found = converter.concepts("consent", resource.get("scope"), f"{where}.scope")
    for i, category in enumerate(converter.items(resource, where, "category")):
        if not isinstance(category, dict):
            converter.error(f"{where}.category[{i}]", "F002", "a category is a CodeableConcept (an object)")
            raise Refused
        found = found or converter.concepts("consent", category, f"{where}.category[{i}]")
    if found is None:
        converter.unmapped(f"{where}.scope", "Consent", resource.get("scope"), "consent")
        return
    if status != "active":
        converter.note(f"{where}.status", "F102", f"not read: status {status!r} (a consent counts while active)")
        return
    provision = resource.get("provision")
    if provision is not None and not isinstance(provision, dict):
        converter.error(f"{where}.provision", "F002", f"provision is an object ({{type, ...}}), not {provision!r}")
        return
    rule = converter.code(provision, f"{where}.provision", "type") if provision else None
    if rule == "deny":
        message = "not read: provision.type is 'deny' (the patient refused, or opted out): it is no consent given"
        converter.note(f"{where}.provision.type", "F102", message, hides=False)
        return
    if rule not in (None, "permit"):
        converter.error(f"{where}.provision.type", "F002", f"provision.type {rule!r} is not 'permit' or 'deny'")
        return
    converter.point("consents", found, resource, where, ("dateTime",), "given")
