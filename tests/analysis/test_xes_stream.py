"""Tests of analysis.xes_stream: tiny hand-built XES files, cross-checked with pm4py.

Each file is read by our streaming reader and by ``pm4py.read_xes`` (its default
parser and pandas conversion); the two frames must be equal column by column,
dtype by dtype, except where the module docs state a rule of ours (lists,
entities, booleans spelled other than ``true``, ``id`` attributes), which are
asserted on their own with exact values.
"""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.logs import read_log
from analysis.schema import LogError
from analysis.xes_stream import read_xes
from odsc.cli import main

BAD = Path(__file__).resolve().parents[1] / "data" / "bad_logs"


def _pm4py(path: Path) -> pd.DataFrame:
    import pm4py

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pm4py.read_xes(str(path), show_progress_bar=False)


def _write(tmp_path: Path, body: str, name: str = "log.xes", head: str = "<log>") -> Path:
    path = tmp_path / name
    text = f'<?xml version="1.0" encoding="UTF-8"?>\n{head}\n{body}\n</log>\n'
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _same_as_pm4py(path: Path) -> pd.DataFrame:
    ours, theirs = read_xes(path), _pm4py(path)
    assert list(ours.columns) == list(theirs.columns)
    for col in theirs.columns:
        pd.testing.assert_series_equal(ours[col], theirs[col], check_names=True, obj=col)
    return ours


def _event(*attrs: str) -> str:
    return "<event>" + "".join(attrs) + "</event>"


def _s(key: str, value: str) -> str:
    return f'<string key="{key}" value="{value}"/>'


def _d(value: str, key: str = "time:timestamp") -> str:
    return f'<date key="{key}" value="{value}"/>'


TYPED = f"""
<trace>{_s("concept:name", "c1")}<int key="priority" value="2"/><boolean key="urgent" value="true"/>
  {
    _event(
        _s("concept:name", "apply"),
        _d("2024-03-04T08:00:00.000+07:00"),
        '<int key="fee" value="15000"/>',
        '<float key="km" value="2.5"/>',
        '<boolean key="present" value="true"/>',
        _s("org:resource", "Noy"),
    )
}
  {
    _event(
        _s("concept:name", "pay"),
        _d("2024-03-04T09:30:00.250+07:00"),
        '<int key="fee" value="-3"/>',
        '<float key="km" value="1e3"/>',
        '<boolean key="present" value="false"/>',
        _s("org:resource", "Kham"),
    )
}
</trace>
<trace>{
    _s("concept:name", "c2")
}<int key="priority" value="1"/><boolean key="urgent" value="false"/>
  {
    _event(
        _s("concept:name", "apply"),
        _d("2024-03-05T01:00:00Z"),
        '<int key="fee" value="0"/>',
        '<float key="km" value="-0.5"/>',
        '<boolean key="present" value="false"/>',
        _s("org:resource", "Noy"),
    )
}
</trace>"""


def test_every_attribute_type_as_pm4py_reads_it(tmp_path):
    log = _same_as_pm4py(_write(tmp_path, TYPED))
    assert log["fee"].dtype == np.int64 and log["fee"].tolist() == [15000, -3, 0]
    assert log["km"].tolist() == [2.5, 1000.0, -0.5]
    assert log["present"].dtype == bool and log["present"].tolist() == [True, False, False]
    assert log["case:priority"].tolist() == [2, 2, 1]
    assert log["case:urgent"].tolist() == [True, True, False]
    assert [str(t) for t in log["time:timestamp"]] == [
        "2024-03-04 01:00:00+00:00",
        "2024-03-04 02:30:00.250000+00:00",
        "2024-03-05 01:00:00+00:00",
    ]
    assert list(log.columns) == [
        "concept:name", "time:timestamp", "fee", "km", "present", "org:resource",
        "case:concept:name", "case:priority", "case:urgent",
    ]  # fmt: skip


def test_gzip_is_the_same(tmp_path):
    plain = read_xes(_write(tmp_path, TYPED))
    packed = _same_as_pm4py(_write(tmp_path, TYPED, name="log.xes.gz"))
    pd.testing.assert_frame_equal(plain, packed)


