"""The service-journey model: frozen value objects for one government service.

A :class:`Journey` is what a citizen lives through to obtain one service: the
agencies (silos) involved, the doors (physical offices) the citizen must visit,
the resource pools (desks) that serve them, the calendars those desks keep, the
arrival pattern of citizens, the steps, and the transitions between steps.

Conventions decided here (the design document is silent on them):

* All durations and delays are in **minutes**; fees and costs are in the
  journey's ``currency`` (``LAK`` by default).
* A step with ``split="xor"`` (the default) sends the case along exactly one of
  its outgoing transitions, chosen by their ``probability`` (which must sum
  to 1). A step with ``split="and"`` starts all of its outgoing transitions at
  once; their probabilities are ignored. A step with ``join="and"`` waits
  until every incoming branch has arrived.
* Steps without outgoing transitions are the ends of the journey.
* A transition's ``carrier`` says who moves the dossier to the next step:
  ``citizen`` (the citizen carries it: travel and a new queue, the silo
  handoff a one-door redesign removes), ``courier`` (inside government, at the
  next of ``batch_times``), ``digital`` (data exchange) or ``None`` (the next
  desk in the same office: no handoff).
* Mappings inside the objects (the arrival profiles, distribution parameters)
  are plain dicts so the objects pickle and compare cheaply; treat them as
  read-only. Transforms build new objects with :func:`dataclasses.replace`.

Examples
--------
>>> j = Journey.from_catalog("business-licence")
>>> j.start in j.step_ids
True
>>> j.graph().number_of_nodes() == len(j.steps)
True
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from journeys.charter import Charter

if TYPE_CHECKING:  # pragma: no cover
    import networkx as nx
    import numpy as np

__all__ = [
    "CARRIERS",
    "DISTRIBUTIONS",
    "WEEKDAYS",
    "Agency",
    "Arrivals",
    "Calendar",
    "Distribution",
    "Door",
    "Journey",
    "Pool",
    "Step",
    "Transition",
]

#: Who moves a dossier from one step to the next.
CARRIERS: tuple[str, ...] = ("citizen", "courier", "digital")

#: Weekday names as written in journey files, Monday first.
WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

#: Duration distributions and the parameters each one needs (all in minutes).
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "fixed": ("value",),
    "exponential": ("mean",),
    "lognormal": ("mean", "sd"),
    "gamma": ("mean", "sd"),
    "triangular": ("low", "mode", "high"),
    "uniform": ("low", "high"),
    "empirical": ("samples",),
}


@dataclass(frozen=True)
class Distribution:
    """A named duration distribution, in minutes.

    Parameters
    ----------
    dist : str
        One of :data:`DISTRIBUTIONS`: ``fixed`` (``value``), ``exponential``
        (``mean``), ``lognormal`` and ``gamma`` (``mean`` and ``sd``, of the
        duration itself, not of its logarithm), ``triangular`` (``low``,
        ``mode``, ``high``), ``uniform`` (``low``, ``high``) or ``empirical``
        (``samples``, a tuple of observed durations drawn with replacement).
    params : dict
        The parameters named above.

    Examples
    --------
    >>> d = Distribution("lognormal", {"mean": 30.0, "sd": 10.0})
    >>> d.mean
    30.0
    >>> Distribution("triangular", {"low": 5, "mode": 10, "high": 30}).mean
    15.0
    >>> import numpy as np
    >>> x = d.sample(np.random.default_rng(1), 20000)
    >>> bool(abs(x.mean() - 30) < 0.5)
    True
    """

    dist: str
    params: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def fixed(cls, value: float) -> Distribution:
        """A constant duration of ``value`` minutes.

        Examples
        --------
        >>> Distribution.fixed(5).mean
        5.0
        """
        return cls("fixed", {"value": float(value)})

    @property
    def mean(self) -> float:
        """The expected value in minutes."""
        p = self.params
        if self.dist == "fixed":
            return float(p["value"])
        if self.dist in ("exponential", "lognormal", "gamma"):
            return float(p["mean"])
        if self.dist == "triangular":
            return (float(p["low"]) + float(p["mode"]) + float(p["high"])) / 3.0
        if self.dist == "uniform":
            return (float(p["low"]) + float(p["high"])) / 2.0
        if self.dist == "empirical":
            s = p["samples"]
            return float(sum(s)) / len(s)
        raise ValueError(f"unknown distribution {self.dist!r}")

    def sample(self, rng: np.random.Generator, size: int | None = None) -> Any:
        """Draw durations (minutes) with the numpy generator ``rng``.

        Parameters
        ----------
        rng : numpy.random.Generator
            The stream to draw from; the caller owns the seed.
        size : int, optional
            How many; a single float when omitted.
        """
        import numpy as np

        p = self.params
        d = self.dist
        if d == "fixed":
            out = np.full(size if size is not None else 1, float(p["value"]))
        elif d == "exponential":
            out = rng.exponential(float(p["mean"]), size if size is not None else 1)
        elif d == "lognormal":
            m, s = float(p["mean"]), float(p["sd"])
            sigma2 = math.log1p((s / m) ** 2)
            mu = math.log(m) - sigma2 / 2.0
            out = rng.lognormal(mu, math.sqrt(sigma2), size if size is not None else 1)
        elif d == "gamma":
            m, s = float(p["mean"]), float(p["sd"])
            shape = (m / s) ** 2
            out = rng.gamma(shape, m / shape, size if size is not None else 1)
        elif d == "triangular":
            lo, mo, hi = float(p["low"]), float(p["mode"]), float(p["high"])
            if lo == hi:
                out = np.full(size if size is not None else 1, lo)
            else:
                out = rng.triangular(lo, mo, hi, size if size is not None else 1)
        elif d == "uniform":
            out = rng.uniform(float(p["low"]), float(p["high"]), size if size is not None else 1)
        elif d == "empirical":
            out = rng.choice(np.asarray(p["samples"], dtype=float), size if size is not None else 1)
        else:
            raise ValueError(f"unknown distribution {d!r}")
        return out if size is not None else float(out[0])

    def quantile(self, u: Any) -> Any:
        """The durations at probabilities ``u`` (the inverse of the distribution function).

        Drawing two distributions at the same ``u`` couples them (long with
        long): how the simulator draws a transition's transfer and backlog,
        which were measured together on the same handoffs.

        Examples
        --------
        >>> Distribution("uniform", {"low": 10, "high": 20}).quantile([0.0, 0.5])
        array([10., 15.])
        >>> Distribution("empirical", {"samples": (5, 1, 3)}).quantile([0.1, 0.5, 0.99])
        array([1., 3., 5.])
        >>> round(float(Distribution("exponential", {"mean": 10}).quantile(0.5)), 4)
        6.9315
        """
        import numpy as np

        u = np.clip(np.asarray(u, dtype=float), 0.0, 1.0 - 1e-12)
        p = self.params
        d = self.dist
        if d == "fixed":
            return np.full(u.shape, float(p["value"]))
        if d == "exponential":
            return -float(p["mean"]) * np.log1p(-u)
        if d == "uniform":
            lo, hi = float(p["low"]), float(p["high"])
            return lo + u * (hi - lo)
        if d == "empirical":
            x = np.sort(np.asarray(p["samples"], dtype=float))
            return x[np.minimum((u * len(x)).astype(int), len(x) - 1)]
        if d == "triangular":
            lo, mo, hi = float(p["low"]), float(p["mode"]), float(p["high"])
            if hi == lo:
                return np.full(u.shape, lo)
            cut = (mo - lo) / (hi - lo)
            left = lo + np.sqrt(u * (hi - lo) * (mo - lo))
            right = hi - np.sqrt((1 - u) * (hi - lo) * (hi - mo))
            return np.where(u < cut, left, right)
        from scipy import special, stats  # lazy: only coupled draws need it

        m, sd = float(p["mean"]), float(p["sd"])
        if d == "lognormal":
            sigma2 = math.log1p((sd / m) ** 2)
            return np.exp(math.log(m) - sigma2 / 2.0 + math.sqrt(sigma2) * special.ndtri(u))
        if d == "gamma":
            shape = (m / sd) ** 2
            return stats.gamma.ppf(u, shape, scale=m / shape)
        raise ValueError(f"unknown distribution {d!r}")

    def to_dict(self) -> dict[str, Any]:
        """The mapping written to a journey file."""
        out: dict[str, Any] = {"dist": self.dist}
        for k, v in self.params.items():
            out[k] = list(v) if isinstance(v, tuple) else v
        return out


@dataclass(frozen=True)
class Agency:
    """A government agency: one silo of the journey.

    Examples
    --------
    >>> Agency("tax", "District Tax Office").name
    'District Tax Office'
    """

    id: str
    name: str = ""


@dataclass(frozen=True)
class Door:
    """A physical office a citizen may have to visit.

    Parameters
    ----------
    id, name : str
    agency : str, optional
        The agency that runs the office (a one-door centre may host several).
    travel_minutes : float
        One-way travel time for a citizen to reach this door.
    travel_cost : float
        The citizen's travel cost for one visit (both ways), in the journey's currency.
    """

    id: str
    name: str = ""
    agency: str | None = None
    travel_minutes: float = 0.0
    travel_cost: float = 0.0


@dataclass(frozen=True)
class Calendar:
    """Opening hours, working days and holidays of a desk.

    Parameters
    ----------
    id : str
    hours : tuple of (str, str)
        Opening intervals as ``("HH:MM", "HH:MM")``; a lunch break is the gap
        between two intervals.
    days : tuple of str
        Working weekdays, from :data:`WEEKDAYS`.
    holidays : tuple of str
        Closed dates, ISO ``YYYY-MM-DD``.

    Examples
    --------
    >>> c = Calendar("office", (("08:00", "12:00"), ("13:00", "16:00")))
    >>> c.minutes_open_per_day
    420.0
    >>> c.intervals_minutes()
    ((480, 720), (780, 960))
    """

    id: str
    hours: tuple[tuple[str, str], ...] = (("08:00", "12:00"), ("13:00", "16:00"))
    days: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri")
    holidays: tuple[str, ...] = ()

    def intervals_minutes(self) -> tuple[tuple[int, int], ...]:
        """Opening intervals as minutes after midnight."""
        return tuple((_clock_minutes(a), _clock_minutes(b)) for a, b in self.hours)

    @property
    def minutes_open_per_day(self) -> float:
        """Minutes open on a working day."""
        return float(sum(b - a for a, b in self.intervals_minutes()))


@dataclass(frozen=True)
class Pool:
    """A resource pool: identical desks (clerks) that serve steps.

    Parameters
    ----------
    id, name : str
    capacity : int
        Number of desks working in parallel.
    calendar : str
        Id of the :class:`Calendar` the desks keep.
    cost_per_hour : float
        Staff cost of one desk for one open hour.
    agency : str, optional
        The agency the desks belong to.
    """

    id: str
    capacity: int = 1
    calendar: str = "office"
    cost_per_hour: float = 0.0
    name: str = ""
    agency: str | None = None


@dataclass(frozen=True)
class Arrivals:
    """How citizens arrive to start the journey.

    Parameters
    ----------
    per_day : float
        Mean number of new cases per working day.
    hourly : dict of int to float
        Relative arrival weights by hour of day (``{8: 3, 9: 4, ...}``);
        empty means uniform over the opening hours.
    weekday : dict of str to float
        Relative weights by weekday (``{"mon": 1.3, ...}``), 1 when missing.
    appointment_share : float
        Share of citizens who hold an appointment (served first).
    """

    per_day: float = 10.0
    hourly: dict[int, float] = field(default_factory=dict)
    weekday: dict[str, float] = field(default_factory=dict)
    appointment_share: float = 0.0


@dataclass(frozen=True)
class Step:
    """One step of the journey: work by one agency, maybe in front of the citizen.

    Parameters
    ----------
    id, name : str
    agency : str
        The agency (silo) doing the work.
    door : str, optional
        The office where the step happens when the citizen is there.
    pool : str, optional
        The desks that do the work; ``None`` means no queue (unlimited capacity).
    duration : Distribution
        Work time in minutes.
    fee : float
        Official fee paid at this step.
    documents : tuple of str
        Papers the citizen must bring to this step.
    citizen_present : bool
        The citizen must be there (a front-stage step, part of a visit).
    split, join : {"xor", "and"}
        Exclusive choice or parallel split; simple or synchronising join.
    stage : str
        A label grouping steps into journey stages (for maps), optional.
    """

    id: str
    agency: str
    duration: Distribution
    name: str = ""
    door: str | None = None
    pool: str | None = None
    fee: float = 0.0
    documents: tuple[str, ...] = ()
    citizen_present: bool = False
    split: Literal["xor", "and"] = "xor"
    join: Literal["xor", "and"] = "xor"
    stage: str = ""

    @property
    def label(self) -> str:
        """The name, or the id when there is none."""
        return self.name or self.id


@dataclass(frozen=True)
class Transition:
    """A move of the case from one step to the next.

    Parameters
    ----------
    source, target : str
        Step ids (``from`` and ``to`` in journey files).
    probability : float
        Branch probability out of an ``xor`` step.
    carrier : {"citizen", "courier", "digital"} or None
        Who moves the dossier; ``None`` for the next desk of the same office.
    delay : Distribution, optional
        Travel time (citizen), transport time (courier) or latency (digital).
    batch_times : tuple of str
        For a courier: the clock times (``"HH:MM"``) at which it leaves.
    backlog : Distribution, optional
        Time the dossier then waits at the receiving agency before its desk
        can take it up (work ahead of it, closed hours), on top of ``delay``.
        A calibrated journey splits a measured handoff delay into the
        transfer (``delay``: what data exchange removes) and this backlog
        (what only desks, hours or an agreed service standard shorten).
    """

    source: str
    target: str
    probability: float = 1.0
    carrier: str | None = None
    delay: Distribution | None = None
    batch_times: tuple[str, ...] = ()
    backlog: Distribution | None = None


@dataclass(frozen=True)
class Journey:
    """A service journey: who the citizen meets, where, in which order.

    Build one by hand, load it with :meth:`load` or :meth:`from_catalog`.
    Objects are immutable; every transform returns a new journey.

    Examples
    --------
    >>> j = Journey.from_catalog("business-licence")
    >>> j.step("submit").citizen_present
    True
    >>> sorted(j.successors(j.start)) != []
    True
    """

    id: str
    name: str
    start: str
    steps: tuple[Step, ...]
    transitions: tuple[Transition, ...]
    agencies: tuple[Agency, ...] = ()
    doors: tuple[Door, ...] = ()
    pools: tuple[Pool, ...] = ()
    calendars: tuple[Calendar, ...] = ()
    arrivals: Arrivals = field(default_factory=Arrivals)
    description: str = ""
    currency: str = "LAK"
    time_value_per_hour: float = 0.0
    #: The published service standard (:mod:`journeys.charter`), if any.
    charter: Charter | None = None

    # ----- look-ups -------------------------------------------------------
    @property
    def step_ids(self) -> tuple[str, ...]:
        """Step ids in file order."""
        return tuple(s.id for s in self.steps)

    def step(self, step_id: str) -> Step:
        """The step with this id (``KeyError`` when there is none)."""
        return _by_id(self.steps, step_id, "step")

    def agency(self, agency_id: str) -> Agency:
        """The agency with this id."""
        return _by_id(self.agencies, agency_id, "agency")

    def door(self, door_id: str) -> Door:
        """The door with this id."""
        return _by_id(self.doors, door_id, "door")

    def pool(self, pool_id: str) -> Pool:
        """The pool with this id."""
        return _by_id(self.pools, pool_id, "pool")

    def calendar(self, calendar_id: str) -> Calendar:
        """The calendar with this id."""
        return _by_id(self.calendars, calendar_id, "calendar")

    def successors(self, step_id: str) -> list[Transition]:
        """Outgoing transitions of a step, in file order."""
        return [t for t in self.transitions if t.source == step_id]

    def predecessors(self, step_id: str) -> list[Transition]:
        """Incoming transitions of a step, in file order."""
        return [t for t in self.transitions if t.target == step_id]

    @property
    def ends(self) -> tuple[str, ...]:
        """Steps without outgoing transitions."""
        sources = {t.source for t in self.transitions}
        return tuple(s.id for s in self.steps if s.id not in sources)

    # ----- views and persistence ------------------------------------------
    def graph(self) -> nx.DiGraph:
        """A networkx DiGraph view: nodes are step ids, edges transitions.

        Node attributes: ``step`` (the :class:`Step`) and its ``agency``,
        ``door``, ``citizen_present``; edge attributes: ``transition``,
        ``probability``, ``carrier``. The graph is a copy: changing it does not
        change the journey.

        Examples
        --------
        >>> g = Journey.from_catalog("business-licence").graph()
        >>> g.nodes["submit"]["citizen_present"]
        True
        """
        import networkx as nx

        g = nx.DiGraph(id=self.id, name=self.name, start=self.start)
        for s in self.steps:
            g.add_node(
                s.id, step=s, agency=s.agency, door=s.door, citizen_present=s.citizen_present
            )
        for t in self.transitions:
            g.add_edge(
                t.source, t.target, transition=t, probability=t.probability, carrier=t.carrier
            )
        return g

    def replace(self, **changes: Any) -> Journey:
        """A copy with some fields replaced (the input is unchanged)."""
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """The plain mapping written to a journey file (see :mod:`journeys.io`)."""
        from journeys.io import journey_to_dict

        return journey_to_dict(self)

    def to_yaml(self, path: Any = None) -> str:
        """YAML text of the journey; written to ``path`` when given."""
        from journeys.io import save

        return save(self, path)

    @classmethod
    def load(cls, path: Any) -> Journey:
        """Load and validate a journey file; see :func:`journeys.io.load`."""
        from journeys.io import load

        return load(path)

    @classmethod
    def from_catalog(cls, name: str) -> Journey:
        """Load a reference journey shipped with the package, by name.

        Examples
        --------
        >>> Journey.from_catalog("business-licence-one-door").id
        'business-licence-one-door'
        """
        from journeys.catalog import load_catalog

        return load_catalog(name)

    def walk(self, **kw: Any) -> Any:
        """The citizen's path as a table; see :func:`journeys.walk.walk` for the options.

        Examples
        --------
        >>> Journey.from_catalog("business-licence").walk()["step"].iloc[0]
        'village_cert'
        """
        from journeys.walk import walk

        return walk(self, **kw)

    def metrics(self) -> Any:
        """Exact expected TCV figures; see :func:`journeys.metrics.static_metrics`.

        Examples
        --------
        >>> Journey.from_catalog("business-licence").metrics().visits
        5.25
        """
        from journeys.metrics import static_metrics

        return static_metrics(self)

    def _repr_html_(self) -> str:
        from journeys.display import journey_html

        return journey_html(self)


def _by_id(items: Iterable[Any], key: str, what: str) -> Any:
    for it in items:
        if it.id == key:
            return it
    raise KeyError(f"no {what} {key!r}")


def _clock_minutes(text: str) -> int:
    """Minutes after midnight of ``"HH:MM"`` (``"24:00"`` allowed).

    >>> _clock_minutes("13:30")
    810
    """
    hh, mm = text.split(":")
    h, m = int(hh), int(mm)
    if not (0 <= h <= 24 and 0 <= m < 60 and (h < 24 or m == 0)) or len(mm) != 2:
        raise ValueError(f"not a clock time: {text!r}")
    return h * 60 + m


def _freeze_params(params: Mapping[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
