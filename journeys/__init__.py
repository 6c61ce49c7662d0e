"""Service journeys: the model of a government service as a citizen lives it."""

from journeys.blueprint import blueprint
from journeys.catalog import catalog_names, load_catalog, resolve
from journeys.errors import JourneyError, Problem
from journeys.io import dumps, load, loads, save
from journeys.model import (
    Agency,
    Arrivals,
    Calendar,
    Distribution,
    Door,
    Journey,
    Pool,
    Step,
    Transition,
)
from journeys.validate import validate

__all__ = [
    "Agency",
    "Arrivals",
    "Calendar",
    "Distribution",
    "Door",
    "Journey",
    "JourneyError",
    "Pool",
    "Problem",
    "Step",
    "Transition",
    "blueprint",
    "catalog_names",
    "dumps",
    "load",
    "load_catalog",
    "loads",
    "resolve",
    "save",
    "validate",
]
