"""The app's non-code files, installed as threadtruth_gui.resources (see assets.py)."""
