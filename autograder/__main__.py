"""``python -m autograder``: the instructor's command line."""

from .cli import main

raise SystemExit(main())
