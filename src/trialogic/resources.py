"""Where the grammar, rules and vocabulary live: inside the installed package, or in the source tree."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_SOURCE_TREE = _PACKAGE.parent.parent


def _locate(name: str) -> Path:
    for base in (_PACKAGE, _SOURCE_TREE):
        candidate = base / name
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"trialogic is installed without its {name}/ folder")


def grammar_dir() -> Path:
    return _locate("grammar")


def rules_dir() -> Path:
    return _locate("rules")


def facts_dir() -> Path:
    return _locate("facts")
