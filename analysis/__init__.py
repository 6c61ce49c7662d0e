"""Event logs in, findings out: process mining of ODSC logs with pandas and pm4py."""

from analysis.before_after import BeforeAfter, before_after, split_at
from analysis.calibrate import boundary_steps, calibrate, calibration_notes, fit_distribution
from analysis.fidelity import Fidelity, fidelity
from analysis.filters import LogFilters, apply_filters
from analysis.kpis import case_kpis, event_times, has_start_times, summarize
from analysis.logs import read_log
from analysis.ocel import flatten_ocel
from analysis.queues import queue_waits
from analysis.recommend import Recommendation, desk_load, recommend
from analysis.schema import (
    ACTIVITY,
    AGENCY,
    ARRIVAL,
    CASE,
    DOOR,
    PRESENT,
    RESOURCE,
    START,
    TIMESTAMP,
    UNKNOWN_AGENCY,
    LogError,
)

__all__ = [
    "ACTIVITY",
    "AGENCY",
    "ARRIVAL",
    "CASE",
    "DOOR",
    "PRESENT",
    "RESOURCE",
    "START",
    "TIMESTAMP",
    "UNKNOWN_AGENCY",
    "BeforeAfter",
    "Fidelity",
    "LogFilters",
    "Recommendation",
    "LogError",
    "apply_filters",
    "before_after",
    "boundary_steps",
    "calibrate",
    "calibration_notes",
    "case_kpis",
    "desk_load",
    "event_times",
    "fidelity",
    "fit_distribution",
    "flatten_ocel",
    "has_start_times",
    "queue_waits",
    "read_log",
    "recommend",
    "split_at",
    "summarize",
]
