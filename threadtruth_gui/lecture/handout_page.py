"""The handout's HTML: every text escaped, inline CSS, no script, images only beside it."""

from __future__ import annotations

import datetime
import html
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from threadtruth_gui.engine.events import Event
from threadtruth_gui.engine.interp import gil_enabled, python_label
from threadtruth_gui.engine.lanes import Lanes
from threadtruth_gui.engine.narrate import money
from threadtruth_gui.engine.result import RunResult
from threadtruth_gui.lecture.deck import Deck, Slide
from threadtruth_gui.lecture.summary import COLUMNS, NOT_RUN, which_tool

#: what the runs are: a slide's index in deck.slides (0-based) → its run
SlideRun = tuple[RunResult, Lanes, list[Event]]
Runs = Mapping[int, SlideRun]
#: the class's prediction counts: a slide's index → {the choice (value or label): votes}
Votes = Mapping[int, Mapping[object, int]]

GENERATOR = "threadtruth handout"  # in every page: a folder holding one is a handout


@dataclass(frozen=True)
class Picture:
    """One image of a slide's run, a file in the handout's folder."""

    file: str  # its name in OUT_DIR, e.g. "slide-04.png"
    alt: str  # what it shows, in words
    animated: bool = False  # a GIF of the run as it unfolded (the page prints its PNG)


MAX_KEY_NUMBERS = 8  # a run without figures: this many of its outcome's numbers

# High contrast on screen and on paper; no colour carries meaning alone (the verdict says
# "as it should be" or "what went wrong" in words). An animated GIF does not print: paper
# gets the same run's last frame, a PNG, in its place.
CSS = """
body { font: 17px/1.5 "DejaVu Sans", Arial, Helvetica, sans-serif; color: #111;
  background: #fff; margin: 0 auto; max-width: 60rem; padding: 1.5rem; }
h1 { font-size: 2rem; margin: 0 0 .5rem; }
h2 { font-size: 1.4rem; margin: 0 0 .6rem; }
header { border-bottom: 3px solid #111; margin-bottom: 1.5rem; padding-bottom: .8rem; }
header dl { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; margin: 0; }
header dt { font-weight: bold; }
header dd { margin: 0; }
section { border-bottom: 1px solid #999; padding: 1rem 0 1.4rem; break-inside: avoid-page; }
.num { color: #444; font-weight: normal; }
ul.points { margin: .2rem 0 .8rem; padding-left: 1.4rem; }
p.run { color: #333; margin: .4rem 0; }
figure { margin: .8rem 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #bbb; display: block; }
figcaption { font-size: .9rem; color: #333; }
.verdict { border-left: 6px solid #111; padding: .3rem .8rem; margin: .8rem 0;
  background: #f2f2f2; }
.verdict.good { border-color: #0a6b2d; }
.verdict.bad { border-color: #a30d0d; }
.verdict strong { font-size: 1.15rem; }
table { border-collapse: collapse; margin: .6rem 0; }
th, td { border: 1px solid #777; padding: .3rem .6rem; text-align: left; vertical-align: top; }
th { background: #e8e8e8; }
td.missing { color: #555; font-style: italic; }
td.value { font-variant-numeric: tabular-nums; white-space: nowrap; }
.votes td.n { text-align: right; }
.note { color: #444; font-style: italic; }
footer { margin-top: 1.5rem; font-size: .9rem; color: #333; }
.print-only { display: none; }
@media print {
  body { font-size: 11pt; max-width: none; padding: 0; }
  .screen-only { display: none; }
  .print-only { display: block; }
  section { page-break-inside: avoid; }
}
"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def machine() -> dict[str, str]:
    """This machine as the header names it: no hostname (private), the CPU model, cores,
    the OS, the Python that ran the runs."""
    cores = os.cpu_count()
    return {
        "Machine": f"{cpu_model()}, {cores or '?'} core{'' if cores == 1 else 's'}",
        "OS": os_name(),
        "Python": f"{python_label()}, GIL {'on' if gil_enabled() else 'off'}",
    }


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() in ("model name", "Hardware", "Processor") and value.strip():
                    return " ".join(value.split())
    except OSError:  # not Linux
        pass
    return platform.processor() or platform.machine() or "an unknown CPU"


def os_name() -> str:
    try:
        pretty = platform.freedesktop_os_release().get("PRETTY_NAME", "")
    except (OSError, AttributeError):  # not a Linux with /etc/os-release
        pretty = ""
    system = f"{platform.system()} {platform.release()}".strip()
    return f"{pretty} ({system})" if pretty else (system or "an unknown OS")


def page(
    deck: Deck,
    runs: Runs,
    votes: Votes,
    pictures: Mapping[int, list[Picture]],
    during_lecture: bool,
    ran_on: datetime.date,
) -> str:
    """The whole index.html."""
    facts = {"Ran on": ran_on.isoformat(), **machine()}
    if deck.author:
        facts = {"By": deck.author, **facts}
    head = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts.items())
    where = "during this lecture" if during_lecture else "by the runs on this page"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta name="generator" content="{GENERATOR}">',  # (the next export knows its own)
        f"<title>{esc(deck.title)}</title><style>{CSS}</style></head><body>",
        f"<header><h1>{esc(deck.title)}</h1><dl>{head}</dl></header>",
    ]
    latest = _latest(deck, runs)
    for index, slide in enumerate(deck.slides):
        parts.append(_slide(deck, index, slide, runs, votes, pictures, latest, where))
    parts.append(
        f"<footer><p>Every figure on this page was measured {esc(where)} on this machine "
        f"({esc(facts['Machine'])}), on {esc(ran_on.isoformat())}, by threadtruth. "
        "Runs of threads vary: yours will differ.</p></footer>"
    )
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _latest(deck: Deck, runs: Runs) -> dict[str, RunResult]:
    """Each scenario's last finished run, in slide order: what the summary table reads."""
    latest: dict[str, RunResult] = {}
    for index in sorted(runs):
        result = runs[index][0]
        if 0 <= index < len(deck.slides) and not result.cancelled:  # (failed: said so)
            latest[result.scenario] = result
    return latest


