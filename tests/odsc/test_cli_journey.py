"""The `odsc journey` commands, run through click's runner and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from odsc.cli import main

BAD = Path(__file__).resolve().parents[1] / "data" / "bad_journeys"


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_help_does_not_import_the_heavy_libraries():
    code = (
        "import sys; from odsc.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('pandas', 'pm4py', 'matplotlib', 'simpy', 'networkx') if m in sys.modules]\n"
        "print('HEAVY=' + ','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "HEAVY="


def test_python_dash_m_odsc_works():
    out = subprocess.run(
        [sys.executable, "-m", "odsc", "journey", "list"], capture_output=True, text=True
    )
    assert out.returncode == 0
    assert "business-licence-one-door" in out.stdout


def test_list_names_every_catalogue_journey():
    from journeys.catalog import catalog_names

    r = run("journey", "list", "--json")
    assert r.exit_code == 0
    assert [row["name"] for row in json.loads(r.output)] == catalog_names()


def test_validate_good_file_and_catalogue_name(tmp_path):
    from journeys import dumps, load_catalog

    f = tmp_path / "licence.yaml"
    f.write_text(dumps(load_catalog("business-licence")), encoding="utf-8")
    r = run("journey", "validate", str(f), "family-book")
    assert r.exit_code == 0
    assert f"{f}: valid (8 steps, 5 agencies)" in r.output
    assert "family-book: valid" in r.output


@pytest.mark.parametrize("bad", sorted(BAD.glob("*.yaml")), ids=lambda p: p.name)
def test_every_bad_journey_exits_2_naming_the_file(bad):
    r = CliRunner().invoke(main, ["journey", "validate", str(bad)])
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert lines, "no message"
    assert all(line.startswith(f"error: {bad}: ") for line in lines)
    assert "Traceback" not in r.output + r.stderr


def test_bad_corpus_is_not_empty():
    assert len(list(BAD.glob("*.yaml"))) >= 14


def test_missing_file_is_one_line_exit_2():
    r = CliRunner().invoke(main, ["journey", "walk", "no/such/file.yaml"])
    assert r.exit_code == 2
    assert r.stderr.strip() == "error: no/such/file.yaml: no such file"


def test_unknown_catalogue_name():
    r = CliRunner().invoke(main, ["journey", "show", "business-license"])
    assert r.exit_code == 2
    assert "business-license: no such journey file or catalogue name" in r.stderr


def test_show_prints_yaml_that_loads_back_equal():
    from journeys import load_catalog, loads

    r = run("journey", "show", "land-title")
    assert r.exit_code == 0
    assert loads(r.output) == load_catalog("land-title")


def test_walk_prints_a_table_with_offices_and_visits():
    r = run("journey", "walk", "business-licence")
    assert r.exit_code == 0
    for text in ("Village office", "DOIC front office", "District police station", "5 visits to 4 offices"):
        assert text in r.output


def test_walk_json_follows_the_given_path():
    path = "village_cert,submit,doic_review,submit,doic_review,police_clearance"
    r = run("journey", "walk", "business-licence", "--json", "--path", path)
    assert r.exit_code == 0
    rows = json.loads(r.output)
    assert [row["step"] for row in rows] == path.split(",")


def test_walk_bad_path_is_a_user_error():
    r = CliRunner().invoke(main, ["journey", "walk", "business-licence", "--path", "submit,collect_licence"])
    assert r.exit_code == 2
    assert "submit" in r.stderr and "collect_licence" in r.stderr


def test_metrics_json_has_visits_for_each_journey():
    from journeys import load_catalog
    from journeys.metrics import static_metrics

    r = run("journey", "metrics", "business-licence", "business-licence-one-door", "--json")
    assert r.exit_code == 0
    data = json.loads(r.output)
    assert set(data) == {"business-licence", "business-licence-one-door"}
    assert data["business-licence"]["visits"] == pytest.approx(
        static_metrics(load_catalog("business-licence")).visits
    )
    assert data["business-licence-one-door"]["visits"] < data["business-licence"]["visits"]


def test_plot_writes_png_and_svg(tmp_path):
    png, svg = tmp_path / "map.png", tmp_path / "sub" / "map.svg"
    assert run("journey", "plot", "business-licence", "-o", str(png)).exit_code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run("journey", "plot", "business-licence", "-o", str(svg)).exit_code == 0
    assert "<svg" in svg.read_text(encoding="utf-8")[:500]


def test_plot_of_bad_journey_writes_nothing(tmp_path):
    out = tmp_path / "map.png"
    out.write_bytes(b"keep me")
    bad = sorted(BAD.glob("*.yaml"))[0]
    r = CliRunner().invoke(main, ["journey", "plot", str(bad), "-o", str(out)])
    assert r.exit_code == 2
    assert out.read_bytes() == b"keep me"


def test_plot_refuses_unknown_image_type(tmp_path):
    r = CliRunner().invoke(main, ["journey", "plot", "business-licence", "-o", str(tmp_path / "m.gif")])
    assert r.exit_code == 2
    assert "unsupported image type" in r.stderr
    assert not (tmp_path / "m.gif").exists()


def test_plot_size_slide_writes_a_16_9_page(tmp_path):
    import struct

    png = tmp_path / "slide.png"
    r = run("journey", "plot", "land-title", "-o", str(png), "--size", "slide", "--dpi", "60")
    assert r.exit_code == 0, r.output
    width, height = struct.unpack(">II", png.read_bytes()[16:24])  # the PNG's IHDR
    assert (width, height) == (800, 450)  # 13.333 x 7.5 in at 60 dpi: 16:9


def test_plot_bad_size_is_one_line_and_writes_nothing(tmp_path):
    out = tmp_path / "map.png"
    r = CliRunner().invoke(main, ["journey", "plot", "land-title", "-o", str(out), "--size", "poster"])
    assert r.exit_code == 2
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "--size" in lines[0] and "poster" in lines[0]
    assert "Traceback" not in r.output and not out.exists()
