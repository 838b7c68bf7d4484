"""Observation: the record's measurements, a number with its unit and reference range, a
category's value, or a pair's two components (blood pressure); of several results of one
attribute on one day, the last."""

from __future__ import annotations

from typing import Any

from ..vocabulary import Attribute, suggestion
from .converter import LOCAL_ATTRIBUTE, Converter, Refused, Result
from .elements import codings, first_code, named, shown

UNITLESS = frozenset({"1", "{score}", "{#}"})  # UCUM codes a quantity without a unit is written with
_READ_STATUSES = ("final", "amended", "corrected", "preliminary")


def observation(converter: Converter, index: int, resource: dict[str, Any], where: str) -> None:
    status = converter.status(resource, where, _READ_STATUSES)
    if status is None:
        return
    has_value = named(resource, "value") is not None or "component" in resource
    if "hasMember" in resource and not has_value:
        return  # a panel grouping other Observations, each read as its own entry
    attribute = _attribute(converter, resource, where)
    if attribute is None:
        return
    if status not in _READ_STATUSES:
        message = f"not read: status {status!r} (a result is read when final, amended, corrected or preliminary)"
        converter.note(f"{where}.status", "F102", message)
        return
    if not has_value:
        reason = shown(resource.get("dataAbsentReason")) if "dataAbsentReason" in resource else None
        if reason is None:
            converter.error(where, "F002", f"a {attribute.name} result without a value (value[x], or dataAbsentReason)")
        else:
            converter.note(f"{where}.dataAbsentReason", "F102", f"not read: no value ({reason})")
        return
    found = converter.first_when(
        resource, where, ("effectiveDateTime", "effectiveInstant", "effectivePeriod.end", "effectivePeriod.start")
    )
    if found is None:
        message = f"a {attribute.name} result needs the date it was taken (effectiveDateTime or effectivePeriod)"
        converter.error(where, "P004", message)
        return
    when, date_path = found
    if status == "preliminary":
        message = "a preliminary result, read as it stands: a final one may differ"
        converter.note(f"{where}.status", "F103", message)
    entry: dict[str, Any] = {"attribute": attribute.name}
    origins = {"attribute": f"{where}.code"}
    if attribute.type == "pair":
        read = _pair(converter, attribute, resource, where)
    elif attribute.type == "category":
        read = _category(converter, attribute, resource, where)
    else:
        read = _quantity(converter, attribute, resource, where)
    if read is None:
        return
    entry.update(read[0])
    origins.update(read[1])
    entry["date"] = when.date.isoformat()
    origins["date"] = date_path
    converter.results.append(Result(entry, origins, when.instant, where))


def _attribute(converter: Converter, resource: dict[str, Any], where: str) -> Attribute | None:
    code = resource.get("code")
    for i, coding in codings(code):
        system, value = coding.get("system"), coding["code"]
        if system == LOCAL_ATTRIBUTE:
            attribute = converter.vocabulary.attribute(value)
            if attribute is None or attribute.name in ("age", "sex"):
                tail = suggestion(converter.vocabulary.suggest_attribute(value))
                converter.error(f"{where}.code.coding[{i}].code", "F002", f"unknown attribute {value!r}{tail}")
                raise Refused
            return attribute
        short = converter.mapping.short(system) or ""
        name = converter.mapping.observations.get((short, value)) or converter.mapping.panels.get((short, value))
        if name is not None:
            return converter.vocabulary.attribute(name)
    converter.unmapped(f"{where}.code", "Observation", code, "attribute")
    return None


def _unit(converter: Converter, quantity: dict[str, Any], where: str) -> tuple[str | None, str]:
    """A Quantity's unit as the record spells it (UCUM code mapped by facts/fhir.yaml,
    else as written) and the path it came from. A `code`, `system` or `unit` that is no
    string is an error (Refused): a code is a string, even when it is made of digits."""
    for name in ("code", "system", "unit"):
        given = quantity.get(name)
        if given is not None and not isinstance(given, str):
            message = f"a Quantity's {name} is a string (write it quoted), not {given!r}"
            converter.error(f"{where}.{name}", "F002", message)
            raise Refused
    mapping = converter.mapping
    code = quantity.get("code")
    if isinstance(code, str) and mapping.short(quantity.get("system")) in ("ucum", None):
        return (None if code in UNITLESS else mapping.units.get(code, code)), f"{where}.code"
    text = quantity.get("unit")
    if isinstance(text, str):
        return (None if text in UNITLESS else mapping.units.get(text, text)), f"{where}.unit"
    return None, f"{where}.code"


def _number(converter: Converter, quantity: Any, where: str, what: str) -> Any:
    if not isinstance(quantity, dict):
        converter.error(where, "F002", f"{what} is a Quantity ({{value, unit, system, code}})")
        return None
    comparator = quantity.get("comparator")
    if comparator is not None:
        message = (
            f"{comparator}{quantity.get('value')} is not a value trialogic can compare exactly; "
            "give the measured value, or leave the result out (it stays unknown)"
        )
        converter.error(f"{where}.comparator", "F002", message)
        return None
    if "value" not in quantity:
        converter.error(f"{where}.value", "F002", f"{what} has no value")
        return None
    return quantity["value"]