def _slide(
    deck: Deck,
    index: int,
    slide: Slide,
    runs: Runs,
    votes: Votes,
    pictures: Mapping[int, list[Picture]],
    latest: Mapping[str, RunResult],
    where: str,
) -> str:
    out = [
        f'<section id="slide-{slide.number}">',
        f'<h2><span class="num">{slide.number}/{len(deck)}</span> {esc(slide.title)}</h2>',
    ]
    if slide.points:
        items = "".join(f"<li>{esc(point)}</li>" for point in slide.points)
        out.append(f'<ul class="points">{items}</ul>')
    if slide.preset is not None:
        out.append(_run(slide, runs.get(index), pictures.get(index, [])))
        if slide.preset.predict or index in votes:
            out.append(_votes(slide, runs.get(index), votes.get(index)))
    if slide.summary == "which-tool":
        out.append(_which_tool(latest, where))
    out.append("</section>")
    return "\n".join(out)


def _run(slide: Slide, run: Any, pictures: list[Picture]) -> str:
    preset = slide.preset
    assert preset is not None
    scenario = preset.scenario_object()
    ran = run[0].params if run is not None and run[0].scenario == preset.scenario else {}
    # the settings the run had: a lecturer may change one live (L, a slider) and run again
    changed = sorted(k for k, v in preset.params.items() if k in ran and ran[k] != v)
    shown_keys = list(preset.given) + [k for k in changed if k not in preset.given]
    settings = ", ".join(
        _setting(scenario, k, ran.get(k, preset.params.get(k))) for k in shown_keys
    )
    how = f"Run: {scenario.title} ({scenario.id})" + (f": {settings}" if settings else "")
    if changed:
        how += " (changed during the lecture from the slide's settings)"
    if preset.schedule:
        how += f"; stepped {', '.join(preset.schedule)}, then free"
    if run is None:
        return f'<p class="run">{esc(how)}.</p><p class="note">Not run yet.</p>'
    result: RunResult = run[0]
    out = [f'<p class="run">{esc(how)}; it took {esc(seconds(result.duration_s))}.</p>']
    if result.error is not None:
        failed = f"<strong>The run failed</strong>: {esc(result.error)}"
        out.append(f'<p class="verdict bad">{failed}</p>')
        return "\n".join(out)
    if result.cancelled:
        out.append('<p class="note">The run was stopped before its end.</p>')
    shown = [p for p in pictures if not _is_print_twin(p, pictures)]
    out.extend(_figure(picture, pictures) for picture in shown)
    if result.verdict is not None:
        verdict = result.verdict
        kind, word = ("good", "As it should be") if verdict.good else ("bad", "What went wrong")
        out.append(
            f'<div class="verdict {kind}"><span>{word}:</span> <strong>{esc(verdict.headline)}'
            f"</strong><br>{esc(verdict.detail)}</div>"
        )
    rows = scenario.figures(result) if scenario.figures is not None else key_numbers(result)
    if rows:
        body = "".join(
            f'<tr><td>{esc(label)}</td><td class="value">{esc(value)}</td></tr>'
            for label, value in rows
        )
        out.append(f'<table class="figures"><tr><th>Measured</th><th>Value</th></tr>{body}</table>')
    return "\n".join(out)


