"""The synthetic log of the mining benchmark, generated in blocks and written to Parquet.

See ``bench/bench_mining.py``: :func:`make_log` is the whole log in memory (for
small sizes and the other benchmarks); :func:`iter_chunks` and
:func:`write_dataset` generate any size chunk by chunk, straight to a
hive-partitioned folder and one file, so 50 million events are never held in
memory (the process peaks at about 0.5 GB whatever the size).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "ACTIVITIES",
    "AGENCIES",
    "BLOCK_CASES",
    "GENERATOR_VERSION",
    "Plan",
    "iter_chunks",
    "make_log",
    "plan_log",
    "write_dataset",
    "write_log_dataset",
]

ACTIVITIES = (
    "Register application",
    "Check identity",
    "Check documents",
    "Request missing papers",
    "Police clearance",
    "Land record check",
    "Environmental check",
    "Tax registration",
    "Fee assessment",
    "Pay fee",
    "Approve",
    "Hand over certificate",
)
AGENCIES = ("Front office", "Home Affairs", "Police", "Natural Resources", "Finance")
# The agency of each activity (index into AGENCIES).
_AGENCY_OF = np.array([0, 0, 1, 0, 2, 3, 3, 4, 4, 4, 1, 0])
_CLERKS_PER_AGENCY = 8
#: Cases per random block: each block draws from its own stream, so any chunking of
#: the blocks gives the same log.
BLOCK_CASES = 10_000
#: Bumped whenever the generated log changes, so cached data is never reused wrongly.
GENERATOR_VERSION = 2
_T0 = np.datetime64("2024-01-01T00:00:00", "s")

CASE, ACTIVITY, COMPLETE, START = "case:concept:name", "concept:name", "time:timestamp", "start_timestamp"
AGENCY, RESOURCE = "org:group", "org:resource"

# --- the synthetic log ------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How many cases and events each random block of the log holds.

    Attributes
    ----------
    events, cases, seed : int
    block_cases, block_events : numpy.ndarray
        Per block: its cases and its events (both sum to the totals).
    """

    events: int
    cases: int
    seed: int
    block_cases: np.ndarray
    block_events: np.ndarray

    @property
    def width(self) -> int:
        """Digits of the case numbers (``case-000042``)."""
        return max(6, len(str(self.cases - 1)))


