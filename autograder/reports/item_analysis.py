"""Item analysis: which questions of an assignment work, and what learners misunderstood.

Everything here takes plain data (points per grade cell, parsed answer sheets, error
messages) and returns plain data; nothing reads the gradebook or a submission, so the
caller decides what is trusted. Three parts:

- :func:`item_statistics`: per graded cell, its difficulty (the mean share of its points
  earned) and its discrimination, measured two ways and both corrected so the question
  does not count against itself: the point-biserial correlation of the question's share
  with each learner's total over the *other* questions, and the upper-minus-lower index
  (mean share in the top 27% of learners by that rest score minus the mean share in the
  bottom 27%). Flags name questions that are probably broken, give no information, or
  separate learners weakly. Below :data:`MIN_CLASS_SIZE` submissions, discrimination is
  not computed and the analysis says why.
- :func:`option_counts`: for a widget question, how many learners chose each option (each
  position of a ranking, each pair of a matching, each value of an estimate), and the
  most common wrong answer, judged by :func:`aicareer.grading.assess` against the key.
- :func:`failed_checks`: for code questions, which visible and hidden checks failed most,
  grouped by their error messages.

Numbers that cannot be computed are ``None`` with a sentence saying why, never NaN.
"""

from __future__ import annotations

import base64
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")  # the grader has no screen
import matplotlib.pyplot as plt  # noqa: E402

from aicareer.grading import assess  # noqa: E402
from aicareer.plotting import PALETTE, use_course_style  # noqa: E402
from aicareer.questions import InvalidAnswer, Question  # noqa: E402

from .templating import templates  # noqa: E402

# Below this many submissions a correlation is mostly noise, so it is not shown.
MIN_CLASS_SIZE = 10
# The share of learners in each of the upper and lower groups (Kelley's 27%).
GROUP_SHARE = 0.27
# A correlation at or below this is "clearly negative": strong learners miss the question
# more often than weak ones, which a working question does not do.
BROKEN_BELOW = -0.2
# Between the two thresholds a question separates learners little (test makers' rule of thumb).
WEAK_BELOW = 0.2

PROBABLY_BROKEN = "probably broken"
NO_INFORMATION = "too easy: no information"
NOBODY_EARNED = "nobody earned it"
SEPARATES_WEAKLY = "separates weakly"

NOT_ANSWERED = "(not answered)"
NOTHING_CHOSEN = "(nothing chosen)"
MAX_MESSAGE = 300


@dataclass(frozen=True)
class GradedCell:
    """A graded cell as the report names it.

    Attributes:
        grade_id: nbgrader's grade id of the cell ("q2_1_check").
        label: what an instructor calls it ("Question 2.1 · stepping stones").
        max_points: the points the cell is worth.
    """

    grade_id: str
    label: str
    max_points: float


@dataclass(frozen=True)
class ItemStatistics:
    """The statistics of one graded cell.

    ``difficulty`` is the mean share of the points earned (1.0: everyone earned all);
    ``discrimination`` the corrected point-biserial correlation; ``upper_lower`` the
    upper-minus-lower 27% index. A number is ``None`` when it is undefined or withheld,
    and ``notes`` then says why. ``flags`` holds the constants of this module
    (:data:`PROBABLY_BROKEN`, :data:`NO_INFORMATION`, :data:`NOBODY_EARNED`,
    :data:`SEPARATES_WEAKLY`).
    """

    grade_id: str
    label: str
    max_points: float
    submissions: int
    difficulty: float | None
    discrimination: float | None
    upper_lower: float | None
    flags: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemAnalysis:
    """The statistics of every graded cell of one assignment.

    ``statistics_shown`` is False when the class is too small for discrimination to mean
    anything; ``reason`` then says so in a sentence for the page.
    """

    submissions: int
    statistics_shown: bool
    reason: str
    items: tuple[ItemStatistics, ...]
    group_size: int = 0


