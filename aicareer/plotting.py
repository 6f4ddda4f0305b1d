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
