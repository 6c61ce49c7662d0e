"""`odsc redesign`, run through click's runner: changes printed, a valid file written."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from journeys.catalog import load_catalog
from journeys.io import dumps, load
from journeys.metrics import static_metrics
from journeys.validate import validate
from odsc.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_one_door_digitize_add_staff_writes_a_valid_journey(tmp_path):
    out = tmp_path / "to_be.yaml"
    r = run(
        "redesign", "business-licence", "--one-door", "ODSC front desk",
        "--digitize", "Tax,Commerce", "--add-staff", "odsc_desk=2", "-o", str(out),
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    j = load(out)
    assert validate(j) == []
    assert j.id == "business-licence-to-be"
    assert j.name == "Enterprise licence registration (to-be)"
    assert [d.name for d in j.doors] == ["ODSC front desk"]
    assert j.pool("odsc_desk").capacity == 7  # 5 front-stage desks + 2
    assert j.successors("tax_registration")[0].carrier == "digital"
    assert static_metrics(j).visits == 2.0
    lines = r.output.splitlines()
    assert lines[0].startswith("  1. One door: the citizen now deals only with 'ODSC front desk'")
    assert " 16. Pool odsc_desk: 5 -> 7 desks (+2)." in lines
    assert "  Visits to offices                    5.25        2.00" in lines
    assert lines[-1] == f"wrote {out} (business-licence-to-be, 8 steps)"


def test_eliminate_twice_and_appointments_on_a_file(tmp_path):
    src = tmp_path / "as_is.yaml"
    src.write_text(dumps(load_catalog("family-book")), encoding="utf-8")
    out = tmp_path / "sub" / "to_be.yaml"
    r = run(
        "redesign", str(src), "--eliminate", "village_cert", "--eliminate", "chief_sign",
        "--appointments", "0.3", "-o", str(out),
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    j = load(out)
    assert "village_cert" not in j.step_ids and "chief_sign" not in j.step_ids
    assert j.arrivals.appointment_share == 0.3
    assert [t.source for t in j.predecessors("register_birth")] == ["birth_notice"]
    assert "  3. Appointments: 30% of citizens book a time and are served first (was 0%)." in (
        r.output.splitlines()
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (["--eliminate", "nope"], "error: business-licence: --eliminate nope: no step 'nope'"),
        (["--add-staff", "desk"], "error: business-licence: --add-staff 'desk': expected POOL=N"),
        (["--add-staff", "desk=two"], "expected POOL=N, e.g. desk=2"),
        (["--add-staff", "desk=1"], "error: business-licence: --add-staff desk=1: no pool 'desk'"),
        (["--digitize", "Tax,Customs"], "--digitize Tax,Customs: no agency 'Customs'"),
        (["--appointments", "2"], "--appointments 2: the share must be a number from 0 to 1"),
        (["--eliminate", "collect_licence"], "is an end of the journey"),
        ([], "no redesign asked"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "to_be.yaml"
    r = CliRunner().invoke(main, ["redesign", "business-licence", *args, "-o", str(out)])
    assert r.exit_code == 2
    assert r.output.count("\n") == 1 and r.output.startswith("error: ")
    assert message in r.output and "Traceback" not in r.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_unknown_pool_after_one_door_names_the_pools_left(tmp_path):
    # one_door removes the village chief's desk: it can no longer be staffed
    r = CliRunner().invoke(
        main,
        [
            "redesign",
            "business-licence",
            "--one-door",
            "X",
            "--add-staff",
            "village_chief=1",
            "-o",
            str(tmp_path / "x.yaml"),
        ],  # fmt: skip
    )
    assert r.exit_code == 2
    assert "no pool 'village_chief' (known: doic_desk, doic_officer" in r.output
    assert "odsc_desk" in r.output
    assert not (tmp_path / "x.yaml").exists()


def test_redesign_takes_id_and_name_and_refuses_the_as_is_id(tmp_path) -> None:
    out = tmp_path / "to_be.yaml"
    args = ["redesign", "business-licence", "--digitize", "all", "-o", str(out)]
    r = CliRunner().invoke(main, [*args, "--id", "bl-digital", "--name", "Licence, digital"])
    assert r.exit_code == 0, r.output
    j = load(out)
    assert (j.id, j.name) == ("bl-digital", "Licence, digital")
    r = CliRunner().invoke(main, [*args, "--id", "business-licence"])
    assert r.exit_code == 2
    assert "needs an id of its own" in r.output


@pytest.mark.parametrize("value", ["tax", "tax=", "=2d", "tax=2 days", "tax=0d", "tax=-1h"])
def test_standard_option_refuses_malformed_times(tmp_path, value) -> None:
    out = tmp_path / "to_be.yaml"
    r = CliRunner().invoke(
        main, ["redesign", "business-licence", "--standard", value, "-o", str(out)]
    )
    assert r.exit_code == 2
    assert "--standard" in r.output and "AGENCY=TIME" in r.output
    assert not out.exists()


def test_standard_on_a_journey_without_measured_backlog_says_why(tmp_path) -> None:
    out = tmp_path / "to_be.yaml"
    r = CliRunner().invoke(
        main, ["redesign", "business-licence", "--standard", "Tax=2d", "-o", str(out)]
    )
    assert r.exit_code == 2
    assert "no handoff into" in r.output and "measured backlog" in r.output
    assert not out.exists()
