"""One colour per agency, the same on every map of a service.

The fill of an agency's step boxes is keyed by the agency's id, not by its place
in a journey's list, so that the as-is and the one-door map of a service, drawn
apart, colour a shared agency alike. Rule: an agency's preferred colour is the
CRC-32 of its id modulo the palette's twelve colours; agencies are served in
the order of their ids and one whose colour is already taken on the same maps
takes the next free one. Colours repeat only beyond twelve agencies.

Two maps drawn apart can still differ when a colour collision is resolved
differently on each (an agency only one of them has takes another's preferred
colour); maps meant to be compared should share one mapping:
``agency_colors(before, after)`` colours the union of their agencies, and
:func:`journeys.blueprint.blueprint_pair` does so.

Examples
--------
>>> from journeys.catalog import load_catalog
>>> a, b = load_catalog("land-title"), load_catalog("land-title-one-door")
>>> both = agency_colors(a, b)
>>> all(both[s.agency] == agency_colors(b)[s.agency] for s in a.steps if s.agency != "odsc")
True
>>> len(set(both.values())) == len(both)
True
"""

from __future__ import annotations

import zlib

from journeys.model import Journey

__all__ = ["PALETTE", "agency_colors"]

#: Light fills that keep dark text readable: Paul Tol's "light" scheme, lightened,
#: and four more of the same lightness (no grey: grey reads as "unknown").
PALETTE: tuple[str, ...] = (
    "#BBD4EE", "#F6C3B2", "#F2EAC3", "#FFD4DD", "#CCEEFF", "#A1DDCC",
    "#DDE699", "#D5D580", "#E0CFEA", "#F7D9A8", "#C9E3B8", "#B8E0E0",
)  # fmt: skip


def agency_colors(*journeys: Journey) -> dict[str, str]:
    """A fill colour per agency id of the given journeys (see the module's rule).

    Parameters
    ----------
    *journeys : Journey
        The maps that must agree; their agencies (declared, or named by a step)
        are coloured together.

    Returns
    -------
    dict of str to str
        Agency id -> ``#RRGGBB``.

    Examples
    --------
    >>> from journeys.catalog import load_catalog
    >>> colors = agency_colors(load_catalog("business-licence"))
    >>> sorted(colors)[:2], colors["tax"] in PALETTE
    (['commerce', 'environment'], True)
    """
    ids = sorted({a.id for j in journeys for a in j.agencies}
                 | {s.agency for j in journeys for s in j.steps})  # fmt: skip
    taken: dict[int, str] = {}
    out: dict[str, str] = {}
    n = len(PALETTE)
    for i, agency in enumerate(ids):
        slot = zlib.crc32(agency.encode("utf-8")) % n
        if i < n:  # a free colour exists: probe for it
            while slot in taken:
                slot = (slot + 1) % n
        taken[slot] = agency
        out[agency] = PALETTE[slot]
    return out