def test_partial_columns_take_pandas_types(tmp_path):
    body = f"""<trace>{_s("concept:name", "c1")}
      {
        _event(
            _s("concept:name", "a"),
            _d("2024-01-01T08:00:00"),
            '<int key="n" value="4"/>',
            '<boolean key="ok" value="true"/>',
            _d("2024-01-02T00:00:00+01:00", "due"),
        )
    }
      {_event(_s("concept:name", "b"), _d("2024-01-01T09:00:00"))}
    </trace>
    <trace>{_s("extra", "only here")}
      {_event(_s("concept:name", "c"), _d("2024-01-01T10:00:00"), _s("note", "x"))}
    </trace>"""
    log = _same_as_pm4py(_write(tmp_path, body))
    assert log["n"].dtype == np.float64 and log["n"].isna().tolist() == [False, True, True]
    assert log["ok"].dtype == object and log["ok"].tolist()[0] is True
    assert log["due"].isna().tolist() == [False, True, True]
    assert str(log["due"][0]) == "2024-01-01 23:00:00+00:00"
    # the second trace has no concept:name: its rows have no case id
    assert log["case:concept:name"].isna().tolist() == [False, False, True]
    assert log["case:extra"].isna().tolist() == [True, True, False]


def test_a_key_with_several_types_is_an_object_column(tmp_path):
    body = f"""<trace>{_s("concept:name", "c1")}
      {_event(_s("concept:name", "a"), _d("2024-01-01T08:00:00"), '<int key="v" value="1"/>')}
      {_event(_s("concept:name", "b"), _d("2024-01-01T09:00:00"), _s("v", "one"))}
      {_event(_s("concept:name", "c"), _d("2024-01-01T10:00:00"), '<float key="w" value="1.5"/>')}
      {_event(_s("concept:name", "d"), _d("2024-01-01T11:00:00"), '<int key="w" value="2"/>')}
    </trace>"""
    log = _same_as_pm4py(_write(tmp_path, body))
    assert log["v"].dtype == object and log["v"].tolist()[:2] == [1, "one"]
    assert log["w"].dtype == np.float64  # int and float together: float, as pandas gives


def test_empty_traces_give_no_rows_and_no_columns(tmp_path):
    body = f"""<trace>{_s("concept:name", "empty")}{_s("only_empty", "x")}</trace>
    <trace>{_s("concept:name", "c1")}{_event(_s("concept:name", "a"), _d("2024-01-01T08:00:00"))}</trace>
    <trace/>"""
    log = _same_as_pm4py(_write(tmp_path, body))
    assert log["case:concept:name"].tolist() == ["c1"]
    assert "case:only_empty" not in log.columns


def test_no_events_at_all(tmp_path):
    log = read_xes(_write(tmp_path, "<trace/>"))
    assert log.shape == (0, 0)
    with pytest.raises(
        LogError, match=r"^log.xes: the log has no events \(no <event> in any <trace>\)$"
    ):
        read_log(tmp_path / "log.xes")


def test_globals_are_not_applied_as_pm4py_does_not(tmp_path):
    head = '<log xmlns="http://www.xes-standard.org/">'
    body = f"""<global scope="event">{_s("org:resource", "UNKNOWN")}</global>
    <trace>{_s("concept:name", "c1")}
      {_event(_s("concept:name", "a"), _d("2024-01-01T08:00:00"), _s("org:resource", "Noy"))}
      {_event(_s("concept:name", "b"), _d("2024-01-01T09:00:00"))}
    </trace>"""
    log = _same_as_pm4py(_write(tmp_path, body, head=head))
    assert log["org:resource"].isna().tolist() == [False, True]


def test_namespaced_and_repeated(tmp_path):
    head = '<log xmlns="http://www.xes-standard.org/">'
    body = f"""<string key="log-level" value="not a column"/>
    <trace>{_s("concept:name", "c1")}
      <event>{_s("concept:name", "a")}
        {_d("2024-01-01T08:00:00")}{_s("note", "first")}{_s("note", "last")}</event>
    </trace>"""
    log = _same_as_pm4py(_write(tmp_path, body, head=head))
    assert "log-level" not in log.columns
    assert log["note"].tolist() == ["last"]


def test_nested_attributes_keep_their_own_value(tmp_path):
    body = f"""<trace>{_s("concept:name", "c1")}
      <event><string key="concept:name" value="a"><string key="inner" value="meta"/></string>
        {_d("2024-01-01T08:00:00")}</event></trace>"""
    path = _write(tmp_path, body)
    theirs = _pm4py(path)
    assert theirs["concept:name"].tolist() == [{"value": "a", "children": {"inner": "meta"}}]
    ours = read_xes(path)
    assert ours["concept:name"].tolist() == ["a"] and "inner" not in ours.columns
    pd.testing.assert_frame_equal(ours.drop(columns="concept:name"),
                                  theirs.drop(columns="concept:name"))  # fmt: skip


