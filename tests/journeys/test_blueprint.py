"""Tests of the service blueprint (journeys.blueprint)."""

from __future__ import annotations

import copy
import itertools

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from journeys import blueprint  # noqa: E402
from journeys.catalog import catalog_names, load_catalog  # noqa: E402
from journeys.errors import InputError  # noqa: E402
from journeys.model import Agency, Distribution, Door, Journey, Step, Transition  # noqa: E402

MIN = Distribution.fixed


def tiny_journey() -> Journey:
    """Five steps, two doors, one rework loop.

    a (door d1) -none-> b (door d1) -courier-> c (back office, x)
    c -0.75 citizen-> d (door d1) -none-> e (door d2);  c -0.25 citizen-> a (rework).
    By hand: a and b are one visit (same door, no carrier); d is a new visit (the
    citizen carried the papers); e is a new visit (another door). Visits 1, 1, -, 2, 3.
    """
    steps = (
        Step("a", "x", MIN(10), name="Apply", door="d1", citizen_present=True, fee=5000),
        Step("b", "x", MIN(5), name="Pay", door="d1", citizen_present=True, fee=20000),
        Step("c", "x", MIN(30), name="Check"),
        Step("d", "x", MIN(5), name="Sign", door="d1", citizen_present=True),
        Step("e", "y", MIN(5), name="Register", door="d2", citizen_present=True),
    )
    transitions = (
        Transition("a", "b"),
        Transition("b", "c", carrier="courier", batch_times=("15:00",)),
        Transition("c", "a", probability=0.25, carrier="citizen", delay=MIN(2880)),
        Transition("c", "d", probability=0.75, carrier="citizen", delay=MIN(1440)),
        Transition("d", "e"),
    )
    return Journey(
        "tiny", "Tiny service", "a", steps, transitions,
        agencies=(Agency("x", "Agency X"), Agency("y", "Agency Y")),
        doors=(Door("d1", "Office one", "x"), Door("d2", "Office two", "y")),
    )  # fmt: skip


def ten_step_journey() -> Journey:
    """A land-title transfer: 10 steps, 5 agencies, 4 doors, a parallel split and loops."""

    def st(i, agency, name, minutes, door=None, **kw):
        return Step(i, agency, MIN(minutes), name=name, door=door, citizen_present=bool(door), **kw)

    steps = (
        st("village_letter", "village", "Village letter confirming ownership", 15, "village_office",
           fee=10000, documents=("family book", "ID card"), stage="Prepare"),
        st("submit", "land", "Submit transfer dossier", 25, "land_office", fee=50000,
           documents=("title deed", "sale contract", "village letter", "ID cards"), stage="Apply"),
        st("pay_fee", "land", "Pay assessed registration fee", 10, "land_office", fee=150000,
           documents=("assessment slip",), stage="Apply"),
        st("survey_check", "land", "Check cadastral map and boundaries", 90, split="and",
           stage="Check"),
        st("tax_assess", "tax", "Assess transfer tax", 30, stage="Check"),
        st("notary", "justice", "Certify sale contract", 20, "notary_office", fee=30000,
           documents=("sale contract", "ID cards"), stage="Check"),
        st("title_print", "land", "Print new title deed", 15, join="and", stage="Decide"),
        st("governor_sign", "governor", "District governor signs title", 10, stage="Decide"),
        st("collect_title", "land", "Collect new title deed", 10, "land_office",
           documents=("receipt",), stage="Receive"),
        st("tax_record", "tax", "Record new owner for land tax", 15, "tax_office", fee=20000,
           documents=("new title deed",), stage="Receive"),
    )  # fmt: skip
    days = Distribution("uniform", {"low": 1440, "high": 2880})
    transitions = (
        Transition("village_letter", "submit", carrier="citizen", delay=days),
        Transition("submit", "pay_fee", carrier="citizen", delay=MIN(1440)),
        Transition("pay_fee", "survey_check", carrier="courier", batch_times=("14:00",)),
        Transition("survey_check", "tax_assess", carrier="digital", delay=MIN(60)),
        Transition("survey_check", "notary", carrier="citizen", delay=days),
        Transition("tax_assess", "title_print", carrier="digital"),
        Transition("notary", "title_print", carrier="courier", batch_times=("10:00", "15:00")),
        Transition("title_print", "governor_sign", probability=0.75, carrier="courier",
                   batch_times=("09:00",)),
        Transition("title_print", "survey_check", probability=0.15),
        Transition("title_print", "collect_title", probability=0.10, carrier="citizen",
                   delay=days),
        Transition("governor_sign", "collect_title", carrier="citizen", delay=MIN(4320)),
        Transition("collect_title", "tax_record", carrier="citizen", delay=days),
    )  # fmt: skip
    agencies = (
        Agency("village", "Village authority"),
        Agency("land", "District Office of Natural Resources and Environment (land)"),
        Agency("justice", "District Justice Office"),
        Agency("tax", "District Tax Office"),
        Agency("governor", "District Governor's Office"),
    )
    doors = (
        Door("village_office", "Village office", "village"),
        Door("land_office", "District land office", "land"),
        Door("notary_office", "Notary office", "justice"),
        Door("tax_office", "District tax office", "tax"),
    )
    return Journey("land-transfer", "Land title transfer (as-is)", "village_letter", steps,
                   transitions, agencies=agencies, doors=doors)  # fmt: skip


