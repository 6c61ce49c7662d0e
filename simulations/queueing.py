"""Closed forms of the M/M/c queue (Erlang C), the oracle of the simulation tests.

With Poisson arrivals at rate ``lam``, exponential service at rate ``mu`` per
desk and ``c`` desks, the offered load is ``a = lam / mu`` and the utilisation
``rho = a / c`` (must be below 1). The probability that a citizen has to wait is
Erlang's C formula

    C = [a^c / c! * c / (c - a)] / [sum_{k<c} a^k / k! + a^c / c! * c / (c - a)]

and the mean wait in the queue is ``Wq = C / (c * mu - lam)``. Time units are
whatever ``lam`` and ``mu`` use.

Examples
--------
>>> round(erlang_c_wait(10, 4, 3), 6)
0.351124
"""

from __future__ import annotations

from journeys.errors import InputError

__all__ = ["erlang_c", "erlang_c_wait"]


def _check(lam: float, mu: float, c: int) -> None:
    if not (lam > 0 and mu > 0):
        raise InputError(f"arrival and service rates must be > 0, got lam={lam}, mu={mu}")
    if isinstance(c, bool) or int(c) != c or c < 1:
        raise InputError(f"the number of desks must be a whole number >= 1, got {c!r}")
    if lam >= c * mu:
        raise InputError(f"unstable queue: lam={lam} >= c*mu={c * mu} (utilisation >= 1)")


def erlang_c(lam: float, mu: float, c: int) -> float:
    """Probability that an arriving citizen waits in an M/M/c queue (Erlang C).

    Computed through the Erlang B recursion ``B_k = a B_{k-1} / (k + a B_{k-1})``
    and ``C = c B_c / (c - a (1 - B_c))``: written out here because none of the
    project's libraries ships it, and because the recursion, unlike the
    textbook sum of ``a^k / k!``, neither overflows nor loses precision for
    large ``c``.

    Parameters
    ----------
    lam : float
        Arrival rate.
    mu : float
        Service rate of one desk.
    c : int
        Number of desks.

    Examples
    --------
    >>> erlang_c(5, 8, 1)  # one desk: the utilisation
    0.625
    >>> round(erlang_c(1, 1, 2), 6)
    0.333333
    >>> round(erlang_c(900, 1, 1000), 6) < 1
    True
    """
    _check(lam, mu, c)
    a = lam / mu
    b = 1.0
    for k in range(1, int(c) + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1.0 - b))


def erlang_c_wait(lam: float, mu: float, c: int) -> float:
    """Mean waiting time in the queue of an M/M/c system, ``Wq = C / (c mu - lam)``.

    Examples
    --------
    The reference cases of the design document, ``(lam, mu, c) -> Wq``:

    >>> for lam, mu, c in [(5, 8, 1), (1, 1, 2), (0.2, 0.1, 3),
    ...                    (10, 4, 3), (10, 4, 4), (9, 1, 10)]:
    ...     print(f"{erlang_c_wait(lam, mu, c):.6f}")
    0.208333
    0.333333
    4.444444
    0.351124
    0.053309
    0.668732
    """
    return erlang_c(lam, mu, c) / (c * mu - lam)
