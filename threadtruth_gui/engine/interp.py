"""Which Python measured a run: the words a verdict uses when it names interpreter behaviour.

Where a thread may switch, how `+=` compiles, and whether there is a GIL at all depend on
the interpreter, so a verdict that states one of them says which interpreter it ran on.
"""

from __future__ import annotations

import platform
import sys
import sysconfig


def free_threaded_build() -> bool:
    """A build made with --disable-gil (python3.13t and later)."""
    return bool(sysconfig.get_config_var("Py_GIL_DISABLED"))


def gil_enabled() -> bool:
    """Whether the GIL is on in this process (a free-threaded build can still turn it on)."""
    check = getattr(sys, "_is_gil_enabled", None)
    return True if check is None else bool(check())


def python_label() -> str:
    """E.g. "CPython 3.11.7", or "CPython 3.13.0 free-threaded (GIL off)"."""
    label = f"{platform.python_implementation()} {platform.python_version()}"
    if free_threaded_build():
        label += " free-threaded " + ("(GIL on)" if gil_enabled() else "(GIL off)")
    return label
