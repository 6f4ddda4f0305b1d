"""Simulated learners for module 1's nbgrader round trip (see tests/students.py)."""

from tests.helpers.course import solution_code

_J01 = "01-three-steps"
_SITUATIONS = [
    "Ama sends out applications every week and practises interview questions each evening",
    "Ravi is three weeks into his first course on linear algebra and probability",
    "Mei and two friends are building an app that sorts recycling photos for a local charity",
    "Jon spends his free hours in informational interviews with data scientists at hospitals",
    "Sara has just started her first job as an ML engineer and spends her days improving the "
    "team's fraud model",
    "Kwame, a chemist, works through a statistics textbook chapter by chapter, every exercise",
]
_STATEMENTS = [
    "Coursework is an efficient way to learn AI's foundations, such as how models learn from "
    "data and the mathematics underneath.",
    "Once you know today's most popular AI tools, there is little need to keep learning.",
    "A stakeholder with no AI background may expect a firm delivery date that nobody can "
    "honestly give at the start of a project.",
    "With enough planning, a team can know in advance how many experiments a model needs to "
    "reach 95% accuracy.",
    "You may need to explain to an interviewer what your AI work involved, because companies "
    "define AI roles differently.",
    "A model that reaches its target accuracy at launch keeps it, as long as nobody changes "
    "its code.",
]
_HONEST = (
    "Even odds by week 14, and nine chances in ten by week 22. If you need a date we will "
    "meet nine times out of ten, plan on week 22; I will update you as results come in."
)
_RIGHT_01 = {
    "2.1": "Projects",
    "2.2": dict(
        zip(
            _SITUATIONS,
            ["Job search", "Learning", "Projects", "Job search", "Projects", "Learning"],
            strict=True,
        )
    ),
    "3.1": [_STATEMENTS[0], _STATEMENTS[2], _STATEMENTS[4]],
    "3.2": _HONEST,
}
_PARTIAL_CODE_01 = {
    # Adapted from the lesson: the search always lasts the lesson's nine months, whatever
    # search_months says. Right on the rules and the values, wrong on the search window.
    "time_split": """
def time_split(month, project_ramp=24, search_start=30, search_months=9):
    projects = PROJECT_WEIGHT * smooth_ramp(month / project_ramp)
    rise = smooth_ramp((month - search_start) / FADE_MONTHS)
    fall = smooth_ramp((month - search_start - 9) / FADE_MONTHS)
    search = SEARCH_WEIGHT * rise * (1 - fall)
    total = LEARN_WEIGHT + projects + search
    return (LEARN_WEIGHT / total, projects / total, search / total)
""",
    # Keeps the last of equal shares instead of the first: wrong on ties.
    "dominant_step": """
def dominant_step(month, project_ramp=24, search_start=30, search_months=9):
    shares = time_split(month, project_ramp, search_start, search_months)
    best = 0
    for index in range(3):
        if shares[index] >= shares[best]:
            best = index
    return STEPS[best]
""",
}
_SLIPS_CODE_01 = {
    # Rounds a fractional month down, which the prompt never asks for.
    "time_split": """
def time_split(month, project_ramp=24, search_start=30, search_months=9):
    month = int(month)
    projects = PROJECT_WEIGHT * smooth_ramp(month / project_ramp)
    rise = smooth_ramp((month - search_start) / FADE_MONTHS)
    fall = smooth_ramp((month - search_start - search_months) / FADE_MONTHS)
    search = SEARCH_WEIGHT * rise * (1 - fall)
    total = LEARN_WEIGHT + projects + search
    return (LEARN_WEIGHT / total, projects / total, search / total)
""",
    # Passes the search settings on to time_split but not project_ramp.
    "dominant_step": """
def dominant_step(month, project_ramp=24, search_start=30, search_months=9):
    shares = list(time_split(month, search_start=search_start, search_months=search_months))
    return STEPS[shares.index(max(shares))]
""",
}
_ROUNDER_CODE_01 = {
    # Rounds each share to three decimals, so they no longer add up to exactly 1.
    "time_split": """
def time_split(month, project_ramp=24, search_start=30, search_months=9):
    projects = PROJECT_WEIGHT * smooth_ramp(month / project_ramp)
    rise = smooth_ramp((month - search_start) / FADE_MONTHS)
    fall = smooth_ramp((month - search_start - search_months) / FADE_MONTHS)
    search = SEARCH_WEIGHT * rise * (1 - fall)
    total = LEARN_WEIGHT + projects + search
    return tuple(round(weight / total, 3) for weight in (LEARN_WEIGHT, projects, search))
""",
    # Leaves search_months at its default.
    "dominant_step": """
def dominant_step(month, project_ramp=24, search_start=30, search_months=9):
    shares = list(time_split(month, project_ramp, search_start))
    return STEPS[shares.index(max(shares))]
""",
}
_WRONG_CODE_01 = {
    # Forgets to divide by the total: the raw weights.
    "time_split": """
def time_split(month, project_ramp=24, search_start=30, search_months=9):
    projects = PROJECT_WEIGHT * smooth_ramp(month / project_ramp)
    rise = smooth_ramp((month - search_start) / FADE_MONTHS)
    fall = smooth_ramp((month - search_start - search_months) / FADE_MONTHS)
    return (LEARN_WEIGHT, projects, SEARCH_WEIGHT * rise * (1 - fall))
""",
    "dominant_step": (
        "def dominant_step(month, project_ramp=24, search_start=30, search_months=9):\n"
        "    return 'Learning'\n"
    ),
}


