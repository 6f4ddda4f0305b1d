"""One plot style for the whole course, and the fan chart used in module 4."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np

COURSE_STYLE = {
    "figure.figsize": (7.5, 4.2),
    "figure.dpi": 90,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.titleweight": "bold",
    "axes.titlesize": 12,
    "axes.labelsize": 11,
    "legend.frameon": False,
    "svg.hashsalt": "aicareer",  # stable output, so stored notebooks do not churn
}
PALETTE = ["#2f6db5", "#e07b39", "#3a9a5b", "#b2405b", "#7a5fb0", "#5f6b7a"]


def use_course_style() -> None:
    """Set the course's plot style once, at the top of a notebook."""
    mpl.rcParams.update(COURSE_STYLE)
    mpl.rcParams["axes.prop_cycle"] = mpl.cycler(color=PALETTE)


def fan_chart(ax, x, samples, levels=(50, 80, 95), colour=PALETTE[0], label="median"):
    """Draw the median of ``samples`` over ``x`` with shaded central intervals.

    Args:
        ax: the matplotlib axes to draw on.
        x: the horizontal positions, length n.
        samples: an array of shape (simulations, n): one simulated path per row.
        levels: the central intervals to shade, in percent, widest drawn lightest.
        colour: the colour of the median line and the bands.
        label: the legend label of the median line.
    """
    samples = np.asarray(samples, dtype=float)
    for level in sorted(levels, reverse=True):
        low, high = np.percentile(samples, [50 - level / 2, 50 + level / 2], axis=0)
        ax.fill_between(
            x,
            low,
            high,
            color=colour,
            alpha=0.12 + 0.18 * (100 - level) / 50,
            linewidth=0,
            # "middle": the band's top edge is not the level's percentile (80% band: 10th-90th)
            label=f"middle {level}% of simulations",
        )
    ax.plot(x, np.median(samples, axis=0), color=colour, linewidth=2, label=label)
    return ax


# Module 8's roadmap: one colour per step of a career, the same in the lesson and the assignment.
STEP_COLOURS = {"learning": PALETTE[0], "projects": PALETTE[2], "job search": PALETTE[1]}


def roadmap_timeline(ax, items, weeks):
    """Draw a roadmap as a timeline: one row per activity, coloured by its step.

    Each bar runs from the activity's start week to its end week, both included, and
    carries its hours per week. A dashed line marks the end of the plan, so an activity
    that runs past it shows at once.

    Args:
        ax: the matplotlib axes to draw on.
        items: dicts with the keys "activity", "step", "start", "end" and "hours".
        weeks: the number of weeks the plan covers (week 1 to ``weeks``).
    """
    items = list(items)
    drawn = set()
    last = max([weeks] + [int(item["end"]) for item in items])
    for row, item in enumerate(items):
        step, start, end = item["step"], item["start"], item["end"]
        width = end - start + 1
        ax.barh(
            row,
            width,
            left=start - 0.5,
            height=0.6,
            color=STEP_COLOURS.get(step, PALETTE[5]),
            label=None if step in drawn else step,
        )
        drawn.add(step)
        text = f"{item['hours']:g} h/week"
        if width >= 3:
            ax.text(start - 0.3, row, text, va="center", fontsize=8, color="white")
        else:
            ax.text(end + 0.6, row, text, va="center", fontsize=8)
    ax.axvline(
        weeks + 0.5, color=PALETTE[5], linestyle="--", linewidth=1.5, label="end of the plan"
    )
    ax.set_yticks(range(len(items)), [item["activity"] for item in items])
    ax.set_ylim(len(items) - 0.5, -0.5)
    ax.set_xticks(range(1, last + 1))
    ax.set_xlim(0.5, last + 1.5)
    order = [s for s in STEP_COLOURS if s in drawn] + sorted(drawn - set(STEP_COLOURS))
    handles, labels = ax.get_legend_handles_labels()
    found = dict(zip(labels, handles, strict=True))
    names = order + ["end of the plan"]
    ax.legend([found[n] for n in names], names, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return ax
