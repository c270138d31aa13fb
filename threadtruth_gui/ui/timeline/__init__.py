"""The timeline widget: one lane of state spans per task, a counter track and a time axis.

Everything is drawn in one `paintEvent` (docs/ARCHITECTURE.md, convention 6): only the
visible time range and rows, one `drawRects` per state for the fill and one for its
pattern, sub-pixel spans merged. Tasks that carry a `mode` (sequential, threads, asyncio)
are grouped under a header; a group with too many lanes to read folds into one aggregate
row, a strip that shows per pixel column how many of its tasks are in each state.

`layout` places rows and groups (no painting); `spans`, `folded`, `counter` and `decor`
paint, each from one `frame.Frame` built per paint; `tips` words the tooltips; `view`
holds the widget's state and events.
"""

from threadtruth_gui.ui.timeline.view import TimelineView

__all__ = ["TimelineView"]
