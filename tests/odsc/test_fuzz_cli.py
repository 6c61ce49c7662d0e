"""Property-based fuzzing of every command: the contract holds on any input.

Logs (CSV text with any header, names and times), journeys (catalogue files
with random fields replaced or removed), numeric options and output paths are
drawn by hypothesis and given to the commands in-process. For every input:

* no traceback, exit status 0 or 2 (1 would be a bug of ours);
* on 2: standard error is ``error:`` lines only, and the folder is exactly as it
  was: nothing written, no existing file touched;
* on 0: standard error holds only our own lines (``wrote``, ``warning:``, ``note:``).

The examples are derandomized (the same on every run, so CI is deterministic)
and few; the suite takes well under two minutes.
"""

from __future__ import annotations

import csv
import datetime
import io
import tempfile
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import yaml  # noqa: E402
from click.testing import CliRunner  # noqa: E402
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from odsc.cli import main  # noqa: E402

CATALOG = Path(__file__).resolve().parents[2] / "journeys" / "catalog"


def fuzz(examples: int) -> settings:
    """Settings of one fuzz test: few, fixed examples; no deadline (first runs import)."""
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"<dir>")
        for p in sorted(folder.rglob("*"))
    }


def run_contract(folder: Path, args: list[str]) -> Any:
    """Run ``odsc args`` in-process and assert the command contract; the result."""
    before = _snapshot(folder)
    r = CliRunner().invoke(main, args, prog_name="odsc")
    shown = f"odsc {' '.join(args)[:400]}\n{r.output[-2000:]}"
    assert "Traceback" not in r.output, shown
    assert r.exit_code in (0, 2), f"exit {r.exit_code} ({r.exception!r}): {shown}"
    event(f"{args[0]} {args[1] if args[0] == 'journey' else ''}: exit {r.exit_code}")
    err = r.stderr.splitlines()
    if r.exit_code == 2:
        assert err and all(line.startswith("error: ") for line in err), shown
        assert _snapshot(folder) == before, shown
    else:
        assert all(line.startswith(("wrote ", "warning: ", "note: ")) for line in err), shown
    return r


# ------------------------------------------------------------------ logs

_NAMES = st.one_of(
    st.sampled_from(["apply", "check", "pay", "collect", "ຍື່ນຄຳຮ້ອງ", "ກວດເອກະສານ"]),
    st.sampled_from(["", " ", "EMPTY", "a,b", 'say "hi"', "two\nlines", "x" * 1001]),
    st.text(max_size=6),
)
_TIMES = st.one_of(
    st.datetimes(min_value=datetime.datetime(1400, 1, 1)).map(
        lambda t: t.strftime("%Y-%m-%d %H:%M")
    ),
    st.datetimes().map(lambda t: t.isoformat() + "Z"),
    st.datetimes().map(lambda t: t.strftime("%d/%m/%Y %I:%M%p")),
    st.sampled_from(["", "yesterday", "2024-13-45 10:00", "0", "NaT", "1e20", "2024-02-30"]),
    st.text(max_size=8),
)
_COLUMNS = ["case", "step", "done", "dept", "clerk", "start"]


_GOOD_TIMES = st.datetimes(
    min_value=datetime.datetime(2024, 1, 1), max_value=datetime.datetime(2024, 3, 1)
).map(lambda t: t.strftime("%Y-%m-%d %H:%M"))
_GOOD_NAMES = st.sampled_from(["apply", "check", "pay", "collect", "ຍື່ນຄຳຮ້ອງ", "ກວດເອກະສານ"])


