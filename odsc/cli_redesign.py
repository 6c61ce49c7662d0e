"""``odsc redesign``: apply redesign operators to a journey and write the to-be journey.

The operators run in a fixed order, whatever the order of the options:
eliminate steps, bring the citizen to one door, digitize handoffs, add staff,
set the appointment share. Each prints what it changed; the result is checked
(it must validate and load back) before anything is written.
"""

from __future__ import annotations

from typing import Any

import click

from odsc.cli_common import user_errors

__all__ = ["COMMANDS", "redesign"]


def _staff(spec: str, value: str) -> tuple[str, int]:
    """``desk=2`` -> ``("desk", 2)``; anything else is an input error naming the option."""
    from journeys.errors import InputError

    pool, sep, n = value.partition("=")
    try:
        count = int(n.strip())
    except ValueError:
        count = None
    if not sep or not pool.strip() or count is None:
        raise InputError(f"{spec}: --add-staff {value!r}: expected POOL=N, e.g. desk=2")
    return pool.strip(), count


def _standard(spec: str, value: str) -> tuple[str, dict[str, float]]:
    """``tax=2d`` -> ``("tax", {"days": 2})``; ``tax=90min``, ``tax=4h`` in minutes."""
    import re

    from journeys.errors import InputError

    agency, sep, amount = value.rpartition("=")
    m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*(d|h|min)\s*", amount)
    if not sep or not agency.strip() or m is None or float(m.group(1)) <= 0:
        raise InputError(
            f"{spec}: --standard {value!r}: expected AGENCY=TIME with TIME in working days (2d),"
            " hours (4h) or minutes (90min), above 0"
        )
    n, unit = float(m.group(1)), m.group(2)
    if unit == "d":
        return agency.strip(), {"days": n}
    return agency.strip(), {"minutes": n * (60.0 if unit == "h" else 1.0)}


def _to_be_names(as_is: Any, journey_id: str | None, name: str | None) -> tuple[str, str]:
    """The redesign's id and name: as given, else ``<id>-to-be`` and ``<name> (to-be)``."""
    import re

    from journeys.redesign import _AS_IS  # the "(as-is, ...)" ending one_door drops too

    base_id = re.sub(r"-as-is$", "", as_is.id)
    base_name = _AS_IS.sub("", as_is.name)
    return journey_id or f"{base_id}-to-be", name or f"{base_name} (to-be)"


# rows of the before/after table: label, StaticMetrics attribute, scale, format
_ROWS = (
    ("Visits to offices", "visits", 1.0, ".2f"),
    ("Offices visited", "doors", 1.0, ".2f"),
    ("Papers carried by the citizen", "citizen_handoffs", 1.0, ".2f"),
    ("Handoff delays, summed (days)", "delay_minutes", 1 / 1440, ".1f"),
    ("Citizen cost ({})", "citizen_cost", 1.0, ",.0f"),
)


def _figures(before: Any, after: Any, journeys: tuple[Any, ...] = ()) -> str:
    """A small before/after table of the exact expected figures of both journeys."""
    rows = [(label.format(before.currency), attr, k, f) for label, attr, k, f in _ROWS]
    width = max(len(r[0]) for r in rows)
    lines = [
        "Expected per case, from the model (no queues):",
        f"  {'':<{width}}  {'as-is':>10}  {'to-be':>10}",
    ]
    from simulations.measures import priced as _priced

    priced = any(_priced(j) for j in journeys)
    for label, attr, k, f in rows:
        a, b = getattr(before, attr) * k, getattr(after, attr) * k
        if attr == "citizen_cost" and not priced:
            lines.append(f"  {label:<{width}}  {'not recorded':>23}  (no fees, travel costs or"
                         " value of time in the model)")  # fmt: skip
            continue
        lines.append(f"  {label:<{width}}  {a:>10{f}}  {b:>10{f}}")
    return "\n".join(lines)