def _students_01():
    right_cells = {
        "test_time_split_rules": 2,
        "test_time_split_search": 2,
        "test_time_split_values": 1,
        "test_dominant_step": 2,
        "q2_1_check": 1,
        "q2_2_check": 2,
        "q3_1_check": 2,
        "q3_2_check": 1,
    }
    return {
        "right": {"code": solution_code(_J01), "widgets": _RIGHT_01, "expected": right_cells},
        "partial": {
            "code": _PARTIAL_CODE_01,
            "widgets": {
                "2.1": "Projects",
                # Sara's first job taken for the search: 5 right, 1 wrong at half a pair,
                # of 6 pairs: (5 - 0.5) / 6 of 2 points.
                "2.2": {**_RIGHT_01["2.2"], _SITUATIONS[4]: "Job search"},
                # In the order the options are shown, as the sheet stores them:
                # 2 right ticks - 1 wrong tick, of 3 true statements.
                "3.1": [_STATEMENTS[0], _STATEMENTS[3], _STATEMENTS[4]],
                "3.2": "Week 14: that is when the typical simulated project gets there.",
            },
            "expected": {
                "test_time_split_rules": 2,
                "test_time_split_values": 1,
                "q2_1_check": 1,
                "q2_2_check": 1.5,
                "q3_1_check": 0.666667,
            },
            # The visible checks name each mistake (tests/test_notebook_text.py).
            "visible_hints": {
                "test_time_split_search": "use search_months",
                "test_dominant_step": "earlier of the two in STEPS",
            },
        },
        "slips": {
            "code": _SLIPS_CODE_01,
            "widgets": _RIGHT_01,
            # int(month) is wrong only between whole months (the values check at 17.5);
            # dominant_step without project_ramp fails its check, however the rest goes.
            "expected": {
                "test_time_split_rules": 2,
                "test_time_split_search": 2,
                "q2_1_check": 1,
                "q2_2_check": 2,
                "q3_1_check": 2,
                "q3_2_check": 1,
            },
            "visible_hints": {
                "test_time_split_values": "without int() or round()",
                "test_dominant_step": "Pass project_ramp on to time_split",
            },
        },
        "rounder": {
            "code": _ROUNDER_CODE_01,
            "widgets": _RIGHT_01,
            # Rounded shares add up to 0.999 or 1.001 and miss the exact values; the search
            # window is still right.
            "expected": {
                "test_time_split_search": 2,
                "q2_1_check": 1,
                "q2_2_check": 2,
                "q3_1_check": 2,
                "q3_2_check": 1,
            },
            "visible_hints": {
                "test_time_split_rules": "do not round the shares",
                "test_time_split_values": "Do not round the shares",
                "test_dominant_step": "Pass search_months on to time_split",
            },
        },
        "wrong": {
            "code": _WRONG_CODE_01,
            "widgets": {
                "2.1": "Job search",
                # One step for every situation: 2 right, 4 wrong at half a pair each = 0.
                "2.2": {situation: "Learning" for situation in _SITUATIONS},
                # Every box ticked: 3 right - 3 wrong = 0.
                "3.1": list(_STATEMENTS),
                "3.2": "We cannot say anything about timing until the model is finished.",
            },
            "expected": {},
            "visible_hints": {
                "test_time_split_rules": "Divide each weight by the total",
                "test_dominant_step": "expected 'Projects'",
            },
        },
        "blank": {"code": {}, "widgets": {}, "expected": {}},
    }


STUDENTS = {_J01: _students_01}
