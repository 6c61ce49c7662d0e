"""``odsc journey export`` and ``odsc journey import``: BPMN 2.0 and Prosimos in and out.

Both commands live in the ``journey`` group (:data:`JOURNEY_COMMANDS`, added
to it by :func:`odsc.cli._register`). Export writes the BPMN model and, with
``--prosimos``, the Prosimos parameters beside it, and prints the "lossy"
note: what the parameters cannot say. Import reads a BPMN model (and
optionally Prosimos parameters) and writes a journey YAML file after it
validates, printing every default it applied and every element it left out.
Nothing is written when an input is wrong.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from odsc.cli_common import user_errors

__all__ = ["COMMANDS", "JOURNEY_COMMANDS", "export", "import_"]

_MAX_MODEL_BYTES = 50_000_000  # a drawn or discovered model is kilobytes; refuse a runaway file


@click.command()
@click.argument("spec", metavar="JOURNEY")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="BPMN file to write (.bpmn or .xml).")
@click.option("--prosimos", "prosimos", type=click.Path(dir_okay=False), default=None,
              help="Also write Prosimos simulation parameters to this .json file.")
@user_errors
def export(spec: str, output: str, prosimos: str | None) -> None:
    """Export a journey as a BPMN 2.0 model (lanes, gateways, BPSim, diagram).

    JOURNEY is a journey YAML file or a catalogue name (see `odsc journey list`).
    With --prosimos, also write the parameters Prosimos simulates the model
    with, and print what they cannot express.
    """
    from journeys.bpmn_export import to_bpmn
    from journeys.catalog import resolve
    from journeys.prosimos import to_prosimos
    from odsc.files import check_output, write_atomic

    check_output(output, {".bpmn": "bpmn", ".xml": "bpmn"}, inputs=[spec])
    if prosimos is not None:  # a .json can never be the .bpmn of -o
        check_output(prosimos, {".json": "json"}, inputs=[spec])
    j = resolve(spec)
    xml = to_bpmn(j)
    params = lossy = None
    if prosimos is not None:
        params, lossy = to_prosimos(j)
    write_atomic(Path(output), xml)
    click.echo(f"wrote {output} ({len(j.steps)} tasks, {len({s.agency for s in j.steps})} lanes)")
    if params is not None:
        write_atomic(Path(prosimos), (json.dumps(params, indent=2, ensure_ascii=False) + "\n")
                     .encode("utf-8"))
        click.echo(f"wrote {prosimos}")
        if lossy:
            click.echo("lossy: Prosimos cannot express")
            for line in lossy:
                click.echo(f"  - {line}")


@click.command("import")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--prosimos", "prosimos", type=click.Path(dir_okay=False), default=None,
              help="Prosimos parameters (.json) for durations, probabilities, desks, arrivals.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False),
              help="Journey YAML file to write (.yaml or .yml).")
@user_errors
def import_(model: str, prosimos: str | None, output: str) -> None:
    """Import a BPMN 2.0 model (drawn, exported or discovered) as a journey.

    Lanes become agencies, tasks steps, gateways branches and parallel blocks;
    probabilities come from BPSim or the Prosimos parameters. Every default
    applied and every element not imported is printed, by id.
    """
    from journeys.bpmn_import import from_bpmn
    from journeys.errors import InputError, JourneyError
    from journeys.io import dumps
    from odsc.files import check_output, write_atomic

    check_output(output, {".yaml": "yaml", ".yml": "yaml"},
                 inputs=[model] + ([prosimos] if prosimos else []))
    data = _read_bytes(model, "model")
    params = None
    if prosimos is not None:
        params = _read_json(prosimos)
    try:
        result = from_bpmn(data, source=model, prosimos=params)
    except InputError as e:  # a Prosimos field of the wrong shape: name its file
        if not isinstance(e, JourneyError) and str(e).startswith("not Prosimos"):
            raise InputError(f"{prosimos}: {e}") from None
        raise
    j = result.journey
    write_atomic(Path(output), dumps(j).encode("utf-8"))
    click.echo(f"wrote {output} ({len(j.steps)} steps, {len(j.transitions)} transitions, "
               f"{len(j.agencies)} agencies)")
    if result.notes:
        click.echo("assumed or left out:")
        for line in result.notes:
            click.echo(f"  - {line}")


def _read_bytes(path: str, what: str) -> bytes:
    from journeys.errors import InputError

    p = Path(path)
    try:
        if p.stat().st_size > _MAX_MODEL_BYTES:
            raise InputError(f"{path}: {p.stat().st_size:,} bytes is more than a {what} file "
                             f"can be ({_MAX_MODEL_BYTES:,})")
        return p.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a {what} file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot be read: {e.strerror}") from None


def _read_json(path: str) -> dict:
    from journeys.errors import InputError

    raw = _read_bytes(path, "Prosimos parameters")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not valid UTF-8 text (byte {e.start})") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not JSON: {e.msg} (line {e.lineno}, column {e.colno})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: not Prosimos parameters: the JSON is not an object")
    return data


#: Commands of the ``journey`` group.
JOURNEY_COMMANDS = [export, import_]
#: Top-level commands (none: both live under ``odsc journey``).
COMMANDS: list[click.Command] = []
