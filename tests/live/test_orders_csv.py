"""orders.csv: every order the engine decided, priced at its decision close (alvh.orders)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from signal_fixtures import SEED, quarter_config

from alvh.backtest import run, run_backtest
from alvh.engine.result import ORDER_COLUMNS
from alvh.market.synthetic import generate_market
from alvh.orders import PRICE_COLUMNS


@pytest.fixture(scope="module")
def quarter():  # type: ignore[no-untyped-def]
    cfg = quarter_config()
    # As alvh backtest loads it: from a year before the start (the indicators' history).
    market = generate_market("2007-08-05", cfg.data.end, seed=SEED)
    return cfg, market, run(cfg, market)


def test_orders_csv_is_written_with_every_order(quarter, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cfg, market, result = quarter
    a = run_backtest(cfg, market, tmp_path / "a")
    b = run_backtest(cfg, market, tmp_path / "b")
    text = (a / "orders.csv").read_text()
    assert text == (b / "orders.csv").read_text()  # same inputs, same bytes
    csv = pd.read_csv(a / "orders.csv")
    assert tuple(csv.columns) == (*ORDER_COLUMNS, *PRICE_COLUMNS)
    assert len(csv) == len(result.orders) == 48
    assert set(csv["kind"]) == {"condor_entry", "condor_exit", "hedge"}
    assert csv[list(PRICE_COLUMNS)].notna().all().all()
    # Every condor order decided is in the journal of its day, fired by its rule.
    fired = {
        (str(d.date()), e.rule) for d, es in result.journal for e in es if e.outcome == "fired"
    }
    for r in csv[csv["kind"] == "condor_entry"].itertuples():
        assert (r.date, r.rule) in fired


def test_entry_prices_are_the_entry_rules_credit_and_the_cost_model(quarter) -> None:  # type: ignore[no-untyped-def]
    _, _, result = quarter
    o = result.orders
    credit_mid = {
        (d, e.rule): e.inputs["credit_mid"]
        for d, es in result.journal
        for e in es
        if e.rule.endswith(".entry") and e.outcome == "fired"
    }
    entries = o[o["kind"] == "condor_entry"]
    for r in entries.itertuples():
        # The entry rule prices the condor on its own path (strike search); same mid to 4 dp.
        assert r.model_price == pytest.approx(credit_mid[(r.date, r.rule)], abs=5e-5)
    # Sold below the mid (slippage against the trader), on the 0.05 tick grid (SPX legs
    # tick 0.05 below 3.00 and 0.10 above, so any net of legs is a multiple of 0.05).
    assert (entries["limit_price"] < entries["model_price"]).all()
    ticks = entries["limit_price"] / 0.05
    assert np.allclose(ticks, ticks.round(), atol=1e-6)
    exits = o[o["kind"] == "condor_exit"]
    assert (exits["limit_price"] > exits["model_price"]).all()  # bought back above the mid


def test_hedge_prices_are_the_settlement_and_its_tick(quarter) -> None:  # type: ignore[no-untyped-def]
    _, market, result = quarter
    o = result.orders
    h = o[o["kind"] == "hedge"]
    buys, sells = h[h["side"] == "buy"], h[h["side"] == "sell"]
    assert (buys["limit_price"] > buys["model_price"]).all()
    assert (sells["limit_price"] <= sells["model_price"]).all()
    vx = h[h["tier_or_layer"] == "vx_futures"]
    assert len(vx)
    settles = market.tables["vx_settlements"]
    for r in vx.itertuples():
        # The model price of a VX order is the contract's settlement on the decision day,
        # read here straight from the data table.
        rows = settles[(settles["date"] == r.date) & (settles["contract"] == r.contract)]
        assert len(rows) == 1, (r.date, r.contract)
        assert r.model_price == pytest.approx(float(rows["settle"].iloc[0]), abs=1e-9)
        # A VX outright ticks 0.05: the limit is on that grid (the synthetic settles are not).
        ticks = r.limit_price / 0.05
        assert abs(ticks - round(ticks)) < 1e-6, r.limit_price


def test_without_order_prices_the_orders_are_the_same_rows_unpriced(quarter) -> None:  # type: ignore[no-untyped-def]
    cfg, market, res = quarter
    bare = run(cfg, market, order_prices=False)
    assert "model_price" in res.orders.columns and "model_price" not in bare.orders.columns
    pd.testing.assert_frame_equal(bare.orders, res.orders[list(bare.orders.columns)])
    pd.testing.assert_frame_equal(bare.daily, res.daily)
