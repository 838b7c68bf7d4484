"""Scenario files for `trialogic whatif PATIENT --scenarios FILE`: many what-ifs at once.

A scenario file is YAML: a list of scenarios, each a mapping with exactly two keys,
`name` (any text, unique in the file) and `changes` (a non-empty list). Each change is
written as on the command line, an option and its argument, in the same change grammar
(see `trialogic.whatif`), separated by a space or by `=`:

    - name: creatinine down
      changes:
        - --set serum_creatinine=80umol/L
        - --stop tacrolimus@2026-12-01
    - name: back in March
      changes: [--later 2027-03-01]
    - name: a looser creatinine limit
      changes: ["--relax NCT01539902:creatinine=serum_creatinine > 300 umol/L"]

Besides the change options, a scenario may say `--later DATE` (once): check the changed
patient on that day instead of the reference date. The reference date itself (`--on`)
is one for the whole file and given on the command line. Changes apply in the order
written. Quote a change that holds `, ` or `: ` or starts with a YAML indicator.
Anchors and merge keys are YAML's: `- *x` repeats the scenario `- &x`, and `<<: *x` takes
from it the keys a scenario does not give (see `_fields`); what is used again is placed,
in messages, where it is used.

Every problem in the file is reported at once, each naming the file, the line, the
scenario (its number, from 1, and name) and the change: W002 (not YAML), W003 (not the
shape above), W004 (a change that is not an option and its argument).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import yaml

from .dates import reference_date
from .errors import Diagnostic, TrialogicError
from .patient import MERGE_TAG, Repeat, repeated_message
from .positions import PlacingLoader, anchor_of
from .vocabulary import closest, suggestion
from .whatif import OPTIONS, TRIAL_OPTIONS, USAGE, Change

KEYS = ("name", "changes")
LATER = "--later"
_OPTION = re.compile(r"^\s*(--?[A-Za-z_-]*)(?:=|\s+|$)(.*)$", re.DOTALL)
USAGE_EXAMPLE = "--set serum_creatinine=80umol/L"
SHAPE = "a list of scenarios, each `- name: TEXT` with `changes: [CHANGE, ...]`"
_EXAMPLE = "a list of changes, e.g. [--set serum_creatinine=80umol/L, --stop tacrolimus]"


@dataclass(frozen=True)
class Where:
    """A place in a scenario file, for messages."""

    file: str
    line: int
    column: int
    source_line: str | None
    field: str

    def diagnostic(self, code: str, message: str) -> Diagnostic:
        return Diagnostic(self.file, self.line, self.column, code, message, self.source_line, self.field)


@dataclass(frozen=True)
class Scenario:
    """One named what-if: changes to the patient or the trials, and maybe another date."""

    name: str
    changes: tuple[Change, ...]
    later: dt.date | None = None
    where: Where | None = None  # the scenario's place in its file
    places: tuple[Where, ...] = ()  # one per change, in order
    later_at: Where | None = None  # the place of its --later change

    @property
    def trial_changes(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.option in TRIAL_OPTIONS)


class _Reader:
    """Walks the YAML node tree (nodes keep their line numbers), collecting every problem."""

    def __init__(self, text: str, source: str):
        self.lines = text.splitlines()
        self.source = source
        self.problems: list[Diagnostic] = []
        self.alias: yaml.Node | None = None  # the alias being read through: what is under it is placed at it

    @contextlib.contextmanager
    def under(self, node: yaml.Node) -> Iterator[None]:
        """What is read meanwhile is under `node`: when that is an alias (`- *x`), every problem
        found under it is placed at it, where the file uses it, not where its anchor is."""
        outer = self.alias
        if outer is None and anchor_of(node) is not node:
            self.alias = node
        try:
            yield
        finally:
            self.alias = outer

    def where(self, node: yaml.Node, field: str) -> Where:
        mark = (self.alias or node).start_mark
        line, column = mark.line + 1, mark.column + 1
        source_line = self.lines[line - 1] if 0 < line <= len(self.lines) else None
        return Where(self.source, line, column, source_line, field)

    def problem(self, node: yaml.Node, field: str, code: str, message: str) -> None:
        self.problems.append(self.where(node, field).diagnostic(code, message))

    def scenarios(self, root: yaml.Node | None) -> list[Scenario]:
        if root is None:
            self.problems.append(Diagnostic(self.source, 0, 0, "W003", f"the file holds no scenarios; write {SHAPE}"))
            return []
        if not isinstance(root, yaml.SequenceNode) or not root.value:
            self.problem(root, "", "W003", f"the file must hold {SHAPE}")
            return []
        found: list[Scenario] = []
        first: dict[str, int] = {}
        for number, node in enumerate(root.value, start=1):
            name = _name(node)
            if name in first:  # said even when the scenario has other problems too
                message = f"a second scenario named {name!r} (the first is scenario {first[name]})"
                self.problem(node, f'scenario {number} "{name}"', "W003", message + "; give each its own name")
            elif name:
                first[name] = number
            with self.under(node):
                scenario = self.scenario(number, node)
            if scenario is not None and first.get(name) == number:
                found.append(scenario)
        return found

    def scenario(self, number: int, node: yaml.Node) -> Scenario | None:
        label = f"scenario {number}"
        if not isinstance(node, yaml.MappingNode):
            self.problem(
                node,
                label,
                "W003",
                "a scenario is a mapping with the keys name and changes, e.g. `- name: TEXT` with `changes: [CHANGE, ...]`",
            )
            return None
        first_at: dict[str, yaml.Node] = {}
        for key, _ in node.value:  # a key given twice: one of the two would be lost
            text = _key(key)
            if text in first_at and key.tag != MERGE_TAG:  # merges may override, as YAML says
                repeat = Repeat(label, text, first_at[text].start_mark, key.start_mark)
                self.problem(key, label, "W003", repeated_message(repeat))
            first_at.setdefault(text, key)
        fields, merges = _fields(node)
        name = _name(node)
        if name:
            label = f'{label} "{name}"'
        else:
            named = fields.get("name", Field(node, node, node))  # missing: said at the scenario
            with self.under(named.via):
                self.problem(named.value, label, "W003", "the scenario has no name; give name: TEXT")
        for merge in merges:
            self.problem(merge, label, "W003", "`<<` merges a mapping, such as another scenario (`- &name` on it)")
        for key_text, field in fields.items():
            if key_text not in KEYS:
                tail = suggestion(closest(key_text, KEYS), "a scenario has only name and changes")
                with self.under(field.via):
                    self.problem(field.key, label, "W003", f"unknown key {key_text!r}{tail}")
        place = self.where(node, label)
        changes = fields.get("changes", Field(node, node, node))  # missing: said at the scenario
        with self.under(changes.via), self.under(changes.value):
            if not isinstance(changes.value, yaml.SequenceNode) or not changes.value.value:
                said = "is empty" if isinstance(changes.value, yaml.SequenceNode) else "is missing or not a list"
                self.problem(changes.value, label, "W003", f"changes {said}; give {_EXAMPLE}")
                return None
            scenario = self.changes(name, label, place, changes.value.value)
        return scenario if name else None

    def changes(self, name: str, label: str, where: Where, nodes: list[yaml.Node]) -> Scenario | None:
        changes: list[Change] = []
        places: list[Where] = []
        later: dt.date | None = None
        later_at: Where | None = None
        before = len(self.problems)
        for number, node in enumerate(nodes, start=1):
            if not isinstance(node, yaml.ScalarNode):
                message = f"a change is one line of text, e.g. {USAGE_EXAMPLE}"
                self.problem(node, f"{label}, change {number}", "W003", message)
                continue
            place = self.where(node, f'{label}, change {number} "{node.value.strip()}"')
            parsed = self.change(node.value, place)
            if parsed is None:
                continue
            if parsed.option == LATER:
                if later is not None:
                    self.problems.append(place.diagnostic("W004", "--later is given twice; give one date"))
                later, later_at = self.date(parsed.text, place), place
                continue
            changes.append(parsed)
            places.append(place)
        if len(self.problems) > before:
            return None
        return Scenario(name, tuple(changes), later, where, tuple(places), later_at)

    def change(self, text: str, place: Where) -> Change | None:
        match = _OPTION.match(text)
        option, argument = (match.group(1), match.group(2).strip()) if match else ("", "")
        if option == "--on":
            message = "the reference date is one for the whole file (whatif --on DATE); use --later DATE here"
            self.problems.append(place.diagnostic("W004", message))
            return None
        if option not in (*OPTIONS, LATER):
            hint = closest(option, (*OPTIONS, LATER)) if option else None
            said = f"unknown option {option!r}" if option else "a change starts with its option"
            options = ", ".join((*OPTIONS, LATER))
            tail = suggestion(hint, f"write one of {options}, e.g. {USAGE_EXAMPLE}")
            self.problems.append(place.diagnostic("W004", f"{said}{tail}"))
            return None
        if not argument:
            usage = USAGE.get(option, "YYYY-MM-DD")
            self.problems.append(place.diagnostic("W004", f"{option} needs its argument: {option} {usage}"))
            return None
        return Change(option, argument)

    def date(self, text: str, place: Where) -> dt.date | None:
        try:
            return reference_date(text, "--later YYYY-MM-DD")
        except ValueError as e:
            self.problems.append(place.diagnostic("W004", str(e)))
            return None


def _yaml_problem(error: yaml.YAMLError, text: str, source: str) -> Diagnostic:
    mark, context, context_mark = (getattr(error, name, None) for name in ("problem_mark", "context", "context_mark"))
    problem = getattr(error, "problem", None) or str(error)
    if context:
        where = f" (line {context_mark.line + 1}, column {context_mark.column + 1})" if context_mark else ""
        problem = f"{context}{where}: {problem}"
    line, column = (mark.line + 1, mark.column + 1) if mark else (0, 0)
    lines = text.splitlines()
    source_line = lines[line - 1] if 0 < line <= len(lines) else None
    return Diagnostic(source, line, column, "W002", f"not valid YAML: {problem}", source_line)


def parse_scenarios(text: str, source: str = "<scenarios>") -> list[Scenario]:
    """The scenarios of a file's text, or raise with every problem found.

    >>> [(s.name, [c.option for c in s.changes], s.later) for s in parse_scenarios(
    ...     "- name: later\\n  changes: [--later 2027-03-01, --stop tacrolimus]\\n")]
    [('later', ['--stop'], datetime.date(2027, 3, 1))]
    """
    scenarios, problems = scenarios_and_problems(text, source)
    if problems:
        raise TrialogicError(problems)
    return scenarios


def scenarios_and_problems(text: str, source: str) -> tuple[list[Scenario], list[Diagnostic]]:
    """The well-formed scenarios of a file's text, and the problems of the others: the
    changes of the well-formed ones can then be checked too, for every problem at once."""
    try:
        root = yaml.compose(text, Loader=PlacingLoader)
    except yaml.YAMLError as e:
        raise TrialogicError([_yaml_problem(e, text, source)]) from e
    reader = _Reader(text, source)
    scenarios = reader.scenarios(root)
    return scenarios, sorted(reader.problems, key=lambda d: (d.line, d.column))


def read_scenarios(path: str | Path) -> tuple[list[Scenario], list[Diagnostic]]:
    """The well-formed scenarios of a file (format in the module docstring), and the
    problems of the others (for `run_scenarios` to report with its own)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise TrialogicError([Diagnostic(str(path), 0, 0, "W002", f"cannot read the file: {e}")]) from e
    return scenarios_and_problems(text, str(path))


