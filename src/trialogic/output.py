"""Files written whole: beside their place under a name of their own, then put in place whole."""

from __future__ import annotations

import errno
import os
import stat
import uuid
from pathlib import Path

from .errors import cannot_write


def partial_path(path: Path) -> Path:
    """Where a file is written before it is complete: hidden, beside it, under a name of its own
    (created with "x"), so that two runs writing the same file write into neither each other's
    file nor a stale one; it ends in `.partial`, so that one left by a killed run is not read as
    a criteria file or a record by a command given its folder."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:16]}.partial")


def write_whole(path: Path, text: str, mode: int | None = None, what: str = "the --out file") -> None:
    """`text` as the file `path` (with the permission bits `mode`, if given), or, on an error
    (S002, naming `what`) or an interruption, no file there but the one that was: it is written
    beside it and renamed into place."""
    partial = partial_path(path)
    try:
        with partial.open("x", encoding="utf-8") as stream:
            if mode is not None:  # before the text is in it
                partial.chmod(mode)
            stream.write(text)
        partial.replace(path)
    except BaseException as e:
        partial.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise cannot_write(path, e, what) from None
        raise


def rewrite(path: Path, text: str) -> None:
    """`text` as the existing file `path`, whole or not at all, kept as an in-place write keeps
    it: through a symbolic link the file it names is written (the link stays a link), with its
    permission bits; a file we may not write is refused (S002), not replaced."""
    target = path.resolve() if path.is_symlink() else path
    what = "the reformatted file"
    if not os.access(target, os.W_OK):
        raise cannot_write(path, PermissionError(errno.EACCES, os.strerror(errno.EACCES)), what)
    write_whole(target, text, stat.S_IMODE(target.stat().st_mode), what)
