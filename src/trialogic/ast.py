"""The criteria language's syntax tree: frozen dataclasses, each with its source position.

Class names follow the grammar's rule names (`grammar/criteria.lark`). No Lark tree
travels past the parser.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Pos:
    """Where a node starts in its source file (1-based line and column)."""

    file: str
    line: int
    column: int


NOWHERE = Pos("<none>", 0, 0)
# the short forms sentences use for the time units the language spells out (for hints)
TIME_UNIT_ABBREVIATIONS = {
    "y": "years", "yr": "years", "yrs": "years", "yo": "years", "mo": "months", "mos": "months",
    "mth": "months", "mths": "months", "w": "weeks", "wk": "weeks", "wks": "weeks", "d": "days",
}  # fmt: skip


@dataclass(frozen=True)
class Node:
    pos: Pos = field(compare=False, repr=False, kw_only=True, default=NOWHERE)


# ----- expressions ---------------------------------------------------------------


@dataclass(frozen=True)
class Window(Node):
    """`within COUNT UNIT` (UNIT in days, weeks, months, years), or `active` (count 0, unit "active")."""

    count: int
    unit: str  # "days" | "weeks" | "months" | "years" | "active"


@dataclass(frozen=True)
class Quantity(Node):
    number: Decimal
    unit: str | None


@dataclass(frozen=True)
class Uln(Node):
    """`FACTOR x ULN`: a multiple of the result's upper limit of normal."""

    factor: Decimal


@dataclass(frozen=True)
class Pair(Node):
    """A two-component value such as `160/100 mmHg`."""

    first: Decimal
    second: Decimal
    unit: str | None


@dataclass(frozen=True)
class Category(Node):
    value: str


Operand = Quantity | Uln | Pair | Category


@dataclass(frozen=True)
class Comparison(Node):
    attribute: str
    op: str  # ">", ">=", "<", "<=", "=", "!="
    operand: Operand
    window: Window | None = None


@dataclass(frozen=True)
class Between(Node):
    """`ATTR between LOW and HIGH [UNIT]`, both ends included."""

    attribute: str
    low: Decimal
    high: Decimal
    unit: str | None
    window: Window | None = None


@dataclass(frozen=True)
class Membership(Node):
    attribute: str
    values: tuple[str, ...]
    window: Window | None = None


@dataclass(frozen=True)
class Exception_(Node):
    """One `except` item: a concept, optionally only in a given status (`[resolved]`)."""

    concept: str
    status: str | None = None


@dataclass(frozen=True)
class Event(Node):
    """`KIND CONCEPT [except ...] [within N UNIT | active]`; no window means ever."""

    kind: str
    concept: str
    exceptions: tuple[Exception_, ...] = ()
    window: Window | None = None


@dataclass(frozen=True)
class Planned(Node):
    kind: str
    concept: str
    exceptions: tuple[Exception_, ...] = ()


@dataclass(frozen=True)
class Manual(Node):
    pass


@dataclass(frozen=True)
class Reference(Node):
    """A use of a `define`d name."""

    name: str


@dataclass(frozen=True)
class Not(Node):
    operand: Expr


@dataclass(frozen=True)
class AllOf(Node):
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class AnyOf(Node):
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class AtLeast(Node):
    count: int
    operands: tuple[Expr, ...]


@dataclass(frozen=True)
class Conditional(Node):
    """`if CONDITION then CONSEQUENCE`: holds when the condition fails or the consequence holds."""

    condition: Expr
    consequence: Expr


Expr = (
    Comparison
    | Between
    | Membership
    | Event
    | Planned
    | Manual
    | Reference
    | Not
    | AllOf
    | AnyOf
    | AtLeast
    | Conditional
)


# ----- statements ----------------------------------------------------------------


@dataclass(frozen=True)
class Use(Node):
    name: str


@dataclass(frozen=True)
class Concept(Node):
    """`concept NAME "description" = {member, ...}`: a named set of vocabulary concepts."""

    name: str
    description: str | None
    members: tuple[str, ...]


