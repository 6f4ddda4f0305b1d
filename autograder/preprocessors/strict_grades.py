"""nbgrader's SaveAutoGrades with a stricter rule for what a test cell earns.

nbgrader reads a test cell's score from its outputs, and its rule is generous: the first
``execute_result`` decides, so a non-numeric result shown *before* an error earns full
marks, and a cell whose error was swallowed (nothing shown) earns full marks too. Code
in a learner's kernel can produce both.

Here a code test cell earns points only from outputs a test cell of ours can produce:

- it ran (it has an execution count) and shows no error and nothing on stderr;
- it shows no rich output (``display_data``) and at most one ``execute_result``, which
  must be its last output: a plain number from 0 to the cell's points (what
  ``hw.grade(...)`` leaves), the points earned; any other result earns nothing;
- otherwise (only printed text, or nothing) it earns its full points.

Other cells (written answers, reflections) keep nbgrader's own rule.

nbgrader commits after every graded and every answer cell, and each commit makes SQLite
sync the database file to disk: about twenty syncs per submission, with the database's
write lock taken and given back each time while other workers wait for it. Here the
notebook's grades and comments are written together, in one transaction at its end.
"""

from __future__ import annotations

import math

from nbgrader import utils
from nbgrader.preprocessors import SaveAutoGrades, saveautogrades

ALLOWED_OUTPUTS = ("stream", "execute_result", "error")  # anything else: no points


def _number(text) -> float | None:
    if isinstance(text, list):
        text = "".join(text)
    try:
        value = float(str(text).strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def strict_grade(cell, log=None) -> tuple[float | None, float]:
    """(points earned, points possible) of a graded cell, by the strict rule above."""
    max_points = float(cell.metadata["nbgrader"]["points"])
    if cell.cell_type != "code" or utils.is_solution(cell):
        return utils.determine_grade(cell, log)
    outputs = cell.get("outputs") or []
    if cell.get("execution_count") is None:
        return 0.0, max_points
    for output in outputs:
        kind = output.get("output_type")
        if kind not in ALLOWED_OUTPUTS or kind == "error":
            return 0.0, max_points
        if kind == "stream" and output.get("name") != "stdout":
            return 0.0, max_points
    results = [o for o in outputs if o.get("output_type") == "execute_result"]
    if not results:
        return max_points, max_points
    result = results[0]
    data = result.get("data") or {}
    if len(results) > 1 or result is not outputs[-1] or set(data) != {"text/plain"}:
        return 0.0, max_points
    earned = _number(data["text/plain"])
    if earned is None or not 0 <= earned <= max_points:
        return 0.0, max_points
    return earned, max_points


class SaveAutoGradesStrictly(SaveAutoGrades):
    """SaveAutoGrades scoring code test cells by :func:`strict_grade`, and saving a
    notebook's grades in one transaction."""

    def preprocess(self, nb, resources):
        about = resources["nbgrader"]
        self.notebook_id = about["notebook"]
        self.assignment_id = about["assignment"]
        self.student_id = about["student"]
        self.db_url = about["db_url"]
        # Looked up in nbgrader's module when used: a worker shares one engine per
        # database by replacing the name there (autograder.grading.shared_engine).
        self.gradebook = saveautogrades.Gradebook(self.db_url)
        with self.gradebook:
            # Changes wait in the session until the commit: finding the next cell's row
            # writes nothing, so the write lock is held only for the commit itself.
            with self.gradebook.db.no_autoflush:
                nb, resources = super(SaveAutoGrades, self).preprocess(nb, resources)
            self.gradebook.db.commit()
        return nb, resources

    def _add_score(self, cell, resources) -> None:
        grade = self.gradebook.find_grade(
            cell.metadata["nbgrader"]["grade_id"],
            self.notebook_id,
            self.assignment_id,
            self.student_id,
        )
        grade.auto_score, _ = strict_grade(cell, self.log)
        # As nbgrader: a person looks again where they gave a score, or none could be given.
        grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None

    def _add_comment(self, cell, resources) -> None:
        comment = self.gradebook.find_comment(
            cell.metadata["nbgrader"]["grade_id"],
            self.notebook_id,
            self.assignment_id,
            self.student_id,
        )
        # As nbgrader: an answer cell left exactly as it was released says so to a grader.
        untouched = cell.metadata["nbgrader"].get("checksum") == utils.compute_checksum(cell)
        comment.auto_comment = "No response." if untouched and not utils.is_task(cell) else None
