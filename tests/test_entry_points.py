"""The README's first command, and the other two ways in, open a real window on a real
X display (Xvfb, 1280×720 like a projector) that fits the screen, print nothing to stdout,
and exit 0 when closed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent


def _xdotool(display: str, *args: str) -> str:
    env = dict(os.environ, DISPLAY=display)
    done = subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, env=env, timeout=10, check=False
    )
    return done.stdout


def _wait_for_window(display: str, proc: subprocess.Popen[str]) -> str:
    """The id of the app's visible window once it shows (30 s at most), or ""."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None:
        found = _xdotool(display, "search", "--onlyvisible", "--name", "^threadtruth").split()
        if found:
            return found[0]
        time.sleep(0.2)
    return ""


@pytest.fixture(scope="module")
def display() -> Iterator[str]:
    xvfb = shutil.which("Xvfb")
    assert xvfb and shutil.which("xdotool"), (
        "the entry-point tests need a real X server: apt-get install -y xvfb xdotool "
        "(.ci/run installs them; see README.md)"
    )
    read, write = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(write), "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    try:
        with os.fdopen(read) as pipe:
            number = pipe.readline().strip()  # Xvfb writes the display it chose
        assert number, "Xvfb did not start"
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


COMMANDS = {
    "threadtruth": [str(BIN / "threadtruth")],
    "python -m threadtruth_gui": [sys.executable, "-m", "threadtruth_gui"],
    "threadtruth gui": [str(BIN / "threadtruth"), "gui"],
}


@pytest.mark.parametrize("how", list(COMMANDS))
def test_each_entry_point_opens_a_window_that_fits_the_screen(
    display: str, how: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(DISPLAY=display, XDG_CONFIG_HOME=str(tmp_path))  # no saved settings
    with subprocess.Popen(
        COMMANDS[how], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as proc:
        try:
            window = _wait_for_window(display, proc)
            assert window, f"{how}: no window appeared (exit {proc.poll()})"
            shape = dict(
                line.split("=", 1)
                for line in _xdotool(display, "getwindowgeometry", "--shell", window).split()
            )
            width, height = int(shape["WIDTH"]), int(shape["HEIGHT"])
            assert width <= 1280 and height <= 720, f"{how}: opened at {width}x{height}"
            assert width >= 1000 and height >= 600  # and it uses the screen
            proc.send_signal(signal.SIGINT)  # handled like closing the window
            out, err = proc.communicate(timeout=15)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, err[-2000:]
    assert out == "", f"{how} printed to stdout: {out!r}"
    assert "Traceback" not in err


@pytest.mark.parametrize("start", ["--run", "Space", "PageDown"])
def test_exit_when_done_exits_0_after_the_first_run_however_it_started(
    display: str, start: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.update(DISPLAY=display, XDG_CONFIG_HOME=str(tmp_path))
    args = [str(BIN / "threadtruth"), "gui", "bank-race", "--delay", "0", "--exit-when-done"]
    if start == "--run":
        args.append("--run")
    with subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as proc:
        try:
            if start != "--run":
                window = _wait_for_window(display, proc)
                assert window, "no window appeared"
                time.sleep(0.5)  # let it settle before typing into it
                _xdotool(display, "windowfocus", "--sync", window)
                key = {"Space": "space", "PageDown": "Next"}[start]
                _xdotool(display, "key", "--window", window, key)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 0, err[-2000:]
    lines = out.splitlines()
    assert lines[0] == "running" and len(lines) == 2, out
    assert lines[1] in ("Overdraft: -$100", "Correct this time: $400"), out
