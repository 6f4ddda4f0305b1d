"""Simulated learners for the nbgrader round trip: what each writes and clicks, and the
exact points each autograded cell must then earn.

``"right"`` uses the instructor's own code (taken from source/) and the keys; the
others are written here by hand. Cells not listed in ``expected`` must score 0.
"""

from course import solution_code

STUDENTS = {}

# ----------------------------------------------------------------------------- module 7
_J07 = "07-job-search"
_RIGHT_07 = {
    "1.2": "Role switch",
    "1.3": [
        "A retail data analyst becomes a retail data scientist",
        "A software engineer at a bank becomes a software engineer at a health-tech startup",
        "A bank's data analyst becomes an analyst at a software company",
    ],
    "3.1": "The startup: there is more work than people, so help with ML tasks is welcome",
    "3.2": {
        "You are rewarded mainly for doing the job you were hired for": "Large company",
        "Unowned AI tasks land on whoever is willing to try them": "Startup",
        "Moving to a new role usually means applying through a formal internal process": "Large company",
        "Your manager may also be the person who decides what the company builds next": "Startup",
    },
}
_PARTIAL_CODE_07 = {
    # Compares names exactly: right on the basic cases, wrong on case and spaces.
    "classify_move": """
def classify_move(current, target):
    role, industry = current[0] != target[0], current[1] != target[1]
    return {(True, True): "Both", (True, False): "Role switch",
            (False, True): "Industry switch", (False, False): "Neither"}[role, industry]
""",
    # A correct search that forgets the jobs to avoid.
    "stepping_stones": """
def stepping_stones(start, goal, roles, industries, avoid=()):
    came_from, queue = {start: None}, deque([start])
    while queue:
        job = queue.popleft()
        if job == goal:
            path = []
            while job is not None:
                path.append(job)
                job = came_from[job]
            return path[::-1]
        for nxt in [(r, job[1]) for r in roles] + [(job[0], i) for i in industries]:
            if nxt not in came_from:
                came_from[nxt] = job
                queue.append(nxt)
    return None
""",
    # The right order, but no check of per_week.
    "interview_plan": """
def interview_plan(contacts, target, per_week):
    role, industry = target
    keep = [c for c in contacts if c["role"] == role or c["industry"] == industry]
    keep.sort(key=lambda c: (not (c["role"] == role and c["industry"] == industry),
                             c["priority"], c["name"]))
    return [(c["name"], i // per_week + 1) for i, c in enumerate(keep)]
""",
}
_WRONG_CODE_07 = {
    "classify_move": "def classify_move(current, target):\n    return 'Both'\n",
    "stepping_stones": (
        "def stepping_stones(start, goal, roles, industries, avoid=()):\n    return [start, goal]\n"
    ),
    "interview_plan": "def interview_plan(contacts, target, per_week):\n    return []\n",
}


def _students_07():
    right_cells = {
        "test_classify_move_basic": 2,
        "test_classify_move_names": 1,
        "q1_2_check": 1,
        "q1_3_check": 2,
        "test_stepping_stones_shape": 2,
        "test_stepping_stones_avoid": 2,
        "q3_1_check": 1,
        "q3_2_check": 2,
        "test_interview_plan_order": 2,
        "test_interview_plan_per_week": 1,
    }
    return {
        "right": {"code": solution_code(_J07), "widgets": _RIGHT_07, "expected": right_cells},
        "partial": {
            "code": _PARTIAL_CODE_07,
            "widgets": {
                "1.2": "Both",
                "1.3": [  # in the order the options are shown, as the sheet stores them
                    _RIGHT_07["1.3"][0],
                    "A physicist at a university becomes a machine learning engineer at a "
                    "software company",
                    _RIGHT_07["1.3"][1],
                ],
                "3.1": _RIGHT_07["3.1"],
                "3.2": {
                    **_RIGHT_07["3.2"],
                    "Unowned AI tasks land on whoever is willing to try them": "Large company",
                },
            },
            "expected": {
                "test_classify_move_basic": 2,
                "test_stepping_stones_shape": 2,
                "test_interview_plan_order": 2,
                "q1_3_check": 0.666667,  # 2 right ticks - 1 wrong tick, of 3, times 2 points
                "q3_1_check": 1,
                "q3_2_check": 1.5,  # 3 of 4 pairs, times 2 points
            },
        },
        "wrong": {
            "code": _WRONG_CODE_07,
            "widgets": {
                "1.2": "Neither",
                "1.3": [
                    "A data scientist at an insurer becomes a data scientist at another insurer"
                ],
                "3.1": "No difference: the title he is hired under decides his path either way",
                "3.2": {
                    k: ("Startup" if v == "Large company" else "Large company")
                    for k, v in _RIGHT_07["3.2"].items()
                },
            },
            "expected": {},
        },
        "blank": {"code": {}, "widgets": {}, "expected": {}},
    }


STUDENTS[_J07] = _students_07

