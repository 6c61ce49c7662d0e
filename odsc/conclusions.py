"""The closing "Conclusions and recommendations" of the mine, compare and demo reports.

Two rules, one per kind of report:

* :func:`mine_conclusions`: the findings' recommendations, one per action
  (findings that call for the same action are listed together under it), in
  the order of the largest finding behind each, with what the findings add to
  each affected case.
* :func:`change_conclusions`: what a simulated redesign improved and what it
  made worse, the significant changes only (the confidence interval of the
  paired difference excludes zero), each as ``label before -> after``; for
  every loss a remedy to test before going live; and the figures whose change
  is within the noise.

Examples
--------
>>> rows = [{"kpi": "within_sla", "label": "Served at the first desk within 15 min",
...          "scenario": "b", "baseline_text": "93%", "value_text": "55%", "diff_text": "-38 pts",
...          "change_text": "-41%", "verdict": "worse", "significant": True}]
>>> change_conclusions(rows, "b")["worse"]
['Served at the first desk within 15 min: 93% -> 55% (-38 pts)']
"""

from __future__ import annotations

from typing import Any

__all__ = ["REMEDIES", "change_conclusions", "change_text", "mine_conclusions"]

#: What to try when a KPI got worse in the redesign.
REMEDIES: dict[str, str] = {
    "desk_within_sla": (
        "Citizens stand longer in desk lines: staff the busiest desks for the peak hours (more "
        "clerks, appointments or queue tickets), and check it again by simulation."
    ),
    "desk_queue": (
        "Citizens spend longer in desk lines over their visits: staff the busiest desks for the "
        "peak hours, or take steps off the counter."
    ),
    "within_sla": (
        "The one front desk becomes the queue: staff it for the peak hours (more clerks, "
        "appointments or queue tickets) before going live, and check it again by simulation."
    ),
    "handoffs": (
        "The redesign adds handoffs inside government: make sure each is by data exchange or a "
        "daily courier with a service standard, or merge the steps of one agency."
    ),
    "lead": "Cases take longer: look at the back-office desks the redesign loads most.",
    "waiting": "Cases wait longer between steps: look at the courier batches and the back-office desks.",
    "visits": "Citizens come more often: check which steps still need them in person.",
    "doors": "Citizens deal with more offices: check the doors of the citizen-facing steps.",
    "citizen_cost": "The citizen pays more: check the fees and the travel the redesign adds.",
    "staff_cost": (
        "Staff cost per case rises: the extra desks are priced in; weigh them against the "
        "time citizens gain."
    ),
}


def change_text(r: dict[str, Any]) -> str:
    """One change as a headline line: ``label: before -> after (change)``."""
    change = r.get("change_text") or r.get("diff_text") or ""
    if r["kpi"] in ("within_sla", "desk_within_sla") or str(r["kpi"]).startswith("util:"):
        change = r.get("diff_text") or change
    tail = f" ({change})" if change else ""
    return f"{r['label']}: {r['baseline_text']} -> {r['value_text']}{tail}"


def _remedy_key(kpi: str) -> str:
    for prefix in ("lead", "waiting"):
        if kpi.startswith(prefix):
            return prefix
    return kpi


def change_conclusions(rows: list[dict[str, Any]], alt: str) -> dict[str, list[str]]:
    """What improved, what got worse (with remedies), and what did not change significantly.

    Parameters
    ----------
    rows : list of dict
        Rows of :func:`odsc.report_compare.comparison_rows`.
    alt : str
        The alternative scenario.

    Returns
    -------
    dict
        ``better``, ``worse``, ``remedies`` and ``unchanged`` (lists of sentences).
    """
    part = [r for r in rows if r["scenario"] == alt]
    better = [change_text(r) for r in part if r["verdict"] == "better"]
    worse = [change_text(r) for r in part if r["verdict"] == "worse"]
    remedies = list(
        dict.fromkeys(
            REMEDIES[_remedy_key(r["kpi"])]
            for r in part
            if r["verdict"] == "worse" and _remedy_key(r["kpi"]) in REMEDIES
        )
    )
    busy = [
        r
        for r in part
        if str(r["kpi"]).startswith("util:")
        and isinstance(r.get("value"), float)
        and r["value"] >= 0.85
    ]
    for r in busy:
        remedies.append(
            f"{r['label']} is {r['value_text']} after the redesign: above 85% queues grow fast; "
            "add a desk or longer hours there."
        )
    unchanged = [
        r["label"]
        for r in part
        if not r["significant"]
        and r["kpi"] not in ("cases", "unfinished")
        and not str(r["kpi"]).startswith("util:")
        and r["baseline_text"] != r["value_text"]
    ]
    return {"better": better, "worse": worse, "remedies": remedies, "unchanged": unchanged}


def mine_conclusions(findings: list[Any], *, limit: int = 5) -> list[dict[str, Any]]:
    """The actions the findings call for, one each, largest finding first.

    Parameters
    ----------
    findings : list of Finding
        Ranked findings (:func:`analysis.findings.find`).
    limit : int
        Most actions listed.

    Returns
    -------
    list of dict
        ``action`` (the recommendation), ``because`` (the findings' titles)
        and ``effect`` (what the largest of them adds to each affected case).

    Examples
    --------
    >>> from analysis.findings import Finding
    >>> fs = [Finding("Handoff A -> B", "x", {}, 900.0, "Use data exchange.", "handoff", 3, 300.0),
    ...       Finding("Handoff B -> C", "x", {}, 600.0, "Use data exchange.", "handoff", 3, 200.0)]
    >>> mine_conclusions(fs)
    [{'action': 'Use data exchange.', 'because': ['Handoff A -> B', 'Handoff B -> C'], 'effect': '+5.0 h per case (3 cases; 15.0 h in total)'}]
    """
    from odsc.mine_format import _impact

    out: dict[str, dict[str, Any]] = {}
    for f in findings:
        if not f.recommendation:
            continue
        item = out.get(f.recommendation)
        if item is None:
            if len(out) >= limit:
                continue
            out[f.recommendation] = {
                "action": f.recommendation,
                "because": [f.title],
                "effect": _impact(f),
            }
        else:
            item["because"].append(f.title)
    return list(out.values())
