"""OCEL 2.0 input: a hand-built object-centric log in the three formats, flattened on a type."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.logs import read_log
from analysis.ocel import flatten_ocel, is_ocel, object_types
from analysis.schema import LogError

WRITERS = {
    "jsonocel": "write_ocel2_json",
    "xmlocel": "write_ocel2_xml",
    "sqlite": "write_ocel2_sqlite",
}


def write_ocel(path: Path) -> Path:
    """A district centre: two applications, a shared hearing, a document archived alone.

    e1 submit (a1, a2: a joint submission), e2 check (a1), e3 pay (a1, d1),
    e4 check (a2), e5 archive (d1 only). (pm4py's writers leave out an event with
    no object at all: :func:`test_event_with_no_object_is_counted` adds one by hand.)
    """
    import pm4py
    from pm4py.objects.ocel.obj import OCEL

    events = pd.DataFrame(
        {
            "ocel:eid": ["e1", "e2", "e3", "e4", "e5"],
            "ocel:activity": ["submit", "check", "pay", "check", "archive"],
            "ocel:timestamp": pd.to_datetime(
                [
                    "2024-01-02 08:00",
                    "2024-01-02 09:00",
                    "2024-01-03 10:00",
                    "2024-01-04 11:00",
                    "2024-01-05 12:00",
                ]  # fmt: skip
            ),
            "desk": ["front", "tax", "cashier", "tax", "records"],
        }
    )
    objects = pd.DataFrame(
        {"ocel:oid": ["a1", "a2", "d1"], "ocel:type": ["application", "application", "document"]}
    )
    rel = pd.DataFrame(
        {
            "ocel:eid": ["e1", "e1", "e2", "e3", "e3", "e4", "e5"],
            "ocel:oid": ["a1", "a2", "a1", "a1", "d1", "a2", "d1"],
        }  # fmt: skip
    )
    rel = rel.merge(events[["ocel:eid", "ocel:activity", "ocel:timestamp"]]).merge(objects)
    rel["ocel:qualifier"] = ""
    ocel = OCEL(events=events, objects=objects, relations=rel)
    getattr(pm4py, WRITERS[path.name.rsplit(".", 1)[1]])(ocel, str(path))
    return path


@pytest.mark.parametrize("ext", list(WRITERS))
def test_flatten_on_applications(tmp_path: Path, ext: str) -> None:
    path = write_ocel(tmp_path / f"centre.{ext}")
    flat = flatten_ocel(path, "application")
    assert flat.attrs["odsc:ocel_counts"] == {
        "events": 5, "kept": 4, "duplicated": 1, "dropped": 1, "cases": 2
    }  # fmt: skip
    assert flat.attrs["odsc:ocel"] == (
        f"centre.{ext}: flattened on object type application: 2 cases, 5 events from 4 of 5 "
        "OCEL events (1 duplicated: related to several application objects; 1 dropped: "
        "related to no application)"
    )
    log = read_log(flat, agency="desk")
    seq = log.sort_values("time:timestamp").groupby("case:concept:name")["concept:name"].agg(list)
    assert seq.to_dict() == {"a1": ["submit", "check", "pay"], "a2": ["submit", "check"]}
    assert log.loc[log["concept:name"] == "pay", "org:group"].tolist() == ["cashier"]


def test_flatten_on_documents(tmp_path: Path) -> None:
    flat = flatten_ocel(write_ocel(tmp_path / "centre.jsonocel"), "document")
    counts = flat.attrs["odsc:ocel_counts"]
    assert (counts["cases"], counts["kept"], counts["duplicated"], counts["dropped"]) == (
        1,
        2,
        0,
        3,
    )


def test_event_with_no_object_is_counted(tmp_path: Path) -> None:
    import json

    path = write_ocel(tmp_path / "centre.jsonocel")
    data = json.loads(path.read_text())
    data["events"].append({"id": "e6", "type": "notify", "time": "2024-01-06T08:00:00Z",
                           "attributes": [], "relationships": []})  # fmt: skip
    path.write_text(json.dumps(data))
    counts = flatten_ocel(path, "application").attrs["odsc:ocel_counts"]
    assert (counts["events"], counts["kept"], counts["dropped"]) == (6, 4, 2)


def test_object_type_needed_and_known(tmp_path: Path) -> None:
    path = write_ocel(tmp_path / "centre.jsonocel")
    assert object_types(path).to_dict() == {"application": 2, "document": 1}
    with pytest.raises(LogError) as err:
        flatten_ocel(path, None)
    assert str(err.value) == (
        "centre.jsonocel: an OCEL log needs --object-type, the object type whose objects are "
        "the cases; its types: application (2 objects), document (1 objects)"
    )
    with pytest.raises(LogError) as err:
        flatten_ocel(path, "applicant")
    assert str(err.value) == (
        "centre.jsonocel: --object-type applicant: no such object type; its types: "
        "application (2 objects), document (1 objects)"
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("broken.jsonocel", "{not json"),
        ("broken.xmlocel", "<log><unclosed>"),
        ("broken.sqlite", "not a database"),
    ],  # fmt: skip
)
def test_unreadable_ocel(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(LogError, match=f"^{name}: not a"):
        flatten_ocel(path, "application")


def test_missing_file_and_suffixes(tmp_path: Path) -> None:
    with pytest.raises(LogError, match=r"^gone.jsonocel: no such file"):
        flatten_ocel(tmp_path / "gone.jsonocel", "application")
    assert is_ocel("x.sqlite") and is_ocel("x.XMLOCEL") and not is_ocel("x.xes")
