from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from alvh.report import metrics as m


def _curve(values: list[float]) -> pd.Series:
    idx = pd.bdate_range("2020-01-01", periods=len(values))
    return pd.Series(values, index=idx, dtype=float)


def test_max_drawdown_by_hand() -> None:
    # Peak 120 on day 2, trough 90 on day 4: 90/120 - 1 = -25%; recovered at 125 on day 6.
    eq = _curve([100, 110, 120, 100, 90, 110, 125])
    dd = m.max_drawdown(eq)
    assert dd.max_drawdown_pct == pytest.approx(-25.0)
    assert dd.peak_date == str(eq.index[2].date())
    assert dd.trough_date == str(eq.index[4].date())
    assert dd.recovery_date == str(eq.index[6].date())


def test_cagr_one_year_doubling() -> None:
    eq = _curve([100.0 * 2 ** (i / 252) for i in range(253)])
    assert m.cagr(eq).value == pytest.approx(100.0, rel=1e-9)


def test_undefined_metrics_are_nan_with_reason_not_zero() -> None:
    flat = _curve([100.0] * 10)
    s = m.sharpe(flat)
    assert math.isnan(s.value) and "zero variance" in s.reason
    c = m.calmar(flat)
    assert math.isnan(c.value) and "no drawdown" in c.reason
    assert m.sortino(_curve([100, 101, 102])).to_json()["value"] is None


def test_sharpe_matches_formula() -> None:
    rng = np.random.default_rng(1)
    r = rng.normal(0.0005, 0.01, 500)
    eq = _curve(list(100 * np.cumprod(np.r_[1.0, 1 + r])))
    assert m.sharpe(eq).value == pytest.approx(r.mean() / r.std(ddof=1) * math.sqrt(252))


def test_trade_stats_by_hand() -> None:
    # Three condors: +60 on 100 credit, -150 on 100, +40 on 80 -> win rate 2/3,
    # capture (60 - 150 + 40) / 280 = -17.857%; credit 280 over 4 weeks on 7000 margin = 1%/wk.
    ts = m.trade_stats(np.array([60.0, -150.0, 40.0]), np.array([100.0, 100.0, 80.0]), 7000.0, 4.0)
    assert ts.win_rate_pct.value == pytest.approx(200 / 3)
    assert ts.capture_pct.value == pytest.approx(-50 / 280 * 100)
    assert ts.credit_per_week_pct_of_margin.value == pytest.approx(1.0)
