"""HideHiddenTests: feedback pages without hidden test code or the tracebacks that quote it."""

from __future__ import annotations

from nbgrader.preprocessors import ClearHiddenTests


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