def _quantity(
    converter: Converter, attribute: Attribute, resource: dict[str, Any], where: str
) -> tuple[dict[str, Any], dict[str, str]] | None:
    name = named(resource, "value")
    if name in ("valueInteger", "valueDecimal") or (name == "valueString" and attribute.unit is None):
        return {"value": resource[name]}, {"value": f"{where}.{name}"}
    if name != "valueQuantity":
        converter.error(f"{where}.{name}", "F002", f"{attribute.name} is a number: give it as valueQuantity")
        return None
    path = f"{where}.valueQuantity"
    quantity = resource["valueQuantity"]
    value = _number(converter, quantity, path, f"the {attribute.name} result")
    if value is None:
        return None
    unit, unit_path = _unit(converter, quantity, path)
    entry: dict[str, Any] = {"value": value}
    origins = {"value": f"{path}.value", "unit": unit_path}
    if unit is not None:
        entry["unit"] = unit
    limits = _reference_range(converter, resource, where, unit)
    if limits is not None:
        entry.update(limits[0])
        origins.update(limits[1])
    return entry, origins


def _reference_range(
    converter: Converter, resource: dict[str, Any], where: str, unit: str | None
) -> tuple[dict[str, Any], dict[str, str]] | None:
    """The normal range's high end as the record's ULN: the first referenceRange whose type
    is absent or `normal`, that has a high and applies to every patient (no `appliesTo`, no
    `age`: such a range is noted); with its low, as [low, high]."""
    for i, limits in enumerate(converter.items(resource, where, "referenceRange")):
        if not isinstance(limits, dict):
            message = f"a referenceRange is an object ({{low, high, type}}), not {limits!r}"
            converter.error(f"{where}.referenceRange[{i}]", "F002", message)
            raise Refused
        if "high" not in limits:
            continue
        kind = first_code(limits.get("type"))
        if kind not in (None, "normal"):
            continue
        path = f"{where}.referenceRange[{i}]"
        qualifiers = [q for q in ("appliesTo", "age") if q in limits]
        if qualifiers:
            message = (
                f"this range not read: its {' and '.join(qualifiers)} says it is for some patients only "
                "(a sex, an age, a group); the result is read with the first range without them, or none"
            )
            converter.note(f"{path}.{qualifiers[0]}", "F102", message, hides=False)
            continue
        bounds = {}
        for end in ("low", "high"):
            if end not in limits:
                continue
            value = _number(converter, limits[end], f"{path}.{end}", f"the reference range's {end}")
            if value is None:
                return None
            given, given_path = _unit(converter, limits[end], f"{path}.{end}")
            if given is not None and given != unit:
                message = (
                    f"the reference range is in {given!r} but the result in {unit!r}; "
                    "trialogic reads a range in the result's unit"
                )
                converter.error(given_path, "F002", message)
                return None
            bounds[end] = value
        if "low" in bounds:
            return {"reference_range": [bounds["low"], bounds["high"]]}, {"reference_range": path}
        return {"uln": bounds["high"]}, {"uln": f"{path}.high.value"}
    return None


def _category(
    converter: Converter, attribute: Attribute, resource: dict[str, Any], where: str
) -> tuple[dict[str, Any], dict[str, str]] | None:
    by_lower = {v.lower(): v for v in attribute.values}
    name = named(resource, "value")
    if name == "valueString" and isinstance(resource[name], str):
        value = by_lower.get(resource[name].strip().lower())
        if value is not None:
            return {"value": value}, {"value": f"{where}.valueString"}
    elif name == "valueCodeableConcept":
        concept = resource[name]
        for i, coding in codings(concept):
            short = converter.mapping.short(coding.get("system")) or ""
            mapped = converter.mapping.values.get((short, coding["code"]))
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
    converter.error(f"{where}.{name or 'value'}", "P005", message)
    return None


def _pair(
    converter: Converter, attribute: Attribute, resource: dict[str, Any], where: str
) -> tuple[dict[str, Any], dict[str, str]] | None:
    wanted = converter.mapping.components.get(attribute.name, {})
    found: dict[str, tuple[Any, str | None, str]] = {}
    components = resource.get("component")
    for i, component in enumerate(components if isinstance(components, list) else []):
        if not isinstance(component, dict):
            continue
        names = [
            wanted[(converter.mapping.short(c.get("system")) or "", c["code"])]
            for _, c in codings(component.get("code"))
            if (converter.mapping.short(c.get("system")) or "", c["code"]) in wanted
        ]
        if not names:
            continue
        path = f"{where}.component[{i}]"
        if "valueQuantity" not in component:
            if "dataAbsentReason" in component:
                converter.note(
                    f"{path}.dataAbsentReason", "F102", f"not read: no {names[0]} value, so no {attribute.name}"
                )
            else:
                converter.error(path, "F002", f"the {names[0]} component has no valueQuantity")
            return None
        value = _number(converter, component["valueQuantity"], f"{path}.valueQuantity", f"the {names[0]} value")
        if value is None:
            return None
        unit, _ = _unit(converter, component["valueQuantity"], f"{path}.valueQuantity")
        found[names[0]] = (value, unit, path)
    missing = [c for c in attribute.components if c not in found]
    if missing:
        converter.error(
            f"{where}.component", "F002", f"the {attribute.name} panel has no {' or '.join(missing)} component"
        )
        return None
    first, second = (found[c] for c in attribute.components)
    if first[1] != second[1]:
        converter.error(
            f"{second[2]}.valueQuantity.code",
            "F002",
            f"the components are in {first[1]!r} and {second[1]!r}; give both in one unit",
        )
        return None
    entry = {"value": f"{first[0]}/{second[0]}", "unit": first[1]}
    return entry, {"value": f"{first[2]}.valueQuantity.value", "unit": f"{first[2]}.valueQuantity.code"}


def settle_results(converter: Converter) -> None:
    """Results in bundle order; of several of one attribute on one day, the last by time
    is read and the others noted (without distinct times, all are kept, and the record
    refuses them as it refuses two results on one date)."""
    groups: dict[tuple[str, str], list[Result]] = {}
    for result in converter.results:
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
            converter.note(earlier.path, "F103", message)
    for result in converter.results:
        if id(result) not in dropped:
            converter.add("measurements", result.entry, result.origins, result.path)
