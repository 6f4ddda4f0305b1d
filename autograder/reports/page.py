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

import jinja2
import matplotlib

matplotlib.use("Agg")  # the grader has no screen
import matplotlib.pyplot as plt  # noqa: E402

from aicareer.plotting import PALETTE, use_course_style  # noqa: E402

from .wording import points_text  # noqa: E402

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


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
    return _png(fig)


def question_plot(shares: list[tuple[str, float]], assignment: str) -> str:
    """Horizontal bars: the share of each question's points the class earned, as base64 PNG."""
    use_course_style()
    fig, ax = plt.subplots(figsize=(6.5, 0.35 * len(shares) + 1.2))
    names = [name for name, _ in shares][::-1]
    values = [100 * value for _, value in shares][::-1]
    colours = [PALETTE[3] if v < 50 else PALETTE[0] for v in values]
    ax.barh(names, values, color=colours)
    ax.set_xlim(0, 100)
    ax.set_title(f"{assignment}: share of points earned per question")
    ax.set_xlabel("mean share of the question's points earned (%)")
    ax.set_ylabel("graded cell")
    return _png(fig)


def render(
    assignment: str,
    rows: list[dict],
    scores: dict[str, dict[str, float]],
    max_points: dict[str, float],
    manual: list[str],
) -> str:
    """The report page as HTML text.

    Args:
        assignment: its name.
        rows: one per submission, with "student", "score", "status", "detail".
        scores: points per grade cell per student (from the gradebook).
        max_points: the points each grade cell is worth.
        manual: grade cells graded by hand (left out of the per-question plot).
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
        if r["status"] != "ok" or r.get("flags")
    ]
    return TEMPLATES.get_template("report/page.html.j2").render(
        assignment=assignment,
        rows=rows,
        graded=len(graded),
        median=points_text(statistics.median(totals)) if totals else None,
        maximum=points_text(maximum),
        score_png=score_plot(totals, maximum, assignment) if totals else "",
        missed=[(q, s) for q, s in shares if s < 0.5] or shares[:3],
        question_png=question_plot(shares, assignment) if shares else "",
        look=look,
        manual=manual,
    )


def write_report(path: Path, html_text: str) -> Path:
    """Save the report page."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_text, encoding="utf-8")
    return path
