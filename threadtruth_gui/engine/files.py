"""Where downloads go: a fresh temporary folder per run (or one the user picked), safe
file names taken from URLs, and no partial file left behind."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")
MAX_NAME = 120  # characters: a name a class can read
MAX_NAME_BYTES = 255  # bytes of UTF-8: what Linux, macOS and Windows file systems take


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
    longer than MAX_NAME characters or MAX_NAME_BYTES bytes of UTF-8, suffix included; a
    duplicate gets " (2)", " (3)", ... before its extension.
    """
    name = _UNSAFE.sub("_", raw.replace("\\", "/").rsplit("/", 1)[-1]).strip().lstrip(".")
    if not name or set(name) <= {"_", " "}:
        name = "download"
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    ext = f".{ext[:16]}" if ext else ""
    candidate, n = _fit(stem, "", ext), 1
    while candidate.lower() in taken:
        n += 1
        candidate = _fit(stem, f" ({n})", ext)
    taken.add(candidate.lower())
    return candidate


def _fit(stem: str, suffix: str, ext: str) -> str:
    """stem + suffix + ext, the stem shortened until the whole fits both caps."""
    stem = stem[: MAX_NAME - len(suffix) - len(ext)]
    room = MAX_NAME_BYTES - len((suffix + ext).encode())
    data = stem.encode()
    if len(data) > room:  # cut at a character boundary, never inside one
        stem = data[:room].decode(errors="ignore")
    return stem.rstrip() + suffix + ext


def check_folder(text: str) -> Path:
    """An existing folder we can write to, or ValueError saying why not."""
    try:
        folder = Path(text).expanduser()
        if not folder.is_dir():
            why = "it is a file, not a folder" if folder.exists() else "no such folder"
            raise ValueError(f"cannot save downloads in {short_path(text)}: {why}")
        with tempfile.TemporaryFile(dir=folder):
            pass
    except (OSError, RuntimeError) as exc:  # (RuntimeError: ~user with no home)
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ValueError(f"cannot save downloads in {short_path(text)}: {why}") from None
    return folder


def short_path(text: str, keep: int = 80) -> str:
    """A path as one short line for an error message: its start and its end."""
    text = str(text)
    if len(text) <= keep:
        return text
    half = (keep - 1) // 2
    return f"{text[:half]}…{text[-half:]} ({len(text):,} characters)"


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
    def discard(path: Path) -> str:
        """Remove a partial file (if it is there). Never raises: cleanup must not hide the
        error that made it necessary; returns "" or why the file could not be removed."""
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            return f"the partial file {path.name} could not be removed: {exc.strerror or exc}"
        return ""

    def close(self) -> None:
        """Remove the folder if it was our temporary one; a folder the user picked stays."""
        if self._temporary and self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
        self.path = None


def read_regular(
    path: str | os.PathLike[str],
    limit: int,
    not_regular: Callable[[int], Exception] | None = None,
) -> bytes:
    """Up to `limit` bytes of a regular file. A FIFO or a device may never end, or never
    open (a FIFO blocks its reader until a writer comes): it is looked at before it is
    opened, opened without waiting, and looked at again once open (it may have been
    swapped meanwhile). Not a regular file: `not_regular(its st_mode)` is raised, else
    OSError "not a regular file"; OSError for what cannot be read."""
    import stat

    def refuse(mode: int) -> Exception:
        return not_regular(mode) if not_regular else OSError(f"{path} is not a regular file")

    mode = os.stat(path).st_mode
    if not stat.S_ISREG(mode):
        raise refuse(mode)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(f.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise refuse(mode)
        return f.read(limit)
