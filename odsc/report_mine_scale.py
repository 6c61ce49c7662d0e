"""``odsc mine`` on the scale engine: which engine mines a log, and its report.

``odsc mine --engine [auto|pandas|scale]`` picks how the log is mined:

* **pandas** reads the whole log into memory (:func:`analysis.logs.read_log`)
  and computes every section (:func:`odsc.report_mine.mine_report`);
* **scale** mines canonical Parquet out of core on DuckDB
  (:func:`analysis.scale.mine_source`); the log is never concatenated in
  memory, and the report lacks what that engine does not compute
  (:data:`analysis.scale.mine.NOT_AT_SCALE`), each such section saying so.
* **auto** (the default) takes the scale engine when LOG is Parquet written by
  ``odsc convert`` (every file carries its mark, :data:`analysis.log_sources.META_KEY`)
  and is either a folder or a glob of Parquet files, or one such file of at
  least :data:`SCALE_FILE_BYTES`; and when no option asks for what only pandas
  does (:func:`pandas_only`). Otherwise it takes pandas, saying why on
  standard error when LOG was such Parquet.

With ``--engine scale`` those options are refused (one line naming the
option), as is a log the scale engine cannot read as it is.

Ids are protected after mining (there is no log in memory to pseudonymise):
:func:`pseudonymise_result` replaces the case ids and staff names of the
finished tables by the tokens :func:`analysis.privacy.pseudonymise` gives the
log, so one key gives the same pseudonyms on both engines.

Examples
--------
>>> import tempfile, pathlib, pandas as pd
>>> from analysis.log_export import write_parquet_folder
>>> from analysis.logs import read_log
>>> log = read_log(pd.DataFrame({"case:concept:name": ["A-1", "A-1", "B-2"],
...     "concept:name": ["apply", "pay", "apply"], "org:group": ["Commerce", "Tax", "Commerce"],
...     "time:timestamp": ["2024-01-02 08:00", "2024-01-02 09:30", "2024-01-03 08:00"]}))
>>> folder = pathlib.Path(tempfile.mkdtemp()) / "log"
>>> _ = write_parquet_folder(log, folder, partition_by=["org:group"])
>>> choose_engine(folder, "auto").engine
'scale'
>>> choose_engine(folder, "auto", refused=["--journey"]).reason
'--journey needs the pandas engine'
>>> page = scale_report(folder, fmt="md", key="k")
>>> "A-1" in page, "not computed at scale" in page
(False, True)
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from odsc.cli_common import check_report_options, stage_bar
from odsc.filter_options import CANONICAL_COLUMNS

if TYPE_CHECKING:  # pragma: no cover
    from analysis.mining import MiningResult
    from analysis.scale.mine import PartsRunner

__all__ = [
    "ENGINES",
    "CAUSES_AT_SCALE",
    "SCALE_FILE_BYTES",
    "EngineChoice",
    "choose_engine",
    "pandas_only",
    "pseudonymise_result",
    "scale_report",
]

#: The values of ``--engine``.
ENGINES: tuple[str, ...] = ("auto", "pandas", "scale")

#: Size from which ``auto`` mines one converted Parquet file on the scale engine
#: (256 MiB, some ten million events): below it the whole log fits in memory
#: and pandas gives the full report.
SCALE_FILE_BYTES = 256 * 1024 * 1024

#: What the report says in place of the "Why cases wait" section on the scale engine
#: (the other things it does not compute are in the notes,
#: :data:`analysis.scale.mine.NOT_AT_SCALE`).
CAUSES_AT_SCALE = (
    "Why cases wait: not computed at scale. Splitting each wait into its five causes needs "
    "every desk's work in time order, which the scale engine does not keep; mine with "
    "--engine pandas for it."
)


@dataclass(frozen=True)
class EngineChoice:
    """The engine that mines a log and why (``reason`` is shown on standard error)."""

    engine: str
    reason: str | None = None


def pandas_only(
    *,
    columns: dict[str, str | None] | None = None,
    given: dict[str, bool] | None = None,
    by: str | None = None,
    show_ids: bool = False,
) -> list[str]:
    """The options, as typed, that only the pandas engine honours.

    Parameters
    ----------
    columns : dict, optional
        Column options (``case``, ``activity``, ...) and the names given;
        naming the canonical column itself changes nothing and is allowed.
    given : dict, optional
        Other options (``"--journey"``, ...) and whether each was given.
    by, show_ids
        A grouping by the case or staff column cannot be pseudonymised after
        mining, so it needs pandas unless ``show_ids``.

    Examples
    --------
    >>> pandas_only(columns={"case": "case:concept:name", "agency": "department"},
    ...             given={"--journey": True, "--feedback": False})
    ['--agency department', '--journey']
    >>> pandas_only(by="org:resource"), pandas_only(by="org:resource", show_ids=True)
    (['--by org:resource without --show-ids'], [])
    """
    out = [
        f"--{k} {v}"
        for k, v in (columns or {}).items()
        if v is not None and v != CANONICAL_COLUMNS[k]
    ]
    out += [name for name, on in (given or {}).items() if on]
    if by in (CANONICAL_COLUMNS["case"], CANONICAL_COLUMNS["resource"]) and not show_ids:
        out.append(f"--by {by} without --show-ids")
    return out


def choose_engine(
    source: str | os.PathLike[str], engine: str = "auto", *, refused: Sequence[str] = ()
) -> EngineChoice:
    """Which engine mines ``source`` (the rule: module docstring).

    Parameters
    ----------
    source : str or path
        LOG as given (a file, a folder or a glob).
    engine : {"auto", "pandas", "scale"}
        The ``--engine`` option.
    refused : sequence of str
        The options given that only pandas honours (:func:`pandas_only`).

    Raises
    ------
    journeys.errors.InputError
        With ``engine="scale"``: an option in ``refused``, or a log that is not
        Parquet with the canonical columns (one line naming the option, or the
        file and the missing column).
    """
    from journeys.errors import InputError

    if engine not in ENGINES:
        raise InputError(f"--engine: unknown engine {engine!r}; choose one of {', '.join(ENGINES)}")
    if engine == "pandas":
        return EngineChoice("pandas")
    if engine == "scale":
        if refused:
            raise InputError(
                f"{refused[0]}: the scale engine cannot honour this option; use --engine pandas"
            )
        _check_canonical(source)
        return EngineChoice("scale")
    files = _parquet_files(source)
    if files is None:
        return EngineChoice("pandas")
    unmarked = [f for f in files if not _marked(f)]
    if unmarked:
        return EngineChoice("pandas", f"{unmarked[0]} was not written by odsc convert")
    one = len(files) == 1 and Path(files[0]).as_posix() == Path(os.fspath(source)).as_posix()
    if one and os.path.getsize(files[0]) < SCALE_FILE_BYTES:
        return EngineChoice("pandas")
    if refused:
        return EngineChoice("pandas", f"{refused[0]} needs the pandas engine")
    return EngineChoice("scale", "Parquet written by odsc convert")


def scale_report(
    source: str | os.PathLike[str],
    *,
    fmt: str = "html",
    by: str | None = None,
    sla_minutes: float = 15,
    tz: str | None = None,
    show_ids: bool = False,
    key: str | None = None,
    progress: bool = False,
    parts: int | PartsRunner | None = None,
    memory_limit: str | None = None,
) -> str:
    """Mine canonical Parquet on the scale engine and render the report as text.

    The stages: check the log (its files, columns and size limits, without
    loading it), mine (:func:`analysis.scale.mine_source`, ``parts`` and
    ``memory_limit`` passed on), protect ids (:func:`pseudonymise_result`
    unless ``show_ids``), render (the renderers of :mod:`odsc.report_mine`).

    Raises
    ------
    analysis.schema.LogError
        A log the scale engine cannot read, a bad ``by``, ``tz`` or ``key``.
    """
    from analysis.log_sources import stored_set_aside
    from analysis.privacy import random_key
    from analysis.scale.mine import mine_source
    from odsc.mine_context import ReportMeta
    from odsc.mine_format import set_aside_note
    from odsc.report_mine import FORMATS, render_html, render_json, render_markdown

    check_report_options(fmt, key, FORMATS)
    stages = ["check the log", "mine at scale", "protect ids", "render"]
    bar = stage_bar(stages, progress=progress)
    try:
        bar.set_description(stages[0])
        files = _check_canonical(source)
        _check_size(source, by=by)
        bar.update()
        bar.set_description(stages[1])
        result = mine_source(
            source, by=by, sla_minutes=sla_minutes, tz=tz, memory_limit=memory_limit, parts=parts
        )
        aside = stored_set_aside(tuple(Path(f) for f in files))
        if aside:  # before the engine's own note, which stays last
            *notes, last = result.notes
            result = replace(result, notes=(*notes, set_aside_note(aside), last))
        bar.update()
        bar.set_description(stages[2])
        if not show_ids:
            result = pseudonymise_result(result, key=key or random_key())
        bar.update()
        bar.set_description(stages[3])
        meta = ReportMeta(
            source=Path(os.fspath(source)).name or os.fspath(source),
            pseudonymised=not show_ids,
            keyed=key is not None,
            tz=tz,
            causes_note=CAUSES_AT_SCALE,
        )
        renderers: dict[str, Callable[..., str]] = {
            "html": render_html,
            "md": render_markdown,
            "json": render_json,
        }
        text = renderers[fmt](result, meta=meta)
        bar.update()
    finally:
        bar.close()
    return text


def pseudonymise_result(result: MiningResult, *, key: str | bytes) -> MiningResult:
    """``result`` with its case ids and staff names replaced by keyed tokens.

    The tokens are those :func:`analysis.privacy.pseudonymise` gives the log
    the result was mined from: the same key gives the same pseudonyms, and the
    digits grow on a clash among the log's cases (all in ``case_kpis``) or
    staff (all in ``resources``) exactly as there. Only the per-case table,
    the staff workload and the staff handoffs hold ids; the row order is kept
    (both engines rank ties in the log's order, which pseudonyms do not change).

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.mining import mine
    >>> from analysis.privacy import pseudonymise
    >>> log = pd.DataFrame({"case:concept:name": ["A-17", "A-17", "B-02"],
    ...     "concept:name": ["a", "b", "a"], "org:resource": ["Somsack", "Vanh", "Somsack"],
    ...     "org:group": ["x", "y", "x"], "time:timestamp": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 09:00",
    ...                                       "2024-01-01 10:00"], utc=True)})
    >>> after = pseudonymise_result(mine(log, causes=False), key="district-7")
    >>> before = mine(pseudonymise(log, key="district-7"), causes=False)
    >>> list(after.case_kpis.index) == list(before.case_kpis.index)
    True
    >>> after.resources["resource"].tolist()
    ['clerk-3dbb', 'clerk-b83b']
    """
    from analysis.schema import CASE, RESOURCE

    cases = _tokens(result.case_kpis.index, CASE, key)
    kpis = result.case_kpis.rename(index=cases)
    resources = result.resources
    clerks: dict[Any, str] = {}
    if "resource" in resources.columns:
        clerks = _tokens(resources["resource"], RESOURCE, key)
        resources = resources.assign(resource=_mapped(resources["resource"], clerks))
    hand = result.resource_handoffs
    if len(hand) and clerks:
        hand = hand.assign(
            source=_mapped(hand["source"], clerks), target=_mapped(hand["target"], clerks)
        )
    return replace(result, case_kpis=kpis, resources=resources, resource_handoffs=hand)


# ----- helpers ---------------------------------------------------------------------------


def _tokens(values: Any, column: str, key: str | bytes) -> dict[Any, str]:
    """Each distinct value and its token, as :func:`analysis.privacy.pseudonymise` makes it."""
    import pandas as pd

    from analysis.privacy import pseudonymise

    distinct = pd.Series(pd.unique(pd.Series(values).dropna()), dtype=object)
    tokens = pseudonymise(pd.DataFrame({column: distinct}), key=key, columns=[column])[column]
    return dict(zip(distinct.tolist(), tokens.tolist(), strict=True))


def _mapped(values: Any, tokens: dict[Any, str]) -> Any:
    """Values replaced by their tokens, missing ones left missing (object dtype)."""
    return values.astype(object).map(lambda v: tokens.get(v, v))


def _parquet_files(source: str | os.PathLike[str]) -> tuple[str, ...] | None:
    """The Parquet files of ``source``, or ``None`` when it is no readable Parquet source."""
    from analysis.log_sources import resolve_source
    from analysis.scale.source import parquet_files
    from analysis.schema import LogError

    try:
        if resolve_source(source).kind != "parquet":
            return None
        return parquet_files(source)[0]
    except LogError:
        return None  # the pandas reader says what is wrong with it


def _marked(file: str) -> bool:
    """Whether ``odsc convert`` wrote the file (its schema metadata carries the mark)."""
    import pyarrow.parquet as pq

    from analysis.log_sources import META_KEY

    try:
        return META_KEY in (pq.read_schema(file).metadata or {})
    except Exception:  # an unreadable file is the reader's to report
        return False


def _check_canonical(source: str | os.PathLike[str]) -> tuple[str, ...]:
    """The files of a Parquet log with the canonical columns; else one line saying which not."""
    import pyarrow.parquet as pq

    from analysis.scale.source import parquet_files
    from analysis.schema import ACTIVITY, CASE, TIMESTAMP, LogError

    name = os.fspath(source)
    hint = f"run odsc convert {name} -o DIR first and mine DIR, or use --engine pandas"
    if _parquet_files(source) is None:
        if not any(ch in name for ch in "*?[") and not os.path.exists(name):
            raise LogError(f"{name}: no such file or folder")
        raise LogError(f"{name}: the scale engine reads Parquet only; {hint}")
    files = parquet_files(source)[0]
    for f in files:
        try:
            have = set(pq.read_schema(f).names)
        except Exception as exc:
            raise LogError(f"{f}: cannot read as Parquet ({str(exc).splitlines()[0]})") from None
        have |= {part.split("=", 1)[0] for part in Path(f).parent.parts if "=" in part}
        for col in (CASE, ACTIVITY, TIMESTAMP):
            if col not in have:
                raise LogError(
                    f"{f}: no column {col!r}: the scale engine reads canonical Parquet; {hint}"
                )
    return files


def _check_size(source: str | os.PathLike[str], *, by: str | None) -> None:
    """The limits of :mod:`odsc.limits` (activities, name lengths), checked in DuckDB."""
    from analysis.scale.source import open_log, quote
    from analysis.schema import ACTIVITY, LogError
    from odsc.limits import MAX_ACTIVITIES, MAX_NAME_CHARS, NAME_COLUMNS

    con, log = open_log(source)
    try:
        names = [c for c in (*NAME_COLUMNS, by) if c and c in log.columns]
        parts = [f"count(DISTINCT {quote(ACTIVITY)})"]
        parts += [f"max(length(CAST({quote(c)} AS VARCHAR)))" for c in names]
        row = con.execute(f"SELECT {', '.join(parts)} FROM log").fetchall()[0]
    finally:
        con.close()
    for col, longest in zip(names, row[1:], strict=True):
        if longest is not None and int(longest) > MAX_NAME_CHARS:
            raise LogError(
                f"{log.name}: {col} value of {int(longest):,} characters "
                f"(limit {MAX_NAME_CHARS:,} characters)"
            )
    if int(row[0]) > MAX_ACTIVITIES:
        raise LogError(
            f"{log.name}: {int(row[0]):,} distinct activities in column {ACTIVITY!r} "
            f"(limit {MAX_ACTIVITIES:,})"
        )
