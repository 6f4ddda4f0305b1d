"""DeduplicateIdsCleanly: a copied graded cell stays an ordinary cell instead of failing grading."""

from __future__ import annotations

from nbgrader.preprocessors import DeduplicateIds


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
