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

``on_result(i, result)``, when given, is called in the calling process as each
task finishes (in the order they finish, not task order): this is how a caller
saves finished work as it comes, e.g. the checkpoint of
:func:`simulations.programme_run.run_programme`. On Dask, a task whose worker
dies is handed to another worker by the scheduler (up to its
``distributed.scheduler.allowed-failures`` deaths); ``retries`` also re-runs a
task that raised.

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
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from journeys.errors import InputError

__all__ = ["CONNECT_TIMEOUT", "ExecutorError", "cpu_count", "dask_client", "map_tasks"]

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
    on_result: Callable[[int, R], None] | None = None,
    retries: int = 0,
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
    on_result : callable, optional
        Called as ``on_result(index, result)`` in this process as each task finishes.
    retries : int
        On Dask: times a task that raised is run again before the error is given.

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
        return _map_dask(func, tasks, scheduler, dask_local, progress, desc, on_result, retries)
    n = jobs if jobs is not None else cpu_count()
    n = max(1, min(n, len(tasks)))
    with _bar(len(tasks), progress, desc) as bar:
        if n == 1:
            out = []
            for i, t in enumerate(tasks):
                out.append(func(t))
                if on_result is not None:
                    on_result(i, out[-1])
                bar.update()
            return out
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # "spawn" would re-import the world in every worker; "fork" is safe here
        # because workers only run pure simulation functions.
        ctx = mp.get_context("fork") if sys.platform.startswith("linux") else None
        with ProcessPoolExecutor(max_workers=n, mp_context=ctx) as pool:
            if on_result is not None:
                return _pool_as_completed(pool, func, tasks, bar, on_result)
            out = []
            for r in pool.map(func, tasks, chunksize=1):
                out.append(r)
                bar.update()
            return out


def _pool_as_completed(pool: Any, func: Callable[[Any], Any], tasks: list[Any], bar: Any,
                       on_result: Callable[[int, Any], None]) -> list[Any]:  # fmt: skip
    """Submit every task to ``pool``; report each result as it finishes; task order out."""
    from concurrent.futures import as_completed

    futures = {pool.submit(func, t): i for i, t in enumerate(tasks)}
    out: list[Any] = [None] * len(tasks)
    for f in as_completed(futures):
        i = futures[f]
        out[i] = f.result()
        on_result(i, out[i])
        bar.update()
    return out


@contextmanager
def dask_client(
    scheduler: str | None = None,
    dask_local: int | None = None,
    *,
    memory_limit: str | int | None = None,
) -> Iterator[Any]:
    """A Dask ``Client`` of an existing scheduler or of a LocalCluster started here.

    ``dask_local=N`` starts N worker processes of one thread each (with
    ``memory_limit`` per worker when given, Dask's default otherwise) and
    closes them on exit; ``scheduler`` connects to a running cluster within
    :data:`CONNECT_TIMEOUT`.

    Raises
    ------
    ExecutorError
        Both options or neither, a count below 1, Dask missing, or a
        scheduler that cannot be reached (one line naming the address).
    """
    if scheduler is not None and dask_local is not None:
        raise ExecutorError("give either a scheduler address or dask_local, not both")
    if scheduler is None and dask_local is None:
        raise ExecutorError("give a scheduler address or dask_local")
    _positive("dask_local", dask_local)
    try:
        from distributed import Client, LocalCluster
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
            extra = {} if memory_limit is None else {"memory_limit": memory_limit}
            cluster = LocalCluster(
                n_workers=dask_local,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=50,  # a worker that dies or a late heartbeat at close is not the user's error
                **extra,
            )
            client = Client(cluster)
        with client:
            yield client
    finally:
        if cluster is not None:
            cluster.close()


def _map_dask(
    func: Callable[[Any], Any],
    tasks: list[Any],
    scheduler: str | None,
    dask_local: int | None,
    progress: bool,
    desc: str,
    on_result: Callable[[int, Any], None] | None = None,
    retries: int = 0,
) -> list[Any]:
    from distributed import as_completed

    with dask_client(scheduler, dask_local) as client:
        futures = client.map(func, tasks, pure=False, retries=retries)
        index = {f.key: i for i, f in enumerate(futures)}
        with _bar(len(tasks), progress, desc) as bar:
            for f in as_completed(futures):
                if on_result is not None:
                    on_result(index[f.key], f.result())
                bar.update()
        return client.gather(futures)
