"""``odsc convert`` on real logs: mining the Parquet folder gives the same report figures.

receipt.csv is partitioned by its channel (a case attribute), helpdesk.xes.gz by
its workgroup (an event attribute, so a case spans several folders). The JSON
reports of ``odsc mine LOG`` and ``odsc mine DIR/ --engine pandas`` (same
pseudonymisation key) must be equal apart from the source's name and the time they
were made. (The scale engine on such folders, which ``odsc mine DIR/`` takes by
default, is compared with pandas in tests/odsc/test_cli_mine_scale.py.)
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from odsc.cli import main

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def _report(tmp_path: Path, source: str, name: str, extra: list[str]) -> dict:
    out = tmp_path / f"{name}.json"
    result = CliRunner().invoke(main, ["mine", source, "--key", "k", "-o", str(out), *extra])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    for key in ("source", "generated"):
        report["report"].pop(key)
    return report


@pytest.mark.parametrize(
    ("name", "column", "extra", "folders"),
    [
        ("receipt.csv", "case:channel", ["--agency", "org:group"], 5),
        ("helpdesk.xes.gz", "workgroup", [], 4),
    ],
)
def test_mine_of_the_converted_folder_equals_mine_of_the_log(
    tmp_path, name, column, extra, folders
):
    log = DATA / name
    if not log.exists():
        pytest.skip(f"real log {name} not available")
    out = tmp_path / "parquet"
    converted = CliRunner().invoke(
        main, ["convert", str(log), "-o", str(out), "--partition-by", column, *extra]
    )
    assert converted.exit_code == 0, converted.output
    assert len(list(out.glob(f"{column}=*"))) == folders
    direct = _report(tmp_path, str(log), "direct", extra)
    from_folder = _report(tmp_path, f"{out}/", "folder", [*extra, "--engine", "pandas"])
    assert from_folder == direct
    assert direct["summary"]["cases"] > 1000  # a real report, not an empty one
