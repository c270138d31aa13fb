"""threadtruth: watch real CPython threads and coroutines race, wait and take turns."""

__version__ = "0.1.0"