class Field(NamedTuple):
    """A key of a scenario and its value, and the node it is written in: the scenario, or the
    alias of the scenario it merges (`<<: *base`), where its problems are placed."""

    key: yaml.Node
    value: yaml.Node
    via: yaml.Node


def _key(key: yaml.Node) -> str:
    return key.value if isinstance(key, yaml.ScalarNode) else ""


def _fields(node: yaml.MappingNode, seen: frozenset[int] = frozenset()) -> tuple[dict[str, Field], list[yaml.Node]]:
    """A scenario's fields by key, as YAML merges them: its own (the last of a key given
    twice), then those of the mappings it merges (`<<: *base`, `<<: [*a, *b]`, the first
    first) that it does not give; and the merged values that are no mapping, to refuse.
    A mapping that merges itself, through its own alias, adds nothing more."""
    own = {_key(key): Field(key, value, node) for key, value in node.value if key.tag != MERGE_TAG}
    merged: dict[str, Field] = {}
    wrong: list[yaml.Node] = []
    seen = seen | {id(anchor_of(node))}
    for key, value in node.value:
        if key.tag != MERGE_TAG:
            continue
        for item in value.value if isinstance(value, yaml.SequenceNode) else [value]:
            if not isinstance(item, yaml.MappingNode):
                wrong.append(item)
            elif id(anchor_of(item)) not in seen:
                fields, bad = _fields(item, seen)
                wrong.extend(bad)
                for text, field in fields.items():  # placed at the alias where this scenario uses them
                    merged.setdefault(text, field._replace(via=item) if anchor_of(item) is not item else field)
    return {**merged, **own}, wrong


def _name(node: yaml.Node) -> str:
    """A scenario's name as written, merged names too ("" when it has none, or is not a mapping)."""
    if isinstance(node, yaml.MappingNode):
        name = _fields(node)[0].get("name")
        if name is not None and isinstance(name.value, yaml.ScalarNode):
            return str(name.value.value).strip()
    return ""
