"""MedicationStatement and MedicationRequest (with the Medication they name): the record's
drugs, and drugs planned."""

from __future__ import annotations

from typing import Any

from .converter import Converter, Refused
from .elements import ORDER_INTENTS, element


def medication_statement(converter: Converter, index: int, resource: dict[str, Any], where: str) -> None:
    status = converter.status(resource, where, ("active", "completed", "stopped", "on-hold", "intended"))
    if status is None:
        return
    if status == "intended":
        converter.section = "planned"
    if status == "not-taken":
        message = "not read: status 'not-taken' (the record lists what was taken)"
        converter.note(f"{where}.status", "F102", message, hides=False)
        return
    if status not in ("active", "completed", "stopped", "on-hold", "intended"):
        converter.note(
            f"{where}.status",
            "F102",
            f"not read: status {status!r} (the medication was not, or may not have been, taken)",
        )
        return
    medication = _medication(converter, resource, where)
    if medication is None:
        return
    concepts, code_path = medication
    if status == "intended":
        converter.planned("drug", concepts, code_path, resource, where, ("effectivePeriod.start", "effectiveDateTime"))
        return
    starts = ("effectivePeriod.start", "effectiveDateTime")
    span = converter.span(resource, where, starts, ("effectivePeriod.end",), "dateAsserted", "effective", status)
    if span is not None:
        _drug(converter, concepts, code_path, span[0], span[1], where)


def medication_request(converter: Converter, index: int, resource: dict[str, Any], where: str) -> None:
    status = converter.status(resource, where, ("active", "completed", "stopped", "on-hold"))
    if status is None:
        return
    if converter.do_not_perform(resource, where, "drug", "given"):
        return
    intent = converter.code(resource, where, "intent")
    if intent not in ORDER_INTENTS:
        converter.note(
            f"{where}.intent",
            "F102",
            f"not read: intent {intent!r} (an order says the drug was prescribed; a {intent} does not)",
            hides=False,
        )
        return
    if status not in ("active", "completed", "stopped", "on-hold"):
        converter.note(f"{where}.status", "F102", f"not read: status {status!r}")
        return
    medication = _medication(converter, resource, where)
    if medication is None:
        return
    starts: tuple[str, ...] = ("authoredOn",)
    ends: tuple[str, ...] = ()
    for i in range(len(converter.items(resource, where, "dosageInstruction"))):
        bounds = f"dosageInstruction[{i}].timing.repeat.boundsPeriod"
        _objects(converter, resource, where, bounds)
        if isinstance(element(resource, bounds), dict):
            starts, ends = (f"{bounds}.start", "authoredOn"), (f"{bounds}.end",)
            break
    span = converter.span(resource, where, starts, ends, None, "start", status)
    if span is not None:
        _drug(converter, medication[0], medication[1], span[0], span[1], where)


def _objects(converter: Converter, resource: dict[str, Any], where: str, path: str) -> None:
    """Each element along a path of objects (`dosageInstruction[0].timing.repeat`) that is
    given but is no object is an error (Refused)."""
    steps = path.split(".")
    for end in range(1, len(steps) + 1):
        inner = ".".join(steps[:end])
        value = element(resource, inner)
        if value is not None and not isinstance(value, dict):
            converter.error(f"{where}.{inner}", "F002", f"{steps[end - 1]} is an object, not {value!r}")
            raise Refused


def _medication(converter: Converter, resource: dict[str, Any], where: str) -> tuple[tuple[str, ...], str] | None:
    """The drug concepts a medication[x] names: its code, or (when the code does not map)
    its Medication's ingredients; None after a note or an error."""
    if "medicationCodeableConcept" in resource:
        found = converter.mapped("drug", resource, where, "medicationCodeableConcept", "medication")
        return (found[0].concepts, found[1]) if found is not None else None
    reference = resource.get("medicationReference")
    ref = reference.get("reference") if isinstance(reference, dict) else None
    medication, medication_path = _referenced_medication(converter, resource, ref, where)
    if medication is None:
        converter.error(
            f"{where}.medicationReference",
            "F001",
            f"{ref!r} names no Medication in the Bundle (nor a contained one)",
        )
        return None
    found = converter.concepts("drug", medication.get("code"), f"{medication_path}.code")
    if found is not None:
        return found[0].concepts, found[1]
    names: list[str] = []
    path = ""
    for i, ingredient in enumerate(converter.items(medication, medication_path, "ingredient")):
        if not isinstance(ingredient, dict):
            message = "an ingredient is an object ({itemCodeableConcept, ...})"
            converter.error(f"{medication_path}.ingredient[{i}]", "F002", message)
            raise Refused
        item = ingredient.get("itemCodeableConcept")
        got = converter.concepts("drug", item, f"{medication_path}.ingredient[{i}].itemCodeableConcept")
        if got is not None:
            names.extend(got[0].concepts)
            path = path or got[1]
    if names:
        return tuple(dict.fromkeys(names)), path
    converter.unmapped(f"{medication_path}.code", "Medication", medication.get("code"), "drug")
    return None


def _referenced_medication(
    converter: Converter, resource: dict[str, Any], ref: Any, where: str
) -> tuple[dict[str, Any] | None, str]:
    if isinstance(ref, str) and ref.startswith("#"):
        contained = resource.get("contained")
        for i, inner in enumerate(contained if isinstance(contained, list) else []):
            if isinstance(inner, dict) and inner.get("id") == ref[1:] and inner.get("resourceType") == "Medication":
                return inner, f"{where}.contained[{i}]"
        return None, ""
    index = converter.resolve(ref)
    if index is None or converter.resources[index].get("resourceType") != "Medication":
        return None, ""
    return converter.resources[index], f"entry[{index}].resource"


def _drug(
    converter: Converter,
    concepts: tuple[str, ...],
    code_path: str,
    when: dict[str, Any],
    origins: dict[str, str],
    where: str,
) -> None:
    for concept in concepts:
        converter.add("drugs", {"code": concept, **when}, {"code": code_path, **origins}, where)
