"""Write a whole file or nothing: a temp file beside the target, then one rename.

A full disk, a Ctrl+C or a crash mid-write leaves the old file (or no file) and no temp
file, never a truncated or 0-byte one. The temp file is created in the target's folder
(a rename across file systems is not atomic) with the mode a plain `open(path, "w")` would
give it (0o666 less the umask; an existing target keeps its own mode).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

PART_SUFFIX = ".part"


def _open_temp(folder: Path, mode: int) -> tuple[int, Path]:
    """A new hidden file in `folder`, named apart from the target (whose name may already be
    at the 255-byte limit)."""
    for _ in range(100):
        tmp = folder / f".threadtruth-{secrets.token_hex(6)}{PART_SUFFIX}"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode), tmp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temp name in {folder}")


def write_atomic(path: str | os.PathLike[str], data: str | bytes, encoding: str = "utf-8") -> None:
    """Write `data` to `path` atomically; on any failure nothing is left and the error
    (an OSError for the disk's refusals) propagates."""
    # a symlink's target is written (replacing the link with a file would cut it), and
    # a file open(path, "w") could not write is refused, as open() would refuse it
    out = Path(os.path.realpath(path))
    if out.exists() and not os.access(out, os.W_OK):
        raise PermissionError(13, "Permission denied", str(path))
    folder = out.parent
    payload = data.encode(encoding) if isinstance(data, str) else data
    try:
        kept: int | None = stat.S_IMODE(out.stat().st_mode)
    except OSError:
        kept = None
    # a new file: 0o666 less the umask, as open(path, "w") gives
    fd, tmp = _open_temp(folder, 0o666 if kept is None else kept)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        if kept is not None:
            os.chmod(tmp, kept)  # exactly the old file's mode, whatever the umask
        os.replace(tmp, out)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