@click.command()
@click.argument("spec", metavar="JOURNEY")
@click.option(
    "--one-door",
    "door",
    default=None,
    metavar="NAME",
    help='Bring the citizen to one front desk with this name, e.g. "ODSC front desk".',
)
@click.option(
    "--carrier",
    type=click.Choice(["courier", "digital"]),
    default="courier",
    show_default=True,
    help="With --one-door: how the dossier moves between the front desk and the back offices.",
)
@click.option(
    "--digitize",
    default=None,
    metavar="AGENCIES|all",
    help="Handoffs between these agencies (comma-separated ids or names) become data exchange;"
    " 'all' for every handoff between agencies.",
)
@click.option("--eliminate", multiple=True, metavar="STEP", help="Remove this step (repeatable).")
@click.option(
    "--add-staff",
    "staff",
    multiple=True,
    metavar="POOL=N",
    help="Add N desks to a pool, e.g. odsc_desk=2 (repeatable; N may be negative).",
)
@click.option(
    "--standard",
    "standards",
    multiple=True,
    metavar="AGENCY=TIME",
    help="A service standard the agency commits to, e.g. tax=2d (working days), 4h or 90min:"
    " caps the measured backlog of handoffs into it (repeatable).",
)
@click.option(
    "--appointments",
    type=float,
    default=None,
    metavar="SHARE",
    help="Share of citizens (0 to 1) who book an appointment and are served first.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="The to-be journey file to write (YAML).",
)
@click.option("--id", "journey_id", metavar="ID", help="Id of the to-be journey [<id>-to-be].")
@click.option("--name", metavar="TEXT", help="Name of the to-be journey [<name> (to-be)].")
@user_errors
def redesign(
    spec: str,
    door: str | None,
    carrier: str,
    digitize: str | None,
    eliminate: tuple[str, ...],
    staff: tuple[str, ...],
    appointments: float | None,
    standards: tuple[str, ...],
    output: str,
    journey_id: str | None,
    name: str | None,
) -> None:
    """Redesign a journey and write the result; print every change.

    JOURNEY is a journey YAML file or a catalogue name (see `odsc journey list`).
    The operators run in this order, whatever the order of the options:
    --eliminate, --one-door, --digitize, --standard, --add-staff, --appointments.
    The result is a new journey: id <id>-to-be and a name ending "(to-be)"
    unless --id and --name say otherwise.

    \b
    Example:
      odsc redesign business-licence --one-door "ODSC front desk" \\
        --digitize Tax,Commerce --add-staff odsc_desk=1 -o to_be.yaml
    """
    from journeys import redesign as ops
    from journeys import restructure
    from journeys.catalog import resolve
    from journeys.errors import InputError
    from journeys.io import dumps, loads
    from journeys.metrics import static_metrics
    from journeys.standards import service_standard
    from odsc.files import check_output, write_atomic

    check_output(output, {".yaml": "yaml", ".yml": "yaml"}, inputs=[spec])
    if door is not None and not door.strip():
        raise InputError(f"{spec}: --one-door: the front desk needs a name, got {door!r}")
    as_is = resolve(spec)
    pools = [_staff(spec, s) for s in staff]  # malformed options fail before any work
    caps = [_standard(spec, s) for s in standards]
    steps: list[tuple[str, Any, tuple[Any, ...], dict[str, Any]]] = []
    steps += [(f"--eliminate {s}", restructure.eliminate, (s,), {}) for s in eliminate]
    if door is not None:
        steps.append(("--one-door", ops.one_door, (), {"door_name": door, "carrier": carrier}))
    if digitize is not None:
        names = [a for a in (x.strip() for x in digitize.split(",")) if a]
        every = [n.lower() for n in names] == ["all"]
        kw = {} if every else {"agencies": names}
        steps.append((f"--digitize {digitize}", ops.digitize_handoffs, (), kw))
    steps += [(f"--standard {a}", service_standard, (a,), kw) for a, kw in caps]
    steps += [(f"--add-staff {p}={n}", ops.add_staff, (p, n), {}) for p, n in pools]
    if appointments is not None:
        steps.append((f"--appointments {appointments:g}", ops.appointments, (appointments,), {}))
    if not steps:
        raise InputError(
            f"{spec}: no redesign asked; give --one-door, --digitize, --eliminate, --standard,"
            " --add-staff or --appointments"
        )
    result = ops.Redesign(as_is)
    for option, operator, args, kwargs in steps:
        try:
            result = result.then(operator, *args, **kwargs)
        except ops.RedesignError as e:
            raise InputError(f"{spec}: {option}: {e.reason}") from None
    new_id, new_name = _to_be_names(as_is, journey_id, name)
    if new_id == as_is.id:
        raise InputError(f"{spec}: --id {new_id!r}: the redesign needs an id of its own")
    to_be = result.journey.replace(id=new_id, name=new_name)
    text = dumps(to_be)
    loads(text, source=output)  # the file written must load back as it is
    changes = [c for c in result.changes if not c.startswith("Journey renamed ")]
    changes = changes or ["no change"]
    changes.append(f"Journey renamed {as_is.id} -> {new_id} ({new_name}).")
    for i, line in enumerate(changes, 1):
        click.echo(f"{i:>3}. {line}")
    click.echo(_figures(static_metrics(as_is), static_metrics(to_be), (as_is, to_be)))
    write_atomic(output, text.encode("utf-8"))
    click.echo(f"wrote {output} ({to_be.id}, {len(to_be.steps)} steps)")


COMMANDS = [redesign]