def test_timezone_offsets_become_utc_and_the_clock_is_found(tmp_path):
    body = f"""<trace>{_s("concept:name", "c1")}
      {_event(_s("concept:name", "a"), _d("2024-01-15T09:00:00+01:00"))}
      {_event(_s("concept:name", "b"), _d("2024-07-15T09:00:00.5+02:00"))}
      {_event(_s("concept:name", "c"), _d("2024-07-15T03:00:00-05:30"))}
    </trace>"""
    log = _same_as_pm4py(_write(tmp_path, body))
    assert [str(t) for t in log["time:timestamp"]] == [
        "2024-01-15 08:00:00+00:00",
        "2024-07-15 07:00:00.500000+00:00",
        "2024-07-15 08:30:00+00:00",
    ]


def test_daylight_saving_offsets_give_the_log_its_clock(tmp_path):
    body = f"""<trace>{_s("concept:name", "c1")}
      {_event(_s("concept:name", "a"), _d("2024-01-15T09:00:00+01:00"))}
      {_event(_s("concept:name", "b"), _d("2024-07-15T09:00:00+02:00"))}</trace>"""
    log = read_log(_write(tmp_path, body))
    assert log.attrs["odsc:zone"] == "CET"
    assert [str(t) for t in log["time:timestamp"]] == [
        "2024-01-15 08:00:00+00:00",
        "2024-07-15 07:00:00+00:00",
    ]


def test_sub_microsecond_digits_are_dropped_as_pythons_datetime_does(tmp_path):
    body = f"""<trace>{_s("concept:name", "c1")}
      {_event(_s("concept:name", "a"), _d("2024-01-15T09:00:00.1234567+00:00"))}</trace>"""
    log = _same_as_pm4py(_write(tmp_path, body))
    assert str(log["time:timestamp"][0]) == "2024-01-15 09:00:00.123456+00:00"


# --------------------------------------------------------------------------- our rules


def test_lists_are_left_out_where_pm4py_makes_a_dict(tmp_path):
    body = f"""<trace>{_s("concept:name", "c1")}
      {
        _event(
            _s("concept:name", "a"),
            _d("2024-01-01T08:00:00"),
            '<list key="docs"><values><string key="doc" value="ID"/></values></list>',
        )
    }</trace>"""
    path = _write(tmp_path, body)
    theirs = _pm4py(path)
    assert isinstance(theirs["docs"][0], dict)  # pm4py's conversion: an object no table holds
    ours = read_xes(path)
    assert "docs" not in ours.columns
    pd.testing.assert_frame_equal(ours, theirs.drop(columns="docs"))


def test_entities_are_decoded_and_ids_kept(tmp_path):
    body = f"""<trace>{_s("concept:name", "c&amp;1")}
      {
        _event(
            _s("concept:name", "Tax &amp; Fees &lt;desk&gt;"),
            _d("2024-01-01T08:00:00"),
            '<id key="identity:id" value="8f1c"/>',
        )
    }</trace>"""
    log = _same_as_pm4py(_write(tmp_path, body))
    assert log["concept:name"].tolist() == ["Tax & Fees <desk>"]
    assert log["case:concept:name"].tolist() == ["c&1"]
    assert log["identity:id"].tolist() == ["8f1c"]


def test_booleans_accept_xml_schema_spellings(tmp_path):
    body = f"""<trace>{_s("concept:name", "c1")}
      {_event(_s("concept:name", "a"), _d("2024-01-01T08:00:00"), '<boolean key="b" value="1"/>')}
      {_event(_s("concept:name", "b"), _d("2024-01-01T09:00:00"), '<boolean key="b" value="FALSE"/>')}
      {_event(_s("concept:name", "c"), _d("2024-01-01T10:00:00"), '<boolean key="b" value="True"/>')}
    </trace>"""
    path = _write(tmp_path, body)
    assert read_xes(path)["b"].tolist() == [True, False, True]
    assert _pm4py(path)["b"].tolist() == [False, False, True]  # pm4py: "1" is false


def test_a_bad_value_is_refused_where_pm4py_drops_it(tmp_path):
    body = f"""<trace>{_s("concept:name", "c1")}
      {_event(_s("concept:name", "a"), _d("2024-01-01T08:00:00"))}
      {_event(_s("concept:name", "b"), _d("not a date"))}</trace>"""
    path = _write(tmp_path, body)
    assert _pm4py(path)["time:timestamp"].isna().tolist() == [False, True]
    with pytest.raises(
        LogError, match=r"\(line 5: date 'time:timestamp' is not a date: 'not a date'\)"
    ):
        read_xes(path)


