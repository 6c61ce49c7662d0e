"""A journey as a BPMN 2.0 process model, with BPSim parameters and a diagram.

:func:`to_bpmn` writes one BPMN 2.0 ``definitions`` document that modellers
(bpmn.io, Camunda Modeler, Signavio) open and simulators (Prosimos, BPSim
tools) read:

* a **task** per step, in a **lane** per agency (one pool, the service);
* **exclusive gateways** for branches and rework loops, the probability of
  each branch as a BPSim 2.0 ``ControlParameters/Probability`` of its sequence
  flow (inside a ``relationship`` of type ``BPSimData``, as BPSim defines),
  and in the flow's name (``80%``) for people reading the diagram;
* **parallel gateways** for and-splits and and-joins;
* a **timer intermediate catch event** on every handoff that takes time (the
  citizen carrying papers, a courier, a slow data exchange), its duration the
  mean delay (ISO 8601, ``PT90M``);
* a **BPMNDI** diagram laid out by :mod:`journeys.bpmn_layout`: lanes stacked,
  left to right by topological rank, every edge with waypoints.

What BPMN has no element for travels in extension elements of the namespace
:data:`ODSC_NS`, so that :func:`journeys.bpmn_import.from_bpmn` gets the
journey back: on each task the step's id, door, pool, fee, documents, stage,
whether the citizen is present and its duration distribution; on each timer
the carrier, the delay and backlog distributions and courier batch times; on
each lane the agency; on the process the doors, pools, calendars, arrivals and
money settings (as YAML text of the journey file's sections). Other tools
ignore them (the BPMN schema lets any foreign element sit in
``extensionElements``). BPSim also gets each task's processing time, in
minutes (``baseTimeUnit="min"``).

Element ids are ``Task_<step id>`` when the step id is plain ASCII, and
``Task_<n>`` otherwise (the step id is kept in the extension), so that every
id is a valid XML ID in every XML library.

Examples
--------
>>> from journeys.model import Journey
>>> xml = to_bpmn(Journey.from_catalog("family-book-one-door"))
>>> xml[:38]
b"<?xml version='1.0' encoding='UTF-8'?>"
>>> b"parallelGateway" in xml and b"BPMNShape" in xml
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from journeys.model import Distribution, Journey, Transition

__all__ = [
    "BPMN_NS",
    "BPMNDI_NS",
    "BPSIM_NS",
    "DC_NS",
    "DI_NS",
    "ODSC_NS",
    "XSI_NS",
    "Flow",
    "Node",
    "ProcessGraph",
    "process_graph",
    "to_bpmn",
]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
DC_NS = "http://www.omg.org/spec/DD/20100524/DC"
DI_NS = "http://www.omg.org/spec/DD/20100524/DI"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
BPSIM_NS = "http://www.bpsim.org/schemas/2.0"
#: The namespace of this project's extension elements.
ODSC_NS = "urn:odsc-journeys:bpmn:1"

_NSMAP = {
    "bpmn": BPMN_NS,
    "bpmndi": BPMNDI_NS,
    "dc": DC_NS,
    "di": DI_NS,
    "xsi": XSI_NS,
    "bpsim": BPSIM_NS,
    "odsc": ODSC_NS,
}

_CARRIER_LABEL = {
    "citizen": "Citizen carries the papers",
    "courier": "Courier",
    "digital": "Data exchange",
    None: "Transfer",
}


@dataclass(frozen=True)
class Node:
    """One BPMN flow node of the exported process.

    ``kind`` is a BPMN element name (``task``, ``startEvent``, ``endEvent``,
    ``exclusiveGateway``, ``parallelGateway``, ``intermediateCatchEvent``);
    ``lane`` the agency id whose lane holds it; ``step`` the journey step it
    stands for or belongs to; ``transition`` the handoff a timer stands for.
    """

    id: str
    kind: str
    name: str
    lane: str
    step: str | None = None
    transition: int | None = None
    direction: str = ""


@dataclass(frozen=True)
class Flow:
    """A sequence flow; ``probability`` is set on the branches of an exclusive split."""

    id: str
    source: str
    target: str
    name: str = ""
    probability: float | None = None


@dataclass(frozen=True)
class ProcessGraph:
    """The nodes and flows of a journey's BPMN process, before they become XML."""

    nodes: tuple[Node, ...]
    flows: tuple[Flow, ...]
    lanes: tuple[str, ...]
    task_of: dict[str, str] = field(default_factory=dict)

    def node(self, node_id: str) -> Node:
        """The node with this id."""
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)


