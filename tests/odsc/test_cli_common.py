"""odsc.cli_common: every command module loads on its own, in any order."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    ["cli_calibrate", "cli_demo", "cli_journey", "cli_mine", "cli_programme", "cli_redesign",
     "cli_simulate"],
)
def test_a_command_module_imported_first_registers_its_commands(module):
    # importing a command module before odsc.cli used to hit a circular import
    code = (
        f"import odsc.{module} as m; from odsc.cli import main; "
        "print(all(c.name in main.commands for c in m.COMMANDS))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
