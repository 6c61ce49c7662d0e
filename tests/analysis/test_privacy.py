"""Pseudonymisation: keyed, stable, one token per value, input untouched."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.privacy import pseudonym, pseudonymise, random_key
from analysis.schema import CASE, RESOURCE, LogError


def _log() -> pd.DataFrame:
    return pd.DataFrame(
        {
            CASE: ["A-17", "A-17", "B-02", "C-99"],
            "concept:name": ["apply", "pay", "apply", "apply"],
            RESOURCE: ["Somsack", "Vanh", "Somsack", None],
            "org:group": ["Commerce", "Tax", "Commerce", "Commerce"],
        }
    )


def test_token_is_prefix_and_leading_hex_of_hmac_sha256():
    # The reference value is computed with the standard library, independently of the module.
    digest = hmac.new(b"district-7", b"A-17", hashlib.sha256).hexdigest()
    assert pseudonym("A-17", key="district-7") == "case-" + digest[:6]
    assert digest[:6] == "5a2a92"
    clerk = hmac.new(b"district-7", b"Somsack", hashlib.sha256).hexdigest()[:4]
    assert pseudonymise(_log(), key="district-7")[RESOURCE].iloc[0] == f"clerk-{clerk}"


def test_cases_and_clerks_are_replaced_and_the_input_is_unchanged():
    log = _log()
    before = log.copy()
    out = pseudonymise(log, key="k1")
    pd.testing.assert_frame_equal(log, before)
    assert out[CASE].str.fullmatch(r"case-[0-9a-f]{6}").all()
    assert out[RESOURCE].iloc[:3].str.fullmatch(r"clerk-[0-9a-f]{4}").all()
    # Other columns are untouched, missing values stay missing.
    assert out["concept:name"].tolist() == ["apply", "pay", "apply", "apply"]
    assert out[RESOURCE].isna().tolist() == [False, False, False, True]
    # Same value, same token; different values, different tokens.
    assert out[CASE].iloc[0] == out[CASE].iloc[1]
    assert out[CASE].nunique() == 3
    assert out[RESOURCE].iloc[0] == out[RESOURCE].iloc[2] != out[RESOURCE].iloc[1]


def test_same_key_same_tokens_and_another_key_other_tokens():
    a = pseudonymise(_log(), key="secret")
    b = pseudonymise(_log(), key=b"secret")
    c = pseudonymise(_log(), key="other")
    assert a[CASE].tolist() == b[CASE].tolist()
    assert set(a[CASE]).isdisjoint(set(c[CASE]))


def test_only_named_columns_and_absent_columns_are_skipped():
    log = _log().drop(columns=[RESOURCE])
    out = pseudonymise(log, key="k", columns=(CASE, RESOURCE))
    assert RESOURCE not in out.columns
    chan = pseudonymise(_log(), key="k", columns=["org:group"])
    assert chan[CASE].tolist() == _log()[CASE].tolist()
    assert chan["org:group"].str.startswith("group-").all()


def test_colliding_short_tokens_grow_until_distinct():
    # One hex digit has 16 values: 40 cases must collide, so tokens must get longer.
    log = pd.DataFrame({CASE: [f"case {i}" for i in range(40)]})
    out = pseudonymise(log, key="k", prefixes={CASE: ("c", 1)})
    assert out[CASE].nunique() == 40
    lengths = out[CASE].str.len().unique()
    assert len(lengths) == 1 and lengths[0] > len("c-0")


def test_empty_key_is_an_input_error():
    with pytest.raises(LogError, match="key"):
        pseudonymise(_log(), key="")


def test_random_keys_differ():
    keys = {random_key() for _ in range(20)}
    assert len(keys) == 20
    assert all(len(k) == 32 for k in keys)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=60))
def test_mapping_is_one_to_one(values):
    log = pd.DataFrame({CASE: values})
    out = pseudonymise(log, key="k")
    codes_in = pd.factorize(log[CASE])[0]
    codes_out = pd.factorize(out[CASE])[0]
    np.testing.assert_array_equal(codes_in, codes_out)
