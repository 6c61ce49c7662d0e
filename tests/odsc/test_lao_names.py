"""A Lao log reads as Lao everywhere: step ids, YAML, reports, plots, process maps.

The log is synthetic: the example log of ``examples/`` (itself made by the
simulator) with its activity, agency and office names put into Lao.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.calibration_input import _slug, _unique_slugs
from journeys.fonts import CSS_FONTS, LAO_FAMILIES, lao_font, plot_families, plot_rc, use_fonts
from journeys.io import dumps, load, loads
from odsc.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "odsc_example_log.csv"
TEMPLATES = Path(__file__).resolve().parents[2] / "odsc" / "templates"

ACTIVITIES = {
    "Get residence certificate": "ຂໍໃບຢັ້ງຢືນທີ່ຢູ່",
    "Submit application": "ຍື່ນຄຳຮ້ອງ",
    "Review dossier": "ກວດເອກະສານ",
    "Police clearance": "ໃບຢັ້ງຢືນຈາກຕຳຫຼວດ",
    "Environmental site check": "ກວດສະຖານທີ່ສິ່ງແວດລ້ອມ",
    "Tax registration (TIN)": "ລົງທະບຽນອາກອນ (TIN)",
    "Approve and sign licence": "ອະນຸມັດ ແລະ ເຊັນໃບອະນຸຍາດ",
    "Pay licence fee and collect licence": "ຈ່າຍຄ່າທຳນຽມ ແລະ ຮັບໃບອະນຸຍາດ",
}
AGENCIES = {
    "Commerce": "ອຸດສາຫະກຳ ແລະ ການຄ້າ",
    "Village": "ບ້ານ",
    "Police": "ຕຳຫຼວດ",
    "Environment": "ສິ່ງແວດລ້ອມ",
    "Tax": "ອາກອນ",
}
DOORS = {
    "DOIC front office": "ຫ້ອງການອຸດສາຫະກຳ ແລະ ການຄ້າ",
    "Village office": "ຫ້ອງການບ້ານ",
    "Police station": "ປ້ອມຕຳຫຼວດ",
    "Tax office": "ຫ້ອງການອາກອນ",
}


def _has_lao_font() -> bool:
    """Fontconfig's own answer, independent of the code under test."""
    if shutil.which("fc-list") is None:
        return False
    out = subprocess.run(["fc-list", ":lang=lo", "family"], capture_output=True, text=True)
    # DejaVu Sans has the basic Lao letters; a Lao font is one made for the script
    return any("dejavu" not in line.lower() for line in out.stdout.splitlines() if line.strip())


@pytest.fixture(scope="module")
def lao_log(tmp_path_factory) -> Path:
    df = pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False)
    df["concept:name"] = df["concept:name"].map(ACTIVITIES)
    df["org:group"] = df["org:group"].map(AGENCIES)
    df["odsc:door"] = df["odsc:door"].map(lambda d: DOORS.get(d, d))
    assert df["concept:name"].notna().all() and df["org:group"].notna().all()
    path = tmp_path_factory.mktemp("lao") / "lao.csv"
    df.to_csv(path, index=False)
    return path


# ------------------------------------------------------------------ ids
def test_ids_keep_the_script():
    assert _slug("ຍື່ນຄຳຮ້ອງ") == "ຍື່ນຄຳຮ້ອງ"
    assert _slug("ກວດເອກະສານ") == "ກວດເອກະສານ"
    assert _slug("ອະນຸມັດ ແລະ ເຊັນໃບອະນຸຍາດ") == "ອະນຸມັດ_ແລະ_ເຊັນໃບອະນຸຍາດ"
    assert _slug("ລົງທະບຽນອາກອນ (TIN)") == "ລົງທະບຽນອາກອນ_tin"
    assert _slug("Submit-form, v2") == "submit_form_v2"
    assert _slug("Đăng ký kinh doanh") == "đăng_ký_kinh_doanh"
    assert _unique_slugs(["ຍື່ນຄຳຮ້ອງ", "ຍື່ນ ຄຳຮ້ອງ", "ຍື່ນຄຳຮ້ອງ"], taken=set()) == [
        "ຍື່ນຄຳຮ້ອງ",
        "ຍື່ນ_ຄຳຮ້ອງ",
        "ຍື່ນຄຳຮ້ອງ_2",
    ]


def test_ids_are_nfc_normalised():
    decomposed = unicodedata.normalize("NFD", "Vérifier")
    assert decomposed != "Vérifier"
    assert _slug(decomposed) == "vérifier"


