"""Every flow table of the report on the scale engine, as :func:`analysis.mining.mine` has them.

:func:`flow_partials` lists the partials of the agency and resource handoffs,
ping-pong, variants, rework and wait causes (each distinct partial once, for
one list a runner ships), and :func:`flow_tables` finishes them into the
tables of a :class:`analysis.mining.MiningResult`: ``handoffs`` (with the
likely cause of each pair's delays), ``handoff_matrix``,
``resource_handoffs``, ``pingpongs``, ``variants``, ``rework`` and, with
``by``, the grouped handoff, ping-pong, variant and rework tables.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from analysis.scale.source import open_log
>>> from analysis.scale.events import build_events
>>> from analysis.scale.partials import combine, run_partials
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame({"case:concept:name": ["c1", "c1", "c2", "c2"],
...     "concept:name": ["a", "b", "a", "b"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00",
...         "2024-01-01 08:00", "2024-01-01 12:00"], utc=True),
...     "org:group": ["x", "y", "x", "y"]}).to_parquet(folder / "log.parquet")
>>> con, log = open_log(folder)
>>> build_events(con, log)
>>> parts = flow_partials(log)
>>> combine(con, [run_partials(con, parts)], parts)
>>> t = flow_tables(con, log)
>>> t["handoffs"][["source", "target", "count", "delay_median", "cause"]]
  source target  count  delay_median    cause
0      x      y      2         150.0  handoff
>>> t["variants"][["variant", "cases"]]
  variant  cases
0  a -> b      2
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from analysis.scale import causes, flows
from analysis.scale import variants as paths
from analysis.scale.partials import Partial
from analysis.scale.source import ScaleLog

if TYPE_CHECKING:  # pragma: no cover
    import duckdb

__all__ = ["flow_partials", "flow_tables"]


def flow_partials(log: ScaleLog, *, by: str | None = None) -> list[Partial]:
    """The partials of every flow table (and, with ``by``, of the grouped ones), once each."""
    parts = flows.handoffs_partials(log) + flows.pingpongs_partials(log)
    if log.has_resource:
        parts += flows.handoffs_partials(log, level="resource")
    parts += paths.variants_partials(log) + paths.rework_partials(log)
    parts += causes.causes_partials(log)
    if by:
        parts += flows.handoffs_partials(log, by=by) + flows.pingpongs_partials(log, by=by)
        parts += paths.variants_partials(log, by=by) + paths.rework_partials(log, by=by)
    return list({p.name: p for p in parts}.values())


def flow_tables(
    con: duckdb.DuckDBPyConnection,
    log: ScaleLog,
    *,
    by: str | None = None,
    top_variants: int = 10,
    activities: pd.DataFrame | None = None,
) -> dict[str, object]:
    """The finished flow tables from the merged :func:`flow_partials`.

    Parameters
    ----------
    con : duckdb connection
        Holding the ``c_*`` tables.
    log : ScaleLog
    by : str, optional
        Adds ``grouped`` (a dict: ``handoffs``, ``pingpongs``, ``variants``,
        ``rework`` by that column).
    top_variants : int
        How many variants to keep (per group).
    activities : pandas.DataFrame, optional
        The activity table, returned as ``activities`` with the cause of its
        waits (:func:`analysis.scale.causes.with_causes_finish`).

    Returns
    -------
    dict
        ``handoffs, handoff_matrix, resource_handoffs, pingpongs, variants,
        rework, activities, grouped``. Without resources the resource table is
        the empty one :func:`analysis.mining.mine` gives.
    """
    from analysis.handoffs import handoff_matrix
    from analysis.mining import _empty_handoffs

    acts = activities if activities is not None else pd.DataFrame({"activity": []})
    acts, hand = causes.with_causes_finish(con, log, acts, flows.handoffs_finish(con, log))
    out: dict[str, object] = {
        "handoffs": hand,
        "handoff_matrix": handoff_matrix(hand) if len(hand) else pd.DataFrame(),
        "resource_handoffs": (
            flows.handoffs_finish(con, log, level="resource")
            if log.has_resource
            else _empty_handoffs()
        ),
        "pingpongs": flows.pingpongs_finish(con, log),
        "variants": paths.variants_finish(con, log, top=top_variants),
        "rework": paths.rework_finish(con, log),
        "activities": acts if activities is not None else None,
        "grouped": {},
    }
    if by:
        out["grouped"] = {
            "handoffs": flows.handoffs_finish(con, log, by=by),
            "pingpongs": flows.pingpongs_finish(con, log, by=by),
            "variants": paths.variants_finish(con, log, top=top_variants, by=by),
            "rework": paths.rework_finish(con, log, by=by),
        }
    return out