# ----- helpers ---------------------------------------------------------------------------


def _gids(ax, prefix: str) -> list[str]:
    arts = list(ax.patches) + list(ax.lines) + list(ax.texts)
    return [a.get_gid() for a in arts if (a.get_gid() or "").startswith(prefix)]


def _badges(ax) -> list[str]:
    return [t.get_text() for t in ax.texts if (t.get_gid() or "").startswith("visit-badge-")]


def _is_step(artist) -> bool:
    return (artist.get_gid() or "").startswith("step-")


def _step_order(ax) -> list[str]:
    boxes = [p for p in ax.patches if _is_step(p)]
    boxes.sort(key=lambda p: int(p.get_gid().split("-")[1]))
    return [p.get_gid().split("-", 2)[2] for p in boxes]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# ----- the path, the lanes, the visits ---------------------------------------------------


def test_tiny_journey_path_boxes_visits_and_pain_points():
    ax = blueprint(tiny_journey())
    # most likely path: c goes on to d (0.75), not back to a (0.25)
    assert _step_order(ax) == ["a", "b", "c", "d", "e"]
    assert _badges(ax) == ["1", "2", "3"]
    assert len(_gids(ax, "pain-point-")) == 1  # only c -> d is carried by the citizen
    texts = [t.get_text() for t in ax.texts]
    assert "Visit 1, continued" in texts  # b: same door, no carrier
    assert any(t.startswith("25% incomplete") for t in texts)  # the rework loop c -> a
    # the support chip carries the number of its handoff, and the line the same number
    assert "1  courier 15:00" in texts
    tags = [t for t in ax.texts if t.get_gid() == "support-tag-1"]
    assert len(tags) == 1 and tags[0].get_text() == "1"
    assert tags[0].get_position()[0] == pytest.approx(1 + 0.5)  # on b -> c, in the gap after b
    assert texts.count("waits") == 1  # over c, the only column without a visit
    assert ax.get_title(loc="left") == "Tiny service"
    summary = next(t for t in texts if t.startswith("Most likely path")).replace("\n", " ")
    assert summary.startswith(
        "Most likely path: 5 steps  ·  3 visits to 2 offices  ·  2 agencies  ·  "
        "papers carried by the citizen once  ·  fees 25,000 LAK  ·  ruler: median days"
    )


