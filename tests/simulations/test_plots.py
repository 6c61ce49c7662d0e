"""Plots of experiments: readable axes whatever the queues and shares drawn."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from simulations.experiments import Experiment  # noqa: E402
from simulations.plots import plot_ecdf, plot_queue_by_hour, plot_visits  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _experiment(night: float = 0.007) -> Experiment:
    """Two scenarios; queues from 08:00 to 16:00, and a tiny queue left over each night."""
    hours = list(range(24))
    day = {8: 8.7, 9: 5.1, 10: 3.1, 11: 1.8, 12: 1.4, 13: 1.0, 14: 0.6, 15: 0.3}
    queues = pd.DataFrame(
        {
            "scenario": ["as-is"] * 24 + ["one-door"] * 24,
            "replication": 0,
            "pool": ["desk"] * 24 + ["front"] * 24,
            "citizen": True,
            "hour": hours * 2,
            "queue": [day.get(h, 0.0) for h in hours] + [day.get(h, night) / 5 for h in hours],
        }
    )
    cases = pd.DataFrame(
        {
            "scenario": ["as-is"] * 4 + ["one-door"] * 4,
            "replication": 0,
            "lead_days": [20.0, 21.0, 25.0, 30.0, 4.0, 5.0, 5.0, 6.0],
            "visits": [5.0, 5.0, 6.0, 5.0, 2.0, 2.0, 2.0, 2.0],
        }
    )
    runs = pd.DataFrame(
        {"scenario": ["as-is", "one-door"], "replication": [0, 0], "unfinished": [0.0, 0.0]}
    )
    return Experiment(runs, cases, queues, ("as-is", "one-door"), 1, 20, 2, 7, tail_days=30)


def test_queue_by_hour_keeps_the_busy_hours_and_readable_ticks():
    ax = plot_queue_by_hour(_experiment())
    # The overnight leftover (0.007 citizens, under 1% of the 8.7 peak) does not stretch
    # the axis over 24 hours of near-zero points.
    assert ax.get_xlim() == (8.0, 16.0)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels[0] == "08:00" and labels[-1] == "16:00" and len(labels) == 9


def test_queue_by_hour_thins_the_ticks_of_a_long_day():
    ax = plot_queue_by_hour(_experiment(night=1.0))  # every hour busy: 24 hours
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert labels == [f"{h:02d}:00" for h in range(0, 25, 2)]


def test_shares_are_shown_as_percentages():
    ex = _experiment()
    for ax in (plot_ecdf(ex, "lead_days"), plot_visits(ex)):
        ax.figure.canvas.draw()
        shown = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
        assert "100%" in shown and "0%" in shown
