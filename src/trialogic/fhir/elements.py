"""FHIR's data types and codes as the converter reads them: dates and dateTimes, elements
by path, CodeableConcepts (their codings, and how a note names one), and the status and
intent codes that decide whether a resource holds a fact."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, NamedTuple

VOID = frozenset({"entered-in-error", "cancelled"})  # statuses saying the resource holds no fact
ORDER_INTENTS = frozenset({"order", "original-order", "reflex-order", "filler-order", "instance-order"})
PLAN_INTENTS = ORDER_INTENTS | {"plan", "directive"}
_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(T[0-9:.]+(Z|[+-]\d{2}:\d{2})?)?)?)?")
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


class When(NamedTuple):
    """A FHIR date or dateTime: its calendar date as written, and the instant when it has a time."""

    date: dt.date
    instant: dt.datetime | None


def read_when(raw: Any) -> When:
    """A FHIR date or dateTime; ValueError saying why not: trialogic needs the day, so a
    year or a month alone is refused (no day is ever picked for the Bundle).

    >>> read_when("2024-03-05T10:30:00Z").date, read_when("2024-03-05").instant
    (datetime.date(2024, 3, 5), None)
    """
    match = _DATE.fullmatch(raw) if isinstance(raw, str) else None
    if match is None:
        raise ValueError(f"{raw!r} is not a FHIR date; write YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz")
    year, month, day, time, _ = match.groups()
    if day is None:
        raise ValueError(
            f"{raw!r} gives no day, and trialogic compares whole days: give the full date (YYYY-MM-DD); "
            "trialogic never picks a day for you"
        )
    try:
        date = dt.date(int(year), int(month), int(day))
    except ValueError as e:
        raise ValueError(f"{raw!r} is not a date ({e})") from None
    instant = None
    if time is not None:
        try:
            instant = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(f"{raw!r} is not a FHIR dateTime; write YYYY-MM-DDThh:mm:ss+zz:zz") from None
    return When(date, instant)


def element(resource: Any, path: str) -> Any:
    """The element at a relative path (`effectivePeriod.end`, `dosageInstruction[0].timing`), or None."""
    value = resource
    for key, index in _STEP.findall(path):
        if key:
            value = value.get(key) if isinstance(value, dict) else None
        else:
            value = value[int(index)] if isinstance(value, list) and int(index) < len(value) else None
    return value


def named(resource: dict[str, Any], prefix: str) -> str | None:
    """The first element of the resource whose name starts with `prefix` (`value` finds valueQuantity)."""
    return next((k for k in resource if k.startswith(prefix)), None)


def codings(concept: Any) -> list[tuple[int, dict[str, Any]]]:
    """The codings of a CodeableConcept that have a code, with their index."""
    found = concept.get("coding") if isinstance(concept, dict) else None
    if not isinstance(found, list):
        return []
    return [(i, c) for i, c in enumerate(found) if isinstance(c, dict) and isinstance(c.get("code"), str)]


def first_code(concept: Any) -> str | None:
    """The code of a CodeableConcept status (clinicalStatus, verificationStatus)."""
    return next((c["code"] for _, c in codings(concept)), None)


def shown(concept: Any) -> str:
    """A CodeableConcept as a note names it: its codings, and its text.

    >>> shown({"coding": [{"system": "http://loinc.org", "code": "2160-0"}], "text": "Creatinine"})
    'http://loinc.org|2160-0 (Creatinine)'
    """
    parts = [f"{c.get('system', '?')}|{c['code']}" for _, c in codings(concept)]
    text = concept.get("text") if isinstance(concept, dict) else None
    display = next((c.get("display") for _, c in codings(concept) if c.get("display")), None)
    label = text or display
    return (" ".join(parts) or "no coding") + (f" ({label})" if label else "")


def bad_codings(value: Any, where: str) -> list[tuple[str, str]]:
    """Every `coding` in an element (at any depth) that trialogic cannot read, with its path
    and why: a coding list that is no list, a coding that is no object, a code that is no
    string (a code is a string, even when it is made of digits)."""
    found: list[tuple[str, str]] = []
    if isinstance(value, list):
        for i, item in enumerate(value):
            found += bad_codings(item, f"{where}[{i}]")
        return found
    if not isinstance(value, dict):
        return found
    for key, inner in value.items():
        path = f"{where}.{key}"
        if key != "coding":
            found += bad_codings(inner, path)
        elif not isinstance(inner, list):
            found.append((path, "a CodeableConcept's coding is a list of codings"))
        else:
            for i, coding in enumerate(inner):
                if not isinstance(coding, dict):
                    found.append((f"{path}[{i}]", "a coding is an object ({system, code, display})"))
                elif "code" in coding and not isinstance(coding["code"], str):
                    found.append(
                        (f"{path}[{i}].code", f"the code {coding['code']!r} is not a string (write it quoted)")
                    )
                elif "system" in coding and not isinstance(coding["system"], str):
                    found.append((f"{path}[{i}].system", "a coding's system is a string (a URI)"))
    return found
