"""Files named by --out: written beside their place under a name of their own, then put in place whole."""

from __future__ import annotations

import uuid
from pathlib import Path

from .errors import cannot_write


def partial_path(path: Path) -> Path:
    """Where a file is written before it is complete: hidden, beside it, with its suffix, and a
    name of its own (created with "x"), so that two runs writing the same file write into
    neither each other's file nor a stale one."""
    return path.with_name(f".{path.stem}.{uuid.uuid4().hex[:16]}.partial{path.suffix}")


def write_whole(path: Path, text: str) -> None:
    """`text` as the file `path`, or, on an error (S002) or an interruption, no file there but
    the one that was: it is written beside it and renamed into place."""
    partial = partial_path(path)
    try:
        with partial.open("x", encoding="utf-8") as stream:
            stream.write(text)
        partial.replace(path)
    except BaseException as e:
        partial.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise cannot_write(path, e) from None
        raise
