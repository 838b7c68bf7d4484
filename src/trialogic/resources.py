"""Where the grammar, rules and vocabulary live: inside the installed package, or in the source tree."""

from __future__ import annotations

import os
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


def cache_dir(name: str) -> Path:
    """A folder of trialogic's user cache (`$XDG_CACHE_HOME/trialogic/NAME`): entries in it
    only make starts faster, and anything found there unreadable is ignored."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "trialogic" / name
