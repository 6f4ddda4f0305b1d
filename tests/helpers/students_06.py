"""Simulated learners for module 6's nbgrader round trip (see tests/students.py)."""

from tests.helpers.course import solution_code

_J06 = "06-portfolio"
_DILIGENCE = {
    "How well do experienced dispatchers predict bunching today?": "Technical diligence",
    "Have other cities published results on predicting bus bunching?": "Technical diligence",
    "Do the buses' location records cover enough months to learn from?": "Technical diligence",
    "How many rider-hours of waiting would fewer bunched buses save each year?": (
        "Business diligence"
    ),
    "What would it cost to build the system and run it for a year?": "Business diligence",
    "Does cutting waiting times matter to the city council this year?": "Business diligence",
}
_MEASURABLE = [
    "By the end of March, predict bunching on route 12 at least 10 minutes ahead, with at "
    "least 7 of every 10 warnings correct on the past month's data",
    "By mid-May, drivers on two routes have received warnings for four weeks",
    "By the end of June, the average wait on the pilot routes is 15% shorter than in the "
    "same weeks last year",
]
_VAGUE = [
    "Make the predictions as accurate as possible",
    "Get the drivers on board with the new system",
    "Use a modern deep learning model for the predictions",
]
_MALIK = [
    "Fraud model with his company's ML team",
    "Open-source data library",
    "Solo app for a local charity",
    "Personal chess-move predictor",
]
_RIGHT_06 = {"1.1": _DILIGENCE, "1.2": _MEASURABLE, "2.2": _MALIK}

_PARTIAL_CODE_06 = {
    # Checks its weights, then scores with the WEIGHTS defined in the notebook instead:
    # the likeliest slip when the example is right there (a visible check names it).
    "score_projects": """
def score_projects(projects, weights):
    if any(w < 0 for w in weights.values()) or abs(sum(weights.values()) - 1) > 1e-6:
        raise ValueError("bad weights")
    scored = [(n, round(sum(w * r[c] for c, w in WEIGHTS.items()), 2)) for n, r in projects.items()]
    return sorted(scored, key=lambda pair: (-pair[1], pair[0]))
""",
    # Respects prerequisites and refuses cycles, but breaks ties by months and name only.
    "sequence": """
def sequence(projects, prerequisites):
    done, remaining = [], set(projects)
    while remaining:
        ready = [p for p in remaining if all(q in done for q in prerequisites.get(p, ()))]
        if not ready:
            raise ValueError(f"cycle among {sorted(remaining)}")
        choice = min(ready, key=lambda p: (projects[p]["months"], p))
        done.append(choice)
        remaining.remove(choice)
    return done
""",
}
_WRONG_CODE_06 = {
    # Ascending order: the likeliest slip, caught by a visible check.
    "score_projects": """
def score_projects(projects, weights):
    scored = [(n, round(sum(w * r[c] for c, w in weights.items()), 2)) for n, r in projects.items()]
    return sorted(scored, key=lambda pair: (pair[1], pair[0]))
""",
    # Sorts by size alone, ignoring prerequisites, and never detects a cycle.
    "sequence": """
def sequence(projects, prerequisites):
    return sorted(projects, key=lambda p: (projects[p]["months"], projects[p]["difficulty"], p))
""",
    # Every project starts at the same month.
    "timeline": """
def timeline(order, projects, start=0):
    return [(name, start, start + projects[name]["months"]) for name in order]
""",
}


def _students_06():
    right_cells = {
        "q1_1_check": 2,
        "q1_2_check": 2,
        "test_score_projects_order": 2,
        "test_score_projects_ties": 1,
        "test_score_projects_bad_weights": 1,
        "q2_2_check": 2,
        "test_sequence_respects_prerequisites": 2,
        "test_sequence_ties": 1,
        "test_sequence_cycle": 1,
        "test_timeline": 2,
    }
    solutions = solution_code(_J06)
    partial_code = {**solutions, **_PARTIAL_CODE_06}
    one_wrong = dict(_DILIGENCE)
    one_wrong["Does cutting waiting times matter to the city council this year?"] = (
        "Technical diligence"
    )
    return {
        "right": {"code": solutions, "widgets": _RIGHT_06, "expected": right_cells},
        "partial": {
            "code": partial_code,
            "widgets": {
                "1.1": one_wrong,
                "1.2": [_MEASURABLE[0], _VAGUE[0], _MEASURABLE[2]],
                "2.2": [_MALIK[0], _MALIK[2], _MALIK[1], _MALIK[3]],
            },
            "expected": {
                "q1_1_check": 1.333333,  # 5 right - 1 wrong, of 6 pairs, times 2 points
                "q1_2_check": 0.666667,  # 2 right ticks - 1 wrong, of 3, times 2 points
                "test_score_projects_bad_weights": 1,
                "q2_2_check": 1.333333,  # 5 of 6 pairs in order: tau 2/3, times 2 points
                "test_sequence_respects_prerequisites": 2,
                "test_sequence_cycle": 1,
                "test_timeline": 2,
            },
            "visible_hints": {
                "test_score_projects_order": "its `weights` argument",
                "test_sequence_ties": "then difficulty",
            },
        },
        "wrong": {
            "code": _WRONG_CODE_06,
            "widgets": {
                # Guessing: one side for every question, every option ticked.
                "1.1": {item: "Technical diligence" for item in _DILIGENCE},
                "1.2": [o for pair in zip(_MEASURABLE, _VAGUE, strict=True) for o in pair],
                "2.2": list(reversed(_MALIK)),
            },
            "expected": {},
            "visible_hints": {
                "test_score_projects_order": "put the highest first",
                "test_sequence_respects_prerequisites": "ignores the prerequisites",
                "test_timeline": "previous project's end",
            },
        },
        "blank": {"code": {}, "widgets": {}, "expected": {}},
    }


STUDENTS = {_J06: _students_06}
