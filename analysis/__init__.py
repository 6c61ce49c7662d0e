"""Event logs in, findings out: process mining of ODSC logs with pandas and pm4py."""

from analysis.calibrate import boundary_steps, calibrate, calibration_notes, fit_distribution
from analysis.fidelity import Fidelity, fidelity
from analysis.kpis import case_kpis, event_times, has_start_times, summarize
from analysis.logs import read_log
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
    "LogError",
    "boundary_steps",
    "calibrate",
    "calibration_notes",
    "case_kpis",
    "event_times",
    "fidelity",
    "fit_distribution",
    "has_start_times",
    "read_log",
    "summarize",
]
