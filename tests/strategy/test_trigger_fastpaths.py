"""MACD, RSI and proximity triggers equal the reference indicators bit for bit."""

from __future__ import annotations

import numpy as np
import pytest

from alvh.strategy.hedge.triggers import book_delta_per_condor, macd_rule, proximity, rsi_rule
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


def test_proximity_on_lists_equals_the_array_path() -> None:
    rng = np.random.default_rng(13)
    for _ in range(300):
        k = int(rng.integers(0, 8))
        spot = float(rng.uniform(1000, 5000))
        puts = list(spot * rng.uniform(0.8, 1.05, k))
        calls = list(spot * rng.uniform(0.95, 1.2, k))
        iv = list(rng.uniform(0.1, 0.5, k))
        days = [float(d) for d in rng.integers(-1, 60, k)]
        a = proximity(spot, puts, calls, iv, days)
        b = proximity(spot, np.array(puts), np.array(calls), np.array(iv), np.array(days))
        assert (a.fired, a.inputs, a.reason) == (b.fired, b.inputs, b.reason)


def test_book_delta_on_tuples_equals_the_array_path() -> None:
    # The engine passes tuples (a few condors): the plain-float sum must give numpy's float.
    rng = np.random.default_rng(14)
    for _ in range(500):
        k = int(rng.integers(0, 12))
        deltas = tuple(float(v) for v in rng.uniform(-0.4, 0.4, k))
        qty = tuple(float(v) for v in rng.integers(1, 40, k))
        n = int(sum(qty))
        a = book_delta_per_condor(deltas, qty, n, 0.05)
        b = book_delta_per_condor(np.array(deltas), np.array(qty), n, 0.05)
        assert (a.fired, a.inputs, a.reason) == (b.fired, b.inputs, b.reason)
    with pytest.raises(ValueError, match="deltas"):
        book_delta_per_condor((0.2, -1.5), (1.0, 1.0), 2)
