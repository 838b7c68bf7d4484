"""A Bundle's conversion in progress: the record it builds, the FHIR element each of the
record's fields came from, its errors and notes; and what the reader of every resource type
shares: dates read, codes mapped to concepts, statuses, and the record's entries (dated
once, over a span, or planned)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..errors import Diagnostic
from ..vocabulary import Vocabulary, closest, suggestion
from .elements import VOID, When, codings, element, named, read_when, shown
from .mapping import Mapped, Mapping

LOCAL_ATTRIBUTE = "urn:trialogic:attribute"
LOCAL_KIND = "urn:trialogic:"  # + an event kind: urn:trialogic:condition, urn:trialogic:drug, ...
RECORD_ORDER = ("id", "birth_date", "sex", "measurements", "conditions", "drugs", "procedures", "vaccines",
                "hospitalizations", "consents", "planned", "negatives", "complete")  # fmt: skip


class Refused(Exception):
    """A resource element was refused (its error is recorded): the resource is not read."""


@dataclass
class Result:
    """A measurement waiting for the same-day check: its entry, origins and the instant."""

    entry: dict[str, Any]
    origins: dict[str, str]
    instant: dt.datetime | None
    path: str


@dataclass
class Converter:
    """One Bundle's conversion: the record's top fields and sections, the origin of each
    field, what was found wrong (errors) or not read (notes), and what the readers share
    while they run (the entries by reference, the Patient, sections not wholly read)."""

    source: str
    vocabulary: Vocabulary
    mapping: Mapping
    sections: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    top: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    errors: list[Diagnostic] = field(default_factory=list)
    notes: list[Diagnostic] = field(default_factory=list)
    results: list[Result] = field(default_factory=list)
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

    # ----- references ----------------------------------------------------------

    def resolve(self, reference: Any) -> int | None:
        """The entry a reference names: by fullUrl, or by its type and id (a server's base
        URL and a version (`_history`) aside)."""
        if not isinstance(reference, str):
            return None
        if reference in self.by_reference:
            return self.by_reference[reference]
        parts = reference.split("/_history/")[0].rstrip("/").split("/")
        return self.by_reference.get("/".join(parts[-2:])) if len(parts) >= 2 else None

    # ----- dates ---------------------------------------------------------------

    def when(self, raw: Any, where: str) -> When | None:
        """A FHIR date or dateTime (see `read_when`), or None after an error."""
        try:
            return read_when(raw)
        except ValueError as e:
            self.error(where, "P004", str(e))
            return None

    def first_when(self, resource: dict[str, Any], where: str, names: tuple[str, ...]) -> tuple[When, str] | None:
        """The first of the elements `names` (relative paths) the resource has, read, with its
        path; None when it has none. One given but refused raises Refused."""
        for name in names:
            value = element(resource, name)
            if value is None:
                continue
            path = f"{where}.{name}"
            when = self.when(value, path)
            if when is None:
                raise Refused
            return when, path
        return None

    # ----- codes ---------------------------------------------------------------

    def concepts(self, kind: str, concept: Any, where: str) -> tuple[Mapped, str] | None:
        """The concepts of `kind` a CodeableConcept maps to (its first coding that maps), with
        the path of that coding's code; None when none does. A code of trialogic's own system
        that is no concept of the kind is an error (Refused)."""
        return next(iter(self.every_concept(kind, concept, where)), None)

    def every_concept(self, kind: str, concept: Any, where: str) -> list[tuple[Mapped, str]]:
        """What each coding of a CodeableConcept that maps maps to (see `concepts`), in order."""
        found: list[tuple[Mapped, str]] = []
        for i, coding in codings(concept):
            system, code = coding.get("system"), coding["code"]
            path = f"{where}.coding[{i}].code"
            if system == LOCAL_KIND + kind:
                if self.vocabulary.is_concept(kind, code):
                    found.append((Mapped((code,), True, code), path))
                    continue
                tail = suggestion(closest(code, self.vocabulary.concepts(kind)))
                self.error(path, "F002", f"unknown {kind} concept {code!r} in {system}{tail}")
                raise Refused
            short = self.mapping.short(system)
            table = self.mapping.concepts.get(kind, {}).get(short or "")
            mapped = self.mapping.lookup(table, short or "", code) if table else None
            if mapped is not None:
                found.append((mapped, path))
        return found

    def mapped(
        self, kind: str, resource: dict[str, Any], where: str, name: str, what: str
    ) -> tuple[Mapped, str] | None:
        """The concepts of `kind` the resource's CodeableConcept `name` maps to (see
        `concepts`), or None after a note saying it is not read."""
        self.concept_element(resource, where, name)
        found = self.concepts(kind, resource.get(name), f"{where}.{name}")
        if found is None:
            self.unmapped(f"{where}.{name}", what, resource.get(name), kind)
        return found

    def unmapped(self, where: str, what: str, concept: Any, kind: str) -> None:
        local = LOCAL_ATTRIBUTE if kind == "attribute" else LOCAL_KIND + kind
        article = "an" if kind[0] in "aeiou" else "a"
        message = (
            f"{what} {shown(concept)} not read: facts/fhir.yaml maps none of its codes to {article} {kind} "
            f"(add one there, or code it in {local})"
        )
        self.note(where, "F101", message)

    def status(self, resource: dict[str, Any], where: str, allowed: tuple[str, ...]) -> str | None:
        """A resource's status; None after a note when it is missing, or when it says the
        resource holds no fact (VOID)."""
        status = resource.get("status")
        if status is not None and not isinstance(status, str):
            self.error(f"{where}.status", "F002", f"a status is a code (a string), not {status!r}")
            raise Refused
        if not isinstance(status, str):
            self.note(f"{where}.status", "F102", f"not read: no status (one of {', '.join(allowed)})")
            return None
        return None if status in VOID else status

    def concept_element(self, resource: dict[str, Any], where: str, name: str) -> None:
        """A CodeableConcept element (`code`, `scope`) that is not an object is an error (Refused)."""
        value = resource.get(name)
        if value is not None and not isinstance(value, dict):
            self.error(f"{where}.{name}", "F002", f"{name} is a CodeableConcept ({{coding, text}}), not {value!r}")
            raise Refused

    def code(self, resource: dict[str, Any], where: str, name: str) -> str | None:
        """A code element (`intent`, `type`), None when absent; one of another type is an
        error (Refused)."""
        value = resource.get(name)
        if value is not None and not isinstance(value, str):
            self.error(f"{where}.{name}", "F002", f"{name} must be a code (a string), not {value!r}")
            raise Refused
        return value

    def items(self, resource: dict[str, Any], where: str, name: str) -> list[Any]:
        """A repeating element (`reasonCode`, `category`), [] when absent; one that is not a
        list is an error (Refused)."""
        value = resource.get(name)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(f"{where}.{name}", "F002", f"{name} must be a list, not {value!r}")
            raise Refused
        return value

    def do_not_perform(self, resource: dict[str, Any], where: str, what: str, done: str) -> bool:
        """Whether a request says the thing must NOT be done (`doNotPerform`): then it is not
        read, with a note (it is no order and no plan)."""
        value = resource.get("doNotPerform")
        if value is None or value is False:
            return False
        if value is not True:
            self.error(f"{where}.doNotPerform", "F002", f"doNotPerform is true or false, not {value!r}")
            raise Refused
        message = f"not read: doNotPerform is true (a request that the {what} NOT be {done})"
        self.note(f"{where}.doNotPerform", "F102", message, hides=False)
        return True

    # ----- the record's entries ------------------------------------------------

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
        given = named(resource, what)
        if fallback is not None and fallback in resource:
            recorded = self.when(resource[fallback], f"{where}.{fallback}")
            if recorded is None:
                raise Refused
            date = min(recorded.date, end) if end else recorded.date
            instead = f"{given} is not a date" if given else f"no {what} date"
            message = f"{instead}: read as begun on {date}, the {fallback} (it had begun by then)"
            self.note(f"{where}.{given or fallback}", "F103", message)
            return date, f"{where}.{fallback}"
        also = f" and no {fallback}" if fallback else ""
        self.note(where, "F102", f"not read: no {what} date{also}, so when it began is unknown")
        return None

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
        self,
        section: str,
        found: tuple[Mapped, str],
        resource: dict[str, Any],
        where: str,
        names: tuple[str, ...],
        done: str,
    ) -> None:
        """An event of one day (`found`: its concepts, and the path of their code), dated by
        the first of `names`; without them, a note (not read): when it was `done` is unknown."""
        date = self.first_when(resource, where, names)
        if date is None:
            self.note(where, "F102", f"not read: no {' or '.join(names)}, so when it was {done} is unknown")
            return
        for concept in found[0].concepts:
            self.add(
                section,
                {"code": concept, "date": date[0].date.isoformat()},
                {"code": found[1], "date": date[1]},
                where,
            )