def seconds(value: float) -> str:
    """1.234 → "1.23 s", 0.0021 → "2.1 ms": a stepped run lasts a few ms."""
    if value >= 0.1:
        return f"{value:.2f} s"
    return f"{value * 1000:.1f} ms" if value < 0.01 else f"{value * 1000:.0f} ms"


def _is_print_twin(picture: Picture, pictures: list[Picture]) -> bool:
    """The PNG that stands in for an animated GIF on paper: drawn with the GIF."""
    return not picture.animated and any(p.animated for p in pictures)


def _figure(picture: Picture, pictures: list[Picture]) -> str:
    img = f'<img src="{esc(picture.file)}" alt="{esc(picture.alt)}">'
    if not picture.animated:
        return f"<figure>{img}<figcaption>{esc(picture.alt)}</figcaption></figure>"
    still = next((p for p in pictures if not p.animated), None)
    out = f'<figure class="screen-only">{img}<figcaption>{esc(picture.alt)}</figcaption></figure>'
    if still is not None:
        out += (
            f'<figure class="print-only"><img src="{esc(still.file)}" alt="{esc(still.alt)}">'
            f"<figcaption>{esc(still.alt)}</figcaption></figure>"
        )
    return out


def _setting(scenario: Any, name: str, value: object) -> str:
    """A preset's setting as the window's control says it: "Latency 0.3 s", "Lock off"."""
    try:
        param = scenario.param(name)
    except KeyError:
        return f"{name} {value}"
    if isinstance(value, bool):
        text = "on" if value else "off"
    elif isinstance(value, tuple | list):
        text = ", ".join(str(v) for v in value)
    elif isinstance(value, float):
        text = f"{value:g}"
    else:
        text = str(value)
    unit = param.unit if param.unit.startswith(" ") or not param.unit else f" {param.unit}"
    label = param.label
    if label[1:2].islower():  # "Latency" as in a sentence; "GIL" stays
        label = label[0].lower() + label[1:]
    return f"{label} {text}{unit if not isinstance(value, bool) else ''}"


