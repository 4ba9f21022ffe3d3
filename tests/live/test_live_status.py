"""``book_status``: marks against an independent Black-76 (QuantLib), cash and margin by hand,
equity = cash + market value, tier P&L adding up, on a small synthetic market."""

from __future__ import annotations

import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import new_book, write
from signal_fixtures import chain_around_model

from alvh.live.service import MarketFacts, apply_fills, import_positions, load_fold
from alvh.live.status import DECISION_TIME, book_status
from alvh.market.data import MarketData

OPENED, DAY, EXPIRY = date(2019, 1, 15), date(2019, 2, 15), date(2019, 3, 29)


@pytest.fixture(scope="module")
def market() -> MarketData:
    from alvh.market.synthetic import generate_market

    return generate_market("2019-01-02", "2019-03-29", seed=7)


def _strikes(market: MarketData) -> tuple[float, float, float, float]:
    spot = market.snapshot(pd.Timestamp.combine(OPENED, DECISION_TIME)).close("SPX")
    atm = 5.0 * round(spot / 5.0)
    return atm - 300, atm - 250, atm + 250, atm + 300


@pytest.fixture
def book(tmp_path: Path, market: MarketData):  # type: ignore[no-untyped-def]
    lp, sp, sc, lc = _strikes(market)
    rows = [
        (f"SPXW  190329P{int(lp * 1000):08d}", 2, 1.10),
        (f"SPXW  190329P{int(sp * 1000):08d}", -2, 1.60),
        (f"SPXW  190329C{int(sc * 1000):08d}", -2, 1.40),
        (f"SPXW  190329C{int(lc * 1000):08d}", 2, 0.70),
    ]
    text = "symbol,quantity,avg_price,opened,tier,group\n" + "".join(
        f"{s},{q},{p},{OPENED},mid,c1\n" for s, q, p in rows
    )
    store, _ = new_book(tmp_path, f"sqlite:///{tmp_path / 'b.sqlite'}", capital=100_000.0)
    facts = MarketFacts(DAY, None)
    import_positions(store, "b1", write(tmp_path, "pos.csv", text), facts)
    fills = "date,symbol,quantity,price,fees_usd,tier,group\n2019-01-22,VXH9,1,18.50,2.50,vx,t1\n"
    apply_fills(store, "b1", write(tmp_path, "f.csv", fills), facts)
    return load_fold(store, "b1")


def test_status_marks_cash_margin_and_pnl(book, market: MarketData) -> None:  # type: ignore[no-untyped-def]
    import QuantLib as ql

    from alvh.config.load import config_from_dict
    from alvh.market.surface import SpxVolSurface

    row, bf, _ = book
    cfg = config_from_dict({"name": "live-test", "capital": {"initial_usd": 250000.0}})
    s = book_status("b1", row.capital_usd, bf, cfg, market, DAY)
    # Option marks: Black-76 on the surface's forward, vol and discount, priced by QuantLib.
    snap = market.snapshot(pd.Timestamp.combine(DAY, DECISION_TIME))
    surf = SpxVolSurface.from_snapshot(snap)
    t = surf.t_years(pd.Timestamp(EXPIRY), am_settled=False)
    for lot in s.lots:
        if not lot.contract_id.startswith("SPXW"):
            continue
        k = float(lot.contract_id.split()[-1])
        call = " C " in lot.contract_id
        vol = float(surf.iv(np.array([t]), np.array([k]))[0])
        fwd, df = float(surf.forward(np.array([t]))[0]), float(surf.discount(np.array([t]))[0])
        want = ql.blackFormula(
            ql.Option.Call if call else ql.Option.Put, k, fwd, vol * math.sqrt(t), df
        )
        assert lot.mark == pytest.approx(want, rel=1e-6, abs=1e-8), lot.contract_id
        assert lot.mark_source == "model"

    # The VX future is marked at its settlement of the day (the curve's VXH19 row).
    curve = snap.vx_curve()
    settle = float(curve.loc[curve["contract"] == "VXH19", "settle"].iloc[0])
    vx = next(x for x in s.lots if x.contract_id == "VXH19")
    assert vx.mark == settle and vx.mark_source == "settle"
    assert vx.market_value_usd == pytest.approx((settle - 18.50) * 1000)

    # Cash by hand: 100,000 + credit (1.60 + 1.40 - 1.10 - 0.70 = 1.20) x 2 x 100 = 240, - 2.50
    # fees of the VX fill.
    assert s.cash_usd == pytest.approx(100_000 + 240 - 2.50)
    assert s.equity_usd == pytest.approx(s.cash_usd + s.market_value_usd)
    assert sum(s.pnl_by_tier_usd.values()) + s.capital_usd == pytest.approx(s.equity_usd)
    # Margin by hand: 50-wide condor x 2 x 100 = 10,000 - 240 credit, + one VX at 10,000.
    assert s.margin_usd == pytest.approx(10_000 - 240 + 10_000)
    # Dollar greeks: the SPX book's are the mid tier's; the VX future is 1,000 $ per VIX point.
    assert s.spx_greeks.vega_usd_per_vol_pt == pytest.approx(
        s.spx_greeks_by_tier["mid"].vega_usd_per_vol_pt
    )
    assert s.spx_greeks.vega_usd_per_vol_pt < 0  # a short condor is short vega
    assert s.vix_greeks.delta_usd == pytest.approx(1000.0)