def test_lane_labels_present():
    ax = blueprint(tiny_journey())
    texts = {t.get_text() for t in ax.texts}
    for label in ("Citizen actions", "Front stage", "Back stage", "Support"):
        assert label in texts
    assert {"Office one", "Office two", "Agency X"} <= texts  # one front lane per door
    assert {"line of interaction", "line of visibility", "line of internal interaction"} <= texts
    assert sum(t.get_text() == "Front stage" for t in ax.texts) == 2
    assert sum(t.get_text() == "Back stage" for t in ax.texts) == 1


def test_business_licence_catalogue():
    ax = blueprint(load_catalog("business-licence"))
    assert _step_order(ax) == [
        "village_cert", "submit", "doic_review", "police_clearance", "site_inspection",
        "tax_registration", "doic_approval", "collect_licence",
    ]  # fmt: skip
    # visits at village_cert, submit, police_clearance, tax_registration, collect_licence
    assert _badges(ax) == ["1", "2", "3", "4", "5"]
    # citizen-carried on the path: village->submit, review->police, site->tax,
    # tax->approval, approval->collect
    assert len(_gids(ax, "pain-point-")) == 5
    lanes = [t.get_text() for t in ax.texts]
    assert lanes.count("Front stage") == 4 and lanes.count("Back stage") == 2


def test_ten_step_five_agency_journey():
    j = ten_step_journey()
    ax = blueprint(j)
    # the branches of the parallel split in file order, then the join
    assert _step_order(ax) == [
        "village_letter", "submit", "pay_fee", "survey_check", "tax_assess", "notary",
        "title_print", "governor_sign", "collect_title", "tax_record",
    ]  # fmt: skip
    # the two parallel branches stand side by side, in one column
    x = {p.get_gid().split("-", 2)[2]: p.get_x() for p in ax.patches if _is_step(p)}
    assert x["tax_assess"] == x["notary"] and x["survey_check"] < x["notary"] < x["title_print"]
    assert len(set(x.values())) == 9
    # new visits: village_letter, submit, pay_fee (came back next day to the same door),
    # notary, collect_title, tax_record
    assert _badges(ax) == ["1", "2", "3", "4", "5", "6"]
    # citizen-carried on the path: village_letter->submit, submit->pay_fee, survey->notary,
    # governor_sign->collect_title, collect_title->tax_record
    assert len(_gids(ax, "pain-point-")) == 5
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("15% redo") for t in texts)
    assert "10% skip ahead" in texts
    assert texts.count("Back stage") == 3 and texts.count("Front stage") == 4


def test_given_path_with_a_repeat():
    ax = blueprint(tiny_journey(), path=["a", "b", "c", "a", "b", "c", "d", "e"])
    assert _step_order(ax) == ["a", "b", "c", "a", "b", "c", "d", "e"]
    # a, b | back | a, b (the citizen came back with the papers) | back | d | e
    assert _badges(ax) == ["1", "2", "3", "4"]
    assert len(_gids(ax, "pain-point-")) == 2


@pytest.mark.parametrize(
    ("path", "field"),
    [(["a", "zz"], "path[1]"), (["a", "d"], "path[1]"), ([], "path")],
)
def test_bad_path_is_an_input_error(path, field):
    with pytest.raises(InputError) as info:
        blueprint(tiny_journey(), path=path)
    assert str(info.value).startswith(f"tiny: {field}: ")
    assert "\n" not in str(info.value)


# ----- the figure ------------------------------------------------------------------------


