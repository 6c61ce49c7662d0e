"""Round trip against the real Prosimos: export, simulate there, read back, compare.

Every catalogue journey is exported (BPMN and Prosimos JSON), simulated by
Prosimos (in its own venv, ``.venv-prosimos``: Prosimos pins versions of
pandas and numpy of its own; ``make .venv-prosimos/.installed`` makes it and
``.ci/run`` calls that) on the same citizens as ``odsc simulate`` (our
engine's arrival times replayed into Prosimos), read with ``read_log`` and
measured against our run with :func:`analysis.fidelity.fidelity`.

Where the semantics coincide (no visits, no going home at closing, no
couriers, no arrival weights, desks open around the clock: the
``always_open`` variant of each journey) the median cycle time must agree
within 10%. With office hours kept (``plain``) the engines differ in one
rule (work running at closing), so the cycle-time distributions and their
p90 are held to 10%. For the journeys as they are, the figures are printed
(``pytest -s``) for the README, with the lossy note that explains the gap.

Outside CI the test is skipped (with the reason) when the venv is absent;
``.ci/run`` sets ``ODSC_REQUIRE_PROSIMOS=1`` so that there it fails instead.
"""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from analysis.fidelity import fidelity
from analysis.logs import read_log
from journeys import load_catalog
from journeys.bpmn_export import to_bpmn
from journeys.catalog import catalog_names
from journeys.model import WEEKDAYS, Arrivals, Journey
from journeys.prosimos import to_prosimos
from simulations.engine import simulate

ROOT = Path(__file__).resolve().parents[2]
PYTHON = Path(os.environ.get("ODSC_PROSIMOS_PYTHON", ROOT / ".venv-prosimos" / "bin" / "python"))
RUNNER = Path(__file__).with_name("prosimos_run.py")
START = pd.Timestamp("2026-01-05 00:00", tz="UTC")  # a Monday
DAYS = 40  # days with arrivals
TAIL = 60  # days more for the last cases to finish


def _prosimos_or_skip() -> None:
    ok = PYTHON.exists() and subprocess.run(
        [str(PYTHON), "-c", "import prosimos"], capture_output=True
    ).returncode == 0
    if ok:
        return
    if os.environ.get("ODSC_REQUIRE_PROSIMOS"):
        pytest.fail(f"Prosimos is required here but {PYTHON} cannot import it")
    pytest.skip(f"no Prosimos venv at {PYTHON} (make .venv-prosimos/.installed)")


def plain(j: Journey) -> Journey:
    """The journey where our semantics and Prosimos' coincide.

    No citizen-present steps (so no visits and nobody going home at closing),
    couriers and carried papers turned into data exchange with the same delay
    distribution (no batch times), no backlogs, no arrival weights.
    """
    steps = tuple(replace(s, citizen_present=False) for s in j.steps)
    trans = tuple(
        replace(t, carrier="digital" if t.carrier else None, batch_times=(), backlog=None)
        for t in j.transitions
    )
    return replace(j, id=f"{j.id}-plain", steps=steps, transitions=trans,
                   arrivals=Arrivals(per_day=j.arrivals.per_day))


def always_open(j: Journey) -> Journey:
    """:func:`plain`, with every desk open around the clock, every day.

    With no closing, the one difference of the engines that ``plain`` keeps is
    gone: a service still running at closing runs to its end in odsc, while
    Prosimos pauses it until the desk opens again.
    """
    j = plain(j)
    cals = tuple(replace(c, hours=(("00:00", "24:00"),), days=WEEKDAYS, holidays=())
                 for c in j.calendars)
    return replace(j, id=f"{j.id}-24h", calendars=cals)


