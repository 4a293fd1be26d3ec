"""Bootstrap confidence intervals and the paired bootstrap test.

Eval sets are small (tens of clusters), so a mean without an interval invites
over-reading a difference of one case. Both functions are seeded: the same
scores always give the same interval, which keeps reports and tests stable.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pydantic import BaseModel

DEFAULT_RESAMPLES = 1000
DEFAULT_SEED = 0


class Interval(BaseModel):
    """A mean with its percentile-bootstrap interval over ``n`` cases (``None`` when n = 0)."""

    mean: float | None = None
    lo: float | None = None
    hi: float | None = None
    n: int = 0


class PairedDelta(BaseModel):
    """``b - a`` over the cases both runs scored, with its bootstrap CI and p-value."""

    a: float | None = None
    b: float | None = None
    delta: float | None = None
    lo: float | None = None
    hi: float | None = None
    p_value: float | None = None
    n: int = 0


def _clean(values: Sequence[float | None]) -> np.ndarray:
    return np.array([v for v in values if v is not None], dtype=float)


def bootstrap_ci(
    values: Sequence[float | None],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
    seed: int = DEFAULT_SEED,
) -> Interval:
    """Percentile bootstrap of the mean; ``None`` values (metric not applicable) are left out."""
    data = _clean(values)
    n = int(data.size)
    if n == 0:
        return Interval()
    mean = float(data.mean())
    if n == 1:
        return Interval(mean=mean, lo=mean, hi=mean, n=1)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, n, size=(resamples, n))].mean(axis=1)
    tail = (1.0 - confidence) / 2.0 * 100.0
    lo, hi = np.percentile(means, [tail, 100.0 - tail])
    # Guard against float round-off putting the mean a hair outside a degenerate interval.
    return Interval(mean=mean, lo=min(float(lo), mean), hi=max(float(hi), mean), n=n)


def paired_bootstrap(
    a: Sequence[float],
    b: Sequence[float],
    *,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
    seed: int = DEFAULT_SEED,
) -> PairedDelta:
    """Paired bootstrap over cases: CI of mean(b - a) and a two-sided p-value.

    The p-value uses the shifted-null form (Berg-Kirkpatrick et al., 2012): the share
    of resampled mean deltas at least as far from the observed delta as the
    observed delta is from zero, with the +1 correction so it is never exactly 0.
    """
    if len(a) != len(b):
        raise ValueError("paired samples must have the same length")
    xa = np.asarray(a, dtype=float)
    xb = np.asarray(b, dtype=float)
    n = int(xa.size)
    if n == 0:
        return PairedDelta()
    diffs = xb - xa
    delta = float(diffs.mean())
    base = PairedDelta(a=float(xa.mean()), b=float(xb.mean()), delta=delta, n=n)
    if n == 1:
        return base.model_copy(update={"lo": delta, "hi": delta, "p_value": 1.0})
    rng = np.random.default_rng(seed)
    means = diffs[rng.integers(0, n, size=(resamples, n))].mean(axis=1)
    tail = (1.0 - confidence) / 2.0 * 100.0
    lo, hi = np.percentile(means, [tail, 100.0 - tail])
    extreme = int(np.count_nonzero(np.abs(means - delta) >= abs(delta) - 1e-12))
    p_value = min(1.0, (extreme + 1) / (resamples + 1))
    return base.model_copy(
        update={"lo": min(float(lo), delta), "hi": max(float(hi), delta), "p_value": p_value}
    )
