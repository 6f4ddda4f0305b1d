"""Simulated learners for module 8's nbgrader round trip (see tests/students.py)."""

from tests.helpers.course import solution_code

_J08 = "08-your-plan"
_RESPONSES = {  # question 3.1: each situation and the response that helps most
    "A member of your study group has been stuck for a week on an exercise you solved": (
        "Work through it together at the next meeting, asking questions rather than handing "
        "over your solution"
    ),
    "A former colleague has just started looking for a first data job": (
        "Share the list of postings and contacts you keep, and offer to read their CV"
    ),
    "Someone on a forum asks about a tool you have used for years": (
        "Reply in the thread with a short, tested example, expecting nothing back"
    ),
    "You held an informational interview yesterday": (
        "Send thanks that names one thing you will act on, and later tell them what you did"
    ),
}
_SHOWN = [  # question 3.1's responses, in the order it shows them
    _RESPONSES["Someone on a forum asks about a tool you have used for years"],
    _RESPONSES["A member of your study group has been stuck for a week on an exercise you solved"],
    _RESPONSES["You held an informational interview yesterday"],
    _RESPONSES["A former colleague has just started looking for a first data job"],
]
_HABITS = [  # question 3.2, in the order it shows them
    "The same small tasks on the same days every week",
    "Waiting until you feel fully ready before sending any application",
    "A 10-minute minimum version of the routine for busy days",
    "One long session a month, and nothing in between",
    "A tracker of applications and conversations, reviewed once a week",
    "Dropping the search in busy weeks and catching up later with one long day",
]
_RIGHT_08 = {"3.1": _RESPONSES, "3.2": [_HABITS[0], _HABITS[2], _HABITS[4]]}

_PARTIAL_CODE_08 = {
    # Forgets the activity that ends before it starts, and names every activity of the
    # plan in an over-budget week. Its learning problems mention other weeks as well,
    # which is allowed.
    "validate_roadmap": """
def validate_roadmap(items, weeks, hours_per_week):
    problems = []
    for item in items:
        if item["start"] < 1 or item["end"] > weeks:
            problems.append(f"{item['activity']} is outside the plan")
    for week in range(1, weeks + 1):
        running = [i for i in items if i["start"] <= week <= i["end"]]
        if not any(i["step"] == "learning" for i in running):
            problems.append(f"week {week}: no learning (the plan runs week 1 to week {weeks})")
        if sum(i["hours"] for i in running) > hours_per_week:
            problems.append(f"week {week} is too full: " + ", ".join(i["activity"] for i in items))
    return problems
""",
    # Right inside the plan, but a start before week 1 lands on the last week (index -1).
    "hours_by_step": """
def hours_by_step(items, weeks):
    totals = {step: [0] * weeks for step in STEPS}
    for item in items:
        for week in range(item["start"], min(item["end"], weeks) + 1):
            totals[item["step"]][week - 1] += item["hours"]
    return totals
""",
}
_OFF_BY_ONE_CODE_08 = {
    # The end week left out everywhere: range(start, end).
    "validate_roadmap": """
def validate_roadmap(items, weeks, hours_per_week):
    problems = []
    for item in items:
        if item["start"] < 1 or item["end"] > weeks or item["start"] > item["end"]:
            problems.append(f"{item['activity']} is outside the plan")
    for week in range(1, weeks + 1):
        running = [i for i in items if week in range(i["start"], i["end"])]
        if not any(i["step"] == "learning" for i in running):
            problems.append(f"Week {week} has no learning.")
        if sum(i["hours"] for i in running) > hours_per_week:
            problems.append(f"Week {week}: too many hours: " + ", ".join(i["activity"] for i in running))
    return problems
""",
    # ... and leaves out neither the end week nor the weeks after the plan.
    "hours_by_step": """
def hours_by_step(items, weeks):
    totals = {step: [0] * weeks for step in STEPS}
    for item in items:
        for week in range(item["start"], item["end"]):
            totals[item["step"]][week - 1] += item["hours"]
    return totals
""",
}
_WRONG_CODE_08 = {
    "validate_roadmap": "def validate_roadmap(items, weeks, hours_per_week):\n    return []\n",
    # Reads the notebook's WEEKS instead of its argument.
    "hours_by_step": (
        "def hours_by_step(items, weeks):\n    return {step: [0] * WEEKS for step in STEPS}\n"
    ),
    # Well formed, but weeks 1 to 13 ask for 12 hours of 6: only the hidden check sees it,
    # because this learner's validate_roadmap finds no problem in anything.
    "my_roadmap": """
MY_HOURS = 6
MY_ROADMAP = [
    {"activity": "Course", "step": "learning", "start": 1, "end": 13, "hours": 4,
     "outcome": "13 units"},
    {"activity": "Project", "step": "projects", "start": 1, "end": 13, "hours": 4,
     "outcome": "a demo"},
    {"activity": "Search", "step": "job search", "start": 1, "end": 13, "hours": 4,
     "outcome": "10 applications"},
]
""",
}


def _students_08():
    right_cells = {
        "test_validate_outside": 2,
        "test_validate_learning": 2,
        "test_validate_hours": 2,
        "test_hours_by_step": 2,
        "test_hours_by_step_edges": 1,
        "test_my_roadmap": 2,
        "q3_1_check": 2,
        "q3_2_check": 2,
    }
    swapped = dict(_RESPONSES)  # the first two situations get each other's response
    first, second = list(_RESPONSES)[:2]
    swapped[first], swapped[second] = _RESPONSES[second], _RESPONSES[first]
    return {
        "right": {"code": solution_code(_J08), "widgets": _RIGHT_08, "expected": right_cells},
        "partial": {
            "code": {**solution_code(_J08), **_PARTIAL_CODE_08},
            "widgets": {"3.1": swapped, "3.2": [_HABITS[0], _HABITS[2], _HABITS[3]]},
            "expected": {
                "test_validate_learning": 2,
                "test_hours_by_step": 2,
                "test_my_roadmap": 2,
                "q3_1_check": 0.666667,  # (2 right - 2 wrong / 3) of 4, times 2 points
                "q3_2_check": 0.666667,  # (2 right ticks - 1 wrong) of 3, times 2 points
            },
            "visible_hints": {
                "test_validate_outside": "Check start > end as well",
                "test_validate_hours": "name only the activities that cover the week",
                "test_hours_by_step_edges": "Week 0 lies before the plan",
            },
        },
        # The end week left out: each visible check says so. Their own validate_roadmap
        # rejects Noor's sound plan, so 2.1 does not use it and grades the (sound) roadmap
        # by the course's rules.
        "off-by-one": {
            "code": {**solution_code(_J08), **_OFF_BY_ONE_CODE_08},
            "widgets": {},
            "expected": {"test_my_roadmap": 2},
            "visible_hints": {
                "test_validate_outside": "an activity covers its end week too",
                "test_validate_learning": "an activity covers its end week",
                "test_validate_hours": "week 6 is over budget too",
                "test_hours_by_step": "An activity counts in its end week too",
                "test_hours_by_step_edges": "raised IndexError",
            },
        },
        # Wrong code, and guessing: each situation given the response shown beside it
        # (row i to response i), every box ticked.
        "wrong": {
            "code": _WRONG_CODE_08,
            "widgets": {"3.1": dict(zip(_RESPONSES, _SHOWN, strict=True)), "3.2": _HABITS},
            "expected": {},
            "visible_hints": {"test_hours_by_step_edges": "Use the `weeks` argument"},
        },
        "blank": {"code": {}, "widgets": {}, "expected": {}},
    }


STUDENTS = {_J08: _students_08}
