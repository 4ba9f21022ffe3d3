"""The honest-alternative books and the block bootstrap."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from alvh.report import metrics
from alvh.report.bootstrap import (
    BootstrapSettings,
    book_intervals,
    paths_cagr_pct,
    paths_max_dd_pct,
    paths_sharpe,
    resample_indices,
)
from alvh.report.scaled import cvar, scale_to_cvar, scale_to_mean


def _curve(mu: float, sd: float, n: int, seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    r = rng.normal(mu, sd, n - 1)
    idx = pd.bdate_range("2010-01-04", periods=n)
    return pd.Series(1e6 * np.cumprod(np.r_[1.0, 1.0 + r]), index=idx)


def test_scaled_book_has_the_hedged_mean_return() -> None:
    hedged, unhedged = _curve(0.0003, 0.004, 800, 1), _curve(0.0007, 0.012, 800, 2)
    sb = scale_to_mean(hedged, unhedged)
    target = float(metrics.daily_returns(hedged).mean())
    got = float(metrics.daily_returns(sb.equity_usd).mean())
    assert got == pytest.approx(target, rel=1e-12)
    assert sb.equity_usd.iloc[0] == hedged.iloc[0]
    # Every daily return is the unhedged one times the factor: it is the same book, smaller.
    np.testing.assert_allclose(
        metrics.daily_returns(sb.equity_usd), sb.factor * metrics.daily_returns(unhedged), rtol=1e-9
    )


def test_cvar_scaled_book_has_the_hedged_cvar() -> None:
    hedged, unhedged = _curve(0.0003, 0.004, 800, 3), _curve(0.0007, 0.012, 800, 4)
    sb = scale_to_cvar(hedged, unhedged)
    c_h = cvar(metrics.daily_returns(hedged).to_numpy())
    assert cvar(metrics.daily_returns(sb.equity_usd).to_numpy()) == pytest.approx(c_h, rel=1e-9)


def test_cvar_by_hand() -> None:
    # 20 returns, 95%: ceil(20 x 0.05) = 1 worst return -> CVaR = 0.05.
    r = np.r_[-0.05, np.linspace(0.0, 0.01, 19)]
    assert cvar(r) == pytest.approx(0.05)
    # 40 returns: the two worst, -0.05 and -0.03 -> 0.04.
    assert cvar(np.r_[-0.05, -0.03, np.zeros(38)]) == pytest.approx(0.04)


def test_scaled_book_undefined_when_unhedged_loses_money() -> None:
    sb = scale_to_mean(_curve(0.0003, 0.004, 300, 5), _curve(-0.001, 0.01, 300, 6))
    assert not sb.defined and math.isnan(sb.factor) and "not positive" in sb.reason


def test_path_metrics_agree_with_the_metrics_module() -> None:
    eq = _curve(0.0004, 0.01, 500, 7)
    r = metrics.daily_returns(eq).to_numpy()[None, :]
    assert paths_cagr_pct(r)[0] == pytest.approx(metrics.cagr(eq).value, rel=1e-10)
    assert paths_sharpe(r)[0] == pytest.approx(metrics.sharpe(eq).value, rel=1e-10)
    dd = metrics.max_drawdown(eq).max_drawdown_pct
    assert paths_max_dd_pct(r)[0] == pytest.approx(dd, rel=1e-10)


def test_bootstrap_is_deterministic_with_a_seed() -> None:
    books = {"hedged": _curve(0.0003, 0.005, 400, 8), "unhedged": _curve(0.0005, 0.01, 400, 9)}
    s = BootstrapSettings(reps=200, seed=5)
    a, b = book_intervals(books, s), book_intervals(books, s)
    assert a == b
    c = book_intervals(books, BootstrapSettings(reps=200, seed=6))
    assert c["hedged"]["sharpe"].lo != a["hedged"]["sharpe"].lo


def test_bootstrap_intervals_cover_the_point_and_differences_are_paired() -> None:
    un = _curve(0.0005, 0.01, 600, 10)
    # The hedged book is exactly half the unhedged one in return space: its drawdown
    # reduction is near 1/2 in every resample (a bit less: compounding), so the paired
    # interval is tight; resampling the books independently would spread it far wider.
    hedged = pd.Series(
        1e6 * np.cumprod(np.r_[1.0, 1.0 + 0.5 * metrics.daily_returns(un).to_numpy()]),
        index=un.index,
    )
    iv = book_intervals({"hedged": hedged, "unhedged": un}, BootstrapSettings(reps=300, seed=1))
    for book in ("hedged", "unhedged"):
        for m in ("cagr_pct", "volatility_pct", "sharpe", "max_drawdown_pct"):
            e = iv[book][m]
            assert e.lo <= e.value <= e.hi, (book, m)
    red = iv["difference"]["dd_reduction"]
    assert 0.35 < red.lo <= red.value <= red.hi < 0.55
    assert red.hi - red.lo < 0.15


def test_stationary_indices_have_blocks() -> None:
    idx = resample_indices(1000, 20, 50, seed=3)
    assert idx.shape == (50, 1000)
    # Mean block length ~20: about 1 in 20 steps is a jump (not +1 modulo n).
    jumps = np.mean((np.diff(idx, axis=1) % 1000) != 1)
    assert 0.03 < jumps < 0.08


def test_undefined_sharpe_is_nan_with_reason() -> None:
    idx = pd.bdate_range("2020-01-01", periods=50)
    flat = pd.Series(1e6, index=idx, dtype=float)
    iv = book_intervals({"hedged": flat, "unhedged": flat}, BootstrapSettings(reps=50))
    assert math.isnan(iv["hedged"]["sharpe"].value)
    assert "zero variance" in iv["hedged"]["sharpe"].reason
    assert math.isnan(iv["difference"]["dd_reduction"].value)
