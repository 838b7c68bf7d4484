"""Checked syntax trees → ASP facts describing each trial's criteria as a tree of nodes.

The facts are read by the hand-written rules in `rules/` (see the banner of each `.lp`
file for the predicates). One `<kind>_asp` method per node kind; an unknown node is an
error, never a silent skip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache

import clingo

from . import ast
from .check import Scope, concept_kinds
from .vocabulary import Vocabulary

OPS = {">": "gt", ">=": "ge", "<": "lt", "<=": "le", "=": "eq", "!=": "ne"}
ANY_COMPONENT_OPS = ("gt", "ge", "ne")  # a pair exceeds a limit when either component does
AGE_UNITS = {"year": "years", "month": "months", "week": "weeks", "day": "days"}


@lru_cache(maxsize=65536)
def quote(text: str) -> str:
    """An ASP string term, escaped by clingo itself. The same few names (trial ids in
    every node, codes, attributes) are quoted over and over, and each clingo round trip
    costs microseconds: compiling 1,000 trials quoted 104,000 times."""
    return str(clingo.String(text))


def window_term(window: ast.Window | None) -> str:
    if window is None:
        return "none"
    if window.unit == "active":
        return "active"
    return f"win({window.count},{window.unit})"


@dataclass(frozen=True)
class Span:
    """The ASP nodes one syntax node compiled to: its root, and the numbers first..last it created."""

    root: int
    first: int
    last: int


@dataclass
class CompiledTrial:
    id: str
    title: str
    program: str
    windows: set[tuple[int, str]] = field(default_factory=set)
    ages: set[tuple[int, str]] = field(default_factory=set)  # every age threshold, through definitions too
    # every number a value is compared with, through definitions too, as (attribute or a
    # pair's component, the number at the attribute's scale): a threshold, or a multiple of
    # the vocabulary's usual ULN where it has one (which a computed value is judged against)
    thresholds: set[tuple[str, Fraction]] = field(default_factory=set)
    # the attributes of the results the trial reads (None: any, for a value derived from others)
    results_read: frozenset[str] | None = None
    # `windows` split by what they are on: results and events
    result_windows: frozenset[tuple[int, str]] = frozenset()
    event_windows: frozenset[tuple[int, str]] = frozenset()
    # (criterion id, id() of a syntax node) -> the nodes it compiled to in that criterion
    spans: dict[tuple[str, int], Span] = field(default_factory=dict)


class TrialCompiler:
    def __init__(self, trial: ast.Trial, names: ast.Names, vocabulary: Vocabulary):
        self.trial = trial
        self.names = names  # what a name means where the compiler is: changes inside a file's definition
        self.vocabulary = vocabulary
        self.lines: list[str] = []
        self.counter = 0
        # a definition is compiled once per trial, or once per criterion when it holds a
        # `manual` (an assessment settles one criterion); with the spans it made
        self.define_roots: dict[tuple[int, str], tuple[str, list[tuple[int, Span]]]] = {}
        self.windows: set[tuple[int, str]] = set()
        self.ages: set[tuple[int, str]] = set()
        self.thresholds: set[tuple[str, Fraction]] = set()
        self.results_read: set[str] | None = set()
        self.result_windows: set[tuple[int, str]] = set()  # the windows on results
        self.event_windows: set[tuple[int, str]] = set()  # the windows on events
        self.criterion_id = ""
        self.spans: dict[tuple[str, int], Span] = {}
        self.made: list[tuple[int, Span]] = []  # every span made, in order
        self.numbers: dict[str, int] = {}

    def fact(self, text: str) -> None:
        self.lines.append(text + ".")

    def new_node(self) -> str:
        self.counter += 1
        term = f"n({quote(self.trial.id)},{self.counter})"
        self.numbers[term] = self.counter
        return term

    def use_window(self, window: ast.Window | None, on_results: bool = True) -> str:
        if window is not None and window.unit != "active":
            self.windows.add((window.count, window.unit))
            (self.result_windows if on_results else self.event_windows).add((window.count, window.unit))
        return window_term(window)

    def compile(self) -> CompiledTrial:
        trial_id = quote(self.trial.id)
        self.lines.append(f"% {self.trial.id}: {self.trial.title}")
        self.fact(f"trial({trial_id})")
        for criterion in self.trial.criteria:
            self.criterion_id = criterion.id
            self.lines.append(f"% {criterion.kind} {criterion.id}: {criterion.text}")
            root = self.expr(criterion.expr)
            self.fact(f"criterion({trial_id},{quote(criterion.id)},{criterion.kind},{root})")
        program = "\n".join(self.lines) + "\n"
        read = None if self.results_read is None else frozenset(self.results_read)
        return CompiledTrial(
            self.trial.id,
            self.trial.title,
            program,
            self.windows,
            self.ages,
            self.thresholds,
            spans=self.spans,
            results_read=read,
            result_windows=frozenset(self.result_windows),
            event_windows=frozenset(self.event_windows),
        )

    # ----- boolean structure -----------------------------------------------------

    def expr(self, node: ast.Expr) -> str:
        method = getattr(self, f"{type(node).__name__.lower()}_asp", None)
        if method is None:
            raise TypeError(f"the compiler has no rule for {type(node).__name__}")
        first = self.counter + 1
        result: str = method(node)
        self.span(id(node), Span(self.numbers[result], first, self.counter))
        return result

    def span(self, node: int, span: Span) -> None:
        self.spans[(self.criterion_id, node)] = span
        self.made.append((node, span))

    def combine(self, connective: str, children: list[str], extra: str = "") -> str:
        node = self.new_node()
        self.fact(f"{connective}({node}{extra})")
        self.fact(f"arity({node},{len(children)})")
        for position, child in enumerate(children, 1):
            self.fact(f"child({node},{position},{child})")
        return node

    def not_asp(self, node: ast.Not) -> str:
        return self.combine("neg", [self.expr(node.operand)])

    def allof_asp(self, node: ast.AllOf) -> str:
        return self.combine("all", [self.expr(o) for o in node.operands])

    def anyof_asp(self, node: ast.AnyOf) -> str:
        return self.combine("any", [self.expr(o) for o in node.operands])

    def atleast_asp(self, node: ast.AtLeast) -> str:
        return self.combine("atleast", [self.expr(o) for o in node.operands], f",{node.count}")

    def conditional_asp(self, node: ast.Conditional) -> str:
        condition = self.combine("neg", [self.expr(node.condition)])
        return self.combine("any", [condition, self.expr(node.consequence)])

    def reference_asp(self, node: ast.Reference) -> str:
        meaning = self.names.meaning(node)
        if meaning is None:
            raise TypeError(f"{node.name!r} is not defined (the checker runs before the compiler)")
        define, inner = meaning
        owner = self.criterion_id if ast.holds_manual(node, self.names) else ""
        key = (id(define), owner)
        if key not in self.define_roots:
            self.lines.append(f"% define {node.name}" + (f" (for {owner})" if owner else ""))
            first = len(self.made)
            outer, self.names = self.names, inner
            try:
                root = self.expr(define.body)
            finally:
                self.names = outer
            # each syntax node once (a definition used twice in this body made its spans twice)
            self.define_roots[key] = (root, list(dict(self.made[first:]).items()))
        else:  # compiled before: this criterion reads the same nodes, and so does a
            # definition being compiled around this use (its list must hold them, even where
            # this criterion has them already, from a use of the definition of its own)
            root, spans = self.define_roots[key]
            for made, span in spans:
                self.spans.setdefault((self.criterion_id, made), span)
                self.made.append((made, span))
        return root

    def manual_asp(self, node: ast.Manual) -> str:
        result = self.new_node()
        self.fact(f"manual({result},{quote(self.trial.id)},{quote(self.criterion_id)})")
        return result

    # ----- measurements ----------------------------------------------------------

    def canonical(self, name: str) -> str:
        """The attribute's own name (not a synonym's), noted among the results read."""
        attribute = self.vocabulary.attribute(name)
        assert attribute is not None, name
        if attribute.derived is not None:
            self.results_read = None
        elif self.results_read is not None:
            components = [f"{attribute.name}.{c}" for c in attribute.components]
            self.results_read.update(components or [attribute.name])
        return attribute.name

    def threshold(self, name: str, number: object, unit: str | None) -> int:
        attribute = self.vocabulary.attribute(name)
        assert attribute is not None
        scaled = self.vocabulary.scaled(attribute, Fraction(str(number)), unit)
        assert scaled.denominator == 1, "checked: thresholds are whole at the attribute's scale"
        return int(scaled)

    def numeric(self, attribute: str, op: str, threshold: int, window: ast.Window | None) -> str:
        node = self.new_node()
        self.thresholds.add((attribute, Fraction(threshold)))
        self.fact(f"cmp({node},{quote(attribute)},{op},{threshold},{self.use_window(window)})")
        return node

    def age(self, op: str, number: object, unit: str | None) -> str:
        node = self.new_node()
        unit_name = AGE_UNITS.get(str(unit), str(unit))
        self.ages.add((int(str(number)), unit_name))
        self.fact(f"age_cmp({node},{unit_name},{op},{int(str(number))})")
        return node

    def comparison_asp(self, node: ast.Comparison) -> str:
        op = OPS[node.op]
        operand = node.operand
        if node.attribute == "age":
            assert isinstance(operand, ast.Quantity)
            return self.age(op, operand.number, operand.unit)
        name = self.canonical(node.attribute)
        if isinstance(operand, ast.Quantity):
            return self.numeric(name, op, self.threshold(name, operand.number, operand.unit), node.window)
        if isinstance(operand, ast.Uln):
            factor = Fraction(str(operand.factor))
            usual = self.vocabulary.attributes[name].scaled_default_uln
            if usual is not None:
                self.thresholds.add((name, factor * usual))
            result = self.new_node()
            window = self.use_window(node.window)
            self.fact(f"uln_cmp({result},{quote(name)},{op},{factor.numerator},{factor.denominator},{window})")
            return result
        if isinstance(operand, ast.Pair):
            attribute = self.vocabulary.attributes[name]
            first, second = attribute.components
            parts = [
                self.numeric(f"{name}.{first}", op, self.threshold(name, operand.first, operand.unit), node.window),
                self.numeric(f"{name}.{second}", op, self.threshold(name, operand.second, operand.unit), node.window),
            ]
            return self.combine("any" if op in ANY_COMPONENT_OPS else "all", parts)
        if isinstance(operand, ast.Category):
            member = self.categories(name, (operand.value,), node.window)
            return self.combine("neg", [member]) if op == "ne" else member
        raise TypeError(f"the compiler has no rule for the operand {type(operand).__name__}")

    def between_asp(self, node: ast.Between) -> str:
        if node.attribute == "age":
            return self.combine("all", [self.age("ge", node.low, node.unit), self.age("le", node.high, node.unit)])
        name = self.canonical(node.attribute)
        low = self.numeric(name, "ge", self.threshold(name, node.low, node.unit), node.window)
        high = self.numeric(name, "le", self.threshold(name, node.high, node.unit), node.window)
        return self.combine("all", [low, high])

    def categories(self, name: str, values: tuple[str, ...], window: ast.Window | None) -> str:
        node = self.new_node()
        self.fact(f"cat_in({node},{quote(name)},{self.use_window(window)})")
        for value in values:
            self.fact(f"cat_value({node},{quote(value)})")
        return node

    def membership_asp(self, node: ast.Membership) -> str:
        return self.categories(self.canonical(node.attribute), node.values, node.window)

    # ----- events ----------------------------------------------------------------

    def exceptions(self, node: str, exceptions: tuple[ast.Exception_, ...]) -> None:
        for exception in exceptions:
            status = exception.status or "any"
            self.fact(f"except({node},{quote(exception.concept)},{status})")

    def event_asp(self, node: ast.Event) -> str:
        result = self.new_node()
        window = self.use_window(node.window, on_results=False)
        if node.kind == "dose_change":
            self.fact(f"dose_ev({result},{quote(node.concept)},{window})")
        else:
            self.fact(f"ev({result},{node.kind},{quote(node.concept)},{window})")
        self.exceptions(result, node.exceptions)
        return result

    def planned_asp(self, node: ast.Planned) -> str:
        result = self.new_node()
        self.fact(f"planned_ev({result},{node.kind},{quote(node.concept)})")
        self.exceptions(result, node.exceptions)
        return result


def concept_facts(scope: Scope, vocabulary: Vocabulary) -> str:
    """Library and trial concept sets: each member lies below the set (is_a), and the set is
    marked as nothing but the union of its members (concept_set)."""
    lines = []
    for concept in sorted(scope.concepts.values(), key=lambda c: c.name):
        for kind in sorted(concept_kinds(concept, vocabulary, scope)):
            lines.append(f"concept_set({kind},{quote(concept.name)}).")
            for member in concept.members:
                lines.append(f"is_a({kind},{quote(member)},{quote(concept.name)}).")
    return "\n".join(lines) + ("\n" if lines else "")


def compile_trial(trial: ast.Trial, scope: Scope, vocabulary: Vocabulary) -> CompiledTrial:
    """Compile one checked trial.

    >>> from trialogic.parser import parse
    >>> from trialogic.vocabulary import load_vocabulary
    >>> module = parse('trial NCT00000001 "demo" { include adult "Adults": age >= 18 years }')
    >>> print(compile_trial(module.trials[0], Scope(), load_vocabulary()).program.splitlines()[-1])
    criterion("NCT00000001","adult",inclusion,n("NCT00000001",1)).
    """
    names = ast.Names(scope.defines, {d.name: d for d in trial.defines})
    return TrialCompiler(trial, names, vocabulary).compile()
