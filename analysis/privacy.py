"""Pseudonymisation of event logs: citizens' case ids and clerks' names become tokens.

Event logs hold personal data: a case id points to one citizen's application,
a resource is a named clerk. Reports show them only as short, readable tokens
made with a keyed hash (HMAC-SHA256), e.g. ``case-5a2a92`` or ``clerk-3dbb``.
The same key gives the same token for the same value, run after run, so two
reports made with one key can be compared; without the key a token cannot be
turned back into the name (nor confirmed by hashing a guessed name).

Examples
--------
>>> import pandas as pd
>>> log = pd.DataFrame({"case:concept:name": ["A-17", "A-17", "B-02"],
...                     "org:resource": ["Somsack", "Vanh", "Somsack"]})
>>> out = pseudonymise(log, key="district-7")
>>> out["case:concept:name"].tolist()
['case-5a2a92', 'case-5a2a92', 'case-e6ca68']
>>> out["org:resource"].tolist()
['clerk-3dbb', 'clerk-b83b', 'clerk-3dbb']
>>> log["org:resource"].tolist()  # the input is left as it was
['Somsack', 'Vanh', 'Somsack']
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Hashable, Iterable, Mapping

import numpy as np
import pandas as pd

from analysis.schema import CASE, RESOURCE, LogError

__all__ = ["PREFIXES", "pseudonym", "pseudonymise", "random_key"]

#: Token prefix and number of hex digits per column; other columns use their own
#: name (after the last ``:``) and 6 digits.
PREFIXES: Mapping[str, tuple[str, int]] = {CASE: ("case", 6), RESOURCE: ("clerk", 4)}

_MAX_DIGITS = 64  # a SHA-256 digest has 64 hex digits


def random_key() -> str:
    """A fresh random key (32 hex digits) for a run that was given none.

    Examples
    --------
    >>> len(random_key()), random_key() != random_key()
    (32, True)
    """
    return secrets.token_hex(16)


def pseudonym(value: object, *, key: str | bytes, prefix: str = "case", digits: int = 6) -> str:
    """The token of one value: ``prefix-`` and the first hex digits of its HMAC-SHA256.

    Parameters
    ----------
    value : object
        The value to hide; it is hashed as its ``str()`` in UTF-8.
    key : str or bytes
        The secret key.
    prefix : str
        Readable prefix of the token.
    digits : int
        How many hex digits of the digest to keep (1 to 64).

    Examples
    --------
    >>> pseudonym("A-17", key="district-7")
    'case-5a2a92'
    >>> pseudonym("Somsack", key="district-7", prefix="clerk", digits=4)
    'clerk-3dbb'
    >>> pseudonym("Somsack", key="another key", prefix="clerk", digits=4)
    'clerk-f605'
    """
    digest = hmac.new(_key_bytes(key), str(value).encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{prefix}-{digest[:digits]}"


def pseudonymise(
    log: pd.DataFrame,
    *,
    key: str | bytes,
    columns: Iterable[str] = (CASE, RESOURCE),
    prefixes: Mapping[str, tuple[str, int]] | None = None,
) -> pd.DataFrame:
    """A copy of ``log`` whose identifying columns hold keyed-hash tokens.

    Each distinct value of a column is hashed once (the work grows with the
    number of cases and clerks, not of events). When two values of a column
    would share a token, that column's tokens get more digits until all are
    distinct, so counts per case or per clerk never merge. Missing values stay
    missing. Columns named in ``columns`` but absent from the log are skipped,
    so the default works on logs without resources.

    Parameters
    ----------
    log : pandas.DataFrame
        An event log (any columns); it is not changed.
    key : str or bytes
        The secret key; the same key gives the same tokens. Must not be empty.
    columns : iterable of str
        The columns to pseudonymise; the case id and the resource by default.
    prefixes : mapping, optional
        ``column -> (prefix, digits)``; defaults to :data:`PREFIXES`.

    Returns
    -------
    pandas.DataFrame
        A new frame, same shape and order; the pseudonymised columns are str.

    Raises
    ------
    LogError
        When the key is empty.

    Examples
    --------
    >>> import pandas as pd
    >>> log = pd.DataFrame({"case:concept:name": ["7", "8"], "case:channel": ["Desk", "Post"]})
    >>> pseudonymise(log, key=b"k")["case:concept:name"].tolist()
    ['case-9c737d', 'case-1bb14b']
    >>> pseudonymise(log, key=b"k", columns=["case:channel"])["case:channel"].tolist()
    ['channel-44caf8', 'channel-336cb9']
    """
    if not key:
        raise LogError("--key: the pseudonymisation key must not be empty")
    kb = _key_bytes(key)
    table = dict(PREFIXES if prefixes is None else prefixes)
    out = log.copy()
    for column in columns:
        if column not in out.columns:
            continue
        prefix, digits = table.get(column, (_default_prefix(column), 6))
        out[column] = _tokens(out[column], kb, prefix, digits)
    return out


def _tokens(values: pd.Series, key: bytes, prefix: str, digits: int) -> pd.Series:
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    # One HMAC per distinct value: hashlib has no vectorised form, and the number
    # of distinct cases and clerks is far below the number of events.
    digests = [hmac.new(key, str(u).encode("utf-8"), hashlib.sha256).hexdigest() for u in uniques]
    n = digits
    while n < _MAX_DIGITS and len({d[:n] for d in digests}) < len(digests):
        n += 1
    tokens = np.array([f"{prefix}-{d[:n]}" for d in digests] + [None], dtype=object)
    return pd.Series(tokens[codes], index=values.index, name=values.name, dtype=object)


def _key_bytes(key: str | bytes) -> bytes:
    return key.encode("utf-8") if isinstance(key, str) else bytes(key)


def _default_prefix(column: Hashable) -> str:
    name = str(column).rsplit(":", 1)[-1].strip().lower().replace(" ", "-")
    return name or "id"
