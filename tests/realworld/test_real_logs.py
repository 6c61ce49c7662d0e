"""Real logs through the whole loop: read, mine, calibrate, validate, redesign, compare.

Each public log of ``../shared/data`` goes through the commands a consultant
runs, with default options except what the log cannot say (which steps
needed the citizen; for the help desk, that its ``workgroup`` column is the
silo). Every command must succeed, the comparison must give finite KPIs with
at least 90% of the measured cases finished and no desk busy more than 100% of
its open time. The fidelity figures reached are printed (``pytest -s``) and
asserted; the README's table of real logs comes from this run.

Where a fidelity target is missed the test says why, from what the log lacks.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from odsc.cli import main

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@dataclass(frozen=True)
class Case:
    """One real log and what its user declares."""

    file: str
    calibrate: tuple[str, ...] = ()
    redesign: tuple[str, ...] = ()
    replications: int = 5


CASES = {
    "receipt": Case(
        "receipt.csv",
        ("--citizen-steps", "Confirmation of receipt"),
        ("--one-door", "ODSC front desk", "--digitize", "all", "--standard", "Group 1=2d"),
    ),
    "helpdesk": Case(
        "helpdesk.xes.gz",
        ("--agency", "workgroup", "--citizen-steps", "Assign seriousness"),
        ("--one-door", "ODSC front desk", "--digitize", "all", "--standard", "Value 1=1d"),
    ),
    "roadtraffic": Case(
        "roadtraffic100traces.xes",
        ("--citizen-steps", "Payment"),
        ("--one-door", "ODSC front desk", "--digitize", "all"),
        # 100 cases counted in whole days: with 5 replications the simulated median moves
        # by +-15 points from one seed to the next (-29%, -12%, -2%, -13% for seeds 1-4);
        # 20 replications (2,000 simulated cases) hold it near the model's own -18%
        replications=20,
    ),
    "bpic2012": Case(
        "bpic2012.xes.gz",
        ("--citizen-steps", "A_SUBMITTED"),
        ("--one-door", "ODSC front desk", "--digitize", "all"),
        replications=2,
    ),
}


@dataclass
class Run:
    """What the loop gave on one log."""

    outputs: dict[str, str] = field(default_factory=dict)
    fidelity: dict = field(default_factory=dict)
    comparison: dict = field(default_factory=dict)


def _invoke(args: list[str]) -> str:
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, f"odsc {' '.join(args)}\n{res.output}"
    return res.output


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Run]:
    out: dict[str, Run] = {}
    for key, case in CASES.items():
        log = DATA / case.file
        if not log.exists():
            continue
        d = tmp_path_factory.mktemp(key)
        r = Run()
        r.outputs["mine"] = _invoke(["mine", str(log), "-o", str(d / "report.html")])
        as_is, to_be = d / "as_is.yaml", d / "to_be.yaml"
        r.outputs["calibrate"] = _invoke(["calibrate", str(log), *case.calibrate, "-o", str(as_is)])
        agency = list(case.calibrate[:2]) if case.calibrate[:1] == ("--agency",) else []
        text = _invoke(["validate", str(as_is), str(log), *agency, "--json",
                        "--replications", str(case.replications)])  # fmt: skip
        r.fidelity = json.loads(text[text.index("{") : text.rindex("}") + 1])
        r.outputs["redesign"] = _invoke(["redesign", str(as_is), *case.redesign, "-o", str(to_be)])
        text = _invoke(["compare", str(as_is), str(to_be), "--replications",
                        str(case.replications), "--format", "json"])  # fmt: skip
        r.comparison = json.loads(text[text.index("{") : text.rindex("}") + 1])
        out[key] = r
    _print_table(out)
    return out


def _print_table(runs: dict[str, Run]) -> None:
    print("\n| log | median error | p90 error | 2-gram | lead median as-is -> to-be (days) |")
    for key, r in runs.items():
        f = r.fidelity
        row = _kpi(r, "lead_median")
        print(
            f"| {CASES[key].file} | {f['lead_median_error']:+.0%} | {f['lead_p90_error']:+.0%}"
            f" | {f['ngram_2']:.3f} | {row['baseline']:.2f} -> {row['value']:.2f} |"
        )


def _kpi(r: Run, kpi: str) -> dict:
    return next(x for x in r.comparison["comparison"] if x["kpi"] == kpi)


def _need(runs: dict[str, Run], key: str) -> Run:
    if key not in runs:
        pytest.skip(f"{CASES[key].file} is not in the shared data")
    return runs[key]


@pytest.mark.parametrize("key", list(CASES))
def test_the_loop_runs_and_its_kpis_are_finite(runs: dict[str, Run], key: str) -> None:
    r = _need(runs, key)
    for kpi in ("lead_median", "lead_p90", "waiting_mean", "handoffs"):
        row = _kpi(r, kpi)
        assert math.isfinite(row["baseline"]) and math.isfinite(row["value"]), kpi
    cases, open_ = _kpi(r, "cases"), _kpi(r, "unfinished")
    for side in ("baseline", "value"):
        assert cases[side] >= 30, f"{key}: {cases[side]} measured cases per replication"
        assert open_[side] <= 0.1 * cases[side], f"{key}: {open_[side]} of {cases[side]} open"
    for row in r.comparison["comparison"]:
        if row["kpi"].startswith("util:"):
            for side in ("baseline", "value"):
                v = row[side]
                assert v is None or v <= 1.0, f"{key}: {row['kpi']} {v}"


@pytest.mark.parametrize("key", list(CASES))
def test_costs_the_models_do_not_hold_are_not_recorded(runs: dict[str, Run], key: str) -> None:
    r = _need(runs, key)
    for kpi in ("citizen_cost", "staff_cost"):
        row = _kpi(r, kpi)
        assert row["baseline"] is None and row["value"] is None  # JSON null, never 0


def test_receipt_fidelity_and_redesign(runs: dict[str, Run]) -> None:
    r = _need(runs, "receipt")
    f = r.fidelity
    # the p90 and the 2-gram distance meet their targets
    assert abs(f["lead_p90_error"]) <= 0.25 and f["ngram_2"] < 0.2
    # the median does not: 49% of the real cases are done within 36 minutes, in one sitting
    # of consecutive steps; the model draws each step's delay on its own (first-order), so
    # few simulated cases are fast at every step. The log changed its way of working in
    # 2011 too (calibrate --period 2011-04-01 brings the median to -26%).
    assert f["lead_median_error"] > 0.25
    # hours read in the municipality's clock, not in UTC
    assert "Opening hours 08:00-17:00 (CET/CEST)" in r.outputs["calibrate"]
    # the redesign states where its numbers come from
    text = r.outputs["redesign"]
    assert "its measured transfer (mean" in text and "its measured backlog at" in text
    assert "Service standard (an assumption Group 1 must commit to)" in text
    assert "wrote " in text and "receipt-to-be" in text
    # the digital exchange and the standard shorten the long cases
    assert _kpi(r, "lead_p90")["diff_high"] < 0


def test_bpic2012_reads_and_reproduces(runs: dict[str, Run]) -> None:
    r = _need(runs, "bpic2012")
    f = r.fidelity
    assert f["basis"] == "start" and f["cases_real"] == 13087
    assert abs(f["lead_median_error"]) <= 0.25 and abs(f["lead_p90_error"]) <= 0.25
    assert f["ngram_2"] < 0.2
    assert "never have a start time although the log has them" in r.outputs["calibrate"]
    assert "in progress at once" in r.outputs["calibrate"]  # desks from concurrency


def test_helpdesk_and_roadtraffic_meet_the_targets(runs: dict[str, Run]) -> None:
    for key in ("helpdesk", "roadtraffic"):
        f = _need(runs, key).fidelity
        assert abs(f["lead_median_error"]) <= 0.25, key
        assert abs(f["lead_p90_error"]) <= 0.25, key
        assert f["ngram_2"] < 0.2, key


def test_roadtraffic_is_read_as_days(runs: dict[str, Run]) -> None:
    r = _need(runs, "roadtraffic")
    assert "The log records days, not times of day" in r.outputs["calibrate"]
    assert "Opening hours" not in r.outputs["calibrate"]
    # a service of legal deadlines: the run is fitted to it (months of tail)
    assert r.comparison["tail_days"] > 300 and r.comparison["days"] > 60