@st.composite
def csv_logs(draw: Any) -> str:
    """The text of a CSV event log: well formed, then (mostly) damaged in one to three places."""
    header = list(_COLUMNS[:4]) + draw(st.lists(st.sampled_from(["clerk", "start"]), unique=True))
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        row = {"case": draw(st.sampled_from(["A-1", "A-2", "B", "ກ-1"])), "step": draw(_GOOD_NAMES)}
        row["done"] = draw(_GOOD_TIMES)
        row |= {"dept": draw(st.sampled_from(["Tax", "Commerce", "ຫ້ອງການ"])), "clerk": "Noy"}
        row["start"] = row["done"] if draw(st.booleans()) else ""
        rows.append([row[c] for c in header])
    for _ in range(draw(st.integers(0, 3))):
        damage = draw(st.sampled_from(["cell", "time", "row", "header", "drop_column"]))
        i = draw(st.integers(0, len(rows) - 1))
        if damage == "cell":
            rows[i][draw(st.integers(0, len(header) - 1))] = draw(_NAMES)
        elif damage == "time":
            rows[i][header.index("done")] = draw(_TIMES)
        elif damage == "row":
            rows[i] = rows[i][: draw(st.integers(0, len(header)))] + draw(
                st.lists(_NAMES, max_size=2)
            )
        elif damage == "header":
            header[draw(st.integers(0, len(header) - 1))] = draw(
                st.sampled_from(["step", "case", "", "done", "note"])
            )
        elif len(header) > 1:
            j = draw(st.integers(0, len(header) - 1))
            header.pop(j)
            rows = [r[:j] + r[j + 1 :] for r in rows]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def write_log(folder: Path, text: str, container: str) -> Path:
    """Write the log text as CSV, gzipped CSV (whole or cut short) or Parquet."""
    import gzip

    if container in ("csv.gz", "cut.gz"):
        data = gzip.compress(text.encode("utf-8"))
        path = folder / "log.csv.gz"
        path.write_bytes(data if container == "csv.gz" else data[: len(data) // 2])
        return path
    if container == "parquet":
        import pandas as pd

        try:
            frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
        except Exception:  # a log too damaged for pandas stays CSV
            frame = None
        if frame is not None and not frame.columns.duplicated().any():
            path = folder / "log.parquet"
            frame.to_parquet(path)
            return path
    path = folder / "log.csv"
    path.write_text(text, encoding="utf-8")
    return path


_LOG_COLUMNS = ["--case", "case", "--activity", "step", "--timestamp", "done"]
_OPTIONAL = st.lists(
    st.sampled_from(
        [
            ("--agency", "dept"),
            ("--resource", "clerk"),
            ("--start", "start"),
            ("--tz", "Asia/Vientiane"),
            ("--tz", "Mars/Base"),
            ("--missing", ""),
            ("--missing", "Tax"),
            ("--tz", ""),
        ]
    ),
    max_size=3,
    unique=True,
)
_MINE_ONLY = st.lists(
    st.sampled_from(
        [("--by", "dept"), ("--by", "nope"), ("--journey", "family-book"), ("--journey", "none"),
         ("--show-ids", ""), ("--key", ""), ("--key", "k")]
    ),
    max_size=2,
    unique_by=lambda pair: pair[0],
)  # fmt: skip
_CALIBRATE_ONLY = st.lists(
    st.sampled_from(
        [("--id", "a b"), ("--id", ""), ("--name", "ກ" * 300), ("--period", "2024-01-15"),
         ("--period", "soon"), ("--carrier", "citizen"), ("--carrier", "pigeon")]
    ),
    max_size=2,
    unique_by=lambda pair: pair[0],
)  # fmt: skip
_NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-3, 40).map(str),
    st.sampled_from(["nan", "inf", "-1", "0", "1e308", "", "x", "100000000"]),
)


def maybe(option: str, good: st.SearchStrategy[str], bad: st.SearchStrategy[str] = _NUMBERS):
    """No option (the default), or the option with a good value, or with any value."""
    return st.one_of(
        st.just([]),
        good.map(lambda v: [option, v]),
        bad.map(lambda v: [option, v]),
    )


def _flat(pairs: list[tuple[str, str]]) -> list[str]:
    return [x for pair in pairs for x in (pair if pair[0] != "--show-ids" else pair[:1])]


@fuzz(50)
@given(
    text=csv_logs(),
    extra=_OPTIONAL,
    more=_MINE_ONLY,
    sla=maybe("--sla", st.sampled_from(["15", "5.5"])),
    ext=st.sampled_from([".md", ".md", ".json", ".json", ".html", ".pdf", ""]),
    container=st.sampled_from(["csv", "csv", "csv.gz", "cut.gz", "parquet"]),
)
def test_mine_keeps_the_contract(
    text: str, extra: list[tuple[str, str]], more: list, sla: list, ext: str, container: str
):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        log = write_log(folder, text, container)
        args = ["mine", str(log), *_LOG_COLUMNS, *_flat(extra + more), *sla]
        r = run_contract(folder, [*args, "-o", str(folder / f"report{ext}")])
        if r.exit_code == 0:
            assert (folder / f"report{ext}").stat().st_size > 0


