"""Simulated learners for module 4's nbgrader round trip (see tests/students.py)."""

from tests.helpers.course import solution_code

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
_BUSINESS = [
    "Estimate how much the refunds would fall if depot damage were caught",
    "Ask the finance team what a week of the team's time costs",
    "Work out how many months of refunds saved would pay for the cameras and the labelling",
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
            # Returns (b, a): a visible check says to return (a, b). data_needed is right and
            # earns its points although the fit is wrong (its tests do not call the fit).
            "fit_learning_curve": solutions["fit_learning_curve"].replace(
                "return float(np.exp(intercept)), float(-slope)",
                "return float(-slope), float(np.exp(intercept))",
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
        # Forgets the floor and forgets return: the function gives None.
        "data_needed": (
            "def data_needed(a, b, floor, target):\n    n = float((a / target) ** (1 / b))\n"
        ),
        "chance_by_deadline": "def chance_by_deadline(weeks_needed, deadline):\n    return 0.5\n",
        "weeks_for_confidence": (
            "def weeks_for_confidence(weeks_needed, confidence):\n    return 10\n"
        ),
        # Forgets return.
        "expected_return": (
            "def expected_return(accuracies, threshold, value_if_met, weekly_cost, weeks):\n"
            "    value = np.mean(np.asarray(accuracies) >= threshold) * value_if_met\n"
            "    value - weekly_cost * weeks\n"
        ),
    }
    swapped = [_STEPS[1], _STEPS[0]] + _STEPS[2:]
    # Plausible NumPy code that forgets np.asarray: right on arrays, a TypeError on the
    # lists the questions say may come. Each function fails a visible check that names
    # np.asarray (see "visible_hints"), so the learner learns it before grading.
    no_asarray_code = dict(solutions)
    no_asarray_code.update(
        {
            "fit_learning_curve": (
                "def fit_learning_curve(sizes, errors, floor):\n"
                "    if np.any(errors <= floor):\n"
                "        raise ValueError('an error is at or below the floor')\n"
                "    slope, intercept = np.polyfit(np.log(sizes), np.log(errors - floor), 1)\n"
                "    return float(np.exp(intercept)), float(-slope)\n"
            ),
            "chance_by_deadline": (
                "def chance_by_deadline(weeks_needed, deadline):\n"
                "    return float(np.mean(weeks_needed <= deadline))\n"
            ),
            # Right in itself, but it leans on chance_by_deadline, which fails on lists.
            "weeks_for_confidence": (
                "def weeks_for_confidence(weeks_needed, confidence):\n"
                "    week = 0\n"
                "    while chance_by_deadline(weeks_needed, week) < confidence:\n"
                "        week += 1\n"
                "    return week\n"
            ),
            "expected_return": (
                "def expected_return(accuracies, threshold, value_if_met, weekly_cost, weeks):\n"
                "    chance = np.mean(accuracies >= threshold)\n"
                "    return float(chance * value_if_met - weekly_cost * weeks)\n"
            ),
        }
    )
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
                "q1_1_check": 1.6,  # 9 of 10 pairs in order: each pair fewer takes a fifth off
                "q1_2_check": 0.666667,  # 2 right ticks - 1 wrong, of 3, times 2 points
                "test_fit_learning_curve_floor": 1,
                "test_data_needed_value": 2,
                "test_data_needed_unreachable": 1,
                "test_chance_by_deadline": 2,
                "q4_1_check": 1,
                "q4_2_check": 2,
                "test_expected_return_value": 2,
                "test_expected_return_edges": 1,
            },
            "visible_hints": {"test_fit_learning_curve_exact": "Return (a, b)"},
        },
        "wrong": {
            "code": wrong_code,
            "widgets": {
                "1.1": list(reversed(_STEPS)),
                "1.2": [  # every box ticked, in the widget's order: guessing earns nothing
                    _TECHNICAL[0],
                    _TECHNICAL[1],
                    _BUSINESS[0],
                    _TECHNICAL[2],
                    _BUSINESS[1],
                    _BUSINESS[2],
                ],
                "4.1": "The first week in which any simulated project reaches the target",
                "4.2": 25,
                "6.1": "Ready, fire, aim: put a first version on the belt soon and adjust from "
                "what goes wrong",
            },
            "expected": {},
            "visible_hints": {
                "test_data_needed_value": "forget return",
                "test_expected_return_value": "forget return",
            },
        },
        "no_asarray": {
            "code": no_asarray_code,
            "widgets": {
                # Money first: problem, budget, milestones, options, diligence. 5 of the 10
                # pairs are in order, what a random order gets on average: it earns nothing.
                "1.1": [_STEPS[i] for i in (0, 4, 3, 1, 2)],
                "1.2": _TECHNICAL,
                "4.1": _REPORT_80,
                "4.2": 15,  # where the top edge of the "middle 80%" band meets the target
                "6.1": _AIM_FIRST,
            },
            "expected": {
                "q1_2_check": 2,
                "test_data_needed_value": 2,
                "test_data_needed_unreachable": 1,
                "q4_1_check": 1,
                "q6_1_check": 1,
            },
            # The visible check each code cell fails, and a phrase its message must hold.
            "visible_hints": {
                "test_fit_learning_curve_exact": "np.asarray",
                "test_fit_learning_curve_floor": "np.asarray",
                "test_chance_by_deadline": "np.asarray",
                "test_weeks_for_confidence": "np.asarray",
                "test_weeks_for_confidence_whole": "np.asarray",
                "test_expected_return_value": "np.asarray",
                "test_expected_return_edges": "np.asarray",
            },
        },
        "blank": {"code": {}, "widgets": {}, "expected": {}},
    }


STUDENTS = {_J04: _students_04}
