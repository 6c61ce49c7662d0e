"""Event logs in, findings out: process mining of ODSC logs with pandas and pm4py."""

from analysis.calibrate import boundary_steps, calibrate, calibration_notes, fit_distribution
from analysis.fidelity import Fidelity, fidelity
from analysis.kpis import case_kpis, event_times, has_start_times, summarize
from analysis.logs import read_log
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
    "Fidelity",
    "Recommendation",
    "LogError",
    "boundary_steps",
    "calibrate",
    "calibration_notes",
    "case_kpis",
    "desk_load",
    "event_times",
    "fidelity",
    "fit_distribution",
    "has_start_times",
    "queue_waits",
    "read_log",
    "recommend",
    "summarize",
]
