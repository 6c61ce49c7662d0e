"""The work of :func:`journeys.bpmn_import.from_bpmn`: BPMN elements to journey-file data.

The rules are stated in :mod:`journeys.bpmn_import`; this module reads the
elements, folds the gateways into steps and writes the plain data that
:func:`journeys.parsing.parse` validates.

Examples
--------
>>> from journeys.bpmn_import import parse_xml
>>> root = parse_xml(b'''<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
...   targetNamespace="x"><process id="p"><startEvent id="s"/><task id="a" name="A"/>
...   <task id="b" name="B"/><task id="c" name="C"/><exclusiveGateway id="g"/>
...   <sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
...   <sequenceFlow id="f2" sourceRef="a" targetRef="g"/>
...   <sequenceFlow id="f3" sourceRef="g" targetRef="b"/>
...   <sequenceFlow id="f4" sourceRef="g" targetRef="c"/></process></definitions>''',
...   source="x")
>>> data, notes = build_journey_data(root, source="x")
>>> data["transitions"]
[{'from': 'a', 'to': 'b', 'probability': 0.5}, {'from': 'a', 'to': 'c', 'probability': 0.5}]
>>> notes[1]
'gateway g: no branch probabilities in the model; its 2 branches share equally (0.5 each)'
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from journeys.errors import InputError

__all__ = ["build_journey_data"]


@dataclass
class _Node:
    id: str
    kind: str  # task, start, end, xor, and, pass
    name: str = ""
    lane: str | None = None
    ext: Any = None
    split: str = "xor"
    join: str = "xor"
    delay: dict[str, Any] | None = None
    handoff: Any = None
    el: Any = None


@dataclass
class _Edge:
    id: str
    src: str
    tgt: str
    p: float | None = None
    delay: dict[str, Any] | None = None
    carrier: str | None = None
    batch: list[str] = field(default_factory=list)
    backlog: dict[str, Any] | None = None


def _ln(el: Any) -> str:
    from lxml import etree

    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def build_journey_data(root: Any, *, source: str,
                       prosimos: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """Journey-file data and the notes, from a parsed BPMN ``definitions`` element."""
    from journeys.bpmn_export import BPMN_NS, BPSIM_NS, ODSC_NS
    from journeys.bpmn_import import (
        _EVENTS,
        _GATEWAYS,
        _TASKS,
        _WHOLE,
        DEFAULTS,
        _iso_minutes,
        _slug,
        bpsim_times,
    )

    B = f"{{{BPMN_NS}}}"
    notes: list[str] = []
    procs = root.findall(f"{B}process")
    if not procs:
        raise InputError(f"{source}: no process in the model (a BPMN file with only a diagram "
                         "or a collaboration has nothing to import)")
    proc = max(procs, key=lambda p: len(p))
    for other in procs:
        if other is not proc and len(other):
            notes.append(f"process {other.get('id')}: not imported (only the largest process, "
                         f"{proc.get('id')}, is)")
    for mf in root.iter(f"{B}messageFlow"):
        notes.append(f"messageFlow {mf.get('id')}: not imported")

    lane_of: dict[str, str] = {}
    agencies: dict[str, str] = {}
    for lane in proc.iter(f"{B}lane"):
        a_ext = lane.find(f"{B}extensionElements/{{{ODSC_NS}}}agency")
        name = lane.get("name") or lane.get("id")
        aid = a_ext.get("id") if a_ext is not None else (_slug(name) or lane.get("id"))
        agencies.setdefault(aid, name)
        for ref in lane.findall(f"{B}flowNodeRef"):
            lane_of[(ref.text or "").strip()] = aid  # inner lanes come later and win
    if not agencies:
        notes.append("no lanes: every step is in the agency 'unknown'")

    nodes: dict[str, _Node] = {}
    flows: list[Any] = []
    starts: list[str] = []
    for el in proc:
        kind = _ln(el)
        eid = el.get("id")
        if kind in _QUIET_SET:
            if kind == "sequenceFlow":
                flows.append(el)
            continue
        if not kind:
            continue
        if kind in _TASKS or kind in _WHOLE:
            if kind in _WHOLE:
                notes.append(f"{kind} {eid}: imported as one step (its inside is not)")
            ext = el.find(f"{B}extensionElements/{{{ODSC_NS}}}step")
            nodes[eid] = _Node(eid, "task", el.get("name") or "", lane_of.get(eid), ext, el=el)
        elif kind == "startEvent":
            starts.append(eid)
            nodes[eid] = _Node(eid, "start", el.get("name") or "", lane_of.get(eid))
        elif kind == "endEvent":
            nodes[eid] = _Node(eid, "end", el.get("name") or "", lane_of.get(eid))
        elif kind in _GATEWAYS:
            if kind not in ("exclusiveGateway", "parallelGateway"):
                notes.append(f"{kind} {eid}: read as an exclusive gateway (one branch taken)")
            nodes[eid] = _Node(eid, _GATEWAYS[kind], el.get("name") or "", lane_of.get(eid))
        elif kind in _EVENTS:
            node = _Node(eid, "pass", el.get("name") or "", lane_of.get(eid))
            node.handoff = el.find(f"{B}extensionElements/{{{ODSC_NS}}}handoff")
            dur = el.find(f"{B}timerEventDefinition/{B}timeDuration")
            if node.handoff is None and dur is not None:
                m = _iso_minutes(dur.text or "")
                if m is None:
                    notes.append(f"{kind} {eid}: timer duration {dur.text!r} is not an ISO 8601 "
                                 "duration; passed through without delay")
                else:
                    node.delay = {"dist": "fixed", "value": m}
            elif node.handoff is None:
                notes.append(f"{kind} {eid}: not a timer; passed through without delay")
            nodes[eid] = node
        else:
            notes.append(f"{kind} {eid}: not imported")
    if not starts:
        raise InputError(f"{source}: process {proc.get('id')} has no start event")
    if len(starts) > 1:
        notes.append(f"start events {', '.join(starts)}: read as one start")

    bpsim = {}
    for ep in root.iter(f"{{{BPSIM_NS}}}ElementParameters"):
        fp = ep.find(f"{{{BPSIM_NS}}}ControlParameters/{{{BPSIM_NS}}}Probability/"
                     f"{{{BPSIM_NS}}}FloatingParameter")
        if fp is not None and fp.get("value") is not None:
            bpsim[ep.get("elementRef")] = float(fp.get("value"))
    pros = _prosimos_maps(prosimos)
    notes.extend(pros["notes"])
    for ref, dist in bpsim_times(root).items():
        pros["duration"].setdefault(ref, dist)  # Prosimos' durations first, then BPSim's

    edges: list[_Edge] = []
    for f in flows:
        fid, s, t = f.get("id"), f.get("sourceRef"), f.get("targetRef")
        for end, ref in (("sourceRef", s), ("targetRef", t)):
            if ref not in nodes:
                raise InputError(f"{source}: sequenceFlow {fid}: {end} {ref!r} is not an element "
                                 f"of process {proc.get('id')} (a dangling flow)")
        if f.find(f"{B}conditionExpression") is not None:
            notes.append(f"sequenceFlow {fid}: its condition is not evaluated; "
                         "a probability decides the branch")
        p = bpsim.get(fid, pros["prob"].get(fid))
        edges.append(_Edge(fid, starts[0] if s in starts else s, t, p))
    for sid in starts[1:]:
        del nodes[sid]
    _pass_through(nodes, edges)
    _fold(nodes, edges, notes)
    data = _to_data(proc, nodes, edges, agencies, notes, pros, DEFAULTS, source)
    return data, _merge_notes(notes)


_QUIET_SET = {"laneSet", "documentation", "extensionElements", "sequenceFlow", "ioSpecification",
              "property", "auditing", "monitoring"}


def _prosimos_maps(prosimos: dict[str, Any] | None) -> dict[str, Any]:
    if not prosimos:
        return {"prob": {}, "duration": {}, "pool": {}, "pools": {}, "calendars": {},
                "per_day": None, "notes": []}
    from journeys.prosimos import read_prosimos

    return read_prosimos(prosimos)


def _pass_through(nodes: dict[str, _Node], edges: list[_Edge]) -> None:
    """Replace each intermediate event by edges carrying its delay."""
    from journeys.bpmn_import import _dist

    for nid in [n.id for n in nodes.values() if n.kind == "pass"]:
        node = nodes.pop(nid)
        ins = [e for e in edges if e.tgt == nid]
        outs = [e for e in edges if e.src == nid]
        for o in outs:
            edges.remove(o)
        for i in ins:
            made = []
            for o in outs:
                e = _Edge(i.id, i.src, o.tgt, i.p, i.delay or o.delay, i.carrier or o.carrier,
                          i.batch or o.batch, i.backlog or o.backlog)
                h = node.handoff
                if h is not None:
                    e.carrier = h.get("carrier")
                    e.batch = (h.get("batchTimes") or "").split()
                    for child in h:
                        tag = child.tag.split("}")[-1]
                        if tag == "delay":
                            e.delay = _dist(child)
                        elif tag == "backlog":
                            e.backlog = _dist(child)
                elif node.delay is not None:
                    e.delay = node.delay
                made.append(e)
            at = edges.index(i)
            edges[at:at + 1] = made  # keep the order of the flows


def _fold(nodes: dict[str, _Node], edges: list[_Edge], notes: list[str]) -> None:
    """Fold gateways into the steps around them (see :mod:`journeys.bpmn_import`)."""
    def ins(n: str) -> list[_Edge]:
        return [e for e in edges if e.tgt == n]

    def outs(n: str) -> list[_Edge]:
        return [e for e in edges if e.src == n]

    changed = True
    while changed:
        changed = False
        for g in [n for n in nodes.values() if n.kind in ("xor", "and")]:
            i, o = ins(g.id), outs(g.id)
            if len(i) == 1 and len(o) == 1:  # a gateway that routes nothing
                e = i[0]
                e.tgt = o[0].tgt
                e.delay = e.delay or o[0].delay
                edges.remove(o[0])
            elif len(o) == 1 and nodes[o[0].tgt].kind == g.kind and len(ins(o[0].tgt)) == 1 \
                    and o[0].delay is None:  # a merge straight into a split of its kind
                for e in i:
                    e.tgt = o[0].tgt
                edges.remove(o[0])
            elif len(o) == 1 and nodes[o[0].tgt].kind in ("task", "end") and \
                    len(ins(o[0].tgt)) == 1 and o[0].delay is None:
                nodes[o[0].tgt].join = g.kind
                for e in i:
                    e.tgt = o[0].tgt
                edges.remove(o[0])
            elif len(i) == 1 and len(outs(i[0].src)) == 1 and \
                    nodes[i[0].src].kind in ("task", "start") and i[0].delay is None:
                src = nodes[i[0].src]
                src.split = g.kind
                _branch_probabilities(g, o, notes)
                for e in o:
                    e.src = src.id
                edges.remove(i[0])
            else:
                continue
            del nodes[g.id]
            changed = True
            break
    kept = []
    for n in nodes.values():
        if n.kind in ("xor", "and"):
            n.split = n.kind if len(outs(n.id)) > 1 else "xor"
            n.join = n.kind if len(ins(n.id)) > 1 else "xor"
            _branch_probabilities(n, outs(n.id), notes)
            kept.append(n.id)
        elif n.kind == "task" and len(outs(n.id)) > 1 and n.split == "xor" and \
                all(e.p is None for e in outs(n.id)):
            n.split = "and"
            notes.append(f"{n.id}: {len(outs(n.id))} outgoing flows without a gateway are taken "
                         "all at once (BPMN's implicit parallel split)")
    if kept:
        notes.append(f"{len(kept)} gateways kept as instant routing steps (fixed 0 minutes, no "
                     "desk, named gateway_<id> in the journey; each merges and splits or follows "
                     f"another gateway): {', '.join(kept[:8])}"
                     f"{f' and {len(kept) - 8} more' if len(kept) > 8 else ''}")


def _branch_probabilities(g: _Node, out: list[_Edge], notes: list[str]) -> None:
    if g.kind != "xor" or len(out) < 2:
        for e in out:
            e.p = None
        return
    known = [e.p for e in out if e.p is not None]
    if len(known) == len(out) and abs(sum(known) - 1) < 1e-6:
        return
    if known:
        rest = max(0.0, 1 - sum(known))
        free = [e for e in out if e.p is None]
        for e in free:
            e.p = rest / len(free)
        if free:
            notes.append(f"gateway {g.id}: branches without a probability share the remaining "
                         f"{rest:g}")
        return
    for e in out:
        e.p = 1 / len(out)
    notes.append(f"gateway {g.id}: no branch probabilities in the model; its {len(out)} branches "
                 f"share equally ({1 / len(out):.3g} each)")


def _merge_notes(notes: list[str]) -> list[str]:
    """One line for all gateways whose branches share equally, and for all tasks
    whose Prosimos durations were read the same approximate way, naming each.

    >>> _merge_notes(["a", "gateway g1: no branch probabilities in the model; x",
    ...               "gateway g2: no branch probabilities in the model; y"])
    ['a', 'no branch probabilities in the model for 2 gateways: their branches share equally (g1, g2)']
    """
    import re

    key = ": no branch probabilities in the model;"
    equal = [n.split(":")[0].removeprefix("gateway ") for n in notes if key in n]
    rest = [n for n in notes if key not in n] if len(equal) > 1 else list(notes)
    tasks: dict[str, list[str]] = {}
    for n in rest:
        m = re.fullmatch(r"task (\S+): (.*)", n)
        if m:
            tasks.setdefault(m.group(2), []).append(m.group(1))
    out = []
    for n in rest:
        m = re.fullmatch(r"task (\S+): (.*)", n)
        if not m:
            out.append(n)
        elif tasks.get(m.group(2)):
            ids = tasks.pop(m.group(2))
            out.append(n if len(ids) == 1 else f"{len(ids)} tasks ({', '.join(ids)}): {m.group(2)}")
    if len(equal) > 1:
        out.append(f"no branch probabilities in the model for {len(equal)} gateways: their "
                   f"branches share equally ({', '.join(equal)})")
    return out


def _to_data(proc: Any, nodes: dict[str, _Node], edges: list[_Edge], agencies: dict[str, str],
             notes: list[str], pros: dict[str, Any], defaults: dict[str, Any],
             source: str) -> dict[str, Any]:
    from journeys.bpmn_export import BPMN_NS, ODSC_NS
    from journeys.bpmn_import import _dist, _slug
    from journeys.safe_yaml import read_yaml

    settings: dict[str, Any] = {}
    jx = proc.find(f"{{{BPMN_NS}}}extensionElements/{{{ODSC_NS}}}journey")
    if jx is not None and (jx.text or "").strip():
        settings = read_yaml(jx.text, source=source) or {}
    start = next(n for n in nodes.values() if n.kind == "start")
    s_out = [e for e in edges if e.src == start.id]
    # the start event goes when it leads to one activity
    drop_start = len(s_out) == 1 and nodes[s_out[0].tgt].kind == "task" and s_out[0].delay is None
    for end in [n for n in nodes.values() if n.kind == "end"]:
        into = [e for e in edges if e.tgt == end.id]
        if all(len([e for e in edges if e.src == i.src]) == 1 for i in into):
            for e in into:
                edges.remove(e)
            del nodes[end.id]
    ids: dict[str, str] = {}
    taken: set[str] = set()
    for n in nodes.values():
        if n.ext is not None and n.ext.get("id"):
            sid = n.ext.get("id")
        elif n.kind == "task":
            sid = _slug(n.name) or n.id
        elif n.kind == "start":
            sid = "start"
        elif n.kind == "end":
            sid = _slug(n.name) or "end"
            sid = sid if sid.startswith("end") else f"end_{sid}"
        else:
            sid = f"gateway_{n.id}"
        base, k = sid, 2
        while sid in taken:
            sid, k = f"{base}_{k}", k + 1
        taken.add(sid)
        ids[n.id] = sid
    if drop_start:
        ids.pop(start.id)
    used_agencies: dict[str, str] = {}
    steps: dict[str, Any] = {}
    pools: dict[str, Any] = dict(settings.get("pools") or {})
    no_duration = []
    for n in nodes.values():
        if n.id not in ids:
            continue
        agency = (n.ext.get("agency") if n.ext is not None else None) or n.lane or "unknown"
        used_agencies[agency] = agencies.get(agency, "")
        body: dict[str, Any] = {"agency": agency}
        if n.name:
            body["name"] = n.name
        if n.kind != "task":
            body["duration"] = {"dist": "fixed", "value": 0}
            if not n.name:
                body["name"] = {"start": "Start", "end": "End"}.get(n.kind, f"Route ({n.id})")
        elif n.ext is not None:
            x = n.ext
            d = x.find(f"{{{ODSC_NS}}}duration")
            body["duration"] = _dist(d) if d is not None else dict(defaults["duration"])
            for key in ("door", "pool", "stage"):
                if x.get(key):
                    body[key] = x.get(key)
            if x.get("fee"):
                body["fee"] = float(x.get("fee"))
            body["citizen_present"] = x.get("citizenPresent") == "true"
            docs = [c.text or "" for c in x.findall(f"{{{ODSC_NS}}}document")]
            if docs:
                body["documents"] = docs
        else:
            if n.id in pros["duration"]:
                body["duration"] = pros["duration"][n.id]
            else:
                body["duration"] = dict(defaults["duration"])
                no_duration.append(ids[n.id])
            pool = pros["pool"].get(n.id) or f"{agency}_desk"
            body["pool"] = pool
            if pool not in pools:
                pools[pool] = pros["pools"].get(pool) or {
                    "agency": agency, "capacity": defaults["capacity"], "calendar": "office"}
        if n.split == "and":
            body["split"] = "and"
        if n.join == "and":
            body["join"] = "and"
        steps[ids[n.id]] = body
    if no_duration:
        d = defaults["duration"]
        n_tasks = sum(1 for n in nodes.values() if n.kind == "task")
        notes.append(f"no duration for {len(no_duration)} of {n_tasks} tasks "
                     f"({', '.join(no_duration[:5])}{', ...' if len(no_duration) > 5 else ''}): "
                     f"{d['dist']} with mean {d['mean']:g} minutes")
    transitions = []
    for e in edges:
        if e.src not in ids:
            continue
        t: dict[str, Any] = {"from": ids[e.src], "to": ids[e.tgt]}
        if e.p is not None:
            t["probability"] = round(e.p, 12)
        if e.carrier:
            t["carrier"] = e.carrier
        if e.delay is not None:
            t["delay"] = e.delay
            if not e.carrier:
                t["carrier"] = "digital"
                notes.append(f"timer on flow {e.id}: read as a data-exchange delay "
                             "(say the carrier in the journey file)")
        if e.batch:
            t["batch_times"] = e.batch
        if e.backlog is not None:
            t["backlog"] = e.backlog
        transitions.append(t)
    first = ids[s_out[0].tgt] if drop_start else ids[start.id]
    # a process without a name (pm4py writes none) is named after the file
    from pathlib import PurePath

    name = proc.get("name") or PurePath(source).stem or proc.get("id")
    data: dict[str, Any] = {"id": _slug(name).replace("_", "-") or "imported",
                            "name": name, "start": first}
    if jx is not None and jx.get("id"):
        data["id"] = jx.get("id")
    doc = proc.find(f"{{{BPMN_NS}}}documentation")
    if doc is not None and (doc.text or "").strip():
        data["description"] = doc.text.strip()
    data.update({k: v for k, v in settings.items() if k not in ("pools",)})
    if "agencies" not in settings:
        data["agencies"] = {a: ({"name": nm} if nm and nm != a else {})
                            for a, nm in used_agencies.items()}
    if pools:
        data["pools"] = pools
    if "calendars" not in settings:
        data["calendars"] = pros["calendars"] or {"office": dict(defaults["calendar"])}
        if not pros["calendars"]:
            notes.append("no calendar in the model: every desk keeps office hours "
                         "08:00-12:00 and 13:00-16:00, Monday to Friday")
    if not settings.get("pools") and pools:
        cap = [p for p in pools if p not in pros["pools"]]
        if cap:
            notes.append(f"no desks in the model: one desk per agency ({', '.join(cap)}), "
                         "capacity 1")
    if "arrivals" not in settings:
        per_day = pros["per_day"] or defaults["per_day"]
        data["arrivals"] = {"per_day": per_day}
        if not pros["per_day"]:
            notes.append(f"no arrival rate in the model: {per_day:g} cases a working day")
    if not any(b.get("citizen_present") for b in steps.values()):
        notes.append("no step is marked as needing the citizen in person, so no visits are "
                     "counted (mark them in the journey file)")
    data["steps"] = steps
    data["transitions"] = transitions
    return data
