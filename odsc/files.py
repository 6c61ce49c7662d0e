"""Writing output files safely: checked before any work, then written all or nothing.

:func:`check_output` runs before a command does its work: the output's
extension must be one of the command's formats (the extension decides the
format; an unknown one is refused with the list of known ones), the output
may not be one of the inputs (same path, or the same file under another name),
and its folder must be writable (a temporary file is created there and
removed). :func:`write_atomic` then writes through a temporary file and a
rename, so an error never leaves a half-written or damaged file.

Examples
--------
>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as d:
...     p = write_atomic(pathlib.Path(d) / "sub" / "r.txt", b"ok")
...     p.read_bytes()
b'ok'
>>> check_output("report.pdf", {".html": "html", ".md": "md"})
Traceback (most recent call last):
...
journeys.errors.InputError: report.pdf: unknown output type '.pdf'; known types: .html, .md
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["check_folder", "check_output", "write_atomic"]


def check_output(
    path: str | os.PathLike[str],
    formats: Mapping[str, str],
    *,
    inputs: Iterable[str | os.PathLike[str] | None] = (),
) -> str:
    """Check an output path before any work; return the format its extension names.

    Parameters
    ----------
    path : str or path
        The file the command will write.
    formats : mapping
        Known extensions (lower case, with the dot, e.g. ``".csv.gz"``) and the
        format each one means.
    inputs : iterable of paths
        The files the command reads; the output may be none of them. Names
        that are not files (e.g. catalogue journey names) are skipped.

    Raises
    ------
    journeys.errors.InputError
        An unknown extension, an output that is an input, a folder, or a path
        whose folder cannot be created or written.
    """
    from journeys.errors import InputError

    target = Path(path)
    name = target.name.lower()
    kind = next((formats[e] for e in sorted(formats, key=len, reverse=True)
                 if name.endswith(e)), None)  # fmt: skip
    if kind is None:
        ext = "".join(target.suffixes[-1:]) or "(none)"
        known = ", ".join(formats)
        raise InputError(f"{path}: unknown output type {ext!r}; known types: {known}")
    if target.is_dir():
        raise InputError(f"{path}: is a folder; give a file name")
    for given in inputs:
        if given is not None and _same_file(target, Path(given)):
            raise InputError(f"{path}: the output would overwrite the input {given}")
    check_folder(target.parent, output=str(path))
    return kind


def check_folder(folder: str | os.PathLike[str], *, output: str | None = None) -> None:
    """Check that files can be written in ``folder`` (created later if missing).

    The nearest existing ancestor must be a folder in which a temporary file
    can be created; it is removed at once. ``output`` is the name shown in
    messages (``folder`` itself by default).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as d:
    ...     (pathlib.Path(d) / "file").write_text("x")
    ...     check_folder(pathlib.Path(d) / "file" / "sub", output="out/r.html")
    Traceback (most recent call last):
    ...
    journeys.errors.InputError: out/r.html: cannot write there: ... is a file, not a folder
    """
    from journeys.errors import InputError

    shown = output or str(folder)
    here = Path(folder)
    while not here.exists() and here != here.parent:
        if here.is_symlink():  # a dangling link: mkdir would fail on it
            raise InputError(f"{shown}: cannot write there: {here} is a broken link")
        here = here.parent
    if not here.is_dir():
        raise InputError(f"{shown}: cannot write there: {here} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".odsc-probe-", dir=here)
    except OSError as exc:
        raise InputError(
            f"{shown}: cannot write in {here} ({exc.strerror or type(exc).__name__})"
        ) from None
    os.close(fd)
    os.unlink(probe)


def _same_file(a: Path, b: Path) -> bool:
    try:
        if a.resolve() == b.resolve():
            return True
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def _umask() -> int:
    """The process's umask (reading it means setting it; set it straight back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file and a rename.

    A reader never sees a half-written file, and an error leaves any existing
    file untouched. Missing parent folders are created.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        # mkstemp makes the file private (0600); give it the mode a plain open() would
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
