"""Every report, opened in a real browser (headless Chromium through selenium).

Each HTML output a user gets is rendered by Chromium and checked with JavaScript
run in the page:

* nothing is wider than the page: the document does not scroll sideways, and
  every element's box lies within the viewport (content inside a box that
  scrolls or clips sideways is that box's business; the box itself is checked);
* no text is rendered under 9 px: the computed font size of every element with
  text of its own, and for SVG text that size times the scale of its
  transformation to the screen (a wide plot shrunk to the page shrinks its text);
  matplotlib's text drawn as glyph paths counts too (its glyphs are drawn at 1/100
  of the font size, so the size on screen is 100 times the glyphs' scale);
* no ``<script>`` element, no inline ``on*`` handler, no ``javascript:`` link;
* every ``<img>`` has loaded (``complete`` and ``naturalWidth > 0``).

The reports: ``odsc mine`` on the example log and on the real permit log
``receipt.csv`` (beside the project, as the real-log tests read it), ``odsc
compare``, ``odsc demo``, ``odsc programme``, and the journey outputs (the Journey card, the walk,
a slide blueprint's SVG and PNG), the card also inside JupyterLab's rendered-output
rules, whose table alignment it must keep. (A blueprint of ``size="auto"`` is as
wide as its journey, 24 inches for the land title: shrunk to a page its text falls
under 9 px, which is why pages embed slides.)

Chromium and chromedriver come from Debian (``chromium``, ``chromium-driver``;
``make system-deps`` and ``.ci/run`` install them). Without them the test is
skipped with the reason, except in CI (``CI=true``), where it fails. Set
``ODSC_SCREENSHOTS=<folder>`` to keep a full-page screenshot of each report.
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from odsc.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "odsc_example_log.csv"
RECEIPT = ROOT.parent / "shared" / "data" / "receipt.csv"
IN_CI = os.environ.get("CI", "").lower() == "true"
WIDTH = 1300  # a laptop browser window, CSS px

# The rules of JupyterLab's rendered outputs that fight a table (from its
# rendermime stylesheet), so that the Journey card is checked under them.
JUPYTERLAB_CSS = """
.jp-RenderedHTMLCommon table {border-collapse: collapse; border-spacing: 0; border: none;
  font-size: 12px; table-layout: fixed; margin-left: auto; margin-right: auto;}