def plan_log(
    events: int, *, cases: int | None = None, seed: int = 42, block_cases: int = BLOCK_CASES
) -> Plan:
    """Split ``events`` over the cases and the cases into random blocks.

    Every case has at least 3 events; the remaining events are spread over
    the cases at random (a multinomial, drawn first over the blocks, then
    within each block: the same law as one draw over all cases).

    Examples
    --------
    >>> p = plan_log(1_000, seed=1, block_cases=40)
    >>> p.cases, p.block_cases.tolist(), int(p.block_events.sum())
    (100, [40, 40, 20], 1000)
    """
    n_cases = cases or max(1, events // 10)
    if events < 3 * n_cases:
        raise ValueError(f"{events} events cannot make {n_cases} cases of at least 3 events")
    sizes = np.full(n_cases // block_cases, block_cases, dtype=np.int64)
    if n_cases % block_cases:
        sizes = np.append(sizes, n_cases % block_cases)
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    extra = rng.multinomial(events - 3 * n_cases, sizes / n_cases)
    return Plan(events, n_cases, seed, sizes, 3 * sizes + extra)


def _block(plan: Plan, b: int) -> pd.DataFrame:
    """The events of block ``b``, from its own random stream."""
    n = int(plan.block_cases[b])
    m = int(plan.block_events[b])
    offset = int(plan.block_cases[:b].sum())
    rng = np.random.default_rng(np.random.SeedSequence(plan.seed, spawn_key=(b,)))
    lengths = rng.multinomial(m - 3 * n, np.full(n, 1.0 / n)) + 3
    case_of = np.repeat(np.arange(n), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    first = np.zeros(m, dtype=bool)
    first[starts] = True

    moves = rng.choice(np.array([1, 2, 0, -1]), size=m, p=[0.70, 0.15, 0.10, 0.05])
    moves[first] = 0
    act = np.clip(_per_case_cumsum(moves, starts, lengths), 0, len(ACTIVITIES) - 1)
    agency = _AGENCY_OF[act]
    clerk = agency * _CLERKS_PER_AGENCY + rng.integers(0, _CLERKS_PER_AGENCY, size=m)

    # Whole seconds: waits exponential (mean 4 h), work exponential (mean 20 min) + 1 min.
    wait = np.rint(rng.exponential(240.0 * 60, size=m)).astype(np.int64)
    wait[first] = 0
    work = np.rint((rng.exponential(20.0, size=m) + 1.0) * 60).astype(np.int64)
    done = _per_case_cumsum(wait + work, starts, lengths)  # seconds since the case began
    begin = rng.integers(0, 365 * 86_400, size=n)[case_of]
    complete = _T0 + (begin + done).astype("timedelta64[s]")
    start = complete - work.astype("timedelta64[s]")

    numbers = np.arange(offset, offset + n).astype(str)
    case_ids = np.char.add("case-", np.char.zfill(numbers, plan.width))
    return pd.DataFrame(
        {
            CASE: case_ids[case_of].astype(object),
            ACTIVITY: np.asarray(ACTIVITIES, dtype=object)[act],
            COMPLETE: pd.DatetimeIndex(complete.astype("datetime64[ns]")).tz_localize("UTC"),
            START: pd.DatetimeIndex(start.astype("datetime64[ns]")).tz_localize("UTC"),
            AGENCY: np.asarray(AGENCIES, dtype=object)[agency],
            RESOURCE: np.char.add("clerk-", clerk.astype(str)).astype(object),
        }
    )


def _per_case_cumsum(values: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    total = np.cumsum(values)
    before = np.repeat(total[starts] - values[starts], lengths)
    return total - before


def iter_chunks(
    events: int,
    *,
    cases: int | None = None,
    seed: int = 42,
    chunk_events: int = 1_000_000,
    block_cases: int = BLOCK_CASES,
) -> Iterator[pd.DataFrame]:
    """The log of :func:`make_log`, in chunks of whole blocks of about ``chunk_events``.

    Only one chunk is in memory at a time; concatenated, the chunks are
    :func:`make_log` of the same arguments, row for row.

    Examples
    --------
    >>> chunks = list(iter_chunks(1_000, seed=1, chunk_events=300, block_cases=20))
    >>> [len(c) for c in chunks][:2], sum(len(c) for c in chunks)
    ([384, 418], 1000)
    """
    plan = plan_log(events, cases=cases, seed=seed, block_cases=block_cases)
    parts: list[pd.DataFrame] = []
    held = 0
    for b in range(len(plan.block_cases)):
        parts.append(_block(plan, b))
        held += len(parts[-1])
        if held >= chunk_events:
            yield pd.concat(parts, ignore_index=True)
            parts, held = [], 0
    if parts:
        yield pd.concat(parts, ignore_index=True)


def make_log(
    events: int = 1_000_000,
    *,
    cases: int | None = None,
    seed: int = 42,
    block_cases: int = BLOCK_CASES,
) -> pd.DataFrame:
    """A synthetic canonical log with exactly ``events`` rows (vectorised numpy).

    Each case walks the 12 activities mostly forward (one step on 70% of
    moves, a skip on 15%, a repeat on 10%, a step back on 5%); waiting before
    a step is exponential (mean 4 h), processing exponential (mean 20 min)
    plus one minute; times are whole seconds; a case begins at a uniform time
    of 2024. Cases are drawn in blocks of ``block_cases``, each from its own
    random stream (``SeedSequence(seed, spawn_key=(block,))``), so
    :func:`iter_chunks` can write any size chunk by chunk.

    Examples
    --------
    >>> log = make_log(1_000, seed=1)
    >>> len(log), log["case:concept:name"].nunique(), log["org:group"].nunique()
    (1000, 100, 5)
    >>> log.iloc[0][["case:concept:name", "concept:name"]].tolist()
    ['case-000000', 'Register application']
    """
    return pd.concat(
        iter_chunks(events, cases=cases, seed=seed, chunk_events=events, block_cases=block_cases),
        ignore_index=True,
    )


def _months(chunk: pd.DataFrame) -> np.ndarray:
    """``YYYY-MM`` of the first start (or completion) of each event's case: its partition."""
    col = START if START in chunk else COMPLETE
    first = chunk.groupby(CASE, sort=False)[col].min()
    label = first.dt.strftime("%Y-%m").fillna("no-time")
    return chunk[CASE].map(label).to_numpy(dtype=str)


def write_dataset(
    folder: str | os.PathLike[str],
    events: int,
    *,
    seed: int = 42,
    single_file: bool = True,
    chunk_events: int = 1_000_000,
    block_cases: int = BLOCK_CASES,
) -> dict[str, object]:
    """Write the log of :func:`make_log` chunk by chunk: a hive folder and one file.

    Parameters
    ----------
    folder : path
        Created; receives ``hive/month=YYYY-MM/part-KKKKK-0.parquet`` (one
        file per month and chunk) and, with ``single_file``, ``log.parquet``.

    Returns
    -------
    dict
        ``events``, ``cases``, ``files`` (of the hive folder), ``months``,
        ``single_file``, ``seconds`` (generation and writing) and
        ``peak_mb`` (of this process so far).
    """
    t = time.perf_counter()
    chunks = iter_chunks(events, seed=seed, chunk_events=chunk_events, block_cases=block_cases)
    info = _write_chunks(Path(folder), chunks, single_file=single_file)
    return {**info, "seconds": time.perf_counter() - t, "peak_mb": peak_mb()}


def _write_chunks(out: Path, chunks: Iterator[pd.DataFrame], *, single_file: bool) -> dict:
    """Write case-contiguous chunks (no case in two chunks) as a hive folder and one file."""
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    hive = out / "hive"
    hive.mkdir(parents=True)
    writer = None
    events = cases = files = 0
    months: set[str] = set()
    for k, chunk in enumerate(chunks):
        table = pa.Table.from_pandas(chunk, preserve_index=False)
        month = _months(chunk)
        months.update(np.unique(month).tolist())
        cases += int(chunk[CASE].nunique())
        events += len(chunk)
        del chunk
        if single_file:
            if writer is None:
                writer = pq.ParquetWriter(out / "log.parquet", table.schema)
            writer.write_table(table)
        ds.write_dataset(
            table.append_column("month", pa.array(month)),
            hive,
            format="parquet",
            partitioning=["month"],
            partitioning_flavor="hive",
            basename_template=f"part-{k:05d}-{{i}}.parquet",
            existing_data_behavior="overwrite_or_ignore",
            preserve_order=True,
        )
        files += len(np.unique(month))
    if writer is not None:
        writer.close()
    return {"events": events, "cases": cases, "files": files, "months": len(months),
            "single_file": single_file}  # fmt: skip


def write_log_dataset(
    folder: str | os.PathLike[str], log: str | os.PathLike[str], *, single_file: bool = True
) -> dict[str, object]:
    """Write a real log (read by ``analysis.logs.read_log``) as :func:`write_dataset` does.

    The log's events are grouped by case (in their order in the file), so
    each case is in one partition and one file.
    """
    from analysis.logs import read_log

    t = time.perf_counter()
    frame = read_log(log)  # before any folder is made: a bad log leaves nothing behind
    frame = frame.sort_values(CASE, kind="stable", ignore_index=True)
    frame.attrs = {}
    info = _write_chunks(Path(folder), iter([frame]), single_file=single_file)
    return {**info, "seconds": time.perf_counter() - t, "peak_mb": peak_mb()}


def peak_mb() -> float:
    """This process's peak RSS in MB (VmHWM; ru_maxrss where /proc is missing)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    scale = 1 if sys.platform == "darwin" else 1024  # bytes on macOS, kB on Linux
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