def _id_part(text: str, fallback: str) -> str:
    return text if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", text) else fallback


def _percent(p: float) -> str:
    """A branch probability as people read it on a diagram.

    >>> _percent(0.8), _percent(0.125), _percent(0.001)
    ('80%', '12.5%', '0.1%')
    """
    return f"{p * 100:.3g}%"


def process_graph(journey: Journey) -> ProcessGraph:
    """The BPMN nodes and flows of ``journey`` (see the module notes for the rules).

    A step with several incoming transitions is entered through a converging
    gateway (parallel for ``join: and``, exclusive otherwise; the start step
    counts the start event as one more incoming flow); a step with several
    outgoing transitions leaves through a diverging gateway of its ``split``;
    an end step flows into its own end event.

    Examples
    --------
    >>> from journeys.model import Journey
    >>> g = process_graph(Journey.from_catalog("business-licence"))
    >>> sorted({n.kind for n in g.nodes})  # doctest: +NORMALIZE_WHITESPACE
    ['endEvent', 'exclusiveGateway', 'intermediateCatchEvent', 'startEvent', 'task']
    >>> [f.name for f in g.flows if f.probability is not None][:2]
    ['20%', '80%']
    """
    nodes: list[Node] = []
    flows: list[Flow] = []
    task_of: dict[str, str] = {}
    for i, s in enumerate(journey.steps, 1):
        task_of[s.id] = f"Task_{_id_part(s.id, str(i))}"
    lanes = tuple(dict.fromkeys(s.agency for s in journey.steps))
    entry: dict[str, str] = {}
    exit_: dict[str, str] = {}
    counter = {"flow": 0}

    def flow(src: str, tgt: str, name: str = "", p: float | None = None) -> None:
        counter["flow"] += 1
        flows.append(Flow(f"Flow_{counter['flow']}", src, tgt, name, p))

    start_lane = journey.step(journey.start).agency
    nodes.append(Node("StartEvent_1", "startEvent", "Application", start_lane, journey.start))
    for s in journey.steps:
        t = task_of[s.id]
        nodes.append(Node(t, "task", s.label, s.agency, s.id))
        n_in = len(journey.predecessors(s.id)) + (1 if s.id == journey.start else 0)
        if n_in > 1:
            kind = "parallelGateway" if s.join == "and" else "exclusiveGateway"
            gw = f"Join_{t[5:]}"
            nodes.append(Node(gw, kind, "", s.agency, s.id, direction="Converging"))
            flow(gw, t)
            entry[s.id] = gw
        else:
            entry[s.id] = t
        outs = journey.successors(s.id)
        if not outs:
            end = f"End_{t[5:]}"
            nodes.append(Node(end, "endEvent", "Done", s.agency, s.id))
            flow(t, end)
        elif len(outs) > 1:
            kind = "parallelGateway" if s.split == "and" else "exclusiveGateway"
            gw = f"Split_{t[5:]}"
            nodes.append(Node(gw, kind, "", s.agency, s.id, direction="Diverging"))
            flow(t, gw)
            exit_[s.id] = gw
        else:
            exit_[s.id] = t
    flow("StartEvent_1", entry[journey.start])
    for k, tr in enumerate(journey.transitions):
        src = exit_[tr.source]
        branch = len(journey.successors(tr.source)) > 1
        p = tr.probability if branch and journey.step(tr.source).split != "and" else None
        name = _percent(p) if p is not None else ""
        tgt = entry[tr.target]
        if tr.delay is not None or tr.batch_times or tr.backlog is not None:
            timer = f"Handoff_{k + 1}"
            lane = journey.step(tr.target).agency
            nodes.append(Node(timer, "intermediateCatchEvent", _timer_name(tr), lane, None, k))
            flow(src, timer, name, p)
            flow(timer, tgt)
        else:
            flow(src, tgt, name, p)
    return ProcessGraph(tuple(nodes), tuple(flows), lanes, task_of)


