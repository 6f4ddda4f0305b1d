"""Simulated learners for module 3's nbgrader round trip (see tests/students.py)."""

from tests.helpers.course import solution_code

_J03 = "03-staying-current"
_PASSES = [
    "Read the title, abstract and conclusion",
    "Study the figures and tables with their captions",
    "Read the method, skipping proofs on the first go",
    "Work through the maths and the experimental details, or run the code",
]
_PAPER_STEPS_SHOWN = [  # the ranking widget's order before the learner moves anything
    "Read the method, skipping proofs on the first go",
    "Work through the maths and the experimental details, or run the code",
    "Read the title, abstract and conclusion",
    "Study the figures and tables with their captions",
]
_MATCHES = {
    "You met regularisation last week and want it to stick": "Schedule spaced reviews",
    "Colleagues keep citing a paper that came out this month on a method you use": (
        "Read it in passes"
    ),
    "You copy gradient-descent code that works but could not say why it works": (
        "Take a course on the foundations"
    ),
    "You think you understand attention but have never had to explain it": (
        "Explain it to a study group or in a short post"
    ),
    "A topic would take 40 hours and you cannot name a use for it this year": (
        "Leave it out of this plan"
    ),
}
_RIGHT_03 = {
    "1.1": "Plan A: 2 hours every week (104 hours)",
    "1.2": 2.75,
    "4.1": _PASSES,
    "4.3": _MATCHES,
}
_PARTIAL_CODE_03 = {
    # The value-per-hour rule from the lesson: fine at the edges, wrong where greedy fails
    # and on the hidden tie where greedy takes two small topics over one of fewer hours.
    "plan_topics": """
def plan_topics(topics, budget):
    chosen, left = [], budget
    for name, (value, hours) in sorted(topics.items(), key=lambda t: t[1][0] / t[1][1],
                                       reverse=True):
        if hours <= left:
            chosen.append(name)
            left -= hours
    return sorted(chosen)
""",
    # Right chain of intervals, but a weekend move does not shift the later reviews.
    "review_dates": """
def review_dates(start, intervals, skip_weekends=False):
    dates, current = [], start
    for days in intervals:
        current = current + timedelta(days=days)
        moved = current
        if skip_weekends and moved.weekday() >= 5:
            moved = moved + timedelta(days=7 - moved.weekday())
        dates.append(moved)
    return dates
""",
    # hours_by_topic_month is left unanswered (the release's NotImplementedError stays).
}
# Three slips a careful learner can still make, each caught by a visible check with its hint.
_SLIPS_CODE_03 = {
    # The setup's subset recipe, but with a strict budget check: a plan that uses the budget
    # exactly is never taken.
    "plan_topics": """
def plan_topics(topics, budget):
    best_key, best_names = (0, 0), []
    for size in range(len(topics) + 1):
        for names in combinations(sorted(topics), size):
            value, hours = total(topics, names)
            if hours < budget and (value, -hours) > best_key:
                best_key, best_names = (value, -hours), list(names)
    return best_names
""",
    # Only Sunday counts as a weekend.
    "review_dates": """
def review_dates(start, intervals, skip_weekends=False):
    dates, current = [], start
    for days in intervals:
        current = current + timedelta(days=days)
        if skip_weekends and current.weekday() == 6:
            current = current + timedelta(days=1)
        dates.append(current)
    return dates
""",
    # Loops over the notebook's LOG instead of its argument.
    "hours_by_topic_month": """
def hours_by_topic_month(log):
    summary = {}
    for session in LOG:
        month = session["date"].strftime("%Y-%m")
        months = summary.setdefault(session["topic"], {})
        months[month] = months.get(month, 0) + session["hours"]
    return summary
""",
}
# The lesson's table (value only, ties ignored) and its walk back, without sorting the names.
_UNSORTED_CODE_03 = {
    "plan_topics": """
def best_table(topics, budget):
    items = list(topics.items())
    best = [[0] * (budget + 1)]
    for name, (value, hours) in items:
        previous, row = best[-1], []
        for c in range(budget + 1):
            skip = previous[c]
            take = value + previous[c - hours] if hours <= c else -1
            row.append(max(skip, take))
        best.append(row)
    return best


def plan_topics(topics, budget):
    best = best_table(topics, budget)
    items, chosen, c = list(topics.items()), [], budget
    for i in range(len(items), 0, -1):
        name, (value, hours) = items[i - 1]
        if best[i][c] != best[i - 1][c]:
            chosen.append(name)
            c -= hours
    return chosen
""",
}
_WRONG_CODE_03 = {
    "plan_topics": "def plan_topics(topics, budget):\n    return sorted(topics)\n",
    # Every interval counted from the start.
    "review_dates": (
        "def review_dates(start, intervals, skip_weekends=False):\n"
        "    return [start + timedelta(days=d) for d in intervals]\n"
    ),
    "hours_by_topic_month": "def hours_by_topic_month(log):\n    return {}\n",
}


