"""``odsc journey ...``: list, validate, show, walk, measure and draw service journeys.

A JOURNEY argument is a file path (``my-service.yaml``) or the name of a
reference journey of the catalogue (``odsc journey list``).
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from odsc.cli_common import OneLineGroup, user_errors

__all__ = ["COMMANDS", "journey"]

_IMAGE_TYPES = {".png": "png", ".svg": "svg", ".pdf": "pdf"}
_JOURNEY_HELP = "JOURNEY is a journey YAML file or a catalogue name (see `odsc journey list`)."


@click.group(cls=OneLineGroup)
def journey() -> None:
    """Service journeys: list, validate, show, walk, metrics, plot, tcv, export, import.

    JOURNEY is a journey YAML file or a catalogue name (see `odsc journey list`).
    """


@journey.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
@user_errors
def list_(as_json: bool) -> None:
    """List the reference journeys shipped with odsc."""
    from journeys.catalog import catalog_names, load_catalog

    rows = []
    for name in catalog_names():
        j = load_catalog(name)
        rows.append({"name": name, "title": j.name, "steps": len(j.steps), "doors": len(j.doors)})
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    from tabulate import tabulate

    click.echo(tabulate([(r["name"], r["title"]) for r in rows], tablefmt="plain"))


@journey.command()
@click.argument("journeys", nargs=-1, required=True, metavar="JOURNEY...")
@user_errors
def validate(journeys: tuple[str, ...]) -> None:
    """Check journey files; print every problem with the field it is in.

    Exits with status 2 when any file has a problem.
    """
    from journeys.catalog import resolve
    from journeys.errors import JourneyError

    failed: list[JourneyError] = []
    for spec in journeys:
        try:
            j = resolve(spec)
        except JourneyError as e:
            failed.append(e)
            continue
        click.echo(f"{spec}: valid ({len(j.steps)} steps, {len(j.agencies)} agencies)")
    if failed:
        raise JourneyError([p for e in failed for p in _sourced(e)])


def _sourced(err):  # type: ignore[no-untyped-def]
    """Problems of ``err`` with its file name folded into each path."""
    from journeys.errors import Problem

    prefix = f"{err.source}: " if err.source else ""
    return [Problem("", f"{prefix}{p}") for p in err.problems]


@journey.command()
@click.argument("spec", metavar="JOURNEY")
@user_errors
def show(spec: str) -> None:
    """Print a journey in canonical YAML (after validation)."""
    from journeys.catalog import resolve
    from journeys.io import dumps

    click.echo(dumps(resolve(spec)), nl=False)


@journey.command()
@click.argument("spec", metavar="JOURNEY")
@click.option("--path", "path", default=None, help="Walk this path: step ids separated by commas.")
@click.option("--seed", type=int, default=None, help="Walk a path sampled with this seed.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON records for machines.")
@user_errors
def walk(spec: str, path: str | None, seed: int | None, as_json: bool) -> None:
    """Walk the citizen's journey step by step: offices, queues, papers, fees, visits.

    Without options, the most likely path; --path a,b,c walks a given path; --seed N
    walks a path sampled with that seed.
    """
    from journeys.catalog import resolve
    from journeys.walk import format_walk
    from journeys.walk import walk as walk_journey
    from odsc.cli_common import check_number

    check_number("--seed", seed, low=0)
    j = resolve(spec)
    steps = [s.strip() for s in path.split(",") if s.strip()] if path else None
    how = "sample" if seed is not None and steps is None else "likely"
    df = walk_journey(j, path=steps, how=how, seed=seed)
    if as_json:
        click.echo(df.to_json(orient="records", indent=2))
    else:
        click.echo(format_walk(df, journey=j))


@journey.command()
@click.argument("specs", nargs=-1, required=True, metavar="JOURNEY...")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
@user_errors
def metrics(specs: tuple[str, ...], as_json: bool) -> None:
    """Exact expected TCV figures (time, cost, visits) of one or more journeys.

    Computed from the model under its branch and rework probabilities, not by
    simulation. Give several journeys to compare them side by side.
    """
    from journeys.catalog import resolve
    from journeys.metrics import metrics_table, static_metrics

    js = [resolve(s) for s in specs]
    if as_json:
        click.echo(json.dumps({j.id: static_metrics(j).to_dict() for j in js}, indent=2))
        return
    table = metrics_table(*js)
    money = table.index.str.contains(r"\(LAK\)|cost", case=False, regex=True)
    shown = table.astype(object)
    for col in table.columns:
        shown[col] = [
            f"{v:,.0f}" if is_money else f"{v:,.2f}" for v, is_money in zip(table[col], money)
        ]
    click.echo(shown.to_string())


@journey.command()
@click.argument("spec", metavar="JOURNEY")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Image file to write: .png, .svg or .pdf (the extension decides).",
)
@click.option("--dpi", type=int, default=150, show_default=True, help="Resolution of a PNG.")
@click.option(
    "--size",
    type=click.Choice(["auto", "slide"]),
    default="auto",
    show_default=True,
    help="auto: as wide as the journey; slide: a 16:9 slide (13.33 x 7.5 in) with all text "
    "at 10 pt or more, a wide journey split over rows.",
)
@user_errors
def plot(spec: str, output: str, dpi: int, size: str) -> None:
    """Draw the journey as a service blueprint (swimlanes, visits, pain points).

    Agencies keep one colour on every map of a service; the ruler under the stages
    gives the median days elapsed; counter queues are wait points with their minutes.
    """
    import io

    from journeys.catalog import resolve
    from journeys.errors import InputError
    from odsc.cli_common import check_number
    from odsc.files import check_output, write_atomic
    from odsc.limits import MAX_DPI

    out = Path(output)
    if out.suffix.lower() not in _IMAGE_TYPES:
        raise InputError(f"{output}: unsupported image type (use .png, .svg or .pdf)")
    kind = check_output(out, _IMAGE_TYPES, inputs=[spec])
    check_number("--dpi", dpi, low=1, high=MAX_DPI, why="print quality")
    j = resolve(spec)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from journeys.blueprint import blueprint

    ax = blueprint(j, size=size)  # type: ignore[arg-type]
    buf = io.BytesIO()
    try:
        # a slide keeps its 16:9 page; the other map is cropped to what is drawn
        tight = None if size == "slide" else "tight"
        ax.figure.savefig(buf, format=kind, dpi=dpi, bbox_inches=tight)
    finally:
        plt.close(ax.figure)
    write_atomic(out, buf.getvalue())
    click.echo(f"wrote {out}")


COMMANDS = [journey]