def key_numbers(result: RunResult) -> list[tuple[str, str]]:
    """A run's outcome as (label, value) rows when its scenario has no figures: its
    numbers, yes/no and words, one level of nesting ("threads: total s")."""
    rows: list[tuple[str, str]] = []

    def add(label: str, key: str, value: Any, depth: int) -> None:
        if isinstance(value, dict):
            for sub, inner in value.items():
                if depth < 2:
                    # a table of tables ("modes": {"threads": {...}}) is named by its inner keys
                    inner_label = (
                        _words(sub) if isinstance(inner, dict) else f"{label}: {_words(sub)}"
                    )
                    add(inner_label, str(sub), inner, depth + 1)
        elif value is not None and not isinstance(value, list):
            rows.append((label, _value(key, value)))

    for key, value in result.outcome.items():
        add(_words(key), key, value, 0)
    return rows[:MAX_KEY_NUMBERS]


def _words(key: object) -> str:
    text = str(key)
    for suffix in ("_s", "_kib", "_us", "_percent"):
        text = text.removesuffix(suffix)
    return text.replace("_", " ")


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and "balance" in key:
        return money(value)
    if isinstance(value, float):
        if key.endswith("_s"):
            return f"{value:.2f} s"
        if key.endswith("_us"):
            return f"{value:.1f} µs"
        if key.endswith("_percent"):
            return f"{value:.1f}%"
        return f"{value:,.4g}"
    if isinstance(value, int):
        unit = " KiB" if key.endswith("_kib") else ""
        return f"{value:,}{unit}"
    return str(value)


def _votes(slide: Slide, run: Any, counts: Mapping[object, int] | None) -> str:
    """The prediction question, its answers with the class's votes when given, and the
    one this run gave marked."""
    preset = slide.preset
    assert preset is not None
    scenario = preset.scenario_object()
    params = run[0].params if run is not None else preset.params
    question, options = scenario.predict(params) if scenario.predict is not None else ("", [])
    counts = counts or {}
    rows: list[tuple[str, int, Any]] = []  # (label, votes, the answer's value or None)
    for value, label in options:  # a choice is counted by its value or by its label
        rows.append((label, sum(n for k, n in counts.items() if k in (value, label)), value))
    known = {k for value, label in options for k in counts if k in (value, label)}
    rows.extend((str(k), n, None) for k, n in counts.items() if k not in known)
    total = sum(n for _label, n, _value in rows)
    body = []
    for label, n, value in rows:
        gave = run is not None and value is not None and _gave(scenario, value, run[0])
        cells = f"<td>{esc(label)}{' ← this run' if gave else ''}</td>"
        if counts:
            share = f" ({n / total:.0%})" if total else ""
            cells += f'<td class="n">{n:,}{share}</td>'
        body.append(f"<tr>{cells}</tr>")
    head = f"<th>{esc(question or 'The class predicted')}</th>"
    if counts:
        head += "<th>Votes</th>"
    note = "" if counts else '<p class="note">The class\'s votes were not recorded.</p>'
    return f'<table class="votes"><tr>{head}</tr>{"".join(body)}</table>{note}'


def _gave(scenario: Any, value: Any, result: RunResult) -> bool:
    if result.cancelled or result.error is not None:
        return False
    if scenario.predicted is not None:
        return bool(scenario.predicted(value, result))
    return bool(result.outcome.get(scenario.predict_key) == value)


def _which_tool(latest: Mapping[str, RunResult], where: str) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in COLUMNS)
    rows = []
    table = which_tool(latest)
    for row, cells in table:
        tds = "".join(
            f'<td class="{"measured" if cell.measured else "missing"}">{esc(cell.text)}'
            + (f"<br><small>({esc(cell.source)})</small>" if cell.source else "")
            + "</td>"
            for cell in cells
        )
        rows.append(f"<tr><th>{esc(row)}</th>{tds}</tr>")
    unrun = any(cell.text == NOT_RUN for _row, cells in table for cell in cells)
    why = f"; “{NOT_RUN}” where no run on this page gave the figure" if unrun else ""
    return (
        f"<p>Measured {esc(where)} on this machine{esc(why)}.</p>"
        f'<table class="which-tool"><tr><th></th>{head}</tr>{"".join(rows)}</table>'
    )
