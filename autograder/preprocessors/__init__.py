"""The nbgrader steps the course swaps in for nbgrader's own, one per file, each a subclass
that ``nbgrader_config.py`` puts in place of its parent by identity."""

from .clear_solutions import ClearSolutionsKeepWidgets
from .deduplicate_ids import DeduplicateIdsCleanly
from .execute import GuardedExecute
from .hide_hidden_tests import HideHiddenTests
from .name_feedback_cells import NameFeedbackCells
from .strict_grades import SaveAutoGradesStrictly

__all__ = [
    "ClearSolutionsKeepWidgets",
    "DeduplicateIdsCleanly",
    "GuardedExecute",
    "HideHiddenTests",
    "NameFeedbackCells",
    "SaveAutoGradesStrictly",
]
