"""Fills on the tick grid on every day of a whole hedged run; near-worthless legs by the rules."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from alvh.book.costs import PENNY_TICKS, SPX_OPTION_TICKS, tick_rule
from alvh.config.execution import ExecutionConfig
from alvh.config.hedge import hedge_preset
from alvh.engine.condor_ops import close_prices, open_prices
from alvh.engine.costs import cost_model
from alvh.engine.loop import Engine
from alvh.engine.result import BacktestResult
from alvh.engine.settings import EngineSettings
from alvh.market.data import MarketData
from alvh.strategy.hedge.alvh_rule import AlvhHedge
from alvh.strategy.hedge.vxth_rule import VxthHedge

# Legs in the engine's order: long put, short put, short call, long call.
MIDS = np.array([0.02, 1.20, 0.03, 0.01])
SLIP = np.array([0.0125, 0.03, 0.0125, 0.0125])
LEGS = cost_model(ExecutionConfig(condor_fill="legs"))
NET = cost_model(ExecutionConfig())


def test_closing_near_worthless_legs_by_default_keeps_longs_and_buys_shorts_at_a_tick() -> None:
    px, traded = close_prices(LEGS, MIDS, SLIP)
    # long put: sell 0.02 - 0.0125 = 0.0075 -> 0.00, below a tick -> kept to expiry
    # short put: buy 1.20 + 0.03 = 1.23 -> up to 1.25
    # short call: buy 0.03 + 0.0125 = 0.0425 -> 0.05 (one tick: the nickel buy-back)
    # long call: sell -> 0.00 -> kept
    np.testing.assert_allclose(px, [0.0, 1.25, 0.05, 0.0])
    assert traded.tolist() == [False, True, True, False]


def test_closing_rules_bid_and_expire() -> None:
    rules = cost_model(
        ExecutionConfig(condor_fill="legs", sub_tick_long="bid", sub_tick_short="expire")
    )
    px, traded = close_prices(rules, MIDS, SLIP)
    # Longs sold at the bid (0 here: a zero bid); the short worth 0.03 < a tick is left to expire.
    np.testing.assert_allclose(px[[0, 3]], [0.0, 0.0])
    assert traded.tolist() == [True, True, False, True]


def test_opening_needs_a_bid_on_both_shorts() -> None:
    mids = np.array([0.5, 2.0, 1.5, 0.3])
    px, ok = open_prices(LEGS, mids, np.full(4, 0.02))
    # Leg by leg: buy 0.52 -> 0.55, sell 1.98 -> 1.95, sell 1.48 -> 1.45, buy 0.32 -> 0.35;
    # credit 1.95 + 1.45 - 0.55 - 0.35 = 2.50.
    np.testing.assert_allclose(px, [0.55, 1.95, 1.45, 0.35])
    assert ok
    # One complex order: legs in pennies 0.52, 1.98, 1.48, 0.32 (credit 2.62), the net rounded
    # against us to 2.60 on the $0.05 complex grid; the dearest leg (the 1.98 sale) gives 0.02.
    px, ok = open_prices(NET, mids, np.full(4, 0.02))
    np.testing.assert_allclose(px, [0.52, 1.96, 1.48, 0.32])
    assert ok and float(-np.dot([1, -1, -1, 1], px)) == pytest.approx(2.60)
    _, ok = open_prices(NET, np.array([0.01, 0.03, 1.5, 0.3]), np.full(4, 0.02))
    assert not ok  # the short put would sell at 0.01 -> 0.00: nobody bids a tick


def _traded(res: BacktestResult) -> pd.DataFrame:
    t = res.trades
    return t[~t["reason"].astype(str).str.contains("settle", case=False)]


def _check_every_day(res: BacktestResult, condor_grid: str) -> tuple[int, int]:
    """Assert the tick invariant day by day; return (condor fills, hedge fills) checked.

    ``condor_grid``: ``"net"`` -- condor legs in pennies, each condor's net credit on the $0.05
    complex grid; ``"legs"`` -- every leg on its single-leg tick grid.
    """
    assert (res.trades["price"] >= 0.0).all()  # settlements included: never below zero
    traded = _traded(res)
    n_condor = n_hedge = 0
    for day, g in traded.groupby("date"):
        for product, p in g.groupby("instrument"):
            if product == "etf":
                continue  # a modelled level, not a share price (docs/costs.md)
            rule = tick_rule(str(product), pd.Timestamp(day).date())
            px = p["price"].to_numpy()
            assert (px >= rule.small_tick - 1e-9).all(), f"{day}: {product} below a tick {px}"
            if product == "spx_option" and condor_grid == "net":
                rule = PENNY_TICKS
            assert rule.is_on_grid(px).all(), f"{day}: {product} off the tick grid {px}"
            if product == "spx_option":
                n_condor += len(px)
            else:
                n_hedge += len(px)
    opened = res.condors
    net = opened["credit_usd"].to_numpy() / (100.0 * opened["contracts"].to_numpy())
    assert np.allclose(np.round(net / 0.05) * 0.05, net, atol=1e-6), "a net credit off $0.05"
    return n_condor, n_hedge


@pytest.fixture(scope="module")
def hedged(synthetic_market: MarketData, ladder_settings: EngineSettings) -> BacktestResult:
    return Engine(ladder_settings, synthetic_market, AlvhHedge(hedge_preset("alvh-442"))).run("h")


def test_no_fill_below_a_tick_on_any_day_of_a_hedged_ladder(hedged: BacktestResult) -> None:
    n_condor, n_hedge = _check_every_day(hedged, "net")
    assert n_condor > 500 and n_hedge > 50  # the run trades both books


def test_no_fill_below_a_tick_leg_by_leg_with_the_vxth_hedge(
    synthetic_market: MarketData, ladder_settings: EngineSettings
) -> None:
    # Condor legs rounded one by one this time: every leg on its own tick grid.
    ex = dataclasses.replace(ladder_settings.execution, costs=LEGS)
    settings = dataclasses.replace(ladder_settings, execution=ex)
    res = Engine(settings, synthetic_market, VxthHedge(hedge_preset("vxth"))).run("v")
    n_condor, n_hedge = _check_every_day(res, "legs")
    assert n_condor > 500 and n_hedge > 10


def test_kept_legs_are_journaled_and_settle_at_expiry(hedged: BacktestResult) -> None:
    kept = [e for _, es in hedged.journal for e in es if e.outcome == "kept"]
    settled = [
        e
        for _, es in hedged.journal
        for e in es
        if e.rule.endswith(".settle") and "value" in e.inputs
    ]
    assert kept, "the synthetic stress period closes condors with worthless wings"
    # Every kept leg is a long (the default buys shorts back at a tick) whose sale would have
    # filled below one tick.
    assert all(e.inputs["qty"] > 0 and e.inputs["fill"] < SPX_OPTION_TICKS.small_tick for e in kept)
    assert {e.inputs["contract"] for e in settled} <= {e.inputs["contract"] for e in kept}
    assert all(e.inputs["value"] >= 0.0 for e in settled)