.jp-RenderedHTMLCommon thead {border-bottom: 1px solid #000; vertical-align: bottom;}
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th, .jp-RenderedHTMLCommon tr {
  vertical-align: middle; padding: 0.5em; line-height: normal; white-space: normal;
  max-width: none; border: none;}
:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon td,
:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon th,
:not(.jp-RenderedMarkdown).jp-RenderedHTMLCommon tr {text-align: right;}
.jp-RenderedHTMLCommon th {font-weight: bold;}
.jp-RenderedHTMLCommon tbody tr:nth-child(odd) {background: #fff;}
.jp-RenderedHTMLCommon tbody tr:nth-child(even) {background: #eee;}
.jp-RenderedHTMLCommon p {text-align: left; margin: 0; margin-bottom: 1em;}
"""

CHECKS = r"""
const doc = document.documentElement, vw = doc.clientWidth;
const out = {scrollWidth: doc.scrollWidth, clientWidth: vw, wide: [], small: [],
             scripts: document.querySelectorAll('script').length, handlers: [], images: []};
function name(el) {
  let s = el.tagName.toLowerCase();
  if (el.id) s += '#' + el.id;
  const c = el.getAttribute('class');
  if (c) s += '.' + c.trim().split(/\s+/).join('.');
  const t = (el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
  return t ? s + ' "' + t + '"' : s;
}
function clippedByAncestor(el) {  // inside a box that scrolls or clips sideways
  for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
    const ox = getComputedStyle(p).overflowX;
    if (ox !== 'visible') return true;
  }
  return false;
}
function ownText(el) {
  for (const n of el.childNodes) if (n.nodeType === 3 && n.textContent.trim()) return true;
  return false;
}
for (const el of document.body.querySelectorAll('*')) {
  for (const a of el.attributes) {
    const k = a.name.toLowerCase();
    if (k.startsWith('on')) out.handlers.push(name(el) + ' ' + k);
    if ((k === 'href' || k === 'src' || k === 'xlink:href') &&
        a.value.trim().toLowerCase().startsWith('javascript:')) out.handlers.push(name(el) + ' ' + k);
  }
  const style = getComputedStyle(el);
  if (style.display === 'none') continue;
  const inSvg = el.closest('svg') !== null && el.tagName.toLowerCase() !== 'svg';
  if (!inSvg) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && (r.left < -1 || r.right > vw + 1) && !clippedByAncestor(el))
      out.wide.push(name(el) + ' [' + Math.round(r.left) + ', ' + Math.round(r.right) + ']');
  }
  if (!ownText(el)) continue;
  let px = parseFloat(style.fontSize);
  if (inSvg && el.getScreenCTM) {
    const m = el.getScreenCTM();
    if (m) px = px * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
  }
  if (px < 9) out.small.push(name(el) + ' ' + px.toFixed(1) + 'px');
}
// matplotlib's SVG with text drawn as glyph paths: a group text_N of <use> glyphs drawn
// at 1/100 of the font size (matplotlib's text-to-path scale), times the scale to the screen
for (const g of document.querySelectorAll('svg g[id^="text_"]')) {
  const u = g.querySelector('use');
  const m = u && u.getScreenCTM();
  if (!m || getComputedStyle(g).display === 'none') continue;
  const px = 100 * Math.sqrt(Math.abs(m.a * m.d - m.b * m.c));
  if (px < 9) out.small.push('svg glyphs ' + g.id + ' ' + px.toFixed(1) + 'px');
}
for (const img of document.images)
  if (!(img.complete && img.naturalWidth > 0)) out.images.push(img.getAttribute('src').slice(0, 60));
return out;
"""


def _browser():
    """The chromium and chromedriver executables, or the reason they are missing."""
    chrome = next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")
                   if shutil.which(n)), None)  # fmt: skip
    driver = shutil.which("chromedriver")
    try:
        import selenium  # noqa: F401
    except ImportError:
        return None, None, "selenium is not installed (pip install -e '.[dev]')"
    if not chrome or not driver:
        return None, None, "chromium and chromium-driver are not installed (make system-deps)"
    return chrome, driver, ""


@pytest.fixture(scope="module")
def driver():
    chrome, chromedriver, why = _browser()
    if why:
        if IN_CI:
            pytest.fail(f"the browser test must run in CI: {why}")
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="odsc-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chrome
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run", "--hide-scrollbars",
                f"--user-data-dir={profile}", f"--window-size={WIDTH},900"):  # fmt: skip
        opts.add_argument(arg)
    d = webdriver.Chrome(service=Service(chromedriver), options=opts)
    d.set_page_load_timeout(120)
    try:
        yield d
    finally:
        d.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _odsc(*args: str) -> None:
    r = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert r.exit_code == 0, r.output


def _journey_pages(folder: Path) -> dict[str, Path]:
    import matplotlib

    matplotlib.use("Agg")
    import io

    import matplotlib.pyplot as plt

    from journeys import blueprint, journey_html, walk_html
    from journeys.catalog import load_catalog

    j = load_catalog("land-title")
    ax = blueprint(j, size="slide")  # what an HTML page embeds: readable at its width
    svg = io.StringIO()
    ax.figure.savefig(svg, format="svg", bbox_inches="tight")
    plt.close(ax.figure)
    png = folder / "slide.png"
    _odsc("journey", "plot", "land-title-one-door", "-o", str(png), "--size", "slide",
          "--dpi", "100")  # fmt: skip
    png64 = base64.b64encode(png.read_bytes()).decode("ascii")
    page = ("<!doctype html><html><head><meta charset='utf-8'><title>{t}</title>"
            "<style>body{{margin:16px;font-family:sans-serif}} svg, img {{max-width:100%;"
            "height:auto}}</style><style>{css}</style></head><body>{b}</body></html>")  # fmt: skip
    card = journey_html(j) + walk_html(j.walk())
    out = {
        "journey": page.format(t="Journey", css="", b=card + svg.getvalue().split("?>", 1)[-1]
                               + f'<img alt="slide" src="data:image/png;base64,{png64}">'),
        "journey-jupyterlab": page.format(
            t="Journey in JupyterLab", css=JUPYTERLAB_CSS,
            b=f'<div class="jp-RenderedHTMLCommon jp-OutputArea-output">{card}</div>'),
    }  # fmt: skip
    paths = {}
    for k, text in out.items():
        paths[k] = folder / f"{k}.html"
        paths[k].write_text(text, encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reports")
    paths = {"mine-example": folder / "mine-example.html"}
    _odsc("mine", str(EXAMPLE), "-o", str(paths["mine-example"]))
    if RECEIPT.exists():
        paths["mine-receipt"] = folder / "mine-receipt.html"
        _odsc("mine", str(RECEIPT), "-o", str(paths["mine-receipt"]))
    paths["compare"] = folder / "compare.html"
    _odsc("compare", "business-licence", "business-licence-one-door", "--replications", "3",
          "--days", "20", "--tail-days", "40", "--jobs", "1", "-o", str(paths["compare"]))  # fmt: skip
    _odsc("demo", "-o", str(folder / "demo"), "--replications", "3", "--jobs", "1")
    paths["demo"] = folder / "demo" / "report.html"
    paths |= _journey_pages(folder)
    manifest = folder / "centres.yaml"
    manifest.write_text("centres:\n  - {id: a, name: Xaythany ODSC, journey: family-book,"
                        " to_be: family-book-one-door}\n  - {id: b, journey: land-title,"
                        " to_be: land-title-one-door}\n")  # fmt: skip
    paths["programme"] = folder / "programme.html"
    _odsc("programme", str(manifest), "--replications", "2", "--days", "8", "--tail-days", "40",
          "--jobs", "1", "-o", str(paths["programme"]))  # fmt: skip
    return paths


NAMES = ["mine-example", "mine-receipt", "compare", "demo", "journey", "journey-jupyterlab",
         "programme"]


@pytest.mark.parametrize("name", NAMES)
def test_report_in_chromium(driver, reports, name):
    if name not in reports:
        if IN_CI:
            pytest.fail(f"{RECEIPT} is missing in CI")
        pytest.skip(f"{RECEIPT} is not beside the project")
    driver.get(reports[name].as_uri())
    found = driver.execute_script(CHECKS)
    keep = os.environ.get("ODSC_SCREENSHOTS")
    if keep:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(WIDTH, min(int(height) + 100, 16000))
        Path(keep).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(keep) / f"{name}.png"))
        driver.set_window_size(WIDTH, 900)
    problems = {
        "the page scrolls sideways": found["scrollWidth"] > found["clientWidth"],
        "elements wider than the page": found["wide"][:8],
        "text under 9 px": found["small"][:8],
        "script elements": found["scripts"],
        "inline handlers or javascript: links": found["handlers"][:8],
        "images not loaded": found["images"][:8],
    }
    assert not {k: v for k, v in problems.items() if v}, f"{name}: {problems}"


def test_journey_card_keeps_its_alignment_under_jupyterlab(driver, reports):
    driver.get(reports["journey-jupyterlab"].as_uri())
    got = driver.execute_script(r"""
      const q = s => getComputedStyle(document.querySelector(s));
      const td = q('.odsc-journey table.odsc-t tbody td:nth-child(2)');
      const num = q('.odsc-journey table.odsc-t tbody td.num');
      const table = q('.odsc-journey table.odsc-t:not(.kpi)');
      const walkTd = q('.odsc-walk table.odsc-t tbody td:nth-child(2)');
      const rows = [...document.querySelectorAll('.odsc-walk table.odsc-t tbody tr:not(.back)')]
        .map(r => getComputedStyle(r).backgroundColor);
      return {td: td.textAlign, num: num.textAlign, walk: walkTd.textAlign,
              layout: table.tableLayout, marginLeft: table.marginLeft,
              valign: td.verticalAlign, rows: [...new Set(rows)]};
    """)
    # JupyterLab's rules would make these right, fixed, auto (centred), middle and striped
    assert got["td"] == "left" and got["walk"] == "left" and got["num"] == "right"
    assert got["layout"] == "auto" and got["marginLeft"] == "0px" and got["valign"] == "top"
    assert got["rows"] == ["rgba(0, 0, 0, 0)"]