def _run_both(j: Journey, tmp: Path, seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame]:
    drawn = simulate(j, days=DAYS, seed=seed, start_date=START.date())
    arrivals = sorted(drawn.cases["arrival"])
    ours = simulate(j, days=DAYS + TAIL, seed=seed, arrivals=arrivals, start_date=START.date())
    assert ours.in_system == 0, "our run must finish every case"
    model, params, times, log = (tmp / f"{j.id}.{x}" for x in ("bpmn", "json", "times", "csv"))
    model.write_bytes(to_bpmn(j))
    p, _ = to_prosimos(j)
    params.write_text(json.dumps(p), encoding="utf-8")
    times.write_text(json.dumps([pd.Timestamp(a).isoformat() for a in arrivals]))
    subprocess.run(
        [str(PYTHON), str(RUNNER), str(model), str(params), str(times),
         START.isoformat(), str(seed), str(log)],
        check=True, capture_output=True, timeout=600,
    )
    theirs = read_log(log, case="case_id", activity="activity", timestamp="end_time",
                      start="start_time", resource="resource", lifecycle=None)
    return ours.log, theirs


@pytest.fixture(scope="module")
def prosimos_ready() -> None:
    _prosimos_or_skip()


@pytest.mark.parametrize("variant", [plain, always_open])
@pytest.mark.parametrize("name", catalog_names())
def test_plain_journeys_agree_with_prosimos(name: str, variant, tmp_path: Path,
                                            prosimos_ready: None) -> None:
    j = variant(load_catalog(name))
    ours, theirs = _run_both(j, tmp_path)
    assert ours["case:concept:name"].nunique() == theirs["case:concept:name"].nunique()
    # the same activities: the task names of the export are the step names of our log
    assert set(theirs["concept:name"]) <= set(ours["concept:name"])
    f = fidelity(ours, theirs)
    print(f"\n{j.id}: median lead {f.lead_median_real / 60:.1f} h ours, "
          f"{f.lead_median_simulated / 60:.1f} h Prosimos ({f.lead_median_error:+.1%}); "
          f"p90 {f.lead_p90_error:+.1%}; cycle-time distance {f.cycle_time_relative:.1%} "
          f"of the median; 2-gram {f.ngram_2:.3f}")
    if variant is always_open:  # the semantics coincide: the medians must agree
        assert abs(f.lead_median_error) <= 0.10
    else:
        # Office hours: a service running at closing ends past it in odsc and is paused
        # until the next opening in Prosimos. Lead times then bunch by the night a case
        # ends in, and a median between two bunches can jump from one to the other
        # (family-book-one-door: 71 h against 90 h, with p90 +1%): the whole
        # distribution (Wasserstein distance) and the p90 are held to 10% instead.
        assert f.cycle_time_relative <= 0.10
        assert abs(f.lead_p90_error) <= 0.10
    assert f.ngram_2 <= 0.05  # the same routing: branch and rework frequencies agree


@pytest.mark.parametrize("name", catalog_names())
def test_catalogue_journeys_run_in_prosimos(name: str, tmp_path: Path, prosimos_ready: None) -> None:
    j = load_catalog(name)
    ours, theirs = _run_both(j, tmp_path)
    f = fidelity(ours, theirs)
    _, lossy = to_prosimos(j)
    print(f"\n{name}: median lead {f.lead_median_real / 1440:.1f} d ours, "
          f"{f.lead_median_simulated / 1440:.1f} d Prosimos ({f.lead_median_error:+.1%}); "
          f"p90 {f.lead_p90_error:+.1%}; 2-gram {f.ngram_2:.3f}; lossy: {len(lossy)} items")
    # every case Prosimos ran went through the same steps as ours could
    assert set(theirs["concept:name"]) <= set(ours["concept:name"])
    # 2-gram distance of the journeys as they are, where the lossy rules (visits, closing,
    # couriers) reorder the steps of parallel branches: 0.001 to 0.020, and 0.051 for
    # land-title-one-door (0.057 and 0.049 with seeds 8 and 9), against 0.01 to 0.03 between
    # two seeds of our own engine on its 141 cases
    assert f.ngram_2 <= 0.06
    assert lossy  # what Prosimos cannot express is said