def _timer_name(tr: Transition) -> str:
    label = _CARRIER_LABEL.get(tr.carrier, "Transfer")
    parts = []
    if tr.delay is not None:
        parts.append(_minutes_text(tr.delay.mean))
    if tr.batch_times:
        parts.append("leaves " + ", ".join(tr.batch_times))
    return f"{label} ({'; '.join(parts)})" if parts else label


def _minutes_text(m: float) -> str:
    """A mean delay in words.

    >>> _minutes_text(45), _minutes_text(135), _minutes_text(2880)
    ('45 min', '2.2 h', '2 days')
    """
    if m < 90:
        return f"{m:.0f} min"
    if m < 1440:
        return f"{m / 60:.2g} h"
    return f"{m / 1440:.2g} days"


def _iso_minutes(m: float) -> str:
    """ISO 8601 duration of ``m`` minutes, whole seconds.

    >>> _iso_minutes(90), _iso_minutes(0.5)
    ('PT90M', 'PT30S')
    """
    secs = round(m * 60)
    return f"PT{secs // 60}M" if secs % 60 == 0 else f"PT{secs}S"


def _num(v: Any) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else repr(v)


def _dist_element(parent: Any, tag: str, d: Distribution) -> Any:
    from lxml import etree

    el = etree.SubElement(parent, f"{{{ODSC_NS}}}{tag}", dist=d.dist)
    for k, v in d.params.items():
        el.set(k, " ".join(_num(x) for x in v) if isinstance(v, (list, tuple)) else _num(v))
    return el


def _bpsim_distribution(parent: Any, d: Distribution) -> None:
    """BPSim 2.0's name for a duration distribution (minutes); empirical samples are skipped."""
    from lxml import etree

    p = {k: v for k, v in d.params.items()}
    tag, attrs = {
        "fixed": ("FloatingParameter", lambda: {"value": p.get("value")}),
        "exponential": ("ExponentialDistribution", lambda: {"mean": p.get("mean")}),
        "lognormal": (
            "LogNormalDistribution",
            lambda: {"mean": p.get("mean"), "standardDeviation": p.get("sd")},
        ),
        "gamma": (
            "GammaDistribution",
            lambda: {
                "shape": (float(p["mean"]) / float(p["sd"])) ** 2,
                "scale": float(p["sd"]) ** 2 / float(p["mean"]),
            },
        ),
        "triangular": (
            "TriangularDistribution",
            lambda: {"min": p.get("low"), "mode": p.get("mode"), "max": p.get("high")},
        ),
        "uniform": ("UniformDistribution", lambda: {"min": p.get("low"), "max": p.get("high")}),
    }.get(d.dist, (None, dict))
    if tag is None:
        return
    etree.SubElement(parent, f"{{{BPSIM_NS}}}{tag}", {k: _num(v) for k, v in attrs().items()})


