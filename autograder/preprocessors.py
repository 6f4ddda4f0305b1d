"""nbgrader preprocessors the course adds to ``nbgrader generate_assignment``."""

from __future__ import annotations

from nbgrader.preprocessors import ClearSolutions

WIDGET_QUESTION_TAG = "widget-question"


def is_widget_question(cell) -> bool:
    """True for a cell that asks a widget question (tagged ``widget-question``)."""
    return WIDGET_QUESTION_TAG in cell.get("metadata", {}).get("tags", [])


class ClearSolutionsKeepWidgets(ClearSolutions):
    """nbgrader's ClearSolutions, except that widget question cells get no stub.

    In a widget question cell the solution block only records the instructor's
    answer; the learner answers with the widget, so the student edition must not
    gain nbgrader's ``raise NotImplementedError()`` there (the cell would fail and
    stop "Run All").
    """

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code" or not is_widget_question(cell):
            return super().preprocess_cell(cell, resources, cell_index)
        stubs = self.code_stub
        self.code_stub = {language: "" for language in stubs}
        try:
            cell, resources = super().preprocess_cell(cell, resources, cell_index)
        finally:
            self.code_stub = stubs
        cell.source = cell.source.rstrip()
        return cell, resources
