"""The vocabulary (`facts/vocabulary.yaml`, `facts/concepts.yaml`, `facts/units.txt`):
attributes with their canonical units and integer scales, concept hierarchies, and exact
unit conversion through pint over fractions.

A conversion factor, once pint has found it, is kept per (attribute, unit) in the user
cache, keyed by the vocabulary files: a start that meets only known units never loads pint.
Within a run, each (attribute, unit) pair also becomes a `Conversion` of plain integers, so
reading a patient's results costs integer products rather than Fraction arithmetic.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .resources import cache_dir, facts_dir

EVENT_KINDS = ("drug", "condition", "procedure", "vaccine", "hospitalization", "trial_participation", "consent")


class UnitError(ValueError):
    """A unit that is unknown, or of the wrong dimension for the attribute."""


@dataclass(frozen=True)
class Attribute:
    name: str
    label: str
    type: str  # "numeric" | "category" | "pair" | "age"
    unit: str | None = None
    scale: int = 1
    range: tuple[Fraction, Fraction] | None = None
    values: tuple[str, ...] = ()
    synonyms: tuple[str, ...] = ()
    conversions: tuple[tuple[str, Fraction], ...] = ()
    default_uln: Fraction | None = None
    components: tuple[str, ...] = ()
    descending: bool = False  # a pair whose first component is never below its second
    derived: str | None = None
    scaled_default_uln: Fraction | None = field(init=False, default=None)  # default_uln × scale, once

    def __post_init__(self) -> None:
        if self.default_uln is not None:
            object.__setattr__(self, "scaled_default_uln", self.default_uln * self.scale)


@dataclass(frozen=True)
class Conversion:
    """How a number written in one unit becomes an attribute's stored value, in plain integers.

    Patient records hold about 25 results each, and every Fraction operation normalises
    through a gcd: converting, range-checking and scaling one value took four of them. Here
    the value stays an unnormalised ratio of integers until the end, the range check is two
    cross-multiplications, and at most one Fraction is built; the result is the same number.
    """

    numerator: int  # canonical units per written unit, as a ratio (denominator > 0)
    denominator: int
    scale: int
    range: tuple[int, int, int, int] | None  # low = [0]/[1], high = [2]/[3], in canonical units

    @classmethod
    def of(cls, attribute: Attribute, factor: Fraction) -> Conversion:
        bounds = None
        if attribute.range:
            low, high = attribute.range
            bounds = (low.numerator, low.denominator, high.numerator, high.denominator)
        return cls(factor.numerator, factor.denominator, attribute.scale, bounds)

    def apply(self, numerator: int, denominator: int) -> Fraction | None:
        """numerator/denominator (denominator > 0) in canonical units times the scale, or
        None when it lies outside the attribute's possible range."""
        canonical = numerator * self.numerator
        below = denominator * self.denominator  # > 0, so cross-multiplying keeps the order
        if self.range is not None:
            low, low_below, high, high_below = self.range
            if canonical * low_below < low * below or canonical * high_below > high * below:
                return None
        scaled = canonical * self.scale
        if scaled % below == 0:
            return _whole(scaled // below)
        return Fraction(scaled, below)


@dataclass
class Vocabulary:
    attributes: dict[str, Attribute]
    unit_aliases: dict[str, str]
    parents: dict[str, dict[str, tuple[str, ...]]]  # kind -> concept -> parents
    units_file: Path  # pint definitions added to pint's own
    factors_file: Path | None = None  # where found conversion factors are kept between runs
    _registry: Any = field(default=None, repr=False)  # a pint.UnitRegistry over fractions, built when needed
    _synonyms: dict[str, str] = field(default_factory=dict, repr=False)
    _factors: dict[tuple[str, str], Fraction] = field(default_factory=dict, repr=False)
    _conversions: dict[tuple[str, str | None], Conversion] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for attribute in self.attributes.values():
            self._synonyms[attribute.name] = attribute.name
            for synonym in attribute.synonyms:
                self._synonyms[synonym] = attribute.name
        self._factors.update(_read_factors(self.factors_file))

    @property
    def registry(self) -> Any:
        if self._registry is None:
            import pint

            try:  # pint keeps its parsed definitions in trialogic's cache folder: 5-10x faster starts
                registry: Any = pint.UnitRegistry(non_int_type=Fraction, cache_folder=cache_dir("pint"))
            except OSError:
                registry = pint.UnitRegistry(non_int_type=Fraction)
            registry.load_definitions(str(self.units_file))
            self._registry = registry
        return self._registry

    # ----- names -----------------------------------------------------------------

    def attribute(self, name: str) -> Attribute | None:
        canonical = self._synonyms.get(name)
        return self.attributes[canonical] if canonical else None

    def suggest_attribute(self, name: str) -> str | None:
        return closest(name, self._synonyms)

    def concepts(self, kind: str) -> dict[str, tuple[str, ...]]:
        return self.parents.get(kind, {})

    def is_concept(self, kind: str, name: str) -> bool:
        return name in self.concepts(kind)

    def ancestors(self, kind: str, name: str) -> set[str]:
        """`name` and every concept above it (is_a is reflexive and transitive)."""
        seen = {name}
        todo = [name]
        table = self.concepts(kind)
        while todo:
            for parent in table.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    # ----- units -----------------------------------------------------------------

    def _quantity(self, magnitude: Fraction, unit: str, attribute: Attribute | None = None) -> Any:
        """`magnitude` `unit` as a pint quantity; an unknown unit is told the closest known
        spelling, or else spellings `attribute` takes (a few of all, with no attribute)."""
        import pint

        # the micro sign (µ, U+00B5) and the Greek mu (μ, U+03BC) look alike and both are typed
        expression = self.unit_aliases.get(unit.replace("\u03bc", "\u00b5"), unit)
        try:
            return self.registry.Quantity(magnitude, expression)
        except (pint.errors.UndefinedUnitError, pint.errors.DefinitionSyntaxError, ValueError, TypeError) as e:
            hint = closest(unit, self.unit_aliases)
            if hint:
                tail = suggestion(hint)
            elif attribute is not None and attribute.unit is not None:
                tail = f" (spellings for {attribute.name} include {', '.join(self.units_for(attribute))})"
            else:
                tail = f" (known spellings include {', '.join(sorted(self.unit_aliases)[:12])}, …)"
            raise UnitError(f"unknown unit {unit!r}{tail}") from e

    def units_for(self, attribute: Attribute) -> list[str]:
        """The unit spellings the vocabulary knows that convert to the attribute's unit (for a
        message: nothing is kept in the factors' cache)."""
        accepted = []
        for spelling in self.unit_aliases:
            try:
                self._convert(attribute, Fraction(1), spelling)
            except UnitError:
                continue
            accepted.append(spelling)
        return accepted

    def to_canonical(self, attribute: Attribute, magnitude: Fraction, unit: str | None) -> Fraction:
        """Convert exactly into the attribute's canonical unit (not yet scaled).

        >>> vocabulary = load_vocabulary()
        >>> creatinine = vocabulary.attribute("serum_creatinine")
        >>> vocabulary.to_canonical(creatinine, Fraction(3), "mg/dL")
        Fraction(1326, 5)
        """
        if unit is None or attribute.unit is None:
            if unit is not None:
                raise UnitError(f"{attribute.name} has no unit, but {unit!r} was given")
            return magnitude
        return magnitude * self._factor(attribute, unit)

    def conversion(self, attribute: Attribute, unit: str | None) -> Conversion:
        """The `Conversion` of `unit` for `attribute`, made once per run; raises UnitError as
        `to_canonical` does (a refused unit is not kept: it is asked again, and refused again).

        >>> vocabulary = load_vocabulary()
        >>> creatinine = vocabulary.attribute("serum_creatinine")
        >>> vocabulary.conversion(creatinine, "mg/dL").apply(3, 1)  # 265.2 umol/L, scale 10
        Fraction(2652, 1)
        """
        key = (attribute.name, unit)
        found = self._conversions.get(key)
        if found is None:
            factor = self.to_canonical(attribute, Fraction(1), unit)
            found = self._conversions[key] = Conversion.of(attribute, factor)
        return found

    def _factor(self, attribute: Attribute, unit: str) -> Fraction:
        """How many canonical units one `unit` is (every unit here is a plain multiple)."""
        key = (attribute.name, unit)
        if key not in self._factors:
            self._factors[key] = self._convert(attribute, Fraction(1), unit)
            _write_factors(self.factors_file, self._factors)
        return self._factors[key]

    def _convert(self, attribute: Attribute, magnitude: Fraction, unit: str) -> Fraction:
        assert attribute.unit is not None
        source = self._quantity(magnitude, unit, attribute)
        target = self._quantity(Fraction(1), attribute.unit)
        if source.dimensionality == target.dimensionality:
            return Fraction(source.to(target.units).magnitude)
        for from_unit, factor in attribute.conversions:
            bridge = self._quantity(Fraction(1), from_unit)
            if source.dimensionality == bridge.dimensionality:
                return Fraction(source.to(bridge.units).magnitude) * factor
        convertible = [attribute.unit] + [from_unit for from_unit, _ in attribute.conversions]
        raise UnitError(
            f"{unit!r} cannot be converted to {attribute.unit!r} for {attribute.name} "
            f"(use a unit of the same dimension as {' or '.join(repr(u) for u in convertible)})"
        )

    def scaled(self, attribute: Attribute, magnitude: Fraction, unit: str | None) -> Fraction:
        """The value in canonical units times the attribute's scale, exactly."""
        return self.to_canonical(attribute, magnitude, unit) * attribute.scale


@lru_cache(maxsize=4096)
def _whole(value: int) -> Fraction:
    """Fraction(value), made once: most stored values are whole numbers, few distinct, and
    making a Fraction costs more than all the integer arithmetic of a conversion."""
    return Fraction(value)


def closest(name: str, candidates: Any) -> str | None:
    """The candidate most like `name`, letter case aside (a name written in other capitals
    is the likeliest meant), or None when none is close.

    >>> closest("nct03580291", ["NCT01539902", "NCT03580291"]), closest("ALT", ["alt", "ast"])
    ('NCT03580291', 'alt')
    """
    folded: dict[str, str] = {}
    for candidate in candidates:
        folded.setdefault(candidate.casefold(), candidate)
    matches = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[matches[0]] if matches else None


def suggestion(hint: str | None, otherwise: str = "") -> str:
    """The end of an "unknown name" message: `; did you mean 'X'?` for a close name, else
    `; OTHERWISE` (or nothing).

    >>> suggestion("drugs"), suggestion(None, "use id, sex"), suggestion(None)
    ("; did you mean 'drugs'?", '; use id, sex', '')
    """
    if hint:
        return f"; did you mean {hint!r}?"
    return f"; {otherwise}" if otherwise else ""


def _fraction(value: Any) -> Fraction:
    return Fraction(Decimal(str(value)))


def _attribute(name: str, spec: dict[str, Any]) -> Attribute:
    range_ = spec.get("range")
    return Attribute(
        name=name,
        label=spec.get("label", name),
        type=spec["type"],
        unit=spec.get("unit"),
        scale=int(spec.get("scale", 1)),
        range=(_fraction(range_[0]), _fraction(range_[1])) if range_ else None,
        values=tuple(str(v) for v in spec.get("values", ())),
        synonyms=tuple(spec.get("synonyms", ())),
        conversions=tuple((c["from"], _fraction(c["factor"])) for c in spec.get("conversions", ())),
        default_uln=_fraction(spec["default_uln"]) if "default_uln" in spec else None,
        components=tuple(spec.get("components", ())),
        descending=bool(spec.get("descending", False)),
        derived=spec.get("derived"),
    )


def _read_factors(path: Path | None) -> dict[tuple[str, str], Fraction]:
    try:
        rows = json.loads(path.read_text(encoding="utf-8")) if path else []
        return {(str(attribute), str(unit)): Fraction(str(factor)) for attribute, unit, factor in rows}
    except (OSError, ValueError, TypeError, ZeroDivisionError):
        return {}


def _write_factors(path: Path | None, factors: dict[tuple[str, str], Fraction]) -> None:
    if path is None:
        return
    rows = [[attribute, unit, str(factor)] for (attribute, unit), factor in sorted(factors.items())]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(rows), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass


def read_yaml(path: Path) -> Any:
    """A YAML file through libyaml when it is installed (10x faster than pure Python)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 - a safe loader


def load_vocabulary_from(folder: Path) -> Vocabulary:
    files = [folder / "units.txt", folder / "vocabulary.yaml", Path(__file__)]
    digest = hashlib.sha256(b"\0".join(f.read_bytes() for f in files)).hexdigest()
    spec = read_yaml(folder / "vocabulary.yaml")
    concepts = read_yaml(folder / "concepts.yaml")
    return Vocabulary(
        attributes={name: _attribute(name, a) for name, a in spec["attributes"].items()},
        unit_aliases={str(k): str(v) for k, v in spec.get("unit_aliases", {}).items()},
        parents={
            kind: {str(c): tuple(str(p) for p in (ps or ())) for c, ps in table.items()}
            for kind, table in concepts.items()
        },
        units_file=folder / "units.txt",
        factors_file=cache_dir("units") / f"{digest}.json",
    )


@lru_cache(maxsize=1)
def load_vocabulary() -> Vocabulary:
    """The bundled vocabulary, loaded once."""
    return load_vocabulary_from(facts_dir())