def test_calibrated_lao_model_keeps_lao_ids_and_round_trips(lao_log: Path, tmp_path: Path):
    out = tmp_path / "as_is.yaml"
    r = CliRunner().invoke(main, ["calibrate", str(lao_log), "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    assert "\\u" not in text and "ຍື່ນຄຳຮ້ອງ:" in text  # written as Lao, not escaped
    j = load(out)
    assert j.step_ids == (
        "ຂໍໃບຢັ້ງຢືນທີ່ຢູ່",
        "ຍື່ນຄຳຮ້ອງ",
        "ກວດເອກະສານ",
        "ໃບຢັ້ງຢືນຈາກຕຳຫຼວດ",
        "ກວດສະຖານທີ່ສິ່ງແວດລ້ອມ",
        "ລົງທະບຽນອາກອນ_tin",
        "ອະນຸມັດ_ແລະ_ເຊັນໃບອະນຸຍາດ",
        "ຈ່າຍຄ່າທຳນຽມ_ແລະ_ຮັບໃບອະນຸຍາດ",
    )
    assert j.step("ຍື່ນຄຳຮ້ອງ").name == "ຍື່ນຄຳຮ້ອງ"
    assert sorted(a.id for a in j.agencies) == sorted(
        ["ບ້ານ", "ຕຳຫຼວດ", "ສິ່ງແວດລ້ອມ", "ອາກອນ", "ອຸດສາຫະກຳ_ແລະ_ການຄ້າ"]
    )
    assert j.step("ຍື່ນຄຳຮ້ອງ").door == "ຫ້ອງການອຸດສາຫະກຳ_ແລະ_ການຄ້າ"
    assert loads(dumps(j)) == j

    walked = CliRunner().invoke(main, ["journey", "walk", str(out)])
    assert walked.exit_code == 0 and "At ຫ້ອງການບ້ານ: ຂໍໃບຢັ້ງຢືນທີ່ຢູ່" in walked.output


# ------------------------------------------------------------------ fonts
@pytest.mark.skipif(not _has_lao_font(), reason="no font with Lao glyphs installed")
def test_plots_find_a_lao_font_when_one_is_installed():
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    name = lao_font()
    assert name is not None
    assert plot_families() == ["DejaVu Sans", name]
    assert plot_rc() == {"font.family": ["DejaVu Sans", name]}
    # every family of the list is installed and has Lao letters (DejaVu Sans has the
    # basic ones; the Lao font is the fallback and the browser's choice for SVG text)
    for family in plot_families():
        prop = font_manager.FontProperties(family=family)
        path = font_manager.findfont(prop, fallback_to_default=False)
        assert 0x0E8D in FT2Font(path).get_charmap()  # ຍ


@pytest.mark.skipif(not _has_lao_font(), reason="no font with Lao glyphs installed")
def test_lao_text_is_drawn_with_lao_glyphs_not_boxes():
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.use("Agg")

    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def ink(text, families):
        fig = Figure(figsize=(1, 1), dpi=50)
        FigureCanvasAgg(fig)
        fig.text(0.1, 0.3, text, fontsize=20, fontfamily=families)
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba())[..., 0].copy()

    # a font without Lao draws every Lao letter as the same box ("tofu"), so two letters
    # would give the same picture; drawn with the plot fonts they are two glyphs
    assert (ink("ກ", plot_families()) != ink("ຍ", plot_families())).any()
    assert (ink("ກ", plot_families()) != ink("", plot_families())).any()
    fig = Figure()
    title = fig.add_subplot().set_title("ກວດເອກະສານ")
    use_fonts(fig)
    assert title.get_fontfamily() == plot_families()


def test_reports_ask_the_browser_for_a_lao_font():
    for name in ("mine.html.j2", "compare.html.j2", "demo.html.j2"):
        assert f"font-family: {CSS_FONTS};" in (TEMPLATES / name).read_text(encoding="utf-8")
    assert all(f'"{f}"' in CSS_FONTS for f in LAO_FAMILIES)


def test_lao_report_and_blueprint(lao_log: Path, tmp_path: Path):
    report = tmp_path / "report.html"
    r = CliRunner().invoke(main, ["mine", str(lao_log), "-o", str(report)])
    assert r.exit_code == 0, r.output
    html = report.read_text(encoding="utf-8")
    assert "ກວດສະຖານທີ່ສິ່ງແວດລ້ອມ" in html
    # Lao is written as text, not as character references (&#39; for ' is fine)
    assert not re.search(r"&#(x[0-9a-fA-F]{3,}|[0-9]{3,});", html.split("<svg")[0][-2000:])
    yaml_path = tmp_path / "as_is.yaml"
    r = CliRunner().invoke(main, ["calibrate", str(lao_log), "-o", str(yaml_path)])
    assert r.exit_code == 0, r.output
    png = tmp_path / "plan.png"
    r = CliRunner().invoke(main, ["journey", "plot", str(yaml_path), "-o", str(png)])
    assert r.exit_code == 0 and png.stat().st_size > 0, r.output

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from journeys.blueprint import blueprint

    ax = blueprint(load(yaml_path))
    lao = [t for t in ax.texts if "ຍື່ນຄຳຮ້ອງ" in t.get_text()]
    assert lao and all(t.get_fontfamily() == plot_families() for t in lao)
    plt.close(ax.figure)
