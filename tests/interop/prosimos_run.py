"""Run Prosimos on an exported journey; executed by the Python of the Prosimos venv.

Usage: ``python prosimos_run.py MODEL.bpmn PARAMS.json ARRIVALS.json START SEED LOG.csv``
where ARRIVALS.json lists the case arrival times (ISO date-times), so that Prosimos
sees the same citizens as our engine. Prosimos moves START to the next opening of its
arrival calendar; the arrivals are given to it as seconds after that. Prosimos has no
seed of its own: it draws through numpy's and Python's global generators, seeded here.
Prosimos' ``run_simulation`` does not write the log of fixed arrival times, so its
set-up is repeated here and the log written once the run ends.
"""

from __future__ import annotations

import json
import sys


def main(argv: list[str]) -> None:
    import csv
    import random

    import numpy as np
    from prosimos.simulation_engine import run_simpy_simulation
    from prosimos.simulation_properties_parser import parse_datetime
    from prosimos.simulation_setup import SimDiffSetup

    model, params, arrivals, start, seed, log = argv
    with open(arrivals, encoding="utf-8") as f:
        times = json.load(f)
    np.random.seed(int(seed))  # noqa: NPY002 -- Prosimos draws from the global generator
    random.seed(int(seed))
    setup = SimDiffSetup(model, params, False, len(times))
    setup.set_starting_datetime(parse_datetime(start, True))
    origin = setup.start_datetime
    times = [(parse_datetime(t, True) - origin).total_seconds() for t in times]
    with open(log, "w", newline="", encoding="utf-8") as f:
        env = run_simpy_simulation(setup, None, csv.writer(f), times)
        env.log_writer.force_write()


if __name__ == "__main__":
    main(sys.argv[1:])
