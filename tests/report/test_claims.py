"""Claim verdicts on constructed cases whose answer is known by construction."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from alvh.report.bootstrap import BootstrapSettings, Estimate
from alvh.report.claims import (
    claim_drawdown_cut,
    claim_hedge_cost,
    claim_surprise_losses,
    interval_verdict,
    monthly_hedge_cost_pct,
)
from alvh.report.events import Window, event_windows

BS = BootstrapSettings(reps=300, seed=11)
CAPITAL = 1_000_000.0


def _random_walk(n: int, seed: int) -> pd.Series:
    rng = np.random.default_rng(seed)
    idx = pd.bdate_range("2015-01-02", periods=n)
    return pd.Series(CAPITAL + np.cumsum(rng.normal(300, 8000, n)), index=idx)


def _monthly_windows(idx: pd.DatetimeIndex) -> list[Window]:
    events = pd.DataFrame({"kind": "CPI", "date": idx[10::21]})
    return event_windows(idx, events, ("CPI",), 5)


def test_interval_verdicts() -> None:
    assert interval_verdict(Estimate(0.5, 0.4, 0.6), 0.35) == "holds"
    assert interval_verdict(Estimate(0.35, 0.35, 0.35), 0.35) == "holds"  # at the bound
    assert interval_verdict(Estimate(0.2, 0.1, 0.3), 0.35) == "does not hold"
    assert interval_verdict(Estimate(0.4, 0.2, 0.6), 0.35) == "inconclusive"
    assert interval_verdict(Estimate(0.5), 0.3, 0.7) == "inconclusive"  # no interval
    assert interval_verdict(Estimate(0.9, 0.8, 1.0), 0.3, 0.7) == "does not hold"  # above range


def test_claim1_half_the_drawdown_holds() -> None:
    # The hedged book moves exactly half as much as the unhedged one: every window's
    # peak-to-trough fall is halved, so the reduction is 50% with a degenerate interval.
    un = _random_walk(600, 1)
    hedged = CAPITAL + 0.5 * (un - CAPITAL)
    res = claim_drawdown_cut(hedged, un, _monthly_windows(un.index), BS)
    assert res.estimate.value == pytest.approx(0.5, abs=1e-12)
    assert res.estimate.lo == pytest.approx(0.5, abs=1e-12)
    assert res.verdict == "holds"


def test_claim1_a_fifth_of_the_drawdown_does_not_hold() -> None:
    un = _random_walk(600, 2)
    hedged = CAPITAL + 0.8 * (un - CAPITAL)
    res = claim_drawdown_cut(hedged, un, _monthly_windows(un.index), BS)
    assert res.estimate.value == pytest.approx(0.2, abs=1e-12)
    assert res.verdict == "does not hold"


def test_claim1_three_noisy_windows_are_inconclusive() -> None:
    # Three windows; the unhedged book falls 100 in each, the hedged book 10, 100 and 40:
    # pooled reduction 1 - 150/300 = 50%, but resampling three windows spans 0%..90%.
    idx = pd.bdate_range("2020-01-01", periods=30)
    un = np.full(30, 1000.0)
    he = np.full(30, 1000.0)
    for k, (start, h_fall) in enumerate(((2, 10.0), (12, 100.0), (22, 40.0))):
        un[start + 1 :] -= 100.0
        he[start + 1 :] -= h_fall
        assert k < 3
    windows = [Window(f"w{k}", "CPI", idx[s], idx[s + 3]) for k, s in enumerate((2, 12, 22))]
    res = claim_drawdown_cut(pd.Series(he, idx), pd.Series(un, idx), windows, BS)
    assert res.estimate.value == pytest.approx(0.5)
    assert res.estimate.lo < 0.35 < res.estimate.hi
    assert res.verdict == "inconclusive"


def test_claim1_reports_the_same_return_book() -> None:
    un = _random_walk(600, 3)
    hedged = CAPITAL + 0.5 * (un - CAPITAL)
    scaled = CAPITAL + 0.25 * (un - CAPITAL)  # a smaller book falls even less than the hedge
    res = claim_drawdown_cut(hedged, un, _monthly_windows(un.index), BS, scaled)
    alt = res.extra["reduction_vs_same_return_book"]
    assert isinstance(alt, dict) and alt["value"] == pytest.approx(-1.0)  # hedged falls 2x more


def test_no_hedge_is_not_applicable_not_zero() -> None:
    un = _random_walk(300, 4)
    res = claim_drawdown_cut(un, un, _monthly_windows(un.index), BS, hedge_enabled=False)
    assert res.verdict == "n/a" and math.isnan(res.estimate.value)
    assert "no hedge" in res.estimate.reason


def _loss_windows(
    falls_un: list[float], falls_he: list[float]
) -> tuple[pd.Series, pd.Series, list[Window]]:
    n = 10 * len(falls_un) + 5
    idx = pd.bdate_range("2020-01-01", periods=n)
    un, he = np.full(n, CAPITAL), np.full(n, CAPITAL)
    windows = []
    for k, (fu, fh) in enumerate(zip(falls_un, falls_he, strict=True)):
        s = 10 * k + 2
        # A fall and a full recovery inside the window: loss is the fall, as % of capital.
        un[s + 1] -= fu / 100 * CAPITAL
        he[s + 1] -= fh / 100 * CAPITAL
        windows.append(Window(f"w{k}", "CPI", idx[s], idx[s + 4]))
    return pd.Series(he, idx), pd.Series(un, idx), windows


def test_claim2_holds_when_unhedged_loses_45_and_hedged_10() -> None:
    he, un, w = _loss_windows([45.0, 20.0, 10.0, 5.0], [10.0, 8.0, 4.0, 2.0])
    res = claim_surprise_losses(he, un, w, CAPITAL)
    assert res.estimate.value == pytest.approx(45.0)
    assert res.extra["hedged_worst_loss_pct"] == pytest.approx(10.0)
    assert res.verdict == "holds"


def test_claim2_does_not_hold_when_unhedged_loses_only_30() -> None:
    he, un, w = _loss_windows([30.0, 20.0, 10.0], [10.0, 8.0, 4.0])
    assert claim_surprise_losses(he, un, w, CAPITAL).verdict == "does not hold"


def test_claim2_does_not_hold_when_hedged_often_loses_over_18() -> None:
    he, un, w = _loss_windows([45.0, 44.0, 43.0], [20.0, 19.0, 4.0])
    res = claim_surprise_losses(he, un, w, CAPITAL)
    assert res.extra["hedged_share_above_18pct"] == pytest.approx(2 / 3)
    assert res.verdict == "does not hold"


def test_claim2_two_windows_are_inconclusive() -> None:
    he, un, w = _loss_windows([45.0, 44.0], [1.0, 1.0])
    assert claim_surprise_losses(he, un, w, CAPITAL).verdict == "inconclusive"


def _hedge_pnl(costs_pct: list[float]) -> pd.Series:
    """Daily hedge P&L spreading each month's cost evenly over its sessions."""
    idx = pd.bdate_range("2021-01-01", periods=23 * len(costs_pct) + 40)
    months = idx.to_period("M")
    uniq = months.unique()[: len(costs_pct)]
    idx = idx[months.isin(uniq)]
    months = idx.to_period("M")
    pnl = pd.Series(0.0, index=idx)
    for m, c in zip(uniq, costs_pct, strict=True):
        days = months == m
        pnl[days] = -c / 100.0 * CAPITAL / int(days.sum())
    return pnl


