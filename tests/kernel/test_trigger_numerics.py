"""The compiled trigger numerics against their numpy references, and a few values by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from alvh.kernel import indicators as ind

# The compiled EMA recursions and scipy's lfilter run the same recurrence; the order of the two
# products inside a step may differ, so agreement is to a few ulps per step, compounded over a
# few hundred steps of a contraction (|1 - alpha| < 1): 1e-12 relative is honest, with an
# absolute floor for MACD values that cross zero.
RTOL = 1e-12


def _path(rng: np.random.Generator, n: int) -> np.ndarray:
    return 20.0 * np.exp(np.cumsum(rng.normal(0.0, 0.08, n)))


def test_all_finite_matches_numpy() -> None:
    rng = np.random.default_rng(3)
    for n in (0, 1, 2, 7, 260):
        x = rng.normal(20.0, 5.0, n)
        assert ind.all_finite(x) is True and ind.all_finite_reference(x) is True
        for bad in (np.nan, np.inf, -np.inf):
            if n:
                y = x.copy()
                y[int(rng.integers(0, n))] = bad
                assert ind.all_finite(y) is False
                assert ind.all_finite_reference(y) is False


def test_nearest_levels_by_hand() -> None:
    # spot 4000, vol 20%, 36.5 days: SD = 4000 x 0.2 x sqrt(0.1) = 252.98 points.
    sd = 4000 * 0.2 * math.sqrt(0.1)
    out = ind.nearest_levels(
        4000.0,
        np.array([3800.0, 3900.0]),
        np.array([4300.0, 4100.0]),
        np.array([0.2, 0.2]),
        np.array([36.5, 36.5]),
    )
    zp, ip, sdp, zc, ic, sdc = out
    assert ip == 1 and ic == 1
    assert zp == pytest.approx(100.0 / sd, rel=1e-15)
    assert zc == pytest.approx(100.0 / sd, rel=1e-15)
    assert sdp == pytest.approx(sd, rel=1e-15) and sdc == pytest.approx(sd, rel=1e-15)


def test_nearest_levels_matches_numpy_including_expired_and_nan() -> None:
    rng = np.random.default_rng(5)
    for trial in range(300):
        n = int(rng.integers(1, 12))
        spot = float(rng.uniform(3000, 5000))
        puts = spot - rng.uniform(-50, 400, n)
        calls = spot + rng.uniform(-50, 400, n)
        iv = rng.uniform(0.08, 0.6, n)
        days = rng.choice([-1.0, 0.0, 3.0, 20.0, 45.0], n)
        if trial % 7 == 0:
            iv[int(rng.integers(0, n))] = np.nan
        got = ind.nearest_levels(spot, puts, calls, iv, days)
        ref = ind.nearest_levels_reference(spot, puts, calls, iv, days)
        assert (got[1], got[4]) == (ref[1], ref[4])  # the same condor on each side
        assert_allclose(np.array(got, dtype=float), np.array(ref, dtype=float), rtol=1e-15)


def test_macd_and_rsi_tails_match_the_filter_references() -> None:
    rng = np.random.default_rng(11)
    for i in range(200):
        x = _path(rng, int(rng.integers(2, 300)))
        if i % 3 == 0:
            x = np.round(x, 0)  # flat stretches: zero gains and losses
        a = (2 / 13, 2 / 27, 2 / 10)
        ok, *tail = ind.macd_tail(x, *a)
        ok_ref, *tail_ref = ind.macd_tail_reference(x, *a)
        assert ok and ok_ref
        assert_allclose(tail, tail_ref, rtol=RTOL, atol=1e-13 * float(np.max(x)))
        alpha = 1.0 / int(rng.integers(1, 20))
        ok, *rsi = ind.rsi_tail(x, alpha)
        ok_ref, *rsi_ref = ind.rsi_tail_reference(x, alpha)
        assert ok and ok_ref
        assert_allclose(rsi, rsi_ref, rtol=RTOL, atol=1e-10, equal_nan=True)


def test_tails_flag_non_finite_input() -> None:
    x = np.array([20.0, np.nan, 21.0, 22.0])
    assert ind.macd_tail(x, 0.5, 0.2, 0.3)[0] is False
    assert ind.rsi_tail(x, 0.5)[0] is False
    assert ind.macd_tail_reference(x, 0.5, 0.2, 0.3)[0] is False
    assert ind.rsi_tail_reference(x, 0.5)[0] is False


def test_rsi_tail_by_hand() -> None:
    # Closes 10, 11, 10.5 with alpha 1/2: gains 1, 0 and losses 0, 0.5.
    # gain: 1, then 0.5 x 1 + 0.5 x 0 = 0.5; loss: 0, then 0.5 x 0 + 0.5 x 0.5 = 0.25.
    # RSI: 100 x 1 / 1 = 100, then 100 x 0.5 / 0.75 = 66.67.
    ok, prev, now = ind.rsi_tail(np.array([10.0, 11.0, 10.5]), 0.5)
    assert ok and prev == 100.0 and now == pytest.approx(200.0 / 3.0, rel=1e-15)


def test_window_tails_match_the_reference_with_gaps() -> None:
    rng = np.random.default_rng(8)
    close = _path(rng, 400)
    close[rng.integers(0, 400, 25)] = np.nan  # missing closes are dropped from each window
    args = (60, 2 / 13, 2 / 27, 2 / 10, 35, 1 / 14, 14, 30)
    got = ind.window_tails(close, *args)
    ref = ind.window_tails_reference(close, *args)
    assert got.shape == ref.shape == (400 + 1 - 30, 7)
    assert_allclose(got[:, 0], ref[:, 0], rtol=0)  # kept counts exactly
    assert_allclose(got, ref, rtol=RTOL, atol=1e-12, equal_nan=True)
    assert np.isfinite(got[-1]).all()


def test_window_tails_rows_do_not_read_the_future() -> None:
    rng = np.random.default_rng(9)
    close = _path(rng, 200)
    args = (60, 2 / 13, 2 / 27, 2 / 10, 35, 1 / 14, 14, 30)
    poisoned = close.copy()
    poisoned[150:] = 1e6
    a = ind.window_tails(close, *args)
    b = ind.window_tails(poisoned, *args)
    np.testing.assert_array_equal(a[: 150 + 1 - 30], b[: 150 + 1 - 30])


def test_net_exposure_matches_numpy() -> None:
    rng = np.random.default_rng(6)
    for n in (0, 1, 4, 7, 8, 9, 48, 200):
        d = rng.uniform(-1.0, 1.0, n)
        q = rng.choice([-3.0, -1.0, 2.0, 5.0], n)
        ok, net = ind.net_exposure(d, q, 1.0)
        ok_ref, net_ref = ind.net_exposure_reference(d, q, 1.0)
        assert ok and ok_ref
        # A running sum against numpy's pairwise one: equal to ~n ulps of sum |d q|.
        assert_allclose(net, net_ref, rtol=1e-12, atol=1e-15 * float(np.abs(d * q).sum() + 1))
    bad = np.array([0.2, -1.5, 0.1])
    assert ind.net_exposure(bad, np.ones(3), 1.0)[0] is False
    assert ind.net_exposure_reference(bad, np.ones(3), 1.0)[0] is False
    # NaN is "in range" (comparisons with NaN are false) and makes the sum NaN, in both.
    nan = np.array([0.2, np.nan])
    assert ind.net_exposure(nan, np.ones(2), 1.0)[0] is True
    assert math.isnan(ind.net_exposure(nan, np.ones(2), 1.0)[1])
    assert ind.net_exposure_reference(nan, np.ones(2), 1.0)[0] is True
