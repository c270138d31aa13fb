"""Where downloads go: a fresh temporary folder per run (or one the user picked), safe
file names taken from URLs, and no partial file left behind."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
MAX_NAME = 120


def check_url(url: str) -> str:
    """An http(s) URL with a host, or ValueError saying what is wrong with it."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"bad URL {text!r}: it must start with http:// or https://")
    if not parts.hostname:
        raise ValueError(f"bad URL {text!r}: it has no host")
    try:
        parts.port  # noqa: B018 -- a bad port raises here
    except ValueError:
        raise ValueError(f"bad URL {text!r}: bad port") from None
    return text


def name_from_url(url: str) -> str:
    """The last segment of the URL's path, decoded (may be empty or hostile: see safe_name)."""
    path = unquote(urlsplit(url).path)
    return path.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]


def safe_name(raw: str, taken: set[str]) -> str:
    """A plain file name from `raw`, unique among `taken` (which it joins).

    No separators, no "..", no control characters, never empty, never hidden, never
    longer than MAX_NAME; a duplicate gets " (2)", " (3)", ... before its extension.
    """
    name = _UNSAFE.sub("_", raw.replace("\\", "/").rsplit("/", 1)[-1]).strip().lstrip(".")
    if not name or set(name) <= {"_", " "}:
        name = "download"
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    ext = f".{ext[:16]}" if ext else ""
    stem = stem[: MAX_NAME - len(ext)]
    candidate, n = stem + ext, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem} ({n}){ext}"
    taken.add(candidate.lower())
    return candidate


def check_folder(text: str) -> Path:
    """An existing folder we can write to, or ValueError saying why not."""
    folder = Path(text).expanduser()
    if not folder.is_dir():
        raise ValueError(f"cannot save downloads in {text}: no such folder")
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as exc:
        raise ValueError(f"cannot save downloads in {text}: {exc.strerror or exc}") from None
    return folder


class DownloadFolder:
    """Hands out safe, unique paths inside one folder; removes what a run must not leave."""

    def __init__(self, folder: str | None = None) -> None:
        self._given = folder
        self.path: Path | None = None
        self._taken: set[str] = set()
        self._lock = threading.Lock()
        self._temporary = False

    def open(self) -> Path:
        if self._given:
            self.path = check_folder(self._given).resolve()
            self._taken = {p.name.lower() for p in self.path.iterdir()}
        else:
            self.path = Path(tempfile.mkdtemp(prefix="threadtruth-")).resolve()
            self._temporary = True
        return self.path

    def claim(self, raw_name: str) -> Path:
        """A new path inside the folder for a file the URL calls `raw_name`."""
        if self.path is None:
            raise RuntimeError("the download folder is not open")
        with self._lock:  # threads claim names at the same time
            name = safe_name(raw_name, self._taken)
        target = self.path / name
        # defence in depth: a safe name is one plain component (no resolve(): it costs a
        # stat per path component, on the event loop when coroutines claim names)
        if target.parent != self.path or name in ("", ".", ".."):
            raise ValueError(f"refusing to write outside {self.path}: {raw_name!r}")
        return target

    @staticmethod
    def discard(path: Path) -> None:
        """Remove a partial file (if it is there)."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)

    def close(self) -> None:
        """Remove the folder if it was our temporary one; a folder the user picked stays."""
        if self._temporary and self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
        self.path = None