def test_claim3_half_percent_a_month_holds() -> None:
    pnl = _hedge_pnl([0.5] * 24)
    monthly = monthly_hedge_cost_pct(pnl, CAPITAL)
    assert len(monthly) == 24
    np.testing.assert_allclose(monthly.to_numpy(), 0.5, rtol=1e-12)
    res = claim_hedge_cost(pnl, CAPITAL, BS)
    assert res.estimate.value == pytest.approx(0.5, rel=1e-12)
    assert res.verdict == "holds"


def test_claim3_one_percent_a_month_does_not_hold() -> None:
    assert claim_hedge_cost(_hedge_pnl([1.0] * 12), CAPITAL, BS).verdict == "does not hold"


def test_claim3_noisy_short_sample_is_inconclusive() -> None:
    res = claim_hedge_cost(_hedge_pnl([0.0, 1.2, -0.2, 1.0, 0.5, 0.5]), CAPITAL, BS)
    assert res.estimate.value == pytest.approx(0.5)
    assert res.estimate.lo < 0.3 and res.estimate.hi > 0.3
    assert res.verdict == "inconclusive"


def test_claim3_drops_partial_months() -> None:
    idx = pd.bdate_range("2021-01-25", "2021-03-05")  # 5 Jan sessions, full Feb, 5 Mar
    pnl = pd.Series(-100.0, index=idx)
    monthly = monthly_hedge_cost_pct(pnl, CAPITAL)
    assert [str(p) for p in monthly.index] == ["2021-02"]
    assert monthly.iloc[0] == pytest.approx(20 * 100.0 / CAPITAL * 100.0)


def test_claim2_does_not_hold_when_the_hedge_is_not_what_makes_big_losses_rare() -> None:
    # One 45% unhedged loss in 12 windows (8% above 18%), the hedged book loses the same:
    # "rarely above 18%" is true of the condor book itself, so the hedge earns no credit.
    falls = [45.0] + [5.0] * 11
    he, un, w = _loss_windows(falls, [44.0] + [5.0] * 11)
    res = claim_surprise_losses(he, un, w, CAPITAL)
    assert res.extra["hedged_share_above_18pct"] == pytest.approx(1 / 12)
    assert res.extra["unhedged_share_above_18pct"] == pytest.approx(1 / 12)
    assert res.verdict == "does not hold" and "not what keeps it rare" in res.detail
