"""Where a log comes from: one file, a folder of files, or a glob pattern.

:func:`resolve_source` turns what a user typed (``receipt.csv``, ``logs/``,
``'logs/*.parquet'``) into a :class:`LogSource`: the files, their kind and the
hive partition keys of their folders. :func:`read_parquet_source` reads a
Parquet source as one table (:mod:`pyarrow.dataset`), converted to pandas
once. :func:`analysis.logs.read_log` uses both, and so does every command
that reads a log.

Rules decided here:

* **A folder** is searched recursively for files whose names end in one of
  :data:`analysis.logs.SUFFIXES`; other files (a README, ``_SUCCESS``) are
  ignored, as are names starting with ``.`` or ``_`` (as Spark and pyarrow
  do), so a folder written by other tools reads as it is.
* **A pattern** (text with ``*``, ``?`` or ``[``, quoted so that the shell does
  not expand it) is matched with :func:`glob.glob` (``**`` spans folders); its
  root is the folder before the first wildcard. The same files are kept as in
  a folder.
* **Partitions.** A folder named ``key=value`` between the root and a file
  (hive style, ``centre=Xaythany/month=2024-01/part-0.parquet``) makes ``key``
  a column holding ``value`` as text for that file's rows. Every file must sit
  under the same keys, in the same order.
* **One kind.** All files must be of one kind (all Parquet, all CSV, ...).
  Several files are read as one log for Parquet only; several CSV or XES
  files are refused with a line saying so (``odsc convert`` turns each into
  Parquet).
* **Schemas.** The files' columns are unified: a column missing from a file
  is missing (null) in its rows; types widen where Arrow can (int32 and
  int64, int and float, string and large string, timestamp units); any other
  difference is refused, naming the column and the two files.
* Errors are one line naming the path: a folder with no log file, a pattern
  matching nothing, mixed kinds, an unreadable or damaged file.

Examples
--------
>>> import tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> for centre in ("Xaythany", "Pek"):
...     folder = root / f"centre={centre}"
...     folder.mkdir()
...     _ = (folder / "part-0.parquet").write_bytes(b"")
>>> src = resolve_source(root)
>>> src.kind, src.partitions, [f.parent.name for f in src.files]
('parquet', ('centre',), ['centre=Pek', 'centre=Xaythany'])
>>> resolve_source(root / "*.csv")
Traceback (most recent call last):
...
analysis.schema.LogError: *.csv: no file matches this pattern
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from analysis.schema import LogError

__all__ = [
    "META_KEY",
    "STORED_ATTR",
    "LogSource",
    "read_parquet_source",
    "resolve_source",
    "stored_set_aside",
]

#: Key of the Parquet schema metadata where ``odsc convert`` keeps what the reader
#: set aside from the original log (JSON ``{"set_aside": {kind: count}}``).
META_KEY = b"odsc:log"
#: Key of ``DataFrame.attrs`` under which a Parquet read hands those counts to ``read_log``.
STORED_ATTR = "odsc:stored_set_aside"

_MAGIC = ("*", "?", "[")


@dataclass(frozen=True)
class LogSource:
    """The files of one log, resolved from a path, a folder or a pattern.

    Attributes
    ----------
    files : tuple of Path
        The files, sorted by path; at least one.
    kind : str
        Their reader, a value of :data:`analysis.logs.SUFFIXES`: ``"csv"``,
        ``"xes"`` or ``"parquet"``.
    partitions : tuple of str
        Hive partition keys of the folders between ``root`` and each file
        (``("centre", "month")``); empty for a single file or a flat folder.
    root : Path
        The folder the partitions are read from: the folder given, the folder
        before a pattern's first wildcard, or a single file's own folder.
    name : str
        The source as the user wrote it, for messages.
    """

    files: tuple[Path, ...]
    kind: str
    partitions: tuple[str, ...]
    root: Path
    name: str = ""

    @property
    def title(self) -> str:
        """A short name of the log for titles: the file's name without its
        extensions, or the folder's name for a folder or pattern.

        Examples
        --------
        >>> from pathlib import Path
        >>> LogSource((Path("d/receipt.csv.gz"),), "csv", (), Path("d"), "receipt.csv.gz").title
        'receipt'
        >>> LogSource((Path("logs/x.parquet"),), "parquet", (), Path("logs"), "logs").title
        'logs'
        """
        if len(self.files) == 1 and self.name == self.files[0].name:
            return self.files[0].name.split(".")[0]
        return self.root.resolve().name or "log"

    @property
    def single(self) -> bool:
        """Whether this is one plain file (no folder, pattern or partition)."""
        return len(self.files) == 1 and not self.partitions


def resolve_source(text: str | PathLike[str]) -> LogSource:
    """Resolve a file, a folder or a glob pattern into the files of one log.

    Parameters
    ----------
    text : str or path
        A log file, a folder of log files, or a pattern such as
        ``logs/*.parquet`` or ``logs/**/*.parquet``.

    Returns
    -------
    LogSource
        The files (sorted), their kind, the hive partition keys and the root.

    Raises
    ------
    LogError
        One line naming the path: no such file, an unsupported file type, a
        folder with no log file, a pattern matching nothing, files of several
        kinds, partition folders that differ between files, an unreadable file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (root / "a.csv").write_text("x")
    >>> _ = (root / "b.parquet").write_bytes(b"")
    >>> resolve_source(root / "a.csv").kind
    'csv'
    >>> resolve_source(root)
    Traceback (most recent call last):
    ...
    analysis.schema.LogError: ...: mixes csv and parquet files (a.csv, b.parquet); keep one kind per folder
    """
    from analysis.logs import SUFFIXES

    raw = os.fspath(text)
    path = Path(raw)
    name = path.name or raw
    if path.is_file():
        kind = _kind(path.name, SUFFIXES)
        if kind is None:
            raise LogError(f"{name}: unsupported file type (expected one of {', '.join(SUFFIXES)})")
        _check_readable(path, name)
        return LogSource(files=(path,), kind=kind, partitions=(), root=path.parent, name=name)
    if path.is_dir():
        root = path
        found = [Path(d) / f for d, _, fs in os.walk(path) for f in fs]
        where, nothing = name, "the folder holds no log files"
    elif any(m in raw for m in _MAGIC):
        root = _pattern_root(raw)
        found = [Path(p) for p in glob.glob(raw, recursive=True) if Path(p).is_file()]
        where, nothing = name, "no file matches this pattern"
    else:
        raise LogError(f"{name}: no such file ({path})")
    files = sorted(f for f in found if not _hidden(f, root) and _kind(f.name, SUFFIXES) is not None)
    if not files:
        if found:
            nothing += f" (known types: {', '.join(SUFFIXES)})"
        raise LogError(f"{where}: {nothing}")
    kinds: dict[str, Path] = {}
    for f in files:
        kinds.setdefault(str(_kind(f.name, SUFFIXES)), f)
    if len(kinds) > 1:
        shown = ", ".join(_rel(f, root) for f in kinds.values())
        raise LogError(
            f"{where}: mixes {' and '.join(kinds)} files ({shown}); keep one kind per folder"
        )
    for f in files:
        _check_readable(f, _rel(f, root))
    return LogSource(
        files=tuple(files), kind=next(iter(kinds)), partitions=_partitions(files, root, where),
        root=root, name=where,
    )  # fmt: skip


def read_parquet_source(source: LogSource) -> Any:
    """Read the Parquet files of ``source`` as one pandas DataFrame.

    The files are scanned as one :class:`pyarrow.dataset.Dataset` into one
    Arrow table, converted to pandas once (the table's buffers are released
    as the columns are converted, so the log is never held twice). Partition
    keys become text columns after the files' own columns.

    Raises
    ------
    LogError
        A damaged file, or a column whose types cannot be unified (module docs),
        naming the file(s) and the column.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> root = pathlib.Path(tempfile.mkdtemp())
    >>> for month in ("2024-01", "2024-02"):
    ...     (root / f"month={month}").mkdir()
    ...     pd.DataFrame({"n": [1]}).to_parquet(root / f"month={month}" / "part-0.parquet")
    >>> read_parquet_source(resolve_source(root)).to_dict("list")
    {'n': [1, 1], 'month': ['2024-01', '2024-02']}
    """
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    seen: dict[str, tuple[Any, Path]] = {}
    schemas = []
    for f in source.files:
        try:
            schema = pq.read_schema(f)
        except Exception as exc:  # pyarrow raises several unrelated types
            raise LogError(
                f"{_rel(f, source.root)}: not a readable Parquet file ({_one_line(exc)})"
            ) from exc
        for field in schema:
            if field.name in source.partitions:
                raise LogError(
                    f"{_rel(f, source.root)}: column {field.name!r} is also a partition folder "
                    f"({field.name}=...); rename one"
                )
            first = seen.setdefault(field.name, (field.type, f))
            if first[0] != field.type:
                _check_unifiable(field.name, first, (field.type, f), source.root)
        schemas.append(schema.remove_metadata())
    unified = pa.unify_schemas(schemas, promote_options="permissive")
    keys = pa.schema([(k, pa.string()) for k in source.partitions])
    for k in keys:
        unified = unified.append(k)
    try:
        dataset = ds.dataset(
            [str(f) for f in source.files], schema=unified, format="parquet",
            partitioning=ds.partitioning(keys, flavor="hive") if source.partitions else None,
            partition_base_dir=str(source.root),
        )  # fmt: skip
        table = dataset.to_table()
    except Exception as exc:  # pyarrow raises several unrelated types
        raise LogError(
            f"{source.name}: the Parquet files cannot be read as one log ({_one_line(exc)})"
        ) from exc
    frame = table.to_pandas(self_destruct=True, split_blocks=True)
    del table
    frame.attrs[STORED_ATTR] = stored_set_aside(source.files)
    return frame


def stored_set_aside(files: tuple[Path, ...]) -> dict[str, int]:
    """The set-aside counts ``odsc convert`` stored in Parquet files, summed over files.

    Files written in one conversion share the counts of the whole log, so each
    distinct count record is taken once. Files without them give ``{}``.
    """
    import json

    import pyarrow.parquet as pq

    seen: set[bytes] = set()
    total: dict[str, int] = {}
    for f in files:
        try:
            meta = pq.read_schema(f).metadata or {}
        except Exception:  # the reader has already said what is wrong with the file
            continue
        blob = meta.get(META_KEY)
        if blob is None or blob in seen:
            continue
        seen.add(blob)
        try:
            counts = json.loads(blob).get("set_aside", {})
        except (ValueError, AttributeError):
            continue  # metadata written by something else: not ours to read
        for kind, n in counts.items():
            if isinstance(n, int):
                total[str(kind)] = total.get(str(kind), 0) + n
    return total


# --------------------------------------------------------------------------- helpers


def _kind(name: str, suffixes: dict[str, str]) -> str | None:
    lower = name.lower()
    return next((k for s, k in suffixes.items() if lower.endswith(s)), None)


def _hidden(path: Path, root: Path) -> bool:
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        parts = (path.name,)
    return any(p.startswith((".", "_")) for p in parts)


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def _pattern_root(raw: str) -> Path:
    parts: list[str] = []
    for part in Path(raw).parts:
        if any(m in part for m in _MAGIC):
            break
        parts.append(part)
    return Path(*parts) if parts else Path(".")


def _partitions(files: list[Path], root: Path, where: str) -> tuple[str, ...]:
    keys_of: dict[tuple[str, ...], Path] = {}
    for f in files:
        folders = Path(_rel(f.parent, root)).parts if f.parent != root else ()
        keys = tuple(p.split("=", 1)[0] for p in folders if "=" in p)
        keys_of.setdefault(keys, f)
        if len(keys_of) > 1:
            (ka, fa), (kb, fb) = list(keys_of.items())[:2]
            raise LogError(
                f"{where}: the partition folders differ: {_rel(fa, root)} is under "
                f"{_keys_text(ka)} but {_rel(fb, root)} under {_keys_text(kb)}"
            )
    return next(iter(keys_of), ())


def _keys_text(keys: tuple[str, ...]) -> str:
    return "/".join(f"{k}=..." for k in keys) if keys else "no partition folder"


def _check_readable(path: Path, shown: str) -> None:
    try:
        with path.open("rb"):
            pass
    except OSError as exc:
        raise LogError(f"{shown}: cannot be read ({exc.strerror or exc})") from None


def _check_unifiable(
    column: str, first: tuple[Any, Path], other: tuple[Any, Path], root: Path
) -> None:
    import pyarrow as pa

    try:
        pa.unify_schemas(
            [pa.schema([(column, first[0])]), pa.schema([(column, other[0])])],
            promote_options="permissive",
        )
    except (pa.ArrowTypeError, pa.ArrowInvalid, NotImplementedError):
        raise LogError(
            f"{root.name or root}: column {column!r} is {first[0]} in {_rel(first[1], root)} "
            f"but {other[0]} in {_rel(other[1], root)}; the files cannot be read as one log"
        ) from None


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__
