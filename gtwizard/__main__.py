"""`python -m gtwizard` runs the same entry point as the console script."""

import sys

from gtwizard.cli import main

sys.exit(main())
