"""Whole-backtest checks: invariants on every day, point in time, determinism."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from alvh.config.hedge import HedgeConfig, hedge_preset
from alvh.engine.loop import Engine
from alvh.engine.result import BacktestResult
from alvh.engine.settings import EngineSettings
from alvh.market.data import MarketData
from alvh.strategy.hedge.adapter import HedgeRule
from alvh.strategy.hedge.alvh_rule import AlvhHedge
from alvh.strategy.hedge.vxth_rule import VxthHedge

TIERS = ("short", "medium", "long")


@pytest.fixture(scope="module")
def result(synthetic_market: MarketData, ladder_settings: EngineSettings) -> BacktestResult:
    return Engine(ladder_settings, synthetic_market).run("test")


def test_run_trades_all_three_tiers(result: BacktestResult) -> None:
    c = result.condors
    assert set(c["tier"]) == set(TIERS)
    assert (c.groupby("tier").size() >= 10).all()
    assert len(result.daily) > 600


def test_equity_change_is_pnl_plus_interest_every_day(result: BacktestResult) -> None:
    d = result.daily
    pnl = d[[f"pnl_tier_{t}_usd" for t in TIERS]].sum(axis=1)
    hedge = d[[c for c in d.columns if c.startswith("pnl_hedge_")]].sum(axis=1)
    for book, extra in (("unhedged", 0.0), ("hedged", hedge)):
        eq = d[f"{book}_equity_usd"]
        change = eq.diff().fillna(eq.iloc[0] - 1_000_000.0)
        explained = pnl + extra + d[f"{book}_interest_usd"]
        np.testing.assert_allclose(change.to_numpy(), explained.to_numpy(), atol=1e-6)


def test_no_condor_survives_its_expiry(result: BacktestResult) -> None:
    c = result.condors
    closed = c[c["close_date"].notna()]
    assert (pd.to_datetime(closed["close_date"]) <= pd.to_datetime(closed["expiry"])).all()
    still_open = c[c["close_date"].isna()]
    assert (pd.to_datetime(still_open["expiry"]) > result.end).all()


def test_margin_never_negative_and_condor_loss_bounded(result: BacktestResult) -> None:
    assert (result.daily["hedged_margin_usd"] >= 0).all()
    c = result.condors[result.condors["close_date"].notna()]
    # Worst case: max loss + fees (8 legs x 1.25 per condor) + the closing half-spreads.
    bound = c["max_loss_usd"] + c["contracts"] * (8 * 1.25 + 4 * 100 * 0.5)
    assert (c["pnl_usd"] >= -bound).all()


def test_every_session_journals_every_tier(result: BacktestResult) -> None:
    for _day, entries in result.journal:
        rules = {e.rule for e in entries}
        assert {f"tier.{t}.entry" for t in TIERS} <= rules


def _frame_until(r: BacktestResult, t: pd.Timestamp) -> pd.DataFrame:
    return r.daily.loc[:t]


def _journal_until(r: BacktestResult, t: pd.Timestamp) -> list:
    return [(d, [tuple(e) for e in es]) for d, es in r.journal if d <= t]


def test_truncation_same_decisions_up_to_t(
    synthetic_market: MarketData, ladder_settings: EngineSettings, result: BacktestResult
) -> None:
    t = pd.Timestamp("2008-06-30")
    short = Engine(dataclasses.replace(ladder_settings, end=str(t.date())), synthetic_market).run(
        "test"
    )
    pd.testing.assert_frame_equal(_frame_until(short, t), _frame_until(result, t))
    assert _journal_until(short, t) == _journal_until(result, t)


def _poison(data: MarketData, after: pd.Timestamp) -> MarketData:
    """Replace every datum that becomes known after ``after`` with garbage, in every table.

    Numbers (closes, settles, rates, final settlements, chain quotes) are scaled by a random
    0.7-1.3, priced like a market so that the run goes on after ``after`` and the comparisons
    can fail. Events known later get random dates and kinds, and garbage events known later are
    added on every day around ``after`` (an index that ignored ``known_at`` would see them).
    """
    rng = np.random.default_rng(0)
    tables = {}
    for name, f in data.tables.items():
        f = f.copy()
        late = f["known_at"] > after
        for col in ("close", "settle", "value", "value_pct", "bid", "ask", "underlying"):
            if col in f.columns:
                f.loc[late, col] = f.loc[late, col] * rng.uniform(0.7, 1.3, late.sum())
        if name == "index_bars":
            for col in ("open", "high", "low"):
                f.loc[late, col] = f.loc[late, "close"]
        if name == "events":
            kinds = np.array(["FOMC", "CPI", "PPI"])
            shift = pd.to_timedelta(rng.integers(-40, 40, late.sum()), unit="D")
            f.loc[late, "date"] = f.loc[late, "date"] + shift
            f.loc[late, "kind"] = rng.choice(kinds, late.sum())
            days = pd.date_range(after.normalize() - pd.Timedelta(days=120), after, freq="D")
            garbage = pd.DataFrame(
                {
                    "kind": rng.choice(kinds, len(days)),
                    "date": days,
                    "time_et": "08:30",
                    "scheduled": False,
                    "known_at": after + pd.to_timedelta(rng.integers(1, 400, len(days)), unit="D"),
                }
            )
            f = pd.concat([f, garbage], ignore_index=True)
        tables[name] = f
    return MarketData(tables, data.source)


def test_poisoned_future_changes_nothing_before(
    synthetic_market: MarketData, ladder_settings: EngineSettings, result: BacktestResult
) -> None:
    t = pd.Timestamp("2008-03-31")
    poisoned = _poison(synthetic_market, t + pd.Timedelta(hours=16, minutes=15))
    r = Engine(ladder_settings, poisoned).run("test")
    pd.testing.assert_frame_equal(_frame_until(r, t), _frame_until(result, t))
    assert _journal_until(r, t) == _journal_until(result, t)
    # and the poison did reach the run after t (the test can fail)
    assert not r.daily.loc[t + pd.Timedelta(days=5) :, "spx"].equals(
        result.daily.loc[t + pd.Timedelta(days=5) :, "spx"]
    )


def test_same_inputs_same_result(
    synthetic_market: MarketData, ladder_settings: EngineSettings, result: BacktestResult
) -> None:
    again = Engine(ladder_settings, synthetic_market).run("test")
    pd.testing.assert_frame_equal(again.daily, result.daily)
    pd.testing.assert_frame_equal(again.trades, result.trades)
    assert _journal_until(again, result.end) == _journal_until(result, result.end)


# The same two point-in-time checks on hedged runs (the ALVH and VXTH rules): the hedges read the
# snapshot's per-data indexes too (the VX curve by day, close tails, upcoming events, the ETF).
_HOOKS: dict[str, Callable[[HedgeConfig], HedgeRule]] = {
    "alvh-442": AlvhHedge,
    "vxth": VxthHedge,
}


@pytest.fixture(scope="module", params=sorted(_HOOKS))
def hedge_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def hedged(
    synthetic_market: MarketData, ladder_settings: EngineSettings, hedge_name: str
) -> BacktestResult:
    hook = _HOOKS[hedge_name](hedge_preset(hedge_name))
    return Engine(ladder_settings, synthetic_market, hook).run("h")


def _hedge_rows(r: BacktestResult, after: pd.Timestamp) -> list[tuple[object, ...]]:
    return [(d, *e) for d, es in r.journal if d > after for e in es if e.rule.startswith("hedge.")]


def test_hedged_truncation_same_decisions_up_to_t(
    synthetic_market: MarketData,
    ladder_settings: EngineSettings,
    hedged: BacktestResult,
    hedge_name: str,
) -> None:
    t = pd.Timestamp("2008-06-30")
    settings = dataclasses.replace(ladder_settings, end=str(t.date()))
    hook = _HOOKS[hedge_name](hedge_preset(hedge_name))
    short = Engine(settings, synthetic_market, hook).run("h")
    pd.testing.assert_frame_equal(_frame_until(short, t), _frame_until(hedged, t))
    assert _journal_until(short, t) == _journal_until(hedged, t)
    assert (short.trades["book"] == "hedged").sum() > 0  # the hedge traded before t


# 2009-04-22: the ALVH hedge holds the VIX-futures ETF (VXX listed in 2009; held 04-13..04-28), so
# the ETF series is read through the poisoned data up to the cut too.
_CUTS = {"alvh-442": ("2008-03-31", "2009-04-22"), "vxth": ("2008-03-31",)}


def test_hedged_poisoned_future_changes_nothing_before(
    synthetic_market: MarketData,
    ladder_settings: EngineSettings,
    hedged: BacktestResult,
    hedge_name: str,
) -> None:
    for cut in _CUTS[hedge_name]:
        t = pd.Timestamp(cut)
        poisoned = _poison(synthetic_market, t + pd.Timedelta(hours=16, minutes=15))
        hook = _HOOKS[hedge_name](hedge_preset(hedge_name))
        r = Engine(ladder_settings, poisoned, hook).run("h")
        pd.testing.assert_frame_equal(_frame_until(r, t), _frame_until(hedged, t))
        assert _journal_until(r, t) == _journal_until(hedged, t), cut
        # and the poison reached the hedge after t (the test can fail)
        assert _hedge_rows(r, t) != _hedge_rows(hedged, t), cut