def test_status_before_a_fill_leaves_it_out_and_refuses_non_sessions(
    book, market: MarketData
) -> None:  # type: ignore[no-untyped-def]
    from alvh.config.load import config_from_dict
    from alvh.errors import NoDataError

    row, bf, _ = book
    cfg = config_from_dict({})
    s = book_status("b1", row.capital_usd, bf, cfg, market, date(2019, 1, 18))
    assert {x.contract_id for x in s.lots if x.contract_id.startswith("VX")} == set()
    assert s.n_fills == 4
    with pytest.raises(NoDataError, match="not a session"):
        book_status("b1", row.capital_usd, bf, cfg, market, date(2019, 2, 16))  # a Saturday


def test_status_uses_the_quote_mid_when_a_chain_is_imported_for_the_day(
    book, market: MarketData
) -> None:  # type: ignore[no-untyped-def]
    from alvh.config.load import config_from_dict
    from alvh.market.data import DataSource
    from alvh.market.surface import SpxVolSurface

    row, bf, _ = book
    snap = market.snapshot(pd.Timestamp.combine(DAY, DECISION_TIME))
    surf = SpxVolSurface.from_snapshot(snap)
    # A hand-made chain around the model price: bid 2% under it minus 5 cents, ask 2% over
    # it plus 15 cents, so every mid differs from the model price (a quote mark is visible).
    chain = chain_around_model(
        surf,
        DAY,
        EXPIRY,
        "SPXW",
        pd.Timestamp.combine(DAY, DECISION_TIME),
        bid=lambda m: np.maximum(m * 0.98 - 0.05, 0.05),
        ask=lambda m: m * 1.02 + 0.15,
    )
    tables = {name: market._by_known[name] for name in market._by_known}
    tables["option_chains"] = chain
    with_chain = MarketData(tables, DataSource("synthetic", "test+chain", "synthetic + chain"))
    s = book_status("b1", row.capital_usd, bf, config_from_dict({}), with_chain, DAY)
    for lot in s.lots:
        if not lot.contract_id.startswith("SPXW"):
            continue
        k = float(lot.contract_id.split()[-1])
        q = chain[(chain["strike"] == k) & (chain["right"] == lot.contract_id.split()[2])]
        assert lot.mark_source == "quote"
        assert lot.mark == pytest.approx((q["bid"].iloc[0] + q["ask"].iloc[0]) / 2, abs=1e-12)
    # The day before has no chain: the surface's model prices again.
    prev = book_status(
        "b1", row.capital_usd, bf, config_from_dict({}), with_chain, date(2019, 2, 14)
    )
    assert {x.mark_source for x in prev.lots if x.contract_id.startswith("SPXW")} == {"model"}
