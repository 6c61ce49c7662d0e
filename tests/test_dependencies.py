"""The distributions setup.cfg declares are the ones the four packages import.

Every module of ``journeys``, ``analysis``, ``simulations`` and ``odsc`` is read
with :mod:`ast` (imports inside functions included, since heavy packages are
imported lazily). Each third-party import name is mapped to the distribution
that installs it by :func:`importlib.metadata.packages_distributions` (``yaml``
is PyYAML, ``jinja2`` Jinja2), then compared with ``install_requires`` and the
extras.
"""

from __future__ import annotations

import ast
import configparser
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("journeys", "analysis", "simulations", "odsc")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement(line: str) -> tuple[str, set[str]]:
    """``dask[distributed]>=2023.1`` -> ``("dask", {"distributed"})``."""
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[([^\]]*)\])?", line)
    assert m, line
    extras = {_norm(e) for e in (m.group(2) or "").split(",") if e.strip()}
    return _norm(m.group(1)), extras


def _declared() -> tuple[set[str], set[str]]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    required = {
        _requirement(x)[0] for x in cfg["options"]["install_requires"].splitlines() if x.strip()
    }
    optional: set[str] = set()
    for extra, text in cfg["options.extras_require"].items():
        if extra == "dev":  # tools of the tests, never imported by the packages
            continue
        for line in text.splitlines():
            if line.strip():
                name, extras = _requirement(line)
                # an extra of a distribution that names another one (dask[distributed])
                optional |= {name} | extras
    return required, optional


def _imported() -> dict[str, set[str]]:
    """Top-level third-party import names -> the files importing them."""
    out: dict[str, set[str]] = {}
    for pkg in PACKAGES:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names or top in PACKAGES:
                        continue
                    out.setdefault(top, set()).add(str(path.relative_to(ROOT)))
    return out


def _distributions() -> dict[str, set[str]]:
    """Distribution (normalised) -> the files importing it."""
    known = packages_distributions()
    out: dict[str, set[str]] = {}
    for name, files in _imported().items():
        dists = known.get(name)
        assert dists, f"{name} (imported by {sorted(files)}) is installed by no distribution"
        for d in dists:
            out.setdefault(_norm(d), set()).update(files)
    return out


def test_every_imported_distribution_is_declared():
    required, optional = _declared()
    undeclared = {d: sorted(f) for d, f in _distributions().items() if d not in required | optional}
    assert undeclared == {}


def test_every_required_distribution_is_imported():
    required, _ = _declared()
    assert sorted(required - set(_distributions())) == []


def test_optional_imports_are_the_dask_extra():
    required, optional = _declared()
    assert {d for d in _distributions() if d not in required} == {"distributed"}
    assert optional == {"dask", "distributed"}


def test_the_import_scan_sees_lazy_imports():
    found = _imported()
    # imported only inside functions (odsc --help stays fast)
    assert "analysis/processmap.py" in {f.replace("\\", "/") for f in found["graphviz"]}
    assert "tabulate" in found and "yaml" in found
