"""Filters and before/after on the real logs, as a consultant runs them (default options)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from odsc.cli import main

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _mine(tmp_path: Path, log: str, *args: str) -> tuple[dict, str]:
    path = DATA / log
    if not path.exists():
        pytest.skip("real logs not present")
    out = tmp_path / "r.json"
    r = CliRunner().invoke(main, ["mine", str(path), *args, "-o", str(out)])
    assert r.exit_code == 0, r.output
    return json.loads(out.read_text()), r.stdout


def test_receipt_before_after_a_reform_date(tmp_path: Path) -> None:
    d, out = _mine(tmp_path, "receipt.csv", "--agency", "org:group", "--before-after", "2011-03-01")
    ba = d["before_after"]
    assert ba["cases_before"] + ba["cases_after"] == 1434
    assert out.splitlines()[0].startswith(f"{ba['cases_before']:,} cases")
    rows = {k["kpi"]: k for k in ba["kpis"]}
    for key in ("lead_median", "lead_p90", "events_mean", "handoffs_mean", "pingpong_share"):
        r = rows[key]
        assert r["before_ci"][0] <= r["before"] <= r["before_ci"][1]
        assert r["after_ci"][0] <= r["after"] <= r["after_ci"][1]
        assert r["change"] == pytest.approx(r["after"] - r["before"])
    # receipt has no start times and no citizen presence: unknown, never zero
    for key in ("processing_mean", "waiting_median", "visits_mean", "queue_within_sla"):
        assert rows[key]["before"] is None and rows[key]["not_recorded"]


def test_roadtraffic_contained_window_and_where(tmp_path: Path) -> None:
    d, out = _mine(tmp_path, "roadtraffic100traces.xes", "--from", "2002-01-01", "--to",
                   "2004-12-31", "--window", "contained", "--where", "concept:name=Payment")  # fmt: skip
    steps = d["filters"]
    assert steps[0]["cases_in"] == 100 and 0 < steps[1]["cases_kept"] <= steps[0]["cases_kept"]
    assert d["summary"]["cases"] == steps[-1]["cases_kept"]


def test_helpdesk_top_variants(tmp_path: Path) -> None:
    d, _ = _mine(tmp_path, "helpdesk.xes.gz", "--variants", "top:3")
    step = d["filters"][0]
    assert step["cases_in"] == 4580 and step["detail"].startswith("3 of ")
    cov = sum(v["share"] for v in d["variants"])
    assert math.isclose(cov, 1.0, rel_tol=1e-9)  # only the three variants are left
    assert len(d["variants"]) == 3
