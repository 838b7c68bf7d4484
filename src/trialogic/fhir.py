"""FHIR R4 Bundles as patient records (docs/fhir.md): one Bundle holding one Patient becomes
the record dict that `read_patient` validates, its codes mapped by `facts/fhir.yaml`.

A Bundle is read into a record, and the record is then checked as any record is; a problem
the record's checks find is named by the FHIR element it came from (`entry[3].resource.
valueQuantity.value`), never by the record field it became. What the Bundle holds that the
record cannot say (a code the mapping lacks, a provisional diagnosis, a resource type
trialogic does not read) is never dropped silently: each is a note (a `warning`
Diagnostic), which leaves what it would have said unknown. A Bundle never marks a section
of the record complete: FHIR has no element saying that a patient's whole history of a
kind is listed.

>>> record, notes = bundle_to_record({"resourceType": "Bundle", "type": "collection", "entry": [
...     {"resource": {"resourceType": "Patient", "id": "P1", "gender": "female", "birthDate": "1990-01-02"}}]},
...     "p.json")
>>> record
{'id': 'P1', 'birth_date': '1990-01-02', 'sex': 'female'}
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from .errors import Diagnostic, TrialogicError
from .patient import COMPLETABLE, Patient, read_patient
from .resources import facts_dir
from .vocabulary import EVENT_KINDS, Vocabulary, closest, load_vocabulary, read_yaml, suggestion

LOCAL_ATTRIBUTE = "urn:trialogic:attribute"
LOCAL_KIND = "urn:trialogic:"  # + an event kind: urn:trialogic:condition, urn:trialogic:drug, ...
LOCAL_COMPLETE = "urn:trialogic:complete"  # a List so coded says a section of the record is complete
UNITLESS = frozenset({"1", "{score}", "{#}"})  # UCUM codes a quantity without a unit is written with
VOID = frozenset({"entered-in-error", "cancelled"})  # statuses saying the resource holds no fact
ACCEPTED_TYPES = ("collection", "searchset", "transaction", "batch", "document", "message",
                  "transaction-response", "batch-response")  # fmt: skip
READ_TYPES = (
    "Patient",
    "Observation",
    "Condition",
    "MedicationStatement",
    "MedicationRequest",
    "Procedure",
    "ServiceRequest",
    "Immunization",
    "Encounter",
    "Consent",
    "AllergyIntolerance",
    "List",
)
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
ORDER_INTENTS = frozenset({"order", "original-order", "reflex-order", "filler-order", "instance-order"})
PLAN_INTENTS = ORDER_INTENTS | {"plan", "directive"}
RECORD_ORDER = ("id", "birth_date", "sex", "measurements", "conditions", "drugs", "procedures", "vaccines",
                "hospitalizations", "consents", "planned", "negatives", "complete")  # fmt: skip
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?")
_RECORD_REFERENCE = re.compile(
    r"\b(?:measurements|conditions|drugs|procedures|vaccines|hospitalizations|consents|planned|negatives)\[\d+\]"
)
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class _Refused(Exception):
    """A resource element was refused (its error is recorded): the resource is not read."""


def _get(resource: Any, path: str) -> Any:
    """The element at a relative path (`effectivePeriod.end`, `dosageInstruction[0].timing`), or None."""
    value = resource
    for key, index in _STEP.findall(path):
        if key:
            value = value.get(key) if isinstance(value, dict) else None
        else:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
    return value


# ----- the mapping (facts/fhir.yaml) ----------------------------------------------


@dataclass(frozen=True)
class Mapped:
    """What a code maps to: concepts of one kind, and whether it means exactly them."""

    concepts: tuple[str, ...]
    same: bool
    written: str = ""  # the code as facts/fhir.yaml writes it (M32.14, where the key is M3214)


@dataclass(frozen=True)
class Mapping:
    """facts/fhir.yaml, read: every table keyed by (system short name, code)."""

    systems: dict[str, str]  # URI -> short name
    prefix: frozenset[str]
    observations: dict[tuple[str, str], str]
    panels: dict[tuple[str, str], str]  # (system, code) -> a pair attribute
    components: dict[str, dict[tuple[str, str], str]]  # pair attribute -> (system, code) -> component
    values: dict[tuple[str, str], str]
    units: dict[str, str]
    concepts: dict[str, dict[str, dict[str, Mapped]]]  # kind -> system -> code -> Mapped
    encounter_classes: frozenset[tuple[str, str]]
    encounter_concept: str
    encounter_by_reason: dict[str, str]
    allergies: dict[str, dict[str, str]]  # type -> category -> condition concept
    intolerance_by_drug: dict[str, str]

    def short(self, uri: Any) -> str | None:
        return self.systems.get(uri) if isinstance(uri, str) else None

    def key(self, system: str, code: str) -> str:
        return code.replace(".", "").upper() if system in self.prefix else code

    def lookup(self, table: dict[str, Mapped], system: str, code: str) -> Mapped | None:
        """A code's entry: the code itself, or in a prefix system its longest listed prefix."""
        code = self.key(system, code)
        if system not in self.prefix:
            return table.get(code)
        for end in range(len(code), 0, -1):
            if code[:end] in table:
                return table[code[:end]]
        return None


