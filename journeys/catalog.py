"""The catalogue of reference journeys shipped with the package.

Each reference journey is a YAML file in ``journeys/catalog/``; its name is the
file name without ``.yaml``. As-is journeys are named by service
(``business-licence``), their hand-written one-door redesigns carry the suffix
``-one-door``.

Examples
--------
>>> "business-licence" in catalog_names()
True
>>> load_catalog("business-licence").id
'business-licence'
"""

from __future__ import annotations

from importlib import resources

from journeys.errors import JourneyError, Problem
from journeys.model import Journey

__all__ = ["catalog_names", "catalog_text", "load_catalog", "resolve"]


def catalog_names() -> list[str]:
    """Names of the reference journeys, sorted."""
    root = resources.files("journeys") / "catalog"
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".yaml"))


def catalog_text(name: str) -> str:
    """The YAML text of a reference journey, comments included."""
    if name not in catalog_names():
        known = ", ".join(catalog_names())
        raise JourneyError(
            [Problem("", f"no such journey file or catalogue name (catalogue: {known})")], name
        )
    return (resources.files("journeys") / "catalog" / f"{name}.yaml").read_text(encoding="utf-8")


def load_catalog(name: str) -> Journey:
    """Load a reference journey by name."""
    from journeys.io import loads

    return loads(catalog_text(name), source=f"catalogue:{name}")


def resolve(spec: str) -> Journey:
    """A journey from a file path or, failing that, a catalogue name.

    This is how every command-line argument naming a journey is read.

    Examples
    --------
    >>> resolve("family-book").id
    'family-book'
    """
    from pathlib import Path

    from journeys.io import load

    if Path(spec).exists() or spec.endswith((".yaml", ".yml")) or "/" in spec:
        return load(spec)
    return load_catalog(spec)
