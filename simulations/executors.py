"""Where replications run: one small interface over a process pool and Dask.

:func:`map_tasks` applies a picklable function to a list of tasks and returns
the results **in task order**, whatever the backend:

* ``jobs=1``: in this process (no pool);
* ``jobs=N`` (default: the number of CPUs): a local process pool;
* ``scheduler="tcp://host:8786"``: an existing Dask distributed cluster;
* ``dask_local=N``: an in-process Dask ``LocalCluster`` with N worker processes,
  started and closed around the call.

Every task carries its own seed, so results do not depend on the backend nor on
the order in which workers finish. A progress bar over tasks is drawn on a
terminal when ``progress=True``.

The workers of an existing Dask cluster must have this package installed (the
same version): tasks refer to its functions by name.

Examples
--------
>>> map_tasks(abs, [-3, 2, -1], jobs=1)
[3, 2, 1]
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from journeys.errors import InputError

__all__ = ["CONNECT_TIMEOUT", "ExecutorError", "cpu_count", "map_tasks"]

#: How long to try to reach an existing Dask scheduler before giving up.
CONNECT_TIMEOUT: str = "3s"

T = TypeVar("T")
R = TypeVar("R")


class ExecutorError(InputError):
    """A backend option that cannot work (bad job count, unreachable scheduler)."""


def cpu_count() -> int:
    """CPUs this process may run on (its affinity where the OS tells it).

    Examples
    --------
    >>> cpu_count() >= 1
    True
    """
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _positive(name: str, value: object) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ExecutorError(f"{name} must be a whole number >= 1, got {value!r}")


def _bar(total: int, progress: bool, desc: str):  # type: ignore[no-untyped-def]
    from tqdm import tqdm

    show = progress and sys.stderr.isatty()
    return tqdm(total=total, desc=desc, disable=not show, file=sys.stderr, leave=False)


def map_tasks(
    func: Callable[[T], R],
    tasks: Sequence[T],
    *,
    jobs: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    progress: bool = False,
    desc: str = "replications",
) -> list[R]:
    """Apply ``func`` to every task; results in task order.

    Parameters
    ----------
    func : callable
        A module-level (picklable) function of one task.
    tasks : sequence
        The tasks; each should carry its own seed.
    jobs : int, optional
        Local worker processes; 1 runs in this process. Default: CPUs available.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:port``).
    dask_local : int, optional
        Start an in-process Dask LocalCluster with this many worker processes.
    progress : bool
        Draw a progress bar on standard error when it is a terminal.

    Raises
    ------
    ExecutorError
        For ``jobs < 1``, both Dask options at once, or a scheduler that cannot be reached.
    """
    if scheduler is not None and dask_local is not None:
        raise ExecutorError("give either a scheduler address or dask_local, not both")
    _positive("jobs", jobs)
    _positive("dask_local", dask_local)
    tasks = list(tasks)
    if scheduler is not None or dask_local is not None:
        return _map_dask(func, tasks, scheduler, dask_local, progress, desc)
    n = jobs if jobs is not None else cpu_count()
    n = max(1, min(n, len(tasks)))
    with _bar(len(tasks), progress, desc) as bar:
        if n == 1:
            out = []
            for t in tasks:
                out.append(func(t))
                bar.update()
            return out
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # "spawn" would re-import the world in every worker; "fork" is safe here
        # because workers only run pure simulation functions.
        ctx = mp.get_context("fork") if sys.platform.startswith("linux") else None
        with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
            out = []
            for r in pool.map(func, tasks, chunksize=1):
                out.append(r)
                bar.update()
            return out


def _map_dask(
    func: Callable[[Any], Any],
    tasks: list[Any],
    scheduler: str | None,
    dask_local: int | None,
    progress: bool,
    desc: str,
) -> list[Any]:
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:  # pragma: no cover - the dask extra is not installed
        raise ExecutorError("Dask is not installed: pip install 'odsc-journeys[dask]'") from None

    cluster = None
    try:
        if scheduler is not None:
            try:
                client = Client(scheduler, timeout=CONNECT_TIMEOUT)
            except Exception as e:  # noqa: BLE001 - any failure to connect is the user's address
                why = str(e).splitlines()[0][:120] if str(e) else type(e).__name__
                raise ExecutorError(
                    f"scheduler {scheduler}: cannot reach the Dask scheduler ({why})"
                ) from None
        else:
            cluster = LocalCluster(
                n_workers=dask_local,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,
            )
            client = Client(cluster)
        with client:
            futures = client.map(func, tasks, pure=False)
            with _bar(len(tasks), progress, desc) as bar:
                for _ in as_completed(futures):
                    bar.update()
            return client.gather(futures)
    finally:
        if cluster is not None:
            cluster.close()
