"""Simulated learners for module 7's nbgrader round trip (see tests/students.py)."""

from tests.helpers.course import solution_code

_J07 = "07-job-search"
_RIGHT_07 = {
    "1.2": "Role switch",
    "1.3": [
        "A retail data analyst becomes a retail data scientist",
        "A software engineer at a bank becomes a software engineer at a health-tech startup",
        "A bank's data analyst becomes a data analyst at a software company",
    ],
    "3.1": "The startup: there is more work than people, so help with ML tasks is welcome",
    "3.2": {
        "You are rewarded mainly for doing the job you were hired for": "Big company",
        "Unowned AI tasks land on whoever is willing to try them": "Startup",
        "Moving to a new role usually means applying through a formal internal process": "Big company",
        "There is usually more work to do than people to do it": "Startup",
    },
}
_ONE_CHANGE_OPTIONS = [  # question 1.3, in the order it shows them
    "A retail data analyst becomes a retail data scientist",
    "A physicist at a university becomes a machine learning engineer at a software company",
    "A software engineer at a bank becomes a software engineer at a health-tech startup",
    "A data scientist at an insurer becomes a data scientist at another insurer",
    "A bank's data analyst becomes a data analyst at a software company",
    "A nurse at a hospital becomes a data scientist at an online shop",
]
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
    # Folds case as question 1.1 did (4.1 compares names exactly as written), and never
    # checks per_week: right on the visible examples, caught by hidden tests.
    "interview_plan": """
def interview_plan(contacts, target, per_week):
    role, industry = (name.casefold() for name in target)
    keep = [c for c in contacts
            if c["role"].casefold() == role or c["industry"].casefold() == industry]
    keep.sort(key=lambda c: (not (c["role"].casefold() == role
                                  and c["industry"].casefold() == industry),
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

_PLAUSIBLE_CODE_07 = {
    # The lesson's neighbours copied in: it reads the globals ROLES and INDUSTRIES, so it
    # is right on the course's grid and lost on any other.
    "stepping_stones": """
def stepping_stones(start, goal, roles, industries, avoid=()):
    if start in avoid or goal in avoid:
        return None
    came_from, queue = {start: None}, deque([start])
    while queue:
        job = queue.popleft()
        if job == goal:
            path = []
            while job is not None:
                path.append(job)
                job = came_from[job]
            return path[::-1]
        role, industry = job
        near = [(other, industry) for other in ROLES if other != role]
        near += [(role, other) for other in INDUSTRIES if other != industry]
        for nxt in near:
            if nxt not in came_from and nxt not in avoid:
                came_from[nxt] = job
                queue.append(nxt)
    return None
""",
    # Everything but the tie-break by name: equal priorities keep the input order.
    "interview_plan": """
def interview_plan(contacts, target, per_week):
    if not isinstance(per_week, int) or per_week < 1:
        raise ValueError("per_week must be a positive int")
    role, industry = target
    keep = [c for c in contacts if c["role"] == role or c["industry"] == industry]
    keep.sort(key=lambda c: (not (c["role"] == role and c["industry"] == industry),
                             c["priority"]))
    return [(c["name"], i // per_week + 1) for i, c in enumerate(keep)]
""",
}

_SHAPE_CODE_07 = {
    # Right searches, but the path comes back as a tuple.
    "stepping_stones": """
def stepping_stones(start, goal, roles, industries, avoid=()):
    if start in avoid or goal in avoid:
        return None
    came_from, queue = {start: None}, deque([start])
    while queue:
        job = queue.popleft()
        if job == goal:
            path = []
            while job is not None:
                path.append(job)
                job = came_from[job]
            return tuple(reversed(path))
        near = [(r, job[1]) for r in roles if r != job[0]]
        near += [(job[0], i) for i in industries if i != job[1]]
        for nxt in near:
            if nxt not in came_from and nxt not in avoid:
                came_from[nxt] = job
                queue.append(nxt)
    return None
""",
    # The right order, as [name, week] lists, and per_week checked only inside the loop,
    # so an empty list of contacts never looks at it.
    "interview_plan": """
def interview_plan(contacts, target, per_week):
    role, industry = target
    keep = [c for c in contacts if c["role"] == role or c["industry"] == industry]
    keep.sort(key=lambda c: (not (c["role"] == role and c["industry"] == industry),
                             c["priority"], c["name"]))
    plan = []
    for i, c in enumerate(keep):
        if not isinstance(per_week, int) or per_week < 1:
            raise ValueError("per_week must be a positive int")
        plan.append([c["name"], i // per_week + 1])
    return plan
""",
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
                    "Unowned AI tasks land on whoever is willing to try them": "Big company",
                },
            },
            "expected": {
                "test_classify_move_basic": 2,
                "test_stepping_stones_shape": 2,
                "q1_3_check": 0.666667,  # 2 right ticks - 1 wrong tick, of 3, times 2 points
                "q3_1_check": 1,
                "q3_2_check": 1,  # (3 right pairs - 1 wrong) of 4, times 2 points
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
                    k: ("Startup" if v == "Big company" else "Big company")
                    for k, v in _RIGHT_07["3.2"].items()
                },
            },
            "expected": {},
        },
        # Each plausible code mistake fails a check the learner sees, with its hint.
        "copied-lesson": {
            "code": {**solution_code(_J07), **_PLAUSIBLE_CODE_07},
            "widgets": {},
            "expected": {
                "test_classify_move_basic": 2,
                "test_classify_move_names": 1,
                "test_stepping_stones_avoid": 2,
                "test_interview_plan_per_week": 1,
            },
            "visible_hints": {
                "test_stepping_stones_shape": "a copy of the lesson's neighbours reads the global",
                "test_interview_plan_order": "the name breaks the tie: Ben before Zoe",
            },
        },
        # Plausible slips of shape and order, each caught by a visible check with its hint:
        # a path returned as a tuple, plan entries as lists, per_week checked in the loop.
        "shapes": {
            "code": {**solution_code(_J07), **_SHAPE_CODE_07},
            "widgets": {},
            "expected": {
                "test_classify_move_basic": 2,
                "test_classify_move_names": 1,
                "test_stepping_stones_avoid": 2,
            },
            "visible_hints": {
                "test_stepping_stones_shape": "Return a list, not a tuple",
                "test_interview_plan_order": "Each entry should be a (name, week) tuple",
                "test_interview_plan_per_week": "even when there are none",
            },
        },
        # Guessing earns nothing: every box of 1.3 ticked, "Startup" for every pair of 3.2.
        "guesser": {
            "code": {},
            "widgets": {
                "1.2": _RIGHT_07["1.2"],
                "1.3": _ONE_CHANGE_OPTIONS,
                "3.1": _RIGHT_07["3.1"],
                "3.2": dict.fromkeys(_RIGHT_07["3.2"], "Startup"),
            },
            "expected": {"q1_2_check": 1, "q3_1_check": 1},
        },
        "blank": {"code": {}, "widgets": {}, "expected": {}},
    }


STUDENTS = {_J07: _students_07}