def _codes(table: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    for system, codes in (table or {}).items():
        for code, target in (codes or {}).items():
            yield str(system), str(code), target


def load_mapping(path: Path | None = None) -> Mapping:
    """The code mapping (default: the bundled facts/fhir.yaml), read once per path."""
    return _load_mapping(path or facts_dir() / "fhir.yaml")


@lru_cache(maxsize=4)
def _load_mapping(path: Path) -> Mapping:
    spec = read_yaml(path)
    systems = {str(uri): str(short) for short, uris in spec["systems"].items() for uri in uris}
    prefix = frozenset(str(s) for s in spec.get("prefix", ()))

    def key(system: str, code: str) -> str:
        return code.replace(".", "").upper() if system in prefix else code

    concepts: dict[str, dict[str, dict[str, Mapped]]] = {}
    for kind, by_system in spec.get("concepts", {}).items():
        for system, groups in by_system.items():
            table = concepts.setdefault(str(kind), {}).setdefault(str(system), {})
            for group in ("same", "within"):
                for code, target in (groups.get(group) or {}).items():
                    names = tuple(str(t) for t in (target if isinstance(target, list) else [target]))
                    table[key(str(system), str(code))] = Mapped(names, group == "same", str(code))
    panels, components = {}, {}
    for attribute, pair in spec.get("pairs", {}).items():
        for system, code, _ in _codes({s: dict.fromkeys(c) for s, c in pair["panels"].items()}):
            panels[(system, code)] = str(attribute)
        components[str(attribute)] = {(s, c): str(t) for s, c, t in _codes(pair["components"])}
    encounters = spec.get("encounters", {})
    allergies = spec.get("allergies", {})
    return Mapping(
        systems=systems,
        prefix=prefix,
        observations={(s, c): str(t) for s, c, t in _codes(spec.get("observations", {}))},
        panels=panels,
        components=components,
        values={(s, c): str(t) for s, c, t in _codes(spec.get("values", {}))},
        units={str(k): str(v) for k, v in spec.get("units", {}).items()},
        concepts=concepts,
        encounter_classes=frozenset(
            (str(s), str(c)) for s, codes in encounters.get("classes", {}).items() for c in codes
        ),
        encounter_concept=str(encounters.get("concept", "hospitalization_any")),
        encounter_by_reason={str(k): str(v) for k, v in encounters.get("by_reason", {}).items()},
        allergies={
            str(t): {str(c): str(v) for c, v in table.items()}
            for t, table in allergies.items()
            if t != "intolerance_by_drug"
        },
        intolerance_by_drug={str(k): str(v) for k, v in allergies.get("intolerance_by_drug", {}).items()},
    )


def mapping_problems(mapping: Mapping, vocabulary: Vocabulary) -> list[str]:
    """What in the mapping names something the vocabulary lacks (a test keeps this empty)."""
    problems = []
    for (system, code), name in mapping.observations.items():
        attribute = vocabulary.attribute(name)
        if attribute is None or attribute.name != name or attribute.type not in ("numeric", "category"):
            problems.append(f"observations {system} {code}: {name!r} is not a numeric or category attribute")
    for (system, code), name in mapping.panels.items():
        attribute = vocabulary.attribute(name)
        if attribute is None or attribute.type != "pair":
            problems.append(f"pairs {system} {code}: {name!r} is not a pair attribute")
        elif set(mapping.components[name].values()) != set(attribute.components):
            problems.append(f"pairs {name}: components must be {', '.join(attribute.components)}")
    values = {v for a in vocabulary.attributes.values() if a.type == "category" for v in a.values}
    problems += [
        f"values {s} {c}: {v!r} is no attribute's value" for (s, c), v in mapping.values.items() if v not in values
    ]
    for kind, by_system in mapping.concepts.items():
        if kind not in EVENT_KINDS:
            problems.append(f"concepts {kind}: not an event kind")
            continue
        for system, table in by_system.items():
            if system not in set(mapping.systems.values()):
                problems.append(f"concepts {kind} {system}: no such system in `systems`")
            for code, mapped in table.items():
                problems += [
                    f"concepts {kind} {system} {code}: unknown {kind} concept {name!r}"
                    for name in mapped.concepts
                    if not vocabulary.is_concept(kind, name)
                ]
    for name in [mapping.encounter_concept, *mapping.encounter_by_reason.values()]:
        if not vocabulary.is_concept("hospitalization", name):
            problems.append(f"encounters: unknown hospitalization concept {name!r}")
    problems += [
        f"encounters by_reason: unknown condition concept {n!r}"
        for n in mapping.encounter_by_reason
        if not vocabulary.is_concept("condition", n)
    ]
    for name in [*(v for t in mapping.allergies.values() for v in t.values()), *mapping.intolerance_by_drug.values()]:
        if not vocabulary.is_concept("condition", name):
            problems.append(f"allergies: unknown condition concept {name!r}")
    problems += [
        f"allergies intolerance_by_drug: unknown drug concept {n!r}"
        for n in mapping.intolerance_by_drug
        if not vocabulary.is_concept("drug", n)
    ]
    return problems


# ----- public functions -------------------------------------------------------------


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
    found = [
        e["resource"].get("id")
        for e in entries or ()
        if isinstance(e, dict)
        and isinstance(e.get("resource"), dict)
        and e["resource"].get("resourceType") == "Patient"
    ]
    return found[0] if len(found) == 1 and isinstance(found[0], str) and found[0].strip() else None


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
    converter = _Converter(source, vocabulary or load_vocabulary(), mapping or load_mapping())
    converter.read(document)
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


# ----- reading ----------------------------------------------------------------------


class _When(NamedTuple):
    """A FHIR date or dateTime: its calendar date as written, and the instant when it has a time."""

    date: dt.date
    instant: dt.datetime | None


@dataclass
class _Result:
    """A measurement waiting for the same-day check: its entry, origins and the instant."""

    entry: dict[str, Any]
    origins: dict[str, str]
    instant: dt.datetime | None
    index: int
    path: str


@dataclass
class _Converter:
    source: str
    vocabulary: Vocabulary
    mapping: Mapping
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    top: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    errors: list[Diagnostic] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)
    results: list[_Result] = field(default_factory=list)
    by_reference: dict[str, int] = field(default_factory=dict)
    resources: dict[int, dict[str, Any]] = field(default_factory=dict)
    patient_index: int | None = None
    patient_identifiers: list[tuple[Any, Any]] = field(default_factory=list)
    unread_types: dict[str, list[int]] = field(default_factory=dict)
    section: str | None = None  # the record section the resource being read fills
    hidden: dict[str, list[str]] = field(default_factory=dict)  # section -> resources not read
    complete: dict[str, str] = field(default_factory=dict)  # section -> the List saying so

    # ----- diagnostics ---------------------------------------------------------

    def error(self, where: str, code: str, message: str) -> None:
        self.errors.append(Diagnostic(self.source, 0, 0, code, message, field=where))

    def note(self, where: str, code: str, message: str, hides: bool = True) -> None:
        """A note; one saying a resource was not read (F101, F102) that `hides` a fact it may
        hold also marks its section as not wholly read."""
        self.notes.append(Diagnostic(self.source, 0, 0, code, message, field=where, severity="warning"))
        if hides and code in ("F101", "F102") and self.section is not None:
            self.hidden.setdefault(self.section, []).append(where.split(".resource")[0])

    # ----- the bundle ----------------------------------------------------------

    def read(self, document: Any) -> None:
        if not is_bundle(document):
            self.error("resourceType", "F001", "not a FHIR Bundle: a Bundle's resourceType is 'Bundle'")
            return
        kind = document.get("type")
        if kind == "history":
            message = (
                "a history Bundle holds past versions of resources; give the current ones (a searchset or collection)"
            )
            self.error("type", "F001", message)
            return
        if kind not in ACCEPTED_TYPES:
            self.error("type", "F001", f"Bundle type {kind!r} is not one of {', '.join(ACCEPTED_TYPES)}")
        entries = document.get("entry")
        if not isinstance(entries, list):
            self.error("entry", "F001", "the Bundle holds no entries; it needs a Patient resource at least")
            return
        for index, entry in enumerate(entries):
            self.index(index, entry)
        patients = [i for i, r in self.resources.items() if r.get("resourceType") == "Patient"]
        if not patients:
            self.error("entry", "F001", "the Bundle holds no Patient resource; give the one patient it describes")
        for extra in patients[1:]:
            message = (
                f"a second Patient resource (the first is entry[{patients[0]}]); "
                "a Bundle is read as one patient: give each patient a Bundle of their own"
            )
            self.error(f"entry[{extra}].resource", "F001", message)
        if len(patients) != 1:
            return
        self.patient(patients[0], self.resources[patients[0]])
        readers = {
            "Observation": self.observation,
            "Condition": self.condition,
            "MedicationStatement": self.medication_statement,
            "MedicationRequest": self.medication_request,
            "Procedure": self.procedure,
            "ServiceRequest": self.service_request,
            "Immunization": self.immunization,
            "Encounter": self.encounter,
            "Consent": self.consent,
            "AllergyIntolerance": self.allergy,
            "List": self.completeness,
        }
        for index, resource in self.resources.items():
            kind = str(resource.get("resourceType"))
            reader = readers.get(kind)
            self.section = SECTION_OF_TYPE.get(kind)
            if reader is None:
                if kind not in ("Patient", "Medication"):  # a Medication is read through its references
                    self.unread_types.setdefault(kind, []).append(index)
                    if self.section is not None:
                        self.hidden.setdefault(self.section, []).append(f"entry[{index}]")
                continue
            if self.about_patient(index, resource):
                try:
                    reader(index, resource, f"entry[{index}].resource")
                except _Refused:
                    pass
        self.section = None
        self.settle_results()
        self.check_complete()
        for kind, indexes in sorted(self.unread_types.items()):
            shown = ", ".join(f"entry[{i}]" for i in indexes[:5]) + (", …" if len(indexes) > 5 else "")
            message = f"{len(indexes)} {kind} resource(s) not read ({shown}): trialogic reads {', '.join(READ_TYPES)}"
            self.note(f"entry[{indexes[0]}].resource.resourceType", "F100", message)

    def index(self, index: int, entry: Any) -> None:
        where = f"entry[{index}]"
        if not isinstance(entry, dict):
            self.error(where, "F001", "an entry is an object with a resource")
            return
        resource = entry.get("resource")
        if resource is None:
            request = entry.get("request")
            if isinstance(request, dict) and request.get("method") == "DELETE":
                return
            self.error(where, "F001", "the entry holds no resource")
            return
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            self.error(f"{where}.resource", "F001", "a resource is an object with a resourceType")
            return
        self.resources[index] = resource
        full_url = entry.get("fullUrl")
        if isinstance(full_url, str):
            self.by_reference.setdefault(full_url, index)
        if isinstance(resource.get("id"), str):
            self.by_reference.setdefault(f"{resource['resourceType']}/{resource['id']}", index)

    def resolve(self, reference: Any) -> int | None:
        """The entry a reference names: by fullUrl, or by its type and id (a server's base
        URL and a version (`_history`) aside)."""
        if not isinstance(reference, str):
            return None
        if reference in self.by_reference:
            return self.by_reference[reference]
        parts = reference.split("/_history/")[0].rstrip("/").split("/")
        return self.by_reference.get("/".join(parts[-2:])) if len(parts) >= 2 else None

    def patient(self, index: int, resource: dict[str, Any]) -> None:
        where = f"entry[{index}].resource"
        self.patient_index = index
        identifiers = resource.get("identifier")
        self.patient_identifiers = [
            (i.get("system"), i.get("value"))
            for i in (identifiers if isinstance(identifiers, list) else [])
            if isinstance(i, dict)
        ]
        patient_id = resource.get("id")
        if not isinstance(patient_id, str) or not patient_id.strip():
            message = "the Patient has no id; give it the id the patient is known by in the run (Patient.id)"
            self.error(f"{where}.id", "F001", message)
        else:
            self.top["id"] = patient_id
            self.origins["id"] = f"{where}.id"
        if "birthDate" in resource:
            when = self.when(resource["birthDate"], f"{where}.birthDate")
            if when is not None:
                self.top["birth_date"] = when.date.isoformat()
                self.origins["birth_date"] = f"{where}.birthDate"
        gender = resource.get("gender")
        if gender in ("female", "male"):
            self.top["sex"] = gender
            self.origins["sex"] = f"{where}.gender"
        elif gender is not None:
            message = f"gender {gender!r} is not read: the record's sex is female or male, so it stays unknown"
            self.note(f"{where}.gender", "F102", message)

    def about_patient(self, index: int, resource: dict[str, Any]) -> bool:
        """Whether a resource's subject is the Bundle's Patient (one naming no subject is)."""
        for name in ("subject", "patient"):
            subject = resource.get(name)
            if subject is None:
                continue
            where = f"entry[{index}].resource.{name}"
            if not isinstance(subject, dict):
                self.error(where, "F001", "a reference is an object with a reference")
                return False
            if "reference" in subject:
                if self.resolve(subject["reference"]) == self.patient_index:
                    return True
                patient = self.resources[self.patient_index or 0]
                message = (
                    f"{subject['reference']!r} is not the Bundle's Patient (Patient/{patient.get('id')}): "
                    "a Bundle holds one patient's resources only"
                )
                self.error(f"{where}.reference", "F001", message)
                return False
            identifier = subject.get("identifier")
            if (
                isinstance(identifier, dict)
                and (identifier.get("system"), identifier.get("value")) not in self.patient_identifiers
            ):
                message = f"identifier {identifier.get('value')!r} is not one of the Bundle's Patient's identifiers"
                self.error(f"{where}.identifier", "F001", message)
                return False
            return True
        return True

    # ----- dates ---------------------------------------------------------------

    def when(self, raw: Any, where: str) -> _When | None:
        """A FHIR date or dateTime, or None after an error: trialogic needs the day, so a
        year or a month alone is refused (no day is ever picked for the Bundle)."""
        match = _DATE.fullmatch(raw) if isinstance(raw, str) else None
        if match is None:
            self.error(where, "P004", f"{raw!r} is not a FHIR date; write YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz")
            return None
        year, month, day, time, _ = match.groups()
        if day is None:
            message = (
                f"{raw!r} gives no day, and trialogic compares whole days: give the full date (YYYY-MM-DD); "
                "trialogic never picks a day for you"
            )
            self.error(where, "P004", message)
            return None
        try:
            date = dt.date(int(year), int(month), int(day))
        except ValueError as e:
            self.error(where, "P004", f"{raw!r} is not a date ({e})")
            return None
        instant = None
        if time is not None:
            try:
                instant = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
            except ValueError:
                self.error(where, "P004", f"{raw!r} is not a FHIR dateTime; write YYYY-MM-DDThh:mm:ss+zz:zz")
                return None
        return _When(date, instant)

    def first_when(self, resource: dict[str, Any], where: str, names: tuple[str, ...]) -> tuple[_When, str] | None:
        """The first of the elements `names` (relative paths) the resource has, read, with its
        path; None when it has none. One given but refused raises _Refused."""
        for name in names:
            value = _get(resource, name)
            if value is None:
                continue
            path = f"{where}.{name}"
            when = self.when(value, path)
            if when is None:
                raise _Refused
            return when, path
        return None

    def has_any(self, resource: dict[str, Any], prefix: str) -> str | None:
        """The first element of the resource whose name starts with `prefix` (`value` finds valueQuantity)."""
        return next((k for k in resource if k.startswith(prefix)), None)

    # ----- codes ---------------------------------------------------------------

    def codings(self, concept: Any, where: str) -> list[tuple[int, dict[str, Any]]]:
        codings = concept.get("coding") if isinstance(concept, dict) else None
        if not isinstance(codings, list):
            return []
        return [(i, c) for i, c in enumerate(codings) if isinstance(c, dict) and isinstance(c.get("code"), str)]

    def concepts(self, kind: str, concept: Any, where: str) -> tuple[Mapped, str] | None:
        """The concepts of `kind` a CodeableConcept maps to (its first coding that maps), with
        the path of that coding's code; None when none does. A code of trialogic's own system
        that is no concept of the kind is an error (_Refused)."""
        for i, coding in self.codings(concept, where):
            system, code = coding.get("system"), coding["code"]
            path = f"{where}.coding[{i}].code"
            if system == LOCAL_KIND + kind:
                if self.vocabulary.is_concept(kind, code):
                    return Mapped((code,), True, code), path
                tail = suggestion(closest(code, self.vocabulary.concepts(kind)))
                self.error(path, "F002", f"unknown {kind} concept {code!r} in {system}{tail}")
                raise _Refused
            short = self.mapping.short(system)
            table = self.mapping.concepts.get(kind, {}).get(short or "")
            found = self.mapping.lookup(table, short or "", code) if table else None
            if found is not None:
                return found, path
        return None

    def shown(self, concept: Any) -> str:
        """A CodeableConcept as a note names it: its codings, and its text."""
        parts = [f"{c.get('system', '?')}|{c['code']}" for _, c in self.codings(concept, "")]
        text = concept.get("text") if isinstance(concept, dict) else None
        display = next((c.get("display") for _, c in self.codings(concept, "") if c.get("display")), None)
        label = text or display
        return (" ".join(parts) or "no coding") + (f" ({label})" if label else "")

    def unmapped(self, where: str, what: str, concept: Any, kind: str) -> None:
        local = LOCAL_ATTRIBUTE if kind == "attribute" else LOCAL_KIND + kind
        article = "an" if kind[0] in "aeiou" else "a"
        message = (
            f"{what} {self.shown(concept)} not read: facts/fhir.yaml maps none of its codes to {article} {kind} "
            f"(add one there, or code it in {local})"
        )
        self.note(where, "F101", message)

    # ----- adding to the record --------------------------------------------------

    def add(self, section: str, entry: dict[str, Any], origins: dict[str, str], resource_path: str) -> None:
        entries = self.sections.setdefault(section, [])
        where = f"{section}[{len(entries)}]"
        entries.append(entry)
        self.origins[where] = resource_path
        for name, path in origins.items():
            self.origins[f"{where}.{name}"] = path

    def record_dict(self) -> dict[str, Any]:
        merged = {**self.top, **{k: v for k, v in self.sections.items() if v}}
        return {key: merged[key] for key in RECORD_ORDER if key in merged}

    def status(self, resource: dict[str, Any], where: str, allowed: tuple[str, ...]) -> str | None:
        """A resource's status, or None after a note when it is missing."""
        status = resource.get("status")
        if not isinstance(status, str):
            self.note(f"{where}.status", "F102", f"not read: no status (one of {', '.join(allowed)})")
            return None
        return status

    def coded_status(self, concept: Any) -> str | None:
        """The code of a CodeableConcept status (clinicalStatus, verificationStatus)."""
        codes = [c["code"] for _, c in self.codings(concept, "")]
        return codes[0] if codes else None

    # ----- Observation -----------------------------------------------------------

    def observation(self, index: int, resource: dict[str, Any], where: str) -> None:
        status = self.status(resource, where, ("final", "amended", "corrected", "preliminary"))
        if status is None or status in VOID:
            return
        has_value = self.has_any(resource, "value") is not None or "component" in resource
        if "hasMember" in resource and not has_value:
            return  # a panel grouping other Observations, each read as its own entry
        attribute = self.observation_attribute(resource, where)
        if attribute is None:
            return
        if status not in ("final", "amended", "corrected", "preliminary"):
            message = f"not read: status {status!r} (a result is read when final, amended, corrected or preliminary)"
            self.note(f"{where}.status", "F102", message)
            return
        if not has_value:
            reason = self.shown(resource.get("dataAbsentReason")) if "dataAbsentReason" in resource else None
            if reason is None:
                self.error(where, "F002", f"a {attribute.name} result without a value (value[x], or dataAbsentReason)")
            else:
                self.note(f"{where}.dataAbsentReason", "F102", f"not read: no value ({reason})")
            return
        found = self.first_when(
            resource, where, ("effectiveDateTime", "effectiveInstant", "effectivePeriod.end", "effectivePeriod.start")
        )
        if found is None:
            message = f"a {attribute.name} result needs the date it was taken (effectiveDateTime or effectivePeriod)"
            self.error(where, "P004", message)
            return
        when, date_path = found
        if status == "preliminary":
            message = "a preliminary result, read as it stands: a final one may differ"
            self.note(f"{where}.status", "F103", message)
        entry: dict[str, Any] = {"attribute": attribute.name}
        origins = {"attribute": f"{where}.code"}
        if attribute.type == "pair":
            read = self.pair(attribute, resource, where)
        elif attribute.type == "category":
            read = self.category(attribute, resource, where)
        else:
            read = self.quantity(attribute, resource, where)
        if read is None:
            return
        entry.update(read[0])
        origins.update(read[1])
        entry["date"] = when.date.isoformat()
        origins["date"] = date_path
        self.results.append(_Result(entry, origins, when.instant, index, where))

    def observation_attribute(self, resource: dict[str, Any], where: str) -> Any:
        code = resource.get("code")
        for i, coding in self.codings(code, f"{where}.code"):
            system, value = coding.get("system"), coding["code"]
            if system == LOCAL_ATTRIBUTE:
                attribute = self.vocabulary.attribute(value)
                if attribute is None or attribute.name in ("age", "sex"):
                    tail = suggestion(self.vocabulary.suggest_attribute(value))
                    self.error(f"{where}.code.coding[{i}].code", "F002", f"unknown attribute {value!r}{tail}")
                    raise _Refused
                return attribute
            short = self.mapping.short(system) or ""
            name = self.mapping.observations.get((short, value)) or self.mapping.panels.get((short, value))
            if name is not None:
                return self.vocabulary.attribute(name)
        self.unmapped(f"{where}.code", "Observation", code, "attribute")
        return None

    def unit(self, quantity: dict[str, Any], where: str) -> tuple[str | None, str]:
        """A Quantity's unit as the record spells it (UCUM code mapped by facts/fhir.yaml,
        else as written) and the path it came from."""
        code = quantity.get("code")
        if isinstance(code, str) and self.mapping.short(quantity.get("system")) in ("ucum", None):
            return (None if code in UNITLESS else self.mapping.units.get(code, code)), f"{where}.code"
        text = quantity.get("unit")
        if isinstance(text, str):
            return (None if text in UNITLESS else self.mapping.units.get(text, text)), f"{where}.unit"
        return None, f"{where}.code"

    def number(self, quantity: Any, where: str, what: str) -> Any:
        if not isinstance(quantity, dict):
            self.error(where, "F002", f"{what} is a Quantity ({{value, unit, system, code}})")
            return None
        comparator = quantity.get("comparator")
        if comparator is not None:
            message = (
                f"{comparator}{quantity.get('value')} is not a value trialogic can compare exactly; "
                "give the measured value, or leave the result out (it stays unknown)"
            )
            self.error(f"{where}.comparator", "F002", message)
            return None
        if "value" not in quantity:
            self.error(f"{where}.value", "F002", f"{what} has no value")
            return None
        return quantity["value"]

    def quantity(
        self, attribute: Any, resource: dict[str, Any], where: str
    ) -> tuple[dict[str, Any], dict[str, str]] | None:
        name = self.has_any(resource, "value")
        if name in ("valueInteger", "valueDecimal") or (name == "valueString" and attribute.unit is None):
            return {"value": resource[name]}, {"value": f"{where}.{name}"}
        if name != "valueQuantity":
            self.error(f"{where}.{name}", "F002", f"{attribute.name} is a number: give it as valueQuantity")
            return None
        path = f"{where}.valueQuantity"
        quantity = resource["valueQuantity"]
        value = self.number(quantity, path, f"the {attribute.name} result")
        if value is None:
            return None
        unit, unit_path = self.unit(quantity, path)
        entry: dict[str, Any] = {"value": value}
        origins = {"value": f"{path}.value", "unit": unit_path}
        if unit is not None:
            entry["unit"] = unit
        limits = self.reference_range(resource, where, unit)
        if limits is not None:
            entry.update(limits[0])
            origins.update(limits[1])
        return entry, origins

    def reference_range(
        self, resource: dict[str, Any], where: str, unit: str | None
    ) -> tuple[dict[str, Any], dict[str, str]] | None:
        """The normal range's high end as the record's ULN: the first referenceRange whose type
        is absent or `normal` and that has a high; with its low, as [low, high]."""
        ranges = resource.get("referenceRange")
        for i, limits in enumerate(ranges if isinstance(ranges, list) else []):
            if not isinstance(limits, dict) or "high" not in limits:
                continue
            kind = self.coded_status(limits.get("type"))
            if kind not in (None, "normal"):
                continue
            path = f"{where}.referenceRange[{i}]"
            bounds = {}
            for end in ("low", "high"):
                if end not in limits:
                    continue
                value = self.number(limits[end], f"{path}.{end}", f"the reference range's {end}")
                if value is None:
                    return None
                given, given_path = self.unit(limits[end], f"{path}.{end}")
                if given is not None and given != unit:
                    message = (
                        f"the reference range is in {given!r} but the result in {unit!r}; "
                        "trialogic reads a range in the result's unit"
                    )
                    self.error(given_path, "F002", message)
                    return None
                bounds[end] = value
            if "low" in bounds:
                return {"reference_range": [bounds["low"], bounds["high"]]}, {"reference_range": path}
            return {"uln": bounds["high"]}, {"uln": f"{path}.high.value"}
        return None

    def category(
        self, attribute: Any, resource: dict[str, Any], where: str
    ) -> tuple[dict[str, Any], dict[str, str]] | None:
        by_lower = {v.lower(): v for v in attribute.values}
        name = self.has_any(resource, "value")
        if name == "valueString" and isinstance(resource[name], str):
            value = by_lower.get(resource[name].strip().lower())
            if value is not None:
                return {"value": value}, {"value": f"{where}.valueString"}
        elif name == "valueCodeableConcept":
            concept = resource[name]
            for i, coding in self.codings(concept, ""):
                short = self.mapping.short(coding.get("system")) or ""
                mapped = self.mapping.values.get((short, coding["code"]))
                value = mapped if mapped in attribute.values else by_lower.get(coding["code"].lower())
                if value is not None:
                    return {"value": value}, {"value": f"{where}.{name}.coding[{i}].code"}
            text = concept.get("text") if isinstance(concept, dict) else None
            if isinstance(text, str) and text.strip().lower() in by_lower:
                return {"value": by_lower[text.strip().lower()]}, {"value": f"{where}.{name}.text"}
        message = (
            f"no value of {attribute.name} ({', '.join(attribute.values)}) in {name or 'value[x]'}; "
            "give a valueCodeableConcept whose coding facts/fhir.yaml maps (or whose code is the value), or a valueString"
        )
        self.error(f"{where}.{name or 'value'}", "P005", message)
        return None

    def pair(
        self, attribute: Any, resource: dict[str, Any], where: str
    ) -> tuple[dict[str, Any], dict[str, str]] | None:
        wanted = self.mapping.components.get(attribute.name, {})
        found: dict[str, tuple[Any, str | None, str]] = {}
        components = resource.get("component")
        for i, component in enumerate(components if isinstance(components, list) else []):
            if not isinstance(component, dict):
                continue
            names = [
                wanted[(self.mapping.short(c.get("system")) or "", c["code"])]
                for _, c in self.codings(component.get("code"), "")
                if (self.mapping.short(c.get("system")) or "", c["code"]) in wanted
            ]
            if not names:
                continue
            path = f"{where}.component[{i}]"
            if "valueQuantity" not in component:
                if "dataAbsentReason" in component:
                    self.note(
                        f"{path}.dataAbsentReason", "F102", f"not read: no {names[0]} value, so no {attribute.name}"
                    )
                else:
                    self.error(path, "F002", f"the {names[0]} component has no valueQuantity")
                return None
            value = self.number(component["valueQuantity"], f"{path}.valueQuantity", f"the {names[0]} value")
            if value is None:
                return None
            unit, _ = self.unit(component["valueQuantity"], f"{path}.valueQuantity")
            found[names[0]] = (value, unit, path)
        missing = [c for c in attribute.components if c not in found]
        if missing:
            self.error(
                f"{where}.component", "F002", f"the {attribute.name} panel has no {' or '.join(missing)} component"
            )
            return None
        first, second = (found[c] for c in attribute.components)
        if first[1] != second[1]:
            self.error(
                f"{second[2]}.valueQuantity.code",
                "F002",
                f"the components are in {first[1]!r} and {second[1]!r}; give both in one unit",
            )
            return None
        entry = {"value": f"{first[0]}/{second[0]}", "unit": first[1]}
        return entry, {"value": f"{first[2]}.valueQuantity.value", "unit": f"{first[2]}.valueQuantity.code"}

    def settle_results(self) -> None:
        """Results in bundle order; of several of one attribute on one day, the last by time
        is read and the others noted (without distinct times, all are kept, and the record
        refuses them as it refuses two results on one date)."""
        groups: dict[tuple[str, str], list[_Result]] = {}
        for result in self.results:
            groups.setdefault((result.entry["attribute"], result.entry["date"]), []).append(result)
        dropped: set[int] = set()
        for (attribute, date), results in groups.items():
            instants = [r.instant for r in results]
            if len(results) < 2 or any(i is None for i in instants):
                continue
            try:
                ordered = sorted(results, key=lambda r: r.instant)  # type: ignore[arg-type, return-value]
            except TypeError:  # times with and without a zone: not comparable
                continue
            if len({r.instant for r in results}) < len(results):
                continue
            last = ordered[-1]
            for earlier in ordered[:-1]:
                dropped.add(id(earlier))
                message = f"not read: an earlier {attribute} result on {date} than {last.path.removesuffix('.resource')}, which is read"
                self.note(earlier.path, "F103", message)
        for result in self.results:
            if id(result) not in dropped:
                self.add("measurements", result.entry, result.origins, result.path)

    # ----- Condition -------------------------------------------------------------

    def condition(self, index: int, resource: dict[str, Any], where: str) -> None:
        verification = self.coded_status(resource.get("verificationStatus"))
        if verification == "entered-in-error":
            return
        found = self.concepts("condition", resource.get("code"), f"{where}.code")
        if found is None:
            self.unmapped(f"{where}.code", "Condition", resource.get("code"), "condition")
            return
        mapped, code_path = found
        if verification == "refuted":
            self.refuted(mapped, code_path, where)
            return
        if verification not in (None, "confirmed"):
            message = (
                f"not read: verificationStatus {verification!r} (only a confirmed condition is a fact of the record)"
            )
            self.note(f"{where}.verificationStatus", "F102", message)
            return
        clinical = self.coded_status(resource.get("clinicalStatus"))
        state = {"active": "active", "recurrence": "active", "relapse": "active"}.get(clinical or "")
        state = state or {"inactive": "resolved", "remission": "resolved", "resolved": "resolved"}.get(clinical or "")
        abatement = self.has_any(resource, "abatement")
        if clinical is not None and state is None:
            self.error(f"{where}.clinicalStatus", "F002", f"clinicalStatus {clinical!r} is not a FHIR condition status")
            return
        if state == "active" and abatement:
            message = f"clinicalStatus {clinical!r} contradicts {abatement}: a condition with an abatement is inactive, in remission or resolved"
            self.error(f"{where}.{abatement}", "F002", message)
            return
        if state is None and not abatement:
            message = "not read: no clinicalStatus and no abatement, so whether it is still active is unknown"
            self.note(f"{where}.clinicalStatus", "F102", message)
            return
        state = state or "resolved"
        end = None
        origins: dict[str, str] = {"code": code_path, "status": f"{where}.clinicalStatus"}
        if abatement in ("abatementDateTime", "abatementPeriod"):
            ended = self.first_when(
                resource, where, ("abatementDateTime", "abatementPeriod.end", "abatementPeriod.start")
            )
            if ended is None:
                self.error(
                    f"{where}.{abatement}",
                    "P004",
                    "an abatement date is required here (a Period needs its start or end)",
                )
                return
            end = ended[0].date
            origins["end"] = ended[1]
        start = self.start(resource, where, ("onsetDateTime", "onsetPeriod.start"), "recordedDate", "onset", end)
        if start is None:
            return
        origins["start"] = start[1]
        entry: dict[str, Any] = {"start": start[0].isoformat(), "status": state}
        if end is not None:
            entry["end"] = end.isoformat()
        for concept in mapped.concepts:
            self.add("conditions", {"code": concept, **entry}, {**origins}, where)

    def start(
        self,
        resource: dict[str, Any],
        where: str,
        names: tuple[str, ...],
        fallback: str | None,
        what: str,
        end: dt.date | None,
    ) -> tuple[dt.date, str] | None:
        """When an entry began: the first of `names`; without them, the date the resource was
        recorded (`fallback`: it had begun by then, and by its end), said in a note; without
        that, None after a note (not read)."""
        found = self.first_when(resource, where, names)
        if found is not None:
            return found[0].date, found[1]
        given = self.has_any(resource, what)
        if fallback is not None and fallback in resource:
            recorded = self.when(resource[fallback], f"{where}.{fallback}")
            if recorded is None:
                raise _Refused
            date = min(recorded.date, end) if end else recorded.date
            instead = f"{given} is not a date" if given else f"no {what} date"
            message = f"{instead}: read as begun on {date}, the {fallback} (it had begun by then)"
            self.note(f"{where}.{given or fallback}", "F103", message)
            return date, f"{where}.{fallback}"
        also = f" and no {fallback}" if fallback else ""
        self.note(where, "F102", f"not read: no {what} date{also}, so when it began is unknown")
        return None

    def refuted(self, mapped: Mapped, code_path: str, where: str) -> None:
        if not mapped.same:
            message = (
                f"a refuted condition, not read: its code is narrower than {', '.join(mapped.concepts)}, "
                "so ruling it out says nothing of that whole concept"
            )
            self.note(f"{where}.verificationStatus", "F102", message, hides=False)
            return
        for concept in mapped.concepts:
            self.add(
                "negatives",
                {"kind": "condition", "code": concept},
                {"code": code_path, "kind": f"{where}.verificationStatus"},
                f"{where}.verificationStatus",
            )

    # ----- medications -----------------------------------------------------------

    def medication(self, resource: dict[str, Any], where: str) -> tuple[tuple[str, ...], str] | None:
        """The drug concepts a medication[x] names: its code, or (when the code does not map)
        its Medication's ingredients; None after a note or an error."""
        if "medicationCodeableConcept" in resource:
            found = self.concepts("drug", resource["medicationCodeableConcept"], f"{where}.medicationCodeableConcept")
            if found is None:
                self.unmapped(
                    f"{where}.medicationCodeableConcept", "medication", resource["medicationCodeableConcept"], "drug"
                )
                return None
            return found[0].concepts, found[1]
        reference = resource.get("medicationReference")
        ref = reference.get("reference") if isinstance(reference, dict) else None
        medication, medication_path = self.referenced_medication(resource, ref, where)
        if medication is None:
            self.error(
                f"{where}.medicationReference",
                "F001",
                f"{ref!r} names no Medication in the Bundle (nor a contained one)",
            )
            return None
        found = self.concepts("drug", medication.get("code"), f"{medication_path}.code")
        if found is not None:
            return found[0].concepts, found[1]
        ingredients = medication.get("ingredient")
        names: list[str] = []
        path = ""
        for i, ingredient in enumerate(ingredients if isinstance(ingredients, list) else []):
            item = ingredient.get("itemCodeableConcept") if isinstance(ingredient, dict) else None
            got = self.concepts("drug", item, f"{medication_path}.ingredient[{i}].itemCodeableConcept")
            if got is not None:
                names.extend(got[0].concepts)
                path = path or got[1]
        if names:
            return tuple(dict.fromkeys(names)), path
        self.unmapped(f"{medication_path}.code", "Medication", medication.get("code"), "drug")
        return None

    def referenced_medication(
        self, resource: dict[str, Any], ref: Any, where: str
    ) -> tuple[dict[str, Any] | None, str]:
        if isinstance(ref, str) and ref.startswith("#"):
            contained = resource.get("contained")
            for i, inner in enumerate(contained if isinstance(contained, list) else []):
                if isinstance(inner, dict) and inner.get("id") == ref[1:] and inner.get("resourceType") == "Medication":
                    return inner, f"{where}.contained[{i}]"
            return None, ""
        index = self.resolve(ref)
        if index is None or self.resources[index].get("resourceType") != "Medication":
            return None, ""
        return self.resources[index], f"entry[{index}].resource"

    def drug(
        self, concepts: tuple[str, ...], code_path: str, when: dict[str, Any], origins: dict[str, str], where: str
    ) -> None:
        for concept in concepts:
            self.add("drugs", {"code": concept, **when}, {"code": code_path, **origins}, where)

    def medication_statement(self, index: int, resource: dict[str, Any], where: str) -> None:
        status = self.status(resource, where, ("active", "completed", "stopped", "on-hold", "intended"))
        if status is None or status in VOID:
            return
        if status == "intended":
            self.section = "planned"
        if status == "not-taken":
            message = "not read: status 'not-taken' (the record lists what was taken)"
            self.note(f"{where}.status", "F102", message, hides=False)
            return
        if status not in ("active", "completed", "stopped", "on-hold", "intended"):
            self.note(
                f"{where}.status",
                "F102",
                f"not read: status {status!r} (the medication was not, or may not have been, taken)",
            )
            return
        medication = self.medication(resource, where)
        if medication is None:
            return
        concepts, code_path = medication
        if status == "intended":
            self.planned("drug", concepts, code_path, resource, where, ("effectivePeriod.start", "effectiveDateTime"))
            return
        starts = ("effectivePeriod.start", "effectiveDateTime")
        span = self.span(resource, where, starts, ("effectivePeriod.end",), "dateAsserted", "effective", status)
        if span is not None:
            self.drug(concepts, code_path, span[0], span[1], where)

    def span(
        self,
        resource: dict[str, Any],
        where: str,
        starts: tuple[str, ...],
        ends: tuple[str, ...],
        fallback: str | None,
        what: str,
        status: str,
    ) -> tuple[dict[str, Any], dict[str, str]] | None:
        """An interval entry's start and end: `active` is still going (unless an end is
        given); any other status ended, on the end date when given, else on an unknown date;
        a single dateTime of an ended one is its start and its end."""
        ended = self.first_when(resource, where, ends)
        start = self.start(resource, where, starts, fallback, what, ended[0].date if ended else None)
        if start is None:
            return None
        when: dict[str, Any] = {"start": start[0].isoformat()}
        origins = {"start": start[1], "status": f"{where}.status"}
        if ended is not None:
            when["end"] = ended[0].date.isoformat()
            origins["end"] = ended[1]
        elif status != "active":
            if start[1].endswith("DateTime"):
                when["end"] = when["start"]
                origins["end"] = start[1]
            else:
                when["status"] = "stopped"
        if status == "on-hold":
            message = "on hold: read as stopped (on its end date, or an unknown one); the record has no paused drug"
            self.note(f"{where}.status", "F103", message)
        return when, origins

    def medication_request(self, index: int, resource: dict[str, Any], where: str) -> None:
        status = self.status(resource, where, ("active", "completed", "stopped", "on-hold"))
        if status is None or status in VOID:
            return
        intent = resource.get("intent")
        if intent not in ORDER_INTENTS:
            self.note(
                f"{where}.intent",
                "F102",
                f"not read: intent {intent!r} (an order says the drug was prescribed; a {intent} does not)",
                hides=False,
            )
            return
        if status not in ("active", "completed", "stopped", "on-hold"):
            self.note(f"{where}.status", "F102", f"not read: status {status!r}")
            return
        medication = self.medication(resource, where)
        if medication is None:
            return
        starts: tuple[str, ...] = ("authoredOn",)
        ends: tuple[str, ...] = ()
        dosage = resource.get("dosageInstruction")
        for i in range(len(dosage) if isinstance(dosage, list) else 0):
            bounds = f"dosageInstruction[{i}].timing.repeat.boundsPeriod"
            if isinstance(_get(resource, bounds), dict):
                starts, ends = (f"{bounds}.start", "authoredOn"), (f"{bounds}.end",)
                break
        span = self.span(resource, where, starts, ends, None, "start", status)
        if span is not None:
            self.drug(medication[0], medication[1], span[0], span[1], where)

    # ----- procedures, vaccines, planned events -------------------------------------

    def planned(
        self,
        kind: str,
        concepts: tuple[str, ...],
        code_path: str,
        resource: dict[str, Any],
        where: str,
        names: tuple[str, ...],
    ) -> None:
        """A planned event of `kind`, dated by the first of `names` when the resource has one."""
        found = self.first_when(resource, where, names)
        date = {"date": found[0].date.isoformat()} if found else {}
        origins = {"code": code_path, "kind": f"{where}.status", **({"date": found[1]} if found else {})}
        for concept in concepts:
            self.add("planned", {"kind": kind, "code": concept, **date}, origins, where)

    def point(
        self, section: str, concepts: tuple[str, ...], code_path: str, date: tuple[_When, str], where: str
    ) -> None:
        for concept in concepts:
            self.add(
                section,
                {"code": concept, "date": date[0].date.isoformat()},
                {"code": code_path, "date": date[1]},
                where,
            )

    def procedure(self, index: int, resource: dict[str, Any], where: str) -> None:
        status = self.status(resource, where, ("completed", "in-progress", "preparation"))
        if status is None or status in VOID:
            return
        self.section = "planned" if status == "preparation" else "procedures"
        found = self.concepts("procedure", resource.get("code"), f"{where}.code")
        if found is None:
            self.unmapped(f"{where}.code", "Procedure", resource.get("code"), "procedure")
            return
        names = ("performedDateTime", "performedPeriod.start")
        if status == "preparation":
            self.planned("procedure", found[0].concepts, found[1], resource, where, names)
            return
        if status not in ("completed", "in-progress"):
            self.note(
                f"{where}.status",
                "F102",
                f"not read: status {status!r} (a procedure is read when completed or in progress)",
            )
            return
        date = self.first_when(resource, where, names)
        if date is None:
            self.note(
                where, "F102", "not read: no performedDateTime or performedPeriod.start, so when it was done is unknown"
            )
            return
        self.point("procedures", found[0].concepts, found[1], date, where)

    def service_request(self, index: int, resource: dict[str, Any], where: str) -> None:
        status = self.status(resource, where, ("active", "on-hold"))
        if status is None or status in VOID | {"revoked", "completed"}:
            return  # a completed request is done: its Procedure records it
        found = self.concepts("procedure", resource.get("code"), f"{where}.code")
        if found is None:
            self.unmapped(f"{where}.code", "ServiceRequest", resource.get("code"), "procedure")
            return
        intent = resource.get("intent")
        if status not in ("active", "on-hold") or intent not in PLAN_INTENTS:
            message = f"not read: status {status!r}, intent {intent!r} (a planned procedure is an active plan or order)"
            self.note(f"{where}.status", "F102", message)
            return
        self.planned(
            "procedure", found[0].concepts, found[1], resource, where, ("occurrenceDateTime", "occurrencePeriod.start")
        )

    def immunization(self, index: int, resource: dict[str, Any], where: str) -> None:
        status = self.status(resource, where, ("completed",))
        if status is None or status in VOID:
            return
        found = self.concepts("vaccine", resource.get("vaccineCode"), f"{where}.vaccineCode")
        if found is None:
            self.unmapped(f"{where}.vaccineCode", "Immunization", resource.get("vaccineCode"), "vaccine")
            return
        if status != "completed":
            self.note(
                f"{where}.status", "F102", f"not read: status {status!r} (the vaccine was not given)", hides=False
            )
            return
        date = self.first_when(resource, where, ("occurrenceDateTime",))
        if date is None:
            self.note(where, "F102", "not read: no occurrenceDateTime, so when it was given is unknown")
            return
        self.point("vaccines", found[0].concepts, found[1], date, where)

    # ----- Encounter, Consent, AllergyIntolerance -------------------------------------

    def encounter(self, index: int, resource: dict[str, Any], where: str) -> None:
        coding = resource.get("class")
        key = (self.mapping.short(coding.get("system")) or "", coding.get("code")) if isinstance(coding, dict) else None
        if key not in self.mapping.encounter_classes:
            self.unread_types.setdefault("Encounter (not inpatient)", []).append(index)
            return
        status = self.status(resource, where, ("finished", "in-progress", "planned"))
        if status is None or status in VOID:
            return
        concept = self.mapping.encounter_concept
        for reason_concepts in self.encounter_reasons(resource, where):
            for parent, kind in self.mapping.encounter_by_reason.items():
                if any(parent in self.vocabulary.ancestors("condition", c) for c in reason_concepts):
                    concept = kind
        if status == "planned":
            self.planned("hospitalization", (concept,), f"{where}.class", resource, where, ("period.start",))
            return
        if status not in ("finished", "in-progress", "onleave", "arrived", "triaged"):
            self.note(f"{where}.status", "F102", f"not read: status {status!r}")
            return
        span = self.span(
            resource,
            where,
            ("period.start",),
            ("period.end",),
            None,
            "period",
            "active" if status != "finished" else "completed",
        )
        if span is None:
            return
        when, origins = span
        self.add("hospitalizations", {"code": concept, **when}, {"code": f"{where}.class", **origins}, where)

    def encounter_reasons(self, resource: dict[str, Any], where: str) -> Iterator[tuple[str, ...]]:
        for i, reason in enumerate(resource.get("reasonCode") or []):
            found = self.concepts("condition", reason, f"{where}.reasonCode[{i}]")
            if found is not None:
                yield found[0].concepts
        references: list[Any] = list(resource.get("reasonReference") or [])
        references += [d.get("condition") for d in resource.get("diagnosis") or [] if isinstance(d, dict)]
        for reference in references:
            index = self.resolve(reference.get("reference")) if isinstance(reference, dict) else None
            target = self.resources.get(index) if index is not None else None
            if target is not None and target.get("resourceType") == "Condition":
                found = self.concepts("condition", target.get("code"), f"entry[{index}].resource.code")
                if found is not None:
                    yield found[0].concepts

    def consent(self, index: int, resource: dict[str, Any], where: str) -> None:
        status = self.status(resource, where, ("active",))
        if status is None or status in VOID:
            return
        found = self.concepts("consent", resource.get("scope"), f"{where}.scope")
        categories = resource.get("category")
        for i, category in enumerate(categories if isinstance(categories, list) else []):
            found = found or self.concepts("consent", category, f"{where}.category[{i}]")
        if found is None:
            self.unmapped(f"{where}.scope", "Consent", resource.get("scope"), "consent")
            return
        if status != "active":
            self.note(f"{where}.status", "F102", f"not read: status {status!r} (a consent counts while active)")
            return
        date = self.first_when(resource, where, ("dateTime",))
        if date is None:
            self.note(where, "F102", "not read: no dateTime, so when it was given is unknown")
            return
        self.point("consents", found[0].concepts, found[1], date, where)

    def allergy(self, index: int, resource: dict[str, Any], where: str) -> None:
        verification = self.coded_status(resource.get("verificationStatus"))
        if verification == "entered-in-error":
            return
        if verification not in (None, "confirmed"):
            self.note(f"{where}.verificationStatus", "F102", f"not read: verificationStatus {verification!r}")
            return
        kind = resource.get("type")
        given = resource.get("category")
        categories: list[Any] = given if isinstance(given, list) else []
        table = self.mapping.allergies.get(kind) if isinstance(kind, str) else None
        if table is None:
            self.note(
                f"{where}.type", "F102", "not read: no type (allergy or intolerance), and the record tells them apart"
            )
            return
        concept = next((table[c] for c in categories if c in table), None)
        code_path = f"{where}.category"
        if kind == "intolerance":
            drug = self.concepts("drug", resource.get("code"), f"{where}.code")
            if drug is not None:
                for parent, specific in self.mapping.intolerance_by_drug.items():
                    if any(parent in self.vocabulary.ancestors("drug", d) for d in drug[0].concepts):
                        concept, code_path = specific, drug[1]
        if concept is None:
            message = (
                f"not read: no condition concept for an {kind} of category {', '.join(map(str, categories)) or 'none'}"
            )
            self.note(f"{where}.category", "F101", message)
            return
        clinical = self.coded_status(resource.get("clinicalStatus"))
        state = {"active": "active", "inactive": "resolved", "resolved": "resolved"}.get(clinical or "")
        if state is None:
            self.note(
                f"{where}.clinicalStatus", "F102", "not read: no clinicalStatus, so whether it still holds is unknown"
            )
            return
        start = self.start(resource, where, ("onsetDateTime", "onsetPeriod.start"), "recordedDate", "onset", None)
        if start is None:
            return
        self.add("conditions", {"code": concept, "start": start[0].isoformat(), "status": state},
                 {"code": code_path, "start": start[1], "status": f"{where}.clinicalStatus"}, where)  # fmt: skip

    # ----- List: a section declared complete ------------------------------------------

    def completeness(self, index: int, resource: dict[str, Any], where: str) -> None:
        """A List coded in urn:trialogic:complete says that the Bundle holds every entry of a
        record section (`complete` in the record): only a current snapshot says so."""
        for i, coding in self.codings(resource.get("code"), f"{where}.code"):
            if coding.get("system") != LOCAL_COMPLETE:
                continue
            section = coding["code"]
            path = f"{where}.code.coding[{i}].code"
            if section not in COMPLETABLE:
                tail = suggestion(closest(section, COMPLETABLE), f"one of {', '.join(COMPLETABLE)}")
                self.error(path, "F002", f"unknown section {section!r}{tail}")
                return
            if resource.get("status") != "current" or resource.get("mode") != "snapshot":
                message = (
                    f"not read: a List saying {section} are complete is a current snapshot "
                    f"(status {resource.get('status')!r}, mode {resource.get('mode')!r})"
                )
                self.note(f"{where}.mode", "F102", message, hides=False)
                return
            self.complete.setdefault(section, path)
            return
        self.unread_types.setdefault("List (not urn:trialogic:complete)", []).append(index)

    def check_complete(self) -> None:
        """A section said complete with a resource of its kind not read is refused: the record
        would say the patient never had what that resource may hold."""
        for section, path in self.complete.items():
            for unread in self.hidden.get(section, []):
                message = (
                    f"{path.split('.resource')[0]} says the {section} are complete, but {unread} was not read "
                    "(see its note); map its code in facts/fhir.yaml or fix it, or drop the List"
                )
                self.error(f"{unread}.resource", "F003", message)
        if self.complete:
            self.top["complete"] = sorted(self.complete, key=COMPLETABLE.index)
            self.origins["complete"] = next(iter(self.complete.values()))