def test_external_entities_are_not_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("leaked")
    head = f'<!DOCTYPE log [<!ENTITY x SYSTEM "file://{secret}">]>\n<log>'
    body = f"""<trace>{_s("concept:name", "&x;")}
      {_event(_s("concept:name", "a"), _d("2024-01-01T08:00:00"))}</trace>"""
    with pytest.raises(LogError) as info:
        read_xes(_write(tmp_path, body, head=head))
    assert str(info.value) == (
        "log.xes: not a readable XES file (line 4: Attribute references external entity 'x', "
        "line 4, column 45)"
    )
    assert "leaked" not in str(info.value)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            '<trace>\n<event>\n<int key="fee" value="12.5"/>\n</event>\n</trace>',
            "log.xes: not a readable XES file (line 5: int 'fee' is not an integer: '12.5')",
        ),
        (
            '<trace>\n<event>\n<float key="km" value="far"/></event></trace>',
            "log.xes: not a readable XES file (line 5: float 'km' is not a number: 'far')",
        ),
        (
            '<trace>\n<event>\n<boolean key="ok" value="yes"/></event></trace>',
            "log.xes: not a readable XES file (line 5: boolean 'ok' is not true or false: 'yes')",
        ),
        (
            '<trace>\n<event><string key="a" value="x"/>\n'
            '<date key="time:timestamp" value="2024-13-01T00:00:00"/></event></trace>',
            "log.xes: not a readable XES file (line 5: date 'time:timestamp' is not a date: "
            "'2024-13-01T00:00:00')",
        ),
        (
            '<trace>\n<event>\n<string value="x"/></event></trace>',
            "log.xes: not a readable XES file (line 5: <string> attribute without key)",
        ),
        (
            '<event>\n<string key="a" value="x"/></event>',
            "log.xes: not a readable XES file (line 3: <event> outside a <trace>)",
        ),
        (
            '<trace>\n<event>\n<string key="a" value="x">\n</trace>',
            "log.xes: not a readable XES file (line 6: Opening and ending tag mismatch: "
            "string line 5 and trace, line 6, column 9)",
        ),
    ],
)
def test_bad_xes_names_the_line(tmp_path, body, message):
    path = _write(tmp_path, body)
    with pytest.raises(LogError) as info:
        read_xes(path)
    assert str(info.value) == message


def test_a_bad_case_date_names_its_line(tmp_path):
    body = f"""<trace>{_s("concept:name", "c1")}
<date key="opened" value="yesterday"/>
      {_event(_s("concept:name", "a"), _d("2024-01-01T08:00:00"))}</trace>"""
    with pytest.raises(
        LogError, match=r"\(line 4: date 'case:opened' is not a date: 'yesterday'\)"
    ):
        read_xes(_write(tmp_path, body))


def test_a_trace_without_case_id_is_named_by_read_log(tmp_path):
    body = f"""<trace>{_s("concept:name", "c1")}{_event(_s("concept:name", "a"), _d("2024-01-01T08:00:00"))}</trace>
<trace>{_event(_s("concept:name", "b"), _d("2024-01-01T09:00:00"))}</trace>"""
    with pytest.raises(LogError, match=r"^log.xes: empty case:concept:name at row 2$"):
        read_log(_write(tmp_path, body))


def test_truncated_gzip(tmp_path):
    big = "".join(
        f"<trace>{_s('concept:name', f'c{i}')}"
        f"{_event(_s('concept:name', 'a'), _d('2024-01-01T08:00:00'), _s('n', str(i * 7919)))}</trace>"
        for i in range(3000)
    )
    whole = _write(tmp_path, big, name="log.xes.gz").read_bytes()
    cut = tmp_path / "cut.xes.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(LogError, match=r"^cut.xes.gz: not a readable XES file \("):
        read_xes(cut)


def test_cli_malformed_xes_exits_2_and_writes_nothing(tmp_path):
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["mine", str(BAD / "broken.xes"), "-o", str(out)])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: broken.xes: not a readable XES file (line 2: Premature end of data in tag event "
        "line 1, line 2, column 1)"
    ]
    assert not out.exists()


def test_an_int_beyond_64_bits_stays_a_python_int(tmp_path):
    body = f"""<trace>{_s("concept:name", "c1")}
      {_event(_s("concept:name", "a"), _d("2024-01-01T08:00:00"), f'<int key="n" value="{2**70}"/>')}
      {_event(_s("concept:name", "b"), _d("2024-01-01T09:00:00"), '<int key="n" value="1"/>')}</trace>"""
    log = _same_as_pm4py(_write(tmp_path, body))
    assert log["n"].tolist() == [2**70, 1]
