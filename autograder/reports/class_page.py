"""The class page: every learner's score and status on every graded assignment.

Built from the rows of each assignment's grades CSV (the columns of
``autograder.gradebook.COLUMNS``: assignment, student, score, max_score, status, detail,
flags, seconds_late, seconds) and the roster of students, so it reads no gradebook. Per
assignment it gives the median and the spread (the interquartile range) of the scores
and who has not handed it in. Learners who handed something in but are not on the
roster are kept and marked, never dropped.
"""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass
from pathlib import Path

from .csv_safety import neutralise_row
from .grades_csv import needs_a_look
from .item_analysis import png_base64
from .templating import templates
from .wording import points_text

NOT_HANDED_IN = "not handed in"


@dataclass(frozen=True)
class Mark:
    """One learner's result on one assignment. ``score`` is None when nothing was graded
    (not handed in, or a submission nbgrader could not grade); ``status`` is the grading
    status ("ok", "timeout", ...) or :data:`NOT_HANDED_IN`."""

    score: float | None
    max_score: float | None
    status: str


@dataclass(frozen=True)
class LearnerRow:
    """A learner's marks, in the order of :attr:`ClassTable.assignments`."""

    student: str
    on_roster: bool
    marks: tuple[Mark, ...]

    @property
    def not_handed_in(self) -> tuple[int, ...]:
        """Positions of the assignments this learner has not handed in."""
        return tuple(i for i, mark in enumerate(self.marks) if mark.status == NOT_HANDED_IN)


@dataclass(frozen=True)
class AssignmentSummary:
    """How the class did on one assignment.

    ``median``, ``q1`` and ``q3`` are in points, over graded submissions only, None when
    there are none; the quartiles use the inclusive method (NumPy's default, linear
    interpolation), which stays within the scores given.
    """

    assignment: str
    max_score: float | None
    handed_in: int
    graded: int
    median: float | None
    q1: float | None
    q3: float | None
    not_handed_in: tuple[str, ...]
    needs_a_look: int

    @property
    def iqr(self) -> float | None:
        """The interquartile range, q3 - q1, in points."""
        return None if self.q1 is None else self.q3 - self.q1


@dataclass(frozen=True)
class ClassTable:
    """The whole class across assignments: see :func:`class_table`."""

    assignments: tuple[str, ...]
    learners: tuple[LearnerRow, ...]
    summaries: tuple[AssignmentSummary, ...]
    not_on_roster: tuple[str, ...]


def _number(value) -> float | None:
    """A score as a float; "" and None (not graded) as None."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return float(value)


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """First quartile, median and third quartile (inclusive method) of a non-empty list."""
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, median, q3


def class_table(grades: dict[str, list[dict]], roster: list[str]) -> ClassTable:
    """Everyone's marks on every assignment.

    Args:
        grades: per assignment name, in the order the page shows them, the rows of its
            grades CSV: dicts with at least "student", "score" (a number, or "" / None when
            not graded), "max_score" and "status", as written to
            ``reports/<assignment>-grades.csv`` (strings read back from the file work too).
            An assignment with no submissions yet has an empty list.
        roster: the student ids of the class. Learners missing from a list of rows have
            not handed that assignment in.

    Raises:
        ValueError: when one assignment has two rows for the same student (which row
            counts would be a guess).
    """
    assignments = tuple(grades)
    by_assignment: dict[str, dict[str, dict]] = {}
    for assignment, rows in grades.items():
        seen: dict[str, dict] = {}
        for row in rows:
            student = str(row["student"])
            if student in seen:
                raise ValueError(
                    f"{assignment}: two grade rows for student {student!r}; keep one "
                    "(the grades CSV has one row per submission)"
                )
            seen[student] = row
        by_assignment[assignment] = seen
    on_roster = list(dict.fromkeys(str(s) for s in roster))
    roster_set = set(on_roster)
    extra = sorted({s for rows in by_assignment.values() for s in rows if s not in roster_set})
    learners = []
    for student in sorted(on_roster) + extra:
        marks = []
        for assignment in assignments:
            row = by_assignment[assignment].get(student)
            if row is None:
                marks.append(Mark(None, None, NOT_HANDED_IN))
            else:
                marks.append(
                    Mark(
                        _number(row.get("score")),
                        _number(row.get("max_score")),
                        str(row.get("status") or ""),
                    )
                )
        learners.append(LearnerRow(student, student in roster_set, tuple(marks)))
    summaries = []
    for position, assignment in enumerate(assignments):
        rows = by_assignment[assignment]
        scores = sorted(
            m.score
            for m in (learner.marks[position] for learner in learners)
            if m.score is not None
        )
        maxima = [m for m in (_number(r.get("max_score")) for r in rows.values()) if m is not None]
        q1 = median = q3 = None
        if scores:
            q1, median, q3 = quartiles(scores)
        summaries.append(
            AssignmentSummary(
                assignment=assignment,
                max_score=max(maxima) if maxima else None,
                handed_in=len(rows),
                graded=len(scores),
                median=median,
                q1=q1,
                q3=q3,
                not_handed_in=tuple(s for s in sorted(on_roster) if s not in rows),
                needs_a_look=sum(needs_a_look(r) for r in rows.values()),
            )
        )
    return ClassTable(assignments, tuple(learners), tuple(summaries), tuple(extra))


def _score_text(mark: Mark) -> str:
    return "" if mark.score is None else points_text(mark.score)


def learner_csv_rows(table: ClassTable) -> list[list[str]]:
    """The learners' table as CSV rows, header first: student, on roster ("yes"/"no"),
    then a score and a status column per assignment, then the assignments not handed in."""
    header = ["student", "on roster"]
    for assignment in table.assignments:
        header += [f"{assignment} score", f"{assignment} status"]
    header.append("not handed in")
    rows = [header]
    for learner in table.learners:
        row = [learner.student, "yes" if learner.on_roster else "no"]
        for mark in learner.marks:
            row += [_score_text(mark), mark.status]
        row.append("; ".join(table.assignments[i] for i in learner.not_handed_in))
        rows.append(row)
    return rows


def summary_csv_rows(table: ClassTable) -> list[list[str]]:
    """The per-assignment summary as CSV rows, header first (points, blank when undefined)."""

    def text(value):
        return "" if value is None else points_text(value)

    rows = [
        [
            "assignment",
            "max score",
            "handed in",
            "graded",
            "median",
            "first quartile",
            "third quartile",
            "interquartile range",
            "needs a look",
            "not handed in",
        ]
    ]
    for s in table.summaries:
        rows.append(
            [
                s.assignment,
                text(s.max_score),
                str(s.handed_in),
                str(s.graded),
                text(s.median),
                text(s.q1),
                text(s.q3),
                text(s.iqr),
                str(s.needs_a_look),
                "; ".join(s.not_handed_in),
            ]
        )
    return rows


def write_rows(path: Path, rows: list[list[str]]) -> Path:
    """Write CSV ``rows`` as UTF-8, every cell made formula-safe; returns ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerows(neutralise_row(row) for row in rows)
    return path