@dataclass(frozen=True)
class Define(Node):
    name: str
    description: str | None
    body: Expr


@dataclass(frozen=True)
class Note(Node):
    text: str


@dataclass(frozen=True)
class Criterion(Node):
    kind: str  # "inclusion" | "exclusion"
    id: str
    text: str
    expr: Expr


@dataclass(frozen=True)
class Trial(Node):
    id: str
    title: str
    criteria: tuple[Criterion, ...]
    defines: tuple[Define, ...] = ()
    notes: tuple[Note, ...] = ()
    end_line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Module(Node):
    """One parsed source file."""

    path: str
    uses: tuple[Use, ...] = ()
    concepts: tuple[Concept, ...] = ()
    defines: tuple[Define, ...] = ()
    trials: tuple[Trial, ...] = ()


def walk(expr: Expr) -> Iterator[Expr]:
    """Every node of an expression, depth first."""
    yield expr
    if isinstance(expr, Not):
        yield from walk(expr.operand)
    elif isinstance(expr, (AllOf, AnyOf, AtLeast)):
        for operand in expr.operands:
            yield from walk(operand)
    elif isinstance(expr, Conditional):
        yield from walk(expr.condition)
        yield from walk(expr.consequence)


@dataclass(frozen=True, eq=False)
class Names:
    """What a defined name means where it is written (lexical scope). In a trial's own text
    (its criteria and its own definitions) the trial's definitions come first, then the
    files'; inside a file's definition only the files' count, so a trial's `define` never
    changes what a library definition means.

    >>> files = {"adult": Define("adult", None, Manual()), "grown": Define("grown", None, Reference("adult"))}
    >>> names = Names(files, {"adult": Define("adult", None, Not(Manual()))})
    >>> define, inner = names.meaning(Reference("grown"))
    >>> inner.meaning(Reference("adult"))[0] is files["adult"]
    True
    """

    files: Mapping[str, Define]
    own: Mapping[str, Define] = field(default_factory=dict)

    def meaning(self, node: Reference) -> tuple[Define, Names] | None:
        """The definition a reference names and the names its body sees; None for a name
        defined nowhere (an error the checker reports)."""
        if node.name in self.own:
            return self.own[node.name], self
        if node.name in self.files:
            return self.files[node.name], Names(self.files)
        return None


def holds_manual(expr: Expr, names: Names) -> bool:
    """Whether an assessment can settle part of the expression: it holds a `manual`,
    directly or through the definitions it uses."""
    return bool(manual_senses(expr, names))


def manual_senses(expr: Expr, names: Names, positive: bool = True) -> set[bool]:
    """The senses in which the expression's `manual` leaves count: True where an assessment
    of "met" makes the expression more true, False where it makes it less true (under a
    `not`, or in an `if` condition). Each definition is looked into once per sense, so a
    definition used many times costs once.

    >>> sorted(manual_senses(Not(Manual()), Names({})))
    [False]
    """
    seen: dict[tuple[int, bool], set[bool]] = {}

    def senses(node: Expr, sense: bool, names: Names) -> set[bool]:
        if isinstance(node, Manual):
            return {sense}
        if isinstance(node, Not):
            return senses(node.operand, not sense, names)
        if isinstance(node, Conditional):
            return senses(node.condition, not sense, names) | senses(node.consequence, sense, names)
        if isinstance(node, (AllOf, AnyOf, AtLeast)):
            return {found for operand in node.operands for found in senses(operand, sense, names)}
        meaning = names.meaning(node) if isinstance(node, Reference) else None
        if meaning is not None:
            define, inner = meaning
            key = (id(define), sense)
            if key not in seen:
                seen[key] = set()  # a cycle (E115, reported by the checker) adds nothing
                seen[key] = senses(define.body, sense, inner)
            return seen[key]
        return set()

    return senses(expr, positive, names)
