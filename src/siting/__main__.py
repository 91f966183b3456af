"""`python -m siting` is the `siting` command."""

import sys

from .cli import main

sys.exit(main())
