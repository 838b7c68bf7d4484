"""Semantic checks of parsed criteria against the vocabulary. Every problem is reported.

Codes (docs/errors.md): E101 unknown attribute, E102 unit, E103 threshold precision,
E104 category value, E105 operand does not fit the attribute, E106 unknown concept,
E107 undefined name, E108 duplicate criterion id, E109 unknown library, E110 age,
E111 exception status, E112 duplicate definition or trial, E113 window not allowed,
E114 at-least count, E115 recursive definition, E116 threshold outside the possible values,
E117 a trial without criteria, E118 a concept set named like a vocabulary code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from . import ast
from .errors import Diagnostic, source_line
from .vocabulary import Attribute, UnitError, Vocabulary, closest, suggestion

AGE_UNITS = {"years", "year", "months", "month", "weeks", "week", "days", "day"}
EVENT_STATUSES = ("active", "resolved", "ongoing", "stopped")
# the statuses a record entry of each kind can hold (docs/patients.md); point events have none
KIND_STATUSES = {
    "condition": ("active", "resolved"),
    "drug": ("ongoing", "stopped"),
    "hospitalization": ("ongoing", "stopped"),
    "trial_participation": ("ongoing", "stopped"),
}
MAX_THRESHOLD = 200_000  # keeps threshold × denominator inside clingo's 32-bit integers
LIFETIME = {"years": 150, "months": 1800, "weeks": 7830, "days": 54800}  # the longest age or window
MAX_DEFINE_DEPTH = 100  # definitions inside definitions, sets inside sets (E006), as for nesting in the parser
SMALLER_AGE_UNIT = {"years": "months", "months": "weeks or days", "weeks": "days"}
AGE_MESSAGE = "an age is compared with a number of years, months, weeks or days, e.g. age >= 18 years"


def age_message(unit: str | None) -> str:
    """E110 for an age given in `unit`, naming the word to write for a short form (`yrs`)."""
    full = ast.TIME_UNIT_ABBREVIATIONS.get((unit or "").lower())
    return f"{AGE_MESSAGE}; write {full} for {unit}" if full else AGE_MESSAGE


@dataclass
class Scope:
    """The names visible to a trial: library and local concepts and definitions."""

    concepts: dict[str, ast.Concept] = field(default_factory=dict)
    defines: dict[str, ast.Define] = field(default_factory=dict)


def concept_kinds(
    concept: ast.Concept, vocabulary: Vocabulary, scope: Scope, seen: frozenset[str] = frozenset()
) -> set[str]:
    """The event kinds whose hierarchies hold every member of a concept set (a member that
    leads back to a set being expanded, an E115 error, is left out)."""
    seen = seen | {concept.name}
    kinds: set[str] | None = None
    for member in concept.members:
        if member in seen:
            continue
        found = member_kinds(member, vocabulary, scope, seen)
        kinds = found if kinds is None else kinds & found
    return kinds or set()


def member_kinds(member: str, vocabulary: Vocabulary, scope: Scope, seen: frozenset[str] = frozenset()) -> set[str]:
    """The event kinds a member of a concept set belongs to: a vocabulary code's, or those
    every member of a set of that name fits."""
    kinds = {k for k in vocabulary.parents if vocabulary.is_concept(k, member)}
    if member in scope.concepts:
        kinds |= concept_kinds(scope.concepts[member], vocabulary, scope, seen)
    return kinds


def known_member(member: str, vocabulary: Vocabulary, scope: Scope) -> bool:
    """Whether a concept set's member names a set or a vocabulary code of some kind."""
    return member in scope.concepts or any(vocabulary.is_concept(k, member) for k in vocabulary.parents)


Cycle = list[tuple[str, ast.Node]]  # each name on the cycle, with the place that names the next


def cycles(names: Iterable[str], edges: Callable[[str], list[tuple[str, ast.Node]]]) -> list[Cycle]:
    """Every cycle a depth-first walk from `names` finds (once each): a name's edges are the
    names it is defined with, each with the node that names it."""
    state: dict[str, bool] = {}  # True while on the path, False once done
    path: Cycle = []
    found: list[Cycle] = []

    def visit(name: str) -> None:
        state[name] = True
        for target, node in edges(name):
            if state.get(target):
                start = [n for n, _ in path].index(target) if target != name else len(path)
                found.append(path[start:] + [(name, node)])
            elif target not in state:
                path.append((name, node))
                visit(target)
                path.pop()
        state[name] = False

    for name in names:
        if name not in state:
            visit(name)
    return found


