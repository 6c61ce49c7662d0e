"""Random streams of the simulation: one numpy generator per purpose.

Every source of randomness in a simulated run has a *purpose*, a short text:

* ``"arrivals"``: the number of citizens of each day and their arrival times;
* ``"appointments"``: which citizens hold an appointment;
* ``"duration:<step id>"``: the work times of one step;
* ``"routing:<step id>"``: the branch choices after one step;
* ``"delay:<from>-><to>"``: travel, transport or latency times of one transition.
* ``"backlog:<from>-><to>"``: a transition with a backlog: one probability per move, at
  which its transfer and its backlog are both drawn.

The generator of a purpose is seeded by ``numpy.random.SeedSequence`` over
``(seed, replication, crc32(purpose))``. The purpose is hashed with
:func:`zlib.crc32`, which (unlike :func:`hash`) is the same in every Python
process, so the same seed gives the same log byte for byte on every machine and
backend. Because every stream depends only on its own purpose, two scenarios
run with the same seed and replication see the same citizens arriving at the
same times, and a step keeps its work times when another step changes (common
random numbers).

Examples
--------
>>> a = stream(7, "arrivals").random(3)
>>> b = stream(7, "arrivals").random(3)
>>> bool((a == b).all())
True
>>> bool((stream(7, "arrivals", replication=1).random(3) == a).any())
False
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator

import numpy as np

from journeys.errors import InputError

__all__ = ["BLOCK", "draws", "purpose_key", "seed_sequence", "stream"]

#: How many numbers a stream draws at a time (see :func:`draws`). Part of what
#: makes a run reproducible: changing it changes which number goes to which event
#: for distributions that draw a variable count of raw numbers per sample.
BLOCK: int = 1024


def purpose_key(purpose: str) -> int:
    """A stable 32-bit key of a purpose text (CRC-32 of its UTF-8 bytes).

    Examples
    --------
    >>> purpose_key("arrivals")
    3612958146
    """
    return zlib.crc32(purpose.encode("utf-8"))


def seed_sequence(seed: int, purpose: str, *, replication: int = 0) -> np.random.SeedSequence:
    """The seed sequence of one purpose in one replication.

    Parameters
    ----------
    seed : int
        The experiment's seed, ``>= 0``.
    purpose : str
        What the numbers are for, e.g. ``"duration:submit"``.
    replication : int
        The replication number, ``>= 0``.

    Examples
    --------
    >>> seed_sequence(1, "routing:review", replication=2).entropy
    [1, 2, 2797916294]
    """
    for name, value in (("seed", seed), ("replication", replication)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
            raise InputError(f"{name} must be a whole number >= 0, got {value!r}")
    return np.random.SeedSequence([int(seed), int(replication), purpose_key(purpose)])


def stream(seed: int, purpose: str, *, replication: int = 0) -> np.random.Generator:
    """A numpy generator (PCG64) for one purpose of one replication.

    Examples
    --------
    >>> g = stream(1, "duration:submit")
    >>> round(float(g.exponential(10.0)), 6) == round(
    ...     float(stream(1, "duration:submit").exponential(10.0)), 6)
    True
    """
    return np.random.Generator(
        np.random.PCG64(seed_sequence(seed, purpose, replication=replication))
    )


def draws(sample: Callable[[int], np.ndarray], *, block: int = BLOCK) -> Iterator[float]:
    """An endless iterator of numbers drawn ``block`` at a time by ``sample(block)``.

    The engine asks for one number per event; drawing them in blocks and
    handing them out as Python floats keeps numpy's per-call overhead out of
    the event loop.

    Parameters
    ----------
    sample : callable
        ``sample(n)`` returns ``n`` numbers, e.g. ``lambda n: dist.sample(rng, n)``.
    block : int
        Numbers drawn per call.

    Examples
    --------
    >>> rng = stream(3, "routing:x")
    >>> it = draws(rng.random, block=4)
    >>> x = [next(it) for _ in range(6)]
    >>> rng2 = stream(3, "routing:x")
    >>> x == list(rng2.random(4)) + list(rng2.random(4)[:2])
    True
    """
    while True:
        yield from np.asarray(sample(block), dtype=float).tolist()
