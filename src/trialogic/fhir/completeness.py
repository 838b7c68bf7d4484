"""A List coded in urn:trialogic:complete: a record section the Bundle says it holds whole
(`complete` in the record), refused while a resource of that section was not read."""

from __future__ import annotations

from typing import Any

from ..patient import COMPLETABLE
from ..vocabulary import closest, suggestion
from .converter import Converter
from .elements import codings

LOCAL_COMPLETE = "urn:trialogic:complete"  # a List so coded says a section of the record is complete


def completeness(converter: Converter, index: int, resource: dict[str, Any], where: str) -> None:
    """A List coded in urn:trialogic:complete says that the Bundle holds every entry of a
    record section (`complete` in the record): only a current snapshot says so."""
    for i, coding in codings(resource.get("code")):
        if coding.get("system") != LOCAL_COMPLETE:
            continue
        section = coding["code"]
        path = f"{where}.code.coding[{i}].code"
        if section not in COMPLETABLE:
            tail = suggestion(closest(section, COMPLETABLE), f"one of {', '.join(COMPLETABLE)}")
            converter.error(path, "F002", f"unknown section {section!r}{tail}")
            return
        if resource.get("status") != "current" or resource.get("mode") != "snapshot":
            message = (
                f"not read: a List saying {section} are complete is a current snapshot "
                f"(status {resource.get('status')!r}, mode {resource.get('mode')!r})"
            )
            converter.note(f"{where}.mode", "F102", message, hides=False)
            return
        converter.complete.setdefault(section, path)
        return
    converter.unread_types.setdefault("List (not urn:trialogic:complete)", []).append(index)


def check_complete(converter: Converter) -> None:
    """A section said complete with a resource of its kind not read is refused: the record
    would say the patient never had what that resource may hold."""
    for section, path in converter.complete.items():
        for unread in converter.hidden.get(section, []):
            message = (
                f"{path.split('.resource')[0]} says the {section} are complete, but {unread} was not read "
                "(see its note); map its code in facts/fhir.yaml or fix it, or drop the List"
            )
            converter.error(f"{unread}.resource", "F003", message)
    if converter.complete:
        converter.top["complete"] = sorted(converter.complete, key=COMPLETABLE.index)
        converter.origins["complete"] = next(iter(converter.complete.values()))
