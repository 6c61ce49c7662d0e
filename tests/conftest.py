"""Shared by every test module: the real logs, each read once per test run.

The largest real log (BPI Challenge 2012, 262,200 events) takes seconds to
read, and several modules compare tables of it; :func:`real_log` reads each
file once with :func:`analysis.logs.read_log` and hands every test a copy (its
notes in ``attrs`` too), so a test that changes its frame changes no other's.
:func:`real_xes` does the same for :func:`analysis.xes_stream.read_xes`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

__all__ = ["real_log", "real_xes"]


def _cached(read: Callable[[Path], pd.DataFrame]) -> Callable[[Path], pd.DataFrame]:
    cache: dict[Path, pd.DataFrame] = {}

    def get(path: Path) -> pd.DataFrame:
        path = Path(path).resolve()
        if not path.exists():
            pytest.skip(f"{path.name} is not in the shared data")
        if path not in cache:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # the reader's notes on set-aside rows
                cache[path] = read(path)
        return cache[path].copy(deep=True)

    return get


@pytest.fixture(scope="session")
def real_log() -> Callable[[Path], pd.DataFrame]:
    """path -> ``read_log(path)``, read on first use, a fresh copy each call."""
    from analysis.logs import read_log

    return _cached(read_log)


@pytest.fixture(scope="session")
def real_xes() -> Callable[[Path], pd.DataFrame]:
    """path -> ``read_xes(path)``, read on first use, a fresh copy each call."""
    from analysis.xes_stream import read_xes

    return _cached(read_xes)
