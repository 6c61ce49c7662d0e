"""``odsc monitor`` on the real public logs, with default options and a centre-like column."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from odsc.cli import main

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _need(name: str) -> Path:
    path = DATA / name
    if not path.exists():
        pytest.skip(f"{name} is not in the shared data")
    return path


@pytest.mark.parametrize(
    ("name", "by", "centres"),
    [("receipt.csv", "case:department", 3), ("helpdesk.xes.gz", "support_section", 7)],
)
def test_monitor_real_log_by_an_attribute(tmp_path, name, by, centres):
    log = _need(name)
    out = tmp_path / "m.json"
    r = CliRunner().invoke(main, ["monitor", str(log), "--by", by, "-o", str(out)])
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text())
    assert d["centres"] == centres
    rows = [x for x in d["table"] if x["level"] == "centre"]
    assert sum(x["cases"] for x in rows) == d["cases"]
    # neither log records presence or start times: not recorded, never 0
    assert all(x["visits_mean"] is None and x["queue_within_sla"] is None for x in rows)
    assert {"visits_mean", "queue_within_sla", "within_charter_time"} <= set(d["notes"])
    assert all(x["lead_median_minutes"] >= 0 for x in rows)
    # the latest periods may still be losing their slow cases: never a mover's end point
    late = {x["period"] for x in d["table"] if x["incomplete"]}
    assert late and not late & {m["to_period"] for m in d["movers"]}
    html = tmp_path / "m.html"
    assert (
        CliRunner().invoke(main, ["monitor", str(log), "--by", by, "-o", str(html)]).exit_code == 0
    )
    assert "<script" not in html.read_text()


def test_monitor_real_log_without_the_centre_column(tmp_path):
    log = _need("receipt.csv")
    out = tmp_path / "m.html"
    r = CliRunner().invoke(main, ["monitor", str(log), "--by", "centre", "-o", str(out)])
    assert r.exit_code == 2 and not out.exists()
    (line,) = r.stderr.strip().splitlines()
    assert line.startswith("error: receipt.csv: --by: the log has no column 'centre'; ")
    assert "case:department (3 values)" in line and "case:deadline" not in line  # dates: no
