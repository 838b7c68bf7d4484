"""`trialogic fmt`: one canonical layout for criteria files, comments kept.

Statements keep their order; each comment on a line of its own stays above the statement
that follows it, and a comment after code on its line goes above the statement it ends.
Long `and` / `or` chains and `at least` lists are broken one operand per line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import ast
from .format import ends_with_exceptions, in_chain, quoted, source
from .parser import parse

_TOKEN_OR_COMMENT = re.compile(r'"(?:[^"\\\n]|\\.)*"|#[^\n]*')
WIDTH = 100


@dataclass(frozen=True)
class Comment:
    line: int
    text: str
    trailing: bool = False  # after code on its line


def comments(text: str) -> list[Comment]:
    """Every `#` comment, skipping `#` inside quoted strings."""
    found = []
    for match in _TOKEN_OR_COMMENT.finditer(text):
        if match.group().startswith("#"):
            start = text.rfind("\n", 0, match.start()) + 1
            trailing = bool(text[start : match.start()].strip())
            found.append(Comment(text.count("\n", 0, match.start()) + 1, match.group().rstrip(), trailing))
    return found


class _Comments:
    """Hands out comments in line order, each once."""

    def __init__(self, items: list[Comment]):
        self.items = items

    def before(self, line: int, indent: str) -> list[str]:
        """Comments above `line`; blank lines kept between separate groups and after a detached one."""
        taken = [c for c in self.items if c.line < line]
        self.items = [c for c in self.items if c.line >= line]
        lines: list[str] = []
        for previous, comment in zip([None, *taken], taken, strict=False):
            if previous is not None and comment.line - previous.line > 1:
                lines.append("")
            lines.append(indent + comment.text)
        if taken and line - taken[-1].line > 1 and line < 10**9:
            lines.append("")
        return lines

    def trailing(self, first: int, end: int, indent: str) -> list[str]:
        """Comments after code on the lines first..end-1 of one statement, to go above it."""
        taken = [c for c in self.items if c.trailing and first <= c.line < end]
        self.items = [c for c in self.items if c not in taken]
        return [indent + c.text for c in taken]

    def rest(self, indent: str) -> list[str]:
        return self.before(10**9, indent)


def expression(expr: ast.Expr, indent: str) -> str:
    """The canonical source, broken over lines when it does not fit."""
    text = source(expr)
    if len(indent) + len(text) <= WIDTH:
        return text
    inner = indent + "  "
    if isinstance(expr, (ast.AnyOf, ast.AllOf)):
        word = "or" if isinstance(expr, ast.AnyOf) else "and"
        return f"\n{inner}{word} ".join(in_chain(operand) for operand in expr.operands)
    if isinstance(expr, ast.AtLeast):
        items = ",\n".join(f"{inner}{_list_item(o, inner)}" for o in expr.operands)
        return f"at least {expr.count} of [\n{items},\n{indent}]"
    return text


def _list_item(item: ast.Expr, indent: str) -> str:
    """An `at least` item: in parentheses when it ends with an `except` list (see `in_list`)."""
    if ends_with_exceptions(item):
        return f"({expression(item, indent + ' ')})"
    return expression(item, indent)


def _described(keyword: str, name: str, description: str | None) -> str:
    return f"{keyword} {name}" + (f" {quoted(description)}" if description is not None else "")


def format_source(text: str, path: str = "<input>") -> str:
    """Reformat a criteria file; raises `TrialogicError` if it does not parse.

    >>> print(format_source('trial NCT00000001 "t" {include a "x":age>=18 years # adults\\n}'), end="")
    trial NCT00000001 "t" {
      # adults
      include a "x":
        age >= 18 years
    }
    """
    text = text.removeprefix("\ufeff")  # a byte order mark is dropped
    module = parse(text, path)
    pending = _Comments(comments(text))
    statements: list[ast.Node] = [*module.uses, *module.concepts, *module.defines, *module.trials]
    statements.sort(key=lambda s: s.pos.line)
    blocks: list[list[str]] = []
    for statement, following in zip(statements, [*statements[1:], None], strict=False):
        lines = pending.before(statement.pos.line, "")
        if not isinstance(statement, ast.Trial):  # a trial's own lines are its items'
            lines.extend(pending.trailing(statement.pos.line, _line(following), ""))
        if isinstance(statement, ast.Use):
            lines.append(f"use {statement.name}")
        elif isinstance(statement, ast.Concept):
            members = ", ".join(statement.members)
            head = _described("concept", statement.name, statement.description)
            if len(head) + len(members) + 6 <= WIDTH:
                lines.append(f"{head} = {{{members}}}")
            else:
                lines.append(f"{head} = {{")
                lines.extend(f"  {m}," for m in statement.members)
                lines.append("}")
        elif isinstance(statement, ast.Define):
            lines.append(_described("define", statement.name, statement.description) + " =")
            lines.append("  " + expression(statement.body, "  "))
        elif isinstance(statement, ast.Trial):
            lines.extend(_trial(statement, pending))
        blocks.append(lines)
    # consecutive `use` lines stay together
    merged: list[list[str]] = []
    for block, statement in zip(blocks, statements, strict=True):
        if merged and isinstance(statement, ast.Use) and merged[-1][-1].startswith("use "):
            merged[-1].extend(block)
        else:
            merged.append(block)
    tail = pending.rest("")
    if tail:
        merged.append(tail)
    if not merged:
        return ""  # nothing but blank lines
    return "\n\n".join("\n".join(block) for block in merged) + "\n"


def _line(statement: ast.Node | None) -> int:
    return statement.pos.line if statement is not None else 10**9


def _trial(trial: ast.Trial, pending: _Comments) -> list[str]:
    lines = [f"trial {trial.id} {quoted(trial.title)} {{"]
    items: list[ast.Node] = sorted([*trial.notes, *trial.defines, *trial.criteria], key=lambda n: n.pos.line)
    previous: type | None = None
    ends = [*(i.pos.line for i in items[1:]), trial.end_line or 10**9][: len(items)]  # none for a trial with no items
    for item, end in zip(items, ends, strict=True):
        if previous is not None and (previous is not ast.Note or not isinstance(item, ast.Note)):
            lines.append("")
        lines.extend(pending.before(item.pos.line, "  "))
        lines.extend(pending.trailing(item.pos.line, end, "  "))
        if isinstance(item, ast.Note):
            lines.append(f"  note {quoted(item.text)}")
        elif isinstance(item, ast.Define):
            lines.append("  " + _described("define", item.name, item.description) + " =")
            lines.append("    " + expression(item.body, "    "))
        elif isinstance(item, ast.Criterion):
            keyword = "include" if item.kind == "inclusion" else "exclude"
            lines.append(f"  {keyword} {item.id} {quoted(item.text)}:")
            lines.append("    " + expression(item.expr, "    "))
        previous = type(item)
    lines.extend(pending.before(trial.end_line or 10**9, "  "))  # comments before the closing brace
    lines.append("}")
    return lines
