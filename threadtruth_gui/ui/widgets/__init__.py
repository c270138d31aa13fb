"""Custom-painted widgets: timeline, code pane, balance bar, task cards, verdict banner."""