def to_bpmn(journey: Journey) -> bytes:
    """The journey as a BPMN 2.0 XML document (UTF-8 bytes).

    Parameters
    ----------
    journey : Journey
        A validated journey.

    Returns
    -------
    bytes
        The ``definitions`` document: the process with its lanes, the BPSim
        scenario, the diagram and this project's extensions.

    Examples
    --------
    >>> from journeys.model import Journey
    >>> from lxml import etree
    >>> root = etree.fromstring(to_bpmn(Journey.from_catalog("land-title")))
    >>> ns = {"bpmn": BPMN_NS}
    >>> len(root.findall(".//bpmn:task", ns)) == len(Journey.from_catalog("land-title").steps)
    True
    """
    from lxml import etree

    from journeys.bpmn_layout import layout

    g = process_graph(journey)
    B = f"{{{BPMN_NS}}}"
    pid = f"Process_{_id_part(journey.id.replace('-', '_'), '1')}"
    root = etree.Element(
        f"{B}definitions",
        nsmap=_NSMAP,
        id="Definitions_1",
        targetNamespace="urn:odsc-journeys:journey",
        exporter="odsc-journeys",
        exporterVersion="0.1",
    )
    collab = etree.SubElement(root, f"{B}collaboration", id="Collaboration_1")
    etree.SubElement(
        collab, f"{B}participant", id="Participant_1", name=journey.name, processRef=pid
    )
    proc = etree.SubElement(root, f"{B}process", id=pid, name=journey.name, isExecutable="false")
    if journey.description:
        etree.SubElement(proc, f"{B}documentation").text = journey.description
    ext = etree.SubElement(proc, f"{B}extensionElements")
    etree.SubElement(ext, f"{{{ODSC_NS}}}journey", id=journey.id).text = _settings_yaml(journey)
    lane_set = etree.SubElement(proc, f"{B}laneSet", id="LaneSet_1")
    lane_ids = {a: f"Lane_{i}" for i, a in enumerate(g.lanes, 1)}
    names = {a.id: a.name for a in journey.agencies}
    for a in g.lanes:
        lane = etree.SubElement(lane_set, f"{B}lane", id=lane_ids[a], name=names.get(a) or a)
        le = etree.SubElement(lane, f"{B}extensionElements")
        doors = sorted({s.door for s in journey.steps if s.agency == a and s.door})
        etree.SubElement(le, f"{{{ODSC_NS}}}agency", id=a, doors=" ".join(doors))
        for n in g.nodes:
            if n.lane == a:
                etree.SubElement(lane, f"{B}flowNodeRef").text = n.id
    incoming: dict[str, list[str]] = {}
    outgoing: dict[str, list[str]] = {}
    for f in g.flows:
        outgoing.setdefault(f.source, []).append(f.id)
        incoming.setdefault(f.target, []).append(f.id)
    for n in g.nodes:
        attrs = {"id": n.id}
        if n.name:
            attrs["name"] = n.name
        if n.direction:
            attrs["gatewayDirection"] = n.direction
        el = etree.SubElement(proc, f"{B}{n.kind}", attrs)
        if n.kind == "task":
            _task_extension(etree.SubElement(el, f"{B}extensionElements"), journey, n.step)
        elif n.kind == "intermediateCatchEvent":
            tr = journey.transitions[n.transition]  # type: ignore[index]
            _timer_extension(etree.SubElement(el, f"{B}extensionElements"), tr)
        for fid in incoming.get(n.id, []):
            etree.SubElement(el, f"{B}incoming").text = fid
        for fid in outgoing.get(n.id, []):
            etree.SubElement(el, f"{B}outgoing").text = fid
        if n.kind == "intermediateCatchEvent":
            tr = journey.transitions[n.transition]  # type: ignore[index]
            ted = etree.SubElement(el, f"{B}timerEventDefinition", id=f"{n.id}_timer")
            dur = etree.SubElement(ted, f"{B}timeDuration", {f"{{{XSI_NS}}}type": "bpmn:tFormalExpression"})
            dur.text = _iso_minutes(tr.delay.mean if tr.delay is not None else 0.0)
    for f in g.flows:
        attrs = {"id": f.id, "sourceRef": f.source, "targetRef": f.target}
        if f.name:
            attrs["name"] = f.name
        etree.SubElement(proc, f"{B}sequenceFlow", attrs)
    # the schema wants the diagram before the BPSim relationship
    layout(g).write_di(root, plane="Collaboration_1", participant="Participant_1",
                       lane_ids=lane_ids)
    _bpsim(root, journey, g, pid)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _settings_yaml(journey: Journey) -> str:
    """The journey file's sections BPMN has no element for, as YAML text."""
    from journeys.canonical import journey_to_dict
    from journeys.safe_yaml import dump_yaml

    d = journey_to_dict(journey)
    keep = ("currency", "time_value_per_hour", "agencies", "doors", "calendars", "pools",
            "arrivals")
    return "\n" + dump_yaml({k: d[k] for k in keep if k in d})


