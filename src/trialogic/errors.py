"""One error type for everything trialogic rejects: where, a stable code, and what would be right."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Diagnostic:
    """One problem found in one file.

    `line` and `column` are 1-based; 0 means the problem concerns the whole file.
    `field` names the place in a data file (for patients: `measurements[2].unit`).
    """

    file: str
    line: int
    column: int
    code: str
    message: str
    source_line: str | None = None
    field: str | None = None
    severity: str = "error"

    def render(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.column}"
        if self.field:
            where += f": {self.field}"
        text = f"{where}: {self.severity}[{self.code}]: {self.message}"
        if self.source_line is not None:
            shown, at = shown_part(self.source_line, max(self.column - 1, 0))
            text += f"\n    {shown}\n    {' ' * at}^"
        return text


SHOWN_WIDTH = 160  # a longer source line is shown as this much of it around the caret


def shown_part(line: str, at: int) -> tuple[str, int]:
    """What of a source line is shown under an error, and where the caret goes in it: the whole
    line, or for a line longer than SHOWN_WIDTH (a JSON line holding a whole record, a FHIR
    Bundle on one line) SHOWN_WIDTH characters around column `at` (0-based), an ellipsis
    marking each end cut off."""
    if len(line) <= SHOWN_WIDTH:
        return line, at
    start = min(max(at - SHOWN_WIDTH // 2, 0), len(line) - SHOWN_WIDTH)
    end = start + SHOWN_WIDTH
    head, tail = ("…" if start else ""), ("…" if end < len(line) else "")
    return f"{head}{line[start:end]}{tail}", at - start + len(head)


class TrialogicError(Exception):
    """Raised with every diagnostic found, never just the first."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = diagnostics
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(d.render() for d in self.diagnostics)

    def __reduce__(self) -> tuple[type[TrialogicError], tuple[list[Diagnostic]]]:
        """Rebuilt from its diagnostics when it crosses to or from a worker process."""
        return (TrialogicError, (self.diagnostics,))


def source_line(text: str, line: int) -> str | None:
    """Line `line` as the parsers count lines: at \n only (str.splitlines also breaks at
    \x0b, \x0c, \x85 and more, which would show the wrong line)."""
    lines = text.replace("\r\n", "\n").split("\n")
    return lines[line - 1] if 0 < line <= len(lines) else None


def cannot_write(path: str | Path, error: OSError, what: str = "the --out file") -> TrialogicError:
    """S002: an output file (`what`) that cannot be written; says so when its folder is missing,
    and names the file a rename was refused at."""
    folder = Path(path).parent
    hint = "" if folder.is_dir() else f" (does the folder {str(folder)!r} exist?)"
    target = f" ({error.filename2})" if error.filename2 else ""
    message = f"cannot write {what}: {error.strerror}{hint}{target}"
    return TrialogicError([Diagnostic(str(path), 0, 0, "S002", message)])