@fuzz(40)
@given(
    text=csv_logs(),
    extra=_OPTIONAL,
    more=_CALIBRATE_ONLY,
    quantile=maybe("--processing-quantile", st.sampled_from(["0.1", "0.5"])),
)
def test_calibrate_keeps_the_contract(
    text: str, extra: list[tuple[str, str]], more: list, quantile: list
):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        log = folder / "log.csv"
        log.write_text(text, encoding="utf-8")
        out = folder / "model.yaml"
        args = ["calibrate", str(log), *_LOG_COLUMNS, *_flat(extra)]
        r = run_contract(folder, [*args, *_flat(more), *quantile, "-o", str(out)])
        if r.exit_code == 0:
            assert yaml.safe_load(out.read_text(encoding="utf-8"))["steps"]
            # the model written must load and replay its own log
            run_contract(folder, ["validate", str(out), str(log), *args[2:], "--replications", "1"])


# ------------------------------------------------------------------ journeys

_JOURNEYS = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8")) for p in CATALOG.glob("*.yaml")}
_VALUES = st.one_of(
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.none(),
    st.booleans(),
    st.lists(st.integers(-3, 3), max_size=2),
    st.sampled_from([0, 1, -1, 0.5, 1e9, "08:00-12:00", "mon", "citizen", "fixed", "ຫ້ອງການ"]),
)


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Paths of every node below the root of a loaded YAML document."""
    found: list[tuple[Any, ...]] = []
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, child in items:
        found.append((*path, key))
        found += _leaves(child, (*path, key))
    return found


@st.composite
def journey_texts(draw: Any) -> str:
    """A catalogue journey with one to three fields replaced or removed, as YAML."""
    import copy

    doc = copy.deepcopy(_JOURNEYS[draw(st.sampled_from(sorted(_JOURNEYS)))])
    for _ in range(draw(st.integers(0, 3))):
        paths = _leaves(doc)
        path = draw(st.sampled_from(paths))
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        if draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = draw(_VALUES)
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _journey_commands(j: str, folder: Path, seed: str) -> list[list[str]]:
    return [
        ["journey", "validate", j],
        ["journey", "show", j],
        ["journey", "metrics", j],
        ["journey", "walk", j, "--seed", seed],
        ["journey", "walk", j, "--json"],
        ["redesign", j, "--digitize", "all", "-o", str(folder / "to_be.yaml")],
        ["redesign", j, "--one-door", "ODSC desk", "-o", str(folder / "one.yaml")],
        ["simulate", j, "--days", "2", "--seed", seed, "-o", str(folder / "sim.csv")],
    ]


@fuzz(50)
@given(text=journey_texts(), seed=st.sampled_from(["0", "1", "7", "-1", "x"]))
def test_journey_commands_keep_the_contract(text: str, seed: str):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        j = folder / "journey.yaml"
        j.write_text(text, encoding="utf-8")
        for args in _journey_commands(str(j), folder, seed):
            run_contract(folder, args)


@fuzz(10)
@given(text=journey_texts(), ext=st.sampled_from([".svg", ".png", ".pdf", ".yaml", ".jpg"]))
def test_plot_keeps_the_contract(text: str, ext: str):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        j = folder / "journey.yaml"
        j.write_text(text, encoding="utf-8")
        run_contract(
            folder, ["journey", "plot", str(j), "--dpi", "40", "-o", str(folder / f"b{ext}")]
        )


@fuzz(8)
@given(text=journey_texts(), ext=st.sampled_from([".md", ".json", ".txt"]))
def test_compare_keeps_the_contract(text: str, ext: str):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        j = folder / "journey.yaml"
        j.write_text(text, encoding="utf-8")
        args = ["compare", str(j), "family-book-one-door", "--days", "3", "--warmup-days", "1",
                "--tail-days", "2", "--replications", "2", "--jobs", "1"]  # fmt: skip
        run_contract(folder, [*args, "-o", str(folder / f"c{ext}")])


# ------------------------------------------------------------------ options and outputs

_SMALL = st.one_of(st.integers(-2, 3).map(str), st.sampled_from(["nan", "1e9", "x", "", "2501"]))


@fuzz(40)
@given(
    days=maybe("--days", st.sampled_from(["1", "3"]), _SMALL),
    warmup=maybe("--warmup-days", st.sampled_from(["0", "1"]), _SMALL),
    seed=maybe("--seed", st.sampled_from(["0", "5"]), _SMALL),
    replication=maybe("--replication", st.sampled_from(["0", "2"]), _SMALL),
    per_day=maybe("--arrivals-per-day", st.sampled_from(["0.5", "30"])),
    ext=st.sampled_from([".csv", ".parquet", ".csv", ".pdf", ".csv.gz"]),
)
def test_simulate_options_keep_the_contract(days, warmup, seed, replication, per_day, ext):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        args = ["simulate", "family-book", *days, *warmup, *seed, *replication, *per_day]
        if not days:
            args += ["--days", "2"]  # the default 60 days is slow for a fuzz example
        out = folder / f"s{ext}"
        r = run_contract(folder, [*args, "-o", str(out)])
        if r.exit_code == 0:
            assert out.stat().st_size > 0


@fuzz(30)
@given(
    staff=st.lists(
        st.sampled_from(["odsc_desk=1", "odsc_desk=-9", "desk=x", "=", "odsc_desk=1e9"]), max_size=2
    ),  # fmt: skip
    share=maybe("--appointments", st.sampled_from(["0", "0.3", "1"])),
    door=st.one_of(st.none(), st.sampled_from(["", " ", "ODSC", "ຫ້ອງການ"])),
)
def test_redesign_options_keep_the_contract(staff: list[str], share: list, door: str | None):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        args = ["redesign", "family-book-one-door", *share]
        args += [x for s in staff for x in ("--add-staff", s)]
        args += [] if door is None else ["--one-door", door]
        run_contract(folder, [*args, "-o", str(folder / "t.yaml")])


@st.composite
def output_paths(draw: Any, folder: Path, good: str, inputs: list[Path]) -> str:
    """An output path: fine, of an unknown type, under a file, a folder, or an input."""
    kind = draw(st.sampled_from(["good", "unknown", "under_file", "folder", "input", "new_dir"]))
    if kind == "good":
        return str(folder / f"out{good}")
    if kind == "unknown":
        return str(folder / f"out{draw(st.sampled_from(['.pdf', '.exe', '', '.HTML~']))}")
    if kind == "under_file":
        (folder / "afile").write_text("x")
        return str(folder / "afile" / f"out{good}")
    if kind == "folder":
        (folder / f"dir{good}").mkdir(exist_ok=True)
        return str(folder / f"dir{good}")
    if kind == "input" and inputs:
        return str(draw(st.sampled_from(inputs)))
    return str(folder / "new" / "deeper" / f"out{good}")


_LOG = "case,step,done\nA,apply,2024-01-02 08:00\nA,check,2024-01-02 10:00\n"
_COMMANDS = {
    "mine": (["mine", "{log}", *_LOG_COLUMNS], ".md"),
    "calibrate": (["calibrate", "{log}", *_LOG_COLUMNS], ".yaml"),
    "redesign": (["redesign", "{journey}", "--digitize", "all"], ".yaml"),
    "simulate": (["simulate", "{journey}", "--days", "2"], ".csv"),
    "plot": (["journey", "plot", "{journey}", "--dpi", "30"], ".svg"),
}


@fuzz(40)
@given(data=st.data(), command=st.sampled_from(sorted(_COMMANDS)))
def test_output_paths_keep_the_contract(data: Any, command: str):
    with tempfile.TemporaryDirectory() as d:
        folder = Path(d)
        log = folder / "log.csv"
        log.write_text(_LOG, encoding="utf-8")
        journey = folder / "j.yaml"
        journey.write_text((CATALOG / "family-book.yaml").read_text(encoding="utf-8"))
        args, good = _COMMANDS[command]
        out = data.draw(output_paths(folder, good, [log, journey]))
        run_contract(folder, [a.format(log=log, journey=journey) for a in args] + ["-o", out])
