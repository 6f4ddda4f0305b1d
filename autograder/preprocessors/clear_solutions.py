"""ClearSolutionsKeepWidgets: the student edition's solution step, for widget questions too."""

from __future__ import annotations

from nbgrader.preprocessors import ClearSolutions

from aicareer.progress import is_widget_question


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