def _task_extension(ext: Any, journey: Journey, step_id: str | None) -> None:
    from lxml import etree

    s = journey.step(step_id)  # type: ignore[arg-type]
    attrs = {"id": s.id, "agency": s.agency, "citizenPresent": "true" if s.citizen_present else "false"}
    for key, value in (("door", s.door), ("pool", s.pool), ("stage", s.stage)):
        if value:
            attrs[key] = value
    if s.fee:
        attrs["fee"] = _num(s.fee)
    if s.split != "xor":
        attrs["split"] = s.split
    if s.join != "xor":
        attrs["join"] = s.join
    el = etree.SubElement(ext, f"{{{ODSC_NS}}}step", attrs)
    _dist_element(el, "duration", s.duration)
    for doc in s.documents:
        etree.SubElement(el, f"{{{ODSC_NS}}}document").text = doc


def _timer_extension(ext: Any, tr: Transition) -> None:
    from lxml import etree

    attrs = {"from": tr.source, "to": tr.target}
    if tr.carrier:
        attrs["carrier"] = tr.carrier
    if tr.batch_times:
        attrs["batchTimes"] = " ".join(tr.batch_times)
    el = etree.SubElement(ext, f"{{{ODSC_NS}}}handoff", attrs)
    if tr.delay is not None:
        _dist_element(el, "delay", tr.delay)
    if tr.backlog is not None:
        _dist_element(el, "backlog", tr.backlog)


def _bpsim(root: Any, journey: Journey, g: ProcessGraph, pid: str) -> None:
    """The BPSim 2.0 scenario: branch probabilities and processing times (minutes)."""
    from lxml import etree

    B, S = f"{{{BPMN_NS}}}", f"{{{BPSIM_NS}}}"
    rel = etree.SubElement(root, f"{B}relationship", type="BPSimData")
    data = etree.SubElement(etree.SubElement(rel, f"{B}extensionElements"), f"{S}BPSimData")
    scen = etree.SubElement(data, f"{S}Scenario", id="Scenario_1", name=journey.name)
    etree.SubElement(scen, f"{S}ScenarioParameters", baseTimeUnit="min")
    for n in g.nodes:
        if n.kind != "task":
            continue
        ep = etree.SubElement(scen, f"{S}ElementParameters", elementRef=n.id)
        pt = etree.SubElement(etree.SubElement(ep, f"{S}TimeParameters"), f"{S}ProcessingTime")
        _bpsim_distribution(pt, journey.step(n.step).duration)  # type: ignore[arg-type]
        if not len(pt):
            ep.remove(pt.getparent())
        if not len(ep):
            scen.remove(ep)
    for f in g.flows:
        if f.probability is None:
            continue
        ep = etree.SubElement(scen, f"{S}ElementParameters", elementRef=f.id)
        prob = etree.SubElement(etree.SubElement(ep, f"{S}ControlParameters"), f"{S}Probability")
        etree.SubElement(prob, f"{S}FloatingParameter", value=_num(f.probability))
    etree.SubElement(rel, f"{B}source").text = pid
    etree.SubElement(rel, f"{B}target").text = pid
