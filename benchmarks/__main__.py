"""``python -m benchmarks``: run a benchmark grid (see benchmarks/harness.py)."""

import sys

from .harness import main

sys.exit(main())
