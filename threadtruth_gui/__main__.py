"""`python -m threadtruth_gui` is the same as the `threadtruth` command."""

import sys

from threadtruth_gui.cli import main

if __name__ == "__main__":
    sys.exit(main())
