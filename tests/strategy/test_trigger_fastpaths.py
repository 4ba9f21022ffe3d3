"""MACD, RSI and proximity triggers equal the reference indicators bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from alvh.strategy.hedge.triggers import (
    book_delta_per_condor,
    macd_rule,
    proximity,
    rsi_rule,
    z_distances,
)
from alvh.strategy.indicators import macd, macd_crossover, rsi


def _path(rng: np.random.Generator, n: int) -> np.ndarray:
    return 20.0 * np.exp(np.cumsum(rng.normal(0.0, 0.08, n)))


def test_macd_rule_equals_indicators_macd() -> None:
    rng = np.random.default_rng(11)
    for _ in range(200):
        x = _path(rng, int(rng.integers(35, 280)))
        r = macd_rule(x)
        ref = macd(x, 12, 26, 9)
        assert r.inputs["macd"] == float(ref.line[-1])
        assert r.inputs["signal_line"] == float(ref.signal[-1])
        assert r.inputs["crossover"] == macd_crossover(ref.line, ref.signal)


def test_rsi_rule_equals_indicators_rsi_including_flat_stretches() -> None:
    rng = np.random.default_rng(12)
    for i in range(300):
        n = int(rng.integers(2, 120))
        x = np.round(_path(rng, n), 0 if i % 3 == 0 else 6)  # rounding makes zero changes
        period = int(rng.integers(1, 20))
        if n <= period:
            continue
        r = rsi_rule(x, "VIX", period)
        ref = rsi(x, period)
        assert r.inputs["rsi"] == float(ref[-1])
        prev = float(ref[-2]) if np.isfinite(ref[-2]) else None
        assert r.inputs["rsi_prev"] == prev


def test_rsi_rule_rejects_missing_values() -> None:
    with pytest.raises(ValueError, match="finite"):
        rsi_rule(np.array([20.0, np.nan, 21.0, 22.0]), "VIX", 2)


def _proximity_reference(spot, puts, calls, iv, days):
    """min z, side, level, SD and condor index from ``z_distances`` and numpy's min/argmin."""
    zp, zc, sd = z_distances(spot, puts, calls, iv, days)
    zmin_p, zmin_c = float(np.min(zp)), float(np.min(zc))
    side = "put" if zmin_p <= zmin_c else "call"
    i = int(np.argmin(zp)) if side == "put" else int(np.argmin(zc))
    level = float(np.broadcast_to(np.asarray(puts if side == "put" else calls), zp.shape)[i])
    return min(zmin_p, zmin_c), side, level, float(sd[i]), i


def test_compiled_proximity_equals_the_numpy_reference() -> None:
    # NaNs (a vol the surface could not give), expiring and expired condors, ties, scalars.
    rng = np.random.default_rng(13)
    for trial in range(600):
        k = int(rng.integers(1, 9))
        spot = float(rng.uniform(1000, 5000))
        puts = spot * rng.uniform(0.8, 1.05, k)
        calls = spot * rng.uniform(0.95, 1.2, k)
        iv = rng.uniform(0.1, 0.5, k)
        days = rng.integers(-1, 60, k).astype(float)
        if trial % 5 == 0:
            iv[rng.integers(0, k)] = np.nan
        if trial % 7 == 0:
            puts[:] = puts[0]  # ties: the first minimum wins
            iv[:] = iv[0]
            days[:] = days[0]
        if trial % 11 == 0:
            days[rng.integers(0, k)] = np.nan
        if trial % 13 == 0:
            (puts if trial % 2 else calls)[rng.integers(0, k)] = np.nan  # a NaN z
        r = proximity(spot, puts, calls, iv, days)
        z, side, level, sd, i = _proximity_reference(spot, puts, calls, iv, days)
        got = r.inputs
        assert (got["side"], got["condor"]) == (side, i)
        for key, want in (("min_z", z), ("level", level), ("sd", sd)):
            assert got[key] == want or (np.isnan(got[key]) and np.isnan(want))
    r = proximity(4000.0, [3850.0, 3700.0], [4300.0, 4200.0], 0.2, 30.0)  # scalars broadcast
    z, side, level, sd, i = _proximity_reference(
        4000.0, [3850.0, 3700.0], [4300.0, 4200.0], 0.2, 30.0
    )
    assert (r.inputs["min_z"], r.inputs["side"], r.inputs["level"], r.inputs["condor"]) == (
        z,
        side,
        level,
        i,
    )


def test_book_delta_equals_numpys_sum_for_tuples_and_arrays() -> None:
    # The kernel's running sum against numpy's pairwise one: equal to rounding.
    rng = np.random.default_rng(14)
    for _ in range(500):
        k = int(rng.integers(0, 12))
        deltas = rng.uniform(-0.4, 0.4, k)
        qty = rng.integers(1, 40, k).astype(float)
        n = int(qty.sum())
        want = float(np.sum(deltas * qty))
        for d, q in ((tuple(deltas.tolist()), tuple(qty.tolist())), (deltas, qty)):
            r = book_delta_per_condor(d, q, n, 0.05)
            if n:
                got = r.inputs["net_delta"]
                assert isinstance(got, float)
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-13)
                if abs(abs(want / n) - 0.05) > 1e-12:  # not on the threshold to rounding
                    assert r.fired == (abs(want / n) > 0.05)
    for k in (2, 9):
        bad = np.full(k, 0.2)
        bad[-1] = -1.5
        with pytest.raises(ValueError, match="deltas"):
            book_delta_per_condor(bad, np.ones(k), k)


def test_macd_and_rsi_reject_missing_values_anywhere() -> None:
    x = _path(np.random.default_rng(15), 60)
    for i in (0, 30, 59):
        y = x.copy()
        y[i] = np.inf if i == 30 else np.nan
        with pytest.raises(ValueError, match="finite"):
            macd_rule(y)
        with pytest.raises(ValueError, match="finite"):
            rsi_rule(y, "VIX", 14)
