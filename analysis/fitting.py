"""Duration distributions fitted to observations, choosing the family.

:func:`fit_distribution` is how a calibrated journey gets its step durations
and handoff delays (see :func:`analysis.calibrate.calibrate`): among the
exponential, lognormal and gamma families (maximum likelihood with scipy,
location 0), the lowest AIC among those a Kolmogorov-Smirnov test does not
reject; a fixed value when all observations are equal; the empirical
distribution when there are too few observations, an observation of 0, or
when the test rejects all three. :class:`Fit` records the choice and why.

Examples
--------
>>> f = fit_distribution([12.0, 15.5, 9.0, 30.0])
>>> f.family, f.reason
('empirical', 'fewer than 20 observations')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from journeys.model import Distribution

__all__ = ["Fit", "fit_distribution"]

_FAMILIES = ("exponential", "lognormal", "gamma")


@dataclass(frozen=True)
class Fit:
    """The distribution :func:`fit_distribution` chose, and why.

    Attributes
    ----------
    distribution : journeys.model.Distribution
    family : str
        ``fixed``, ``exponential``, ``lognormal``, ``gamma`` or ``empirical``.
    n : int
        Observations used.
    reason : str
        Why this family (e.g. ``"lowest AIC"``, ``"fewer than 20 observations"``).
    aic, ks_pvalue : dict of str to float
        AIC and Kolmogorov-Smirnov p-value of each parametric family fitted.
    """

    distribution: Distribution
    family: str
    n: int
    reason: str
    aic: dict[str, float] = field(default_factory=dict)
    ks_pvalue: dict[str, float] = field(default_factory=dict)


def fit_distribution(
    values: Sequence[float] | np.ndarray | pd.Series,
    *,
    min_samples: int = 20,
    alpha: float = 0.01,
    max_points: int = 100,
) -> Fit:
    """Fit a duration distribution (minutes) to observations, choosing the family.

    The criterion: fixed when all observations are equal; empirical when there
    are fewer than ``min_samples`` or any is 0; otherwise exponential, lognormal
    and gamma are fitted by maximum likelihood (``scipy.stats``, location fixed
    at 0) and the one with the lowest AIC among those the Kolmogorov-Smirnov
    test does not reject at level ``alpha`` is chosen, falling back to the
    empirical distribution when the test rejects all three. (The test's
    p-values are optimistic because the parameters were estimated from the same
    data, so a rejection is a strong signal.) An empirical distribution keeps
    the observations themselves when there are at most ``max_points``, else
    ``max_points`` evenly spaced quantiles.

    Parameters
    ----------
    values : sequence of float
        Observed durations in minutes; NaN are ignored, negatives are an error.
    min_samples : int
        Fewer observations than this give the empirical distribution.
    alpha : float
        Level of the Kolmogorov-Smirnov test.
    max_points : int
        Most values an empirical distribution keeps.

    Returns
    -------
    Fit

    Examples
    --------
    >>> import numpy as np
    >>> x = np.random.default_rng(3).lognormal(3.0, 0.5, 400)
    >>> f = fit_distribution(x)
    >>> f.family, round(f.distribution.params["mean"])
    ('lognormal', 23)
    >>> fit_distribution([5, 7, 9]).distribution.to_dict()
    {'dist': 'empirical', 'samples': [5.0, 7.0, 9.0]}
    >>> fit_distribution([4, 4, 4]).distribution
    Distribution(dist='fixed', params={'value': 4.0})
    """
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if v.size == 0:
        raise ValueError("no observations to fit")
    if (v < 0).any() or not np.isfinite(v).all():
        raise ValueError("durations must be finite and >= 0")
    n = int(v.size)
    if np.all(v == v[0]):
        return Fit(Distribution.fixed(float(v[0])), "fixed", n, "all observations equal")
    if n < min_samples:
        return Fit(
            _empirical(v, max_points), "empirical", n, f"fewer than {min_samples} observations"
        )
    if (v <= 0).any():
        return Fit(_empirical(v, max_points), "empirical", n, "observations of 0")
    from scipy import stats

    aic: dict[str, float] = {}
    pvalue: dict[str, float] = {}
    dists: dict[str, Distribution] = {}
    for family in _FAMILIES:
        if family == "exponential":
            _, scale = stats.expon.fit(v, floc=0)
            frozen, k = stats.expon(scale=scale), 1
            dists[family] = Distribution("exponential", {"mean": float(scale)})
        elif family == "lognormal":
            s, _, scale = stats.lognorm.fit(v, floc=0)
            frozen, k = stats.lognorm(s, scale=scale), 2
            dists[family] = _mean_sd("lognormal", float(frozen.mean()), float(frozen.std()))
        else:
            a, _, scale = stats.gamma.fit(v, floc=0)
            frozen, k = stats.gamma(a, scale=scale), 2
            dists[family] = _mean_sd("gamma", float(frozen.mean()), float(frozen.std()))
        loglik = float(np.sum(frozen.logpdf(v)))
        aic[family] = 2 * k - 2 * loglik if math.isfinite(loglik) else math.inf
        pvalue[family] = float(stats.kstest(v, frozen.cdf).pvalue)
    kept = [f for f in _FAMILIES if pvalue[f] >= alpha and math.isfinite(aic[f])]
    if not kept:
        return Fit(
            _empirical(v, max_points),
            "empirical",
            n,
            f"Kolmogorov-Smirnov rejects all three at {alpha:g}",
            aic,
            pvalue,
        )
    best = min(kept, key=lambda f: aic[f])
    return Fit(dists[best], best, n, "lowest AIC", aic, pvalue)


def _mean_sd(kind: str, mean: float, sd: float) -> Distribution:
    return Distribution(kind, {"mean": round(mean, 4), "sd": round(sd, 4)})


def _empirical(v: np.ndarray, max_points: int) -> Distribution:
    if v.size <= max_points:
        pts = np.sort(v)
    else:  # evenly spaced quantiles: the shape of the distribution in max_points numbers
        pts = np.quantile(v, (np.arange(max_points) + 0.5) / max_points)
    return Distribution("empirical", {"samples": tuple(round(float(x), 3) for x in pts)})