def _students_03():
    right_cells = {
        "q1_1_check": 1,
        "q1_2_check": 2,
        "test_plan_topics_best": 3,
        "test_plan_topics_edges": 1,
        "test_plan_topics_ties": 1,
        "test_review_dates_basic": 2,
        "test_review_dates_weekends": 1,
        "q4_1_check": 2,
        "test_hours_by_topic_month": 2,
        "test_hours_by_topic_month_years": 1,
        "q4_3_check": 2,
    }
    three_of_five = dict(_MATCHES)
    three_of_five["You met regularisation last week and want it to stick"] = "Read it in passes"
    three_of_five["Colleagues keep citing a paper that came out this month on a method you use"] = (
        "Schedule spaced reviews"
    )
    return {
        "right": {"code": solution_code(_J03), "widgets": _RIGHT_03, "expected": right_cells},
        "partial": {
            "code": _PARTIAL_CODE_03,
            "widgets": {
                "1.1": "Plan B: 12 hours every fourth week (156 hours)",
                "1.2": 2.5,  # a quarter hour too few: her lowest skill is 19.9, so nothing
                "4.1": [_PASSES[0], _PASSES[2], _PASSES[1], _PASSES[3]],
                "4.3": three_of_five,
            },
            "expected": {
                "test_plan_topics_edges": 1,
                "test_review_dates_basic": 2,
                "q4_1_check": 1.333333,  # 5 pairs right, 1 wrong, of 6: tau 2/3, times 2 points
                "q4_3_check": 1.0,  # (3 right - 2 wrong / 4) / 5 pairs, times 2 points
            },
            "visible_hints": {
                "test_plan_topics_best": "picking by value per hour",
                "test_review_dates_weekends": "Count from the moved date",
            },
        },
        "wrong": {
            "code": _WRONG_CODE_03,
            "widgets": {
                "1.1": "They end the year level",
                "1.2": 1.0,  # the answer with the lesson's forgetting rate, 0.05
                "4.1": list(reversed(_PASSES)),
                # A guess: the same action for every situation (1 right, 4 wrong) earns 0.
                "4.3": dict.fromkeys(_MATCHES, "Read it in passes"),
            },
            "expected": {},
            "visible_hints": {"test_review_dates_basic": "each interval was counted from start"},
        },
        "slips": {
            "code": _SLIPS_CODE_03,
            "widgets": {
                "1.1": _RIGHT_03["1.1"],
                "1.2": 3.0,  # a quarter hour more than the smallest: still counts
                "4.1": _PASSES,
            },
            "expected": {
                "q1_1_check": 1,
                "q1_2_check": 2,
                "test_plan_topics_edges": 1,  # no edge case uses the budget exactly
                "test_plan_topics_ties": 1,
                "test_review_dates_basic": 2,
                "q4_1_check": 2,
            },
            "visible_hints": {
                "test_plan_topics_best": "not <",
                "test_review_dates_weekends": "weekday() is 5 for Saturday",
                "test_hours_by_topic_month": "loop over its argument `log`",
                "test_hours_by_topic_month_years": "reads its argument `log`, not LOG",
            },
        },
        "unsorted": {
            "code": _UNSORTED_CODE_03,
            "widgets": {
                "1.2": 3.25,  # two quarter hours more than the smallest: too many
                "4.1": _PAPER_STEPS_SHOWN,  # the order shown at first earns nothing
            },
            "expected": {},
            "visible_hints": {"test_plan_topics_best": "must be sorted alphabetically"},
        },
        "blank": {"code": {}, "widgets": {}, "expected": {}},
    }


STUDENTS = {_J03: _students_03}