def test_figure_size_adapts_to_columns_and_lanes():
    small = blueprint(tiny_journey()).figure.get_size_inches()
    big = blueprint(ten_step_journey()).figure.get_size_inches()
    # 5 -> 9 columns (two parallel steps share one) at 2.2 in; 5 -> 9 lanes at 1.1 in,
    # plus the ruler and the band of stage names (the tiny journey has no stages)
    assert big[0] - small[0] == pytest.approx(4 * 2.2)
    tiny, ten = blueprint(tiny_journey()), blueprint(ten_step_journey())
    for ax, lanes in ((tiny, 5 + 0.3), (ten, 9 + 0.3 + 0.3)):
        fig_h = ax.figure.get_size_inches()[1]
        assert ax.get_position().height * fig_h == pytest.approx(lanes * 1.1)
        # the key fits under the Axes, the title above it
        r = ax.figure.canvas.get_renderer()
        key = ax.get_legend().get_window_extent(r)
        assert key.y0 >= 0 and key.y1 <= ax.get_window_extent(r).y0 + 1


def test_given_axes_is_used():
    fig, ax = plt.subplots(figsize=(12, 6))
    before = plt.get_fignums()
    out = blueprint(tiny_journey(), ax=ax, title="")
    assert out is ax and plt.get_fignums() == before
    assert ax.get_title(loc="left") == ""
    assert len(_step_order(ax)) == 5


def test_fonts_follow_a_smaller_axes():
    # the tiny journey's own Axes is (5 + 0.8) x 2.2 in wide and 5 x 1.1 in high
    fig = plt.figure(figsize=(5.8 * 2.2 / 2, (5 + 0.3) * 1.1 / 2))  # five lanes and the ruler
    ax = blueprint(tiny_journey(), ax=fig.add_axes((0, 0, 1, 1)), title="")
    names = [t for t in ax.texts if t.get_text() == "Apply"]
    assert len(names) == 1 and names[0].get_fontsize() == pytest.approx(9 / 2)


def test_input_journey_unchanged():
    j = ten_step_journey()
    kept = copy.deepcopy(j)
    blueprint(j)
    assert j == kept


def test_saves_png_and_svg(tmp_path):
    # a title with characters that mean something to SVG and to matplotlib's mathtext
    ax = blueprint(tiny_journey(), title="Tiny <as-is> & $5 or $10 fee")
    png, svg = tmp_path / "map.png", tmp_path / "map.svg"
    ax.figure.savefig(png, dpi=60, bbox_inches="tight")
    ax.figure.savefig(svg, bbox_inches="tight")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = svg.read_text(encoding="utf-8")
    assert "<svg" in text and 'id="visit-badge-3"' in text and 'id="pain-point-1"' in text
    assert 'id="step-0-a"' in text and 'id="step-4-e"' in text


@pytest.mark.parametrize("make", [tiny_journey, ten_step_journey, *catalog_names()])
def test_no_text_overlaps_and_fonts_readable(make):
    j = load_catalog(make) if isinstance(make, str) else make()
    ax = blueprint(j)
    fig = ax.figure
    r = fig.canvas.get_renderer()  # no layout engine: positions are final without a draw
    texts = [t for t in ax.texts if t.get_text().strip() and t.get_visible()]
    boxes = [t.get_window_extent(r).shrunk(0.98, 0.9) for t in texts]
    for (t1, b1), (t2, b2) in itertools.combinations(zip(texts, boxes), 2):
        assert not b1.overlaps(b2), (t1.get_text(), t2.get_text())
    # a text lies either wholly inside a box (its step or note) or clear of every box;
    # the visit badges and wait points sit on the corner of their box on purpose
    boxed = ("step-", "citizen-")
    shapes = [p.get_window_extent(r) for p in ax.patches if (p.get_gid() or "").startswith(boxed)]
    for t, b in zip(texts, boxes):
        if (t.get_gid() or "").startswith(("visit-badge-", "wait-point-")):
            continue
        hits = [s for s in shapes if s.overlaps(b)]
        assert all(s.contains(b.x0, b.y0) and s.contains(b.x1, b.y1) for s in hits), t.get_text()
    assert min(t.get_fontsize() for t in texts) >= 7
    fig_box = fig.bbox
    assert all(fig_box.contains(b.x0, b.y0) and fig_box.contains(b.x1, b.y1) for b in boxes)
