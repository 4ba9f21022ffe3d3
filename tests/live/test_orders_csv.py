"""orders.csv: every order the engine decided, priced at its decision close (alvh.orders)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from signal_fixtures import SEED, chain_around_model, quarter_config

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
    assert csv[["model_price", "limit_price", "price_source"]].notna().all().all()
    # No chain is imported: every condor is priced on the model, no quoted mid.
    assert csv["quote_mid"].isna().all()
    condors = csv["kind"] != "hedge"
    assert set(csv.loc[condors, "price_source"]) == {"model"}
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


def _chain_around_model(market, day, expiry, decision_time, known_at=None):  # type: ignore[no-untyped-def]
    """A hand-made SPX chain of ``day`` for ``expiry``: bid 4% under the model minus 5 cents,
    ask 6% over it plus 25 cents (mid 1% and 10 cents over the model), so every quoted mid, a
    condor's net of them and every half-spread differ from the model's."""
    from alvh.market.surface import SpxVolSurface

    snap = market.snapshot(pd.Timestamp.combine(day, decision_time))
    return chain_around_model(
        SpxVolSurface.from_snapshot(snap),
        day,
        expiry,
        "SPX",
        known_at or pd.Timestamp.combine(day, decision_time),
        bid=lambda m: np.maximum(m * 0.96 - 0.05, 0.05),
        ask=lambda m: m * 1.06 + 0.25,
        width_pts=600.0,
    )


def _with_chain(market, chain):  # type: ignore[no-untyped-def]
    from alvh.market.data import DataSource, MarketData

    tables = dict(market.tables)
    tables["option_chains"] = chain
    return MarketData(tables, DataSource("synthetic", "quarter+chain", "synthetic + a chain"))


def test_a_chain_imported_for_the_day_prices_that_days_condor_limits(quarter) -> None:  # type: ignore[no-untyped-def]
    """Issue 20: "a real chain imported for D makes ... the signal's limits use the quotes".

    The decisions stay the model's (the same orders, journal and fills with or without the
    chain); only the orders of the chain's day are priced on its quotes, by hand here.
    """
    from alvh.engine.from_config import engine_settings

    cfg, market, base = quarter
    o = base.orders
    entry = o[o["kind"] == "condor_entry"].iloc[0]
    day = pd.Timestamp(entry["date"]).date()
    _, expiry, strikes_text = str(entry["contract"]).split(" ")
    strikes = np.array([float(k) for k in strikes_text.split("/")])
    settings = engine_settings(cfg)
    chain = _chain_around_model(market, day, expiry, settings.execution.decision_time)
    res = run(cfg, _with_chain(market, chain))
    # Same decisions: the chain changes no order, fill or journal entry.
    pd.testing.assert_frame_equal(res.orders[list(ORDER_COLUMNS)], base.orders[list(ORDER_COLUMNS)])
    pd.testing.assert_frame_equal(res.trades, base.trades)
    on_day = pd.to_datetime(res.orders["date"]).dt.date == day
    condor = res.orders["kind"] != "hedge"
    # The chain quotes one expiry: that day's condors of it are priced on the quotes; others
    # (another expiry that day, or any other day) on the model, as a condor whose legs are not
    # all quoted is.
    of_expiry = res.orders["contract"].str.split(" ").str[1] == expiry
    assert set(res.orders.loc[on_day & condor & of_expiry, "price_source"]) == {"chain"}
    assert set(res.orders.loc[~(on_day & of_expiry) & condor, "price_source"]) == {"model"}
    assert res.orders.loc[~(on_day & of_expiry), "quote_mid"].isna().all()
    pd.testing.assert_series_equal(res.orders["model_price"], base.orders["model_price"])
    # By hand: the legs' quoted mids and half-spreads (long put, short put, short call, long call).
    row = res.orders[on_day & (res.orders["contract"] == entry["contract"])].iloc[0]
    mids, halves = [], []
    for k, right in zip(strikes, "PPCC", strict=True):
        q = chain[(chain["strike"] == k) & (chain["right"] == right)].iloc[0]
        mids.append((q["bid"] + q["ask"]) / 2)
        halves.append((q["ask"] - q["bid"]) / 2)
    credit_mid = -mids[0] + mids[1] + mids[2] - mids[3]
    assert row["quote_mid"] == pytest.approx(credit_mid, abs=1e-9)
    assert row["quote_mid"] != pytest.approx(row["model_price"], abs=1e-3)
    # Sold at the quoted mid less slippage_frac x the quoted half-spreads, then rounded against
    # the trader: at most one net tick (0.05) and each leg's penny below the unrounded credit.
    frac = settings.execution.costs.slippage_frac
    unrounded = credit_mid - frac * sum(halves)
    assert unrounded - 0.05 - 0.04 - 1e-9 <= row["limit_price"] <= unrounded + 1e-9
    assert row["limit_price"] == pytest.approx(round(row["limit_price"] / 0.05) * 0.05, abs=1e-9)


def test_a_chain_not_yet_known_at_the_decision_is_not_used(quarter) -> None:  # type: ignore[no-untyped-def]
    from alvh.engine.from_config import engine_settings

    cfg, market, base = quarter
    o = base.orders
    entry = o[o["kind"] == "condor_entry"].iloc[0]
    day = pd.Timestamp(entry["date"]).date()
    _, expiry, _ = str(entry["contract"]).split(" ")
    dt = engine_settings(cfg).execution.decision_time
    late = pd.Timestamp.combine(day, dt) + pd.Timedelta(minutes=1)  # after the decision
    chain = _chain_around_model(market, day, expiry, dt, known_at=late)
    res = run(cfg, _with_chain(market, chain))
    assert set(res.orders.loc[res.orders["kind"] != "hedge", "price_source"]) == {"model"}
    pd.testing.assert_frame_equal(res.orders, base.orders)
