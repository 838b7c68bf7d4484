"""The Bundle read into a record: its entries indexed (a reference names one), its one
Patient, and each resource about that patient given to the reader of its type; then the
record checked as any record is, its problems named by the FHIR elements they came from."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from ..errors import Diagnostic, TrialogicError
from ..patient import Patient, read_patient
from ..vocabulary import Vocabulary, load_vocabulary
from .completeness import check_complete, completeness
from .conditions import allergy, condition
from .converter import Converter, Refused
from .elements import bad_codings
from .events import consent, encounter, immunization, procedure, service_request
from .mapping import Mapping, load_mapping
from .medications import medication_request, medication_statement
from .observations import observation, settle_results

ACCEPTED_TYPES = ("collection", "searchset", "transaction", "batch", "document", "message",
                  "transaction-response", "batch-response")  # fmt: skip
# The reader of each resource type: (converter, entry index, resource, its path) -> None
READERS: dict[str, Callable[[Converter, int, dict[str, Any], str], None]] = {
    "Observation": observation,
    "Condition": condition,
    "MedicationStatement": medication_statement,
    "MedicationRequest": medication_request,
    "Procedure": procedure,
    "ServiceRequest": service_request,
    "Immunization": immunization,
    "Encounter": encounter,
    "Consent": consent,
    "AllergyIntolerance": allergy,
    "List": completeness,
}
READ_TYPES = ("Patient", *READERS)

# The record section each resource type fills: a section the Bundle says is complete must
# have every resource of its kind read (one not read could be the very entry it lacks).
SECTION_OF_TYPE = {
    "Condition": "conditions",
    "AllergyIntolerance": "conditions",
    "MedicationStatement": "drugs",
    "MedicationRequest": "drugs",
    "MedicationAdministration": "drugs",
    "MedicationDispense": "drugs",
    "Procedure": "procedures",
    "ServiceRequest": "planned",
    "ImmunizationRecommendation": "planned",
    "Immunization": "vaccines",
    "Encounter": "hospitalizations",
    "Consent": "consents",
    "ResearchSubject": "trial_participations",
}
# a record field named in a message (`drugs[2]`), to be named by the FHIR entry it came from
_RECORD_REFERENCE = re.compile(
    r"\b(?:measurements|conditions|drugs|procedures|vaccines|hospitalizations|consents|planned|negatives)\[\d+\]"
)


def is_bundle(document: object) -> bool:
    """Whether a parsed JSON document is a FHIR Bundle (to be read with `read_bundle`).

    >>> is_bundle({"resourceType": "Bundle"}), is_bundle({"id": "P1"})
    (True, False)
    """
    return isinstance(document, dict) and document.get("resourceType") == "Bundle"


def patient_id(document: object) -> str | None:
    """The id the record of a Bundle gets (its one Patient's id), or None when it has none or
    several Patients: what `record_id` is for a record, for the one-id-per-run check (P012).

    >>> patient_id({"resourceType": "Bundle", "entry": [{"resource": {"resourceType": "Patient", "id": "7"}}]})
    '7'
    """
    entries = document.get("entry") if isinstance(document, dict) else None
    found: list[dict[str, Any]] = []
    for e in entries or ():
        resource = e.get("resource") if isinstance(e, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") == "Patient" and resource not in found:
            found.append(resource)  # a Patient repeated word for word is one (read once)
    given = found[0].get("id") if len(found) == 1 else None
    return given if isinstance(given, str) and given.strip() else None


class Converted(NamedTuple):
    """A Bundle read into a record: the record, the FHIR element each of its fields came
    from (`measurements[2].value` -> `entry[5].resource.valueQuantity.value`), the problems
    that keep it from being read (errors) and the notes on what was not read (warnings)."""

    record: dict[str, Any]
    origins: dict[str, str]
    errors: list[Diagnostic]
    notes: list[Diagnostic]

    def fhir_diagnostic(self, diagnostic: Diagnostic) -> Diagnostic:
        """A problem the record's checks found, named by the FHIR element it came from."""
        return _translated(diagnostic, self.origins)


def convert(
    document: Any, source: str, vocabulary: Vocabulary | None = None, mapping: Mapping | None = None
) -> Converted:
    """The record a Bundle makes, with every problem found in it (none raised)."""
    converter = Converter(source, vocabulary or load_vocabulary(), mapping or load_mapping())
    _read(converter, document)
    return Converted(converter.record_dict(), converter.origins, converter.errors, converter.notes)


def bundle_to_record(
    document: Any, source: str, vocabulary: Vocabulary | None = None, mapping: Mapping | None = None
) -> tuple[dict[str, Any], list[Diagnostic]]:
    """The record dict a Bundle makes and the notes on what it did not read; a TrialogicError
    with every problem when the Bundle cannot be read (the record itself is checked by
    `read_patient`: see `read_bundle`)."""
    converted = convert(document, source, vocabulary, mapping)
    if converted.errors:
        raise TrialogicError(converted.errors)
    return converted.record, converted.notes


def read_bundle(
    document: Any, source: str = "<input>", vocabulary: Vocabulary | None = None, mapping: Mapping | None = None
) -> tuple[Patient, list[Diagnostic]]:
    """The patient a Bundle describes and the notes on what was not read; else a
    TrialogicError with every problem of the Bundle and of the record it makes, each named
    by its FHIR element.

    >>> patient, notes = read_bundle({"resourceType": "Bundle", "type": "collection", "entry": [
    ...     {"resource": {"resourceType": "Patient", "id": "P1", "gender": "male"}}]}, "p.json")
    >>> patient.id, patient.sex, notes
    ('P1', 'male', [])
    """
    vocabulary = vocabulary or load_vocabulary()
    converted = convert(document, source, vocabulary, mapping)
    problems = list(converted.errors)
    patient = None
    try:
        if "id" in converted.record:  # else the Bundle's one Patient is not there to read
            patient = read_patient(converted.record, source, vocabulary)
    except TrialogicError as e:
        problems.extend(converted.fhir_diagnostic(d) for d in e.diagnostics)
    if problems or patient is None:
        raise TrialogicError(problems)
    return patient, converted.notes


def _translated(diagnostic: Diagnostic, origins: dict[str, str]) -> Diagnostic:
    field_name = diagnostic.field or ""
    best = ""
    for key in origins:
        if (field_name == key or field_name.startswith((key + ".", key + "["))) and len(key) > len(best):
            best = key
    fhir_field = origins[best] + field_name[len(best) :] if best else field_name

    def entry(match: re.Match[str]) -> str:
        return origins.get(match.group(0), match.group(0)).removesuffix(".resource")

    message = _RECORD_REFERENCE.sub(entry, diagnostic.message)
    return Diagnostic(diagnostic.file, 0, 0, diagnostic.code, message, None, fhir_field or None, diagnostic.severity)


def _read(converter: Converter, document: Any) -> None:
    if not is_bundle(document):
        converter.error("resourceType", "F001", "not a FHIR Bundle: a Bundle's resourceType is 'Bundle'")
        return
    kind = document.get("type")
    if kind == "history":
        message = "a history Bundle holds past versions of resources; give the current ones (a searchset or collection)"
        converter.error("type", "F001", message)
        return
    if kind not in ACCEPTED_TYPES:
        converter.error("type", "F001", f"Bundle type {kind!r} is not one of {', '.join(ACCEPTED_TYPES)}")
    entries = document.get("entry")
    links = document.get("link")
    paged = ""
    for i, link in enumerate(links if isinstance(links, list) else []):
        if isinstance(link, dict) and link.get("relation") == "next":
            message = (
                f"not read: the Bundle is one page of a {kind or 'paged'} result; the page after it "
                f"({link.get('url')!r}) and any later ones were not read, so the record holds this page only: "
                "fetch every page into one Bundle"
            )
            converter.note(f"link[{i}]", "F102", message, hides=False)
            paged = paged or f"link[{i}]"
    if not isinstance(entries, list):
        converter.error("entry", "F001", "the Bundle holds no entries; it needs a Patient resource at least")
        return
    for index, entry in enumerate(entries):
        _index(converter, index, entry)
    patients = [i for i, r in converter.resources.items() if r.get("resourceType") == "Patient"]
    if not patients:
        converter.error("entry", "F001", "the Bundle holds no Patient resource; give the one patient it describes")
    for extra in patients[1:]:
        message = (
            f"a second Patient resource (the first is entry[{patients[0]}]); "
            "a Bundle is read as one patient: give each patient a Bundle of their own"
        )
        converter.error(f"entry[{extra}].resource", "F001", message)
    if len(patients) != 1:
        return
    _patient(converter, patients[0], converter.resources[patients[0]])
    for index, resource in converter.resources.items():
        kind = str(resource.get("resourceType"))
        reader = READERS.get(kind)
        converter.section = SECTION_OF_TYPE.get(kind)
        if reader is None:
            if kind not in ("Patient", "Medication"):  # a Medication is read through its references
                converter.unread_types.setdefault(kind, []).append(index)
                if converter.section is not None:
                    converter.hidden.setdefault(converter.section, []).append(f"entry[{index}]")
            continue
        if _about_patient(converter, index, resource):
            bad = bad_codings(resource, f"entry[{index}].resource")
            for path, message in bad:
                converter.error(path, "F002", message)
            if bad:
                continue
            try:
                reader(converter, index, resource, f"entry[{index}].resource")
            except Refused:
                pass
    converter.section = None
    settle_results(converter)
    check_complete(converter)
    for section, path in converter.complete.items() if paged else ():
        message = (
            f"{path.split('.resource')[0]} says the {section} are complete, but this Bundle is one page of a "
            f"search ({paged} names the next): the later pages were not read; fetch every page into one Bundle"
        )
        converter.error(path.split(".code")[0], "F003", message)
    for kind, indexes in sorted(converter.unread_types.items()):
        shown = ", ".join(f"entry[{i}]" for i in indexes[:5]) + (", …" if len(indexes) > 5 else "")
        message = f"{len(indexes)} {kind} resource(s) not read ({shown}): trialogic reads {', '.join(READ_TYPES)}"
        converter.note(f"entry[{indexes[0]}].resource.resourceType", "F100", message)


def _index(converter: Converter, index: int, entry: Any) -> None:
    where = f"entry[{index}]"
    if not isinstance(entry, dict):
        converter.error(where, "F001", "an entry is an object with a resource")
        return
    resource = entry.get("resource")
    if resource is None:
        request = entry.get("request")
        if isinstance(request, dict) and request.get("method") == "DELETE":
            return
        converter.error(where, "F001", "the entry holds no resource")
        return
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        converter.error(f"{where}.resource", "F001", "a resource is an object with a resourceType")
        return
    identity = _identity(resource)
    read = converter.by_reference.get(identity, index) if identity is not None else index
    if read != index and _identity(converter.resources[read]) == identity:
        _repeat(converter, read, index, resource)
    else:
        read = index
        converter.resources[index] = resource
    full_url = entry.get("fullUrl")
    if isinstance(full_url, str):  # a repeat's names the entry read
        converter.by_reference.setdefault(full_url, read)
    if identity is not None:
        converter.by_reference.setdefault(identity, index)


def _identity(resource: dict[str, Any]) -> str | None:
    """A resource's type and id (`Observation/o1`), what names it in a Bundle; None without an id."""
    given = resource.get("id")
    return f"{resource.get('resourceType')}/{given}" if isinstance(given, str) else None


def _repeat(converter: Converter, first: int, index: int, resource: dict[str, Any]) -> None:
    """Entry `index` holds the resource entry `first` holds (the same type and id): word for
    word, it is the same fact, read once (a note); with other content, the two disagree on
    what it says, and neither is chosen (an error)."""
    identity = _identity(resource)
    if converter.resources[first] == resource:
        message = f"not read: the same resource as entry[{first}] ({identity}), repeated word for word: it counts once"
        converter.note(f"entry[{index}].resource", "F102", message, hides=False)
        return
    message = (
        f"entry[{first}] and entry[{index}] both give {identity}, with different content: a resource is given "
        "once; keep the version that is right, or give the other resource an id of its own"
    )
    converter.error(f"entry[{index}].resource", "F001", message)


def _patient(converter: Converter, index: int, resource: dict[str, Any]) -> None:
    where = f"entry[{index}].resource"
    converter.patient_index = index
    identifiers = resource.get("identifier")
    converter.patient_identifiers = [
        (i.get("system"), i.get("value"))
        for i in (identifiers if isinstance(identifiers, list) else [])
        if isinstance(i, dict)
    ]
    given_id = resource.get("id")
    if not isinstance(given_id, str) or not given_id.strip():
        message = "the Patient has no id; give it the id the patient is known by in the run (Patient.id)"
        converter.error(f"{where}.id", "F001", message)
    else:
        converter.top["id"] = given_id
        converter.origins["id"] = f"{where}.id"
    if "birthDate" in resource:
        when = converter.when(resource["birthDate"], f"{where}.birthDate")
        if when is not None:
            converter.top["birth_date"] = when.date.isoformat()
            converter.origins["birth_date"] = f"{where}.birthDate"
    gender = resource.get("gender")
    if gender in ("female", "male"):
        converter.top["sex"] = gender
        converter.origins["sex"] = f"{where}.gender"
    elif gender is not None:
        message = f"gender {gender!r} is not read: the record's sex is female or male, so it stays unknown"
        converter.note(f"{where}.gender", "F102", message)
    for element in ("deceasedBoolean", "deceasedDateTime"):
        value = resource.get(element)
        if value is not None and value is not False:  # a record has no place for it: said, never dropped
            message = f"the Patient is recorded as deceased ({element}: {value!r}), which a record cannot say; its answers do not apply"
            converter.note(f"{where}.{element}", "F102", message, hides=False)


def _about_patient(converter: Converter, index: int, resource: dict[str, Any]) -> bool:
    """Whether a resource's subject is the Bundle's Patient (one naming no subject is)."""
    for name in ("subject", "patient"):
        subject = resource.get(name)
        if subject is None:
            continue
        where = f"entry[{index}].resource.{name}"
        if not isinstance(subject, dict):
            converter.error(where, "F001", "a reference is an object with a reference")
            return False
        if "reference" in subject:
            if converter.resolve(subject["reference"]) == converter.patient_index:
                return True
            patient = converter.resources[converter.patient_index or 0]
            message = (
                f"{subject['reference']!r} is not the Bundle's Patient (Patient/{patient.get('id')}): "
                "a Bundle holds one patient's resources only"
            )
            converter.error(f"{where}.reference", "F001", message)
            return False
        identifier = subject.get("identifier")
        if (
            isinstance(identifier, dict)
            and (identifier.get("system"), identifier.get("value")) not in converter.patient_identifiers
        ):
            message = f"identifier {identifier.get('value')!r} is not one of the Bundle's Patient's identifiers"
            converter.error(f"{where}.identifier", "F001", message)
            return False
        return True
    return True
