"""`odsc journey export` and `odsc journey import`, and each of their bad inputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from journeys import load, load_catalog
from odsc.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_export_then_import_gives_back_the_journey(tmp_path: Path) -> None:
    model, params, back = tmp_path / "fb.bpmn", tmp_path / "fb.json", tmp_path / "fb.yaml"
    r = run("journey", "export", "family-book", "-o", str(model), "--prosimos", str(params))
    assert r.exit_code == 0, r.output
    assert f"wrote {model} (8 tasks, 4 lanes)" in r.output
    # the lossy note names what Prosimos cannot say
    assert "lossy: Prosimos cannot express" in r.output
    for word in ("visits:", "fees:", "hourly arrival weights", "going home at closing"):
        assert word in r.output
    p = json.loads(params.read_text(encoding="utf-8"))
    assert {"resource_profiles", "resource_calendars", "task_resource_distribution",
            "gateway_branching_probabilities", "arrival_time_distribution",
            "arrival_time_calendar"} <= set(p)
    r = run("journey", "import", str(model), "-o", str(back))
    assert r.exit_code == 0, r.output
    assert load(back) == load_catalog("family-book")
    assert "assumed or left out" not in r.output  # our own export needs no default


def test_import_prints_the_defaults_it_applied(tmp_path: Path) -> None:
    model = tmp_path / "hand.bpmn"
    model.write_text(
        '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" targetNamespace="x">'
        '<process id="p" name="Stall permit"><startEvent id="s"/><task id="a" name="Apply"/>'
        '<sequenceFlow id="f" sourceRef="s" targetRef="a"/></process></definitions>',
        encoding="utf-8")
    out = tmp_path / "j.yaml"
    r = run("journey", "import", str(model), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "no duration for 1 of 1 tasks (apply): exponential with mean 10 minutes" in r.output
    assert "no arrival rate in the model: 10 cases a working day" in r.output
    j = load(out)
    assert j.id == "stall-permit" and j.step_ids == ("apply",)


BAD_MODELS = {
    "not_xml.bpmn": (b"{ json? }", "not_xml.bpmn: not XML: "),
    "html.bpmn": (b"<html><body/></html>", "html.bpmn: not a BPMN 2.0 model: the root element is 'html'"),
    "dangling.bpmn": (
        b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"><process id="p">'
        b'<startEvent id="s"/><sequenceFlow id="f9" sourceRef="s" targetRef="t"/></process>'
        b'</definitions>',
        "dangling.bpmn: sequenceFlow f9: targetRef 't' is not an element of process p"),
}


@pytest.mark.parametrize("name", sorted(BAD_MODELS))
def test_bad_models_fail_with_one_line_and_write_nothing(name: str, tmp_path: Path) -> None:
    data, message = BAD_MODELS[name]
    model = tmp_path / name
    model.write_bytes(data)
    out = tmp_path / "j.yaml"
    out.write_text("keep me", encoding="utf-8")
    r = run("journey", "import", str(model), "-o", str(out))
    assert r.exit_code == 2
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {tmp_path / message}")
    assert "Traceback" not in r.output
    assert out.read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("args, message", [
    (["journey", "import", "{d}/nope.bpmn", "-o", "{d}/j.yaml"], "{d}/nope.bpmn: no such file"),
    (["journey", "import", "{d}", "-o", "{d}/j.yaml"], "Invalid value for 'MODEL'"),
    (["journey", "import", "{d}/ok.bpmn", "-o", "{d}/j.txt"], "{d}/j.txt: unknown output type '.txt'"),
    (["journey", "import", "{d}/ok.bpmn", "--prosimos", "{d}/bad.json", "-o", "{d}/j.yaml"],
     "{d}/bad.json: not JSON: Expecting value (line 1, column 1)"),
    (["journey", "import", "{d}/ok.bpmn", "--prosimos", "{d}/list.json", "-o", "{d}/j.yaml"],
     "{d}/list.json: not Prosimos parameters: the JSON is not an object"),
    (["journey", "import", "{d}/ok.bpmn", "--prosimos", "{d}/shape.json", "-o", "{d}/j.yaml"],
     "{d}/shape.json: not Prosimos parameters: missing or bad field"),
    (["journey", "export", "no-such-journey", "-o", "{d}/x.bpmn"], "no-such-journey"),
    (["journey", "export", "family-book", "-o", "{d}/x.svg"], "{d}/x.svg: unknown output type '.svg'"),
    (["journey", "export", "family-book", "-o", "{d}/x.bpmn", "--prosimos", "{d}/p.yaml"],
     "{d}/p.yaml: unknown output type '.yaml'"),
    (["journey", "export", "family-book", "-o", "{d}/x.xml", "--prosimos", "{d}/x.xml"],
     "{d}/x.xml: unknown output type '.xml'"),
])
def test_bad_options_fail_with_one_line(args: list[str], message: str, tmp_path: Path) -> None:
    from journeys.bpmn_export import to_bpmn

    (tmp_path / "ok.bpmn").write_bytes(to_bpmn(load_catalog("family-book")))
    (tmp_path / "bad.json").write_text("", encoding="utf-8")
    (tmp_path / "list.json").write_text("[1, 2]", encoding="utf-8")
    (tmp_path / "shape.json").write_text('{"resource_profiles": 3}', encoding="utf-8")
    d = str(tmp_path)
    r = run(*[a.format(d=d) for a in args])
    assert r.exit_code == 2, r.output
    assert message.format(d=d) in r.output
    assert "Traceback" not in r.output
    assert not (tmp_path / "j.yaml").exists() and not (tmp_path / "x.bpmn").exists()
