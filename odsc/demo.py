"""The demo: the project's main job on the built-in business-licence example.

It walks the catalogue's as-is business licence, draws the service
blueprints of the as-is and one-door journeys, and writes their exact TCV
figures side by side, all under one output folder.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

__all__ = ["run_demo"]

AS_IS = "business-licence"
TO_BE = "business-licence-one-door"


def run_demo(out_dir: str | Path, *, seed: int = 1) -> Iterator[str]:
    """Run the demo into ``out_dir``, yielding one line of terminal summary at a time.

    Parameters
    ----------
    out_dir : path
        Folder for the outputs; created when missing.
    seed : int
        Seed for everything random in the demo.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     lines = list(run_demo(d))
    ...     sorted(p.name for p in Path(d).iterdir())
    ['blueprint-as-is.png', 'blueprint-one-door.png', 'metrics.md', 'walk.txt']
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from journeys.blueprint import blueprint
    from journeys.catalog import load_catalog
    from journeys.metrics import metrics_table, static_metrics
    from journeys.walk import format_walk, walk

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    as_is, to_be = load_catalog(AS_IS), load_catalog(TO_BE)

    text = format_walk(walk(as_is), journey=as_is)
    (out / "walk.txt").write_text(text + "\n", encoding="utf-8")
    yield text
    yield ""

    for j, name in ((as_is, "blueprint-as-is.png"), (to_be, "blueprint-one-door.png")):
        ax = blueprint(j)
        ax.figure.savefig(out / name, dpi=150, bbox_inches="tight")
        plt.close(ax.figure)

    table = metrics_table(as_is, to_be)
    (out / "metrics.md").write_text(table.to_markdown() + "\n", encoding="utf-8")
    before, after = static_metrics(as_is), static_metrics(to_be)
    yield f"Exact expected TCV, {as_is.name} -> {to_be.name}:"
    yield f"  visits to offices   {before.visits:6.2f} -> {after.visits:6.2f}"
    yield (
        f"  citizen cost        {before.citizen_cost:>12,.0f} -> {after.citizen_cost:>12,.0f}"
        f" {as_is.currency}"
    )
    yield f"Wrote the walk, two blueprints and the TCV table to {out}/"
