"""Simulated learners for module 2's nbgrader round trip (see tests/students.py)."""

from tests.helpers.course import solution_code

_J02 = "02-foundations"
_HIGH_VARIANCE_FIXES = [
    "Collect more training examples",
    "Add L2 regularisation, or raise lambda",
    "Use fewer features, or a lower polynomial degree",
]
_RIGHT_02 = {
    "2.2": 0.0098,
    "4.1": "High variance",
    "4.2": "High bias",
    "4.3": "Both high bias and high variance",
    "4.4": _HIGH_VARIANCE_FIXES,
}
_PARTIAL_CODE_02 = {
    # Forgets the 1/2 of the cost: only Question 1.1 should lose its points for it.
    "mse_cost": """
def mse_cost(X, y, w, b):
    errors = np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b - np.asarray(y, dtype=float)
    return float(np.mean(errors ** 2))
""",
    # Right formula, but no np.asarray: lists fail with a TypeError.
    "gradients": """
def gradients(X, y, w, b):
    errors = X @ w + b - y
    return X.T @ errors / len(y), float(np.mean(errors))
""",
    # Shuffled with its own generator, but int() cuts the sizes instead of rounding them.
    "train_dev_test_split": """
def train_dev_test_split(n, fractions, seed):
    order = np.random.default_rng(seed).permutation(n)
    n_dev, n_test = int(n * fractions[1]), int(n * fractions[2])
    n_train = n - n_dev - n_test
    return order[:n_train], order[n_train:n_train + n_dev], order[n_train + n_dev:]
""",
    # Points right and ranked by them, but ties are left in fix_share's order.
    "rank_fixes": """
def rank_fixes(mistakes, fix_share, dev_size):
    counts = {cause: mistakes.count(cause) for cause in fix_share}
    points = {cause: 100 * counts[cause] * share / dev_size for cause, share in fix_share.items()}
    return sorted(points.items(), key=lambda pair: -pair[1])
""",
}
_WRONG_CODE_02 = {
    # Forgets the 1/2 of the cost.
    "mse_cost": """
def mse_cost(X, y, w, b):
    errors = np.asarray(X, dtype=float) @ np.asarray(w, dtype=float) + b - np.asarray(y, dtype=float)
    return float(np.mean(errors ** 2))
""",
    # y minus prediction: the gradient points uphill.
    "gradients": """
def gradients(X, y, w, b):
    X, y, w = (np.asarray(a, dtype=float) for a in (X, y, w))
    errors = y - (X @ w + b)
    return X.T @ errors / len(y), float(np.mean(errors))
""",
    # `w -= ...` changes the caller's array (and it steps with the wrong learner's gradients).
    "gradient_descent": """
def gradient_descent(X, y, w, b, alpha, iterations):
    w = np.asarray(w, dtype=float)
    costs = [mse_cost(X, y, w, b)]
    for _ in range(iterations):
        dw, db = gradients(X, y, w, b)
        w -= alpha * dw
        b -= alpha * db
        costs.append(mse_cost(X, y, w, b))
    return w, b, costs
""",
    # Resets NumPy's global random numbers, and cuts sizes with int().
    "train_dev_test_split": """
def train_dev_test_split(n, fractions, seed):
    np.random.seed(seed)
    order = np.random.permutation(n)
    n_dev, n_test = int(n * fractions[1]), int(n * fractions[2])
    n_train = n - n_dev - n_test
    return order[:n_train], order[n_train:n_train + n_dev], order[n_train + n_dev:]
""",
    # Counts the global MISTAKES instead of its argument.
    "rank_fixes": """
def rank_fixes(mistakes, fix_share, dev_size):
    points = [(c, 100 * MISTAKES.count(c) * s / dev_size) for c, s in fix_share.items()]
    return sorted(points, key=lambda pair: (-pair[1], pair[0]))
""",
}


def _students_02():
    solutions = solution_code(_J02)
    right_cells = {
        "test_mse_cost": 2,
        "test_gradients_small": 2,
        "test_gradients_numeric": 1,
        "test_gradient_descent_steps": 1,
        "test_gradient_descent_converges": 2,
        "q2_2_check": 2,
        "test_split_sizes": 2,
        "test_split_reproducible": 1,
        "q4_1_check": 1,
        "q4_2_check": 1,
        "q4_3_check": 1,
        "q4_4_check": 2,
        "test_rank_fixes_order": 2,
        "test_rank_fixes_points": 1,
    }
    return {
        "right": {"code": solutions, "widgets": _RIGHT_02, "expected": right_cells},
        "partial": {
            "code": {
                "gradient_descent": solutions["gradient_descent"],
                **_PARTIAL_CODE_02,
            },
            "widgets": {
                "2.2": 0.003,  # a rate that works, but not the largest
                "4.1": _RIGHT_02["4.1"],
                "4.2": "Both high bias and high variance",
                "4.3": _RIGHT_02["4.3"],
                "4.4": [  # in the order the options are shown, as the sheet stores them
                    _HIGH_VARIANCE_FIXES[0],
                    _HIGH_VARIANCE_FIXES[1],
                    "Lower lambda",
                ],
            },
            "expected": {
                # gradient_descent is right: the cost without its 1/2 and the gradient that
                # fails on lists cost points in Questions 1.1 and 1.2 only.
                "test_gradient_descent_steps": 1,
                "test_gradient_descent_converges": 2,
                "test_split_reproducible": 1,
                "q4_1_check": 1,
                "q4_3_check": 1,
                "q4_4_check": 0.666667,  # 2 right ticks - 1 wrong tick, of 3, times 2 points
                "test_rank_fixes_points": 1,
            },
            "visible_hints": {
                "test_mse_cost": "1/2",
                "test_gradients_small": "np.asarray",
                "test_split_sizes": "not int()",
                "test_rank_fixes_order": "alphabetical",
            },
        },
        "wrong": {
            "code": _WRONG_CODE_02,
            "widgets": {
                "2.2": 0.012,
                "4.1": "High bias",
                "4.2": "High variance",
                "4.3": "Neither: good enough",
                "4.4": [
                    "Add more polynomial features",
                    "Lower lambda",
                    "After each change, keep the model with the best test-set error",
                ],
            },
            "expected": {
                # Its gradients fails its own check, so the convergence check runs its
                # gradient_descent with a correct gradients: that mistake costs points once.
                # (Its `w -= ...` still loses test_gradient_descent_steps.)
                "test_gradient_descent_converges": 2,
            },
            "visible_hints": {
                "test_mse_cost": "1/2",
                "test_gradients_small": "opposite sign",
                "test_gradient_descent_steps": "w = w - alpha * dw",
                "test_split_reproducible": "np.random.seed",
                "test_rank_fixes_order": "argument `mistakes`",
            },
        },
        "blank": {"code": {}, "widgets": {}, "expected": {}},
    }


STUDENTS = {_J02: _students_02}