def _share(points: float, most: float) -> float:
    """The share of ``most`` earned, kept within 0 and 1 (a gradebook can hold odd values)."""
    if most <= 0:
        return 0.0
    return min(1.0, max(0.0, float(points) / most))


def _mean(values: list[float]) -> float:
    return math.fsum(values) / len(values)


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's correlation of two equally long lists, or None when either does not vary."""
    if len(xs) != len(ys) or len(xs) < 2:
        return None
    mx, my = _mean(xs), _mean(ys)
    sxy = math.fsum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = math.fsum((x - mx) ** 2 for x in xs)
    syy = math.fsum((y - my) ** 2 for y in ys)
    # Below this the spread is rounding error, not a difference between learners.
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def item_statistics(
    cells: list[GradedCell],
    scores: dict[str, dict[str, float]],
    min_class_size: int = MIN_CLASS_SIZE,
) -> ItemAnalysis:
    """Difficulty, discrimination and flags for every graded cell.

    Args:
        cells: the graded cells to analyse, in the order the page lists them. Leave out
            cells graded by hand that nobody has marked yet: a cell everyone "scored" 0
            on would read as a question nobody could answer.
        scores: points earned per grade id, per student, for the submissions that were
            graded (``{"alice": {"q1_1_check": 3.0, ...}, ...}``); a cell missing from a
            student's dict counts as 0 points.
        min_class_size: below this many submissions, discrimination and flags are withheld.

    Each learner's rest score for a cell is their points over all *other* cells, so a
    question is never correlated with itself. The upper and lower groups are the
    ``round(0.27 * n)`` learners (at least 1) with the highest and lowest rest scores;
    learners with equal rest scores are ordered by student id, so the result is repeatable.
    """
    students = sorted(scores)
    n = len(students)
    shown = n >= min_class_size
    if n == 0:
        reason = "No graded submissions yet, so there is nothing to analyse."
    elif not shown:
        reason = (
            f"Only {n} graded submission{'s' if n != 1 else ''}: discrimination and flags are "
            f"not shown below {min_class_size}, because with so few learners one person's "
            "luck decides them. The share of points earned is shown."
        )
    else:
        reason = ""
    group_size = max(1, round(GROUP_SHARE * n)) if n else 0
    points = {
        s: {c.grade_id: float(scores[s].get(c.grade_id, 0.0) or 0.0) for c in cells}
        for s in students
    }
    totals = {s: math.fsum(points[s].values()) for s in students}
    items = []
    for cell in cells:
        shares = [_share(points[s][cell.grade_id], cell.max_points) for s in students]
        rests = [totals[s] - points[s][cell.grade_id] for s in students]
        items.append(_one_item(cell, students, shares, rests, shown, group_size))
    return ItemAnalysis(n, shown, reason, tuple(items), group_size if shown else 0)


