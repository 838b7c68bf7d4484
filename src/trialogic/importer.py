"""ClinicalTrials.gov API v2 study records → skeleton trial files (being written)."""

from __future__ import annotations

from pathlib import Path

from .errors import Diagnostic, TrialogicError


def import_study_file(path: Path) -> str:
    raise TrialogicError([Diagnostic(str(path), 0, 0, "I000", "import is not implemented yet")])
