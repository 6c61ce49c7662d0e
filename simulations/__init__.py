"""Discrete-event simulation of service journeys, and experiments built on it.

The engine (:func:`simulate`) runs citizens through a journey with SimPy and
returns an event log in the project's canonical schema; :mod:`simulations.rng`
gives every purpose its own random stream; :mod:`simulations.queueing` holds
the Erlang C closed forms the tests check the engine against. Experiments
(:mod:`simulations.experiments`) replicate scenarios (:func:`run`) and compare
a redesign against today's flow with common random numbers (:func:`compare`).
:func:`optimize_staffing` finds the cheapest desks and hours that meet a service
standard (:mod:`simulations.optimize`); :func:`simulations.sweep.sweep` shows how far a
design holds as demand, desks or courier runs change.
"""

from simulations.arrivals import case_starts
from simulations.calendar import OpeningHours, always_open
from simulations.checks import check_journey
from simulations.engine import SimulationError, SimulationResult, simulate
from simulations.experiments import (
    KPI_LABELS,
    Comparison,
    Experiment,
    Scenario,
    compare,
    mean_ci,
    paired_comparison,
    run,
)
from simulations.optimize import StaffingPlan, optimize_staffing
from simulations.probes import Standard, parse_standard
from simulations.queueing import erlang_c, erlang_c_wait
from simulations.rng import stream
from simulations.sweep import Sweep

__all__ = [
    "KPI_LABELS",
    "Comparison",
    "Experiment",
    "OpeningHours",
    "Scenario",
    "SimulationError",
    "SimulationResult",
    "StaffingPlan",
    "Standard",
    "Sweep",
    "always_open",
    "case_starts",
    "check_journey",
    "compare",
    "erlang_c",
    "erlang_c_wait",
    "mean_ci",
    "optimize_staffing",
    "paired_comparison",
    "parse_standard",
    "run",
    "simulate",
    "stream",
]
