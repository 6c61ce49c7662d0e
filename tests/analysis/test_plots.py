"""Plots of the mining report: they draw the numbers of the tables they are given."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from analysis.plots import (  # noqa: E402
    handoff_heatmap,
    lead_time_ecdf,
    profile_heatmap,
    time_ticks,
    waiting_bars,
    wip_plot,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _handoffs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "source": ["Tax", "Commerce", "Police", "Commerce"],
            "target": ["Commerce", "Tax", "Commerce", "Police"],
            "count": [412, 37, 5, 1200],
            "delay_median": [4464.0, 90.0, 30.0, 2.0],
        }
    )


def test_handoff_heatmap_cells_hold_the_counts():
    ax = handoff_heatmap(_handoffs())
    rows = [t.get_text() for t in ax.get_yticklabels()]
    cols = [t.get_text() for t in ax.get_xticklabels()]
    assert rows == cols == ["Commerce", "Police", "Tax"]
    image = ax.get_images()[0].get_array()
    # Row Tax (2) -> column Commerce (0) is 412; Commerce -> Police is 1,200.
    assert image[2, 0] == 412 and image[0, 1] == 1200
    assert np.ma.is_masked(image[0, 0])  # the diagonal is not a handoff
    labels = sorted(t.get_text() for t in ax.texts)
    assert labels == ["1,200", "37", "412", "5"]


def test_handoff_heatmap_delays_in_human_units_and_natural_order():
    t = _handoffs().replace({"Police": "Group 12", "Tax": "Group 2", "Commerce": "Group 1"})
    ax = handoff_heatmap(t, value="delay_median")
    assert [x.get_text() for x in ax.get_yticklabels()] == ["Group 1", "Group 2", "Group 12"]
    # 4464 min = 3.1 days, 90 min = 1.5 h; the colour scale is in days (max 3.1 days).
    assert {"3.1 days", "1.5 h", "30 min", "2 min"} == {x.get_text() for x in ax.texts}
    assert ax.get_images()[0].get_clim() == pytest.approx((0, 4464.0 / 1440))


def test_handoff_heatmap_accepts_a_square_matrix_and_keeps_the_busiest():
    m = pd.DataFrame([[0, 5, 1], [2, 0, 0], [0, 0, 0]], index=list("abc"), columns=list("abc"))
    ax = handoff_heatmap(m, max_agencies=2)
    assert [x.get_text() for x in ax.get_xticklabels()] == ["a", "b"]
    assert sorted(x.get_text() for x in ax.texts) == ["2", "5"]


def test_profile_heatmap_grid_matches_the_table_and_crops_idle_hours():
    p = pd.DataFrame({"weekday": [0, 0, 4], "hour": [8, 11, 9], "arrivals": [3, 1, 7]})
    ax = profile_heatmap(p)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["08", "09", "10", "11"]
    grid = ax.get_images()[0].get_array()
    assert grid.shape == (7, 4)
    assert grid[0, 0] == 3 and grid[0, 3] == 1 and grid[4, 1] == 7
    assert np.ma.is_masked(grid[1, 0])  # no row for Tuesday 08:00 in the table
    assert ax.get_xlabel() == "hour of day (UTC)"


def test_profile_heatmap_waiting_is_shown_in_hours():
    p = pd.DataFrame({"weekday": [1], "hour": [10], "waiting_median": [90.0]})
    ax = profile_heatmap(p, value="waiting_median", tz="Asia/Vientiane", title="w")
    assert ax.get_images()[0].get_array()[1, 0] == pytest.approx(1.5)
    assert ax.get_xlabel() == "hour of day (Asia/Vientiane)"


def test_lead_time_ecdf_steps_and_standard_line():
    k = pd.DataFrame({"lead_minutes": [30.0, 90.0, 2880.0, 0.0], "waiting_minutes": [np.nan] * 4})
    ax = lead_time_ecdf(k, sla_minutes=15)
    lines = ax.get_lines()
    ecdf = lines[0]
    # Zero is drawn at one minute (log axis); the y values climb by a quarter per case.
    assert ecdf.get_xdata().tolist() == [1.0, 1.0, 30.0, 90.0, 2880.0]
    assert ecdf.get_ydata().tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert len(lines) == 2 and lines[1].get_xdata()[0] == 15  # all-NaN waiting is skipped
    assert ax.get_xscale() == "log"


def test_waiting_bars_scale_to_days_and_sort():
    a = pd.DataFrame(
        {
            "activity": ["check", "pay", "sign"],
            "waiting_total": [2880.0, 0.0, 14400.0],
            "waiting_share": [2880 / 17280, 0.0, 14400 / 17280],
        }
    )
    ax = waiting_bars(a, top=2)
    widths = [p.get_width() for p in ax.patches]
    assert widths == pytest.approx([2.0, 10.0])  # largest on top: drawn last
    assert [t.get_text() for t in ax.get_yticklabels()] == ["check", "sign"]
    assert sorted(t.get_text() for t in ax.texts) == ["17%", "83%"]


def test_wip_plot_one_line_per_group_and_uses_given_axes():
    w = pd.DataFrame(
        {
            "centre": ["A", "A", "B"],
            "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01"]),
            "open": [1, 3, 2],
        }
    )
    fig, ax = plt.subplots()
    out = wip_plot(w, by="centre", ax=ax)
    assert out is ax
    assert [line.get_ydata().tolist() for line in ax.get_lines()] == [[1, 3], [2]]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["A", "B"]


def test_wip_plot_long_series_adds_a_weekly_mean():
    dates = pd.date_range("2024-01-01", periods=70)
    w = pd.DataFrame({"date": dates, "open": np.r_[np.zeros(35), np.full(35, 7.0)]})
    ax = wip_plot(w)
    trend = ax.get_lines()[1].get_ydata()
    assert trend[0] == 0 and trend[-1] == 7 and trend[35] == pytest.approx(4 * 7 / 7)


def test_time_ticks_on_a_wide_axis_are_spaced_and_on_the_axis():
    # 1 minute to 275 days (a real permit log): "1 week", "2 weeks" and "30 days" used to
    # print on top of each other.
    ticks = time_ticks(1, 275 * 1440)
    assert [s for _, s in ticks] == ["1 min", "15 min", "1 h", "4 h", "1 day", "1 week", "30 days"]
    logs = np.log10([t for t, _ in ticks])
    assert np.diff(logs).min() >= 0.09 * (np.log10(275 * 1440 * 1.25) - np.log10(0.8))
    assert all(0.8 <= t <= 275 * 1440 * 1.25 for t, _ in ticks)
    k = pd.DataFrame({"lead_minutes": [1.0, 30.0, 2000.0, 275 * 1440.0]})
    ax = lead_time_ecdf(k, columns=("lead_minutes",))
    assert [t.get_text() for t in ax.get_xticklabels()] == [s for _, s in ticks]


def test_time_ticks_on_a_narrow_axis_keep_enough_labels():
    assert [s for _, s in time_ticks(10.9 * 1440, 49.9 * 1440)] == ["10 days", "2 weeks", "30 days"]


def test_count_colour_bars_have_whole_numbers():
    p = pd.DataFrame({"weekday": [0, 1, 2], "hour": [8, 9, 10], "arrivals": [3, 7, 20]})
    ax = profile_heatmap(p)
    bar = ax.images[0].colorbar
    ticks = [t for t in bar.get_ticks() if 0 <= t <= 20]
    assert ticks and all(float(t).is_integer() for t in ticks)


def test_wip_plot_legend_names_both_lines():
    w = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=70), "open": np.arange(70)})
    ax = wip_plot(w)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["each day", "7-day mean"]


def test_wip_plot_of_one_day_spans_that_day_not_years():
    import matplotlib.dates as mdates

    ax = wip_plot(pd.DataFrame({"date": pd.to_datetime(["2024-03-05"]), "open": [3]}))
    lo, hi = ax.get_xlim()
    assert (mdates.num2date(lo).date().isoformat(), mdates.num2date(hi).date().isoformat()) == (
        "2024-03-04",
        "2024-03-06",
    )
    assert len(ax.get_xticks()) == 3
    assert ax.get_lines()[0].get_marker() == "o"
    plt.close(ax.figure)
