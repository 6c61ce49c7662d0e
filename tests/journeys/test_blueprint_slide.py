"""Blueprints for a slide deck: colours per agency, the ruler, wait points, slides, pairs."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import FancyBboxPatch  # noqa: E402

from journeys._blueprint_layout import layout  # noqa: E402
from journeys._blueprint_time import Queue, counter_queues, elapsed, wq_minutes  # noqa: E402
from journeys.blueprint import SLIDE_IN, blueprint, blueprint_pair  # noqa: E402
from journeys.blueprint_colors import PALETTE, agency_colors  # noqa: E402
from journeys.catalog import catalog_names, load_catalog  # noqa: E402
from journeys.errors import InputError  # noqa: E402
from journeys.model import (  # noqa: E402
    Agency,
    Arrivals,
    Calendar,
    Distribution,
    Door,
    Journey,
    Pool,
    Step,
    Transition,
)  # fmt: skip

MIN = Distribution.fixed
PAIRS = [("business-licence", "business-licence-one-door"), ("family-book", "family-book-one-door"),
         ("land-title", "land-title-one-door")]  # fmt: skip


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _texts(fig):
    return [t for ax in fig.axes for t in ax.texts if t.get_text().strip()] + [
        t for t in fig.texts if t.get_text().strip()
    ]


def _all_text_artists(fig):
    """Every text matplotlib draws on the figure: ax.texts, titles, the key, figure texts."""
    return [t for t in fig.findobj(matplotlib.text.Text) if t.get_text().strip() and t.get_visible()]


def _fills(fig) -> dict[str, str]:
    """Step id -> fill colour of its box."""
    out = {}
    for ax in fig.axes:
        for p in ax.patches:
            gid = p.get_gid() or ""
            if gid.startswith("step-") and isinstance(p, FancyBboxPatch):
                out[gid.split("-", 2)[2]] = matplotlib.colors.to_hex(p.get_facecolor())
    return out


def counter_journey(capacity: int = 2, per_day: float = 420 / 10) -> Journey:
    """One counter step of 5 min (fixed) at a pool of ``capacity`` desks open 420 min a day,
    ``per_day`` arrivals: lam = per_day / 420 a minute, mu = 1/5."""
    steps = (
        Step("a", "x", MIN(5), name="Apply", door="d", pool="desk", citizen_present=True),
        Step("b", "x", MIN(30), name="Decide"),
    )
    return Journey(
        "c", "Counter", "a", steps, (Transition("a", "b"),),
        agencies=(Agency("x", "Agency X"),), doors=(Door("d", "Office", "x"),),
        pools=(Pool("desk", capacity=capacity, calendar="office"),),
        calendars=(Calendar("office"),), arrivals=Arrivals(per_day=per_day),
    )  # fmt: skip


# ----- colours ---------------------------------------------------------------------------


@pytest.mark.parametrize(("before", "after"), PAIRS)
def test_a_pair_colours_each_agency_alike(before, after):
    a, b = load_catalog(before), load_catalog(after)
    ax_a, ax_b = blueprint_pair(a, b)
    fa, fb = _fills(ax_a.figure), _fills(ax_b.figure)
    colour_a = {a.step(s).agency: c for s, c in fa.items()}
    colour_b = {b.step(s).agency: c for s, c in fb.items()}
    shared = set(colour_a) & set(colour_b)
    assert shared and all(colour_a[x] == colour_b[x] for x in shared)
    # and distinct agencies have distinct colours on one map
    assert len(set(colour_b.values())) == len(colour_b)


def test_colours_are_keyed_by_agency_id_not_by_order():
    j = load_catalog("business-licence")
    flipped = j.replace(agencies=tuple(reversed(j.agencies)))
    assert agency_colors(j) == agency_colors(flipped)
    assert set(agency_colors(j).values()) <= set(PALETTE)
    # drawn apart, the catalogue's as-is and one-door maps agree too
    for before, after in PAIRS:
        a, b = agency_colors(load_catalog(before)), agency_colors(load_catalog(after))
        assert all(a[k] == b[k] for k in set(a) & set(b))


# ----- wait points and the ruler ---------------------------------------------------------


@pytest.mark.parametrize(("lam", "mu", "c", "wq"), [
    (5, 8, 1, 0.208333), (1, 1, 2, 0.333333), (0.2, 0.1, 3, 4.444444), (10, 4, 3, 0.351124),
    (10, 4, 4, 0.053309), (9, 1, 10, 0.668732)])  # fmt: skip
def test_erlang_c_reference_values(lam, mu, c, wq):
    assert wq_minutes(lam, mu, c) == pytest.approx(wq, abs=1e-6)


def test_counter_queue_is_erlang_c_of_the_pool():
    # lam = 42 / 420 = 0.1 a minute, mu = 0.2, one desk: Wq = rho / (mu - lam) = 0.5 / 0.1 = 5
    q = counter_queues(counter_journey(capacity=1))
    assert set(q) == {"a"} and q["a"].minutes == pytest.approx(5.0)
    # two desks, lam = 0.3, mu = 0.2: a = 1.5, C = 0.642857, Wq = C / (0.4 - 0.3) = 6.42857
    q2 = counter_queues(counter_journey(capacity=2, per_day=0.3 * 420))
    assert q2["a"].minutes == pytest.approx(6.428571, abs=1e-5)
    over = counter_queues(counter_journey(capacity=1, per_day=0.25 * 420))  # rho 1.25
    assert over["a"].minutes is None and "125%" in over["a"].why


def test_wait_point_drawn_with_its_minutes():
    ax = blueprint(counter_journey(capacity=1))
    texts = {t.get_gid(): t.get_text() for t in ax.texts if t.get_gid()}
    assert texts["wait-point-a"] == "W"
    assert any(t.get_text() == "queue ~5 min" for t in ax.texts)
    slide = blueprint(counter_journey(capacity=1), size="slide")
    badge = [t for ax in slide.figure.axes for t in ax.texts if t.get_gid() == "wait-point-a"]
    assert [t.get_text() for t in badge] == ["W 5 min"]
    # a queue given by the caller wins; one not recorded draws no wait point
    given = blueprint(counter_journey(capacity=1), queues={"a": 12.0})
    assert any(t.get_text() == "queue ~12 min" for t in given.texts)
    none = blueprint(counter_journey(capacity=1), queues={"a": None})
    assert not [t for t in none.texts if (t.get_gid() or "").startswith("wait-point")]


def test_ruler_adds_medians_along_the_path():
    # a (5 min, queue 5 min) -> b (30 min); a citizen handoff of uniform 1-3 days before c
    j = counter_journey(capacity=1)
    steps = (*j.steps, Step("c", "x", MIN(10), name="Collect", door="d", citizen_present=True))
    trans = (*j.transitions, Transition("b", "c", carrier="citizen",
                                        delay=Distribution("uniform", {"low": 1440, "high": 4320})))  # fmt: skip
    j = j.replace(steps=steps, transitions=trans)
    q = {"a": Queue(5.0, "given")}
    start = elapsed(j, layout(j), q)
    assert start == pytest.approx([0.0, 10.0, 40.0 + 2880.0, 40.0 + 2880.0 + 10.0])
    ax = blueprint(j, queues={"a": 5.0})
    labels = [t.get_text() for t in ax.texts if t.get_text().startswith("day ")]
    assert labels == ["day 0", "day 2.0"]  # 0, 10 min, 40 min (day 0 again), 2 days + 40 min


# ----- slides ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", catalog_names())
def test_slide_is_16_9_with_text_of_10_pt_or_more_and_nothing_cut(name):
    ax = blueprint(load_catalog(name), size="slide")
    fig = ax.figure
    w, h = fig.get_size_inches()
    assert (w, h) == pytest.approx(SLIDE_IN) and w / h == pytest.approx(16 / 9, rel=1e-3)
    texts = _all_text_artists(fig)
    assert texts and min(t.get_fontsize() for t in texts) >= 10
    assert not [t.get_text() for t in texts if "…" in t.get_text() or "..." in t.get_text()]
    # every step's full name is on the slide (wrapped lines joined again)
    shown = " ".join(t.get_text().replace("\n", " ") for t in texts)
    j = load_catalog(name)
    for sid in layout(j).order:
        assert j.step(sid).label in shown
    # nothing drawn outside the figure (the key is placed when drawn)
    fig.canvas.draw()
    r = fig.canvas.get_renderer()
    for t in texts:
        b = t.get_window_extent(r)
        assert b.x0 >= -1 and b.x1 <= fig.bbox.x1 + 1 and b.y0 >= -1 and b.y1 <= fig.bbox.y1 + 1, (
            t.get_text())


def test_widest_catalogue_journey_is_split_over_rows():
    widest = max(catalog_names(), key=lambda n: max(layout(load_catalog(n)).col))
    j = load_catalog(widest)
    fig = blueprint(j, size="slide").figure
    assert len(fig.axes) >= 2
    # the rows split the path: each step once, in order, top row first
    order = [p.get_gid().split("-", 2)[2] for ax in fig.axes for p in ax.patches
             if (p.get_gid() or "").startswith("step-")]  # fmt: skip
    assert order == list(layout(j, one_front=True).order)
    # a handoff to the next row ends and starts in the same lettered connector
    tags = [t.get_text() for ax in fig.axes for t in ax.texts
            if (t.get_gid() or "").startswith("row-tag-")]  # fmt: skip
    assert tags and all(tags.count(x) == 2 for x in set(tags))


def test_slide_pair_has_one_scale():
    a, b = blueprint_pair(load_catalog("land-title"), load_catalog("land-title-one-door"),
                          size="slide")  # fmt: skip

    def inches(ax):
        w, h = ax.figure.get_size_inches()
        pos = ax.get_position()
        x0, x1 = ax.get_xlim()
        y0, y1 = ax.get_ylim()
        return pos.width * w / (x1 - x0), pos.height * h / (y1 - y0)

    assert inches(a) == pytest.approx(inches(b))
    auto_a, auto_b = blueprint_pair(load_catalog("land-title"), load_catalog("land-title-one-door"))
    assert inches(auto_a) == pytest.approx(inches(auto_b))


def test_bad_size_and_ax_with_slide_are_input_errors():
    j = load_catalog("family-book")
    with pytest.raises(InputError, match="size: must be 'auto' or 'slide', got 'poster'"):
        blueprint(j, size="poster")
    fig, ax = plt.subplots()
    with pytest.raises(InputError, match="^ax: "):
        blueprint(j, size="slide", ax=ax)
