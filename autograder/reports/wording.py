"""Numbers and durations as the grader's pages and terminal lines write them."""

from __future__ import annotations


def points_text(points: float) -> str:
    """Points as people write them: at most two decimals, no trailing zeros ("5.67", "13")."""
    return f"{round(float(points), 2):g}"


def describe_lateness(seconds: float) -> str:
    """'handed in 2 d 1 h 30 min late', or '' when on time."""
    if seconds <= 0:
        return ""
    if seconds < 60:
        return "handed in less than a minute late"
    days, minutes = divmod(int(seconds // 60), 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n]
    return f"handed in {' '.join(parts)} late"
