"""The process map drawn again, with fewer arcs, until it fits the page."""

import shutil

import pandas as pd
import pytest

from analysis.processmap import _width_pt, process_map_svg

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="needs Graphviz's dot")


def _wide_log(n: int = 16) -> pd.DataFrame:
    """n cases, each with its own first step then a shared one: n boxes side by side."""
    rows = []
    for i in range(n):
        for k, act in enumerate((f"Check document number {i}", "Decide")):
            rows.append(
                (f"c{i}", act, pd.Timestamp("2024-01-01 08:00", tz="UTC") + pd.Timedelta(hours=k))
            )
    return pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])


def test_a_wide_map_is_drawn_with_fewer_arcs_to_fit():
    log = _wide_log()
    full = process_map_svg(log)
    narrow = process_map_svg(log, max_width=500)
    assert "Showing 16 of 16 arcs" in full
    assert _width_pt(narrow) < _width_pt(full)
    # the narrowest try keeps the 6 most frequent arcs (ties in log order)
    assert "Showing 6 of 16 arcs" in narrow


def test_a_map_that_fits_is_drawn_as_it_is():
    log = _wide_log(3)
    assert process_map_svg(log, max_width=5000) == process_map_svg(log)


def test_rare_start_and_end_arcs_are_left_out_and_counted():
    log = _wide_log()
    svg = process_map_svg(log, min_share=0.1)
    # each first step starts 1 of the 16 cases (6%): 16 start arcs left out
    assert "16 start and end arcs of under 10% of the cases are not drawn" in svg
