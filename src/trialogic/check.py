"""Semantic checks of parsed criteria against the vocabulary. Every problem is reported.

Codes (docs/errors.md): E101 unknown attribute, E102 unit, E103 threshold precision,
E104 category value, E105 operand does not fit the attribute, E106 unknown concept,
E107 undefined name, E108 duplicate criterion id, E109 unknown library, E110 age,
E111 exception status, E112 duplicate definition or trial, E113 window not allowed,
E114 at-least count, E115 recursive definition, E116 threshold outside the possible values,
E117 a trial without criteria.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from . import ast
from .errors import Diagnostic
from .vocabulary import UnitError, Vocabulary, closest, suggestion

AGE_UNITS = {"years", "year", "months", "month", "weeks", "week", "days", "day"}
EVENT_STATUSES = ("active", "resolved", "ongoing", "stopped")
MAX_THRESHOLD = 200_000  # keeps threshold × denominator inside clingo's 32-bit integers


@dataclass
class Scope:
    """The names visible to a trial: library and local concepts and definitions."""

    concepts: dict[str, ast.Concept] = field(default_factory=dict)
    defines: dict[str, ast.Define] = field(default_factory=dict)


def concept_kinds(concept: ast.Concept, vocabulary: Vocabulary, scope: Scope) -> set[str]:
    """The event kinds whose hierarchies hold every member of a concept set."""
    kinds: set[str] | None = None
    for member in concept.members:
        member_kinds = {k for k in vocabulary.parents if vocabulary.is_concept(k, member)}
        if member in scope.concepts and member != concept.name:
            member_kinds |= concept_kinds(scope.concepts[member], vocabulary, scope)
        kinds = member_kinds if kinds is None else kinds & member_kinds
    return kinds or set()


class Checker:
    def __init__(self, vocabulary: Vocabulary, texts: dict[str, str]):
        self.vocabulary = vocabulary
        self.texts = texts
        self.diagnostics: list[Diagnostic] = []

    def error(self, node: ast.Node, code: str, message: str) -> None:
        pos = node.pos
        lines = self.texts.get(pos.file, "").splitlines()
        line = lines[pos.line - 1] if 0 < pos.line <= len(lines) else None
        self.diagnostics.append(Diagnostic(pos.file, pos.line, pos.column, code, message, line))

    def did_you_mean(self, name: str, candidates: object) -> str:
        return suggestion(closest(name, candidates))

    # ----- modules ---------------------------------------------------------------

    def module_scope(self, modules: list[ast.Module]) -> Scope:
        scope = Scope()
        for module in modules:
            for concept in module.concepts:
                if concept.name in scope.concepts:
                    self.error(concept, "E112", f"concept {concept.name!r} is defined twice")
                scope.concepts[concept.name] = concept
            for define in module.defines:
                if define.name in scope.defines:
                    self.error(define, "E112", f"{define.name!r} is defined twice")
                scope.defines[define.name] = define
        for concept in scope.concepts.values():
            for member in concept.members:
                known = member in scope.concepts or any(
                    self.vocabulary.is_concept(k, member) for k in self.vocabulary.parents
                )
                if not known:
                    every = [c for table in self.vocabulary.parents.values() for c in table] + list(scope.concepts)
                    self.error(
                        concept,
                        "E106",
                        f"unknown concept {member!r} in {concept.name!r}" + self.did_you_mean(member, every),
                    )
        return scope

    def trial(self, trial: ast.Trial, shared: Scope) -> None:
        scope = Scope(dict(shared.concepts), dict(shared.defines))
        for define in trial.defines:
            if define.name in (d.name for d in trial.defines if d is not define and d.pos.line < define.pos.line):
                self.error(define, "E112", f"{define.name!r} is defined twice in {trial.id}")
            scope.defines[define.name] = define
        if not trial.criteria:
            self.error(
                trial,
                "E117",
                f"trial {trial.id} has no criteria, so every patient would be eligible; write at least one "
                "include or exclude criterion (one the record cannot decide is written 'manual')",
            )
        seen: dict[str, ast.Criterion] = {}
        for criterion in trial.criteria:
            if criterion.id in seen:
                first = seen[criterion.id].pos.line
                self.error(
                    criterion,
                    "E108",
                    f"criterion id {criterion.id!r} is used twice in {trial.id} (first on line {first})",
                )
            seen.setdefault(criterion.id, criterion)
            self.expr(criterion.expr, scope, ())
        for define in trial.defines:
            self.expr(define.body, scope, (define.name,))

    def definitions(self, scope: Scope) -> None:
        for define in scope.defines.values():
            self.expr(define.body, scope, (define.name,))

    # ----- expressions -----------------------------------------------------------

    def expr(self, node: ast.Expr, scope: Scope, expanding: tuple[str, ...]) -> None:
        method = getattr(self, f"check_{type(node).__name__.lower()}")
        method(node, scope, expanding)

    def check_not(self, node: ast.Not, scope: Scope, expanding: tuple[str, ...]) -> None:
        self.expr(node.operand, scope, expanding)

    def check_allof(self, node: ast.AllOf, scope: Scope, expanding: tuple[str, ...]) -> None:
        for operand in node.operands:
            self.expr(operand, scope, expanding)

    check_anyof = check_allof

    def check_atleast(self, node: ast.AtLeast, scope: Scope, expanding: tuple[str, ...]) -> None:
        if not 1 <= node.count <= len(node.operands):
            self.error(
                node,
                "E114",
                f"at least {node.count} of {len(node.operands)} can never be decided that way; use a count from 1 to {len(node.operands)}",
            )
        for operand in node.operands:
            self.expr(operand, scope, expanding)

    def check_conditional(self, node: ast.Conditional, scope: Scope, expanding: tuple[str, ...]) -> None:
        self.expr(node.condition, scope, expanding)
        self.expr(node.consequence, scope, expanding)

    def check_manual(self, node: ast.Manual, scope: Scope, expanding: tuple[str, ...]) -> None:
        pass

    def check_reference(self, node: ast.Reference, scope: Scope, expanding: tuple[str, ...]) -> None:
        if node.name in expanding:
            self.error(node, "E115", f"{node.name!r} is defined in terms of itself")
        elif node.name not in scope.defines:
            hint = self.did_you_mean(node.name, list(scope.defines) + list(self.vocabulary.attributes))
            self.error(
                node,
                "E107",
                f"{node.name!r} is not defined (no `define {node.name} = ...` in this trial or the library){hint}",
            )

    def attribute(self, node: ast.Node, name: str, types: tuple[str, ...]) -> ast.Node | None:
        attribute = self.vocabulary.attribute(name)
        if attribute is None:
            self.error(
                node, "E101", f"unknown attribute {name!r}" + self.did_you_mean(name, self.vocabulary.attributes)
            )
            return None
        if attribute.type not in types:
            self.error(
                node,
                "E105",
                f"{name} is a {attribute.type} attribute; this comparison needs a {' or '.join(types)} one",
            )
            return None
        return node

    def threshold(self, node: ast.Node, name: str, number: Decimal, unit: str | None) -> None:
        attribute = self.vocabulary.attribute(name)
        assert attribute is not None
        try:
            scaled = self.vocabulary.scaled(attribute, Fraction(number), unit)
        except UnitError as e:
            self.error(node, "E102", str(e))
            return
        given = " ".join(str(part) for part in (number, unit) if part)
        per = f" per {attribute.unit}" if attribute.unit else ""
        if scaled.denominator != 1:
            precision = f"{attribute.name}'s precision (scale {attribute.scale}{per})"
            self.error(node, "E103", f"{given} is finer than {precision}; raise the scale in facts/vocabulary.yaml")
        elif abs(scaled) > MAX_THRESHOLD:
            self.error(node, "E103", f"{given} is too large for {attribute.name} at scale {attribute.scale}")
        if attribute.range and not attribute.range[0] <= scaled / attribute.scale <= attribute.range[1]:
            low, high = attribute.range
            possible = " ".join(part for part in (f"{float(low):g} to {float(high):g}", attribute.unit) if part)
            message = (
                f"{given} lies outside the possible values of {attribute.name} ({possible}): no patient can have it"
            )
            self.error(node, "E116", message)

    def window(self, node: ast.Node, name: str, window: ast.Window | None) -> None:
        if window is not None and name in ("age", "sex"):
            self.error(window, "E113", f"{name} has no date: remove the window")

    def check_comparison(self, node: ast.Comparison, scope: Scope, expanding: tuple[str, ...]) -> None:
        operand = node.operand
        if node.attribute == "age":
            self.age(node, operand)
        elif isinstance(operand, ast.Category):
            if self.attribute(node, node.attribute, ("category",)):
                self.category_values(operand, node.attribute, (operand.value,))
            if node.op not in ("=", "!="):
                self.error(node, "E105", f"categories compare with = or != only, not {node.op}")
        elif isinstance(operand, ast.Pair):
            if self.attribute(node, node.attribute, ("pair",)):
                self.threshold(operand, node.attribute, operand.first, operand.unit)
                self.threshold(operand, node.attribute, operand.second, operand.unit)
        elif isinstance(operand, ast.Uln):
            if self.attribute(node, node.attribute, ("numeric",)):
                factor = Fraction(operand.factor)
                if factor.denominator not in (1, 2, 5, 10) or factor > 20:
                    self.error(operand, "E103", "a ULN factor is at most 20, with at most one decimal")
        elif self.attribute(node, node.attribute, ("numeric",)):
            self.threshold(operand, node.attribute, operand.number, operand.unit)
        self.window(node, node.attribute, node.window)

    def age(self, node: ast.Node, operand: object) -> None:
        if not isinstance(operand, ast.Quantity) or operand.unit not in AGE_UNITS:
            self.error(
                node, "E110", "an age is compared with a number of years, months, weeks or days, e.g. age >= 18 years"
            )
        elif operand.number != operand.number.to_integral_value():
            self.error(
                node, "E110", f"age thresholds are whole numbers; write {operand.number} years in months instead"
            )

    def check_between(self, node: ast.Between, scope: Scope, expanding: tuple[str, ...]) -> None:
        if node.attribute == "age":
            for number in (node.low, node.high):
                self.age(node, ast.Quantity(number, node.unit, pos=node.pos))
        elif self.attribute(node, node.attribute, ("numeric",)):
            self.threshold(node, node.attribute, node.low, node.unit)
            self.threshold(node, node.attribute, node.high, node.unit)
        if node.low > node.high:
            self.error(node, "E105", f"between {node.low} and {node.high} is empty; write the lower bound first")
        self.window(node, node.attribute, node.window)

    def category_values(self, node: ast.Node, name: str, values: tuple[str, ...]) -> None:
        attribute = self.vocabulary.attribute(name)
        assert attribute is not None
        for value in values:
            if value not in attribute.values:
                self.error(
                    node,
                    "E104",
                    f"{value!r} is not a value of {attribute.name} (one of {', '.join(attribute.values)})"
                    + self.did_you_mean(value, attribute.values),
                )

    def check_membership(self, node: ast.Membership, scope: Scope, expanding: tuple[str, ...]) -> None:
        if self.attribute(node, node.attribute, ("category",)):
            self.category_values(node, node.attribute, node.values)
        self.window(node, node.attribute, node.window)

    def concept(self, node: ast.Node, kind: str, name: str, scope: Scope) -> None:
        if self.vocabulary.is_concept(kind, name):
            return
        if name in scope.concepts:
            kinds = concept_kinds(scope.concepts[name], self.vocabulary, scope)
            if kind not in kinds:
                self.error(
                    node,
                    "E106",
                    f"concept {name!r} holds no {kind} concepts only (it fits: {', '.join(sorted(kinds)) or 'no kind'})",
                )
            return
        candidates = list(self.vocabulary.concepts(kind)) + list(scope.concepts)
        self.error(node, "E106", f"unknown {kind} concept {name!r}" + self.did_you_mean(name, candidates))

    def exceptions(self, kind: str, exceptions: tuple[ast.Exception_, ...], scope: Scope) -> None:
        for exception in exceptions:
            self.concept(exception, kind, exception.concept, scope)
            if exception.status is not None and exception.status not in EVENT_STATUSES:
                self.error(exception, "E111", f"status {exception.status!r} is not one of {', '.join(EVENT_STATUSES)}")

    def check_event(self, node: ast.Event, scope: Scope, expanding: tuple[str, ...]) -> None:
        kind = "drug" if node.kind == "dose_change" else node.kind
        self.concept(node, kind, node.concept, scope)
        self.exceptions(kind, node.exceptions, scope)
        if node.kind == "dose_change" and node.exceptions:
            self.error(node, "E105", "dose_change takes no exceptions; name a narrower drug concept")

    def check_planned(self, node: ast.Planned, scope: Scope, expanding: tuple[str, ...]) -> None:
        if node.kind == "dose_change":
            self.error(node, "E105", "planned events are drug, condition, procedure, vaccine, ... not dose_change")
            return
        self.concept(node, node.kind, node.concept, scope)
        self.exceptions(node.kind, node.exceptions, scope)
