"""`odsc journey tcv`: the one-page TCV table from the command line."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from odsc.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_csv_html_and_markdown(tmp_path):
    out = tmp_path / "t.csv"
    r = run("journey", "tcv", "business-licence", "business-licence-one-door", "-o", str(out))
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    steps = [x for x in rows if x["section"] == "step"]
    first = steps[0]
    assert (first["step before"], first["what changed"], first["fee before (LAK)"]) == (
        "Get residence certificate", "removed", "20000")
    total = next(x for x in rows if x["section"] == "total per case")
    assert (total["visits before"], total["visits after"]) == ("5.25", "2")
    assert (total["fee before (LAK)"], total["fee after (LAK)"]) == ("412500", "380000")
    gone = {x["note"] for x in rows if x["what changed"] == "no longer asked"}
    assert {"residence certificate", "police form", "tax form"} <= gone
    html = tmp_path / "t.html"
    assert run("journey", "tcv", "land-title", "land-title-one-door", "-o", str(html)).exit_code == 0
    text = html.read_text(encoding="utf-8")
    assert "2,400,000 LAK" in text and "<script" not in text and "onclick" not in text
    assert "land_office" not in text and "doic_desk" not in text  # names, not ids
    md = tmp_path / "t.md"
    assert run("journey", "tcv", "family-book", "family-book-one-door", "-o", str(md)).exit_code == 0
    assert "| **Total per case** | | | 25.0 days -> 2.2 days | 55,000 LAK -> 55,000 LAK | 5.33 -> 2 |" in md.read_text()


@pytest.mark.parametrize(
    "args, message",
    [
        (("business-licence", "nope", "-o", "{d}/t.html"), "nope: no such journey file"),
        (("business-licence", "land-title", "-o", "{d}/t.pdf"), "t.pdf: unknown output type '.pdf'"),
        (("{d}/bad.yaml", "land-title", "-o", "{d}/t.md"), "bad.yaml: name: is required"),
        (("{d}/usd.yaml", "land-title", "-o", "{d}/t.md"), "land-title: counts money in LAK"),
    ],
)
def test_bad_input_one_line_status_2_nothing_written(tmp_path, args, message):
    (tmp_path / "bad.yaml").write_text("id: x\n")
    from journeys.catalog import load_catalog
    from journeys.io import dumps

    usd = dumps(load_catalog("land-title")).replace("currency: LAK", "currency: USD")
    (tmp_path / "usd.yaml").write_text(usd, encoding="utf-8")
    (tmp_path / "t.md").write_text("old")
    r = CliRunner().invoke(main, ["journey", "tcv", *[a.format(d=tmp_path) for a in args]])
    assert r.exit_code == 2
    assert message in r.output and "Traceback" not in r.output
    assert (tmp_path / "t.md").read_text() == "old"
    assert not (tmp_path / "t.html").exists()


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
@pytest.mark.parametrize("name", ["business-licence", "land-title", "family-book"])
def test_the_html_prints_on_one_a4_page(tmp_path, name):
    html = tmp_path / "t.html"
    assert run("journey", "tcv", name, f"{name}-one-door", "-o", str(html)).exit_code == 0
    pdf = tmp_path / "t.pdf"
    subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--no-first-run", f"--user-data-dir={tmp_path / 'profile'}", "--no-pdf-header-footer",
         f"--print-to-pdf={pdf}", html.as_uri()],
        capture_output=True, timeout=120, check=True,
    )
    pages = re.findall(rb"/Type\s*/Page[^s]", Path(pdf).read_bytes())
    assert len(pages) == 1


def test_journeys_without_documents_or_fees_say_not_recorded(tmp_path):
    from dataclasses import replace

    from journeys.catalog import load_catalog
    from journeys.io import save

    def bare(name: str):
        j = load_catalog(name)
        steps = tuple(replace(s, fee=0.0, documents=()) for s in j.steps)
        return replace(j, steps=steps, doors=tuple(replace(d, travel_cost=0.0) for d in j.doors))

    save(bare("family-book"), tmp_path / "a.yaml")
    save(bare("family-book-one-door"), tmp_path / "b.yaml")
    md = tmp_path / "t.md"
    r = run("journey", "tcv", str(tmp_path / "a.yaml"), str(tmp_path / "b.yaml"), "-o", str(md))
    assert r.exit_code == 0, r.output
    text = md.read_text()
    assert "Documents asked of the citizen: not recorded (neither journey names them)." in text
    assert "| not recorded -> not recorded |" in text  # fees per case
    assert "0 LAK" not in text
    assert "Travel cost per case: not recorded -> not recorded." in text
