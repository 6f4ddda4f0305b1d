"""Simulated learners for module 5's nbgrader round trip (see tests/students.py)."""

from tests.helpers.course import solution_code

_J05 = "05-after-deployment"
_BULK = "A bulk-buy promotion makes orders of more than 20 items many times as common"
_SHELVES = "New shelves go in; the same orders now take a third less time to pack"
_RECEIPT = "A new rule says every order must include a printed receipt, adding a minute to each"
_MONDAYS = "Orders on Mondays are a little bigger than on Thursdays, as they have been for years"
_TOWN = "Basket starts delivering in a town where families order more items at a time"
_BAGS = "Basket switches to a new paper bag that packs exactly as fast as the old one"
_PSI = "The PSI of items per order, week by week"
_KS = "The KS statistic of this week's items per order against the reference"
_GAP = "The gap between predicted and actual packing time, once each order is packed"
_COURIERS = "Couriers reporting that orders are ready well before the time they were given"
_RIGHT_05 = {
    "1.1": {
        _BULK: "Data drift",
        _SHELVES: "Concept drift",
        _RECEIPT: "Concept drift",
        _MONDAYS: "Neither",
        _TOWN: "Data drift",
        _BAGS: "Neither",
    },
    "1.2": [_GAP, _COURIERS],
    "3.2": 0.075,  # the lowest step of 0.005 at which at most 2% of the calm weeks alarm
}
_PARTIAL_CODE_05 = {
    # Floors only the current sample's shares: a reference bin left empty by tied edges
    # gives ln(x / 0).
    "psi": """
def psi(reference, current, bins):
    edges = np.quantile(reference, np.arange(1, bins) / bins)
    ref = np.bincount(np.searchsorted(edges, reference, side="right"), minlength=bins)
    cur = np.bincount(np.searchsorted(edges, current, side="right"), minlength=bins)
    ref_share = ref / len(reference)
    cur_share = np.maximum(cur / len(current), FLOOR_SHARE)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))
""",
    # Walks the merged values one at a time, so it compares the ECDFs inside a tie.
    "ks_statistic": """
def ks_statistic(a, b):
    merged = sorted([(x, 0) for x in a] + [(x, 1) for x in b])
    seen, best = [0, 0], 0.0
    for _, which in merged:
        seen[which] += 1
        best = max(best, abs(seen[0] / len(a) - seen[1] / len(b)))
    return float(best)
""",
    # Right indices, but returned as a NumPy array rather than a list.
    "alert_windows": """
def alert_windows(scores, threshold, consecutive):
    above = np.asarray(scores, dtype=float) > threshold
    run, out = 0, []
    for index, flag in enumerate(above):
        run = run + 1 if flag else 0
        if run >= consecutive:
            out.append(index)
    return np.array(out, dtype=int)
""",
}
_WRONG_CODE_05 = {
    # The lesson's fixed tenths: 10 bins whatever `bins` says.
    "psi": """
def psi(reference, current, bins):
    edges = np.quantile(reference, np.arange(1, 10) / 10)
    def shares(values):
        counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=10)
        return np.maximum(counts / len(values), FLOOR_SHARE)
    r, c = shares(reference), shares(current)
    return float(np.sum((c - r) * np.log(c / r)))
""",
    # Never sorts: np.searchsorted on an unsorted sample counts the wrong values.
    "ks_statistic": """
def ks_statistic(a, b):
    a, b = np.asarray(a), np.asarray(b)
    points = np.union1d(a, b)
    ecdf_a = np.searchsorted(a, points, side="right") / len(a)
    ecdf_b = np.searchsorted(b, points, side="right") / len(b)
    return float(np.max(np.abs(ecdf_a - ecdf_b)))
""",
    # Compares a list with a number, without np.asarray.
    "false_alarm_rate": (
        "def false_alarm_rate(calm_scores, threshold):\n"
        "    return float(np.mean(calm_scores > threshold))\n"
    ),
    # Ignores `consecutive`: every window above the threshold.
    "alert_windows": (
        "def alert_windows(scores, threshold, consecutive):\n"
        "    return [i for i, s in enumerate(scores) if s > threshold]\n"
    ),
}

