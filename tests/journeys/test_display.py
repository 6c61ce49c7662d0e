"""HTML views of journeys and walks (journeys.display): escaped, well formed, with real figures."""

from __future__ import annotations

from html.parser import HTMLParser

from journeys.catalog import load_catalog
from journeys.display import journey_html, walk_html
from journeys.model import Agency, Distribution, Door, Journey, Step, Transition

EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


def evil_journey() -> Journey:
    """Every text field a user writes carries markup."""
    return Journey(
        "evil<id>",
        f"Licence {EVIL}",
        start="a",
        description='A "quoted" <b>description</b> & more',
        agencies=(Agency("x", "Tax & <i>Customs</i>"),),
        doors=(Door("d", "Desk <1>", agency="x", travel_minutes=20, travel_cost=5000),),
        steps=(
            Step(
                "a",
                "x",
                Distribution.fixed(10),
                name=EVIL,
                door="d",
                citizen_present=True,
                fee=1000,
                documents=("<img src=x onerror=alert(2)>",),
            ),
            Step("b", "x", Distribution.fixed(20), name="Check <b>dossier</b>"),
        ),
        transitions=(Transition("a", "b", carrier="citizen", delay=Distribution.fixed(1440)),),
    )


class _Tags(HTMLParser):
    """Counts opened and closed tags, and collects the text shown."""

    VOID = {"br", "img", "meta", "hr", "input"}

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"unexpected </{tag}> (open: {self.stack[-3:]})")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] != "style":
            self.text.append(data)


def parse(page: str) -> _Tags:
    p = _Tags()
    p.feed(page)
    p.close()
    return p


def test_journey_html_escapes_every_text():
    page = journey_html(evil_journey())
    assert "<script" not in page
    assert "<img" not in page and "<i>" not in page and "<b>description" not in page
    assert ESCAPED in page
    assert "Tax &amp; &lt;i&gt;Customs&lt;/i&gt;" in page
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    p = parse(page)
    assert p.errors == [] and p.stack == []
    assert "script" not in p.tags and "img" not in p.tags
    # what a reader sees is the original text
    shown = "".join(p.text)
    assert EVIL in shown and 'A "quoted" <b>description</b> & more' in shown


def test_walk_html_escapes_every_text():
    df = evil_journey().walk()
    page = walk_html(df)
    assert "<script" not in page and "<img" not in page
    assert ESCAPED in page
    p = parse(page)
    assert p.errors == [] and p.stack == []
    shown = "".join(p.text)
    assert EVIL in shown and "Licence " + EVIL in shown
    assert "Check <b>dossier</b>" in shown


def test_journey_html_shows_the_exact_key_figures_and_every_step():
    j = load_catalog("business-licence")
    page = journey_html(j)
    p = parse(page)
    assert p.errors == [] and p.stack == []
    shown = " ".join(p.text)
    assert "5.25" in shown  # expected visits: the dossier comes back with p = 0.2
    assert "412,500 LAK" in shown  # expected fees: 20,000 + 1.25 x 50,000 + 30,000 + 300,000
    assert "711,250 LAK" in shown  # plus travel 180,000 and time 118,750
    for s in j.steps:
        assert s.name in shown
    for d in j.doors:
        assert d.name in shown
    # one row per step in the steps table, plus its header
    assert page.count("<tr>") >= len(j.steps) + 1
    assert "20% Submit application (citizen carries, ~2-5 days)" in shown


def test_journey_html_of_an_invalid_journey_says_why_without_figures():
    bad = Journey(
        "bad",
        "Bad",
        start="a",
        agencies=(Agency("x"),),
        steps=(Step("a", "x", Distribution.fixed(1)),),
        transitions=(Transition("a", "a"),),
    )
    page = journey_html(bad)
    assert "Key figures unavailable: bad: transitions: the journey never ends" in page
    assert parse(page).errors == []


def test_repr_html_is_the_journey_summary():
    j = load_catalog("business-licence-one-door")
    page = j._repr_html_()
    assert page.startswith('<div class="odsc-journey">')
    assert "Enterprise licence registration (one-door, ODSC front desk)" in page
    assert "(waits for all branches)" in page  # the and-join


def test_walk_html_marks_back_office_rows_and_citizen_handoffs():
    j = load_catalog("business-licence")
    df = j.walk()
    page = walk_html(df)
    p = parse(page)
    assert p.errors == [] and p.stack == []
    assert page.count("<tr") == len(df) + 1
    assert page.count('<tr class="back">') == int(df["visit"].isna().sum())  # 3
    # five citizen-carried handoffs on the likely path, each marked as a pain point
    assert page.count('<span class="pain">') == 5
    assert "This path: 5 visits to 4 offices" in page
    # office and agency have their own columns: the citizen column does not repeat them
    assert "<td>Submit application (brings:" in page
    assert "<td>Waits: Review dossier</td>" in page