def possible_values(attribute: Attribute) -> str:
    assert attribute.range
    low, high = attribute.range
    return " ".join(part for part in (f"{float(low):g} to {float(high):g}", attribute.unit) if part)


def quantity(number: Decimal, unit: str | None) -> str:
    return f"{number} {unit}" if unit else str(number)


def lifetime(unit: str) -> str:
    """The longest age or window, in `unit` (one of LIFETIME's)."""
    return f"{LIFETIME[unit]} {unit}" + ("" if unit == "years" else " (150 years)")


def where(node: ast.Node) -> str:
    return f"{node.pos.file}:{node.pos.line}"


class Checker:
    def __init__(self, vocabulary: Vocabulary, texts: dict[str, str]):
        self.vocabulary = vocabulary
        self.texts = texts
        self.diagnostics: list[Diagnostic] = []
        self.broken_concepts: set[str] = set()  # reported once (E115, E006), not again at every use

    def error(self, node: ast.Node, code: str, message: str) -> None:
        pos = node.pos
        line = source_line(self.texts.get(pos.file, ""), pos.line)
        self.diagnostics.append(Diagnostic(pos.file, pos.line, pos.column, code, message, line))

    def did_you_mean(self, name: str, candidates: object) -> str:
        return suggestion(closest(name, candidates))

    def recursion(self, cycle: Cycle) -> None:
        names = [name for name, _ in cycle]
        chain = f" ({' → '.join(names + names[:1])})" if len(names) > 1 else ""
        self.error(cycle[0][1], "E115", f"{names[0]!r} is defined in terms of itself{chain}")

    # ----- modules ---------------------------------------------------------------

    def duplicate(self, node: ast.Node, first: ast.Node, what: str, libraries: set[str]) -> None:
        """E112 at the second definition in one file; across files, at the one outside a used
        library, naming where the other one is."""
        if node.pos.file == first.pos.file:
            self.error(node, "E112", f"{what} is defined twice")
            return
        if Path(node.pos.file).stem in libraries and Path(first.pos.file).stem not in libraries:
            node, first = first, node
        remedy = "rename one" + (", or define it inside the trial that uses it" if isinstance(node, ast.Define) else "")
        self.error(
            node,
            "E112",
            f"{what} is defined twice (also in {where(first)}); the names a file defines outside a trial are "
            f"shared by every file loaded with it: {remedy}",
        )

    def module_scope(self, modules: list[ast.Module]) -> Scope:
        scope = Scope()
        libraries = {use.name for module in modules for use in module.uses}
        codes: set[str] = set()  # set names that are vocabulary codes
        for module in modules:
            for concept in module.concepts:
                if concept.name in scope.concepts:
                    self.duplicate(concept, scope.concepts[concept.name], f"concept {concept.name!r}", libraries)
                kinds = [k for k in self.vocabulary.parents if self.vocabulary.is_concept(k, concept.name)]
                if kinds:
                    codes.add(concept.name)
                    self.error(
                        concept,
                        "E118",
                        f"{concept.name!r} is already a {' and '.join(kinds)} code in the vocabulary, so a set of "
                        "that name would change what the code means; choose another name for the set",
                    )
                scope.concepts.setdefault(concept.name, concept)
            for define in module.defines:
                if define.name in scope.defines:
                    self.duplicate(define, scope.defines[define.name], repr(define.name), libraries)
                scope.defines.setdefault(define.name, define)
        for concept in scope.concepts.values():
            for member in concept.members:
                if not known_member(member, self.vocabulary, scope):
                    every = [c for table in self.vocabulary.parents.values() for c in table] + list(scope.concepts)
                    self.error(
                        concept,
                        "E106",
                        f"unknown concept {member!r} in {concept.name!r}" + self.did_you_mean(member, every),
                    )

        def members(name: str) -> list[tuple[str, ast.Node]]:  # a set named like a code is E118 already
            concept = scope.concepts[name]
            return [(m, concept) for m in concept.members if m in scope.concepts and m not in codes]

        found = cycles(scope.concepts, members)
        for cycle in found:
            self.recursion(cycle)
            self.broken_concepts.update(name for name, _ in cycle)
        if not found:
            self.broken_concepts |= self.nesting(scope.concepts, members, set(scope.concepts), "holds concept sets")
            self.mixed_kinds(scope)
        return scope

    def mixed_kinds(self, scope: Scope) -> None:
        """E106 where a set is defined whose members share no event kind (a drug and a
        condition): no criterion could use it (reported here, once, not at every use)."""
        for concept in scope.concepts.values():
            if concept.name in self.broken_concepts or concept_kinds(concept, self.vocabulary, scope):
                continue
            if not all(known_member(m, self.vocabulary, scope) for m in concept.members):
                continue  # an unknown member: E106 above
            said = [
                f"{m} ({' or '.join(sorted(member_kinds(m, self.vocabulary, scope))) or 'mixed'})"
                for m in concept.members
            ]
            message = f"concept {concept.name!r} mixes kinds: {', '.join(said)}; a set holds concepts of one kind"
            self.error(concept, "E106", message)
            self.broken_concepts.add(concept.name)

    @staticmethod
    def references(scope: Scope) -> Callable[[str], list[tuple[str, ast.Node]]]:
        def edges(name: str) -> list[tuple[str, ast.Node]]:
            body = scope.defines[name].body
            return [(n.name, n) for n in ast.walk(body) if isinstance(n, ast.Reference) and n.name in scope.defines]

        return edges

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
            self.expr(criterion.expr, scope)
        for define in trial.defines:
            self.expr(define.body, scope)
        local = {define.name for define in trial.defines}
        every = self.references(scope)

        def edges(name: str) -> list[tuple[str, ast.Node]]:  # a file's definition cannot see a trial's
            return every(name) if name in local else [(t, n) for t, n in every(name) if t not in local]

        found = [c for c in cycles([d.name for d in trial.defines], edges) if local & {name for name, _ in c}]
        for cycle in found:  # a cycle in the library alone is reported once, by `definitions`
            start = next(i for i, (name, _) in enumerate(cycle) if name in local)
            self.recursion(cycle[start:] + cycle[:start])
        if not found:
            self.nesting(scope.defines, edges, local, "uses definitions")

    def definitions(self, scope: Scope, modules: list[ast.Module]) -> None:
        for module in modules:
            visible = self.visible(module, modules, scope)
            for define in module.defines:
                self.expr(define.body, visible)
        found = cycles(scope.defines, self.references(scope))
        for cycle in found:
            self.recursion(cycle)
        if not found:
            self.nesting(scope.defines, self.references(scope), set(scope.defines), "uses definitions")

    def nesting(
        self,
        named: Mapping[str, ast.Define | ast.Concept],
        edges: Callable[[str], list[tuple[str, ast.Node]]],
        reported: set[str],
        what: str,
    ) -> set[str]:
        """E006 for a definition or concept set (of those `reported`) that uses others more
        than MAX_DEFINE_DEPTH deep: the compiler, the explanations and the reference
        evaluator follow them one inside another. `edges` gives the names each one uses
        (no cycles among them). Returns the names that go too deep."""
        depth: dict[str, int] = {}
        for name in reported:  # depth first, without recursion
            stack = [name]
            while stack:
                top = stack[-1]
                pending = [t for t, _ in edges(top) if t not in depth]
                if pending:
                    stack.extend(pending)
                    continue
                stack.pop()
                depth[top] = 1 + max((depth[t] for t, _ in edges(top)), default=0)
        for name, levels in depth.items():
            if name in reported and levels > MAX_DEFINE_DEPTH >= max((depth[t] for t, _ in edges(name)), default=0):
                message = (
                    f"{name!r} {what} {levels} deep (at most {MAX_DEFINE_DEPTH}); "
                    "write some of them out instead of naming each step"
                )
                self.error(named[name], "E006", message)
        return {name for name, levels in depth.items() if levels > MAX_DEFINE_DEPTH}

    @staticmethod
    def visible(module: ast.Module, modules: list[ast.Module], scope: Scope) -> Scope:
        """The names a file's definitions and trials may use: its own, and those of the
        libraries it uses (and they use) — never those of another file loaded beside it."""
        libraries = {Path(m.path).stem: m for m in modules}  # `use NAME` reads NAME.tl
        reached, todo = {module.path}, [module]
        while todo:
            for use in todo.pop().uses:
                library = libraries.get(use.name)
                if library is not None and library.path not in reached:
                    reached.add(library.path)
                    todo.append(library)
        return Scope(  # a file's own names even where another file's came first (E112 says so)
            {
                **{n: c for n, c in scope.concepts.items() if c.pos.file in reached},
                **{c.name: c for c in module.concepts},
            },
            {
                **{n: d for n, d in scope.defines.items() if d.pos.file in reached},
                **{d.name: d for d in module.defines},
            },
        )

    # ----- expressions -----------------------------------------------------------

    def expr(self, node: ast.Expr, scope: Scope) -> None:
        method = getattr(self, f"check_{type(node).__name__.lower()}")
        method(node, scope)

    def check_not(self, node: ast.Not, scope: Scope) -> None:
        self.expr(node.operand, scope)

    def check_allof(self, node: ast.AllOf, scope: Scope) -> None:
        for operand in node.operands:
            self.expr(operand, scope)

    check_anyof = check_allof

    def check_atleast(self, node: ast.AtLeast, scope: Scope) -> None:
        if not 1 <= node.count <= len(node.operands):
            self.error(
                node,
                "E114",
                f"at least {node.count} of {len(node.operands)} can never be decided that way; use a count from 1 to {len(node.operands)}",
            )
        for operand in node.operands:
            self.expr(operand, scope)

    def check_conditional(self, node: ast.Conditional, scope: Scope) -> None:
        self.expr(node.condition, scope)
        self.expr(node.consequence, scope)

    def check_manual(self, node: ast.Manual, scope: Scope) -> None:
        pass

    def check_reference(self, node: ast.Reference, scope: Scope) -> None:
        if node.name not in scope.defines:  # (a word of the language is no name: the parser says so, E107)
            hint = (
                self.event_hint(node.name)
                or self.attribute_hint(node.name)
                or self.did_you_mean(node.name, list(scope.defines) + list(self.vocabulary.attributes))
            )
            self.error(
                node,
                "E107",
                f"{node.name!r} is not defined (no `define {node.name} = ...` in this trial or the library){hint}",
            )

    def event_hint(self, name: str) -> str:
        """For a name the vocabulary knows as an event (malar_rash, prednisone), how to write
        it: with its kind; else nothing."""
        kinds = [kind for kind in self.vocabulary.parents if self.vocabulary.is_concept(kind, name)]
        if not kinds:
            return ""
        written = " or ".join(f"`{kind} {name}`" for kind in kinds)
        return f"; {name} is a {' and a '.join(kinds)} in the vocabulary: write {written}"

    def attribute_hint(self, name: str) -> str:
        """For an attribute written alone, as if it were true or false, how to compare it;
        else nothing (a did-you-mean would name the attribute itself)."""
        attribute = self.vocabulary.attribute(name)
        if attribute is None:
            return ""
        if attribute.type == "category":
            example = f"`{name} = {attribute.values[0]}` or `{name} in {{{', '.join(attribute.values[:2])}}}`"
        else:
            unit = "years" if attribute.type == "age" else attribute.unit
            written = " ".join([name, ">", "N/M" if attribute.type == "pair" else "N", *([unit] if unit else [])])
            example = f"`{written}`"
        return f"; {name} is an attribute in the vocabulary: compare it with a value, e.g. {example}"

    def attribute(self, node: ast.Node, name: str, types: tuple[str, ...]) -> Attribute | None:
        attribute = self.vocabulary.attribute(name)
        if attribute is None:
            hint = self.event_hint(name)
            if hint:  # the language compares no doses or amounts of an event
                hint += ", with a window if the sentence gives one (no dose or amount is compared)"
            else:
                hint = self.did_you_mean(name, self.vocabulary.attributes)
            self.error(node, "E101", f"unknown attribute {name!r}{hint}")
            return None
        if attribute.type == "age":
            self.error(node, "E110", AGE_MESSAGE)
            return None
        if attribute.type not in types:
            right = {
                "category": f"compare it with =, != or in {{...}}; it is one of {', '.join(attribute.values)}",
                "numeric": f"compare it with a number, e.g. {name} > 2 {attribute.unit or ''}".rstrip(),
                "pair": f"compare it with two numbers, e.g. {name} > 160/100 {attribute.unit or ''}".rstrip(),
            }[attribute.type]
            message = f"{name} is a {attribute.type} attribute, not a {' or '.join(types)} one: {right}"
            self.error(node, "E105", message)
            return None
        return attribute

    def threshold(self, node: ast.Node, attribute: Attribute, number: Decimal, unit: str | None) -> Fraction | None:
        """The threshold in the attribute's own unit, or None when its unit does not fit (E102)."""
        try:
            scaled = self.vocabulary.scaled(attribute, Fraction(number), unit)
        except UnitError as e:
            self.error(node, "E102", str(e))
            return None
        given = quantity(number, unit)
        per = f" per {attribute.unit}" if attribute.unit else ""
        if scaled.denominator != 1:
            precision = f"{attribute.name}'s precision (scale {attribute.scale}{per})"
            self.error(node, "E103", f"{given} is finer than {precision}; raise the scale in facts/vocabulary.yaml")
        elif abs(scaled) > MAX_THRESHOLD:
            self.error(node, "E103", f"{given} is too large for {attribute.name} at scale {attribute.scale}")
        return scaled / attribute.scale

    def compared(self, node: ast.Node, attribute: Attribute, op: str, number: Decimal, unit: str | None) -> bool:
        """A threshold with its E102/E103 checks, and E116 when it lies outside the possible
        values: then the comparison holds for no result, or for every one. False when the
        unit does not fit."""
        value = self.threshold(node, attribute, number, unit)
        if value is None:
            return False
        if not attribute.range or attribute.range[0] <= value <= attribute.range[1]:
            return True
        given = quantity(number, unit)
        outside = f"{given} lies outside the possible values of {attribute.name} ({possible_values(attribute)})"
        above = value > attribute.range[1]
        if op == "=" or op in ((">", ">=") if above else ("<", "<=")):
            self.error(node, "E116", f"{outside}: no patient can have it")
        else:
            self.error(
                node,
                "E116",
                f"{outside}: every result has {attribute.name} {op} {given}, so the comparison only asks for "
                "a result; compare with a value inside that range",
            )
        return True

    def window(self, name: str, window: ast.Window | None) -> None:
        if window is not None and name in ("age", "sex"):
            self.error(window, "E113", f"{name} has no date: remove the window")
        else:
            self.window_length(window)

    def window_length(self, window: ast.Window | None) -> None:
        if window is not None and window.unit in LIFETIME and window.count > LIFETIME[window.unit]:
            self.error(
                window,
                "E113",
                f"within {window.count} {window.unit} reaches back further than any record; a window is at most "
                + lifetime(window.unit),
            )

    def check_comparison(self, node: ast.Comparison, scope: Scope) -> None:
        operand = node.operand
        if node.attribute == "age":
            self.age(node, operand)
        elif isinstance(operand, ast.Category):
            attribute = self.attribute(node, node.attribute, ("category",))
            if attribute:
                self.category_values(operand, node.attribute, (operand.value,))
            if node.op not in ("=", "!="):
                values = f": {node.attribute} is one of {', '.join(attribute.values)}" if attribute else ""
                self.error(node, "E105", f"categories compare with =, != or in {{...}}, not {node.op}{values}")
        elif isinstance(operand, ast.Pair):
            attribute = self.attribute(node, node.attribute, ("pair",))
            # one unit serves both numbers: a unit that does not fit is reported once
            if attribute and self.compared(operand, attribute, node.op, operand.first, operand.unit):
                self.compared(operand, attribute, node.op, operand.second, operand.unit)
        elif isinstance(operand, ast.Uln):
            if self.attribute(node, node.attribute, ("numeric",)):
                factor = Fraction(operand.factor)
                if factor.denominator not in (1, 2, 5, 10) or factor > 20:
                    self.error(operand, "E103", "a ULN factor is at most 20, with at most one decimal")
        else:
            attribute = self.attribute(node, node.attribute, ("numeric",))
            if attribute:
                self.compared(operand, attribute, node.op, operand.number, operand.unit)
        self.window(node.attribute, node.window)

    def age(self, node: ast.Node, operand: object) -> None:
        if not isinstance(operand, ast.Quantity) or operand.unit not in AGE_UNITS:
            self.error(node, "E110", age_message(operand.unit if isinstance(operand, ast.Quantity) else None))
            return
        unit = operand.unit if operand.unit.endswith("s") else operand.unit + "s"
        if operand.number != operand.number.to_integral_value():
            smaller = SMALLER_AGE_UNIT.get(unit)
            instead = (
                f"write {operand.number} {operand.unit} in {smaller} instead"
                if smaller
                else "write a whole number of days"
            )
            self.error(node, "E110", f"age thresholds are whole numbers; {instead}")
        elif operand.number > LIFETIME[unit]:
            self.error(
                node,
                "E110",
                f"{operand.number} {operand.unit} is older than anyone; an age is at most {lifetime(unit)}",
            )

    def check_between(self, node: ast.Between, scope: Scope) -> None:
        if node.attribute == "age":
            numbers = (node.low, node.high) if node.unit in AGE_UNITS else (node.low,)  # no unit: said once
            for number in numbers:
                self.age(node, ast.Quantity(number, node.unit, pos=node.pos))
        else:
            attribute = self.attribute(node, node.attribute, ("numeric",))
            if attribute:
                self.range(node, attribute)
        if node.low > node.high:
            self.error(node, "E105", f"between {node.low} and {node.high} is empty; write the lower bound first")
        self.window(node.attribute, node.window)

    def range(self, node: ast.Between, attribute: Attribute) -> None:
        """E116 for a range that holds no possible value, or every one."""
        low = self.threshold(node, attribute, node.low, node.unit)
        high = None if low is None else self.threshold(node, attribute, node.high, node.unit)
        if low is None or high is None or low > high or not attribute.range:
            return
        given = f"{node.low} to {quantity(node.high, node.unit)}"
        possible = f"the possible values of {attribute.name} ({possible_values(attribute)})"
        if high < attribute.range[0] or low > attribute.range[1]:
            self.error(node, "E116", f"{given} lies outside {possible}: no patient can have it")
        elif low < attribute.range[0] and high > attribute.range[1]:
            self.error(
                node,
                "E116",
                f"{given} holds all {possible}, so the comparison only asks for a result; narrow the range",
            )

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

    def check_membership(self, node: ast.Membership, scope: Scope) -> None:
        if self.attribute(node, node.attribute, ("category",)):
            self.category_values(node, node.attribute, node.values)
        self.window(node.attribute, node.window)

    def concept(self, node: ast.Node, kind: str, name: str, scope: Scope) -> None:
        if self.vocabulary.is_concept(kind, name) or name in self.broken_concepts:
            return
        if name in scope.concepts:
            kinds = concept_kinds(scope.concepts[name], self.vocabulary, scope)
            if kind not in kinds:
                self.error(
                    node,
                    "E106",
                    f"concept {name!r} is a set of {' or '.join(sorted(kinds))} concepts, not of {kind} concepts",
                )
            return
        candidates = list(self.vocabulary.concepts(kind)) + list(scope.concepts)
        self.error(node, "E106", f"unknown {kind} concept {name!r}" + self.did_you_mean(name, candidates))

    def exceptions(self, kind: str, exceptions: tuple[ast.Exception_, ...], scope: Scope, planned: bool) -> None:
        entry = f"a planned {kind}" if planned else f"a {kind}"
        allowed = () if planned else KIND_STATUSES.get(kind, ())
        for exception in exceptions:
            self.concept(exception, kind, exception.concept, scope)
            status = exception.status
            if status is None or status in allowed:
                continue
            if status not in EVENT_STATUSES:
                self.error(exception, "E111", f"status {status!r} is not one of {', '.join(EVENT_STATUSES)}")
            elif allowed:
                self.error(
                    exception,
                    "E111",
                    f"{entry} is {' or '.join(allowed)}, never {status!r}: write "
                    + " or ".join(f"{exception.concept}[{s}]" for s in allowed),
                )
            else:
                self.error(
                    exception,
                    "E111",
                    f"{entry} has no status: write {exception.concept} without [{status}] (it removes every entry)",
                )

    def check_event(self, node: ast.Event, scope: Scope) -> None:
        kind = "drug" if node.kind == "dose_change" else node.kind
        self.concept(node, kind, node.concept, scope)
        self.exceptions(kind, node.exceptions, scope, planned=False)
        if node.kind == "dose_change" and node.exceptions:
            self.error(node, "E105", "dose_change takes no exceptions; name a narrower drug concept")
        self.window_length(node.window)

    def check_planned(self, node: ast.Planned, scope: Scope) -> None:
        if node.kind == "dose_change":
            self.error(node, "E105", "planned events are drug, condition, procedure, vaccine, ... not dose_change")
            return
        self.concept(node, node.kind, node.concept, scope)
        self.exceptions(node.kind, node.exceptions, scope, planned=True)
