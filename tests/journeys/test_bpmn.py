"""BPMN 2.0 export and import: the schema, the structure, the diagram, the round trip.

The OMG schema files (BPMN20.xsd, Semantic.xsd, BPMNDI.xsd, DC.xsd, DI.xsd of
BPMN 2.0.2) are vendored in tests/data/bpmn_xsd and every export is validated
against them with lxml.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from lxml import etree

from journeys import load_catalog
from journeys.bpmn_export import BPMN_NS, BPMNDI_NS, BPSIM_NS, DC_NS, DI_NS, ODSC_NS, to_bpmn
from journeys.bpmn_import import from_bpmn
from journeys.catalog import catalog_names
from journeys.errors import InputError
from journeys.model import Agency, Distribution, Journey, Pool, Step, Transition

XSD = Path(__file__).resolve().parents[1] / "data" / "bpmn_xsd" / "BPMN20.xsd"
DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
NS = {"bpmn": BPMN_NS, "bpmndi": BPMNDI_NS, "dc": DC_NS, "di": DI_NS, "bpsim": BPSIM_NS}


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def tiny() -> Journey:
    """submit -> check; check sends back to submit (30%) or on to a parallel block."""
    d = Distribution
    steps = (
        Step("submit", "front", d("lognormal", {"mean": 2.0, "sd": 1.0}), name="Submit",
             pool="desk", citizen_present=True, door="odsc", fee=5000),
        Step("check", "back", d.fixed(10), name="Check", pool="clerk"),
        Step("fork", "back", d.fixed(1), name="Fork", pool="clerk", split="and"),
        Step("a", "back", d("exponential", {"mean": 5.0}), name="A", pool="clerk"),
        Step("b", "front", d("uniform", {"low": 1.0, "high": 3.0}), name="B", pool="desk"),
        Step("join", "front", d.fixed(2), name="Issue", pool="desk", join="and"),
    )
    trans = (
        Transition("submit", "check", carrier="courier", delay=d.fixed(90), batch_times=("15:00",)),
        Transition("check", "submit", 0.3, carrier="citizen", delay=d.fixed(60)),
        Transition("check", "fork", 0.7),
        Transition("fork", "a"),
        Transition("fork", "b"),
        Transition("a", "join", carrier="digital"),
        Transition("b", "join"),
    )
    from journeys.model import Calendar, Door

    return Journey(
        "tiny", "Tiny service", "submit", steps, trans,
        agencies=(Agency("front", "Front office"), Agency("back", "Back office")),
        doors=(Door("odsc", "ODSC", "front"),),
        pools=(Pool("desk", 2, "office"), Pool("clerk", 1, "office")),
        calendars=(Calendar("office"),),
    )


def _root(j: Journey):
    return etree.fromstring(to_bpmn(j))


@pytest.mark.parametrize("name", catalog_names())
def test_every_catalogue_export_is_valid_bpmn(name: str, schema: etree.XMLSchema) -> None:
    doc = _root(load_catalog(name))
    assert schema.validate(doc), schema.error_log.last_error


def test_tiny_export_structure(schema: etree.XMLSchema) -> None:
    root = _root(tiny())
    assert schema.validate(root), schema.error_log.last_error
    proc = root.find("bpmn:process", NS)
    assert [t.get("name") for t in proc.findall("bpmn:task", NS)] == [
        "Submit", "Check", "Fork", "A", "B", "Issue"]
    lanes = proc.findall("bpmn:laneSet/bpmn:lane", NS)
    assert [la.get("name") for la in lanes] == ["Front office", "Back office"]
    refs = {r.text for r in lanes[1].findall("bpmn:flowNodeRef", NS)}
    assert {"Task_check", "Task_fork", "Task_a"} <= refs
    # the door of a step travels in its extension element
    ext = proc.find("bpmn:task[@id='Task_submit']/bpmn:extensionElements", NS)
    assert ext.find(f"{{{ODSC_NS}}}step").get("door") == "odsc"
    # submit is entered from the start event and from the rework: an exclusive join
    assert proc.find("bpmn:exclusiveGateway[@id='Join_submit']", NS).get(
        "gatewayDirection") == "Converging"
    assert proc.find("bpmn:exclusiveGateway[@id='Split_check']", NS) is not None
    assert proc.find("bpmn:parallelGateway[@id='Split_fork']", NS) is not None
    assert proc.find("bpmn:parallelGateway[@id='Join_join']", NS) is not None
    # timers for the courier and the carried papers, not for the instant data exchange
    timers = proc.findall("bpmn:intermediateCatchEvent", NS)
    durations = sorted(t.find("bpmn:timerEventDefinition/bpmn:timeDuration", NS).text
                       for t in timers)
    assert durations == ["PT60M", "PT90M"]
    # BPSim probabilities of the two branches of check, on the flows leaving its split
    flows = {f.get("id"): f for f in proc.findall("bpmn:sequenceFlow", NS)}
    probs = {}
    for ep in root.iter(f"{{{BPSIM_NS}}}ElementParameters"):
        fp = ep.find("bpsim:ControlParameters/bpsim:Probability/bpsim:FloatingParameter", NS)
        if fp is not None:
            probs[ep.get("elementRef")] = float(fp.get("value"))
    assert sorted(probs.values()) == [0.3, 0.7]
    assert {flows[f].get("sourceRef") for f in probs} == {"Split_check"}
    rel = root.find("bpmn:relationship", NS)
    assert rel.get("type") == "BPSimData"


def test_diagram_every_node_and_flow_is_drawn_left_to_right() -> None:
    root = _root(load_catalog("family-book-one-door"))
    proc = root.find("bpmn:process", NS)
    nodes = [el.get("id") for el in proc if etree.QName(el).localname not in (
        "laneSet", "sequenceFlow", "extensionElements", "documentation")]
    shapes = {s.get("bpmnElement"): s.find("dc:Bounds", NS)
              for s in root.iter(f"{{{BPMNDI_NS}}}BPMNShape")}
    edges = {e.get("bpmnElement"): e.findall("di:waypoint", NS)
             for e in root.iter(f"{{{BPMNDI_NS}}}BPMNEdge")}
    assert set(nodes) <= set(shapes)
    flows = proc.findall("bpmn:sequenceFlow", NS)
    assert {f.get("id") for f in flows} == set(edges)
    assert all(len(w) >= 2 for w in edges.values())
    # this journey has no rework: every flow runs left to right
    for f in flows:
        s, t = shapes[f.get("sourceRef")], shapes[f.get("targetRef")]
        assert float(s.get("x")) + float(s.get("width")) <= float(t.get("x"))
    # every node sits inside its lane's band
    lanes = {la.get("id"): la for la in proc.findall("bpmn:laneSet/bpmn:lane", NS)}
    for lid, lane in lanes.items():
        band = shapes[lid]
        top, bottom = float(band.get("y")), float(band.get("y")) + float(band.get("height"))
        for ref in lane.findall("bpmn:flowNodeRef", NS):
            b = shapes[ref.text]
            assert top <= float(b.get("y")) and float(b.get("y")) + float(b.get("height")) <= bottom


def test_rework_edges_run_below_their_nodes() -> None:
    root = _root(tiny())
    shapes = {s.get("bpmnElement"): s.find("dc:Bounds", NS)
              for s in root.iter(f"{{{BPMNDI_NS}}}BPMNShape")}
    proc = root.find("bpmn:process", NS)
    back = [f for f in proc.findall("bpmn:sequenceFlow", NS) if f.get("targetRef") == "Join_submit"
            and f.get("sourceRef") != "StartEvent_1"]
    assert len(back) == 1
    pts = [(float(p.get("x")), float(p.get("y"))) for e in root.iter(f"{{{BPMNDI_NS}}}BPMNEdge")
           if e.get("bpmnElement") == back[0].get("id") for p in e.findall("di:waypoint", NS)]
    src = shapes[back[0].get("sourceRef")]
    assert pts[1][1] > float(src.get("y")) + float(src.get("height"))  # goes down first
    assert pts[-1][0] < pts[0][0]  # and comes back to the left


@pytest.mark.parametrize("name", catalog_names())
def test_round_trip_gives_the_same_journey(name: str) -> None:
    j = load_catalog(name)
    r = from_bpmn(to_bpmn(j), source=f"{name}.bpmn")
    assert r.journey == j
    assert r.notes == ()


def _strip_extensions(xml: bytes) -> bytes:
    root = etree.fromstring(xml)
    for el in list(root.iter(f"{{{ODSC_NS}}}*")):
        el.getparent().remove(el)
    return etree.tostring(root)


@pytest.mark.parametrize("name", catalog_names())
def test_round_trip_from_bpmn_alone_keeps_steps_agencies_branches(name: str) -> None:
    """Without our extensions: what any BPMN tool sees (tasks, lanes, gateways, BPSim)."""
    j = load_catalog(name)
    r = from_bpmn(_strip_extensions(to_bpmn(j)), source="plain.bpmn")
    b = r.journey
    by_name = {s.name: s for s in j.steps}
    assert sorted(s.name for s in b.steps) == sorted(by_name)
    agency_name = {a.id: a.name for a in j.agencies}
    back_agency = {a.id: a.name for a in b.agencies}
    for s in b.steps:
        orig = by_name[s.name]
        assert back_agency[s.agency] == agency_name[orig.agency]
        assert (s.split, s.join) == (orig.split, orig.join)
    name_of = {s.id: s.name for s in b.steps}
    got = sorted((name_of[t.source], name_of[t.target], round(t.probability, 9))
                 for t in b.transitions)
    orig_name = {s.id: s.name for s in j.steps}
    want = sorted((orig_name[t.source], orig_name[t.target],
                   round(t.probability if len(j.successors(t.source)) > 1
                         and j.step(t.source).split == "xor" else 1.0, 9))
                  for t in j.transitions)
    assert got == want
    # delays come back from the timers (their mean), as data exchange, and say so
    assert any("timer on flow" in n for n in r.notes) == any(
        t.delay is not None for t in j.transitions)
    assert any("no duration" in n for n in r.notes) is False  # BPSim processing times


def test_hand_drawn_model_names_what_it_does_not_import() -> None:
    xml = b"""<?xml version="1.0"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="x">
 <collaboration id="c"><participant id="pa" processRef="p"/>
  <messageFlow id="mf" sourceRef="pa" targetRef="pa"/></collaboration>
 <process id="p" name="Market stall permit">
  <laneSet><lane id="L1" name="Market office"><flowNodeRef>s</flowNodeRef>
   <flowNodeRef>a</flowNodeRef><flowNodeRef>g</flowNodeRef><flowNodeRef>b</flowNodeRef>
   <flowNodeRef>sp</flowNodeRef><flowNodeRef>e</flowNodeRef></lane></laneSet>
  <startEvent id="s"/><userTask id="a" name="Apply"/>
  <inclusiveGateway id="g"/><serviceTask id="b" name="Check fees"/>
  <subProcess id="sp" name="Inspect stall"/><endEvent id="e"/>
  <boundaryEvent id="be" attachedToRef="a"/><dataObject id="do"/>
  <intermediateThrowEvent id="msg" name="Notify"/>
  <sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
  <sequenceFlow id="f2" sourceRef="a" targetRef="g"/>
  <sequenceFlow id="f3" sourceRef="g" targetRef="b"/>
  <sequenceFlow id="f4" sourceRef="g" targetRef="msg"><conditionExpression>x</conditionExpression></sequenceFlow>
  <sequenceFlow id="f5" sourceRef="msg" targetRef="sp"/>
  <sequenceFlow id="f6" sourceRef="b" targetRef="e"/>
  <sequenceFlow id="f7" sourceRef="sp" targetRef="e"/>
 </process></definitions>"""
    r = from_bpmn(xml, source="hand.bpmn")
    j = r.journey
    assert [s.id for s in j.steps] == ["apply", "check_fees", "inspect_stall"]
    assert j.agencies == (Agency("market_office", "Market office"),)
    assert sorted((t.source, t.target, t.probability) for t in j.transitions) == [
        ("apply", "check_fees", 0.5), ("apply", "inspect_stall", 0.5)]
    text = "\n".join(r.notes)
    for element in ("messageFlow mf", "inclusiveGateway g", "subProcess sp", "boundaryEvent be",
                    "dataObject do", "intermediateThrowEvent msg", "sequenceFlow f4"):
        assert element in text, element


@pytest.mark.parametrize("data, message", [
    (b"not xml at all", "model.bpmn: not XML"),
    (b"<definitions/>", "model.bpmn: not a BPMN 2.0 model: the root element is 'definitions', "),
    (b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>',
     "model.bpmn: no process in the model"),
    (b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p">'
     b'<task id="a"/></process></definitions>', "model.bpmn: process p has no start event"),
    (b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p">'
     b'<startEvent id="s"/><sequenceFlow id="f" sourceRef="s" targetRef="gone"/></process>'
     b'</definitions>',
     "model.bpmn: sequenceFlow f: targetRef 'gone' is not an element of process p"),
])
def test_bad_models_say_what_is_wrong(data: bytes, message: str) -> None:
    with pytest.raises(InputError) as e:
        from_bpmn(data, source="model.bpmn")
    assert str(e.value).startswith(message)
    assert "\n" not in str(e.value)


def test_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    xml = f"""<?xml version="1.0"?>
<!DOCTYPE definitions [<!ENTITY x SYSTEM "file://{secret}">]>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="x">
<process id="p"><startEvent id="s"/><task id="a" name="A&x;"/>
<sequenceFlow id="f" sourceRef="s" targetRef="a"/></process></definitions>""".encode()
    with pytest.raises(InputError) as e:  # lxml refuses the reference it will not resolve
        from_bpmn(xml, source="x.bpmn")
    assert "TOP-SECRET" not in str(e.value)
    assert str(e.value).startswith("x.bpmn: not XML: ")


def _discovered(log_file: str, tmp_path: Path) -> tuple[bytes, set[str]]:
    import pm4py

    from analysis.logs import read_log

    path = DATA / log_file
    if not path.exists():
        pytest.skip(f"{path} is not present")
    log = read_log(path)
    out = tmp_path / "discovered.bpmn"
    pm4py.write_bpmn(pm4py.discover_bpmn_inductive(log), str(out))
    return out.read_bytes(), set(log["concept:name"])


@pytest.mark.parametrize("log_file", ["running-example.csv", "receipt.csv"])
def test_pm4py_discovered_model_comes_back_as_a_journey(log_file: str, tmp_path: Path) -> None:
    from simulations.engine import simulate

    xml, activities = _discovered(log_file, tmp_path)
    r = from_bpmn(xml, source="discovered.bpmn")
    j = r.journey
    assert (j.id, j.name) == ("discovered", "discovered")  # pm4py names no process
    tasks = {s.name for s in j.steps if not s.id.startswith(("gateway_", "start", "end"))}
    assert tasks == activities  # every activity of the log is a step of the journey
    assert any("share equally" in n for n in r.notes)  # pm4py writes no probabilities
    assert any("no duration" in n for n in r.notes)
    sim = simulate(j, days=3, seed=1)
    assert set(sim.log["concept:name"]) - {s.name for s in j.steps} == set()
    assert sim.arrived > 0


def test_prosimos_parameters_fill_what_the_model_lacks() -> None:
    from journeys.prosimos import to_prosimos

    j = tiny()
    params, _ = to_prosimos(j)
    r = from_bpmn(_strip_extensions(to_bpmn(j)), source="m.bpmn", prosimos=params)
    b = r.journey
    assert b.step("submit").duration == Distribution("lognormal", {"mean": 2.0, "sd": 1.0})
    assert b.step("a").duration == Distribution("exponential", {"mean": 5.0})
    assert {p.id: p.capacity for p in b.pools} == {"desk": 2, "clerk": 1}
    assert b.arrivals.per_day == pytest.approx(j.arrivals.per_day)
    assert not any("no duration" in n or "no arrival" in n for n in r.notes)


def test_lao_names_survive(schema: etree.XMLSchema) -> None:
    j = tiny()
    steps = tuple(replace(s, name="ຍື່ນຄຳຮ້ອງ") if s.id == "submit" else s for s in j.steps)
    j = replace(j, steps=steps)
    root = _root(j)
    assert schema.validate(root)
    back = from_bpmn(_strip_extensions(to_bpmn(j)), source="lao.bpmn").journey
    assert "ຍື່ນຄຳຮ້ອງ" in back.step_ids
