"""What runs on one market share (``MarketData.shared``) changes no run's result."""

from __future__ import annotations

import pandas as pd

from alvh.backtest import run
from alvh.config.load import config_with_overrides
from alvh.config.run import RunConfig
from alvh.engine.hedge_market import build_market
from alvh.market.data import MarketData
from alvh.market.synthetic import generate_market


def _market() -> MarketData:
    # A fresh synthetic market each call (its own, empty, memos): a year of history before
    # the quarter, as a sweep worker loads it.
    return generate_market("2020-01-02", "2021-03-31", seed=11)


def test_a_config_after_others_on_one_market_equals_it_on_a_fresh_market(
    base_config: RunConfig,
) -> None:
    """Configs that differ in hedge, strikes and costs fill the memos in turn; the last one
    reads what they left and must still give its own run, bit for bit."""
    shared = _market()
    others = [
        config_with_overrides(base_config, **{"hedge.preset": "vxth"}),
        config_with_overrides(
            base_config,
            **{"hedge.preset": "alvh-442", "tiers[0].strikes.short_delta": 0.1},
        ),
        config_with_overrides(base_config, **{"assumptions.iv_scale": 1.05}),
    ]
    for cfg in others:
        run(cfg, shared, order_prices=False)
    sizes = shared.shared.sizes()
    # Every session's surface and hedge view was kept.
    assert sizes["spx_surface"] > 50 and sizes["hedge_market"] > 50
    last = config_with_overrides(
        base_config, **{"hedge.preset": "alvh-442", "execution.spread_band": "high"}
    )
    warm = run(last, shared, order_prices=False)
    cold = run(last, _market(), order_prices=False)
    pd.testing.assert_frame_equal(warm.daily, cold.daily, check_exact=True)
    pd.testing.assert_frame_equal(warm.trades, cold.trades, check_exact=True)
    assert warm.journal == cold.journal


def test_a_shared_hedge_view_keeps_each_runs_marks_apart() -> None:
    """Two runs' views of one snapshot share the market-only fields and the VIX option greeks,
    never the marks and quotes a run prices with its own costs and contracts."""
    m = _market()
    snap = m.snapshot(pd.Timestamp("2021-02-10 15:45"))
    a, b = build_market(snap), build_market(snap)
    assert a is not b and a.vx_code is b.vx_code and a.option_greeks is b.option_greeks
    assert a.marks is not b.marks and a.etf_quotes is not b.etf_quotes
    # The ETF bar is each run's own read of its snapshot (the memo holds no snapshot).
    assert a.etf is not None and a.etf == b.etf
    # Another snapshot time is another view.
    c = build_market(m.snapshot(pd.Timestamp("2021-02-11 15:45")))
    assert c.option_greeks is not a.option_greeks and c.today_ns > a.today_ns
