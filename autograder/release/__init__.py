"""Release: the student edition generated from ``source/`` by nbgrader (``student_edition``),
and the checks that refuse it unless it is fit to hand out (``checks``)."""

from .student_edition import ReleaseRefused, release

__all__ = ["ReleaseRefused", "release"]
