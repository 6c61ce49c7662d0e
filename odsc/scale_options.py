"""The options of the scale engine's commands: which engine, and where its partitions run.

:func:`engine_option` adds ``--engine auto|pandas|scale``; :func:`scale_options`
adds the Dask options, spelled as ``odsc programme`` spells them:

* ``--scheduler ADDRESS``: run the partitions on an existing Dask cluster
  (``tcp://host:port``); its workers need this package and the Parquet files
  at the same path;
* ``--dask-local N``: start a LocalCluster of N worker processes (one thread
  each) for the run, and close it after;
* ``--buckets N``: how many hash buckets of cases the log is split into
  (default: 4 per worker thread on Dask, :data:`analysis.scale.distributed.BUCKETS_PER_WORKER`;
  the whole log at once without Dask);
* ``--worker-memory SIZE``: each Dask worker's memory (e.g. ``4GB``): the
  LocalCluster's limit per worker, and DuckDB's limit in each task is half
  of it (the bucket's events, built by polars, live in the other half).

The rule of ``--engine auto`` (:func:`choose_engine`): the scale engine when LOG
is a folder holding Parquet files or a glob matching only Parquet files, and
no option needs the pandas engine; pandas otherwise. Every mistake is one line
and exit status 2, before anything is read or started (:func:`check_scale`):
both Dask options, a count below 1, a size that is no size, Dask options
without the scale engine; an unreachable scheduler fails when connecting.
:func:`scale_parts` yields the ``parts`` of
:func:`analysis.scale.mine_source` and :func:`analysis.scale.monitor.monitor_source`.

Examples
--------
>>> check_scale(scheduler=None, dask_local=0)
Traceback (most recent call last):
...
journeys.errors.InputError: --dask-local must be >= 1, got 0
>>> with scale_parts(buckets=3) as parts:
...     parts
3
"""

from __future__ import annotations

import glob as globbing
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:  # pragma: no cover
    from analysis.scale.mine import PartsRunner

__all__ = [
    "ENGINES",
    "MAX_BUCKETS",
    "check_scale",
    "choose_engine",
    "dask_given",
    "engine_option",
    "is_parquet_set",
    "parse_size",
    "pandas_only_columns",
    "scale_options",
    "scale_parts",
]

#: The values of ``--engine``.
ENGINES: tuple[str, ...] = ("auto", "pandas", "scale")

#: The most hash buckets a run takes (each is one task opening the log).
MAX_BUCKETS = 100_000


def engine_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--engine auto|pandas|scale`` (parameter ``engine``)."""
    return click.option(
        "--engine",
        type=click.Choice(list(ENGINES)),
        default="auto",
        show_default=True,
        help="pandas reads the log into memory; scale reads Parquet written by odsc convert "
        "out of core (auto: scale for a folder or glob of Parquet files, unless an option "
        "needs pandas).",
    )(f)


def scale_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--scheduler``, ``--dask-local``, ``--buckets`` and ``--worker-memory``."""
    f = click.option("--worker-memory", default=None, metavar="SIZE",
                     help="Memory of each Dask worker, e.g. 4GB (DuckDB gets half of it in "
                          "each task).")(f)  # fmt: skip
    f = click.option("--buckets", type=int, default=None, metavar="N",
                     help="Hash buckets of cases the log is split into [4 per Dask worker;"
                          " none without Dask].")(f)  # fmt: skip
    f = click.option("--dask-local", type=int, default=None, metavar="N",
                     help="Run the scale engine on an in-process Dask LocalCluster with N "
                          "worker processes.")(f)  # fmt: skip
    f = click.option("--scheduler", default=None, metavar="ADDRESS",
                     help="Run the scale engine on an existing Dask cluster (tcp://host:port);"
                          " its workers need this package and the files at the same path.")(f)  # fmt: skip
    return f


def dask_given(
    *, scheduler: str | None = None, dask_local: int | None = None,
    buckets: int | None = None, worker_memory: str | None = None,
) -> list[str]:  # fmt: skip
    """The options of :func:`scale_options` that were given, as typed.

    Examples
    --------
    >>> dask_given(dask_local=2, buckets=8)
    ['--dask-local 2', '--buckets 8']
    """
    given = {"--scheduler": scheduler, "--dask-local": dask_local, "--buckets": buckets,
             "--worker-memory": worker_memory}  # fmt: skip
    return [f"{k} {v}" for k, v in given.items() if v is not None]


def check_scale(
    *, scheduler: str | None = None, dask_local: int | None = None,
    buckets: int | None = None, worker_memory: str | None = None,
) -> int | None:  # fmt: skip
    """Refuse bad Dask options (one line each); the worker memory in bytes, if given.

    Raises
    ------
    journeys.errors.InputError
        Both ``--scheduler`` and ``--dask-local``, an empty address, a count
        out of range, a size that is not one, ``--worker-memory`` without Dask.
    """
    from journeys.errors import InputError
    from odsc.cli_simulate import _check_whole
    from odsc.limits import MAX_JOBS

    if scheduler is not None and dask_local is not None:
        raise InputError("give either --scheduler or --dask-local, not both")
    if scheduler is not None and not scheduler.strip():
        raise InputError("--scheduler: empty address (give tcp://host:port)")
    _check_whole("--dask-local", dask_local, 1, MAX_JOBS)
    _check_whole("--buckets", buckets, 1, MAX_BUCKETS)
    if worker_memory is None:
        return None
    if scheduler is None and dask_local is None:
        raise InputError("--worker-memory needs --scheduler or --dask-local")
    size = parse_size(worker_memory)
    if size is None or size < 2**20:
        raise InputError(
            f"--worker-memory: not a size of at least 1MiB such as 4GB or 512MiB, "
            f"got {worker_memory!r}"
        )
    return size


