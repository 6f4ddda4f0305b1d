"""Simulated learners for module 3's nbgrader round trip (see tests/students.py)."""

from course import solution_code

_J03 = "03-staying-current"
_PASSES = [
    "Read the title, abstract and conclusion",
    "Study the figures and tables with their captions",
    "Read the method, skipping proofs on the first go",
    "Work through the maths and the experimental details, or run the code",
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
                "1.2": 2.5,  # a quarter hour under the key: within the tolerance
                "4.1": [_PASSES[0], _PASSES[2], _PASSES[1], _PASSES[3]],
                "4.3": three_of_five,
            },
            "expected": {
                "test_plan_topics_edges": 1,
                "test_review_dates_basic": 2,
                "q1_2_check": 2,
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
        "blank": {"code": {}, "widgets": {}, "expected": {}},
    }


STUDENTS = {_J03: _students_03}
