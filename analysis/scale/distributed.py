"""Mine on a Dask cluster: the partitions of :func:`analysis.scale.mine_source` on workers.

:class:`DaskParts` is a :data:`analysis.scale.mine.PartsRunner`: it splits a
log into ``buckets`` hash buckets of cases and sends one task per bucket to
the workers of a Dask ``Client``. Each task opens the Parquet source on its
worker (:func:`analysis.scale.source.open_log`), builds its bucket's event
table ``ev`` (:func:`analysis.scale.events.build_events` with
``bucket=(k, n)``, the fixed-seed hash of the case id) and runs the partials
(:func:`analysis.scale.partials.run_partials`); what comes back is small Arrow
tables of per-partition aggregates, never events. The calling process merges
them (:func:`analysis.scale.partials.combine`).

Rules decided here:

Exactness
    A case lies wholly in one bucket, and the merge adds integers, takes
    minimums and maximums or stacks per-case rows, so the result is the one
    of ``mine_source(parts=None)``, bit for bit, whatever the number of
    buckets, the workers or the order tasks finish in.
Buckets
    By default :data:`BUCKETS_PER_WORKER` (4) buckets per worker thread of
    the cluster when the run starts: small enough tasks that a slow or lost
    worker costs a quarter of its share, few enough that each task's opening
    of the source (a scan of its metadata and checks) stays a small part of
    the work.
Workers that die
    Tasks are pure (a bucket's partials depend only on the files and the
    options), so the scheduler re-runs the tasks of a worker that died on
    another worker (up to Dask's ``distributed.scheduler.allowed-failures``);
    ``retries`` also re-runs a task that raised.
Where the files are
    Every worker reads the source by its path, made absolute here: on a
    cluster beyond this machine, the Parquet files must be at the same path
    on every worker (a shared file system), and the workers must run the
    same versions of this package and of polars (the bucket hash).

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> pd.DataFrame({"case:concept:name": ["c1", "c1", "c2"], "concept:name": ["a", "b", "a"],
...     "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00",
...         "2024-01-01 08:00"], utc=True)}).to_parquet(folder / "log.parquet")
>>> from analysis.scale.cases import case_kpi_partials
>>> _, log = open_log(folder)
>>> one = run_bucket(Bucket(str(folder), tuple(case_kpi_partials(log)), (), k=0, n=1))
>>> sorted(one["case_kpis"].column("events").to_pylist())
[1, 2]
>>> default_buckets(None)
4
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analysis.scale.events import build_events
from analysis.scale.partials import Partial, run_partials
from analysis.scale.source import connect, open_log

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

__all__ = ["BUCKETS_PER_WORKER", "Bucket", "DaskParts", "default_buckets", "run_bucket"]

#: Hash buckets of cases per worker thread when the run does not say how many.
BUCKETS_PER_WORKER = 4


@dataclass(frozen=True)
class Bucket:
    """One task: bucket ``k`` of ``n`` of the source, and the partials to run on it.

    ``memory_limit`` is DuckDB's limit in the task (it spills beyond), e.g.
    ``"2GB"``; ``threads`` its threads (one per task: a worker thread runs a task).
    """

    source: str
    partials: tuple[Partial, ...]
    keep: tuple[str, ...]
    k: int
    n: int
    memory_limit: str | None = None
    threads: int = 1


def run_bucket(task: Bucket) -> dict[str, pa.Table]:
    """Run one bucket's partials on this process (a worker): Arrow tables by name."""
    con, log = open_log(task.source, con=connect(memory_limit=task.memory_limit,
                                                 threads=task.threads))  # fmt: skip
    try:
        build_events(con, log, keep=task.keep, bucket=(task.k, task.n))
        return run_partials(con, task.partials)
    finally:
        con.close()


def default_buckets(client: Any) -> int:
    """:data:`BUCKETS_PER_WORKER` per worker thread of ``client``'s cluster (at least 4).

    ``None`` (no client) counts as one worker thread.
    """
    threads = 0
    if client is not None:
        workers = client.scheduler_info().get("workers", {})
        threads = sum(int(w.get("nthreads", 1)) for w in workers.values())
    return BUCKETS_PER_WORKER * max(1, threads)


def _absolute(source: str) -> str:
    """The source as every worker must read it: an absolute path (globs too)."""
    return source if os.path.isabs(source) else os.path.abspath(source)


@dataclass(frozen=True)
class DaskParts:
    """A :data:`~analysis.scale.mine.PartsRunner` running the buckets on Dask workers.

    Attributes
    ----------
    client : distributed.Client
        A client of the cluster (its owner closes it).
    buckets : int, optional
        Hash buckets of cases; :func:`default_buckets` of the cluster by default.
    memory_limit : str, optional
        DuckDB's memory limit in each task.
    retries : int
        Times a task that raised is run again (a task whose worker died is
        re-run by the scheduler anyway).
    """

    client: Any
    buckets: int | None = None
    memory_limit: str | None = None
    retries: int = 1

    def __call__(
        self, source: str, partials: Sequence[Partial], keep: tuple[str, ...]
    ) -> list[dict[str, pa.Table]]:
        """Run every bucket's partials on the workers; the results in bucket order."""
        n = self.buckets or default_buckets(self.client)
        if n < 1:
            raise ValueError(f"buckets must be >= 1, got {n}")
        path = _absolute(os.fspath(source))
        tasks = [Bucket(path, tuple(partials), tuple(keep), k, n, self.memory_limit)
                 for k in range(n)]  # fmt: skip
        futures = self.client.map(run_bucket, tasks, pure=False, retries=self.retries)
        return list(self.client.gather(futures))
