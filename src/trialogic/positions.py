"""Where a field of a record sits: its line and column, for error messages.

Records are read with a plain YAML or JSON loader, which keeps no positions. A record's
fields are placed from its YAML node tree (JSON is YAML too): `Places` holds where each
field path is (`measurements[1].unit`, `drugs[0].code`; a key holding `.` or `[` is found
as the record holds it), and a field the record lacks is placed at its nearest enclosing
entry; a field reached through an alias (`- *x`) is placed at the alias, where the record
uses it (PlacingLoader). The tree is composed for standard input as it is read (it cannot
be read again), and for a JSONL line or a file when an error is to be placed (the file read
again): `locate` finds the record a diagnostic's source names (`p.yaml`, the third record of a list file `p.yaml[2]`, line 7
of a JSONL stream `cohort.jsonl:7`) and `placed` places a record's diagnostics.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import itertools
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from .errors import Diagnostic, TrialogicError
from .patient import read_text, yaml_lines

_INDEXED_SOURCE = re.compile(r"(?P<file>.+)\[(?P<index>\d+)\]")
_STREAM_SOURCE = re.compile(r"(?P<file>.+\.jsonl):(?P<line>\d+)")
_STEP_START = re.compile(r"[.\[]")
_NOT_JSON_BREAKS = str.maketrans("\x85\u2028\u2029", "   ")
# YAML's composer, in Python (so that PlacingLoader can place aliases), over the events of
# the C parser when there is one (SafeLoader, all in Python, holds that composer already)
_PARSED: tuple[Any, ...] = (
    (yaml.composer.Composer, yaml.CSafeLoader) if hasattr(yaml, "CSafeLoader") else (yaml.SafeLoader,)
)
_ANCHOR = "anchor"  # the attribute of a PlacingLoader alias holding its anchor's node


class Places(NamedTuple):
    """Where the fields of one record sit in the text it was read from: by field path
    (`drugs[0].code`; "" for the record itself), the 0-based line and column of its key (of
    the item, for a list's item); the text of those lines; and the number of the text's
    first line (a JSONL stream's record is its line)."""

    at: dict[str, tuple[int, int]]
    lines: dict[int, str]
    first_line: int

    def find(self, field: str) -> tuple[int, int]:
        """A field's place, or its nearest enclosing entry's when the record lacks it."""
        if field in self.at:
            return self.at[field]
        for cut in reversed([step.start() for step in _STEP_START.finditer(field)]):
            if field[:cut] in self.at:
                return self.at[field[:cut]]
        return self.at[""]


class PlacingLoader(*_PARSED):  # type: ignore[misc]
    """A YAML loader whose node tree places each use of an alias (`- *x`, `<<: *x`) where it
    is written: YAML's composer gives the anchor's node itself, at the anchor's line. Here
    an alias is a copy of that node with the alias's own place, and the node it copies as
    its `anchor` (see `anchor_of`); the entries under it are the anchor's, not copied (a
    file of aliases of aliases would otherwise grow without bound)."""

    def __init__(self, stream: str) -> None:
        _PARSED[-1].__init__(self, stream)
        yaml.composer.Composer.__init__(self)

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        alias = self.peek_event() if self.check_event(yaml.AliasEvent) else None
        node: yaml.Node | None = super().compose_node(parent, index)
        if alias is None or node is None:
            return node
        placed = copy.copy(node)
        placed.start_mark, placed.end_mark = alias.start_mark, alias.end_mark
        setattr(placed, _ANCHOR, node)
        return placed


def anchor_of(node: yaml.Node) -> yaml.Node:
    """The node an alias of PlacingLoader's tree stands for (any other node is its own)."""
    anchor: yaml.Node = getattr(node, _ANCHOR, node)
    return anchor


def compose(text: str) -> yaml.Node | None:
    """A text's YAML node tree (JSON is YAML too), each alias placed where it is written
    (PlacingLoader), or None when YAML cannot read it."""
    try:
        node: yaml.Node | None = yaml.compose(text, Loader=PlacingLoader)
    except yaml.YAMLError:
        return None
    return node


def record_places(
    root: yaml.Node | None,
    lines: list[str],
    index: int | None,
    first_line: int = 1,
) -> Places | None:
    """Where the fields of a document's record are: the document's own (`index` None), or
    those of its list's item `index`; None when the document has no such record."""
    if index is not None:
        root = root.value[index] if isinstance(root, yaml.SequenceNode) and index < len(root.value) else None
    return _places(root, lines, first_line) if root is not None else None


def file_places(file: str, index: int | None) -> Places | None:
    """`record_places` of a file, read again (once for all its records, while it is unchanged)."""
    try:
        stat = Path(file).stat()
    except OSError:
        return None
    root, lines = _composed_file(file, (stat.st_mtime_ns, stat.st_size))
    return record_places(root, lines, index, 1)


def line_places(text: str, number: int) -> Places | None:
    """Where the fields of the record on line `number` of a JSONL stream (`text`) are. The
    line breaks YAML counts but JSON does not (a string may hold U+2028) are read as spaces:
    the record is its one line, and is shown so."""
    text = text.translate(_NOT_JSON_BREAKS)
    return record_places(compose(text), yaml_lines(text), None, number)


def placed(
    diagnostics: list[Diagnostic], source: str, file: str, places: Places, index: int | None
) -> list[Diagnostic]:
    """The diagnostics of the record read from `source`, each that names a field and has no
    column yet given the line, column and text of that field. The record sits in `file`
    (at `index` in its list: a field is then named from the list, `[2].drugs[0].code`,
    when the source names the item)."""
    prefix = f"[{index}]" if index is not None and source != file else ""
    located = []
    for diagnostic in diagnostics:
        if not unplaced(diagnostic, source):
            located.append(diagnostic)
            continue
        field = diagnostic.field or ""
        line, column = places.find(field)
        named = f"{prefix}.{field}" if prefix and field else prefix or field
        located.append(
            dataclasses.replace(
                diagnostic,
                file=file,
                field=named,
                line=places.first_line + line,
                column=column + 1,
                source_line=places.lines.get(line),
            )
        )
    return located


def unplaced(diagnostic: Diagnostic, source: str) -> bool:
    """Whether a diagnostic of the record read from `source` is still to be placed."""
    return diagnostic.column == 0 and diagnostic.field is not None and diagnostic.file == source


def locate(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics, each one that names a field of a readable patient file (and has no
    column yet) given the line, column and text of that field; a record of a list file is
    named by the file and the field's path from the list (`[2].drugs[0].code`)."""
    located = list(diagnostics)
    for source in dict.fromkeys(d.file for d in located if unplaced(d, d.file)):
        found = _source_places(source)
        if found is not None:
            located = placed(located, source, *found)
    return located


def _source_places(source: str) -> tuple[str, Places, int | None] | None:
    """The file of the record a source name stands for, where its fields are, and its index
    in a list file: `p.yaml`, `p.yaml[2]` (a list's third record) or `cohort.jsonl:7` (a
    stream's seventh line)."""
    file, index, places = source, None, None
    if Path(source).is_file():
        places = file_places(file, index)
    elif (match := _INDEXED_SOURCE.fullmatch(source)) and Path(match["file"]).is_file():
        file, index = match["file"], int(match["index"])
        places = file_places(file, index)
    elif (match := _STREAM_SOURCE.fullmatch(source)) and Path(match["file"]).is_file():
        file, number = match["file"], int(match["line"])
        places = line_places(_stream_line(Path(file), number), number)
    return (file, places, index) if places is not None else None


def _stream_line(path: Path, number: int) -> str:
    """Line `number` of a JSONL stream ("" when it cannot be read)."""
    try:
        with path.open(encoding="utf-8") as stream:
            return next(itertools.islice(stream, number - 1, None), "")
    except (OSError, UnicodeDecodeError):
        return ""


@functools.lru_cache(maxsize=8)
def _composed_file(file: str, stamp: tuple[int, int]) -> tuple[yaml.Node | None, list[str]]:
    """A file's node tree and lines (`stamp`: its modification time and size, so that a file
    changed since is read again)."""
    try:
        text = read_text(Path(file))
    except TrialogicError:
        return None, []
    return compose(text), yaml_lines(text)


def _places(node: yaml.Node, lines: list[str], first_line: int) -> Places:
    """Where each field under `node` (a tree of PlacingLoader's) is (see Places); an alias is
    not walked into: the fields under it are placed at it, where the record uses them.
    A line is kept whole; an error shows a long one in part (errors.shown_part)."""
    at: dict[str, tuple[int, int]] = {}
    stack: list[tuple[yaml.Node, str, yaml.Node]] = [(node, "", node)]
    while stack:
        value, path, mark = stack.pop()
        at.setdefault(path, (mark.start_mark.line, mark.start_mark.column))
        if anchor_of(value) is not value:
            continue
        if isinstance(value, yaml.MappingNode):
            for key_node, value_node in reversed(value.value):
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else "?"
                stack.append((value_node, f"{path}.{key}" if path else key, key_node))
        elif isinstance(value, yaml.SequenceNode):
            stack.extend((item, f"{path}[{index}]", item) for index, item in reversed(list(enumerate(value.value))))
    used = {line for line, _ in at.values() if line < len(lines)}
    return Places(at, {line: lines[line] for line in used}, first_line)
