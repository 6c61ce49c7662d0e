"""A BPMN 2.0 process model back into a journey.

:func:`from_bpmn` reads a model drawn in a modeller, exported by
:func:`journeys.bpmn_export.to_bpmn`, or discovered from a log (for example
``pm4py.discover_bpmn_inductive`` then ``pm4py.write_bpmn``) and returns a
journey that validates, together with the notes a user must read: every
default it applied and every element it could not carry over, by id.

Rules (decisions of this project; BPMN leaves them to the tool):

* Tasks of every kind (``task``, ``userTask``, ``serviceTask``, ...) become
  steps; a ``subProcess`` or ``callActivity`` becomes one step (its inside
  is not imported) and is named in the notes.
* A step's agency is its lane (the lane's name becomes the agency's name and,
  in lower case with ``_`` between words, its id); a model without lanes
  puts every step in the agency ``unknown``, as the event-log schema does.
* Gateways fold into the steps around them: a converging gateway before a
  step sets its ``join``, a diverging gateway after a step its ``split`` and
  the step's transitions. A gateway that cannot fold (two gateways in a row,
  or one that both merges and splits) becomes an instant routing step
  (``fixed`` 0 minutes, no desk) named after the gateway. Inclusive,
  complex and event-based gateways are read as exclusive ones (named in the
  notes). An activity with several outgoing flows splits in parallel, as
  BPMN says; with several incoming flows it merges them.
* Branch probabilities come from BPSim ``ControlParameters/Probability`` of
  the flows, then from the Prosimos parameters; where neither gives one, the
  branches of a gateway share equally (named in the notes). Conditions
  (``conditionExpression``) are not evaluated (named in the notes).
* A timer intermediate event on a flow becomes the delay of that transition
  (its ``timeDuration``, ISO 8601); other intermediate events are passed
  through without delay (named in the notes). Boundary events, message flows,
  data objects, annotations and further processes are not imported (named).
* A start event followed by one activity makes that activity the journey's
  start; otherwise the start event becomes an instant routing step. An end
  event reached only from activities that do nothing else is dropped (they
  become the journey's ends); otherwise it becomes an instant step.
* Missing parameters get stated defaults (:data:`DEFAULTS`): durations,
  desks, the office calendar and the arrival volume. This project's own
  extension elements (see :mod:`journeys.bpmn_export`) override them all.

XML is parsed without resolving entities or fetching anything (no XXE).

Examples
--------
>>> from journeys.model import Journey
>>> from journeys.bpmn_export import to_bpmn
>>> j = Journey.from_catalog("business-licence")
>>> back = from_bpmn(to_bpmn(j)).journey
>>> back.step_ids == j.step_ids and back.transitions == j.transitions
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from journeys.errors import InputError

__all__ = ["DEFAULTS", "Imported", "bpsim_times", "from_bpmn", "parse_xml"]

#: What a model that does not say gets, and the words the notes use for it.
DEFAULTS: dict[str, Any] = {
    "duration": {"dist": "exponential", "mean": 10.0},
    "capacity": 1,
    "calendar": {"hours": ["08:00-12:00", "13:00-16:00"], "days": ["mon", "tue", "wed", "thu", "fri"]},
    "per_day": 10.0,
}

_TASKS = {"task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask",
          "receiveTask", "businessRuleTask"}
_WHOLE = {"subProcess", "callActivity", "adHocSubProcess", "transaction"}
_GATEWAYS = {"exclusiveGateway": "xor", "parallelGateway": "and", "inclusiveGateway": "xor",
             "complexGateway": "xor", "eventBasedGateway": "xor"}
_EVENTS = {"intermediateCatchEvent", "intermediateThrowEvent"}


@dataclass(frozen=True)
class Imported:
    """The journey read from a BPMN model, and what the reader assumed or left out."""

    journey: Any
    notes: tuple[str, ...]


def parse_xml(data: bytes, *, source: str) -> Any:
    """Parse BPMN XML safely and check it is a BPMN 2.0 ``definitions`` document.

    Raises
    ------
    InputError
        ``source: not XML ...`` or ``source: not a BPMN 2.0 model ...``.

    Examples
    --------
    >>> parse_xml(b"<a>", source="x.bpmn")
    Traceback (most recent call last):
    ...
    journeys.errors.InputError: x.bpmn: not XML: ...
    >>> parse_xml(b"<html/>", source="x.bpmn")
    Traceback (most recent call last):
    ...
    journeys.errors.InputError: x.bpmn: not a BPMN 2.0 model: the root element is 'html', not BPMN's 'definitions'
    """
    from lxml import etree

    from journeys.bpmn_export import BPMN_NS

    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True,
                             remove_pis=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise InputError(f"{source}: not XML: {e}") from None
    q = etree.QName(root)
    if q.localname != "definitions" or q.namespace != BPMN_NS:
        where = f" in namespace {q.namespace}" if q.namespace and q.localname == "definitions" else ""
        raise InputError(f"{source}: not a BPMN 2.0 model: the root element is "
                         f"'{q.localname}'{where}, not BPMN's 'definitions'")
    return root


def _slug(text: str) -> str:
    """An id from a name, in any script.

    >>> _slug("Register birth, print certificate"), _slug("ຍື່ນ ຄຳຮ້ອງ")
    ('register_birth_print_certificate', 'ຍື່ນ_ຄຳຮ້ອງ')
    """
    import unicodedata

    text = unicodedata.normalize("NFC", text).lower()
    # letters, marks and digits of every script (Lao vowels are marks, not \w)
    kept = "".join(ch if unicodedata.category(ch)[0] in "LMN" else " " for ch in text)
    return "_".join(kept.split())


def _iso_minutes(text: str) -> float | None:
    """Minutes of an ISO 8601 duration (``P1DT2H30M``); None when unreadable.

    >>> _iso_minutes("PT90M"), _iso_minutes("P1DT1H"), _iso_minutes("soon")
    (90.0, 1500.0, None)
    """
    m = re.fullmatch(r"\s*P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?"
                     r"(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?\s*", text or "")
    if not m or not any(m.groups()):
        return None
    w, d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
    return w * 10080 + d * 1440 + h * 60 + mi + s / 60


def _dist(el: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"dist": el.get("dist")}
    for k, v in el.attrib.items():
        if k == "dist":
            continue
        out[k] = [float(x) for x in v.split()] if k == "samples" else float(v)
    return out


_UNIT_MINUTES = {"ms": 1 / 60000, "s": 1 / 60, "min": 1.0, "hour": 60.0, "day": 1440.0,
                 "year": 525600.0}


def bpsim_times(root: Any) -> dict[str, dict[str, Any]]:
    """BPSim processing times by element id, as journey distributions in minutes.

    BPSim's ``baseTimeUnit`` (of the first scenario; minutes by default, as BPSim
    says) scales them; a distribution BPSim names but a journey has no word for
    is skipped (the step then gets the stated default).

    Examples
    --------
    >>> root = parse_xml(b'''<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    ...   xmlns:s="http://www.bpsim.org/schemas/2.0"><s:Scenario>
    ...   <s:ScenarioParameters baseTimeUnit="hour"/><s:ElementParameters elementRef="t1">
    ...   <s:TimeParameters><s:ProcessingTime><s:GammaDistribution shape="4" scale="0.5"/>
    ...   </s:ProcessingTime></s:TimeParameters></s:ElementParameters></s:Scenario>
    ...   </definitions>''', source="x")
    >>> bpsim_times(root)
    {'t1': {'dist': 'gamma', 'mean': 120.0, 'sd': 60.0}}
    """
    import math

    from journeys.bpmn_export import BPSIM_NS

    S = f"{{{BPSIM_NS}}}"
    sp = root.find(f".//{S}ScenarioParameters")
    unit = _UNIT_MINUTES.get(sp.get("baseTimeUnit", "min") if sp is not None else "min", 1.0)
    out: dict[str, dict[str, Any]] = {}
    for ep in root.iter(f"{S}ElementParameters"):
        pt = ep.find(f"{S}TimeParameters/{S}ProcessingTime")
        if pt is None or not len(pt):
            continue
        d = pt[0]
        kind = d.tag.split("}")[-1]
        try:
            a = {k: float(v) * unit for k, v in d.attrib.items() if k not in ("shape",)}
            if kind == "FloatingParameter":
                dist = {"dist": "fixed", "value": a["value"]}
            elif kind == "ExponentialDistribution":
                dist = {"dist": "exponential", "mean": a["mean"]}
            elif kind in ("LogNormalDistribution", "NormalDistribution"):
                dist = {"dist": "lognormal", "mean": a["mean"], "sd": a["standardDeviation"]}
            elif kind == "GammaDistribution":
                shape = float(d.get("shape"))
                dist = {"dist": "gamma", "mean": shape * a["scale"],
                        "sd": math.sqrt(shape) * a["scale"]}
            elif kind == "TriangularDistribution":
                dist = {"dist": "triangular", "low": a["min"], "mode": a["mode"],
                        "high": a["max"]}
            elif kind == "UniformDistribution":
                dist = {"dist": "uniform", "low": a["min"], "high": a["max"]}
            else:
                continue
        except (KeyError, TypeError, ValueError):
            continue
        out[ep.get("elementRef")] = dist
    return out


def from_bpmn(data: bytes, *, source: str = "model.bpmn",
              prosimos: dict[str, Any] | None = None) -> Imported:
    """Read a BPMN 2.0 model (and optionally its Prosimos parameters) as a journey.

    Parameters
    ----------
    data : bytes
        The BPMN XML.
    source : str
        The file name used in messages.
    prosimos : dict, optional
        Prosimos simulation parameters (the JSON, loaded), for durations,
        branch probabilities, desks, calendars and arrivals; see
        :func:`journeys.prosimos.read_prosimos`.

    Returns
    -------
    Imported
        The validated journey and the notes (defaults applied, elements not
        imported, by id).

    Raises
    ------
    InputError
        Not XML, not BPMN, no process, a flow to an element that does not
        exist; :class:`~journeys.errors.JourneyError` when the result does
        not validate (each problem named by the journey field).

    Examples
    --------
    >>> xml = b'''<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    ...   targetNamespace="x"><process id="p">
    ...   <startEvent id="s"/><task id="a" name="Check form"/><endEvent id="e"/>
    ...   <sequenceFlow id="f1" sourceRef="s" targetRef="a"/>
    ...   <sequenceFlow id="f2" sourceRef="a" targetRef="e"/></process></definitions>'''
    >>> r = from_bpmn(xml, source="hand.bpmn")
    >>> r.journey.step_ids, r.journey.step("check_form").agency
    (('check_form',), 'unknown')
    >>> print(r.notes[0])
    no lanes: every step is in the agency 'unknown'
    """
    from journeys.bpmn_graph import build_journey_data
    from journeys.parsing import parse

    root = parse_xml(data, source=source)
    data_dict, notes = build_journey_data(root, source=source, prosimos=prosimos)
    journey = parse(data_dict, source=source)
    return Imported(journey, tuple(notes))
