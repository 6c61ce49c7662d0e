"""``odsc mine --engine``: the scale engine behind the CLI, equal to pandas where it computes.

A log converted with ``odsc convert`` is mined on both engines with one key;
the JSON reports must agree in every table the scale engine computes, floats
to 1e-9 relative. What differs, and why, is stated once (:data:`DIFFER`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from click.testing import CliRunner  # noqa: E402

from analysis.scale.mine import NOT_AT_SCALE  # noqa: E402
from odsc.cli import main  # noqa: E402

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"

#: Starts, clerks, two channels; each case's steps run one after the other, so the
#: path order (by start) and the completion order agree.
LOG = """case:concept:name,concept:name,start_timestamp,time:timestamp,org:group,org:resource,case:channel
A-1,apply,2024-01-02 08:00,2024-01-02 08:10,Commerce,Noy,desk
A-1,check,2024-01-02 09:00,2024-01-02 09:30,Tax,Vanh,desk
A-1,fix,2024-01-02 10:00,2024-01-02 10:05,Commerce,Noy,desk
A-1,check,2024-01-02 11:00,2024-01-02 11:20,Tax,Vanh,desk
A-2,apply,2024-01-03 09:00,2024-01-03 09:20,Commerce,Kham,web
A-2,check,2024-01-04 09:20,2024-01-04 09:50,Tax,Vanh,web
A-3,apply,2024-01-05 08:30,2024-01-05 08:40,Commerce,Noy,web
A-3,pay,2024-01-05 13:00,2024-01-05 13:05,Finance,Kham,web
"""

#: Fields of the JSON reports that differ between the engines, and why.
DIFFER = {
    "notes": "the scale engine adds its note on what it does not compute (NOT_AT_SCALE)",
    "waiting_causes": "the five causes of waits are not computed at scale (None)",
    "report": "the source's name and the time the report was made",
}


def _run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def csv_log(tmp_path: Path) -> Path:
    path = tmp_path / "centre.csv"
    path.write_text(LOG, encoding="utf-8")
    return path


@pytest.fixture
def folder(csv_log: Path, tmp_path: Path) -> Path:
    out = tmp_path / "centre"
    r = _run("convert", csv_log, "-o", out, "--partition-by", "case:channel")
    assert r.exit_code == 0, r.output
    return out


def _same(a, b, path=""):
    """Equal JSON values, floats to 1e-9 relative; the path of the first difference."""
    if isinstance(a, dict) and isinstance(b, dict):
        assert sorted(a) == sorted(b), path
        for k in a:
            _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list) and isinstance(b, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12), (path, a, b)
    else:
        assert a == b, (path, a, b)


def _both(scale_src: Path, pandas_src: Path, tmp_path: Path, *options: str) -> tuple[dict, dict]:
    s, p = tmp_path / "scale.json", tmp_path / "pandas.json"
    r = _run("mine", scale_src, "--engine", "scale", *options, "-o", s)
    assert r.exit_code == 0, r.output
    r = _run("mine", pandas_src, "--engine", "pandas", *options, "-o", p)
    assert r.exit_code == 0, r.output
    return json.loads(s.read_text(encoding="utf-8")), json.loads(p.read_text(encoding="utf-8"))


def _check_equal(scale: dict, pandas: dict) -> None:
    _same({k: v for k, v in scale.items() if k not in DIFFER},
          {k: v for k, v in pandas.items() if k not in DIFFER})  # fmt: skip
    assert scale["waiting_causes"] is None
    assert scale["notes"][-1] == NOT_AT_SCALE
    assert scale["notes"][:-1] == pandas["notes"]
    assert scale["report"]["pseudonymised"] == pandas["report"]["pseudonymised"]


# ----- engine choice -----------------------------------------------------------------------


def test_auto_mines_a_converted_folder_at_scale_and_a_csv_in_pandas(csv_log, folder, tmp_path):
    out = tmp_path / "r.json"
    r = _run("mine", folder, "--key", "k", "-o", out)
    assert r.exit_code == 0, r.output
    assert "note: scale engine (Parquet written by odsc convert)" in r.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["notes"][-1] == NOT_AT_SCALE
    r = _run("mine", csv_log, "--key", "k", "-o", out)
    assert r.exit_code == 0 and "engine:" not in r.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["waiting_causes"] is not None


def test_auto_takes_pandas_for_an_option_only_pandas_honours(folder, tmp_path):
    out = tmp_path / "r.json"
    r = _run("mine", folder, "--min-case-events", "2", "-o", out)
    assert r.exit_code == 0, r.output
    assert "note: pandas engine (--min-case-events needs the pandas engine)\n" in r.stderr
    d = json.loads(out.read_text(encoding="utf-8"))
    assert d["summary"]["cases"] == 3 and NOT_AT_SCALE not in d["notes"]


def test_auto_takes_pandas_for_parquet_not_written_by_convert(tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    pd.read_csv(pd.io.common.StringIO(LOG)).to_parquet(plain / "part-0.parquet")
    out = tmp_path / "r.json"
    r = _run("mine", plain, "-o", out)
    assert r.exit_code == 0, r.output
    assert f"note: pandas engine ({plain / 'part-0.parquet'} was not written by odsc convert)" in (
        r.stderr
    )


# ----- refusals ----------------------------------------------------------------------------

REFUSED = {
    "--journey": ["--journey", "land-title"],
    "--feedback": ["--feedback", "FEEDBACK"],
    "--before-after": ["--before-after", "2024-01-03"],
    "--from": ["--from", "2024-01-03"],
    "--to": ["--to", "2024-01-03"],
    "--where": ["--where", "org:group=Tax"],
    "--variants": ["--variants", "top:1"],
    "--min-case-events": ["--min-case-events", "2"],
    "--case case": ["--case", "case"],
    "--agency dept": ["--agency", "dept"],
    "--missing": ["--missing", "NA"],
    "--strict": ["--strict"],
    "--by org:resource without --show-ids": ["--by", "org:resource"],
}


@pytest.mark.parametrize("name", list(REFUSED))
@pytest.mark.parametrize("existing", [False, True])
def test_scale_refuses_what_it_cannot_honour(folder, tmp_path, name, existing):
    survey = tmp_path / "survey.csv"
    survey.write_text("case,score\nA-1,4\n", encoding="utf-8")
    out = tmp_path / "r.html"
    if existing:
        out.write_text("before", encoding="utf-8")
    args = [survey if a == "FEEDBACK" else a for a in REFUSED[name]]
    r = _run("mine", folder, "--engine", "scale", *args, "-o", out)
    assert r.exit_code == 2
    assert r.output == (
        f"error: {name}: the scale engine cannot honour this option; use --engine pandas\n"
    )
    assert out.read_text(encoding="utf-8") == "before" if existing else not out.exists()


def test_by_the_staff_column_is_allowed_with_show_ids(folder, tmp_path):
    out = tmp_path / "r.json"
    r = _run("mine", folder, "--engine", "scale", "--by", "org:resource", "--show-ids",
             "-o", out)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(out.read_text(encoding="utf-8"))["groups"][0]["org:resource"] == "Noy"


def test_scale_refuses_a_csv(csv_log, tmp_path):
    out = tmp_path / "r.md"
    r = _run("mine", csv_log, "--engine", "scale", "-o", out)
    assert r.exit_code == 2 and not out.exists()
    assert r.output == (
        f"error: {csv_log}: the scale engine reads Parquet only; run odsc convert {csv_log} "
        "-o DIR first and mine DIR, or use --engine pandas\n"
    )


def test_scale_names_the_file_and_the_missing_column(tmp_path):
    plain = tmp_path / "plain"
    (plain / "centre=Pek").mkdir(parents=True)
    log = pd.read_csv(pd.io.common.StringIO(LOG)).rename(columns={"concept:name": "step"})
    log.to_parquet(plain / "centre=Pek" / "part-0.parquet")
    out = tmp_path / "r.md"
    out.write_text("before", encoding="utf-8")
    r = _run("mine", plain, "--engine", "scale", "-o", out)
    assert r.exit_code == 2 and out.read_text(encoding="utf-8") == "before"
    file = plain / "centre=Pek" / "part-0.parquet"
    assert r.output == (
        f"error: {file}: no column 'concept:name': the scale engine reads canonical Parquet; "
        f"run odsc convert {plain} -o DIR first and mine DIR, or use --engine pandas\n"
    )
    assert "Traceback" not in r.output


def test_scale_refuses_a_bad_group_column_and_zone(folder, tmp_path):
    out = tmp_path / "r.md"
    r = _run("mine", folder, "--engine", "scale", "--by", "centre", "-o", out)
    assert r.exit_code == 2 and not out.exists()
    assert r.output.startswith(f"error: {folder}: column 'centre' is not in the log")
    assert r.output.count("\n") == 1
    r = _run("mine", folder, "--engine", "scale", "--tz", "Mars/Base", "-o", out)
    assert r.exit_code == 2 and not out.exists() and r.output.count("\n") == 1


# ----- equal to pandas -----------------------------------------------------------------------


@pytest.mark.parametrize("by", [None, "case:channel"])
def test_hand_built_log_equals_pandas(csv_log, folder, tmp_path, by):
    options = ["--key", "K", *(["--by", by] if by else [])]
    scale, pandas = _both(folder, csv_log, tmp_path, *options)
    _check_equal(scale, pandas)
    # the exact answers of the hand-built log
    assert scale["summary"]["cases"] == 3 and scale["summary"]["resources"] == 3
    hand = {(h["source"], h["target"]): h["count"] for h in scale["handoffs"]}
    assert hand == {("Commerce", "Tax"): 3, ("Tax", "Commerce"): 1, ("Commerce", "Finance"): 1}
    clerks = [r["resource"] for r in scale["resources"]]
    assert len(clerks) == 3 and all(c.startswith("clerk-") for c in clerks)
    assert not {"Noy", "Vanh", "Kham"} & {c for r in scale["resource_handoffs"]
                                          for c in (r["source"], r["target"])}  # fmt: skip


def test_show_ids_keeps_the_names_on_both_engines(csv_log, folder, tmp_path):
    scale, pandas = _both(folder, csv_log, tmp_path, "--show-ids")
    _check_equal(scale, pandas)
    assert [r["resource"] for r in scale["resources"]] == ["Noy", "Vanh", "Kham"]
    assert scale["report"]["pseudonymised"] is False


def test_markdown_and_html_at_scale(folder, tmp_path):
    md, html = tmp_path / "r.md", tmp_path / "r.html"
    assert _run("mine", folder, "--engine", "scale", "--key", "K", "-o", md).exit_code == 0
    assert _run("mine", folder, "--engine", "scale", "--key", "K", "-o", html).exit_code == 0
    for page in (md.read_text(encoding="utf-8"), html.read_text(encoding="utf-8")):
        assert "A-1" not in page and "Noy" not in page
        assert "Why cases wait: not computed at scale." in page
    assert "<script" not in html.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "part"),
    [
        ("receipt.csv", ["--partition-by", "case:channel"]),
        ("helpdesk.xes.gz", []),
        # an event attribute: a case spans several folders
        ("helpdesk.xes.gz", ["--partition-by", "workgroup"]),
    ],
)
def test_real_log_converted_equals_pandas_on_the_original(name, part, tmp_path):
    original = DATA / name
    if not original.exists():
        pytest.skip("shared data not available")
    folder = tmp_path / "converted"
    r = _run("convert", original, "-o", folder, *part)
    assert r.exit_code == 0, r.output
    scale, pandas = _both(folder, original, tmp_path, "--key", "K")
    _check_equal(scale, pandas)
    assert len(scale["resources"]) == scale["summary"]["resources"] > 0
    assert all(r["resource"].startswith("clerk-") for r in scale["resources"])


def test_case_pseudonyms_equal_those_of_pandas(tmp_path):
    from analysis.log_export import write_parquet_folder
    from analysis.logs import read_log
    from analysis.mining import mine
    from analysis.privacy import pseudonym, pseudonymise
    from analysis.scale import mine_source
    from odsc.report_mine_scale import pseudonymise_result

    log = read_log(pd.read_csv(pd.io.common.StringIO(LOG)))
    write_parquet_folder(log, tmp_path / "f", partition_by=["case:channel"])
    got = pseudonymise_result(mine_source(tmp_path / "f"), key="K").case_kpis
    want = mine(pseudonymise(log, key="K"), causes=False).case_kpis
    pd.testing.assert_frame_equal(got, want, rtol=1e-9)
    assert list(got.index) == [pseudonym(c, key="K") for c in ("A-1", "A-2", "A-3")]
