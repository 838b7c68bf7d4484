"""Files written whole: beside their place under a name of their own, then put in place whole."""

from __future__ import annotations

import errno
import os
import stat
import uuid
from pathlib import Path

from .errors import Diagnostic, TrialogicError, cannot_write


def partial_path(path: Path) -> Path:
    """Where a file is written before it is complete: hidden, beside it, under a name of its own
    (created with "x"), so that two runs writing the same file write into neither each other's
    file nor a stale one; it ends in `.partial`, so that one left by a killed run is not read as
    a criteria file or a record by a command given its folder."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:16]}.partial")


def replaceable(path: Path, what: str = "the --out file") -> os.stat_result | None:
    """The status of the file at `path` that a write of `what` is to replace (None: no file is
    there, or something else, such as a link or a folder). A file with other names (hard
    links) is refused (S002): replaced whole under this name, it would keep the old text
    under the others."""
    try:
        status = path.lstat()
    except OSError:
        return None  # nothing there, or a place the write itself will report on
    if not stat.S_ISREG(status.st_mode):
        return None
    if status.st_nlink > 1:
        others = status.st_nlink - 1
        plural = "s" * (others != 1)
        message = (
            f"cannot write {what}: the file has {others} other name{plural} (hard link{plural}), which would"
            " keep the old text when it is replaced whole; give it one name first (copy it, then move the"
            " copy over it)"
        )
        raise TrialogicError([Diagnostic(str(path), 0, 0, "S002", message)])
    return status


def put_in_place(partial: Path, path: Path, replaced: os.stat_result | None) -> None:
    """The complete file `partial` renamed to `path`, keeping the owner and group of the file it
    replaces (`replaced`, from `replaceable`) where this process may give them."""
    if replaced is not None:
        # only root may give a file away; any process may give it a group of its own
        for owner in (replaced.st_uid, -1):
            try:
                os.chown(partial, owner, replaced.st_gid)
                break
            except PermissionError:
                continue
    partial.replace(path)


def write_whole(path: Path, text: str, mode: int | None = None, what: str = "the --out file") -> None:
    """`text` as the file `path` (with the permission bits `mode`, if given, and the owner and
    group of the file replaced), or, on an error (S002, naming `what`) or an interruption, no
    file there but the one that was: it is written beside it and renamed into place."""
    replaced = replaceable(path, what)
    partial = partial_path(path)
    try:
        with partial.open("x", encoding="utf-8") as stream:
            if mode is not None:  # before the text is in it
                partial.chmod(mode)
            stream.write(text)
        put_in_place(partial, path, replaced)
    except BaseException as e:
        partial.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise cannot_write(path, e, what) from None
        raise


def rewrite(path: Path, text: str) -> None:
    """`text` as the existing file `path`, whole or not at all, kept as an in-place write keeps
    it: through a symbolic link the file it names is written (the link stays a link), with its
    permission bits, owner and group; a file we may not write, or one with other names (hard
    links), is refused (S002), not replaced."""
    target = path.resolve() if path.is_symlink() else path
    what = "the reformatted file"
    if not os.access(target, os.W_OK):
        raise cannot_write(path, PermissionError(errno.EACCES, os.strerror(errno.EACCES)), what)
    write_whole(target, text, stat.S_IMODE(target.stat().st_mode), what)
