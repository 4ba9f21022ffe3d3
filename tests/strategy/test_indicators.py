"""Indicators against a straightforward pandas implementation and hand arithmetic."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from alvh.strategy.indicators import ema, macd, macd_crossover, realised_vol, rsi


@pytest.fixture
def walk() -> np.ndarray:
    rng = np.random.default_rng(7)
    return 20.0 * np.exp(np.cumsum(rng.normal(0, 0.05, 300)))


def test_ema_by_hand() -> None:
    # span 3 -> alpha 0.5: 1, 0.5*3+0.5*1=2, 0.5*5+0.5*2=3.5
    np.testing.assert_allclose(ema([1.0, 3.0, 5.0], 3), [1.0, 2.0, 3.5])


def test_ema_and_macd_match_pandas(walk: np.ndarray) -> None:
    s = pd.Series(walk)
    np.testing.assert_allclose(ema(walk, 12), s.ewm(span=12, adjust=False).mean(), rtol=1e-12)
    line = s.ewm(span=12, adjust=False).mean() - s.ewm(span=26, adjust=False).mean()
    sig = line.ewm(span=9, adjust=False).mean()
    m = macd(walk)
    np.testing.assert_allclose(m.line, line, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m.signal, sig, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(m.histogram, line - sig, atol=1e-12)


def test_rsi_matches_pandas_wilder(walk: np.ndarray) -> None:
    s = pd.Series(walk)
    d = s.diff()
    g = d.clip(lower=0).ewm(alpha=1 / 14, adjust=False, min_periods=14).mean()
    lo = (-d.clip(upper=0)).ewm(alpha=1 / 14, adjust=False, min_periods=14).mean()
    ref = 100 - 100 / (1 + g / lo)
    got = rsi(walk, 14)
    assert np.isnan(got[:14]).all()
    np.testing.assert_allclose(got[14:], ref[14:], rtol=1e-10)


def test_rsi_edge_cases() -> None:
    up = np.arange(1.0, 31.0)
    assert rsi(up, 14)[-1] == 100.0
    assert rsi(np.full(30, 5.0), 14)[-1] == 50.0
    assert rsi(up[::-1], 14)[-1] == 0.0


def test_macd_crossover_last_two_points() -> None:
    assert macd_crossover([-0.1, 0.2], [0.0, 0.1]) == "bullish"
    assert macd_crossover([0.3, 0.0], [0.1, 0.1]) == "bearish"
    assert macd_crossover([0.3, 0.4], [0.1, 0.1]) == "none"
    assert macd_crossover([0.3], [0.1]) == "none"


def test_realised_vol_matches_pandas(walk: np.ndarray) -> None:
    r = np.log(pd.Series(walk)).diff()
    ref = r.rolling(21).std() * np.sqrt(252)
    got = realised_vol(walk, 21)
    assert np.isnan(got[:21]).all()
    np.testing.assert_allclose(got[21:], ref[21:], rtol=1e-10)
    # Daily steps of sd 0.05 -> ~0.79 annualised.
    assert 0.6 < np.nanmean(got) < 1.0


def test_bad_input_rejected() -> None:
    with pytest.raises(ValueError, match="finite"):
        ema([1.0, np.nan], 3)