def _one_item(
    cell: GradedCell,
    students: list[str],
    shares: list[float],
    rests: list[float],
    shown: bool,
    group_size: int,
) -> ItemStatistics:
    n = len(students)
    base = {
        "grade_id": cell.grade_id,
        "label": cell.label,
        "max_points": cell.max_points,
        "submissions": n,
    }
    if n == 0:
        return ItemStatistics(**base, difficulty=None, discrimination=None, upper_lower=None)
    difficulty = _mean(shares)
    if not shown:
        return ItemStatistics(
            **base,
            difficulty=difficulty,
            discrimination=None,
            upper_lower=None,
            notes=(f"Discrimination is not shown with fewer than {MIN_CLASS_SIZE} submissions.",),
        )
    flags, notes = [], []
    if min(shares) == max(shares):
        if shares[0] >= 1.0:
            flags.append(NO_INFORMATION)
            notes.append(
                "Everyone earned all its points, so it cannot tell learners apart: "
                "discrimination is undefined."
            )
        elif shares[0] <= 0.0:
            flags.append(NOBODY_EARNED)
            notes.append(
                "Nobody earned any of its points: check the key or the hidden test. "
                "Discrimination is undefined."
            )
        else:
            notes.append(
                "Everyone earned the same share of its points, so discrimination is undefined."
            )
        return ItemStatistics(
            **base,
            difficulty=difficulty,
            discrimination=None,
            upper_lower=None,
            flags=tuple(flags),
            notes=tuple(notes),
        )
    discrimination = pearson(shares, rests)
    order = sorted(range(n), key=lambda i: (rests[i], students[i]))
    lower, upper = order[:group_size], order[-group_size:]
    upper_lower = _mean([shares[i] for i in upper]) - _mean([shares[i] for i in lower])
    if discrimination is None:
        upper_lower = None  # with equal rest scores, the groups would be picked by name alone
        notes.append(
            "Everyone scored the same on the rest of the assignment, so there is nothing to "
            "compare this question with: discrimination is undefined."
        )
    elif discrimination <= BROKEN_BELOW:
        flags.append(PROBABLY_BROKEN)
        notes.append(
            "Learners who did well on the rest of the assignment did worse on this question "
            "than those who did not: check its key, its hidden test and its wording."
        )
    elif discrimination < WEAK_BELOW:
        flags.append(SEPARATES_WEAKLY)
        notes.append(
            "Learners who did well elsewhere did hardly better here: the question may be "
            "answered by luck or may be unclear."
        )
    return ItemStatistics(
        **base,
        difficulty=difficulty,
        discrimination=discrimination,
        upper_lower=upper_lower,
        flags=tuple(flags),
        notes=tuple(notes),
    )


