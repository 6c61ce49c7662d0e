"""Discrete-event simulation of service journeys, and experiments built on it.

The engine (:func:`simulate`) runs citizens through a journey with SimPy and
returns an event log in the project's canonical schema; :mod:`simulations.rng`
gives every purpose its own random stream; :mod:`simulations.queueing` holds
the Erlang C closed forms the tests check the engine against. Experiments
(:mod:`simulations.experiments`) replicate scenarios (:func:`run`) and compare
a redesign against today's flow with common random numbers (:func:`compare`).
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
from simulations.queueing import erlang_c, erlang_c_wait
from simulations.rng import stream

__all__ = [
    "KPI_LABELS",
    "Comparison",
    "Experiment",
    "OpeningHours",
    "Scenario",
    "SimulationError",
    "SimulationResult",
    "always_open",
    "case_starts",
    "check_journey",
    "compare",
    "erlang_c",
    "erlang_c_wait",
    "mean_ci",
    "paired_comparison",
    "run",
    "simulate",
    "stream",
]
