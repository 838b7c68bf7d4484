"""The test run's own cache folder: trialogic keeps parsed criteria and unit tables in
`$XDG_CACHE_HOME/trialogic`, and the tests write many temporary trial files, which would
otherwise pile up in the user's cache.

Property tests draw the same examples every run (derandomized, no example database), so a
test run passes or fails in CI as it did on the machine that committed it. To hunt with
fresh random draws (a failure is shrunk and kept in .hypothesis/ to replay):

    HYPOTHESIS_PROFILE=explore .venv/bin/python -m pytest
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

settings.register_profile("repeatable", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


@pytest.fixture(autouse=True, scope="session")
def own_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    before = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if before is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = before


class FullDisk:
    """A file opened for writing that takes half of what it is given, then runs out of space."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream

    def __enter__(self) -> FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stream.close()

    def write(self, text: str) -> int:
        self.stream.write(text[: len(text) // 2])
        self.stream.flush()
        raise OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def full_disk(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    """Called, makes every file opened for writing through `Path.open` fill the disk halfway
    through a write."""
    opened = Path.open

    def open_on_a_full_disk(path: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        stream = opened(path, mode, *args, **kwargs)
        return stream if "r" in mode else FullDisk(stream)

    return lambda: monkeypatch.setattr(Path, "open", open_on_a_full_disk)
