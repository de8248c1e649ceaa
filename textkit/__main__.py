"""``python -m textkit``: the same as the ``textkit`` command."""

import sys

from textkit.cli import main

sys.exit(main())
