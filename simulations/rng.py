"""Random streams of the simulation: one numpy generator per purpose.

Every source of randomness in a simulated run has a *purpose*, a short text:

* ``"arrivals"``: the number of citizens of each day and their arrival times;
* ``"appointments"``: which citizens hold an appointment;
* ``"duration:<step id>"``: the work times of one step;
* ``"routing:<step id>"``: the branch choices after one step;
* ``"delay:<from>-><to>"``: travel, transport or latency times of one transition.
* ``"backlog:<from>-><to>"``: a transition with a backlog: one probability per move, at
  which its transfer and its backlog are both drawn.

Inside a run, every draw that belongs to a citizen (work times, routing, delays
and backlogs) comes from that citizen's own substream of the purpose
(:class:`CitizenDraws`): the ``k``-th draw of purpose ``p`` by citizen ``i``
depends only on ``(seed, replication, p, i, k)``, never on the order in which
citizens happen to reach a step. So the same citizen takes the same branches,
is sent back the same number of times and needs the same work times in every
scenario (common random numbers that follow the citizen), even when a change of
desks lets other citizens overtake.

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
from array import array
from collections.abc import Callable, Iterator

import numpy as np

from journeys.errors import InputError

__all__ = [
    "BLOCK",
    "CITIZEN_BLOCK",
    "PER_CITIZEN",
    "CitizenDraws",
    "draws",
    "purpose_key",
    "seed_sequence",
    "stream",
]

#: How many numbers a stream draws at a time (see :func:`draws`). Part of what
#: makes a run reproducible: changing it changes which number goes to which event
#: for distributions that draw a variable count of raw numbers per sample.
BLOCK: int = 1024


#: Citizens whose substreams of one purpose are drawn together (see :class:`CitizenDraws`).
CITIZEN_BLOCK: int = 1024
#: Draws per citizen and purpose held in a block; a citizen needing more (a long
#: rework loop) gets a generator of its own for the rest.
PER_CITIZEN: int = 4


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


class CitizenDraws:
    """The draws of one purpose, one substream per citizen, drawn lazily in blocks.

    ``draws(i)`` returns the next number of citizen ``i``: the ``k``-th call for
    ``i`` gives a number that depends only on ``(seed, replication, purpose,
    i, k)``. Numbers are made :data:`CITIZEN_BLOCK` citizens at a time: block
    ``b`` is ``sample(generator, CITIZEN_BLOCK * PER_CITIZEN)`` of the generator
    seeded by ``SeedSequence([seed, replication, purpose key, b])``, citizen
    ``i`` owning :data:`PER_CITIZEN` consecutive numbers of block ``i //
    CITIZEN_BLOCK``; beyond them, ``SeedSequence([seed, replication, purpose
    key, b, i])`` seeds the citizen's own generator. One generator per citizen
    would cost tens of microseconds per citizen and purpose; blocks cost one
    numpy call per thousand citizens, and a counter and an array lookup per draw.

    Parameters
    ----------
    sample : callable
        ``sample(generator, n)`` returns ``n`` numbers, e.g.
        ``lambda g, n: dist.sample(g, n)``.
    seed, purpose, replication
        As for :func:`stream`.

    Examples
    --------
    >>> a = CitizenDraws(lambda g, n: g.random(n), 1, "routing:x")
    >>> b = CitizenDraws(lambda g, n: g.random(n), 1, "routing:x")
    >>> first = [a(5), a(5), a(2000)]
    >>> [b(2000), b(5)] == [first[2], first[0]]  # the order of citizens does not matter
    True
    >>> x = [a(7) for _ in range(6)]  # past PER_CITIZEN draws: the citizen's own generator
    >>> x == [b(7) for _ in range(6)], len(set(x))
    (True, 6)
    """

    __slots__ = ("_sample", "_entropy", "_blocks", "_used", "_own")

    def __init__(
        self,
        sample: Callable[[np.random.Generator, int], np.ndarray],
        seed: int,
        purpose: str,
        *,
        replication: int = 0,
    ) -> None:
        self._sample = sample
        self._entropy = seed_sequence(seed, purpose, replication=replication).entropy
        self._blocks: dict[int, array] = {}
        self._used = array("i")  # draws made so far, per citizen
        self._own: dict[int, Iterator[float]] = {}

    def __call__(self, citizen: int) -> float:
        used = self._used
        if citizen >= len(used):
            used.frombytes(bytes(used.itemsize * (citizen + CITIZEN_BLOCK - len(used))))
        k = used[citizen]
        used[citizen] = k + 1
        if k < PER_CITIZEN:
            b = citizen // CITIZEN_BLOCK
            block = self._blocks.get(b)
            if block is None:
                block = self._block(b)
            return block[(citizen - b * CITIZEN_BLOCK) * PER_CITIZEN + k]
        own = self._own.get(citizen)
        if own is None:
            entropy = [*self._entropy, citizen // CITIZEN_BLOCK, citizen]
            g = np.random.Generator(np.random.PCG64(np.random.SeedSequence(entropy)))
            own = self._own[citizen] = draws(lambda n, g=g: self._sample(g, n), block=16)
        return next(own)

    def _block(self, b: int) -> array:
        g = np.random.Generator(np.random.PCG64(np.random.SeedSequence([*self._entropy, b])))
        x = np.asarray(self._sample(g, CITIZEN_BLOCK * PER_CITIZEN), dtype=float)
        # a compact array of doubles whose items are Python floats (fast to index)
        block = self._blocks[b] = array("d", x.tobytes())
        return block
