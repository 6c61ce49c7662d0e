"""Service journeys: the model of a government service as a citizen lives it."""

from journeys.blueprint import blueprint
from journeys.bpmn_export import to_bpmn
from journeys.bpmn_import import from_bpmn
from journeys.catalog import catalog_names, load_catalog, resolve
from journeys.diff import diff
from journeys.display import journey_html, walk_html
from journeys.errors import JourneyError, Problem
from journeys.io import dumps, load, loads, save
from journeys.metrics import StaticMetrics, metrics_table, static_metrics
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
from journeys.prosimos import to_prosimos
from journeys.redesign import (
    Redesign,
    RedesignError,
    add_staff,
    appointments,
    digitize_handoffs,
    extend_hours,
    one_door,
)
from journeys.restructure import eliminate, merge, parallelize
from journeys.validate import validate
from journeys.walk import format_walk, walk_summary

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
    "Redesign",
    "RedesignError",
    "StaticMetrics",
    "Step",
    "Transition",
    "blueprint",
    "catalog_names",
    "dumps",
    "format_walk",
    "from_bpmn",
    "journey_html",
    "load",
    "load_catalog",
    "loads",
    "metrics_table",
    "resolve",
    "save",
    "static_metrics",
    "to_bpmn",
    "to_prosimos",
    "validate",
    "walk_html",
    "walk_summary",
    "add_staff",
    "appointments",
    "diff",
    "digitize_handoffs",
    "eliminate",
    "extend_hours",
    "merge",
    "one_door",
    "parallelize",
]
