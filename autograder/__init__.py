"""The instructor's side of the course: nbgrader configuration pieces and release checks."""

import sys

# jsonschema (imported by nbformat, so by everything here) builds a grammar for IRIs when
# the optional rfc3987-syntax package is installed, as Jupyter's event schemas pull in:
# about two seconds of CPU in every grading process, for a format check that nbformat's
# validation never asks for. Marking it as absent makes jsonschema skip that format.
sys.modules.setdefault("rfc3987_syntax", None)
