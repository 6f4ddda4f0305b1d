"""nbgrader preprocessors the course adds to ``nbgrader generate_assignment``."""

from __future__ import annotations

from nbgrader.preprocessors import ClearHiddenTests, ClearSolutions, DeduplicateIds

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


class HideHiddenTests(ClearHiddenTests):
    """For feedback: drop hidden test code, and the tracebacks that would quote it.

    nbgrader's feedback shows each test cell as it ran, hidden tests included. This
    removes the hidden block from every test cell and, where that cell failed, keeps
    only the error's name and message (a traceback would print the hidden lines).
    """

    def preprocess_cell(self, cell, resources, cell_index):
        removed = cell.cell_type == "code" and self._remove_hidden_test_region(cell)
        if removed:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [
                        f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"
                    ]
        return cell, resources


class DeduplicateIdsCleanly(DeduplicateIds):
    """nbgrader's DeduplicateIds, leaving a copied graded cell as an ordinary cell.

    nbgrader keeps the last cell with a given id and empties the others' nbgrader
    metadata to ``{}``; its own next step then fails on that empty dictionary, and the
    whole submission with it. Removing the key instead lets grading go on: the copy
    earns nothing, and the id is still graded once.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.metadata.get("nbgrader") == {}:
            del cell.metadata["nbgrader"]
        return cell, resources
