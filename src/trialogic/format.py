"""Syntax tree → criteria-language source, in one canonical spelling.

`parse(source(expr))` gives back the same tree. One `<node>_source` function per node
kind; parentheses only where precedence needs them, and around an `at least` item that
ends with an `except` list.
"""

from __future__ import annotations

from decimal import Decimal

from . import ast

# Binding strength: a child weaker than its parent's level is parenthesised.
_LEVEL = {ast.Conditional: 0, ast.AnyOf: 1, ast.AllOf: 2, ast.Not: 3}
_ATOM = 4
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
KEYWORDS = {  # the language's words: never a bare name or value
    "and", "or", "not", "if", "then", "in", "between", "within", "active", "except", "at", "least", "of",
    "manual", "planned", "x", "ULN", "include", "exclude", "define", "concept", "use", "trial", "note",
    "drug", "condition", "procedure", "vaccine", "hospitalization", "trial_participation", "consent", "dose_change",
    "days", "day", "weeks", "week", "months", "month", "years", "year",
}  # fmt: skip


def number(value: Decimal) -> str:
    """As written: `3.0 mg/dL` keeps its precision."""
    return format(value, "f")


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def value(text: str) -> str:
    """A category value: bare when it reads as a name (a letter or _ first: "2b" would read
    as the number 2 in unit b), quoted otherwise."""
    plain = text and set(text) <= _NAME_CHARS and not text[0].isdigit() and text not in KEYWORDS
    return text if plain else quoted(text)


def window(w: ast.Window | None) -> str:
    if w is None:
        return ""
    return " active" if w.unit == "active" else f" within {w.count} {w.unit}"


def exceptions(items: tuple[ast.Exception_, ...]) -> str:
    if not items:
        return ""
    return " except " + ", ".join(e.concept + (f"[{e.status}]" if e.status else "") for e in items)


def _level(expr: ast.Expr) -> int:
    return _LEVEL.get(type(expr), _ATOM)


def in_chain(operand: ast.Expr) -> str:
    """An operand as it is written inside an `and` / `or` chain (parenthesised if needed)."""
    return _child(operand, _LEVEL[ast.AllOf])


def in_list(item: ast.Expr) -> str:
    """An item as it is written inside an `at least` list: in parentheses when it ends with
    an event's `except` list, which would otherwise take up the items after it."""
    text = source(item)
    return f"({text})" if ends_with_exceptions(item) else text


def ends_with_exceptions(expr: ast.Expr) -> bool:
    """Whether the source of `expr` may end with an `except` list (parentheses aside)."""
    while True:
        if isinstance(expr, (ast.Event, ast.Planned)):
            return bool(expr.exceptions)
        if isinstance(expr, (ast.AnyOf, ast.AllOf)):
            expr = expr.operands[-1]
        elif isinstance(expr, ast.Not):
            expr = expr.operand
        elif isinstance(expr, ast.Conditional):
            expr = expr.consequence
        else:
            return False


def _child(expr: ast.Expr, parent_level: int) -> str:
    text = source(expr)
    return f"({text})" if _level(expr) <= parent_level and _level(expr) < _ATOM else text


def operand_source(operand: ast.Operand) -> str:
    if isinstance(operand, ast.Quantity):
        return number(operand.number) + (f" {operand.unit}" if operand.unit else "")
    if isinstance(operand, ast.Uln):
        return f"{number(operand.factor)} x ULN"
    if isinstance(operand, ast.Pair):
        return f"{number(operand.first)}/{number(operand.second)}" + (f" {operand.unit}" if operand.unit else "")
    return value(operand.value)


def source(expr: ast.Expr) -> str:
    """The canonical source of an expression.

    >>> from trialogic.parser import parse
    >>> tree = parse('trial NCT00000001 "t" { include a "x": (age>=18 years) and not(sex = male or sex=female) }')
    >>> source(tree.trials[0].criteria[0].expr)
    'age >= 18 years and not (sex = male or sex = female)'
    """
    if isinstance(expr, ast.Comparison):
        return f"{expr.attribute} {expr.op} {operand_source(expr.operand)}{window(expr.window)}"
    if isinstance(expr, ast.Between):
        unit = f" {expr.unit}" if expr.unit else ""
        return f"{expr.attribute} between {number(expr.low)} and {number(expr.high)}{unit}{window(expr.window)}"
    if isinstance(expr, ast.Membership):
        return f"{expr.attribute} in {{{', '.join(value(v) for v in expr.values)}}}{window(expr.window)}"
    if isinstance(expr, ast.Event):
        return f"{expr.kind} {expr.concept}{exceptions(expr.exceptions)}{window(expr.window)}"
    if isinstance(expr, ast.Planned):
        return f"planned {expr.kind} {expr.concept}{exceptions(expr.exceptions)}"
    if isinstance(expr, ast.Manual):
        return "manual"
    if isinstance(expr, ast.Reference):
        return expr.name
    if isinstance(expr, ast.Not):
        return "not " + _child(expr.operand, _LEVEL[ast.Not] - 1)
    if isinstance(expr, ast.AllOf):
        return " and ".join(_child(o, _LEVEL[ast.AllOf]) for o in expr.operands)
    if isinstance(expr, ast.AnyOf):
        # `and` inside `or` is parenthesised for the reader, though precedence would not need it
        return " or ".join(_child(o, _LEVEL[ast.AllOf]) for o in expr.operands)
    if isinstance(expr, ast.AtLeast):
        return f"at least {expr.count} of [{', '.join(in_list(o) for o in expr.operands)}]"
    if isinstance(expr, ast.Conditional):
        return f"if {_child(expr.condition, 0)} then {_child(expr.consequence, 0)}"
    raise TypeError(f"no source form for {type(expr).__name__}")
