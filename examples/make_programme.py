"""Make the synthetic national programme ``examples/centres.yaml``: 73 district centres.

Lao PDR reported 73 One-Door-Service Centres; this manifest gives each a model
to simulate, made up from the catalogue's reference journeys with seeded
variation, so that ``odsc programme`` has a national-sized example that runs
anywhere. It is **synthetic**: the centres are named by the provinces but
numbered, not real district offices, and their demand and desks are drawn, not
measured. A real programme lists each centre's calibrated model (a journey file
written by ``odsc calibrate`` from that centre's log) in the same format.

Rules of the draw, per centre ``k`` (one ``numpy`` generator seeded by ``--seed``):

* the service is the catalogue's business licence, family book or land title,
  in turn, with its one-door redesign as the centre's ``to_be``;
* demand is the journey's arrivals a day times a lognormal factor (median 1,
  sd of the log 0.35), clipped to 0.5 to 2.0 and rounded to 0.1;
* every pool's desks scale with that factor (rounded, at least the journey's
  minus one and at least 1), in the as-is journey and in its redesign, so a
  busy centre has more desks, but not always enough.

Made with (the same seed gives the same file)::

    python examples/make_programme.py --seed 13 -o examples/centres.yaml
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

__all__ = ["PROVINCES", "SERVICES", "make_manifest", "main"]

#: The 18 provinces of Lao PDR (Vientiane Capital first), with a short code.
PROVINCES: tuple[tuple[str, str], ...] = (
    ("vte", "Vientiane Capital"), ("psl", "Phongsaly"), ("lnt", "Luang Namtha"),
    ("odx", "Oudomxay"), ("bok", "Bokeo"), ("lpb", "Luang Prabang"), ("hph", "Houaphanh"),
    ("xyb", "Xayaboury"), ("xkh", "Xiengkhouang"), ("vtp", "Vientiane Province"),
    ("blx", "Bolikhamxay"), ("kmn", "Khammouane"), ("svk", "Savannakhet"), ("slv", "Salavan"),
    ("sek", "Sekong"), ("cps", "Champasak"), ("atp", "Attapeu"), ("xsb", "Xaisomboun"),
)  # fmt: skip
#: The catalogue services drawn in turn, each with its one-door redesign.
SERVICES: tuple[tuple[str, str], ...] = (
    ("business-licence", "business-licence-one-door"),
    ("family-book", "family-book-one-door"),
    ("land-title", "land-title-one-door"),
)


def _desks(journey, factor: float) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {p.id: max(1, p.capacity - 1, round(p.capacity * factor)) for p in journey.pools}


def make_manifest(centres: int = 73, *, seed: int = 13) -> str:
    """The manifest's YAML text (see the module docstring for the rules).

    Examples
    --------
    >>> text = make_manifest(4, seed=1)
    >>> text.count("- id:"), "journey: family-book" in text
    (4, True)
    """
    from journeys import load_catalog
    from journeys.safe_yaml import dump_yaml

    rng = np.random.default_rng(seed)
    loaded = {n: load_catalog(n) for pair in SERVICES for n in pair}
    rows = []
    for k in range(centres):
        code, province = PROVINCES[k % len(PROVINCES)]
        number = k // len(PROVINCES) + 1
        as_is, to_be = SERVICES[k % len(SERVICES)]
        factor = float(np.clip(rng.lognormal(0.0, 0.35), 0.5, 2.0))
        base = loaded[as_is]
        rows.append({
            "id": f"{code}-{number:02d}",
            "name": f"{province} ODSC {number} (synthetic)",
            "journey": as_is,
            "arrivals_per_day": round(base.arrivals.per_day * factor, 1) or 0.1,
            "desks": _desks(base, factor),
            "to_be": to_be,
            "to_be_desks": _desks(loaded[to_be], factor),
        })  # fmt: skip
    head = (
        f"# A SYNTHETIC national programme of {centres} district One-Door-Service Centres, made by\n"
        f"# examples/make_programme.py --seed {seed}: services from the catalogue, demand and\n"
        "# desks drawn per centre. Not real centres: a real programme lists each centre's\n"
        "# calibrated model (odsc calibrate) the same way.\n"
    )
    return head + dump_yaml({"programme": "District ODSCs of Lao PDR (synthetic example)",
                             "centres": rows})  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    """Command line: ``--centres``, ``--seed``, ``-o``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--centres", type=int, default=73)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("-o", "--output", default="examples/centres.yaml")
    a = ap.parse_args(argv)
    Path(a.output).write_text(make_manifest(a.centres, seed=a.seed), encoding="utf-8")
    print(f"wrote {a.output} ({a.centres} centres)")


if __name__ == "__main__":
    main()
