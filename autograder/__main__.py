"""``python -m autograder``: the instructor's command line."""

import gc

from .cli import main

status = main()
# Everything the command made is written and closed by now. Freezing what is left spares
# the interpreter's last collections, which walk every object of the thousands of modules
# nbgrader and matplotlib import: over half a second of exit that does nothing.
gc.freeze()
raise SystemExit(status)
