"""Bootstrap CIs and the paired bootstrap: seeded, sane, and honest about noise."""

from __future__ import annotations

import pytest

from summarizer.eval.stats import bootstrap_ci, paired_bootstrap

SCORES = [0.31, 0.42, 0.28, 0.55, 0.47, 0.39, 0.36, 0.61, 0.25, 0.44]


def test_bootstrap_is_deterministic_with_a_seed_and_contains_the_mean() -> None:
    first = bootstrap_ci(SCORES, seed=7)
    again = bootstrap_ci(SCORES, seed=7)
    other = bootstrap_ci(SCORES, seed=8)
    assert first == again
    assert (other.lo, other.hi) != (first.lo, first.hi)
    assert first.mean == pytest.approx(sum(SCORES) / len(SCORES))
    assert first.lo is not None and first.hi is not None and first.mean is not None
    assert first.lo < first.mean < first.hi
    assert min(SCORES) <= first.lo and first.hi <= max(SCORES)
    assert first.n == len(SCORES)


def test_bootstrap_interval_narrows_with_more_data() -> None:
    small = bootstrap_ci(SCORES)
    large = bootstrap_ci(SCORES * 10)
    assert small.lo is not None and small.hi is not None
    assert large.lo is not None and large.hi is not None
    assert (large.hi - large.lo) < (small.hi - small.lo)


def test_bootstrap_skips_missing_values_and_handles_tiny_samples() -> None:
    assert bootstrap_ci([]).mean is None and bootstrap_ci([None]).n == 0
    one = bootstrap_ci([None, 0.4])
    assert (one.mean, one.lo, one.hi, one.n) == (0.4, 0.4, 0.4, 1)
    constant = bootstrap_ci([0.5] * 5)
    assert constant.lo == constant.hi == constant.mean == 0.5


def test_paired_bootstrap_identical_runs_are_not_significant() -> None:
    result = paired_bootstrap(SCORES, SCORES)
    assert result.delta == 0.0 and result.p_value == 1.0 and result.n == len(SCORES)


def test_paired_bootstrap_consistent_gain_is_significant() -> None:
    better = [s + 0.05 + 0.01 * (i % 3) for i, s in enumerate(SCORES)]
    result = paired_bootstrap(SCORES, better, seed=3)
    assert result.delta == pytest.approx(
        sum(b - a for a, b in zip(SCORES, better, strict=True)) / len(SCORES)
    )
    assert result.lo is not None and result.lo > 0
    assert result.p_value is not None and result.p_value < 0.01
    assert paired_bootstrap(SCORES, better, seed=3) == result


def test_paired_bootstrap_noisy_difference_is_not_significant() -> None:
    # Deltas alternate +0.1 / -0.1 with a tiny mean: the CI must straddle 0.
    noisy = [s + (0.1 if i % 2 else -0.1) + 0.001 for i, s in enumerate(SCORES)]
    result = paired_bootstrap(SCORES, noisy)
    assert result.lo is not None and result.hi is not None
    assert result.lo < 0 < result.hi
    assert result.p_value is not None and result.p_value > 0.5


def test_paired_bootstrap_rejects_unpaired_input() -> None:
    with pytest.raises(ValueError):
        paired_bootstrap([0.1, 0.2], [0.1])
