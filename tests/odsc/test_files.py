"""Output files written all or nothing, with the mode a plain open() would give."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from odsc.files import write_atomic


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@pytest.fixture
def umask():
    """Set the process umask for one test; the one before comes back afterwards."""
    before = os.umask(0o022)
    os.umask(before)
    yield os.umask
    os.umask(before)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_mode_follows_the_current_umask(tmp_path: Path) -> None:
    out = write_atomic(tmp_path / "report.html", b"<p>ok</p>")
    assert _mode(out) == 0o666 & ~_current_umask()


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_mode_is_what_a_plain_open_gives(tmp_path: Path, umask, mask: int, expected: int) -> None:
    umask(mask)
    out = write_atomic(tmp_path / "report.html", b"<p>ok</p>")
    plain = tmp_path / "plain.html"
    plain.write_bytes(b"<p>ok</p>")
    assert _mode(out) == expected == _mode(plain)


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_replacing_a_file_gives_the_umask_mode_and_keeps_the_umask(tmp_path: Path, umask) -> None:
    umask(0o022)
    target = tmp_path / "journey.yaml"
    target.write_bytes(b"old")
    target.chmod(0o600)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert _mode(target) == 0o644
    assert _current_umask() == 0o022


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "out" / "report.md"
    write_atomic(target, b"first")

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"second")
    assert target.read_bytes() == b"first"
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.md"]
