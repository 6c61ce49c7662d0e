"""Benchmark: mining a national-size log, ours against pm4py (pandas and polars) and DuckDB.

For each size of ``--events`` (a comma list, ``1e6,1e7``), a seeded synthetic
log (12 activities, 5 agencies, start and completion times at whole seconds,
clerks; one case per 10 events) is generated block by block and written
straight to Parquet, so that 50 million events are never held in memory:

* a hive-partitioned folder, ``hive/month=2024-01/part-00000-0.parquet``: a
  case belongs to the month its first step started in, so every case is in
  exactly one partition (one file per month and generated chunk);
* one single file, ``log.parquet``, when a side that reads one file runs at
  that size (pm4py on pandas reads one file).

The data is cached in a folder keyed by size, seed and generator version
(``--data DIR`` keeps it between runs; by default a temporary folder is used
and removed). Generation time is printed apart: it is in nobody's figure.

Then each side runs in a child process of its own, started fresh, and is
timed from reading the Parquet to its result (each side's packages are imported
before the clock starts: pm4py's import alone takes seconds):

* **ours**: ``analysis.scale.mine_source`` on the hive folder when that module
  exists (the DuckDB engine), otherwise ``analysis.logs.read_log`` of the
  single file and ``analysis.mining.mine(causes=False)``. Either way the whole
  report without rendering: KPIs, bottlenecks, agency and resource handoffs,
  variants, findings. The table names the one that ran.
* **pm4py pandas**: ``pandas.read_parquet``, ``pm4py.format_dataframe``,
  ``pm4py.discover_performance_dfg`` and ``pm4py.discover_network_analysis``
  (agency handoffs, ``performance=True``).
* **pm4py polars**: ``polars.scan_parquet`` (a LazyFrame) and
  ``pm4py.discover_performance_dfg`` on it; pm4py's network analysis does not
  take polars, so the agency handoffs are computed as on the pandas side on
  the collected frame (``collect().to_pandas()``, ``format_dataframe``,
  ``discover_network_analysis``), timed and included. The DFG-only time is a
  row of its own. (pm4py 2.7 also takes LazyFrames in ``discover_dfg``,
  ``discover_eventually_follows_graph``, ``get_start_activities``,
  ``get_end_activities``, ``get_variants``, ``get_all_case_durations``,
  ``get_case_arrival_average``, ``get_cycle_time``, ``get_service_time``,
  ``get_rework_cases_per_activity`` and its filters, but not in
  ``discover_network_analysis`` nor the handover/working-together networks;
  only the DFG is timed here, like for like with the pandas side.)
* **bare DuckDB**: one SQL query over the Parquet computing only the
  performance DFG (``LAG`` over the case ordered by time, ``GROUP BY`` the
  pair, count, mean and median of the transition time): the practical lower
  bound of any engine.

The transition time of a pair ``a -> b`` is pm4py's: the start of ``b`` minus
the completion of ``a`` (completion to completion when the log has no start
times), events of a case ordered by start, then completion. pm4py's polars
path truncates each transition to whole seconds (``dt.total_seconds()``),
which is why the synthetic times are whole seconds: the three DFGs are then
equal, and the run checks it at the sizes up to ``--check-up-to``.

Peak memory is the child's peak resident set size: ``VmHWM`` of
``/proc/self/status``, plus ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` for
processes the side spawned. (``ru_maxrss`` of ``RUSAGE_SELF`` is not used on
Linux: a process started by ``subprocess`` inherits its parent's peak in it.)
A side whose estimated peak exceeds the memory available (``--memory``) is
not run, and the table says so with the estimate.

Targets (issue 13): at 10M events ours at most 0.25 x pm4py's faster path and
under 3,000 MB peak; 50M events mined on one 24 GB machine; at 1M events at
most 3 x the bare DuckDB query. Run::

    python bench/bench_mining.py --events 1e6            # the quick run
    python bench/bench_mining.py --events 1e6,1e7 --data ~/bench-data --json out.json
    python bench/bench_mining.py --events 5e7 --data ~/bench-data
    python bench/bench_mining.py --log ../shared/data/bpic2012.xes.gz   # a real log

``--log FILE`` runs the same sides on a real log (read with ``read_log``, written
once to Parquet as above). The generator is ``mining_log.py``, the sides, the DFG
check and the verdicts ``mining_sides.py``; this file is the command line.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from mining_log import (
    GENERATOR_VERSION,
    Plan,
    iter_chunks,
    make_log,
    plan_log,
    write_dataset,
    write_log_dataset,
)
from mining_sides import (
    _HEADROOM,
    _SIDE_KEYS,
    SIDES,
    _agreements,
    _available_mb,
    _child,
    _estimate_mb,
    _run_side,
    agreement,
    duckdb_dfg,
    ours,
    pm4py_pandas,
    pm4py_polars,
    verdicts,
)

__all__ = [
    "SIDES",
    "Plan",
    "agreement",
    "duckdb_dfg",
    "iter_chunks",
    "main",
    "make_log",
    "ours",
    "parse_events",
    "plan_log",
    "pm4py_pandas",
    "pm4py_polars",
    "verdicts",
    "write_dataset",
    "write_log_dataset",
]


# --- the command line -------------------------------------------------------------------


def parse_events(text: str, *, option: str = "--events") -> list[int]:
    """Sizes from a comma list of numbers in any float notation.

    Examples
    --------
    >>> parse_events("1e6, 2.5e5,300")
    [1000000, 250000, 300]
    >>> parse_events("1e6,abc")
    Traceback (most recent call last):
    ...
    journeys.errors.InputError: --events: 'abc' is not a number (give e.g. 1e6,1e7)
    """
    from journeys.errors import InputError

    sizes = []
    for part in (p.strip() for p in text.split(",")):
        try:
            value = float(part)
        except ValueError:
            raise InputError(f"{option}: {part!r} is not a number (give e.g. 1e6,1e7)") from None
        if not (10 <= value <= 1e9) or value != int(value):
            raise InputError(f"{option}: {part!r} is not a whole number from 10 to 1e9")
        sizes.append(int(value))
    return sizes


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit status 2 (no usage block)
        self.exit(2, f"{self.prog}: {message}\n")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    p = _Parser(prog="bench_mining.py", description=__doc__.split("\n\n")[0])
    p.add_argument("--events", help="sizes, a comma list (default 1e6)")
    p.add_argument("--log", metavar="FILE", help="benchmark this event log (any file "
                   "read_log reads) instead of the synthetic one")  # fmt: skip
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--data", metavar="DIR", help="keep the generated Parquet here (a cache)")
    p.add_argument("--json", metavar="FILE", help="also write the figures to FILE.json")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds per side (3600)")
    p.add_argument("--sides", default="ours,pandas,polars,duckdb",
                   help="of ours, pandas, polars, duckdb (default all)")  # fmt: skip
    p.add_argument("--check-up-to", default="1e6", metavar="N",
                   help="compare the sides' DFGs at sizes up to N (default 1e6)")  # fmt: skip
    p.add_argument("--memory", type=float, metavar="GB",
                   help="memory a side may use (default: 80%% of the memory available now)")  # fmt: skip
    p.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    p.add_argument("--check", action="store_true", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def _validate(args: argparse.Namespace) -> dict[str, Any]:
    """The options, checked before any work (InputError names the option)."""
    from journeys.errors import InputError
    from odsc.files import check_folder, check_output

    if args.log is not None and args.events is not None:
        raise InputError("--log and --events: give one of them (a real log has its own size)")
    sizes = parse_events(args.events or "1e6")
    if args.log is not None and not Path(args.log).is_file():
        raise InputError(f"--log: {args.log}: no such file")
    check_up_to = parse_events(args.check_up_to, option="--check-up-to")
    if len(check_up_to) != 1:
        raise InputError(f"--check-up-to: {args.check_up_to!r}: give one number")
    sides = [x.strip() for x in args.sides.split(",")]
    unknown = [s for s in sides if s not in _SIDE_KEYS]
    if unknown or "ours" not in sides:
        raise InputError(f"--sides: {args.sides!r}: give ours and any of pandas, polars, duckdb")
    if args.seed < 0:
        raise InputError(f"--seed: {args.seed} is negative; give a whole number from 0")
    if not (args.timeout > 0 and math.isfinite(args.timeout)):
        raise InputError(f"--timeout: {args.timeout:g} is not a positive number of seconds")
    if args.memory is not None and not (args.memory > 0 and math.isfinite(args.memory)):
        raise InputError(f"--memory: {args.memory:g} is not a positive number of GB")
    if args.json is not None:
        check_output(args.json, {".json": "json"})
    if args.data is not None:
        if Path(args.data).exists() and not Path(args.data).is_dir():
            raise InputError(f"--data: {args.data}: is a file, not a folder")
        check_folder(args.data, output=f"--data: {args.data}")
    memory = args.memory * 1024 if args.memory is not None else _HEADROOM * _available_mb()
    wanted = [_SIDE_KEYS[s] for s in _SIDE_KEYS if s in sides]
    return {"sizes": sizes, "check_up_to": check_up_to[0], "sides": wanted, "memory_mb": memory}


def _dataset(root: Path, events: int | None, seed: int, single_file: bool,
             log: Path | None = None) -> tuple[Path, dict, bool]:  # fmt: skip
    """The cached Parquet of one size or log (written when missing): folder, manifest, reused."""
    from journeys.errors import InputError

    if log is None:
        key = root / f"mining-events{events}-seed{seed}-v{GENERATOR_VERSION}"
    else:  # a real log: keyed by its name, size and modification time
        st = log.stat()
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in log.name)
        key = root / f"log-{name}-{st.st_size}-{st.st_mtime_ns}-v{GENERATOR_VERSION}"
    manifest = key / "manifest.json"
    if manifest.exists():
        info = json.loads(manifest.read_text(encoding="utf-8"))
        if info.get("single_file") or not single_file:
            return key, info, True
    elif key.exists():
        raise InputError(f"--data: {key} exists and is not this benchmark's data; remove it")
    partial = key.with_name(key.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)  # an interrupted run's leftovers
    try:
        if log is None:
            info = write_dataset(partial, events, seed=seed, single_file=single_file)
        else:
            info = write_log_dataset(partial, log, single_file=single_file)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)  # nothing half-written is left
        raise
    (partial / "manifest.json").write_text(json.dumps(info), encoding="utf-8")
    if key.exists():  # reused before without the single file
        shutil.rmtree(key)
    partial.rename(key)
    return key, info, False


def _engine() -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec("analysis.scale") is not None
    except ImportError:
        return False


def _skips(events: int, opts: dict, engine: bool, measured: dict) -> dict[str, dict]:
    """The sides that would not fit in memory at ``events``, with the reason."""
    sides: dict[str, dict] = {}
    for side in opts["sides"]:
        key = "ours (fallback)" if side == "ours" and not engine else side
        need = _estimate_mb(key, events, measured)
        if need is not None and need > opts["memory_mb"]:
            gb = f"{need / 1024:.0f}" if need >= 10 * 1024 else f"{need / 1024:.1f}"
            sides[side] = {"status": f"not run: needs ~{gb} GB, "
                           f"{opts['memory_mb'] / 1024:.1f} GB may be used (--memory)"}  # fmt: skip
    return sides


def _run_size(events: int | None, root: Path, opts: dict, args: argparse.Namespace,
              measured: dict[str, tuple[int, float]], log: Path | None = None) -> dict:  # fmt: skip
    engine = _engine()
    if log is None:
        sides = _skips(events, opts, engine, measured)
        # one file for pm4py pandas, and for our fallback (read_log reads one file)
        single = ("pm4py pandas" in opts["sides"] and "pm4py pandas" not in sides) or (
            not engine and "ours" not in sides
        )
        folder, info, reused = _dataset(root, events, args.seed, single)
        what = "log"
    else:
        folder, info, reused = _dataset(root, None, args.seed, True, log=log)
        events = int(info["events"])
        sides = _skips(events, opts, engine, measured)
        what = f"log {log.name}:"
    print(f"{what} {events:,} events, {info['cases']:,} cases: hive folder of {info['files']} "
          f"files over {info['months']} months" + (" and one file" if info["single_file"] else "")
          + (", reused from " if reused else f", generated in {info['seconds']:.1f} s "
             f"(peak {info['peak_mb']:,.0f} MB) in ") + str(folder), flush=True)  # fmt: skip
    file = folder / "log.parquet"
    check = events <= opts["check_up_to"]
    for side in opts["sides"]:
        if side in sides:
            continue
        if side == "ours":
            source = folder / "hive" if engine else file
        elif side == "pm4py pandas":
            source = file
        else:
            source = file if file.exists() else folder / "hive"
        out = _run_side(side, source, check=check, timeout=args.timeout, cwd=folder)
        out["reads"] = "one file" if source == file else "hive folder"
        sides[side] = out
        if out["status"] == "ok":
            measured["ours (fallback)" if side == "ours" and not engine else side] = (
                events, float(out["peak_mb"]))  # fmt: skip
        print(f"  {side}: {out['status']}" + (f", {out['seconds']:.2f} s" if "seconds" in out
              else ""), flush=True)  # fmt: skip
    ok = {s: v for s, v in sides.items() if v["status"] == "ok"}
    run: dict[str, object] = {"events": events, "cases": info["cases"],
                              "log": None if log is None else str(log),
                              "generation_seconds": None if reused else info["seconds"],
                              "sides": sides, "ratios": verdicts(events, ok)}  # fmt: skip
    if check:
        run["agreement"] = _agreements(ok)
    return run


def _fmt(value: object, spec: str) -> str:
    return "not measured" if value is None else format(value, spec)


def _table(runs: list[dict]) -> str:
    from tabulate import tabulate

    rows = []
    for run in runs:
        n = f"{run['events']:,}"
        for side, out in run["sides"].items():
            label = side
            if side == "ours" and "engine" in out:
                label = f"ours: {out['engine']}"
            if out["status"] != "ok":
                rows.append([n, label, out.get("reads", ""), "", "", "", "", out["status"]])
                continue
            rows.append([n, label, out["reads"], f"{out['seconds']:.2f}", f"{out['peak_mb']:,.0f}",
                         "", "", ""])  # fmt: skip
            if "dfg_seconds" in out:
                rows.append([n, "  of which the DFG", "", f"{out['dfg_seconds']:.2f}", "", "",
                             "", ""])  # fmt: skip
        for r in run["ratios"]:
            spec = ",.0f" if r["name"].endswith("MB") else ".2f"
            rows.append([n, r["name"], "", "", "", _fmt(r["value"], spec), r["target"],
                         r["verdict"]])  # fmt: skip
    head = ["events", "side or ratio", "reads", "seconds", "peak MB", "ratio", "target", "verdict"]
    return tabulate(rows, head, disable_numparse=True, colalign=("right", "left", "left", "right",
                    "right", "right", "left", "left"))  # fmt: skip


def _print_agreement(run: dict) -> None:
    found = run.get("agreement")
    if found is None:
        return
    if not found:
        print(f"DFG check at {run['events']:,} events: fewer than two sides ran; not checked")
    for side, a in found.items():
        median = "" if a["median_rel"] is None else f", medians within {a['median_rel']:.1e}"
        print(f"DFG check at {run['events']:,} events, {side} against {a['reference']}: "
              f"{a['pairs']} pairs, {'same' if a['same_pairs'] else 'different'} pairs, "
              f"{'same' if a['same_counts'] else 'different'} counts, means within "
              f"{a['mean_rel']:.1e}{median} (relative; target 1e-6): {a['verdict']}"
              + (f" ({a['why']})" if "why" in a else ""))  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    """Generate the logs, run every side at every size, print the table."""
    from journeys.errors import InputError

    args = _arguments(argv)
    if args.child:
        _child(args.child[0], args.child[1], args.check)
        return
    try:
        opts = _validate(args)
        with tempfile.TemporaryDirectory(prefix="bench-mining-") as tmp:
            root = Path(args.data) if args.data else Path(tmp)  # made when written
            print(f"machine: {os.cpu_count()} cores, {_available_mb() / 1024:.1f} GB available; "
                  f"sides may use {opts['memory_mb'] / 1024:.1f} GB")  # fmt: skip
            for side in opts["sides"]:
                print(f"  {side}: {SIDES[side]}")
            measured: dict[str, tuple[int, float]] = {}
            if args.log is not None:
                runs = [_run_size(None, root, opts, args, measured, log=Path(args.log))]
            else:
                runs = [_run_size(n, root, opts, args, measured) for n in opts["sizes"]]
    except InputError as e:
        print(f"bench_mining.py: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    except KeyboardInterrupt:  # the running side was stopped with its process group
        print("bench_mining.py: interrupted; no figures written", file=sys.stderr)
        raise SystemExit(130) from None
    print(_table(runs))
    for run in runs:
        _print_agreement(run)
    print("peak MB: the side's process peak RSS (VmHWM) plus its children's; seconds: "
          "from reading the Parquet to the result")  # fmt: skip
    if args.json:
        from odsc.files import write_atomic

        for run in runs:
            for out in run["sides"].values():
                out.pop("dfg", None)
        write_atomic(args.json, json.dumps({"runs": runs}, indent=1).encode())
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    main()
