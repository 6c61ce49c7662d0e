"""The scale engine: mining national logs (tens of millions of events) over Parquet.

DuckDB computes the per-event work out of core (:mod:`analysis.scale.events`)
and the mergeable aggregates of every table; pandas keeps only the small
tables the report renders.
"""

from analysis.scale.events import build_events
from analysis.scale.mine import mine_source
from analysis.scale.source import ScaleLog, connect, open_log, parquet_files

__all__ = ["ScaleLog", "build_events", "connect", "mine_source", "open_log", "parquet_files"]