_SLIPS_CODE_05 = {
    # Adds FLOOR_SHARE to every share instead of raising only the shares below it.
    "psi": """
def psi(reference, current, bins):
    edges = np.quantile(reference, np.arange(1, bins) / bins)
    def shares(values):
        counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=bins)
        return counts / len(values) + FLOOR_SHARE
    r, c = shares(reference), shares(current)
    return float(np.sum((c - r) * np.log(c / r)))
""",
    # Checks the gap only at the values of the first sample.
    "ks_statistic": """
def ks_statistic(a, b):
    a, b = np.sort(a), np.sort(b)
    gaps = [abs(np.searchsorted(a, x, side="right") / len(a)
                - np.searchsorted(b, x, side="right") / len(b)) for x in a]
    return float(max(gaps))
""",
    # Counts the weeks above the threshold instead of taking their share.
    "false_alarm_rate": (
        "def false_alarm_rate(calm_scores, threshold):\n"
        "    return float(np.sum(np.asarray(calm_scores) > threshold))\n"
    ),
    # Alerts once per run, at its consecutive-th window, and not at the windows after it.
    "alert_windows": """
def alert_windows(scores, threshold, consecutive):
    out, run = [], 0
    for index, score in enumerate(scores):
        run = run + 1 if score > threshold else 0
        if run == consecutive:
            out.append(index)
    return out
""",
}


def _students_05():
    solutions = solution_code(_J05)
    right_cells = {
        "q1_1_check": 3,
        "q1_2_check": 2,
        "test_psi_values": 2,
        "test_psi_reference_bins": 1,
        "test_ks_values": 2,
        "test_ks_ties": 2,
        "test_false_alarm_rate": 2,
        "q3_2_check": 2,
        "test_alert_windows_runs": 2,
        "test_alert_windows_edges": 1,
    }
    partial_code = dict(solutions)
    partial_code.update(_PARTIAL_CODE_05)
    return {
        "right": {"code": solutions, "widgets": _RIGHT_05, "expected": right_cells},
        "partial": {
            "code": partial_code,
            "widgets": {
                "1.1": {**_RIGHT_05["1.1"], _RECEIPT: "Neither"},
                "1.2": [_PSI, _GAP, _COURIERS],  # in the order the options are shown
                "3.2": 0.07,  # one step too low: 4% of the calm weeks alarm
            },
            "expected": {
                "q1_1_check": 2.25,  # (5 right - 1 wrong / 2) of 6 pairs, times 3 points
                "q1_2_check": 1.0,  # 2 right ticks - 1 wrong, of 2, times 2 points
                "test_psi_reference_bins": 1,  # no empty reference bin there
                "test_false_alarm_rate": 2,
                "test_alert_windows_runs": 2,
            },
            # Each code mistake fails a check the learner sees, with its hint.
            "visible_hints": {
                "test_psi_values": "Floor the shares of both samples",
                "test_ks_ties": "Compare them only after every copy of 2",
                "test_alert_windows_edges": "Return a list",
            },
        },
        "wrong": {
            "code": _WRONG_CODE_05,
            "widgets": {
                "1.1": {
                    _BULK: "Concept drift",
                    _SHELVES: "Data drift",
                    _RECEIPT: "Neither",
                    _MONDAYS: "Data drift",
                    _TOWN: "Neither",
                    _BAGS: "Concept drift",
                },
                "1.2": [_PSI, _KS],
                "3.2": 0.05,
            },
            "expected": {},
            "visible_hints": {
                "test_psi_values": "that is the PSI with 10 bins",
                "test_ks_values": "np.searchsorted needs a sorted array",
                "test_false_alarm_rate": "np.asarray(calm_scores)",
                "test_alert_windows_runs": "only when it and the window just before it",
            },
        },
        # Right answers and right code but for four slips, each named by a visible check.
        "slips": {
            "code": {**solutions, **_SLIPS_CODE_05},
            "widgets": _RIGHT_05,
            "expected": {
                k: v
                for k, v in right_cells.items()
                if k
                not in (
                    "test_psi_values",
                    "test_psi_reference_bins",
                    "test_ks_values",
                    "test_ks_ties",
                    "test_false_alarm_rate",
                    "test_alert_windows_runs",
                )
            },
            "visible_hints": {
                "test_psi_values": "you added FLOOR_SHARE to every share",
                "test_ks_values": "check every value in either sample",
                "test_false_alarm_rate": "not a count",
                "test_alert_windows_runs": "A run keeps alerting at every window",
            },
        },
        # Guessing earns nothing: one kind for every change, every box ticked.
        "guesser": {
            "code": {},
            "widgets": {
                "1.1": dict.fromkeys(_RIGHT_05["1.1"], "Data drift"),
                "1.2": [
                    _PSI,
                    _KS,
                    _GAP,
                    "The average packing time the model predicts per order",
                    _COURIERS,
                ],
                "3.2": 0.1,
            },
            "expected": {},
        },
        "blank": {"code": {}, "widgets": {}, "expected": {}},
    }


STUDENTS = {_J05: _students_05}