def score_spread_chart(table: ClassTable) -> str:
    """Box plots of the share of points earned per assignment, as base64 PNG ("" when
    nothing is graded yet)."""
    import matplotlib.pyplot as plt

    from aicareer.plotting import PALETTE, use_course_style

    data, names = [], []
    for position, summary in enumerate(table.summaries):
        if not summary.max_score:
            continue
        shares = [
            100 * learner.marks[position].score / summary.max_score
            for learner in table.learners
            if learner.marks[position].score is not None
        ]
        if shares:
            data.append(shares)
            names.append(summary.assignment)
    if not data:
        return ""
    use_course_style()
    fig, ax = plt.subplots(figsize=(min(1.1 * len(data) + 2.5, 9.5), 3.4))
    ax.boxplot(
        data,
        widths=0.5,
        patch_artist=True,
        boxprops={"facecolor": PALETTE[0], "alpha": 0.35, "edgecolor": PALETTE[0]},
        medianprops={"color": PALETTE[0], "linewidth": 2},
    )
    ax.set_xticks(range(1, len(names) + 1), [n.replace("$", r"\$") for n in names], rotation=20)
    ax.set_ylim(0, 105)
    ax.set_ylabel("share of points (%)")
    ax.set_title("Scores per assignment: median, middle half and range")
    return png_base64(fig)


def render_class_page(table: ClassTable, title: str = "Class overview", chart: bool = True) -> str:
    """The class page as one self-contained HTML page (the chart embedded as PNG, no
    outside resources); every student id and status is escaped."""
    from markupsafe import Markup

    return (
        templates()
        .get_template("class_page.html.j2")
        .render(
            title=title,
            table=table,
            chart_png=score_spread_chart(table) if chart else "",
            style=Markup(templates().get_template("report.css.j2").render()),
            not_handed_in=NOT_HANDED_IN,
        )
    )


def write_class_reports(folder: Path, table: ClassTable, stem: str = "class") -> dict[str, Path]:
    """Write ``<stem>-grades.csv`` (learners), ``<stem>-summary.csv`` (assignments) and
    ``<stem>.html`` (the page) into ``folder``; returns their paths by kind."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    page = folder / f"{stem}.html"
    page.write_text(render_class_page(table), encoding="utf-8")
    return {
        "learners": write_rows(folder / f"{stem}-grades.csv", learner_csv_rows(table)),
        "summary": write_rows(folder / f"{stem}-summary.csv", summary_csv_rows(table)),
        "page": page,
    }
