"""The code mapping, facts/fhir.yaml: which FHIR codes (LOINC, SNOMED CT, ICD-10, RxNorm,
ATC, CVX, UCUM) mean which of trialogic's attributes, values, units and concepts; read
once, and checked against the vocabulary (`mapping_problems`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..resources import facts_dir
from ..vocabulary import EVENT_KINDS, Vocabulary, read_yaml


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
    encounter_classes: frozenset[tuple[str, str]]  # classes read as a stay
    encounter_concept: str
    encounter_by_reason: dict[str, str]
    allergies: dict[str, dict[str, str]]  # type -> category -> condition concept
    intolerance_by_drug: dict[str, str]
    no_allergy: frozenset[tuple[str, str]] = frozenset()  # codes saying "no known allergy"
    outpatient_classes: frozenset[tuple[str, str]] = frozenset()  # classes read as no stay

    def short(self, uri: Any) -> str | None:
        return self.systems.get(uri) if isinstance(uri, str) else None

    def key(self, system: str, code: str) -> str:
        return _key(self.prefix, system, code)

    def lookup(self, table: dict[str, Mapped], system: str, code: str) -> Mapped | None:
        """A code's entry: the code itself, or in a prefix system its longest listed prefix."""
        code = self.key(system, code)
        if system not in self.prefix:
            return table.get(code)
        for end in range(len(code), 0, -1):
            if code[:end] in table:
                return table[code[:end]]
        return None


def _key(prefix: frozenset[str], system: str, code: str) -> str:
    """A code as the tables key it: in a prefix system (ICD-10, ATC) without dots, in capitals."""
    return code.replace(".", "").upper() if system in prefix else code


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
    concepts: dict[str, dict[str, dict[str, Mapped]]] = {}
    for kind, by_system in spec.get("concepts", {}).items():
        for system, groups in by_system.items():
            table = concepts.setdefault(str(kind), {}).setdefault(str(system), {})
            for group in ("same", "within"):
                for code, target in (groups.get(group) or {}).items():
                    names = tuple(str(t) for t in (target if isinstance(target, list) else [target]))
                    table[_key(prefix, str(system), str(code))] = Mapped(names, group == "same", str(code))
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
        outpatient_classes=frozenset(
            (str(s), str(c)) for s, codes in encounters.get("outpatient", {}).items() for c in codes
        ),
        encounter_concept=str(encounters.get("concept", "hospitalization_any")),
        encounter_by_reason={str(k): str(v) for k, v in encounters.get("by_reason", {}).items()},
        allergies={
            str(t): {str(c): str(v) for c, v in table.items()}
            for t, table in allergies.items()
            if t not in ("intolerance_by_drug", "none_known")
        },
        intolerance_by_drug={str(k): str(v) for k, v in allergies.get("intolerance_by_drug", {}).items()},
        no_allergy=frozenset((str(s), str(c)) for s, c, _ in _codes(allergies.get("none_known", {}))),
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
                problems += _unknown(vocabulary, kind, mapped.concepts, f"concepts {kind} {system} {code}")
    problems += [
        f"encounters {s} {c}: both a stay (classes) and outpatient"
        for s, c in sorted(mapping.encounter_classes & mapping.outpatient_classes)
    ]
    hospitalizations = [mapping.encounter_concept, *mapping.encounter_by_reason.values()]
    problems += _unknown(vocabulary, "hospitalization", hospitalizations, "encounters")
    problems += _unknown(vocabulary, "condition", mapping.encounter_by_reason, "encounters by_reason")
    conditions = [*(v for t in mapping.allergies.values() for v in t.values()), *mapping.intolerance_by_drug.values()]
    problems += _unknown(vocabulary, "condition", conditions, "allergies")
    problems += _unknown(vocabulary, "drug", mapping.intolerance_by_drug, "allergies intolerance_by_drug")
    return problems


def _unknown(vocabulary: Vocabulary, kind: str, names: Iterable[str], where: str) -> list[str]:
    return [f"{where}: unknown {kind} concept {name!r}" for name in names if not vocabulary.is_concept(kind, name)]
