"""Event logs in, findings out: process mining of ODSC logs with pandas and pm4py."""

from analysis.schema import (
    ACTIVITY,
    AGENCY,
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
    "CASE",
    "DOOR",
    "PRESENT",
    "RESOURCE",
    "START",
    "TIMESTAMP",
    "UNKNOWN_AGENCY",
    "LogError",
]
