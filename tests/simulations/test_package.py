"""The package's API: the engine and the experiments, importable from ``simulations``."""

from __future__ import annotations

import importlib
import subprocess
import sys

import simulations


def test_every_public_name_of_experiments_is_reexported() -> None:
    experiments = importlib.import_module("simulations.experiments")
    for name in experiments.__all__:
        assert name in simulations.__all__
        assert getattr(simulations, name) is getattr(experiments, name)


def test_all_names_exist_once() -> None:
    assert all(hasattr(simulations, name) for name in simulations.__all__)
    assert len(set(simulations.__all__)) == len(simulations.__all__)


def test_importing_the_package_does_not_pull_the_mining_libraries() -> None:
    code = (
        "import sys, simulations\n"
        "print(','.join(m for m in ('pm4py', 'analysis', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