# ----------------------------------------------------------------------------- module 4
_J04 = "04-scoping-under-uncertainty"
_STEPS = [
    "Name the business problem to solve",
    "Brainstorm several solutions, with and without AI",
    "Check feasibility and value (technical and business diligence)",
    "Set milestones with measurable metrics",
    "Budget the people, data and computing the project needs",
]
_TECHNICAL = [
    "Compare the target error with how often trained inspectors disagree on the same photos",
    "Look up published results on similar image tasks",
    "Fit a learning curve to early experiments to see whether more photos could reach the target",
]
_REPORT_80 = (
    "The week by which most simulated projects (say 80%) reach the target, together with that "
    "chance"
)
_AIM_FIRST = (
    "Ready, aim, fire: plan, test on past photos and pilot on a side belt before it acts on "
    "real parcels"
)
_RIGHT_04 = {
    "1.1": _STEPS,
    "1.2": _TECHNICAL,
    "4.1": _REPORT_80,
    "4.2": 13,  # the first week whose 80th percentile of simulated error is at the target
    "6.1": _AIM_FIRST,
}


def _students_04():
    solutions = solution_code(_J04)
    right_cells = {
        "q1_1_check": 2,
        "q1_2_check": 2,
        "test_fit_learning_curve_exact": 2,
        "test_fit_learning_curve_floor": 1,
        "test_data_needed_value": 2,
        "test_data_needed_unreachable": 1,
        "test_chance_by_deadline": 2,
        "test_weeks_for_confidence": 2,
        "test_weeks_for_confidence_whole": 1,
        "q4_1_check": 1,
        "q4_2_check": 2,
        "test_expected_return_value": 2,
        "test_expected_return_edges": 1,
        "q6_1_check": 1,
    }
    partial_code = dict(solutions)
    partial_code.update(
        {
            # Forgets the floor: solves a * n**-b = target.
            "data_needed": (
                "def data_needed(a, b, floor, target):\n    return float((a / target) ** (1 / b))\n"
            ),
            # Interpolates with np.percentile instead of counting projects.
            "weeks_for_confidence": (
                "def weeks_for_confidence(weeks_needed, confidence):\n"
                "    return int(np.ceil(np.percentile(weeks_needed, 100 * confidence)))\n"
            ),
            # Right, but noisy: a warning and a line on stderr must not cost the points
            # (nbgrader scores any stderr in a test cell as zero unless the kit guards it).
            "chance_by_deadline": (
                "import sys, warnings\n"
                "def chance_by_deadline(weeks_needed, deadline):\n"
                "    warnings.warn('counting projects', UserWarning)\n"
                "    print('checking', deadline, file=sys.stderr)\n"
                "    return float(np.mean(np.asarray(weeks_needed) <= deadline))\n"
            ),
        }
    )
    wrong_code = {
        "fit_learning_curve": "def fit_learning_curve(sizes, errors, floor):\n    return 1.0, 1.0\n",
        "data_needed": "def data_needed(a, b, floor, target):\n    return 1.0\n",
        "chance_by_deadline": "def chance_by_deadline(weeks_needed, deadline):\n    return 0.5\n",
        "weeks_for_confidence": (
            "def weeks_for_confidence(weeks_needed, confidence):\n    return 10\n"
        ),
        "expected_return": (
            "def expected_return(accuracies, threshold, value_if_met, weekly_cost, weeks):\n"
            "    return 0.0\n"
        ),
    }
    swapped = [_STEPS[1], _STEPS[0]] + _STEPS[2:]
    return {
        "right": {"code": solutions, "widgets": _RIGHT_04, "expected": right_cells},
        "partial": {
            "code": partial_code,
            "widgets": {
                "1.1": swapped,
                "1.2": [
                    _TECHNICAL[0],
                    _TECHNICAL[1],
                    "Estimate how much the refunds would fall if depot damage were caught",
                ],
                "4.1": _REPORT_80,
                "4.2": 14,  # one week off: within the tolerance
                "6.1": "Either works: the error target is the same, so the approach does not "
                "matter",
            },
            "expected": {
                "q1_1_check": 1.6,  # 9 of 10 pairs in order: tau 0.8, times 2 points
                "q1_2_check": 0.666667,  # 2 right ticks - 1 wrong, of 3, times 2 points
                "test_fit_learning_curve_exact": 2,
                "test_fit_learning_curve_floor": 1,
                "test_chance_by_deadline": 2,
                "q4_1_check": 1,
                "q4_2_check": 2,
                "test_expected_return_value": 2,
                "test_expected_return_edges": 1,
            },
        },
        "wrong": {
            "code": wrong_code,
            "widgets": {
                "1.1": list(reversed(_STEPS)),
                "1.2": ["Ask the finance team what a week of the team's time costs"],
                "4.1": "The first week in which any simulated project reaches the target",
                "4.2": 25,
                "6.1": "Ready, fire, aim: put a first version on the belt soon and adjust from "
                "what goes wrong",
            },
            "expected": {},
        },
        "blank": {"code": {}, "widgets": {}, "expected": {}},
    }


STUDENTS[_J04] = _students_04
