"""Set-aside rows, --strict, overlap and unknown presence, as the user sees them."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from odsc.cli import main  # noqa: E402
from odsc.report_mine import mine_report  # noqa: E402

# c1: check starts twice and completes once (FIFO: the 08:20 start never completes);
# c2: a complete of check without a start; submit is recorded by completions only.
LIFECYCLE = """case:concept:name,concept:name,lifecycle:transition,time:timestamp,org:group
c1,submit,complete,2024-03-04 08:00:00,front
c1,check,start,2024-03-04 08:10:00,tax
c1,check,START,2024-03-04 08:20:00,tax
c1,check,complete,2024-03-04 08:40:00,tax
c2,submit,complete,2024-03-04 09:00:00,front
c2,check,schedule,2024-03-04 09:05:00,tax
c2,check,complete,2024-03-04 09:30:00,tax
"""


@pytest.fixture
def lifecycle_log(tmp_path: Path) -> Path:
    path = tmp_path / "centre.csv"
    path.write_text(LIFECYCLE, encoding="utf-8")
    return path


def _run(*args: object):
    return CliRunner().invoke(main, [str(a) for a in args])


def test_mine_warns_once_per_kind_on_one_line(lifecycle_log, tmp_path):
    out = tmp_path / "r.json"
    r = _run("mine", lifecycle_log, "-o", out)
    assert r.exit_code == 0, r.output
    # our warnings, one line each, after what the command wrote
    assert [x for x in r.stderr.splitlines() if not x.startswith("wrote ")] == [
        "warning: centre.csv: set aside 1 start that never completes (line 4): dropped",
        "warning: centre.csv: set aside 1 complete without a start (line 8): kept without a "
        "start time",
    ]
    assert f"wrote {out}" in r.stderr.splitlines()
    d = json.loads(out.read_text(encoding="utf-8"))
    assert d["summary"]["events"] == 4
    assert d["notes"][-1] == (
        "The reader set aside rows it could not use as they are: 1 start that never completes "
        "(dropped); 1 complete without a start (kept without a start time). Read with "
        "--strict to refuse such a log instead."
    )


@pytest.mark.parametrize("command", ["mine", "calibrate"])
def test_strict_refuses_with_one_line_and_writes_nothing(command, lifecycle_log, tmp_path):
    out = tmp_path / ("r.html" if command == "mine" else "as_is.yaml")
    r = _run(command, lifecycle_log, "--strict", "-o", out)
    assert r.exit_code == 2
    assert r.stderr.splitlines() == [
        "error: centre.csv: strict reading: set aside 1 start that never completes (line 4): "
        "dropped; set aside 1 complete without a start (line 8): kept without a start time"
    ]
    assert not out.exists()


def test_strict_on_a_clean_log_changes_nothing(tmp_path):
    path = tmp_path / "clean.csv"
    path.write_text("\n".join(LIFECYCLE.splitlines()[:2] + LIFECYCLE.splitlines()[5:6]) + "\n")
    r = _run("mine", path, "--strict", "-o", tmp_path / "r.md")
    assert r.exit_code == 0 and "warning" not in r.stderr


def _overlap_log() -> pd.DataFrame:
    """c1: review starts at 08:50 while intake runs to 09:00 (overlap); c2: 30 min apart."""
    t = lambda *v: pd.to_datetime(list(v), utc=True)  # noqa: E731
    return pd.DataFrame(
        {
            "case:concept:name": ["c1", "c1", "c2", "c2"],
            "concept:name": ["intake", "review", "intake", "review"],
            "start_timestamp": t(
                "2024-03-04 08:00", "2024-03-04 08:50", "2024-03-04 10:00", "2024-03-04 11:00"
            ),
            "time:timestamp": t(
                "2024-03-04 09:00", "2024-03-04 09:30", "2024-03-04 10:30", "2024-03-04 11:20"
            ),
            "org:group": ["front", "back", "front", "back"],
        }
    )


def test_report_shows_overlap_not_negative_minutes():
    md = mine_report(_overlap_log(), fmt="md", key="k")
    table = md.split("## Slowest transitions between steps")[1].split("## ")[0]
    assert "| intake | review | 2 | 2 | 1 | 30 min | 30 min | 30 min |" in table
    assert "-10 min" not in md and "-10" not in table
    assert "1 transitions overlap: the next step started before the previous one ended" in table
    d = json.loads(mine_report(_overlap_log(), fmt="json", key="k"))
    (t,) = d["transitions"]
    assert (t["overlaps"], t["median"], t["signed_mean"]) == (1, 30.0, 10.0)


def test_all_overlapping_transitions_read_overlap():
    log = _overlap_log().iloc[:2]
    md = mine_report(log, fmt="md", key="k")
    assert "| intake | review | 1 | 1 | 1 | overlap | overlap | overlap |" in md


def test_queue_standard_not_checked_without_presence():
    md = mine_report(_overlap_log(), fmt="md", key="k")
    assert (
        "The queue standard (85% of citizens served within 15 min) is not checked: the log "
        "does not say which steps needed the citizen in person" in md
    )
    assert "Desk queues" not in md
    d = json.loads(mine_report(_overlap_log(), fmt="json", key="k"))
    assert d["summary"]["queue_waits"] is None and d["summary"]["queue_within_sla"] is None
    assert d["summary"]["queue_unchecked"].startswith("the log does not say which steps")
    assert "sla" not in {f["kind"] for f in d["findings"]}
    present = _overlap_log().assign(**{"odsc:citizen_present": True})
    d = json.loads(mine_report(present, fmt="json", key="k"))
    # each review continues its case's visit: c1's starts during intake (0 min, never
    # negative), c2's waits 30 min; one of the two within 15 minutes
    assert d["summary"]["queue_waits"] == 2 and d["summary"]["queue_within_sla"] == 0.5
    assert d["summary"]["queue_unchecked"] is None


def test_no_agency_named_means_handoffs_unknown():
    log = _overlap_log().drop(columns=["org:group"])
    md = mine_report(log, fmt="md", key="k")
    assert "| Cases | 2 | 4 events, 2 steps, no agency named |" in md
    assert "| Handoffs per case | not recorded | the log names no agency |" in md
    d = json.loads(mine_report(log, fmt="json", key="k"))
    assert d["summary"]["handoffs_per_case"] is None and d["summary"]["agencies_named"] == 0
