"""The instructor's report: how the class did, question by question, and who needs a look.

One self-contained HTML page per assignment (plots embedded as PNG), so it can be
mailed or archived. The page is a jinja2 template with autoescaping on: everything taken
from submissions is escaped by default, so a student name or a status detail can never
run as HTML or script in the instructor's browser.
"""

from __future__ import annotations

import base64
import io
import statistics
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # the grader has no screen
import matplotlib.pyplot as plt  # noqa: E402
from markupsafe import Markup  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from aicareer.plotting import PALETTE, use_course_style  # noqa: E402

from .grades_csv import needs_a_look  # noqa: E402
from .insight import Insight, with_points  # noqa: E402
from .item_analysis import item_analysis_style, render_item_analysis  # noqa: E402
from .templating import templates  # noqa: E402
from .wording import points_text  # noqa: E402


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode()


def question_shares(scores: dict[str, dict[str, float]], max_points: dict[str, float]):
    """Mean share of the points earned per question, lowest (most missed) first."""
    shares = {}
    for question, most in max_points.items():
        earned = [cells.get(question, 0.0) / most for cells in scores.values() if most]
        if earned:
            shares[question] = statistics.mean(earned)
    return sorted(shares.items(), key=lambda item: (item[1], item[0]))


def score_plot(totals: list[float], maximum: float, assignment: str) -> str:
    """Histogram of the class's total scores, as base64 PNG."""
    use_course_style()
    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    bins = max(5, min(20, int(maximum) + 1))
    ax.hist(totals, bins=bins, range=(0, maximum), color=PALETTE[0], edgecolor="white")
    ax.set_title(f"{assignment}: total scores")
    ax.set_xlabel(f"points (of {points_text(maximum)} autograded and by hand)")
    ax.set_ylabel("submissions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # whole submissions, never 0.2 of one
    return _png(fig)


def _short(text: str, limit: int = 60) -> str:
    # matplotlib reads $...$ as mathematics; long titles are cut (the table has them whole).
    text = str(text).replace("$", r"\$")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def question_plot(
    shares: list[tuple[str, float]], assignment: str, labels: dict[str, str] | None = None
) -> str:
    """Horizontal bars: the share of each question's points the class earned, as base64
    PNG, most missed at the top, each question named by ``labels`` (else its grade id)."""
    labels = labels or {}
    use_course_style()
    fig, ax = plt.subplots(figsize=(7.5, 0.35 * len(shares) + 1.2))
    names = [_short(labels.get(name, name)) for name, _ in shares][::-1]
    values = [100 * value for _, value in shares][::-1]
    ax.barh(range(len(names)), values, color=PALETTE[0])
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.axvline(50, color="#999999", linewidth=0.8, linestyle="--")
    ax.set_xlim(0, 100)
    ax.set_title(f"{assignment}: share of points earned per question")
    ax.set_xlabel("mean share of the question's points earned (%); dashed line: half")
    return _png(fig)


def render(
    assignment: str,
    rows: list[dict],
    scores: dict[str, dict[str, float]],
    max_points: dict[str, float],
    manual: list[str],
    insight: Insight | None = None,
) -> str:
    """The report page as HTML text.

    Args:
        assignment: its name.
        rows: one per submission, with "student", "score", "status", "detail".
        scores: points per grade cell per student (from the gradebook).
        max_points: the points each grade cell is worth.
        manual: grade cells graded by hand (left out of the per-question plot).
        insight: the item analysis, widget answers and failed checks
            (:func:`autograder.reports.insight.gather`); without it the page names
            questions by grade id and has no item analysis.
    """
    graded = [r for r in rows if r["score"] != ""]
    totals = [float(r["score"]) for r in graded]
    maximum = sum(max_points.values())
    auto_points = {q: p for q, p in max_points.items() if q not in manual}
    considered = {r["student"]: scores.get(r["student"], {}) for r in graded}
    shares = question_shares(considered, auto_points)
    look = [
        {**r, "flags": [f for f in r.get("flags", "").split(" | ") if f]}
        for r in rows
        if needs_a_look(r)
    ]
    labels = dict(insight.labels) if insight else {}
    item_html = ""
    if insight is not None:
        headings = {c: with_points(label, max_points.get(c, 0)) for c, label in labels.items()}
        # Rendered by our own template with escaping on, so it is safe HTML.
        item_html = Markup(
            render_item_analysis(insight.analysis, insight.widgets, insight.checks, headings)
        )
    return (
        templates()
        .get_template("report/page.html.j2")
        .render(
            assignment=assignment,
            labels=labels,
            item_html=item_html,
            item_style=Markup(item_analysis_style()),
            insight_notes=list(insight.notes) if insight else [],
            rows=rows,
            graded=len(graded),
            median=points_text(statistics.median(totals)) if totals else None,
            maximum=points_text(maximum),
            score_png=score_plot(totals, maximum, assignment) if totals else "",
            missed=[(q, s) for q, s in shares if s < 0.5] or shares[:3],
            question_png=question_plot(shares, assignment, labels) if shares else "",
            look=look,
            manual=manual,
        )
    )


def write_report(path: Path, html_text: str) -> Path:
    """Save the report page."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_text, encoding="utf-8")
    return path
