"""The engine: records, traces and runs scenario code. Pure Python; it never imports Qt."""