# --- widget questions -----------------------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One bar of an option chart: a label, how many learners it stands for, and whether
    it is (part of) the key: True, False, or None when no key was given or the idea of a
    right bar does not apply (a numeric estimate's value)."""

    label: str
    count: int
    right: bool | None = None


@dataclass(frozen=True)
class OptionCounts:
    """What the class chose for one widget question.

    ``groups`` holds one list of bars per chart: a single or multiple choice has one
    group titled ``""``; a ranking one group per position ("position 1", ...); a matching
    one group per item; a numeric question one group of the values given. ``answered``
    counts learners with a valid answer, ``unanswered`` those with none, ``invalid`` those
    whose saved answer does not fit the question (an option renamed since, say).
    ``right``, ``partly`` and ``wrong`` count answers by :func:`aicareer.grading.assess`
    (full, some, no credit); they and ``most_common_wrong`` are None without a key.
    """

    question_id: str
    label: str
    kind: str
    answered: int
    unanswered: int
    invalid: int
    groups: tuple[tuple[str, tuple[Bar, ...]], ...]
    right: int | None = None
    partly: int | None = None
    wrong: int | None = None
    most_common_wrong: str | None = None
    most_common_wrong_count: int = 0
    chart_png: str = field(default="", compare=False)


def describe_answer(question: Question, value) -> str:
    """An answer as one line of text: ``"A"``, ``"A + C"``, ``"A > B > C"``,
    ``"item → choice; item → choice"`` or ``"0.075"``."""
    if question.kind == "single":
        return str(value)
    if question.kind == "multiple":
        return " + ".join(value) if value else NOTHING_CHOSEN
    if question.kind == "ranking":
        return " > ".join(value)
    if question.kind == "matching":
        return "; ".join(f"{item} → {choice}" for item, choice in value.items()) or NOTHING_CHOSEN
    return f"{value:g}"


def option_counts(
    question: Question,
    answers: dict[str, object],
    key=None,
    *,
    label: str = "",
    tolerance: float | None = None,
    chart: bool = True,
) -> OptionCounts:
    """Count what each learner chose for ``question``.

    Args:
        question: the question as the assignment asks it (from :mod:`aicareer.questions`).
        answers: the parsed value from each learner's handed-in answer sheet, by student
            id: a str (single choice), a list of str (multiple choice: the options ticked;
            ranking: the items, first to last), a dict item -> choice (matching) or a
            number (numeric). ``None`` means the learner saved no answer.
        key: the right answer, in the same shape; without it, nothing is judged right or
            wrong and no most common wrong answer is named.
        label: how the page names the question ("Question 1.2 · warning signs").
        tolerance: for a numeric question, how far from the key still counts as right.
        chart: draw the bar chart (as base64 PNG in ``chart_png``).

    Right and wrong are decided by :func:`aicareer.grading.assess`, the same scoring the
    graded notebook used; an answer earning less than full credit counts as wrong when
    the most common wrong answer is chosen, since partial credit is a misconception too.
    """
    valid, unanswered, invalid = {}, 0, 0
    for student, value in answers.items():
        if value is None:
            unanswered += 1
            continue
        try:
            valid[student] = question.check(value)
        except InvalidAnswer:
            invalid += 1
    values = list(valid.values())
    groups = _groups(question, values, key)
    right = partly = wrong = None
    most_common, most_common_count = None, 0
    if key is not None:
        fractions = [assess(question, value, key, tolerance)[0] for value in values]
        right = sum(f >= 1 for f in fractions)
        partly = sum(0 < f < 1 for f in fractions)
        wrong = sum(f <= 0 for f in fractions)
        mistakes = Counter(
            describe_answer(question, value)
            for value, f in zip(values, fractions, strict=True)
            if f < 1
        )
        if mistakes:
            # Most learners first; equal counts in alphabetical order, so it is repeatable.
            most_common, most_common_count = min(mistakes.items(), key=lambda kv: (-kv[1], kv[0]))
    counts = OptionCounts(
        question_id=question.id,
        label=label or question.id,
        kind=question.kind,
        answered=len(values),
        unanswered=unanswered,
        invalid=invalid,
        groups=groups,
        right=right,
        partly=partly,
        wrong=wrong,
        most_common_wrong=most_common,
        most_common_wrong_count=most_common_count,
    )
    if chart and values:
        counts = OptionCounts(**{**counts.__dict__, "chart_png": option_chart(counts)})
    return counts


def _groups(question: Question, values: list, key) -> tuple[tuple[str, tuple[Bar, ...]], ...]:
    """The bars of each chart for ``question``; see :class:`OptionCounts`."""
    known = key is not None
    if question.kind == "single":
        tally = Counter(values)
        bars = tuple(Bar(o, tally[o], (o == key) if known else None) for o in question.options)
        return (("", bars),)
    if question.kind == "multiple":
        bars = tuple(
            Bar(o, sum(o in v for v in values), (o in key) if known else None)
            for o in question.options
        )
        return (("", bars),)
    if question.kind == "ranking":
        groups = []
        for position in range(len(question.items)):
            tally = Counter(v[position] for v in values)
            bars = tuple(
                Bar(item, tally[item], (key[position] == item) if known else None)
                for item in question.items
            )
            groups.append((f"position {position + 1}", bars))
        return tuple(groups)
    if question.kind == "matching":
        groups = []
        for item in question.left:
            tally = Counter(v.get(item, NOT_ANSWERED) for v in values)
            choices = list(question.right) + ([NOT_ANSWERED] if tally[NOT_ANSWERED] else [])
            bars = tuple(Bar(c, tally[c], (key.get(item) == c) if known else None) for c in choices)
            groups.append((item, bars))
        return tuple(groups)
    # numeric: one bar per value given, smallest first
    tally = Counter(values)
    return (("", tuple(Bar(f"{v:g}", tally[v]) for v in sorted(tally))),)


def png_base64(fig) -> str:
    """A matplotlib figure as base64 PNG text for a ``data:`` URL; closes the figure."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def option_chart(counts: OptionCounts) -> str:
    """Small horizontal bar charts of ``counts``, one panel per group, as base64 PNG.

    Bars that are part of the key are green, others blue; without a key all are blue.
    """
    use_course_style()
    groups = counts.groups
    rows = max(len(bars) for _, bars in groups)
    fig, axes = plt.subplots(
        1,
        len(groups),
        figsize=(min(3.2 * len(groups), 12), 0.32 * rows + 0.9),
        squeeze=False,
        sharex=True,
    )
    most = max([bar.count for _, bars in groups for bar in bars] + [1])
    for ax, (title, bars) in zip(axes[0], groups, strict=True):
        labels = [_short(bar.label) for bar in bars][::-1]
        values = [bar.count for bar in bars][::-1]
        colours = [PALETTE[2] if bar.right else PALETTE[0] for bar in bars][::-1]
        ax.barh(range(len(bars)), values, color=colours)
        ax.set_yticks(range(len(bars)), labels, fontsize=8)
        ax.set_xlim(0, most * 1.15)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.tick_params(axis="x", labelsize=8)
        if title:
            ax.set_title(_short(title, 30), fontsize=9)
    axes[0][0].set_xlabel("learners", fontsize=8)
    return png_base64(fig)


def _short(text: str, limit: int = 40) -> str:
    # Option texts can be whole sentences; the table beside the chart has them in full.
    text = str(text).replace("$", r"\$")  # matplotlib would read $...$ as mathematics
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- code questions ---------------------------------------------------------------------


@dataclass(frozen=True)
class FailedCheck:
    """One kind of failure of a test cell: a message (with an example as learners saw
    it), whether the check is hidden (None when not known), and how many learners'
    submissions failed it."""

    message: str
    example: str
    hidden: bool | None
    learners: int


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_NUMBER = re.compile(r"[-+]?\d+(?:[.,]\d+)*(?:[eE][-+]?\d+)?")
_CELL_LINE = re.compile(r"(?:Cell In\s*\[[^\]]*\]|<ipython-input-[^>]*>),\s*line (\d+)")
HIDDEN_MARK = "### BEGIN HIDDEN TESTS"


def clean_message(message: str) -> str:
    """An error message as one plain line: terminal colours gone, whitespace collapsed,
    cut to :data:`MAX_MESSAGE` characters."""
    text = " ".join(_ANSI.sub("", str(message)).split())
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


def message_pattern(message: str) -> str:
    """The message with every number replaced by ``#``: messages that differ only in the
    value a learner's code returned ("expected 0.5, got 0.25" and "expected 0.5, got 1")
    are the same failed check."""
    return _NUMBER.sub("#", clean_message(message))


def failure_from_error_output(output: dict, cell_source: str) -> dict:
    """One failure, ``{"message": ..., "hidden": ...}``, from a graded test cell's error
    output (nbformat's ``{"output_type": "error", "ename", "evalue", "traceback"}``).

    ``cell_source`` is the *trusted* source of the test cell (from the instructor's source
    notebook, with its ``### BEGIN HIDDEN TESTS`` line). The check is hidden when the
    traceback's frame in the test cell itself (the first ``Cell In[n], line k`` frame)
    points at or after that line; None when the traceback does not say. The traceback was
    written by the learner's kernel, so this only sorts messages for the report; it is
    never used for a grade.
    """
    ename = clean_message(output.get("ename", "") or "")
    evalue = clean_message(output.get("evalue", "") or "")
    message = f"{ename}: {evalue}" if evalue else ename
    hidden = None
    lines = str(cell_source).splitlines()
    mark = next((i + 1 for i, line in enumerate(lines) if line.strip() == HIDDEN_MARK), None)
    traceback = output.get("traceback")
    frames = traceback if isinstance(traceback, list) else []
    for frame in frames:
        match = _CELL_LINE.search(_ANSI.sub("", str(frame)))
        if match:
            hidden = mark is not None and int(match.group(1)) >= mark
            break
    return {"message": message, "hidden": hidden}


def failed_checks(
    failures: dict[str, dict[str, list]],
) -> dict[str, tuple[FailedCheck, ...]]:
    """Which checks of each test cell failed most, by message.

    Args:
        failures: per student, per test cell's grade id, the failures shown by that cell:
            each a dict ``{"message": str, "hidden": bool | None}`` (as
            :func:`failure_from_error_output` returns) or just the message as a str
            (hidden not known). ``{"alice": {"test_psi_values": [{"message":
            "AssertionError: Expected 0.5, got 0.25", "hidden": False}]}}``.

    Returns, per test cell, its failed checks, the most learners first. Messages are
    grouped by :func:`message_pattern`; a learner counts once per check.
    """
    per_cell: dict[str, dict[tuple[str, bool | None], set[str]]] = {}
    examples: dict[tuple[str, str, bool | None], Counter] = {}
    for student, cells in failures.items():
        for cell_id, items in cells.items():
            for item in items:
                if isinstance(item, dict):
                    message, hidden = item.get("message", ""), item.get("hidden")
                else:
                    message, hidden = item, None
                hidden = hidden if isinstance(hidden, bool) else None
                pattern = message_pattern(message)
                per_cell.setdefault(cell_id, {}).setdefault((pattern, hidden), set()).add(student)
                examples.setdefault((cell_id, pattern, hidden), Counter())[
                    clean_message(message)
                ] += 1
    result = {}
    for cell_id, checks in per_cell.items():
        listed = [
            FailedCheck(
                message=pattern,
                example=min(
                    examples[(cell_id, pattern, hidden)].items(), key=lambda kv: (-kv[1], kv[0])
                )[0],
                hidden=hidden,
                learners=len(students),
            )
            for (pattern, hidden), students in checks.items()
        ]
        listed.sort(key=lambda check: (-check.learners, check.message, str(check.hidden)))
        result[cell_id] = tuple(listed)
    return result


# --- the page -------------------------------------------------------------------------


def render_item_analysis(
    analysis: ItemAnalysis,
    widgets: list[OptionCounts] = (),
    checks: dict[str, tuple[FailedCheck, ...]] | None = None,
    labels: dict[str, str] | None = None,
) -> str:
    """The item-analysis sections of the report page, as an HTML fragment (``<section>``s
    with headings from ``<h2>`` down), to place inside the report's ``<body>``.

    Args:
        analysis: from :func:`item_statistics`.
        widgets: from :func:`option_counts`, one per widget question, in page order.
        checks: from :func:`failed_checks`.
        labels: how to name each test cell of ``checks`` ("Question 2.1 · PSI values");
            a cell without one is named by its grade id.

    Styles are in :func:`item_analysis_style`, which a full page puts in its ``<head>``.
    """
    checks = checks or {}
    labels = labels or {}
    return (
        templates()
        .get_template("item_analysis.html.j2")
        .render(
            analysis=analysis,
            widgets=list(widgets),
            checks=[(labels.get(cell, cell), listed) for cell, listed in checks.items()],
            thresholds={"broken": BROKEN_BELOW, "weak": WEAK_BELOW, "minimum": MIN_CLASS_SIZE},
        )
    )


def item_analysis_style() -> str:
    """The CSS the fragment of :func:`render_item_analysis` uses (no outside resources)."""
    return templates().get_template("report.css.j2").render()


def render_item_analysis_page(
    assignment: str,
    analysis: ItemAnalysis,
    widgets: list[OptionCounts] = (),
    checks: dict[str, tuple[FailedCheck, ...]] | None = None,
    labels: dict[str, str] | None = None,
) -> str:
    """A whole self-contained HTML page of the item analysis of ``assignment`` (see
    :func:`render_item_analysis` for the arguments); it loads nothing from elsewhere."""
    from markupsafe import Markup

    # Both were rendered by our own templates with escaping on, so they are safe HTML.
    return (
        templates()
        .get_template("item_analysis_page.html.j2")
        .render(
            assignment=assignment,
            fragment=Markup(render_item_analysis(analysis, widgets, checks, labels)),
            style=Markup(item_analysis_style()),
        )
    )