def pandas_only_columns(columns: dict[str, str | None]) -> list[str]:
    """The column options (``case``, ``agency``, ...) naming other than the canonical column.

    The scale engine reads canonical Parquet: renaming a column needs pandas.

    Examples
    --------
    >>> pandas_only_columns({"case": "case:concept:name", "agency": "department", "door": None})
    ['--agency department']
    """
    from analysis.schema import ACTIVITY, AGENCY, CASE, DOOR, RESOURCE, START, TIMESTAMP

    canonical = {"case": CASE, "activity": ACTIVITY, "timestamp": TIMESTAMP, "start": START,
                 "resource": RESOURCE, "agency": AGENCY, "door": DOOR}  # fmt: skip
    return [f"--{k} {v}" for k, v in columns.items() if v is not None and v != canonical.get(k)]


_UNITS = {"": 1, "b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
          "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40}  # fmt: skip


def parse_size(text: str) -> int | None:
    """Bytes of a size such as ``4GB``, ``512 MiB`` or ``2e9`` (None when it is none).

    Examples
    --------
    >>> parse_size("4GB"), parse_size("1.5 GiB"), parse_size("lots")
    (4000000000, 1610612736, None)
    """
    import re

    m = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]*)?(?:e[0-9]+)?)\s*([a-z]*)\s*", text.lower())
    if m is None or m.group(2) not in _UNITS:
        return None
    return int(float(m.group(1)) * _UNITS[m.group(2)])


def is_parquet_set(log: str | os.PathLike[str]) -> bool:
    """Whether LOG is a folder holding Parquet files or a glob matching only Parquet files.

    Examples
    --------
    >>> is_parquet_set("receipt.csv"), is_parquet_set("no/such/*.parquet")
    (False, False)
    """
    text = os.fspath(log)
    if any(ch in text for ch in "*?["):
        files = [f for f in globbing.glob(text, recursive=True) if os.path.isfile(f)]
        return bool(files) and all(f.lower().endswith(".parquet") for f in files)
    path = Path(text)
    return path.is_dir() and any(p.is_file() for p in path.rglob("*.parquet"))


def choose_engine(
    log: str | os.PathLike[str],
    engine: str,
    *,
    pandas_only: Sequence[str] = (),
    dask: Sequence[str] = (),
) -> str:
    """``"scale"`` or ``"pandas"`` for LOG (the rule: module docstring).

    Parameters
    ----------
    log : str or path
        LOG as given.
    engine : {"auto", "pandas", "scale"}
        The ``--engine`` option.
    pandas_only : sequence of str
        Options given that only the pandas engine honours, as typed.
    dask : sequence of str
        The Dask options given (:func:`dask_given`).

    Raises
    ------
    journeys.errors.InputError
        ``--engine scale`` with a pandas-only option, or Dask options when the
        engine is pandas (one line naming the option).

    Examples
    --------
    >>> choose_engine("log.csv", "auto")
    'pandas'
    >>> choose_engine("log.csv", "auto", dask=["--dask-local 2"])
    Traceback (most recent call last):
    ...
    journeys.errors.InputError: --dask-local 2: Dask runs the scale engine only; LOG log.csv is not a folder or glob of Parquet files (odsc convert writes one; or --engine scale)
    """
    from journeys.errors import InputError

    if engine == "scale":
        if pandas_only:
            raise InputError(
                f"{pandas_only[0]}: the scale engine cannot honour this option; use --engine pandas"
            )
        return "scale"
    if engine == "auto" and not pandas_only and is_parquet_set(log):
        return "scale"
    if dask:
        if engine == "pandas":
            why = "not with --engine pandas"
        elif pandas_only:
            why = f"and {pandas_only[0]} needs the pandas engine"
        else:
            why = (f"LOG {os.fspath(log)} is not a folder or glob of Parquet files (odsc "
                   "convert writes one; or --engine scale)")  # fmt: skip
        raise InputError(f"{dask[0]}: Dask runs the scale engine only; {why}")
    return "pandas"


@contextmanager
def scale_parts(
    *, scheduler: str | None = None, dask_local: int | None = None,
    buckets: int | None = None, worker_memory: str | None = None,
) -> Iterator[int | PartsRunner | None]:  # fmt: skip
    """The ``parts`` of the scale engine for these options; a LocalCluster is closed on exit.

    Without Dask: ``buckets`` (None: the whole log at once). With
    ``dask_local`` or ``scheduler``: a :class:`analysis.scale.distributed.DaskParts`
    on a client of that cluster.

    Raises
    ------
    journeys.errors.InputError
        As :func:`check_scale`; a scheduler that cannot be reached.
    """
    size = check_scale(scheduler=scheduler, dask_local=dask_local, buckets=buckets,
                       worker_memory=worker_memory)  # fmt: skip
    if scheduler is None and dask_local is None:
        yield buckets
        return
    from analysis.scale.distributed import DaskParts
    from simulations.executors import dask_client

    duck = None if size is None else f"{max(1, size // 2**21)}MiB"
    with dask_client(scheduler, dask_local, memory_limit=size) as client:
        yield DaskParts(client, buckets=buckets, memory_limit=duck)
