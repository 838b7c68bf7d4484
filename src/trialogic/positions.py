"""Where a field of a patient file sits: its line and column, for error messages.

Records are read with a plain YAML or JSON loader, which keeps no positions. Only when a
record is refused is its file read again, as a YAML node tree (JSON is YAML too), to find
each field the diagnostics name: `measurements[1].unit` in `p.yaml`, in the third record
of a list file (`p.yaml[2]`), or on line 7 of a JSONL stream (`cohort.jsonl:7`). A field
the record lacks is placed at the nearest enclosing entry.
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from .errors import Diagnostic

_INDEXED_SOURCE = re.compile(r"(?P<file>.+)\[(?P<index>\d+)\]")
_STREAM_SOURCE = re.compile(r"(?P<file>.+\.jsonl):(?P<line>\d+)")
_FIELD_STEP = re.compile(r"\[(?P<index>\d+)\]|(?P<key>[^.\[\]]+)")
# (file, line of a stream or None) -> its lines and node tree, composed once per `locate`
_Files = dict[tuple[Path, int | None], tuple[list[str], yaml.Node | None]]


def locate(diagnostics: Iterable[Diagnostic]) -> list[Diagnostic]:
    """The diagnostics, each one that names a field of a readable patient file (and has no
    column yet) given the line, column and text of that field; a record of a list file is
    named by the file and the field's path from the list (`[2].drugs[0].code`)."""
    records: dict[str, _Record | None] = {}
    files: _Files = {}
    located = []
    for diagnostic in diagnostics:
        place = None
        if diagnostic.column == 0 and diagnostic.field is not None:
            if diagnostic.file not in records:
                records[diagnostic.file] = _record(diagnostic.file, files)
            record = records[diagnostic.file]
            place = record.place(diagnostic.field) if record else None
        if place is None:
            located.append(diagnostic)
            continue
        file, field, line, column, text = place
        located.append(
            dataclasses.replace(diagnostic, file=file, field=field, line=line, column=column, source_line=text)
        )
    return located


@dataclasses.dataclass
class _Record:
    """One record's node tree, and where it sits: its file, the lines of text it was
    composed from, the number of the first of them, and its index in a list file."""

    file: str
    node: yaml.Node
    lines: list[str]
    first_line: int
    index: int | None

    def place(self, field: str) -> tuple[str, str, int, int, str | None]:
        node = mark = self.node  # the caret goes under a field's name, or a list's item
        for step in _FIELD_STEP.finditer(field):
            inner = _step(node, step["key"], step["index"])
            if inner is None:
                break
            mark, node = inner
        line = mark.start_mark.line
        text = self.lines[line] if line < len(self.lines) else None
        named = field if self.index is None else f"[{self.index}].{field}" if field else f"[{self.index}]"
        return self.file, named, self.first_line + line, mark.start_mark.column + 1, text


def _record(source: str, files: _Files) -> _Record | None:
    """The record a source name stands for: `p.yaml`, `p.yaml[2]` (a list's third record) or
    `cohort.jsonl:7` (a stream's seventh line)."""
    if Path(source).is_file():
        lines, node = _compose(Path(source), None, files)
        return _Record(source, node, lines, 1, None) if node is not None else None
    if (match := _INDEXED_SOURCE.fullmatch(source)) and Path(match["file"]).is_file():
        lines, node = _compose(Path(match["file"]), None, files)
        index = int(match["index"])
        if isinstance(node, yaml.SequenceNode) and index < len(node.value):
            return _Record(match["file"], node.value[index], lines, 1, index)
    if (match := _STREAM_SOURCE.fullmatch(source)) and Path(match["file"]).is_file():
        number = int(match["line"])
        lines, node = _compose(Path(match["file"]), number, files)
        return _Record(match["file"], node, lines, number, None) if node is not None else None
    return None


def _compose(path: Path, line: int | None, files: _Files) -> tuple[list[str], yaml.Node | None]:
    """A file's lines and node tree; with `line`, that one line's. Kept in `files`."""
    if (path, line) not in files:
        files[(path, line)] = _read(path, line)
    return files[(path, line)]


def _read(path: Path, line: int | None) -> tuple[list[str], yaml.Node | None]:
    try:
        with path.open(encoding="utf-8") as stream:
            text = stream.read() if line is None else next(itertools.islice(stream, line - 1, None), "")
        return text.splitlines(), yaml.compose(text, Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return [], None


def _step(node: yaml.Node, key: str | None, index: str | None) -> tuple[yaml.Node, yaml.Node] | None:
    """One step inside `node`: a mapping's key and its value, or a list's item (twice)."""
    if key is not None and isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                return key_node, value_node
        return None
    if index is not None and isinstance(node, yaml.SequenceNode) and int(index) < len(node.value):
        item: yaml.Node = node.value[int(index)]
        return item, item
    return None
